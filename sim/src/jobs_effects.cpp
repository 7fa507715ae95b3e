// The effects of the snapshot-collection jobs on the model (contract CS-SEQ-2, CS-SEQ-3): a
// collection destroyed or applied, a snapshot removed with its children re-parented or with its
// dependents (M7), a VM destroyed with its snapshots and memberships, and the parent-to-children
// index kept with them. The jobs that call these are in jobs.cpp.
#include <algorithm>

#include "host_impl.h"

namespace hvsnap::sim {

void Host::Impl::destroy_snapshot_collection(const Guid& id) {
  SnapshotCollection* c = collections.edit(id);
  if (c == nullptr) return;
  const std::vector<Guid> members = std::move(c->members);
  forget_collection(id);
  for (const Guid& sid : members) {
    if (personality.destroy_snapshot == DestroyMode::kRemoveDependents) {
      remove_dependents(sid);
    } else {
      remove_snapshot(sid);
    }
  }
}

void Host::Impl::forget_collection(const Guid& id) {
  const SnapshotCollection* c = collections.find(id);
  if (c == nullptr) return;
  if (Group* g = groups.edit(c->group); g != nullptr) g->snapshot_collections.erase(id);
  collections.erase(id);
}

// CS-SEQ-2: one snapshot goes; its children are re-parented to its parent and the VM's
// pointers move to the parent too.
void Host::Impl::remove_snapshot(const Guid& sid) {
  const Snapshot* found = snapshots.find(sid);
  if (found == nullptr) return;
  const Snapshot s = *found;
  Vm& vm = must_edit(vms, s.vm);
  unlink_child(s.parent, sid);
  if (const ChildList* below = children.find(sid); below != nullptr) {
    for (const Guid& c : *below) {  // link_child adds to the map: its nodes stay put
      Snapshot& child = must_edit(snapshots, c);
      HVSNAP_ASSERT(child.parent == sid);
      child.parent = s.parent;  // re-parent to the grandparent
      link_child(s.parent, c);
    }
    children.erase(sid);
  }
  if (vm.most_current == sid) vm.most_current = s.parent;
  if (vm.last_applied == sid) vm.last_applied = Guid{};
  vm.snapshots.erase(sid);
  leave_collection(s);
  snapshots.erase(sid);
}

// `destroy-snapshot: remove-dependents` (M7): the snapshot and every snapshot below it go; no
// Parent is left dangling; a collection those dependents belonged to loses them, and goes
// when it is left empty. Nothing outside the subtree changes.
void Host::Impl::remove_dependents(const Guid& root) {
  const Snapshot* r = snapshots.find(root);
  if (r == nullptr) return;
  const Guid vm_id = r->vm;
  const Guid surviving_parent = r->parent;
  Vm& vm = must_edit(vms, vm_id);
  std::vector<Guid> doomed{root};
  for (std::size_t i = 0; i < doomed.size(); ++i) {
    if (const ChildList* below = children.find(doomed[i]); below != nullptr) {
      doomed.insert(doomed.end(), below->begin(), below->end());
    }
  }
  const auto is_doomed = [&](const Guid& g) {
    return std::find(doomed.begin(), doomed.end(), g) != doomed.end();
  };
  if (is_doomed(vm.most_current)) vm.most_current = surviving_parent;
  if (is_doomed(vm.last_applied)) vm.last_applied = Guid{};
  // Each leaves the VM's list at a cost that does not grow with the history (IdSequence,
  // decision 0152): no pass over the list, however large the subtree.
  for (const Guid& sid : doomed) {
    const bool was_there = vm.snapshots.erase(sid);
    HVSNAP_ASSERT(was_there);
  }
  unlink_child(surviving_parent, root);
  for (const Guid& sid : doomed) {
    children.erase(sid);
    leave_collection(must(snapshots, sid));
    snapshots.erase(sid);
  }
}

void Host::Impl::leave_collection(const Snapshot& s) {
  SnapshotCollection* c = collections.edit(s.collection);
  if (c == nullptr) return;
  auto& m = c->members;
  m.erase(std::remove(m.begin(), m.end(), s.id), m.end());
  if (m.empty()) forget_collection(s.collection);
}

// DestroySystem: the VM, its snapshots (which leave the collections that held them) and its
// group memberships go.
void Host::Impl::destroy_vm(const Guid& id) {
  const Vm* vm = vms.find(id);
  if (vm == nullptr) return;
  for (const Guid& sid : vm->snapshots) {
    children.erase(sid);  // parents and children are all this VM's
    const Snapshot& s = must(snapshots, sid);
    if (SnapshotCollection* c = collections.edit(s.collection); c != nullptr) {
      auto& m = c->members;
      m.erase(std::remove(m.begin(), m.end(), sid), m.end());
    }
    snapshots.erase(sid);
  }
  if (const std::vector<Guid>* in = vm_groups.find(id); in != nullptr) {
    for (const Guid& gid : *in) {
      auto& m = must_edit(groups, gid).members;
      m.erase(std::remove(m.begin(), m.end(), id), m.end());
    }
    vm_groups.erase(id);
  }
  vms.erase(id);
}

void Host::Impl::link_child(const Guid& parent, const Guid& child) {
  if (!parent.is_nil()) children.upsert(parent).push_back(child);
}

void Host::Impl::unlink_child(const Guid& parent, const Guid& child) {
  if (parent.is_nil()) return;
  ChildList& list = must_edit(children, parent);
  const bool was_there = erase_from_back(list, child);
  HVSNAP_ASSERT(was_there);
  if (list.empty()) children.erase(parent);
}

void Host::Impl::apply_snapshot_collection(const Guid& id) {
  const SnapshotCollection* c = collections.find(id);
  if (c == nullptr) return;
  for (const Guid& sid : c->members) {
    const Snapshot* sn = snapshots.find(sid);
    if (sn == nullptr) continue;
    Vm& vm = must_edit(vms, sn->vm);
    vm.most_current = sid;
    vm.last_applied = sid;  // Msvm_LastAppliedSnapshot (M1)
  }
}

}  // namespace hvsnap::sim
