// Every legal personality and fault plan of the fake, served over WS-Man, must be CERTIFIED as it
// is in process (decision 0064; the list: legal_hosts.h). Pairwise only: a certification over the
// wire costs a minute or two of a debug build, and one ctest per variant lets ctest -j spread
// them.
#include <gtest/gtest.h>

#include "legal_hosts.h"
#include "mutants_run.h"

namespace hvsnap {
namespace {

class PersonalitiesOverTheWire : public ::testing::TestWithParam<testing_support::LegalHost> {};

TEST_P(PersonalitiesOverTheWire, AreCertified) {
  constexpr std::uint64_t kSeed = 20261124;
  const testing_support::LegalHost& host = GetParam();
  testing_support::Served served("sim:", testing_support::legal_target(host, kSeed));
  ASSERT_FALSE(served.uri().empty());
  tools::TargetOptions t;
  t.seed = kSeed;
  auto spec = tools::make_target(served.uri(), t);
  ASSERT_TRUE(spec.ok()) << spec.status().to_string();
  const conformance::RunResult r = conformance::run_suite(
      spec->factory, {spec->uri, spec->identity, spec->caps},
      testing_support::certification_options(host, conformance::Coverage::kPairwise, kSeed));
  testing_support::expect_certified(r, ::testing::PrintToString(host) + " over WS-Man");
  if (std::string(host.faults) != "none") {
    EXPECT_TRUE(r.capabilities.transient_failures);
  }
}

INSTANTIATE_TEST_SUITE_P(Legal, PersonalitiesOverTheWire,
                         ::testing::ValuesIn(testing_support::legal_hosts()),
                         testing_support::legal_host_name);

}  // namespace
}  // namespace hvsnap
