// The oracle (contract §4): for a CreateSnapshot call of known classes, the set of outcomes
// a conforming provider may produce, and the checks of CS-INV-1..9 and CS-OUT-1..16 over
// what a provider actually did. A pure function of what was observed (observation.h):
// independent of any implementation, and it never reads the target itself.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hvsnap/conformance/classes.h"
#include "hvsnap/conformance/findings.h"
#include "hvsnap/conformance/model/observation.h"
#include "hvsnap/conformance/model/view.h"

namespace hvsnap::conformance::model {

enum SuccessShape : std::uint8_t {
  kNoSuccess = 0,
  kNormal = 1,     // one S, one new snapshot per member (CS-INV-2)
  kEmpty = 2,      // one S with zero members (C-EMPTY, AMB-4)
  kRecursive = 4,  // every VM of every nested group (C-MGMT, AMB-5)
  kAnyShape = 7,
};

struct Allowed {
  std::set<std::uint32_t> codes;  // failure return codes allowed
  bool any_failure_code = false;  // every failure code of the value map is allowed
  bool fault = false;             // a transport fault instead of a return value
  bool job_failure = false;       // 4096 with a job ending 8, 9 or 10 (and no change)
  std::uint8_t success = kNoSuccess;
  bool warn_on_success = false;          // CS-OUT-7: success is tolerated but reported
  bool transient = false;                // 2/3/32768/32772 or a failing job allowed (fault plan)
  std::string check;                     // the CS-OUT check that governs this call ("" if none)
  bool declared_not_applicable = false;  // CS-OUT-8 undeclared: recorded, not certified
  // Not Supported (1 / 32770) with no change, as a refusal of the configuration: the target
  // does not snapshot this group as it stands (O1..O3, O5). Recorded in the capability
  // profile, never a pass, and stable (CS-INV-10).
  bool refusal = false;

  // `codes`, any failure code when `any_failure_code`, and — wherever failure codes are
  // allowed at all — a vendor code beyond the documented table (32780..65535).
  bool allows_code(std::uint32_t code) const;
  std::string describe() const;  // "4, 32773 or a transport fault"
};

struct Declarations {
  bool recursive_management_collections = false;
  bool transient_failures = false;
};

struct CallClasses {
  CClass c = CClass::kReady;
  std::vector<CClass> more_c;  // further member conditions that hold at once (sequences)
  SClass s = SClass::kNull;
  TClass t = TClass::kStandard;
  bool ignore_nonsnapshottable_disks = false;  // what the settings ask for
  bool result_given = false;  // ResultingSnapshotCollection was passed in (R-EXISTING/-GARBAGE)
};

Allowed allowed_outcomes(const CallClasses& classes, const Declarations& declarations);
// Outcomes allowed by either set (the governing check stays `a`'s).
Allowed either(const Allowed& a, const Allowed& b);

enum class Category : std::uint8_t { kSuccess, kFailureCode, kFailedJob, kFault, kUndecided };

// Not Supported in either code family (contract §4: a refusal when synchronous, no job).
bool is_not_supported(std::uint32_t code);

// What the oracle knows about the call it judges.
struct Expectation {
  CallClasses classes;
  Allowed allowed;
  std::string group;              // id of the group named by Collection, if ours
  std::set<std::string> members;  // VMs that must be snapshotted on success
  std::set<std::string> inside;   // objects the call may touch (group, VMs, their snapshots)
  std::map<std::string, std::uint16_t> transitions;  // VM -> state it may reach meanwhile
  std::uint16_t snapshot_type = 1;
  std::string referenced_collection;  // R-EXISTING's collection id
};

struct Judgement {
  Findings findings;
  Category category = Category::kUndecided;
  bool refused = false;        // an allowed refusal (Not Supported, no change)
  bool transient = false;      // a tolerated transient failure
  std::string observed;        // outcome in words
  std::string new_collection;  // the S that was created, if any
};

// C-TRANSITIONAL is a race: a member's transition may finish before the provider looks.
// When no member is transitional any more after the call, the provider may have seen the
// finished states, so the outcomes of the class they form are allowed too. Returns whether
// the expectation was widened.
bool allow_finished_transitions(Expectation& e, const HostView& after, const Declarations& d);

// Judges one CreateSnapshot call: return range, allowed outcome, result set or no change,
// the job lifecycle, reachability and isolation. One small checker per requirement
// (oracle_call.cpp, oracle_job.cpp); the findings come in a fixed order.
Judgement judge(const Expectation& e, const Observation& observed);

// CS-INV-5/6/8 over a job's trace.
void check_job(const JobTrace& t, Findings& out);

// The failure codes of the value map: 1..6 and the vendor range 32768..65535 (C3).
bool is_failure_code(std::uint32_t code);
// CS-INV-1: 0..6, 4096 or the vendor range; never DMTF- or method-reserved.
bool in_return_range(std::uint32_t code);
// CS-SEQ-7: a refused Msvm_ConcreteJob.RequestStateChange answers in the host's map (C4:
// 32768..32778, or the documented 1..6 and 4097..4099), never with a reserved value
// (7..4095, 4100..32767, beyond 65535).
bool is_reserved_job_control_code(std::uint32_t code);

}  // namespace hvsnap::conformance::model
