// How a matrix case arranges its input (contract §2 classes; case_arrange.h).
#include "case_arrange.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "hvsnap/cim/names.h"

namespace hvsnap::conformance {

namespace names = cim::names;
using cim::ObjectPath;
using cim::Value;
using model::id_of;

namespace {

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

}  // namespace

Arranged arrange(Client& cl, const Case& c, const RunConfig& cfg, CaseTurns::Turn& turn) {
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
      if (std::any_of(c.c.members.begin(), c.c.members.end(),
                      [](const VmSpec& m) { return m.transition_to != 0; }))
        turn.test();
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
