// The suite's stateful phases (suite.h): random call sequences (rc::state, shrunk) and
// concurrent rounds (linearizability), each item seeded by the run seed and its index only, so
// that the shards of a run (decision 0043) run the same items.
#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "hvsnap/conformance/parallel.h"
#include "hvsnap/conformance/sequences.h"
#include "hvsnap/conformance/token.h"
#include "phase_util.h"
#include "suite.h"

namespace hvsnap::conformance {

namespace {

// How long a sequence's failure or warning is: its steps, or the calls of a set-up that broke
// (it has no steps then: its calls are the example).
int sequence_steps(const SequenceReport& rep) {
  return rep.numbered.empty() ? count_calls(rep.setup) : static_cast<int>(rep.numbered.size());
}

}  // namespace

// Sequence j is its own seeded check (seed from the run seed and j only), so that a shard
// runs the same sequences whatever the number of shards, and the N shards of a run merge to
// the same requirement verdicts as the run itself (decision 0043). Every sequence counts
// even after a failure; the first failing one of this run is shrunk and shown.
void Suite::sequences() {
  ++result_.counts.properties;
  if (!info_.caps.control)
    agg_.not_tested(
        "CS-SEQ-5",
        "reaching a checkpoint limit needs the control interface (a live VM's limit is 50)");
  if (!info_.caps.control)
    agg_.not_tested("CS-SEQ-8",
                    "waiting out TimeBeforeRemoval needs the control interface's clock");
  const int max_steps = std::min(o_.max_steps, 50);
  const int total = shard_sequences(o_);
  if (total == 0 || out_of_budget()) return;
  // On fresh hosts every sequence starts from the same collections: listed once here, from a
  // host of the run's first sequence's seed whatever the shard, not once a sequence (decision
  // 0139).
  RunConfig run = o_.run;
  if (info_.caps.fresh_hosts)
    run.fresh_host_collections = fresh_host_collections(make_, mix(run_sequence_seed(o_, 0), 1));
  // Several sequences on one shared host (a live host at -j N, decision 0144, or at -j 1 with
  // each cleanup overlapping the next set-up, decision 0154). Its clock is then no one
  // sequence's to move: their steps let no time pass on purpose.
  if (!info_.caps.concurrent_cases && sequence_jobs_ > 1)
    run.shared_reach = std::make_shared<SharedReach>();
  const bool clock = info_.caps.control && run.shared_reach == nullptr;
  auto seed_of = [&](std::size_t t) { return sequence_seed(o_, t); };
  auto generator = [&] { return gen_sequence(clock, max_steps); };
  auto work = [&](std::size_t t, int w) {
    const std::uint64_t seed = seed_of(t);
    const std::vector<Step> steps = draw<std::vector<Step>>(generator, seed, max_steps);
    return run_sequence(steps, mix(seed, 1), factories_[static_cast<std::size_t>(w)], run);
  };
  auto token_of = [&](const std::vector<Step>& steps, std::uint64_t host_seed) {
    nlohmann::json tok = token_base("sequence");
    tok["host-seed"] = host_seed;
    put_setup_plan(tok, o_.run.setup);
    tok["steps"] = nlohmann::json::array();
    for (const auto& s : steps)
      tok["steps"].push_back(s.to_json());
    return encode_token(tok);
  };
  bool shown = false;
  auto consume = [&](std::size_t t, SequenceReport rep) {
    const std::size_t n = static_cast<std::size_t>(total);
    note_cleanup(rep.cleanup_left);
    ++result_.counts.sequences;
    if (rep.undecided) {
      const std::uint64_t seed = seed_of(t);
      // Numbered in the whole run, as a shard's sequences are drawn (phase_util.h).
      const int j = shard_first(o_) + static_cast<int>(t) * shard_count(o_);
      note_undecided("sequences", fmt::format("sequence {} of {}", j + 1, o_.sequences),
                     rep.not_tested_reason,
                     token_of(draw<std::vector<Step>>(generator, seed, max_steps), mix(seed, 1)));
    } else {
      note_decided();
    }
    result_.counts.sequence_steps += static_cast<int>(rep.numbered.size());
    result_.counts.transient_retries += rep.retries;
    agg_.add(rep.findings);
    progress("sequences", static_cast<int>(t) + 1, total);
    note_warnings(rep.findings, [&](const Finding& w) {
      const std::uint64_t seed = seed_of(t);
      FailureRecord ex;
      ex.property = "sequences";
      ex.title = w.message;
      ex.counterexample = numbered_list(rep);
      ex.token = token_of(draw<std::vector<Step>>(generator, seed, max_steps), mix(seed, 1));
      ex.steps = sequence_steps(rep);
      return ex;
    });
    if (rep.failure.empty() || shown) return keep_going(t, n);
    shown = true;
    const std::uint64_t seed = seed_of(t);
    const std::uint64_t host_seed = mix(seed, 1);
    // The smallest failing sequence RapidCheck's shrinks reach (shrinking runs are not
    // counted).
    std::vector<Step> steps = draw<std::vector<Step>>(generator, seed, max_steps);
    int lost_in_a_row = 0;
    shrink<std::vector<Step>>(generator, seed, max_steps, [&](const std::vector<Step>& candidate) {
      if (shrink_over(lost_in_a_row)) return false;
      SequenceReport again = run_sequence(candidate, host_seed, make_, run);
      lost_in_a_row = again.undecided ? lost_in_a_row + 1 : 0;
      if (again.failure.empty()) return false;
      rep = std::move(again);
      steps = candidate;
      return true;
    });
    const Finding* f = first_fail(rep.findings);
    FailureRecord fr;
    fr.requirement = f ? f->requirement : "";
    fr.check = f ? f->check : "";
    fr.property = "sequences";
    fr.title = rep.failure;
    fr.counterexample = numbered_list(rep);
    fr.token = token_of(steps, host_seed);
    fr.steps = sequence_steps(rep);
    record_failure(std::move(fr));
    return keep_going(t, n);
  };
  in_order<SequenceReport>(Width::kSequences, static_cast<std::size_t>(total), work, consume);
}

// Round i is seeded by the run seed and i only; a shard runs the rounds ≡ its index. Every
// round counts even after a failure (decision 0043); the first round leading with each
// requirement's failure is shown (decision 0165).
void Suite::parallel() {
  ++result_.counts.properties;
  const int shards = std::max(1, o_.shard_count);
  const int first = std::clamp(o_.shard_index, 0, shards - 1);
  const int total =
      o_.parallel_rounds > first ? (o_.parallel_rounds - first + shards - 1) / shards : 0;
  if (total == 0 || out_of_budget()) return;
  auto seed_of = [&](std::size_t t) {
    const int i = first + static_cast<int>(t) * shards;
    return mix(o_.seed, 9000 + static_cast<std::uint64_t>(i));
  };
  auto work = [&](std::size_t t, int w) {
    return run_parallel_round(seed_of(t), factories_[static_cast<std::size_t>(w)], o_.run, 4);
  };
  // The first round leading with each requirement's failure is shown: a round that broke only
  // a job check (CS-INV-5, CS-INV-6) does not hide a later one that broke CS-SEQ-6, the phase's
  // own.
  std::set<std::string> shown;
  auto consume = [&](std::size_t t, ParallelReport rep) {
    const std::size_t n = static_cast<std::size_t>(total);
    ++result_.counts.parallel_rounds;
    auto token = [&] {
      nlohmann::json tok = token_base("parallel");
      tok["host-seed"] = seed_of(t);
      return encode_token(tok);
    };
    if (rep.undecided) {
      note_undecided("parallel",
                     fmt::format("concurrent round {} of {}",
                                 first + static_cast<int>(t) * shards + 1, o_.parallel_rounds),
                     rep.not_tested_reason, token());
    } else {
      note_decided();
    }
    progress("parallel", static_cast<int>(t) + 1, total);
    if (rep.not_tested) return keep_going(t, n);
    agg_.add(rep.findings);
    note_warnings(rep.findings, [&](const Finding& w) {
      FailureRecord ex;
      ex.property = "parallel";
      ex.title = w.message;
      ex.counterexample = rep.description;
      ex.token = token();
      ex.steps = 4;
      return ex;
    });
    if (rep.failure.empty()) return keep_going(t, n);
    // CS-SEQ-6's, or a job check's (CS-INV-5, CS-INV-6) when the round was linearizable.
    const Finding* f = first_fail(rep.findings);
    if (!shown.insert(f != nullptr ? f->requirement : "CS-SEQ-6").second) return keep_going(t, n);
    FailureRecord fr;
    fr.requirement = f != nullptr ? f->requirement : "CS-SEQ-6";
    fr.check = f != nullptr ? f->check : "seq6.linearizable";
    fr.property = "parallel";
    fr.title = rep.failure;
    fr.counterexample = rep.description;
    fr.token = token();
    fr.steps = 4;
    record_failure(std::move(fr));
    return keep_going(t, n);
  };
  in_order<ParallelReport>(Width::kWholeHost, static_cast<std::size_t>(total), work, consume);
}

}  // namespace hvsnap::conformance
