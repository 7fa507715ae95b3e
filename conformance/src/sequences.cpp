// Stateful sequences (contract §5): the harness that performs and judges each step of a sequence
// (sequence_gen.cpp generates them).
#include "hvsnap/conformance/sequences.h"

#include "hvsnap/conformance/observe.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <map>

#include "hvsnap/cim/codes.h"
#include "hvsnap/cim/names.h"
#include "hvsnap/conformance/catalogue.h"

namespace hvsnap::conformance {

namespace names = cim::names;
using cim::ObjectPath;
using cim::Value;
using model::id_of;
using nlohmann::json;

namespace {

// A job that vanished before anyone saw it end: only the host's effects can tell.
bool undecided(const model::CallOutcome& o) {
  return !o.fault && o.return_value == cim::ReturnCode::kJobStarted && o.trace &&
         (!o.trace->final_state() || !cim::JobState(*o.trace->final_state()).is_terminal()) &&
         !o.trace->timed_out;
}

bool succeeded(const model::CallOutcome& o) {
  if (o.fault) return false;
  if (o.return_value == 0) return true;
  return o.trace && o.trace->final_state() && cim::JobState(*o.trace->final_state()).is_success() &&
         !o.trace->timed_out;
}

class Harness {
 public:
  Harness(Target target, const RunConfig& cfg)
      : cfg_(cfg), cl_(std::move(target), cfg.client), limit_(cl_.has_control() ? 3u : 0u) {}

  // Three VMs (v0 running, v1 running, v2 off), groups g0={v0,v1}, g1={v1,v2}, g2={v2},
  // and a sentinel group with one snapshot. On the fake, v0's checkpoint limit is 3 so
  // that sequences reach it (CS-SEQ-5).
  std::string setup() {
    auto fail = [](const cim::Status& st) { return st.ok() ? std::string() : st.message(); };
    for (int i = 0; i < 3; ++i) {
      auto vm = cl_.define_vm(fmt::format("seq-vm-{}", i), 5);
      if (!vm.ok()) return vm.status().message();
      vms_.push_back(*vm);
    }
    for (int i = 0; i < 2; ++i) {
      if (auto e = fail(cl_.change_state(vms_[static_cast<std::size_t>(i)], 2)); !e.empty())
        return e;
    }
    const std::vector<std::vector<int>> topology{{0, 1}, {1, 2}, {2}};
    for (std::size_t g = 0; g < topology.size(); ++g) {
      auto grp = cl_.define_collection(fmt::format("seq-group-{}", g), 0);
      if (!grp.ok()) return grp.status().message();
      for (int v : topology[g]) {
        if (auto e = fail(cl_.add_member(vms_[static_cast<std::size_t>(v)], *grp)); !e.empty())
          return e;
      }
      groups_.push_back(*grp);
    }
    auto svm = cl_.define_vm("seq-sentinel-vm", 5);
    auto sgrp = cl_.define_collection("seq-sentinel", 0);
    if (!svm.ok() || !sgrp.ok()) return "could not define the sentinel";
    if (auto e = fail(cl_.add_member(*svm, *sgrp)); !e.empty()) return e;
    // Judged like every call (contract §4): a set-up snapshot that breaks the contract is the
    // sequence's failure, not a reason to skip it.
    model::Scope so_far;
    so_far.vms = vms_;
    so_far.vms.push_back(*svm);
    so_far.groups = groups_;
    so_far.groups.push_back(*sgrp);
    SetupSnapshot s = setup_snapshot(cl_, *sgrp, so_far, cfg_);
    retries_ += s.retries;
    add_all(std::move(s.findings));
    if (s.failed) {
      setup_ = "set-up, where a CreateSnapshot broke the contract:\n" + cl_.transcript();
      return {};
    }
    if (!s.collection) return s.problem;
    if (limit_ > 0) {
      FakeVmAttributes a;
      a.checkpoint_limit = limit_;
      if (auto e = fail(cl_.set_fake_attributes(vms_[0], a)); !e.empty()) return e;
    }
    scope_.vms = vms_;
    scope_.vms.push_back(*svm);
    scope_.groups = groups_;
    scope_.groups.push_back(*sgrp);
    view_ = cl_.observe(scope_);
    if (!view_.errors.empty()) return "the host could not be observed: " + view_.errors.front();
    describe_setup(*svm, *sgrp);
    for (const auto& [id, c] : view_.collections)
      collections_[id] = c.members;
    for (const auto& id : view_.all_collections)
      seen_collections_.insert(id);
    return {};
  }

  void run(const Step& step, int number) {
    const std::size_t mark = cl_.calls().size();
    number_ = number;
    switch (step.kind) {
      case StepKind::kCreate:
        create(step);
        break;
      case StepKind::kCreatePair:
        pair(step);
        break;
      case StepKind::kCancel:
        cancel(step);
        break;
      case StepKind::kDestroy:
        destroy(step);
        break;
      case StepKind::kApply:
        apply(step);
        break;
      case StepKind::kAddMember:
      case StepKind::kRemoveMember:
        membership(step);
        break;
      case StepKind::kStateChange:
        state_change(step);
        break;
      case StepKind::kAdvance:
        advance(step);
        break;
      case StepKind::kPoll:
        poll();
        break;
    }
    check_collections_immutable();
    settle_transitions();
    // The step as numbered WMI calls.
    std::string line;
    for (std::size_t i = mark; i < cl_.calls().size(); ++i) {
      const auto& c = cl_.calls()[i];
      line += fmt::format("{}{} -> {}", line.empty() ? "" : "\n      ", c.call, c.outcome);
    }
    if (line.empty())
      line = step.kind == StepKind::kAdvance ? fmt::format("(wait {} ms)", step.ms)
                                             : "(read the host)";
    numbered_.push_back(fmt::format("{:>2}. {}", number, line));
  }

  // The starting point as a legend, so that the ids in the steps and messages mean something.
  void describe_setup(const cim::ObjectPath& sentinel_vm, const cim::ObjectPath& sentinel) {
    auto state = [&](const cim::ObjectPath& vm) {
      auto it = view_.vms.find(model::id_of(vm));
      if (it == view_.vms.end()) return std::string("?");
      switch (it->second.state) {
        case 2:
          return std::string("Running");
        case 3:
          return std::string("Off");
        default:
          return std::to_string(it->second.state);
      }
    };
    setup_ = "set-up (WMI calls before step 1; ids as the steps show them):\n";
    for (std::size_t i = 0; i < vms_.size(); ++i) {
      setup_ += fmt::format(
          "  VM seq-vm-{} = {}, {}{}\n", i, model::id_of(vms_[i]), state(vms_[i]),
          i == 0 && limit_ > 0 ? fmt::format(", checkpoint limit {} (fake control)", limit_) : "");
    }
    const std::vector<std::string> members{"seq-vm-0, seq-vm-1", "seq-vm-1, seq-vm-2", "seq-vm-2"};
    for (std::size_t g = 0; g < groups_.size(); ++g) {
      setup_ += fmt::format("  group seq-group-{} = {}, members {{{}}}\n", g,
                            model::id_of(groups_[g]), members[g]);
    }
    setup_ += fmt::format("  sentinel group {} with VM {} and one snapshot collection (CS-INV-9)\n",
                          model::id_of(sentinel), model::id_of(sentinel_vm));
  }

  SequenceReport finish() {
    SequenceReport r;
    r.setup = std::move(setup_);
    r.findings = std::move(findings_);
    r.numbered = std::move(numbered_);
    r.failure = failure_;
    r.retries = retries_;
    if (cfg_.cleanup) r.cleanup_left = cl_.cleanup();
    return r;
  }

  bool failed() const { return !failure_.empty(); }

 private:
  void add(Finding f) {
    // A SHOULD broken is a WARN (the sequence goes on); a MUST broken ends it.
    const Requirement* req = find_requirement(f.requirement);
    const bool must = req == nullptr || req->level != Level::kShould;
    if (f.verdict == Verdict::kFail && must && failure_.empty()) {
      failure_ = fmt::format("{} broke {} ({}): {}",
                             number_ == 0 ? "the set-up" : fmt::format("step {}", number_),
                             f.requirement, f.check, f.message);
    }
    findings_.push_back(std::move(f));
  }
  void add_all(Findings fs) {
    for (auto& f : fs)
      add(std::move(f));
  }

  // Every view also re-reads the last ended jobs of earlier calls: whatever a later call does,
  // an ended job keeps its state and stays readable for its TimeBeforeRemoval (CS-INV-9).
  model::HostView observe() {
    scope_.jobs.assign(watched_.begin(), watched_.end());
    return cl_.observe(scope_);
  }

  // A requested state change is over once the VM is seen neither where it started nor in a
  // transitional state (it may have moved on since, e.g. Paused and then Saved).
  void settle_transitions() {
    for (auto it = transitions_.begin(); it != transitions_.end();) {
      auto vm = view_.vms.find(it->first);
      const bool over = vm != view_.vms.end() &&
                        !cim::EnabledState(vm->second.state).is_transitional() &&
                        vm->second.state != transition_from_[it->first];
      if (over) transition_from_.erase(it->first);
      it = over ? transitions_.erase(it) : std::next(it);
    }
  }

  // The classes a CreateSnapshot on `group` falls in, read from the current view.
  model::Expectation expectation(const ObjectPath& group, std::uint16_t type, SClass s,
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

  cim::PropertyList create_args(const ObjectPath& group, const Step& step) {
    Case c;
    c.combo.s = step.s;
    c.s = step.settings;
    return CreateSnapshotArgs{
        .collection = Value::reference(group), .settings = c.settings_text(), .type = step.type}
        .params();
  }

  model::CallOutcome call_create(const cim::PropertyList& in, bool wait) {
    last_args_ = in;
    auto r = cl_.invoke(collection_snapshot_service(), names::kCreateSnapshot, in);
    model::CallOutcome o = model::CallOutcome::from(r);
    if (o.job) note_job(*o.job);
    if (wait && o.job && !o.fault && o.return_value == cim::ReturnCode::kJobStarted) finish_job(o);
    return o;
  }

  void note_job(const ObjectPath& job) {
    job_paths_.push_back(job);
    const std::string id = id_of(job);
    if (!seen_jobs_.insert(id).second) {
      add(finding("seq8.ids-not-reused", Verdict::kWarn,
                  fmt::format("job id {} was handed out twice", id)));
    } else {
      add(finding("seq8.ids-not-reused", Verdict::kPass));
    }
  }

  void finish_job(model::CallOutcome& o) {
    o.trace = cl_.wait_job(*o.job);
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
  model::HostView observe_after(std::size_t expected_new_collections) {
    model::HostView v;
    for (int i = 0; i <= cfg_.visibility_retries; ++i) {
      v = observe();
      std::size_t fresh = 0;
      for (const auto& id : v.all_collections)
        fresh += view_.all_collections.count(id) ? 0 : 1;
      if (fresh >= expected_new_collections) break;
      cl_.pass_time(cfg_.client.poll_step_ms);
    }
    return v;
  }

  void record_new(const model::HostView& after) {
    for (const auto& id : after.all_collections) {
      if (view_.all_collections.count(id)) continue;
      add(finding("seq1.distinct",
                  seen_collections_.insert(id).second ? Verdict::kPass : Verdict::kFail,
                  fmt::format("snapshot collection {} was created twice", id)));
      if (auto c = after.collections.find(id); c != after.collections.end())
        collections_[id] = c->second.members;
    }
  }

  void create(const Step& step) {
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
      const model::HostView after = observe_after(succeeded(o) ? 1 : 0);
      again = judge(e, before, o, after, &timeouts);
      view_ = after;
    }
  }

  // Judges a CreateSnapshot step. With `timeouts`, a Timeout with no change is not judged but
  // returns true: the caller makes the same call again (TimeoutRetry, decision 0062).
  bool judge(model::Expectation e, const model::HostView& before, const model::CallOutcome& o,
             const model::HostView& after, TimeoutRetry* timeouts = nullptr) {
    model::allow_finished_transitions(e, after, cfg_.declarations);
    model::Observation seen{before, o, after};
    model::Judgement j = judge_and_record(cl_, cfg_, e, seen, last_args_);
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
    if (e.classes.c == CClass::kAtLimit ||
        std::find(e.classes.more_c.begin(), e.classes.more_c.end(), CClass::kAtLimit) !=
            e.classes.more_c.end()) {
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

  void pair(const Step& step) {
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
    const model::HostView after = observe_after(wins);
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
      const bool code_ok = o->return_value == cim::ReturnCode::kJobStarted ||
                           model::is_failure_code(o->return_value);
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

  void cancel(const Step& step) {
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
      const model::HostView after = observe_after(succeeded(o) ? 1 : 0);
      const bool again = judge(e, before, o, after, &timeouts);
      view_ = after;
      if (!again) return;
    }
    cl_.pass_time(step.ms);
    auto inst = cl_.provider().get_instance(*o.job);
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
      if (r.ok()) rc = r->return_value;
    }
    finish_job(o);
    const auto end = o.trace->final_state();
    const model::HostView after = observe_after(succeeded(o) ? 1 : 0);
    if (running && cancellable.value_or(false) && rc &&
        (*rc == 0 || *rc == cim::ReturnCode::kJobStarted)) {
      // CS-SEQ-7: an accepted Terminate/Kill ends the job 8 or 9 with nothing changed.
      const std::uint16_t want =
          step.type == 4 ? cim::JobState::kTerminated : cim::JobState::kKilled;
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
          ok ? ""
             : "a job with Cancellable=false accepted the cancel request or did not continue"));
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

  std::vector<std::string> our_collections() const {
    std::vector<std::string> out;
    for (const auto& g : groups_) {
      for (const auto& c : view_.groups.at(id_of(g)).collections)
        out.push_back(c);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

  void destroy(const Step& step) {
    const auto ours = our_collections();
    if (ours.empty()) return poll();
    const std::string& target = ours[static_cast<std::size_t>(step.a) % ours.size()];
    const model::HostView before = view_;
    const std::set<std::string> dead = before.collections.at(target).members;
    cim::PropertyList in;
    cim::set(in, "AffectedSnapshotCollection",
             Value::reference(before.collections.at(target).path));
    auto r = cl_.invoke(Client::service(names::kCollectionSnapshotService), "DestroySnapshot", in);
    model::CallOutcome o = model::CallOutcome::from(r);
    if (o.job && !o.fault && o.return_value == cim::ReturnCode::kJobStarted) {
      note_job(*o.job);
      finish_job(o);
    }
    const model::HostView after = observe();
    const bool no_change_at_all = model::diff(before, after, transitions_).empty();
    if (!succeeded(o) && !(undecided(o) && !no_change_at_all)) {
      const bool no_change = no_change_at_all;
      const bool tolerated =
          cfg_.declarations.transient_failures || !transitions_.empty() || undecided(o);
      add(finding("seq2.removed", tolerated && no_change ? Verdict::kPass : Verdict::kFail,
                  fmt::format("DestroySnapshot of {} gave {}{}", target, o.describe(),
                              no_change ? "" : " and changed the host")));
      view_ = after;
      return;
    }
    collections_.erase(target);
    // The destroyed snapshots' descendants: each is either re-parented or removed with its own
    // descendants ("may destroy other snapshots that are dependent", M7; AMB-15).
    std::set<std::string> dependents;
    for (bool grew = true; grew;) {
      grew = false;
      for (const auto& [id, sv] : before.snapshots) {
        if (dead.count(id) || dependents.count(id)) continue;
        if (dead.count(sv.parent) || dependents.count(sv.parent))
          grew = dependents.insert(id).second || grew;
      }
    }
    auto gone = [&](const std::string& s) { return !s.empty() && !after.snapshots.count(s); };
    // The nearest ancestor of `s` that survives.
    auto survivor = [&](std::string s) {
      while (!s.empty() && (dead.count(s) || gone(s)))
        s = before.snapshots.count(s) ? before.snapshots.at(s).parent : std::string();
      return s;
    };
    std::string removed, reparent, current, others;
    if (after.all_collections.count(target)) removed = fmt::format("{} still exists", target);
    for (const auto& s : dead) {
      if (after.snapshots.count(s) && removed.empty())
        removed = fmt::format("its snapshot {} still exists", s);
    }
    for (const auto& [id, sv] : after.snapshots) {
      // No snapshot may be left with a Parent that does not exist.
      if (gone(sv.parent) && reparent.empty()) {
        reparent = fmt::format("snapshot {} is left with Parent {}, which no longer exists", id,
                               sv.parent);
      }
      auto b = before.snapshots.find(id);
      if (b == before.snapshots.end() || !dead.count(b->second.parent)) continue;
      const std::string want = survivor(b->second.parent);
      if (sv.parent != want && reparent.empty()) {
        reparent =
            fmt::format("child {} has Parent {}, expected {}", id,
                        sv.parent.empty() ? "none" : sv.parent, want.empty() ? "none" : want);
      }
    }
    for (const auto& [vm, b] : before.vms) {
      const auto& a = after.vms.at(vm);
      const std::string want = survivor(b.most_current);
      if (a.most_current != want && current.empty()) {
        current = fmt::format("{}'s most-current snapshot is {}, expected {}", vm,
                              a.most_current.empty() ? "none" : a.most_current,
                              want.empty() ? "none" : want);
      }
    }
    for (const auto& [id, c] : before.collections) {
      if (id == target) continue;
      // A collection keeps every member that was not removed as a dependent (M7); one that
      // lost all its members may go as a whole.
      std::set<std::string> kept;
      for (const auto& m : c.members) {
        if (!(dependents.count(m) && gone(m))) kept.insert(m);
      }
      auto a = after.collections.find(id);
      const bool ok = a == after.collections.end() ? kept.empty() && kept != c.members
                                                   : a->second.members == kept;
      if (!ok && others.empty()) others = fmt::format("snapshot collection {} changed", id);
      // What CS-SEQ-4 holds from now on: the collection as the legal removal left it.
      if (ok && kept != c.members && collections_.count(id)) {
        if (a == after.collections.end()) {
          collections_.erase(id);
        } else {
          collections_[id] = a->second.members;
        }
      }
    }
    for (const auto& [id, sv] : before.snapshots) {
      if (!dead.count(id) && !dependents.count(id) && !after.snapshots.count(id) && others.empty())
        others = fmt::format("snapshot {} vanished", id);
    }
    add(finding("seq2.removed", removed.empty() ? Verdict::kPass : Verdict::kFail, removed));
    add(finding("seq2.reparented", reparent.empty() ? Verdict::kPass : Verdict::kFail, reparent));
    add(finding("seq2.most-current", current.empty() ? Verdict::kPass : Verdict::kFail, current));
    add(finding("seq2.others-unchanged", others.empty() ? Verdict::kPass : Verdict::kFail, others));
    view_ = after;
  }

  void apply(const Step& step) {
    const auto ours = our_collections();
    if (ours.empty()) return poll();
    const std::string& target = ours[static_cast<std::size_t>(step.a) % ours.size()];
    const model::HostView before = view_;
    std::map<std::string, std::string> restore;  // vm -> its snapshot in the collection
    for (const auto& s : before.collections.at(target).members) {
      if (before.snapshots.count(s)) restore[before.snapshots.at(s).vm] = s;
    }
    bool running = false, stopped = true;
    for (const auto& [vm, s] : restore) {
      const auto st = before.vms.count(vm) ? before.vms.at(vm).state : 0;
      running = running || st == 2;
      stopped = stopped && (st == 3 || st == 6) && !transitions_.count(vm);
    }
    cim::PropertyList in;
    cim::set(in, "SnapshotCollection", Value::reference(before.collections.at(target).path));
    auto r = cl_.invoke(Client::service(names::kCollectionSnapshotService), "ApplySnapshot", in);
    model::CallOutcome o = model::CallOutcome::from(r);
    if (o.job && !o.fault && o.return_value == cim::ReturnCode::kJobStarted) {
      note_job(*o.job);
      finish_job(o);
    }
    const model::HostView after = observe();
    const bool ok =
        succeeded(o) || (undecided(o) && !model::diff(before, after, transitions_).empty());
    if (running) {
      const bool no_change = model::diff(before, after, transitions_).empty();
      const bool right_code = !o.fault && (o.return_value == 5 || o.return_value == 32775);
      const bool pass = !ok && no_change &&
                        (right_code || cfg_.declarations.transient_failures || o.trace.has_value());
      add(finding("seq3.running-refused", pass ? Verdict::kPass : Verdict::kFail,
                  pass ? ""
                       : fmt::format("ApplySnapshot with a Running member gave {}{}", o.describe(),
                                     no_change ? "" : " and changed the host")));
    } else if (stopped) {
      std::string problem;
      if (!ok && !cfg_.declarations.transient_failures && !undecided(o)) {
        problem = fmt::format("ApplySnapshot with every member Off or Saved gave {}", o.describe());
      }
      if (ok) {
        for (const auto& [vm, s] : restore) {
          if (after.vms.count(vm) && after.vms.at(vm).most_current != s && problem.empty()) {
            problem = fmt::format("{}'s most-current snapshot is {}, not the applied {}", vm,
                                  after.vms.at(vm).most_current, s);
          }
        }
      }
      add(finding("seq3.applied", problem.empty() ? Verdict::kPass : Verdict::kFail, problem));
    }
    view_ = after;
  }

  void membership(const Step& step) {
    const ObjectPath& vm = vms_[static_cast<std::size_t>(step.a) % vms_.size()];
    const ObjectPath& g = groups_[static_cast<std::size_t>(step.b) % groups_.size()];
    if (step.kind == StepKind::kAddMember) {
      (void)cl_.add_member(vm, g);
    } else {
      (void)cl_.remove_member(vm, g);
    }
    view_ = observe();
  }

  void state_change(const Step& step) {
    const ObjectPath& vm = vms_[static_cast<std::size_t>(step.a) % vms_.size()];
    const std::string id = id_of(vm);
    const std::uint16_t from = view_.vms.count(id) ? view_.vms.at(id).state : 0;
    const auto st = cl_.change_state(vm, step.type, step.wait);
    if (st.ok() && !step.wait) {
      transitions_[id] = step.type;
      transition_from_[id] = from;
    }
    view_ = observe();
  }

  void advance(const Step& step) {
    cl_.pass_time(step.ms);
    if (cl_.has_control()) {
      const std::int64_t now = cl_.control()->now_ms();
      constexpr std::int64_t kSlack = 5000;
      for (auto it = ended_.begin(); it != ended_.end();) {
        const bool gone = !cl_.provider().get_instance(it->job).ok();
        if (now > it->ended_ms + it->tbr_ms + kSlack) {
          add(finding(
              "seq8.removed-after-time", gone ? Verdict::kPass : Verdict::kWarn,
              gone ? ""
                   : fmt::format(
                         "job {} is still readable {} ms after it ended (TimeBeforeRemoval {} ms)",
                         id_of(it->job), now - it->ended_ms, it->tbr_ms)));
          it = ended_.erase(it);
          continue;
        }
        if (now + kSlack < it->ended_ms + it->tbr_ms && gone) {
          add(finding(
              "inv8.readable-after-end", Verdict::kWarn,
              fmt::format(
                  "job {} vanished {} ms after it ended, before its TimeBeforeRemoval of {} ms",
                  id_of(it->job), now - it->ended_ms, it->tbr_ms)));
          it = ended_.erase(it);
          continue;
        }
        ++it;
      }
    }
    view_ = observe();
  }

  void poll() {
    for (const auto& job : job_paths_)
      (void)cl_.provider().get_instance(job);
    view_ = observe();
  }

  // CS-SEQ-4: an existing snapshot collection never changes (only DestroySnapshot ends it).
  void check_collections_immutable() {
    std::string problem;
    for (const auto& [id, members] : collections_) {
      if (!view_.all_collections.count(id)) {
        problem = fmt::format("snapshot collection {} disappeared without DestroySnapshot", id);
        break;
      }
      auto c = view_.collections.find(id);
      if (c != view_.collections.end() && c->second.members != members) {
        problem = fmt::format("the members of snapshot collection {} changed", id);
        break;
      }
    }
    add(finding("seq4.collections-immutable", problem.empty() ? Verdict::kPass : Verdict::kFail,
                problem));
  }

  struct Ended {
    ObjectPath job;
    std::int64_t ended_ms;
    std::int64_t tbr_ms;
  };

  const RunConfig& cfg_;
  Client cl_;
  std::uint32_t limit_;
  std::vector<ObjectPath> vms_;
  std::vector<ObjectPath> groups_;
  model::Scope scope_;
  model::HostView view_;
  std::map<std::string, std::set<std::string>> collections_;  // existing S -> members
  std::set<std::string> seen_collections_;
  std::set<std::string> seen_jobs_;
  cim::PropertyList last_args_;  // the last CreateSnapshot's arguments (for --record)
  std::vector<ObjectPath> job_paths_;
  std::map<std::string, std::uint16_t> transitions_;      // vm -> requested state, not yet reached
  std::map<std::string, std::uint16_t> transition_from_;  // vm -> its state when requested
  std::vector<Ended> ended_;
  // The last ended jobs every later view re-reads (a bounded cost: two Gets per view).
  static constexpr std::size_t kWatchedJobs = 2;
  std::deque<ObjectPath> watched_;
  Findings findings_;
  std::vector<std::string> numbered_;
  std::string setup_;
  std::string failure_;
  int number_ = 0;
  int retries_ = 0;  // calls repeated after a Timeout with no change (TimeoutRetry)
};

}  // namespace

SequenceReport run_sequence(const std::vector<Step>& steps, std::uint64_t host_seed,
                            const TargetFactory& make_target, const RunConfig& config) {
  auto target = make_target(host_seed);
  if (!target.ok()) {
    SequenceReport r;
    r.not_tested = true;
    r.not_tested_reason = "the target could not be made: " + target.status().message();
    return r;
  }
  Harness h(std::move(target).value(), config);
  if (auto problem = h.setup(); !problem.empty()) {
    SequenceReport r = h.finish();
    r.not_tested = true;
    r.not_tested_reason = "setting up the sequence failed: " + problem;
    return r;
  }
  if (h.failed()) return h.finish();  // a set-up call broke the contract
  int n = 0;
  for (const Step& s : steps) {
    h.run(s, ++n);
    if (h.failed()) break;
  }
  return h.finish();
}

std::string numbered_list(const SequenceReport& r) {
  std::string out = r.setup;
  if (!out.empty()) out += "steps:\n";
  for (const auto& line : r.numbered)
    out += line + "\n";
  return out;
}

}  // namespace hvsnap::conformance
