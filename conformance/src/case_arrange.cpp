// How a matrix case arranges its input (contract §2 classes; case_arrange.h).
#include "case_arrange.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "hvsnap/cim/codes.h"
#include "hvsnap/cim/names.h"

namespace hvsnap::conformance {

namespace names = cim::names;
using cim::ObjectPath;
using cim::Value;
using model::id_of;

namespace {

// The collections `group` reaches (Msvm_SnapshotOfVirtualSystemCollection); nullopt when the
// read fails.
std::optional<std::vector<ObjectPath>> collections_of(Client& cl, const ObjectPath& group) {
  auto r = cl.provider().associators(group, {std::string(names::kSnapshotOfGroup), "", "", ""});
  if (!r.ok()) return std::nullopt;
  std::vector<ObjectPath> out;
  for (const auto& i : *r)
    out.push_back(i.path());
  return out;
}

// A set-up snapshot arranged, not judged (decision 0114): the call the capability probe
// P-OFF/T-STANDARD judged, made again and followed to its end like any arrangement call. The
// new collection is the one `group` reaches that `known` does not hold. Anything but that clean
// success (a fault, another code, a job that did not complete, no one new collection after the
// bounded lag CS-INV-7 allows) gives nullopt: the set-up is then judged as before, from a new
// observation.
std::optional<ObjectPath> arranged_snapshot(Client& cl, const ObjectPath& group,
                                            const std::vector<std::string>& known, Arranged& a) {
  const cim::PropertyList in = CreateSnapshotArgs{.collection = Value::reference(group)}.params();
  auto res = cl.invoke(collection_snapshot_service(), names::kCreateSnapshot, in);
  if (!res.ok()) return std::nullopt;
  std::optional<ObjectPath> job;
  if (res->return_value == cim::ReturnCode::kJobStarted) {
    const Value* j = res->get("Job");
    if (j == nullptr || j->as_reference() == nullptr) return std::nullopt;
    job = *j->as_reference();
    const JobTrace t = cl.wait_job(*job, Polling::kBackOff);
    if (t.final_state() != std::optional<std::uint16_t>(cim::JobState::kCompleted))
      return std::nullopt;
  } else if (res->return_value != 0) {
    return std::nullopt;
  }
  for (int i = 0; i <= a.cfg->visibility_retries; ++i) {
    const auto reached = collections_of(cl, group);
    if (!reached) return std::nullopt;
    std::vector<ObjectPath> made;
    for (const auto& c : *reached) {
      if (std::find(known.begin(), known.end(), id_of(c)) == known.end()) made.push_back(c);
    }
    if (made.size() == 1) {
      if (job) a.scope.jobs.push_back(*job);  // another call's ended job (CS-INV-9)
      return made.front();
    }
    if (!made.empty()) return std::nullopt;
    cl.pass_time(a.cfg->client.poll_step_ms);  // not visible yet (CS-INV-7's bounded lag)
  }
  return std::nullopt;
}

// A set-up snapshot of `group` (whose objects are already in `a.scope`): arranged when the
// capability probe judged the same call (decision 0114), else judged.
ObjectPath snapshot_for_setup(Client& cl, const ObjectPath& group, Arranged& a) {
  std::vector<std::string>& known = a.setup_collections[id_of(group)];
  if (a.cfg->setup.judged_by_probe && !a.cfg->setup.start_members && !a.cfg->setup.refused) {
    if (auto made = arranged_snapshot(cl, group, known, a)) {
      known.push_back(id_of(*made));
      return *made;
    }
    cl.section("set-up: the arranged snapshot did not end as the probe's did: judged from here");
  }
  SetupSnapshot s = setup_snapshot(cl, group, a.scope, *a.cfg);
  a.setup_retries += s.retries;
  for (auto& f : s.findings)
    a.setup_findings.push_back(std::move(f));
  if (s.failed) throw SetupBroke{std::move(a.setup_findings)};
  if (!s.collection) throw Abort{s.problem};
  if (s.job) a.scope.jobs.push_back(*s.job);  // another call's ended job (CS-INV-9)
  known.push_back(id_of(*s.collection));
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

}  // namespace

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

}  // namespace hvsnap::conformance
