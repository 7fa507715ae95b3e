// The hvsnap command in-process (decision 0007): certify writes a verifiable bundle and exits by
// the verdict; a failure's token replays; the same seed gives the same report; bad input gets a
// clear message, exit 2 and no report folder; an interrupted run says so.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "hvsnap/cim/testing/temp_dirs.h"
#include "hvsnap/conformance/token.h"
#include "hvsnap/reports/bundle.h"
#include "hvsnap/tools/cli.h"

namespace hvsnap::tools {
namespace {

namespace fs = std::filesystem;

struct Outcome {
  int code = -1;
  std::string out, err;
};

Outcome hvsnap(std::vector<std::string> args, bool terminal = false,
               const std::atomic<bool>* interrupt = nullptr) {
  std::ostringstream out, err;
  Console c{out, err, terminal, interrupt};
  Outcome r;
  r.code = run_cli(args, c);
  r.out = out.str();
  r.err = err.str();
  return r;
}

constexpr const char* kTempPrefix = "hvsnap-cli-test";
const auto* const kTempCleanup =
    ::testing::AddGlobalTestEnvironment(new cim::testing::RemoveTempDirsOnSuccess(kTempPrefix));

fs::path temp_path(const std::string& name) {
  return cim::testing::temp_path(kTempPrefix, name);
}

// A folder of this process's own (two test runs at once never share one), emptied.
fs::path temp(const std::string& name) {
  const fs::path p = temp_path(name);
  fs::remove_all(p);
  return p;
}

// The first line where two texts differ ("" when equal), for a readable failure.
std::string first_difference(const std::string& a, const std::string& b) {
  std::istringstream x(a), y(b);
  std::string la, lb;
  for (int n = 1;; ++n) {
    const bool ga = static_cast<bool>(std::getline(x, la)),
               gb = static_cast<bool>(std::getline(y, lb));
    if (!ga && !gb) return {};
    if (ga != gb || la != lb) return "line " + std::to_string(n) + ":\n  " + la + "\n  " + lb;
  }
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A quick full-profile run (pairwise, few sequences) into `dir`.
std::vector<std::string> quick(const std::string& target, const fs::path& dir,
                               const std::string& seed = "5") {
  return {"certify",  "--target",    target,       "--seed",      seed, "--coverage",
          "pairwise", "--sequences", "60",         "--max-steps", "30", "--parallel-rounds",
          "2",        "--out",       dir.string(), "--quiet"};
}

TEST(Certify, TheFakeIsCertifiedAndTheBundleVerifies) {
  const fs::path dir = temp("certified");
  const Outcome r = hvsnap(quick("sim:", dir));
  EXPECT_EQ(r.code, kExitCertified) << r.out << r.err;
  EXPECT_NE(r.out.find("\nCERTIFIED — 41 requirements"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Report: " + (dir / "report.html").string()), std::string::npos);
  EXPECT_NE(r.out.find("Repeat this run: hvsnap certify --target sim: --profile full --coverage "
                       "pairwise --seed 5"),
            std::string::npos);
  const Outcome v = hvsnap({"verify", dir.string()});
  EXPECT_EQ(v.code, kExitCertified) << v.out;
  EXPECT_NE(v.out.find("OK: the report is complete and consistent"), std::string::npos);
}

TEST(Certify, AMutantFailsAndItsTokenReplaysTheFailure) {
  const fs::path dir = temp("mutant");
  auto args = quick("sim+mutant:accepts-type-zero", dir);
  args.push_back("--stop-at-first-failure");
  const Outcome r = hvsnap(args);
  ASSERT_EQ(r.code, kExitFailures) << r.out << r.err;
  EXPECT_NE(r.out.find("NOT CERTIFIED"), std::string::npos);
  EXPECT_NE(r.out.find("replay: hvsnap replay hvsnap1."), std::string::npos);
  const auto j = nlohmann::json::parse(read(dir / "result.json"));
  ASSERT_FALSE(j["failures"].empty());
  EXPECT_EQ(j["failures"][0]["requirement"], "CS-OUT-4");
  const Outcome replay = hvsnap({"replay", j["failures"][0]["token"].get<std::string>()});
  EXPECT_EQ(replay.code, kExitFailures) << replay.out << replay.err;
  EXPECT_NE(replay.out.find("FAIL CS-OUT-4"), std::string::npos) << replay.out;
  EXPECT_NE(replay.out.find("SnapshotType=0"), std::string::npos);
  EXPECT_NE(replay.out.find("The failure reproduces."), std::string::npos);
  // The same case on the unbroken fake passes.
  const Outcome clean =
      hvsnap({"replay", j["failures"][0]["token"].get<std::string>(), "--target", "sim:"});
  EXPECT_EQ(clean.code, kExitCertified) << clean.out;
  EXPECT_NE(clean.out.find("No failure this time."), std::string::npos);
  EXPECT_EQ(hvsnap({"verify", dir.string()}).code, kExitCertified);
}

// A host that breaks a SHOULD is CERTIFIED (exit 0) with a warning, even with
// --stop-at-first-failure; the warning's token replays it and exits 0, saying it is a warning;
// `verify --requirement` shows its example (decision 0165). Before, the run stopped at its first
// capability probe, and the replay said "The failure reproduces." and exited 1.
TEST(Certify, AShouldsWarningIsCertifiedAndItsTokenReplaysTheWarning) {
  const fs::path dir = temp("warning");
  auto args = quick("sim+mutant:job-removed-early", dir);
  args.push_back("--stop-at-first-failure");
  const Outcome r = hvsnap(args);
  ASSERT_EQ(r.code, kExitCertified) << r.out << r.err;
  EXPECT_NE(r.out.find(" 0 failures, 1 warning ("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Warnings (a SHOULD broken, or a MUST met in a way the contract flags; "
                       "they do not fail certification):\n    CS-INV-8 (capability)"),
            std::string::npos)
      << r.out;
  const auto j = nlohmann::json::parse(read(dir / "result.json"));
  ASSERT_EQ(j["warnings"].size(), 1u);
  const std::string token = j["warnings"][0]["token"];
  const Outcome replay = hvsnap({"replay", token});
  EXPECT_EQ(replay.code, kExitCertified) << replay.out << replay.err;
  EXPECT_NE(replay.out.find("FAIL CS-INV-8 (inv8.readable-after-end): the job could not be read "
                            "right after it ended"),
            std::string::npos)
      << replay.out;
  EXPECT_NE(replay.out.find("[a SHOULD: a warning of the run]"), std::string::npos);
  EXPECT_NE(replay.out.find("The warning reproduces: CS-INV-8 (inv8.readable-after-end); a "
                            "warning does not fail certification."),
            std::string::npos)
      << replay.out;
  const Outcome clean = hvsnap({"replay", token, "--target", "sim:"});
  EXPECT_EQ(clean.code, kExitCertified) << clean.out;
  EXPECT_NE(clean.out.find("No failure this time."), std::string::npos) << clean.out;
  // A concurrent round on the same host warns too, and its replay says so.
  auto round = conformance::decode_token(token);
  ASSERT_TRUE(round.ok()) << round.status().to_string();
  nlohmann::json parallel = {{"kind", "parallel"},
                             {"target", (*round)["target"]},
                             {"seed", (*round)["seed"]},
                             {"host-seed", 1}};
  const Outcome concurrent = hvsnap({"replay", conformance::encode_token(parallel)});
  EXPECT_EQ(concurrent.code, kExitCertified) << concurrent.out << concurrent.err;
  EXPECT_NE(concurrent.out.find("The warning reproduces: CS-INV-8"), std::string::npos)
      << concurrent.out;
  const Outcome req = hvsnap({"verify", "--requirement", "CS-INV-8", dir.string()});
  EXPECT_EQ(req.code, kExitCertified) << req.out << req.err;
  EXPECT_NE(req.out.find("  example ("), std::string::npos) << req.out;
  EXPECT_NE(req.out.find("replay: hvsnap replay " + token), std::string::npos) << req.out;
}

// A capability probe's token replays the probe: its sentinel group gets no snapshot, as in the
// run (the token's "probe" flag; before, a replay arranged it as a matrix case does).
TEST(Certify, AProbesTokenReplaysTheProbesSetUp) {
  const fs::path dir = temp("probe");
  auto args = quick("sim+mutant:accepts-type-zero", dir);
  args.push_back("--stop-at-first-failure");
  ASSERT_EQ(hvsnap(args).code, kExitFailures);
  const auto j = nlohmann::json::parse(read(dir / "result.json"));
  ASSERT_FALSE(j["failures"].empty());
  auto token = conformance::decode_token(j["failures"][0]["token"].get<std::string>());
  ASSERT_TRUE(token.ok()) << token.status().to_string();
  const Outcome matrix = hvsnap({"replay", conformance::encode_token(*token), "--target", "sim:"});
  EXPECT_NE(matrix.out.find("a sentinel group with one snapshot"), std::string::npos) << matrix.out;
  (*token)["probe"] = true;
  const Outcome probe = hvsnap({"replay", conformance::encode_token(*token), "--target", "sim:"});
  EXPECT_NE(probe.out.find("(as a capability probe: the sentinel group gets no snapshot)"),
            std::string::npos)
      << probe.out;
  EXPECT_EQ(probe.out.find("a sentinel group with one snapshot"), std::string::npos) << probe.out;
  EXPECT_NE(probe.out.find("set-up: a sentinel group, which must stay untouched"),
            std::string::npos)
      << probe.out;
}

// On a target that refuses Off members the run learns to start them before a set-up snapshot
// (SetupPlan); a matrix case's token carries that, so its replay arranges the case as the run
// did. Before, the replay tried the set-up snapshot of an Off sentinel, was refused, and said
// NOT TESTED (exit 0) for a failure the report had just shown.
TEST(Certify, ATokenCarriesTheRunsSetUpPlan) {
  const fs::path dir = temp("setup-plan");
  auto args = quick("sim+mutant:accepts-type-zero", dir);
  args.insert(args.end(),
              {"--personality", "refuse-collection-snapshots=off", "--stop-at-first-failure"});
  ASSERT_EQ(hvsnap(args).code, kExitFailures);
  const auto j = nlohmann::json::parse(read(dir / "result.json"));
  ASSERT_FALSE(j["failures"].empty());
  const std::string token = j["failures"][0]["token"].get<std::string>();
  auto payload = conformance::decode_token(token);
  ASSERT_TRUE(payload.ok()) << payload.status().to_string();
  EXPECT_EQ((*payload)["setup"], nlohmann::json({{"start-members", true}})) << payload->dump();
  const Outcome replay = hvsnap({"replay", token});
  EXPECT_EQ(replay.code, kExitFailures) << replay.out << replay.err;
  EXPECT_NE(replay.out.find("(the run's target refused Off members: set-up snapshots start them "
                            "first, as in the run)"),
            std::string::npos)
      << replay.out;
  EXPECT_NE(replay.out.find("FAIL " + j["failures"][0]["requirement"].get<std::string>()),
            std::string::npos)
      << replay.out;
  EXPECT_NE(replay.out.find("The failure reproduces."), std::string::npos) << replay.out;
}

// CS-INV-10 across cases (a configuration refused in one case, snapshotted in another) names the
// first refused case: here a capability probe, and its token says so, so that the replay
// arranges the probe's set-up (no sentinel snapshot) as the run did.
TEST(Certify, ACrossCaseRefusalsTokenSaysItsCaseWasAProbe) {
  const fs::path dir = temp("inv10-probe");
  ASSERT_EQ(hvsnap(quick("sim+mutant:not-supported-sometimes", dir)).code, kExitFailures);
  const auto j = nlohmann::json::parse(read(dir / "result.json"));
  int across = 0;
  for (const auto& f : j["failures"]) {
    // The across-case finding ("… was refused (32770) in 2 call(s) and snapshotted in 1 …"),
    // not a case's own refused repeat.
    if (f["check"] != "inv10.refusal-stable" ||
        f["title"].get<std::string>().find(" and snapshotted in ") == std::string::npos) {
      continue;
    }
    ++across;
    auto token = conformance::decode_token(f["token"].get<std::string>());
    ASSERT_TRUE(token.ok()) << token.status().to_string();
    EXPECT_EQ(token->value("probe", false), true) << token->dump();
    const Outcome replay = hvsnap({"replay", f["token"].get<std::string>()});
    EXPECT_NE(replay.out.find("(as a capability probe: the sentinel group gets no snapshot)"),
              std::string::npos)
        << replay.out;
  }
  EXPECT_GT(across, 0) << j["failures"].dump(1);
}

TEST(Certify, TheSameSeedGivesTheSameReportApartFromWallTime) {
  const fs::path a = temp("same-a"), b = temp("same-b");
  ASSERT_EQ(hvsnap(quick("sim+mutant:skips-a-member", a, "11")).code, kExitFailures);
  ASSERT_EQ(hvsnap(quick("sim+mutant:skips-a-member", b, "11")).code, kExitFailures);
  for (const auto& f : reports::bundle_files()) {
    EXPECT_EQ(first_difference(reports::normalize_for_comparison(f, read(a / f)),
                               reports::normalize_for_comparison(f, read(b / f))),
              "")
        << f << " differs between two runs with one seed";
  }
  // And a different seed explores different values (the reports differ).
  const fs::path c = temp("same-c");
  ASSERT_EQ(hvsnap(quick("sim+mutant:skips-a-member", c, "12")).code, kExitFailures);
  EXPECT_NE(
      first_difference(reports::normalize_for_comparison("result.json", read(a / "result.json")),
                       reports::normalize_for_comparison("result.json", read(c / "result.json"))),
      "");
}

// Cases at a time (-j, decision 0074): the report is the same for every number of jobs — the
// fake passing, a mutant failing (its failures shrunk), and a mutant stopped at its first
// failure (what later cases found is dropped, whichever of them already ran).
// Folders named after `name` (ctest runs the tests of this file at the same time).
void expect_same_for_every_jobs(const std::string& name, const std::string& target,
                                std::vector<std::string> extra, int exit_code) {
  std::vector<fs::path> dirs;
  for (const char* jobs : {"1", "2", "3"}) {
    const fs::path dir = temp("jobs-" + name + "-" + jobs);
    auto args = quick(target, dir, "23");
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), {"-j", jobs});
    const Outcome r = hvsnap(args);
    ASSERT_EQ(r.code, exit_code) << "-j " << jobs << "\n" << r.out << r.err;
    dirs.push_back(dir);
  }
  for (std::size_t i = 1; i < dirs.size(); ++i) {
    for (const auto& f : reports::bundle_files()) {
      EXPECT_EQ(first_difference(reports::normalize_for_comparison(f, read(dirs[0] / f)),
                                 reports::normalize_for_comparison(f, read(dirs[i] / f))),
                "")
          << target << ": " << f << " differs between -j 1 and -j " << i + 1;
    }
  }
}

TEST(CliJobs, TheFakesReportIsTheSameWhateverTheNumberOfJobs) {
  expect_same_for_every_jobs("fake", "sim:", {}, kExitCertified);
}

TEST(CliJobs, AMutantsFailuresAreTheSameWhateverTheNumberOfJobs) {
  expect_same_for_every_jobs("mutant", "sim+mutant:skips-a-member", {}, kExitFailures);
}

TEST(CliJobs, AStopAtTheFirstFailureIsTheSameWhateverTheNumberOfJobs) {
  expect_same_for_every_jobs("stop", "sim+mutant:accepts-type-zero", {"--stop-at-first-failure"},
                             kExitFailures);
  const auto j = nlohmann::json::parse(read(temp_path("jobs-stop-3") / "result.json"));
  EXPECT_TRUE(j["run"]["stopped-at-first-failure"].get<bool>());
}

// A run that warns (decision 0165): its one example a SHOULD is the same item whatever -j is, and
// its time to find is a wall-time field the comparison masks (before, it was not).
TEST(CliJobs, AWarningIsTheSameWhateverTheNumberOfJobs) {
  expect_same_for_every_jobs("warning", "sim+mutant:job-removed-early", {}, kExitCertified);
  const auto j = nlohmann::json::parse(read(temp_path("jobs-warning-3") / "result.json"));
  ASSERT_EQ(j["warnings"].size(), 1u) << j.dump(1);
}

TEST(CliJobs, TheRunSaysHowManyCasesAtATimeAndTheRepeatCommandLeavesItOut) {
  auto args = quick("sim:", temp("jobs-said"));
  args.pop_back();  // --quiet
  args.insert(args.end(), {"-j", "2"});
  const Outcome r = hvsnap(args);
  EXPECT_EQ(r.code, kExitCertified) << r.out << r.err;
  EXPECT_NE(r.out.find(", 2 cases at a time\n"), std::string::npos) << r.out;
  // The report does not depend on -j, so the command that repeats it does not carry it.
  const auto at = r.out.find("Repeat this run: ");
  ASSERT_NE(at, std::string::npos) << r.out;
  const std::string repeat = r.out.substr(at, r.out.find('\n', at) - at);
  EXPECT_EQ(repeat.find(" -j"), std::string::npos) << repeat;
  EXPECT_EQ(repeat.find("--jobs"), std::string::npos) << repeat;
}

struct BadInput {
  std::vector<std::string> args;
  std::string message;
};

void PrintTo(const BadInput& b, std::ostream* os) {
  *os << "hvsnap";
  for (const auto& a : b.args)
    *os << ' ' << a;
}

class BadInputs : public ::testing::TestWithParam<BadInput> {};

TEST_P(BadInputs, GetAClearMessageExitTwoAndNoReport) {
  const fs::path dir = temp("bad");
  std::vector<std::string> args = GetParam().args;
  if (!args.empty() && (args[0] == "certify" || args[0] == "mutants")) {
    args.push_back("--out");
    args.push_back(dir.string());
  }
  const Outcome r = hvsnap(args);
  EXPECT_EQ(r.code, kExitUsage) << r.out << r.err;
  EXPECT_NE(r.err.find(GetParam().message), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir)) << "a failed command left a report folder behind";
}

INSTANTIATE_TEST_SUITE_P(
    Cli, BadInputs,
    ::testing::Values(
        BadInput{{"certify", "--target", "ftp://host"}, "unknown target scheme 'ftp'"},
        BadInput{{"certify", "--target", "wsman+http://me:hunter2@127.0.0.1:1/wsman"},
                 "the target URI holds a password"},
        BadInput{{"certify", "--target", "wsman+http://me@127.0.0.1:1/wsman", "--password-file",
                  "/no/such/password"},
                 "cannot read the password file '/no/such/password'"},
        BadInput{{"certify", "--target", "wsman+http://127.0.0.1:1/wsman", "--personality",
                  "codes=msvm"},
                 "apply only to the fake"},
        BadInput{{"certify", "--auth", "kerberos"}, "--auth"},
        BadInput{{"serve", "--listen", "nowhere"}, "--listen: 'nowhere' is not HOST:PORT"},
        BadInput{{"serve", "--listen", "127.0.0.1:99999"}, "is not a port number"},
        BadInput{{"serve", "--listen", "0.0.0.0:0"}, "refusing to listen on 0.0.0.0"},
        BadInput{{"serve", "--fixture", "fixtures/test/malformed/01-no-schema.yaml"},
                 "01-no-schema.yaml:2:1: missing required key 'schema'"},
        BadInput{{"serve", "--target", "wsman+http://127.0.0.1:1/wsman"},
                 "only the fake can be served"},
        BadInput{{"serve", "--credentials", "/no/such/credentials"}, "--credentials: cannot read"},
        BadInput{{"serve", "--fixture", "a.yaml", "--target", "sim:"}, "not both"},
        BadInput{{"mutants", "--via", "carrier-pigeon"}, "--via"},
        BadInput{{"mutants", "--only", "skips-a-member,nope"},
                 "--only: unknown mutant 'nope' (known: accepts-type-zero"},
        BadInput{{"certify", "--target", "sim:no/such/host.yaml"}, "no/such/host.yaml"},
        BadInput{{"certify", "--target", "sim:fixtures/test/malformed/01-no-schema.yaml"},
                 "01-no-schema.yaml:2:1: missing required key 'schema'"},
        BadInput{{"certify", "--target", "sim+mutant:nope"}, "unknown mutant 'nope'"},
        BadInput{{"certify", "--budget", "soon"}, "--budget: cannot read the duration 'soon'"},
        BadInput{{"certify", "--profile", "bogus"}, "--profile"},
        BadInput{{"certify", "--coverage", "most"}, "--coverage"},
        BadInput{{"certify", "--personality", "codes=martian"}, "codes cannot be 'martian'"},
        BadInput{{"certify", "--faults", "earthquake"}, "unknown fault plan 'earthquake'"},
        BadInput{{"certify", "--host-build", "7600"},
                 "host build 7600 is older than the first Hyper-V WMI v2 build (9200)"},
        BadInput{{"certify", "--host-build", "9600"},
                 "host build 9600 has no Msvm_VirtualSystemCollection"},
        BadInput{{"certify", "--target", "wsman+http://127.0.0.1:1/wsman", "--host-build", "26100"},
                 "apply only to the fake"},
        BadInput{{"serve", "--host-build", "many"}, "--host-build"},
        BadInput{{"certify", "--max-steps", "99"}, "--max-steps"},
        BadInput{{"certify", "--frobnicate"}, "frobnicate"},
        BadInput{{"replay", "garbage"}, "expected it to start with 'hvsnap1.'"},
        BadInput{{"replay", "hvsnap1.e30"}, "the token's payload is incomplete"},
        BadInput{{"verify", "/no/such/report"}, "no such folder"}, BadInput{{}, "subcommand"}));

TEST(Certify, APasswordInTheTargetUriIsNeverEchoed) {
  const Outcome r = hvsnap({"certify", "--target", "wsman+http://me:hunter2@127.0.0.1:1/wsman",
                            "--out", temp("pw").string()});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_EQ((r.out + r.err).find("hunter2"), std::string::npos) << r.err;
}

TEST(Certify, AnUnreachableWsmanHostExitsThree) {
  const fs::path dir = temp("unreachable");
  // Port 1 on loopback: nothing listens there, the connection is refused at once.
  const Outcome r =
      hvsnap({"certify", "--target", "wsman+http://127.0.0.1:1/wsman", "--out", dir.string()});
  EXPECT_EQ(r.code, kExitUnreachable) << r.out << r.err;
  EXPECT_NE(r.err.find("is the host up"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir));
}

TEST(Certify, RefusesAnOutputFolderThatIsNotEmptyAndLeavesItAlone) {
  const fs::path dir = temp("occupied");
  fs::create_directories(dir);
  std::ofstream(dir / "precious.txt") << "keep me";
  const Outcome r = hvsnap(quick("sim:", dir));
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("already exists and is not empty"), std::string::npos) << r.err;
  EXPECT_EQ(read(dir / "precious.txt"), "keep me");
  EXPECT_FALSE(fs::exists(dir / "result.json"));
}

// The folder is refused before the target is made: no host is reached, and no fixture read
// (a missing one would be the error otherwise), only to be refused at the end.
TEST(Certify, RefusesAnOccupiedOutputFolderBeforeMakingTheTarget) {
  const fs::path dir = temp("occupied-first");
  fs::create_directories(dir);
  std::ofstream(dir / "precious.txt") << "keep me";
  const Outcome r = hvsnap(quick("sim:" + temp("no-such-fixture.yaml").string(), dir));
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("--out: "), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("no-such-fixture"), std::string::npos) << r.err;
  EXPECT_EQ(read(dir / "precious.txt"), "keep me");
}

TEST(Certify, AnInterruptedRunWritesAReportThatSaysSo) {
  const fs::path dir = temp("interrupted");
  std::atomic<bool> interrupt{true};
  const Outcome r = hvsnap(quick("sim:", dir), false, &interrupt);
  EXPECT_EQ(r.code, kExitInterrupted) << r.out;
  const auto j = nlohmann::json::parse(read(dir / "result.json"));
  EXPECT_TRUE(j["run"]["interrupted"].get<bool>());
  EXPECT_EQ(j["verdict"]["verdict"], "NOT CERTIFIED");
  EXPECT_EQ(hvsnap({"verify", dir.string()}).code, kExitCertified);
}

TEST(Certify, AnExhaustedBudgetCannotCertify) {
  const fs::path dir = temp("budget");
  auto args = quick("sim:", dir);
  args.insert(args.end(), {"--budget", "1ms"});
  const Outcome r = hvsnap(args);
  EXPECT_EQ(r.code, kExitFailures);
  EXPECT_NE(r.out.find("the time budget ran out"), std::string::npos) << r.out;
  EXPECT_EQ(hvsnap({"verify", dir.string()}).code, kExitCertified);
}

TEST(Certify, ProgressIsALiveLineOnATerminalAndPlainLinesElsewhere) {
  auto args = quick("sim:", temp("progress-plain"));
  args.pop_back();  // --quiet
  const Outcome plain = hvsnap(args, false);
  EXPECT_NE(plain.out.find("progress: matrix"), std::string::npos);
  EXPECT_EQ(plain.out.find('\r'), std::string::npos);
  args = quick("sim:", temp("progress-tty"));
  args.pop_back();
  const Outcome tty = hvsnap(args, true);
  EXPECT_NE(tty.out.find("\r\033[Kmatrix"), std::string::npos);
  EXPECT_NE(tty.out.find("budget:"), std::string::npos);
}

// `hvsnap mutants` on a part of the catalogue: the table, its bundle and `verify` of both.
TEST(Mutants, TheKillTableIsWrittenAndVerifiesWithEachMutantsReport) {
  const fs::path dir = temp("mutants");
  const Outcome r = hvsnap({"mutants", "--only", "skips-a-member,accepts-type-zero,skips-a-member",
                            "--out", dir.string()});
  EXPECT_EQ(r.code, kExitCertified) << r.out << r.err;
  EXPECT_NE(r.out.find("2 mutants via sim, seed 20261124"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("kill score 2/2 (100%)"), std::string::npos) << r.out;
  const auto j = nlohmann::json::parse(read(dir / "mutants.json"));
  EXPECT_EQ(j["schema"], "hvsnap-mutants");
  ASSERT_EQ(j["mutants"].size(), 2u);
  EXPECT_EQ(j["mutants"][0]["name"], "skips-a-member");
  EXPECT_EQ(j["mutants"][0]["killed-by"], "CS-INV-2");
  EXPECT_EQ(j["mutants"][1]["killed-by"], "CS-OUT-4");
  EXPECT_GT(j["mutants"][1]["counterexample-steps"].get<int>(), 0);
  EXPECT_NE(read(dir / "summary.md").find("kill score 2/2 (100%)"), std::string::npos);
  const Outcome v = hvsnap({"verify", dir.string()});
  EXPECT_EQ(v.code, kExitCertified) << v.out;
  EXPECT_NE(v.out.find("every mutant's report are complete"), std::string::npos) << v.out;
  // A mutant's own report that was edited fails the table's verification.
  std::ofstream(dir / "skips-a-member" / "summary.md", std::ios::app) << "edited\n";
  const Outcome bad = hvsnap({"verify", dir.string()});
  EXPECT_EQ(bad.code, kExitFailures) << bad.out;
  EXPECT_NE(bad.out.find("skips-a-member: summary.md does not match"), std::string::npos)
      << bad.out;
}

TEST(Cli, HelpVersionAndTargets) {
  const Outcome help = hvsnap({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("certify"), std::string::npos);
  const Outcome version = hvsnap({"--version"});
  EXPECT_EQ(version.code, 0);
  EXPECT_NE(version.out.find("hvsnap 0."), std::string::npos);
  const Outcome targets = hvsnap({"targets"});
  EXPECT_EQ(targets.code, 0);
  EXPECT_NE(targets.out.find("accepts-type-zero"), std::string::npos);
  EXPECT_NE(targets.out.find("job-stall"), std::string::npos);
}

TEST(Duration, ReadsWhatPeopleWrite) {
  using std::chrono::milliseconds;
  EXPECT_EQ(*parse_duration("90s"), milliseconds(90'000));
  EXPECT_EQ(*parse_duration("10m"), milliseconds(600'000));
  EXPECT_EQ(*parse_duration("1h30m"), milliseconds(5'400'000));
  EXPECT_EQ(*parse_duration("1500ms"), milliseconds(1500));
  EXPECT_EQ(*parse_duration("45"), milliseconds(45'000));
  EXPECT_EQ(*parse_duration("0"), milliseconds(0));
  for (const char* bad : {"", "m", "1x", "1h 30m", "-5s", "10s5", "99999999999s"}) {
    EXPECT_FALSE(parse_duration(bad).ok()) << bad;
  }
  for (long long ms : {0LL, 1LL, 1500LL, 90'000LL, 5'400'000LL, 90'061'001LL}) {
    EXPECT_EQ(*parse_duration(format_duration(milliseconds(ms))), milliseconds(ms)) << ms;
  }
}

TEST(Certify, TheDefaultFolderNamesTheTimeAndTheTarget) {
  const auto t = std::chrono::system_clock::from_time_t(1'795'000'000);
  EXPECT_EQ(default_run_folder("sim:", t), "20261118T110640Z-sim");
  EXPECT_EQ(default_run_folder("sim:fixtures/hosts/guest-cluster.yaml", t),
            "20261118T110640Z-sim-fixtures-hosts-guest-cluster.yaml");
  EXPECT_EQ(default_run_folder("sim+mutant:skips-a-member", t),
            "20261118T110640Z-sim+mutant-skips-a-member");
}

}  // namespace
}  // namespace hvsnap::tools
