// The mutant family "sequence": sequences of calls (CS-SEQ-2, CS-SEQ-3, CS-SEQ-6, CS-OUT-11,
// CS-INV-6, CS-INV-8). Each class breaks exactly the requirement its comment names; the one table
// in catalogue.cpp registers it.
#include <algorithm>
#include <map>
#include <set>

#include "families.h"
#include "helpers.h"

namespace hvsnap::tools::mutants {

namespace {

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
    for (const auto& entry : shared_) {
      const auto& id = entry.first;
      const auto owner = entry.second;  // a copy: clang 14 cannot capture a structured binding
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

// CS-SEQ-2: DestroySnapshot removes the destroyed checkpoints' dependents (M7 allows it) but
// misses one: the last child of a destroyed checkpoint stays, its Parent still naming the
// destroyed checkpoint.
class DanglingParentAfterSubtreeDestroy final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  std::optional<cim::Result<cim::MethodResult>> before_invoke(const cim::ObjectPath& object,
                                                              std::string_view method,
                                                              cim::PropertyList&) override {
    if (is_method(object, method, names::kCollectionSnapshotService, "DestroySnapshot"))
      pending_ = host().control().dump().snapshots;
    return std::nullopt;
  }
  void after_invoke(const cim::ObjectPath& object, std::string_view method,
                    const cim::PropertyList&, cim::Result<cim::MethodResult>& r) override {
    if (!is_method(object, method, names::kCollectionSnapshotService, "DestroySnapshot")) return;
    if (!r.ok() || (r->return_value != 0 && r->return_value != 4096)) pending_.clear();
  }
  // The fake destroys when the call's job runs (or at once): act on the state the first time
  // a snapshot of before the call is gone.
  bool edits() const override { return !pending_.empty(); }
  bool edit(sim::HostState& s) override {
    auto alive = [&](const sim::Guid& id) {
      return std::any_of(s.snapshots.begin(), s.snapshots.end(),
                         [&](const sim::Snapshot& x) { return x.id == id; });
    };
    const bool destroyed = std::any_of(pending_.begin(), pending_.end(),
                                       [&](const sim::Snapshot& x) { return !alive(x.id); });
    if (!destroyed) return false;
    const std::vector<sim::Snapshot> was = std::exchange(pending_, {});
    bool changed = false;
    for (const auto& dead : was) {
      if (alive(dead.id)) continue;
      // Its children, as they were: the fake re-parented them to its parent.
      std::vector<sim::Guid> kids;
      for (const auto& x : was) {
        if (x.parent == dead.id && alive(x.id)) kids.push_back(x.id);
      }
      if (kids.empty()) continue;
      for (std::size_t k = 0; k + 1 < kids.size(); ++k) {
        unmake_snapshot(s, kids[k]);  // a dependent removed with the destroyed one (M7)
        changed = true;
      }
      dangling_[cim::to_lower(kids.back().to_string())] = dead.id;
    }
    return changed;
  }
  bool rewrite(cim::Instance& i, const ReadContext&) override {
    if (!is_class(i, names::kVssd)) return true;
    std::string id = i.get_string("InstanceID");
    if (const auto colon = id.find(':'); colon != std::string::npos) id = id.substr(colon + 1);
    const auto it = dangling_.find(cim::to_lower(id));
    if (it == dangling_.end()) return true;
    // The Parent text the fake writes, naming the destroyed checkpoint.
    auto p = cim::ObjectPath::parse(i.get_string("Parent"));
    cim::ObjectPath parent =
        p.ok() ? *p : cim::ObjectPath(cim::Name(names::kNamespace), cim::Name(names::kVssd));
    cim::ObjectPath named(cim::Name(parent.name_space()), cim::Name(parent.class_name()));
    named.set_host(cim::Name(parent.host()));
    named.add_key("InstanceID", "Microsoft:" + it->second.to_string());
    i.set("Parent", cim::Value::string(named.to_string()));
    return true;
  }

 private:
  std::vector<sim::Snapshot> pending_;         // the snapshots before a DestroySnapshot
  std::map<std::string, sim::Guid> dangling_;  // snapshot -> the destroyed one it names
};

}  // namespace

ProviderPtr make_apply_on_running_vm(HostPtr host) {
  return std::make_shared<ApplyOnRunningVm>(std::move(host));
}

ProviderPtr make_limit_not_enforced(HostPtr host) {
  return std::make_shared<LimitNotEnforced>(std::move(host));
}

ProviderPtr make_destroy_does_not_reparent(HostPtr host) {
  return std::make_shared<DestroyDoesNotReparent>(std::move(host));
}

ProviderPtr make_job_id_reused(HostPtr host) {
  return std::make_shared<JobIdReused>(std::move(host));
}

ProviderPtr make_overlapping_both_half_applied(HostPtr host) {
  return std::make_shared<OverlappingBothHalfApplied>(std::move(host));
}

ProviderPtr make_dangling_parent_after_subtree_destroy(HostPtr host) {
  return std::make_shared<DanglingParentAfterSubtreeDestroy>(std::move(host));
}

}  // namespace hvsnap::tools::mutants
