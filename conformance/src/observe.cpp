// The observation step: what the oracle's judgement rests on, read through the Provider
// (contract §4). Reads that fail are recorded, never thrown.
#include "hvsnap/conformance/observe.h"

#include <fmt/format.h>

#include "hvsnap/cim/names.h"

namespace hvsnap::conformance {

namespace names = cim::names;
using model::CollectionView;
using model::GroupView;
using model::HostView;
using model::id_of;
using model::Scope;
using model::SnapView;
using model::upper;
using model::VmView;

namespace {

std::string parent_id(const cim::Instance& vssd) {
  const std::string text = vssd.get_string("Parent");
  if (text.empty()) return {};
  auto p = cim::ObjectPath::parse(text);
  if (!p.ok()) return upper(text);  // unparseable: compare as text
  return id_of(*p);
}

std::vector<cim::Instance> assoc(cim::Provider& p, const cim::ObjectPath& from,
                                 std::string_view assoc_class, std::string_view result_class,
                                 std::vector<std::string>& errors) {
  auto r = p.associators(from, {std::string(assoc_class), std::string(result_class), "", ""});
  if (!r.ok()) {
    errors.push_back(fmt::format("ASSOCIATORS OF {} via {}: {}", from.to_string(), assoc_class,
                                 r.status().to_string()));
    return {};
  }
  return std::move(r).value();
}

}  // namespace

CollectionView observe_collection(cim::Provider& p, const cim::ObjectPath& path,
                                  std::vector<std::string>& errors) {
  CollectionView c;
  c.id = id_of(path);
  c.path = path;
  for (const auto& m : assoc(p, path, names::kCollectedSnapshots, "", errors)) {
    c.members.insert(upper(m.get_string("InstanceID")));
  }
  return c;
}

HostView observe(cim::Provider& p, const Scope& scope) {
  HostView v;
  for (const auto& path : scope.vms) {
    VmView vm;
    vm.id = id_of(path);
    vm.path = path;
    auto inst = p.get_instance(path);
    if (!inst.ok()) {
      v.errors.push_back(
          fmt::format("GetInstance {}: {}", path.to_string(), inst.status().to_string()));
      continue;
    }
    vm.state = static_cast<std::uint16_t>(inst->get_uint("EnabledState").value_or(0));
    vm.other_state = inst->get_string("OtherEnabledState");
    for (const auto& s : assoc(p, path, names::kSnapshotOfVm, "", v.errors)) {
      SnapView sv;
      sv.id = upper(s.get_string("InstanceID"));
      sv.vm = upper(s.get_string("VirtualSystemIdentifier"));
      if (sv.vm.empty()) sv.vm = vm.id;
      sv.type = s.get_string("VirtualSystemType");
      sv.parent = parent_id(s);
      vm.snapshots.insert(sv.id);
      v.snapshots[sv.id] = std::move(sv);
    }
    const auto mc = assoc(p, path, names::kMostCurrentSnapshot, "", v.errors);
    if (!mc.empty()) vm.most_current = upper(mc.front().get_string("InstanceID"));
    v.vms[vm.id] = std::move(vm);
  }
  auto observe_group = [&](const cim::ObjectPath& path, bool management) {
    GroupView g;
    g.id = id_of(path);
    g.path = path;
    g.management = management;
    const std::string_view member_assoc =
        management ? names::kCollectedCollections : names::kCollectedVirtualSystems;
    for (const auto& m : assoc(p, path, member_assoc, "", v.errors))
      g.members.insert(id_of(m.path()));
    if (!management) {
      for (const auto& c : assoc(p, path, names::kSnapshotOfGroup, "", v.errors)) {
        g.collections.insert(id_of(c.path()));
        if (!v.collections.count(id_of(c.path())))
          v.collections[id_of(c.path())] = observe_collection(p, c.path(), v.errors);
      }
    }
    v.groups[g.id] = std::move(g);
  };
  for (const auto& path : scope.groups)
    observe_group(path, false);
  for (const auto& path : scope.management)
    observe_group(path, true);
  for (const auto& path : scope.collections) {
    if (!v.collections.count(id_of(path))) {
      if (p.get_instance(path).ok())
        v.collections[id_of(path)] = observe_collection(p, path, v.errors);
    }
  }
  auto all = p.enumerate_instances(names::kNamespace, names::kSnapshotCollection);
  if (all.ok()) {
    for (const auto& c : *all) {
      v.all_collections.insert(id_of(c.path()));
      v.collection_paths.emplace(id_of(c.path()), c.path());
    }
  } else {
    v.errors.push_back("EnumerateInstances Msvm_SnapshotCollection: " + all.status().to_string());
  }
  return v;
}

void complete_observation(cim::Provider& p, const model::ReadPlan& plan, model::Observation& o) {
  if (plan.unlinked_collection) {
    std::vector<std::string> errors;
    CollectionView c = observe_collection(p, *plan.unlinked_collection, errors);
    o.unlinked[c.id] = std::move(c);
  }
  if (plan.sync_job) {
    model::JobRead r;
    auto ji = p.get_instance(*plan.sync_job);
    r.readable = ji.ok();
    if (ji.ok()) {
      r.state = static_cast<std::uint16_t>(ji->get_uint("JobState").value_or(0));
    } else {
      r.error = ji.status().to_string();
    }
    o.sync_job = r;
  }
  if (plan.affected_job) {
    auto from_job =
        p.associators(*plan.affected_job, {std::string(names::kAffectedJobElement), "", "", ""});
    std::set<std::string> ids;
    if (from_job.ok()) {
      for (const auto& x : *from_job)
        ids.insert(id_of(x.path()));
    }
    o.affected_from_job = std::move(ids);
  }
}

void complete_observation(cim::Provider& p, bool management, model::Observation& o) {
  complete_observation(p, model::plan_reads(o.before, o.outcome, o.after, management), o);
}

}  // namespace hvsnap::conformance
