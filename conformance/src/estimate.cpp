// The cost of a certification run before it starts (estimate.h; decision 0070).
#include "hvsnap/conformance/estimate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "hvsnap/conformance/classes.h"
#include "hvsnap/conformance/sequences.h"
#include "phase_util.h"

namespace hvsnap::conformance {

namespace {

// A served fake with control (fresh hosts, no cleanup): measured with bench/requests_bench.cpp
// (BM_ServedCertify/0 and /1), seed 20261124 (decisions 0070, 0084, 0094, 0108, 0109's
// correction, 0119, 0140): all requests of a core run divided by its cases (388 pairwise:
// 26,241 requests; 2,248 exhaustive: 187,110).
constexpr double kRequestsPerCasePairwise = 67.6;
constexpr double kRequestsPerCaseExhaustive = 83.2;
// A live host (decision 0142): requests_bench's BM_LiveLikeCertify, a pairwise core run against
// `hvsnap serve --no-control` (cases share the host and clean up after themselves; every wait is
// real, at the fake's durations: 5 s for a VM to change state): 32,049 requests for 388 cases,
// 82.6 a case, and one more read a case the cleanup makes since (the VMs read again before they
// are switched off); 4,041 s, 10.4 s a case, nearly all of it waiting (a request over loopback
// is a fraction of a millisecond). An exhaustive live run was not measured (2,248 cases, over 8
// hours): it is taken as the pairwise figures plus what exhaustive adds on the served fake,
// 15.6 requests a case more and 0.7 s of waiting less (decision 0119).
constexpr double kLiveRequestsPerCasePairwise = 83.6;
constexpr double kLiveRequestsPerCaseExhaustive =
    kLiveRequestsPerCasePairwise + (kRequestsPerCaseExhaustive - kRequestsPerCasePairwise);
// Measured one case at a time strictly (before decision 0153's overlap, which
// CostModel::overlapped_share discounts): BM_LiveLikeCertify now runs with the overlap, so a
// figure taken from it again must be divided by that share first.
constexpr double kWaitMsPerCasePairwise = 10'400;
constexpr double kWaitMsPerCaseExhaustive = kWaitMsPerCasePairwise - 700;
// The runner's fixed parts: a capability probe per power configuration and snapshot type
// (contract §4.1), and the SnapshotSettings sweep (192 combinations of the four settings and
// two forms, and 8 of IgnoreNonSnapshottableDisks against a disk that cannot be checkpointed).
constexpr int kCapabilityProbes = 8;
constexpr int kSettingsCases = 200;

std::string thousands(std::int64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string duration(double seconds) {
  const auto s = static_cast<std::int64_t>(std::llround(seconds));
  if (s < 60) return fmt::format("{} s", s);
  if (s < 3600) return fmt::format("{} min", (s + 30) / 60);
  return fmt::format("{} h {} min", s / 3600, (s % 3600 + 30) / 60);
}

}  // namespace

RunEstimate estimate_requests(const RunOptions& options, bool live, const CostModel& model) {
  RunEstimate e;
  const bool exhaustive = options.coverage == Coverage::kExhaustive;
  const auto combos = static_cast<int>(exhaustive ? all_combos().size() : pairwise_combos().size());
  // The phases of cases, each a pool of its own (they run one after the other).
  const int phases[] = {kCapabilityProbes, combos * std::max(1, options.cases_per_combo),
                        options.settings_sweep ? kSettingsCases : 0};
  e.cases = phases[0] + phases[1] + phases[2];
  if (options.profile == Profile::kFull) {
    // The steps of the very sequences the run will draw (the same seeds and generator as the
    // sequences phase; a live host has no clock to advance, decision 0135).
    const int max_steps = std::min(options.max_steps, 50);
    const std::function<rc::Gen<std::vector<Step>>()> generator = [&] {
      return gen_sequence(!live, max_steps);
    };
    const int total = shard_sequences(options);
    e.sequences = total;
    for (int t = 0; t < total; ++t) {
      e.sequence_steps += static_cast<int>(
          draw<std::vector<Step>>(generator, sequence_seed(options, static_cast<std::size_t>(t)),
                                  max_steps)
              .size());
    }
    e.parallel_rounds = options.parallel_rounds;
  }
  double per_case = model.requests_per_matrix_case;
  if (per_case <= 0 && live) {
    per_case = exhaustive ? kLiveRequestsPerCaseExhaustive : kLiveRequestsPerCasePairwise;
  } else if (per_case <= 0) {
    per_case = exhaustive ? kRequestsPerCaseExhaustive : kRequestsPerCasePairwise;
  }
  const double case_requests = e.cases * per_case;
  const double sequence_requests = e.sequence_steps * model.requests_per_sequence_step;
  const double round_requests = e.parallel_rounds * model.requests_per_parallel_round;
  e.requests =
      static_cast<std::int64_t>(std::llround(case_requests + sequence_requests + round_requests));
  double case_ms = case_requests * model.ms_per_request;
  double sequence_ms = sequence_requests * model.ms_per_request;
  double round_ms = round_requests * model.ms_per_request;
  const double wait_per_case = model.wait_ms_per_case > 0 ? model.wait_ms_per_case
                               : exhaustive               ? kWaitMsPerCaseExhaustive
                                                          : kWaitMsPerCasePairwise;
  if (live) {
    case_ms += e.cases * wait_per_case;
    sequence_ms += e.sequence_steps * model.wait_ms_per_sequence_step;
    round_ms += e.parallel_rounds * model.wait_ms_per_parallel_round;
    // The cases of their own objects run `jobs` at a time (decision 0143), and so do the
    // sequences (decision 0144): each phase's time is shared among as many as it has items,
    // their requests are not; the concurrent rounds run one at a time. At best: a host slower
    // under the load of N cases takes longer.
    e.cases_at_a_time = std::max(1, options.jobs);
    // One at a time, a case's cleanup overlaps the next case's arrangement (decision 0153).
    e.cleanup_overlaps = e.cases_at_a_time == 1 && options.cleanup_overlap;
    if (e.cleanup_overlaps) {
      case_ms *= model.overlapped_share;
      sequence_ms *= model.sequence_overlapped_share;  // decision 0154
    }
    if (e.cases_at_a_time > 1 && e.cases > 0) {
      const double ms_per_case = case_ms / e.cases;
      case_ms = 0;
      for (const int n : phases)
        case_ms += n * ms_per_case / std::clamp(e.cases_at_a_time, 1, std::max(1, n));
    }
    e.sequences_at_a_time = std::clamp(e.cases_at_a_time, 1, std::max(1, e.sequences));
    sequence_ms /= e.sequences_at_a_time;
  }
  e.seconds = (case_ms + sequence_ms + round_ms) / 1000.0;
  return e;
}

std::string RunEstimate::describe(const CostModel& model) const {
  std::string what = fmt::format("{} cases", thousands(cases));
  if (cases_at_a_time > 1) what += fmt::format(" {} at a time", cases_at_a_time);
  if (cleanup_overlaps) what += " one at a time, each cleanup overlapping the next arrangement";
  if (sequence_steps > 0)
    what += fmt::format(", about {} sequence steps", thousands(sequence_steps));
  if (sequence_steps > 0 && cleanup_overlaps)
    what += " (one sequence at a time, each cleanup overlapping the next set-up)";
  if (sequence_steps > 0 && sequences_at_a_time > 1)
    what += fmt::format(" in {} sequences {} at a time", thousands(sequences), sequences_at_a_time);
  if (parallel_rounds > 0) what += fmt::format(", {} concurrent rounds", parallel_rounds);
  return fmt::format("about {} requests and {} ({}; {:g} ms a request)", thousands(requests),
                     duration(seconds), what, model.ms_per_request);
}

}  // namespace hvsnap::conformance
