// Observation and diff of the oracle's host view (contract §4 CS-INV-2/3/9 need both).
#include "hvsnap/conformance/model/view.h"

#include <fmt/format.h>

#include "hvsnap/cim/names.h"

namespace hvsnap::conformance::model {

namespace names = cim::names;

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string id_of(const cim::ObjectPath& path) {
  for (const char* key : {"CollectionID", "InstanceID", "Name"}) {
    if (const cim::Key* k = path.key(key)) return upper(k->value);
  }
  return upper(path.to_string());
}

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

void observe_collection(cim::Provider& p, const cim::ObjectPath& path, HostView& v) {
  CollectionView c;
  c.id = id_of(path);
  c.path = path;
  for (const auto& m : assoc(p, path, names::kCollectedSnapshots, "", v.errors)) {
    c.members.insert(upper(m.get_string("InstanceID")));
  }
  v.collections[c.id] = std::move(c);
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
        if (!v.collections.count(id_of(c.path()))) observe_collection(p, c.path(), v);
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
      if (p.get_instance(path).ok()) {
        observe_collection(p, path, v);
      }
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

Diff diff(const HostView& before, const HostView& after,
          const std::map<std::string, std::uint16_t>& transitions) {
  Diff d;
  auto note = [&](std::string object, std::string what) {
    d.changes.push_back({std::move(object), std::move(what)});
  };
  for (const auto& id : after.all_collections) {
    if (!before.all_collections.count(id)) {
      d.new_collections.insert(id);
      note("host", "gained snapshot collection " + id);
    }
  }
  for (const auto& id : before.all_collections) {
    if (!after.all_collections.count(id)) {
      d.gone_collections.insert(id);
      note("host", "lost snapshot collection " + id);
    }
  }
  for (const auto& [id, b] : before.vms) {
    auto it = after.vms.find(id);
    if (it == after.vms.end()) {
      d.unreadable.insert(id);
      note("vm " + id, "can no longer be read");
      continue;
    }
    const VmView& a = it->second;
    if (a.state != b.state) {
      auto t = transitions.find(id);
      if (t == transitions.end() || a.state != t->second) {
        d.state_changed.insert(id);
        note("vm " + id, fmt::format("EnabledState {} -> {}", b.state, a.state));
      }
    }
    for (const auto& s : a.snapshots) {
      if (!b.snapshots.count(s)) {
        d.new_snapshots[id].insert(s);
        note("vm " + id, "gained snapshot " + s);
      }
    }
    for (const auto& s : b.snapshots) {
      if (!a.snapshots.count(s)) {
        d.gone_snapshots[id].insert(s);
        note("vm " + id, "lost snapshot " + s);
      }
    }
    if (a.most_current != b.most_current) {
      d.most_current[id] = {b.most_current, a.most_current};
      note("vm " + id, fmt::format("most-current snapshot {} -> {}",
                                   b.most_current.empty() ? "none" : b.most_current,
                                   a.most_current.empty() ? "none" : a.most_current));
    }
  }
  for (const auto& [id, b] : before.snapshots) {
    auto it = after.snapshots.find(id);
    if (it != after.snapshots.end() && it->second.parent != b.parent) {
      d.parent_changed.insert(id);
      note("snapshot " + id, fmt::format("Parent {} -> {}", b.parent.empty() ? "none" : b.parent,
                                         it->second.parent.empty() ? "none" : it->second.parent));
    }
  }
  for (const auto& [id, b] : before.groups) {
    auto it = after.groups.find(id);
    if (it == after.groups.end()) continue;
    const GroupView& a = it->second;
    if (a.members != b.members) {
      d.membership_changed.insert(id);
      note("group " + id, "membership changed");
    }
    for (const auto& c : a.collections) {
      if (!b.collections.count(c)) {
        d.links_gained[id].insert(c);
        note("group " + id, "linked to new snapshot collection " + c);
      }
    }
    for (const auto& c : b.collections) {
      if (!a.collections.count(c)) {
        d.links_lost[id].insert(c);
        note("group " + id, "no longer linked to snapshot collection " + c);
      }
    }
  }
  for (const auto& [id, b] : before.collections) {
    auto it = after.collections.find(id);
    if (it != after.collections.end() && it->second.members != b.members) {
      d.members_changed.insert(id);
      note("collection " + id, "members changed");
    }
  }
  return d;
}

}  // namespace hvsnap::conformance::model
