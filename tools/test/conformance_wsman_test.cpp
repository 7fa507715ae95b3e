// The whole conformance suite against the fake served over WS-Management
// (wsman+http://127.0.0.1:PORT/wsman), with the same verdicts as in-process (label
// conformance-wsman). The served host is reset per case from the run's seed (decision 0009),
// so the two runs see the same hosts and must reach the same requirement verdicts, the same
// per-combination outcomes and the same return-code distributions.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_run.h"
#include "hvsnap/cim/names.h"
#include "hvsnap/tools/cli.h"
#include "hvsnap/tools/served.h"
#include "hvsnap/tools/targets.h"
#include "hvsnap/wsman/server.h"

namespace hvsnap::tools {
namespace {

namespace fs = std::filesystem;

using test_support::hvsnap;
using test_support::Outcome;

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

fs::path temp(const std::string& name) {
  const fs::path p =
      fs::temp_directory_path() / ("hvsnap-cw-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(p);
  return p;
}

// A pairwise certification of `target` into `out`, with 15 sequences and 3 concurrent rounds.
Outcome certify_pairwise(const std::string& target, const fs::path& out,
                         const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"certify",    "--target",    target,   "--out",
                                   out.string(), "--seed",      "424242", "--coverage",
                                   "pairwise",   "--sequences", "15",     "--parallel-rounds",
                                   "3",          "--max-steps", "15",     "-q"};
  args.insert(args.end(), extra.begin(), extra.end());
  return hvsnap(args);
}

// Runs one certification in-process and one over the wire, and compares what they found.
void same_verdicts(const std::string& sim_uri, int expected_exit,
                   std::vector<std::string> extra = {}) {
  auto fake = ServedFake::create(sim_uri, TargetOptions{});
  ASSERT_TRUE(fake.ok()) << fake.status().to_string();
  std::shared_ptr<ServedFake> served = std::move(fake).value();
  wsman::ServerOptions so;
  so.port = 0;
  auto server = wsman::Server::start(std::make_shared<wsman::Dispatcher>(served, served), so);
  ASSERT_TRUE(server.ok()) << server.status().to_string();
  std::string wire = (*server)->endpoint();
  wire = "wsman+" + wire;

  auto run = [&](const std::string& target, const fs::path& out) {
    return certify_pairwise(target, out, extra);
  };
  const fs::path a = temp("inproc"), b = temp("wire");
  const Outcome in = run(sim_uri, a);
  const Outcome ws = run(wire, b);
  (*server)->stop();
  ASSERT_EQ(in.code, expected_exit) << in.out << in.err;
  ASSERT_EQ(ws.code, expected_exit) << ws.out << ws.err;
  const auto x = read_json(a / "result.json");
  const auto y = read_json(b / "result.json");
  for (const char* section :
       {"verdict", "counts", "requirements", "combinations", "distributions", "failures"}) {
    nlohmann::json xs = x[section], ys = y[section];
    if (std::string(section) == "failures") {
      // Tokens and replay commands name the target; the counterexamples must agree.
      for (auto* f : {&xs, &ys}) {
        for (auto& item : *f) {
          item.erase("token");
          item.erase("replay");
          item.erase("seconds-to-find");
        }
      }
    }
    EXPECT_EQ(xs, ys) << "section '" << section << "' differs between " << sim_uri
                      << " in-process and over WS-Man";
  }
  EXPECT_EQ(hvsnap({"verify", b.string()}).code, kExitCertified);
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(ConformanceWsman, TheServedFakeGetsTheSameVerdictsAsInProcess) {
  ASSERT_NO_FATAL_FAILURE(same_verdicts("sim:", kExitCertified));
}

TEST(ConformanceWsman, AServedMutantFailsOverTheWireAsItDoesInProcess) {
  // The class matrix up to the first failure and its shrinking: every shrink step is a
  // fresh host over the wire, so this is the expensive half.
  ASSERT_NO_FATAL_FAILURE(same_verdicts("sim+mutant:partial-after-failed-job", kExitFailures,
                                        {"--profile", "core", "--stop-at-first-failure"}));
}

// A wire that cuts every seventh answer to a read (Get, Enumerate, Pull) short: the client
// reads it as no answer (BadAnswer: not well-formed XML), and the suite asks the read again
// (decision 0161). The run is judged as the same run in process. Before, a cut answer was an
// observation of the host: a job "that vanished", checkpoints "lost", a NOT CERTIFIED fake.
TEST(ConformanceWsman, AnswersCutShortNowAndThenAreReadAgainAndJudgeNothing) {
  auto fake = ServedFake::create("sim:", TargetOptions{});
  ASSERT_TRUE(fake.ok()) << fake.status().to_string();
  std::shared_ptr<ServedFake> served = std::move(fake).value();
  auto answers = std::make_shared<std::atomic<int>>(0);
  auto cut = std::make_shared<std::atomic<int>>(0);
  wsman::DispatcherOptions d;
  d.rewrite_reply = [answers, cut](const wsman::Request& r, std::string& body) {
    if (r.op != wsman::Operation::kGet && r.op != wsman::Operation::kEnumerate &&
        r.op != wsman::Operation::kPull) {
      return;
    }
    if (++*answers % 7 != 0) return;
    ++*cut;
    body.resize(body.size() / 2);
  };
  wsman::ServerOptions so;
  so.port = 0;
  auto server = wsman::Server::start(serve_dispatcher(served, true, d), so);
  ASSERT_TRUE(server.ok()) << server.status().to_string();
  const fs::path a = temp("uncut"), b = temp("cut");
  const Outcome in = certify_pairwise("sim:", a);
  const Outcome ws = certify_pairwise("wsman+" + (*server)->endpoint(), b);
  (*server)->stop();
  ASSERT_EQ(in.code, kExitCertified) << in.out << in.err;
  EXPECT_EQ(ws.code, kExitCertified) << ws.out << ws.err;
  EXPECT_GT(cut->load(), 100) << "too few answers were cut to tell";
  // The same verdicts, counts and failures. Not the same tallies of passed checks: a request
  // whose answer was cut reached the fake, whose clock the calls move (decision 0140), so a
  // job or two ends a poll earlier than in process.
  const auto x = read_json(a / "result.json");
  const auto y = read_json(b / "result.json");
  for (const char* section : {"verdict", "counts", "failures"})
    EXPECT_EQ(x[section], y[section]) << "section '" << section << "' differs";
  ASSERT_EQ(x["requirements"].size(), y["requirements"].size());
  for (std::size_t i = 0; i < x["requirements"].size(); ++i) {
    EXPECT_EQ(x["requirements"][i]["verdict"], y["requirements"][i]["verdict"])
        << x["requirements"][i]["id"];
  }
  fs::remove_all(a);
  fs::remove_all(b);
}

// A wire that cuts every answer to CreateSnapshot short, after the fake made the call: every
// case, sequence and round that needs one is undecided (decision 0161), and the report lists
// each with the read it lost and a token that runs it again (decision 0162): result.json,
// summary.md, report.html, and junit.xml, where each is an <error> so that a CI gate reading
// it fails the run. `verify` accepts the bundle; `replay` of a listed item over the same wire
// is undecided again and exits 3.
TEST(ConformanceWsman, WhatTheWireLeftUndecidedIsListedAndCanBeRunAgain) {
  auto fake = ServedFake::create("sim:", TargetOptions{});
  ASSERT_TRUE(fake.ok()) << fake.status().to_string();
  std::shared_ptr<ServedFake> served = std::move(fake).value();
  wsman::DispatcherOptions d;
  d.rewrite_reply = [](const wsman::Request& r, std::string& body) {
    if (r.op == wsman::Operation::kInvoke && r.method == cim::names::kCreateSnapshot)
      body.resize(body.size() / 2);
  };
  wsman::ServerOptions so;
  so.port = 0;
  auto server = wsman::Server::start(serve_dispatcher(served, true, d), so);
  ASSERT_TRUE(server.ok()) << server.status().to_string();
  const std::string target = "wsman+" + (*server)->endpoint();
  const fs::path out = temp("undecided");
  const fs::path ca = temp("ca.pem");  // (over http it is only checked to be a file)
  std::ofstream(ca) << "a trust anchor\n";
  const Outcome run =
      hvsnap({"certify", "--target", target, "--out", out.string(), "--seed", "5", "--coverage",
              "pairwise", "--sequences", "3", "--parallel-rounds", "1", "--max-steps", "6",
              "--auth", "negotiate", "--ca-file", ca.string(), "-q",
              // Every item, however many in a row (decision 0163).
              "--stop-after-undecided", "0"});
  ASSERT_EQ(run.code, kExitFailures) << run.out << run.err;
  // How the run reached the host is in the command that repeats it (decision 0162).
  const std::string repeat = read_json(out / "result.json")["run"]["command"];
  EXPECT_NE(repeat.find(" --auth negotiate"), std::string::npos) << repeat;
  EXPECT_NE(repeat.find(" --stop-after-undecided 0"), std::string::npos) << repeat;
  EXPECT_NE(run.out.find("Undecided (the wire lost answers"), std::string::npos) << run.out;
  const auto j = read_json(out / "result.json");
  EXPECT_EQ(j["verdict"]["verdict"], "NOT CERTIFIED");
  EXPECT_EQ(j["failures"].size(), 0u);
  const auto& undecided = j["undecided"];
  ASSERT_TRUE(undecided.is_array());
  ASSERT_EQ(undecided.size(), j["counts"]["undecided"].get<std::size_t>());
  std::set<std::string> properties;
  std::string case_token;
  for (const auto& u : undecided) {
    properties.insert(u["property"].get<std::string>());
    const std::string reason = u["reason"];
    EXPECT_EQ(reason.rfind("undecided: no answer came back to ", 0), 0u) << u.dump();
    EXPECT_NE(reason.find("CreateSnapshot call"), std::string::npos) << u.dump();
    // Against the host it was lost on (decision 0162), not the fake replay's default.
    EXPECT_EQ(u["replay"],
              "hvsnap replay " + u["token"].get<std::string>() + " --target " + target);
    if (u["property"] == "matrix" && case_token.empty()) case_token = u["token"];
  }
  for (const char* p : {"capability", "matrix", "sequences", "parallel"})
    EXPECT_TRUE(properties.count(p)) << p << " has no undecided item";
  // The people's reports list them; junit.xml fails the run with one <error> each.
  std::ifstream md_in(out / "summary.md");
  const std::string md((std::istreambuf_iterator<char>(md_in)), {});
  EXPECT_NE(md.find(fmt::format("## Undecided ({})", undecided.size())), std::string::npos);
  std::ifstream html_in(out / "report.html");
  const std::string html((std::istreambuf_iterator<char>(html_in)), {});
  EXPECT_NE(html.find("<section id=\"undecided\">"), std::string::npos);
  std::ifstream junit_in(out / "junit.xml");
  const std::string junit((std::istreambuf_iterator<char>(junit_in)), {});
  EXPECT_NE(junit.find(fmt::format("errors=\"{}\"", std::min<std::size_t>(undecided.size(), 50) +
                                                        (undecided.size() > 50))),
            std::string::npos);
  EXPECT_NE(junit.find("<error type=\"UNDECIDED\""), std::string::npos);
  const Outcome verified = hvsnap({"verify", out.string()});
  EXPECT_EQ(verified.code, 0) << verified.out << verified.err;
  // A fleet of it counts them too, and its copy of the run lists them.
  const fs::path fleet = temp("undecided-fleet");
  const Outcome merged = hvsnap({"merge", out.string(), "--out", fleet.string()});
  EXPECT_EQ(merged.code, kExitFailures) << merged.out << merged.err;
  const auto f = read_json(fleet / "fleet.json");
  ASSERT_EQ(f["targets"].size(), 1u);
  EXPECT_EQ(f["targets"][0]["counts"]["undecided"], undecided.size());
  EXPECT_EQ(read_json(fleet / "targets" / f["targets"][0]["label"].get<std::string>() /
                      "result.json")["undecided"],
            undecided);
  std::ifstream fleet_junit_in(fleet / "junit.xml");
  const std::string fleet_junit((std::istreambuf_iterator<char>(fleet_junit_in)), {});
  const std::size_t errors = std::min<std::size_t>(undecided.size(), 50) + (undecided.size() > 50);
  EXPECT_NE(fleet_junit.find(fmt::format("errors=\"{}\"", errors)), std::string::npos)
      << fleet_junit.substr(0, 600);
  EXPECT_EQ(hvsnap({"verify", fleet.string()}).code, 0);
  fs::remove_all(fleet);
  // A listed case, run again over the wire that still cuts its answer: undecided again.
  ASSERT_FALSE(case_token.empty());
  const Outcome again = hvsnap({"replay", case_token, "--target", target});
  EXPECT_EQ(again.code, kExitUnreachable) << again.out << again.err;
  EXPECT_NE(again.out.find("NOT TESTED: undecided: no answer came back"), std::string::npos)
      << again.out;
  // The token carries how its run reached its host (never the password), and replay reaches
  // that host so, and says so: here its CA file, gone now, which replay then names. The same
  // host spelt otherwise is not the token's host: reached without it.
  EXPECT_NE(again.out.find("as the token's run did"), std::string::npos) << again.out;
  fs::remove(ca);
  const Outcome own = hvsnap({"replay", case_token, "--target", target});
  EXPECT_EQ(own.code, kExitUsage) << own.out << own.err;
  EXPECT_NE(own.err.find("--ca-file"), std::string::npos) << own.err;
  const Outcome elsewhere = hvsnap({"replay", case_token, "--target",
                                    fmt::format("wsman+http://127.0.0.1:{}", (*server)->port())});
  EXPECT_EQ(elsewhere.code, kExitUnreachable) << elsewhere.out << elsewhere.err;
  EXPECT_EQ(elsewhere.out.find("as the token's run did"), std::string::npos) << elsewhere.out;
  EXPECT_NE(elsewhere.out.find("NOT TESTED: undecided: no answer came back"), std::string::npos)
      << elsewhere.out;
  (*server)->stop();
  fs::remove_all(out);
  // Nor is a host that takes only Basic: the token's Negotiate is not used there (undecided
  // again, exit 3, as the wire still cuts the answer), and replay's own --auth negotiate is
  // (refused: exit 3, the host's refusal).
  wsman::ServerOptions basic;
  basic.port = 0;
  basic.basic = wsman::Credentials{"hv", "s3cret"};
  auto guarded = wsman::Server::start(serve_dispatcher(served, true, d), basic);
  ASSERT_TRUE(guarded.ok()) << guarded.status().to_string();
  const std::string guarded_uri = "wsman+http://hv@" + (*guarded)->endpoint().substr(7);
  ::setenv("HVSNAP_PASSWORD", "s3cret", 1);
  const Outcome reached = hvsnap({"replay", case_token, "--target", guarded_uri});
  const Outcome refused =
      hvsnap({"replay", case_token, "--target", guarded_uri, "--auth", "negotiate"});
  ::unsetenv("HVSNAP_PASSWORD");
  (*guarded)->stop();
  EXPECT_EQ(reached.code, kExitUnreachable) << reached.out << reached.err;
  EXPECT_NE(reached.out.find("NOT TESTED: undecided: no answer came back"), std::string::npos)
      << reached.out << reached.err;
  EXPECT_EQ(refused.code, kExitUnreachable) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("refused the credentials"), std::string::npos) << refused.err;
}

// A host that stops answering (here: every answer cut short once three CreateSnapshot calls
// were answered) ends the run after five items in a row were undecided, `certify`'s default
// (decision 0163): exit 3, said on stderr and in the report, the items listed, nothing after
// them started, and the report verifies. Before, the run tried every item left.
TEST(ConformanceWsman, AHostThatStopsAnsweringEndsTheRunWithExit3) {
  auto fake = ServedFake::create("sim:", TargetOptions{});
  ASSERT_TRUE(fake.ok()) << fake.status().to_string();
  std::shared_ptr<ServedFake> served = std::move(fake).value();
  auto creates = std::make_shared<std::atomic<int>>(0);
  wsman::DispatcherOptions d;
  d.rewrite_reply = [creates](const wsman::Request& r, std::string& body) {
    if (creates->load() >= 3) {
      body.resize(body.size() / 2);
      return;
    }
    if (r.op == wsman::Operation::kInvoke && r.method == cim::names::kCreateSnapshot) ++*creates;
  };
  wsman::ServerOptions so;
  so.port = 0;
  auto server = wsman::Server::start(serve_dispatcher(served, true, d), so);
  ASSERT_TRUE(server.ok()) << server.status().to_string();
  const fs::path out = temp("stopped-answering");
  const Outcome run = hvsnap({"certify", "--target", "wsman+" + (*server)->endpoint(), "--out",
                              out.string(), "--seed", "5", "--coverage", "pairwise", "-q"});
  (*server)->stop();
  ASSERT_EQ(run.code, kExitUnreachable) << run.out << run.err;
  EXPECT_NE(run.err.find("the run was stopped because the host stopped answering: 5 items in a "
                         "row were undecided"),
            std::string::npos)
      << run.err;
  const auto j = read_json(out / "result.json");
  EXPECT_EQ(j["verdict"]["verdict"], "NOT CERTIFIED");
  EXPECT_EQ(j["run"]["host-stopped-answering"].get<std::string>().rfind("5 items in a row", 0), 0u)
      << j["run"].dump();
  EXPECT_EQ(j["counts"]["undecided"], 5);
  EXPECT_EQ(j["undecided"].size(), 5u);
  EXPECT_EQ(j["counts"]["sequences"], 0);
  EXPECT_EQ(j["counts"]["parallel-rounds"], 0);
  EXPECT_EQ(j["run"]["command"].get<std::string>().find("--stop-after-undecided"),
            std::string::npos);  // the default
  std::ifstream md_in(out / "summary.md");
  const std::string md((std::istreambuf_iterator<char>(md_in)), {});
  EXPECT_NE(md.find("the host stopped answering"), std::string::npos);
  const Outcome verified = hvsnap({"verify", out.string()});
  EXPECT_EQ(verified.code, 0) << verified.out << verified.err;
  fs::remove_all(out);
}

TEST(ConformanceWsman, AHostWithoutTheControlExtensionIsTreatedAsALiveHost) {
  // --no-control: the suite cannot reset hosts or move the clock, so the target declares
  // neither (a run then waits in real time and cleans up what it creates, as on Hyper-V).
  auto fake = ServedFake::create("sim:", TargetOptions{});
  ASSERT_TRUE(fake.ok());
  wsman::ServerOptions so;
  so.port = 0;
  auto server = wsman::Server::start(std::make_shared<wsman::Dispatcher>(*fake, nullptr), so);
  ASSERT_TRUE(server.ok());
  auto spec = make_target("wsman+" + (*server)->endpoint(), TargetOptions{});
  ASSERT_TRUE(spec.ok()) << spec.status().to_string();
  EXPECT_FALSE(spec->caps.control);
  EXPECT_FALSE(spec->caps.fresh_hosts);
  EXPECT_NE(spec->identity.find("WS-Management host at"), std::string::npos) << spec->identity;
  auto t = std::make_unique<cim::Result<conformance::Target>>(spec->factory(1));
  ASSERT_TRUE(t->ok());
  EXPECT_EQ((*t)->control, nullptr);
  // Its cases at the same time each hold a connection of their own, and a case that ended
  // gives its connection to the next (decision 0143): value-form problems a connection keeps
  // stay with the case that met them.
  ASSERT_TRUE(spec->caps.own_object_cases_overlap);
  auto second = spec->factory(2);
  ASSERT_TRUE(second.ok());
  const cim::Provider* one = (*t)->provider.get();
  EXPECT_NE(one, second->provider.get());
  const std::uint64_t before = spec->requests_sent();
  for (cim::Provider* p : {(*t)->provider.get(), second->provider.get()})
    ASSERT_TRUE(
        p->enumerate_instance_names(cim::names::kNamespace, cim::names::kComputerSystem).ok());
  EXPECT_GE(spec->requests_sent(), before + 2);  // counted over both connections
  t.reset();                                     // the first case ends
  auto third = spec->factory(3);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->provider.get(), one);
  (*server)->stop();
}

// A live host's connection keeps the value-form problems its reads met until the case takes
// them; a case that ends without taking them does not hand them to the next case that leases
// the connection (decisions 0141, 0143). A wire mutant served as a plain host writes
// EnabledState as text, so reading the VMs meets one problem a VM.
TEST(ConformanceWsman, ALiveConnectionsWireProblemsStayWithTheCaseThatMetThem) {
  auto fake = ServedFake::create("sim+mutant:enabled-state-as-text", TargetOptions{});
  ASSERT_TRUE(fake.ok()) << fake.status().to_string();
  wsman::ServerOptions so;
  so.port = 0;
  auto server = wsman::Server::start(serve_dispatcher(*fake, false, {}), so);
  ASSERT_TRUE(server.ok());
  auto spec = make_target("wsman+" + (*server)->endpoint(), TargetOptions{});
  ASSERT_TRUE(spec.ok()) << spec.status().to_string();
  ASSERT_TRUE(spec->caps.own_object_cases_overlap);
  auto read_vms = [](cim::Provider& p) {
    return p.enumerate_instances(cim::names::kNamespace, cim::names::kComputerSystem).ok();
  };
  auto first = std::make_unique<cim::Result<conformance::Target>>(spec->factory(1));
  ASSERT_TRUE(first->ok());
  const cim::Provider* connection = (*first)->provider.get();
  ASSERT_TRUE(read_vms(*(*first)->provider));  // its problems left on the connection
  {
    auto other = spec->factory(2);  // another connection, the same read: it meets problems
    ASSERT_TRUE(other.ok());
    ASSERT_TRUE(read_vms(*other->provider));
    EXPECT_FALSE(other->provider->take_wire_problems().empty());
  }
  first.reset();  // the first case ends without taking its problems
  auto next = spec->factory(3);
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(next->provider.get(), connection) << "the next case did not get the freed connection";
  EXPECT_TRUE(next->provider->take_wire_problems().empty())
      << "the next case was handed the problems of the one before";
  ASSERT_TRUE(read_vms(*next->provider));
  EXPECT_FALSE(next->provider->take_wire_problems().empty());  // its own are still its own
  (*server)->stop();
}

// HVSNAP_CLIENT_TRANSPORT=libcurl keeps the requests on libcurl (decision 0101); a value it
// does not know is refused, naming it.
TEST(ConformanceWsman, TheClientTransportCanBeChosenAndABadChoiceIsRefused) {
  auto fake = ServedFake::create("sim:", TargetOptions{});
  ASSERT_TRUE(fake.ok());
  wsman::ServerOptions so;
  so.port = 0;
  auto server = wsman::Server::start(std::make_shared<wsman::Dispatcher>(*fake, *fake), so);
  ASSERT_TRUE(server.ok());
  const std::string uri = "wsman+" + (*server)->endpoint();
  for (const char* which : {"libcurl", "auto", "curl"}) {
    ::setenv("HVSNAP_CLIENT_TRANSPORT", which, 1);
    auto spec = make_target(uri, TargetOptions{});
    if (std::string(which) == "curl") {
      ASSERT_FALSE(spec.ok());
      EXPECT_EQ(spec.status().message(),
                "HVSNAP_CLIENT_TRANSPORT='curl': expected auto or libcurl");
    } else {
      ASSERT_TRUE(spec.ok()) << which << ": " << spec.status().to_string();
      EXPECT_TRUE(spec->caps.control) << which;
    }
  }
  ::unsetenv("HVSNAP_CLIENT_TRANSPORT");
  (*server)->stop();
}

// Cases at a time (decision 0074) need hosts no other case shares: a served fake is one host,
// reset before every case, and refuses -j 2 with the reason, exit 2 and no report. A live host
// runs the cases of their own objects (and its sequences) two at a time when asked (decisions
// 0143, 0144) and says so.
TEST(ConformanceWsman, ManyCasesAtOnceAreRefusedForAServedFakeAndOverlapOnALiveHost) {
  auto fake = ServedFake::create("sim:", TargetOptions{});
  ASSERT_TRUE(fake.ok());
  for (const bool control : {true, false}) {
    wsman::ServerOptions so;
    so.port = 0;
    auto server = wsman::Server::start(
        std::make_shared<wsman::Dispatcher>(*fake, control ? *fake : nullptr), so);
    ASSERT_TRUE(server.ok());
    const std::string uri = "wsman+" + (*server)->endpoint();
    auto spec = make_target(uri, TargetOptions{});
    ASSERT_TRUE(spec.ok()) << spec.status().to_string();
    EXPECT_FALSE(spec->caps.concurrent_cases);
    EXPECT_EQ(spec->caps.own_object_cases_overlap, !control);
    const fs::path out = temp(control ? "jobs-served" : "jobs-live");
    const Outcome r = hvsnap({"certify", "--target", uri, "-j", "2", "--profile", "core",
                              "--budget", "2s", "--out", out.string()});
    if (control) {
      EXPECT_EQ(r.code, kExitUsage) << r.out << r.err;
      EXPECT_NE(r.err.find("runs its cases one at a time"), std::string::npos) << r.err;
      EXPECT_NE(r.err.find("reset before every case"), std::string::npos) << r.err;
      EXPECT_FALSE(fs::exists(out / "result.json"));
    } else {
      // Two seconds cannot certify a live host (the run's deadline may cut a request: exit 3);
      // what matters is that it ran, two at a time, and wrote its report.
      EXPECT_TRUE(r.code == kExitFailures || r.code == kExitUnreachable) << r.out << r.err;
      EXPECT_NE((r.out + r.err).find("run 2 at a time on this live host"), std::string::npos)
          << r.out << r.err;
      EXPECT_TRUE(fs::exists(out / "result.json"));
      // The estimate shares the cases' time among them; at -j 1 the note on the budget says
      // that -j N would (decision 0143).
      EXPECT_NE(r.out.find("(388 cases 2 at a time;"), std::string::npos) << r.out;
      EXPECT_EQ(r.out.find("-j N runs the cases"), std::string::npos) << r.out;
      const Outcome one = hvsnap({"certify", "--target", uri, "--profile", "core", "--budget", "1s",
                                  "--out", (out / "one").string()});
      // One at a time, each cleanup overlaps the next case's arrangement (decision 0153), and
      // the run and its estimate say so; --no-cleanup-overlap turns it off.
      EXPECT_NE(
          one.out.find("(388 cases one at a time, each cleanup overlapping the next arrangement;"),
          std::string::npos)
          << one.out;
      EXPECT_NE(one.out.find("each case's cleanup overlaps the next case's arrangement"),
                std::string::npos)
          << one.out;
      EXPECT_NE(
          one.out.find("-j N runs the cases of their own objects and the sequences N at a time"),
          std::string::npos)
          << one.out;
      const Outcome serial =
          hvsnap({"certify", "--target", uri, "--profile", "core", "--budget", "1s",
                  "--no-cleanup-overlap", "--out", (out / "serial").string()});
      EXPECT_NE(serial.out.find("(388 cases;"), std::string::npos) << serial.out;
      EXPECT_NE(serial.out.find("--no-cleanup-overlap: each case (and sequence) starts once the"),
                std::string::npos)
          << serial.out;
      EXPECT_NE(serial.out.find("--budget 1s --no-cleanup-overlap"), std::string::npos)
          << serial.out;
    }
    (*server)->stop();
    fs::remove_all(out);  // (it was left in the temp folder by every run)
  }
}

}  // namespace
}  // namespace hvsnap::tools
