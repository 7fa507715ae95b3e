// The client reads every lexical form DSP0230 allows and reports every other one with where and
// what (contract CS-READ-1, decision 0060): booleans, integers, datetimes and intervals,
// references, and a value-map name written in place of its number. Each answer is a response
// envelope as a host would send it, read through wsman::parse_response.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "../src/lexical.h"
#include "../src/xml.h"
#include "hvsnap/cim/splitmix.h"
#include "hvsnap/wsman/messages.h"

namespace hvsnap::wsman {
namespace {

constexpr const char* kJobUri =
    "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/virtualization/v2/Msvm_ConcreteJob";

// A GetResponse holding one Msvm_ConcreteJob whose properties are `body`.
std::string get_response(const std::string& body) {
  return std::string(
             "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
             "xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
             "xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\" "
             "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
             "xmlns:cim=\"http://schemas.dmtf.org/wbem/wscim/1/common\"><s:Header>"
             "<a:Action>http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse</a:Action>"
             "</s:Header><s:Body><p:Msvm_ConcreteJob xmlns:p=\"") +
         kJobUri + "\">" + body + "</p:Msvm_ConcreteJob></s:Body></s:Envelope>";
}

struct Read {
  cim::Instance instance{cim::Name("none")};
  std::vector<cim::WireProblem> problems;
};

// The first instance of a whole response, and what the reading found wrong.
Read read_envelope(const std::string& envelope) {
  auto r = parse_response(envelope);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  Read out;
  if (!r.ok() || r->items.empty() || !r->items.front().instance) return out;
  out.instance = *r->items.front().instance;
  out.problems = r->wire_problems;
  return out;
}

Read read(const std::string& body) {
  return read_envelope(get_response(body));
}

std::string epr(const std::string& cls, const std::string& key, const std::string& value) {
  return "<a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address>"
         "<a:ReferenceParameters><w:ResourceURI>http://schemas.microsoft.com/wbem/wsman/1/wmi/"
         "root/virtualization/v2/" +
         cls + "</w:ResourceURI><w:SelectorSet><w:Selector Name=\"" + key + "\">" + value +
         "</w:Selector></w:SelectorSet></a:ReferenceParameters>";
}

TEST(ClientLexical, EveryXsBooleanFormIsLegal) {
  const Read r =
      read("<p:Cancellable>true</p:Cancellable><p:DeleteOnCompletion>0</p:DeleteOnCompletion>");
  EXPECT_TRUE(r.problems.empty()) << r.problems.front().what;
  EXPECT_EQ(r.instance.get("Cancellable")->as_bool(), true);
  EXPECT_EQ(r.instance.get("DeleteOnCompletion")->as_bool(), false);
  const Read digits =
      read("<p:Cancellable> 1 </p:Cancellable><p:DeleteOnCompletion>false</p:DeleteOnCompletion>");
  EXPECT_TRUE(digits.problems.empty());
  EXPECT_EQ(digits.instance.get("Cancellable")->as_bool(), true);
  EXPECT_EQ(digits.instance.get("DeleteOnCompletion")->as_bool(), false);
}

TEST(ClientLexical, ABooleanInAnotherCaseIsReportedAndReadLeniently) {
  const Read r = read("<p:Cancellable>True</p:Cancellable>");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].where, "Msvm_ConcreteJob.Cancellable");
  EXPECT_NE(r.problems[0].what.find("'True' is not an xs:boolean"), std::string::npos);
  EXPECT_EQ(r.instance.get("Cancellable")->as_bool(), true);  // the run goes on
  const Read yes = read("<p:Cancellable>yes</p:Cancellable>");
  ASSERT_EQ(yes.problems.size(), 1u);
  EXPECT_FALSE(yes.instance.get("Cancellable")->as_bool().has_value());  // kept as text
}

TEST(ClientLexical, IntegersInXsdsLexicalSpaceAreLegalCanonicalOrNot) {
  const Read r = read(
      "<p:PercentComplete>+42</p:PercentComplete><p:JobState>007</p:JobState>"
      "<p:ErrorCode> 0 </p:ErrorCode><p:JobType>-0</p:JobType>");
  EXPECT_TRUE(r.problems.empty()) << r.problems.front().what;
  EXPECT_EQ(r.instance.get("PercentComplete")->as_uint(), 42u);
  EXPECT_EQ(r.instance.get("JobState")->as_uint(), 7u);
  EXPECT_EQ(r.instance.get("ErrorCode")->as_uint(), 0u);
  EXPECT_EQ(r.instance.get("JobType")->as_uint(), 0u);
}

TEST(ClientLexical, IntegersOutsideTheLexicalSpaceOrTheRangeAreReported) {
  const Read hex = read("<p:PercentComplete>0x64</p:PercentComplete>");
  ASSERT_EQ(hex.problems.size(), 1u);
  EXPECT_EQ(hex.problems[0].where, "Msvm_ConcreteJob.PercentComplete");
  EXPECT_NE(hex.problems[0].what.find("not an xs:unsignedShort"), std::string::npos);
  EXPECT_EQ(hex.instance.get("PercentComplete")->as_uint(), 100u);  // DSP0201's hex, leniently
  const Read big = read("<p:PercentComplete>70000</p:PercentComplete>");
  ASSERT_EQ(big.problems.size(), 1u);
  EXPECT_NE(big.problems[0].what.find("out of range for an xs:unsignedShort (0 to 65535)"),
            std::string::npos);
  const Read negative = read("<p:ErrorCode>-1</p:ErrorCode>");
  ASSERT_EQ(negative.problems.size(), 1u);
  for (const char* bad : {"1.0", "1e1", "", "+", "4 2"}) {
    const Read b = read(std::string("<p:JobState>") + bad + "</p:JobState>");
    EXPECT_EQ(b.problems.size(), 1u) << "'" << bad << "'";
  }
}

TEST(ClientLexical, AValueMapNameInPlaceOfItsNumberIsReportedAndReadThroughTheTable) {
  const Read r = read("<p:JobState>Completed</p:JobState>");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].where, "Msvm_ConcreteJob.JobState");
  EXPECT_EQ(r.instance.get("JobState")->as_uint(), 7u);
}

TEST(ClientLexical, DatetimesAsCimDatetimeAndIntervalsAsCimIntervalAreLegal) {
  const Read r = read(
      "<p:TimeSubmitted><cim:Datetime>2026-01-01T12:00:00.5Z</cim:Datetime></p:TimeSubmitted>"
      "<p:StartTime><cim:Datetime>2026-01-01T13:00:00+01:00</cim:Datetime></p:StartTime>"
      "<p:TimeBeforeRemoval><cim:Interval>PT5M</cim:Interval></p:TimeBeforeRemoval>"
      "<p:ElapsedTime><cim:Interval>P0DT0H0M1.25S</cim:Interval></p:ElapsedTime>"
      "<p:TimeOfLastStateChange><cim:CIM_DateTime>20260101120000.000000+000</cim:CIM_DateTime>"
      "</p:TimeOfLastStateChange>");
  EXPECT_TRUE(r.problems.empty()) << r.problems.front().what;
  const cim::DateTime* submitted = r.instance.get("TimeSubmitted")->as_datetime();
  const cim::DateTime* start = r.instance.get("StartTime")->as_datetime();
  ASSERT_NE(submitted, nullptr);
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(start->micros() - submitted->micros(), -500'000);  // 12:00:00 UTC vs 12:00:00.5
  EXPECT_EQ(r.instance.get("TimeBeforeRemoval")->as_datetime()->micros(), 300'000'000);
  EXPECT_TRUE(r.instance.get("TimeBeforeRemoval")->as_datetime()->is_interval());
  EXPECT_EQ(r.instance.get("ElapsedTime")->as_datetime()->micros(), 1'250'000);
  // DSP0230's cim:CIM_DateTime carries the DSP0004 string: legal.
  EXPECT_EQ(r.instance.get("TimeOfLastStateChange")->as_datetime()->micros(),
            submitted->micros() - 500'000);
}

TEST(ClientLexical, TheCimXmlStringFormIsReportedWhereverItIsNotInCimCimDateTime) {
  const Read bare = read("<p:TimeSubmitted>20260101120000.000000+000</p:TimeSubmitted>");
  ASSERT_EQ(bare.problems.size(), 1u);
  EXPECT_EQ(bare.problems[0].where, "Msvm_ConcreteJob.TimeSubmitted");
  EXPECT_NE(bare.problems[0].what.find("CIM-XML (DSP0004) string form"), std::string::npos);
  ASSERT_NE(bare.instance.get("TimeSubmitted")->as_datetime(), nullptr);  // read leniently
  const Read inside = read(
      "<p:TimeSubmitted><cim:Datetime>20260101120000.000000+000</cim:Datetime>"
      "</p:TimeSubmitted>");
  ASSERT_EQ(inside.problems.size(), 1u);
  EXPECT_NE(inside.problems[0].what.find("not an xs:dateTime"), std::string::npos);
  const Read xsd_bare = read("<p:TimeSubmitted>2026-01-01T12:00:00Z</p:TimeSubmitted>");
  EXPECT_EQ(xsd_bare.problems.size(), 1u);  // the right text, but not in its element
}

TEST(ClientLexical, AnIntervalAsFreeTextIsReportedAndKeptAsText) {
  const Read r = read("<p:TimeBeforeRemoval>5 minutes</p:TimeBeforeRemoval>");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].where, "Msvm_ConcreteJob.TimeBeforeRemoval");
  EXPECT_EQ(r.instance.get("TimeBeforeRemoval")->as_datetime(), nullptr);
  const Read wrong = read(
      "<p:TimeBeforeRemoval><cim:Interval>5 minutes</cim:Interval>"
      "</p:TimeBeforeRemoval>");
  ASSERT_EQ(wrong.problems.size(), 1u);
  EXPECT_NE(wrong.problems[0].what.find("not an xs:duration"), std::string::npos);
}

TEST(ClientLexical, AnIntervalLongerThanCimAllowsIsReportedHoweverLongItIs) {
  // Legal xs:durations past DSP0004's 99,999,999 days: each is reported, none read as a value
  // (the longest of them used to overflow the microseconds and come out as a negative interval).
  for (const std::string text :
       {"P100000000D", "PT2562047788H", "PT2562047789H", "PT2562047790H", "PT3000000000H",
        "P106751992D", "P200000000D", "PT153722867281M", "PT9999999999999S"}) {
    SCOPED_TRACE(text);
    const Read r = read("<p:ElapsedTime><cim:Interval>" + text + "</cim:Interval></p:ElapsedTime>");
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0].where, "Msvm_ConcreteJob.ElapsedTime");
    EXPECT_EQ(r.instance.get("ElapsedTime")->as_datetime(), nullptr);
  }
  const Read longest = read(
      "<p:ElapsedTime><cim:Interval>P99999999DT23H59M59.999999S</cim:Interval></p:ElapsedTime>");
  EXPECT_TRUE(longest.problems.empty());
  ASSERT_NE(longest.instance.get("ElapsedTime")->as_datetime(), nullptr);
  EXPECT_EQ(longest.instance.get("ElapsedTime")->as_datetime()->to_string(),
            "99999999235959.999999:000");
}

TEST(ClientLexical, AStringKeepsItsSpacesBesideCdataAndComments) {
  // XML 1.0, 2.10: every character that is not markup reaches the application; an xs:string
  // keeps its whitespace. pugixml drops a whitespace-only text node that is not an element's
  // only child unless told to keep it.
  const Read r = read(
      "<p:ElementName> <![CDATA[vm1]]></p:ElementName>"
      "<p:Caption>vm<![CDATA[1]]> </p:Caption>"
      "<p:Description> <!-- c --></p:Description>"
      "<p:Name>\t<!-- c -->x<!-- d -->\n</p:Name>");
  EXPECT_TRUE(r.problems.empty());
  EXPECT_EQ(r.instance.get_string("ElementName"), " vm1");
  EXPECT_EQ(r.instance.get_string("Caption"), "vm1 ");
  EXPECT_EQ(r.instance.get_string("Description"), " ");
  EXPECT_EQ(r.instance.get_string("Name"), "\tx\n");
  // The spaces between elements of an indented answer are read as nothing.
  const Read indented =
      read("\n  <p:ElementName>e</p:ElementName>\n  <p:JobState>7</p:JobState>\n");
  EXPECT_TRUE(indented.problems.empty());
  EXPECT_EQ(indented.instance.get_string("ElementName"), "e");
  EXPECT_EQ(indented.instance.get("JobState")->as_uint(), 7u);
}

TEST(ClientLexical, ReferencesAreEndpointReferencesAndPathTextIsReported) {
  auto ok = parse_response(
      "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
      "xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
      "xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\"><s:Header/><s:Body>"
      "<p:CreateSnapshot_OUTPUT xmlns:p=\"http://schemas.microsoft.com/wbem/wsman/1/wmi/root/"
      "virtualization/v2/Msvm_CollectionSnapshotService\"><p:Job>" +
      epr("Msvm_ConcreteJob", "InstanceID", "J1") +
      "</p:Job><p:ReturnValue>4096</p:ReturnValue></p:CreateSnapshot_OUTPUT></s:Body>"
      "</s:Envelope>");
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_TRUE(ok->wire_problems.empty());
  ASSERT_TRUE(ok->output);
  ASSERT_NE(ok->output->get("Job")->as_reference(), nullptr);
  auto text = parse_response(
      "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Header/><s:Body>"
      "<p:CreateSnapshot_OUTPUT xmlns:p=\"http://schemas.microsoft.com/wbem/wsman/1/wmi/root/"
      "virtualization/v2/Msvm_CollectionSnapshotService\"><p:Job>"
      "root\\virtualization\\v2:Msvm_ConcreteJob.InstanceID=\"J1\"</p:Job>"
      "<p:ReturnValue>4096</p:ReturnValue></p:CreateSnapshot_OUTPUT></s:Body></s:Envelope>");
  ASSERT_TRUE(text.ok()) << text.status().to_string();
  ASSERT_EQ(text->wire_problems.size(), 1u);
  EXPECT_EQ(text->wire_problems[0].where, "CreateSnapshot_OUTPUT.Job");
  EXPECT_NE(text->wire_problems[0].what.find("not an endpoint reference"), std::string::npos)
      << text->wire_problems[0].what;
  ASSERT_NE(text->output->get("Job")->as_reference(), nullptr);  // read leniently
  EXPECT_EQ(text->output->get("Job")->as_reference()->key("InstanceID")->value, "J1");
  EXPECT_EQ(text->output->return_value, 4096u);
}

TEST(ClientLexical, WhatTheSchemaDoesNotTypeIsNeverJudged) {
  const Read r = read("<p:SomethingElse>True</p:SomethingElse><p:Caption>0x10</p:Caption>");
  EXPECT_TRUE(r.problems.empty());
  EXPECT_EQ(*r.instance.get("SomethingElse")->as_string(), "True");
  const Read nil = read("<p:Cancellable xsi:nil=\"true\"/>");
  EXPECT_TRUE(nil.problems.empty());
  EXPECT_TRUE(nil.instance.get("Cancellable")->is_null());
}

TEST(ClientLexical, TheChecksOnTheirOwn) {
  EXPECT_EQ(xsd_boolean_problem("1"), "");
  EXPECT_NE(xsd_boolean_problem("TRUE"), "");
  EXPECT_EQ(xsd_integer_problem("+0042", cim::CimType::kUint8), "");
  EXPECT_NE(xsd_integer_problem("256", cim::CimType::kUint8), "");
  EXPECT_EQ(xsd_integer_problem("-128", cim::CimType::kSint8), "");
  EXPECT_NE(xsd_integer_problem("-129", cim::CimType::kSint8), "");
  EXPECT_EQ(xsd_integer_problem("18446744073709551615", cim::CimType::kUint64), "");
  EXPECT_NE(xsd_integer_problem("18446744073709551616", cim::CimType::kUint64), "");
  for (const char* ok : {"1", "-1.5", "+.5", "1.", "1e10", "1.5E-3", "INF", "-INF", "NaN"})
    EXPECT_EQ(xsd_real_problem(ok), "") << ok;
  for (const char* bad : {"0x10", "1e", ".", "inf", "1,5", "e3"})
    EXPECT_NE(xsd_real_problem(bad), "") << bad;
}

// ---------------------------------------------------------------- the fast paths (decision 0077)

// The escaper and the XML 1.0 check as they were, a character at a time: the fast versions
// (runs appended whole, eight bytes tested at once) must answer exactly as these do.
std::size_t reference_char_at(std::string_view text, std::size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) return (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') ? 1 : 0;
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto cc = static_cast<unsigned char>(text[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  static constexpr std::uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF) return 0;
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
  if (cp == 0xFFFE || cp == 0xFFFF) return 0;
  return n;
}

std::optional<std::size_t> reference_invalid_at(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = reference_char_at(text, i);
    if (n == 0) return i;
    i += n;
  }
  return std::nullopt;
}

std::string reference_escape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    const char* named = c == '&'    ? "&amp;"
                        : c == '<'  ? "&lt;"
                        : c == '>'  ? "&gt;"
                        : c == '"'  ? "&quot;"
                        : c == '\'' ? "&apos;"
                        : c == '\r' ? "&#13;"
                                    : nullptr;
    if (named != nullptr) {
      out += named;
      ++i;
      continue;
    }
    const std::size_t n = reference_char_at(text, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

TEST(WsmanXml, EscapingAndTheXml10CheckAnswerAsACharacterAtATime) {
  // Pieces that each path treats differently: plain text, the five named characters, CR, tab
  // and LF, C0 controls, DEL, two- three- and four-byte UTF-8, a lone continuation byte, a
  // truncated sequence, a surrogate, U+FFFE, an overlong form and 0xFF; strings up to 40
  // bytes so that runs start and end at every offset of an eight-byte word.
  const std::vector<std::string> pieces = {"a",
                                           "Z",
                                           " ",
                                           "0",
                                           "&",
                                           "<",
                                           ">",
                                           "\"",
                                           "'",
                                           "\r",
                                           "\n",
                                           "\t",
                                           "\x01",
                                           "\x1F",
                                           "\x7F",
                                           "\xC3\xA9",
                                           "\xE2\x82\xAC",
                                           "\xF0\x9F\x98\x80",
                                           "\x80",
                                           "\xC3",
                                           "\xED\xA0\x80",
                                           "\xEF\xBF\xBE",
                                           "\xC0\xAF",
                                           "\xFF",
                                           "abcdefgh",
                                           "hvsnap://x/y?z=1"};
  std::uint64_t state = 20261202;
  for (int round = 0; round < 5000; ++round) {
    std::string text;
    const std::size_t parts = cim::splitmix64(state) % 24;
    for (std::size_t k = 0; k < parts; ++k)
      text += pieces[cim::splitmix64(state) % pieces.size()];
    std::string escaped;
    xml::escape(escaped, text);
    ASSERT_EQ(escaped, reference_escape(text)) << "round " << round;
    ASSERT_EQ(xml::invalid_xml10_at(text), reference_invalid_at(text)) << "round " << round;
  }
}

TEST(WsmanXml, NilIsAnXsBooleanWithTheSpacesItsTypeAllows) {
  // xs:boolean collapses whitespace: " true " and "\t1\n" are true; "yes", "TRUE", "t rue" and
  // "0" are not (the property is then read as a value).
  for (const std::string v : {" true ", "\t1\n", "true", "1"}) {
    const Read r = read("<p:ElementName xsi:nil=\"" + v + "\"/><p:Caption xsi:nil=\"" + v +
                        "\" xmlns:q=\"urn:q\"/>");
    SCOPED_TRACE(v);
    ASSERT_NE(r.instance.get("ElementName"), nullptr);
    EXPECT_TRUE(r.instance.get("ElementName")->is_null());
    ASSERT_NE(r.instance.get("Caption"), nullptr);
    EXPECT_TRUE(r.instance.get("Caption")->is_null());
  }
  for (const std::string v : {"yes", "TRUE", "t rue", "0", "false", ""}) {
    const Read r = read("<p:ElementName xsi:nil=\"" + v + "\">e</p:ElementName>");
    SCOPED_TRACE(v);
    EXPECT_EQ(r.instance.get_string("ElementName"), "e");
  }
}

TEST(WsmanXml, AnUnprefixedNilIsNotXsiNilWhateverTheDefaultNamespace) {
  // Namespaces in XML 1.0, 6.2: a default namespace does not apply to attributes, so `nil`
  // without a prefix is in no namespace even where the default is the XML Schema instance's.
  const Read r = read(
      "<p:ElementName xmlns=\"http://www.w3.org/2001/XMLSchema-instance\" nil=\"true\">vm1"
      "</p:ElementName>"
      "<p:JobState xmlns=\"http://www.w3.org/2001/XMLSchema-instance\" nil=\"true\">7</p:JobState>"
      "<p:Caption nil=\"true\" xsi:nil=\"true\"/>");
  EXPECT_EQ(r.instance.get_string("ElementName"), "vm1");
  ASSERT_NE(r.instance.get("JobState"), nullptr);
  EXPECT_EQ(r.instance.get("JobState")->as_uint(), 7u);
  ASSERT_NE(r.instance.get("Caption"), nullptr);
  EXPECT_TRUE(r.instance.get("Caption")->is_null());
}

TEST(WsmanXml, TheEnvelopesLanguageIsXmlLangAlone) {
  // Only xml:lang names the language: not an unprefixed `lang`, nor `lang` in another namespace.
  std::string env = get_response("<p:ElementName>e</p:ElementName>");
  const std::string open = "<s:Envelope ";
  env.replace(env.find(open), open.size(),
              open + "lang=\"fr\" q:lang=\"de\" xmlns:q=\"urn:x\" xml:lang=\"en-US\" ");
  auto r = parse_response(env);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->xml_lang, "en-US");
  std::string without = get_response("<p:ElementName>e</p:ElementName>");
  without.replace(without.find(open), open.size(), open + "lang=\"fr\" ");
  auto none = parse_response(without);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->xml_lang, "");
}

TEST(WsmanXml, NilIsReadByTheNamespaceItsPrefixHasWhereItIsUsed) {
  // The instance's properties share the xsi of the envelope (remembered once per instance);
  // a property that binds the prefix itself is read by its own binding.
  const Read r = read(
      "<p:ElementName xsi:nil=\"true\"/>"
      "<p:Name xmlns:xsi=\"urn:not-the-schema-instance\" xsi:nil=\"true\">x</p:Name>"
      "<p:Description xmlns:q=\"http://www.w3.org/2001/XMLSchema-instance\" q:nil=\"true\"/>"
      "<p:Caption q:nil=\"true\" xmlns:q=\"urn:other\">c</p:Caption>");
  ASSERT_NE(r.instance.get("ElementName"), nullptr);
  EXPECT_TRUE(r.instance.get("ElementName")->is_null());
  ASSERT_NE(r.instance.get("Name"), nullptr);
  EXPECT_FALSE(r.instance.get("Name")->is_null());
  EXPECT_EQ(r.instance.get_string("Name"), "x");
  ASSERT_NE(r.instance.get("Description"), nullptr);
  EXPECT_TRUE(r.instance.get("Description")->is_null());
  ASSERT_NE(r.instance.get("Caption"), nullptr);
  EXPECT_EQ(r.instance.get_string("Caption"), "c");
}

// The deepest element's level, counted the plain recursive way.
int reference_depth(pugi::xml_node n) {
  int deepest = 0;
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element) deepest = std::max(deepest, 1 + reference_depth(c));
  }
  return deepest;
}

TEST(WsmanXml, DepthIsTheLevelOfTheDeepestElement) {
  // Random documents of elements, text, CDATA, comments and processing instructions, nested up
  // to 12 deep: xml::depth, which walks without a stack, agrees with the recursive count.
  std::uint64_t state = 20261207;
  for (int round = 0; round < 3000; ++round) {
    std::string doc;
    int open = 0;
    const std::size_t parts = cim::splitmix64(state) % 60;
    for (std::size_t k = 0; k < parts; ++k) {
      switch (cim::splitmix64(state) % 7) {
        case 0:
        case 1:
          if (open < 12) {
            doc += "<e>";
            ++open;
          }
          break;
        case 2:
          if (open > 0) {
            doc += "</e>";
            --open;
          }
          break;
        case 3:
          doc += "<leaf/>";
          break;
        case 4:
          doc += "text";
          break;
        case 5:
          doc += "<![CDATA[<not/>]]><!-- <no/> -->";
          break;
        default:
          doc += "<?pi <x/>?>";
          break;
      }
    }
    for (; open > 0; --open)
      doc += "</e>";
    doc = "<root>" + doc + "</root>";
    pugi::xml_document d;
    ASSERT_TRUE(
        d.load_string(doc.c_str(), pugi::parse_default | pugi::parse_comments | pugi::parse_pi))
        << doc;
    ASSERT_EQ(xml::depth(d), reference_depth(d)) << doc;
    ASSERT_EQ(xml::depth(d.document_element()), reference_depth(d.document_element())) << doc;
  }
  pugi::xml_document empty;
  EXPECT_EQ(xml::depth(empty), 0);
}

TEST(WsmanXml, AnXsiNilAloneIsReadByTheXsiItsScopeBinds) {
  // `xsi:nil="true"` as a property's only attribute: nil only where "xsi" is bound to the XML
  // Schema instance namespace, by the envelope or by the instance element (decision 0157). Read
  // by a learned layout (every name once, read twice), and read name by name (a name twice, an
  // array: no layout).
  const std::string xsi = "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"";
  const std::string once =
      "<p:ElementName xsi:nil=\"true\">e</p:ElementName><p:Name xsi:nil=\" 1\"/>"
      "<p:Caption xsi:nil=\"false\">c</p:Caption>";
  const std::string twice =
      once + "<p:Tag xsi:nil=\"true\">a</p:Tag><p:Tag xsi:nil=\"true\">b</p:Tag>";
  for (const std::string& body : {once, twice}) {
    std::string elsewhere = get_response(body);
    elsewhere.replace(elsewhere.find(xsi), xsi.size(), "xmlns:xsi=\"urn:other\"");
    std::string rebound = elsewhere;
    const std::string job = "<p:Msvm_ConcreteJob ";
    rebound.replace(rebound.find(job), job.size(), job + xsi + " ");
    for (int round = 0; round < 2; ++round) {
      SCOPED_TRACE(body + " read " + std::to_string(round + 1));
      const Read o = read_envelope(elsewhere);
      ASSERT_NE(o.instance.get("ElementName"), nullptr);
      EXPECT_EQ(o.instance.get_string("ElementName"), "e");
      ASSERT_NE(o.instance.get("Name"), nullptr);
      EXPECT_FALSE(o.instance.get("Name")->is_null());
      EXPECT_EQ(o.instance.get_string("Caption"), "c");
      const Read i = read_envelope(rebound);
      ASSERT_NE(i.instance.get("ElementName"), nullptr);
      EXPECT_TRUE(i.instance.get("ElementName")->is_null());
      ASSERT_NE(i.instance.get("Name"), nullptr);
      EXPECT_TRUE(i.instance.get("Name")->is_null());
      EXPECT_EQ(i.instance.get_string("Caption"), "c");
      if (body == twice) {
        ASSERT_NE(o.instance.get("Tag"), nullptr);
        EXPECT_TRUE(o.instance.get("Tag")->is_array());
        EXPECT_EQ(o.instance.get("Tag")->items().size(), 2U);
        ASSERT_NE(i.instance.get("Tag"), nullptr);
        EXPECT_TRUE(i.instance.get("Tag")->is_null());
      }
    }
  }
}

TEST(WsmanXml, ManyParametersGroupCaseInsensitivelyBeyondTheSmallTable) {
  // More distinct names than the small table of grouped() holds, each name's elements in one
  // value whatever their case, in first-seen order.
  const std::string uri =
      "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/virtualization/v2/Msvm_ComputerSystem";
  std::string xml =
      "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
      "xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
      "xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\"><s:Header><a:Action>" +
      uri + "/RequestStateChange</a:Action><w:ResourceURI>" + uri +
      "</w:ResourceURI><a:ReplyTo><a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/"
      "role/anonymous</a:Address></a:ReplyTo><a:MessageID>uuid:6B0D1C4A-BCED-4CAE-981B-"
      "8DDA57181C9F</a:MessageID><w:SelectorSet><w:Selector Name=\"Name\">x</w:Selector>"
      "</w:SelectorSet></s:Header><s:Body><p:RequestStateChange_INPUT xmlns:p=\"" +
      uri + "\">";
  constexpr int kNames = 300;
  for (int i = 0; i < kNames; ++i)
    xml +=
        "<p:Zq" + std::to_string(i) + ">" + std::to_string(i) + "</p:Zq" + std::to_string(i) + ">";
  // Again, in another case: the first name (in the small table), one past it, the last.
  for (int i : {0, 200, kNames - 1})
    xml += "<p:ZQ" + std::to_string(i) + ">again</p:ZQ" + std::to_string(i) + ">";
  xml += "</p:RequestStateChange_INPUT></s:Body></s:Envelope>";
  auto parsed = parse_request(xml);
  ASSERT_TRUE(std::holds_alternative<Request>(parsed));
  const Request& r = std::get<Request>(parsed);
  ASSERT_EQ(r.in.size(), static_cast<std::size_t>(kNames));
  for (int i = 0; i < kNames; ++i) {
    const cim::Value& v = r.in[static_cast<std::size_t>(i)].value;
    ASSERT_EQ(r.in[static_cast<std::size_t>(i)].name.view(), "Zq" + std::to_string(i));
    const bool twice = i == 0 || i == 200 || i == kNames - 1;
    ASSERT_EQ(v.is_array(), twice) << i;
    if (twice) {
      ASSERT_EQ(v.items().size(), 2u) << i;
      EXPECT_EQ(std::get<std::string>(v.items()[1]), "again") << i;
    }
  }
}

// The names of an instance's properties, in order.
std::vector<std::string> names_of(const cim::Instance& i) {
  std::vector<std::string> out;
  for (const auto& p : i.properties())
    out.push_back(p.name.str());
  return out;
}

TEST(WsmanXml, InstancesOfAClassReadThroughItsLayoutReadAsEachOnItsOwn) {
  // The client remembers a class's property elements (decision 0121): a later instance with
  // the same names in the same order is read through that layout, one with other names, another
  // case, another order or a repeated name is read on its own (and may become the layout).
  // Each reading must be what the instance's own elements say.
  const std::string names3 =
      "<p:JobState>4</p:JobState><p:ElementName xsi:nil=\"true\"/>"
      "<p:Name>a</p:Name>";
  Read r = read(names3);
  EXPECT_EQ(names_of(r.instance), (std::vector<std::string>{"JobState", "ElementName", "Name"}));
  EXPECT_EQ(r.instance.get("JobState")->as_uint(), 4U);
  EXPECT_TRUE(r.instance.get("ElementName")->is_null());
  EXPECT_EQ(r.instance.get_string("Name"), "a");

  // The same names: the nulls and values are this instance's, not the last one's.
  r = read(
      "<p:JobState xsi:nil=\"true\"/><p:ElementName>e</p:ElementName>"
      "<p:Name xsi:nil=\"true\"/>");
  EXPECT_EQ(names_of(r.instance), (std::vector<std::string>{"JobState", "ElementName", "Name"}));
  ASSERT_TRUE(r.instance.get("JobState")->is_null());
  EXPECT_EQ(r.instance.get("JobState")->type(), cim::CimType::kUint16);
  EXPECT_EQ(r.instance.get_string("ElementName"), "e");
  EXPECT_TRUE(r.instance.get("Name")->is_null());
  EXPECT_TRUE(r.problems.empty());

  // A form the type does not allow is reported through the layout too.
  r = read(
      "<p:JobState>Running</p:JobState><p:ElementName>e</p:ElementName>"
      "<p:Name>n</p:Name>");
  ASSERT_EQ(r.problems.size(), 1U);
  EXPECT_EQ(r.problems.front().where, "Msvm_ConcreteJob.JobState");

  // Another case, another order, one name fewer: read by its own names.
  r = read("<p:name>b</p:name><p:jobstate>7</p:jobstate>");
  EXPECT_EQ(names_of(r.instance), (std::vector<std::string>{"name", "jobstate"}));
  EXPECT_EQ(r.instance.get("JobState")->as_uint(), 7U);
  EXPECT_EQ(r.instance.get_string("Name"), "b");
  EXPECT_EQ(r.instance.get("ElementName"), nullptr);

  // A repeated name is an array, whatever layout was remembered.
  r = read("<p:name>x</p:name><p:Name>y</p:Name><p:jobstate>7</p:jobstate>");
  EXPECT_EQ(names_of(r.instance), (std::vector<std::string>{"name", "jobstate"}));
  ASSERT_TRUE(r.instance.get("Name")->is_array());
  EXPECT_EQ(r.instance.get("Name")->items().size(), 2U);

  // And the first names again, as the first time.
  r = read(names3);
  EXPECT_EQ(names_of(r.instance), (std::vector<std::string>{"JobState", "ElementName", "Name"}));
  EXPECT_EQ(r.instance.get("JobState")->as_uint(), 4U);
  EXPECT_EQ(r.instance.path().class_name(), "Msvm_ConcreteJob");
  EXPECT_EQ(r.instance.path().name_space(), "root\\virtualization\\v2");
}

}  // namespace
}  // namespace hvsnap::wsman
