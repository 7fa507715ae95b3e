// The state of one certification run and its phases (runner.h). Private to conformance/src:
// runner.cpp runs the phases in order and keeps the time budget and the worker pool;
// phases.cpp and phases_stateful.cpp hold the phases; what becomes of their findings is
// aggregator.h's, and the verdict rules are verdict_rules.h's.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "aggregator.h"
#include "case_turns.h"
#include "hvsnap/conformance/catalogue.h"
#include "hvsnap/conformance/runner.h"
#include "ordered_pool.h"

namespace hvsnap::conformance {

class Suite {
 public:
  Suite(const TargetFactory& make, const TargetInfo& info, RunOptions o);

  RunResult run();

 private:
  using Clock = std::chrono::steady_clock;

  // The phases, in the order run() runs them (phases.cpp; sequences and parallel:
  // phases_stateful.cpp).
  void capability();
  void matrix();
  void settings();
  void sequences();
  void parallel();
  void liveness();

  // One combination of the matrix as its cases are taken in.
  struct ComboTally {
    ComboResult cr;
    // A failing case is shrunk through RapidCheck's public shrink tree (findLocalMin's walk).
    // The last failing report is the shrunk one.
    std::optional<CaseReport> last_failure;
    bool known_setup_failure = false;  // this combination stopped on one already reported
    bool warning_note = false;         // cr.note is a warning's message (decision 0165)
  };
  bool take_matrix_case(ComboTally& t, CaseReport rep, bool counted);
  void record_matrix_failure(ComboTally& t);
  void list_not_run(const std::vector<Combo>& combos, std::size_t from);
  std::vector<Case> settings_cases() const;

  // The run's budget, progress and failures (runner.cpp).
  // A case of a phase judged case by case ("capability", "settings"), `what` naming it.
  void count_case(const CaseReport& rep, std::string property, std::string what);
  // An item the wire left undecided, counted and listed (decision 0162).
  void note_undecided(std::string property, std::string what, std::string reason,
                      std::string token);
  // An item taken into the result that the wire did not leave undecided: the host answered.
  void note_decided() { undecided_in_a_row_ = 0; }
  double elapsed() const;
  bool out_of_budget();
  bool may_start() const;
  // What a case in two stages asks once the front is free (decisions 0153, 0154): may_start,
  // and not once the phase's `consume` ended it (a stop at the first failure, which may_start
  // leaves to the main thread, or one counterexample enough).
  std::function<bool()> may_start_turn() const {
    return [this] { return may_start() && !phase_over_.load(); };
  }
  bool keep_going(std::size_t i, std::size_t n);
  // Whether a shrink runs no more candidates: the run is stopping (Ctrl-C, its budget: as
  // may_start), it stopped because its host stopped answering, or the shrink's own last
  // candidates were undecided as many times in a row as stop the run (decision 0163). Its
  // candidates are not counted as items, so they do not stop the run themselves.
  bool shrink_over(int undecided_in_a_row) const;
  // Runs a phase's n items on the run's workers; consume(i, result) sees them in order, and
  // what an item that ran ahead of a stop could not remove is still listed (note_dropped).
  // kSequences: the sequences, which on a shared host leave each other's collections out of
  // their end comparison (SharedReach, decision 0144); kWholeHost: the concurrent rounds,
  // which count the whole host's new collections, so they overlap only where every case has a
  // host of its own (decision 0143).
  enum class Width : std::uint8_t { kOwnObjects, kSequences, kWholeHost };
  template <class R, class Work, class Consume>
  PoolOutcome in_order(Width width, std::size_t n, const Work& work, const Consume& consume) {
    const std::function<bool()> start = [this] { return may_start(); };
    const std::function<void(R &&)> dropped = [this](R&& r) { note_dropped(r); };
    PoolShape shape;
    shape.jobs = width == Width::kWholeHost   ? whole_host_jobs_
                 : width == Width::kSequences ? sequence_jobs_
                                              : jobs_;
    // A live host's cases and sequences in two stages (decisions 0153, 0154): one item ahead
    // of the one handed on, and the items come to the front in their order, each asking
    // whether to start only once the front is free (and then claiming it). Once `consume`
    // ended the phase (false, or an exception), no case starts.
    phase_over_ = false;
    const auto ending = [&](std::size_t i, R r) {
      bool more = false;
      try {
        more = consume(i, std::move(r));
      } catch (...) {
        phase_over_ = true;
        throw;
      }
      if (!more) phase_over_ = true;
      return more;
    };
    if (turns_ != nullptr && width != Width::kWholeHost) {
      shape.staged = true;
      shape.start = [this](std::size_t i) { return turns_->claim(i, may_start_turn()); };
      shape.after = [this] { turns_->unclaim(); };
      turns_->begin_phase();
    }
    PoolOutcome out = run_in_order<R>(n, shape, start, work, ending, dropped);
    if (out.not_started) (void)out_of_budget();  // records why (interrupted or out of time)
    return out;
  }
  void progress(const char* phase, int done, int total);
  void record_failure(FailureRecord f);
  // `f`'s requirement and check on its example (case_example), into the run's failures.
  void record_failure(const Finding& f, FailureRecord example);
  // A case as a failure or a warning shows it: the phase, a title, the case as its
  // counterexample, its token and how many calls it made.
  FailureRecord case_example(const CaseReport& rep, std::string property, std::string title,
                             std::string counterexample) const;
  // An item's warnings into the result (decision 0165): for each requirement it WARNs on (a
  // WARN, or a SHOULD's FAIL) that has no example yet, `example(finding)` makes one: the fields
  // but the requirement and check, which are the finding's. On the main thread, in item order,
  // so the examples are the same whatever -j is.
  template <class Example>
  void note_warnings(const Findings& fs, const Example& example) {
    for (const auto& f : fs) {
      if (!is_warning(f)) continue;
      if (!warned_.insert(f.requirement).second) continue;
      FailureRecord w = example(f);
      w.requirement = f.requirement;
      w.check = f.check;
      w.seconds_to_find = elapsed();
      result_.warnings.push_back(std::move(w));
    }
  }
  // The fields every reproduction token of this run starts with.
  nlohmann::json token_base(std::string_view kind) const;
  // What a case's or sequence's cleanup could not remove, into the result.
  void note_cleanup(const std::vector<std::string>& left);
  template <class R>
  void note_dropped(const R& r) {
    if constexpr (requires { r.cleanup_left; }) {
      note_cleanup(r.cleanup_left);
    } else if constexpr (requires { r.rep.cleanup_left; }) {
      note_cleanup(r.rep.cleanup_left);
    } else if constexpr (requires { r.front().cleanup_left; }) {
      for (const auto& x : r)
        note_cleanup(x.cleanup_left);
    }
  }
  // A case's token: the case, and how it ran (a probe, faults off, the set-up plan).
  std::string case_token(const CaseReport& rep) const;
  void finish_capability();

  const TargetFactory& make_;
  std::vector<TargetFactory> factories_;  // one copy per worker (decision 0074)
  int jobs_ = 1;                          // items of their own objects at a time
  int sequence_jobs_ = 1;                 // sequences at a time
  int whole_host_jobs_ = 1;               // concurrent rounds at a time
  std::unique_ptr<CaseTurns> turns_;      // a live host's cases at -j 1 (decision 0153)
  std::atomic<bool> phase_over_{false};   // the phase's consume ended it (may_start_turn)
  TargetInfo info_;
  RunOptions o_;
  RunResult result_;
  bool setup_failure_shown_ = false;  // a failure of a set-up call is in result_.failures
  std::set<std::string> warned_;      // the requirements result_.warnings has an example of
  int undecided_in_a_row_ = 0;        // items taken in, the latest ones, all undecided (0163)
  std::atomic<bool> stopped_answering_{false};  // result_.stopped_answering said (for pauses)
  Aggregator agg_;
  Clock::time_point start_;
};

}  // namespace hvsnap::conformance
