// The WS-Man dispatcher as Windows' WinRM answers (contract §8, decision 0009): the DSP0227
// association filter and the DMTF resource URIs (MS-WSMV 3.1.4.1.1/13), instances as WinRM
// renders them, the header rules of MS-WSMV 3.1.4.1, and one fault table with RelatesTo on every
// fault. Enumeration sizes and WQL are dispatcher_test.cpp.
#include <gtest/gtest.h>

#include <pugixml.hpp>

#include "dispatcher_fixture.h"
#include "hvsnap/wsman/dispatcher.h"
#include "hvsnap/wsman/messages.h"
#include "hvsnap/wsman/uris.h"

namespace hvsnap::wsman {
namespace {

using namespace testing;

// ---------------------------------------------------------------- DSP0227, DMTF URIs

std::string vm_epr(std::string_view resource, std::string_view name, std::string_view extra = "") {
  return "<a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address>"
         "<a:ReferenceParameters><w:ResourceURI>" +
         std::string(resource) +
         "</w:ResourceURI><w:SelectorSet><w:Selector Name=\"CreationClassName\">"
         "Msvm_ComputerSystem</w:Selector><w:Selector Name=\"Name\">" +
         std::string(name) + "</w:Selector>" + std::string(extra) +
         "</w:SelectorSet></a:ReferenceParameters>";
}

TEST(WsmanAssociationFilter, AssociatedAndAssociationInstancesOnTheDmtfWildcard) {
  Fixture f(3);
  f.provider->links.push_back({f.provider->instances[0].path(), f.provider->instances[2].path(),
                               "Msvm_Test", "Antecedent", "Dependent"});
  auto filter = [&](std::string_view el, std::string_view more) {
    return "<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>10</w:MaxElements>"
           "<w:Filter "
           "Dialect=\"http://schemas.dmtf.org/wbem/wsman/1/cimbinding/associationFilter\">"
           "<b:" +
           std::string(el) +
           " xmlns:b=\"http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd\"><b:Object>" +
           vm_epr(std::string(kWmi) + "Msvm_ComputerSystem", "VM-0") + "</b:Object>" +
           std::string(more) + "</b:" + std::string(el) + "></w:Filter></n:Enumerate>";
  };
  Response assoc =
      f.call(envelope(kActEnum, "http://schemas.dmtf.org/wbem/wscim/1/*", "",
                      filter("AssociatedInstances",
                             "<b:AssociationClassName>Msvm_Test</b:AssociationClassName>"
                             "<b:ResultClassName>Msvm_ComputerSystem</b:ResultClassName>")));
  ASSERT_FALSE(assoc.fault) << assoc.fault->to_string();
  ASSERT_EQ(assoc.items.size(), 1U);
  EXPECT_EQ(assoc.items[0].instance->get_string("Name"), "VM-2");
  Response refs = f.call(envelope(kActEnum, "http://schemas.dmtf.org/wbem/wscim/1/*", "",
                                  filter("AssociationInstances", "<b:Role>Antecedent</b:Role>")));
  ASSERT_FALSE(refs.fault) << refs.fault->to_string();
  ASSERT_EQ(refs.items.size(), 1U);
  EXPECT_EQ(refs.items[0].instance->class_name(), "Msvm_Test");
  Fault bad = f.fault_of(envelope(kActEnum, "http://schemas.dmtf.org/wbem/wscim/1/*", "",
                                  filter("AssociatedInstances", "<b:Frobnicate>x</b:Frobnicate>")));
  EXPECT_EQ(bad.subcode, "CannotProcessFilter");
  EXPECT_NE(bad.reason.find("Frobnicate"), std::string::npos);
}

TEST(WsmanResourceUris, ACimSchemaUriWithACimNamespaceSelectorEnumeratesSubclasses) {
  Fixture f(3);
  Response r = f.call(envelope(
      kActEnum, "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ComputerSystem",
      "<w:SelectorSet><w:Selector Name=\"__cimnamespace\">root/virtualization/v2</w:Selector>"
      "</w:SelectorSet>",
      "<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>10</w:MaxElements></n:Enumerate>"));
  ASSERT_FALSE(r.fault) << r.fault->to_string();
  EXPECT_EQ(r.items.size(), 3U);
}

// ---------------------------------------------------------------- rendering

TEST(WsmanRendering, InstancesCarryXsiTypeNilsAndTheEnvelopeXmlLang) {
  Fixture f(1);
  auto reply = f.raw(envelope(
      kActGet, std::string(kWmi) + "Msvm_ComputerSystem",
      "<w:SelectorSet><w:Selector Name=\"CreationClassName\">Msvm_ComputerSystem</w:Selector>"
      "<w:Selector Name=\"Name\">VM-0</w:Selector></w:SelectorSet>",
      ""));
  ASSERT_EQ(reply.http_status, 200) << reply.body;
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(reply.body.c_str()));
  EXPECT_STREQ(doc.document_element().attribute("xml:lang").value(), "en-US");
  pugi::xml_node inst = doc.document_element().last_child().first_child();
  EXPECT_STREQ(inst.attribute("xsi:type").value(), "p:Msvm_ComputerSystem_Type");
  // Every property of the instance, in the instance's order, the null one as xsi:nil.
  std::vector<std::string> names;
  for (pugi::xml_node c = inst.first_child(); c; c = c.next_sibling())
    names.emplace_back(c.name());
  EXPECT_EQ(names,
            (std::vector<std::string>{"p:Caption", "p:CreationClassName", "p:Description",
                                      "p:ElementName", "p:EnabledState", "p:Name", "p:MemoryMB"}));
  EXPECT_STREQ(inst.child("p:Description").attribute("xsi:nil").value(), "true");
  auto parsed = parse_response(reply.body);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->xml_lang, "en-US");
}

// ---------------------------------------------------------------- header rules

struct HeaderCase {
  std::string name;
  std::string xml;
  std::string subcode;  // "MustUnderstand" for the SOAP code
  std::string detail;   // expected w:FaultDetail, or ""
};

// GoogleTest's name for a parameter's printer.
// NOLINTNEXTLINE(readability-identifier-naming)
void PrintTo(const HeaderCase& c, std::ostream* os) {
  *os << c.name;
}

class HeaderRules : public ::testing::TestWithParam<HeaderCase> {};

const std::string kGetVm0Selectors =
    "<w:SelectorSet><w:Selector Name=\"CreationClassName\">Msvm_ComputerSystem</w:Selector>"
    "<w:Selector Name=\"Name\">VM-0</w:Selector></w:SelectorSet>";
const std::string kCsUri = std::string(kWmi) + "Msvm_ComputerSystem";

// A Get of VM-0 with `before` and `after` around its envelope.
std::string get_vm0_between(const std::string& before, const std::string& after) {
  return before + envelope(kActGet, kCsUri, kGetVm0Selectors, "") + after;
}

// A Get of VM-0 whose Name selector is `selector`, the whole element.
std::string get_with_name_selector(const std::string& selector) {
  return envelope(kActGet, kCsUri,
                  "<w:SelectorSet><w:Selector Name=\"CreationClassName\">Msvm_ComputerSystem"
                  "</w:Selector>" +
                      selector + "</w:SelectorSet>",
                  "");
}

// The same with `n` foreign attributes on the Name selector, the last of them named like the
// second (past the few an element's attributes are compared pairwise within): by its qualified
// name, or (`expanded`) by a second prefix of the same namespace.
std::string many_attributes_one_twice(int n, bool expanded = false) {
  std::string attrs;
  for (int i = 0; i + 1 < n; ++i)
    attrs += " q:a" + std::to_string(i) + "=\"" + std::to_string(i) + "\"";
  attrs += expanded ? " r:a1=\"again\"" : " q:a1=\"again\"";
  return get_with_name_selector("<w:Selector xmlns:q=\"urn:q\" xmlns:r=\"urn:q\"" + attrs +
                                " Name=\"Name\">VM-0</w:Selector>");
}

TEST_P(HeaderRules, AreFaultsMsWsmvNames) {
  const HeaderCase& c = GetParam();
  Fixture f(1);
  auto reply = f.raw(c.xml);
  EXPECT_EQ(reply.http_status, 500);
  auto r = parse_response(reply.body);
  ASSERT_TRUE(r.ok()) << reply.body;
  ASSERT_TRUE(r->fault.has_value()) << "answered instead of faulting:\n" << reply.body;
  if (c.subcode == "MustUnderstand") {
    EXPECT_EQ(r->fault->code, Fault::Code::kMustUnderstand);
  } else {
    EXPECT_EQ(r->fault->subcode, c.subcode) << r->fault->to_string();
  }
  if (!c.detail.empty()) {
    EXPECT_EQ(r->fault->detail, c.detail);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Wsman, HeaderRules,
    ::testing::Values(
        HeaderCase{"NoReplyTo",
                   envelope(kActGet, kCsUri, kGetVm0Selectors, "",
                            "uuid:6B0D1C4A-BCED-4CAE-981B-8DDA57181C9F", false),
                   "MessageInformationHeaderRequired", ""},
        HeaderCase{"EmptyMessageId", envelope(kActGet, kCsUri, kGetVm0Selectors, "", ""),
                   "InvalidMessageInformationHeader", std::string(fault_detail::kInvalidMessageId)},
        HeaderCase{"MalformedUuidMessageId",
                   envelope(kActGet, kCsUri, kGetVm0Selectors, "", "uuid:not-a-uuid"),
                   "InvalidMessageInformationHeader", ""},
        HeaderCase{"SpaceInMessageId", envelope(kActGet, kCsUri, kGetVm0Selectors, "", "a b"),
                   "InvalidMessageInformationHeader", ""},
        HeaderCase{
            "UnknownMustUnderstandHeader",
            envelope(kActGet, kCsUri,
                     kGetVm0Selectors +
                         "<x:Frob xmlns:x=\"urn:example\" s:mustUnderstand=\"true\">1</x:Frob>",
                     ""),
            "MustUnderstand", ""},
        HeaderCase{
            "LocaleMustUnderstand",
            envelope(kActGet, kCsUri,
                     kGetVm0Selectors + "<w:Locale xml:lang=\"de-DE\" s:mustUnderstand=\"true\"/>",
                     ""),
            "UnsupportedFeature", std::string(fault_detail::kLocale)},
        HeaderCase{"OptionMustComply",
                   envelope(kActGet, kCsUri,
                            kGetVm0Selectors +
                                "<w:OptionSet><w:Option Name=\"Frobnicate\" MustComply=\"true\">1"
                                "</w:Option></w:OptionSet>",
                            ""),
                   "InvalidOptions", ""},
        HeaderCase{"UndeclaredPrefix",
                   envelope(std::string(kCsUri) + "/RequestStateChange", kCsUri, kGetVm0Selectors,
                            "<p:RequestStateChange_INPUT xmlns:p=\"" + kCsUri +
                                "\"><q:RequestedState>2</q:RequestedState>"
                                "</p:RequestStateChange_INPUT>"),
                   "SchemaValidationError", ""},
        HeaderCase{"GetWithSomeKeys",
                   envelope(kActGet, kCsUri,
                            "<w:SelectorSet><w:Selector Name=\"Name\">VM-0</w:Selector>"
                            "</w:SelectorSet>",
                            ""),
                   "InvalidSelectors", std::string(fault_detail::kInsufficientSelectors)},
        HeaderCase{"GetWithAnUnknownKey",
                   envelope(kActGet, kCsUri,
                            "<w:SelectorSet><w:Selector Name=\"Name\">VM-0</w:Selector>"
                            "<w:Selector Name=\"Colour\">red</w:Selector></w:SelectorSet>",
                            ""),
                   "InvalidSelectors", std::string(fault_detail::kUnexpectedSelectors)},
        HeaderCase{"InstanceMethodWithoutSelectorSet",
                   envelope(std::string(kCsUri) + "/RequestStateChange", kCsUri, "",
                            "<p:RequestStateChange_INPUT xmlns:p=\"" + kCsUri +
                                "\"><p:RequestedState>2</p:RequestedState>"
                                "</p:RequestStateChange_INPUT>"),
                   "InvalidSelectors", std::string(fault_detail::kInsufficientSelectors)},
        HeaderCase{"ResourceUriOutsideAnyPrefix",
                   envelope(kActGet, "http://example.com/Thing", kGetVm0Selectors, ""),
                   "InvalidResourceURI", ""},
        // xs:boolean collapses the whitespace around true and 1 (decision 0158).
        HeaderCase{
            "UnknownMustUnderstandHeaderWithSpaces",
            envelope(kActGet, kCsUri,
                     kGetVm0Selectors +
                         "<x:Frob xmlns:x=\"urn:example\" s:mustUnderstand=\" true \">1</x:Frob>",
                     ""),
            "MustUnderstand", ""},
        HeaderCase{"OptionMustComplyWithSpaces",
                   envelope(kActGet, kCsUri,
                            kGetVm0Selectors +
                                "<w:OptionSet><w:Option Name=\"Frobnicate\" MustComply=\"\t1 \">1"
                                "</w:Option></w:OptionSet>",
                            ""),
                   "InvalidOptions", ""},
        // Not well-formed, though pugixml reads it (XML 1.0: Char, document, Unique Att Spec).
        HeaderCase{"ANulCharacterReference",
                   get_with_name_selector("<w:Selector Name=\"Name\">"
                                          "VM-0&#x00;garbage</w:Selector>"),
                   "SchemaValidationError", ""},
        HeaderCase{"ANulByteAfterTheEnvelope", get_vm0_between("", std::string(1, '\0') + "junk"),
                   "SchemaValidationError", ""},
        HeaderCase{"TextAfterTheEnvelope", get_vm0_between("", "junk"), "SchemaValidationError",
                   ""},
        HeaderCase{"TextBeforeTheEnvelope", get_vm0_between("junk", ""), "SchemaValidationError",
                   ""},
        // Only the S production stands outside the root: a reference to a space is not it.
        HeaderCase{"ASpaceByReferenceAfterTheEnvelope", get_vm0_between("", "\n&#32;\n"),
                   "SchemaValidationError", ""},
        HeaderCase{"ANewlineByReferenceBeforeTheEnvelope", get_vm0_between("&#xA;", ""),
                   "SchemaValidationError", ""},
        HeaderCase{"AnElementAfterTheEnvelope", get_vm0_between("", "<x/>"),
                   "SchemaValidationError", ""},
        HeaderCase{"AnAttributeTwice",
                   get_with_name_selector("<w:Selector Name=\"Name\" "
                                          "Name=\"Colour\">VM-0</w:Selector>"),
                   "SchemaValidationError", ""},
        HeaderCase{"AnAttributeTwiceAmongMany", many_attributes_one_twice(40),
                   "SchemaValidationError", ""},
        // pugixml adds a reference's digits in 32 bits: 2^32 wraps round to U+0000.
        HeaderCase{"AWrappedNulCharacterReference",
                   get_with_name_selector("<w:Selector Name=\"Name\">"
                                          "VM-0&#x100000000;garbage</w:Selector>"),
                   "SchemaValidationError", ""},
        HeaderCase{"AReferencePastUnicodeInAnAttribute",
                   get_with_name_selector("<w:Selector Name=\"Na&#4294967374;me\">"
                                          "VM-0</w:Selector>"),
                   "SchemaValidationError", ""},
        HeaderCase{"AnXmlDeclarationAfterWhiteSpace",
                   get_vm0_between("\n<?xml version=\"1.0\"?>", ""), "SchemaValidationError", ""},
        HeaderCase{"AnXmlDeclarationAfterTheEnvelope",
                   get_vm0_between("", "<?xml version=\"1.0\"?>"), "SchemaValidationError", ""},
        // Namespaces in XML 1.0, 6.3: one expanded name twice, under two prefixes of one URI.
        HeaderCase{"OneExpandedAttributeNameTwice",
                   get_with_name_selector(
                       "<w:Selector xmlns:a=\"urn:z\" "
                       "xmlns:b=\"urn:z\" a:z=\"1\" b:z=\"2\" Name=\"Name\">VM-0</w:Selector>"),
                   "SchemaValidationError", ""},
        HeaderCase{"OneExpandedAttributeNameTwiceAmongMany", many_attributes_one_twice(40, true),
                   "SchemaValidationError", ""}),
    [](const auto& param_info) { return param_info.param.name; });

TEST(WsmanRequests, WellFormedVariationsAreRead) {
  // An attribute in another namespace is another attribute (Namespaces in XML 1.0, 6.3): a
  // foreign q:Name beside a Selector's Name is an extension, not its name. White space, comments
  // and processing instructions may stand around the envelope. A NUL's character reference is
  // refused; other references to zeros-and-digits are characters like any other.
  Fixture f(1);
  const std::string selectors =
      "<w:SelectorSet><w:Selector xmlns:q=\"urn:other\" q:Name=\"Colour\" "
      "Name=\"CreationClassName\">Msvm_ComputerSystem</w:Selector>"
      "<w:Selector Name=\"Name\">VM&#x2D;0</w:Selector></w:SelectorSet>";
  for (const std::string& text :
       {envelope(kActGet, kCsUri, selectors, ""),
        "\n<!-- before -->\n" + envelope(kActGet, kCsUri, kGetVm0Selectors, "") +
            "\n<?after it?>\n\t ",
        // A UTF-8 byte order mark and an XML declaration (XML 1.0, 4.3.3 and 2.8).
        "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" +
            envelope(kActGet, kCsUri, kGetVm0Selectors, ""),
        // The text of a NUL's reference where no reference is read: comments, CDATA sections
        // and processing instructions (XML 1.0, 2.5 to 2.7); different prefixes of different
        // namespaces on one local name.
        "<!-- &#0; &#x100000000; -->" +
            envelope(kActGet, kCsUri,
                     "<w:SelectorSet><w:Selector Name=\"CreationClassName\">Msvm_ComputerSystem"
                     "</w:Selector><w:Selector xmlns:a=\"urn:a\" xmlns:b=\"urn:b\" a:z=\"1\" "
                     "b:z=\"2\" Name=\"Name\">VM-0<!--&#0;--></w:Selector></w:SelectorSet>"
                     "<x:Note xmlns:x=\"urn:x\"><![CDATA[&#0;]]></x:Note>",
                     "") +
            "<?pi &#0;?>"}) {
    auto reply = f.raw(text);
    EXPECT_EQ(reply.http_status, 200) << reply.body;
    auto r = parse_response(reply.body);
    ASSERT_TRUE(r.ok()) << reply.body;
    EXPECT_FALSE(r->fault.has_value()) << reply.body;
  }
}

// `utf8` (ASCII, 2-byte and 4-byte sequences) as UTF-16 with its byte order mark.
std::string utf16(std::string_view utf8, bool big_endian) {
  std::string out;
  auto unit = [&](std::uint32_t u) {
    const char hi = static_cast<char>(u >> 8), lo = static_cast<char>(u & 0xFF);
    out += big_endian ? hi : lo;
    out += big_endian ? lo : hi;
  };
  unit(0xFEFF);
  for (std::size_t i = 0; i < utf8.size();) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    std::uint32_t cp = c;
    std::size_t n = 1;
    if (c >= 0xF0) {
      cp = c & 0x07U;
      n = 4;
    } else if (c >= 0xE0) {
      cp = c & 0x0FU;
      n = 3;
    } else if (c >= 0xC0) {
      cp = c & 0x1FU;
      n = 2;
    }
    for (std::size_t k = 1; k < n; ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3FU);
    i += n;
    if (cp >= 0x10000) {
      unit(0xD800 + ((cp - 0x10000) >> 10));
      unit(0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      unit(cp);
    }
  }
  return out;
}

TEST(WsmanRequests, AUtf16EnvelopeIsReadAsItsUtf8) {
  // XML 1.0 (4.3.3) and WS-I Basic Profile: a receiver reads UTF-16 as well as UTF-8; WinRM's
  // clients can send it (-UseUTF16). The answer is the same, in UTF-8.
  Fixture f(1);
  const std::string text =
      "<!-- caf\xC3\xA9 \xF0\x9F\x98\x80 -->" + envelope(kActGet, kCsUri, kGetVm0Selectors, "");
  const auto plain = f.raw(text);
  ASSERT_EQ(plain.http_status, 200) << plain.body;
  for (const bool big : {false, true}) {
    const auto reply = f.raw(utf16(text, big));
    EXPECT_EQ(reply.http_status, 200) << reply.body;
    auto r = parse_response(reply.body);
    ASSERT_TRUE(r.ok()) << reply.body;
    ASSERT_FALSE(r->fault.has_value()) << reply.body;
    ASSERT_FALSE(r->items.empty());
    ASSERT_TRUE(r->items.front().instance.has_value());
    EXPECT_EQ(r->items.front().instance->get_string("Name"), "VM-0");
  }
  // A byte order mark before what is not UTF-16: a unit cut in half, a lone surrogate.
  std::string odd = utf16(text, false);
  odd.pop_back();
  std::string lone = utf16(text, false);
  lone.replace(2, 2, std::string("\x00\xD8", 2));  // a high surrogate, then '<'
  for (const std::string& bad : {odd, lone}) {
    const auto reply = f.raw(bad);
    EXPECT_EQ(reply.http_status, 500);
    auto r = parse_response(reply.body);
    ASSERT_TRUE(r.ok()) << reply.body;
    ASSERT_TRUE(r->fault.has_value()) << reply.body;
    EXPECT_EQ(r->fault->subcode, "SchemaValidationError");
    EXPECT_NE(r->fault->reason.find("UTF-16"), std::string::npos) << r->fault->to_string();
  }
}

// ---------------------------------------------------------------- the control extension's clock

// A control extension whose clock moves only by Advance (decision 0140), recording the calls.
struct CallsClock final : ControlHandler {
  std::int64_t ms = 1000;
  std::string mode = "calls";
  std::vector<std::string> calls;
  cim::Result<cim::MethodResult> invoke(std::string_view method,
                                        const cim::PropertyList& in) override {
    calls.emplace_back(method);
    cim::MethodResult out;
    if (method == "Advance") {
      const auto by = cim::find(in, "Milliseconds")->as_int().value_or(0);
      if (by > 1'000'000) return cim::invalid_parameter("too far");
      ms += by;
    }
    out.out.push_back({cim::Name("Milliseconds"), cim::Value::sint64(ms)});
    out.out.push_back({cim::Name("EpochMilliseconds"), cim::Value::sint64(1'700'000'000'000)});
    out.out.push_back({cim::Name("Clock"), cim::Value::string(mode)});
    return out;
  }
};

constexpr std::string_view kAdvance250 =
    "<h:AdvanceFirst xmlns:h=\"urn:hvsnap:wsman:control\">250</h:AdvanceFirst>";
constexpr std::string_view kTellClock = "<h:TellClock xmlns:h=\"urn:hvsnap:wsman:control\"/>";

TEST(WsmanControlClock, AnAdvanceRidesOnARequestAndTheAnswerTellsTheClockAfterIt) {
  Fixture f(1);
  auto clock = std::make_shared<CallsClock>();
  Dispatcher d(f.provider, clock);
  const std::string headers =
      std::string(kGetVm0Selectors) + std::string(kAdvance250) + std::string(kTellClock);
  auto answer = parse_response(d.handle(envelope(kActGet, kCsUri, headers, "")).body);
  ASSERT_TRUE(answer.ok()) << answer.status().to_string();
  ASSERT_FALSE(answer->fault) << answer->fault->to_string();
  EXPECT_EQ(answer->items.size(), 1U) << "the request itself is answered";
  EXPECT_EQ(clock->calls, (std::vector<std::string>{"Advance", "Now"}));
  ASSERT_TRUE(answer->clock.has_value());
  EXPECT_EQ(answer->clock->ms, 1250);
  EXPECT_EQ(answer->clock->epoch_ms, 1'700'000'000'000);
  // A fault is answered with the clock too; an advance the control refuses is the fault.
  auto refused = parse_response(
      d.handle(envelope(kActGet, kCsUri,
                        std::string(kGetVm0Selectors) +
                            "<h:AdvanceFirst xmlns:h=\"urn:hvsnap:wsman:control\">2000000"
                            "</h:AdvanceFirst>" +
                            std::string(kTellClock),
                        ""))
          .body);
  ASSERT_TRUE(refused.ok() && refused->fault);
  EXPECT_NE(refused->fault->to_string().find("h:AdvanceFirst 2000000 ms was refused"),
            std::string::npos)
      << refused->fault->to_string();
  EXPECT_NE(refused->fault->to_string().find("too far"), std::string::npos);
  ASSERT_TRUE(refused->clock.has_value());
  EXPECT_EQ(refused->clock->ms, 1250) << "the refused advance did not move the clock";
  EXPECT_EQ(refused->clock->advanced_ms, 0) << "and the answer says none was made";
  EXPECT_EQ(answer->clock->advanced_ms, 250) << "where the first answer says it was";
  // An advance is made before anything else of the request is looked at: a request refused
  // for its MaxEnvelopeSize still carries it, and says so.
  auto small =
      parse_response(d.handle(envelope(kActGet, kCsUri,
                                       headers + "<w:MaxEnvelopeSize s:mustUnderstand=\"true\">100"
                                                 "</w:MaxEnvelopeSize>",
                                       ""))
                         .body);
  ASSERT_TRUE(small.ok() && small->fault);
  ASSERT_TRUE(small->clock.has_value());
  EXPECT_EQ(small->clock->ms, 1500);
  EXPECT_EQ(small->clock->advanced_ms, 250);
  // Twice in one request is a fault, before anything is made.
  const auto twice = parse_response(
      d.handle(envelope(kActGet, kCsUri, headers + std::string(kAdvance250), "")).body);
  ASSERT_TRUE(twice.ok() && twice->fault);
  EXPECT_NE(twice->fault->reason.find("more than once"), std::string::npos);
  EXPECT_EQ(clock->ms, 1500);
  // Not asked, not told; a clock real time moves is never told (decision 0031).
  EXPECT_FALSE(parse_response(d.handle(envelope(kActGet, kCsUri, kGetVm0Selectors, "")).body)
                   ->clock.has_value());
  clock->mode = "wall";
  EXPECT_FALSE(
      parse_response(d.handle(envelope(kActGet, kCsUri, headers, "")).body)->clock.has_value());
}

TEST(WsmanControlClock, WithoutTheExtensionAnAdvanceIsRefusedAndNoClockIsTold) {
  Fixture f(1);  // no control handler, as for anything but the fake
  const Fault f1 = f.fault_of(
      envelope(kActGet, kCsUri, std::string(kGetVm0Selectors) + std::string(kAdvance250), ""));
  EXPECT_EQ(f1.subcode, "InvalidMessageInformationHeader");
  EXPECT_NE(f1.reason.find("h:AdvanceFirst needs hvsnap's control extension"), std::string::npos);
  Response told = f.call(
      envelope(kActGet, kCsUri, std::string(kGetVm0Selectors) + std::string(kTellClock), ""));
  EXPECT_FALSE(told.fault);
  EXPECT_FALSE(told.clock.has_value());
  const Fault bad = f.fault_of(
      envelope(kActGet, kCsUri,
               std::string(kGetVm0Selectors) +
                   "<h:AdvanceFirst xmlns:h=\"urn:hvsnap:wsman:control\">-5</h:AdvanceFirst>",
               ""));
  EXPECT_EQ(bad.subcode, "InvalidMessageInformationHeader");
  EXPECT_NE(bad.reason.find("h:AdvanceFirst '-5'"), std::string::npos);
  // Marked mustUnderstand, a header of the extension needs it (SOAP 1.2 §5.2.3).
  const Fault must = f.fault_of(
      envelope(kActGet, kCsUri,
               std::string(kGetVm0Selectors) +
                   "<h:TellClock xmlns:h=\"urn:hvsnap:wsman:control\" s:mustUnderstand=\"true\"/>",
               ""));
  EXPECT_EQ(must.code, Fault::Code::kMustUnderstand);
  EXPECT_NE(must.reason.find("h:TellClock"), std::string::npos);
}

TEST(WsmanControlClock, AClientTakesNoClockBeforeTheHostBegan) {
  const std::string told =
      "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Header>"
      "<h:Clock xmlns:h=\"urn:hvsnap:wsman:control\">CLOCK</h:Clock></s:Header>"
      "<s:Body/></s:Envelope>";
  const auto read = [&](const std::string& clock) {
    std::string text = told;
    text.replace(text.find("CLOCK"), 5, clock);
    auto r = parse_response(text);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? r->clock : std::nullopt;
  };
  EXPECT_EQ(read("1500")->ms, 1500);
  EXPECT_FALSE(read("-1").has_value());
  EXPECT_FALSE(read("12x").has_value());
  EXPECT_FALSE(read("99999999999999999999").has_value());
}

TEST(WsmanControlClock, AClientsRequestCarriesTheHeadersItWasGiven) {
  Request r;
  r.op = Operation::kEnumerate;
  r.action = std::string(uri::kActionEnumerate);
  r.resource_uri = std::string(kCsUri);
  r.message_id = "uuid:00000000-0000-0000-0000-000000000001";
  r.advance_first_ms = 750;
  r.tell_clock = true;
  auto parsed = parse_request(write_request(r));
  ASSERT_TRUE(std::holds_alternative<Request>(parsed))
      << std::get<Fault>(parsed).to_string() << "\n"
      << write_request(r);
  EXPECT_EQ(std::get<Request>(parsed).advance_first_ms, 750);
  EXPECT_TRUE(std::get<Request>(parsed).tell_clock);
  r.advance_first_ms = 0;
  r.tell_clock = false;
  const std::string plain = write_request(r);
  EXPECT_EQ(plain.find("urn:hvsnap:wsman:control"), std::string::npos)
      << "nothing of the extension unless asked";
}

// ---------------------------------------------------------------- faults

TEST(WsmanFaults, TheTableIsIndexedByKindAndPairsCodesAsWindowsDoes) {
  const auto& table = fault_table();
  for (std::size_t i = 0; i < table.size(); ++i)
    EXPECT_EQ(static_cast<std::size_t>(table[i].kind), i);
  EXPECT_EQ(fault_spec(FaultKind::kInvalidResourceUri).wsman_code, 0x8033803BU);
  EXPECT_EQ(fault_spec(FaultKind::kInvalidResourceUri).subcode, "InvalidResourceURI");
  EXPECT_EQ(fault_spec(FaultKind::kDestinationUnreachable).wsman_code, 2150858752U);
  EXPECT_EQ(fault_spec(FaultKind::kInvalidSelectors).wsman_code, 0x8033803DU);
  EXPECT_EQ(fault_spec(FaultKind::kActionNotSupported).wsman_code, 0x80338013U);
  EXPECT_EQ(fault_spec(FaultKind::kRequestTooLarge).http_status, 413);
}

TEST(WsmanFaults, EveryFaultRelatesToTheRequestEvenBeforeDispatch) {
  Fixture f(1);
  const std::string id = "uuid:6B0D1C4A-BCED-4CAE-981B-8DDA57181C9F";
  // Not well-formed: the MessageID is still found.
  std::string broken = envelope(kActGet, kCsUri, kGetVm0Selectors, "<unclosed>", id);
  auto r1 = parse_response(f.raw(broken).body);
  ASSERT_TRUE(r1.ok() && r1->fault);
  EXPECT_EQ(r1->relates_to, id);
  // A header fault and a provider fault.
  auto r2 = parse_response(f.raw(envelope(kActGet, kCsUri, kGetVm0Selectors, "", id, false)).body);
  ASSERT_TRUE(r2.ok() && r2->fault);
  EXPECT_EQ(r2->relates_to, id);
  auto r3 =
      parse_response(f.raw(envelope(kActPull, std::string(kWmi) + "*", "",
                                    pull_body("uuid:00000000-0000-0000-0000-000000000000"), id))
                         .body);
  ASSERT_TRUE(r3.ok() && r3->fault);
  EXPECT_EQ(r3->relates_to, id);
  EXPECT_EQ(r3->action, uri::kActionEnumerationFault) << "an enumeration fault's own Action";
}

TEST(WsmanFaults, AProviderErrorIsAWsmanFaultAroundAProviderFault) {
  Fixture f(1);
  auto reply = f.raw(envelope(
      kActGet, kCsUri,
      "<w:SelectorSet><w:Selector Name=\"CreationClassName\">Msvm_ComputerSystem</w:Selector>"
      "<w:Selector Name=\"Name\">NO-SUCH-VM</w:Selector></w:SelectorSet>",
      ""));
  auto r = parse_response(reply.body);
  ASSERT_TRUE(r.ok() && r->fault);
  EXPECT_EQ(r->fault->subcode, "DestinationUnreachable");
  EXPECT_EQ(r->fault->code, Fault::Code::kSender);
  EXPECT_EQ(r->fault->wsman_code, 2150858752U);
  EXPECT_EQ(r->fault->provider, "WMI Provider");
  EXPECT_NE(r->fault->provider_message.find("NO-SUCH-VM"), std::string::npos);
  EXPECT_EQ(r->action, uri::kActionAddressingFault);
}

TEST(WsmanFaults, AnOversizedRequestIs413FromTheTable) {
  Fixture f(1);
  const std::string big =
      envelope(kActGet, kCsUri, kGetVm0Selectors, std::string(f.d->max_request_bytes(), ' '));
  // Through handle() (a transport that reads it all) and oversized_request_reply() (one that
  // stops reading): both name the request in RelatesTo.
  auto raw = f.raw(big);
  EXPECT_EQ(raw.http_status, 413);
  auto handled = parse_response(raw.body);
  ASSERT_TRUE(handled.ok() && handled->fault);
  EXPECT_EQ(handled->fault->subcode, "EncodingLimit");
  EXPECT_EQ(handled->relates_to, "uuid:6B0D1C4A-BCED-4CAE-981B-8DDA57181C9F");
  auto reply = f.d->oversized_request_reply(big.size(), std::string_view(big).substr(0, 4096));
  EXPECT_EQ(reply.http_status, 413);
  auto r = parse_response(reply.body);
  ASSERT_TRUE(r.ok() && r->fault);
  EXPECT_EQ(r->fault->subcode, "EncodingLimit");
  EXPECT_EQ(r->relates_to, "uuid:6B0D1C4A-BCED-4CAE-981B-8DDA57181C9F");
}

}  // namespace
}  // namespace hvsnap::wsman
