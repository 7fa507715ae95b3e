// The CreateSnapshot family of contract §1 (Msvm_CollectionSnapshotService): CreateSnapshot
// with the ordered synchronous checks of §3.1 (first match wins) and the personalities of
// §3.4, DestroySnapshot and ApplySnapshot (CS-SEQ-2, CS-SEQ-3).
#include <fmt/format.h>

#include <algorithm>

#include "hvsnap/cim/cimxml.h"
#include "hvsnap/cim/text.h"
#include "methods_impl.h"

namespace hvsnap::sim {

namespace {

// Parses SnapshotSettings; false for S-MALFORMED, S-WRONG-CLASS, S-OUT-OF-MAP and
// S-UNKNOWN-PROP (all rejected by the reference behaviour, §3.1 step 6).
bool parse_settings(const PropertyList& in, SnapshotSettings& out) {
  const Value* v = cim::find(in, "SnapshotSettings");
  if (v == nullptr || v->is_null()) return true;
  if (v->is_array()) return false;
  cim::Instance inst;
  if (const cim::Instance* embedded = v->as_instance()) {
    inst = *embedded;
  } else if (const auto text = v->as_string()) {
    if (text->empty()) return true;
    auto parsed = cim::parse_embedded_instance(*text);
    if (!parsed.ok()) return false;
    inst = std::move(parsed).value();
  } else {
    return false;
  }
  if (!cim::iequals(inst.class_name(), names::kSnapshotSettings)) return false;
  for (const cim::Property& p : inst.properties()) {
    const Value& pv = p.value;
    if (cim::iequals(p.name, "ConsistencyLevel") || cim::iequals(p.name, "GuestBackupType")) {
      if (pv.is_null()) continue;
      if (pv.is_array() || !cim::is_integer(pv.type())) return false;
      auto u = pv.as_uint();
      if (!u || *u > 2) return false;
    } else if (cim::iequals(p.name, "IgnoreNonSnapshottableDisks")) {
      if (pv.is_null()) continue;
      if (pv.is_array() || pv.type() != cim::CimType::kBoolean) return false;
      out.ignore_nonsnapshottable_disks = *pv.as_bool();
    } else if (cim::iequals(p.name, "InstanceID") || cim::iequals(p.name, "ElementName") ||
               cim::iequals(p.name, "Caption") || cim::iequals(p.name, "Description")) {
      if (!pv.is_null() && (pv.is_array() || pv.type() != cim::CimType::kString)) return false;
    } else {
      return false;  // an unknown property
    }
  }
  return true;
}

InputCheck judge_input(const PropertyList& in, VendorSnapshotTypes vendor) {
  InputCheck c;
  auto reject = [&](std::uint32_t dmtf, std::string_view cause, std::string message) {
    c.dmtf = dmtf;
    c.cause = cause;
    c.message = std::move(message);
    return c;
  };
  const UintParam t = uint_param(in, "SnapshotType");
  if (t.state != Param::kOk || t.value > 65535) {
    return reject(ReturnCode::kInvalidParameter, "invalid-parameter",
                  "SnapshotType is missing or not a uint16.");
  }
  if (t.value == 0 || (t.value >= 3 && t.value <= 32767)) {
    return reject(ReturnCode::kInvalidType, "invalid-type",
                  fmt::format("SnapshotType {} is not a snapshot type (1 or 2).", t.value));
  }
  if (t.value >= 32768 && vendor == VendorSnapshotTypes::kReject) {
    return reject(ReturnCode::kNotSupported, "unsupported-type",
                  fmt::format("SnapshotType {} (vendor specific) is not supported.", t.value));
  }
  // M6: 32768 is Hyper-V's recovery type; other vendor values give standard snapshots.
  c.kind = t.value == 2 || t.value == 32768 ? SnapshotKind::kRecovery : SnapshotKind::kStandard;
  if (!parse_settings(in, c.settings)) {
    return reject(ReturnCode::kInvalidParameter, "invalid-parameter",
                  "SnapshotSettings is not a valid Msvm_VirtualSystemSnapshotSettingData.");
  }
  return c;
}

}  // namespace

MethodResult Methods::create_snapshot(const PropertyList& in) {
  // §3.1 steps 1-3: the Collection reference.
  RefParam c;
  ref_param(in, "Collection", c);
  if (c.state != Param::kOk) return fail(ReturnCode::kInvalidParameter);  // C-NULL, C-MALFORMED
  const ObjectPath& p = *c.path;
  if (foreign_namespace(p)) return fail(ReturnCode::kInvalidParameter);  // C-FOREIGN-NS
  if (p.is_class_path()) return fail(ReturnCode::kInvalidParameter);     // names no key
  const bool group = cim::iequals(p.class_name(), names::kVmGroup);
  const bool management = cim::iequals(p.class_name(), names::kManagementCollection);
  if (!group && !management) return fail(ReturnCode::kInvalidParameter);  // C-WRONG-CLASS
  const cim::Key* key = p.key("CollectionID");
  if (key == nullptr) return fail(ReturnCode::kInvalidParameter);  // names no key
  auto id = key_guid(key->value, key->value);
  if (!id || (group ? !h_.groups.count(*id) : !h_.management_groups.count(*id))) {
    return fail(ReturnCode::kInvalidParameter);  // C-MISSING
  }
  // Steps 4-6: SnapshotType and SnapshotSettings; `validation: in-job` judges them in the job.
  const InputCheck input = check_input(in);
  const bool in_job = h_.personality.validation == Validation::kInJob;
  if (!input.ok() && !in_job) return fail(input.dmtf);
  // Step 7: a host that refuses collection snapshots (O1, O2, O3, O5), groups of groups too.
  if (refused(management ? Node{NodeKind::kManagementGroup, *id} : Node{NodeKind::kGroup, *id}))
    return fail(ReturnCode::kNotSupported);
  // Steps 8-11: the collection's class and members (R is ignored, AMB-7).
  if (management) return fail(ReturnCode::kNotSupported);  // C-MGMT (AMB-5)
  const Group& g = must(h_.groups, *id);
  if (g.members.empty()) return fail(ReturnCode::kInvalidState);  // C-EMPTY (AMB-4)
  for (const Guid& m : g.members) {
    const Vm& vm = must(h_.vms, m);
    if (is_transitional(vm.state) || !vm.busy_job.is_nil()) return fail(ReturnCode::kInvalidState);
  }
  const bool recovery = input.ok() && input.kind == SnapshotKind::kRecovery;
  if (recovery) {
    for (const Guid& m : g.members) {
      if (is_saved_like(must(h_.vms, m).state)) return fail(ReturnCode::kInvalidState);  // AMB-6
    }
  }
  // Faults inside the envelope: a valid call may still fail transiently with no change.
  if (h_.fires(FaultSite::kSyncFailed, [] { return "CreateSnapshot"; }))
    return fail(ReturnCode::kFailed);
  if (h_.fires(FaultSite::kSyncTimeout, [] { return "CreateSnapshot"; }))
    return fail(ReturnCode::kTimeout);
  // Step 12.
  if (synchronous()) {
    if (!input.ok()) return fail(input.dmtf);  // no job to judge it in
    Job proto;
    proto.group = g.id;
    proto.members = g.members;
    proto.snapshot_kind = input.kind;
    proto.ignore_nonsnapshottable_disks = input.settings.ignore_nonsnapshottable_disks;
    return create_now(proto);
  }
  Job& job = h_.new_job(JobKind::kCreateSnapshot, 198, true);
  job.group = g.id;
  job.members = g.members;
  job.snapshot_kind = input.kind;
  job.ignore_nonsnapshottable_disks = input.settings.ignore_nonsnapshottable_disks;
  if (!input.ok()) {
    job.invalid_cause = std::string(input.cause);
    job.invalid_message = input.message;
  }
  h_.start_create_job(job);
  return started(job);
}

MethodResult Methods::destroy_or_apply(const PropertyList& in, JobKind kind) {
  const char* param =
      kind == JobKind::kDestroySnapshot ? "AffectedSnapshotCollection" : "SnapshotCollection";
  RefParam c;
  ref_param(in, param, c);
  if (c.state != Param::kOk || foreign_namespace(*c.path) ||
      !cim::iequals(c.path->class_name(), names::kSnapshotCollection)) {
    return fail(ReturnCode::kInvalidParameter);
  }
  const cim::Key* key = c.path->key("CollectionID");
  auto id = key == nullptr ? std::nullopt : key_guid(key->value, key->value);
  const SnapshotCollection* coll = id ? h_.collections.find(*id) : nullptr;
  if (coll == nullptr || !h_.visible(*coll)) return fail(ReturnCode::kInvalidParameter);
  std::vector<Guid> vms;
  for (const Guid& sid : coll->members) {
    const Snapshot* sn = h_.snapshots.find(sid);
    if (sn == nullptr) continue;
    if (std::find(vms.begin(), vms.end(), sn->vm) == vms.end()) vms.push_back(sn->vm);
  }
  for (const Guid& v : vms) {
    const Vm& vm = must(h_.vms, v);
    if (is_transitional(vm.state) || !vm.busy_job.is_nil()) return fail(ReturnCode::kInvalidState);
    if (kind == JobKind::kApplySnapshot && has_worker_process(vm.state)) {
      return fail(ReturnCode::kInvalidState);  // CS-SEQ-3: a running (or paused) member
    }
  }
  if (synchronous()) {
    if (kind == JobKind::kDestroySnapshot) {
      h_.destroy_snapshot_collection(*id);
    } else {
      h_.apply_snapshot_collection(*id);
    }
    return result(ReturnCode::kCompleted);
  }
  Job& job = h_.new_job(kind, kind == JobKind::kDestroySnapshot ? 72 : 71, true);
  job.target = *id;
  job.members = vms;
  for (const Guid& v : vms)
    must_edit(h_.vms, v).busy_job = job.id;
  h_.schedule_first_step(job);
  return started(job);
}

InputCheck Methods::check_input(const PropertyList& in) const {
  return judge_input(in, h_.personality.vendor_snapshot_types);
}

// refuse-collection-snapshots: any member (of any nested group) in a listed state.
bool Methods::refused(const Node& collection) const {
  const RefusePolicy& policy = h_.personality.refuse_collection_snapshots;
  if (policy.none()) return false;
  if (policy.all) return true;
  auto group_refused = [&](const Group& g) {
    for (const Guid& m : g.members) {
      const VmState s = must(h_.vms, m).state;
      if (std::binary_search(policy.states.begin(), policy.states.end(), s)) return true;
    }
    return false;
  };
  if (collection.kind == NodeKind::kGroup) return group_refused(must(h_.groups, collection.id));
  for (const Guid& gid : must(h_.management_groups, collection.id).members) {
    if (group_refused(must(h_.groups, gid))) return true;
  }
  return false;
}

// `completion: synchronous`: the whole job inside the call; 0 with the result, or a
// failure code with everything undone.
MethodResult Methods::create_now(Job& job) {
  for (const Guid& m : job.members) {
    Vm& vm = must_edit(h_.vms, m);
    if (h_.fires(FaultSite::kJobExceptionAtMember,
                 [&] { return fmt::format("synchronous CreateSnapshot ({})", vm.name); })) {
      h_.rollback(job);
      return fail(ReturnCode::kFailed);
    }
    if (!h_.member_causes(vm, job).empty()) {
      h_.rollback(job);
      return fail(ReturnCode::kInvalidState);
    }
    h_.snapshot_member(job, vm);
  }
  const Guid id = h_.make_snapshot_collection(job);
  must_edit(h_.collections, id).created_by_job = Guid{};
  MethodResult r = result(ReturnCode::kCompleted);
  cim::set(r.out, "ResultingSnapshotCollection",
           Value::reference(h_.path_of({NodeKind::kSnapshotCollection, id})));
  return r;
}

}  // namespace hvsnap::sim
