// The text names of the state's enums (state.h): fixtures, dumps, logs and CLI options spell
// them in kebab-case; parse_enum and enum_choices read them back and list them. Moved out of
// state.cpp as it stood (decision 0099: that file had passed the house's 500 lines).
#include <string>
#include <string_view>

#include "hvsnap/sim/state.h"

namespace hvsnap::sim {
namespace {

template <class E>
struct EnumName {
  E value;
  std::string_view name;
};

template <class E>
struct Table;

#define HVSNAP_ENUM_TABLE(E, ...)                          \
  template <>                                              \
  struct Table<E> {                                        \
    static constexpr EnumName<E> kNames[] = {__VA_ARGS__}; \
  };

HVSNAP_ENUM_TABLE(VmState, {VmState::kRunning, "running"}, {VmState::kOff, "off"},
                  {VmState::kShuttingDown, "shutting-down"}, {VmState::kSaved, "saved"},
                  {VmState::kPaused, "paused"}, {VmState::kStarting, "starting"},
                  {VmState::kSaving, "saving"}, {VmState::kPausing, "pausing"},
                  {VmState::kResuming, "resuming"}, {VmState::kFastSaved, "fast-saved"},
                  {VmState::kHibernated, "hibernated"})
HVSNAP_ENUM_TABLE(CheckpointType, {CheckpointType::kDisabled, "disabled"},
                  {CheckpointType::kProduction, "production"},
                  {CheckpointType::kProductionOnly, "production-only"},
                  {CheckpointType::kStandard, "standard"})
HVSNAP_ENUM_TABLE(DiskKind, {DiskKind::kVhdx, "vhdx"}, {DiskKind::kVhds, "vhds"},
                  {DiskKind::kPassthrough, "passthrough"},
                  {DiskKind::kFibreChannel, "fibre-channel"})
HVSNAP_ENUM_TABLE(GuestVss, {GuestVss::kOk, "ok"}, {GuestVss::kFails, "fails"},
                  {GuestVss::kAbsent, "absent"})
HVSNAP_ENUM_TABLE(SnapshotKind, {SnapshotKind::kStandard, "standard"},
                  {SnapshotKind::kRecovery, "recovery"})
HVSNAP_ENUM_TABLE(CodeFamily, {CodeFamily::kMsvm, "msvm"}, {CodeFamily::kDmtf, "dmtf"})
HVSNAP_ENUM_TABLE(Completion, {Completion::kJob, "job"}, {Completion::kSynchronous, "synchronous"},
                  {Completion::kMixed, "mixed"})
HVSNAP_ENUM_TABLE(FirstJobState, {FirstJobState::kRunning, "running"}, {FirstJobState::kNew, "new"},
                  {FirstJobState::kQueryPending, "query-pending"})
HVSNAP_ENUM_TABLE(Validation, {Validation::kSync, "sync"}, {Validation::kInJob, "in-job"})
HVSNAP_ENUM_TABLE(VendorSnapshotTypes, {VendorSnapshotTypes::kReject, "reject"},
                  {VendorSnapshotTypes::kAccept, "accept"})
HVSNAP_ENUM_TABLE(DestroyMode, {DestroyMode::kReparent, "reparent"},
                  {DestroyMode::kRemoveDependents, "remove-dependents"})
HVSNAP_ENUM_TABLE(AssociatorResults, {AssociatorResults::kDistinct, "distinct"},
                  {AssociatorResults::kDuplicates, "duplicates"})
HVSNAP_ENUM_TABLE(JobProgress, {JobProgress::kTicks, "ticks"},
                  {JobProgress::kAfterReads, "after-reads"}, {JobProgress::kManual, "manual"})
HVSNAP_ENUM_TABLE(FaultSite, {FaultSite::kSyncFailed, "sync-failed"},
                  {FaultSite::kSyncTimeout, "sync-timeout"},
                  {FaultSite::kJobExceptionAtMember, "job-exception-at-member"},
                  {FaultSite::kJobStall, "job-stall"}, {FaultSite::kResultLag, "result-lag"},
                  {FaultSite::kJobEarlyRemoval, "job-early-removal"},
                  {FaultSite::kJobSuspend, "job-suspend"})
HVSNAP_ENUM_TABLE(JobKind, {JobKind::kCreateSnapshot, "create-snapshot"},
                  {JobKind::kDestroySnapshot, "destroy-snapshot"},
                  {JobKind::kApplySnapshot, "apply-snapshot"},
                  {JobKind::kStateChange, "state-change"},
                  {JobKind::kDestroySystem, "destroy-system"})
#undef HVSNAP_ENUM_TABLE

template <class E>
std::string_view name_of(E v) {
  for (const auto& n : Table<E>::kNames) {
    if (n.value == v) return n.name;
  }
  return "?";
}

}  // namespace

std::string_view to_string(VmState v) {
  return name_of(v);
}

std::uint16_t enabled_state(VmState s) {
  switch (s) {
    case VmState::kSaving:
    case VmState::kPausing:
    case VmState::kResuming:
      return 1;  // Other (V1)
    default:
      return static_cast<std::uint16_t>(s);
  }
}

std::string_view other_enabled_state(VmState s) {
  switch (s) {
    case VmState::kSaving:
      return "Saving";
    case VmState::kPausing:
      return "Quiescing";
    case VmState::kResuming:
      return "Resuming";
    default:
      return {};
  }
}

bool is_transitional(VmState s) {
  return s == VmState::kStarting || s == VmState::kShuttingDown || s == VmState::kSaving ||
         s == VmState::kPausing || s == VmState::kResuming;
}

bool is_saved_like(VmState s) {
  return s == VmState::kSaved || s == VmState::kPaused || s == VmState::kFastSaved ||
         s == VmState::kHibernated;
}

bool has_worker_process(VmState s) {
  return s != VmState::kOff && s != VmState::kSaved && s != VmState::kFastSaved &&
         s != VmState::kHibernated;
}
std::string_view to_string(CheckpointType v) {
  return name_of(v);
}
std::string_view to_string(DiskKind v) {
  return name_of(v);
}
std::string_view to_string(GuestVss v) {
  return name_of(v);
}
std::string_view to_string(SnapshotKind v) {
  return name_of(v);
}
std::string_view to_string(CodeFamily v) {
  return name_of(v);
}
std::string_view to_string(Completion v) {
  return name_of(v);
}
std::string_view to_string(FirstJobState v) {
  return name_of(v);
}
std::string_view to_string(JobProgress v) {
  return name_of(v);
}
std::string_view to_string(Validation v) {
  return name_of(v);
}
std::string_view to_string(VendorSnapshotTypes v) {
  return name_of(v);
}
std::string_view to_string(DestroyMode v) {
  return name_of(v);
}
std::string_view to_string(AssociatorResults v) {
  return name_of(v);
}
std::string_view to_string(FaultSite v) {
  return name_of(v);
}
std::string_view to_string(JobKind v) {
  return name_of(v);
}

template <class E>
std::optional<E> parse_enum(std::string_view text) {
  for (const auto& n : Table<E>::kNames) {
    if (n.name == text) return n.value;
  }
  return std::nullopt;
}

template <class E>
std::string enum_choices() {
  std::string out;
  for (const auto& n : Table<E>::kNames) {
    if (!out.empty()) out += ", ";
    out += n.name;
  }
  return out;
}

#define HVSNAP_INSTANTIATE(E)                                     \
  template std::optional<E> parse_enum<E>(std::string_view text); \
  template std::string enum_choices<E>();
HVSNAP_INSTANTIATE(VmState)
HVSNAP_INSTANTIATE(CheckpointType)
HVSNAP_INSTANTIATE(DiskKind)
HVSNAP_INSTANTIATE(GuestVss)
HVSNAP_INSTANTIATE(SnapshotKind)
HVSNAP_INSTANTIATE(CodeFamily)
HVSNAP_INSTANTIATE(Completion)
HVSNAP_INSTANTIATE(FirstJobState)
HVSNAP_INSTANTIATE(JobProgress)
HVSNAP_INSTANTIATE(Validation)
HVSNAP_INSTANTIATE(VendorSnapshotTypes)
HVSNAP_INSTANTIATE(DestroyMode)
HVSNAP_INSTANTIATE(AssociatorResults)
HVSNAP_INSTANTIATE(FaultSite)
HVSNAP_INSTANTIATE(JobKind)
#undef HVSNAP_INSTANTIATE

}  // namespace hvsnap::sim
