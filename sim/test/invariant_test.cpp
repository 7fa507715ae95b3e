// HVSNAP_ASSERT is on in every build type (docs/architecture.md rule 4: assertions for programmer
// errors stay on in sim/): it fires with NDEBUG defined too, names the condition and where, and
// aborts.
#define NDEBUG 1
#include <gtest/gtest.h>

#include <map>

#include "../src/host_impl.h"

namespace hvsnap::sim {
namespace {

TEST(InvariantDeathTest, FiresInEveryBuildTypeAndNamesTheCondition) {
  EXPECT_DEATH(HVSNAP_ASSERT(1 + 1 == 3),
               "fake host invariant broken: 1 \\+ 1 == 3 \\(.*:[0-9]+\\)");
}

TEST(InvariantDeathTest, AMissingRecordIsAnAssertionNotAnException) {
  std::map<int, int> records{{1, 10}};
  EXPECT_EQ(must(records, 1), 10);
  EXPECT_DEATH(must(records, 2), "it != map.end\\(\\)");
}

}  // namespace
}  // namespace hvsnap::sim
