// The oracle's own view of a host (contract §1, §4): what can be observed through the
// Provider about the objects in scope — VM states, per-VM snapshots with Parent and type,
// most-current pointers, group membership, snapshot collections and their members — plus the
// ids of every snapshot collection on the host. Written from the contract, never from the fake.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "hvsnap/cim/object_path.h"

namespace hvsnap::conformance::model {

struct SnapView {
  std::string id;      // InstanceID, upper-case
  std::string vm;      // VirtualSystemIdentifier, upper-case
  std::string type;    // VirtualSystemType
  std::string parent;  // the parent's InstanceID, upper-case; "" for a root
  friend bool operator==(const SnapView&, const SnapView&) = default;
};

struct VmView {
  std::string id;  // Msvm_ComputerSystem.Name, upper-case
  cim::ObjectPath path;
  std::uint16_t state = 0;  // EnabledState (cim::EnabledState: v2, Other or vendor values)
  std::string other_state;  // OtherEnabledState ("Saving", …) when state is 1
  std::set<std::string> snapshots;
  std::string most_current;  // "" when none
};

struct GroupView {
  std::string id;  // CollectionID, upper-case
  cim::ObjectPath path;
  bool management = false;
  std::set<std::string> members;      // VM ids (groups for a management collection)
  std::set<std::string> collections;  // snapshot collections linked to it
};

struct CollectionView {
  std::string id;
  cim::ObjectPath path;
  std::set<std::string> members;  // snapshot InstanceIDs
};

// What the suite watches: the objects it created (and any it must prove untouched).
struct Scope {
  std::vector<cim::ObjectPath> vms;
  std::vector<cim::ObjectPath> groups;       // VM groups
  std::vector<cim::ObjectPath> management;   // management collections
  std::vector<cim::ObjectPath> collections;  // extra snapshot collections to follow
};

struct HostView {
  std::map<std::string, VmView> vms;
  std::map<std::string, SnapView> snapshots;  // every snapshot of a VM in scope
  std::map<std::string, GroupView> groups;
  std::map<std::string, CollectionView> collections;        // linked to a group in scope, or named
  std::set<std::string> all_collections;                    // every Msvm_SnapshotCollection id
  std::map<std::string, cim::ObjectPath> collection_paths;  // ... and its path
  std::vector<std::string> errors;                          // reads that failed
};

std::string upper(std::string_view s);
// The id a path names: its Name, InstanceID or CollectionID key, upper-case.
std::string id_of(const cim::ObjectPath& path);

// What changed between two views, in words, restricted to ids the caller cares about.
struct Change {
  std::string object;  // "vm 1234…", "group ABCD…", "collection …", "snapshot …"
  std::string what;    // "EnabledState 2 -> 3", "gained snapshot …"
};

struct Diff {
  std::set<std::string> new_collections;                        // on the whole host
  std::set<std::string> gone_collections;                       // on the whole host
  std::map<std::string, std::set<std::string>> new_snapshots;   // vm -> snapshots gained
  std::map<std::string, std::set<std::string>> gone_snapshots;  // vm -> snapshots lost
  std::map<std::string, std::pair<std::string, std::string>> most_current;  // vm -> (before, after)
  std::set<std::string> state_changed;       // vms (beyond an expected transition)
  std::set<std::string> unreadable;          // vms that could be read before and not after
  std::set<std::string> parent_changed;      // pre-existing snapshots
  std::set<std::string> membership_changed;  // groups
  std::map<std::string, std::set<std::string>> links_gained;  // group -> collections
  std::map<std::string, std::set<std::string>> links_lost;    // group -> collections
  std::set<std::string> members_changed;                      // pre-existing collections
  std::vector<Change> changes;                                // everything above, one line each
  bool empty() const { return changes.empty(); }
};

// The part of a view about some objects only (`keep` says which ids stay).
template <class Keep>
HostView restrict_view(const HostView& v, Keep keep, bool keep_host_collections) {
  HostView out;
  for (const auto& [id, vm] : v.vms) {
    if (keep(id)) out.vms[id] = vm;
  }
  for (const auto& [id, sn] : v.snapshots) {
    if (keep(sn.vm)) out.snapshots[id] = sn;
  }
  for (const auto& [id, g] : v.groups) {
    if (keep(id)) out.groups[id] = g;
  }
  for (const auto& [id, c] : v.collections) {
    if (keep(id)) out.collections[id] = c;
  }
  if (keep_host_collections) out.all_collections = v.all_collections;
  return out;
}

// `transitions`: VMs with a state change the suite asked for; reaching that state is not a
// change (their transition may finish during the call).
Diff diff(const HostView& before, const HostView& after,
          const std::map<std::string, std::uint16_t>& transitions = {});

}  // namespace hvsnap::conformance::model
