// A served fake with several host slots (`hvsnap serve --hosts N`, decision 0122): the paths,
// the slots' independence, cases leasing the slots from several threads at once (run under
// ThreadSanitizer), and a certification on them that finds the same whatever -j is.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <latch>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "cli_run.h"
#include "hvsnap/tools/cli.h"
#include "hvsnap/tools/served.h"
#include "hvsnap/tools/targets.h"
#include "hvsnap/wsman/client.h"
#include "hvsnap/wsman/server.h"

namespace hvsnap::tools {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using test_support::hvsnap;
using test_support::Outcome;

fs::path temp(const std::string& name) {
  const fs::path p =
      fs::temp_directory_path() / ("hvsnap-sh-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(p);
  return p;
}

// A served fake that does not tell its clock (as one from before decision 0140, or one that
// follows real time): every clock call of the suite is then a request of its own, and an
// advance is made by its own Advance.
struct Untold final : wsman::ControlHandler {
  std::shared_ptr<ServedFake> fake;
  cim::Result<cim::MethodResult> invoke(std::string_view method,
                                        const cim::PropertyList& in) override {
    auto r = fake->invoke(method, in);
    if (r.ok() && method == "Now") {
      for (auto& p : r->out) {
        if (p.name.view() == "Clock") p.value = cim::Value::string("wall");
      }
    }
    return r;
  }
};

enum class Clock : std::uint8_t { kTold, kUntold };

// A served fake of `hosts` slots on a free loopback port, as `hvsnap serve --hosts` serves it;
// Clock::kUntold serves one host through Untold.
struct Served {
  std::unique_ptr<wsman::Server> server;
  explicit Served(std::uint32_t hosts, std::string uri = "sim:", Clock clock = Clock::kTold) {
    auto fake = ServedFake::create(std::move(uri), TargetOptions{}, ServedClock::kWall, hosts);
    EXPECT_TRUE(fake.ok()) << fake.status().to_string();
    wsman::ServerOptions so;
    so.port = 0;
    std::shared_ptr<wsman::Dispatcher> dispatcher;
    if (clock == Clock::kUntold) {
      auto untold = std::make_shared<Untold>();
      untold->fake = *fake;
      dispatcher = std::make_shared<wsman::Dispatcher>(*fake, untold);
    } else {
      so.host_slots = serve_host_slots(**fake, hosts, true, {});
      dispatcher = serve_dispatcher(*fake, true);
    }
    auto started = wsman::Server::start(dispatcher, so);
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

// A served fake's target, as `hvsnap certify --target wsman+ENDPOINT` makes it, and one case's
// host on it (a Reset: a host whose clock follows the calls).
struct ServedCase {
  TargetSpec spec;
  conformance::Target target;
};

std::optional<ServedCase> served_case(const std::string& endpoint) {
  TargetOptions o;
  o.seed = 1;
  auto spec = make_target("wsman+" + endpoint, o);
  EXPECT_TRUE(spec.ok()) << spec.status().to_string();
  if (!spec.ok()) return std::nullopt;
  auto t = spec->factory(7);
  EXPECT_TRUE(t.ok()) << t.status().to_string();
  if (!t.ok()) return std::nullopt;
  return ServedCase{std::move(spec).value(), std::move(t).value()};
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

// The wsman target's slot leases (decision 0122) taken and returned by more threads than there
// are slots, as the runner's workers and a shrink take them: no slot is held by two leases at
// once — neither in the test's own ledger of the clients handed out nor on the served host,
// whose clock a second Reset would have set back — and every lease comes back: afterwards all
// the slots can be held at once. Cheap enough for the tsan preset, which runs it.
TEST(ServedHosts, ConcurrentLeasesNeverShareASlotAndAreAllReturned) {
  constexpr std::uint32_t kHosts = 2;
  constexpr int kThreads = 4;
  constexpr int kLeasesPerThread = 6;
  Served s(kHosts);
  TargetOptions o;
  o.timeout_ms = 20'000;  // also how long a lease waits for a slot (a leaked one fails in 20 s)
  auto spec = make_target("wsman+" + s.at("/wsman"), o);
  ASSERT_TRUE(spec.ok()) << spec.status().to_string();
  ASSERT_TRUE(spec->caps.concurrent_cases);
  ASSERT_EQ(spec->max_concurrent_cases, kHosts);

  std::mutex mu;
  std::condition_variable all_held;
  std::map<const cim::Provider*, int> holders;  // a slot's client -> leases holding it now
  int held = 0, most_held = 0, shared = 0, leased = 0;
  std::latch start(kThreads);
  auto lessee = [&](int t) {
    start.arrive_and_wait();
    for (int i = 0; i < kLeasesPerThread; ++i) {
      const int n = t * kLeasesPerThread + i;
      auto target = spec->factory(static_cast<std::uint64_t>(n) + 1);
      ASSERT_TRUE(target.ok()) << target.status().to_string();
      {
        std::unique_lock lock(mu);
        ++leased;
        if (++holders[target->provider.get()] > 1) ++shared;
        most_held = std::max(most_held, ++held);
        all_held.notify_all();
        // A thread's first lease waits for every slot to be held (up to 20 s: under TSan on a
        // loaded machine the other lease's Reset can take seconds), so that the leases do
        // overlap however the threads are scheduled.
        if (i == 0) all_held.wait_for(lock, 20s, [&] { return held >= int{kHosts}; });
      }
      // The slot's host is this lease's alone: an Advance of its own lands whole on its clock
      // (another lease's Reset in between would have made a new host, its clock near 0).
      const std::int64_t own = std::int64_t{1'000'000'000} * (n + 1);
      const std::int64_t before = target->control->now_ms();
      target->control->advance(own);
      const std::int64_t after = target->control->now_ms();
      EXPECT_GE(before, 0);
      EXPECT_GE(after - before, own) << "lease " << n;
      EXPECT_LT(after - before, own + 60'000) << "lease " << n;
      {
        std::lock_guard lock(mu);
        --holders[target->provider.get()];
        --held;
      }
    }  // each lease ends with its Target
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back(lessee, t);
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(leased, kThreads * kLeasesPerThread);
  EXPECT_EQ(shared, 0);
  EXPECT_EQ(holders.size(), std::size_t{kHosts});  // every slot served, each by its own client
  EXPECT_EQ(most_held, int{kHosts});               // the leases did overlap

  // Every lease came back: all the slots at once, none waiting.
  std::vector<conformance::Target> all;
  for (std::uint32_t k = 0; k < kHosts; ++k) {
    auto target = spec->factory(100 + k);
    ASSERT_TRUE(target.ok()) << target.status().to_string();
    all.push_back(std::move(target).value());
  }
  EXPECT_NE(all[0].provider.get(), all[1].provider.get());
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

// Decision 0141: a fake that breaks the wire finds the same at one case and at two cases at a
// time. Before, a case's reads after its last view (the judgement's Gets) left their wire
// problems to whichever case used the connection next, and the first case on each host slot's
// connection looked up the services, moving its host's clock: both depend on timing at -j 2.
TEST(ServedHosts, AWireBrokenFakeFindsTheSameAtOneAndTwoCasesAtATime) {
  Served s(2, "sim+mutant:datetime-as-dmtf");
  const fs::path serial = temp("wire-j1"), parallel = temp("wire-j2");
  auto failures = [&](const fs::path& out, const char* jobs) {
    const Outcome r =
        hvsnap({"certify", "--target", "wsman+" + s.at("/wsman"), "--out", out.string(), "--seed",
                "20261124", "--profile", "core", "-q", "-j", jobs});
    EXPECT_EQ(r.code, kExitFailures) << r.out << r.err;
    std::ifstream in(out / "result.json");
    nlohmann::json j = nlohmann::json::parse(in);
    for (auto& f : j["failures"])
      f.erase("seconds-to-find");  // wall time
    return j["failures"];
  };
  const nlohmann::json one = failures(serial, "1");
  const nlohmann::json two = failures(parallel, "2");
  EXPECT_GE(one.size(), 5U) << "the mutant is found in several cases";
  EXPECT_EQ(one, two) << nlohmann::json::diff(one, two).dump();
  for (const auto& p : {serial, parallel})
    fs::remove_all(p);
}

// Decision 0140: the suite's clock calls on a served fake ride on its other requests. What the
// control answers without a request is exactly what a Now request would have answered, and an
// advance is made, before the next request, by the amount given.
TEST(ServedHosts, TheSuitesClockCallsRideOnItsRequestsAndSayWhatNowWould) {
  Served s(1);
  auto c = served_case(s.server->endpoint());
  ASSERT_TRUE(c.has_value());
  const TargetSpec* spec = &c->spec;
  const conformance::Target* t = &c->target;
  auto watch = client(s.server->endpoint());  // asks Now over the wire, folds nothing
  const auto sent = [&] { return spec->requests_sent(); };
  const auto vms = [&] {
    return t->provider->enumerate_instances("root/virtualization/v2", "Msvm_ComputerSystem").ok();
  };

  std::uint64_t before = sent();
  const std::int64_t at_reset = t->control->now_ms();
  EXPECT_EQ(sent(), before) << "the Reset's answer told the clock";
  EXPECT_EQ(at_reset, now(*watch));
  ASSERT_TRUE(vms());  // a provider call moves the clock; its answer tells where to
  before = sent();
  const std::int64_t after_call = t->control->now_ms();
  EXPECT_EQ(sent(), before);
  EXPECT_GT(after_call, at_reset);
  EXPECT_EQ(after_call, now(*watch));
  auto asked = watch->invoke_control("Now", {});
  ASSERT_TRUE(asked.ok());
  const auto host_us = t->control->host_time_us();
  ASSERT_TRUE(host_us.has_value());
  EXPECT_EQ(*host_us / 1000, std::stoll(out_text(*asked, "EpochMilliseconds")) + after_call);

  t->control->advance(5000);
  EXPECT_EQ(sent(), before) << "the advance waits for the next request";
  EXPECT_EQ(t->control->now_ms(), after_call + 5000);
  EXPECT_EQ(now(*watch), after_call) << "and the served host has not moved yet";
  ASSERT_TRUE(vms());
  EXPECT_EQ(sent(), before + 1) << "the advance rode on that request";
  const std::int64_t told = t->control->now_ms();
  EXPECT_EQ(told, now(*watch));
  EXPECT_GT(told, after_call + 5000) << "the advance, then the call's own move";
  EXPECT_EQ(spec->control_folded(), 6U) << "six clock calls, none a request";

  // A request refused before it is read tells no clock and makes no advance: the advance
  // waits for the next request, and the clock is asked for again.
  t->control->advance(1000);
  const cim::ObjectPath keyless(cim::Name("root/virtualization/v2"),
                                cim::Name("Msvm_ComputerSystem"));
  EXPECT_FALSE(t->provider->get_instance(keyless).ok());
  EXPECT_EQ(now(*watch), told) << "not made yet";
  before = sent();
  EXPECT_EQ(t->control->now_ms(), told + 1000);
  EXPECT_EQ(sent(), before + 1) << "a Now request, carrying the advance";
  EXPECT_EQ(now(*watch), told + 1000);

  // A clock that real time moves is never told (decision 0031): every clock call is then a
  // request, as with a fake that does not know the extension.
  Served wall(1);
  auto plain = client(wall.server->endpoint());
  plain->fold_clock(true);
  ASSERT_TRUE(plain->enumerate_instances("root/virtualization/v2", "Msvm_ComputerSystem").ok());
  EXPECT_FALSE(plain->told_clock().has_value());
  ASSERT_TRUE(plain->invoke_control("Reset", reset(3)).ok());
  EXPECT_TRUE(plain->told_clock().has_value()) << "a Reset's host follows the calls";
}

// A fake that does not tell its clock: every clock call is a request of its own.
TEST(ServedHosts, AFakeThatTellsNoClockGetsARequestForEveryClockCall) {
  Served untold(1, "sim:", Clock::kUntold);
  const auto& server = untold.server;
  auto c = served_case(server->endpoint());
  ASSERT_TRUE(c.has_value());
  const TargetSpec* spec = &c->spec;
  const conformance::Target* t = &c->target;
  auto watch = client(server->endpoint());
  const std::uint64_t before = spec->requests_sent();
  const std::int64_t at = t->control->now_ms();
  t->control->advance(2500);
  EXPECT_EQ(t->control->now_ms(), at + 2500);
  EXPECT_EQ(spec->requests_sent(), before + 3) << "Now, Advance, Now";
  EXPECT_EQ(now(*watch), at + 2500);
  EXPECT_EQ(spec->control_folded(), 0U);
}

// Advances waiting for the next request never add up to more than one Advance may make (ten
// years): the one that would is an Advance request, carrying the ones before it.
TEST(ServedHosts, FoldedAdvancesStayWithinOneAdvancesLimit) {
  Served s(1);
  auto c = served_case(s.server->endpoint());
  ASSERT_TRUE(c.has_value());
  const TargetSpec* spec = &c->spec;
  const conformance::Target* t = &c->target;
  auto watch = client(s.server->endpoint());
  const std::int64_t at = t->control->now_ms();
  const std::int64_t six_years = 6 * kMaxAdvanceMs / 10;
  const std::uint64_t before = spec->requests_sent();
  t->control->advance(six_years);
  EXPECT_EQ(spec->requests_sent(), before);
  t->control->advance(six_years);
  EXPECT_EQ(spec->requests_sent(), before + 1) << "an Advance request, the first riding on it";
  EXPECT_EQ(t->control->now_ms(), at + 2 * six_years);
  EXPECT_EQ(now(*watch), at + 2 * six_years);
  ASSERT_TRUE(
      t->provider->enumerate_instances("root/virtualization/v2", "Msvm_ComputerSystem").ok());
}

// The claim of decision 0140: with its clock calls folded into other requests, the suite finds
// exactly what it finds asking for the clock by requests of their own. A short full run (the
// matrix, sequences, a concurrent round, whose turns advance and read the clock most) against
// the same fake, telling its clock and not.
TEST(ServedHosts, AFoldedClockFindsWhatAClockAskedForFinds) {
  Served asked(1, "sim:", Clock::kUntold);
  Served told(1);
  const fs::path with = temp("folded"), without = temp("asked");
  const std::vector<std::string> common = {
      "--seed",      "20261205", "--profile",   "full", "--coverage",        "pairwise",
      "--sequences", "4",        "--max-steps", "8",    "--parallel-rounds", "1",
      "-j",          "1",        "-q"};
  auto run = [&](const std::string& endpoint, const fs::path& out) {
    std::vector<std::string> args = {"certify",
                                     "--target",
                                     "wsman+" + endpoint,
                                     "--out",
                                     (out / "report").string(),
                                     "--record",
                                     (out / "record").string()};
    args.insert(args.end(), common.begin(), common.end());
    const Outcome r = hvsnap(args);
    EXPECT_EQ(r.code, kExitFailures) << r.out << r.err;  // a short run tests too little
    std::ifstream in(out / "report" / "result.json");
    nlohmann::json j = nlohmann::json::parse(in);
    j.erase("run");                            // times, and the command with its endpoint
    for (const char* k : {"uri", "identity"})  // both name the endpoint
      j["target"].erase(k);
    for (auto& f : j["failures"]) {
      for (const char* k : {"seconds-to-find", "token", "replay"})
        f.erase(k);
    }
    return j;
  };
  const nlohmann::json folded = run(told.server->endpoint(), with);
  const nlohmann::json unfolded = run(asked.server->endpoint(), without);
  EXPECT_GT(folded["counts"]["sequences"].get<int>(), 0);
  EXPECT_TRUE(folded == unfolded) << nlohmann::json::diff(folded, unfolded).dump();
  // Every judged call's transcript, with the clock each view read (host-time-us): a clock off
  // by one call's move passes a clean fake's report, not this.
  const auto read = [](const fs::path& p) {
    std::ifstream in(p);
    nlohmann::json j = nlohmann::json::parse(in);
    j.erase("source");  // names the endpoint
    return j;
  };
  int judged = 0;
  for (const auto& e : fs::directory_iterator(with / "record" / "judged")) {
    const fs::path other = without / "record" / "judged" / e.path().filename();
    ASSERT_TRUE(fs::exists(other)) << other;
    const nlohmann::json x = read(e.path()), y = read(other);
    ASSERT_TRUE(x == y) << e.path().filename() << ": " << nlohmann::json::diff(x, y).dump();
    ++judged;
  }
  EXPECT_GT(judged, 100);
  for (const auto& p : {with, without})
    fs::remove_all(p);
}

}  // namespace
}  // namespace hvsnap::tools
