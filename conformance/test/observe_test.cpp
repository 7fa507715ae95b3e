// The observation step and the client against hand-written providers (contract §4): what real
// hosts were seen to do must be read correctly — duplicate association results (M2), and
// arrangement methods that answer synchronously or through a job (J6). No fake here.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <thread>

#include "../src/answered_reads.h"
#include "hvsnap/cim/cimxml.h"
#include "hvsnap/cim/codes.h"
#include "hvsnap/cim/names.h"
#include "hvsnap/conformance/case_runner.h"
#include "hvsnap/conformance/client.h"
#include "hvsnap/conformance/id_list.h"
#include "hvsnap/conformance/model/oracle.h"
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

// A host of one VM in one group, with one snapshot collection; every association but the
// collection's own membership answers each object twice, as a real host was seen to do (M2).
class DuplicatingHost final : public cim::Provider {
 public:
  DuplicatingHost() {
    vm_ = path(names::kComputerSystem, "Name", "VM1");
    group_ = path(names::kVmGroup, "CollectionID", "G1");
    coll_ = path(names::kSnapshotCollection, "CollectionID", "SC1");
    snap_ = path(names::kVssd, "InstanceID", "S1");
  }
  cim::Result<Instance> get_instance(const ObjectPath& p) override {
    if (model::id_of(p) == "VM1") return instance(vm_, {{"EnabledState", Value::uint16(2)}});
    if (model::id_of(p) == "SC1") return instance(coll_);
    return cim::not_found("no " + p.to_string());
  }
  cim::Result<std::vector<Instance>> enumerate_instances(std::string_view,
                                                         std::string_view cls) override {
    if (cls == names::kSnapshotCollection) return twice(instance(coll_));
    return std::vector<Instance>{};
  }
  cim::Result<std::vector<Instance>> associators(const ObjectPath& from,
                                                 const cim::AssociatorsFilter& f) override {
    const std::string id = model::id_of(from);
    if (id == "VM1" &&
        (f.assoc_class == names::kSnapshotOfVm || f.assoc_class == names::kMostCurrentSnapshot)) {
      return twice(instance(snap_, {{"VirtualSystemIdentifier", Value::string("VM1")},
                                    {"VirtualSystemType",
                                     Value::string(std::string(names::kTypeSnapshotRealized))}}));
    }
    if (id == "G1" && f.assoc_class == names::kCollectedVirtualSystems) return twice(instance(vm_));
    if (id == "G1" && f.assoc_class == names::kSnapshotOfGroup) return twice(instance(coll_));
    if (id == "SC1" && f.assoc_class == names::kCollectedSnapshots) {
      if (member_twice_) return twice(instance(snap_));
      return std::vector<Instance>{instance(snap_)};
    }
    return std::vector<Instance>{};
  }
  cim::Result<std::vector<Instance>> references(const ObjectPath&,
                                                const cim::ReferencesFilter&) override {
    return std::vector<Instance>{};
  }
  cim::Result<cim::MethodResult> invoke_method(const ObjectPath&, std::string_view,
                                               const cim::PropertyList&) override {
    return cim::Status(cim::StatusKind::kNotSupported, "read-only");
  }

  ObjectPath vm_, group_, coll_, snap_;
  bool member_twice_ = false;

 private:
  static std::vector<Instance> twice(const Instance& i) { return {i, i}; }
};

TEST(Observe, DuplicateAssociationResultsAreReadByPath) {  // M2
  DuplicatingHost host;
  model::Scope scope;
  scope.vms = {host.vm_};
  scope.groups = {host.group_};
  const model::HostView v = observe(host, scope);
  ASSERT_TRUE(v.errors.empty()) << v.errors.front();
  EXPECT_EQ(v.vms.at("VM1").snapshots, std::set<std::string>{"S1"});
  EXPECT_EQ(v.vms.at("VM1").most_current, "S1");
  EXPECT_EQ(v.groups.at("G1").members, std::set<std::string>{"VM1"});
  EXPECT_EQ(v.groups.at("G1").collections, std::set<std::string>{"SC1"});
  EXPECT_EQ(v.collections.at("SC1").members, std::set<std::string>{"S1"});
  EXPECT_EQ(v.all_collections, std::set<std::string>{"SC1"});
  // Judged as a success that made SC1 with S1, the duplicates change nothing.
  model::HostView before = v;
  before.vms["VM1"].snapshots.clear();
  before.vms["VM1"].most_current.clear();
  before.snapshots.clear();
  before.groups["G1"].collections.clear();
  before.collections.clear();
  before.all_collections.clear();
  model::Expectation e;
  e.allowed = model::allowed_outcomes(e.classes, {});
  e.group = "G1";
  e.members = {"VM1"};
  e.inside = {"G1", "VM1"};
  model::CallOutcome ok;
  ok.result = host.coll_;
  const model::Judgement j = model::judge(e, {before, ok, v});
  EXPECT_FALSE(has_failure(j.findings)) << first_problem(j.findings)->message;
  // The collection's membership is what CS-INV-2 counts: an association instance names the
  // pair, so the same checkpoint listed twice there is a defect, not M2.
  host.member_twice_ = true;
  const model::HostView twice = observe(host, scope);
  EXPECT_EQ(twice.collections.at("SC1").listed_twice, std::set<std::string>{"S1"});
  const model::Judgement k = model::judge(e, {before, ok, twice});
  const Finding* bad = first_problem(k.findings);
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->check, "inv2.one-snapshot-per-member");
  EXPECT_NE(bad->message.find("lists snapshot S1 twice"), std::string::npos);
}

// Arrangement methods answer 0 at once (DefineCollection, AddMember) or 4096 with a job
// (DefineSystem, RequestStateChange), as real hosts do (J6): the client takes either.
class ArrangingHost final : public test_support::GetsAndCallsOnly {
 public:
  explicit ArrangingHost(bool jobs) : jobs_(jobs) {}
  cim::Result<Instance> get_instance(const ObjectPath& p) override {
    if (p.class_name() == names::kJob) {
      return instance(p, {{"JobState", Value::uint16(7)},
                          {"PercentComplete", Value::uint16(100)},
                          {"ErrorCode", Value::uint16(0)}});
    }
    if (p.class_name() == names::kComputerSystem)
      return instance(p, {{"EnabledState", Value::uint16(state_)}});
    return cim::not_found("no " + p.to_string());
  }
  cim::Result<cim::MethodResult> invoke_method(const ObjectPath&, std::string_view method,
                                               const cim::PropertyList& in) override {
    cim::MethodResult r;
    ++calls_[std::string(method)];
    if (method == "DefineSystem") {
      cim::set(r.out, "ResultingSystem",
               Value::reference(path(names::kComputerSystem, "Name", "VM-NEW")));
    } else if (method == "DefineCollection") {
      cim::set(r.out, "DefinedCollection",
               Value::reference(path(names::kVmGroup, "CollectionID", "G-NEW")));
    } else if (method == "RequestStateChange") {
      if (const Value* v = cim::find(in, "RequestedState"))
        state_ = static_cast<std::uint16_t>(v->as_uint().value_or(state_));
    }
    if (jobs_) {
      r.return_value = 4096;
      cim::set(r.out, "Job", Value::reference(path(names::kJob, "InstanceID", "J1")));
    }
    return r;
  }
  std::map<std::string, int> calls_;

 private:
  bool jobs_;
  std::uint16_t state_ = 3;
};

TEST(Client, ArrangesThroughSynchronousAndJobAnswers) {  // J6
  for (bool jobs : {false, true}) {
    auto host = std::make_shared<ArrangingHost>(jobs);
    Target t;
    t.provider = host;
    Client cl(t, {});
    auto vm = cl.define_vm("vm");
    ASSERT_TRUE(vm.ok()) << vm.status().to_string();
    auto g = cl.define_collection("group", 0);
    ASSERT_TRUE(g.ok()) << g.status().to_string();
    EXPECT_TRUE(cl.add_member(*vm, *g).ok()) << jobs;
    EXPECT_TRUE(cl.change_state(*vm, 2).ok()) << jobs;
    EXPECT_EQ(host->calls_["AddMember"], 1);
  }
}

// A shared host gets back what the client made; a fresh host per case is dropped with the case,
// so the client sends nothing to clean it up (decision 0081).
TEST(Client, CleansUpAHostOnlyWhenItOutlivesTheCase) {
  for (bool fresh : {false, true}) {
    auto host = std::make_shared<ArrangingHost>(false);
    Target t;
    t.provider = host;
    t.caps.fresh_hosts = fresh;
    Client cl(t, {});
    auto vm = cl.define_vm("vm");
    ASSERT_TRUE(vm.ok()) << vm.status().to_string();
    auto g = cl.define_collection("group", 0);
    ASSERT_TRUE(g.ok()) << g.status().to_string();
    EXPECT_TRUE(cl.cleanup().empty()) << fresh;
    EXPECT_EQ(host->calls_["DestroySystem"], fresh ? 0 : 1) << fresh;
    EXPECT_EQ(host->calls_["DestroyCollection"], fresh ? 0 : 1) << fresh;
    EXPECT_TRUE(cl.created_vms().empty()) << fresh;
  }
}

// A host of VM1 in group G1 that snapshots it into SC1 (one checkpoint S1); `linked`: G1 links
// SC1, as CS-INV-7 requires; else SC1 is reachable only from S1 (Msvm_CollectedSnapshots).
class OneSnapshotHost final : public cim::Provider {
 public:
  explicit OneSnapshotHost(bool linked) : linked_(linked) {}
  cim::Result<Instance> get_instance(const ObjectPath& p) override {
    if (model::id_of(p) == "VM1") return instance(vm_, {{"EnabledState", Value::uint16(2)}});
    if (model::id_of(p) == "SC1" && made_) return instance(coll_);
    if (model::id_of(p) == "S1" && made_) return snapshot();
    return cim::not_found("no " + p.to_string());
  }
  cim::Result<std::vector<Instance>> enumerate_instances(std::string_view,
                                                         std::string_view) override {
    ++enumerations_;
    if (made_) return std::vector<Instance>{instance(coll_)};
    return std::vector<Instance>{};
  }
  cim::Result<std::vector<Instance>> associators(const ObjectPath& from,
                                                 const cim::AssociatorsFilter& f) override {
    const std::string id = model::id_of(from);
    std::vector<Instance> out;
    if (!made_) {
      if (id == "G1" && f.assoc_class == names::kCollectedVirtualSystems)
        out.push_back(instance(vm_));
      return out;
    }
    if (id == "VM1" &&
        (f.assoc_class == names::kSnapshotOfVm || f.assoc_class == names::kMostCurrentSnapshot))
      out.push_back(snapshot());
    if (id == "G1" && f.assoc_class == names::kCollectedVirtualSystems)
      out.push_back(instance(vm_));
    if (id == "G1" && f.assoc_class == names::kSnapshotOfGroup && linked_)
      out.push_back(instance(coll_));
    if (id == "SC1" && f.assoc_class == names::kCollectedSnapshots) out.push_back(snapshot());
    if (id == "S1" && f.assoc_class == names::kCollectedSnapshots) {
      ++from_snapshot_;
      out.push_back(instance(coll_));
    }
    return out;
  }
  cim::Result<std::vector<Instance>> references(const ObjectPath&,
                                                const cim::ReferencesFilter&) override {
    return std::vector<Instance>{};
  }
  cim::Result<cim::MethodResult> invoke_method(const ObjectPath&, std::string_view,
                                               const cim::PropertyList&) override {
    return cim::Status(cim::StatusKind::kNotSupported, "read-only");
  }
  Instance snapshot() const {
    return instance(
        snap_, {{"VirtualSystemIdentifier", Value::string("VM1")},
                {"VirtualSystemType", Value::string(std::string(names::kTypeSnapshotRealized))}});
  }

  ObjectPath vm_ = path(names::kComputerSystem, "Name", "VM1");
  ObjectPath group_ = path(names::kVmGroup, "CollectionID", "G1");
  ObjectPath coll_ = path(names::kSnapshotCollection, "CollectionID", "SC1");
  ObjectPath snap_ = path(names::kVssd, "InstanceID", "S1");
  bool made_ = false;
  int enumerations_ = 0;
  int from_snapshot_ = 0;

 private:
  bool linked_;
};

// A case watches the collections its scope reaches (decision 0091): no host-wide enumeration;
// a new collection its group does not link is found from the new checkpoint and judged under
// CS-INV-7 as the enumeration found it; a linked one costs no further read.
TEST(Observe, ACaseFindsANewCollectionFromItsSnapshotsNotByEnumeratingTheHost) {
  for (bool linked : {true, false}) {
    OneSnapshotHost host(linked);
    model::Scope scope;
    scope.vms = {host.vm_};
    scope.groups = {host.group_};
    scope.whole_host_collections = false;
    model::Observation o;
    o.before = observe(host, scope);
    host.made_ = true;
    o.outcome.result = host.coll_;
    o.after = observe(host, scope);
    EXPECT_EQ(host.enumerations_, 0) << linked;
    EXPECT_EQ(o.after.all_collections.count("SC1"), linked ? 1U : 0U) << linked;
    complete_observation(host, false, o);
    EXPECT_EQ(host.from_snapshot_, linked ? 0 : 1) << linked;
    EXPECT_EQ(o.after.all_collections, std::set<std::string>{"SC1"}) << linked;
    EXPECT_EQ(o.unlinked.count("SC1"), linked ? 0U : 1U) << linked;
    model::Expectation e;
    e.allowed = model::allowed_outcomes(e.classes, {});
    e.group = "G1";
    e.members = {"VM1"};
    e.inside = {"G1", "VM1"};
    const model::Judgement j = model::judge(e, o);
    const Finding* bad = first_problem(j.findings);
    if (linked) {
      EXPECT_EQ(bad, nullptr) << bad->check << ": " << bad->message;
    } else {
      ASSERT_NE(bad, nullptr);
      EXPECT_EQ(bad->check, "inv7.reachable-from-group") << bad->message;
    }
  }
  // The whole host's collections, as sequences and concurrent rounds read them.
  OneSnapshotHost host(true);
  model::Scope scope;
  scope.vms = {host.vm_};
  observe(host, scope);
  EXPECT_EQ(host.enumerations_, 1);
}

// --- reads the wire lost (decision 0161) ---

// DuplicatingHost's objects behind a wire that loses the answers `lose` names (an object's id,
// or an association class), each as `kind`, and counts every read it is asked.
class LosingWire : public cim::Provider {
 public:
  cim::Result<Instance> get_instance(const ObjectPath& p) override {
    ++reads_;
    if (auto st = loses(model::id_of(p)); !st.ok()) return st;
    if (model::id_of(p) == "J1") return instance(p, {{"JobState", Value::uint16(job_state_)}});
    if (model::id_of(p) == "J2") return cim::not_found("no J2");
    return host_.get_instance(p);
  }
  cim::Result<std::vector<Instance>> enumerate_instances(std::string_view n,
                                                         std::string_view c) override {
    ++reads_;
    return host_.enumerate_instances(n, c);
  }
  cim::Result<std::vector<Instance>> associators(const ObjectPath& from,
                                                 const cim::AssociatorsFilter& f) override {
    ++reads_;
    if (auto st = loses(f.assoc_class); !st.ok()) return st;
    return host_.associators(from, f);
  }
  cim::Result<std::vector<Instance>> references(const ObjectPath& o,
                                                const cim::ReferencesFilter& f) override {
    return host_.references(o, f);
  }
  cim::Result<cim::MethodResult> invoke_method(const ObjectPath&, std::string_view method,
                                               const cim::PropertyList&) override {
    ++calls_;
    if (auto st = loses(std::string(method)); !st.ok()) return st;
    return cim::MethodResult{};
  }

  DuplicatingHost host_;
  std::map<std::string, cim::StatusKind> lose;  // what, and how
  int answered_first = 0;                       // answers of those given before the losses
  int times = 1000;                             // how many answers to lose, in all
  int reads_ = 0;
  int calls_ = 0;
  std::uint16_t job_state_ = 4;

 private:
  cim::Status loses(const std::string& what) {
    const auto it = lose.find(what);
    if (it == lose.end() || times <= 0) return {};
    if (answered_first > 0) {
      --answered_first;
      return {};
    }
    --times;
    return {it->second, "lost: " + what};
  }
};

TEST(Observe, AReadNoAnswerCameBackForIsLostNotAnError) {
  LosingWire wire;
  model::Scope scope;
  scope.vms = {wire.host_.vm_};
  scope.groups = {wire.host_.group_};
  scope.jobs = {path(names::kJob, "InstanceID", "J1"), path(names::kJob, "InstanceID", "J2")};
  wire.lose = {{std::string(names::kSnapshotOfVm), cim::StatusKind::kUnavailable},
               {"J1", cim::StatusKind::kTimeout}};
  const model::HostView v = observe(wire, scope);
  EXPECT_TRUE(v.errors.empty()) << v.errors.front();
  ASSERT_EQ(v.lost.size(), 2U);
  EXPECT_NE(v.lost[0].find("Unavailable: lost: Msvm_SnapshotOfVirtualSystem"), std::string::npos)
      << v.lost[0];
  EXPECT_NE(v.lost[1].find("Timeout: lost: J1"), std::string::npos) << v.lost[1];
  // Not there and not gone: the job no answer came back for is not in the view at all; the one
  // the host said it does not know is, unreadable (what CS-INV-9 judges).
  EXPECT_EQ(v.jobs.count("J1"), 0U);
  ASSERT_EQ(v.jobs.count("J2"), 1U);
  EXPECT_FALSE(v.jobs.at("J2").readable);
  // The host's own answer, a fault, is an error of the view (the same read, answered so).
  LosingWire faulting;
  faulting.lose = {{std::string(names::kSnapshotOfVm), cim::StatusKind::kFailed}};
  const model::HostView f = observe(faulting, scope);
  EXPECT_TRUE(f.lost.empty());
  ASSERT_EQ(f.errors.size(), 1U);
  EXPECT_NE(f.errors[0].find("Failed: lost:"), std::string::npos) << f.errors[0];
}

TEST(Client, AsksAReadAgainWhileTheWireLosesItsAnswerAndNoLonger) {
  const ObjectPath vm = path(names::kComputerSystem, "Name", "VM1");
  struct Case {
    cim::StatusKind kind;
    int lost;   // answers lost in a row
    int reads;  // reads the wire was asked for one read of the client
    bool answered;
  };
  for (const Case c :
       {Case{cim::StatusKind::kUnavailable, 1, 2, true},
        Case{cim::StatusKind::kBadAnswer, 2, 3, true}, Case{cim::StatusKind::kTimeout, 3, 3, false},
        Case{cim::StatusKind::kNotSent, 2, 3, true}, Case{cim::StatusKind::kNotFound, 1, 1, false},
        Case{cim::StatusKind::kFailed, 1, 1, false}}) {
    SCOPED_TRACE(fmt::format("{} lost {}", cim::to_string(c.kind), c.lost));
    auto wire = std::make_shared<LosingWire>();
    wire->lose = {{"VM1", c.kind}};
    wire->times = c.lost;
    ClientOptions at_once;
    at_once.wire_retry_pause_ms = 0;  // (a live host's pause is the next tests')
    Client cl(Target{wire, nullptr, {}, "test:", "test"}, at_once);
    const auto got = cl.provider().get_instance(vm);
    EXPECT_EQ(got.ok(), c.answered);
    EXPECT_EQ(wire->reads_, c.reads);
  }
  // A method call is made once, whatever became of its answer: it may have been made.
  for (const auto kind :
       {cim::StatusKind::kUnavailable, cim::StatusKind::kBadAnswer, cim::StatusKind::kTimeout}) {
    SCOPED_TRACE(cim::to_string(kind));
    auto wire = std::make_shared<LosingWire>();
    wire->lose = {{"CreateSnapshot", kind}};
    wire->times = 1;
    Client cl(Target{wire, nullptr, {}, "test:", "test"}, {});
    EXPECT_FALSE(cl.invoke(collection_snapshot_service(), "CreateSnapshot", {}).ok());
    EXPECT_EQ(wire->calls_, 1);
  }
}

// A method call whose request never left (no connection could be made: decision 0166) was not
// made, and is sent again as a lost read is asked again: a WinRM service restarting no longer
// leaves a live certification's call undecided. Sent no more than a read is asked.
TEST(Client, ACallThatWasNotSentIsSentAgain) {
  struct Case {
    int not_sent;  // attempts that could not connect, in a row
    int calls;     // attempts made
    bool answered;
  };
  for (const Case c : {Case{1, 2, true}, Case{2, 3, true}, Case{3, 3, false}}) {
    SCOPED_TRACE(fmt::format("not sent {} time(s)", c.not_sent));
    auto wire = std::make_shared<LosingWire>();
    wire->lose = {{"CreateSnapshot", cim::StatusKind::kNotSent}};
    wire->times = c.not_sent;
    ClientOptions at_once;
    at_once.wire_retry_pause_ms = 0;
    Client cl(Target{wire, nullptr, {}, "test:", "test"}, at_once);
    const auto r = cl.invoke(collection_snapshot_service(), "CreateSnapshot", {});
    EXPECT_EQ(r.ok(), c.answered) << (r.ok() ? "" : r.status().to_string());
    EXPECT_EQ(wire->calls_, c.calls);
    // The transcript's one line for the call says how often it went again.
    ASSERT_EQ(cl.calls().size(), 1U);
    EXPECT_NE(cl.calls()[0].outcome.find(fmt::format("(sent {} more time", c.calls - 1)),
              std::string::npos)
        << cl.calls()[0].outcome;
  }
  // A live host's call waits the read's pause first (40 ms, then 80 ms).
  auto wire = std::make_shared<LosingWire>();
  wire->lose = {{"CreateSnapshot", cim::StatusKind::kNotSent}};
  wire->times = 2;
  ClientOptions o;
  o.wire_retry_pause_ms = 40;
  Client live(Target{wire, nullptr, {}, "test:", "test"}, o);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(live.invoke(collection_snapshot_service(), "CreateSnapshot", {}).ok());
  EXPECT_EQ(wire->calls_, 3);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(40 + 80));

  // GetErrorEx, which follow_job asks again as a read, is not sent again twice over: the
  // client's AnsweredReads sends it again, follow_job does not repeat that (3 sends, not 9).
  auto errors = std::make_shared<LosingWire>();
  errors->job_state_ = 10;
  errors->lose = {{"GetErrorEx", cim::StatusKind::kNotSent}};
  ClientOptions at_once;
  at_once.wire_retry_pause_ms = 0;
  Client followed(Target{errors, nullptr, {}, "test:", "test"}, at_once);
  const JobTrace t =
      follow_job(followed.provider(), nullptr, path(names::kJob, "InstanceID", "J1"), at_once);
  EXPECT_FALSE(t.lost.empty());
  EXPECT_EQ(errors->calls_, 1 + kWireRetries);

  // A host that takes no connection: the first call waits its pauses in vain (200 ms, 400 ms),
  // the next is tried as often without a pause, until the host answers something.
  auto gone = std::make_shared<LosingWire>();
  gone->lose = {{"CreateSnapshot", cim::StatusKind::kNotSent}};
  o.wire_retry_pause_ms = 200;
  Client to_gone(Target{gone, nullptr, {}, "test:", "test"}, o);
  auto t1 = std::chrono::steady_clock::now();
  EXPECT_FALSE(to_gone.invoke(collection_snapshot_service(), "CreateSnapshot", {}).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - t1, std::chrono::milliseconds(200 + 400));
  t1 = std::chrono::steady_clock::now();
  EXPECT_FALSE(to_gone.invoke(collection_snapshot_service(), "CreateSnapshot", {}).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - t1, std::chrono::milliseconds(200));
  EXPECT_EQ(gone->calls_, 6);
}

// A stopped clock: a target with control, for a Client that must not pause.
class StillClock final : public TargetControl {
 public:
  void advance(std::int64_t) override {}
  std::int64_t now_ms() const override { return 0; }
  cim::Status set_vm_attributes(const ObjectPath&, const FakeVmAttributes&) override { return {}; }
  void set_faults_enabled(bool) override {}
};

// A Timeout where only success is allowed is made again (decisions 0061, 0062) unless the attempt
// broke a requirement that fails the run; a SHOULD it broke is a warning (decision 0165), kept,
// and the call is still made again. Before, any FAIL beside the row's stopped the repeat.
TEST(TimeoutRetry, ASHOULDBrokenBesideTheTimeoutStillMakesTheCallAgain) {
  model::Expectation e;
  e.allowed.success = model::kNormal;
  e.allowed.check = "out14.ready-succeeds";
  model::CallOutcome o;
  o.return_value = cim::ReturnCode::kTimeout;
  auto judged = [](const char* check, const char* requirement) {
    model::Judgement j;
    j.category = model::Category::kFailureCode;
    j.findings = {{"out14.ready-succeeds", "CS-OUT-14", Verdict::kFail, "a Timeout"},
                  {check, requirement, Verdict::kFail, "broken beside it"}};
    return j;
  };
  Client cl(
      Target{std::make_shared<LosingWire>(), std::make_shared<StillClock>(), {}, "test:", "test"},
      {});
  {
    TimeoutRetry t;
    model::Judgement j = judged("inv8.readable-after-end", "CS-INV-8");  // a SHOULD
    Findings kept;
    EXPECT_TRUE(t.again(cl, e, o, j, kept));
    ASSERT_EQ(kept.size(), 1U);
    EXPECT_EQ(kept[0].requirement, "CS-INV-8");
    EXPECT_TRUE(j.findings.empty());
  }
  {
    TimeoutRetry t;
    model::Judgement j = judged("inv3.no-change-on-failure", "CS-INV-3");  // a MUST
    Findings kept;
    EXPECT_FALSE(t.again(cl, e, o, j, kept));
    EXPECT_TRUE(kept.empty());
    EXPECT_EQ(j.findings.size(), 2U);
  }
}

// A live host's read whose answer the wire lost is asked again after a pause, doubled before
// the next try (decision 0163): a WinRM service restarting or a network blip is given seconds
// to pass, where the three tries used to follow each other at once. A target with control (a
// fake) is asked again at once, whatever the pause says.
TEST(Client, ALiveHostsLostReadIsAskedAgainAfterAPause) {
  const ObjectPath job = path(names::kJob, "InstanceID", "J1");
  ClientOptions o;
  o.poll_step_ms = 0;
  o.wire_retry_pause_ms = 40;
  auto wire = std::make_shared<LosingWire>();
  wire->lose = {{"J1", cim::StatusKind::kUnavailable}};
  wire->times = 2;
  Client live(Target{wire, nullptr, {}, "test:", "test"}, o);
  auto t0 = std::chrono::steady_clock::now();
  auto read = live.provider().get_instance(job);
  EXPECT_TRUE(read.ok()) << read.status().to_string();
  EXPECT_EQ(wire->reads_, 1 + kWireRetries);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(40 + 80));
  // GetErrorEx too (a job that ended 10), lost twice and answered the third time.
  auto errors = std::make_shared<LosingWire>();
  errors->job_state_ = 10;
  errors->lose = {{"GetErrorEx", cim::StatusKind::kBadAnswer}};
  errors->times = 2;
  t0 = std::chrono::steady_clock::now();
  const JobTrace t = follow_job(*errors, nullptr, job, o);
  EXPECT_TRUE(t.lost.empty()) << t.lost;
  EXPECT_EQ(errors->calls_, 1 + kWireRetries);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(40 + 80));

  o.wire_retry_pause_ms = 20'000;  // a pause of 20 s and 40 s, were any taken
  auto fake_wire = std::make_shared<LosingWire>();
  fake_wire->lose = {{"J1", cim::StatusKind::kUnavailable}};
  fake_wire->times = 2;
  Client fake(Target{fake_wire, std::make_shared<StillClock>(), {}, "test:", "test"}, o);
  t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(fake.provider().get_instance(job).ok());
  EXPECT_EQ(fake_wire->reads_, 1 + kWireRetries);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(15));
}

// Once a read was lost for good, the client's next lost reads are asked again without a pause
// until the host answers a read or a call (decision 0163): a host that answers nothing costs a
// case one read's pauses, not those of every read of its cleanup.
TEST(Client, AClientPausesOnceForAHostThatAnswersNothing) {
  using std::chrono::milliseconds;
  ClientOptions o;
  o.wire_retry_pause_ms = 500;
  auto wire = std::make_shared<LosingWire>();
  wire->lose = {{"VM1", cim::StatusKind::kUnavailable}, {"VM2", cim::StatusKind::kUnavailable}};
  Client live(Target{wire, nullptr, {}, "test:", "test"}, o);
  const ObjectPath vm1 = path(names::kComputerSystem, "Name", "VM1");
  const ObjectPath vm2 = path(names::kComputerSystem, "Name", "VM2");
  auto t = std::chrono::steady_clock::now();
  EXPECT_FALSE(live.provider().get_instance(vm1).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - t, milliseconds(500 + 1000));
  t = std::chrono::steady_clock::now();
  EXPECT_FALSE(live.provider().get_instance(vm2).ok());
  EXPECT_FALSE(live.provider().get_instances({vm1, vm2}).front().ok());
  EXPECT_LT(std::chrono::steady_clock::now() - t, milliseconds(1400));  // a pause: 1,500
  // Each read asked again as often as before: only the pauses are gone.
  EXPECT_EQ(wire->reads_, 4 * (1 + kWireRetries));
  // A call answered (the host answers again): the next lost read pauses again.
  EXPECT_TRUE(live.provider().invoke_method(vm1, "DefineSystem", {}).ok());
  t = std::chrono::steady_clock::now();
  EXPECT_FALSE(live.provider().get_instance(vm1).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - t, milliseconds(500 + 1000));
  // So does a read answered (the host's own "not found" is an answer).
  wire->lose.erase("VM2");
  const auto answered = live.provider().get_instance(vm2);
  EXPECT_TRUE(answered.ok() || !cim::lost_on_the_wire(answered.status().kind()));
  t = std::chrono::steady_clock::now();
  EXPECT_FALSE(live.provider().get_instance(vm1).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - t, milliseconds(500 + 1000));
}

// A listing that hands out some paths and then loses its answer: its host did answer, in part.
class ListsPartly final : public LosingWire {
 public:
  cim::Status each_instance_name(std::string_view, std::string_view,
                                 const std::function<void(const ObjectPath&)>& f) override {
    f(path(names::kComputerSystem, "Name", "VM1"));
    return cim::Status(cim::StatusKind::kBadAnswer, "cut short");
  }
};

// In a batch of Gets, once a path asked again is answered, the host is back: the other lost
// paths are asked again at once. A listing lost part way, not asked again, takes no pause and
// does not turn the next read's pauses off: its host sent some paths.
TEST(Client, ABatchAndAPartListingPauseNoMoreThanTheyMust) {
  using std::chrono::milliseconds;
  ClientOptions o;
  o.wire_retry_pause_ms = 500;
  auto wire = std::make_shared<LosingWire>();
  wire->lose = {{"VM1", cim::StatusKind::kUnavailable}, {"VM2", cim::StatusKind::kUnavailable}};
  wire->times = 2;  // each path's answer in the batch; the tries after are answered
  Client live(Target{wire, nullptr, {}, "test:", "test"}, o);
  auto t = std::chrono::steady_clock::now();
  const auto got = live.provider().get_instances(
      {path(names::kComputerSystem, "Name", "VM1"), path(names::kComputerSystem, "Name", "VM2")});
  const auto took = std::chrono::steady_clock::now() - t;
  ASSERT_EQ(got.size(), 2U);
  EXPECT_FALSE(cim::lost_on_the_wire(got[1].ok() ? cim::StatusKind::kOk : got[1].status().kind()));
  EXPECT_GE(took, milliseconds(500));  // VM1's one pause
  EXPECT_LT(took, milliseconds(1000)) << "VM2 paused too";
  EXPECT_EQ(wire->reads_, 4);

  auto partly = std::make_shared<ListsPartly>();
  partly->lose = {{"VM2", cim::StatusKind::kUnavailable}};
  Client listing(Target{partly, nullptr, {}, "test:", "test"}, o);
  int handed = 0;
  t = std::chrono::steady_clock::now();
  EXPECT_EQ(listing.provider()
                .each_instance_name(names::kNamespace, names::kComputerSystem,
                                    [&](const ObjectPath&) { ++handed; })
                .kind(),
            cim::StatusKind::kBadAnswer);
  EXPECT_EQ(handed, 1);  // not asked again: its reader would take VM1 twice
  EXPECT_LT(std::chrono::steady_clock::now() - t, milliseconds(500));
  t = std::chrono::steady_clock::now();
  EXPECT_FALSE(listing.provider().get_instance(path(names::kComputerSystem, "Name", "VM2")).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - t, milliseconds(500 + 1000));
}

// A host's snapshot collections, listed one path at a time: a listing the wire loses part way
// through is taken again from its start, and what the lost one handed out is dropped (a
// collection it named may be gone by the second); the reads lost do not count it (decision
// 0166). Before, a case whose view met such a loss was undecided.
class ListsCollections final : public LosingWire {
 public:
  cim::Status each_instance_name(std::string_view, std::string_view,
                                 const std::function<void(const ObjectPath&)>& f) override {
    ++listings_;
    const bool cut = listings_ <= cut_short_;
    for (const char* id : cut ? std::vector<const char*>{"sc-gone", "sc-a"}
                              : std::vector<const char*>{"sc-a", "sc-b"})
      f(path(names::kSnapshotCollection, "CollectionID", id));
    return cut ? cim::Status(cim::StatusKind::kBadAnswer, "cut short") : cim::Status{};
  }
  int cut_short_ = 1;
  int listings_ = 0;
};

TEST(Client, ACollectionListingLostPartWayIsTakenAgainFromItsStart) {
  for (const int cut : {1, 2, 3}) {
    SCOPED_TRACE(fmt::format("cut short {} time(s)", cut));
    auto wire = std::make_shared<ListsCollections>();
    wire->cut_short_ = cut;
    ClientOptions at_once;
    at_once.wire_retry_pause_ms = 0;
    Client cl(Target{wire, nullptr, {}, "test:", "test"}, at_once);
    const auto ids = list_host_collections(cl.provider());
    EXPECT_EQ(wire->listings_, std::min(cut + 1, 1 + kWireRetries));
    if (cut <= kWireRetries) {
      ASSERT_TRUE(ids.ok()) << ids.status().to_string();
      ASSERT_EQ(ids->size(), 2U);
      EXPECT_EQ((*ids)[0], "SC-A");
      EXPECT_EQ((*ids)[1], "SC-B");
      EXPECT_EQ(cl.answers_lost(), 0);
    } else {
      ASSERT_FALSE(ids.ok());
      EXPECT_EQ(ids.status().kind(), cim::StatusKind::kBadAnswer);
      EXPECT_EQ(cl.answers_lost(), 1);
    }
  }
  // A reader that cannot start again (each_instance_name) is still given the lost listing once.
  auto wire = std::make_shared<ListsCollections>();
  ClientOptions at_once;
  at_once.wire_retry_pause_ms = 0;
  Client cl(Target{wire, nullptr, {}, "test:", "test"}, at_once);
  int handed = 0;
  EXPECT_FALSE(cl.provider()
                   .each_instance_name(names::kNamespace, names::kSnapshotCollection,
                                       [&](const ObjectPath&) { ++handed; })
                   .ok());
  EXPECT_EQ(handed, 2);
  EXPECT_EQ(wire->listings_, 1);
}

// A pause ends as soon as the run's stop flag is set: after Ctrl-C, or once the transport
// broke (the run's time up, decision 0033), every later request fails at once, and waiting to
// ask again only held the cases still under way and their cleanups (a run of a 2 s budget
// took minutes more).
TEST(Client, ALiveHostsPauseEndsWhenTheRunStops) {
  std::atomic<bool> stop{false};
  ClientOptions o;
  o.wire_retry_pause_ms = 20'000;
  o.stop = &stop;
  auto wire = std::make_shared<LosingWire>();
  wire->lose = {{"VM1", cim::StatusKind::kTimeout}};
  Client live(Target{wire, nullptr, {}, "test:", "test"}, o);
  std::jthread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stop = true;
  });
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(live.provider().get_instance(path(names::kComputerSystem, "Name", "VM1")).ok());
  EXPECT_EQ(wire->reads_, 1 + kWireRetries);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  // Once stopped, no pause at all.
  const auto t1 = std::chrono::steady_clock::now();
  EXPECT_FALSE(live.provider().get_instance(path(names::kComputerSystem, "Name", "VM1")).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - t1, std::chrono::seconds(2));
  // Nor is a call that was not sent sent again: it would change the host after the stop.
  auto calls = std::make_shared<LosingWire>();
  calls->lose = {{"CreateSnapshot", cim::StatusKind::kNotSent}};
  Client stopping(Target{calls, nullptr, {}, "test:", "test"}, o);
  EXPECT_FALSE(stopping.invoke(collection_snapshot_service(), "CreateSnapshot", {}).ok());
  EXPECT_EQ(calls->calls_, 1);
  // The run's other stop, its host's (decision 0163), ends a pause as well.
  std::atomic<bool> host_stopped{true};
  ClientOptions after_the_host_stopped = o;
  after_the_host_stopped.stop = nullptr;
  after_the_host_stopped.stopped_answering = &host_stopped;
  Client late(Target{wire, nullptr, {}, "test:", "test"}, after_the_host_stopped);
  const auto t2 = std::chrono::steady_clock::now();
  EXPECT_FALSE(late.provider().get_instance(path(names::kComputerSystem, "Name", "VM1")).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - t2, std::chrono::seconds(2));
}

TEST(Client, AJobWhoseReadTheWireLostIsNeitherThereNorGone) {
  const ObjectPath job = path(names::kJob, "InstanceID", "J1");
  ClientOptions o;
  o.poll_step_ms = 0;
  o.wire_retry_pause_ms = 0;  // asked again at once (the pause is the next test's)
  {
    // Two samples, then its answers are lost for good: the wait stops there and says so.
    auto wire = std::make_shared<LosingWire>();
    wire->lose = {{"J1", cim::StatusKind::kBadAnswer}};
    wire->answered_first = 2;
    AnsweredReads reads(*wire, RetryPause{});
    const JobTrace t = follow_job(reads, nullptr, job, o);
    EXPECT_NE(t.lost.find("BadAnswer: lost: J1"), std::string::npos) << t.lost;
    EXPECT_FALSE(t.vanished);
    EXPECT_TRUE(t.readable_after_end);
    EXPECT_EQ(t.samples.size(), 2U);
    EXPECT_EQ(wire->reads_, 2 + 1 + kWireRetries);
    // Judged, it gives the case up: nothing is judged on it.
    model::Observation seen;
    seen.outcome.return_value = cim::ReturnCode::kJobStarted;
    seen.outcome.job = job;
    seen.outcome.trace = t;
    auto host = std::make_shared<DuplicatingHost>();
    Client cl(Target{host, nullptr, {}, "test:", "test"}, o);
    try {
      (void)judge_and_record(cl, RunConfig{}, model::Expectation{}, seen, {});
      ADD_FAILURE() << "no WireLost";
    } catch (const WireLost& lost) {
      EXPECT_NE(lost.reason.find("no answer came back while job"), std::string::npos)
          << lost.reason;
    }
  }
  {
    // A job that ended 10: GetErrorEx, whose answer the wire lost once, is asked again.
    auto wire = std::make_shared<LosingWire>();
    wire->job_state_ = 10;
    wire->lose = {{"GetErrorEx", cim::StatusKind::kUnavailable}};
    wire->times = 1;
    const JobTrace t = follow_job(*wire, nullptr, job, o);
    EXPECT_TRUE(t.lost.empty()) << t.lost;
    EXPECT_EQ(wire->calls_, 2);
    ASSERT_TRUE(t.get_error_ex_return.has_value());
  }
  {
    // GetErrorEx lost for good: the client's wait ends lost, and counts it (no read did), so
    // an arrangement case that needed it is undecided.
    auto wire = std::make_shared<LosingWire>();
    wire->job_state_ = 10;
    wire->lose = {{"GetErrorEx", cim::StatusKind::kBadAnswer}};
    Client cl(Target{wire, nullptr, {}, "test:", "test"}, o);
    EXPECT_EQ(cl.answers_lost(), 0);
    const JobTrace t = cl.wait_job(job, Polling::kBackOff);
    EXPECT_FALSE(t.lost.empty());
    EXPECT_EQ(wire->calls_, 1 + kWireRetries);
    EXPECT_GT(cl.answers_lost(), 0);
  }
}

}  // namespace
}  // namespace hvsnap::conformance
