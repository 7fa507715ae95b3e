// The wire layer of the catalogue (decision 0061), over WS-Man: every legal wire form is
// CERTIFIED over the wire (no false verdict on a legal host). The wire mutants — served fakes
// whose answers are rewritten on their way out — are killed by the requirement each breaks in
// the ctest `wire_kill_table`, which runs `hvsnap mutants --via wsman --layer wire` as a user
// does and verifies the kill table it writes.
#include <gtest/gtest.h>

#include <vector>

#include "mutants_run.h"

namespace hvsnap::tools::mutants {
void PrintTo(const MutantInfo& m, std::ostream* os) {
  *os << m.name;
}
}  // namespace hvsnap::tools::mutants

namespace hvsnap {
namespace {

using tools::mutants::Expect;
using tools::mutants::Layer;
using tools::mutants::MutantInfo;

class LegalOverTheWire : public ::testing::TestWithParam<MutantInfo> {};

TEST_P(LegalOverTheWire, AreCertified) {
  testing_support::Served served("sim+mutant:" + std::string(GetParam().name));
  ASSERT_FALSE(served.uri().empty());
  expect_certified(GetParam(), served.uri());
}

// The legal wire forms, and the legal providers served: what the suite reads over WS-Man
// (retried Timeouts, a job gone early: a WARN on CS-INV-8) must certify as it does in process.
std::vector<MutantInfo> legal_served() {
  auto all = testing_support::entries(Layer::kWire, Expect::kCertified);
  for (const auto& m : testing_support::entries(Layer::kProvider, Expect::kCertified))
    all.push_back(m);
  return all;
}

INSTANTIATE_TEST_SUITE_P(Legal, LegalOverTheWire, ::testing::ValuesIn(legal_served()),
                         testing_support::param_name);

// Provider mutants whose defect the WS-Man client could hide: each is killed over the wire by
// the requirement it breaks too. A checkpoint listed twice by Msvm_CollectedSnapshots (CS-INV-2)
// reaches the oracle because a named association is read without dropping repeats (decision
// 0063). Members added to the ResultingSnapshotCollection passed in (CS-OUT-16) reach it because
// a view after a call reads every collection's members again (decision 0109's correction).
class ProviderMutantsOverTheWire : public ::testing::TestWithParam<MutantInfo> {};

TEST_P(ProviderMutantsOverTheWire, AreKilledOverTheWireByTheRequirementTheyBreak) {
  testing_support::Served served("sim+mutant:" + std::string(GetParam().name));
  ASSERT_FALSE(served.uri().empty());
  expect_killed(GetParam(), served.uri());
}

std::vector<MutantInfo> served_provider_mutants() {
  std::vector<MutantInfo> out;
  for (const char* name : {"collection-lists-checkpoint-twice", "adds-to-r"}) {
    const MutantInfo* m = tools::mutants::find(name);
    EXPECT_NE(m, nullptr) << name;
    if (m != nullptr) out.push_back(*m);
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Wire, ProviderMutantsOverTheWire,
                         ::testing::ValuesIn(served_provider_mutants()),
                         testing_support::param_name);

}  // namespace
}  // namespace hvsnap
