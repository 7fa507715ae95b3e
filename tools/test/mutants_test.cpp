// Broken providers (issue 3 "Show it works"; issue 6 grows the catalogue): the suite must fail
// each mutant, name the requirement the mutant breaks, and give a short counterexample.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

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

RunResult run_against(const std::string& uri) {
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
  o.stop_at_first_failure = true;
  return run_suite(spec->factory, {spec->uri, spec->identity, spec->caps}, std::move(o));
}

class Mutants : public ::testing::TestWithParam<tools::mutants::MutantInfo> {};

TEST_P(Mutants, AreKilledByTheRequirementTheyBreak) {
  const auto& m = GetParam();
  const RunResult r = run_against("sim+mutant:" + std::string(m.name));
  EXPECT_FALSE(r.certified) << m.name << " survived";
  ASSERT_FALSE(r.failures.empty()) << m.name << " survived";
  const auto hit = r.failures.begin();
  EXPECT_EQ(hit->requirement, m.requirement)
      << m.name << " was killed by another requirement: " << hit->title;
  std::cout << "mutant " << m.name << " -> " << hit->requirement << " (" << hit->property
            << "): " << hit->title << "\n"
            << hit->counterexample << "\n";
  EXPECT_FALSE(hit->counterexample.empty());
  EXPECT_LE(hit->steps, 12) << "the counterexample should be short after shrinking";
  EXPECT_FALSE(hit->token.empty());
  const auto rr = std::find_if(r.requirements.begin(), r.requirements.end(),
                               [&](const RequirementResult& x) { return x.id == m.requirement; });
  ASSERT_NE(rr, r.requirements.end());
  EXPECT_EQ(rr->verdict, Verdict::kFail);
}

INSTANTIATE_TEST_SUITE_P(Catalogue, Mutants, ::testing::ValuesIn(tools::mutants::catalogue()),
                         [](const ::testing::TestParamInfo<tools::mutants::MutantInfo>& p) {
                           std::string n(p.param.name);
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(MutantTargets, UnknownNamesAreRefusedWithTheList) {
  auto spec = tools::make_target("sim+mutant:nope", {});
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("unknown mutant 'nope'"), std::string::npos);
  EXPECT_NE(spec.status().message().find("accepts-type-zero"), std::string::npos);
}

}  // namespace
}  // namespace hvsnap
