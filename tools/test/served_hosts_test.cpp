// A served fake with several host slots (`hvsnap serve --hosts N`, decision 0122): the paths,
// the slots' independence, and a certification on them that finds the same whatever -j is.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_run.h"
#include "hvsnap/tools/cli.h"
#include "hvsnap/tools/served.h"
#include "hvsnap/tools/targets.h"
#include "hvsnap/wsman/client.h"
#include "hvsnap/wsman/server.h"

namespace hvsnap::tools {
namespace {

namespace fs = std::filesystem;

using test_support::hvsnap;
using test_support::Outcome;

fs::path temp(const std::string& name) {
  const fs::path p =
      fs::temp_directory_path() / ("hvsnap-sh-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(p);
  return p;
}

// A served fake of `hosts` slots on a free loopback port, as `hvsnap serve --hosts` serves it.
struct Served {
  std::unique_ptr<wsman::Server> server;
  explicit Served(std::uint32_t hosts) {
    auto fake = ServedFake::create("sim:", TargetOptions{}, ServedClock::kWall, hosts);
    EXPECT_TRUE(fake.ok()) << fake.status().to_string();
    wsman::ServerOptions so;
    so.port = 0;
    so.host_slots = serve_host_slots(**fake, hosts, true, {});
    auto started = wsman::Server::start(serve_dispatcher(*fake, true), so);
    EXPECT_TRUE(started.ok()) << started.status().to_string();
    server = std::move(started).value();
  }
  ~Served() { server->stop(); }
  Served(const Served&) = delete;
  Served& operator=(const Served&) = delete;
  std::string at(std::string_view path) const {
    const std::string e = server->endpoint();
    return e.substr(0, e.rfind("/wsman")) + std::string(path);
  }
};

std::unique_ptr<wsman::Client> client(const std::string& endpoint) {
  wsman::ClientOptions co;
  co.endpoint = endpoint;
  auto c = wsman::Client::create(co);
  EXPECT_TRUE(c.ok()) << c.status().to_string();
  return std::move(c).value();
}

std::string out_text(const cim::MethodResult& r, std::string_view name) {
  const cim::Value* v = cim::find(r.out, name);
  if (v == nullptr) return "(absent)";
  if (const auto n = v->as_int()) return std::to_string(*n);
  return v->as_string() ? std::string(*v->as_string()) : "(not text)";
}

cim::PropertyList reset(std::uint64_t case_seed) {
  return {{cim::Name("RunSeed"), cim::Value::uint64(1)},
          {cim::Name("CaseSeed"), cim::Value::uint64(case_seed)}};
}

std::int64_t now(wsman::Client& c) {
  auto r = c.invoke_control("Now", {});
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? std::stoll(out_text(*r, "Milliseconds")) : -1;
}

TEST(ServedHosts, APathNamesASlotOnlyInItsOneSpelling) {
  EXPECT_EQ(wsman::host_slot_of("/wsman", 0), 0u);
  EXPECT_EQ(wsman::host_slot_of("/wsman/", 3), 0u);
  EXPECT_EQ(wsman::host_slot_of("/wsman/hvsnap-host/1", 1), 1u);
  EXPECT_EQ(wsman::host_slot_of("/wsman/hvsnap-host/12", 12), 12u);
  for (const char* bad :
       {"/wsman/hvsnap-host/2", "/wsman/hvsnap-host/0", "/wsman/hvsnap-host/01",
        "/wsman/hvsnap-host/", "/wsman/hvsnap-host/1/", "/wsman/hvsnap-host/+1",
        "/wsman/hvsnap-host/1x", "/wsman/hvsnap-host/99999999999999999999", "/WSMAN", "/", ""}) {
    EXPECT_EQ(wsman::host_slot_of(bad, 1), std::nullopt) << bad;
  }
  EXPECT_EQ(wsman::host_slot_of("/wsman/hvsnap-host/1", 0), std::nullopt);
}

TEST(ServedHosts, AnUnknownSlotIsNotFoundAndSlotZeroIsUnaffectedByResetsOfSlotOne) {
  Served s(2);
  auto nowhere = client(s.at("/wsman/hvsnap-host/2"));
  auto refused = nowhere->enumerate_instances("root/virtualization/v2", "Msvm_ComputerSystem");
  ASSERT_FALSE(refused.ok());
  const std::string why = refused.status().message();
  EXPECT_NE(why.find("HTTP 404: not found: WS-Management is at /wsman, and this served fake's "
                     "other host at /wsman/hvsnap-host/1"),
            std::string::npos)
      << why;

  auto zero = client(s.at("/wsman"));
  auto one = client(s.at("/wsman/hvsnap-host/1"));
  for (auto* c : {zero.get(), one.get()}) {
    auto d = c->invoke_control("Describe", {});
    ASSERT_TRUE(d.ok()) << d.status().to_string();
    EXPECT_EQ(out_text(*d, "Hosts"), "2");
    EXPECT_EQ(out_text(*d, "Slot"), c == zero.get() ? "0" : "1");
  }
  // Slot 1 has no host until a Reset makes one: every other call is NotFound, saying so.
  auto early = one->invoke_control("Now", {});
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.status().kind(), cim::StatusKind::kNotFound);
  EXPECT_NE(early.status().message().find("no host yet"), std::string::npos)
      << early.status().message();
  EXPECT_FALSE(one->enumerate_instances("root/virtualization/v2", "Msvm_ComputerSystem").ok());

  ASSERT_TRUE(zero->invoke_control("Reset", reset(7)).ok());
  ASSERT_TRUE(
      zero->invoke_control("Advance", {{cim::Name("Milliseconds"), cim::Value::sint64(1000)}})
          .ok());
  auto vms = zero->enumerate_instances("root/virtualization/v2", "Msvm_ComputerSystem");
  ASSERT_TRUE(vms.ok()) << vms.status().to_string();
  const std::int64_t before = now(*zero);  // (a call of slot 0's own moves its clock)

  ASSERT_TRUE(one->invoke_control("Reset", reset(8)).ok());
  ASSERT_TRUE(
      one->invoke_control("Advance", {{cim::Name("Milliseconds"), cim::Value::sint64(5'000'000)}})
          .ok());
  EXPECT_GE(now(*one), 5'000'000);
  EXPECT_EQ(now(*zero), before);  // slot 1's Reset and Advance left it alone
  auto again = zero->enumerate_instances("root/virtualization/v2", "Msvm_ComputerSystem");
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(again->size(), vms->size());
}

TEST(ServedHosts, ServeRefusesABadNumberOfHosts) {
  for (const std::vector<std::string>& bad : {std::vector<std::string>{"serve", "--hosts", "0"},
                                              {"serve", "--hosts", "65"},
                                              {"serve", "--hosts", "2", "--no-control"}}) {
    const Outcome r = hvsnap(bad);
    EXPECT_EQ(r.code, kExitUsage) << r.out << r.err;
    EXPECT_NE(r.err.find("--hosts"), std::string::npos) << r.err;
  }
}

// The same certification served on one host at -j 1 (as before decision 0122) and on two
// hosts at -j 1 and at -j 3 (lowered to 2, with a note): result.json is the same apart from
// the run's times. The -j 3 run also records (each slot's requests in a folder of its own) and
// prints its progress.
TEST(ServedHosts, ACertificationOnTwoHostsFindsTheSameAtOneAndTwoCasesAtATime) {
  const std::vector<std::string> common = {"--seed",      "20261203", "--profile",         "full",
                                           "--coverage",  "pairwise", "--sequences",       "4",
                                           "--max-steps", "8",        "--parallel-rounds", "1"};
  auto certify_at = [&](const std::string& endpoint, const fs::path& out,
                        std::vector<std::string> extra) {
    std::vector<std::string> args = {"certify", "--target", "wsman+" + endpoint, "--out",
                                     out.string()};
    args.insert(args.end(), common.begin(), common.end());
    args.insert(args.end(), extra.begin(), extra.end());
    return hvsnap(args);
  };
  auto certify = [&](const Served& s, const fs::path& out, std::vector<std::string> extra) {
    return certify_at(s.at("/wsman"), out, std::move(extra));
  };
  // result.json apart from the run's times, with the endpoint certified (its port) as "SERVED".
  auto result_at = [](const fs::path& dir, const std::string& endpoint) {
    std::ifstream in(dir / "result.json");
    nlohmann::json j = nlohmann::json::parse(in);
    for (const char* t : {"wall-seconds", "started", "finished"}) {
      EXPECT_TRUE(j["run"].contains(t)) << t;
      j["run"].erase(t);
    }
    std::string text = j.dump();
    for (std::size_t at = text.find(endpoint); at != std::string::npos;
         at = text.find(endpoint, at))
      text.replace(at, endpoint.size(), "SERVED");
    return nlohmann::json::parse(text);
  };
  auto result = [&](const fs::path& dir, const Served& s) {
    return result_at(dir, s.at("/wsman"));
  };
  const fs::path one = temp("hosts1"), serial = temp("hosts2-j1"), parallel = temp("hosts2-j2"),
                 record = temp("record"), at_slot = temp("hosts2-slot1");
  nlohmann::json x;
  {
    Served s(1);
    const Outcome r = certify(s, one, {"-j", "1", "-q"});
    ASSERT_EQ(r.code, kExitFailures) << r.out << r.err;  // a short run tests too little
    x = result(one, s);
  }
  Served s(2);
  const Outcome a = certify(s, serial, {"-j", "1", "-q"});
  ASSERT_EQ(a.code, kExitFailures) << a.out << a.err;
  EXPECT_NE(a.out.find(", 1 case at a time\n"), std::string::npos) << a.out;
  const Outcome b = certify(s, parallel, {"-j", "3", "--record", record.string()});
  ASSERT_EQ(b.code, kExitFailures) << b.out << b.err;
  EXPECT_NE(b.out.find(", 2 cases at a time\n"), std::string::npos) << b.out;
  EXPECT_NE(b.out.find("-j 3 lowered to 2: the served fake has 2 hosts"), std::string::npos)
      << b.out;
  EXPECT_NE(b.out.find("progress: matrix"), std::string::npos) << b.out;

  EXPECT_EQ(x, result(serial, s)) << nlohmann::json::diff(x, result(serial, s)).dump();
  EXPECT_EQ(x, result(parallel, s)) << nlohmann::json::diff(x, result(parallel, s)).dump();
  // Given a slot's own path, the cases run one at a time on that host (both leases on one host
  // would reset each other's cases: the review of decision 0122), and find the same.
  const std::string slot1 = s.at("/wsman/hvsnap-host/1");
  const Outcome c = certify_at(slot1, at_slot, {"-q"});
  ASSERT_EQ(c.code, kExitFailures) << c.out << c.err;
  EXPECT_NE(c.out.find(", 1 case at a time\n"), std::string::npos) << c.out;
  EXPECT_EQ(x, result_at(at_slot, slot1))
      << nlohmann::json::diff(x, result_at(at_slot, slot1)).dump();
  // Both slots were used, each client numbering its own requests in its own folder.
  EXPECT_TRUE(fs::exists(record / "000001-request.xml"));
  EXPECT_TRUE(fs::exists(record / "host-1" / "000001-request.xml"));
  EXPECT_TRUE(fs::is_directory(record / "judged"));
  EXPECT_EQ(hvsnap({"verify", parallel.string()}).code, kExitCertified);
  for (const auto& p : {one, serial, parallel, record, at_slot})
    fs::remove_all(p);
}

}  // namespace
}  // namespace hvsnap::tools
