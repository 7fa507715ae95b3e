// HostState helpers: canonical order, referential validation, named fault plans (contract
// §3.4, §6). The enums' spellings are in state_names.cpp.
#include "hvsnap/sim/state.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <memory_resource>
#include <set>
#include <unordered_set>

#include "hvsnap/sim/guid_table.h"

namespace hvsnap::sim {
namespace {

template <class T>
void sort_by_id(std::vector<T>& v) {
  std::sort(v.begin(), v.end(), [](const T& a, const T& b) { return a.id < b.id; });
}

// A record in an id index, and whether its owner lists it (a snapshot in its vm's list, a
// snapshot collection in its group's).
template <class T>
struct Indexed {
  const T* rec;
  bool listed = false;
};
// An id index of one validate(): the flat table (guid_table.h, decisions 0120 and 0125), sized
// for its records up front; no allocation per record.
template <class T>
using IdIndex = GuidTable<Indexed<T>>;
// The sets of one validate() allocate from one arena, freed at once when it returns: no
// malloc/free per record (decision 0117).
using IdSet = std::pmr::unordered_set<Guid, GuidHash>;

// Indexes one kind of record by id, checking each id as it goes in (not nil, used once): one
// hashed insert per record for both (decision 0099).
template <class T>
cim::Status index_ids(const std::vector<T>& v, std::string_view what, IdIndex<T>& index) {
  for (const T& r : v) {
    if (r.id.is_nil())
      return cim::invalid_parameter(fmt::format("{} \"{}\" has a nil id", what, r.name));
    if (!index.insert(r.id, Indexed<T>{&r}).second) {
      return cim::invalid_parameter(fmt::format("{} id {} is used twice", what, r.id.to_string()));
    }
  }
  return {};
}

// A snapshot on a parent cycle, or null; linear: each snapshot is walked once, a walk stops at
// a snapshot already known to reach a root (or an unknown parent, reported elsewhere), and
// meeting the current walk again is a cycle. `by_id` points into `snapshots`.
const Snapshot* find_parent_cycle(const std::vector<Snapshot>& snapshots,
                                  const IdIndex<Snapshot>& by_id) {
  enum : std::uint8_t { kUnvisited, kOnWalk, kEnds };
  std::vector<std::uint8_t> mark(snapshots.size(), kUnvisited);
  const auto index = [&](const Snapshot* p) {
    return static_cast<std::size_t>(p - snapshots.data());
  };
  std::vector<const Snapshot*> walk;
  for (const Snapshot& start : snapshots) {
    const Snapshot* cur = &start;
    while (cur != nullptr && mark[index(cur)] == kUnvisited) {
      mark[index(cur)] = kOnWalk;
      walk.push_back(cur);
      const auto* it = cur->parent.is_nil() ? by_id.end() : by_id.find(cur->parent);
      cur = it == by_id.end() ? nullptr : it->second.rec;
    }
    if (cur != nullptr && mark[index(cur)] == kOnWalk) return cur;
    for (const Snapshot* w : walk)
      mark[index(w)] = kEnds;
    walk.clear();
  }
  return nullptr;
}

}  // namespace

HostState HostState::with_seed(std::uint64_t seed) {
  HostState s;
  s.seed = seed;
  s.rng_ids = Rng(derive_seed(seed, 1)).state();
  s.rng_faults = Rng(derive_seed(seed, 2)).state();
  s.rng_choices = Rng(derive_seed(seed, 3)).state();
  return s;
}

void HostState::canonicalize() {
  sort_by_id(vms);
  sort_by_id(groups);
  sort_by_id(management_groups);
  sort_by_id(snapshots);
  sort_by_id(snapshot_collections);
  sort_by_id(jobs);
}

namespace {

// The checks of validate() before and after the cross-references, split along its seams
// (decisions 0088, 0099); the order of the checks, and so which error is reported, is
// unchanged.
cim::Status validate_host(const HostState& s) {
  if (s.host_name.empty()) return cim::invalid_parameter("the host name is empty");
  if (s.host_build < cim::schema::known_builds().front()) {
    return cim::invalid_parameter(
        fmt::format("host build {} is older than the first Hyper-V WMI v2 build ({})", s.host_build,
                    cim::schema::known_builds().front()));
  }
  // Records the classes of this build cannot show (VM groups exist from 10240).
  for (auto [count, cls] :
       {std::pair{s.groups.size(), std::string_view("Msvm_VirtualSystemCollection")},
        std::pair{s.management_groups.size(), std::string_view("Msvm_ManagementCollection")},
        std::pair{s.snapshot_collections.size(), std::string_view("Msvm_SnapshotCollection")}}) {
    const cim::schema::ClassDef* c = cim::schema::find_class(cls);
    if (count > 0 && c != nullptr && !c->exists_at(s.host_build)) {
      return cim::invalid_parameter(fmt::format(
          "host build {} has no {} (it exists from build {}), yet the host has {} of them",
          s.host_build, cls, c->first_build, count));
    }
  }
  return {};
}

cim::Status validate_settings(const HostState& s) {
  const Timing& t = s.timing;
  if (t.auto_advance_ms < 0 || t.member_snapshot_ms < 1 || t.job_start_ms < 1 ||
      t.transition_ms < 1 || t.time_before_removal_ms < 0 || t.stall_liveness_ms < 1) {
    return cim::invalid_parameter(
        "timing: auto-advance-ms must be >= 0, time-before-removal-ms >= 0, every other duration "
        ">= 1");
  }
  // Bounded so that no sum of simulated times can overflow (clock + duration, and the
  // microseconds of a CIM interval).
  constexpr std::int64_t kMaxDurationMs = 10LL * 365 * 86'400'000;  // ten years
  for (const auto& [name, ms] :
       {std::pair<const char*, std::int64_t>{"auto-advance-ms", t.auto_advance_ms},
        {"member-snapshot-ms", t.member_snapshot_ms},
        {"job-start-ms", t.job_start_ms},
        {"transition-ms", t.transition_ms},
        {"time-before-removal-ms", t.time_before_removal_ms},
        {"stall-liveness-ms", t.stall_liveness_ms}}) {
    if (ms > kMaxDurationMs) {
      return cim::invalid_parameter(fmt::format(
          "timing: {} is {}; at most {} (ten years) is accepted", name, ms, kMaxDurationMs));
    }
  }
  if (s.now_ms < 0 || s.now_ms > 10 * kMaxDurationMs) {
    return cim::invalid_parameter(
        fmt::format("the clock (now) is {} ms; it must be 0 to {} (a hundred years)", s.now_ms,
                    10 * kMaxDurationMs));
  }
  // Every time the host writes, epoch + now + a hundred years at most, is a year of 0 to 9999,
  // the four digits of a CIM datetime and of the fake's own time text.
  constexpr std::int64_t kFirstMs = -62'167'219'200'000;  // 0000-01-01T00:00:00Z
  constexpr std::int64_t kLastMs = 253'402'300'799'999;   // 9999-12-31T23:59:59.999Z
  if (s.epoch_unix_ms < kFirstMs || s.epoch_unix_ms > kLastMs - 10 * kMaxDurationMs) {
    return cim::invalid_parameter(fmt::format(
        "the epoch is {} ms after 1970; it must leave the host's hundred years within the "
        "years 0000 to 9999 ({} to {})",
        s.epoch_unix_ms, kFirstMs, kLastMs - 10 * kMaxDurationMs));
  }
  if (s.personality.job_progress == JobProgress::kAfterReads &&
      s.personality.job_progress_reads == 0) {
    return cim::invalid_parameter("personality job-progress after-reads needs N >= 1");
  }
  if (auto st = validate(s.personality); !st.ok()) return st;
  for (const auto& [site, cfg] : s.faults.sites) {
    if (!(cfg.activation >= 0.0 && cfg.activation <= 1.0 && cfg.firing >= 0.0 &&
          cfg.firing <= 1.0)) {
      return cim::invalid_parameter(fmt::format(
          "fault site {}: activation and firing are probabilities in [0, 1]", to_string(site)));
    }
  }
  return {};
}

// An owner's list of its records (a VM's snapshots, a group's snapshot collections): each one
// listed is the owner's own and listed once (a removal takes one entry out, decision 0152), and
// marked listed for the checks that every record is.
template <class T, class Owns>
cim::Status check_listed(const IdSequence& list, IdIndex<T>& index, const Owns& owns,
                         std::string_view owner, const std::string& name, std::string_view what) {
  for (const Guid& id : list) {
    auto it = index.find(id);
    if (it == index.end() || !owns(*it->second.rec)) {
      return cim::invalid_parameter(fmt::format("{} \"{}\" lists {} {} that is not its own", owner,
                                                name, what, id.to_string()));
    }
    if (it->second.listed) {
      return cim::invalid_parameter(
          fmt::format("{} \"{}\" lists {} {} twice", owner, name, what, id.to_string()));
    }
    it->second.listed = true;
  }
  return {};
}

}  // namespace

cim::Status validate(const HostState& s) {
  if (auto st = validate_host(s); !st.ok()) return st;
  // The id indexes, each id checked as it goes in, kind by kind in this order.
  std::pmr::monotonic_buffer_resource arena;
  IdIndex<Vm> vms(s.vms.size());
  IdIndex<Group> groups(s.groups.size());
  IdIndex<ManagementGroup> management_groups(s.management_groups.size());
  IdIndex<Snapshot> snaps(s.snapshots.size());
  IdIndex<SnapshotCollection> colls(s.snapshot_collections.size());
  if (auto st = index_ids(s.vms, "vm", vms); !st.ok()) return st;
  if (auto st = index_ids(s.groups, "group", groups); !st.ok()) return st;
  if (auto st = index_ids(s.management_groups, "management group", management_groups); !st.ok())
    return st;
  if (auto st = index_ids(s.snapshots, "snapshot", snaps); !st.ok()) return st;
  if (auto st = index_ids(s.snapshot_collections, "snapshot collection", colls); !st.ok())
    return st;
  IdSet jobs(&arena);
  constexpr std::int64_t kMaxTimeMs = 100LL * 365 * 86'400'000;  // a hundred years
  for (const auto& j : s.jobs) {
    if (!jobs.insert(j.id).second)
      return cim::invalid_parameter(fmt::format("job id {} is used twice", j.id.to_string()));
    // Bounded so that finished + time-before-removal cannot overflow.
    for (std::int64_t ms : {j.time_before_removal_ms, j.finished_ms, j.submitted_ms, j.start_ms,
                            j.last_change_ms, j.next_step_ms}) {
      if (ms < -1 || ms > kMaxTimeMs) {
        return cim::invalid_parameter(
            fmt::format("job {}: a time of {} ms is outside 0 to {} (a hundred years)",
                        j.id.to_string(), ms, kMaxTimeMs));
      }
    }
  }
  // Every check below is one pass with hashed lookups: linear in the host's size.
  for (const auto& v : s.vms) {
    if (is_transitional(v.state) && (v.transition_job.is_nil() || !jobs.count(v.transition_job))) {
      return cim::invalid_parameter(fmt::format("vm \"{}\" is {} but no state-change job drives it",
                                                v.name, to_string(v.state)));
    }
    if (v.cpus < 1 || v.cpus > 240 || v.memory_mb < 32) {
      return cim::invalid_parameter(
          fmt::format("vm \"{}\": cpus must be 1..240 and memory at least 32 MB", v.name));
    }
    if (!v.busy_job.is_nil() && !jobs.count(v.busy_job)) {
      return cim::invalid_parameter(
          fmt::format("vm \"{}\" is held by unknown job {}", v.name, v.busy_job.to_string()));
    }
    if (auto st = check_listed(
            v.snapshots, snaps, [&](const Snapshot& r) { return r.vm == v.id; }, "vm", v.name,
            "snapshot");
        !st.ok())
      return st;
    const auto own = [&](const Guid& sid) {
      auto it = snaps.find(sid);
      return it != snaps.end() && it->second.rec->vm == v.id && it->second.listed;
    };
    if (!v.most_current.is_nil() && !own(v.most_current)) {
      return cim::invalid_parameter(
          fmt::format("vm \"{}\": most-current snapshot {} is not one of its snapshots", v.name,
                      v.most_current.to_string()));
    }
    if (!v.last_applied.is_nil() && !own(v.last_applied)) {
      return cim::invalid_parameter(
          fmt::format("vm \"{}\": last-applied snapshot {} is not one of its snapshots", v.name,
                      v.last_applied.to_string()));
    }
  }
  for (const auto& sn : s.snapshots) {
    auto vit = vms.find(sn.vm);
    if (vit == vms.end()) {
      return cim::invalid_parameter(
          fmt::format("snapshot \"{}\" belongs to unknown vm {}", sn.name, sn.vm.to_string()));
    }
    if (!snaps.find(sn.id)->second.listed) {  // indexed above
      return cim::invalid_parameter(
          fmt::format("snapshot \"{}\" is missing from vm \"{}\"'s snapshot list", sn.name,
                      vit->second.rec->name));
    }
    if (!sn.parent.is_nil()) {
      auto pit = snaps.find(sn.parent);
      if (pit == snaps.end() || pit->second.rec->vm != sn.vm) {
        return cim::invalid_parameter(
            fmt::format("snapshot \"{}\" has parent {} which is not a snapshot of the same vm",
                        sn.name, sn.parent.to_string()));
      }
    }
    if (!sn.collection.is_nil() && !colls.count(sn.collection)) {
      return cim::invalid_parameter(
          fmt::format("snapshot \"{}\" belongs to unknown snapshot collection {}", sn.name,
                      sn.collection.to_string()));
    }
  }
  // Parent chains must end (no cycles), in linear time: each snapshot is walked once, a walk
  // stops at a snapshot already known to reach a root, and meeting the current walk again is
  // a cycle.
  if (const Snapshot* in_cycle = find_parent_cycle(s.snapshots, snaps)) {
    return cim::invalid_parameter(
        fmt::format("snapshot \"{}\" has a parent cycle", in_cycle->name));
  }
  for (const auto& g : s.groups) {
    IdSet seen(&arena);
    for (const Guid& m : g.members) {
      if (!vms.count(m))
        return cim::invalid_parameter(
            fmt::format("group \"{}\" has unknown member {}", g.name, m.to_string()));
      if (!seen.insert(m).second)
        return cim::invalid_parameter(
            fmt::format("group \"{}\" lists vm {} twice", g.name, m.to_string()));
    }
    if (auto st = check_listed(
            g.snapshot_collections, colls,
            [&](const SnapshotCollection& r) { return r.group == g.id; }, "group", g.name,
            "snapshot collection");
        !st.ok())
      return st;
  }
  for (const auto& m : s.management_groups) {
    for (const Guid& g : m.members) {
      if (!groups.count(g))
        return cim::invalid_parameter(fmt::format(
            "management group \"{}\" has unknown member group {}", m.name, g.to_string()));
    }
  }
  for (const auto& c : s.snapshot_collections) {
    auto git = groups.find(c.group);
    if (git == groups.end()) {
      return cim::invalid_parameter(fmt::format(
          "snapshot collection \"{}\" belongs to unknown group {}", c.name, c.group.to_string()));
    }
    if (!colls.find(c.id)->second.listed) {  // indexed above
      return cim::invalid_parameter(
          fmt::format("snapshot collection \"{}\" is missing from group \"{}\"", c.name,
                      git->second.rec->name));
    }
    for (const Guid& m : c.members) {
      auto it = snaps.find(m);
      if (it == snaps.end() || it->second.rec->collection != c.id) {
        return cim::invalid_parameter(
            fmt::format("snapshot collection \"{}\" lists {} which is not one of its snapshots",
                        c.name, m.to_string()));
      }
    }
  }
  return validate_settings(s);
}

cim::Status validate_configuration(const HostState& s) {
  if (auto st = validate_host(s); !st.ok()) return st;
  return validate_settings(s);
}

std::vector<std::string> fault_plan_names() {
  std::vector<std::string> names{"none"};
  for (FaultSite site : kAllFaultSites)
    names.emplace_back(to_string(site));
  names.emplace_back("all");
  return names;
}

std::optional<FaultPlan> named_fault_plan(std::string_view name, std::uint64_t seed) {
  FaultPlan plan;
  plan.seed = seed;
  if (name == "none") return plan;
  if (name == "all") {
    for (FaultSite site : kAllFaultSites)
      plan.sites[site] = FaultSiteConfig{0.8, 0.15, 3};
    return plan;
  }
  auto site = parse_enum<FaultSite>(name);
  if (!site) return std::nullopt;
  const double firing = *site == FaultSite::kJobStall ? 0.2 : 0.35;
  plan.sites[*site] = FaultSiteConfig{1.0, firing, 3};
  return plan;
}

}  // namespace hvsnap::sim
