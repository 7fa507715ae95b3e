// The mutant family "atomicity": atomicity and isolation (CS-INV-3, CS-INV-9, CS-SEQ-7). Each class
// breaks exactly the requirement its comment names; the one table in catalogue.cpp registers it.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "families.h"
#include "helpers.h"
#include "hvsnap/cim/codes.h"

namespace hvsnap::tools::mutants {

namespace {

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

// CS-OUT-16: the snapshot collection passed as ResultingSnapshotCollection is renamed by the
// call (its ElementName changes), although R on input is never modified.
class RenamesR final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  std::optional<cim::Result<cim::MethodResult>> before_invoke(const cim::ObjectPath& object,
                                                              std::string_view method,
                                                              cim::PropertyList& in) override {
    if (!is_create(object, method)) return std::nullopt;
    const cim::Value* r = cim::find(in, "ResultingSnapshotCollection");
    if (r == nullptr || r->as_reference() == nullptr) return std::nullopt;
    if (const cim::Key* k = r->as_reference()->key("CollectionID"))
      renamed_.insert(cim::to_lower(k->value));
    return std::nullopt;
  }
  bool rewrite(cim::Instance& i, const ReadContext&) override {
    if (is_class(i, names::kSnapshotCollection) &&
        renamed_.count(cim::to_lower(i.get_string("CollectionID")))) {
      i.set("ElementName", cim::Value::string("renamed by CreateSnapshot"));
    }
    return true;
  }

 private:
  std::set<std::string> renamed_;  // CollectionIDs, lower-case
};

// CS-OUT-16: the snapshot collection passed as ResultingSnapshotCollection lists the call's new
// checkpoints among its members (its name left alone), although R on input is never modified.
// Only its Msvm_CollectedSnapshots change, so only a view after the call that reads R's members
// again sees it (decision 0109's correction). The fake's state keeps one collection a snapshot,
// so the members are added where a client reads them, not in the state.
class AddsToR final : public OnNewCollections {
 public:
  using OnNewCollections::OnNewCollections;

 protected:
  std::optional<cim::Result<cim::MethodResult>> before_invoke(const cim::ObjectPath& object,
                                                              std::string_view method,
                                                              cim::PropertyList& in) override {
    if (!is_create(object, method)) return std::nullopt;
    r_.clear();  // a call without R leaves every collection alone
    const cim::Value* r = cim::find(in, "ResultingSnapshotCollection");
    if (r == nullptr || r->as_reference() == nullptr) return std::nullopt;
    if (const cim::Key* k = r->as_reference()->key("CollectionID")) r_ = cim::to_lower(k->value);
    return std::nullopt;
  }
  bool on_new(sim::HostState&, const sim::Guid& id) override {
    if (!r_.empty()) added_[r_].push_back(id.to_string());
    return false;
  }
  void extend(std::vector<cim::Instance>& out, const ReadContext& ctx) override {
    if (ctx.kind != ReadContext::Kind::kAssociators || ctx.object == nullptr ||
        !cim::iequals(ctx.object->class_name(), names::kSnapshotCollection) ||
        !(ctx.assoc_class.empty() || cim::iequals(ctx.assoc_class, names::kCollectedSnapshots))) {
      return;
    }
    const cim::Key* k = ctx.object->key("CollectionID");
    const auto it = k == nullptr ? added_.end() : added_.find(cim::to_lower(k->value));
    if (it == added_.end()) return;
    for (const std::string& made : it->second) {
      cim::ObjectPath s(cim::Name(ctx.object->name_space()),
                        cim::Name::borrow(names::kSnapshotCollection));
      s.add_key("CollectionID", made);
      auto more = host().associators(
          s, {std::string(names::kCollectedSnapshots), std::string(ctx.result_class), "", ""});
      if (!more.ok()) continue;  // not visible yet (CS-INV-7's lag): added when it is
      for (auto& i : *more)
        out.push_back(std::move(i));
    }
  }

 private:
  std::string r_;                                          // the last call's R, lower-case
  std::map<std::string, std::vector<std::string>> added_;  // R -> collections listed in it
};

// CS-INV-9: one job slot — a new CreateSnapshot job makes every job that had ended before it
// vanish at once, other groups' jobs included, long before their TimeBeforeRemoval.
class SingleJobSlot final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  void after_invoke(const cim::ObjectPath& object, std::string_view method,
                    const cim::PropertyList&, cim::Result<cim::MethodResult>& r) override {
    if (!is_create(object, method) || !r.ok() || r->return_value != 4096) return;
    evicted_.insert(ended_.begin(), ended_.end());
    ended_.clear();
  }
  bool rewrite(cim::Instance& i, const ReadContext&) override {
    if (!is_class(i, names::kJob)) return true;
    const std::string id = cim::to_lower(i.get_string("InstanceID"));
    if (evicted_.count(id)) return false;
    if (cim::JobState(static_cast<std::uint16_t>(i.get_uint("JobState").value_or(0))).is_terminal())
      ended_.insert(id);
    return true;
  }

 private:
  std::set<std::string> ended_;    // jobs seen ended, still in the slot's history
  std::set<std::string> evicted_;  // jobs a later job pushed out
};

}  // namespace

ProviderPtr make_partial_after_failed_job(HostPtr host) {
  return std::make_shared<PartialAfterFailedJob>(std::move(host));
}

ProviderPtr make_partial_after_killed_job(HostPtr host) {
  return std::make_shared<PartialAfterKilledJob>(std::move(host));
}

ProviderPtr make_touches_another_group(HostPtr host) {
  return std::make_shared<TouchesAnotherGroup>(std::move(host));
}

ProviderPtr make_busy_leaves_partial(HostPtr host) {
  return std::make_shared<BusyLeavesPartial>(std::move(host));
}

ProviderPtr make_renames_r(HostPtr host) {
  return std::make_shared<RenamesR>(std::move(host));
}
ProviderPtr make_adds_to_r(HostPtr host) {
  return std::make_shared<AddsToR>(std::move(host));
}
ProviderPtr make_single_job_slot(HostPtr host) {
  return std::make_shared<SingleJobSlot>(std::move(host));
}

}  // namespace hvsnap::tools::mutants
