// The catalogue of mutants. Each breaks exactly one requirement and says which; the ctest in
// tools/test/mutants_test.cpp asserts the suite kills each one with that requirement.
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "hvsnap/cim/cimxml.h"
#include "hvsnap/cim/names.h"
#include "hvsnap/cim/text.h"
#include "hvsnap/tools/mutants.h"
#include "mutant.h"

namespace hvsnap::tools::mutants {

namespace {

namespace names = cim::names;

bool is_create(const cim::ObjectPath& object, std::string_view method) {
  return method == "CreateSnapshot" &&
         cim::iequals(object.class_name(), names::kCollectionSnapshotService);
}

// Leaves a checkpoint of `vm` that no call asked for (a broken rollback or a stray write):
// a new snapshot under the VM's current one, which becomes the VM's most-current.
void leave_checkpoint(sim::HostState& s, sim::Vm& vm, const sim::Guid& id,
                      sim::SnapshotKind kind = sim::SnapshotKind::kStandard) {
  sim::Snapshot left;
  left.id = id;
  left.vm = vm.id;
  left.kind = kind;
  left.parent = vm.most_current;
  left.created_ms = s.now_ms;
  vm.snapshots.push_back(id);
  vm.most_current = id;
  s.snapshots.push_back(std::move(left));
}

// ---- return codes --------------------------------------------------------------------------

// CS-OUT-4: SnapshotType 0 is reserved and must be refused; this one takes it as "standard".
class AcceptsTypeZero final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  std::optional<cim::Result<cim::MethodResult>> before_invoke(const cim::ObjectPath& object,
                                                              std::string_view method,
                                                              cim::PropertyList& in) override {
    if (!is_create(object, method)) return std::nullopt;
    if (const cim::Value* t = cim::find(in, "SnapshotType"); t != nullptr && t->as_uint() == 0u) {
      cim::set(in, "SnapshotType", cim::Value::uint16(2));
    }
    return std::nullopt;
  }
};

// ---- atomicity -------------------------------------------------------------------------------

// CS-INV-3: when a CreateSnapshot job fails, the checkpoint of one member stays behind (the
// member that did not cause the failure when there is one), as if rollback had stopped early.
class PartialAfterFailedJob final : public Mutant {
 public:
  explicit PartialAfterFailedJob(std::shared_ptr<sim::Host> host) : Mutant(std::move(host)) {
    for (const auto& j : this->host().control().dump().jobs)
      seen_.insert(j.id);
  }

 protected:
  bool edits() const override { return true; }
  bool edit(sim::HostState& s) override {
    bool changed = false;
    for (const sim::Job& job : s.jobs) {
      if (job.kind != sim::JobKind::kCreateSnapshot || job.state != 10 || seen_.count(job.id)) {
        continue;
      }
      seen_.insert(job.id);
      std::set<sim::Guid> failing;
      for (const auto& e : job.errors)
        failing.insert(e.vm);
      auto pick = std::find_if(job.members.begin(), job.members.end(),
                               [&](const sim::Guid& m) { return !failing.count(m); });
      if (pick == job.members.end()) pick = job.members.begin();
      if (pick == job.members.end()) continue;
      auto vm =
          std::find_if(s.vms.begin(), s.vms.end(), [&](const sim::Vm& v) { return v.id == *pick; });
      if (vm == s.vms.end()) continue;
      leave_checkpoint(s, *vm, sim::Guid::from_name("mutant-partial", job.id.to_string()),
                       job.snapshot_kind);
      changed = true;
    }
    return changed;
  }

 private:
  std::set<sim::Guid> seen_;
};

// ---- result ----------------------------------------------------------------------------------

// CS-INV-2: every new snapshot collection lacks its last member's checkpoint — that VM was
// skipped (no VSSD, its most-current pointer untouched).
class SkipsAMember final : public Mutant {
 public:
  explicit SkipsAMember(std::shared_ptr<sim::Host> host) : Mutant(std::move(host)) {
    for (const auto& c : this->host().control().dump().snapshot_collections)
      seen_.insert(c.id);
  }

 protected:
  bool edits() const override { return true; }
  bool edit(sim::HostState& s) override {
    bool changed = false;
    for (sim::SnapshotCollection& c : s.snapshot_collections) {
      if (seen_.count(c.id)) continue;
      seen_.insert(c.id);
      if (c.members.empty()) continue;
      const sim::Guid skipped = c.members.back();
      c.members.pop_back();
      auto sn = std::find_if(s.snapshots.begin(), s.snapshots.end(),
                             [&](const sim::Snapshot& x) { return x.id == skipped; });
      if (sn == s.snapshots.end()) continue;
      for (sim::Vm& vm : s.vms) {
        if (vm.id != sn->vm) continue;
        std::erase(vm.snapshots, skipped);
        if (vm.most_current == skipped) vm.most_current = sn->parent;
      }
      s.snapshots.erase(sn);
      changed = true;
    }
    return changed;
  }

 private:
  std::set<sim::Guid> seen_;
};

// ---- helpers for the catalogue below --------------------------------------------------------

bool is_class(const cim::Instance& i, std::string_view name) {
  return cim::iequals(i.class_name(), name);
}

bool is_method(const cim::ObjectPath& object, std::string_view method, std::string_view cls,
               std::string_view name) {
  return method == name && cim::iequals(object.class_name(), cls);
}

sim::Vm* find_vm(sim::HostState& s, const sim::Guid& id) {
  for (auto& v : s.vms) {
    if (v.id == id) return &v;
  }
  return nullptr;
}

const sim::Group* find_group(const sim::HostState& s, const cim::Value* ref) {
  if (ref == nullptr || ref->as_reference() == nullptr) return nullptr;
  const auto& keys = ref->as_reference()->keys();
  for (const auto& g : s.groups) {
    for (const auto& k : keys) {
      if (cim::iequals(k.value, g.id.to_string())) return &g;
    }
  }
  return nullptr;
}

bool transitional(sim::VmState st) {
  return st == sim::VmState::kShuttingDown || st == sim::VmState::kStarting;
}

// ---- return codes (more) --------------------------------------------------------------------

// CS-OUT-3: a Collection naming no existing group "succeeds" (0) without doing anything.
class MissingGroupSucceeds final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  std::optional<cim::Result<cim::MethodResult>> before_invoke(const cim::ObjectPath& object,
                                                              std::string_view method,
                                                              cim::PropertyList& in) override {
    if (!is_create(object, method)) return std::nullopt;
    const cim::Value* c = cim::find(in, "Collection");
    if (c == nullptr || c->as_reference() == nullptr) return std::nullopt;
    const cim::ObjectPath& p = *c->as_reference();
    if (!cim::iequals(p.class_name(), names::kVmGroup)) return std::nullopt;
    if (host().get_instance(p).status().kind() != cim::StatusKind::kNotFound) return std::nullopt;
    return cim::Result<cim::MethodResult>(cim::MethodResult{0, {}});
  }
};

// CS-OUT-10: a member in a transitional state gives 4 (invalid parameter) instead of 5.
class TransitionalIsInvalidParameter final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  void after_invoke(const cim::ObjectPath& object, std::string_view method,
                    const cim::PropertyList& in, cim::Result<cim::MethodResult>& r) override {
    if (!is_create(object, method) || !r.ok()) return;
    if (r->return_value != 5 && r->return_value != 32775) return;
    const sim::HostState s = host().control().dump();
    const sim::Group* g = find_group(s, cim::find(in, "Collection"));
    if (g == nullptr) return;
    for (const auto& m : g->members) {
      for (const auto& v : s.vms) {
        if (v.id == m && transitional(v.state)) {
          r->return_value = 4;
          return;
        }
      }
    }
  }
};

// CS-INV-1: an invalid parameter is reported with the reserved code 7 instead of 4.
class ReservedReturnCode final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  void after_invoke(const cim::ObjectPath& object, std::string_view method,
                    const cim::PropertyList&, cim::Result<cim::MethodResult>& r) override {
    // Invalid Parameter in either code family (the fake's default is msvm, C1).
    if (is_create(object, method) && r.ok() && (r->return_value == 4 || r->return_value == 32773))
      r->return_value = 7;
  }
};

// ---- job faults -----------------------------------------------------------------------------

// Sees the answer of every CreateSnapshot that started a job (4096).
class OnJobStarted : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  void after_invoke(const cim::ObjectPath& object, std::string_view method,
                    const cim::PropertyList&, cim::Result<cim::MethodResult>& r) final {
    if (is_create(object, method) && r.ok() && r->return_value == 4096) started(*r);
  }
  virtual void started(cim::MethodResult& r) = 0;
};

// CS-INV-5: 4096 (job started) without the Job out-parameter.
class JobStartedWithoutJob final : public OnJobStarted {
 public:
  using OnJobStarted::OnJobStarted;

 protected:
  void started(cim::MethodResult& r) override {
    std::erase_if(r.out, [](const cim::Property& p) { return cim::iequals(p.name, "Job"); });
  }
};

// Rewrites the CreateSnapshot jobs a client reads (JobType 198).
class JobRewriter : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  bool rewrite(cim::Instance& i, const ReadContext& ctx) override {
    if (!is_class(i, names::kJob) || i.get_uint("JobType") != 198u) return true;
    get_ = ctx.kind == ReadContext::Kind::kGet;
    return rewrite_job(i, i.get_string("InstanceID"), i.get_uint("JobState").value_or(0));
  }
  bool get_ = false;  // the instance being rewritten was read by a Get of its path
  virtual bool rewrite_job(cim::Instance& job, const std::string& id, std::uint64_t state) = 0;
};

// CS-INV-6: a job's terminal state is not final — after it ended, every other read says
// Running again.
class JobStateGoesBackwards final : public JobRewriter {
 public:
  using JobRewriter::JobRewriter;

 protected:
  bool rewrite_job(cim::Instance& job, const std::string& id, std::uint64_t state) override {
    if (state < 7 || !get_) return true;
    if (terminal_reads_[id]++ % 2 == 1) job.set("JobState", cim::Value::uint16(4));
    return true;
  }

 private:
  std::map<std::string, int> terminal_reads_;
};

// CS-INV-6: PercentComplete falls (every running read after the first reports less).
class PercentDecreases final : public JobRewriter {
 public:
  using JobRewriter::JobRewriter;

 protected:
  bool rewrite_job(cim::Instance& job, const std::string& id, std::uint64_t state) override {
    if (state != 4) return true;
    const int n = reads_[id]++;
    job.set("PercentComplete", cim::Value::uint16(n == 0 ? 90 : 10));
    return true;
  }

 private:
  std::map<std::string, int> reads_;
};

// CS-INV-6: a Completed job carries an ErrorCode.
class ErrorCodeOnCompleted final : public JobRewriter {
 public:
  using JobRewriter::JobRewriter;

 protected:
  bool rewrite_job(cim::Instance& job, const std::string&, std::uint64_t state) override {
    if (state == 7) job.set("ErrorCode", cim::Value::uint16(32768));
    return true;
  }
};

// CS-INV-6: a job ending in Exception carries no description (and GetErrorEx has none).
class ExceptionWithoutDescription final : public JobRewriter {
 public:
  using JobRewriter::JobRewriter;

 protected:
  bool rewrite_job(cim::Instance& job, const std::string&, std::uint64_t state) override {
    if (state == 10) {
      job.set("ErrorDescription", cim::Value::string(""));
      job.set("ErrorSummaryDescription", cim::Value::string(""));
    }
    return true;
  }
  void after_invoke(const cim::ObjectPath& object, std::string_view method,
                    const cim::PropertyList&, cim::Result<cim::MethodResult>& r) override {
    if (method == "GetErrorEx" && cim::iequals(object.class_name(), names::kJob) && r.ok()) {
      std::erase_if(r->out, [](const cim::Property& p) { return cim::iequals(p.name, "Errors"); });
    }
  }
};

// ---- result faults (more) -------------------------------------------------------------------

// Sees each snapshot collection once, when it first appears.
class OnNewCollections : public Mutant {
 public:
  explicit OnNewCollections(std::shared_ptr<sim::Host> host) : Mutant(std::move(host)) {
    for (const auto& c : this->host().control().dump().snapshot_collections)
      seen_.insert(c.id);
  }

 protected:
  bool edits() const override { return true; }
  bool edit(sim::HostState& s) override {
    bool changed = false;
    for (std::size_t i = 0; i < s.snapshot_collections.size(); ++i) {
      if (!seen_.insert(s.snapshot_collections[i].id).second) continue;
      changed = on_new(s, s.snapshot_collections[i].id) || changed;
    }
    return changed;
  }
  virtual bool on_new(sim::HostState& s, const sim::Guid& collection) = 0;

 private:
  std::set<sim::Guid> seen_;
};

// CS-INV-2: the job completes but no snapshot collection S is left (the VSSDs stay).
class NoResultCollection final : public OnNewCollections {
 public:
  using OnNewCollections::OnNewCollections;

 protected:
  bool on_new(sim::HostState& s, const sim::Guid& id) override {
    for (auto& sn : s.snapshots) {
      if (sn.collection == id) sn.collection = sim::Guid();
    }
    for (auto& g : s.groups)
      std::erase(g.snapshot_collections, id);
    std::erase_if(s.snapshot_collections,
                  [&](const sim::SnapshotCollection& c) { return c.id == id; });
    return true;
  }
};

// CS-INV-2: the new VSSDs say they are realized systems, not snapshots.
class WrongVirtualSystemType final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  bool rewrite(cim::Instance& i, const ReadContext&) override {
    if (is_class(i, names::kVssd) &&
        i.get_string("VirtualSystemType") == names::kTypeSnapshotRealized) {
      i.set("VirtualSystemType", cim::Value::string(std::string(names::kTypeRealized)));
    }
    return true;
  }
};

// CS-INV-2: every new checkpoint's Parent is its VM's oldest checkpoint's parent (nil), not
// the previous most-current checkpoint.
class BrokenParentChain final : public OnNewCollections {
 public:
  using OnNewCollections::OnNewCollections;

 protected:
  bool on_new(sim::HostState& s, const sim::Guid& id) override {
    bool changed = false;
    for (auto& sn : s.snapshots) {
      if (sn.collection == id && !sn.parent.is_nil()) {
        sn.parent = sim::Guid();
        changed = true;
      }
    }
    return changed;
  }
};

// CS-INV-2: the VMs' most-current pointers stay where they were.
class MostCurrentNotMoved final : public OnNewCollections {
 public:
  using OnNewCollections::OnNewCollections;

 protected:
  bool on_new(sim::HostState& s, const sim::Guid& id) override {
    bool changed = false;
    for (const auto& sn : s.snapshots) {
      if (sn.collection != id) continue;
      if (sim::Vm* vm = find_vm(s, sn.vm); vm != nullptr && vm->most_current == sn.id) {
        vm->most_current = sn.parent;
        changed = true;
      }
    }
    return changed;
  }
};

// CS-INV-7: S exists but is not linked to the group (Msvm_SnapshotOfVirtualSystemCollection
// finds nothing from the group).
class SNotLinkedToGroup final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  bool rewrite(cim::Instance& i, const ReadContext& ctx) override {
    const bool from_group =
        ctx.object != nullptr && cim::iequals(ctx.object->class_name(), names::kVmGroup);
    if (from_group && (ctx.kind == ReadContext::Kind::kAssociators ||
                       ctx.kind == ReadContext::Kind::kReferences)) {
      if (is_class(i, names::kSnapshotCollection) || is_class(i, names::kSnapshotOfGroup)) {
        return false;
      }
    }
    return true;
  }
};

// ---- atomicity (more) -----------------------------------------------------------------------

// CS-SEQ-7: a job ended by Terminate or Kill (8, 9) keeps the checkpoints it had made.
class PartialAfterKilledJob final : public Mutant {
 public:
  explicit PartialAfterKilledJob(std::shared_ptr<sim::Host> host) : Mutant(std::move(host)) {
    for (const auto& j : this->host().control().dump().jobs)
      seen_.insert(j.id);
  }

 protected:
  bool edits() const override { return true; }
  bool edit(sim::HostState& s) override {
    bool changed = false;
    for (const sim::Job& job : s.jobs) {
      if (job.kind != sim::JobKind::kCreateSnapshot || (job.state != 8 && job.state != 9) ||
          !seen_.insert(job.id).second || job.members.empty()) {
        continue;
      }
      sim::Vm* vm = find_vm(s, job.members.front());
      if (vm == nullptr) continue;
      leave_checkpoint(s, *vm, sim::Guid::from_name("mutant-killed", job.id.to_string()),
                       job.snapshot_kind);
      changed = true;
    }
    return changed;
  }

 private:
  std::set<sim::Guid> seen_;
};

// CS-INV-9: a successful CreateSnapshot also checkpoints a VM outside the collection.
class TouchesAnotherGroup final : public OnNewCollections {
 public:
  using OnNewCollections::OnNewCollections;

 protected:
  bool on_new(sim::HostState& s, const sim::Guid& id) override {
    std::set<sim::Guid> inside;
    for (const auto& sn : s.snapshots) {
      if (sn.collection == id) inside.insert(sn.vm);
    }
    for (auto& vm : s.vms) {
      if (inside.count(vm.id)) continue;
      leave_checkpoint(s, vm, sim::Guid::from_name("mutant-outside", id.to_string()));
      return true;
    }
    return false;
  }
};

// ---- sequence faults ------------------------------------------------------------------------

// CS-SEQ-3: ApplySnapshot goes ahead with a Running member (it is applied as if it were Off,
// and left Running).
class ApplyOnRunningVm final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  std::optional<cim::Result<cim::MethodResult>> before_invoke(const cim::ObjectPath& object,
                                                              std::string_view method,
                                                              cim::PropertyList&) override {
    running_.clear();
    if (!is_method(object, method, names::kCollectionSnapshotService, "ApplySnapshot"))
      return std::nullopt;
    sim::HostState s = host().control().dump();
    for (auto& vm : s.vms) {
      if (vm.state == sim::VmState::kRunning) {
        running_.push_back(vm.id);
        vm.state = sim::VmState::kOff;
      }
    }
    if (!running_.empty()) (void)host().control().load(std::move(s));
    return std::nullopt;
  }
  void after_invoke(const cim::ObjectPath&, std::string_view, const cim::PropertyList&,
                    cim::Result<cim::MethodResult>&) override {
    if (running_.empty()) return;
    sim::HostState s = host().control().dump();
    for (const auto& id : running_) {
      if (sim::Vm* vm = find_vm(s, id)) vm->state = sim::VmState::kRunning;
    }
    (void)host().control().load(std::move(s));
    running_.clear();
  }

 private:
  std::vector<sim::Guid> running_;
};

// CS-OUT-11: the checkpoint limit is not enforced (a VM at its limit takes one more).
class LimitNotEnforced final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  std::optional<cim::Result<cim::MethodResult>> before_invoke(const cim::ObjectPath& object,
                                                              std::string_view method,
                                                              cim::PropertyList&) override {
    if (!is_create(object, method)) return std::nullopt;
    sim::HostState s = host().control().dump();
    bool changed = false;
    for (auto& vm : s.vms) {
      if (vm.checkpoint_limit <= vm.snapshots.size()) {
        vm.checkpoint_limit = static_cast<std::uint32_t>(vm.snapshots.size()) + 1;
        changed = true;
      }
    }
    if (changed) (void)host().control().load(std::move(s));
    return std::nullopt;
  }
};

// CS-INV-8: a terminal job disappears at once, long before its TimeBeforeRemoval.
class JobRemovedEarly final : public JobRewriter {
 public:
  using JobRewriter::JobRewriter;

 protected:
  bool rewrite_job(cim::Instance&, const std::string& id, std::uint64_t state) override {
    if (state < 7) return true;
    return !gone_.contains(id) ? (gone_.insert(id), true) : false;
  }

 private:
  std::set<std::string> gone_;
};

// CS-INV-3: a call refused as busy (5) still checkpoints the members that were free.
class BusyLeavesPartial final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  void after_invoke(const cim::ObjectPath& object, std::string_view method,
                    const cim::PropertyList& in, cim::Result<cim::MethodResult>& r) override {
    if (!is_create(object, method) || !r.ok()) return;
    if (r->return_value != 5 && r->return_value != 32775) return;
    sim::HostState s = host().control().dump();
    const sim::Group* g = find_group(s, cim::find(in, "Collection"));
    if (g == nullptr) return;
    for (const auto& m : g->members) {
      sim::Vm* vm = find_vm(s, m);
      if (vm == nullptr || vm->state != sim::VmState::kRunning) continue;
      leave_checkpoint(
          s, *vm, sim::Guid::from_name("mutant-busy", std::to_string(++count_) + m.to_string()));
      (void)host().control().load(std::move(s));
      return;
    }
  }

 private:
  int count_ = 0;
};

// ---- parsing faults -------------------------------------------------------------------------

// Rewrites the SnapshotSettings text of CreateSnapshot before the fake reads it.
class SettingsRewriter : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  std::optional<cim::Result<cim::MethodResult>> before_invoke(const cim::ObjectPath& object,
                                                              std::string_view method,
                                                              cim::PropertyList& in) override {
    if (!is_create(object, method)) return std::nullopt;
    const cim::Value* v = cim::find(in, "SnapshotSettings");
    if (v == nullptr || v->as_string() == nullptr || v->as_string()->empty()) return std::nullopt;
    return settings(*v->as_string(), in);
  }
  virtual std::optional<cim::Result<cim::MethodResult>> settings(const std::string& text,
                                                                 cim::PropertyList& in) = 0;
};

// CS-OUT-14: valid SnapshotSettings in the WMI DTD form (what WMI's GetText writes) are
// refused as an invalid parameter; only the CIM DTD form is read.
class RejectsWmiDtd final : public SettingsRewriter {
 public:
  using SettingsRewriter::SettingsRewriter;

 protected:
  std::optional<cim::Result<cim::MethodResult>> settings(const std::string& text,
                                                         cim::PropertyList&) override {
    if (text.find("CLASSORIGIN") == std::string::npos &&
        text.find("PROPERTY.OBJECT") == std::string::npos) {
      return std::nullopt;
    }
    return cim::Result<cim::MethodResult>(cim::MethodResult{4, {}});
  }
};

// CS-OUT-12: IgnoreNonSnapshottableDisks is ignored (dropped before the fake reads it).
class IgnoresIgnoreDisks final : public SettingsRewriter {
 public:
  using SettingsRewriter::SettingsRewriter;

 protected:
  std::optional<cim::Result<cim::MethodResult>> settings(const std::string& text,
                                                         cim::PropertyList& in) override {
    auto inst = cim::parse_embedded_instance(text);
    if (!inst.ok() || !inst->remove("IgnoreNonSnapshottableDisks")) return std::nullopt;
    cim::set(in, "SnapshotSettings",
             cim::Value::string(cim::format_embedded_instance(*inst, cim::XmlDtd::kCim20)));
    return std::nullopt;
  }
};

// ---- issue 6's remaining families -------------------------------------------------------------

// Takes snapshot `id` out of the host as if it had never been made: out of its collection and
// its VM, its children re-parented to its parent, the VM's most-current pointer moved back.
void unmake_snapshot(sim::HostState& s, const sim::Guid& id) {
  auto sn = std::find_if(s.snapshots.begin(), s.snapshots.end(),
                         [&](const sim::Snapshot& x) { return x.id == id; });
  if (sn == s.snapshots.end()) return;
  const sim::Guid parent = sn->parent;
  for (auto& c : s.snapshot_collections)
    std::erase(c.members, id);
  for (auto& x : s.snapshots) {
    if (x.parent == id) x.parent = parent;
  }
  if (sim::Vm* vm = find_vm(s, sn->vm)) {
    std::erase(vm->snapshots, id);
    if (vm->most_current == id) vm->most_current = parent;
  }
  s.snapshots.erase(sn);
}

// CS-INV-6: a CreateSnapshot job never ends — every read says Running (at most 99 %), and it
// never goes away (the fake finishes the work; the client is never told).
class JobNeverEnds final : public JobRewriter {
 public:
  using JobRewriter::JobRewriter;

 protected:
  bool rewrite_job(cim::Instance& job, const std::string& id, std::uint64_t) override {
    job.set("JobState", cim::Value::uint16(4));
    job.set("PercentComplete",
            cim::Value::uint16(static_cast<std::uint16_t>(
                std::min<std::uint64_t>(job.get_uint("PercentComplete").value_or(0), 99))));
    job.set("ErrorCode", cim::Value::uint16(0));
    last_.insert_or_assign(id, job);
    return true;
  }
  void after_get(const cim::ObjectPath& path, cim::Result<cim::Instance>& r) override {
    if (r.ok() || r.status().kind() != cim::StatusKind::kNotFound) return;
    const cim::Key* k = path.key("InstanceID");
    if (k == nullptr) return;
    if (auto it = last_.find(k->value); it != last_.end()) r = it->second;
  }

 private:
  std::map<std::string, cim::Instance> last_;  // the last read of each job, by InstanceID
};

// CS-SEQ-2: DestroySnapshot does not re-parent: a child of a destroyed checkpoint keeps
// naming it as its Parent.
class DestroyDoesNotReparent final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  bool rewrite(cim::Instance& i, const ReadContext&) override {
    if (!is_class(i, names::kVssd)) return true;
    const std::string type = i.get_string("VirtualSystemType");
    if (type != names::kTypeSnapshotRealized && type != names::kTypeSnapshotRecovery) return true;
    const std::string parent = i.get_string("Parent");
    auto [it, fresh] = parents_.try_emplace(i.get_string("InstanceID"), parent);
    if (fresh || it->second == parent) return true;
    // Only a DestroySnapshot moves a Parent: while the old one is gone, keep naming it.
    auto old = cim::ObjectPath::parse(it->second);
    if (old.ok() && host().get_instance(*old).status().kind() == cim::StatusKind::kNotFound) {
      i.set("Parent", cim::Value::string(it->second));
    } else {
      it->second = parent;
    }
    return true;
  }

 private:
  std::map<std::string, std::string> parents_;  // snapshot InstanceID -> Parent first read
};

// CS-INV-6 (and CS-SEQ-8): every CreateSnapshot job is handed out under the id of the first
// one, while that one is still readable: the earlier job's terminal state turns into the new
// job's. The earlier job itself is no longer visible.
class JobIdReused final : public OnJobStarted {
 public:
  using OnJobStarted::OnJobStarted;

 protected:
  void started(cim::MethodResult& r) override {
    const cim::Value* job = cim::find(r.out, "Job");
    if (job == nullptr || job->as_reference() == nullptr) return;
    const cim::ObjectPath real = *job->as_reference();
    const cim::Key* k = real.key("InstanceID");
    if (k == nullptr) return;
    current_ = real;
    current_id_ = k->value;
    if (first_id_.empty()) {
      first_id_ = current_id_;
      return;
    }
    cim::set(r.out, "Job", cim::Value::reference(alias(real)));
  }
  cim::ObjectPath route(const cim::ObjectPath& p) override {
    const cim::Key* k = p.key("InstanceID");
    if (current_ && k != nullptr && cim::iequals(p.class_name(), names::kJob) &&
        cim::iequals(k->value, first_id_)) {
      return *current_;
    }
    return p;
  }
  bool rewrite(cim::Instance& i, const ReadContext&) override {
    if (!is_class(i, names::kJob) || first_id_ == current_id_) return true;
    const std::string id = i.get_string("InstanceID");
    if (cim::iequals(id, first_id_)) return false;  // its id is taken
    if (cim::iequals(id, current_id_)) {
      i.set("InstanceID", cim::Value::string(first_id_));
      i.set_path(alias(i.path()));
    }
    return true;
  }

 private:
  cim::ObjectPath alias(const cim::ObjectPath& real) const {
    cim::ObjectPath p(cim::Name(real.name_space()), cim::Name(real.class_name()));
    p.add_key("InstanceID", first_id_);
    return p;
  }
  std::string first_id_;                    // the id every job is handed out under
  std::optional<cim::ObjectPath> current_;  // the job that id names now
  std::string current_id_;
};

// CS-SEQ-6: no per-VM exclusion. A call on a group whose member is held by another running
// CreateSnapshot job is not refused: both go ahead, and neither keeps the shared member's
// checkpoint — two calls, both succeed, both half-applied.
class OverlappingBothHalfApplied final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  std::optional<cim::Result<cim::MethodResult>> before_invoke(const cim::ObjectPath& object,
                                                              std::string_view method,
                                                              cim::PropertyList& in) override {
    shared_.clear();
    if (!is_create(object, method)) return std::nullopt;
    sim::HostState s = host().control().dump();
    const sim::Group* g = find_group(s, cim::find(in, "Collection"));
    if (g == nullptr) return std::nullopt;
    for (const auto& m : g->members) {
      const sim::Vm* vm = find_vm(s, m);
      if (vm == nullptr || transitional(vm->state)) return std::nullopt;
      if (vm->busy_job.is_nil()) continue;
      auto job = std::find_if(s.jobs.begin(), s.jobs.end(),
                              [&](const sim::Job& j) { return j.id == vm->busy_job; });
      if (job == s.jobs.end() || job->kind != sim::JobKind::kCreateSnapshot) return std::nullopt;
      shared_.emplace_back(m, job->id);
    }
    if (shared_.empty()) return std::nullopt;
    for (const auto& [vm, job] : shared_)
      find_vm(s, vm)->busy_job = sim::Guid();
    (void)host().control().load(std::move(s));
    return std::nullopt;
  }
  void after_invoke(const cim::ObjectPath&, std::string_view, const cim::PropertyList&,
                    cim::Result<cim::MethodResult>&) override {
    if (shared_.empty()) return;
    sim::HostState s = host().control().dump();
    for (const auto& [id, owner] : shared_) {
      sim::Vm* vm = find_vm(s, id);
      if (vm == nullptr) continue;
      if (vm->busy_job.is_nil()) {  // refused for another reason: the owner holds it again
        const bool running = std::any_of(s.jobs.begin(), s.jobs.end(), [&](const sim::Job& j) {
          return j.id == owner && j.finished_ms < 0;
        });
        if (running) vm->busy_job = owner;
        continue;
      }
      steal_[vm->busy_job].insert(id);
      steal_[owner].insert(id);
    }
    (void)host().control().load(std::move(s));
    shared_.clear();
  }
  bool edits() const override { return !steal_.empty(); }
  bool edit(sim::HostState& s) override {
    bool changed = false;
    for (const auto& c : std::vector<sim::SnapshotCollection>(s.snapshot_collections)) {
      auto st = steal_.find(c.created_by_job);
      if (st == steal_.end() || !done_.insert(c.id).second) continue;
      std::vector<sim::Guid> lose;
      for (const auto& sn : s.snapshots) {
        if (st->second.count(sn.vm) &&
            std::find(c.members.begin(), c.members.end(), sn.id) != c.members.end()) {
          lose.push_back(sn.id);
        }
      }
      for (const auto& id : lose)
        unmake_snapshot(s, id);
      changed = changed || !lose.empty();
    }
    return changed;
  }

 private:
  std::vector<std::pair<sim::Guid, sim::Guid>> shared_;  // member -> the job holding it
  std::map<sim::Guid, std::set<sim::Guid>> steal_;       // job -> members its result loses
  std::set<sim::Guid> done_;
};

struct Entry {
  MutantInfo info;
  std::function<std::shared_ptr<cim::Provider>(std::shared_ptr<sim::Host>)> make;
};

template <typename M>
std::function<std::shared_ptr<cim::Provider>(std::shared_ptr<sim::Host>)> maker() {
  return [](std::shared_ptr<sim::Host> h) { return std::make_shared<M>(std::move(h)); };
}

const std::vector<Entry>& entries() {
  static const std::vector<Entry> all{
      {{"accepts-type-zero", "CS-OUT-4", "return-code",
        "CreateSnapshot with SnapshotType 0 succeeds as a standard checkpoint"},
       maker<AcceptsTypeZero>()},
      {{"partial-after-failed-job", "CS-INV-3", "atomicity",
        "a CreateSnapshot job that ends 10 leaves one member's checkpoint behind"},
       maker<PartialAfterFailedJob>()},
      {{"skips-a-member", "CS-INV-2", "result",
        "the new snapshot collection lacks the last member's checkpoint"},
       maker<SkipsAMember>()},
      {{"missing-group-succeeds", "CS-OUT-3", "return-code",
        "CreateSnapshot on a group that does not exist returns 0 and does nothing"},
       maker<MissingGroupSucceeds>()},
      {{"transitional-is-invalid-parameter", "CS-OUT-10", "return-code",
        "a member in a transitional state gives 4 instead of 5"},
       maker<TransitionalIsInvalidParameter>()},
      {{"reserved-return-code", "CS-INV-1", "return-code",
        "an invalid parameter is reported with the reserved code 7"},
       maker<ReservedReturnCode>()},
      {{"job-started-without-job", "CS-INV-5", "job", "4096 without the Job out-parameter"},
       maker<JobStartedWithoutJob>()},
      {{"job-state-goes-backwards", "CS-INV-6", "job",
        "the read after a job ended says Running again"},
       maker<JobStateGoesBackwards>()},
      {{"percent-decreases", "CS-INV-6", "job", "PercentComplete falls while the job runs"},
       maker<PercentDecreases>()},
      {{"error-code-on-completed", "CS-INV-6", "job", "a Completed job carries ErrorCode 32768"},
       maker<ErrorCodeOnCompleted>()},
      {{"exception-without-description", "CS-INV-6", "job",
        "a job ending in Exception has no description and GetErrorEx no errors"},
       maker<ExceptionWithoutDescription>()},
      {{"no-result-collection", "CS-INV-2", "result",
        "the job completes but leaves no snapshot collection S"},
       maker<NoResultCollection>()},
      {{"wrong-virtual-system-type", "CS-INV-2", "result",
        "new VSSDs report VirtualSystemType Microsoft:Hyper-V:System:Realized"},
       maker<WrongVirtualSystemType>()},
      {{"broken-parent-chain", "CS-INV-2", "result",
        "new checkpoints have no Parent although the VM had a current one"},
       maker<BrokenParentChain>()},
      {{"most-current-not-moved", "CS-INV-2", "result",
        "the VMs' most-current pointers are not moved to the new checkpoints"},
       maker<MostCurrentNotMoved>()},
      {{"s-not-linked-to-group", "CS-INV-7", "result",
        "S is not reachable from the group through Msvm_SnapshotOfVirtualSystemCollection"},
       maker<SNotLinkedToGroup>()},
      {{"partial-after-killed-job", "CS-SEQ-7", "atomicity",
        "a job ended by Terminate or Kill leaves a checkpoint behind"},
       maker<PartialAfterKilledJob>()},
      {{"touches-another-group", "CS-INV-9", "atomicity",
        "a successful call also checkpoints a VM outside the collection"},
       maker<TouchesAnotherGroup>()},
      {{"busy-leaves-partial", "CS-INV-3", "atomicity",
        "a call refused as busy (5) still checkpoints the free members"},
       maker<BusyLeavesPartial>()},
      {{"apply-on-running-vm", "CS-SEQ-3", "sequence",
        "ApplySnapshot goes ahead with a Running member"},
       maker<ApplyOnRunningVm>()},
      {{"limit-not-enforced", "CS-OUT-11", "sequence",
        "a VM at its checkpoint limit takes one more checkpoint"},
       maker<LimitNotEnforced>()},
      {{"job-removed-early", "CS-INV-8", "sequence",
        "a terminal job disappears at once, before TimeBeforeRemoval"},
       maker<JobRemovedEarly>()},
      {{"rejects-wmi-dtd", "CS-OUT-14", "parsing",
        "SnapshotSettings in the WMI DTD form are refused with 4"},
       maker<RejectsWmiDtd>()},
      {{"ignores-ignore-disks", "CS-OUT-12", "parsing", "IgnoreNonSnapshottableDisks is ignored"},
       maker<IgnoresIgnoreDisks>()},
      {{"job-never-ends", "CS-INV-6", "job",
        "a CreateSnapshot job reads Running forever and is never removed"},
       maker<JobNeverEnds>()},
      {{"destroy-does-not-reparent", "CS-SEQ-2", "sequence",
        "after DestroySnapshot a child checkpoint still names the destroyed one as its Parent"},
       maker<DestroyDoesNotReparent>()},
      {{"job-id-reused", "CS-INV-6", "sequence",
        "every job is handed out under the first job's id, so an ended job seems to run again"},
       maker<JobIdReused>()},
      {{"overlapping-both-half-applied", "CS-SEQ-6", "sequence",
        "two calls on groups sharing a VM both succeed and neither keeps the shared checkpoint"},
       maker<OverlappingBothHalfApplied>()},
  };
  return all;
}

}  // namespace

const std::vector<MutantInfo>& catalogue() {
  static const std::vector<MutantInfo> infos = [] {
    std::vector<MutantInfo> out;
    for (const auto& e : entries())
      out.push_back(e.info);
    return out;
  }();
  return infos;
}

const MutantInfo* find(std::string_view name) {
  for (const auto& m : catalogue()) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

std::string known_names() {
  std::string known;
  for (const auto& m : catalogue())
    known += (known.empty() ? "" : ", ") + std::string(m.name);
  return known;
}

cim::Result<std::shared_ptr<cim::Provider>> wrap(std::string_view name,
                                                 std::shared_ptr<sim::Host> host) {
  for (const auto& e : entries()) {
    if (e.info.name == name) return e.make(std::move(host));
  }
  return cim::invalid_parameter(
      fmt::format("unknown mutant '{}' (known: {})", name, known_names()));
}

}  // namespace hvsnap::tools::mutants
