// Contract §3.2/§3.3 on the fake: the result set of a successful job, every member-failure
// cause with rollback, warnings, Terminate/Kill, suspend, job removal, DestroySnapshot with
// re-parenting, ApplySnapshot, the checkpoint limit, and VM state changes.
#include <algorithm>

#include "harness.h"

namespace hvsnap::sim::testing {
namespace {

using cim::Value;

constexpr const char* kHost = R"(
schema: 1
host: HV-JOBS
personality: {job-progress: manual}
vms:
  - name: alpha
    state: running
    checkpoint-type: standard
    snapshots: [{name: base}]
  - {name: beta, state: running, checkpoint-type: standard}
  - {name: gamma, state: off}
  - {name: disabled, state: running, checkpoint-type: disabled}
  - {name: full, state: running, checkpoint-type: standard, checkpoint-limit: 1, snapshots: [{name: only}]}
  - {name: passthrough, state: running, checkpoint-type: standard, disks: [vhdx, passthrough]}
  - {name: fibre, state: off, checkpoint-type: standard, disks: [fibre-channel]}
  - {name: no-vss, state: running, checkpoint-type: production-only, guest-vss: fails}
  - {name: fallback, state: running, checkpoint-type: production, guest-vss: absent}
  - {name: two-causes, state: running, checkpoint-type: disabled, disks: [passthrough]}
groups:
  - {name: trio, members: [alpha, beta, gamma]}
  - {name: with-disabled, members: [beta, disabled]}
  - {name: with-full, members: [beta, full]}
  - {name: with-passthrough, members: [beta, passthrough]}
  - {name: with-fibre, members: [beta, fibre]}
  - {name: with-no-vss, members: [beta, no-vss]}
  - {name: with-fallback, members: [beta, fallback]}
  - {name: with-two-causes, members: [beta, two-causes]}
)";

class Jobs : public ::testing::Test {
 protected:
  void SetUp() override {
    host_ = make_host(kHost);
    ASSERT_TRUE(host_);
  }
  // Runs the job to its end with explicit clock advances (manual progress).
  std::uint16_t run(const cim::ObjectPath& job) {
    host_->control().advance(60'000);
    return wait_job(*host_, job);
  }
  cim::Instance get(const cim::ObjectPath& p) {
    auto i = host_->get_instance(p);
    EXPECT_TRUE(i.ok()) << i.status().to_string();
    return i.ok() ? *i : cim::Instance{};
  }
  cim::ObjectPath most_current(const cim::ObjectPath& vm_path) {
    auto mc = assoc(*host_, vm_path, names::kMostCurrentSnapshot);
    return mc.empty() ? cim::ObjectPath{} : mc.front().path();
  }
  cim::MethodResult job_call(const cim::ObjectPath& job, std::string_view method,
                             cim::PropertyList in = {}) {
    auto r = host_->invoke_method(job, method, in);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? *r : cim::MethodResult{0xFFFFFFFF, {}};
  }
  std::unique_ptr<Host> host_;
};

TEST_F(Jobs, SuccessCreatesExactlyTheResultSet) {
  const auto trio = group(*host_, "trio");
  const auto alpha = vm(*host_, "alpha");
  const auto alpha_base = most_current(alpha);
  ASSERT_FALSE(alpha_base.empty());
  const auto before_members = assoc(*host_, trio, names::kCollectedVirtualSystems);
  const auto r = create_snapshot(*host_, trio, 1);
  ASSERT_EQ(r.return_value, 4096U);
  ASSERT_EQ(run(job_of(r)), 7U);

  const auto colls = assoc(*host_, trio, names::kSnapshotOfGroup);
  ASSERT_EQ(colls.size(), 1U);
  const auto members = assoc(*host_, colls[0].path(), names::kCollectedSnapshots);
  ASSERT_EQ(members.size(), 3U);
  for (const auto& vm_inst : before_members) {
    const auto snaps = assoc(*host_, vm_inst.path(), names::kSnapshotOfVm);
    const auto current = most_current(vm_inst.path());
    const auto mine = std::find_if(members.begin(), members.end(), [&](const cim::Instance& m) {
      return cim::same_object(m.path(), current);
    });
    ASSERT_NE(mine, members.end())
        << "most-current of " << vm_inst.get_string("ElementName") << " moved to its new snapshot";
    EXPECT_EQ(mine->get_string("VirtualSystemType"), names::kTypeSnapshotRealized);
    EXPECT_EQ(mine->get_string("VirtualSystemIdentifier"), vm_inst.get_string("Name"));
    EXPECT_NE(std::find_if(snaps.begin(), snaps.end(),
                           [&](const cim::Instance& s) { return s.path() == mine->path(); }),
              snaps.end());
    if (vm_inst.get_string("ElementName") == "alpha") {
      EXPECT_EQ(mine->get_string("Parent"), alpha_base.to_string());
    } else {
      EXPECT_TRUE(mine->get("Parent")->is_null());
    }
  }
  // The job links to S with ElementEffects {5}; membership and states are untouched.
  auto refs = host_->references(job_of(r), {std::string(names::kAffectedJobElement), ""});
  ASSERT_TRUE(refs.ok());
  ASSERT_EQ(refs->size(), 1U);
  EXPECT_EQ(refs->front().get("ElementEffects")->items().size(), 1U);
  EXPECT_TRUE(cim::scalar_equal(refs->front().get("ElementEffects")->items()[0],
                                cim::Scalar(std::uint64_t{5})));
  EXPECT_TRUE(
      cim::same_object(*refs->front().get("AffectedElement")->as_reference(), colls[0].path()));
  EXPECT_EQ(assoc(*host_, trio, names::kCollectedVirtualSystems).size(), 3U);
  EXPECT_EQ(*get(alpha).get_uint("EnabledState"), 2U);
  EXPECT_EQ(*get(vm(*host_, "gamma")).get_uint("EnabledState"), 3U);
}

TEST_F(Jobs, RecoverySnapshotsAreOfTypeRecovery) {
  const auto trio = group(*host_, "trio");
  const auto r = create_snapshot(*host_, trio, 2);
  ASSERT_EQ(run(job_of(r)), 7U);
  const auto c = assoc(*host_, trio, names::kSnapshotOfGroup).at(0).path();
  for (const auto& m : assoc(*host_, c, names::kCollectedSnapshots)) {
    EXPECT_EQ(m.get_string("VirtualSystemType"), names::kTypeSnapshotRecovery);
  }
}

TEST_F(Jobs, PercentCompleteRisesMonotonicallyTo100) {
  const auto r = create_snapshot(*host_, group(*host_, "trio"));
  const auto job = job_of(r);
  std::uint64_t last = 0;
  for (int i = 0; i < 20; ++i) {
    host_->control().advance(100);
    const auto j = get(job);
    const auto pct = *j.get_uint("PercentComplete");
    EXPECT_GE(pct, last);
    last = pct;
    if (cim::JobState(static_cast<std::uint16_t>(*j.get_uint("JobState"))).is_terminal()) break;
  }
  EXPECT_EQ(last, 100U);
}

struct Cause {
  const char* group;
  const char* vm;
  std::vector<std::string> causes;
  std::uint64_t error_code;  // contract §3.2: by the first cause
};

class MemberFailure : public Jobs, public ::testing::WithParamInterface<Cause> {};

TEST_P(MemberFailure, FailsTheJobWithExceptionAndRollsBack) {
  const auto& p = GetParam();
  const auto g = group(*host_, p.group);
  const auto beta = vm(*host_, "beta");
  const Observable before = observe(*host_);
  const auto r = create_snapshot(*host_, g);
  ASSERT_EQ(r.return_value, 4096U);
  host_->control().advance(200);  // beta, the first member, is checkpointed...
  EXPECT_EQ(assoc(*host_, beta, names::kSnapshotOfVm).size(), 1U);
  ASSERT_EQ(run(job_of(r)), 10U);  // ...then the failing member ends the job
  const auto job = get(job_of(r));
  EXPECT_EQ(*job.get_uint("ErrorCode"), p.error_code);
  const std::string desc = job.get_string("ErrorDescription");
  EXPECT_NE(desc.find(p.vm), std::string::npos) << desc;
  for (const auto& cause : p.causes)
    EXPECT_NE(desc.find(cause), std::string::npos) << desc;
  const auto errors = job_call(job_of(r), "GetErrorEx");
  EXPECT_EQ(errors.return_value, 0U);
  const auto& items = errors.get("Errors")->items();
  ASSERT_EQ(items.size(), p.causes.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto err = cim::parse_embedded_instance(std::get<std::string>(items[i]));
    ASSERT_TRUE(err.ok()) << err.status().to_string();
    EXPECT_EQ(err->class_name(), names::kError);
    EXPECT_EQ(err->get_string("MessageID"), "HVSIM." + p.causes[i]);
    EXPECT_NE(err->get_string("Message").find(p.vm), std::string::npos);
  }
  EXPECT_FALSE(job_call(job_of(r), "GetError").get("Error")->is_null());
  // Rollback: beta's snapshot is gone and nothing else changed.
  Observable after = observe(*host_);
  after.jobs = before.jobs;
  EXPECT_TRUE(after == before);
  EXPECT_TRUE(assoc(*host_, g, names::kSnapshotOfGroup).empty());
  EXPECT_TRUE(assoc(*host_, beta, names::kSnapshotOfVm).empty());
}

INSTANTIATE_TEST_SUITE_P(
    Causes, MemberFailure,
    ::testing::Values(
        Cause{"with-disabled", "disabled", {"disabled"}, 32770},
        Cause{"with-full", "full", {"at-limit"}, 32775},
        Cause{"with-passthrough", "passthrough", {"non-snapshottable-disk"}, 32770},
        Cause{"with-fibre", "fibre", {"non-snapshottable-disk"}, 32770},
        Cause{"with-no-vss", "no-vss", {"production-unavailable"}, 32768},
        Cause{"with-two-causes", "two-causes", {"disabled", "non-snapshottable-disk"}, 32770}),
    [](const ::testing::TestParamInfo<Cause>& p) {
      std::string n = p.param.vm;
      std::replace(n.begin(), n.end(), '-', '_');
      return n;
    });

TEST_F(Jobs, NonSnapshottableDisksAreSkippedWhenIgnored) {
  for (const char* name : {"with-passthrough", "with-fibre"}) {
    const auto r = create_snapshot(*host_, group(*host_, name), 1, settings_xml(1, true, 0));
    EXPECT_EQ(run(job_of(r)), 7U) << name;
  }
}

TEST_F(Jobs, ProductionWithFallbackCompletesWithWarnings) {
  const auto r = create_snapshot(*host_, group(*host_, "with-fallback"));
  ASSERT_EQ(run(job_of(r)), 32768U);
  EXPECT_EQ(*get(job_of(r)).get_uint("ErrorCode"), 0U);
  EXPECT_EQ(*get(job_of(r)).get_uint("PercentComplete"), 100U);
  const auto mc = assoc(*host_, vm(*host_, "fallback"), names::kMostCurrentSnapshot).at(0);
  EXPECT_EQ(*mc.get_uint("UserSnapshotType"), 5U) << "a standard checkpoint was taken instead";
}

TEST_F(Jobs, TerminateAndKillEndTheJobAndRollBack) {
  for (std::uint16_t request : {4, 5}) {
    const auto trio = group(*host_, "trio");
    const Observable before = observe(*host_);
    const auto r = create_snapshot(*host_, trio);
    host_->control().advance(200);
    EXPECT_EQ(assoc(*host_, vm(*host_, "alpha"), names::kSnapshotOfVm).size(), 2U);
    cim::PropertyList in;
    cim::set(in, "RequestedState", Value::uint16(request));
    EXPECT_EQ(job_call(job_of(r), "RequestStateChange", in).return_value, 0U);
    const auto job = get(job_of(r));
    EXPECT_EQ(*job.get_uint("JobState"), request == 4 ? 8U : 9U);
    EXPECT_NE(*job.get_uint("ErrorCode"), 0U);
    Observable after = observe(*host_);
    after.jobs = before.jobs;
    EXPECT_TRUE(after == before);
    EXPECT_EQ(job_call(job_of(r), "RequestStateChange", in).return_value, 32775U)
        << "terminal jobs stay terminal (an Msvm refusal, C4)";
  }
}

TEST_F(Jobs, SuspendAndResumeByRequest) {
  const auto r = create_snapshot(*host_, group(*host_, "trio"));
  cim::PropertyList in;
  cim::set(in, "RequestedState", Value::uint16(3));
  EXPECT_EQ(job_call(job_of(r), "RequestStateChange", in).return_value, 0U);
  host_->control().advance(10'000);
  EXPECT_EQ(*get(job_of(r)).get_uint("JobState"), 5U) << "a suspended job does not progress";
  cim::set(in, "RequestedState", Value::uint16(2));
  EXPECT_EQ(job_call(job_of(r), "RequestStateChange", in).return_value, 0U);
  EXPECT_EQ(run(job_of(r)), 7U);
  cim::set(in, "RequestedState", Value::uint16(99));
  EXPECT_EQ(job_call(job_of(r), "RequestStateChange", in).return_value, 32775U);
}

TEST_F(Jobs, TerminalJobsStayReadableForTimeBeforeRemovalThenVanish) {
  const auto r = create_snapshot(*host_, group(*host_, "trio"));
  ASSERT_EQ(run(job_of(r)), 7U);
  const auto j = get(job_of(r));
  EXPECT_EQ(j.get("TimeBeforeRemoval")->as_datetime()->to_string(), "00000000000500.000000:000");
  host_->control().advance(300'000 - 60'000 - 1000);
  EXPECT_TRUE(host_->get_instance(job_of(r)).ok());
  host_->control().advance(2000);
  auto gone = host_->get_instance(job_of(r));
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().kind(), cim::StatusKind::kNotFound);
}

TEST_F(Jobs, DestroySnapshotRemovesTheCollectionAndReparentsChildren) {
  const auto trio = group(*host_, "trio");
  const auto alpha = vm(*host_, "alpha");
  std::vector<cim::ObjectPath> colls;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(run(job_of(create_snapshot(*host_, trio))), 7U);
  }
  for (const auto& c : assoc(*host_, trio, names::kSnapshotOfGroup))
    colls.push_back(c.path());
  ASSERT_EQ(colls.size(), 3U);
  // Chain of alpha: base <- s1 <- s2 <- s3; find them by parent links.
  auto alpha_snap_in = [&](const cim::ObjectPath& c) {
    for (const auto& m : assoc(*host_, c, names::kCollectedSnapshots)) {
      if (m.get_string("VirtualSystemIdentifier") == get(alpha).get_string("Name")) return m;
    }
    ADD_FAILURE();
    return cim::Instance{};
  };
  // Order the collections by chain position: c_k's alpha snapshot has c_{k-1}'s as parent.
  std::sort(colls.begin(), colls.end(), [&](const auto& a, const auto& b) {
    return alpha_snap_in(b).get_string("Parent") == alpha_snap_in(a).path().to_string();
  });
  const auto s1 = alpha_snap_in(colls[0]);
  const auto s2 = alpha_snap_in(colls[1]);
  const auto s3 = alpha_snap_in(colls[2]);
  ASSERT_EQ(s3.get_string("Parent"), s2.path().to_string());
  ASSERT_EQ(s2.get_string("Parent"), s1.path().to_string());
  cim::PropertyList in;
  cim::set(in, "AffectedSnapshotCollection", Value::reference(colls[1]));
  const auto d = invoke(*host_, names::kCollectionSnapshotService, "DestroySnapshot", in);
  ASSERT_EQ(d.return_value, 4096U);
  ASSERT_EQ(run(job_of(d)), 7U);
  EXPECT_FALSE(host_->get_instance(colls[1]).ok());
  EXPECT_FALSE(host_->get_instance(s2.path()).ok());
  EXPECT_EQ(get(s3.path()).get_string("Parent"), s1.path().to_string())
      << "re-parented to the grandparent";
  EXPECT_TRUE(most_current(alpha) == s3.path());
  EXPECT_EQ(assoc(*host_, colls[0], names::kCollectedSnapshots).size(), 3U);
  cim::set(in, "AffectedSnapshotCollection", Value::reference(colls[2]));
  ASSERT_EQ(run(job_of(invoke(*host_, names::kCollectionSnapshotService, "DestroySnapshot", in))),
            7U);
  EXPECT_TRUE(most_current(alpha) == s1.path()) << "the most-current pointer moves to the parent";
  EXPECT_EQ(invoke(*host_, names::kCollectionSnapshotService, "DestroySnapshot", in).return_value,
            32773U);
}

TEST_F(Jobs, ApplySnapshotNeedsEveryMemberOffOrSaved) {
  const auto trio = group(*host_, "trio");
  ASSERT_EQ(run(job_of(create_snapshot(*host_, trio))), 7U);
  const auto first = assoc(*host_, trio, names::kSnapshotOfGroup).at(0).path();
  ASSERT_EQ(run(job_of(create_snapshot(*host_, trio))), 7U);
  cim::PropertyList in;
  cim::set(in, "SnapshotCollection", Value::reference(first));
  const Observable before = observe(*host_);
  EXPECT_EQ(invoke(*host_, names::kCollectionSnapshotService, "ApplySnapshot", in).return_value,
            32775U);
  EXPECT_TRUE(observe(*host_) == before);
  for (const char* name : {"alpha", "beta"}) {
    cim::PropertyList rs;
    cim::set(rs, "RequestedState", Value::uint16(name[0] == 'a' ? 3 : 6));
    auto r = host_->invoke_method(vm(*host_, name), "RequestStateChange", rs);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->return_value, 4096U);
    EXPECT_EQ(run(job_of(*r)), 7U);
  }
  const auto a = invoke(*host_, names::kCollectionSnapshotService, "ApplySnapshot", in);
  ASSERT_EQ(a.return_value, 4096U);
  ASSERT_EQ(run(job_of(a)), 7U);
  const auto members = assoc(*host_, first, names::kCollectedSnapshots);
  for (const char* name : {"alpha", "beta", "gamma"}) {
    const auto mc = most_current(vm(*host_, name));
    EXPECT_NE(
        std::find_if(members.begin(), members.end(), [&](const auto& m) { return m.path() == mc; }),
        members.end());
  }
  // The next snapshot branches from the applied one.
  ASSERT_EQ(run(job_of(create_snapshot(*host_, trio))), 7U);
  const auto alpha_now = assoc(*host_, vm(*host_, "alpha"), names::kMostCurrentSnapshot).at(0);
  const auto applied = std::find_if(members.begin(), members.end(), [&](const auto& m) {
    return m.get_string("VirtualSystemIdentifier") == get(vm(*host_, "alpha")).get_string("Name");
  });
  EXPECT_EQ(alpha_now.get_string("Parent"), applied->path().to_string());
}

TEST_F(Jobs, TheCheckpointLimitHolds) {
  auto host = make_host(R"(
schema: 1
vms: [{name: v, state: off, checkpoint-limit: 2}]
groups: [{name: g, members: [v]}]
)");
  ASSERT_TRUE(host);
  const auto g = group(*host, "g");
  EXPECT_EQ(wait_job(*host, job_of(create_snapshot(*host, g))), 7U);
  EXPECT_EQ(wait_job(*host, job_of(create_snapshot(*host, g))), 7U);
  const auto before = observe(*host);
  EXPECT_EQ(wait_job(*host, job_of(create_snapshot(*host, g))), 10U);
  auto after = observe(*host);
  after.jobs = before.jobs;
  EXPECT_TRUE(after == before);
}

TEST_F(Jobs, VmStateChangesPassThroughTransitionalStates) {
  const auto beta = vm(*host_, "beta");
  cim::PropertyList in;
  cim::set(in, "RequestedState", Value::uint16(3));
  auto r = host_->invoke_method(beta, "RequestStateChange", in);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->return_value, 4096U);
  EXPECT_EQ(*get(beta).get_uint("EnabledState"), 4U);
  EXPECT_EQ(host_->invoke_method(beta, "RequestStateChange", in)->return_value, 32775U) << "busy";
  EXPECT_EQ(wait_job(*host_, job_of(*r)), 7U);
  EXPECT_EQ(*get(beta).get_uint("EnabledState"), 3U);
  EXPECT_EQ(host_->invoke_method(beta, "RequestStateChange", in)->return_value, 32775U)
      << "already off";
  cim::set(in, "RequestedState", Value::uint16(9));
  EXPECT_EQ(host_->invoke_method(beta, "RequestStateChange", in)->return_value, 32775U)
      << "cannot pause an off vm";
  cim::set(in, "RequestedState", Value::uint16(5));
  EXPECT_EQ(host_->invoke_method(beta, "RequestStateChange", in)->return_value, 32773U);
  cim::set(in, "RequestedState", Value::uint16(2));
  r = host_->invoke_method(beta, "RequestStateChange", in);
  EXPECT_EQ(*get(beta).get_uint("EnabledState"), 10U);
  EXPECT_EQ(wait_job(*host_, job_of(*r)), 7U);
  EXPECT_EQ(*get(beta).get_uint("EnabledState"), 2U);
}

}  // namespace
}  // namespace hvsnap::sim::testing
