// What a matrix case no longer reads, against hand-written doubles (decisions 0108, 0109): the
// clock of a view before a call, the judged job's read after the call under test, and what
// lean observations take from the contract instead of the host. Each test also shows the read
// that is still made where the judgement needs it. No fake here.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "hvsnap/cim/names.h"
#include "hvsnap/conformance/client.h"
#include "hvsnap/conformance/observe.h"
#include "provider_instances.h"

namespace hvsnap::conformance {
namespace {

namespace names = cim::names;
using cim::Instance;
using cim::ObjectPath;
using cim::Value;

using test_support::instance;
using test_support::path;

// A host clock that counts how often it is asked for the time.
class CountingClock final : public TargetControl {
 public:
  void advance(std::int64_t ms) override { now_ms_ += ms; }
  std::int64_t now_ms() const override { return now_ms_; }
  cim::Status set_vm_attributes(const ObjectPath&, const FakeVmAttributes&) override { return {}; }
  void set_faults_enabled(bool) override {}
  std::optional<std::int64_t> host_time_us() const override {
    ++reads_;
    return (kEpochMs + now_ms_) * 1000;
  }
  static constexpr std::int64_t kEpochMs = 1'700'000'000'000;
  mutable int reads_ = 0;

 private:
  std::int64_t now_ms_ = 0;
};

// A host of VMs that answers every read it is asked, counted by what it asked for; with
// `checkpoint_`, every VM has the checkpoint S1.
class CountingHost : public cim::Provider {
 public:
  cim::Result<Instance> get_instance(const ObjectPath& p) override {
    ++gets_[model::id_of(p)];
    if (p.class_name() == names::kComputerSystem)
      return instance(p, {{"EnabledState", Value::uint16(state_)}});
    return cim::not_found("no " + p.to_string());
  }
  cim::Result<std::vector<Instance>> enumerate_instances(std::string_view,
                                                         std::string_view) override {
    return std::vector<Instance>{};
  }
  cim::Result<std::vector<Instance>> associators(const ObjectPath& from,
                                                 const cim::AssociatorsFilter& f) override {
    ++assoc_[model::id_of(from) + " " + f.assoc_class];
    std::vector<Instance> out;
    if (checkpoint_ &&
        (f.assoc_class == names::kSnapshotOfVm || f.assoc_class == names::kMostCurrentSnapshot)) {
      out.push_back(instance(path(names::kVssd, "InstanceID", "S1"),
                             {{"VirtualSystemIdentifier", Value::string(model::id_of(from))}}));
    }
    return out;
  }
  cim::Result<std::vector<Instance>> references(const ObjectPath&,
                                                const cim::ReferencesFilter&) override {
    return std::vector<Instance>{};
  }
  cim::Result<cim::MethodResult> invoke_method(const ObjectPath&, std::string_view,
                                               const cim::PropertyList&) override {
    return cim::MethodResult{0, {}};
  }
  std::map<std::string, int> gets_;
  std::map<std::string, int> assoc_;
  bool checkpoint_ = false;
  std::uint16_t state_ = 3;
};

// A view before a call takes the clock the client last read (a lower bound of the call's window,
// CS-READ-3); a view after a call reads it afresh (decision 0108).
TEST(LeanReads, ABeforeViewTakesTheHostClockTheClientLastRead) {
  auto clock = std::make_shared<CountingClock>();
  Target t;
  t.provider = std::make_shared<CountingHost>();
  t.control = clock;
  Client cl(t, {});
  model::Scope nothing;
  nothing.whole_host_collections = false;
  constexpr std::int64_t kStartUs = CountingClock::kEpochMs * 1000;
  // No clock read yet: the first view before a call reads it.
  EXPECT_EQ(cl.observe(nothing, Side::kBefore).host_time_us, kStartUs);
  EXPECT_EQ(clock->reads_, 1);
  clock->advance(1000);
  EXPECT_EQ(cl.observe(nothing, Side::kBefore).host_time_us, kStartUs);
  EXPECT_EQ(clock->reads_, 1);
  EXPECT_EQ(cl.observe(nothing).host_time_us, kStartUs + 1'000'000);
  EXPECT_EQ(clock->reads_, 2);
  EXPECT_EQ(cl.observe(nothing, Side::kBefore).host_time_us, kStartUs + 1'000'000);
  EXPECT_EQ(clock->reads_, 2);
}

// A lean observation before a call reads a VM's most-current pointer only when the VM has a
// checkpoint for it to name (decision 0109); a view after a call, and every other observation,
// reads it always (CS-INV-3 and CS-INV-9 judge every VM's pointer there).
TEST(LeanReads, AVmWithoutCheckpointsHasNoMostCurrentPointerToReadBeforeACall) {
  const std::string pointer = std::string("VM1 ") + std::string(names::kMostCurrentSnapshot);
  const std::string snapshots = std::string("VM1 ") + std::string(names::kSnapshotOfVm);
  model::Scope scope;
  scope.vms = {path(names::kComputerSystem, "Name", "VM1")};
  scope.whole_host_collections = false;
  for (bool checkpoint : {false, true}) {
    CountingHost host;
    host.checkpoint_ = checkpoint;
    LeanReads lean;
    lean.before_call = true;
    const model::HostView v = observe(host, scope, &lean);
    ASSERT_TRUE(v.errors.empty()) << v.errors.front();
    EXPECT_EQ(host.assoc_[snapshots], 1) << checkpoint;
    EXPECT_EQ(host.assoc_[pointer], checkpoint ? 1 : 0) << checkpoint;
    EXPECT_EQ(v.vms.at("VM1").most_current, checkpoint ? "S1" : "");
    lean.before_call = false;  // the view after a call
    (void)observe(host, scope, &lean);
    EXPECT_EQ(host.assoc_[pointer], checkpoint ? 2 : 1) << checkpoint;
    (void)observe(host, scope);
    EXPECT_EQ(host.assoc_[pointer], checkpoint ? 3 : 2) << checkpoint;
  }
}

// A group G1 that links the snapshot collection SC1 (named `name_`, listing `members_`).
class CollectionHost final : public CountingHost {
 public:
  cim::Result<std::vector<Instance>> associators(const ObjectPath& from,
                                                 const cim::AssociatorsFilter& f) override {
    ++assoc_[model::id_of(from) + " " + f.assoc_class];
    std::vector<Instance> out;
    if (model::id_of(from) == "G1" && f.assoc_class == names::kSnapshotOfGroup) {
      out.push_back(instance(path(names::kSnapshotCollection, "CollectionID", "SC1"),
                             {{"ElementName", Value::string(name_)}}));
    }
    if (model::id_of(from) == "SC1" && f.assoc_class == names::kCollectedSnapshots) {
      for (const auto& m : members_)
        out.push_back(instance(path(names::kVssd, "InstanceID", m)));
    }
    return out;
  }
  std::string name_ = "sentinel";
  std::vector<std::string> members_ = {"S1"};
};

// A snapshot collection is immutable once created (contract §1): once two lean reads found the
// same members, a view before a call does not read them again; its name still is, with the
// association that reaches it (decision 0109). A view after a call reads them every time, so a
// host that changes a collection's members (CS-OUT-16: the ResultingSnapshotCollection passed
// in) is seen doing it; so does every other observation.
TEST(LeanReads, ASnapshotCollectionsMembersAreReadBeforeACallUntilTwoReadsAgree) {
  const std::string members = std::string("SC1 ") + std::string(names::kCollectedSnapshots);
  model::Scope scope;
  scope.groups = {path(names::kVmGroup, "CollectionID", "G1")};
  scope.whole_host_collections = false;
  CollectionHost host;
  LeanReads lean;
  lean.before_call = true;
  host.members_ = {};  // a first read that lags (result-visibility: after-polls)
  (void)observe(host, scope, &lean);
  host.members_ = {"S1"};
  (void)observe(host, scope, &lean);
  (void)observe(host, scope, &lean);
  EXPECT_EQ(host.assoc_[members], 3);  // the second read disagreed with the first
  host.name_ = "renamed";
  const model::HostView v = observe(host, scope, &lean);
  EXPECT_EQ(host.assoc_[members], 3);  // confirmed: not read again before a call
  EXPECT_EQ(v.collections.at("SC1").members, std::set<std::string>{"S1"});
  EXPECT_EQ(v.collections.at("SC1").element_name, "renamed");
  EXPECT_EQ(host.assoc_[std::string("G1 ") + std::string(names::kSnapshotOfGroup)], 4);
  lean.before_call = false;  // the view after a call reads them, and sees them changed
  host.members_ = {"S1", "S2"};
  const model::HostView after = observe(host, scope, &lean);
  EXPECT_EQ(host.assoc_[members], 4);
  EXPECT_EQ(after.collections.at("SC1").members, (std::set<std::string>{"S1", "S2"}));
  lean.before_call = true;  // a change ends the confirmation: the next view before a call reads
  const model::HostView next = observe(host, scope, &lean);
  EXPECT_EQ(host.assoc_[members], 5);
  EXPECT_EQ(next.collections.at("SC1").members, (std::set<std::string>{"S1", "S2"}));
  (void)observe(host, scope);
  EXPECT_EQ(host.assoc_[members], 6);
}

// A host with one ended CreateSnapshot job, J1 (JobType 198, Completed), counting its Gets.
class EndedJobHost final : public CountingHost {
 public:
  cim::Result<Instance> get_instance(const ObjectPath& p) override {
    ++gets_[model::id_of(p)];
    return instance(p, {{"JobState", Value::uint16(7)},
                        {"JobType", Value::uint16(198)},
                        {"PercentComplete", Value::uint16(100)},
                        {"ErrorCode", Value::uint16(0)}});
  }
};

// After the call under test every ended CreateSnapshot job is read once more (CS-INV-6); the
// call's own job was, by its wait's read after its end: no further Get (decision 0108).
TEST(LeanReads, TheJudgedJobsReadAfterItsEndCountsForCsInv6) {
  auto host = std::make_shared<EndedJobHost>();
  Target t;
  t.provider = host;
  Client cl(t, {});
  const ObjectPath job = path(names::kJob, "InstanceID", "J1");
  const JobTrace trace = cl.wait_job(job);
  ASSERT_EQ(trace.samples.size(), 2U);  // its end, and the read once more after it
  EXPECT_EQ(host->gets_["J1"], 2);
  EXPECT_EQ(cl.changed_terminal_jobs(nullptr, &trace), "");
  EXPECT_EQ(host->gets_["J1"], 2);
  // Without the trace (another call's job), it is read.
  EXPECT_EQ(cl.changed_terminal_jobs(), "");
  EXPECT_EQ(host->gets_["J1"], 3);
  // A trace whose read after the end failed is no such read.
  JobTrace gone = trace;
  gone.samples.pop_back();
  gone.readable_after_end = false;
  EXPECT_EQ(cl.changed_terminal_jobs(nullptr, &gone), "");
  EXPECT_EQ(host->gets_["J1"], 4);
}

// A watched job whose end two reads confirmed (its wait's terminal read and the read once more
// after it) is not read by the view before the next call: its terminal state never changes
// (CS-INV-6, CS-INV-9). The view after the call reads it, as CS-INV-9 judges (decision 0109).
TEST(LeanReads, AViewBeforeACallTakesAWatchedJobsConfirmedEnd) {
  for (bool lean : {false, true}) {
    auto host = std::make_shared<EndedJobHost>();
    Target t;
    t.provider = host;
    ClientOptions o;
    o.lean_reads = lean;
    Client cl(t, o);
    const ObjectPath job = path(names::kJob, "InstanceID", "J1");
    (void)cl.wait_job(job);
    model::Scope scope;
    scope.jobs = {job};
    scope.whole_host_collections = false;
    const model::HostView before = cl.observe(scope, Side::kBefore);
    EXPECT_EQ(host->gets_["J1"], lean ? 2 : 3);
    ASSERT_TRUE(before.jobs.at("J1").readable);
    EXPECT_EQ(before.jobs.at("J1").state, 7);
    (void)cl.observe(scope);
    EXPECT_EQ(host->gets_["J1"], lean ? 3 : 4);
    (void)cl.observe(scope, Side::kBefore);
    EXPECT_EQ(host->gets_["J1"], lean ? 3 : 5);
  }
}

// A view before a call takes what no call of the suite named since the view after the previous
// call, as that view saw it; a VM or group a call named, or a VM in a transition, is read again
// (decision 0109). A view after a call reads everything.
TEST(LeanReads, AViewBeforeACallReadsOnlyWhatTheSuiteTouchedSinceTheLastView) {
  auto host = std::make_shared<CountingHost>();
  Target t;
  t.provider = host;
  ClientOptions o;
  o.lean_reads = true;
  Client cl(t, o);
  const ObjectPath vm = path(names::kComputerSystem, "Name", "VM1");
  const ObjectPath group = path(names::kVmGroup, "CollectionID", "G1");
  const std::string vm_reads = std::string("VM1 ") + std::string(names::kSnapshotOfVm);
  const std::string group_reads = std::string("G1 ") + std::string(names::kCollectedVirtualSystems);
  model::Scope scope;
  scope.vms = {vm};
  scope.groups = {group};
  scope.whole_host_collections = false;
  (void)cl.observe(scope, Side::kBefore);  // no view after a call yet: everything is read
  (void)cl.observe(scope);
  EXPECT_EQ(host->gets_["VM1"], 2);
  EXPECT_EQ(host->assoc_[group_reads], 2);
  const model::HostView quiet = cl.observe(scope, Side::kBefore);
  EXPECT_EQ(host->gets_["VM1"], 2);
  EXPECT_EQ(host->assoc_[vm_reads], 2);
  EXPECT_EQ(host->assoc_[group_reads], 2);
  EXPECT_EQ(quiet.vms.at("VM1").state, 3);
  EXPECT_EQ(quiet.groups.count("G1"), 1U);
  // A call that names the VM: it is read again, the group is not.
  cim::PropertyList in;
  cim::set(in, "RequestedState", Value::uint16(2));
  (void)cl.invoke(vm, "RequestStateChange", in);
  host->state_ = 10;  // Starting
  EXPECT_EQ(cl.observe(scope, Side::kBefore).vms.at("VM1").state, 10);
  EXPECT_EQ(host->gets_["VM1"], 3);
  EXPECT_EQ(host->assoc_[group_reads], 2);
  // A VM seen on its way to another state is read again, named or not.
  (void)cl.observe(scope);
  host->state_ = 2;
  EXPECT_EQ(cl.observe(scope, Side::kBefore).vms.at("VM1").state, 2);
  EXPECT_EQ(host->gets_["VM1"], 5);
  EXPECT_EQ(host->assoc_[group_reads], 3);  // (the view after the call)
}

}  // namespace
}  // namespace hvsnap::conformance
