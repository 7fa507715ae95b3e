// The simulated clock and the jobs it drives (contract §3.2, §3.3): member-by-member
// checkpoints, every member failure cause, rollback, Terminate/Kill, warnings for
// production-with-fallback, removal after TimeBeforeRemoval; and the seeded fault sites
// of §6, armed once per run and fired per evaluation, each logged with its tick.
#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "host_impl.h"
#include "hvsnap/cim/codes.h"

namespace hvsnap::sim {

namespace {

using cim::JobState;

std::string_view guest_text(GuestVss g) {
  switch (g) {
    case GuestVss::kOk:
      return "guest VSS available";
    case GuestVss::kFails:
      return "guest VSS failed";
    case GuestVss::kAbsent:
      return "no guest VSS";
  }
  return "";
}

}  // namespace

std::uint16_t job_error_code(std::string_view cause) {
  // Contract §3.2: a failed job's ErrorCode by cause, from the codes real jobs report (J2).
  struct Row {
    std::string_view cause;
    std::uint16_t code;
  };
  static constexpr Row kRows[] = {
      {"disabled", cim::ReturnCode::kMsvmNotSupported},
      {"non-snapshottable-disk", cim::ReturnCode::kMsvmNotSupported},
      {"unsupported-type", cim::ReturnCode::kMsvmNotSupported},
      {"invalid-parameter", cim::ReturnCode::kMsvmInvalidParameter},
      {"invalid-type", cim::ReturnCode::kMsvmIncorrectDataType},
      {"at-limit", cim::ReturnCode::kMsvmInvalidState},
      {"production-in-saved-state", cim::ReturnCode::kMsvmInvalidState},
  };
  for (const Row& r : kRows) {
    if (r.cause == cause) return r.code;
  }
  return cim::ReturnCode::kMsvmFailed;  // guest VSS, injected faults, stalls, cancellation
}

// --- faults ---

void Host::Impl::arm_faults() {
  armed_sites.clear();
  for (FaultSite site : kAllFaultSites) {
    auto it = faults.sites.find(site);
    if (it == faults.sites.end()) continue;
    if (rng_faults.chance(it->second.activation)) {
      armed_sites.push_back(site);
      fault_log.push_back(FaultEvent{
          now_ms, site, true, fmt::format("armed; fires with probability {}", it->second.firing)});
    }
  }
  faults_armed = true;
}

bool Host::Impl::armed(FaultSite site) const {
  return std::find(armed_sites.begin(), armed_sites.end(), site) != armed_sites.end();
}

// --- clock ---

bool Host::Impl::job_progresses_on_clock(const Job& job) const {
  return job.kind == JobKind::kStateChange || personality.job_progress == JobProgress::kTicks;
}

void Host::Impl::schedule(Job& job, std::int64_t duration_ms) {
  if (job.kind != JobKind::kStateChange && personality.job_progress == JobProgress::kManual) {
    job.next_step_ms = manual_ms + duration_ms;
  } else {
    job.next_step_ms = now_ms + duration_ms;
  }
}

void Host::Impl::advance(std::int64_t ms, bool explicit_advance) {
  const std::int64_t target = now_ms + std::max<std::int64_t>(ms, 0);
  // When is `job` next due, on the wall clock? nullopt: not moved by time.
  auto due_at = [&](const Job& j) -> std::optional<std::int64_t> {
    if (j.state == JobState::kSuspended && !j.resume_after_suspend) return std::nullopt;
    if (j.stall_deadline_ms >= 0) return j.stall_deadline_ms;
    if (job_progresses_on_clock(j)) return j.next_step_ms;
    if (personality.job_progress == JobProgress::kManual && explicit_advance) {
      return now_ms + (j.next_step_ms - manual_ms);
    }
    return std::nullopt;
  };
  // Bounded: every round steps a due job or removes a terminal one, and a job takes at most
  // 2 steps per member (one more after a job-suspend) plus New/Starting/Running, a stall and
  // its removal. Running past the bound is a job that is due and never moves: a bug. The bound
  // is counted on the first round that finds something due (nothing has changed before it):
  // most calls find nothing due by `target` and make one pass over the running jobs.
  std::size_t rounds_left = 0;
  // Each running job's due time, found once a round (decision 0123): shifting the clock to
  // the round's time does not change it (a manual job's due time moves with both clocks).
  std::vector<std::pair<Guid, std::int64_t>>& timed = due_scratch;  // reused across calls
  for (bool counted = false;; --rounds_left) {
    timed.clear();
    std::int64_t next = std::numeric_limits<std::int64_t>::max();
    for (const Guid& id : active_jobs) {
      if (auto t = due_at(must(jobs, id))) {
        next = std::min(next, *t);
        timed.emplace_back(id, *t);
      }
    }
    if (!removal_queue.empty()) next = std::min(next, removal_queue.begin()->first);
    HVSNAP_ASSERT(!counted || rounds_left > 0);
    if (next > target) break;
    if (!counted) {
      rounds_left = 1 + removal_queue.size();
      for (const Guid& id : active_jobs)
        rounds_left += 2 * must(jobs, id).members.size() + 8;
      counted = true;
      HVSNAP_ASSERT(rounds_left > 0);
    }
    next = std::max(next, now_ms);
    if (explicit_advance) manual_ms += next - now_ms;
    now_ms = next;
    while (!removal_queue.empty() && removal_queue.begin()->first <= now_ms) {
      jobs.erase(removal_queue.begin()->second);
      removal_queue.erase(removal_queue.begin());
    }
    for (const auto& [id, t] : timed) {  // in active_jobs' order, as they were found
      if (t <= now_ms && active_jobs.count(id)) step(must_edit(jobs, id));
    }
  }
  if (explicit_advance) manual_ms += target - now_ms;
  now_ms = target;
}

// --- job lifecycle ---

Job& Host::Impl::new_job(JobKind kind, std::uint16_t job_type, bool cancellable) {
  Job j;
  j.id = rng_ids.guid();
  j.kind = kind;
  j.job_type = job_type;
  j.cancellable = cancellable;
  j.submitted_ms = j.start_ms = j.last_change_ms = now_ms;
  j.time_before_removal_ms = timing.time_before_removal_ms;
  j.state = JobState::kRunning;
  if (kind != JobKind::kStateChange) {
    if (personality.first_job_state == FirstJobState::kNew) j.state = JobState::kNew;
    if (personality.first_job_state == FirstJobState::kQueryPending)
      j.state = JobState::kQueryPending;  // J1
  }
  const Guid id = j.id;
  active_jobs.insert(id);
  return jobs.emplace(id, std::move(j));
}

void Host::Impl::start_create_job(Job& job) {
  job.created.reserve(job.members.size());
  job.previous_most_current.reserve(job.members.size());
  for (const Guid& m : job.members)
    must_edit(vms, m).busy_job = job.id;
  schedule_first_step(job);
}

void Host::Impl::schedule_first_step(Job& job) {
  schedule(job, job.state == JobState::kRunning ? timing.member_snapshot_ms : timing.job_start_ms);
}

void Host::Impl::step(Job& job) {
  HVSNAP_ASSERT(active_jobs.count(job.id) != 0);
  HVSNAP_ASSERT(!JobState(job.state).is_terminal());
  if (job.kind == JobKind::kStateChange) {
    Vm& vm = must_edit(vms, job.target);
    vm.state = vm.target;
    vm.transition_job = Guid{};
    finish(job, JobState::kCompleted);
    return;
  }
  if (job.stall_deadline_ms >= 0) {
    fail(job, JobState::kException,
         {JobError{"stalled",
                   fmt::format("The job stopped making progress and was abandoned after {} ms.",
                               timing.stall_liveness_ms),
                   {}}},
         "The checkpoint job did not finish.");
    return;
  }
  if (job.state == JobState::kNew) {
    job.state = JobState::kStarting;
    job.last_change_ms = now_ms;
    schedule(job, timing.job_start_ms);
    return;
  }
  if (job.state == JobState::kStarting || job.state == JobState::kQueryPending) {
    job.state = JobState::kRunning;
    job.start_ms = job.last_change_ms = now_ms;
    schedule(job, timing.member_snapshot_ms);
    return;
  }
  if (job.state == JobState::kSuspended) {  // resuming after the job-suspend fault
    job.state = JobState::kRunning;
    job.last_change_ms = now_ms;
    schedule(job, timing.member_snapshot_ms);  // the member is done one step later
    return;
  }
  switch (job.kind) {
    case JobKind::kCreateSnapshot:
      run_member(job);
      return;
    case JobKind::kDestroySnapshot:
      destroy_snapshot_collection(job.target);
      break;
    case JobKind::kApplySnapshot:
      apply_snapshot_collection(job.target);
      break;
    case JobKind::kDestroySystem:
      destroy_vm(job.target);
      break;
    case JobKind::kStateChange:
      break;
  }
  finish(job, JobState::kCompleted);
}

bool Host::Impl::run_member(Job& job) {
  HVSNAP_ASSERT(job.kind == JobKind::kCreateSnapshot);
  HVSNAP_ASSERT(job.next_member < job.members.size());
  HVSNAP_ASSERT(job.created.size() == job.next_member);  // one snapshot per member so far
  if (!job.invalid_cause.empty()) {  // validation: in-job (§3.1 steps 4-6 inside the job)
    fail(job, JobState::kException, {JobError{job.invalid_cause, job.invalid_message, {}}},
         "The checkpoint parameters are invalid.");
    return false;
  }
  if (!job.resume_after_suspend && fires(FaultSite::kJobSuspend, [&] {
        return fmt::format("job {} member {}", job.id.to_string(), job.next_member);
      })) {
    job.state = JobState::kSuspended;
    job.resume_after_suspend = true;
    job.last_change_ms = now_ms;
    schedule(job, timing.member_snapshot_ms);
    return true;
  }
  job.resume_after_suspend = false;
  if (fires(FaultSite::kJobStall,
            [&] { return fmt::format("job {} member {}", job.id.to_string(), job.next_member); })) {
    job.stall_deadline_ms = now_ms + timing.stall_liveness_ms;
    return true;
  }
  Vm& vm = must_edit(vms, job.members[job.next_member]);
  if (fires(FaultSite::kJobExceptionAtMember, [&] {
        return fmt::format("job {} member {} ({})", job.id.to_string(), job.next_member, vm.name);
      })) {
    fail(job, JobState::kException,
         {JobError{"injected-fault",
                   fmt::format("Checkpointing virtual machine '{}' failed (injected fault "
                               "job-exception-at-member).",
                               vm.name),
                   vm.id}},
         "The checkpoint operation failed.");
    return false;
  }
  if (auto causes = member_causes(vm, job); !causes.empty()) {
    fail(job, JobState::kException, std::move(causes), "The checkpoint operation failed.");
    return false;
  }
  snapshot_member(job, vm);
  ++job.next_member;
  if (job.next_member == job.members.size()) {
    complete_create(job);
    return false;
  }
  job.percent = static_cast<std::uint16_t>(
      std::min<std::size_t>(99, std::size_t{100} * job.next_member / job.members.size()));
  schedule(job, timing.member_snapshot_ms);
  return true;
}

std::vector<JobError> Host::Impl::member_causes(const Vm& vm, const Job& job) const {
  std::vector<JobError> out;
  if (vm.checkpoint_type == CheckpointType::kDisabled) {
    out.push_back(
        {"disabled",
         fmt::format("Checkpoints are disabled for virtual machine '{}' (UserSnapshotType 2).",
                     vm.name),
         vm.id});
  }
  if (vm.snapshots.size() >= vm.checkpoint_limit) {
    out.push_back({"at-limit",
                   fmt::format("Virtual machine '{}' already holds {} checkpoints, its limit.",
                               vm.name, vm.snapshots.size()),
                   vm.id});
  }
  if (!job.ignore_nonsnapshottable_disks) {
    for (DiskKind d : {DiskKind::kPassthrough, DiskKind::kFibreChannel}) {
      if (std::find(vm.disks.begin(), vm.disks.end(), d) != vm.disks.end()) {
        out.push_back(
            {"non-snapshottable-disk",
             fmt::format("Virtual machine '{}' has a {} disk, which cannot be checkpointed, "
                         "and IgnoreNonSnapshottableDisks is false.",
                         vm.name, to_string(d)),
             vm.id});
      }
    }
  }
  if (vm.checkpoint_type == CheckpointType::kProductionOnly && vm.state == VmState::kRunning &&
      vm.guest_vss != GuestVss::kOk) {
    out.push_back({"production-unavailable",
                   fmt::format("The guest of virtual machine '{}' could not quiesce ({}), and its "
                               "checkpoint type (production only) forbids a standard checkpoint.",
                               vm.name, guest_text(vm.guest_vss)),
                   vm.id});
  }
  if (vm.checkpoint_type == CheckpointType::kProductionOnly && is_saved_like(vm.state)) {
    out.push_back({"production-in-saved-state",
                   fmt::format("Virtual machine '{}' is {}: a production checkpoint needs it Off "
                               "or Running (V4), and its checkpoint type (production only) "
                               "forbids a standard checkpoint.",
                               vm.name, to_string(vm.state)),
                   vm.id});
  }
  return out;
}

// V4: production checkpoints are taken Off, or Running with a guest that quiesces; otherwise
// production-with-fallback takes a standard one (the job then ends with warnings).
bool Host::Impl::production_possible(const Vm& vm) {
  return vm.state == VmState::kOff ||
         (vm.state == VmState::kRunning && vm.guest_vss == GuestVss::kOk);
}

void Host::Impl::snapshot_member(Job& job, Vm& vm) {
  Snapshot s;
  s.id = rng_ids.guid();
  s.vm = vm.id;
  s.kind = job.snapshot_kind;
  s.parent = vm.most_current;
  s.created_ms = now_ms;
  const bool production = vm.checkpoint_type == CheckpointType::kProduction ||
                          vm.checkpoint_type == CheckpointType::kProductionOnly;
  if (production && !production_possible(vm)) {
    s.taken_as = CheckpointType::kStandard;  // production with fallback: a standard one
    job.warnings = true;
    // What to heed (CS-INV-6-S): which member fell back, and why (V4).
    job.error_description += fmt::format(
        "{}'{}' took a standard checkpoint: a production checkpoint needs the VM Off "
        "or Running with guest VSS.",
        job.error_description.empty() ? "" : " ", vm.name);
  } else {
    s.taken_as = production ? CheckpointType::kProduction : CheckpointType::kStandard;
  }
  s.saved_state = s.taken_as == CheckpointType::kStandard && vm.state != VmState::kOff;
  job.created.push_back(s.id);
  job.previous_most_current.push_back(vm.most_current);
  vm.snapshots.push_back(s.id);
  vm.most_current = s.id;
  link_child(s.parent, s.id);
  const Guid sid = s.id;
  snapshots.emplace(sid, std::move(s));
}

Guid Host::Impl::make_snapshot_collection(Job& job) {
  // The end of a successful CreateSnapshot (§3.3): one snapshot per member, in member order.
  HVSNAP_ASSERT(job.created.size() == job.members.size());
  Group& g = must_edit(groups, job.group);
  SnapshotCollection c;
  c.id = rng_ids.guid();
  c.group = g.id;
  c.members = job.created;
  c.created_ms = now_ms;
  c.created_by_job = job.id;
  std::uint64_t lag = personality.result_visibility_polls;
  if (fires(FaultSite::kResultLag,
            [&] { return fmt::format("snapshot collection {}", c.id.to_string()); })) {
    lag += must(faults.sites, FaultSite::kResultLag).lag_reads;
  }
  c.visible_after_read = reads + lag;
  for (const Guid& s : c.members)
    must_edit(snapshots, s).collection = c.id;
  g.snapshot_collections.push_back(c.id);
  const Guid id = c.id;
  for (std::size_t i = 0; i < job.members.size(); ++i) {
    const Snapshot& s = must(snapshots, job.created[i]);
    HVSNAP_ASSERT(s.vm == job.members[i] && s.collection == id);
    // §3.3 makes each new snapshot its VM's most-current. Not asserted: a provider mutant that
    // lets two jobs share a member (CS-SEQ-6) reaches this with the other job's snapshot
    // current, and the suite must be able to see that rather than the process abort.
  }
  collections.emplace(id, std::move(c));
  job.created.clear();
  job.previous_most_current.clear();
  return id;
}

void Host::Impl::complete_create(Job& job) {
  job.target = make_snapshot_collection(job);
  finish(job, job.warnings ? JobState::kCompletedWithWarnings : JobState::kCompleted);
}

// CS-INV-3: everything the job created goes, and the VMs' pointers are as before the job.
void Host::Impl::rollback(Job& job) {
  HVSNAP_ASSERT(job.created.size() == job.previous_most_current.size());
  for (std::size_t i = job.created.size(); i-- > 0;) {
    const Guid sid = job.created[i];
    const Snapshot* sn = snapshots.find(sid);
    HVSNAP_ASSERT(sn != nullptr);  // the members are busy: nothing else removes it
    Vm& vm = must_edit(vms, sn->vm);
    HVSNAP_ASSERT(vm.most_current == sid);  // created last, nothing applied since
    HVSNAP_ASSERT(!children.count(sid));    // so nothing hangs below it
    vm.snapshots.erase(sid);
    unlink_child(sn->parent, sid);
    vm.most_current = job.previous_most_current[i];
    snapshots.erase(sid);
  }
  job.created.clear();
  job.previous_most_current.clear();
}

void Host::Impl::fail(Job& job, std::uint16_t state, std::vector<JobError> errors,
                      std::string summary) {
  HVSNAP_ASSERT(state == JobState::kTerminated || state == JobState::kKilled ||
                state == JobState::kException);
  rollback(job);
  job.error_code =
      errors.empty() ? cim::ReturnCode::kMsvmFailed : job_error_code(errors.front().cause);
  // Contract §3.2: the description names the group, each VM (in its message) and each cause.
  std::string what;
  std::string causes;
  for (const JobError& e : errors) {
    if (!what.empty()) what += ' ';
    what += e.message;
    causes += (causes.empty() ? " [" : ", ") + e.cause;
  }
  if (!causes.empty()) causes += ']';
  const std::string subject =
      job.kind == JobKind::kCreateSnapshot && groups.count(job.group)
          ? fmt::format("Checkpoint operation for group '{}' failed", must(groups, job.group).name)
          : std::string("The operation failed");
  job.error_description = (what.empty() ? subject + "." : subject + ": " + what) + causes;
  job.error_summary = std::move(summary);
  job.errors = std::move(errors);
  finish(job, state);
}

void Host::Impl::release_members(const Job& job) {
  for (const Guid& m : job.members) {
    const Vm* vm = vms.find(m);
    if (vm != nullptr && vm->busy_job == job.id) must_edit(vms, m).busy_job = Guid{};
  }
}

void Host::Impl::finish(Job& job, std::uint16_t state) {
  HVSNAP_ASSERT(!JobState(job.state).is_terminal() && JobState(state).is_terminal());
  HVSNAP_ASSERT(job.created.empty());  // made into a collection, or rolled back
  job.state = state;
  job.last_change_ms = job.finished_ms = now_ms;
  job.stall_deadline_ms = -1;
  job.resume_after_suspend = false;
  if (JobState(state).is_success()) {
    job.percent = 100;
    job.error_code = personality.job_success_error_code;  // 0, or 4096 (J3)
  }
  release_members(job);
  active_jobs.erase(job.id);
  for (const Guid& m : job.members) {
    const Vm* vm = vms.find(m);
    HVSNAP_ASSERT(vm == nullptr || vm->busy_job != job.id);
  }
  const bool early = job.kind != JobKind::kStateChange && fires(FaultSite::kJobEarlyRemoval, [&] {
                       return fmt::format("job {}", job.id.to_string());
                     });
  job.time_before_removal_ms = early ? 0 : timing.time_before_removal_ms;
  if (job.time_before_removal_ms == 0) {
    jobs.erase(job.id);  // `job` is gone from here on
    return;
  }
  removal_queue.emplace(now_ms + job.time_before_removal_ms, job.id);
}

}  // namespace hvsnap::sim
