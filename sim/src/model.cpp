// The fake's object model as a WMI client sees it (contract §1): object paths, instances
// computed from records, class inheritance for ResultClass/AssocClass filters, and the
// associations of §1 derived from the records (never stored twice).
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "host_impl.h"
#include "hvsnap/cim/names.h"
#include "hvsnap/cim/text.h"

namespace hvsnap::sim {

namespace names = cim::names;
using cim::Instance;
using cim::Name;
using namespace cim::literals;
using cim::ObjectPath;
using cim::Value;

struct AssocDef {
  std::string_view cls;
  std::string_view role_a;
  NodeKind kind_a;
  std::string_view role_b;
  NodeKind kind_b;
};

namespace {

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

// Class -> superclass, enough of the CIM schema for filters a client may use.
struct ClassParent {
  std::string_view cls;
  std::string_view parent;
};
constexpr ClassParent kHierarchy[] = {
    {"Msvm_ComputerSystem", "CIM_ComputerSystem"},
    {"CIM_ComputerSystem", "CIM_System"},
    {"CIM_System", "CIM_EnabledLogicalElement"},
    {"CIM_EnabledLogicalElement", "CIM_LogicalElement"},
    {"CIM_LogicalElement", "CIM_ManagedSystemElement"},
    {"CIM_ManagedSystemElement", "CIM_ManagedElement"},
    {"Msvm_VirtualSystemSettingData", "CIM_VirtualSystemSettingData"},
    {"CIM_VirtualSystemSettingData", "CIM_SettingData"},
    {"CIM_SettingData", "CIM_ManagedElement"},
    {"Msvm_VirtualSystemCollection", "CIM_CollectionOfMSEs"},
    {"Msvm_ManagementCollection", "CIM_CollectionOfMSEs"},
    {"CIM_CollectionOfMSEs", "CIM_Collection"},
    {"Msvm_SnapshotCollection", "CIM_Collection"},
    {"CIM_Collection", "CIM_ManagedElement"},
    {"Msvm_ConcreteJob", "CIM_ConcreteJob"},
    {"CIM_ConcreteJob", "CIM_Job"},
    {"CIM_Job", "CIM_LogicalElement"},
    {"Msvm_VirtualSystemManagementService", "CIM_VirtualSystemManagementService"},
    {"CIM_VirtualSystemManagementService", "CIM_Service"},
    {"Msvm_CollectionManagementService", "CIM_Service"},
    {"Msvm_CollectionSnapshotService", "CIM_Service"},
    {"CIM_Service", "CIM_EnabledLogicalElement"},
    {"Msvm_CollectedVirtualSystems", "CIM_CollectedMSEs"},
    {"Msvm_CollectedCollections", "CIM_CollectedMSEs"},
    {"Msvm_CollectedSnapshots", "CIM_CollectedMSEs"},
    {"CIM_CollectedMSEs", "CIM_MemberOfCollection"},
    {"Msvm_SnapshotOfVirtualSystemCollection", "CIM_Dependency"},
    {"Msvm_SnapshotOfVirtualSystem", "CIM_SnapshotOfVirtualSystem"},
    {"CIM_SnapshotOfVirtualSystem", "CIM_Dependency"},
    {"Msvm_MostCurrentSnapshotInBranch", "CIM_MostCurrentSnapshotInBranch"},
    {"CIM_MostCurrentSnapshotInBranch", "CIM_Dependency"},
    {"Msvm_SettingsDefineState", "CIM_SettingsDefineState"},
    {"Msvm_AffectedJobElement", "CIM_AffectedJobElement"},
    {"Msvm_ParentChildSettingData", "CIM_Dependency"},
    {"Msvm_LastAppliedSnapshot", "CIM_LastAppliedSnapshot"},
    {"CIM_LastAppliedSnapshot", "CIM_Dependency"},
    {"Msvm_HostedService", "CIM_HostedService"},
    {"CIM_HostedService", "CIM_HostedDependency"},
    {"CIM_HostedDependency", "CIM_Dependency"},
    {"Msvm_VirtualSystemSettingDataComponent", "CIM_VirtualSystemSettingDataComponent"},
    {"CIM_VirtualSystemSettingDataComponent", "CIM_Component"},
    {"Msvm_ProcessorSettingData", "CIM_ResourceAllocationSettingData"},
    {"Msvm_MemorySettingData", "CIM_ResourceAllocationSettingData"},
    {"CIM_ResourceAllocationSettingData", "CIM_SettingData"},
    {"Win32_ComputerSystem", "CIM_UnitaryComputerSystem"},
    {"CIM_UnitaryComputerSystem", "CIM_ComputerSystem"},
    {"Win32_ComputerSystemProduct", "CIM_Product"},
    {"Win32_OperatingSystem", "CIM_OperatingSystem"},
    {"CIM_OperatingSystem", "CIM_LogicalElement"},
    {"Win32_Processor", "CIM_Processor"},
    {"CIM_Processor", "CIM_LogicalDevice"},
    {"CIM_LogicalDevice", "CIM_EnabledLogicalElement"},
    {"Win32_ComputerSystemProcessor", "Win32_SystemDevices"},
    {"Win32_SystemDevices", "CIM_SystemDevice"},
    {"CIM_SystemDevice", "CIM_Component"},
};

std::string_view parent_of(std::string_view cls) {
  for (const auto& e : kHierarchy) {
    if (cim::iequals(e.cls, cls)) return e.parent;
  }
  return {};
}

bool known_class(std::string_view cls) {
  for (const auto& e : kHierarchy) {
    if (cim::iequals(e.cls, cls) || cim::iequals(e.parent, cls)) return true;
  }
  return false;
}

// Is `cls` the class `ancestor` or one of its subclasses?
bool is_a(std::string_view cls, std::string_view ancestor) {
  if (cim::iequals(cls, ancestor)) return true;
  // Every proper ancestor here is a CIM_ base class, so other names match only exactly;
  // this keeps the common AssocClass=Msvm_… filter to one comparison.
  if (ancestor.size() < 4 || !cim::iequals(ancestor.substr(0, 4), "CIM_")) return false;
  for (std::string_view c = parent_of(cls); !c.empty(); c = parent_of(c)) {
    if (cim::iequals(c, ancestor)) return true;
  }
  return false;
}

constexpr std::string_view kMicrosoftPrefix = "Microsoft:";
constexpr std::string_view kVsmsName = "vmms";
constexpr std::string_view kCmsName = "CollectionManagementService";
constexpr std::string_view kCssName = "CollectionSnapshotService";

std::string_view service_name(NodeKind k) {
  switch (k) {
    case NodeKind::kVsms:
      return kVsmsName;
    case NodeKind::kCollectionManagementService:
      return kCmsName;
    default:
      return kCssName;
  }
}

// "<prefix><GUID>" in one allocation (InstanceIDs are "Microsoft:<GUID>").
std::string prefixed(std::string_view prefix, const Guid& id) {
  std::string out;
  out.reserve(prefix.size() + 36);
  out += prefix;
  id.append_to(out);
  return out;
}

// The WMI text path of a snapshot VSSD, built in one allocation (Parent properties are read
// on every snapshot instance).
std::string snapshot_path_text(std::string_view host, const Guid& id) {
  static constexpr std::string_view kMiddle =
      "\\root\\virtualization\\v2:Msvm_VirtualSystemSettingData.InstanceID=\"Microsoft:";
  std::string out;
  out.reserve(2 + host.size() + kMiddle.size() + 36 + 1);
  out += "\\\\";
  out += host;
  out += kMiddle;
  id.append_to(out);
  out += '"';
  return out;
}

std::uint16_t job_display_state(const Job& j) {
  return j.state;
}

// Msvm_ComputerSystem.ProcessID of a VM's worker process: stable for the VM, a multiple of
// 4 as Windows process ids are.
std::uint32_t worker_pid(const Guid& vm) {
  return 1000 + 4 * static_cast<std::uint32_t>((vm.hi ^ vm.lo) % 250'000);
}

}  // namespace

std::string_view Host::Impl::class_of(NodeKind kind) {
  switch (kind) {
    case NodeKind::kHost:
    case NodeKind::kVm:
      return names::kComputerSystem;
    case NodeKind::kLiveVssd:
    case NodeKind::kSnapshot:
      return names::kVssd;
    case NodeKind::kGroup:
      return names::kVmGroup;
    case NodeKind::kManagementGroup:
      return names::kManagementCollection;
    case NodeKind::kSnapshotCollection:
      return names::kSnapshotCollection;
    case NodeKind::kJob:
      return names::kJob;
    case NodeKind::kVsms:
      return names::kVsms;
    case NodeKind::kCollectionManagementService:
      return names::kCollectionManagementService;
    case NodeKind::kCollectionSnapshotService:
      return names::kCollectionSnapshotService;
    case NodeKind::kProcessorSettings:
      return names::kProcessorSettingData;
    case NodeKind::kMemorySettings:
      return names::kMemorySettingData;
    case NodeKind::kWin32ComputerSystem:
      return names::kWin32ComputerSystem;
    case NodeKind::kWin32Product:
      return names::kWin32ComputerSystemProduct;
    case NodeKind::kWin32OperatingSystem:
      return names::kWin32OperatingSystem;
    case NodeKind::kWin32Processor:
      return names::kWin32Processor;
  }
  return {};
}

// The namespace a class lives in: the schema table's, else (CIM base classes) the fake's own.
std::string_view Host::Impl::namespace_of(std::string_view cls) const {
  const cim::schema::ClassDef* c = cim::schema::find_class(cls);
  return c != nullptr ? c->name_space : names::kNamespace;
}

cim::DateTime Host::Impl::timestamp(std::int64_t t_ms) const {
  return cim::DateTime::timestamp((epoch_unix_ms + t_ms) * 1000, 0);
}

std::string Host::Impl::time_text(std::int64_t t_ms) const {
  std::string out;
  append_time_text(out, t_ms);
  return out;
}

void Host::Impl::append_time_text(std::string& out, std::int64_t t_ms) const {
  // "yyyy-mm-dd HH:MM:SS" from the CIM form "yyyymmddHHMMSS.mmmmmm+000", without fmt (hot path).
  const std::string s = timestamp(t_ms).to_string();
  static constexpr int kFrom[] = {0, 1, 2, 3, -1, 4, 5, -1, 6, 7, -1, 8, 9, -1, 10, 11, -1, 12, 13};
  static constexpr char kSep[] = "    -  -     :  :  ";
  for (std::size_t i = 0; i < std::size(kFrom); ++i) {
    out += kFrom[i] >= 0 ? s[static_cast<std::size_t>(kFrom[i])] : (i == 10 ? ' ' : kSep[i]);
  }
}

// "<name> - (<time>)": Hyper-V's default checkpoint name, in one allocation.
std::string Host::Impl::display_name(std::string_view base, std::int64_t t_ms) const {
  std::string out;
  out.reserve(base.size() + 24);
  out += base;
  out += " - (";
  append_time_text(out, t_ms);
  out += ')';
  return out;
}

cim::Result<Node> Host::Impl::resolve(const ObjectPath& path) const {
  const std::string_view cls = path.class_name();
  const ClassLayout* layout = layout_of(cls);
  if (layout == nullptr && cim::schema::find_class(cls) != nullptr)
    return no_such_class(cls);  // not at this host's build
  const std::string_view home = layout != nullptr ? layout->def->name_space : names::kNamespace;
  // The namespace as the fake writes it needs no canonical copy (the common case).
  if (!path.name_space().empty() && path.name_space() != home &&
      !cim::iequals(cim::canonical_namespace(path.name_space()), home)) {
    const bool served_ns =
        cim::iequals(cim::canonical_namespace(path.name_space()), names::kNamespace) ||
        cim::iequals(cim::canonical_namespace(path.name_space()), names::kCimv2Namespace);
    return cim::Status(
        served_ns ? cim::StatusKind::kInvalidClass : cim::StatusKind::kInvalidNamespace,
        served_ns ? fmt::format("class {} does not exist in {}", cls, path.name_space())
                  : fmt::format("namespace \"{}\" is not served here (only {} and {})",
                                path.name_space(), names::kNamespace, names::kCimv2Namespace));
  }
  for (std::size_t k = static_cast<std::size_t>(NodeKind::kProcessorSettings); k < kNodeKinds;
       ++k) {
    if (layout != nullptr && layout == schema->kind_layouts[k]) {
      if (auto n = resolve_neighbour(path, cls)) return std::move(*n);
    }
  }
  auto need_key = [&](std::string_view key) -> cim::Result<std::string> {
    const cim::Key* k = path.key(key);
    if (k == nullptr) {
      return cim::invalid_parameter(
          fmt::format("{} names no {} key: {}", cls, key, path.to_string()));
    }
    return k->value;
  };
  auto missing = [&]() {
    return cim::not_found(fmt::format("no such {}: {}", cls, path.to_string()));
  };
  auto guid_key = [&](std::string_view key) -> cim::Result<Guid> {
    HVSNAP_ASSIGN_OR_RETURN(std::string text, need_key(key));
    auto g = Guid::parse(text);
    if (!g) return missing();
    return *g;
  };
  if (cim::iequals(cls, names::kComputerSystem)) {
    if (const cim::Key* ccn = path.key("CreationClassName");
        ccn != nullptr && !cim::iequals(ccn->value, names::kComputerSystem)) {
      return missing();
    }
    HVSNAP_ASSIGN_OR_RETURN(std::string name, need_key("Name"));
    if (cim::iequals(name, host_name)) return Node{NodeKind::kHost, {}};
    auto g = Guid::parse(name);
    if (!g || !vms.count(*g)) return missing();
    return Node{NodeKind::kVm, *g};
  }
  if (cim::iequals(cls, names::kVssd)) {
    HVSNAP_ASSIGN_OR_RETURN(std::string id, need_key("InstanceID"));
    if (id.size() <= kMicrosoftPrefix.size() ||
        !cim::iequals(std::string_view(id).substr(0, kMicrosoftPrefix.size()), kMicrosoftPrefix)) {
      return missing();
    }
    auto g = Guid::parse(std::string_view(id).substr(kMicrosoftPrefix.size()));
    if (!g) return missing();
    if (vms.count(*g)) return Node{NodeKind::kLiveVssd, *g};
    if (snapshots.count(*g)) return Node{NodeKind::kSnapshot, *g};
    return missing();
  }
  if (cim::iequals(cls, names::kVmGroup)) {
    HVSNAP_ASSIGN_OR_RETURN(Guid g, guid_key("CollectionID"));
    if (!groups.count(g)) return missing();
    return Node{NodeKind::kGroup, g};
  }
  if (cim::iequals(cls, names::kManagementCollection)) {
    HVSNAP_ASSIGN_OR_RETURN(Guid g, guid_key("CollectionID"));
    if (!management_groups.count(g)) return missing();
    return Node{NodeKind::kManagementGroup, g};
  }
  if (cim::iequals(cls, names::kSnapshotCollection)) {
    HVSNAP_ASSIGN_OR_RETURN(Guid g, guid_key("CollectionID"));
    auto it = collections.find(g);
    if (it == collections.end() || !visible(it->second)) return missing();
    return Node{NodeKind::kSnapshotCollection, g};
  }
  if (cim::iequals(cls, names::kJob)) {
    HVSNAP_ASSIGN_OR_RETURN(Guid g, guid_key("InstanceID"));
    if (!jobs.count(g)) return missing();
    return Node{NodeKind::kJob, g};
  }
  for (NodeKind k : {NodeKind::kVsms, NodeKind::kCollectionManagementService,
                     NodeKind::kCollectionSnapshotService}) {
    if (!cim::iequals(cls, class_of(k))) continue;
    // Any subset of the four keys may be given (libvirt sends only CreationClassName).
    for (const cim::Key& key : path.keys()) {
      const std::string_view want =
          cim::iequals(key.name, "CreationClassName")         ? class_of(k)
          : cim::iequals(key.name, "Name")                    ? service_name(k)
          : cim::iequals(key.name, "SystemCreationClassName") ? names::kComputerSystem
          : cim::iequals(key.name, "SystemName")              ? std::string_view(host_name)
                                                              : std::string_view();
      if (want.empty() || !cim::iequals(key.value, want)) return missing();
    }
    return Node{k, {}};
  }
  if (known_class(cls)) {
    return cim::Status(cim::StatusKind::kNotSupported,
                       fmt::format("{} instances cannot be addressed by path here", cls));
  }
  return cim::Status(cim::StatusKind::kInvalidClass,
                     fmt::format("class {} does not exist in {}", cls, names::kNamespace));
}

ObjectPath Host::Impl::path_of(const Node& node) const {
  const std::string_view cls = class_of(node.kind);
  ObjectPath p(Name::borrow(node.kind >= NodeKind::kWin32ComputerSystem ? names::kCimv2Namespace
                                                                        : names::kNamespace),
               Name::borrow(cls));
  p.set_host(host_name);
  switch (node.kind) {
    case NodeKind::kHost:
      p.add_key("CreationClassName"_n, std::string(names::kComputerSystem));
      p.add_key("Name"_n, host_name);
      break;
    case NodeKind::kVm:
      p.add_key("CreationClassName"_n, std::string(names::kComputerSystem));
      p.add_key("Name"_n, node.id.to_string());
      break;
    case NodeKind::kLiveVssd:
    case NodeKind::kSnapshot:
      p.add_key("InstanceID"_n, prefixed(kMicrosoftPrefix, node.id));
      break;
    case NodeKind::kGroup:
    case NodeKind::kManagementGroup:
    case NodeKind::kSnapshotCollection:
      p.add_key("CollectionID"_n, node.id.to_string());
      break;
    case NodeKind::kJob:
      p.add_key("InstanceID"_n, node.id.to_string());
      break;
    case NodeKind::kVsms:
    case NodeKind::kCollectionManagementService:
    case NodeKind::kCollectionSnapshotService:
      p.add_key("CreationClassName"_n, std::string(class_of(node.kind)));
      p.add_key("Name"_n, std::string(service_name(node.kind)));
      p.add_key("SystemCreationClassName"_n, std::string(names::kComputerSystem));
      p.add_key("SystemName"_n, host_name);
      break;
    default:
      neighbour_keys(node, p);
      break;
  }
  return p;
}

bool Host::Impl::exists_visibly(const Node& n) const {
  switch (n.kind) {
    case NodeKind::kVm:
    case NodeKind::kLiveVssd:
    case NodeKind::kProcessorSettings:
    case NodeKind::kMemorySettings:
      return vms.count(n.id) != 0;
    case NodeKind::kSnapshot:
      return snapshots.count(n.id) != 0;
    case NodeKind::kGroup:
      return groups.count(n.id) != 0;
    case NodeKind::kManagementGroup:
      return management_groups.count(n.id) != 0;
    case NodeKind::kSnapshotCollection: {
      auto it = collections.find(n.id);
      return it != collections.end() && visible(it->second);
    }
    case NodeKind::kJob:
      return jobs.count(n.id) != 0;
    default:
      return true;
  }
}

// --- schema layouts (decision 0014) ---

std::optional<std::uint32_t> ClassLayout::slot(std::string_view name) const {
  auto it = std::lower_bound(index.begin(), index.end(), name,
                             [](const auto& e, std::string_view n) { return e.first < n; });
  if (it == index.end() || it->first != name) return std::nullopt;
  return it->second;
}

void Slots::set(std::string_view name, Value v) {
  auto i = layout_->slot(name);
  if (!i) return;  // not a member at this build
  Value& slot = props_[*i].value;
  // The declared CIM type (decision 0014): a mismatch is a bug in the fake.
  HVSNAP_ASSERT(v.type() == slot.type() && v.is_array() == slot.is_array());
  slot = std::move(v);
}

void Slots::set(Hot name, Value v) {
  if (layout_->hot.empty()) {  // a class without resolved slots
    set(kHotNames[static_cast<std::size_t>(name)], std::move(v));
    return;
  }
  const std::uint32_t i = layout_->hot[static_cast<std::size_t>(name)];
  if (i == kNoSlot) return;  // not a member at this build
  Value& slot = props_[i].value;
  HVSNAP_ASSERT(v.type() == slot.type() && v.is_array() == slot.is_array());
  slot = std::move(v);
}

namespace {

SchemaLayouts make_layouts(std::uint32_t build) {
  SchemaLayouts out;
  auto& layouts = out.layouts;
  for (const cim::schema::ClassDef& c : cim::schema::classes()) {
    if (!c.exists_at(build)) continue;
    ClassLayout l;
    l.def = &c;
    for (const cim::schema::PropertyDef& p : c.properties()) {
      if (!p.exists_at(build)) continue;
      l.index.emplace_back(p.name, static_cast<std::uint32_t>(l.nulls.size()));
      l.nulls.push_back(cim::Property{Name::borrow(p.name), Value::null(p.type, p.array)});
    }
    std::sort(l.index.begin(), l.index.end());
    layouts.emplace(c.name, std::move(l));
  }
  auto find = [&](std::string_view cls) -> const ClassLayout* {
    auto it = layouts.find(cls);
    return it == layouts.end() ? nullptr : &it->second;
  };
  for (std::size_t k = 0; k < out.kind_layouts.size(); ++k)
    out.kind_layouts[k] = find(Host::Impl::class_of(static_cast<NodeKind>(k)));
  // The classes read on every poll get their hot properties' slots (decision 0071).
  for (NodeKind k : {NodeKind::kJob, NodeKind::kSnapshot, NodeKind::kSnapshotCollection}) {
    auto it = layouts.find(Host::Impl::class_of(k));
    if (it == layouts.end()) continue;
    for (std::string_view hot : kHotNames)
      it->second.hot.push_back(it->second.slot(hot).value_or(kNoSlot));
  }
  for (const AssocDef& def : kAssocs)
    out.assoc_layouts.push_back(find(def.cls));
  return out;
}

}  // namespace

// The layouts of every build the schema table knows are made once per process (immutable
// after that); a host of another build makes its own.
void Host::Impl::build_layouts() {
  static const std::map<std::uint32_t, std::shared_ptr<const SchemaLayouts>> kKnown = [] {
    std::map<std::uint32_t, std::shared_ptr<const SchemaLayouts>> m;
    for (std::uint32_t b : cim::schema::known_builds())
      m.emplace(b, std::make_shared<const SchemaLayouts>(make_layouts(b)));
    if (!m.count(cim::schema::kDefaultBuild)) {
      m.emplace(cim::schema::kDefaultBuild,
                std::make_shared<const SchemaLayouts>(make_layouts(cim::schema::kDefaultBuild)));
    }
    return m;
  }();
  auto it = kKnown.find(host_build);
  schema = it != kKnown.end() ? it->second
                              : std::make_shared<const SchemaLayouts>(make_layouts(host_build));
}

const ClassLayout* Host::Impl::layout_of(std::string_view cls) const {
  // The classes a polling client names on every call, spelt as the fake writes them: found
  // without walking the case-insensitive map (decision 0071); any other spelling walks it.
  for (NodeKind k : {NodeKind::kJob, NodeKind::kSnapshotCollection, NodeKind::kSnapshot,
                     NodeKind::kGroup, NodeKind::kVm, NodeKind::kCollectionSnapshotService}) {
    if (cls == class_of(k)) return schema->kind_layouts[static_cast<std::size_t>(k)];
  }
  auto it = schema->layouts.find(cls);
  return it == schema->layouts.end() ? nullptr : &it->second;
}

bool Host::Impl::served(NodeKind kind) const {
  return schema->kind_layouts[static_cast<std::size_t>(kind)] != nullptr;
}

Instance Host::Impl::materialize(const Node& node) {
  HVSNAP_ASSERT(served(node.kind));
  Slots s(*schema->kind_layouts[static_cast<std::size_t>(node.kind)]);
  auto str = [](std::string v) { return Value::string(std::move(v)); };
  auto null_string = [] { return Value::null(cim::CimType::kString); };
  switch (node.kind) {
    case NodeKind::kHost:
      s.set("CreationClassName", str(std::string(names::kComputerSystem)));
      s.set("Name", str(host_name));
      s.set("ElementName", str(host_name));
      s.set("Caption", str("Hosting Computer System"));
      s.set("Description", str("Microsoft Hosting Computer System"));
      s.set("EnabledState", Value::uint16(2));
      s.set("RequestedState", Value::uint16(12));
      s.set("EnabledDefault", Value::uint16(2));
      s.set("HealthState", Value::uint16(5));
      s.set("OperationalStatus",
            Value::array(cim::CimType::kUint16, {cim::Scalar(std::uint64_t{2})}));
      break;
    case NodeKind::kVm: {
      const Vm& vm = must(vms, node.id);
      s.set("CreationClassName", str(std::string(names::kComputerSystem)));
      s.set("Name", str(vm.id.to_string()));
      s.set("ElementName", str(vm.name));
      s.set("Caption", str("Virtual Machine"));
      s.set("Description", str("Microsoft Virtual Machine"));
      s.set("EnabledState", Value::uint16(enabled_state(vm.state)));
      if (const std::string_view other = other_enabled_state(vm.state); !other.empty())
        s.set("OtherEnabledState", str(std::string(other)));
      s.set("RequestedState", Value::uint16(vm.transition_job.is_nil()
                                                ? 12
                                                : must(jobs, vm.transition_job).requested_state));
      s.set("EnabledDefault", Value::uint16(2));
      s.set("HealthState", Value::uint16(5));
      s.set("OperationalStatus",
            Value::array(cim::CimType::kUint16, {cim::Scalar(std::uint64_t{2})}));
      s.set("InstallDate", Value::datetime(timestamp(vm.created_ms)));
      if (has_worker_process(vm.state)) s.set("ProcessID", Value::uint32(worker_pid(vm.id)));
      break;
    }
    case NodeKind::kLiveVssd: {
      const Vm& vm = must(vms, node.id);
      s.set(Hot::kInstanceID, str(prefixed(kMicrosoftPrefix, vm.id)));
      s.set(Hot::kElementName, str(vm.name));
      s.set(Hot::kVirtualSystemIdentifier, str(vm.id.to_string()));
      s.set(Hot::kVirtualSystemType, str(std::string(names::kTypeRealized)));
      s.set(Hot::kUserSnapshotType, Value::uint16(static_cast<std::uint16_t>(vm.checkpoint_type)));
      s.set(Hot::kParent, vm.most_current.is_nil()
                              ? null_string()
                              : str(snapshot_path_text(host_name, vm.most_current)));
      s.set(Hot::kIsSaved,
            Value::boolean(vm.state == VmState::kSaved || vm.state == VmState::kFastSaved ||
                           vm.state == VmState::kHibernated));
      s.set(Hot::kCreationTime, Value::datetime(timestamp(vm.created_ms)));
      break;
    }
    case NodeKind::kSnapshot: {
      const Snapshot& sn = must(snapshots, node.id);
      const Vm& vm = must(vms, sn.vm);
      s.set(Hot::kInstanceID, str(prefixed(kMicrosoftPrefix, sn.id)));
      s.set(Hot::kElementName,
            str(sn.name.empty() ? display_name(vm.name, sn.created_ms) : sn.name));
      s.set(Hot::kVirtualSystemIdentifier, str(vm.id.to_string()));
      s.set(Hot::kVirtualSystemType,
            str(std::string(sn.kind == SnapshotKind::kRecovery ? names::kTypeSnapshotRecovery
                                                               : names::kTypeSnapshotRealized)));
      s.set(Hot::kUserSnapshotType, Value::uint16(static_cast<std::uint16_t>(sn.taken_as)));
      s.set(Hot::kParent,
            sn.parent.is_nil() ? null_string() : str(snapshot_path_text(host_name, sn.parent)));
      s.set(Hot::kIsSaved, Value::boolean(sn.saved_state));
      s.set(Hot::kCreationTime, Value::datetime(timestamp(sn.created_ms)));
      break;
    }
    case NodeKind::kGroup: {
      const Group& g = must(groups, node.id);
      s.set("CollectionID", str(g.id.to_string()));
      s.set("ElementName", str(g.name));
      s.set("InstanceID", str(""));  // reads empty on a real host (M3)
      // M4: not replicated, never failed over.
      s.set("ReplicationState", Value::uint16(0));
      s.set("ReplicationMode", Value::uint16(0));
      s.set("FailedOverReplicationType", Value::uint16(0));
      break;
    }
    case NodeKind::kManagementGroup: {
      const ManagementGroup& g = must(management_groups, node.id);
      s.set("CollectionID", str(g.id.to_string()));
      s.set("ElementName", str(g.name));
      s.set("InstanceID", str(""));
      break;
    }
    case NodeKind::kSnapshotCollection: {
      const SnapshotCollection& c = must(collections, node.id);
      s.set(Hot::kCollectionID, str(c.id.to_string()));
      const auto g = groups.find(c.group);
      s.set(Hot::kElementName,
            str(!c.name.empty() || g == groups.end() ? c.name
                                                     : display_name(g->second.name, c.created_ms)));
      break;
    }
    case NodeKind::kJob: {
      Job& j = must(jobs, node.id);
      read_jobs.push_back(j.id);
      const bool terminal = cim::JobState(j.state).is_terminal();
      const std::int64_t end = terminal ? j.finished_ms : now_ms;
      s.set(Hot::kInstanceID, str(j.id.to_string()));
      s.set(Hot::kName, str(std::string(to_string(j.kind))));
      s.set(Hot::kElementName, str(std::string(to_string(j.kind))));
      s.set(Hot::kCaption, str(std::string(to_string(j.kind))));
      s.set(Hot::kJobType, Value::uint16(j.job_type));
      s.set(Hot::kJobState, Value::uint16(job_display_state(j)));
      s.set(Hot::kJobStatus, str(std::string(cim::JobState(j.state).meaning())));
      s.set(Hot::kPercentComplete, Value::uint16(j.percent));
      s.set(Hot::kErrorCode, Value::uint16(j.error_code));
      if (!j.error_description.empty()) s.set(Hot::kErrorDescription, str(j.error_description));
      if (!j.error_summary.empty()) s.set(Hot::kErrorSummaryDescription, str(j.error_summary));
      s.set(Hot::kCancellable, Value::boolean(j.cancellable));
      s.set(Hot::kDeleteOnCompletion, Value::boolean(false));
      s.set(Hot::kTimeSubmitted, Value::datetime(timestamp(j.submitted_ms)));
      s.set(Hot::kStartTime, Value::datetime(timestamp(j.start_ms)));
      s.set(Hot::kElapsedTime, Value::datetime(cim::DateTime::interval((end - j.start_ms) * 1000)));
      s.set(Hot::kTimeOfLastStateChange, Value::datetime(timestamp(j.last_change_ms)));
      s.set(Hot::kTimeBeforeRemoval,
            Value::datetime(cim::DateTime::interval(
                (terminal ? j.time_before_removal_ms : timing.time_before_removal_ms) * 1000)));
      const bool failed = terminal && !cim::JobState(j.state).is_success();
      s.set(Hot::kOperationalStatus,
            Value::array(cim::CimType::kUint16, {cim::Scalar(std::uint64_t{failed ? 6u : 2u})}));
      s.set(Hot::kHealthState, Value::uint16(5));
      break;
    }
    case NodeKind::kVsms:
    case NodeKind::kCollectionManagementService:
    case NodeKind::kCollectionSnapshotService:
      s.set("CreationClassName", str(std::string(class_of(node.kind))));
      s.set("Name", str(std::string(service_name(node.kind))));
      s.set("SystemCreationClassName", str(std::string(names::kComputerSystem)));
      s.set("SystemName", str(host_name));
      s.set("ElementName", str(std::string(class_of(node.kind))));
      s.set("EnabledState", Value::uint16(2));
      s.set("HealthState", Value::uint16(5));
      break;
    default:
      materialize_neighbour(node, s);
      break;
  }
  Instance inst{Name::borrow(class_of(node.kind)), s.take()};
  inst.set_path(path_of(node));
  return inst;
}

std::vector<Node> Host::Impl::all_of(NodeKind kind) const {
  std::vector<Node> out;
  auto collect = [&](const auto& map) {
    out.reserve(map.size());
    for (const auto& [id, rec] : map)
      out.push_back(Node{kind, id});
  };
  switch (kind) {
    case NodeKind::kHost:
    case NodeKind::kVsms:
    case NodeKind::kCollectionManagementService:
    case NodeKind::kCollectionSnapshotService:
    case NodeKind::kWin32ComputerSystem:
    case NodeKind::kWin32Product:
    case NodeKind::kWin32OperatingSystem:
    case NodeKind::kWin32Processor:
      out.push_back(Node{kind, {}});
      break;
    case NodeKind::kVm:
    case NodeKind::kLiveVssd:
    case NodeKind::kProcessorSettings:
    case NodeKind::kMemorySettings:
      collect(vms);
      break;
    case NodeKind::kSnapshot:
      collect(snapshots);
      break;
    case NodeKind::kGroup:
      collect(groups);
      break;
    case NodeKind::kManagementGroup:
      collect(management_groups);
      break;
    case NodeKind::kSnapshotCollection:
      for (const auto& [id, c] : collections) {
        if (visible(c)) out.push_back(Node{kind, id});
      }
      break;
    case NodeKind::kJob:
      collect(jobs);
      break;
  }
  std::sort(out.begin(), out.end(), [](const Node& a, const Node& b) { return a.id < b.id; });
  return out;
}

std::vector<Node> Host::Impl::links(const AssocDef& def, const Node& from, bool from_a) const {
  std::vector<Node> out;
  out.reserve(8);
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
    } else if (auto it = vm_groups.find(from.id); it != vm_groups.end()) {
      for (const Guid& g : it->second)
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
  } else if (cls == names::kSettingsDefineState) {
    add(from.id);  // a VM and its live VSSD share the GUID
  } else if (cls == names::kParentChildSettingData) {
    const Snapshot& s = must(snapshots, from.id);
    if (from_a) {
      // The parent -> children index (decision 0016), not a scan of the VM's history.
      if (auto it = children.find(from.id); it != children.end()) {
        for (const Guid& child : it->second)
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
  } else if (cls == names::kVssdComponent) {
    add(from.id);  // a VM's live VSSD and its settings share the VM's GUID
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
  Slots s(*layout);
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
  Instance inst{Name::borrow(def.cls), s.take()};
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
  if (cim::schema::find_class(cls) != nullptr) return layout_of(cls) != nullptr;
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

cim::Result<std::vector<Instance>> Host::Impl::enumerate(std::string_view name_space,
                                                         std::string_view class_name) {
  if (!class_exists(class_name)) return no_such_class(class_name);
  // A class of the table lives in one namespace; a CIM base class is looked for in the one
  // asked for (root\virtualization\v2 when none is).
  const std::string_view ns = name_space.empty() ? namespace_of(class_name) : name_space;
  if (cim::schema::find_class(class_name) != nullptr && !cim::iequals(ns, namespace_of(class_name)))
    return cim::Status(cim::StatusKind::kInvalidClass,
                       fmt::format("class {} does not exist in {}", class_name, ns));
  std::vector<Instance> out;
  for (std::size_t i = 0; i < kNodeKinds; ++i) {
    const auto k = static_cast<NodeKind>(i);
    if (!served(k) || !is_a(class_of(k), class_name) ||
        !cim::iequals(namespace_of(class_of(k)), ns)) {
      continue;
    }
    for (const Node& n : all_of(k))
      out.push_back(materialize(n));
  }
  for (const AssocDef& def : kAssocs) {
    if (!served(def) || !is_a(def.cls, class_name) ||
        !cim::iequals(assoc_layout(def)->def->name_space, ns))
      continue;
    for (const Node& a : all_of(def.kind_a)) {
      for (const Node& b : links(def, a, true))
        out.push_back(association_instance(def, a, b));
    }
  }
  return out;
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
  std::vector<Node> seen;  // ASSOCIATORS OF returns each object once
  seen.reserve(8);
  for (const AssocDef& def : kAssocs) {
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
          out.push_back(materialize(other));
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
