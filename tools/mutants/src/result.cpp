// The mutant family "result": the result set (CS-INV-2, CS-INV-7). Each class breaks exactly the
// requirement its comment names; the one table in catalogue.cpp registers it.
#include <algorithm>
#include <map>
#include <set>

#include "families.h"
#include "helpers.h"

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

}  // namespace hvsnap::tools::mutants
