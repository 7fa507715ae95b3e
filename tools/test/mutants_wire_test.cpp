// The wire layer of the catalogue (decision 0061), over WS-Man: every legal wire form is
// CERTIFIED over the wire (no false verdict on a legal host). The wire mutants — served fakes
// whose answers are rewritten on their way out — are killed by the requirement each breaks in
// the ctest `wire_kill_table`, which runs `hvsnap mutants --via wsman --layer wire` as a user
// does and verifies the kill table it writes.
#include <gtest/gtest.h>

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

// The legal wire forms. The legal provider-layer entries are certified in process
// (mutants_test.cpp): serving them adds only the transport, and a full run over WS-Man costs
// about 100 s of CPU each.
INSTANTIATE_TEST_SUITE_P(Legal, LegalOverTheWire,
                         ::testing::ValuesIn(testing_support::entries(Layer::kWire,
                                                                      Expect::kCertified)),
                         testing_support::param_name);

}  // namespace
}  // namespace hvsnap
