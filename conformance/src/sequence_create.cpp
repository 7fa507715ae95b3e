// Stateful sequences (contract §5): the harness's CreateSnapshot steps (sequence_harness.h) —
// one create, a concurrent pair (CS-SEQ-6), a create then cancelled (CS-SEQ-7) — and their
// judgement (CS-SEQ-1, CS-SEQ-5), with the calls and jobs the other steps share.
#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "hvsnap/cim/codes.h"
#include "hvsnap/cim/names.h"
#include "hvsnap/conformance/catalogue.h"
#include "sequence_harness.h"

namespace hvsnap::conformance {

namespace names = cim::names;
using cim::ObjectPath;
using cim::Value;
using model::id_of;

bool undecided(const model::CallOutcome& o) {
  return o.undecided();
}

bool succeeded(const model::CallOutcome& o) {
  if (o.fault) return false;
  if (o.return_value == 0) return true;
  return o.trace && o.trace->final_state() && cim::JobState(*o.trace->final_state()).is_success() &&
         !o.trace->timed_out;
}

// The classes a CreateSnapshot on `group` falls in, read from the current view.
model::Expectation Harness::expectation(const ObjectPath& group, std::uint16_t type, SClass s,
                                        bool ignore) {
  model::Expectation e;
  const std::string gid = id_of(group);
  e.group = gid;
  e.inside.insert(gid);
  const auto& g = view_.groups.at(gid);
  std::vector<CClass> classes;
  bool transitional = false, at_limit = false, saved = false;
  for (const auto& vm : g.members) {
    e.members.insert(vm);
    e.inside.insert(vm);
    auto it = view_.vms.find(vm);
    if (it == view_.vms.end()) continue;
    const auto st = it->second.state;
    transitional =
        transitional || cim::EnabledState(st).is_transitional() || transitions_.count(vm);
    saved = saved || cim::EnabledState(st).is_saved();
    at_limit =
        at_limit || (limit_ > 0 && vm == id_of(vms_[0]) && it->second.snapshots.size() >= limit_);
  }
  if (g.members.empty()) classes.push_back(CClass::kEmpty);
  if (transitional) classes.push_back(CClass::kTransitional);
  if (at_limit) classes.push_back(CClass::kAtLimit);
  if (saved) classes.push_back(CClass::kSaved);
  if (classes.empty()) classes.push_back(CClass::kReady);
  e.classes.c = classes.front();
  e.classes.more_c.assign(classes.begin() + 1, classes.end());
  e.classes.s = s;
  e.classes.t = type == 2 ? TClass::kRecovery : TClass::kStandard;
  e.classes.ignore_nonsnapshottable_disks = ignore;
  e.allowed = model::allowed_outcomes(e.classes, cfg_.declarations);
  e.snapshot_type = type;
  e.transitions = transitions_;
  return e;
}

cim::PropertyList Harness::create_args(const ObjectPath& group, const Step& step) {
  Case c;
  c.combo.s = step.s;
  c.s = step.settings;
  return CreateSnapshotArgs{
      .collection = Value::reference(group), .settings = c.settings_text(), .type = step.type}
      .params();
}

model::CallOutcome Harness::call_create(const cim::PropertyList& in, bool wait) {
  last_args_ = in;
  auto r = cl_.invoke(collection_snapshot_service(), names::kCreateSnapshot, in);
  throw_if_lost(r.status(), "the CreateSnapshot call");
  model::CallOutcome o = model::CallOutcome::from(r);
  if (o.job) note_job(*o.job);
  if (wait && o.job && !o.fault && o.return_value == cim::ReturnCode::kJobStarted) finish_job(o);
  return o;
}

void Harness::note_job(const ObjectPath& job) {
  job_paths_.push_back(job);
  const std::string id = id_of(job);
  if (!seen_jobs_.insert(id).second) {
    add(finding("seq8.ids-not-reused", Verdict::kWarn,
                fmt::format("job id {} was handed out twice", id)));
  } else {
    add(finding("seq8.ids-not-reused", Verdict::kPass));
  }
}

void Harness::finish_job(model::CallOutcome& o) {
  o.trace = cl_.wait_job(*o.job);
  throw_if_lost(*o.trace);
  // Remember terminal jobs to check their removal later (needs a clock to wait on).
  if (cl_.has_control() && o.trace->final_state() &&
      cim::JobState(*o.trace->final_state()).is_terminal() && !o.trace->vanished) {
    const auto tbr = cim::DateTime::parse(o.trace->samples.back().time_before_removal);
    if (tbr.ok() && tbr->is_interval()) {
      ended_.push_back({*o.job, cl_.control()->now_ms(), tbr->micros() / 1000});
    }
  }
  if (o.trace->final_state() && cim::JobState(*o.trace->final_state()).is_terminal() &&
      !o.trace->vanished) {
    watched_.push_back(*o.job);
    if (watched_.size() > kWatchedJobs) watched_.pop_front();
  }
}

// Observes after a call, giving a lagging result a bounded number of reads (CS-INV-7).
// With `undecided` (a job that vanished before it was seen to end), also while the call's new
// checkpoints show without a new collection, until one of them goes, when the view that showed
// it is given back (decision 0146).
model::HostView Harness::observe_after(std::size_t expected_new_collections, bool undecided) {
  model::HostView v;
  std::optional<model::HostView> first;  // the first view an undecided result lagged in
  for (int i = 0; i <= cfg_.visibility_retries; ++i) {
    v = observe();
    if (undecided && first && !model::keeps_new_checkpoints(view_, *first, v)) {
      return std::move(*first);  // a checkpoint it showed has gone: that view is judged
    }
    const bool lagging = undecided && model::result_may_lag(view_, v);
    std::size_t fresh = 0;
    for (const auto& id : v.all_collections)
      fresh += view_.all_collections.count(id) ? 0 : 1;
    if (fresh >= expected_new_collections && !lagging) break;
    if (lagging && !first) first = v;
    cl_.pass_time(cfg_.client.poll_step_ms);
  }
  return v;
}

void Harness::record_new(const model::HostView& after) {
  for (const auto& id : after.all_collections) {
    if (view_.all_collections.count(id)) continue;
    add(finding("seq1.distinct", see_collection(id) ? Verdict::kPass : Verdict::kFail,
                fmt::format("snapshot collection {} was created twice", id)));
    if (auto c = after.collections.find(id); c != after.collections.end())
      collections_[id] = c->second.members;
  }
}

void Harness::create(const Step& step) {
  const ObjectPath& g = groups_[static_cast<std::size_t>(step.a) % groups_.size()];
  Case c;
  c.combo.s = step.s;
  c.s = step.settings;
  TimeoutRetry timeouts;
  bool again = true;
  while (again) {
    const model::Expectation e = expectation(g, step.type, step.s, c.ignore_disks());
    const model::HostView before = view_;
    model::CallOutcome o = call_create(create_args(g, step), true);
    const model::HostView after = observe_after(succeeded(o) ? 1 : 0, undecided(o));
    again = judge(e, before, o, after, &timeouts);
    view_ = after;
  }
}

// Judges a CreateSnapshot step. With `timeouts`, a Timeout with no change is not judged but
// returns true: the caller makes the same call again (TimeoutRetry, decision 0062).
bool Harness::judge(model::Expectation e, const model::HostView& before,
                    const model::CallOutcome& o, const model::HostView& after,
                    TimeoutRetry* timeouts) {
  model::allow_finished_transitions(e, after, cfg_.declarations);
  model::Observation seen{before, o, after};
  model::Judgement j = judge_and_record(cl_, cfg_, e, seen, last_args_);
  // A new collection the judgement found from the call's new checkpoints (one no group links,
  // decision 0091) was reached by the sequence: the end check does not count it again.
  note_reached(seen.after.collection_paths);
  if (timeouts != nullptr) {
    Findings kept;
    if (timeouts->again(cl_, e, o, j, kept)) {
      ++retries_;
      add_all(std::move(kept));
      return true;
    }
  }
  const bool ok = j.category == model::Category::kSuccess;
  if (ok) {
    // CS-SEQ-1: each new snapshot continues its VM's chain.
    std::string broken;
    for (const auto& vm : e.members) {
      const auto& b = before.vms.at(vm);
      const auto& a = after.vms.at(vm);
      for (const auto& s : a.snapshots) {
        if (b.snapshots.count(s)) continue;
        if (after.snapshots.at(s).parent != b.most_current && broken.empty()) {
          broken = fmt::format(
              "{}'s new snapshot {} has Parent {}, not the previous snapshot {}", vm, s,
              after.snapshots.at(s).parent.empty() ? "none" : after.snapshots.at(s).parent,
              b.most_current.empty() ? "none" : b.most_current);
        }
      }
    }
    add(finding("seq1.chains", broken.empty() ? Verdict::kPass : Verdict::kFail, broken));
    record_new(after);
  }
  // CS-SEQ-5: the snapshot that would pass a member's limit fails with no change.
  if (e.classes.c == CClass::kAtLimit || std::find(e.classes.more_c.begin(), e.classes.more_c.end(),
                                                   CClass::kAtLimit) != e.classes.more_c.end()) {
    const bool no_change = model::diff(before, after, e.transitions).empty();
    add(finding("seq5.limit", !ok && no_change ? Verdict::kPass : Verdict::kFail,
                !ok && no_change
                    ? ""
                    : fmt::format("with a member at its checkpoint limit ({}) the call gave {}{}",
                                  limit_, j.observed, no_change ? "" : " and changed the host")));
  }
  add_all(std::move(j.findings));
  return false;
}

void Harness::pair(const Step& step) {
  const std::size_t ia = static_cast<std::size_t>(step.a) % groups_.size();
  std::size_t ib = static_cast<std::size_t>(step.b) % groups_.size();
  if (ib == ia) ib = (ia + 1) % groups_.size();
  const ObjectPath& ga = groups_[ia];
  const ObjectPath& gb = groups_[ib];
  const model::HostView before = view_;
  Step s = step;
  s.type = 1;
  s.s = SClass::kNull;
  model::CallOutcome oa = call_create(create_args(ga, s), false);
  model::CallOutcome ob = call_create(create_args(gb, s), false);
  for (auto* o : {&oa, &ob}) {
    if (o->job && !o->fault && o->return_value == cim::ReturnCode::kJobStarted) finish_job(*o);
  }
  const std::size_t wins = (succeeded(oa) ? 1 : 0) + (succeeded(ob) ? 1 : 0);
  const std::size_t maybe = (undecided(oa) ? 1 : 0) + (undecided(ob) ? 1 : 0);
  const model::HostView after = observe_after(wins, maybe > 0);
  // Each call alone must be an outcome its classes allow, or "busy" (5/32775) because of
  // the other; and the final state must be a serial composition of the winners (CS-SEQ-6).
  std::string problem;
  std::size_t fresh = 0;
  for (const auto& id : after.all_collections)
    fresh += before.all_collections.count(id) ? 0 : 1;
  if (fresh < wins || fresh > wins + maybe) {
    problem =
        fmt::format("{} call(s) succeeded but {} new snapshot collection(s) exist", wins, fresh);
  }
  std::set<std::string> members_a, members_b;
  for (const auto& v : before.groups.at(id_of(ga)).members)
    members_a.insert(v);
  for (const auto& v : before.groups.at(id_of(gb)).members)
    members_b.insert(v);
  for (const auto& [vm, b] : before.vms) {
    const auto& a = after.vms.at(vm);
    std::vector<std::string> gained;
    for (const auto& sid : a.snapshots) {
      if (!b.snapshots.count(sid)) gained.push_back(sid);
    }
    const std::size_t want = (succeeded(oa) && members_a.count(vm) ? 1 : 0) +
                             (succeeded(ob) && members_b.count(vm) ? 1 : 0);
    const std::size_t could = (undecided(oa) && members_a.count(vm) ? 1 : 0) +
                              (undecided(ob) && members_b.count(vm) ? 1 : 0);
    if (gained.size() < want || gained.size() > want + could) {
      if (problem.empty())
        problem = fmt::format("{} gained {} snapshots, expected {} from the calls that succeeded",
                              vm, gained.size(), want);
      continue;
    }
    // The gained snapshots must form one chain hanging off the previous most-current one.
    std::string tip = b.most_current;
    std::vector<std::string> left = gained;
    while (!left.empty()) {
      auto next = std::find_if(left.begin(), left.end(), [&](const std::string& sid) {
        return after.snapshots.at(sid).parent == tip;
      });
      if (next == left.end()) {
        if (problem.empty())
          problem = fmt::format(
              "{}'s new snapshots do not form a chain from {} (as no serial order would)", vm,
              tip.empty() ? "none" : tip);
        break;
      }
      tip = *next;
      left.erase(next);
    }
    if (left.empty() && a.most_current != tip && problem.empty()) {
      problem = fmt::format("{}'s most-current snapshot is {}, not the last of its new chain {}",
                            vm, a.most_current, tip);
    }
  }
  for (const auto* o : {&oa, &ob}) {
    if (succeeded(*o) || o->fault || undecided(*o)) continue;
    const bool code_ok =
        o->return_value == cim::ReturnCode::kJobStarted || model::is_failure_code(o->return_value);
    if (!code_ok && problem.empty())
      problem = fmt::format("a concurrent call returned {}", o->return_value);
  }
  add(finding("seq6.linearizable", problem.empty() ? Verdict::kPass : Verdict::kFail, problem));
  for (const auto* o : {&oa, &ob}) {
    if (o->trace) {
      Findings jf;
      model::check_job(*o->trace, jf);
      add_all(std::move(jf));
    }
  }
  if (fresh > 0) record_new(after);
  view_ = after;
}

void Harness::cancel(const Step& step) {
  const ObjectPath& g = groups_[static_cast<std::size_t>(step.a) % groups_.size()];
  Step s = step;
  s.type = 1;
  s.s = SClass::kNull;
  model::Expectation e;
  model::HostView before;
  model::CallOutcome o;
  for (TimeoutRetry timeouts;;) {
    e = expectation(g, 1, SClass::kNull, false);
    before = view_;
    o = call_create(create_args(g, s), false);
    if (!o.fault && o.return_value == cim::ReturnCode::kJobStarted && o.job) break;
    const model::HostView after = observe_after(succeeded(o) ? 1 : 0, undecided(o));
    const bool again = judge(e, before, o, after, &timeouts);
    view_ = after;
    if (!again) return;
  }
  cl_.pass_time(step.ms);
  auto inst = cl_.provider().get_instance(*o.job);
  throw_if_lost(inst.status(), "a read of job " + o.job->to_string());
  const auto state =
      inst.ok() ? static_cast<std::uint16_t>(inst->get_uint("JobState").value_or(0)) : 0;
  const bool running = inst.ok() && !cim::JobState(state).is_terminal();
  std::optional<bool> cancellable;
  if (inst.ok()) {
    if (const Value* c = inst->get("Cancellable")) cancellable = c->as_bool();
  }
  std::optional<std::uint32_t> rc;
  if (running) {
    cim::PropertyList in;
    cim::set(in, "RequestedState", Value::uint16(step.type));
    auto r = cl_.invoke(*o.job, "RequestStateChange", in);
    // Made or not, nobody can tell: the job's end judges nothing (decision 0161).
    throw_if_lost(r.status(), "RequestStateChange on job " + o.job->to_string());
    if (r.ok()) rc = r->return_value;
  }
  finish_job(o);
  const auto end = o.trace->final_state();
  const model::HostView after = observe_after(succeeded(o) ? 1 : 0, undecided(o));
  if (running && cancellable.value_or(false) && rc &&
      (*rc == 0 || *rc == cim::ReturnCode::kJobStarted)) {
    // CS-SEQ-7: an accepted Terminate/Kill ends the job 8 or 9 with nothing changed.
    const std::uint16_t want = step.type == 4 ? cim::JobState::kTerminated : cim::JobState::kKilled;
    const bool no_change = model::diff(before, after, e.transitions).empty();
    // A job removed as soon as it ended cannot show its state: the host must be unchanged.
    const bool ok = no_change && ((end && *end == want) || undecided(o));
    add(finding("seq7.cancelled", ok ? Verdict::kPass : Verdict::kFail,
                ok ? ""
                   : fmt::format("RequestStateChange({}) was accepted but the job ended {}{}",
                                 step.type, end ? cim::JobState(*end).to_string() : "nowhere",
                                 no_change ? "" : " and changes remained")));
  } else if (running && cancellable && !*cancellable) {
    const bool ok =
        rc && *rc != 0 && end && cim::JobState(*end).is_terminal() && *end != 8 && *end != 9;
    add(finding(
        "seq7.not-cancellable", ok ? Verdict::kPass : Verdict::kFail,
        ok ? "" : "a job with Cancellable=false accepted the cancel request or did not continue"));
  }
  // A refusal answers in the host's map (C4: 32768..32778, or the documented 1..6,
  // 4097..4099), never with a reserved value.
  if (running && rc && *rc != 0 && *rc != cim::ReturnCode::kJobStarted) {
    const bool reserved = model::is_reserved_job_control_code(*rc);
    add(finding("seq7.refusal-code", reserved ? Verdict::kFail : Verdict::kPass,
                reserved ? fmt::format("RequestStateChange({}) on the job was refused with {}, a "
                                       "reserved value",
                                       step.type, cim::ReturnCode(*rc).to_string())
                         : ""));
  }
  // The create itself, with a cancelled job counted as a legal failure.
  e.allowed.job_failure = e.allowed.job_failure || (running && rc && *rc == 0);
  judge(e, before, o, after);
  view_ = after;
}

}  // namespace hvsnap::conformance
