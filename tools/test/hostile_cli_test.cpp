// Hostile input to the `hvsnap` command and the files it reads: /dev/zero, a FIFO or a
// directory wherever a file is expected, numbers out of range, durations that would overflow
// the simulated clock, forged or escaping report bundles. Each answer is a clear error with
// exit 2 (or a verify failure, exit 1) within seconds — never a hang, a wrap or bad_alloc.
// Also the process-exit path of certify (CliExit), here because this file runs under ASan.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "hvsnap/conformance/catalogue.h"
#include "hvsnap/conformance/run_result.h"
#include "hvsnap/conformance/token.h"
#include "hvsnap/reports/bundle.h"
#include "hvsnap/tools/cli.h"
#include "hvsnap/tools/served.h"

namespace hvsnap::tools {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Ran {
  int code = -1;
  std::string out, err;
};

// run_cli in-process, given at most `limit`: a hang is a test failure, not a stuck ctest.
Ran run(std::vector<std::string> args, std::chrono::seconds limit = 10s) {
  auto result = std::make_shared<Ran>();
  auto task = std::async(std::launch::async, [args, result] {
    std::ostringstream out, err;
    Console c{out, err};
    result->code = run_cli(args, c);
    result->out = out.str();
    result->err = err.str();
  });
  if (task.wait_for(limit) != std::future_status::ready) {
    std::string line;
    for (const auto& a : args)
      line += a + " ";
    ADD_FAILURE() << "hvsnap " << line << "did not end within " << limit.count() << " s";
    std::_Exit(1);  // the hung call cannot be cancelled
  }
  task.get();
  return *result;
}

class HostileCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / fmt::format("hvsnap-hostile-cli-{}", ::getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "a-directory");
    fifo_ = (dir_ / "a-fifo").string();
    ASSERT_EQ(::mkfifo(fifo_.c_str(), 0600), 0);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return (dir_ / name).string();
  }
  // The three files that are not files.
  std::vector<std::pair<std::string, std::string>> non_files() const {
    return {{"/dev/zero", "character device"},
            {fifo_, "FIFO"},
            {(dir_ / "a-directory").string(), "directory"}};
  }

  fs::path dir_;
  std::string fifo_;
};

TEST_F(HostileCli, AFixtureThatIsNotARegularFileIsAClearError) {
  for (const auto& [path, kind] : non_files()) {
    for (auto args : std::vector<std::vector<std::string>>{
             {"certify", "--target", "sim:" + path, "--out", (dir_ / "out").string()},
             {"serve", "--fixture", path, "--listen", "127.0.0.1:0"}}) {
      const Ran r = run(args);
      EXPECT_EQ(r.code, 2) << path << " " << r.err;
      EXPECT_NE(r.err.find(kind), std::string::npos) << r.err;
      // A directory is named as one (decision 0016); any other non-file by the bounded read.
      const char* const why = kind == std::string("directory")
                                  ? "is a directory, not a fixture file"
                                  : "only a regular file is read";
      EXPECT_NE(r.err.find(why), std::string::npos) << r.err;
    }
  }
}

TEST_F(HostileCli, AReplayTargetThatIsNotARegularFileIsAClearError) {
  // Any token will do: the target is loaded before the token's case runs.
  const std::string token = conformance::encode_token(
      {{"kind", "case"}, {"seed", 1}, {"target", {{"uri", "sim:"}}}, {"case", nullptr}});
  for (const auto& [path, kind] : non_files()) {
    const Ran r = run({"replay", token, "--target", "sim:" + path});
    EXPECT_EQ(r.code, 2) << path << " " << r.err;
    EXPECT_NE(r.err.find(kind), std::string::npos) << r.err;
  }
}

TEST_F(HostileCli, CredentialsPasswordAndTlsFilesThatAreNotRegularFilesAreClearErrors) {
  const std::string cert = write("cert.pem", "-----BEGIN CERTIFICATE-----\n");
  for (const auto& [path, kind] : non_files()) {
    const Ran creds = run({"serve", "--credentials", path, "--listen", "127.0.0.1:0"});
    EXPECT_EQ(creds.code, 2) << creds.err;
    EXPECT_NE(creds.err.find(kind), std::string::npos) << creds.err;

    ::setenv("HVSNAP_PASSWORD", "", 1);
    const Ran pw = run({"certify", "--target", "wsman+http://alice@127.0.0.1:1/wsman",
                        "--password-file", path, "--out", (dir_ / "out").string()});
    ::unsetenv("HVSNAP_PASSWORD");
    EXPECT_EQ(pw.code, 2) << pw.err;
    EXPECT_NE(pw.err.find(kind), std::string::npos) << pw.err;

    const Ran ca = run({"certify", "--target", "wsman+https://127.0.0.1:1/wsman", "--ca-file", path,
                        "--out", (dir_ / "out").string()});
    EXPECT_EQ(ca.code, 2) << ca.err;
    EXPECT_NE(ca.err.find(kind), std::string::npos) << ca.err;

    if (kind != "directory") {  // CLI11 itself refuses a directory for --tls-cert
      const Ran tls = run({"serve", "--tls-cert", path, "--tls-key", cert, "--listen",
                           "127.0.0.1:0", "--credentials", write("c", "a:b\n")});
      EXPECT_EQ(tls.code, 2) << tls.err;
      EXPECT_NE(tls.err.find(kind), std::string::npos) << tls.err;
    }
  }
}

TEST_F(HostileCli, AVerifyFolderThatIsNotAFolderIsAClearError) {
  for (const auto& [path, kind] : non_files()) {
    if (kind == "directory") continue;
    const Ran r = run({"verify", path});
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("no such folder"), std::string::npos) << r.err;
  }
}

// What main() does (Console::process_ends_after): a certify run leaves its fake target to the
// process exit (decision 0129). Twice in one process, under the sanitizers (this file is in the
// asan preset): both runs reach the same verdict, their bundles verify, and LeakSanitizer at exit
// counts what was left (reachable from static storage) as no leak.
TEST(CliExit, RunsThatLeaveTheirFakeToTheExitCertifyAlikeTwiceInOneProcess) {
  const fs::path dir =
      fs::path(::testing::TempDir()) / fmt::format("hvsnap-cli-exit-{}", ::getpid());
  fs::remove_all(dir);
  std::string verdicts[2];
  for (int round = 0; round < 2; ++round) {
    const std::string out = (dir / std::to_string(round)).string();
    std::ostringstream o, e;
    Console c{o, e};
    c.process_ends_after = true;
    const int code = run_cli({"certify", "--profile", "core", "--coverage", "pairwise", "--seed",
                              "20261204", "--out", out},
                             c);
    // The core profile never certifies (exit 1, "only the full profile can certify"); what is
    // compared is the verdict line up to its wall time.
    EXPECT_EQ(code, 1) << e.str();
    const std::string text = o.str();
    const std::size_t line = text.find("NOT CERTIFIED — ");
    ASSERT_NE(line, std::string::npos) << text;
    verdicts[round] = text.substr(line, text.find(" (", line) - line);
    EXPECT_NE(verdicts[round].find(" 0 failures"), std::string::npos) << verdicts[round];
    const Ran verified = run({"verify", out});
    EXPECT_EQ(verified.code, 0) << verified.out << verified.err;
  }
  EXPECT_EQ(verdicts[0], verdicts[1]);
  fs::remove_all(dir);
}

TEST(HostileCliNumbers, OutOfRangeNumbersAreUsageErrorsNeverWrapped) {
  const std::vector<std::vector<std::string>> bad{
      {"certify", "--seed", "-1"},
      {"certify", "--seed", "18446744073709551616"},
      {"certify", "--seed", "99999999999999999999999"},
      {"certify", "--seed", "0x10"},
      {"certify", "--seed", "1e3"},
      {"certify", "--seed", ""},
      {"certify", "--sequences", "99999999999"},
      {"certify", "--sequences", "-5"},
      {"certify", "--max-steps", "0x10"},
      {"certify", "--max-steps", "51"},
      {"certify", "--cases-per-combination", "4294967297"},
      {"certify", "--parallel-rounds", "+3"},
      {"serve", "--seed", "-1"},
      {"serve", "--seed", "18446744073709551616"},
      {"mutants", "--seed", "-1"},
      {"certify", "--budget", "99999999999999999999s"},
      {"certify", "--personality", "result-visibility=after-polls:99999999999999999999"},
      {"certify", "--personality", "job-progress=after-reads:4294967296"},
      {"serve", "--listen", "127.0.0.1:65536"},
      {"serve", "--listen", "127.0.0.1:-1"},
  };
  for (const auto& args : bad) {
    const Ran r = run(args);
    std::string line;
    for (const auto& a : args)
      line += a + " ";
    EXPECT_EQ(r.code, 2) << line << "\n" << r.out << r.err;
    EXPECT_FALSE(r.err.empty()) << line;
  }
  // The largest seed is still a seed (checked by parsing alone: --help-all is not needed).
  const Ran edge = run({"serve", "--seed", "18446744073709551615", "--listen", "bad"});
  EXPECT_EQ(edge.code, 2);
  EXPECT_NE(edge.err.find("--listen"), std::string::npos) << edge.err;
}

TEST(HostileCliNumbers, TheListenPolicyNamesAnUnresolvableHost) {
  const Ran r = run({"serve", "--listen", "127.attacker.invalid:0"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("cannot resolve"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("127.attacker.invalid"), std::string::npos) << r.err;
}

TEST_F(HostileCli, DurationsThatWouldOverflowTheClockAreClearErrors) {
  for (const std::string key : {"auto-advance-ms", "time-before-removal-ms", "transition-ms"}) {
    const std::string fixture =
        write(key + ".yaml", fmt::format("schema: 1\nhost: H\ntiming:\n  {}: 9223372036854775807\n"
                                         "vms:\n  - name: a\n    state: running\ngroups:\n"
                                         "  - name: g\n    members: [a]\n",
                                         key));
    const Ran r = run({"certify", "--target", "sim:" + fixture, "--out", (dir_ / "o").string()});
    EXPECT_EQ(r.code, 2) << key << ": " << r.out << r.err;
    EXPECT_NE(r.err.find(key), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("at most"), std::string::npos) << r.err;
  }
}

TEST_F(HostileCli, AnEpochWhoseTimesADatetimeCannotWriteIsAClearError) {
  // A CIM datetime has four digits of year: a host's times (its epoch and up to a hundred years
  // of its clock) stay within 0000 to 9999, or its checkpoints would be dated 10,000 years early.
  for (const std::string epoch : {"9999-12-31T12:00:00Z", "9950-01-01T00:00:00Z"}) {
    const std::string fixture =
        write("epoch.yaml", fmt::format("schema: 1\nhost: H\nepoch: {}\n"
                                        "vms:\n  - name: a\n    state: running\ngroups:\n"
                                        "  - name: g\n    members: [a]\n",
                                        epoch));
    const Ran r = run({"certify", "--target", "sim:" + fixture, "--out", (dir_ / "o").string()});
    EXPECT_EQ(r.code, 2) << epoch << ": " << r.out << r.err;
    EXPECT_NE(r.err.find("the epoch"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("0000 to 9999"), std::string::npos) << r.err;
  }
}

TEST(HostileControl, AdvanceIsBoundedAndNeverOverflowsTheClock) {
  auto fake = ServedFake::create("sim:", TargetOptions{});
  ASSERT_TRUE(fake.ok());
  auto advance = [&](std::int64_t ms) {
    return (*fake)->invoke("Advance", {{cim::Name("Milliseconds"), cim::Value::sint64(ms)}});
  };
  const auto t0 = std::chrono::steady_clock::now();
  auto huge = advance(INT64_MAX);
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().kind(), cim::StatusKind::kInvalidParameter);
  EXPECT_NE(huge.status().message().find("ten years"), std::string::npos);
  EXPECT_FALSE(advance(-1).ok());
  // Ten years at a time is fine, until the hundred-year limit.
  int accepted = 0;
  for (int i = 0; i < 12; ++i) {
    auto r = advance(kMaxAdvanceMs);
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("a hundred years"), std::string::npos);
      break;
    }
    ++accepted;
    const auto now = cim::find(r->out, "Milliseconds")->as_int();
    ASSERT_TRUE(now.has_value());
    EXPECT_GT(*now, 0) << "the clock overflowed";
  }
  EXPECT_GE(accepted, 9);
  EXPECT_LT(accepted, 12);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s) << "advancing spun";
}

// --- verify ---

conformance::RunResult sample(bool failing) {
  using namespace conformance;
  RunResult r;
  r.target_uri = "sim:";
  r.target_identity = "hvsnap fake host";
  r.profile = conformance::Profile::kFull;
  r.coverage = conformance::Coverage::kPairwise;
  r.seed = 7;
  for (const auto& req : catalogue().value()) {
    RequirementResult rr;
    rr.id = req.id;
    rr.level = req.level;
    rr.text = req.text;
    rr.verdict = Verdict::kPass;
    rr.passed = 3;
    r.requirements.push_back(rr);
  }
  if (failing) {
    r.requirements[2].verdict = Verdict::kFail;
    r.requirements[2].failed = 1;
    r.requirements[2].reason = "left a snapshot";
  }
  apply_verdict(r);
  return r;
}

reports::RunInfo info() {
  reports::RunInfo i;
  i.tool_version = "0.1.0";
  i.git_commit = "abc";
  i.command = "hvsnap certify --target sim: --seed 7";
  i.started_utc = "2026-11-24T10:00:00Z";
  i.finished_utc = "2026-11-24T10:00:02Z";
  return i;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void set_manifest_line(const fs::path& dir, const std::string& name, const std::string& hash) {
  std::string manifest = slurp(dir / reports::kManifest);
  const auto pos = manifest.find("  " + name + "\n");
  if (pos == std::string::npos) {
    manifest += hash + "  " + name + "\n";
  } else {
    manifest.replace(pos - 64, 64, hash);
  }
  std::ofstream(dir / reports::kManifest, std::ios::trunc | std::ios::binary) << manifest;
}

TEST_F(HostileCli, VerifyRefusesAResultJsonForgedWhileTheOtherFilesStillListFailures) {
  const fs::path failing = dir_ / "failing", passing = dir_ / "passing";
  ASSERT_TRUE(reports::write_bundle(failing, sample(true), info()).ok());
  ASSERT_TRUE(reports::write_bundle(passing, sample(false), info()).ok());
  EXPECT_EQ(run({"verify", failing.string()}).code, 0);
  // A result.json that is consistent in itself (a real one, of a passing run) ...
  const std::string forged = slurp(passing / "result.json");
  std::ofstream(failing / "result.json", std::ios::trunc | std::ios::binary) << forged;
  set_manifest_line(failing, "result.json", reports::sha256_hex(forged));
  // ... but junit.xml, summary.md and report.html still show the failure.
  const Ran r = run({"verify", failing.string()});
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("junit.xml shows requirement"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("summary.md does not"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("report.html does not"), std::string::npos) << r.out;
}

TEST_F(HostileCli, VerifyRefusesSymlinksLeavingTheBundleAndDotDotEntries) {
  const fs::path b = dir_ / "bundle";
  ASSERT_TRUE(reports::write_bundle(b, sample(false), info()).ok());
  // A listed file replaced by a link to a file outside, with the outside file's hash.
  const std::string outside = write("outside.md", slurp(b / "summary.md"));
  fs::remove(b / "summary.md");
  fs::create_symlink(outside, b / "summary.md");
  const Ran linked = run({"verify", b.string()});
  EXPECT_EQ(linked.code, 1);
  EXPECT_NE(linked.out.find("summary.md is a symbolic link that leaves the bundle"),
            std::string::npos)
      << linked.out;
  // A manifest entry "..".
  fs::remove(b / "summary.md");
  fs::copy_file(outside, b / "summary.md");
  set_manifest_line(b, "..", std::string(64, '0'));
  const Ran dots = run({"verify", b.string()});
  EXPECT_EQ(dots.code, 1);
  EXPECT_NE(dots.out.find("'..' is not a file of the bundle"), std::string::npos) << dots.out;
}

TEST_F(HostileCli, VerifyReportsAFifoInTheBundleWithoutHanging) {
  const fs::path b = dir_ / "bundle";
  ASSERT_TRUE(reports::write_bundle(b, sample(false), info()).ok());
  fs::remove(b / "junit.xml");
  ASSERT_EQ(::mkfifo((b / "junit.xml").c_str(), 0600), 0);
  const Ran r = run({"verify", b.string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("FIFO"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace hvsnap::tools
