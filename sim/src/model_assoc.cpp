// The fake's associations of contract §1, derived from the records (never stored twice),
// and the reads that walk them: enumeration, associators and references (CS-READ-4).
#include <fmt/format.h>

#include "hvsnap/cim/text.h"
#include "model_impl.h"

namespace hvsnap::sim {

constexpr std::array<AssocDef, 16> kAssocs{{
    {names::kCollectedVirtualSystems, "Collection", NodeKind::kGroup, "Member", NodeKind::kVm},
    {names::kCollectedCollections, "Collection", NodeKind::kManagementGroup, "Member",
     NodeKind::kGroup},
    {names::kSnapshotOfGroup, "Antecedent", NodeKind::kGroup, "Dependent",
     NodeKind::kSnapshotCollection},
    {names::kCollectedSnapshots, "Collection", NodeKind::kSnapshotCollection, "Member",
     NodeKind::kSnapshot},
    {names::kSnapshotOfVm, "Antecedent", NodeKind::kVm, "Dependent", NodeKind::kSnapshot},
    {names::kMostCurrentSnapshot, "Antecedent", NodeKind::kVm, "Dependent", NodeKind::kSnapshot},
    {names::kSettingsDefineState, "ManagedElement", NodeKind::kVm, "SettingData",
     NodeKind::kLiveVssd},
    {names::kAffectedJobElement, "AffectingElement", NodeKind::kJob, "AffectedElement",
     NodeKind::kSnapshotCollection},
    // M1: the snapshot tree, the last applied snapshot, the host's services.
    {names::kParentChildSettingData, "Antecedent", NodeKind::kSnapshot, "Dependent",
     NodeKind::kSnapshot},
    {names::kLastAppliedSnapshot, "Antecedent", NodeKind::kSnapshot, "Dependent", NodeKind::kVm},
    {names::kHostedService, "Antecedent", NodeKind::kHost, "Dependent", NodeKind::kVsms},
    {names::kHostedService, "Antecedent", NodeKind::kHost, "Dependent",
     NodeKind::kCollectionManagementService},
    {names::kHostedService, "Antecedent", NodeKind::kHost, "Dependent",
     NodeKind::kCollectionSnapshotService},
    // A VM's settings and its processor and memory settings (neighbours.cpp).
    {names::kVssdComponent, "GroupComponent", NodeKind::kLiveVssd, "PartComponent",
     NodeKind::kProcessorSettings},
    {names::kVssdComponent, "GroupComponent", NodeKind::kLiveVssd, "PartComponent",
     NodeKind::kMemorySettings},
    // root\cimv2: the computer system and its processors.
    {names::kWin32ComputerSystemProcessor, "GroupComponent", NodeKind::kWin32ComputerSystem,
     "PartComponent", NodeKind::kWin32Processor},
}};

template <class F>
void Host::Impl::each_of(NodeKind kind, F&& f) const {
  // In id order (decision 0075), from the maps' kept order (decision 0136).
  auto each = [&](const auto& map, auto keep) {
    map.each_in_order([&](const Guid& id, const auto& rec) {
      if (keep(rec)) f(Node{kind, id});
    });
  };
  constexpr auto kAll = [](const auto&) { return true; };
  switch (kind) {
    case NodeKind::kHost:
    case NodeKind::kVsms:
    case NodeKind::kCollectionManagementService:
    case NodeKind::kCollectionSnapshotService:
    case NodeKind::kWin32ComputerSystem:
    case NodeKind::kWin32Product:
    case NodeKind::kWin32OperatingSystem:
    case NodeKind::kWin32Processor:
      f(Node{kind, {}});
      break;
    case NodeKind::kVm:
    case NodeKind::kLiveVssd:
    case NodeKind::kProcessorSettings:
    case NodeKind::kMemorySettings:
      each(vms, kAll);
      break;
    case NodeKind::kSnapshot:
      each(snapshots, kAll);
      break;
    case NodeKind::kGroup:
      each(groups, kAll);
      break;
    case NodeKind::kManagementGroup:
      each(management_groups, kAll);
      break;
    case NodeKind::kSnapshotCollection:
      each(collections, [&](const SnapshotCollection& c) { return visible(c); });
      break;
    case NodeKind::kJob:
      each(jobs, kAll);
      break;
  }
}

std::vector<Node> Host::Impl::all_of(NodeKind kind) const {
  std::vector<Node> out;
  each_of(kind, [&](const Node& n) { out.push_back(n); });
  return out;
}

NodeList Host::Impl::links(const AssocDef& def, const Node& from, bool from_a) const {
  NodeList out;
  const NodeKind other = from_a ? def.kind_b : def.kind_a;
  auto add = [&](const Guid& id) {
    Node n{other, id};
    if (exists_visibly(n)) out.push_back(n);
  };
  const std::string_view cls = def.cls;
  if (cls == names::kCollectedVirtualSystems) {
    if (from_a) {
      for (const Guid& m : must(groups, from.id).members)
        add(m);
    } else if (const std::vector<Guid>* in = vm_groups.find(from.id); in != nullptr) {
      for (const Guid& g : *in)
        add(g);
    }
  } else if (cls == names::kCollectedCollections) {
    if (from_a) {
      for (const Guid& m : must(management_groups, from.id).members)
        add(m);
    } else {
      for (const auto& [id, mg] : management_groups) {
        if (std::find(mg.members.begin(), mg.members.end(), from.id) != mg.members.end()) add(id);
      }
    }
  } else if (cls == names::kSnapshotOfGroup) {
    if (from_a) {
      for (const Guid& c : must(groups, from.id).snapshot_collections)
        add(c);
    } else {
      add(must(collections, from.id).group);
    }
  } else if (cls == names::kCollectedSnapshots) {
    if (from_a) {
      for (const Guid& s : must(collections, from.id).members)
        add(s);
    } else if (const Guid& c = must(snapshots, from.id).collection; !c.is_nil()) {
      add(c);
    }
  } else if (cls == names::kSnapshotOfVm) {
    if (from_a) {
      for (const Guid& s : must(vms, from.id).snapshots)
        add(s);
    } else {
      add(must(snapshots, from.id).vm);
    }
  } else if (cls == names::kMostCurrentSnapshot) {
    if (from_a) {
      if (const Guid& s = must(vms, from.id).most_current; !s.is_nil()) add(s);
    } else {
      const Snapshot& s = must(snapshots, from.id);
      if (must(vms, s.vm).most_current == s.id) add(s.vm);
    }
  } else if (cls == names::kSettingsDefineState || cls == names::kVssdComponent) {
    // A VM, its live VSSD and its settings share the VM's GUID.
    add(from.id);
  } else if (cls == names::kParentChildSettingData) {
    const Snapshot& s = must(snapshots, from.id);
    if (from_a) {
      // The parent -> children index (decision 0016), not a scan of the VM's history.
      if (const ChildList* below = children.find(from.id); below != nullptr) {
        for (const Guid& child : *below)
          add(child);
      }
    } else if (!s.parent.is_nil()) {
      add(s.parent);
    }
  } else if (cls == names::kLastAppliedSnapshot) {
    if (from_a) {
      const Snapshot& s = must(snapshots, from.id);
      if (must(vms, s.vm).last_applied == s.id) add(s.vm);
    } else if (const Guid& applied = must(vms, from.id).last_applied; !applied.is_nil()) {
      add(applied);
    }
  } else if (cls == names::kHostedService || cls == names::kWin32ComputerSystemProcessor) {
    add(Guid{});  // singletons
  } else if (cls == names::kAffectedJobElement) {
    if (from_a) {
      const Job& j = must(jobs, from.id);
      if (j.kind == JobKind::kCreateSnapshot && !j.target.is_nil() && collections.count(j.target))
        add(j.target);
    } else if (const Guid& by = must(collections, from.id).created_by_job;
               !by.is_nil() && jobs.count(by)) {
      add(by);
    }
  }
  std::sort(out.begin(), out.end(), [](const Node& a, const Node& b) { return a.id < b.id; });
  return out;
}

cim::Instance Host::Impl::association_instance(const AssocDef& def, const Node& a,
                                               const Node& b) const {
  const ClassLayout* layout = assoc_layout(def);
  HVSNAP_ASSERT(layout != nullptr);
  Instance inst = layout->instance(Name::borrow(def.cls), 4);
  Slots s(*layout, inst);
  const ObjectPath pa = path_of(a);
  const ObjectPath pb = path_of(b);
  ObjectPath p(Name::borrow(layout->def->name_space), Name::borrow(def.cls));
  p.set_host(host_name);
  p.add_key(Name::borrow(def.role_a), pa.to_string(), cim::KeyKind::kReference);
  p.add_key(Name::borrow(def.role_b), pb.to_string(), cim::KeyKind::kReference);
  s.set(def.role_a, Value::reference(pa));
  s.set(def.role_b, Value::reference(pb));
  if (def.cls == names::kAffectedJobElement) {
    s.set("ElementEffects", Value::array(cim::CimType::kUint16, {cim::Scalar(std::uint64_t{5})}));
  }
  inst.set_path(std::move(p));
  return inst;
}

// An association is served when its class exists at the host's build and so do both ends.
bool Host::Impl::served(const AssocDef& def) const {
  return assoc_layout(def) != nullptr && served(def.kind_a) && served(def.kind_b);
}

// Looked up once per build (build_layouts): associations are walked on every read.
const ClassLayout* Host::Impl::assoc_layout(const AssocDef& def) const {
  const auto i = static_cast<std::size_t>(&def - kAssocs.data());
  HVSNAP_ASSERT(i < schema->assoc_layouts.size());
  return schema->assoc_layouts[i];
}

// A class this host knows: a table class that exists at its build, or a CIM base class.
bool Host::Impl::class_exists(std::string_view cls) const {
  // A layout is made for every schema class at this build, so a class with one is in the
  // schema: it is looked for first (decision 0123: the AssocClass and ResultClass of every
  // association read, found without a second case-insensitive look-up).
  if (layout_of(cls) != nullptr) return true;
  if (cim::schema::find_class(cls) != nullptr) return false;  // not at this build
  return known_class(cls);
}

cim::Status Host::Impl::no_such_class(std::string_view cls) const {
  if (const auto* c = cim::schema::find_class(cls); c != nullptr && !c->exists_at(host_build)) {
    return cim::Status(cim::StatusKind::kInvalidClass,
                       fmt::format("class {} does not exist at build {} (builds {}..{})", cls,
                                   host_build, c->first_build, c->last_build));
  }
  return cim::Status(cim::StatusKind::kInvalidClass,
                     fmt::format("class {} does not exist in {}", cls, names::kNamespace));
}

// What enumerate and enumerate_names list, in their order: the nodes of each served kind of
// the class (`nodes` is called with each such kind, whose nodes all_of and each_of give in id
// order), then each association instance's ends (`link` is called for each).
bool Host::Impl::lists(NodeKind k, std::string_view class_name, std::string_view ns) const {
  return served(k) && is_a(class_of(k), class_name) && cim::iequals(namespace_of(class_of(k)), ns);
}

bool Host::Impl::lists(const AssocDef& def, std::string_view class_name,
                       std::string_view ns) const {
  return served(def) && is_a(def.cls, class_name) &&
         cim::iequals(assoc_layout(def)->def->name_space, ns);
}

template <class OnNodes, class OnLink>
cim::Status Host::Impl::each_instance(std::string_view name_space, std::string_view class_name,
                                      OnNodes&& nodes, OnLink&& link) {
  if (!class_exists(class_name)) return no_such_class(class_name);
  // A class of the table lives in one namespace; a CIM base class is looked for in the one
  // asked for (root\virtualization\v2 when none is).
  const std::string_view ns = name_space.empty() ? namespace_of(class_name) : name_space;
  if (cim::schema::find_class(class_name) != nullptr && !cim::iequals(ns, namespace_of(class_name)))
    return cim::Status(cim::StatusKind::kInvalidClass,
                       fmt::format("class {} does not exist in {}", class_name, ns));
  for (std::size_t i = 0; i < kNodeKinds; ++i) {
    const auto k = static_cast<NodeKind>(i);
    if (lists(k, class_name, ns)) nodes(k);
  }
  for (const AssocDef& def : kAssocs) {
    if (!lists(def, class_name, ns)) continue;
    for (const Node& a : all_of(def.kind_a)) {
      for (const Node& b : links(def, a, true))
        link(def, a, b);
    }
  }
  return {};
}

cim::Result<std::vector<Instance>> Host::Impl::enumerate(std::string_view name_space,
                                                         std::string_view class_name) {
  std::vector<Instance> out;
  auto st = each_instance(
      name_space, class_name,
      [&](NodeKind k) {
        const std::vector<Node> nodes = all_of(k);
        out.reserve(out.size() + nodes.size());
        for (const Node& n : nodes)
          materialize_back(n, out);
      },
      [&](const AssocDef& def, const Node& a, const Node& b) {
        out.push_back(association_instance(def, a, b));
      });
  if (!st.ok()) return st;
  return out;
}

cim::Result<std::vector<Instance>> Host::Impl::enumerate_matching(
    std::string_view name_space, std::string_view class_name,
    const std::vector<cim::Provider::PropertyEquals>& any_of) {
  // Each set resolved as a path of the class (decision 0137), when the class lists the nodes of
  // one class only and each set names every key of the class and nothing else; anything else
  // (an association class, a base class over several, a set that names another property or
  // only some keys, a check that fails) lists the class, as enumerate does, errors included:
  // only then is "not found" sure to mean that no instance matches, and does the caller's test
  // of each instance see every property its WHERE names.
  auto listing = [&] { return enumerate(name_space, class_name); };
  if (!class_exists(class_name)) return listing();
  const std::string_view ns = name_space.empty() ? namespace_of(class_name) : name_space;
  std::string_view cls;
  for (std::size_t i = 0; i < kNodeKinds; ++i) {
    const auto k = static_cast<NodeKind>(i);
    if (!lists(k, class_name, ns)) continue;
    if (!cls.empty() && cls != class_of(k)) return listing();
    cls = class_of(k);
  }
  for (const AssocDef& def : kAssocs) {
    if (lists(def, class_name, ns)) return listing();
  }
  if (cls.empty() || !cim::iequals(cls, class_name)) return listing();
  const ClassLayout* layout = layout_of(cls);
  if (layout == nullptr) return listing();
  const auto keys = static_cast<std::size_t>(
      std::count_if(layout->def->properties().begin(), layout->def->properties().end(),
                    [](const cim::schema::PropertyDef& p) { return p.key; }));
  const auto every_key = [&](const cim::Provider::PropertyEquals& set) {
    if (set.size() != keys) return false;
    for (std::size_t i = 0; i < set.size(); ++i) {
      const cim::schema::PropertyDef* p = layout->def->property(set[i].first);
      if (p == nullptr || !p->key) return false;
      for (std::size_t j = 0; j < i; ++j) {
        if (cim::iequals(set[j].first, set[i].first)) return false;  // one named twice
      }
    }
    return true;
  };
  std::vector<Node> found;
  for (const auto& set : any_of) {
    if (!every_key(set)) return listing();
    ObjectPath path(Name::borrow(namespace_of(cls)), Name::borrow(cls));
    for (const auto& [name, value] : set)
      path.add_key(Name(name), value);
    auto node = resolve(path);
    if (!node.ok()) {
      if (node.status().kind() != cim::StatusKind::kNotFound) return listing();
      continue;
    }
    const ObjectPath named = path_of(*node);
    if (!served(node->kind) || class_of(node->kind) != cls || named.keys().size() != set.size())
      return listing();
    for (const auto& [name, value] : set) {
      if (named.key(name) == nullptr) return listing();
    }
    found.push_back(*node);
  }
  // In the listing's order: by kind, then by id.
  const auto order = [](const Node& a, const Node& b) {
    return a.kind != b.kind ? a.kind < b.kind : a.id < b.id;
  };
  std::sort(found.begin(), found.end(), order);
  found.erase(std::unique(found.begin(), found.end()), found.end());
  std::vector<Instance> out;
  out.reserve(found.size());
  for (const Node& n : found)
    materialize_back(n, out);
  return out;
}

cim::Result<std::vector<ObjectPath>> Host::Impl::enumerate_names(std::string_view name_space,
                                                                 std::string_view class_name) {
  std::vector<ObjectPath> out;
  auto st = each_instance(
      name_space, class_name,
      [&](NodeKind k) {
        // Nodes of one kind: the first path is made, and where only a GUID key tells the
        // kind's paths apart, the others are copies of it with that key written again
        // (decision 0139: a large host lists tens of thousands).
        const std::vector<Node> nodes = all_of(k);
        out.reserve(out.size() + nodes.size());
        const std::size_t first = out.size();
        bool copies = true;
        for (const Node& n : nodes) {
          if (copies && out.size() > first) {
            out.push_back(out[first]);  // room reserved: the element copied stays put
            if (refill_guid_key(n, out.back())) continue;
            out.pop_back();
            copies = false;
          }
          fill_path(n, out.emplace_back());
        }
      },
      [&](const AssocDef& def, const Node& a, const Node& b) {
        out.push_back(association_instance(def, a, b).path());
      });
  if (!st.ok()) return st;
  return out;
}

cim::Status Host::Impl::each_name(std::string_view name_space, std::string_view class_name,
                                  const std::function<void(const ObjectPath&)>& f) {
  return each_instance(
      name_space, class_name,
      [&](NodeKind k) {
        // One path, written again for each node: only its GUID key where that tells the
        // kind's paths apart (as enumerate_names copies, decision 0139), else whole. The
        // nodes are walked, not listed first.
        ObjectPath p;
        bool made = false;
        each_of(k, [&](const Node& n) {
          if (!made || !refill_guid_key(n, p)) {
            p = ObjectPath();
            fill_path(n, p);
            made = true;
          }
          f(p);
        });
      },
      [&](const AssocDef& def, const Node& a, const Node& b) {
        f(association_instance(def, a, b).path());
      });
}

cim::Result<std::vector<Instance>> Host::Impl::walk(const ObjectPath& object, bool want_refs,
                                                    std::string_view assoc_class,
                                                    std::string_view result_class,
                                                    std::string_view role,
                                                    std::string_view result_role) {
  HVSNAP_ASSIGN_OR_RETURN(Node from, resolve(object));
  if (!assoc_class.empty() && !class_exists(assoc_class)) {
    return cim::Status(
        cim::StatusKind::kInvalidParameter,
        fmt::format("AssocClass {} does not exist in {}", assoc_class, names::kNamespace));
  }
  if (!result_class.empty() && !class_exists(result_class)) {
    return cim::Status(
        cim::StatusKind::kInvalidParameter,
        fmt::format("ResultClass {} does not exist in {}", result_class, names::kNamespace));
  }
  std::vector<Instance> out;
  out.reserve(4);
  NodeList seen;  // ASSOCIATORS OF returns each object once
  for (const AssocDef& def : kAssocs) {
    // An association that cannot reach `from` is passed over before its class is compared
    // (decision 0118: most of the table, on every call).
    if (def.kind_a != from.kind && def.kind_b != from.kind) continue;
    if (!served(def)) continue;
    if (!assoc_class.empty() && !is_a(def.cls, assoc_class)) continue;
    if (want_refs && !result_class.empty() && !is_a(def.cls, result_class)) continue;
    for (bool from_a : {true, false}) {
      if ((from_a ? def.kind_a : def.kind_b) != from.kind) continue;
      const std::string_view my_role = from_a ? def.role_a : def.role_b;
      const std::string_view other_role = from_a ? def.role_b : def.role_a;
      const NodeKind other_kind = from_a ? def.kind_b : def.kind_a;
      if (!role.empty() && !cim::iequals(role, my_role)) continue;
      if (!want_refs) {
        if (!result_role.empty() && !cim::iequals(result_role, other_role)) continue;
        if (!result_class.empty() && !is_a(class_of(other_kind), result_class)) continue;
      }
      for (const Node& other : links(def, from, from_a)) {
        if (want_refs) {
          out.push_back(from_a ? association_instance(def, from, other)
                               : association_instance(def, other, from));
        } else if (std::find(seen.begin(), seen.end(), other) == seen.end()) {
          seen.push_back(other);
          materialize_back(other, out);
        }
      }
    }
  }
  // M2, AMB-16: a wide traversal (no AssocClass) may return an object more than once; an
  // association named by its class lists each pair once (contract CS-READ-4).
  if (personality.associators == AssociatorResults::kDuplicates && assoc_class.empty())
    repeat_some(out);
  return out;
}

// `associators: duplicates` (M2): a real host may return an object once per association
// that reaches it; here each result is repeated with a seeded probability of one in three.
void Host::Impl::repeat_some(std::vector<Instance>& out) {
  std::vector<Instance> with;
  with.reserve(out.size() * 2);
  for (Instance& i : out) {
    const bool twice = rng_choices.uniform(0, 2) == 0;
    with.push_back(i);
    if (twice) with.push_back(std::move(i));
  }
  out = std::move(with);
}

}  // namespace hvsnap::sim
