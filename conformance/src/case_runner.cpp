// One matrix case, end to end (contract §2 classes, §4 oracle).
#include "hvsnap/conformance/case_runner.h"

#include <fmt/format.h>

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

struct Arranged {
  // A case watches the snapshot collections its scope reaches, not the whole host's
  // (decision 0091).
  explicit Arranged(const RunConfig& c) : cfg(&c) { scope.whole_host_collections = false; }
  const RunConfig* cfg;
  Findings setup_findings;          // the judged set-up CreateSnapshot calls
  int setup_retries = 0;            // their repeats after a Timeout (TimeoutRetry)
  std::optional<Value> collection;  // the Collection argument (nullopt: left out)
  model::Expectation expect;
  model::Scope scope;
  std::string sentinel_collection;
  std::map<std::string, std::uint16_t> checks_state;  // vm -> state set it must be in (before)
};

// Everything fails the same way: a reason that becomes NOT_TESTED.
struct Abort {
  std::string reason;
};

void must(const cim::Status& st) {
  if (!st.ok()) throw Abort{st.message()};
}
template <class T>
T must(cim::Result<T> r) {
  if (!r.ok()) throw Abort{r.status().message()};
  return std::move(r).value();
}

// A set-up call broke the contract: the case fails with these findings (not NOT_TESTED).
struct SetupBroke {
  Findings findings;
};

// A judged set-up snapshot of `group` (whose objects are already in `a.scope`).
ObjectPath snapshot_for_setup(Client& cl, const ObjectPath& group, Arranged& a) {
  SetupSnapshot s = setup_snapshot(cl, group, a.scope, *a.cfg);
  a.setup_retries += s.retries;
  for (auto& f : s.findings)
    a.setup_findings.push_back(std::move(f));
  if (s.failed) throw SetupBroke{std::move(a.setup_findings)};
  if (!s.collection) throw Abort{s.problem};
  if (s.job) a.scope.jobs.push_back(*s.job);  // another call's ended job (CS-INV-9)
  return *s.collection;
}

// One VM made as `spec` says, but for its power state; `running`: set-up started it already.
struct MadeVm {
  ObjectPath path;
  bool running = false;
};

// Makes one VM as `spec` says, its power state aside (ready_group sets every member's at once).
// Earlier snapshots come first, while the VM is still an ordinary Off VM; then the attributes
// that define its class.
MadeVm arrange_vm(Client& cl, const VmSpec& spec, Arranged& a, int index) {
  const std::string label = fmt::format("vm-{}", index);
  const bool disabled = spec.checkpoint_type == 2;
  const ObjectPath vm =
      must(cl.define_vm(label, disabled ? std::optional<std::uint16_t>() : spec.checkpoint_type));
  a.scope.vms.push_back(vm);
  bool running = false;  // set-up started it already
  if (spec.existing_snapshots > 0) {
    // Earlier snapshots through a helper group of this VM alone (left outside the call).
    const ObjectPath helper = must(cl.define_collection(label + "-history", 0));
    must(cl.add_member(vm, helper));
    a.scope.groups.push_back(helper);
    for (int i = 0; i < spec.existing_snapshots; ++i)
      snapshot_for_setup(cl, helper, a);
    // Set-up may have started it (a target that refuses Off members).
    if (a.cfg->setup.start_members && cl.vm_state(vm) == 2) {
      running = spec.state != 3;
      if (!running) must(cl.change_state(vm, 3));
    }
  }
  if (disabled) must(cl.set_checkpoint_type(vm, 2));  // through ModifySystemSettings
  FakeVmAttributes attrs;
  if (spec.guest != "ok") attrs.guest_vss = spec.guest;
  if (!spec.disks.empty()) attrs.disks = spec.disks;
  if (spec.at_limit) attrs.checkpoint_limit = static_cast<std::uint32_t>(spec.existing_snapshots);
  if (attrs.guest_vss || attrs.disks || attrs.checkpoint_limit) {
    if (!cl.has_control()) {
      throw Abort{
          "needs a fake-only VM attribute (disks, guest VSS or the checkpoint limit) and the "
          "target has no "
          "control interface"};
    }
    must(cl.set_fake_attributes(vm, attrs));
  }
  return {vm, running};
}

// A VM group of `specs`; the member paths, in order, go to `members` when asked for. The
// members are made first, then started together and saved or paused together (one wait for
// all, decision 0082), then added to the group.
ObjectPath ready_group(Client& cl, const std::vector<VmSpec>& specs, Arranged& a,
                       const std::string& label, std::vector<ObjectPath>* members = nullptr) {
  const ObjectPath g = must(cl.define_collection(label, 0));
  std::vector<MadeVm> made;
  for (const auto& spec : specs)
    made.push_back(arrange_vm(cl, spec, a, cl.next_label()));
  std::vector<std::pair<ObjectPath, std::uint16_t>> starts;
  std::vector<std::pair<ObjectPath, std::uint16_t>> then;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const std::uint16_t state = specs[i].state;
    if ((state == 2 || state == 6 || state == 9) && !made[i].running)
      starts.emplace_back(made[i].path, 2);
    if (state == 6 || state == 9) then.emplace_back(made[i].path, state);
  }
  must(cl.change_states(starts));
  must(cl.change_states(then));
  for (const auto& vm : made) {
    must(cl.add_member(vm.path, g));
    a.expect.members.insert(id_of(vm.path));
    a.expect.inside.insert(id_of(vm.path));
    if (members != nullptr) members->push_back(vm.path);
  }
  a.expect.inside.insert(id_of(g));
  a.scope.groups.push_back(g);
  return g;
}

Arranged arrange(Client& cl, const Case& c, const RunConfig& cfg) {
  Arranged a(cfg);
  // The sentinel: another group with a snapshot, which no call may touch (CS-INV-9) and
  // which R-EXISTING names.
  // A capability probe (and a target that refuses every configuration) has a sentinel
  // without a snapshot: the probe must not depend on the snapshot it is about to try.
  const bool sentinel_snapshot = !cfg.probe && !cfg.setup.refused;
  cl.section(
      sentinel_snapshot
          ? "set-up: a sentinel group with one snapshot, which must stay untouched (CS-INV-9)"
          : "set-up: a sentinel group, which must stay untouched (CS-INV-9)");
  const ObjectPath sentinel_vm = must(cl.define_vm("sentinel-vm"));
  const ObjectPath sentinel = must(cl.define_collection("sentinel", 0));
  must(cl.add_member(sentinel_vm, sentinel));
  a.scope.vms.push_back(sentinel_vm);
  a.scope.groups.push_back(sentinel);
  if (sentinel_snapshot) {
    const ObjectPath sentinel_s = snapshot_for_setup(cl, sentinel, a);
    a.sentinel_collection = id_of(sentinel_s);
    a.scope.collections.push_back(sentinel_s);
  } else if (c.combo.r == RClass::kExisting) {
    throw Abort{cfg.probe ? "a capability probe makes no set-up snapshot"
                          : "R-EXISTING needs a snapshot collection, and the target refused every "
                            "collection snapshot the suite could arrange"};
  }
  cl.section(fmt::format("set-up: the {} input", to_string(c.combo.c)));

  auto set_group = [&](const ObjectPath& g) {
    a.collection = Value::reference(g);
    a.expect.group = id_of(g);
  };
  switch (c.combo.c) {
    case CClass::kNull:
      if (c.c.variant == 1) a.collection = Value::null(cim::CimType::kReference);
      if (c.c.variant == 2) a.collection = Value::string("");
      break;
    case CClass::kMalformed: {
      const ObjectPath g = ready_group(cl, c.c.members, a, "group");
      switch (c.c.variant) {
        case 0:
          a.collection = Value::string(c.c.text.empty() ? "garbage" : c.c.text);
          break;
        case 1:
          a.collection = Value::reference(
              ObjectPath(cim::Name::borrow(names::kNamespace), cim::Name::borrow(names::kVmGroup)));
          break;
        case 2: {  // a real group's id under the wrong key name
          ObjectPath p(cim::Name::borrow(names::kNamespace), cim::Name::borrow(names::kVmGroup));
          p.add_key("InstanceID", g.key("CollectionID") ? g.key("CollectionID")->value : "");
          a.collection = Value::reference(p);
          break;
        }
        default:
          a.collection = Value::string("Msvm_VirtualSystemCollection.CollectionID=\"" +
                                       (g.key("CollectionID") ? g.key("CollectionID")->value : ""));
      }
      break;
    }
    case CClass::kForeignNs: {
      ObjectPath g = ready_group(cl, c.c.members, a, "group");
      g.set_namespace(c.c.variant == 0 ? "root\\cimv2" : "root\\virtualization");
      a.collection = Value::reference(g);
      break;
    }
    case CClass::kWrongClass: {
      std::vector<ObjectPath> vms;
      ready_group(cl, c.c.members, a, "group", &vms);
      const ObjectPath vm = vms.front();
      if (c.c.variant == 0) {
        a.collection = Value::reference(vm);
      } else if (c.c.variant == 1) {
        a.collection = Value::reference(Client::service(names::kCollectionSnapshotService));
      } else {
        auto live =
            cl.provider().associators(vm, {std::string(names::kSettingsDefineState), "", "", ""});
        if (!live.ok() || live->empty())
          throw Abort{"cannot find the VM's settings to use as a wrong-class reference"};
        a.collection = Value::reference(live->front().path());
      }
      break;
    }
    case CClass::kMissing: {
      ObjectPath p(cim::Name::borrow(names::kNamespace), cim::Name::borrow(names::kVmGroup));
      p.add_key("CollectionID", c.c.text);
      a.collection = Value::reference(p);
      break;
    }
    case CClass::kMgmt: {
      const ObjectPath m = must(cl.define_collection("management", 1));
      a.scope.management.push_back(m);
      a.expect.inside.insert(id_of(m));
      for (int i = 0; i < c.c.nested_groups; ++i) {
        std::vector<VmSpec> one{c.c.members[static_cast<std::size_t>(i) % c.c.members.size()]};
        const ObjectPath g = ready_group(cl, one, a, fmt::format("nested-{}", i));
        must(cl.add_member(g, m));
      }
      a.collection = Value::reference(m);
      a.expect.group = id_of(m);
      break;
    }
    case CClass::kEmpty: {
      const ObjectPath g = must(cl.define_collection("group", 0));
      a.scope.groups.push_back(g);
      a.expect.inside.insert(id_of(g));
      set_group(g);
      break;
    }
    default: {
      std::vector<ObjectPath> vms;
      const ObjectPath g = ready_group(cl, c.c.members, a, "group", &vms);
      set_group(g);
      // Transitions last, so they are still under way at the call.
      for (std::size_t i = 0; i < c.c.members.size(); ++i) {
        if (c.c.members[i].transition_to == 0) continue;
        must(cl.change_state(vms[i], c.c.members[i].transition_to, false));
        a.expect.transitions[id_of(vms[i])] = c.c.members[i].transition_to;
      }
    }
  }
  return a;
}

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
  for (int i = 0; i <= cfg.visibility_retries; ++i) {
    r.after = cl.observe(scope);
    if (!succeeded) break;
    // A success whose collection is not visible yet may be lagging (CS-INV-7 allows a bound).
    if (r.after.all_collections.size() > r.before.all_collections.size()) break;
    cl.pass_time(cfg.client.poll_step_ms);
  }
  return r;
}

}  // namespace

model::Judgement judge_and_record(Client& cl, const RunConfig& cfg, const model::Expectation& e,
                                  model::Observation& o, const cim::PropertyList& in) {
  complete_observation(cl.provider(), e.classes.c == CClass::kMgmt, o);
  model::Judgement j = model::judge(e, o);
  if (cfg.record) {
    JudgedCall call;
    call.expectation = e;
    call.declarations = cfg.declarations;
    call.observation = o;
    call.call = render_call(collection_snapshot_service(), names::kCreateSnapshot, in);
    call.expect = has_failure(j.findings) ? "rejected" : "accepted";
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
    } else if (f.verdict == Verdict::kFail) {
      return false;  // it changed something, or broke something else: judged as it is
    }
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
    const model::HostView now = cl.observe(scope);
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
    const model::HostView before = cl.observe(scope);
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
      const Requirement* req = find_requirement(f.requirement);
      out.failed = out.failed || (f.verdict == Verdict::kFail &&
                                  (req == nullptr || req->level != Level::kShould));
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

CaseReport run_case(const Case& c, const TargetFactory& make_target, const RunConfig& cfg) {
  CaseReport report;
  report.input = c;
  auto target = make_target(c.host_seed);
  if (!target.ok()) {
    report.not_tested = true;
    report.not_tested_reason = "the target could not be made: " + target.status().message();
    return report;
  }
  if (cfg.faults_off && target->control) target->control->set_faults_enabled(false);
  // Lean waits: the arrangement's waits back off, no poll reads the clock (decision 0070).
  ClientOptions client = cfg.client;
  client.lean_waits = true;
  Client cl(std::move(target).value(), client);
  try {
    Arranged a = arrange(cl, c, cfg);
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

    model::HostView before = cl.observe(a.scope);
    if (auto problem = precondition_problem(c, before, a); !problem.empty()) {
      // What the arranged host handed out broke the contract (CS-READ-*): the case fails on
      // it (decision 0061); only a clean miss of the precondition is NOT_TESTED.
      if (!before.problems.empty()) {
        Findings broke = std::move(a.setup_findings);
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
    report.transient = j.transient;
    if (!main.outcome.fault) report.return_value = main.outcome.return_value;
    if (main.outcome.trace) report.job_end = main.outcome.trace->final_state();
    for (auto& f : j.findings)
      report.findings.push_back(std::move(f));
    // Every job of the case that ended, read once more after the call under test (CS-INV-6);
    // the watched jobs were, by the observation after it (decision 0092).
    const std::string changed = cl.changed_terminal_jobs(&main.after);
    report.findings.push_back(finding("inv6.terminal-stable",
                                      changed.empty() ? Verdict::kPass : Verdict::kFail, changed));
    if (without_r) {
      // The outcome class is success or failure: a provider may answer the same failing
      // input with a code one time and a failing job the next (completion: mixed).
      const bool same = (without_r->category == model::Category::kSuccess) ==
                        (j.category == model::Category::kSuccess);
      // With transient failures declared, any failure may have been injected: only two
      // successes compare then.
      const bool any_failed = j.category != model::Category::kSuccess ||
                              without_r->category != model::Category::kSuccess;
      // A fault where ResultingSnapshotCollection was given is the transport refusing the
      // parameter (O6), not another outcome of the same call.
      const bool skip = j.transient || without_r->transient || raced ||
                        (cfg.declarations.transient_failures && any_failed) || main.outcome.fault;
      report.findings.push_back(finding(
          "out16.same-outcome", skip || same ? Verdict::kPass : Verdict::kFail,
          skip || same
              ? ""
              : fmt::format("without ResultingSnapshotCollection the call gave {}, with it {}",
                            without_r->observed, j.observed)));
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
    report.not_tested = true;
    report.not_tested_reason = abort.reason;
  } catch (SetupBroke& broke) {
    report.findings = std::move(broke.findings);
    report.setup_broke = true;
    report.observed = "a set-up call broke the contract";
  }
  report.transcript = cl.transcript();
  if (cfg.cleanup) report.cleanup_left = cl.cleanup();
  return report;
}

}  // namespace hvsnap::conformance
