// The requirement catalogue and the check registry agree (contract §4, §5): every catalogued ID is
// covered by a check, every check names a catalogued ID, the YAML's check lists match the
// registry, every check the oracle emits is registered, and the project's contract copy
// defines every ID.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "../src/aggregator.h"
#include "../src/phase_util.h"
#include "hvsnap/conformance/case_runner.h"
#include "hvsnap/conformance/catalogue.h"
#include "hvsnap/conformance/run_result.h"

namespace hvsnap::conformance {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Catalogue, ParsesAndHasUniqueIds) {
  ASSERT_TRUE(catalogue().ok()) << catalogue().status().to_string();
  std::set<std::string> ids;
  for (const auto& r : *catalogue()) {
    EXPECT_TRUE(ids.insert(r.id).second) << r.id << " appears twice";
    EXPECT_FALSE(r.text.empty()) << r.id;
  }
  EXPECT_EQ(ids.size(), 41U);
}

TEST(Catalogue, EveryIdHasACheckAndEveryCheckAnId) {
  ASSERT_TRUE(catalogue().ok());
  std::map<std::string, std::set<std::string>> by_requirement;
  for (const auto& c : checks()) {
    EXPECT_NE(find_requirement(c.requirement), nullptr)
        << "check " << c.id << " names unknown requirement " << c.requirement;
    by_requirement[std::string(c.requirement)].insert(std::string(c.id));
  }
  for (const auto& r : *catalogue()) {
    EXPECT_FALSE(by_requirement[r.id].empty()) << r.id << " has no check";
    const std::set<std::string> listed(r.checks.begin(), r.checks.end());
    EXPECT_EQ(listed, by_requirement[r.id])
        << "requirements.yaml and checks.cpp disagree about " << r.id;
  }
}

TEST(Catalogue, EveryCheckTheOracleEmitsIsRegistered) {
  const std::regex call(R"(finding\(\s*"([a-z0-9.\-]+)\")");
  int seen = 0;
  for (const auto& e :
       fs::recursive_directory_iterator(fs::path(HVSNAP_SOURCE_DIR) / "conformance" / "src")) {
    if (e.path().extension() != ".cpp") continue;
    const std::string text = read(e.path());
    for (auto it = std::sregex_iterator(text.begin(), text.end(), call);
         it != std::sregex_iterator(); ++it) {
      ++seen;
      EXPECT_FALSE(requirement_of((*it)[1].str()).empty())
          << e.path().filename() << " emits unregistered check " << (*it)[1].str();
    }
  }
  EXPECT_GT(seen, 40);
}

TEST(Catalogue, TheContractCopyDefinesEveryId) {
  const std::string contract = read(fs::path(HVSNAP_SOURCE_DIR) / "docs" / "contract.md");
  ASSERT_FALSE(contract.empty());
  for (const auto& r : *catalogue())
    EXPECT_NE(contract.find(r.id), std::string::npos) << r.id << " is not in docs/contract.md";
}

TEST(Catalogue, FindingsCarryTheirRequirement) {
  const Finding f = finding("inv3.no-change-on-failure", Verdict::kFail, "left a snapshot");
  EXPECT_EQ(f.requirement, "CS-INV-3");
  EXPECT_EQ(finding("no.such-check", Verdict::kPass).requirement, "");
}

// A FAIL fails the run unless its requirement is a SHOULD (a WARN of the run) or unknown (not
// counted): decision 0164 decides a case on it.
TEST(Catalogue, AFailFailsTheRunOnlyForACataloguedRequirementOtherThanAShould) {
  EXPECT_TRUE(fails_the_run(finding("inv3.no-change-on-failure", Verdict::kFail)));  // MUST
  EXPECT_FALSE(fails_the_run(finding("inv3.no-change-on-failure", Verdict::kPass)));
  EXPECT_FALSE(fails_the_run(finding("inv8.readable-after-end", Verdict::kFail)));  // SHOULD
  EXPECT_FALSE(fails_the_run(finding("no.such-check", Verdict::kFail)));
}

// A report leads with the first FAIL that fails the run, not a SHOULD's judged before it (a
// set-up call's, decision 0164); a SHOULD's FAIL, or a WARN, is its warning and never its
// failure (decision 0165).
TEST(Catalogue, AReportLeadsWithAFailThatFailsTheRun) {
  const Findings fs{finding("inv8.readable-after-end", Verdict::kFail, "should"),
                    finding("inv3.no-change-on-failure", Verdict::kPass),
                    finding("read4.value-map", Verdict::kFail, "must")};
  ASSERT_NE(first_fail(fs), nullptr);
  EXPECT_EQ(first_fail(fs)->message, "must");
  ASSERT_NE(first_warning(fs), nullptr);
  EXPECT_EQ(first_warning(fs)->message, "should");
  const Findings should_only{finding("inv3.no-change-on-failure", Verdict::kPass), fs.front()};
  EXPECT_EQ(first_fail(should_only), nullptr);
  ASSERT_NE(first_warning(should_only), nullptr);
  EXPECT_EQ(first_warning(should_only)->message, "should");
  const Findings warn{finding("inv3.no-change-on-failure", Verdict::kWarn, "warn")};
  EXPECT_EQ(first_fail(warn), nullptr);
  ASSERT_NE(first_warning(warn), nullptr);
  EXPECT_EQ(first_warning(warn)->message, "warn");
  EXPECT_EQ(first_fail(Findings{fs[1]}), nullptr);
  EXPECT_EQ(first_warning(Findings{fs[1]}), nullptr);
}

// A case counts a return code, a job end and the ambiguities of its call under test only when
// that call was judged: not a case stopped before it (decision 0164), nor one whose set-up broke.
TEST(Aggregator, CountsTheCallUnderTestOnlyWhenItWasJudged) {
  RunResult r;
  Aggregator agg(r);
  CaseReport stopped;
  stopped.input.combo = {CClass::kEmpty, SClass::kNull, TClass::kStandard, RClass::kNull};
  stopped.observed = "stopped before the call under test was judged";
  agg.observe_case(stopped);
  EXPECT_TRUE(r.return_codes.empty());
  EXPECT_FALSE(r.ambiguities.count("AMB-4"));
  CaseReport judged = stopped;
  judged.call_judged = true;
  judged.return_value = 4096;
  judged.job_end = 7;
  judged.observed = "4096→7";
  agg.observe_case(judged);
  EXPECT_EQ(r.return_codes, (std::map<std::string, int>{{"4096", 1}}));
  EXPECT_EQ(r.job_end_states, (std::map<std::string, int>{{"7", 1}}));
  EXPECT_EQ(r.ambiguities["AMB-4"], (std::set<std::string>{"4096→7"}));
}

}  // namespace
}  // namespace hvsnap::conformance
