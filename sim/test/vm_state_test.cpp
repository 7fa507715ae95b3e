// Member states as real hosts report them (V1..V5, C5): transitional save/pause/resume as
// EnabledState 1 with OtherEnabledState, the vendor states FastSaved and Hibernated,
// RequestStateChange's Msvm return codes, UserSnapshotType 3 for a new VM, and production
// checkpoints by state (V4) — C-TRANSITIONAL and C-SAVED of contract §3.1 on the fake.
#include "harness.h"

namespace hvsnap::sim::testing {
namespace {

using cim::Value;

constexpr const char* kHost = R"(
schema: 1
host: HV-STATES
vms:
  - {name: run, state: running}
  - {name: off, state: off}
  - {name: saving, state: saving}
  - {name: pausing, state: pausing}
  - {name: resuming, state: resuming}
  - {name: fast-saved, state: fast-saved, checkpoint-type: standard}
  - {name: hibernated, state: hibernated, checkpoint-type: production}
  - {name: saved-prod, state: saved, checkpoint-type: production}
  - {name: paused-prod-only, state: paused, checkpoint-type: production-only}
  - {name: off-prod-only, state: off, checkpoint-type: production-only}
groups:
  - {name: g-saving, members: [run, saving]}
  - {name: g-pausing, members: [pausing]}
  - {name: g-resuming, members: [resuming]}
  - {name: g-vendor-states, members: [fast-saved, hibernated]}
  - {name: g-saved-prod, members: [saved-prod]}
  - {name: g-paused-prod-only, members: [paused-prod-only]}
  - {name: g-off-prod-only, members: [off-prod-only]}
)";

class VmStates : public ::testing::Test {
 protected:
  void SetUp() override {
    host_ = make_host(kHost);
    ASSERT_TRUE(host_);
  }
  cim::Instance get(const cim::ObjectPath& p) {
    auto i = host_->get_instance(p);
    EXPECT_TRUE(i.ok()) << i.status().to_string();
    return i.ok() ? *i : cim::Instance{};
  }
  std::uint32_t request(const cim::ObjectPath& vm_path, std::uint16_t state,
                        cim::ObjectPath* job = nullptr) {
    cim::PropertyList in;
    cim::set(in, "RequestedState", Value::uint16(state));
    auto r = host_->invoke_method(vm_path, "RequestStateChange", in);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    if (!r.ok()) return 0xFFFFFFFF;
    if (job != nullptr && r->return_value == 4096) *job = job_of(*r);
    return r->return_value;
  }
  std::pair<std::uint64_t, std::string> state_of(std::string_view name) {
    const auto i = get(vm(*host_, name));
    return {*i.get_uint("EnabledState"), i.get_string("OtherEnabledState")};
  }
  std::unique_ptr<Host> host_;
};

TEST_F(VmStates, TransitionalSavePauseResumeReadAsOtherWithAText) {
  EXPECT_EQ(state_of("saving"), (std::pair<std::uint64_t, std::string>{1, "Saving"}));
  EXPECT_EQ(state_of("pausing"), (std::pair<std::uint64_t, std::string>{1, "Quiescing"}));
  EXPECT_EQ(state_of("resuming"), (std::pair<std::uint64_t, std::string>{1, "Resuming"}));
  EXPECT_EQ(state_of("fast-saved"), (std::pair<std::uint64_t, std::string>{32779, ""}));
  EXPECT_EQ(state_of("hibernated"), (std::pair<std::uint64_t, std::string>{32783, ""}));
  EXPECT_TRUE(get(vm(*host_, "run")).get("OtherEnabledState")->is_null());
}

TEST_F(VmStates, TransitionalMembersAreInvalidStateAndTheVmsArriveLater) {
  for (const char* g : {"g-saving", "g-pausing", "g-resuming"}) {
    const Observable before = observe(*host_);
    EXPECT_EQ(create_snapshot(*host_, group(*host_, g)).return_value, 32775U) << g;
    EXPECT_TRUE(observe(*host_) == before);
  }
  host_->control().advance(10'000);
  EXPECT_EQ(state_of("saving").first, 6U);
  EXPECT_EQ(state_of("pausing").first, 9U);
  EXPECT_EQ(state_of("resuming").first, 2U);
}

TEST_F(VmStates, RequestStateChangeWalksEveryTransitionWithMsvmCodesOnly) {
  const auto run = vm(*host_, "run");
  struct Step {
    std::uint16_t requested;
    std::uint64_t during;  // EnabledState while the job runs
    std::string other;
    std::uint64_t after;
  };
  for (const Step& s :
       {Step{32776, 1, "Quiescing", 9}, Step{32777, 1, "Resuming", 2}, Step{9, 1, "Quiescing", 9},
        Step{2, 1, "Resuming", 2}, Step{32773, 1, "Saving", 6}, Step{2, 10, "", 2},
        Step{6, 1, "Saving", 6}, Step{3, 4, "", 3}, Step{2, 10, "", 2}, Step{4, 4, "", 3}}) {
    SCOPED_TRACE(s.requested);
    cim::ObjectPath job;
    ASSERT_EQ(request(run, s.requested, &job), 4096U);
    const auto during = get(run);
    EXPECT_EQ(*during.get_uint("EnabledState"), s.during);
    EXPECT_EQ(during.get_string("OtherEnabledState"), s.other);
    EXPECT_EQ(*during.get_uint("RequestedState"), s.requested);
    EXPECT_EQ(request(run, 2), 32775U) << "busy while it moves";
    EXPECT_EQ(wait_job(*host_, job), 7U);
    EXPECT_EQ(*get(run).get_uint("EnabledState"), s.after);
    EXPECT_EQ(*get(run).get_uint("RequestedState"), 12U);
  }
  // C5: saving an Off VM is 32775; the codes stay in {0, 4096, 32768..32778}.
  const auto off = vm(*host_, "off");
  EXPECT_EQ(request(off, 32773), 32775U);
  EXPECT_EQ(request(off, 6), 32775U);
  EXPECT_EQ(request(off, 9), 32775U);
  EXPECT_EQ(request(off, 3), 32775U);
  EXPECT_EQ(request(off, 32779), 32770U) << "fast save is not modelled";
  EXPECT_EQ(request(off, 5), 32773U);
  EXPECT_EQ(request(off, 40000), 32773U);
  // Vendor states restore like Saved.
  cim::ObjectPath job;
  ASSERT_EQ(request(vm(*host_, "hibernated"), 2, &job), 4096U);
  EXPECT_EQ(wait_job(*host_, job), 7U);
  EXPECT_EQ(state_of("hibernated").first, 2U);
}

TEST_F(VmStates, FastSavedAndHibernatedMembersTakeStandardCheckpoints) {
  const auto g = group(*host_, "g-vendor-states");
  const auto r = create_snapshot(*host_, g, 1);
  ASSERT_EQ(r.return_value, 4096U);
  // hibernated is production (fallback): a standard checkpoint with a warning (V4).
  EXPECT_EQ(wait_job(*host_, job_of(r)), 32768U);
  for (const char* name : {"fast-saved", "hibernated"}) {
    const auto mc = assoc(*host_, vm(*host_, name), names::kMostCurrentSnapshot);
    ASSERT_EQ(mc.size(), 1U) << name;
    EXPECT_EQ(*mc[0].get_uint("UserSnapshotType"), 5U) << name;
  }
  const Observable before = observe(*host_);
  EXPECT_EQ(create_snapshot(*host_, g, 2).return_value, 32775U) << "no recovery of a saved state";
  EXPECT_TRUE(observe(*host_) == before);
}

TEST_F(VmStates, ProductionOnSavedOrPausedFallsBackOrFails) {
  // Type 3 on a Saved member: a standard checkpoint, the job ends 32768 (warnings).
  const auto saved = create_snapshot(*host_, group(*host_, "g-saved-prod"));
  ASSERT_EQ(wait_job(*host_, job_of(saved)), 32768U);
  EXPECT_EQ(*get(job_of(saved)).get_uint("ErrorCode"), 0U);
  // Type 4 on a Paused member: the job fails with 32775 and no change.
  const Observable before = observe(*host_);
  const auto paused = create_snapshot(*host_, group(*host_, "g-paused-prod-only"));
  ASSERT_EQ(wait_job(*host_, job_of(paused)), 10U);
  const auto j = get(job_of(paused));
  EXPECT_EQ(*j.get_uint("ErrorCode"), 32775U);
  EXPECT_NE(j.get_string("ErrorDescription").find("paused-prod-only"), std::string::npos);
  Observable after = observe(*host_);
  after.jobs = before.jobs;
  EXPECT_TRUE(after == before);
  // Type 4 on an Off member: a production checkpoint.
  const auto off = create_snapshot(*host_, group(*host_, "g-off-prod-only"));
  ASSERT_EQ(wait_job(*host_, job_of(off)), 7U);
  const auto mc = assoc(*host_, vm(*host_, "off-prod-only"), names::kMostCurrentSnapshot);
  ASSERT_EQ(mc.size(), 1U);
  EXPECT_EQ(*mc[0].get_uint("UserSnapshotType"), 3U);
}

TEST_F(VmStates, ANewVmDefaultsToProductionWithFallback) {
  cim::Instance settings{std::string(names::kVssd)};
  settings.set("ElementName", Value::string("fresh"));
  cim::PropertyList in;
  cim::set(in, "SystemSettings", Value::string(cim::format_embedded_instance(settings)));
  const auto r = invoke(*host_, names::kVsms, "DefineSystem", in);
  ASSERT_EQ(r.return_value, 0U);
  const auto vssd =
      assoc(*host_, *r.get("ResultingSystem")->as_reference(), names::kSettingsDefineState);
  ASSERT_EQ(vssd.size(), 1U);
  EXPECT_EQ(*vssd[0].get_uint("UserSnapshotType"), 3U);  // V3
}

}  // namespace
}  // namespace hvsnap::sim::testing
