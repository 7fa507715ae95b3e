// One matrix case, end to end (contract §2 classes, §4 oracle).
#include "hvsnap/conformance/case_runner.h"

#include <fmt/format.h>

#include <optional>
#include <utility>

#include "case_arrange.h"
#include "hvsnap/cim/codes.h"
#include "hvsnap/cim/names.h"
#include "hvsnap/conformance/catalogue.h"
#include "hvsnap/conformance/observe.h"

namespace hvsnap::conformance {

namespace names = cim::names;
using cim::ObjectPath;
using cim::Value;
using model::id_of;

namespace {

// The arranged class must really hold before the call; otherwise the case is NOT_TESTED.
std::string precondition_problem(const Case& c, const model::HostView& before, const Arranged& a) {
  auto member_states = [&] {
    std::vector<std::uint16_t> s;
    for (const auto& id : a.expect.members) {
      auto it = before.vms.find(id);
      if (it != before.vms.end()) s.push_back(it->second.state);
    }
    return s;
  };
  const auto states = member_states();
  auto any_transitional = [&] {
    for (auto s : states) {
      if (cim::EnabledState(s).is_transitional()) return true;
    }
    return false;
  };
  auto any_saved = [&] {
    for (auto s : states) {
      if (cim::EnabledState(s).is_saved()) return true;
    }
    return false;
  };
  if (!before.errors.empty()) return "the host could not be observed: " + before.errors.front();
  switch (c.combo.c) {
    case CClass::kTransitional:
      if (!any_transitional())
        return "no member was still in a transitional state (1, 4, 10 or a vendor transition) "
               "when the call was made";
      break;
    case CClass::kSaved:
      if (!any_saved()) return "no member was Saved or Paused when the call was made";
      break;
    case CClass::kReady: {
      // The power configuration the case arranged must be the one observed.
      const std::string want = c.combo.power == Power::kAny ? ""
                               : c.combo.power == Power::kMixed
                                   ? "P-MIXED"
                                   : std::string(to_string(c.combo.power));
      const std::string seen = power_configuration(before, a.expect.members);
      if (!want.empty() && seen != want)
        return fmt::format("the members were {}, not {}, when the call was made", seen, want);
      if (c.combo.power == Power::kSaved) break;
      if (any_transitional() || any_saved())
        return "a member was not Running or Off when the call was made";
      break;
    }
    case CClass::kDisabled:
    case CClass::kAtLimit:
    case CClass::kNonsnapDisk:
    case CClass::kProdOnlyNovss:
      if (any_transitional() || any_saved())
        return "a member was not Running or Off when the call was made";
      break;
    default:
      break;
  }
  return {};
}

std::optional<Value> result_arg(const Case& c, const Arranged& a, Client& cl) {
  switch (c.combo.r) {
    case RClass::kNull:
      return std::nullopt;
    case RClass::kExisting:
      return Value::reference(a.scope.collections.front());
    case RClass::kGarbage:
      if (c.r.variant == 0) return Value::string(c.r.text);
      if (c.r.variant == 1) {
        ObjectPath p(cim::Name::borrow(names::kNamespace),
                     cim::Name::borrow(names::kSnapshotCollection));
        p.add_key("CollectionID", "00000000-0000-4000-8000-00000000DEAD");
        return Value::reference(p);
      }
      return Value::reference(Client::service(names::kVsms));
  }
  (void)cl;
  return std::nullopt;
}

cim::PropertyList arguments(const Case& c, const Arranged& a, const std::optional<Value>& r) {
  return CreateSnapshotArgs{.collection = a.collection,
                            .settings = c.settings_text(),
                            .settings_null = c.settings_null(),
                            .type = c.type,
                            .resulting = r}
      .params();
}

using Called = model::Observation;

// Calls CreateSnapshot, follows the job, and observes (waiting out bounded result lag).
Called call_and_observe(Client& cl, const cim::PropertyList& in, const model::Scope& scope,
                        const model::HostView& before, const RunConfig& cfg) {
  Called r;
  r.before = before;
  if (!before.whole_host_collections) {
    // A collection an earlier call's judgement reached only from its new snapshots (one no
    // group links) is not reached by a new observation: not watched from here (decision 0091).
    std::erase_if(r.before.all_collections,
                  [&](const std::string& id) { return !r.before.collections.count(id); });
  }
  auto res = cl.invoke(collection_snapshot_service(), names::kCreateSnapshot, in);
  r.outcome = model::CallOutcome::from(res);
  if (!r.outcome.fault && r.outcome.return_value == cim::ReturnCode::kJobStarted && r.outcome.job) {
    r.outcome.trace = cl.wait_job(*r.outcome.job);
  }
  const bool succeeded =
      !r.outcome.fault && (r.outcome.return_value == 0 ||
                           (r.outcome.trace && r.outcome.trace->final_state() &&
                            cim::JobState(*r.outcome.trace->final_state()).is_success()));
  const bool undecided = r.outcome.undecided();
  std::optional<model::HostView> first;  // the first view an undecided call's result lagged in
  for (int i = 0; i <= cfg.visibility_retries; ++i) {
    r.after = cl.observe(scope);
    if (undecided) {
      // Its new checkpoints without their collection may be a success lagging (decision 0146),
      // until one of them goes: then the view that showed it is judged.
      if (first && !model::keeps_new_checkpoints(r.before, *first, r.after)) {
        r.after = std::move(*first);
        break;
      }
      if (!model::result_may_lag(r.before, r.after)) break;
      if (!first) first = r.after;
    } else {
      if (!succeeded) break;
      // A success whose collection is not visible yet may be lagging (CS-INV-7 allows a bound).
      if (r.after.all_collections.size() > r.before.all_collections.size()) break;
    }
    cl.pass_time(cfg.client.poll_step_ms);
  }
  return r;
}

}  // namespace

namespace {

// What the reads after the case's last judgement broke of the wire's forms (the CS-INV-6
// re-read of ended jobs): the case's own, not left for whatever uses the connection next
// (decision 0141). A case that was not tested leaves them there.
void take_wire_leftovers(Client& cl, Findings& findings) {
  for (auto& w : cl.provider().take_wire_problems()) {
    findings.push_back(finding("read1.lexical-form", Verdict::kFail,
                               fmt::format("{}: {}", std::move(w.where), std::move(w.what))));
  }
}

// A case that could not go on, for `reason`; `lost`: the wire lost an answer it needed. A
// failure judged before, on answers that came back, that fails the run stands: it decides the
// case, what the case had still to judge is not judged, and the transcript's closing note is
// returned (decision 0164). Else (a SHOULD's FAIL, a WARN of the run, decides nothing) the
// case is not tested, and undecided when `lost`: nothing is judged on what the wire lost, nor
// on the case it was part of (decision 0161).
std::string stop_case(CaseReport& report, const std::string& reason, bool lost) {
  if (first_fail(report.findings) != nullptr) {
    if (!report.call_judged) report.observed = "stopped before the call under test was judged";
    return (lost ? "the wire lost an answer after the failure above was judged; nothing after "
                   "it was: "
                 : "the case could not go on after the failure above was judged: ") +
           reason;
  }
  report.not_tested = true;
  report.undecided = lost;
  report.not_tested_reason = lost ? "undecided: " + reason : reason;
  return {};
}

// The case's transcript, with the note of why it stopped after a failure, and what its reads
// since the last judgement broke of the wire's forms: FAILs of a tested case, or, once it
// stopped with a failure standing, dropped with the reads no judgement was made on (0164).
void close_case(Client& cl, CaseReport& report, const std::string& stopped_after) {
  if (!stopped_after.empty()) {
    (void)cl.provider().take_wire_problems();
  } else if (!report.not_tested) {
    take_wire_leftovers(cl, report.findings);
  }
  report.transcript = cl.transcript();
  if (!stopped_after.empty()) report.transcript += fmt::format("  ({})\n", stopped_after);
}

}  // namespace

model::Judgement judge_and_record(Client& cl, const RunConfig& cfg, const model::Expectation& e,
                                  model::Observation& o, const cim::PropertyList& in) {
  // A call whose answer the wire lost may or may not have been made: not judged (decision
  // 0161). A fault the host sent is its answer, and is judged.
  throw_if_lost(o.outcome.status, "the CreateSnapshot call");
  if (o.outcome.trace) throw_if_lost(*o.outcome.trace);
  complete_observation(cl.provider(), e.classes.c == CClass::kMgmt, o);
  if (!o.after.lost.empty()) {
    throw WireLost{"no answer came back to a read the judgement needs: " + o.after.lost.front()};
  }
  // What the judgement's own reads (and any since the view after the call) broke of the
  // wire's forms: this call's, judged and recorded with it, not left on the connection for
  // whichever case uses it next (decision 0141).
  for (auto& w : cl.provider().take_wire_problems()) {
    o.wire.push_back(
        {"read1.lexical-form", fmt::format("{}: {}", std::move(w.where), std::move(w.what))});
  }
  model::Judgement j = model::judge(e, o);
  if (cfg.record) {
    JudgedCall call;
    call.expectation = e;
    call.declarations = cfg.declarations;
    call.observation = o;
    call.call = render_call(collection_snapshot_service(), names::kCreateSnapshot, in);
    call.expect = first_fail(j.findings) != nullptr ? "rejected" : "accepted";
    cfg.record->judged(call);
  }
  return j;
}

bool TimeoutRetry::again(Client& cl, const model::Expectation& e, const model::CallOutcome& o,
                         model::Judgement& j, Findings& kept) {
  const bool timeout = !o.fault && (o.return_value == cim::ReturnCode::kTimeout ||
                                    o.return_value == cim::ReturnCode::kMsvmTimeout);
  const model::Allowed& a = e.allowed;
  // Only where success is the one allowed outcome (a refusal aside): elsewhere a failure code is
  // judged against its row as it is.
  const bool wants_success = a.success != model::kNoSuccess && a.codes.empty() &&
                             !a.any_failure_code && !a.job_failure && !a.check.empty();
  if (!timeout || !wants_success || j.category != model::Category::kFailureCode || j.transient ||
      retries_ >= kMax) {
    return false;
  }
  bool row_failed = false;
  for (const auto& f : j.findings) {
    if (f.check == a.check) {
      row_failed = row_failed || f.verdict == Verdict::kFail;
    } else if (fails_the_run(f)) {
      return false;  // it changed something, or broke something else: judged as it is
    }  // a SHOULD's FAIL is a warning (decision 0165): kept below, and the call made again
  }
  if (!row_failed) return false;
  for (auto& f : j.findings) {
    if (f.check != a.check) kept.push_back(std::move(f));
  }
  j.findings.clear();
  ++retries_;
  cl.section(
      fmt::format("a Timeout with no change: the same call again ({} of {})", retries_, kMax));
  cl.pass_time(kPauseMs);
  return true;
}

std::string power_configuration(const model::HostView& before,
                                const std::set<std::string>& members) {
  std::set<std::uint16_t> states;
  for (const auto& m : members) {
    const auto vm = before.vms.find(m);
    states.insert(vm == before.vms.end() ? 0 : vm->second.state);
  }
  if (states.empty()) return {};
  if (states.size() > 1) return "P-MIXED";
  switch (*states.begin()) {
    case 2:
      return "P-RUNNING";
    case 3:
      return "P-OFF";
    case 6:
      return "P-SAVED";
    case 9:
      return "P-PAUSED";
    default:
      return fmt::format("P-STATE-{}", *states.begin());
  }
}

SetupSnapshot setup_snapshot(Client& cl, const ObjectPath& group, const model::Scope& scope,
                             const RunConfig& cfg) {
  SetupSnapshot out;
  const std::string gid = id_of(group);
  if (cfg.setup.refused) {
    out.refused = true;
    out.problem =
        "set-up needs a collection snapshot, and the target refused every configuration the "
        "suite arranged (Not Supported)";
    return out;
  }
  if (cfg.setup.start_members) {
    // The target refuses Off members: start them first (a configuration it accepts).
    const model::HostView now = cl.observe(scope, Side::kBefore);
    if (const auto g = now.groups.find(gid); g != now.groups.end()) {
      for (const auto& m : g->second.members) {
        const auto vm = now.vms.find(m);
        if (vm != now.vms.end() && vm->second.state == 3) {
          if (auto st = cl.change_state(vm->second.path, 2); !st.ok()) {
            out.problem = "set-up: " + st.message();
            return out;
          }
        }
      }
    }
  }
  TimeoutRetry timeouts;
  // Eight attempts, and one more for each repeat after a Timeout.
  for (int attempt = 0; attempt < 8 + timeouts.retries(); ++attempt) {
    const model::HostView before = cl.observe(scope, Side::kBefore);
    if (!before.errors.empty()) {
      out.problem = "the host could not be observed: " + before.errors.front();
      return out;
    }
    const auto g = before.groups.find(gid);
    if (g == before.groups.end()) {
      out.problem = "set-up: the group to snapshot cannot be read";
      return out;
    }
    model::Expectation e;  // C-READY, S-NULL, T-STANDARD, R-NULL
    e.group = gid;
    e.members = g->second.members;
    e.inside = e.members;
    e.inside.insert(gid);
    for (const auto& m : e.members) {
      const auto vm = before.vms.find(m);
      if (vm == before.vms.end() || (vm->second.state != 2 && vm->second.state != 3)) {
        out.problem = fmt::format("set-up: member {} is not Running or Off before its snapshot", m);
        return out;
      }
    }
    e.allowed = model::allowed_outcomes(e.classes, cfg.declarations);
    const cim::PropertyList in = CreateSnapshotArgs{.collection = Value::reference(group)}.params();
    Called call = call_and_observe(cl, in, scope, before, cfg);
    model::Judgement j = judge_and_record(cl, cfg, e, call, in);
    if (timeouts.again(cl, e, call.outcome, j, out.findings)) {
      out.retries = timeouts.retries();
      continue;  // observed afresh at the top
    }
    for (auto& f : j.findings) {
      // A SHOULD the set-up call breaks is a WARN and the case goes on; a MUST stops it.
      out.failed = out.failed || fails_the_run(f);
      if (!f.message.empty()) f.message = "a set-up CreateSnapshot: " + f.message;
      out.findings.push_back(std::move(f));
    }
    if (out.failed) return out;
    if (j.refused) {
      out.refused = true;
      out.problem = fmt::format(
          "a set-up CreateSnapshot of a group whose members are {} was refused ({}, Not "
          "Supported)",
          power_configuration(before, e.members), j.observed);
      return out;
    }
    if (j.category == model::Category::kSuccess) {
      const auto s = call.after.collections.find(j.new_collection);
      if (s != call.after.collections.end()) {
        out.collection = s->second.path;
        out.job = call.outcome.job;
        return out;
      }
      out.problem = "CreateSnapshot (set-up) succeeded but its snapshot collection cannot be read";
      return out;
    }
    cl.pass_time(cfg.client.poll_step_ms);  // an allowed (transient) failure: try again
  }
  out.problem = fmt::format("CreateSnapshot (set-up): no snapshot collection after {} attempts",
                            8 + out.retries);
  return out;
}

model::Declarations declarations_of(const Capabilities& caps) {
  return {caps.recursive_management_collections, caps.transient_failures};
}

namespace {
// CS-OUT-16: the call with ResultingSnapshotCollection (`with_r`) against the same call
// without it. `skip`: they do not compare (a member's transition ended between them, or the
// call with it was a fault: the transport refusing the parameter, O6, not another outcome).
Finding same_outcome(const model::Judgement& without_r, const model::Judgement& with_r, bool skip,
                     const model::Declarations& declarations) {
  // The outcome class is success or failure: a provider may answer the same failing
  // input with a code one time and a failing job the next (completion: mixed).
  const bool same = (without_r.category == model::Category::kSuccess) ==
                    (with_r.category == model::Category::kSuccess);
  // With transient failures declared, any failure may have been injected: only two
  // successes compare then.
  const bool any_failed = with_r.category != model::Category::kSuccess ||
                          without_r.category != model::Category::kSuccess;
  skip = skip || with_r.transient || without_r.transient ||
         (declarations.transient_failures && any_failed);
  return finding(
      "out16.same-outcome", skip || same ? Verdict::kPass : Verdict::kFail,
      skip || same ? ""
                   : fmt::format("without ResultingSnapshotCollection the call gave {}, with it {}",
                                 without_r.observed, with_r.observed));
}

// A case's report before it runs: the case, and how it is run (which its token carries).
CaseReport report_for(const Case& c, const RunConfig& cfg) {
  CaseReport report;
  report.input = c;
  report.probe = cfg.probe;
  report.faults_off = cfg.faults_off;
  report.setup = cfg.setup;
  return report;
}
}  // namespace

CaseReport run_case(const Case& c, const TargetFactory& make_target, const RunConfig& cfg) {
  CaseReport report = report_for(c, cfg);
  // Before the target: the case's connection is let go (with the client) before its turn.
  CaseTurns::Turn turn(cfg.turns);
  auto target = make_target(c.host_seed);
  if (!target.ok()) {
    const NotMade why = not_made(target.status());
    report.not_tested = true;
    report.undecided = why.undecided;
    report.not_tested_reason = why.reason;
    return report;
  }
  if (cfg.faults_off && target->control) target->control->set_faults_enabled(false);
  ClientOptions client = cfg.client;
  client.lean_waits = true;  // lean waits and reads (decisions 0070, 0109)
  client.lean_reads = true;
  Client cl(std::move(target).value(), client);
  std::string stopped_after;  // why a case whose failure stands went no further (0164)
  try {
    Arranged a = arrange(cl, c, cfg, turn);
    turn.test();  // from the first read of the call under test on, no other case is on the host
    report.findings = std::move(a.setup_findings);
    report.retries = a.setup_retries;
    a.expect.classes = {
        c.combo.c, {}, c.combo.s, c.combo.t, c.ignore_disks(), c.combo.r != RClass::kNull};
    // Saved members make a C-READY call one of C-SAVED's (AMB-6 for recovery snapshots).
    if (c.combo.c == CClass::kReady && c.combo.power == Power::kSaved)
      a.expect.classes.more_c.push_back(CClass::kSaved);
    a.expect.allowed = model::allowed_outcomes(a.expect.classes, cfg.declarations);
    a.expect.snapshot_type = c.type;
    if (c.combo.r == RClass::kExisting) a.expect.referenced_collection = a.sentinel_collection;
    report.allowed = a.expect.allowed.describe();
    const std::optional<Value> r = result_arg(c, a, cl);

    model::HostView before = cl.observe(a.scope, Side::kBefore);
    if (auto problem = precondition_problem(c, before, a); !problem.empty()) {
      // What the arranged host handed out broke the contract (CS-READ-*): the case fails on
      // it (decision 0061); only a clean miss of the precondition is NOT_TESTED.
      if (!before.problems.empty()) {
        Findings broke = std::move(report.findings);  // the set-up's, taken in above
        for (const auto& p : before.problems)
          broke.push_back(
              finding(p.check, Verdict::kFail, "while arranging the case: " + p.message));
        throw SetupBroke{std::move(broke)};
      }
      throw Abort{problem};
    }

    // CS-OUT-16: with R given, the same call without R first; the outcome class must match.
    std::optional<model::Judgement> without_r;
    bool raced = false;
    if (r) {
      cl.section(
          "the call without ResultingSnapshotCollection (CS-OUT-16 compares it with the next)");
      Called plain = call_and_observe(cl, arguments(c, a, std::nullopt), a.scope, before, cfg);
      model::Expectation e = a.expect;
      e.referenced_collection.clear();
      raced = model::allow_finished_transitions(e, plain.after, cfg.declarations);
      without_r = judge_and_record(cl, cfg, e, plain, arguments(c, a, std::nullopt));
      for (TimeoutRetry timeouts;
           timeouts.again(cl, e, plain.outcome, *without_r, report.findings);) {
        ++report.retries;
        plain = call_and_observe(cl, arguments(c, a, std::nullopt), a.scope, plain.after, cfg);
        raced = model::allow_finished_transitions(e, plain.after, cfg.declarations) || raced;
        without_r = judge_and_record(cl, cfg, e, plain, arguments(c, a, std::nullopt));
      }
      for (auto& f : without_r->findings)
        report.findings.push_back(f);
      before = plain.after;
      if (auto problem = precondition_problem(c, before, a); !problem.empty()) {
        throw Abort{"after the call without ResultingSnapshotCollection: " + problem};
      }
    }
    cl.section("the call under test");
    Called main = call_and_observe(cl, arguments(c, a, r), a.scope, before, cfg);
    raced = model::allow_finished_transitions(a.expect, main.after, cfg.declarations) || raced;
    model::Judgement j = judge_and_record(cl, cfg, a.expect, main, arguments(c, a, r));
    // A Timeout with no change: the same call again, judged on the new answer (TimeoutRetry).
    for (TimeoutRetry timeouts; timeouts.again(cl, a.expect, main.outcome, j, report.findings);) {
      ++report.retries;
      main = call_and_observe(cl, arguments(c, a, r), a.scope, main.after, cfg);
      raced = model::allow_finished_transitions(a.expect, main.after, cfg.declarations) || raced;
      j = judge_and_record(cl, cfg, a.expect, main, arguments(c, a, r));
    }
    report.observed = j.observed;
    report.call_judged = true;
    report.transient = j.transient;
    if (!main.outcome.fault) report.return_value = main.outcome.return_value;
    if (main.outcome.trace) report.job_end = main.outcome.trace->final_state();
    for (auto& f : j.findings)
      report.findings.push_back(std::move(f));
    // Every job of the case that ended, read once more after the call under test (CS-INV-6);
    // the watched jobs by the view after it (0092), its own job by its wait's last read (0108).
    const std::string changed =
        cl.changed_terminal_jobs(&main.after, main.outcome.trace ? &*main.outcome.trace : nullptr);
    report.findings.push_back(finding("inv6.terminal-stable",
                                      changed.empty() ? Verdict::kPass : Verdict::kFail, changed));
    if (without_r) {
      report.findings.push_back(
          same_outcome(*without_r, j, raced || main.outcome.fault, cfg.declarations));
    }
    // The capability profile counts the calls of ready groups with valid parameters.
    const std::string config = power_configuration(main.before, a.expect.members);
    if (c.combo.c == CClass::kReady && is_valid(c.combo.s) && is_valid(c.combo.t)) {
      report.capability = CapabilityCall{fmt::format("{}/{}", config, to_string(c.combo.t)),
                                         j.category == model::Category::kSuccess
                                             ? CapabilityCall::Outcome::kSnapshotted
                                         : j.refused ? CapabilityCall::Outcome::kRefused
                                                     : CapabilityCall::Outcome::kFailed,
                                         j.observed};
    }
    // CS-INV-10: a refusal is stable. The same call again must be refused again.
    if (j.refused) {
      cl.section("the same call again: a refusal must be stable (CS-INV-10)");
      Called again = call_and_observe(cl, arguments(c, a, r), a.scope, main.after, cfg);
      model::Expectation e = a.expect;
      model::allow_finished_transitions(e, again.after, cfg.declarations);
      model::Judgement k = judge_and_record(cl, cfg, e, again, arguments(c, a, r));
      const bool stable = k.category != model::Category::kSuccess;
      for (auto& f : k.findings)
        report.findings.push_back(std::move(f));
      report.findings.push_back(
          finding("inv10.refusal-stable", stable ? Verdict::kPass : Verdict::kFail,
                  stable ? ""
                         : fmt::format("the call was refused ({}) and the same call right after it "
                                       "succeeded ({}); members {}",
                                       j.observed, k.observed, config)));
    }
  } catch (const Abort& abort) {
    stopped_after = stop_case(report, abort.reason, false);
  } catch (const WireLost& lost) {
    stopped_after = stop_case(report, lost.reason, true);
  } catch (SetupBroke& broke) {
    report.findings = std::move(broke.findings);
    report.setup_broke = true;
    report.observed = "a set-up call broke the contract";
  }
  // Not tested after the wire lost an answer it asked for (arranging it, say): undecided.
  if (report.not_tested && !report.undecided && cl.answers_lost() > 0) {
    report.undecided = true;
    report.not_tested_reason = "undecided: " + report.not_tested_reason;
  }
  // A case not tested counts nothing it judged (a SHOULD's FAIL, say): no failure is listed
  // or shrunk from it (decision 0164).
  if (report.not_tested) report.findings.clear();
  close_case(cl, report, stopped_after);
  turn.clean();
  if (cfg.cleanup) report.cleanup_left = cl.cleanup();
  return report;
}

}  // namespace hvsnap::conformance
