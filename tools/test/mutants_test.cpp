// Broken providers (issue 3 "Show it works"; issue 6 grows the catalogue): the suite must fail
// each mutant, name the requirement the mutant breaks, and give a short counterexample.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "hvsnap/conformance/catalogue.h"
#include "hvsnap/conformance/runner.h"
#include "hvsnap/tools/mutants.h"
#include "hvsnap/tools/targets.h"

namespace hvsnap::tools::mutants {
// How gtest (and so ctest) names a parameter.
void PrintTo(const MutantInfo& m, std::ostream* os) {
  *os << m.name;
}
}  // namespace hvsnap::tools::mutants

namespace hvsnap {
namespace {

using namespace conformance;

RunResult run_against(const std::string& uri, bool stop_at_first_failure) {
  tools::TargetOptions t;
  t.seed = 20261124;
  auto spec = tools::make_target(uri, t);
  EXPECT_TRUE(spec.ok()) << spec.status().to_string();
  if (!spec.ok()) return {};
  RunOptions o;
  o.seed = t.seed;
  o.profile = Profile::kFull;
  o.coverage = Coverage::kPairwise;
  o.sequences = 30;
  o.parallel_rounds = 3;
  o.stop_at_first_failure = stop_at_first_failure;
  return run_suite(spec->factory, {spec->uri, spec->identity, spec->caps}, std::move(o));
}

const FailureRecord* failure_of(const RunResult& r, std::string_view requirement) {
  auto it = std::find_if(r.failures.begin(), r.failures.end(),
                         [&](const FailureRecord& f) { return f.requirement == requirement; });
  return it == r.failures.end() ? nullptr : &*it;
}

class Mutants : public ::testing::TestWithParam<tools::mutants::MutantInfo> {};

TEST_P(Mutants, AreKilledByTheRequirementTheyBreak) {
  const auto& m = GetParam();
  const std::string uri = "sim+mutant:" + std::string(m.name);
  // Killed: a run that stops at its first failure fails (the rest of a run is only cost).
  const RunResult first = run_against(uri, true);
  EXPECT_FALSE(first.certified) << m.name << " survived";
  ASSERT_FALSE(first.failures.empty()) << m.name << " survived";
  // And the suite names the requirement the mutant breaks. A defect may show first under a
  // neighbouring row (rejecting valid WMI-DTD settings with 4 also breaks C-TRANSITIONAL's
  // row, which wants 5): then the whole run must still name it.
  RunResult full;
  const FailureRecord* hit = failure_of(first, m.requirement);
  if (hit == nullptr) {
    std::cout << "NOTE: " << m.name << " (breaks " << m.requirement << ") was first caught by "
              << first.failures.front().requirement << "; running the whole suite\n";
    full = run_against(uri, false);
    hit = failure_of(full, m.requirement);
  }
  ASSERT_NE(hit, nullptr) << m.name << ": no failure names " << m.requirement;
  std::cout << "mutant " << m.name << " -> " << hit->requirement << " (" << hit->property
            << "): " << hit->title << "\n"
            << hit->counterexample << "\n";
  EXPECT_FALSE(hit->counterexample.empty());
  EXPECT_LE(hit->steps, 25) << "the counterexample should be short after shrinking";
  EXPECT_FALSE(hit->token.empty());
  const RunResult& r = full.failures.empty() ? first : full;
  const auto rr =
      std::find_if(r.requirements.begin(), r.requirements.end(),
                   [&](const RequirementResult& x) { return x.id == hit->requirement; });
  ASSERT_NE(rr, r.requirements.end());
  // FAIL on a MUST; a SHOULD item that fails is a WARN (and something else stopped certification).
  EXPECT_TRUE(rr->verdict == Verdict::kFail || rr->verdict == Verdict::kWarn);
}

INSTANTIATE_TEST_SUITE_P(Catalogue, Mutants, ::testing::ValuesIn(tools::mutants::catalogue()),
                         [](const ::testing::TestParamInfo<tools::mutants::MutantInfo>& p) {
                           std::string n(p.param.name);
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// Issue 6: at least 25 mutants, every family, each breaking one requirement of the catalogue.
TEST(MutantCatalogue, CoversEveryFamilyWithDocumentedRequirements) {
  const auto& all = tools::mutants::catalogue();
  EXPECT_GE(all.size(), 25u);
  std::set<std::string_view> names;
  std::map<std::string_view, int> families;
  for (const auto& m : all) {
    EXPECT_TRUE(names.insert(m.name).second) << m.name << " is listed twice";
    EXPECT_NE(find_requirement(m.requirement), nullptr)
        << m.name << " names " << m.requirement << ", which is not in requirements.yaml";
    EXPECT_FALSE(m.summary.empty()) << m.name;
    ++families[m.family];
  }
  for (const char* f : {"return-code", "job", "result", "atomicity", "sequence", "parsing"})
    EXPECT_GT(families[f], 0) << "no mutant of the family " << f;
  EXPECT_EQ(families.size(), 6u) << "a family outside the six of issue 6";
}

// docs/mutants.md documents each mutant with the requirement it breaks: one row per mutant,
// as the catalogue has it (so the page cannot drift from the code).
TEST(MutantCatalogue, TheDocsPageHasARowForEachMutant) {
  std::ifstream in(std::string(HVSNAP_SOURCE_DIR) + "/docs/mutants.md");
  ASSERT_TRUE(in) << "docs/mutants.md is missing";
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  for (const auto& m : tools::mutants::catalogue()) {
    const std::string row = "| `" + std::string(m.name) + "` | " + std::string(m.family) + " | " +
                            std::string(m.requirement) + " |";
    EXPECT_NE(doc.find(row), std::string::npos) << "docs/mutants.md has no row " << row;
  }
  std::size_t rows = 0;
  for (std::size_t at = doc.find("\n| `"); at != std::string::npos; at = doc.find("\n| `", at + 1))
    ++rows;
  EXPECT_EQ(rows, tools::mutants::catalogue().size()) << "a row for a mutant that does not exist";
}

TEST(MutantTargets, UnknownNamesAreRefusedWithTheList) {
  auto spec = tools::make_target("sim+mutant:nope", {});
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("unknown mutant 'nope'"), std::string::npos);
  EXPECT_NE(spec.status().message().find("accepts-type-zero"), std::string::npos);
}

}  // namespace
}  // namespace hvsnap
