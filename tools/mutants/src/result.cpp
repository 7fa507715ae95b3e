// The mutant family "result": the result set (CS-INV-2, CS-INV-7). Each class breaks exactly the
// requirement its comment names; the one table in catalogue.cpp registers it.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "families.h"
#include "helpers.h"
#include "hvsnap/cim/codes.h"

namespace hvsnap::tools::mutants {

namespace {

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
        vm.snapshots.erase(skipped);
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
      g.snapshot_collections.erase(id);
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

// CS-INV-2: a new snapshot collection lists its first member's checkpoint twice
// (Msvm_CollectedSnapshots names the same pair twice).
class CollectionListsCheckpointTwice final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  void extend(std::vector<cim::Instance>& out, const ReadContext& ctx) override {
    if (ctx.kind != ReadContext::Kind::kAssociators || ctx.object == nullptr || out.empty() ||
        !cim::iequals(ctx.object->class_name(), names::kSnapshotCollection) ||
        !cim::iequals(ctx.assoc_class, names::kCollectedSnapshots)) {
      return;
    }
    out.push_back(out.front());
  }
};

// CS-INV-2: a CreateSnapshot job that ends in success (Completed, 7, or with warnings) is removed
// at once (the client never sees it end, as a host with TimeBeforeRemoval 0 may do), and with
// it its snapshot collection and every checkpoint but the first member's; that one stays for 30
// provider calls (about three views of a group), then goes too. The call is judged by its effects
// (decision 0006): a new checkpoint without a collection, shown only while the client waits for a
// result that may lag (decision 0146), which ends when the checkpoint goes; the view that showed it
// is the one judged.
class VanishesLeavingABriefPartial final : public Mutant {
 public:
  // The jobs the host holds already are left alone (a test wraps a host part way through a
  // sequence, after its set-up).
  explicit VanishesLeavingABriefPartial(std::shared_ptr<sim::Host> host) : Mutant(std::move(host)) {
    for (const auto& j : this->host().control().dump().jobs)
      kept_.insert(j.id);
  }

 protected:
  bool edits() const override { return true; }
  bool edit(sim::HostState& s) override {
    ++edits_;  // two a provider call (before and after it)
    bool changed = false;
    for (std::size_t j = 0; j < s.jobs.size();) {
      const sim::Job& job = s.jobs[j];
      const bool candidate = job.kind == sim::JobKind::kCreateSnapshot &&
                             cim::JobState(job.state).is_success() && kept_.count(job.id) == 0;
      const auto made =
          candidate ? std::find_if(s.snapshot_collections.begin(), s.snapshot_collections.end(),
                                   [&](const sim::SnapshotCollection& c) {
                                     return c.created_by_job == job.id;
                                   })
                    : s.snapshot_collections.end();
      if (made == s.snapshot_collections.end()) {
        ++j;
        continue;
      }
      gone_.insert(cim::to_lower(job.id.to_string()));
      const std::vector<sim::Guid> members = made->members;
      const sim::Guid collection = made->id;
      s.jobs.erase(s.jobs.begin() + static_cast<std::ptrdiff_t>(j));
      for (auto& g : s.groups)
        g.snapshot_collections.erase(collection);
      s.snapshot_collections.erase(made);
      for (std::size_t m = 1; m < members.size(); ++m)
        unmake_snapshot(s, members[m]);
      if (!members.empty()) {
        if (auto sn = std::find_if(s.snapshots.begin(), s.snapshots.end(),
                                   [&](const sim::Snapshot& x) { return x.id == members[0]; });
            sn != s.snapshots.end()) {
          sn->collection = sim::Guid();
        }
        left_.emplace_back(members[0], edits_ + kLagEdits);
      }
      changed = true;
    }
    for (auto it = left_.begin(); it != left_.end();) {
      if (it->second > edits_) {
        ++it;
        continue;
      }
      unmake_snapshot(s, it->first);
      it = left_.erase(it);
      changed = true;
    }
    return changed;
  }
  // The Get that saw the job end, answered before the edit after it took the job away.
  bool rewrite(cim::Instance& i, const ReadContext&) override {
    return !is_class(i, names::kJob) || !gone_.count(cim::to_lower(i.get_string("InstanceID")));
  }

 private:
  static constexpr std::uint64_t kLagEdits = 60;  // 30 provider calls
  std::uint64_t edits_ = 0;
  std::set<sim::Guid> kept_;                               // jobs it found when it began
  std::set<std::string> gone_;                             // the removed jobs' ids, lower-case
  std::vector<std::pair<sim::Guid, std::uint64_t>> left_;  // a leftover, and the edit it goes at
};

}  // namespace

ProviderPtr make_skips_a_member(HostPtr host) {
  return std::make_shared<SkipsAMember>(std::move(host));
}

ProviderPtr make_no_result_collection(HostPtr host) {
  return std::make_shared<NoResultCollection>(std::move(host));
}

ProviderPtr make_wrong_virtual_system_type(HostPtr host) {
  return std::make_shared<WrongVirtualSystemType>(std::move(host));
}

ProviderPtr make_broken_parent_chain(HostPtr host) {
  return std::make_shared<BrokenParentChain>(std::move(host));
}

ProviderPtr make_most_current_not_moved(HostPtr host) {
  return std::make_shared<MostCurrentNotMoved>(std::move(host));
}

ProviderPtr make_s_not_linked_to_group(HostPtr host) {
  return std::make_shared<SNotLinkedToGroup>(std::move(host));
}

ProviderPtr make_collection_lists_checkpoint_twice(HostPtr host) {
  return std::make_shared<CollectionListsCheckpointTwice>(std::move(host));
}

ProviderPtr make_vanishes_leaving_a_brief_partial(HostPtr host) {
  return std::make_shared<VanishesLeavingABriefPartial>(std::move(host));
}

}  // namespace hvsnap::tools::mutants
