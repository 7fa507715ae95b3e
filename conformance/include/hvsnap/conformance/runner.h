// A certification run: every property of the suite against one target, aggregated into a
// RunResult. Properties: the class matrix (exhaustive or pairwise, RapidCheck-generated and
// shrunk), the SnapshotSettings sweep, stateful sequences (rc::state), concurrent calls
// (linearizability), and — where faults were injected — a fault-free liveness phase.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "hvsnap/conformance/case_runner.h"
#include "hvsnap/conformance/run_result.h"

namespace hvsnap::conformance {

struct Progress {
  std::string phase;  // "matrix", "settings", "sequences", "parallel", "liveness"
  int done = 0;
  int total = 0;
  int failures = 0;
  double elapsed_s = 0;
};

struct RunOptions {
  std::uint64_t seed = 1;
  Profile profile = Profile::kFull;
  Coverage coverage = Coverage::kExhaustive;
  int cases_per_combo = 1;  // RapidCheck cases per class combination
  bool settings_sweep = true;
  int sequences = 100;
  int max_steps = 20;  // sequences are up to this long (<= 50)
  int parallel_rounds = 10;
  int liveness_cases = 20;              // fault-free C-READY cases after a faulty run
  std::chrono::milliseconds budget{0};  // 0: no limit; otherwise stop starting new work after it
  bool stop_at_first_failure = false;   // stop starting new work once anything failed
  // The host stopped answering (decision 0163): once this many items in a row (in item order,
  // so at the same item whatever `jobs` is) were undecided, the run starts no new work and
  // ends with RunResult::stopped_answering said. 0: never (every item is tried). `hvsnap
  // certify` gives 5.
  int stop_after_undecided = 0;
  // Set (from a signal handler, say) to stop starting new work; the run then ends as
  // interrupted. Cases under way still finish and clean up after themselves.
  const std::atomic<bool>* cancel = nullptr;
  RunConfig run;
  std::function<void(const Progress&)> progress;
  // How to reproduce (goes into tokens): uri, fixture, personality, faults.
  nlohmann::json target_spec;
  // Shard shard_index of shard_count (`certify --shard K/N`, decision 0043): only the
  // sequences and concurrent rounds whose index ≡ shard_index (mod shard_count) run; the rest
  // of the run (capability, class matrix, settings sweep, liveness) runs in every shard.
  int shard_index = 0;
  int shard_count = 1;
  // Cases run this many at a time (decision 0074), only on a target that declares
  // Capabilities::concurrent_cases (any other runs one at a time, whatever this says; one that
  // declares own_object_cases_overlap runs the cases of their own objects and the sequences at
  // a time, not its concurrent rounds: decisions 0143, 0144). On a fresh host per case the
  // result is the same for every value: each phase's items are taken into it in their order,
  // and a stop (budget, cancel, stop_at_first_failure) keeps a prefix of them — every item
  // before the first one not started, nothing after it, even what already ran. The progress
  // callback and every shrink run on the calling thread.
  int jobs = 1;
  // A live host's cases one at a time (jobs 1 on a target that declares
  // own_object_cases_overlap) run in two stages (decision 0153): a case's cleanup overlaps the
  // next case's arrangement, and its call under test waits for the host to itself; so do its
  // sequences, a cleanup overlapping the next set-up (decision 0154). false: each case and
  // sequence starts once the one before it has cleaned up.
  bool cleanup_overlap = true;
  // false: the class matrix is not run, nor listed (a benchmark of the later phases: the
  // sequences of a live host, requests_bench's BM_LiveLikeCertify). Not a certification.
  bool class_matrix = true;
};

// The target-level facts the run records (uri, identity, capabilities).
struct TargetInfo {
  std::string uri;
  std::string identity;
  Capabilities caps;
};

RunResult run_suite(const TargetFactory& make_target, const TargetInfo& info, RunOptions options);

}  // namespace hvsnap::conformance
