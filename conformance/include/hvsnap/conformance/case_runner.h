// Runs one concrete case against a target: arranges the classes through WMI methods (and the
// control interface where the class needs a fake-only attribute), checks that the arranged
// class really holds before calling, calls CreateSnapshot, follows the job, and judges the
// result with the oracle. A class the target cannot be put into is NOT_TESTED, with why.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "hvsnap/conformance/cases.h"
#include "hvsnap/conformance/client.h"
#include "hvsnap/conformance/findings.h"
#include "hvsnap/conformance/model/oracle.h"
#include "hvsnap/conformance/target.h"
#include "hvsnap/conformance/transcript.h"

namespace hvsnap::conformance {

class IdList;

// What the run has learnt about the configurations the target snapshots (contract §4,
// CS-OUT-14): set-up snapshots use one it accepts.
struct SetupPlan {
  // Start a group's Off members before a set-up snapshot (the target refuses Off members).
  bool start_members = false;
  // The target refused every configuration the suite arranged: no set-up snapshot is tried.
  bool refused = false;
};

class SharedReach;  // sequences.h
class CaseTurns;    // a live host's cases in two stages (decision 0153)

struct RunConfig {
  model::Declarations declarations;
  ClientOptions client;
  int visibility_retries = 40;  // observation rounds a lagging result may take (CS-INV-7)
  bool cleanup = true;
  bool faults_off = false;  // switch the target's fault plan off first (liveness phase)
  bool probe = false;       // a capability probe: no set-up snapshot at all (no sentinel's)
  SetupPlan setup;
  std::shared_ptr<TranscriptSink> record;  // every judged call goes here too (--record)
  // A fresh host's snapshot collections (sequences.h fresh_host_collections): a sequence on a
  // target that declares fresh hosts takes them as its set-up's instead of listing them.
  std::shared_ptr<const IdList> fresh_host_collections;
  // Set when sequences share one host at the same time (a live host at -j N, decision 0144):
  // what each of them reached, left out of the others' end-of-run comparison of the host.
  std::shared_ptr<SharedReach> shared_reach;
  // Set when a live host's cases and sequences run one at a time (-j 1, decision 0153): each
  // one's cleanup overlaps the next one's arrangement (a sequence's: its set-up), and each call
  // under test (a sequence's: each step) runs with no other on the host. Owned by the run.
  CaseTurns* turns = nullptr;
};

// Judges a call (the reads its outcome calls for first) and sends it to the run's sink.
model::Judgement judge_and_record(Client& cl, const RunConfig& cfg, const model::Expectation& e,
                                  model::Observation& o, const cim::PropertyList& in);

// The member power configuration of a call, as observed just before it (contract §2):
// "P-RUNNING", "P-OFF", "P-SAVED", "P-PAUSED" or "P-MIXED"; "" without members.
std::string power_configuration(const model::HostView& before,
                                const std::set<std::string>& members);

// One call of a ready group with valid parameters: what the capability profile counts.
struct CapabilityCall {
  std::string configuration;  // "P-OFF/T-STANDARD"
  enum class Outcome : std::uint8_t { kSnapshotted, kRefused, kFailed } outcome{};
  std::string observed;  // "32770", "4096→4→7"
};

struct CaseReport {
  Case input;
  bool not_tested = false;
  std::string not_tested_reason;
  bool undecided = false;    // not tested: the wire lost an answer it needed (decision 0161)
  bool setup_broke = false;  // a set-up call broke the contract (the findings say how)
  bool call_judged = false;  // the call under test was judged (decision 0164)
  std::string observed;      // "4096→4→7"
  std::string allowed;       // the allowed set, in words
  Findings findings;
  bool transient = false;
  std::string transcript;  // the numbered WMI calls of the case
  std::optional<std::uint32_t> return_value;
  std::optional<std::uint16_t> job_end;
  std::vector<std::string> cleanup_left;     // objects cleanup could not remove
  std::optional<CapabilityCall> capability;  // the call under test, when it counts
  int retries = 0;  // calls of the case repeated after a Timeout with no change (TimeoutRetry)
  // How the case was run (RunConfig's), which its reproduction token carries.
  bool probe = false;
  bool faults_off = false;
  SetupPlan setup;
};

// Timeout (3 / 32772) with no change where the contract wants success (CS-OUT-14, and CS-OUT-12
// with IgnoreNonSnapshottableDisks true) is the transient answer of a busy host (decisions 0061,
// 0062): every CreateSnapshot the suite judges on its own — a matrix case's calls, set-up
// calls, sequence steps — is made again after one, at most kMax times, and judged on the new
// answer. A Timeout that changed anything is judged as it is (CS-INV-3 and the row fail), and
// one that lasts past the bound fails the row. One object per call being judged.
class TimeoutRetry {
 public:
  static constexpr int kMax = 3;
  static constexpr std::int64_t kPauseMs = 2000;  // the host's time let pass before the repeat

  // True when `j`, the judgement of `o`, is such a Timeout and a repeat is left: the findings
  // other than the outcome row's move to `kept` (everything the attempt showed counts; only the
  // verdict on the outcome waits for the repeat), the repeat is announced in `cl`'s transcript
  // and the pause passes. The caller then makes the same call and judges it again.
  bool again(Client& cl, const model::Expectation& e, const model::CallOutcome& o,
             model::Judgement& j, Findings& kept);
  int retries() const { return retries_; }

 private:
  int retries_ = 0;
};

// A set-up CreateSnapshot(group, Standard): contract §4's invariants hold for every call, so
// one the suite makes to arrange a case is judged like the call under test (as C-READY,
// S-NULL, T-STANDARD, R-NULL; the group's members must be Off or Running). A failure allowed
// by the declarations (a transient one) is retried, up to 8 attempts, and so is a Timeout
// with no change (TimeoutRetry).
struct SetupSnapshot {
  std::optional<cim::ObjectPath> collection;  // the new S, when it succeeded
  std::optional<cim::ObjectPath> job;         // its job, when one was started (CS-INV-9 watches it)
  Findings findings;                          // every judged attempt's findings
  bool failed = false;                        // a FAIL that fails the run (a MUST broken)
  bool refused = false;                       // the target refused it (Not Supported)
  std::string problem;                        // why there is no collection (NOT_TESTED otherwise)
  int retries = 0;                            // attempts repeated after a Timeout (TimeoutRetry)
};
SetupSnapshot setup_snapshot(Client& cl, const cim::ObjectPath& group, const model::Scope& scope,
                             const RunConfig& config);

// Declarations a target implies (the oracle's knobs).
model::Declarations declarations_of(const Capabilities& caps);

CaseReport run_case(const Case& c, const TargetFactory& make_target, const RunConfig& config);

}  // namespace hvsnap::conformance
