// Shards, fleets and the per-requirement verdicts (decisions 0041, 0043, 0044):
// merging the N shards of a run gives the requirement verdicts and the coverage of the unsharded
// run with the same seed (on the fake, also for mutants that only sequences or concurrent rounds
// kill); a shard's sequences do not depend on N; `certify --targets` runs one process per target
// and `merge` + `verify` check the fleet; `verify --requirement` exits by the requirement's
// verdict; bad input is exit 2 with what and where.
#include <gtest/gtest.h>
#include <unistd.h>
#include <algorithm>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hvsnap/reports/fleet.h"
#include "hvsnap/tools/cli.h"

namespace hvsnap::tools {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct CliRun {
  int code = -1;
  std::string out, err;
};

CliRun cli(std::vector<std::string> args) {
  std::ostringstream o, e;
  Console c{o, e, false, nullptr};
  c.executable = HVSNAP_EXE;
  CliRun r;
  r.code = run_cli(args, c);
  r.out = o.str();
  r.err = e.str();
  return r;
}

json read_json(const fs::path& p) {
  std::ifstream in(p);
  return json::parse(in);
}

class Work : public ::testing::Test {
 protected:
  void SetUp() override {
    // The process id keeps two checkouts' runs of this test apart (one /tmp). A parameterized
    // test's name holds a '/' ("Name/param"): one directory, not a parent left behind empty.
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(name.begin(), name.end(), '/', '-');
    dir_ = fs::temp_directory_path() / ("hvsnap-fleet-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }
  fs::path dir_;
};

// Small but complete: every phase runs (pairwise matrix, sequences, concurrent rounds).
std::vector<std::string> certify_args(const std::string& target, const fs::path& out) {
  return {"certify",    "--target", target,        "--seed",    "11",
          "--coverage", "pairwise", "--sequences", "30",        "--parallel-rounds",
          "9",          "--quiet",  "--out",       out.string()};
}

std::map<std::string, std::string> requirement_verdicts(const json& r) {
  std::map<std::string, std::string> m;
  for (const auto& x : r.at("requirements"))
    m[x.at("id")] = x.at("verdict");
  return m;
}

std::map<std::string, std::string> coverage(const json& r) {
  std::map<std::string, std::string> m;
  for (const auto& x : r.at("combinations"))
    m[x.at("combination")] = x.at("verdict").get<std::string>() + " " + x.at("observed").dump();
  return m;
}

std::map<std::string, std::string> capability(const json& r) {
  std::map<std::string, std::string> m;
  for (const auto& x : r.at("capability"))
    m[x.at("configuration")] = std::string(x.at("snapshotted").get<int>() > 0 ? "S" : "") +
                               (x.at("refused").get<int>() > 0 ? "R" : "") +
                               (x.at("failed").get<int>() > 0 ? "F" : "") + x.at("answers").dump();
  return m;
}

class ShardMerge : public Work, public ::testing::WithParamInterface<const char*> {};

TEST_P(ShardMerge, MergingTheShardsGivesTheVerdictsAndCoverageOfOneRun) {
  const std::string target = GetParam();
  const CliRun whole = cli(certify_args(target, dir_ / "whole"));
  ASSERT_TRUE(whole.code == kExitCertified || whole.code == kExitFailures) << whole.err;
  const json one = read_json(dir_ / "whole" / "result.json");
  for (int n : {2, 3}) {
    std::vector<std::string> merge{"merge"};
    for (int k = 0; k < n; ++k) {
      const fs::path out = dir_ / ("shard-" + std::to_string(k) + "-of-" + std::to_string(n));
      auto args = certify_args(target, out);
      args.insert(args.end(), {"--shard", std::to_string(k) + "/" + std::to_string(n)});
      const CliRun s = cli(args);
      ASSERT_TRUE(s.code == kExitCertified || s.code == kExitFailures) << s.err;
      EXPECT_EQ(read_json(out / "result.json")["options"]["shard"]["count"], n);
      merge.push_back(out.string());
    }
    const fs::path merged = dir_ / ("merged-" + std::to_string(n));
    merge.insert(merge.end(), {"--out", merged.string()});
    const CliRun m = cli(merge);
    EXPECT_EQ(m.code, whole.code) << m.out << m.err;
    const json fleet = read_json(merged / "fleet.json");
    ASSERT_EQ(fleet["targets"].size(), 1u);
    EXPECT_EQ(fleet["targets"][0]["shards"], n);
    const json all = read_json(merged / "targets" /
                               fleet["targets"][0]["label"].get<std::string>() / "result.json");
    EXPECT_EQ(requirement_verdicts(all), requirement_verdicts(one)) << target << " in " << n;
    EXPECT_EQ(coverage(all), coverage(one)) << target << " in " << n;
    EXPECT_EQ(all["verdict"]["verdict"], one["verdict"]["verdict"]);
    // The capability profile: what became of each configuration (its counts are summed: the
    // phase runs in every shard, decision 0043).
    EXPECT_EQ(capability(all), capability(one)) << target << " in " << n;
    // The same sequences (and so the same steps) whatever N: each is seeded by its index.
    for (const char* k : {"sequences", "sequence-steps", "parallel-rounds"})
      EXPECT_EQ(all["counts"][k], one["counts"][k]) << k << " in " << n;
    const CliRun v = cli({"verify", merged.string()});
    EXPECT_EQ(v.code, kExitCertified) << v.out;
  }
}

// The fake, and one mutant whose failure only exploration finds (the other mutant's kill
// after a merge is Work.TheMutantsOnlyExplorationKillsAreKilledAfterTheMerge's).
INSTANTIATE_TEST_SUITE_P(Targets, ShardMerge,
                         ::testing::Values("sim:", "sim+mutant:destroy-does-not-reparent"),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           for (char& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

TEST_F(Work, TheMutantsOnlyExplorationKillsAreKilledAfterTheMerge) {
  // The failures are found in some shard and the merged verdict keeps them.
  for (const char* mutant : {"overlapping-both-half-applied"}) {
    std::vector<std::string> merge{"merge"};
    for (int k = 0; k < 3; ++k) {
      const fs::path out = dir_ / (std::string(mutant) + std::to_string(k));
      auto args = certify_args(std::string("sim+mutant:") + mutant, out);
      args.insert(args.end(), {"--shard", std::to_string(k) + "/3"});
      cli(args);
      merge.push_back(out.string());
    }
    merge.insert(merge.end(), {"--out", (dir_ / (std::string(mutant) + "-merged")).string()});
    const CliRun m = cli(merge);
    EXPECT_EQ(m.code, kExitFailures) << mutant << m.out << m.err;
    EXPECT_NE(m.out.find("NOT CERTIFIED"), std::string::npos) << m.out;
  }
}

TEST_F(Work, AFleetIsCertifiedOneProcessPerTargetMergedAndVerified) {
  {
    std::ofstream f(dir_ / "targets.txt");
    f << "# the lab\n\nsim:   # the built-in host\nsim+mutant:accepts-type-zero\n";
  }
  const fs::path out = dir_ / "runs";
  CliRun r = cli({"certify", "--targets", (dir_ / "targets.txt").string(), "-j", "2", "--seed", "3",
                  "--coverage", "pairwise", "--sequences", "30", "--parallel-rounds", "2", "--out",
                  out.string()});
  EXPECT_EQ(r.code, kExitFailures) << r.out << r.err;  // the mutant fails
  EXPECT_NE(r.out.find("sim: → CERTIFIED"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sim+mutant:accepts-type-zero → NOT CERTIFIED"), std::string::npos) << r.out;
  ASSERT_TRUE(fs::exists(out / "01-sim" / "result.json"));
  ASSERT_TRUE(fs::exists(out / "02-sim+mutant-accepts-type-zero" / "result.json"));
  EXPECT_TRUE(fs::exists(out / "logs" / "01-sim.log"));

  const fs::path fleet = dir_ / "fleet";
  r = cli({"merge", out.string(), "--out", fleet.string()});
  EXPECT_EQ(r.code, kExitFailures) << r.out << r.err;
  const json j = read_json(fleet / "fleet.json");
  EXPECT_EQ(j["schema"], "hvsnap-fleet");
  ASSERT_EQ(j["targets"].size(), 2u);
  EXPECT_EQ(j["targets"][0]["verdict"], "CERTIFIED");
  EXPECT_EQ(j["targets"][1]["verdict"], "NOT CERTIFIED");
  EXPECT_EQ(j["targets"][1]["requirements"]["CS-INV-1"], "PASS");
  EXPECT_EQ(j["verdict"]["verdict"], "NOT CERTIFIED");
  for (const char* f : {"junit.xml", "report.html", "summary.md", "MANIFEST.sha256"})
    EXPECT_TRUE(fs::exists(fleet / f)) << f;
  r = cli({"verify", fleet.string()});
  EXPECT_EQ(r.code, kExitCertified) << r.out;
  EXPECT_EQ(cli({"verify", "--verdict", fleet.string()}).code, kExitFailures);

  // verify notices a member's report that was changed after the merge.
  {
    std::ofstream f(fleet / "targets" / "01-sim" / "summary.md", std::ios::app);
    f << "edited\n";
  }
  r = cli({"verify", fleet.string()});
  EXPECT_EQ(r.code, kExitFailures);
  EXPECT_NE(r.out.find("targets/01-sim: summary.md does not match"), std::string::npos) << r.out;
}

TEST_F(Work, VerifyRequirementExitsByTheVerdictOfThatRequirement) {
  ASSERT_EQ(cli(certify_args("sim:", dir_ / "fake")).code, kExitCertified);
  const std::string fake = (dir_ / "fake").string();
  CliRun r = cli({"verify", "--requirement", "CS-INV-3", fake});
  EXPECT_EQ(r.code, kExitCertified) << r.out;
  EXPECT_NE(r.out.find("CS-INV-3 (MUST): PASS"), std::string::npos) << r.out;
  // IF-IMPLEMENTED and not declared by the fake: skipped.
  EXPECT_EQ(cli({"verify", "--requirement", "CS-OUT-8", fake}).code, kExitSkipped);
  r = cli({"verify", "--requirement", "CS-NOPE-1", fake});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("CS-NOPE-1: not in this report"), std::string::npos) << r.err;
  EXPECT_EQ(cli({"verify", "--verdict", fake}).code, kExitCertified);

  ASSERT_EQ(cli(certify_args("sim+mutant:accepts-type-zero", dir_ / "mutant")).code, kExitFailures);
  const std::string mutant = (dir_ / "mutant").string();
  const json res = read_json(dir_ / "mutant" / "result.json");
  std::string failing;
  for (const auto& x : res["requirements"])
    if (x["verdict"] == "FAIL") failing = x["id"];
  ASSERT_FALSE(failing.empty());
  r = cli({"verify", "--requirement", failing, mutant});
  EXPECT_EQ(r.code, kExitFailures) << r.out;
  EXPECT_NE(r.out.find("replay: hvsnap replay hvsnap1."), std::string::npos) << r.out;
  EXPECT_EQ(cli({"verify", "--verdict", mutant}).code, kExitFailures);
}

TEST_F(Work, BadShardsTargetsAndMergesAreUsageErrorsThatSayWhere) {
  CliRun r = cli({"certify", "--shard", "3/3", "--out", (dir_ / "x").string()});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("--shard: '3/3' is not K/N"), std::string::npos) << r.err;
  EXPECT_EQ(cli({"certify", "--shard", "a/b"}).code, kExitUsage);
  EXPECT_EQ(cli({"certify", "--shard", "1/0"}).code, kExitUsage);
  EXPECT_FALSE(fs::exists(dir_ / "x"));

  r = cli({"certify", "--targets", (dir_ / "missing.txt").string()});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("missing.txt: cannot be read"), std::string::npos) << r.err;
  {
    std::ofstream f(dir_ / "bad.txt");
    f << "sim:\n\nhttp://host:5985/wsman\n";
  }
  r = cli({"certify", "--targets", (dir_ / "bad.txt").string()});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("bad.txt:3: 'http://host:5985/wsman' is not a target URI"),
            std::string::npos)
      << r.err;
  {
    std::ofstream f(dir_ / "empty.txt");
    f << "# nothing\n";
  }
  EXPECT_EQ(cli({"certify", "--targets", (dir_ / "empty.txt").string()}).code, kExitUsage);
  r = cli({"certify", "--targets", (dir_ / "bad.txt").string(), "--target", "sim:"});
  EXPECT_EQ(r.code, kExitUsage);

  // A shard missing from a merge, a bundle given twice, a folder that is no report.
  auto args = certify_args("sim:", dir_ / "s0");
  args.insert(args.end(), {"--shard", "0/2", "--profile", "core"});
  ASSERT_NE(cli(args).code, kExitUsage);
  r = cli({"merge", (dir_ / "s0").string(), "--out", (dir_ / "m").string()});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("shard 1/2 of this run is missing"), std::string::npos) << r.err;
  r = cli(
      {"merge", (dir_ / "s0").string(), (dir_ / "s0").string(), "--out", (dir_ / "m").string()});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("is given twice"), std::string::npos) << r.err;
  // A report changed after it was written is refused, by name.
  {
    std::ofstream f(dir_ / "s0" / "summary.md", std::ios::app);
    f << "edited\n";
  }
  r = cli({"merge", (dir_ / "s0").string(), "--out", (dir_ / "m").string()});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("s0: not a sound hvsnap report: summary.md does not match"),
            std::string::npos)
      << r.err;
  fs::create_directories(dir_ / "nothing");
  r = cli({"merge", (dir_ / "nothing").string(), "--out", (dir_ / "m").string()});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("holds no hvsnap report"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "m"));
}

}  // namespace
}  // namespace hvsnap::tools
