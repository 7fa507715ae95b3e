// The suite's WMI client: arrangement through WMI methods, cleanup, and the numbered call
// transcript used in counterexamples. Its reads (job waits, observations): client_reads.cpp.
#include "hvsnap/conformance/client.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <thread>

#include "answered_reads.h"
#include "client_util.h"
#include "hvsnap/cim/cimxml.h"
#include "hvsnap/cim/codes.h"
#include "hvsnap/cim/names.h"
#include "hvsnap/cim/text.h"
#include "hvsnap/conformance/observe.h"

namespace hvsnap::conformance {

namespace names = cim::names;
using cim::MethodResult;
using cim::ObjectPath;
using cim::PropertyList;
using cim::Value;

namespace {

std::string short_path(const ObjectPath& p) {
  ObjectPath q = p;
  q.set_host(cim::Name());
  q.set_namespace(cim::Name());
  return q.to_string();
}

std::string render_value(const Value& v) {
  if (v.is_null()) return "null";
  auto one = [&](const cim::Scalar& s) -> std::string {
    if (const auto* p = std::get_if<cim::PathPtr>(&s)) return *p ? short_path(**p) : "null";
    if (const auto* str = std::get_if<std::string>(&s)) return fmt::format("\"{}\"", *str);
    return Value::scalar_to_text(v.type(), s);
  };
  if (v.is_array()) {
    std::string out = "[";
    for (const auto& s : v.items())
      out += (out.size() > 1 ? ", " : "") + one(s);
    return out + "]";
  }
  return one(*v.scalar());
}

}  // namespace

std::string render_call(const ObjectPath& object, std::string_view method, const PropertyList& in) {
  const std::string_view cls = object.class_name();
  constexpr std::string_view kService = "Service";
  const bool service =
      object.keys().empty() || (cls.size() >= kService.size() &&
                                cim::iequals(cls.substr(cls.size() - kService.size()), kService));
  std::string out = service ? std::string(cls) : short_path(object);
  out += '.';
  out += method;
  out += '(';
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (i) out += ", ";
    out += in[i].name.view();
    out += '=';
    out += render_value(in[i].value);
  }
  return out + ')';
}

std::string render_outcome(const cim::Result<MethodResult>& r) {
  if (!r.ok()) return "fault: " + r.status().to_string();
  std::string out = std::to_string(r->return_value);
  for (const auto& p : r->out)
    out += fmt::format(", {}={}", p.name, render_value(p.value));
  return out;
}

void throw_if_lost(const cim::Status& st, std::string_view what) {
  if (cim::lost_on_the_wire(st.kind()))
    throw WireLost{fmt::format("no answer came back to {}: {}", what, st.to_string())};
}

void throw_if_lost(const JobTrace& t) {
  if (!t.lost.empty()) {
    throw WireLost{fmt::format("no answer came back while job {} was followed: {}",
                               t.path.to_string(), t.lost)};
  }
}

NotMade not_made(const cim::Status& st) {
  if (cim::lost_on_the_wire(st.kind())) {
    return {true,
            fmt::format("undecided: no answer came back to making the target: {}", st.to_string())};
  }
  return {false, "the target could not be made: " + st.message()};
}

Client::Client(Target target, ClientOptions options)
    : target_(std::move(target)), options_(std::move(options)) {
  // A live host's lost reads are asked again after a pause; a fake's at once (decision 0163).
  auto reads = std::make_shared<AnsweredReads>(std::move(target_.provider),
                                               retry_pause(options_, target_.control != nullptr));
  reads_ = reads.get();
  target_.provider = std::move(reads);
}

int Client::answers_lost() const {
  return reads_->lost() + calls_lost_;
}

Client::~Client() = default;

cim::PropertyList CreateSnapshotArgs::params() const {
  namespace param = names::param;
  cim::PropertyList in;
  if (collection) cim::set(in, param::kCollection, *collection);
  if (settings) {
    cim::set(in, param::kSnapshotSettings, Value::string(*settings));
  } else if (settings_null) {
    cim::set(in, param::kSnapshotSettings, Value::null(cim::CimType::kString));
  }
  cim::set(in, param::kSnapshotType, Value::uint16(type));
  if (resulting) cim::set(in, param::kResultingSnapshotCollection, *resulting);
  return in;
}

ObjectPath collection_snapshot_service() {
  return Client::service(names::kCollectionSnapshotService);
}

ObjectPath Client::service(std::string_view cls) {
  return ObjectPath(cim::Name::borrow(names::kNamespace), cim::Name(cls));
}

std::string Client::name_for(std::string_view label) const {
  return fmt::format("{}-{}", options_.run_prefix, label);
}

cim::Result<MethodResult> Client::invoke(const ObjectPath& object, std::string_view method,
                                         const PropertyList& in) {
  (void)reads_->take_resent();  // only this call's sends are counted below (not GetErrorEx's)
  auto r = provider().invoke_method(object, method, in);
  if (!r.ok() && cim::lost_on_the_wire(r.status().kind())) ++calls_lost_;
  std::string outcome = render_outcome(r);
  // A call the wire could not send at first (decision 0166) says so: its line is one send.
  if (const int resent = reads_->take_resent(); resent > 0) {
    outcome += fmt::format(" (sent {} more time{}: no connection could be made before)", resent,
                           resent == 1 ? "" : "s");
  }
  record(render_call(object, method, in), std::move(outcome));
  if (options_.lean_reads) touch(object, in, r);
  return r;
}

void Client::record(std::string call, std::string outcome) {
  RecordedCall c{static_cast<int>(calls_.size()) + 1,
                 std::move(call),
                 std::move(outcome),
                 {},
                 std::move(pending_section_)};
  pending_section_.clear();
  calls_.push_back(std::move(c));
}

void Client::annotate_job(const ObjectPath& job, const std::string& note) {
  const std::string text = short_path(job);
  for (auto c = calls_.rbegin(); c != calls_.rend(); ++c) {
    if (c->outcome.find(text) == std::string::npos) continue;
    c->note += (c->note.empty() ? "" : "; ") + note;
    return;
  }
}

void Client::pass_time(std::int64_t ms) {
  if (ms <= 0) return;
  if (target_.control) {
    target_.control->advance(ms);
  } else {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  }
}

std::string Client::changed_terminal_jobs(const model::HostView* seen, const JobTrace* judged) {
  // The judged job's read once more after its end (follow_job) is the last of its samples.
  const bool judged_read_again = judged != nullptr && read_again_after_end(*judged);
  for (const auto& [job, end] : ended_) {
    std::uint16_t now = 0;
    const model::JobView* read = nullptr;
    if (seen != nullptr) {
      const auto it = seen->jobs.find(model::id_of(job));
      if (it != seen->jobs.end() && it->second.readable) read = &it->second;
    }
    if (read != nullptr) {
      now = read->state;
    } else if (judged_read_again && job == judged->path) {
      now = judged->samples.back().state;
    } else {
      auto i = provider().get_instance(job);
      if (!i.ok()) continue;
      now = uint_prop(*i, "JobState");
    }
    if (now != end) {
      return fmt::format("job {} ended {} but a later read says JobState {} (its id reused?)",
                         short_path(job), end, now);
    }
  }
  return {};
}

cim::Status Client::expect_done(const cim::Result<MethodResult>& r, std::string_view what,
                                Polling polling) {
  // Its kind kept: an answer the wire lost is not the host's refusal (decision 0161).
  if (!r.ok()) return {r.status().kind(), fmt::format("{}: {}", what, r.status().to_string())};
  if (r->return_value == 0) return {};
  if (r->return_value == cim::ReturnCode::kJobStarted) {
    const Value* job = r->get("Job");
    if (job == nullptr || job->as_reference() == nullptr) {
      return cim::failed(fmt::format("{}: returned 4096 without a Job", what));
    }
    // An arrangement job: only its end matters, so the polls back off (ClientOptions).
    const JobTrace t = wait_job(*job->as_reference(), polling);
    if (!t.lost.empty()) {
      return cim::Status(
          cim::StatusKind::kBadAnswer,
          fmt::format("{}: no answer came back while its job was followed: {}", what, t.lost));
    }
    const auto end = t.final_state();
    if (end && cim::JobState(*end).is_success()) return {};
    return cim::failed(
        fmt::format("{}: its job {}{}", what, t.resolved ? "went " : "", t.describe()));
  }
  return cim::failed(
      fmt::format("{}: returned {}", what, cim::ReturnCode(r->return_value).to_string()));
}

cim::Result<ObjectPath> Client::define_vm(std::string_view label,
                                          std::optional<std::uint16_t> checkpoint_type) {
  cim::Instance settings{cim::Name::borrow(names::kVssd)};
  settings.set("ElementName", Value::string(name_for(label)));
  if (checkpoint_type) settings.set("UserSnapshotType", Value::uint16(*checkpoint_type));
  PropertyList in;
  cim::set(in, "SystemSettings", Value::string(cim::format_embedded_instance(settings)));
  auto r = invoke(service(names::kVsms), "DefineSystem", in);
  if (auto st = expect_done(r, "DefineSystem"); !st.ok()) return st;
  const Value* vm = r->get("ResultingSystem");
  if (vm == nullptr || vm->as_reference() == nullptr) {
    return cim::failed("DefineSystem: no ResultingSystem in its output");
  }
  vms_.push_back(*vm->as_reference());
  return *vm->as_reference();
}

cim::Status Client::set_checkpoint_type(const ObjectPath& vm, std::uint16_t type) {
  if (options_.lean_reads) touched_.insert(model::id_of(vm));  // named by its settings only
  auto live = provider().associators(
      vm, {std::string(names::kSettingsDefineState), std::string(names::kVssd), "", ""});
  if (!live.ok() || live->empty()) {
    return cim::failed(
        fmt::format("ModifySystemSettings: cannot find the settings of {}", vm.to_string()));
  }
  cim::Instance settings{cim::Name::borrow(names::kVssd)};
  settings.set("InstanceID", Value::string(live->front().get_string("InstanceID")));
  settings.set("UserSnapshotType", Value::uint16(type));
  PropertyList in;
  cim::set(in, "SystemSettings", Value::string(cim::format_embedded_instance(settings)));
  return expect_done(invoke(service(names::kVsms), "ModifySystemSettings", in),
                     "ModifySystemSettings");
}

cim::Status Client::change_state(const ObjectPath& vm, std::uint16_t state, bool wait) {
  if (wait) return change_states({{vm, state}});
  PropertyList in;
  cim::set(in, "RequestedState", Value::uint16(state));
  auto r = invoke(vm, "RequestStateChange", in);
  if (!r.ok()) return {r.status().kind(), "RequestStateChange: " + r.status().to_string()};
  if (r->return_value != 0 && r->return_value != cim::ReturnCode::kJobStarted) {
    return cim::failed(fmt::format("RequestStateChange({}): returned {}", state, r->return_value));
  }
  return {};
}

cim::Status Client::change_states(
    const std::vector<std::pair<ObjectPath, std::uint16_t>>& changes) {
  // Every request first, then one wait for all (decision 0082): the VMs make their transitions
  // at the same time, and once the first is there the others are nearly so.
  std::vector<cim::Result<MethodResult>> started;
  for (const auto& [vm, state] : changes) {
    PropertyList in;
    cim::set(in, "RequestedState", Value::uint16(state));
    auto r = invoke(vm, "RequestStateChange", in);
    if (!r.ok()) return {r.status().kind(), "RequestStateChange: " + r.status().to_string()};
    if (r->return_value != 0 && r->return_value != cim::ReturnCode::kJobStarted) {
      return cim::failed(
          fmt::format("RequestStateChange({}): returned {}", state, r->return_value));
    }
    started.push_back(std::move(r));
  }
  // The first job read only after the wait's first step, the others as soon as it ended
  // (decision 0119). Assumed, not observed on a real host: a VM's change of state takes longer
  // than one request, so a read at once would not see its end. No judgement reads that first
  // read (decision 0082); if a change does end at once, the suite waits at most one step (1 s)
  // longer for it. The late first read is the first job's: a VM that answered 0 (no job) has
  // nothing to read, so it does not use up the step.
  bool first_job = true;
  for (auto& r : started) {
    const bool job = r->return_value == cim::ReturnCode::kJobStarted;
    const Polling polling = job && first_job ? Polling::kBackOffAfterAStep : Polling::kBackOff;
    if (job) first_job = false;
    if (auto st = expect_done(r, "RequestStateChange", polling); !st.ok()) return st;
  }
  // Then every VM read at once (Provider::get_instances) until each is where it was asked to be.
  std::vector<std::size_t> waiting(changes.size());
  for (std::size_t i = 0; i < waiting.size(); ++i)
    waiting[i] = i;
  std::int64_t step = first_backoff_step(options_);
  for (int n = 0; n < options_.max_polls && !waiting.empty(); ++n) {
    std::vector<ObjectPath> vms;
    for (std::size_t i : waiting)
      vms.push_back(changes[i].first);
    const auto now = provider().get_instances(vms);
    std::vector<std::size_t> still;
    for (std::size_t k = 0; k < waiting.size(); ++k) {
      if (!now[k].ok() || uint_prop(*now[k], "EnabledState") != changes[waiting[k]].second)
        still.push_back(waiting[k]);
    }
    waiting = std::move(still);
    if (waiting.empty()) break;
    pass_time(step);
    step = backed_off(step, options_);
  }
  if (!waiting.empty()) {
    return cim::failed(fmt::format("RequestStateChange({}): the VM never got there",
                                   changes[waiting.front()].second));
  }
  return {};
}

cim::Result<ObjectPath> Client::define_collection(std::string_view label, std::uint16_t type) {
  PropertyList in;
  cim::set(in, "Name", Value::string(name_for(label)));
  cim::set(in, "Type", Value::uint16(type));
  auto r = invoke(service(names::kCollectionManagementService), "DefineCollection", in);
  if (auto st = expect_done(r, "DefineCollection"); !st.ok()) return st;
  const Value* c = r->get("DefinedCollection");
  if (c == nullptr || c->as_reference() == nullptr)
    return cim::failed("DefineCollection: no DefinedCollection in its output");
  groups_.push_back(*c->as_reference());
  return *c->as_reference();
}

cim::Status Client::add_member(const ObjectPath& member, const ObjectPath& collection) {
  PropertyList in;
  cim::set(in, "Member", Value::reference(member));
  cim::set(in, "Collection", Value::reference(collection));
  // Noted whatever the answer: more members than there are only make the cleanup's order more
  // careful (destroy_collections_of_groups).
  members_[model::id_of(collection)].insert(model::id_of(member));
  return expect_done(invoke(service(names::kCollectionManagementService), "AddMember", in),
                     "AddMember");
}

cim::Status Client::remove_member(const ObjectPath& member, const ObjectPath& collection) {
  PropertyList in;
  cim::set(in, "Member", Value::reference(member));
  cim::set(in, "Collection", Value::reference(collection));
  return expect_done(invoke(service(names::kCollectionManagementService), "RemoveMember", in),
                     "RemoveMember");
}

cim::Status Client::set_fake_attributes(const ObjectPath& vm, const FakeVmAttributes& attributes) {
  if (options_.lean_reads) touched_.insert(model::id_of(vm));
  if (!target_.control) {
    return cim::Status(cim::StatusKind::kNotSupported, "the target has no control interface");
  }
  std::string what;
  auto add = [&](const std::string& s) { what += (what.empty() ? "" : ", ") + s; };
  if (attributes.disks) {
    std::string d;
    for (const auto& k : *attributes.disks)
      d += (d.empty() ? "" : "+") + k;
    add("disks=" + d);
  }
  if (attributes.guest_vss) add("guest-vss=" + *attributes.guest_vss);
  if (attributes.checkpoint_limit)
    add(fmt::format("checkpoint-limit={}", *attributes.checkpoint_limit));
  cim::Status st = target_.control->set_vm_attributes(vm, attributes);
  record(fmt::format("[fake control, not WMI] {}: {}", short_path(vm), what),
         st.ok() ? "ok" : st.to_string());
  return st;
}

void Client::destroy_collections_of_groups(std::vector<std::string>& left) {
  // A collection holds checkpoints of its group's members: the VMs the group was given, or
  // anything (nullptr) where a member was not a VM (a nested group). Collections whose VMs
  // differ are destroyed at the same time; two that share a VM one after the other, as a
  // host may refuse to merge two checkpoints of one VM at once.
  struct Held {
    ObjectPath collection;
    const std::set<std::string>* vms = nullptr;
  };
  std::vector<Held> held;
  std::set<std::string> own_vms;
  for (const auto& v : vms_)
    own_vms.insert(model::id_of(v));
  for (auto g = groups_.rbegin(); g != groups_.rend(); ++g) {
    if (!cim::iequals(g->class_name(), names::kVmGroup)) continue;
    auto colls = provider().associators(*g, {std::string(names::kSnapshotOfGroup), "", "", ""});
    if (!colls.ok()) continue;
    const auto m = members_.find(model::id_of(*g));
    const std::set<std::string>* vms = m == members_.end() ? nullptr : &m->second;
    if (vms != nullptr && !std::all_of(vms->begin(), vms->end(), [&](const std::string& id) {
          return own_vms.count(id) != 0;
        })) {
      vms = nullptr;
    }
    for (const auto& c : *colls)
      held.push_back({c.path(), vms});
  }
  // All of them before the first DestroySnapshot: one may go as an earlier one's dependent.
  if (before_destroying_collection_) {
    for (const auto& h : held)
      before_destroying_collection_(model::id_of(h.collection));
  }
  while (!held.empty()) {
    std::vector<Held> batch, rest;
    std::set<std::string> busy;
    bool exclusive = false;  // the batch holds a collection of unknown VMs
    for (auto& h : held) {
      const bool fits =
          batch.empty() || (!exclusive && h.vms != nullptr &&
                            std::none_of(h.vms->begin(), h.vms->end(),
                                         [&](const std::string& id) { return busy.count(id); }));
      if (!fits) {
        rest.push_back(std::move(h));
        continue;
      }
      if (h.vms == nullptr) {
        exclusive = true;
      } else {
        busy.insert(h.vms->begin(), h.vms->end());
      }
      batch.push_back(std::move(h));
    }
    std::vector<cim::Result<MethodResult>> sent;
    for (const auto& h : batch) {
      PropertyList in;
      cim::set(in, "AffectedSnapshotCollection", Value::reference(h.collection));
      sent.push_back(invoke(service(names::kCollectionSnapshotService), "DestroySnapshot", in));
    }
    for (std::size_t i = 0; i < sent.size(); ++i) {
      const cim::Status st = expect_done(sent[i], "DestroySnapshot");
      if (st.ok()) continue;
      // Gone already: a collection that an earlier one's removal emptied goes with it
      // (destroy-snapshot: remove-dependents, M7). Only what is still there is left behind.
      auto still = provider().get_instance(batch[i].collection);
      if (!still.ok() && still.status().kind() == cim::StatusKind::kNotFound) continue;
      left.push_back(st.message());
    }
    held = std::move(rest);
  }
}

std::vector<std::string> Client::cleanup() {
  std::vector<std::string> left;
  if (target_.caps.fresh_hosts) {
    // A fresh host per case is dropped with the case and nothing reads what is left on it:
    // removing it would only be requests (decision 0081). A shared host is cleaned up.
    vms_.clear();
    groups_.clear();
    members_.clear();
    return left;
  }
  const std::size_t mark = calls_.size();
  // The VMs are stopped together and destroyed together, each time every request first and
  // then the waits, which overlap (as change_states does): on a live host a VM takes seconds to
  // stop, and one at a time the cleanup was most of a case's time (decision 0142).
  std::vector<ObjectPath> vms(vms_.rbegin(), vms_.rend());
  // Every transition under way waited out (a VM on its way somewhere is busy); the states then.
  auto settle = [&] {
    std::vector<std::optional<std::uint16_t>> now;
    for (int i = 0; i < options_.max_polls && !vms.empty(); ++i) {
      now.clear();
      for (auto& vm : provider().get_instances(vms))
        now.push_back(vm.ok() ? std::optional(uint_prop(*vm, "EnabledState")) : std::nullopt);
      const bool busy = std::any_of(now.begin(), now.end(), [](const auto& s) {
        return s && cim::EnabledState(*s).is_transitional();
      });
      if (!busy) break;
      pass_time(options_.poll_step_ms);
    }
    return now;
  };
  auto runs = [](const std::optional<std::uint16_t>& s) { return s && *s != 3 && *s != 6; };
  settle();
  // Snapshot collections of our groups first, then the groups, then the VMs.
  destroy_collections_of_groups(left);
  for (auto g = groups_.rbegin(); g != groups_.rend(); ++g) {
    PropertyList in;
    cim::set(in, "Collection", Value::reference(*g));
    if (auto st = expect_done(
            invoke(service(names::kCollectionManagementService), "DestroyCollection", in),
            "DestroyCollection " + g->to_string());
        !st.ok()) {
      left.push_back(st.message());
    }
  }
  // Switch off what is not Off or Saved (DestroySystem wants one of them). A failed switch-off
  // (a refusal, a job that failed) may leave others on their way: they are waited out, and what
  // still runs is switched off alone; one that cannot be shows as its DestroySystem failing.
  auto now = settle();
  std::vector<std::pair<ObjectPath, std::uint16_t>> stop;
  for (std::size_t i = 0; i < vms.size(); ++i) {
    if (runs(now[i])) stop.emplace_back(vms[i], 3);
  }
  if (!stop.empty() && !change_states(stop).ok()) {
    now = settle();
    for (std::size_t i = 0; i < vms.size(); ++i) {
      if (runs(now[i])) (void)change_state(vms[i], 3, true);
    }
  }
  std::vector<cim::Result<MethodResult>> destroyed;
  for (const auto& v : vms) {
    PropertyList in;
    cim::set(in, "AffectedSystem", Value::reference(v));
    destroyed.push_back(invoke(service(names::kVsms), "DestroySystem", in));
  }
  // The first job read after a step, the others as soon as it ended (as change_states).
  bool first_job = true;
  for (std::size_t i = 0; i < vms.size(); ++i) {
    const bool job =
        destroyed[i].ok() && destroyed[i]->return_value == cim::ReturnCode::kJobStarted;
    const Polling polling = job && first_job ? Polling::kBackOffAfterAStep : Polling::kBackOff;
    first_job = first_job && !job;
    if (auto st = expect_done(destroyed[i], "DestroySystem " + vms[i].to_string(), polling);
        !st.ok())
      left.push_back(st.message());
  }
  calls_.resize(mark);  // cleanup is not part of any counterexample
  vms_.clear();
  groups_.clear();
  members_.clear();
  return left;
}

std::string Client::transcript() const {
  std::string out;
  for (const auto& c : calls_) {
    if (!c.section.empty()) out += fmt::format("  {}:\n", c.section);
    out += fmt::format("{:>3}. {}\n     -> {}\n", c.number, c.call, c.outcome);
    if (!c.note.empty()) out += fmt::format("        {}\n", c.note);
  }
  return out;
}

int count_calls(std::string_view transcript) {
  int n = 0;
  std::size_t pos = 0;
  while (pos < transcript.size()) {
    std::size_t end = transcript.find('\n', pos);
    if (end == std::string_view::npos) end = transcript.size();
    std::string_view line = transcript.substr(pos, end - pos);
    const std::size_t digits = line.find_first_not_of(' ');
    if (digits != std::string_view::npos &&
        std::isdigit(static_cast<unsigned char>(line[digits]))) {
      const std::size_t dot = line.find_first_not_of("0123456789", digits);
      if (dot != std::string_view::npos && line[dot] == '.') ++n;
    }
    pos = end + 1;
  }
  return n;
}

}  // namespace hvsnap::conformance
