// Hostile input against the WS-Man dispatcher (ctest label `hostile`; decisions 0020, 0021):
// enumeration contexts cannot be guessed, used or released by another client, and one client
// cannot exhaust the quota; an Invoke with tens of thousands of parameters is refused with the
// limit named; every answer is well-formed XML 1.0 even when the data or the request holds
// characters XML cannot carry; numbers are read in XSD's lexical forms only; pathological WQL
// is refused, not recursed into.
#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <bitset>
#include <set>

#include "fake_provider.h"
#include "hvsnap/wsman/dispatcher.h"
#include "hvsnap/wsman/messages.h"
#include "hvsnap/wsman/uris.h"

namespace hvsnap::wsman {
namespace {

using namespace testing;

const std::string kAll = "SELECT * FROM Msvm_ComputerSystem";
const std::string kCsUri = std::string(kWmi) + "Msvm_ComputerSystem";
const std::string kSelectors =
    "<w:SelectorSet><w:Selector Name=\"CreationClassName\">Msvm_ComputerSystem</w:Selector>"
    "<w:Selector Name=\"Name\">VM-0</w:Selector></w:SelectorSet>";

struct Served {
  std::shared_ptr<FakeProvider> provider = std::make_shared<FakeProvider>();
  std::unique_ptr<Dispatcher> d;
  explicit Served(DispatcherOptions o = {}) {
    for (int i = 0; i < 3; ++i)
      provider->add_vm("VM-" + std::to_string(i), "vm", 2, 1024);
    d = std::make_unique<Dispatcher>(provider, nullptr, o);
  }
  Response call(const std::string& xml, std::string_view client) {
    auto reply = d->handle(xml, client);
    pugi::xml_document doc;
    EXPECT_TRUE(doc.load_string(reply.body.c_str())) << "ill-formed answer:\n" << reply.body;
    auto r = parse_response(reply.body);
    EXPECT_TRUE(r.ok()) << reply.body;
    return r.ok() ? std::move(r).value() : Response{};
  }
  std::string open(std::string_view client) {
    Response r = call(envelope(kActEnum, std::string(kWmi) + "*", "", wql_enumerate(kAll)), client);
    EXPECT_FALSE(r.fault) << (r.fault ? r.fault->to_string() : "");
    return r.context;
  }
};

std::bitset<128> bits_of(const std::string& id) {
  std::bitset<128> out;
  std::string hex;
  for (char c : id.substr(5)) {
    if (c != '-') hex += c;
  }
  EXPECT_EQ(hex.size(), 32U) << id;
  for (std::size_t i = 0; i < hex.size() && i < 32; ++i) {
    const unsigned v = static_cast<unsigned>(std::stoul(hex.substr(i, 1), nullptr, 16));
    for (int b = 0; b < 4; ++b)
      out[i * 4 + static_cast<std::size_t>(b)] = ((v >> b) & 1U) != 0;
  }
  return out;
}

TEST(WsmanHostile, EnumerationContextsAreRandom128BitIds) {
  Served s;
  std::vector<std::string> ids;
  for (int client = 0; client < 4; ++client) {
    for (int i = 0; i < 40; ++i)
      ids.push_back(s.open("client-" + std::to_string(client)));
  }
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
  std::size_t total = 0;
  for (std::size_t i = 1; i < ids.size(); ++i) {
    ASSERT_EQ(ids[i].rfind("uuid:", 0), 0U) << ids[i];
    ASSERT_EQ(ids[i].size(), 41U) << ids[i];
    total += (bits_of(ids[i]) ^ bits_of(ids[i - 1])).count();
  }
  // 122 random bits: consecutive ids differ in ~61 of them; a counter differs in a handful.
  EXPECT_GT(total / (ids.size() - 1), 40U);
}

TEST(WsmanHostile, AnotherClientCannotPullOrReleaseAContext) {
  Served s;
  const std::string ctx = s.open("alice");
  Response stolen =
      s.call(envelope(kActPull, std::string(kWmi) + "*", "", pull_body(ctx)), "mallory");
  ASSERT_TRUE(stolen.fault);
  EXPECT_EQ(stolen.fault->subcode, "InvalidEnumerationContext");
  EXPECT_TRUE(stolen.items.empty());
  Response released = s.call(
      envelope(kActRelease, std::string(kWmi) + "*", "",
               "<n:Release><n:EnumerationContext>" + ctx + "</n:EnumerationContext></n:Release>"),
      "mallory");
  ASSERT_TRUE(released.fault);
  EXPECT_EQ(released.fault->subcode, "InvalidEnumerationContext");
  // The owner still has it, whole.
  Response mine = s.call(envelope(kActPull, std::string(kWmi) + "*", "",
                                  pull_body(ctx, "<n:MaxElements>10</n:MaxElements>")),
                         "alice");
  ASSERT_FALSE(mine.fault) << mine.fault->to_string();
  EXPECT_EQ(mine.items.size(), 3U);
}

TEST(WsmanHostile, OneClientCannotExhaustTheContextQuotaForOthers) {
  DispatcherOptions o;
  o.max_contexts_per_client = 8;
  o.max_contexts = 20;
  Served s(o);
  for (int i = 0; i < 8; ++i)
    s.open("greedy");
  Response refused =
      s.call(envelope(kActEnum, std::string(kWmi) + "*", "", wql_enumerate(kAll)), "greedy");
  ASSERT_TRUE(refused.fault);
  EXPECT_EQ(refused.fault->subcode, "QuotaLimit");
  EXPECT_NE(refused.fault->reason.find("one client"), std::string::npos);
  EXPECT_FALSE(s.open("patient").empty()) << "another client is still served";
}

std::string invoke_with(std::size_t n, bool distinct) {
  std::string body = "<p:RequestStateChange_INPUT xmlns:p=\"" + kCsUri + "\">";
  body.reserve(n * 40);
  for (std::size_t i = 0; i < n; ++i) {
    // Distinct names, or the smallest element there is (so that 40,000 fit in 512 KB).
    body += distinct ? "<p:P" + std::to_string(i) + ">1</p:P" + std::to_string(i) + ">"
                     : std::string("<p:a/>");
  }
  body += "</p:RequestStateChange_INPUT>";
  return envelope(kCsUri + "/RequestStateChange", kCsUri, kSelectors, body);
}

TEST(WsmanHostile, AnInvokeWithFortyThousandParametersIsRefusedNamingTheLimit) {
  Served s;
  Response r = s.call(invoke_with(40000, false), "alice");
  ASSERT_TRUE(r.fault);
  EXPECT_EQ(r.fault->subcode, "EncodingLimit");
  EXPECT_NE(r.fault->reason.find("1024"), std::string::npos) << r.fault->reason;
  // At the limit it is read (and repeated elements are one array parameter).
  Response ok = s.call(invoke_with(1024, true), "alice");
  EXPECT_FALSE(ok.fault) << ok.fault->to_string();
  // Parsing is linear: 50,000 distinct names with the limit lifted (bench/wsman_bench
  // BM_ParseInvoke measures it; the quadratic parser took seconds here).
  ParseLimits big;
  big.max_bytes = 8u * 1024 * 1024;
  big.max_parameters = 60000;
  auto parsed = parse_request(invoke_with(50000, true), big);
  ASSERT_TRUE(std::holds_alternative<Request>(parsed));
  EXPECT_EQ(std::get<Request>(parsed).in.size(), 50000U);
}

TEST(WsmanHostile, AControlCharacterInAnInstanceNeverMakesIllFormedXml) {
  Served s;
  s.provider->instances[0].set("ElementName", cim::Value::string("bad\x01name"));
  Response get = s.call(envelope(kActGet, kCsUri, kSelectors, ""), "alice");
  ASSERT_TRUE(get.fault) << "refused, not written (decision 0021)";
  EXPECT_EQ(get.fault->subcode, "InternalError");
  EXPECT_NE(get.fault->reason.find("ElementName"), std::string::npos) << get.fault->reason;
  Response en = s.call(envelope(kActEnum, std::string(kWmi) + "*", "",
                                wql_enumerate(kAll, "<w:OptimizeEnumeration/>")),
                       "alice");
  ASSERT_TRUE(en.fault);
  // In a key, too.
  Served k;
  k.provider->add_vm("VM-\x1f", "x", 2, 1);
  Response en2 = k.call(envelope(kActEnum, std::string(kWmi) + "*", "",
                                 wql_enumerate(kAll,
                                               "<w:OptimizeEnumeration/>"
                                               "<w:MaxElements>10</w:MaxElements>")),
                        "alice");
  ASSERT_TRUE(en2.fault);
  EXPECT_NE(en2.fault->reason.find("key Name"), std::string::npos) << en2.fault->reason;
}

// Names only (EnumerateEPR, decision 0138): the references are sent and nothing else, so a
// property XML cannot carry does not stop them, and a key does; with a WHERE as without one.
TEST(WsmanHostile, ANamesOnlyEnumerationChecksOnlyTheKeysItSends) {
  const std::string epr =
      "<w:OptimizeEnumeration/><w:MaxElements>10</w:MaxElements>"
      "<w:EnumerationMode>EnumerateEPR</w:EnumerationMode>";
  for (const std::string& query : {std::string(kAll), std::string(kAll) + " WHERE Name <> 'x'"}) {
    Served s;
    s.provider->instances[0].set("ElementName", cim::Value::string("bad\x01name"));
    Response names =
        s.call(envelope(kActEnum, std::string(kWmi) + "*", "", wql_enumerate(query, epr)), "alice");
    EXPECT_FALSE(names.fault) << query << ": " << names.fault->to_string();
    Served k;
    k.provider->add_vm("VM-\x1f", "x", 2, 1);
    Response bad =
        k.call(envelope(kActEnum, std::string(kWmi) + "*", "", wql_enumerate(query, epr)), "alice");
    ASSERT_TRUE(bad.fault) << query;
    EXPECT_NE(bad.fault->reason.find("key Name"), std::string::npos) << bad.fault->reason;
  }
}

TEST(WsmanHostile, CharactersXmlCannotCarryAreRefusedInRequests) {
  Served s;
  for (const std::string& bad : {std::string("VM&#1;0"), std::string("VM\x02"),
                                 std::string("VM\xff\xfe"), std::string("VM&#xFFFE;")}) {
    const std::string sel =
        "<w:SelectorSet><w:Selector Name=\"CreationClassName\">Msvm_ComputerSystem</w:Selector>"
        "<w:Selector Name=\"Name\">" +
        bad + "</w:Selector></w:SelectorSet>";
    Response r = s.call(envelope(kActGet, kCsUri, sel, ""), "alice");
    ASSERT_TRUE(r.fault) << bad;
    EXPECT_EQ(r.fault->subcode, "SchemaValidationError") << bad;
  }
}

TEST(WsmanHostile, NumbersAreReadInXsdLexicalFormsOnly) {
  Served s;
  auto state = [&](std::string_view text) {
    const std::string body = "<p:RequestStateChange_INPUT xmlns:p=\"" + kCsUri +
                             "\"><p:RequestedState>" + std::string(text) +
                             "</p:RequestedState></p:RequestStateChange_INPUT>";
    return s.call(envelope(kCsUri + "/RequestStateChange", kCsUri, kSelectors, body), "alice");
  };
  for (std::string_view ok : {"2", "+2", "007", " 3 "}) {
    Response r = state(ok);
    EXPECT_FALSE(r.fault) << ok << ": " << r.fault->to_string();
  }
  for (std::string_view bad : {"0x10", "1e1", "-0", "2.0", "", "two", "70000", "+"}) {
    Response r = state(bad);
    ASSERT_TRUE(r.fault) << "'" << bad << "' was accepted";
    EXPECT_EQ(r.fault->subcode, "SchemaValidationError") << bad;
  }
}

TEST(WsmanHostile, PathologicalWqlIsRefusedNotRecursedInto) {
  Served s;
  std::string deep = "SELECT * FROM Msvm_ComputerSystem WHERE ";
  for (int i = 0; i < 20000; ++i)
    deep += "NOT ";
  deep += "Name = 'x'";
  Response r1 =
      s.call(envelope(kActEnum, std::string(kWmi) + "*", "", wql_enumerate(deep)), "alice");
  ASSERT_TRUE(r1.fault);
  EXPECT_EQ(r1.fault->subcode, "CannotProcessFilter");
  std::string parens = "SELECT * FROM Msvm_ComputerSystem WHERE " + std::string(20000, '(');
  Response r2 =
      s.call(envelope(kActEnum, std::string(kWmi) + "*", "", wql_enumerate(parens)), "alice");
  ASSERT_TRUE(r2.fault);
  // A LIKE pattern built to backtrack ends (bounded), and says no.
  s.provider->instances[0].set("ElementName", cim::Value::string(std::string(3000, 'a')));
  Response r3 =
      s.call(envelope(kActEnum, std::string(kWmi) + "*", "",
                      wql_enumerate("SELECT * FROM Msvm_ComputerSystem WHERE ElementName LIKE "
                                    "'%a%a%a%a%a%a%a%a%a%a%a%a%b'")),
             "alice");
  EXPECT_FALSE(r3.fault);
}

}  // namespace
}  // namespace hvsnap::wsman
