// What a certification run found: the one value reports/ renders (JUnit, JSON, HTML, Markdown).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hvsnap/conformance/classes.h"
#include "hvsnap/conformance/findings.h"
#include "hvsnap/conformance/target.h"

namespace hvsnap::conformance {

// What a run covers: the class matrix only (core) or also sequences and concurrency (full; the
// only profile that can certify), and every class combination or a pairwise cover of them.
enum class Profile : std::uint8_t { kCore, kFull };
enum class Coverage : std::uint8_t { kExhaustive, kPairwise };

std::string_view to_string(Profile p);
std::string_view to_string(Coverage c);
std::optional<Profile> parse_profile(std::string_view text);
std::optional<Coverage> parse_coverage(std::string_view text);

struct ComboResult {
  Combo combo;
  int cases = 0;
  int not_tested = 0;
  std::set<std::string> observed;  // "4", "4096→4→7", …
  std::string allowed;
  Verdict verdict = Verdict::kNotTested;
  std::string note;  // why not tested, or the first problem
};

struct RequirementResult {
  std::string id;
  Level level = Level::kMust;
  std::string text;
  Verdict verdict = Verdict::kNotTested;
  int passed = 0;
  int failed = 0;
  int warned = 0;
  std::string reason;                 // for NOT_TESTED / NOT_APPLICABLE, and the first problem
  std::vector<std::string> evidence;  // a few concrete observations
};

struct FailureRecord {
  std::string requirement;
  std::string check;
  std::string property;        // "matrix", "settings", "sequences", "parallel", "liveness"
  std::string title;           // one line
  std::string counterexample;  // the minimal case as numbered WMI calls
  std::string token;           // reproduction token for `hvsnap replay`
  int steps = 0;               // length of the shrunk counterexample
  double seconds_to_find = 0;  // from the start of the run to the first failing case
};

// One row of the target's capability profile (contract §4, CS-OUT-14): what became of the
// calls of ready groups with valid parameters, per member power configuration and type.
struct CapabilityResult {
  std::string configuration;  // "P-OFF/T-STANDARD"
  int snapshotted = 0;
  int refused = 0;                // Not Supported with no change
  int failed = 0;                 // any other failure
  std::set<std::string> answers;  // what it answered when it refused: "32770"
};

struct RunCounts {
  int combos = 0;
  int cases = 0;
  int cases_not_tested = 0;
  int sequences = 0;
  int sequence_steps = 0;
  int parallel_rounds = 0;
  int properties = 0;
  int transient_retries = 0;  // calls repeated after a Timeout with no change (contract §4)
  // Cases, sequences and concurrent rounds the wire left undecided (not tested: an answer
  // they needed was lost, decision 0161). A run with any cannot certify.
  int undecided = 0;
};

// One case, sequence or concurrent round the wire left undecided (decision 0161): what it was,
// the read or call whose answer was lost, and its token (`hvsnap replay` runs it again).
struct UndecidedItem {
  std::string property;  // as FailureRecord::property: "matrix", "sequences", "parallel", …
  std::string what;      // "C-READY/P-OFF/S-NULL/T-STANDARD/R-NULL, case 2", "sequence 17"
  std::string reason;    // the item's note: "undecided: no answer came back for …"
  std::string token;
};

struct RunResult {
  static constexpr int kSchemaVersion = 1;

  std::string target_uri;
  std::string target_identity;
  Capabilities capabilities;
  Profile profile = Profile::kFull;
  Coverage coverage = Coverage::kExhaustive;
  std::uint64_t seed = 0;

  std::vector<RequirementResult> requirements;  // catalogue order
  std::vector<ComboResult> combos;
  std::vector<FailureRecord> failures;  // each a FAIL that fails the run (not a SHOULD's)
  // A warning is not a failure (README "Rules of certification"): one example for each
  // requirement the run WARNs on (a SHOULD broken, or a MUST met in a way the contract tolerates
  // and flags), the first item of the run that showed it, in the order the run took its items
  // in, not shrunk (decision 0165). The same fields as a failure; `steps` counts the example's
  // calls.
  std::vector<FailureRecord> warnings;
  std::map<std::string, int> return_codes;                   // "4096" -> count
  std::map<std::string, int> job_end_states;                 // "7" -> count
  std::map<std::string, std::set<std::string>> ambiguities;  // "AMB-1" -> observed choices
  RunCounts counts;
  bool budget_exhausted = false;
  bool stopped_at_first_failure = false;
  bool interrupted = false;  // RunOptions::cancel was set
  // Why the run stopped because its host stopped answering (RunOptions::stop_after_undecided,
  // decision 0163): "5 items in a row were undecided, the last (…) with: …". Empty: it did not.
  std::string stopped_answering;

  std::vector<CapabilityResult> capability;  // sorted by configuration

  // Every item counts.undecided counts, in the order the run took them in (decision 0162); in
  // shards merged, each shard's in turn (the items every shard runs, its capability probes,
  // class matrix and settings cases, once per shard, as they are counted).
  std::vector<UndecidedItem> undecided;

  // What a host that outlives its cases (a live host) kept of the objects the run made: the
  // cleanups' failures, in the order of the cases and sequences (empty on the fake, whose
  // hosts go with their cases). Said by `hvsnap certify`; not part of the report.
  std::vector<std::string> cleanup_left;

  bool certified = false;
  // No MUST failed, but the target refused every collection snapshot the suite could arrange.
  bool not_supported = false;
  std::string verdict;  // "CERTIFIED" / "NOT CERTIFIED" / "NOT SUPPORTED"
  std::vector<std::string> verdict_reasons;
};

// The certification rules (README "Rules of certification"): certified only with zero FAIL
// on MUST items and no NOT_TESTED on a MUST item in the `full` profile; SHOULD failures are
// warnings; an undeclared IF-IMPLEMENTED capability is NOT_APPLICABLE. With no MUST failure,
// a target that refused every configuration of the capability profile and snapshotted none is
// NOT SUPPORTED (observations O1..O3, O5): never certified, never a pass. It also keeps only the
// warnings of requirements whose verdict is WARN (decision 0165).
void apply_verdict(RunResult& r);

// A MUST requirement a full run left NOT_TESTED: it blocks certification like a failure (the
// one statement of the rule that apply_verdict, the JUnit and fleet writers, `verify
// --requirement` and the GoogleTest macro share).
bool untested_must(const RequirementResult& rr, Profile profile);

}  // namespace hvsnap::conformance
