// What the suite observed of one CreateSnapshot call (contract §4): the host before and after,
// the call's outcome and its job's story, and the few further reads a judgement needs. The
// oracle is a pure function of this value (oracle.h); every read of the target happens in the
// observation step (conformance/observe.h), never while judging.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hvsnap/cim/object_path.h"
#include "hvsnap/cim/provider.h"
#include "hvsnap/cim/result.h"
#include "hvsnap/conformance/model/view.h"

namespace hvsnap::conformance::model {

// One observed Msvm_ConcreteJob instance.
struct JobSample {
  std::uint16_t state = 0;
  std::optional<std::uint16_t> percent;
  std::optional<std::uint16_t> error_code;
  std::optional<std::uint16_t> job_type;
  std::optional<bool> cancellable;
  std::string error_description;
  std::string time_before_removal;  // CIM interval text, "" if absent
  // The job's clock (UTC microseconds; ElapsedTime as an interval), when present.
  std::optional<std::int64_t> time_submitted_us;
  std::optional<std::int64_t> start_time_us;
  std::optional<std::int64_t> last_change_us;
  std::optional<std::int64_t> elapsed_us;
  friend bool operator==(const JobSample&, const JobSample&) = default;
};

// Everything seen of a job while waiting for it.
struct JobTrace {
  cim::ObjectPath path;
  bool resolved = false;  // the first read found it
  std::string first_read_error;
  cim::StatusKind first_read_kind = cim::StatusKind::kOk;
  std::vector<JobSample> samples;   // every read, in order
  bool vanished = false;            // a later read said "not found"
  bool timed_out = false;           // still not terminal when the budget ran out
  std::vector<std::string> errors;  // GetErrorEx texts (ending 10 or 32768)
  std::optional<std::uint32_t> get_error_ex_return;
  bool readable_after_end = true;  // one more read after the terminal state succeeded
  // A read of the job (or its GetErrorEx) no answer came back for, asked again: the wait
  // stopped there, and the trace is not judged (decision 0161).
  std::string lost;

  std::optional<std::uint16_t> final_state() const;
  // "4→7", "4→(gone)", "4→(no end)", or "did not resolve (why)"; read after the word "job".
  std::string describe() const;
};

// What a call returned, including the job's story.
struct CallOutcome {
  bool fault = false;
  cim::Status status;  // the fault
  std::uint32_t return_value = 0;
  std::optional<cim::ObjectPath> result;  // ResultingSnapshotCollection
  std::optional<cim::ObjectPath> job;     // Job
  std::optional<JobTrace> trace;          // when there was a job to follow

  static CallOutcome from(const cim::Result<cim::MethodResult>& r);
  // "4", "4096→7", "fault InvalidParameter", "4096→(gone)"
  std::string describe() const;
  // 0, or 4096 with a job that ended 7 or 32768 in time.
  bool reported_success() const;
  // A fault, a return other than 0 and 4096, or a job that ended in a failure state.
  bool reported_failure() const;
  // Neither: 4096 with a job that vanished, or was never readable, before it was seen to end
  // (not one that ran out of time): only the host's effects can tell (decision 0006).
  bool undecided() const;
};

// One read of the Job a synchronous success (0) also handed out (CS-INV-4).
struct JobRead {
  bool readable = false;
  std::uint16_t state = 0;
  std::string error;  // why it could not be read
};

// The reads after the call that depend on what the call did (all optional).
struct ReadPlan {
  std::optional<cim::ObjectPath> unlinked_collection;  // a new S no group in scope links
  std::optional<cim::ObjectPath> sync_job;             // the Job of a return of 0
  std::optional<cim::ObjectPath> affected_job;         // follow Msvm_AffectedJobElement from it
  std::vector<cim::ObjectPath> resolve;  // references handed out: each must resolve (CS-READ-2)
};

// One reference read back by its own path (CS-READ-2).
struct Resolution {
  cim::ObjectPath path;
  bool found = false;
  bool same = false;  // the instance found names the same object (class and keys)
  std::string error;
};

struct Observation {
  HostView before;
  CallOutcome outcome;
  HostView after;
  // A new snapshot collection that no group in scope links, read for its members (CS-INV-2
  // judges them, CS-INV-7 the missing link).
  std::map<std::string, CollectionView> unlinked;
  std::optional<JobRead> sync_job;
  // Ids reached from the job through Msvm_AffectedJobElement (CS-INV-7-S); nullopt: not read.
  std::optional<std::set<std::string>> affected_from_job;
  std::vector<Resolution> resolved;  // ReadPlan::resolve, read back
  // What the transport saw of the target's encoding while the call was made and observed
  // (cim::Provider::take_wire_problems; CS-READ-1).
  std::vector<ReadProblem> wire;
};

// Which further reads the judgement of `outcome` needs, given the views (pure: the
// observation step carries them out). `management` says the call named a management
// collection (whose success may create several collections).
ReadPlan plan_reads(const HostView& before, const CallOutcome& outcome, const HostView& after,
                    bool management);

}  // namespace hvsnap::conformance::model
