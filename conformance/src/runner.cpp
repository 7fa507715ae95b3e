// The certification run (runner.h): the order of its phases, the time budget and the worker
// pool they share (decision 0074), and how a failure is recorded. The phases themselves are
// phases.cpp and phases_stateful.cpp; the aggregation aggregator.cpp; the verdict rules
// verdict_rules.cpp.
#include "hvsnap/conformance/runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <utility>

#include "hvsnap/conformance/token.h"
#include "suite.h"
#include "verdict_rules.h"

namespace hvsnap::conformance {

Suite::Suite(const TargetFactory& make, const TargetInfo& info, RunOptions o)
    : make_(make), info_(info), o_(std::move(o)), agg_(result_), start_(Clock::now()) {
  result_.target_uri = info.uri;
  result_.target_identity = info.identity;
  result_.capabilities = info.caps;
  result_.profile = o_.profile;
  result_.coverage = o_.coverage;
  result_.seed = o_.seed;
  o_.run.declarations = declarations_of(info.caps);
  // A live host's lost reads pause before they are asked again, until the run stops (0163).
  if (o_.run.client.stop == nullptr) o_.run.client.stop = o_.cancel;
  o_.run.client.stopped_answering = &stopped_answering_;
  // Cases overlap only on a target that declares it (decision 0074): one served fake's cases
  // share its host. A live host's cases of their own objects may overlap (decision 0143), and
  // its sequences, each leaving the others' collections to them (decision 0144); its
  // concurrent rounds, which count the whole host's new collections, may not.
  const int asked = std::clamp(o_.jobs, 1, 256);
  whole_host_jobs_ = info.caps.concurrent_cases ? asked : 1;
  jobs_ = info.caps.concurrent_cases || info.caps.own_object_cases_overlap ? asked : 1;
  sequence_jobs_ = jobs_;
  // One at a time on a live host, its cases and its sequences run in two stages (decision
  // 0153): on two workers, the one in front arranges (a sequence: its set-up), then tests
  // once the one before it has cleaned up. Sequences then share the host as at -j N (their
  // cleanups overlap the next one's set-up), so each leaves the others' collections to them.
  if (jobs_ == 1 && info.caps.own_object_cases_overlap && !info.caps.concurrent_cases &&
      o_.cleanup_overlap) {
    turns_ = std::make_unique<CaseTurns>();
    o_.run.turns = turns_.get();
    jobs_ = 2;
    sequence_jobs_ = 2;
  }
  // Each worker its own copy of the factory (and of everything it captured).
  for (int w = 0; w < jobs_; ++w)
    factories_.push_back(make_);
}

RunResult Suite::run() {
  capability();
  matrix();
  if (o_.settings_sweep) settings();
  if (o_.profile == Profile::kFull) {
    sequences();
    parallel();
    liveness();
  } else {
    for (const char* id : {"CS-SEQ-1", "CS-SEQ-2", "CS-SEQ-3", "CS-SEQ-4", "CS-SEQ-5", "CS-SEQ-6",
                           "CS-SEQ-7", "CS-SEQ-8"}) {
      agg_.not_tested(id, "the core profile runs no sequences (use --profile full)");
    }
  }
  // A Ctrl-C that came while the cases under way at a stop finished is the user's too.
  if (!result_.stopped_answering.empty() && o_.cancel != nullptr && o_.cancel->load())
    result_.interrupted = true;
  finish_capability();
  finish_requirements(result_, info_.caps);
  order_failures(result_);
  apply_verdict(result_);
  return std::move(result_);
}

void Suite::note_cleanup(const std::vector<std::string>& left) {
  result_.cleanup_left.insert(result_.cleanup_left.end(), left.begin(), left.end());
}

void Suite::count_case(const CaseReport& rep, std::string property, std::string what) {
  note_cleanup(rep.cleanup_left);
  ++result_.counts.cases;
  if (rep.undecided) {
    note_undecided(std::move(property), std::move(what), rep.not_tested_reason, case_token(rep));
  } else {
    note_decided();
  }
  if (rep.not_tested) {
    ++result_.counts.cases_not_tested;
  } else {
    agg_.add(rep.findings);
    agg_.observe_case(rep);
  }
}

double Suite::elapsed() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

// Whether to stop starting new work: the time budget ran out, or (stop_at_first_failure)
// something already failed. Main thread only (it records why in the result).
bool Suite::out_of_budget() {
  if (o_.cancel != nullptr && o_.cancel->load()) {
    result_.interrupted = true;
    return true;
  }
  if (!result_.stopped_answering.empty()) return true;  // recorded by note_undecided
  if (o_.budget.count() > 0 && Clock::now() - start_ > o_.budget) {
    result_.budget_exhausted = true;
    return true;
  }
  if (o_.stop_at_first_failure && !result_.failures.empty()) {
    result_.stopped_at_first_failure = true;
    return true;
  }
  return false;
}

// What a worker checks before it starts an item: the flag and the clock only, never the
// result (the main thread owns it). A stop at the first failure is the main thread's:
// `keep_going` after each item, in item order, so that it does not depend on timing.
bool Suite::may_start() const {
  if (o_.cancel != nullptr && o_.cancel->load()) return false;
  return o_.budget.count() == 0 || Clock::now() - start_ <= o_.budget;
}

// After item i of n was taken into the result: false when the run stops at its first
// failure and there is more to do (recorded as out_of_budget records it, before the item a
// run on one thread would not have started).
bool Suite::keep_going(std::size_t i, std::size_t n) {
  if (i + 1 >= n) return true;
  if (!result_.stopped_answering.empty()) return false;  // the later phases see it too
  if (!o_.stop_at_first_failure || result_.failures.empty()) return true;
  return !out_of_budget();
}

bool Suite::shrink_over(int undecided_in_a_row) const {
  return !may_start() || !result_.stopped_answering.empty() ||
         (o_.stop_after_undecided > 0 && undecided_in_a_row >= o_.stop_after_undecided);
}

void Suite::progress(const char* phase, int done, int total) {
  if (o_.progress)
    o_.progress(Progress{phase, done, total, static_cast<int>(result_.failures.size()), elapsed()});
}

void Suite::note_undecided(std::string property, std::string what, std::string reason,
                           std::string token) {
  ++result_.counts.undecided;
  // The host stopped answering (decision 0163): counted in item order, on the main thread, so
  // a run stops at the same item whatever -j is; the phase then starts nothing more
  // (keep_going), nor do the later ones (out_of_budget).
  ++undecided_in_a_row_;
  if (o_.stop_after_undecided > 0 && undecided_in_a_row_ >= o_.stop_after_undecided &&
      result_.stopped_answering.empty()) {
    result_.stopped_answering =
        fmt::format("{} items in a row were undecided, the last ({}: {}) with: {}",
                    undecided_in_a_row_, property, what, reason);
    stopped_answering_ = true;  // the cases still under way pause no more
  }
  result_.undecided.push_back(
      {std::move(property), std::move(what), std::move(reason), std::move(token)});
}

void Suite::record_failure(FailureRecord f) {
  f.seconds_to_find = elapsed();
  result_.failures.push_back(std::move(f));
}

void Suite::record_failure(const Finding& f, FailureRecord example) {
  example.requirement = f.requirement;
  example.check = f.check;
  record_failure(std::move(example));
}

FailureRecord Suite::case_example(const CaseReport& rep, std::string property, std::string title,
                                  std::string counterexample) const {
  FailureRecord fr;
  fr.property = std::move(property);
  fr.title = std::move(title);
  fr.counterexample = std::move(counterexample);
  fr.token = case_token(rep);
  fr.steps = count_calls(rep.transcript);
  return fr;
}

nlohmann::json Suite::token_base(std::string_view kind) const {
  return {{"kind", kind}, {"target", o_.target_spec}, {"seed", o_.seed}};
}

std::string Suite::case_token(const CaseReport& rep) const {
  nlohmann::json tok = token_base("case");
  tok["case"] = to_json(rep.input);
  if (rep.probe) tok["probe"] = true;
  if (rep.faults_off) tok["faults-off"] = true;
  put_setup_plan(tok, rep.setup);
  return encode_token(tok);
}

// The capability profile into the result, and CS-INV-10 across cases: a configuration
// refused in one case and snapshotted in another.
void Suite::finish_capability() {
  agg_.finish_capability([&](const std::string& message, const CaseReport& refused) {
    FailureRecord fr;
    fr.requirement = "CS-INV-10";
    fr.check = "inv10.refusal-stable";
    fr.property = "capability";
    fr.title = message;
    fr.counterexample = refused.input.describe() + "\n" + refused.transcript;
    fr.token = case_token(refused);
    fr.steps = count_calls(refused.transcript);
    record_failure(std::move(fr));
  });
}

RunResult run_suite(const TargetFactory& make_target, const TargetInfo& info, RunOptions options) {
  return Suite(make_target, info, std::move(options)).run();
}

}  // namespace hvsnap::conformance
