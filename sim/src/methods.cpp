// The WMI methods of contract §1 and their dispatch: the parameter readers, the collection,
// system-management and state-change methods a client uses to arrange its inputs, and the job
// methods (RequestStateChange, GetError, GetErrorEx); the CreateSnapshot family is in
// methods_snapshot.cpp. Bad parameters get the method's invalid-parameter code, never a crash
// or a half change.
#include <fmt/format.h>

#include <algorithm>

#include "hvsnap/cim/cimxml.h"
#include "hvsnap/cim/text.h"
#include "methods_impl.h"

namespace hvsnap::sim {

void ref_param(const PropertyList& in, std::string_view name, RefParam& out) {
  const Value* v = cim::find(in, name);
  if (v == nullptr || v->is_null()) return;
  out.state = Param::kBad;
  if (v->is_array()) return;
  if (const ObjectPath* p = v->as_reference()) {
    out.state = Param::kOk;
    out.path = p;
  } else if (const auto s = v->as_string()) {
    auto parsed = ObjectPath::parse(*s);
    if (!parsed.ok()) return;
    out.parsed = std::move(parsed).value();
    out.path = &*out.parsed;
    out.state = Param::kOk;
  }
}

UintParam uint_param(const PropertyList& in, std::string_view name) {
  const Value* v = cim::find(in, name);
  if (v == nullptr || v->is_null()) return {};
  if (v->is_array()) return {Param::kBad, 0};
  if (cim::is_integer(v->type())) {
    if (auto u = v->as_uint()) return {Param::kOk, *u};
    return {Param::kBad, 0};
  }
  if (const auto s = v->as_string()) {
    auto parsed = Value::from_text(cim::CimType::kUint64, *s);
    if (parsed.ok()) return {Param::kOk, *parsed->as_uint()};
  }
  return {Param::kBad, 0};
}

StringParam string_param(const PropertyList& in, std::string_view name) {
  const Value* v = cim::find(in, name);
  if (v == nullptr || v->is_null()) return {};
  if (const auto s = v->as_string(); s && !v->is_array()) return {Param::kOk, std::string(*s)};
  if (const cim::Instance* i = v->as_instance(); i != nullptr && !v->is_array()) {
    return {Param::kOk, cim::format_embedded_instance(*i)};
  }
  return {Param::kBad, {}};
}

bool foreign_namespace(const ObjectPath& p) {
  // The namespace as the fake writes it needs no canonical copy (the common case, decision 0126).
  return !p.name_space().empty() && p.name_space() != names::kNamespace &&
         !cim::iequals(cim::canonical_namespace(p.name_space()), names::kNamespace);
}

MethodResult result(std::uint32_t code) {
  MethodResult r;
  r.return_value = code;
  return r;
}

namespace {

// One cause of a failed job as the Msvm_Error GetError/GetErrorEx return (contract §3.2),
// every property of the class present (decision 0014).
cim::Instance error_instance(const Host::Impl& h, const JobError& e) {
  const ClassLayout* layout = h.layout_of(names::kError);
  HVSNAP_ASSERT(layout != nullptr);
  cim::Instance inst = layout->instance(cim::Name::borrow(names::kError), 16);
  Slots s(*layout, inst);
  s.set("ErrorType", Value::uint16(4));  // Software Error
  s.set("OwningEntity", Value::string("Microsoft-Windows-Hyper-V-VMMS"));
  s.set("MessageID", Value::string("HVSIM." + e.cause));
  s.set("Message", Value::string(e.message));
  s.set("MessageArguments", Value::string_array({e.cause}));
  s.set("PerceivedSeverity", Value::uint16(5));
  s.set("ProbableCause", Value::uint16(1));
  if (!e.vm.is_nil() && h.vms.count(e.vm)) {
    s.set("ErrorSource", Value::string(h.path_of({NodeKind::kVm, e.vm}).to_string()));
    s.set("ErrorSourceFormat", Value::uint16(2));
  }
  s.set("CIMStatusCode", Value::uint32(1));
  s.set("CIMStatusCodeDescription", Value::string("CIM_ERR_FAILED"));
  return inst;
}

}  // namespace

MethodResult Methods::define_collection(const PropertyList& in) {
  StringParam name = string_param(in, "Name");
  UintParam type = uint_param(in, "Type");
  StringParam id_text = string_param(in, "Id");
  if (name.state != Param::kOk || type.state != Param::kOk || type.value > 1 ||
      id_text.state == Param::kBad) {
    return result(ReturnCode::kMsvmInvalidParameter);
  }
  Guid id;
  if (id_text.state == Param::kOk && !id_text.value.empty()) {
    auto parsed = Guid::parse(id_text.value);
    if (!parsed || h_.groups.count(*parsed) || h_.management_groups.count(*parsed)) {
      return result(ReturnCode::kMsvmInvalidParameter);
    }
    id = *parsed;
  } else {
    id = h_.rng_ids.guid();
  }
  NodeKind kind;
  if (type.value == 0) {
    h_.groups.emplace(id, Group{id, name.value, {}, {}});
    kind = NodeKind::kGroup;
  } else {
    h_.management_groups.emplace(id, ManagementGroup{id, name.value, {}});
    kind = NodeKind::kManagementGroup;
  }
  MethodResult r = result(ReturnCode::kCompleted);
  cim::set(r.out, "DefinedCollection", Value::reference(h_.path_of({kind, id})));
  return r;
}

MethodResult Methods::rename_collection(const PropertyList& in) {
  auto node = node_param(in, "Collection");
  StringParam name = string_param(in, "NewName");
  if (!node || name.state != Param::kOk || name.value.empty())
    return result(ReturnCode::kMsvmInvalidParameter);
  if (node->kind == NodeKind::kGroup) {
    must_edit(h_.groups, node->id).name = name.value;
  } else if (node->kind == NodeKind::kManagementGroup) {
    must_edit(h_.management_groups, node->id).name = name.value;
  } else {
    return result(ReturnCode::kMsvmInvalidParameter);
  }
  return result(ReturnCode::kCompleted);
}

// RemoveMember with the collection named by its CollectionID.
MethodResult Methods::remove_member_by_id(const PropertyList& in) {
  StringParam id = string_param(in, "CollectionId");
  auto g = id.state == Param::kOk ? Guid::parse(id.value) : std::nullopt;
  if (!g) return result(ReturnCode::kMsvmInvalidParameter);
  PropertyList rewritten;
  if (const Value* member = cim::find(in, "Member")) cim::set(rewritten, "Member", *member);
  const NodeKind kind = h_.groups.count(*g)              ? NodeKind::kGroup
                        : h_.management_groups.count(*g) ? NodeKind::kManagementGroup
                                                         : NodeKind::kHost;
  if (kind == NodeKind::kHost) return result(ReturnCode::kMsvmInvalidParameter);
  cim::set(rewritten, "Collection", Value::reference(h_.path_of({kind, *g})));
  return add_or_remove_member(rewritten, false);
}

MethodResult Methods::destroy_collection(const PropertyList& in) {
  auto node = node_param(in, "Collection");
  if (!node || (node->kind != NodeKind::kGroup && node->kind != NodeKind::kManagementGroup)) {
    return result(ReturnCode::kMsvmInvalidParameter);
  }
  if (node->kind == NodeKind::kManagementGroup) {
    h_.management_groups.erase(node->id);
    return result(ReturnCode::kCompleted);
  }
  const Group& g = must(h_.groups, node->id);
  if (!g.snapshot_collections.empty()) return result(ReturnCode::kMsvmInvalidState);
  for (const Guid& jid : h_.active_jobs) {
    if (must(h_.jobs, jid).group == g.id) return result(ReturnCode::kMsvmInvalidState);
  }
  for (const Guid& m : g.members)
    unlink(m, g.id);
  std::vector<Guid> holding;  // only the management groups that hold it change (journaled)
  for (const auto& [mid, mg] : h_.management_groups) {
    if (std::find(mg.members.begin(), mg.members.end(), g.id) != mg.members.end())
      holding.push_back(mid);
  }
  for (const Guid& mid : holding) {
    auto& members = must_edit(h_.management_groups, mid).members;
    members.erase(std::remove(members.begin(), members.end(), g.id), members.end());
  }
  h_.groups.erase(node->id);
  return result(ReturnCode::kCompleted);
}

MethodResult Methods::add_or_remove_member(const PropertyList& in, bool add) {
  auto member = node_param(in, "Member");
  auto collection = node_param(in, "Collection");
  if (!member || !collection) return result(ReturnCode::kMsvmInvalidParameter);
  std::vector<Guid>* list = nullptr;
  if (collection->kind == NodeKind::kGroup && member->kind == NodeKind::kVm) {
    list = &must_edit(h_.groups, collection->id).members;
  } else if (collection->kind == NodeKind::kManagementGroup && member->kind == NodeKind::kGroup) {
    list = &must_edit(h_.management_groups, collection->id).members;
  } else {
    return result(ReturnCode::kMsvmInvalidParameter);
  }
  const auto it = std::find(list->begin(), list->end(), member->id);
  if (add) {
    if (it == list->end()) {
      list->push_back(member->id);
      if (member->kind == NodeKind::kVm) h_.vm_groups.upsert(member->id).push_back(collection->id);
    }
  } else {
    if (it == list->end()) return result(ReturnCode::kMsvmInvalidParameter);
    list->erase(it);
    if (member->kind == NodeKind::kVm) unlink(member->id, collection->id);
  }
  return result(ReturnCode::kCompleted);
}

MethodResult Methods::define_system(const PropertyList& in) {
  auto settings = settings_param(in);
  if (!settings) return result(ReturnCode::kMsvmInvalidParameter);
  Vm vm;
  vm.id = h_.rng_ids.guid();
  vm.name = settings->get_string("ElementName");
  if (vm.name.empty()) vm.name = "New Virtual Machine";
  if (const Value* t = settings->get("UserSnapshotType"); t != nullptr && !t->is_null()) {
    auto ct = checkpoint_type(*t);
    if (!ct) return result(ReturnCode::kMsvmInvalidParameter);
    vm.checkpoint_type = *ct;
  }
  vm.created_ms = h_.now_ms;
  const Guid id = vm.id;
  h_.vms.emplace(id, std::move(vm));
  MethodResult r = result(ReturnCode::kCompleted);
  cim::set(r.out, "ResultingSystem", Value::reference(h_.path_of({NodeKind::kVm, id})));
  return r;
}

MethodResult Methods::destroy_system(const PropertyList& in) {
  auto node = node_param(in, "AffectedSystem");
  if (!node || node->kind != NodeKind::kVm) return result(ReturnCode::kMsvmInvalidParameter);
  Vm& vm = must_edit(h_.vms, node->id);
  if (is_transitional(vm.state) || !vm.busy_job.is_nil() || has_worker_process(vm.state)) {
    return result(ReturnCode::kMsvmInvalidState);
  }
  if (synchronous()) {
    h_.destroy_vm(vm.id);
    return result(ReturnCode::kCompleted);
  }
  // J6: real hosts answer DestroySystem with 4096 and a job (JobType 3).
  Job& job = h_.new_job(JobKind::kDestroySystem, 3, false);
  job.target = vm.id;
  job.members = {vm.id};
  vm.busy_job = job.id;
  h_.schedule_first_step(job);
  return started(job);
}

MethodResult Methods::modify_system_settings(const PropertyList& in) {
  auto settings = settings_param(in);
  if (!settings) return result(ReturnCode::kMsvmInvalidParameter);
  auto path = ObjectPath(cim::Name::borrow(names::kNamespace), cim::Name::borrow(names::kVssd));
  path.add_key("InstanceID", settings->get_string("InstanceID"));
  auto node = h_.resolve(path);
  if (!node.ok() || node->kind != NodeKind::kLiveVssd)
    return result(ReturnCode::kMsvmInvalidParameter);
  Vm& vm = must_edit(h_.vms, node->id);
  std::optional<CheckpointType> ct;
  if (const Value* t = settings->get("UserSnapshotType"); t != nullptr && !t->is_null()) {
    ct = checkpoint_type(*t);
    if (!ct) return result(ReturnCode::kMsvmInvalidParameter);
  }
  if (is_transitional(vm.state) || !vm.busy_job.is_nil())
    return result(ReturnCode::kMsvmInvalidState);
  if (ct) vm.checkpoint_type = *ct;
  if (const Value* n = settings->get("ElementName");
      n != nullptr && n->as_string() != std::nullopt && !n->as_string()->empty()) {
    vm.name = *n->as_string();
  }
  return result(ReturnCode::kCompleted);
}

// Returns {0, 4096, 32768..32778} only (C5): a move the VM cannot make is 32775 (as Saving
// an Off VM is on a real host), a value the fake does not model 32770, any other 32773.
MethodResult Methods::vm_request_state_change(const Guid& vm_id, const PropertyList& in) {
  UintParam rs = uint_param(in, "RequestedState");
  if (rs.state != Param::kOk || rs.value > 65535) return result(ReturnCode::kMsvmInvalidParameter);
  Vm& vm = must_edit(h_.vms, vm_id);
  const std::optional<Transition> t = transition(vm.state, rs.value);
  if (!t) {
    const bool known = rs.value == 7 || rs.value == 8 || rs.value == 32779 || rs.value == 32780;
    return result(known ? ReturnCode::kMsvmNotSupported : ReturnCode::kMsvmInvalidParameter);
  }
  if (is_transitional(vm.state) || !vm.busy_job.is_nil() || t->via == VmState::kOff)
    return result(ReturnCode::kMsvmInvalidState);
  Job& job = h_.new_job(JobKind::kStateChange, t->job_type, false);
  job.target = vm.id;
  job.requested_state = static_cast<std::uint16_t>(rs.value);
  vm.state = t->via;
  vm.target = t->to;
  vm.transition_job = job.id;
  h_.schedule(job, h_.timing.transition_ms);
  return started(job);
}

std::optional<Methods::Transition> Methods::transition(VmState from, std::uint64_t requested) {
  const Transition refused{VmState::kOff, VmState::kOff, 0};
  const bool stopped = from == VmState::kOff || from == VmState::kSaved ||
                       from == VmState::kFastSaved || from == VmState::kHibernated;
  switch (requested) {
    case 2:  // Enabled: start, restore a saved state, or resume
      if (from == VmState::kPaused) return Transition{VmState::kResuming, VmState::kRunning, 27};
      if (!stopped) return refused;
      return Transition{VmState::kStarting, VmState::kRunning,
                        std::uint16_t(from == VmState::kOff ? 12 : 15)};
    case 3:  // Disabled: turn off (also discards a saved state)
      if (from == VmState::kOff) return refused;
      return Transition{VmState::kShuttingDown, VmState::kOff, 13};
    case 4:  // Shut Down: through the guest
      if (from != VmState::kRunning) return refused;
      return Transition{VmState::kShuttingDown, VmState::kOff, 16};
    case 6:
    case 32773:  // Offline / Saving: save
      if (from != VmState::kRunning && from != VmState::kPaused) return refused;
      return Transition{VmState::kSaving, VmState::kSaved, 14};
    case 9:
    case 32776:  // Quiesce / Pausing: pause
      if (from != VmState::kRunning) return refused;
      return Transition{VmState::kPausing, VmState::kPaused, 26};
    case 32777:  // Resuming
      if (from != VmState::kPaused) return refused;
      return Transition{VmState::kResuming, VmState::kRunning, 27};
    case 10:
    case 11:  // Reboot / Reset
      if (from != VmState::kRunning && from != VmState::kPaused) return refused;
      return Transition{VmState::kStarting, VmState::kRunning,
                        std::uint16_t(requested == 10 ? 29 : 28)};
    default:
      return std::nullopt;
  }
}

// Msvm_ConcreteJob.RequestStateChange: refusals in the job-control-codes family (C4).
MethodResult Methods::job_request_state_change(const Guid& job_id, const PropertyList& in) {
  const bool msvm = h_.personality.job_control_codes == CodeFamily::kMsvm;
  const MethodResult invalid_parameter = result(msvm ? 32773 : 5);
  const MethodResult invalid_transition = result(msvm ? 32775 : 4097);
  const MethodResult not_supported = result(msvm ? 32770 : 1);
  UintParam rs = uint_param(in, "RequestedState");
  if (rs.state != Param::kOk) return invalid_parameter;
  if (const Value* tp = cim::find(in, "TimeoutPeriod"); tp != nullptr && !tp->is_null()) {
    const cim::DateTime* d = tp->as_datetime();
    if (d == nullptr || d->micros() != 0)  // a timeout is not supported
      return msvm ? not_supported : result(4098);
  }
  Job& job = must_edit(h_.jobs, job_id);
  if (JobState(job.state).is_terminal()) return invalid_transition;
  switch (rs.value) {
    case 2:  // Start: resume a job the client suspended
      if (job.state != JobState::kSuspended || job.resume_after_suspend) return invalid_transition;
      job.state = JobState::kRunning;
      job.last_change_ms = h_.now_ms;
      h_.schedule(job, h_.timing.member_snapshot_ms);
      return result(0);
    case 3:  // Suspend
      if (job.state != JobState::kRunning || job.kind == JobKind::kStateChange ||
          job.stall_deadline_ms >= 0) {
        return invalid_transition;
      }
      job.state = JobState::kSuspended;
      job.resume_after_suspend = false;
      job.last_change_ms = h_.now_ms;
      return result(0);
    case 4:  // Terminate
    case 5:  // Kill
      if (!job.cancellable) return invalid_transition;
      h_.fail(job, rs.value == 4 ? JobState::kTerminated : JobState::kKilled,
              {JobError{"cancelled",
                        fmt::format("The job was {} at the client's request.",
                                    rs.value == 4 ? "terminated" : "killed"),
                        {}}},
              "The operation was cancelled.");
      return result(0);
    case 6:
      return not_supported;  // Service
    default:
      return invalid_parameter;
  }
}

MethodResult Methods::get_error(const Guid& job_id, bool all) {
  const Job& job = must(h_.jobs, job_id);
  MethodResult r = result(0);
  if (all) {
    std::vector<std::string> texts;
    for (const JobError& e : job.errors)
      texts.push_back(cim::format_embedded_instance(error_instance(h_, e)));
    cim::set(r.out, "Errors", Value::string_array(std::move(texts)));
  } else if (job.errors.empty()) {
    cim::set(r.out, "Error", Value::null(cim::CimType::kString));
  } else {
    cim::set(r.out, "Error",
             Value::string(cim::format_embedded_instance(error_instance(h_, job.errors.front()))));
  }
  return r;
}

MethodResult Methods::started(const Job& job) {
  MethodResult r = result(ReturnCode::kJobStarted);
  cim::set(r.out, "Job", Value::reference(h_.path_of({NodeKind::kJob, job.id})));
  return r;
}

bool Methods::synchronous() {
  switch (h_.personality.completion) {
    case Completion::kJob:
      return false;
    case Completion::kSynchronous:
      return true;
    case Completion::kMixed:
      return h_.rng_choices.chance(0.5);
  }
  return false;
}

std::optional<Node> Methods::node_param(const PropertyList& in, std::string_view name) {
  RefParam p;
  ref_param(in, name, p);
  if (p.state != Param::kOk) return std::nullopt;
  auto node = h_.resolve(*p.path);
  if (!node.ok()) return std::nullopt;
  return *node;
}

std::optional<cim::Instance> Methods::settings_param(const PropertyList& in) {
  const Value* v = cim::find(in, "SystemSettings");
  if (v == nullptr || v->is_null() || v->is_array()) return std::nullopt;
  cim::Instance inst;
  if (const cim::Instance* i = v->as_instance()) {
    inst = *i;
  } else if (const auto s = v->as_string()) {
    auto parsed = cim::parse_embedded_instance(*s);
    if (!parsed.ok()) return std::nullopt;
    inst = std::move(parsed).value();
  } else {
    return std::nullopt;
  }
  if (!cim::iequals(inst.class_name(), names::kVssd)) return std::nullopt;
  return inst;
}

std::optional<CheckpointType> Methods::checkpoint_type(const Value& v) {
  std::optional<std::uint64_t> u = v.as_uint();
  if (!u && v.as_string() != std::nullopt) {
    auto parsed = Value::from_text(cim::CimType::kUint16, *v.as_string());
    if (parsed.ok()) u = parsed->as_uint();
  }
  if (!u || *u < 2 || *u > 5) return std::nullopt;
  return static_cast<CheckpointType>(*u);
}

void Methods::unlink(const Guid& vm, const Guid& group) {
  std::vector<Guid>* list = h_.vm_groups.edit(vm);
  if (list == nullptr) return;
  list->erase(std::remove(list->begin(), list->end(), group), list->end());
  if (list->empty()) h_.vm_groups.erase(vm);
}

}  // namespace hvsnap::sim
