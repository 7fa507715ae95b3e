// The suite's phases judged case by case (suite.h): the capability probes, the class matrix
// (RapidCheck-drawn and shrunk), the SnapshotSettings sweep and the fault-free liveness phase.
// Each draws its items from the run seed, runs them on the run's workers and takes their
// reports into the result in item order (decision 0074). The stateful phases are
// phases_stateful.cpp's.
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <vector>

#include "hvsnap/conformance/token.h"
#include "phase_util.h"
#include "suite.h"

namespace hvsnap::conformance {

namespace {

// A settings case as its failure or warning shows it: the case, its SnapshotSettings, its calls.
std::string settings_example(const Case& c, const CaseReport& rep) {
  return c.describe() + "\nSnapshotSettings: " + c.settings_text().value_or("(absent)") + "\n" +
         rep.transcript;
}

}  // namespace

// Which member configurations the target snapshots (contract §2, CS-OUT-14): one ready
// group per power configuration and snapshot type, without any set-up snapshot. What it
// refuses decides how later set-up snapshots are arranged.
void Suite::capability() {
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
    count_case(rep, "capability", "capability probe " + combos[i].to_string());
    note_warnings(rep.findings, [&](const Finding& w) {
      return case_example(rep, "capability",
                          fmt::format("{}: {}", combos[i].to_string(), w.message),
                          c.describe() + "\n" + rep.transcript);
    });
    if (const Finding* f = first_fail(rep.findings)) {
      record_failure(*f, case_example(rep, "capability",
                                      fmt::format("{}: {}", combos[i].to_string(), f->message),
                                      c.describe() + "\n" + rep.transcript));
    }
    progress("capability", static_cast<int>(i) + 1, total);
    return keep_going(i, combos.size());
  };
  in_order<Item>(Width::kOwnObjects, combos.size(), work, consume);
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

void Suite::matrix() {
  if (!o_.class_matrix) return;
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
  // A worker runs the cases of one combination up to the first one with a FAIL that fails the
  // run: after it the combination is either shrunk or stopped (below), as a run on one thread
  // does. A warning (a SHOULD's FAIL) stops nothing (decision 0165).
  auto work = [&](std::size_t i, int w) {
    std::vector<CaseReport> reps;
    for (int k = 0; k < cases; ++k) {
      // In two stages (a live host at -j 1), each later case asks whether to start once the
      // front is free, as the first did through the pool (a stop ends the combination there).
      if (k > 0 && turns_ != nullptr && !turns_->claim_again(may_start_turn())) break;
      const Case c =
          draw<Case>([&] { return gen_case(combos[i], gen); }, seed_of(i, k), size_of(k));
      reps.push_back(run_case(c, factories_[static_cast<std::size_t>(w)], o_.run));
      if (first_fail(reps.back().findings) != nullptr) break;
    }
    return reps;
  };
  auto consume = [&](std::size_t i, std::vector<CaseReport> reps) {
    const Combo combo = combos[i];
    ComboTally t;
    t.cr.combo = combo;
    // Cut short: a later case of a live host's combination was refused at the front (a stop).
    const int ran = static_cast<int>(reps.size());
    const bool cut = ran < cases && first_fail(reps.back().findings) == nullptr;
    bool failing = false;
    for (int k = 0; k < static_cast<int>(reps.size()) && !t.known_setup_failure; ++k) {
      if (!take_matrix_case(t, std::move(reps[static_cast<std::size_t>(k)]), true)) continue;
      int lost_in_a_row = 0;
      shrink<Case>([&] { return gen_case(combo, gen); }, seed_of(i, k), size_of(k),
                   [&](const Case& candidate) {
                     if (shrink_over(lost_in_a_row)) return false;
                     CaseReport rep = run_case(candidate, make_, o_.run);
                     lost_in_a_row = rep.undecided ? lost_in_a_row + 1 : 0;
                     return take_matrix_case(t, std::move(rep), false);
                   });
      failing = true;
      break;
    }
    ComboResult& cr = t.cr;
    if (cr.verdict == Verdict::kNotTested && cr.cases > cr.not_tested) cr.verdict = Verdict::kPass;
    if (failing && t.last_failure) record_matrix_failure(t);
    if (cut) {
      (void)out_of_budget();  // records why (interrupted or out of time)
      // Said over a warning's message, not over a case's reason for not being tested: the cases
      // that did not run are the news (decisions 0161, 0165).
      if (cr.note.empty() || t.warning_note)
        cr.note = fmt::format("{} of its {} cases ran: the run stopped", ran, cases);
    }
    result_.combos.push_back(cr);
    ++result_.counts.combos;
    progress("matrix", static_cast<int>(i) + 1, static_cast<int>(combos.size()));
    return keep_going(i, combos.size()) && !cut;
  };
  // When the matrix was already over budget, it starts nothing (and says why below).
  std::size_t ran = 0;
  if (!out_of_budget())
    ran = in_order<std::vector<CaseReport>>(Width::kOwnObjects, combos.size(), work, consume)
              .consumed;
  list_not_run(combos, ran);
}

// Takes one case's report of a matrix combination; true when it fails. Shrinking runs
// (`counted` false) are not counted.
bool Suite::take_matrix_case(ComboTally& t, CaseReport rep, bool counted) {
  ComboResult& cr = t.cr;
  note_cleanup(rep.cleanup_left);
  if (counted) {
    ++cr.cases;
    ++result_.counts.cases;
    if (rep.not_tested) {
      ++cr.not_tested;
      ++result_.counts.cases_not_tested;
      if (rep.undecided) {
        note_undecided("matrix", fmt::format("{}, case {}", cr.combo.to_string(), cr.cases),
                       rep.not_tested_reason, case_token(rep));
      } else {
        note_decided();
      }
      // An undecided case's note first: it is what keeps the run from certifying (0161).
      if (cr.note.empty() || (rep.undecided && cr.note.rfind("undecided", 0) != 0)) {
        cr.note = rep.not_tested_reason;
        t.warning_note = false;  // a warning's message, if it was one, is gone (0165)
      }
    } else {
      note_decided();
      cr.observed.insert(rep.observed);
      cr.allowed = rep.allowed;
      agg_.add(rep.findings);
      agg_.observe_case(rep);
      const Finding* warning = first_warning(rep.findings);
      if (warning != nullptr && cr.verdict != Verdict::kFail) {
        cr.verdict = Verdict::kWarn;
        if (cr.note.empty()) {
          cr.note = warning->message;
          t.warning_note = true;
        }
      }
    }
  }
  // A warning is shown once for its requirement, from the first case that gave it (one that
  // also fails, too), not shrunk (decision 0165).
  if (counted && !rep.not_tested) {
    note_warnings(rep.findings, [&](const Finding& w) {
      return case_example(rep, "matrix", fmt::format("{}: {}", cr.combo.to_string(), w.message),
                          rep.input.describe() + "\n" + rep.transcript);
    });
  }
  const Finding* f = first_fail(rep.findings);
  if (f == nullptr) return false;
  // A set-up call that breaks the contract does so whatever the combination: it is
  // reported (shrunk) once; later combinations it stops are FAIL and point to it.
  if (counted && rep.setup_broke && setup_failure_shown_) {
    t.known_setup_failure = true;
    cr.verdict = Verdict::kFail;
    cr.note = fmt::format(
        "a set-up CreateSnapshot broke {} ({}) as in the failure shown "
        "for it; the combination itself could not be reached",
        f->requirement, f->check);
    return false;
  }
  // A shrink keeps only candidates that fail the run: one whose only FAIL is a SHOULD's (a
  // set-up call's, on every case) does not stand for a MUST's (decisions 0164, 0165).
  t.last_failure = std::move(rep);
  return true;
}

// The shrunk failure of a matrix combination into the run.
void Suite::record_matrix_failure(ComboTally& t) {
  ComboResult& cr = t.cr;
  const std::optional<CaseReport>& last_failure = t.last_failure;
  const Combo& combo = cr.combo;
  cr.verdict = Verdict::kFail;
  const Finding* f = first_fail(last_failure->findings);
  cr.note = f->message;
  record_failure(
      *f,
      case_example(*last_failure, "matrix", fmt::format("{}: {}", combo.to_string(), f->message),
                   last_failure->input.describe() + "\n" + last_failure->transcript));
  setup_failure_shown_ = setup_failure_shown_ || last_failure->setup_broke;
}

// The combinations a stopped matrix did not reach (from `from` on), listed as NOT_TESTED
// with the reason.
void Suite::list_not_run(const std::vector<Combo>& combos, std::size_t from) {
  for (std::size_t i = from; i < combos.size(); ++i) {
    (void)out_of_budget();
    ComboResult cr;
    cr.combo = combos[i];
    cr.note = !result_.stopped_answering.empty() ? "not run: the host stopped answering"
              : result_.interrupted              ? "not run: the run was interrupted"
              : result_.budget_exhausted         ? "not run: the time budget ran out"
                                                 : "not run: the run stopped at its first failure";
    result_.combos.push_back(cr);
    ++result_.counts.combos;  // listed, as NOT_TESTED with the reason
  }
}

// Every legal SnapshotSettings value, both DTD forms, both snapshot types (S-VALID), and
// IgnoreNonSnapshottableDisks against a disk that cannot be checkpointed.
std::vector<Case> Suite::settings_cases() const {
  std::vector<Case> cases;
  for (std::optional<int> cl : {std::optional<int>(), std::optional<int>(0), std::optional<int>(1),
                                std::optional<int>(2)}) {
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
  return cases;
}

// The SnapshotSettings sweep: every case of settings_cases, one counterexample at most.
void Suite::settings() {
  ++result_.counts.properties;
  const std::vector<Case> cases = settings_cases();
  if (out_of_budget()) return;
  auto work = [&](std::size_t i, int w) {
    return run_case(cases[i], factories_[static_cast<std::size_t>(w)], o_.run);
  };
  auto consume = [&](std::size_t i, CaseReport rep) {
    const Case& c = cases[i];
    count_case(rep, "settings", fmt::format("settings case {} of {}", i + 1, cases.size()));
    note_warnings(rep.findings, [&](const Finding& w) {
      return case_example(rep, "settings", "SnapshotSettings sweep: " + w.message,
                          settings_example(c, rep));
    });
    if (const Finding* f = first_fail(rep.findings)) {
      if (rep.setup_broke && setup_failure_shown_) return false;  // the matrix showed it
      record_failure(*f, case_example(rep, "settings", "SnapshotSettings sweep: " + f->message,
                                      settings_example(c, rep)));
      setup_failure_shown_ = setup_failure_shown_ || rep.setup_broke;
      return false;  // one counterexample is enough
    }
    progress("settings", static_cast<int>(i) + 1, static_cast<int>(cases.size()));
    return keep_going(i, cases.size());
  };
  in_order<CaseReport>(Width::kOwnObjects, cases.size(), work, consume);
}

// After a run with faults: with the faults switched off, valid calls must succeed.
void Suite::liveness() {
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
    const Combo combo{CClass::kReady, SClass::kNull, i % 2 ? TClass::kRecovery : TClass::kStandard,
                      RClass::kNull};
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
    note_cleanup(rep.cleanup_left);
    ++result_.counts.cases;
    if (rep.undecided) {
      note_undecided("liveness", fmt::format("liveness case {} of {}", i + 1, n),
                     rep.not_tested_reason, case_token(rep));
    } else {
      note_decided();
    }
    if (rep.not_tested) return keep_going(i, n);
    agg_.add(rep.findings);
    note_warnings(rep.findings, [&](const Finding& w) {
      return case_example(rep, "liveness", "with faults switched off: " + w.message,
                          c.describe() + "\n" + rep.transcript);
    });
    if (const Finding* f = first_fail(rep.findings)) {
      record_failure(*f, case_example(rep, "liveness", "with faults switched off: " + f->message,
                                      c.describe() + "\n" + rep.transcript));
      return false;
    }
    progress("liveness", static_cast<int>(i) + 1, o_.liveness_cases);
    return keep_going(i, n);
  };
  in_order<Item>(Width::kOwnObjects, n, work, consume);
}

}  // namespace hvsnap::conformance
