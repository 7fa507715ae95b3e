// The sequence generator (contract §5): every generated sequence respects the preconditions
// of its steps over the harness's topology, and each step prints as the WMI call it makes.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <set>

#include "hvsnap/conformance/sequences.h"

namespace hvsnap::conformance {
namespace {

RC_GTEST_PROP(SequenceGen, EveryStepsPreconditionHolds, ()) {
  const bool clock = *rc::gen::arbitrary<bool>();
  const std::vector<Step> steps = *gen_sequence(clock, 30);
  // Replayed on an independent copy of the harness's topology.
  std::array<std::set<int>, 3> members{{{0, 1}, {1, 2}, {2}}};
  std::array<std::uint16_t, 3> states{2, 2, 3};
  int collections = 0;
  for (const Step& s : steps) {
    switch (s.kind) {
      case StepKind::kCreate:
        if (!members[static_cast<std::size_t>(s.a)].empty()) ++collections;
        break;
      case StepKind::kCreatePair:
        if (!members[static_cast<std::size_t>(s.a)].empty() ||
            !members[static_cast<std::size_t>(s.b)].empty())
          ++collections;
        break;
      case StepKind::kDestroy:
        RC_ASSERT(s.a < collections);
        --collections;
        break;
      case StepKind::kApply:
        RC_ASSERT(s.a < collections);
        break;
      case StepKind::kAddMember:
        RC_ASSERT(members[static_cast<std::size_t>(s.b)].count(s.a) == 0u);
        members[static_cast<std::size_t>(s.b)].insert(s.a);
        break;
      case StepKind::kRemoveMember:
        RC_ASSERT(members[static_cast<std::size_t>(s.b)].count(s.a) == 1u);
        members[static_cast<std::size_t>(s.b)].erase(s.a);
        break;
      case StepKind::kStateChange:
        RC_ASSERT(states[static_cast<std::size_t>(s.a)] != s.type);
        states[static_cast<std::size_t>(s.a)] = s.type;
        break;
      case StepKind::kAdvance:
        RC_ASSERT(clock);
        break;
      default:
        break;
    }
    // Steps survive JSON (tokens carry them).
    auto back = Step::from_json(s.to_json());
    RC_ASSERT(back.ok());
    RC_ASSERT(*back == s);
  }
}

TEST(SequenceGen, StepsPrintAsTheCallsTheyMake) {
  Step create;
  create.kind = StepKind::kCreate;
  create.a = 1;
  create.type = 2;
  create.s = SClass::kEmpty;
  EXPECT_EQ(describe(create),
            "Msvm_CollectionSnapshotService.CreateSnapshot(Collection=seq-group-1, "
            "SnapshotSettings=\"\", SnapshotType=2)");
  Step add;
  add.kind = StepKind::kAddMember;
  add.a = 2;
  add.b = 0;
  EXPECT_EQ(describe(add),
            "Msvm_CollectionManagementService.AddMember(Member=seq-vm-2, Collection=seq-group-0)");
  Step state;
  state.kind = StepKind::kStateChange;
  state.a = 0;
  state.type = 6;
  state.wait = false;
  EXPECT_EQ(describe(state),
            "Msvm_ComputerSystem(seq-vm-0).RequestStateChange(RequestedState=6 (Saved)), not "
            "waited for");
}

}  // namespace
}  // namespace hvsnap::conformance
