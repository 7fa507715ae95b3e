// The WS-Man dispatcher as Windows' WinRM answers (contract §8, decision 0009): enumeration
// batch sizes (WS-Enumeration, DSP0226 8.2.3), MaxEnvelopeSize and EncodingLimit, OperationTimeout,
// and WQL as MS-WMI 2.2.1 has it. The DSP0227 association filter, the DMTF resource URIs, the
// rendering of instances, the header rules and the fault table are dispatcher_rules_test.cpp.
#include <gtest/gtest.h>

#include <set>

#include "dispatcher_fixture.h"
#include "hvsnap/wsman/dispatcher.h"
#include "hvsnap/wsman/messages.h"
#include "hvsnap/wsman/uris.h"

namespace hvsnap::wsman {
namespace {

using namespace testing;

const std::string kAll = "SELECT * FROM Msvm_ComputerSystem";

// ---------------------------------------------------------------- enumeration sizes

TEST(WsmanEnumeration, APullWithoutMaxElementsCarriesOneItem) {
  Fixture f(5);
  int messages = 0;
  auto names = f.all(kAll, "", "", &messages);
  EXPECT_EQ(names.size(), 5U);
  EXPECT_EQ(messages, 6) << "Enumerate, then one Pull per item (WS-Enumeration: MaxElements "
                            "defaults to 1), and the last carries EndOfSequence";
}

TEST(WsmanEnumeration, AnOptimizedEnumerateWithoutMaxElementsCarriesOneItem) {
  Fixture f(5);
  Response r = f.call(envelope(kActEnum, std::string(kWmi) + "*", "",
                               wql_enumerate(kAll, "<w:OptimizeEnumeration/>")));
  ASSERT_FALSE(r.fault);
  EXPECT_EQ(r.items.size(), 1U);
  EXPECT_FALSE(r.end_of_sequence);
  EXPECT_FALSE(r.context.empty());
}

TEST(WsmanEnumeration, MaxElementsIsHonouredInEnumerateAndPull) {
  Fixture f(7);
  int messages = 0;
  auto names = f.all(kAll, "<w:OptimizeEnumeration/><w:MaxElements>3</w:MaxElements>",
                     "<n:MaxElements>3</n:MaxElements>", &messages);
  EXPECT_EQ(names.size(), 7U);
  EXPECT_EQ(messages, 3);
}

TEST(WsmanEnumeration, AMaxEnvelopeSizeBelow8192IsAnEncodingLimitFault) {
  Fixture f(2);
  Fault fault =
      f.fault_of(envelope(kActEnum, std::string(kWmi) + "*",
                          "<w:MaxEnvelopeSize s:mustUnderstand=\"true\">8000</w:MaxEnvelopeSize>",
                          wql_enumerate(kAll)));
  EXPECT_EQ(fault.subcode, "EncodingLimit");
  EXPECT_EQ(fault.detail, fault_detail::kMinimumEnvelopeLimit);
  EXPECT_EQ(fault.wsman_code, 0x80338035U);
}

TEST(WsmanEnumeration, ABatchIsCutToMaxEnvelopeSizeAndNothingIsLostOrRepeated) {
  Fixture f(0);
  for (int i = 0; i < 40; ++i) {
    f.provider->add_vm("VM-" + std::to_string(i), std::string(600, 'x'), 2, 1024);
  }
  const std::string mes = "<w:MaxEnvelopeSize s:mustUnderstand=\"true\">8192</w:MaxEnvelopeSize>";
  std::vector<std::string> names;
  Dispatcher::Reply reply = f.raw(envelope(kActEnum, std::string(kWmi) + "*", mes,
                                           wql_enumerate(kAll,
                                                         "<w:OptimizeEnumeration/>"
                                                         "<w:MaxElements>40</w:MaxElements>")));
  std::size_t biggest = 0;
  int messages = 0;
  while (true) {
    ++messages;
    biggest = std::max(biggest, reply.body.size());
    auto r = parse_response(reply.body);
    ASSERT_TRUE(r.ok());
    ASSERT_FALSE(r->fault) << r->fault->to_string();
    for (const auto& it : r->items)
      names.push_back(it.instance->get_string("Name"));
    if (r->end_of_sequence) break;
    reply = f.raw(envelope(kActPull, std::string(kWmi) + "*", mes,
                           pull_body(r->context, "<n:MaxElements>40</n:MaxElements>")));
  }
  EXPECT_LE(biggest, 8192U);
  EXPECT_GT(messages, 2) << "40 instances of ~1 KB cannot fit in one 8 KB envelope";
  ASSERT_EQ(names.size(), 40U);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 40U);
}

// An optimized enumeration's envelope is measured with a 41-character stand-in for its context
// id, which is drawn only when a context is kept (decision 0095): a kept id must have that
// length, and one that ends in its first answer names no context.
TEST(WsmanEnumeration, AKeptContextIdHasTheLengthTheEnvelopeWasMeasuredWith) {
  Fixture f(5);
  Response kept = f.call(envelope(kActEnum, std::string(kWmi) + "*", "",
                                  wql_enumerate(kAll, "<w:OptimizeEnumeration/>")));
  ASSERT_FALSE(kept.fault);
  EXPECT_FALSE(kept.end_of_sequence);
  EXPECT_EQ(kept.context.size(),
            std::string_view("uuid:00000000-0000-4000-8000-000000000000").size())
      << kept.context;
  EXPECT_EQ(kept.context.rfind("uuid:", 0), 0U) << kept.context;
  Response ended = f.call(
      envelope(kActEnum, std::string(kWmi) + "*", "",
               wql_enumerate(kAll, "<w:OptimizeEnumeration/><w:MaxElements>10</w:MaxElements>")));
  ASSERT_FALSE(ended.fault);
  EXPECT_TRUE(ended.end_of_sequence);
  EXPECT_EQ(ended.items.size(), 5U);
  EXPECT_TRUE(ended.context.empty()) << ended.context;
}

TEST(WsmanEnumeration, AnItemThatCannotFitIsAnEncodingLimitFault) {
  Fixture f(0);
  f.provider->add_vm("VM-big", std::string(20000, 'y'), 2, 1);
  Fault fault =
      f.fault_of(envelope(kActEnum, std::string(kWmi) + "*",
                          "<w:MaxEnvelopeSize s:mustUnderstand=\"true\">8192</w:MaxEnvelopeSize>",
                          wql_enumerate(kAll, "<w:OptimizeEnumeration/>")));
  EXPECT_EQ(fault.subcode, "EncodingLimit");
  EXPECT_EQ(fault.detail, fault_detail::kMaxEnvelopeSize);
  // A Get of the same instance does not fit either.
  Fault get = f.fault_of(envelope(
      kActGet, std::string(kWmi) + "Msvm_ComputerSystem",
      "<w:MaxEnvelopeSize s:mustUnderstand=\"true\">8192</w:MaxEnvelopeSize><w:SelectorSet>"
      "<w:Selector Name=\"CreationClassName\">Msvm_ComputerSystem</w:Selector>"
      "<w:Selector Name=\"Name\">VM-big</w:Selector></w:SelectorSet>",
      ""));
  EXPECT_EQ(get.subcode, "EncodingLimit");
}

TEST(WsmanEnumeration, OperationTimeoutIsHonoured) {
  Fixture f(2);
  f.provider->delay = std::chrono::milliseconds(120);
  Fault fault = f.fault_of(envelope(kActEnum, std::string(kWmi) + "*",
                                    "<w:OperationTimeout>PT0.020S</w:OperationTimeout>",
                                    wql_enumerate(kAll)));
  EXPECT_EQ(fault.subcode, "TimedOut");
  EXPECT_EQ(fault.code, Fault::Code::kReceiver);
  EXPECT_EQ(fault.wsman_code, 0x80338029U);
  EXPECT_EQ(f.d->open_enumerations(), 0U) << "a timed-out enumeration leaves no context";
  // A generous timeout is met; a malformed one is refused.
  Response ok =
      f.call(envelope(kActEnum, std::string(kWmi) + "*",
                      "<w:OperationTimeout>PT60S</w:OperationTimeout>", wql_enumerate(kAll)));
  EXPECT_FALSE(ok.fault);
  Fault bad =
      f.fault_of(envelope(kActEnum, std::string(kWmi) + "*",
                          "<w:OperationTimeout>sixty</w:OperationTimeout>", wql_enumerate(kAll)));
  EXPECT_EQ(bad.subcode, "InvalidParameter");
  Fault bad_max_time = f.fault_of(envelope(kActPull, std::string(kWmi) + "*", "",
                                           pull_body(ok.context, "<n:MaxTime>soon</n:MaxTime>")));
  EXPECT_EQ(bad_max_time.subcode, "InvalidParameter");
}

// ---------------------------------------------------------------- WQL

struct WqlCase {
  std::string name;
  std::string query;
  std::vector<std::string> expected;  // VM names, in order
  std::string fault_mentions;         // non-empty: a CannotProcessFilter naming this
};

// GoogleTest's name for a parameter's printer.
// NOLINTNEXTLINE(readability-identifier-naming)
void PrintTo(const WqlCase& c, std::ostream* os) {
  *os << c.query;
}

class WqlAsWmi : public ::testing::TestWithParam<WqlCase> {};

TEST_P(WqlAsWmi, SelectsWhatWmiSelects) {
  const WqlCase& c = GetParam();
  Fixture f(5);  // VM-0..4, vm0..vm4, EnabledState 2,3,2,3,2, MemoryMB 512..2560
  f.provider->instances[1].set("Description", cim::Value::string("the second"));
  if (c.fault_mentions.empty()) {
    EXPECT_EQ(f.all(c.query, "<w:OptimizeEnumeration/><w:MaxElements>100</w:MaxElements>"),
              c.expected);
  } else {
    Fault fault =
        f.fault_of(envelope(kActEnum, std::string(kWmi) + "*", "", wql_enumerate(c.query)));
    EXPECT_EQ(fault.subcode, "CannotProcessFilter") << fault.to_string();
    EXPECT_NE(fault.reason.find(c.fault_mentions), std::string::npos) << fault.reason;
  }
}

const std::string kWhere = "SELECT * FROM Msvm_ComputerSystem WHERE ";

INSTANTIATE_TEST_SUITE_P(
    Wsman, WqlAsWmi,
    ::testing::Values(
        WqlCase{"Equal", kWhere + "Name = 'VM-3'", {"VM-3"}, ""},
        WqlCase{"EqualIgnoresCase", kWhere + "ElementName = 'VM2'", {"VM-2"}, ""},
        WqlCase{"NotEqual", kWhere + "EnabledState <> 2", {"VM-1", "VM-3"}, ""},
        WqlCase{"BangEqual", kWhere + "EnabledState != 3", {"VM-0", "VM-2", "VM-4"}, ""},
        WqlCase{"LessThanIsNumeric", kWhere + "MemoryMB < 1536", {"VM-0", "VM-1"}, ""},
        WqlCase{"GreaterOrEqual", kWhere + "MemoryMB >= '2048'", {"VM-3", "VM-4"}, ""},
        WqlCase{"LessOrEqual", kWhere + "MemoryMB <= 512", {"VM-0"}, ""},
        WqlCase{"LiteralFirst", kWhere + "1024 > MemoryMB", {"VM-0"}, ""},
        WqlCase{"AndOr",
                kWhere + "EnabledState = 2 AND MemoryMB > 600 OR Name = 'VM-1'",
                {"VM-1", "VM-2", "VM-4"},
                ""},
        WqlCase{"Parentheses",
                kWhere + "EnabledState = 2 AND (MemoryMB > 2000 OR Name = 'VM-0')",
                {"VM-0", "VM-4"},
                ""},
        WqlCase{"Not", kWhere + "NOT (EnabledState = 2)", {"VM-1", "VM-3"}, ""},
        WqlCase{"LikePercent",
                kWhere + "ElementName LIKE 'vm%'",
                {"VM-0", "VM-1", "VM-2", "VM-3", "VM-4"},
                ""},
        WqlCase{"LikeUnderscore",
                kWhere + "Name LIKE 'VM-_'",
                {"VM-0", "VM-1", "VM-2", "VM-3", "VM-4"},
                ""},
        WqlCase{"LikeSet", kWhere + "Name LIKE 'VM-[13]'", {"VM-1", "VM-3"}, ""},
        WqlCase{"LikeRange", kWhere + "Name LIKE 'VM-[2-3]'", {"VM-2", "VM-3"}, ""},
        WqlCase{"LikeNegatedSet", kWhere + "Name LIKE 'VM-[^0-2]'", {"VM-3", "VM-4"}, ""},
        WqlCase{"NotLike", kWhere + "Name NOT LIKE '%[0-3]'", {"VM-4"}, ""},
        WqlCase{"IsNull", kWhere + "Description IS NULL", {"VM-0", "VM-2", "VM-3", "VM-4"}, ""},
        WqlCase{"IsNotNull", kWhere + "Description IS NOT NULL", {"VM-1"}, ""},
        WqlCase{"NullComparesUnknown",
                kWhere + "Description = 'x' OR NOT Description = 'x'",
                {"VM-1"},
                ""},
        WqlCase{"SystemClass",
                kWhere + "__CLASS = 'Msvm_ComputerSystem' AND Name = 'VM-0'",
                {"VM-0"},
                ""},
        WqlCase{"SystemRelpath",
                kWhere +
                    "__RELPATH = "
                    "'Msvm_ComputerSystem.CreationClassName=\"Msvm_ComputerSystem\",Name=\"VM-4\"'",
                {"VM-4"},
                ""},
        WqlCase{"SystemNamespace",
                kWhere + "__NAMESPACE = 'root\\\\virtualization\\\\v2' AND Name = 'VM-2'",
                {"VM-2"},
                ""},
        WqlCase{"SystemServer", kWhere + "__SERVER = 'localhost' AND Name = 'VM-1'", {"VM-1"}, ""},
        WqlCase{"SystemPathLike", kWhere + "__PATH LIKE '%VM-3%'", {"VM-3"}, ""},
        WqlCase{"IsaOwnClass",
                kWhere + "__CLASS ISA 'Msvm_ComputerSystem' AND Name = 'VM-0'",
                {"VM-0"},
                ""},
        WqlCase{"Projection",
                "SELECT Name, EnabledState FROM Msvm_ComputerSystem WHERE Name = 'VM-0'",
                {"VM-0"},
                ""},
        WqlCase{"IsaSuperclassNamed",
                kWhere + "__CLASS ISA 'CIM_ComputerSystem'",
                {},
                "class hierarchy"},
        WqlCase{"UnknownSystemProperty",
                kWhere + "__SUPERCLASS = 'CIM_ComputerSystem'",
                {},
                "__SUPERCLASS"},
        WqlCase{"UnknownProperty", kWhere + "NoSuchProperty = 1", {}, "NoSuchProperty"},
        WqlCase{"TypeMismatch", kWhere + "MemoryMB = 'lots'", {}, "lots"},
        WqlCase{"GroupBy", "SELECT * FROM Msvm_ComputerSystem GROUP BY Name", {}, "GROUP"},
        WqlCase{"Within", "SELECT * FROM Msvm_ComputerSystem WITHIN 5", {}, "WITHIN"},
        WqlCase{"IsWithAValue", kWhere + "Name IS 'VM-1'", {}, "NULL"},
        WqlCase{"PropertyPath", kWhere + "Foo.Bar = 1", {}, "property path"},
        WqlCase{"ClassDefsOnly",
                "ASSOCIATORS OF {Msvm_ComputerSystem.CreationClassName='Msvm_ComputerSystem',"
                "Name='VM-0'} WHERE ClassDefsOnly",
                {},
                "ClassDefsOnly"},
        WqlCase{"SchemaOnly",
                "REFERENCES OF {Msvm_ComputerSystem.CreationClassName='Msvm_ComputerSystem',"
                "Name='VM-0'} WHERE SchemaOnly",
                {},
                "SchemaOnly"}),
    [](const auto& param_info) { return param_info.param.name; });

TEST(WsmanWql, AProjectionReturnsOnlyThoseProperties) {
  Fixture f(2);
  Response r =
      f.call(envelope(kActEnum, std::string(kWmi) + "*", "",
                      wql_enumerate("SELECT Name, EnabledState FROM Msvm_ComputerSystem",
                                    "<w:OptimizeEnumeration/><w:MaxElements>10</w:MaxElements>")));
  ASSERT_FALSE(r.fault);
  ASSERT_EQ(r.items.size(), 2U);
  EXPECT_EQ(r.items[0].instance->properties().size(), 2U);
  EXPECT_NE(r.items[0].instance->get("EnabledState"), nullptr);
  EXPECT_EQ(r.items[0].instance->get("ElementName"), nullptr);
}

// A WHERE of string equalities, (p = 'v' AND …) OR (…), is handed to the provider as sets to
// find by key (decision 0137); whatever it answers, the query's own test decides. Any other
// WHERE lists the class.
TEST(WsmanWql, AWhereOfStringEqualitiesAsksForThoseSets) {
  Fixture f(5);
  using Sets = std::vector<cim::Provider::PropertyEquals>;
  EXPECT_EQ(f.all(kWhere + "(CreationClassName = 'Msvm_ComputerSystem' AND Name = 'vm-1') OR "
                           "(Name = 'VM-3') OR Name = 'VM-9'"),
            (std::vector<std::string>{"VM-1", "VM-3"}));
  ASSERT_EQ(f.provider->matching_calls.size(), 1U);
  EXPECT_EQ(f.provider->matching_calls[0],
            (Sets{{{"CreationClassName", "Msvm_ComputerSystem"}, {"Name", "vm-1"}},
                  {{"Name", "VM-3"}},
                  {{"Name", "VM-9"}}}));
  EXPECT_EQ(f.all(kWhere + "Name = 'VM-2' AND ElementName = 'vm2' AND EnabledState = '2'"),
            std::vector<std::string>{"VM-2"});
  ASSERT_EQ(f.provider->matching_calls.size(), 2U);
  EXPECT_EQ(f.provider->matching_calls[1],
            (Sets{{{"Name", "VM-2"}, {"ElementName", "vm2"}, {"EnabledState", "2"}}}));
  for (const std::string where :
       {"Name = 'VM-1' OR EnabledState <> 2", "Name = 'VM-1' AND (Name = 'VM-2' OR Name = 'VM-1')",
        "MemoryMB = 512", "NOT Name = 'VM-1'", "Name LIKE 'VM-1'", "Name IS NULL"}) {
    f.all(kWhere + where);
    EXPECT_EQ(f.provider->matching_calls.size(), 2U) << where;
  }
  EXPECT_EQ(f.all(kWhere + "Name = 'VM-1' OR EnabledState <> 2"),
            (std::vector<std::string>{"VM-1", "VM-3"}));
}

// Names only of a whole class (EnumerateEPR with no filter, or SELECT * FROM it alone) are
// the provider's names (decision 0138): the same references in the same order, no instance;
// anything more in the query lists the instances as before.
TEST(WsmanWql, ANamesOnlyListingOfAClassAsksForNames) {
  Fixture f(5);
  const std::string epr =
      "<w:OptimizeEnumeration/><w:MaxElements>100</w:MaxElements>"
      "<w:EnumerationMode>EnumerateEPR</w:EnumerationMode>";
  const auto listed = [&](const std::string& query) {
    Response r = f.call(envelope(kActEnum, std::string(kWmi) + "*", "", wql_enumerate(query, epr)));
    EXPECT_FALSE(r.fault) << query;
    std::vector<std::string> out;
    for (const auto& it : r.items) {
      EXPECT_FALSE(it.instance) << query;
      if (it.epr) out.push_back(std::string(it.epr->key("Name")->value));
    }
    return out;
  };
  const std::vector<std::string> all{"VM-0", "VM-1", "VM-2", "VM-3", "VM-4"};
  EXPECT_EQ(listed(kAll), all);
  EXPECT_EQ(f.provider->names_calls, 1);
  EXPECT_EQ(listed("select * from msvm_computersystem"), all);
  EXPECT_EQ(f.provider->names_calls, 2);
  EXPECT_EQ(listed(kWhere + "EnabledState = 3"), (std::vector<std::string>{"VM-1", "VM-3"}));
  EXPECT_EQ(listed("SELECT Name FROM Msvm_ComputerSystem"), all);
  EXPECT_EQ(f.provider->names_calls, 2);
}

TEST(WsmanWql, APropertySomeInstancesLackIsNullForThem) {
  // WMI instances carry every property of their class; a provider's may carry fewer (the
  // host and the VMs are both Msvm_ComputerSystem). Absent on one instance is NULL there;
  // absent on all is no property of the class at all (the UnknownProperty case above).
  Fixture f(3);
  f.provider->instances[1].set("ProcessID", cim::Value::uint32(4242));
  EXPECT_EQ(f.all(kWhere + "ProcessID IS NOT NULL"), std::vector<std::string>{"VM-1"});
  EXPECT_EQ(f.all(kWhere + "ProcessID = 4242 OR Name = 'VM-2'"),
            (std::vector<std::string>{"VM-1", "VM-2"}));
}

TEST(WsmanWql, AssociatorsHonourKeysOnly) {
  Fixture f(2);
  f.provider->links.push_back(
      {f.provider->instances[0].path(), f.provider->instances[1].path(), "Msvm_Test", "A", "B"});
  Response r = f.call(envelope(
      kActEnum, std::string(kWmi) + "*", "",
      wql_enumerate("ASSOCIATORS OF {Msvm_ComputerSystem.CreationClassName='Msvm_ComputerSystem',"
                    "Name='VM-0'} WHERE AssocClass = Msvm_Test KeysOnly",
                    "<w:OptimizeEnumeration/><w:MaxElements>10</w:MaxElements>")));
  ASSERT_FALSE(r.fault) << r.fault->to_string();
  ASSERT_EQ(r.items.size(), 1U);
  EXPECT_EQ(r.items[0].instance->properties().size(), 2U) << "CreationClassName and Name only";
  EXPECT_EQ(r.items[0].instance->get_string("Name"), "VM-1");
}
}  // namespace
}  // namespace hvsnap::wsman
