// The oracle's own view of a host (contract §1, §4): what can be observed through the
// Provider about the objects in scope — VM states, per-VM snapshots with Parent and type,
// most-current pointers, group membership, snapshot collections and their members — plus the
// ids of every snapshot collection on the host. Written from the contract, never from the fake.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hvsnap/cim/object_path.h"

namespace hvsnap::conformance::model {

struct SnapView {
  std::string id;      // InstanceID, upper-case
  std::string vm;      // the VM it was reached from (its VirtualSystemIdentifier must name it)
  std::string type;    // VirtualSystemType
  std::string parent;  // the parent's InstanceID, upper-case; "" for a root
  cim::ObjectPath path;
  std::optional<std::int64_t> created_us;  // CreationTime, UTC microseconds
  friend bool operator==(const SnapView&, const SnapView&) = default;
};

// Something the target handed out that does not read as the contract says: a reference that is
// not an object path, a VSSD that names another VM, a value outside its value map, … The
// observation step records it; the oracle fails the requirement `check` belongs to.
struct ReadProblem {
  std::string check;  // "read2.snapshot-names-its-vm"
  std::string message;
  friend bool operator==(const ReadProblem&, const ReadProblem&) = default;
};

// A job of another call the suite keeps watching (CS-INV-9: other groups' jobs are untouched).
struct JobView {
  std::string id;
  cim::ObjectPath path;
  bool readable = false;
  std::uint16_t state = 0;
  std::optional<std::int64_t> last_change_us;          // TimeOfLastStateChange
  std::optional<std::int64_t> time_before_removal_us;  // TimeBeforeRemoval
  friend bool operator==(const JobView&, const JobView&) = default;
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
  std::set<std::string> members;       // snapshot InstanceIDs
  std::set<std::string> listed_twice;  // members Msvm_CollectedSnapshots lists more than once
  std::string element_name;
};

// What the suite watches: the objects it created (and any it must prove untouched).
struct Scope {
  std::vector<cim::ObjectPath> vms;
  std::vector<cim::ObjectPath> groups;       // VM groups
  std::vector<cim::ObjectPath> management;   // management collections
  std::vector<cim::ObjectPath> collections;  // extra snapshot collections to follow
  std::vector<cim::ObjectPath> jobs;         // other calls' jobs to watch (CS-INV-9)
  // true: every Msvm_SnapshotCollection of the host is enumerated (HostView::all_collections);
  // false: only the collections the scope reaches (linked to its groups, or named), and a new
  // one is found from the new snapshots of its VMs when the call is judged (decision 0091).
  bool whole_host_collections = true;
};

struct HostView {
  std::map<std::string, VmView> vms;
  std::map<std::string, SnapView> snapshots;  // every snapshot of a VM in scope
  std::map<std::string, GroupView> groups;
  std::map<std::string, CollectionView> collections;  // linked to a group in scope, or named
  std::set<std::string> all_collections;              // every Msvm_SnapshotCollection id
  // false: all_collections holds the collections the scope reached (and, after the call, those
  // reached from its new snapshots), not the whole host's (Scope::whole_host_collections).
  bool whole_host_collections = true;
  std::map<std::string, cim::ObjectPath> collection_paths;  // ... and its path
  std::map<std::string, JobView> jobs;                      // the watched jobs of Scope::jobs
  std::optional<std::int64_t> host_time_us;  // the host's clock when observed, when known
  std::vector<ReadProblem> problems;         // what did not read as the contract says
  std::vector<std::string> errors;           // reads the host answered with an error
  // Reads no answer came back for, asked again (cim::lost_on_the_wire, decision 0161): they
  // say nothing of the host, and a view with any is not judged.
  std::vector<std::string> lost;
};

std::string upper(std::string_view s);
// upper's work: `n` bytes from `from` to `to`, the same place or apart (not overlapping).
void upper_copy(const char* from, std::size_t n, char* to);
// The id a path names: its Name, InstanceID or CollectionID key, upper-case.
std::string id_of(const cim::ObjectPath& path);
// Its text before upper-casing: a view of the key's text, or of `whole`, where the whole path
// is then written (no string made for a key: a host's whole set of collections is read so).
std::string_view id_text_of(const cim::ObjectPath& path, std::string& whole);

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
  std::set<std::string> jobs_changed;  // watched jobs: a terminal state changed, or gone early
  std::vector<Change> changes;         // everything above, one line each
  bool empty() const { return changes.empty(); }
};

// A call's effects that say its result may still be lagging: a VM of `after` holds a checkpoint
// it did not hold in `before` that no snapshot collection of `after` lists. After a call whose
// job vanished before it was seen to end (judged by its effects, decision 0006), that is a
// success whose collection CS-INV-7 lets appear a bounded number of reads late, as after a
// success seen to end (decision 0146). Only collections `after` holds count: those linked to a
// group in scope or named by it.
bool result_may_lag(const HostView& before, const HostView& after);
// Whether `now` still holds every checkpoint that `first` held and `before` did not. The wait
// for a lagging result ends when one has gone, and `first` is judged: a partial result removed
// later is still a partial result (CS-INV-3, decision 0146).
bool keeps_new_checkpoints(const HostView& before, const HostView& first, const HostView& now);

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
  for (const auto& [id, j] : v.jobs) {
    if (keep(id)) out.jobs[id] = j;
  }
  out.host_time_us = v.host_time_us;
  out.whole_host_collections = v.whole_host_collections;
  if (keep_host_collections) out.all_collections = v.all_collections;
  return out;
}

// `transitions`: VMs with a state change the suite asked for; reaching that state is not a
// change (their transition may finish during the call).
Diff diff(const HostView& before, const HostView& after,
          const std::map<std::string, std::uint16_t>& transitions = {});

}  // namespace hvsnap::conformance::model
