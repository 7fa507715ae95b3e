// The certification run: properties, shrinking, aggregation and the verdict.
#include "hvsnap/conformance/runner.h"

#include <fmt/format.h>
#include <rapidcheck.h>

#include <fmt/ranges.h>

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

#include "aggregator.h"
#include "hvsnap/cim/codes.h"
#include "hvsnap/cim/splitmix.h"
#include "hvsnap/conformance/catalogue.h"
#include "hvsnap/conformance/parallel.h"
#include "hvsnap/conformance/sequences.h"
#include "hvsnap/conformance/token.h"
#include "ordered_pool.h"

namespace hvsnap::conformance {

namespace {

using Clock = std::chrono::steady_clock;

// A seed for item `b` of the stream `a`: a hash combine finished by SplitMix64's mix.
std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  return cim::splitmix64_mix(a ^ (b + cim::kSplitMix64Increment + (a << 6) + (a >> 2)));
}

const Finding* first_fail(const Findings& fs) {
  for (const auto& f : fs) {
    if (f.verdict == Verdict::kFail) return &f;
  }
  return nullptr;
}

nlohmann::json token_base(const RunOptions& o, std::string_view kind) {
  return {{"kind", kind}, {"target", o.target_spec}, {"seed", o.seed}};
}

// RapidCheck keeps its implicit parameters (the generation context of rc::gen::exec and
// rc::state, rc::detail::ImplicitParam) in process-global stacks, not per thread: drawing a
// value or walking a shrink tree from two threads at once corrupts them. Every RapidCheck call
// of a run (generation, Shrinkable::value, shrinks) holds this lock, also across runs in one
// process; the cases themselves run without it (decision 0074).
std::mutex& rc_mutex() {
  static std::mutex mu;
  return mu;
}

// One value drawn from `gen` (under the RapidCheck lock).
template <class T>
T draw(const std::function<rc::Gen<T>()>& gen, std::uint64_t seed, int size) {
  std::lock_guard lock(rc_mutex());
  return gen()(rc::Random(seed), size).value();
}

// rc::shrinkable::findLocalMin with the RapidCheck lock held around RapidCheck's calls only,
// not while `smaller` runs a candidate against the target: the same walk of the same shrink
// tree, so the same local minimum. Returns whether some candidate was smaller.
template <class T>
bool shrink(const std::function<rc::Gen<T>()>& gen, std::uint64_t seed, int size,
            const std::function<bool(const T&)>& smaller) {
  std::unique_lock lock(rc_mutex());
  const rc::Shrinkable<T> root = gen()(rc::Random(seed), size);
  rc::Seq<rc::Shrinkable<T>> shrinks = root.shrinks();
  bool any = false;
  while (auto candidate = shrinks.next()) {
    T value = candidate->value();
    lock.unlock();
    const bool fails = smaller(value);
    lock.lock();
    if (fails) {
      shrinks = candidate->shrinks();
      any = true;
    }
  }
  return any;
}

class Suite {
 public:
  Suite(const TargetFactory& make, const TargetInfo& info, RunOptions o)
      : make_(make), info_(info), o_(std::move(o)), agg_(result_), start_(Clock::now()) {
    result_.target_uri = info.uri;
    result_.target_identity = info.identity;
    result_.capabilities = info.caps;
    result_.profile = o_.profile;
    result_.coverage = o_.coverage;
    result_.seed = o_.seed;
    o_.run.declarations = declarations_of(info.caps);
    // Cases overlap only on a target that declares it (decision 0074): a live host's (or one
    // served fake's) cases share its state.
    jobs_ = info.caps.concurrent_cases ? std::clamp(o_.jobs, 1, 256) : 1;
    // Each worker its own copy of the factory (and of everything it captured).
    for (int w = 0; w < jobs_; ++w)
      factories_.push_back(make_);
  }

  RunResult run() {
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
    finish_capability();
    finish_requirements();
    order_failures();
    apply_verdict(result_);
    return std::move(result_);
  }

 private:
  // Counts a case of a phase judged case by case (capability, settings) into the run.
  void count_case(const CaseReport& rep) {
    ++result_.counts.cases;
    if (rep.not_tested) {
      ++result_.counts.cases_not_tested;
    } else {
      agg_.add(rep.findings);
      agg_.observe_case(rep);
    }
  }
  double elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  // Whether to stop starting new work: the time budget ran out, or (stop_at_first_failure)
  // something already failed. Main thread only (it records why in the result).
  bool out_of_budget() {
    if (o_.cancel != nullptr && o_.cancel->load()) {
      result_.interrupted = true;
      return true;
    }
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
  bool may_start() const {
    if (o_.cancel != nullptr && o_.cancel->load()) return false;
    return o_.budget.count() == 0 || Clock::now() - start_ <= o_.budget;
  }
  // After item i of n was taken into the result: false when the run stops at its first
  // failure and there is more to do (recorded as out_of_budget records it, before the item a
  // run on one thread would not have started).
  bool keep_going(std::size_t i, std::size_t n) {
    if (i + 1 >= n || !o_.stop_at_first_failure || result_.failures.empty()) return true;
    return !out_of_budget();
  }
  // Runs a phase's n items on the run's workers; consume(i, result) sees them in order.
  template <class R, class Work, class Consume>
  PoolOutcome in_order(std::size_t n, const Work& work, const Consume& consume) {
    const std::function<bool()> start = [this] { return may_start(); };
    PoolOutcome out = run_in_order<R>(n, jobs_, start, work, consume);
    if (out.not_started) (void)out_of_budget();  // records why (interrupted or out of time)
    return out;
  }
  void progress(const char* phase, int done, int total) {
    if (o_.progress)
      o_.progress(
          Progress{phase, done, total, static_cast<int>(result_.failures.size()), elapsed()});
  }

  void record_failure(FailureRecord f) {
    f.seconds_to_find = elapsed();
    result_.failures.push_back(std::move(f));
  }

  // Which member configurations the target snapshots (contract §2, CS-OUT-14): one ready
  // group per power configuration and snapshot type, without any set-up snapshot. What it
  // refuses decides how later set-up snapshots are arranged.
  void capability() {
    ++result_.counts.properties;
    RunConfig probe = o_.run;
    probe.probe = true;
    GenOptions gen;
    gen.fake_attributes = info_.caps.control;
    std::vector<Combo> combos;
    for (Power power : kAllPower) {
      for (TClass t : {TClass::kStandard, TClass::kRecovery})
        combos.push_back(Combo{CClass::kReady, SClass::kNull, t, RClass::kNull, power});
    }
    const int total = static_cast<int>(combos.size());
    struct Item {
      Case c;
      CaseReport rep;
    };
    auto work = [&](std::size_t i, int w) {
      Item it;
      it.c = draw<Case>([&] { return gen_case(combos[i], gen); },
                        mix(o_.seed, 60000 + static_cast<std::uint64_t>(i)), 100);
      for (auto& m : it.c.c.members) {
        m.existing_snapshots = 0;
        m.at_limit = false;
      }
      it.rep = run_case(it.c, factories_[static_cast<std::size_t>(w)], probe);
      return it;
    };
    auto consume = [&](std::size_t i, Item it) {
      const Case& c = it.c;
      CaseReport& rep = it.rep;
      count_case(rep);
      if (const Finding* f = first_fail(rep.findings)) {
        FailureRecord fr;
        fr.requirement = f->requirement;
        fr.check = f->check;
        fr.property = "capability";
        fr.title = fmt::format("{}: {}", combos[i].to_string(), f->message);
        fr.counterexample = c.describe() + "\n" + rep.transcript;
        nlohmann::json tok = token_base(o_, "case");
        tok["case"] = to_json(c);
        tok["probe"] = true;
        fr.token = encode_token(tok);
        fr.steps = count_calls(rep.transcript);
        record_failure(std::move(fr));
      }
      progress("capability", static_cast<int>(i) + 1, total);
      return keep_going(i, combos.size());
    };
    in_order<Item>(combos.size(), work, consume);
    // Set-up snapshots from now on use a configuration the target accepts.
    const auto& rows = agg_.capability_rows();
    auto row = [&](const char* key) -> const CapabilityResult* {
      auto it = rows.find(key);
      return it == rows.end() ? nullptr : &it->second;
    };
    bool any_snapshotted = false, any_refused = false;
    for (const auto& [key, r] : rows) {
      any_snapshotted = any_snapshotted || r.snapshotted > 0;
      any_refused = any_refused || r.refused > 0;
    }
    const CapabilityResult* off = row("P-OFF/T-STANDARD");
    const bool off_refused = off != nullptr && off->refused > 0 && off->snapshotted == 0;
    o_.run.setup.refused = any_refused && !any_snapshotted;
    o_.run.setup.start_members = off_refused && !o_.run.setup.refused;
  }

  void matrix() {
    std::vector<Combo> combos =
        o_.coverage == Coverage::kExhaustive ? all_combos() : pairwise_combos();
    // Simplest first: the first failure a run finds is then the easiest one to read.
    std::stable_sort(combos.begin(), combos.end(),
                     [](const Combo& a, const Combo& b) { return complexity(a) < complexity(b); });
    GenOptions gen;
    gen.fake_attributes = info_.caps.control;
    ++result_.counts.properties;
    const int cases = std::max(1, o_.cases_per_combo);
    // Each case of combination i is its own seeded draw (from the run seed, the combination's
    // place and the case's).
    auto seed_of = [&](std::size_t i, int k) {
      return mix(mix(o_.seed, i), static_cast<std::uint64_t>(k));
    };
    auto size_of = [&](int k) { return k * 100 / cases; };  // growing, as a property grows them
    // A worker runs the cases of one combination up to the first one with a FAIL: after it the
    // combination is either shrunk or stopped (below), as a run on one thread does.
    auto work = [&](std::size_t i, int w) {
      std::vector<CaseReport> reps;
      for (int k = 0; k < cases; ++k) {
        const Case c =
            draw<Case>([&] { return gen_case(combos[i], gen); }, seed_of(i, k), size_of(k));
        reps.push_back(run_case(c, factories_[static_cast<std::size_t>(w)], o_.run));
        if (first_fail(reps.back().findings) != nullptr) break;
      }
      return reps;
    };
    auto consume = [&](std::size_t i, std::vector<CaseReport> reps) {
      const Combo combo = combos[i];
      ComboResult cr;
      cr.combo = combo;
      // A failing case is shrunk through RapidCheck's public shrink tree (findLocalMin's walk).
      // The last failing report is the shrunk one.
      std::optional<CaseReport> last_failure;
      bool failing = false;
      bool known_setup_failure = false;  // this combination stopped on one already reported
      // Takes one case's report; true when it fails. Shrinking runs (`counted` false) are not
      // counted.
      auto fails = [&](CaseReport rep, bool counted) {
        if (counted) {
          ++cr.cases;
          ++result_.counts.cases;
          if (rep.not_tested) {
            ++cr.not_tested;
            ++result_.counts.cases_not_tested;
            if (cr.note.empty()) cr.note = rep.not_tested_reason;
          } else {
            cr.observed.insert(rep.observed);
            cr.allowed = rep.allowed;
            agg_.add(rep.findings);
            agg_.observe_case(rep);
            for (const auto& f : rep.findings) {
              if (f.verdict == Verdict::kWarn && cr.verdict != Verdict::kFail)
                cr.verdict = Verdict::kWarn;
            }
          }
        }
        const Finding* f = first_fail(rep.findings);
        if (f == nullptr) return false;
        // A set-up call that breaks the contract does so whatever the combination: it is
        // reported (shrunk) once; later combinations it stops are FAIL and point to it.
        if (counted && rep.setup_broke && setup_failure_shown_) {
          known_setup_failure = true;
          cr.verdict = Verdict::kFail;
          cr.note = fmt::format(
              "a set-up CreateSnapshot broke {} ({}) as in the failure shown "
              "for it; the combination itself could not be reached",
              f->requirement, f->check);
          return false;
        }
        last_failure = std::move(rep);
        return true;
      };
      for (int k = 0; k < static_cast<int>(reps.size()) && !known_setup_failure; ++k) {
        if (!fails(std::move(reps[static_cast<std::size_t>(k)]), true)) continue;
        shrink<Case>([&] { return gen_case(combo, gen); }, seed_of(i, k), size_of(k),
                     [&](const Case& candidate) {
                       return fails(run_case(candidate, make_, o_.run), false);
                     });
        failing = true;
        break;
      }
      if (cr.verdict == Verdict::kNotTested && cr.cases > cr.not_tested)
        cr.verdict = Verdict::kPass;
      if (failing && last_failure) {
        cr.verdict = Verdict::kFail;
        const Finding* f = first_fail(last_failure->findings);
        cr.note = f->message;
        FailureRecord fr;
        fr.requirement = f->requirement;
        fr.check = f->check;
        fr.property = "matrix";
        fr.title = fmt::format("{}: {}", combo.to_string(), f->message);
        fr.counterexample = last_failure->input.describe() + "\n" + last_failure->transcript;
        nlohmann::json tok = token_base(o_, "case");
        tok["case"] = to_json(last_failure->input);
        fr.token = encode_token(tok);
        fr.steps = count_calls(last_failure->transcript);
        record_failure(std::move(fr));
        setup_failure_shown_ = setup_failure_shown_ || last_failure->setup_broke;
      }
      result_.combos.push_back(cr);
      ++result_.counts.combos;
      progress("matrix", static_cast<int>(i) + 1, static_cast<int>(combos.size()));
      return keep_going(i, combos.size());
    };
    // When the matrix was already over budget, it starts nothing (and says why below).
    std::size_t ran = 0;
    if (!out_of_budget())
      ran = in_order<std::vector<CaseReport>>(combos.size(), work, consume).consumed;
    for (std::size_t i = ran; i < combos.size(); ++i) {
      (void)out_of_budget();
      ComboResult cr;
      cr.combo = combos[i];
      cr.note = result_.interrupted        ? "not run: the run was interrupted"
                : result_.budget_exhausted ? "not run: the time budget ran out"
                                           : "not run: the run stopped at its first failure";
      result_.combos.push_back(cr);
      ++result_.counts.combos;  // listed, as NOT_TESTED with the reason
    }
  }

  // Every legal SnapshotSettings value, both DTD forms, both snapshot types (S-VALID).
  void settings() {
    ++result_.counts.properties;
    std::vector<Case> cases;
    for (std::optional<int> cl : {std::optional<int>(), std::optional<int>(0),
                                  std::optional<int>(1), std::optional<int>(2)}) {
      for (std::optional<bool> ig :
           {std::optional<bool>(), std::optional<bool>(false), std::optional<bool>(true)}) {
        for (std::optional<int> bt : {std::optional<int>(), std::optional<int>(0),
                                      std::optional<int>(1), std::optional<int>(2)}) {
          for (bool wmi : {false, true}) {
            for (std::uint16_t t : {1, 2}) {
              Case c;
              c.combo = {CClass::kReady, SClass::kValid,
                         t == 1 ? TClass::kStandard : TClass::kRecovery, RClass::kNull};
              VmSpec off;
              off.state = 3;
              off.checkpoint_type = 3;
              c.c.members = {VmSpec{}, off};
              c.s.consistency = cl;
              c.s.ignore_disks = ig;
              c.s.backup = bt;
              c.s.wmi_dtd = wmi;
              c.type = t;
              c.host_seed = mix(o_.seed, 100000 + cases.size());
              cases.push_back(c);
            }
          }
        }
      }
    }
    // IgnoreNonSnapshottableDisks only matters with a disk that cannot be checkpointed
    // (CS-OUT-12): both values, both forms, against a member with a passthrough or
    // fibre-channel disk.
    for (bool ig : {false, true}) {
      for (bool wmi : {false, true}) {
        for (const char* disk : {"passthrough", "fibre-channel"}) {
          Case c;
          c.combo = {CClass::kNonsnapDisk, SClass::kValid, TClass::kStandard, RClass::kNull};
          VmSpec vm;
          vm.disks = {"vhdx", disk};
          c.c.members = {vm};
          c.s.ignore_disks = ig;
          c.s.wmi_dtd = wmi;
          c.type = 2;
          c.host_seed = mix(o_.seed, 100000 + cases.size());
          cases.push_back(c);
        }
      }
    }
    if (out_of_budget()) return;
    auto work = [&](std::size_t i, int w) {
      return run_case(cases[i], factories_[static_cast<std::size_t>(w)], o_.run);
    };
    auto consume = [&](std::size_t i, CaseReport rep) {
      const Case& c = cases[i];
      count_case(rep);
      if (const Finding* f = first_fail(rep.findings)) {
        if (rep.setup_broke && setup_failure_shown_) return false;  // the matrix showed it
        FailureRecord fr;
        fr.requirement = f->requirement;
        fr.check = f->check;
        fr.property = "settings";
        fr.title = fmt::format("SnapshotSettings sweep: {}", f->message);
        fr.counterexample = c.describe() +
                            "\nSnapshotSettings: " + c.settings_text().value_or("(absent)") + "\n" +
                            rep.transcript;
        nlohmann::json tok = token_base(o_, "case");
        tok["case"] = to_json(c);
        fr.token = encode_token(tok);
        fr.steps = count_calls(rep.transcript);
        record_failure(std::move(fr));
        setup_failure_shown_ = setup_failure_shown_ || rep.setup_broke;
        return false;  // one counterexample is enough
      }
      progress("settings", static_cast<int>(i) + 1, static_cast<int>(cases.size()));
      return keep_going(i, cases.size());
    };
    in_order<CaseReport>(cases.size(), work, consume);
  }

  // Sequence j is its own seeded check (seed from the run seed and j only), so that a shard
  // runs the same sequences whatever the number of shards, and the N shards of a run merge to
  // the same requirement verdicts as the run itself (decision 0043). Every sequence counts
  // even after a failure; the first failing one of this run is shrunk and shown.
  void sequences() {
    ++result_.counts.properties;
    if (!info_.caps.control)
      agg_.not_tested(
          "CS-SEQ-5",
          "reaching a checkpoint limit needs the control interface (a live VM's limit is 50)");
    if (!info_.caps.control)
      agg_.not_tested("CS-SEQ-8",
                      "waiting out TimeBeforeRemoval needs the control interface's clock");
    const int max_steps = std::min(o_.max_steps, 50);
    const int shards = std::max(1, o_.shard_count);
    const int first = std::clamp(o_.shard_index, 0, shards - 1);
    const int total = o_.sequences > first ? (o_.sequences - first + shards - 1) / shards : 0;
    if (total == 0 || out_of_budget()) return;
    const bool control = info_.caps.control;
    auto seed_of = [&](std::size_t t) {
      const int j = first + static_cast<int>(t) * shards;
      return mix(mix(o_.seed, 7777), static_cast<std::uint64_t>(j));
    };
    auto generator = [&] { return gen_sequence(control, max_steps); };
    auto work = [&](std::size_t t, int w) {
      const std::uint64_t seed = seed_of(t);
      const std::vector<Step> steps = draw<std::vector<Step>>(generator, seed, max_steps);
      return run_sequence(steps, mix(seed, 1), factories_[static_cast<std::size_t>(w)], o_.run);
    };
    bool shown = false;
    auto consume = [&](std::size_t t, SequenceReport rep) {
      const std::size_t n = static_cast<std::size_t>(total);
      ++result_.counts.sequences;
      result_.counts.sequence_steps += static_cast<int>(rep.numbered.size());
      result_.counts.transient_retries += rep.retries;
      agg_.add(rep.findings);
      progress("sequences", static_cast<int>(t) + 1, total);
      if (rep.failure.empty() || shown) return keep_going(t, n);
      shown = true;
      const std::uint64_t seed = seed_of(t);
      const std::uint64_t host_seed = mix(seed, 1);
      // The smallest failing sequence RapidCheck's shrinks reach (shrinking runs are not
      // counted).
      std::vector<Step> steps = draw<std::vector<Step>>(generator, seed, max_steps);
      shrink<std::vector<Step>>(
          generator, seed, max_steps, [&](const std::vector<Step>& candidate) {
            SequenceReport again = run_sequence(candidate, host_seed, make_, o_.run);
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
      nlohmann::json tok = token_base(o_, "sequence");
      tok["host-seed"] = host_seed;
      tok["steps"] = nlohmann::json::array();
      for (const auto& s : steps)
        tok["steps"].push_back(s.to_json());
      fr.token = encode_token(tok);
      // A failure in the set-up has no steps: its calls are the counterexample.
      fr.steps =
          rep.numbered.empty() ? count_calls(rep.setup) : static_cast<int>(rep.numbered.size());
      record_failure(std::move(fr));
      return keep_going(t, n);
    };
    in_order<SequenceReport>(static_cast<std::size_t>(total), work, consume);
  }

  // Round i is seeded by the run seed and i only; a shard runs the rounds ≡ its index. Every
  // round counts even after a failure (decision 0043); the first failing one is shown.
  void parallel() {
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
    bool shown = false;
    auto consume = [&](std::size_t t, ParallelReport rep) {
      const std::size_t n = static_cast<std::size_t>(total);
      ++result_.counts.parallel_rounds;
      progress("parallel", static_cast<int>(t) + 1, total);
      if (rep.not_tested) return keep_going(t, n);
      agg_.add(rep.findings);
      if (rep.failure.empty() || shown) return keep_going(t, n);
      shown = true;
      FailureRecord fr;
      fr.requirement = "CS-SEQ-6";
      fr.check = "seq6.linearizable";
      fr.property = "parallel";
      fr.title = rep.failure;
      fr.counterexample = rep.description;
      nlohmann::json tok = token_base(o_, "parallel");
      tok["host-seed"] = seed_of(t);
      fr.token = encode_token(tok);
      fr.steps = 4;
      record_failure(std::move(fr));
      return keep_going(t, n);
    };
    in_order<ParallelReport>(static_cast<std::size_t>(total), work, consume);
  }

  // After a run with faults: with the faults switched off, valid calls must succeed.
  void liveness() {
    if (!info_.caps.transient_failures) return;
    if (!info_.caps.control) {
      agg_.not_tested("CS-OUT-14",
                      "transient failures were declared and cannot be switched off without the "
                      "control interface");
      return;
    }
    ++result_.counts.properties;
    if (o_.liveness_cases <= 0 || out_of_budget()) return;
    RunConfig strict = o_.run;
    strict.declarations.transient_failures = false;
    strict.faults_off = true;
    GenOptions gen;
    gen.fake_attributes = true;
    struct Item {
      Case c;
      CaseReport rep;
    };
    auto work = [&](std::size_t i, int w) {
      const Combo combo{CClass::kReady, SClass::kNull,
                        i % 2 ? TClass::kRecovery : TClass::kStandard, RClass::kNull};
      Item it;
      it.c = draw<Case>([&] { return gen_case(combo, gen); },
                        mix(o_.seed, 50000 + static_cast<std::uint64_t>(i)), 100);
      it.rep = run_case(it.c, factories_[static_cast<std::size_t>(w)], strict);
      return it;
    };
    const auto n = static_cast<std::size_t>(o_.liveness_cases);
    auto consume = [&](std::size_t i, Item it) {
      const Case& c = it.c;
      const CaseReport& rep = it.rep;
      ++result_.counts.cases;
      if (rep.not_tested) return keep_going(i, n);
      agg_.add(rep.findings);
      if (const Finding* f = first_fail(rep.findings)) {
        FailureRecord fr;
        fr.requirement = f->requirement;
        fr.check = f->check;
        fr.property = "liveness";
        fr.title = "with faults switched off: " + f->message;
        fr.counterexample = c.describe() + "\n" + rep.transcript;
        nlohmann::json tok = token_base(o_, "case");
        tok["case"] = to_json(c);
        tok["faults-off"] = true;
        fr.token = encode_token(tok);
        fr.steps = count_calls(rep.transcript);
        record_failure(std::move(fr));
        return false;
      }
      progress("liveness", static_cast<int>(i) + 1, o_.liveness_cases);
      return keep_going(i, n);
    };
    in_order<Item>(n, work, consume);
  }

  // Failures in catalogue order of their requirement; within one requirement the shortest
  // counterexample first (the one a report shows first), then in the order found.
  void order_failures() {
    std::map<std::string, std::size_t> rank;
    for (std::size_t i = 0; i < result_.requirements.size(); ++i)
      rank[result_.requirements[i].id] = i;
    std::stable_sort(
        result_.failures.begin(), result_.failures.end(),
        [&](const FailureRecord& a, const FailureRecord& b) {
          const auto ra = rank.count(a.requirement) ? rank[a.requirement] : rank.size();
          const auto rb = rank.count(b.requirement) ? rank[b.requirement] : rank.size();
          if (ra != rb) return ra < rb;
          return a.steps < b.steps;
        });
  }

  // The capability profile into the result, and CS-INV-10 across cases: a configuration
  // refused in one case and snapshotted in another.
  void finish_capability() {
    for (const auto& [key, row] : agg_.capability_rows()) {
      result_.capability.push_back(row);
      if (row.refused == 0 || row.snapshotted == 0) continue;
      const CaseReport* refused = agg_.first_refusal(key);
      const std::string message = fmt::format(
          "{} was refused ({}) in {} call(s) and snapshotted in {}: first snapshotted in {}", key,
          fmt::join(row.answers, ", "), row.refused, row.snapshotted, agg_.first_success(key));
      agg_.add({finding("inv10.refusal-stable", Verdict::kFail, message)});
      if (refused == nullptr) continue;
      FailureRecord fr;
      fr.requirement = "CS-INV-10";
      fr.check = "inv10.refusal-stable";
      fr.property = "capability";
      fr.title = message;
      fr.counterexample = refused->input.describe() + "\n" + refused->transcript;
      nlohmann::json tok = token_base(o_, "case");
      tok["case"] = to_json(refused->input);
      fr.token = encode_token(tok);
      fr.steps = count_calls(refused->transcript);
      record_failure(std::move(fr));
    }
  }

  // A conditional requirement whose condition never arose holds vacuously: say what was seen.
  std::string vacuous(const std::string& id) const {
    const bool zero = result_.return_codes.count("0") != 0;
    const bool job = result_.return_codes.count("4096") != 0;
    if (id == "CS-INV-4" && !zero)
      return "the target never returned 0: every success started a job (AMB-2)";
    if (id == "CS-INV-10") {
      bool refused = false;
      for (const auto& c : result_.capability)
        refused = refused || c.refused > 0;
      if (!refused) return "the target refused no configuration: there was no refusal to repeat";
    }
    if ((id == "CS-INV-5" || id == "CS-INV-5-S" || id == "CS-INV-6" || id == "CS-INV-6-S" ||
         id == "CS-INV-7-S" || id == "CS-INV-8" || id == "CS-SEQ-7" || id == "CS-SEQ-8") &&
        !job) {
      return "the target never returned 4096: it completed every call synchronously (AMB-2)";
    }
    return {};
  }

  // Requirements nothing checked get a reason; IF-IMPLEMENTED ones the target does not
  // declare are NOT_APPLICABLE with the declaration recorded.
  void finish_requirements() {
    for (auto& rr : result_.requirements) {
      if (rr.level == Level::kIfImplemented && rr.id == "CS-OUT-8" &&
          !info_.caps.recursive_management_collections) {
        rr.verdict = Verdict::kNotApplicable;
        rr.reason =
            "the target does not declare recursive snapshots of management collections (AMB-5); "
            "its answers "
            "were still held to failure with no change";
        continue;
      }
      if (rr.failed > 0) {
        rr.verdict = rr.level == Level::kShould ? Verdict::kWarn : Verdict::kFail;
      } else if (rr.warned > 0) {
        rr.verdict = Verdict::kWarn;
      } else if (rr.passed > 0) {
        rr.verdict = Verdict::kPass;
      } else if (auto why = vacuous(rr.id); !why.empty()) {
        rr.verdict = Verdict::kNotApplicable;
        rr.reason = why;
      } else {
        rr.verdict = Verdict::kNotTested;
        if (rr.reason.empty()) {
          rr.reason = result_.interrupted        ? "not reached: the run was interrupted"
                      : result_.budget_exhausted ? "not reached before the time budget ran out"
                      : result_.stopped_at_first_failure
                          ? "not reached: the run stopped at its first failure"
                          : "no case of this run reached a check of it";
        }
      }
    }
  }

  const TargetFactory& make_;
  std::vector<TargetFactory> factories_;  // one copy per worker (decision 0074)
  int jobs_ = 1;
  TargetInfo info_;
  RunOptions o_;
  RunResult result_;
  bool setup_failure_shown_ = false;  // a failure of a set-up call is in result_.failures
  Aggregator agg_;
  Clock::time_point start_;
};

}  // namespace

RunResult run_suite(const TargetFactory& make_target, const TargetInfo& info, RunOptions options) {
  return Suite(make_target, info, std::move(options)).run();
}

}  // namespace hvsnap::conformance
