// The catalogue of mutants: the one table that registers every mutant of the family files
// (return_code.cpp, job.cpp, result.cpp, atomicity.cpp, sequence.cpp, parsing.cpp, ...). Each
// breaks exactly one requirement and says which; tools/test/mutants_test.cpp asserts the suite
// kills each one with that requirement.
#include <fmt/format.h>

#include <functional>

#include "families.h"
#include "hvsnap/tools/mutants.h"

namespace hvsnap::tools::mutants {

namespace {

// One row per entry: what it is, and how to make it — a provider mutant wraps the fake, a wire
// mutant rewrites the served answers (exactly one of the two is set).
struct Entry {
  MutantInfo info;
  ProviderPtr (*make)(HostPtr) = nullptr;
  WireFilter (*wire)() = nullptr;
};

constexpr Layer kWire = Layer::kWire;
constexpr Layer kProvider = Layer::kProvider;

const std::vector<Entry>& entries() {
  static const std::vector<Entry> all{
      {{"accepts-type-zero", "CS-OUT-4", "return-code",
        "CreateSnapshot with SnapshotType 0 succeeds as a standard checkpoint"},
       make_accepts_type_zero},
      {{"partial-after-failed-job", "CS-INV-3", "atomicity",
        "a CreateSnapshot job that ends 10 leaves one member's checkpoint behind"},
       make_partial_after_failed_job},
      {{"skips-a-member", "CS-INV-2", "result",
        "the new snapshot collection lacks the last member's checkpoint"},
       make_skips_a_member},
      {{"missing-group-succeeds", "CS-OUT-3", "return-code",
        "CreateSnapshot on a group that does not exist returns 0 and does nothing"},
       make_missing_group_succeeds},
      {{"transitional-is-invalid-parameter", "CS-OUT-10", "return-code",
        "a member in a transitional state gives Invalid Parameter (4 / 32773), not Invalid State"},
       make_transitional_is_invalid_parameter},
      {{"reserved-return-code", "CS-INV-1", "return-code",
        "an invalid parameter is reported with the reserved code 7"},
       make_reserved_return_code},
      {{"job-started-without-job", "CS-INV-5", "job", "4096 without the Job out-parameter"},
       make_job_started_without_job},
      {{"job-state-goes-backwards", "CS-INV-6", "job",
        "the read after a job ended says Running again"},
       make_job_state_goes_backwards},
      {{"percent-decreases", "CS-INV-6", "job", "PercentComplete falls while the job runs"},
       make_percent_decreases},
      {{"error-code-on-completed", "CS-INV-6", "job", "a Completed job carries ErrorCode 32768"},
       make_error_code_on_completed},
      {{"exception-without-description", "CS-INV-6", "job",
        "a job ending in Exception has no description and GetErrorEx no errors"},
       make_exception_without_description},
      {{"no-result-collection", "CS-INV-2", "result",
        "the job completes but leaves no snapshot collection S"},
       make_no_result_collection},
      {{"wrong-virtual-system-type", "CS-INV-2", "result",
        "new VSSDs report VirtualSystemType Microsoft:Hyper-V:System:Realized"},
       make_wrong_virtual_system_type},
      {{"broken-parent-chain", "CS-INV-2", "result",
        "new checkpoints have no Parent although the VM had a current one"},
       make_broken_parent_chain},
      {{"most-current-not-moved", "CS-INV-2", "result",
        "the VMs' most-current pointers are not moved to the new checkpoints"},
       make_most_current_not_moved},
      {{"s-not-linked-to-group", "CS-INV-7", "result",
        "S is not reachable from the group through Msvm_SnapshotOfVirtualSystemCollection"},
       make_s_not_linked_to_group},
      {{"partial-after-killed-job", "CS-SEQ-7", "atomicity",
        "a job ended by Terminate or Kill leaves a checkpoint behind"},
       make_partial_after_killed_job},
      {{"touches-another-group", "CS-INV-9", "atomicity",
        "a successful call also checkpoints a VM outside the collection"},
       make_touches_another_group},
      {{"busy-leaves-partial", "CS-INV-3", "atomicity",
        "a call refused as busy (5) still checkpoints the free members"},
       make_busy_leaves_partial},
      {{"apply-on-running-vm", "CS-SEQ-3", "sequence",
        "ApplySnapshot goes ahead with a Running member"},
       make_apply_on_running_vm},
      {{"limit-not-enforced", "CS-OUT-11", "sequence",
        "a VM at its checkpoint limit takes one more checkpoint"},
       make_limit_not_enforced},
      {{"rejects-wmi-dtd", "CS-OUT-14", "parsing",
        "SnapshotSettings in the WMI DTD form are refused as Invalid Parameter (4 / 32773)"},
       make_rejects_wmi_dtd},
      {{"ignores-ignore-disks", "CS-OUT-12", "parsing", "IgnoreNonSnapshottableDisks is ignored"},
       make_ignores_ignore_disks},
      {{"job-never-ends", "CS-INV-6", "job",
        "a CreateSnapshot job reads Running forever and is never removed"},
       make_job_never_ends},
      {{"destroy-does-not-reparent", "CS-SEQ-2", "sequence",
        "after DestroySnapshot a child checkpoint still names the destroyed one as its Parent"},
       make_destroy_does_not_reparent},
      {{"job-id-reused", "CS-INV-9", "sequence",
        "every job is handed out under the first job's id, so an ended job seems to run again"},
       make_job_id_reused},
      {{"overlapping-both-half-applied", "CS-SEQ-6", "sequence",
        "two calls on groups sharing a VM both succeed and neither keeps the shared checkpoint"},
       make_overlapping_both_half_applied},
      // ---- wire types (CS-READ-1): over the wire only ------------------------------------
      {{"booleans-capitalised", "CS-READ-1", "wire",
        "booleans are written True and False (not an xs:boolean form)", kWire},
       nullptr,
       wire_boolean_as_true},
      {{"datetime-as-dmtf", "CS-READ-1", "wire",
        "timestamps are bare CIM-XML strings (20260101120000.000000+000), not cim:Datetime", kWire},
       nullptr,
       wire_datetime_as_dmtf},
      {{"interval-as-text", "CS-READ-1", "wire",
        "a job's TimeBeforeRemoval is free text (\"5 minutes\"), not a cim:Interval", kWire},
       nullptr,
       wire_interval_as_text},
      {{"enabled-state-as-text", "CS-READ-1", "wire",
        "EnabledState is its value map's text (Running, Off), not the number", kWire},
       nullptr,
       wire_enabled_state_as_text},
      {{"resulting-system-as-text", "CS-READ-1", "wire",
        "DefineSystem hands out the new VM as object-path text, not an endpoint reference "
        "(met while arranging every case)",
        kWire},
       nullptr,
       wire_resulting_system_as_text},
      {{"job-reference-as-text", "CS-READ-1", "wire",
        "CreateSnapshot hands out its Job as object-path text, not an endpoint reference", kWire},
       nullptr,
       wire_job_reference_as_text},
      {{"percent-in-hex", "CS-READ-1", "wire",
        "PercentComplete is written in hexadecimal (0x32), not as an xs:unsignedShort", kWire},
       nullptr,
       wire_percent_in_hex},
      // ---- references (CS-READ-2) --------------------------------------------------------
      {{"parent-as-instance-id", "CS-READ-2", "reference",
        "a snapshot's Parent holds the parent's bare InstanceID, not its object path"},
       make_parent_as_instance_id},
      {{"snapshot-path-without-key", "CS-READ-2", "reference",
        "association ends hand out snapshots by a path without their InstanceID key"},
       make_snapshot_path_without_key},
      {{"get-does-not-find", "CS-READ-2", "reference",
        "a snapshot reached by association is not found by a Get of its own path"},
       make_get_does_not_find},
      {{"vssd-names-snapshot", "CS-READ-2", "reference",
        "a snapshot's VirtualSystemIdentifier is the snapshot's own GUID, not its VM's"},
       make_vssd_names_snapshot},
      // ---- timestamps (CS-READ-3) ----------------------------------------------------------
      {{"creation-time-in-future", "CS-READ-3", "timestamp",
        "every checkpoint's CreationTime lies a day in the future"},
       make_creation_time_in_future},
      {{"job-start-before-submitted", "CS-READ-3", "timestamp",
        "a CreateSnapshot job's StartTime is a second before its TimeSubmitted"},
       make_job_start_before_submitted},
      // ---- value maps (CS-READ-4) ----------------------------------------------------------
      {{"transitional-reserved-state", "CS-READ-4", "value-map",
        "a VM between two states reports EnabledState 11, a DMTF-reserved value"},
       make_transitional_reserved_state},
      // ---- more of the result, isolation, jobs and sequences -------------------------------
      {{"collection-lists-checkpoint-twice", "CS-INV-2", "result",
        "a new snapshot collection lists its first member's checkpoint twice"},
       make_collection_lists_checkpoint_twice},
      {{"renames-r", "CS-OUT-16", "atomicity",
        "the collection passed as ResultingSnapshotCollection is renamed by the call"},
       make_renames_r},
      {{"adds-to-r", "CS-OUT-16", "atomicity",
        "the collection passed as ResultingSnapshotCollection gets the call's new checkpoints"},
       make_adds_to_r},
      {{"single-job-slot", "CS-INV-9", "atomicity",
        "a new CreateSnapshot job makes every ended job vanish, other groups' included"},
       make_single_job_slot},
      {{"vanishes-leaving-a-brief-partial", "CS-INV-2", "result",
        "a completed CreateSnapshot job vanishes unseen with its collection and all checkpoints "
        "but one, which goes a few views later"},
       make_vanishes_leaving_a_brief_partial},
      {{"job-refusal-reserved-code", "CS-SEQ-7", "job",
        "jobs are not cancellable and refuse RequestStateChange with 5000 (DMTF-reserved)"},
       make_job_refusal_reserved_code},
      {{"dangling-parent-after-subtree-destroy", "CS-SEQ-2", "sequence",
        "DestroySnapshot removes dependents but leaves one whose Parent names the destroyed"},
       make_dangling_parent_after_subtree_destroy},
      // ---- refusals (CS-INV-10, contract §4.1) ---------------------------------------------
      {{"not-supported-sometimes", "CS-INV-10", "refusal",
        "a group of Off members is refused (Not Supported) every other time, snapshotted "
        "otherwise"},
       make_not_supported_sometimes},
      {{"not-supported-everything", "CS-OUT-14", "refusal",
        "every collection snapshot is refused (Not Supported, no change): NOT SUPPORTED", kProvider,
        Expect::kNotSupported},
       make_not_supported_everything},
      // ---- legal providers: the suite must certify them ------------------------------------
      {{"booleans-as-digits", "CS-READ-1", "legal",
        "booleans are written 1 and 0 (legal xs:boolean forms)", kWire, Expect::kCertified},
       nullptr,
       wire_booleans_as_digits},
      {{"numbers-not-canonical", "CS-READ-1", "legal",
        "integers carry a leading + or leading zeros (XSD's lexical space, not its canonical "
        "form)",
        kWire, Expect::kCertified},
       nullptr,
       wire_numbers_not_canonical},
      {{"datetime-in-cim-datetime-string", "CS-READ-1", "legal",
        "timestamps as cim:CIM_DateTime holding the DSP0004 string (a DSP0230 choice)", kWire,
        Expect::kCertified},
       nullptr,
       wire_datetimes_as_cim_datetime_string},
      {{"job-removed-early", "CS-INV-8", "legal",
        "a terminal job disappears right after it was read, before its TimeBeforeRemoval (a "
        "SHOULD: WARN, still CERTIFIED)",
        kProvider, Expect::kCertified},
       make_job_removed_early},
      {{"timeout-now-and-then", "CS-OUT-14", "legal",
        "every third CreateSnapshot of a ready group is answered Timeout (3 / 32772) with no "
        "change, the phase drawn from the seed (a busy host: the suite retries and certifies)",
        kProvider, Expect::kCertified},
       make_timeout_now_and_then},
  };
  return all;
}

}  // namespace

const std::vector<MutantInfo>& catalogue() {
  static const std::vector<MutantInfo> infos = [] {
    std::vector<MutantInfo> out;
    for (const auto& e : entries())
      out.push_back(e.info);
    return out;
  }();
  return infos;
}

const MutantInfo* find(std::string_view name) {
  for (const auto& m : catalogue()) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

std::string known_names() {
  std::string known;
  for (const auto& m : catalogue())
    known += (known.empty() ? "" : ", ") + std::string(m.name);
  return known;
}

std::string_view to_string(Layer layer) {
  return layer == Layer::kWire ? "wire" : "provider";
}

std::string_view to_string(Expect expect) {
  switch (expect) {
    case Expect::kKilled:
      return "killed";
    case Expect::kCertified:
      return "CERTIFIED";
    case Expect::kNotSupported:
      return "NOT SUPPORTED";
  }
  return "?";
}

cim::Result<std::shared_ptr<cim::Provider>> wrap(std::string_view name,
                                                 std::shared_ptr<sim::Host> host) {
  for (const auto& e : entries()) {
    if (e.info.name != name) continue;
    if (e.make == nullptr) return std::shared_ptr<cim::Provider>(std::move(host));
    return e.make(std::move(host));
  }
  return cim::invalid_parameter(
      fmt::format("unknown mutant '{}' (known: {})", name, known_names()));
}

cim::Result<WireFilter> wire_filter(std::string_view name) {
  for (const auto& e : entries()) {
    if (e.info.name != name) continue;
    return e.wire == nullptr ? WireFilter() : e.wire();
  }
  return cim::invalid_parameter(
      fmt::format("unknown mutant '{}' (known: {})", name, known_names()));
}

}  // namespace hvsnap::tools::mutants
