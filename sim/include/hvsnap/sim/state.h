// The whole state of the fake host as plain data (contract §1, §3.4, §6): what a fixture
// loads, what a dump writes, and what two runs with one seed must agree on. sim::Host keeps
// indexed copies of these records; HostState is their canonical, comparable form.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hvsnap/cim/result.h"
#include "hvsnap/cim/schema_table.h"
#include "hvsnap/sim/guid.h"
#include "hvsnap/sim/id_sequence.h"
#include "hvsnap/sim/rng.h"

namespace hvsnap::sim {

// A VM's state (contract §1, V1). Stable states carry their EnabledState value; the
// transitional save/pause/resume carry the RequestedState value that starts them (V2) and
// read as EnabledState 1 (Other) with an OtherEnabledState text; FastSaved and Hibernated
// are the raw vendor EnabledState values real hosts report.
enum class VmState : std::uint16_t {
  kRunning = 2,
  kOff = 3,
  kShuttingDown = 4,  // transitional
  kSaved = 6,
  kPaused = 9,
  kStarting = 10,     // transitional
  kSaving = 32773,    // transitional: EnabledState 1, "Saving"
  kPausing = 32776,   // transitional: EnabledState 1, "Quiescing"
  kResuming = 32777,  // transitional: EnabledState 1, "Resuming"
  kFastSaved = 32779,
  kHibernated = 32783,
};
// Msvm_ComputerSystem.EnabledState and OtherEnabledState ("" when not Other) of a state.
std::uint16_t enabled_state(VmState s);
std::string_view other_enabled_state(VmState s);
// C-TRANSITIONAL: on its way between two states, driven by a state-change job.
bool is_transitional(VmState s);
// C-SAVED: Saved, Paused, FastSaved or Hibernated — snapshot-able with standard checkpoints,
// production ones fall back (type 3) or fail (type 4), no recovery snapshot (V4, §3.1).
bool is_saved_like(VmState s);
// A worker process exists (Msvm_ComputerSystem.ProcessID is set).
bool has_worker_process(VmState s);
// Msvm_VirtualSystemSettingData.UserSnapshotType.
enum class CheckpointType : std::uint16_t {
  kDisabled = 2,
  kProduction = 3,      // production, falling back to standard
  kProductionOnly = 4,  // production, no fallback
  kStandard = 5,
};
enum class DiskKind : std::uint8_t { kVhdx, kVhds, kPassthrough, kFibreChannel };
enum class GuestVss : std::uint8_t { kOk, kFails, kAbsent };
enum class SnapshotKind : std::uint8_t { kStandard, kRecovery };

// Personalities (contract §3.4).
enum class CodeFamily : std::uint8_t { kDmtf, kMsvm };
enum class Completion : std::uint8_t { kJob, kSynchronous, kMixed };
enum class FirstJobState : std::uint8_t { kRunning, kNew, kQueryPending };
enum class JobProgress : std::uint8_t { kTicks, kAfterReads, kManual };
enum class Validation : std::uint8_t { kSync, kInJob };
enum class VendorSnapshotTypes : std::uint8_t { kReject, kAccept };
enum class DestroyMode : std::uint8_t { kReparent, kRemoveDependents };
enum class AssociatorResults : std::uint8_t { kDistinct, kDuplicates };

// Fault sites (contract §6).
enum class FaultSite : std::uint8_t {
  kSyncFailed,
  kSyncTimeout,
  kJobExceptionAtMember,
  kJobStall,
  kResultLag,
  kJobEarlyRemoval,
  kJobSuspend,
};
inline constexpr FaultSite kAllFaultSites[] = {
    FaultSite::kSyncFailed, FaultSite::kSyncTimeout, FaultSite::kJobExceptionAtMember,
    FaultSite::kJobStall,   FaultSite::kResultLag,   FaultSite::kJobEarlyRemoval,
    FaultSite::kJobSuspend};

enum class JobKind : std::uint8_t {
  kCreateSnapshot,
  kDestroySnapshot,
  kApplySnapshot,
  kStateChange,
  kDestroySystem,
};

// refuse-collection-snapshots (O1, O2, O3, O5): CreateSnapshot answers Not Supported for a
// group with a member in one of `states`, or for every group when `all`.
struct RefusePolicy {
  bool all = false;
  std::vector<VmState> states;  // sorted, distinct; empty and !all = none
  bool none() const { return !all && states.empty(); }
  friend bool operator==(const RefusePolicy&, const RefusePolicy&) = default;
};

struct Personality {
  CodeFamily codes = CodeFamily::kMsvm;  // C1, C2: real hosts answer in the Msvm family
  Completion completion = Completion::kJob;
  FirstJobState first_job_state = FirstJobState::kRunning;
  std::uint32_t result_visibility_polls = 0;  // 0 = immediate; N = after-polls: N
  JobProgress job_progress = JobProgress::kTicks;
  std::uint32_t job_progress_reads = 1;  // N of after-reads: N
  RefusePolicy refuse_collection_snapshots;
  Validation validation = Validation::kSync;
  VendorSnapshotTypes vendor_snapshot_types = VendorSnapshotTypes::kReject;  // M6
  DestroyMode destroy_snapshot = DestroyMode::kReparent;                     // M7
  AssociatorResults associators = AssociatorResults::kDistinct;              // M2
  CodeFamily job_control_codes = CodeFamily::kMsvm;                          // C4
  std::uint16_t job_success_error_code = 0;                                  // 0 or 4096 (J3)
  friend bool operator==(const Personality&, const Personality&) = default;
};

// Simulated durations. One tick is one millisecond of simulated time.
struct Timing {
  std::int64_t auto_advance_ms = 100;             // every provider call moves the clock this far
  std::int64_t member_snapshot_ms = 200;          // one member's checkpoint inside the job
  std::int64_t job_start_ms = 100;                // New -> Starting -> Running, one step each
  std::int64_t transition_ms = 5000;              // a VM's Starting / Shutting Down phase
  std::int64_t time_before_removal_ms = 300'000;  // Msvm_ConcreteJob.TimeBeforeRemoval
  std::int64_t stall_liveness_ms = 60'000;        // job-stall: how long before Exception
  friend bool operator==(const Timing&, const Timing&) = default;
};

struct FaultSiteConfig {
  double activation = 0.0;      // probability the site is armed for the run
  double firing = 0.0;          // probability it fires at each evaluation once armed
  std::uint32_t lag_reads = 3;  // result-lag: reads before the result appears
  friend bool operator==(const FaultSiteConfig&, const FaultSiteConfig&) = default;
};

struct FaultPlan {
  std::uint64_t seed = 0;
  std::map<FaultSite, FaultSiteConfig> sites;
  bool empty() const { return sites.empty(); }
  friend bool operator==(const FaultPlan&, const FaultPlan&) = default;
};

struct FaultEvent {
  std::int64_t tick_ms = 0;
  FaultSite site = FaultSite::kSyncFailed;
  bool activation = false;  // true: the site was armed; false: it fired
  std::string detail;
  friend bool operator==(const FaultEvent&, const FaultEvent&) = default;
};

struct Vm {
  Guid id;
  std::string name;
  VmState state = VmState::kOff;
  VmState target = VmState::kOff;  // where a transitional VM is heading
  Guid transition_job;             // the state-change job, when transitional
  CheckpointType checkpoint_type = CheckpointType::kProduction;
  std::vector<DiskKind> disks{DiskKind::kVhdx};
  GuestVss guest_vss = GuestVss::kOk;
  std::uint32_t checkpoint_limit = 50;
  std::uint32_t cpus = 1;          // Msvm_ProcessorSettingData.VirtualQuantity
  std::uint64_t memory_mb = 1024;  // Msvm_MemorySettingData.VirtualQuantity (MB)
  Guid most_current;               // nil when the VM has no current snapshot
  Guid last_applied;               // Msvm_LastAppliedSnapshot (M1): set by ApplySnapshot
  IdSequence snapshots;            // oldest first
  Guid busy_job;                   // the snapshot-service job holding this VM
  std::int64_t created_ms = 0;
  friend bool operator==(const Vm&, const Vm&) = default;
};

struct Snapshot {
  Guid id;  // InstanceID is "Microsoft:" + id
  Guid vm;
  SnapshotKind kind = SnapshotKind::kStandard;
  Guid parent;
  std::string name;  // empty: the Hyper-V style "<vm> - (<creation time>)", derived when read
  std::int64_t created_ms = 0;
  CheckpointType taken_as = CheckpointType::kStandard;  // production or standard (fallback)
  bool saved_state = false;  // VSSD.IsSaved: a standard checkpoint of a VM that had memory state
  Guid collection;           // the snapshot collection it belongs to, if any
  friend bool operator==(const Snapshot&, const Snapshot&) = default;
};

struct Group {
  Guid id;
  std::string name;
  std::vector<Guid> members;        // VMs, in AddMember order
  IdSequence snapshot_collections;  // oldest first
  friend bool operator==(const Group&, const Group&) = default;
};

struct ManagementGroup {
  Guid id;
  std::string name;
  std::vector<Guid> members;  // groups
  friend bool operator==(const ManagementGroup&, const ManagementGroup&) = default;
};

struct SnapshotCollection {
  Guid id;
  std::string name;  // empty: "<group> - (<creation time>)", derived when read
  Guid group;
  std::vector<Guid> members;  // snapshot VSSDs, in member order
  std::int64_t created_ms = 0;
  Guid created_by_job;                   // nil for synchronous completion
  std::uint64_t visible_after_read = 0;  // hidden until the read counter passes this
  friend bool operator==(const SnapshotCollection&, const SnapshotCollection&) = default;
};

struct JobError {
  std::string cause;    // "disabled", "at-limit", "non-snapshottable-disk", …
  std::string message;  // names the VM and the cause
  Guid vm;
  friend bool operator==(const JobError&, const JobError&) = default;
};

struct Job {
  Guid id;
  JobKind kind = JobKind::kCreateSnapshot;
  std::uint16_t job_type = 198;
  std::uint16_t state = 4;
  std::uint16_t percent = 0;
  std::uint16_t error_code = 0;
  std::string error_description;
  std::string error_summary;
  std::vector<JobError> errors;
  bool cancellable = true;
  std::int64_t submitted_ms = 0;
  std::int64_t start_ms = 0;
  std::int64_t last_change_ms = 0;
  std::int64_t finished_ms = -1;  // -1 while not terminal
  std::int64_t time_before_removal_ms = 0;
  // Progress: the next step happens at next_step_ms on the job's clock (wall or manual).
  std::int64_t next_step_ms = 0;
  std::uint32_t reads_since_step = 0;
  std::int64_t stall_deadline_ms = -1;  // job-stall: when the job gives up
  bool resume_after_suspend = false;    // job-suspend: the next step resumes Running
  // CreateSnapshot: the members captured at the call, and what the job has done so far.
  Guid group;
  std::vector<Guid> members;
  std::uint32_t next_member = 0;
  SnapshotKind snapshot_kind = SnapshotKind::kStandard;
  bool ignore_nonsnapshottable_disks = false;
  // validation: in-job: why the job must fail at its first step (a JobError cause and
  // message, contract §3.2); empty when the input was valid.
  std::string invalid_cause;
  std::string invalid_message;
  bool warnings = false;
  std::vector<Guid> created;
  std::vector<Guid> previous_most_current;  // parallel to `created`
  Guid target;  // the snapshot collection created/destroyed/applied, or the VM (state change)
  std::uint16_t requested_state = 0;  // state change: the EnabledState being reached
  friend bool operator==(const Job&, const Job&) = default;
};

struct HostState {
  static constexpr int kSchema = 1;

  std::string host_name = "HVSIM";
  // The Windows build the host reports: which classes and members exist (schema_table.h).
  std::uint32_t host_build = cim::schema::kDefaultBuild;
  std::uint64_t seed = 0;
  std::int64_t epoch_unix_ms = 1'767'225'600'000;  // 2026-01-01T00:00:00Z: simulated t = 0
  Personality personality;
  Timing timing;
  FaultPlan faults;

  // Run state: the clock, read counter, generators and fault arming.
  std::int64_t now_ms = 0;
  std::int64_t manual_ms = 0;  // the clock only explicit control advances move
  std::uint64_t reads = 0;
  Rng::State rng_ids{};
  Rng::State rng_faults{};
  Rng::State rng_choices{};
  bool faults_armed = false;
  std::vector<FaultSite> armed_sites;
  std::vector<FaultEvent> fault_log;

  std::vector<Vm> vms;
  std::vector<Group> groups;
  std::vector<ManagementGroup> management_groups;
  std::vector<Snapshot> snapshots;
  std::vector<SnapshotCollection> snapshot_collections;
  std::vector<Job> jobs;

  // A state fresh from a seed: generators seeded, nothing armed yet.
  static HostState with_seed(std::uint64_t seed);
  // Sorts every record list by id: the form dumps use and equality assumes.
  void canonicalize();

  friend bool operator==(const HostState&, const HostState&) = default;
};

// Referential checks: unique ids, every member/parent/collection link resolves, limits
// and enum values in range. The message names the offending object.
cim::Status validate(const HostState& state);
// The part of validate() that does not follow the records' links (decision 0099): the host's
// name, its build (and the record kinds that build can show) and the settings (personality,
// timing, clock, fault plan). Enough for a state validate() accepted whose configuration was
// changed since (the sim target's --personality, --host-build, --faults); its cost does not grow
// with the host.
cim::Status validate_configuration(const HostState& state);
// What a caller has already checked of the state it hands over (HostPool::create).
enum class Checked : std::uint8_t {
  kNothing,  // validate() it all
  kRecords,  // validate() accepted these very records; only the configuration may have
             // changed since, so validate_configuration() is enough
};

// Text names used by fixtures, dumps, logs and CLI options (kebab-case).
std::string_view to_string(VmState v);
std::string_view to_string(CheckpointType v);
std::string_view to_string(DiskKind v);
std::string_view to_string(GuestVss v);
std::string_view to_string(SnapshotKind v);
std::string_view to_string(CodeFamily v);
std::string_view to_string(Completion v);
std::string_view to_string(FirstJobState v);
std::string_view to_string(JobProgress v);
std::string_view to_string(Validation v);
std::string_view to_string(VendorSnapshotTypes v);
std::string_view to_string(DestroyMode v);
std::string_view to_string(AssociatorResults v);
std::string_view to_string(FaultSite v);
std::string_view to_string(JobKind v);

template <class E>
std::optional<E> parse_enum(std::string_view text);
// Every accepted spelling, for "expected one of …" messages.
template <class E>
std::string enum_choices();

// The personality in text form (contract §3.4), shared by fixtures, `--personality` and
// reports: one KEY=VALUE per key, e.g. "refuse-collection-snapshots=off+saved",
// "result-visibility=after-polls:5", "job-progress=after-reads:2".
std::vector<std::string_view> personality_keys();
// Sets `key` from its text value; the message names the key, the value and what is allowed.
cim::Status set_personality_value(Personality& p, std::string_view key, std::string_view value);
std::string personality_value(const Personality& p, std::string_view key);
// Every value a key takes ("ticks|manual|after-reads:N"), for help texts.
std::string personality_choices(std::string_view key);
// "codes=msvm,completion=job,…" with every key, in personality_keys() order.
std::string describe_personality(const Personality& p);
// Cross-field checks (after-reads N >= 1, job-success-error-code 0 or 4096).
cim::Status validate(const Personality& p);

// Named fault plans used by the suite and `hvsnap certify --faults NAME`: one per site
// (armed for certain, firing often) plus "none" and "all".
std::vector<std::string> fault_plan_names();
std::optional<FaultPlan> named_fault_plan(std::string_view name, std::uint64_t seed);

}  // namespace hvsnap::sim
