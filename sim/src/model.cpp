// The fake's object model as a WMI client sees it (contract §1): class inheritance for
// ResultClass/AssocClass filters, and object paths (resolving a path to a record, a record to
// its path). Instances are in model_instances.cpp, associations and enumeration in
// model_assoc.cpp.
#include <fmt/format.h>

#include <cstring>

#include "hvsnap/cim/text.h"
#include "model_impl.h"

namespace hvsnap::sim {

namespace {

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

}  // namespace

bool known_class(std::string_view cls) {
  for (const auto& e : kHierarchy) {
    if (cim::iequals(e.cls, cls) || cim::iequals(e.parent, cls)) return true;
  }
  return false;
}

// Is `cls` the class `ancestor` or one of its subclasses?
bool is_a(std::string_view cls, std::string_view ancestor) {
  if (cls == ancestor || cim::iequals(cls, ancestor)) return true;  // spelt alike: no folding
  // Every proper ancestor here is a CIM_ base class, so other names match only exactly;
  // this keeps the common AssocClass=Msvm_… filter to one comparison.
  if (ancestor.size() < 4 || !cim::iequals(ancestor.substr(0, 4), "CIM_")) return false;
  for (std::string_view c = parent_of(cls); !c.empty(); c = parent_of(c)) {
    if (cim::iequals(c, ancestor)) return true;
  }
  return false;
}

namespace {

constexpr std::string_view kVsmsName = "vmms";
constexpr std::string_view kCmsName = "CollectionManagementService";
constexpr std::string_view kCssName = "CollectionSnapshotService";

}  // namespace

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
  append_utc_time_text(out, epoch_unix_ms + t_ms);
}

void append_utc_time_text(std::string& out, std::int64_t unix_ms) {
  char buf[19];
  if (write_utc_time_text(buf, unix_ms)) {
    out.append(buf, sizeof buf);
    return;
  }
  // Outside four-digit years: as the CIM text writes it.
  const std::string s = cim::DateTime::timestamp(unix_ms * 1000, 0).to_string();
  static constexpr int kFrom[] = {0, 1, 2, 3, -1, 4, 5, -1, 6, 7, -1, 8, 9, -1, 10, 11, -1, 12, 13};
  static constexpr char kSep[] = "    -  -     :  :  ";
  for (std::size_t i = 0; i < std::size(kFrom); ++i)
    out += kFrom[i] >= 0 ? s[static_cast<std::size_t>(kFrom[i])] : (i == 10 ? ' ' : kSep[i]);
}

bool write_utc_time_text(char* buf, std::int64_t unix_ms) {
  // "yyyy-mm-dd HH:MM:SS" in UTC, the date fields of the CIM form "yyyymmddHHMMSS.mmmmmm+000"
  // computed here rather than cut out of that text (decision 0098: every default checkpoint
  // name a read returns carries one).
  constexpr std::int64_t kMsPerDay = 86'400'000;
  std::int64_t days = unix_ms / kMsPerDay;
  std::int64_t rest = unix_ms % kMsPerDay;
  if (rest < 0) {
    rest += kMsPerDay;
    --days;
  }
  // Days since 1970-01-01 to a civil date (H. Hinnant's algorithm, as cim::DateTime does).
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
  if (y < 0 || y > 9999) return false;
  const auto secs = static_cast<unsigned>(rest / 1000);
  auto put = [&](std::size_t at, unsigned v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      buf[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
  };
  put(0, static_cast<unsigned>(y), 4);
  buf[4] = '-';
  put(5, m, 2);
  buf[7] = '-';
  put(8, d, 2);
  buf[10] = ' ';
  put(11, secs / 3600, 2);
  buf[13] = ':';
  put(14, secs / 60 % 60, 2);
  buf[16] = ':';
  put(17, secs % 60, 2);
  return true;
}

// "<name> - (<time>)": Hyper-V's default checkpoint name, made on every read of a snapshot
// or collection that has no name of its own: inside the text for names of up to 26
// characters (decision 0112), on the heap past that or outside four-digit years.
cim::InlineText Host::Impl::display_name(std::string_view base, std::int64_t t_ms) const {
  constexpr std::string_view kOpen = " - (";
  const std::size_t n = base.size() + kOpen.size() + 19 + 1;
  char buf[cim::InlineText::kInlineCapacity];
  if (n <= sizeof buf &&
      write_utc_time_text(buf + base.size() + kOpen.size(), epoch_unix_ms + t_ms)) {
    if (!base.empty()) std::memcpy(buf, base.data(), base.size());
    std::memcpy(buf + base.size(), kOpen.data(), kOpen.size());
    buf[n - 1] = ')';
    return cim::InlineText(std::string_view(buf, n));
  }
  std::string out;
  out.reserve(n);
  out += base;
  out += kOpen;
  append_time_text(out, t_ms);
  out += ')';
  return cim::InlineText(out);
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
  // A view of the key's text in `path` (no copy: every read resolves a path).
  auto need_key = [&](std::string_view key) -> cim::Result<std::string_view> {
    const cim::Key* k = path.key(key);
    if (k == nullptr) {
      return cim::invalid_parameter(
          fmt::format("{} names no {} key: {}", cls, key, path.to_string()));
    }
    return std::string_view(k->value);
  };
  auto missing = [&]() {
    return cim::not_found(fmt::format("no such {}: {}", cls, path.to_string()));
  };
  auto guid_key = [&](std::string_view key) -> cim::Result<Guid> {
    const cim::Key* k = path.key(key);  // looked up once (decision 0118)
    if (k == nullptr) return need_key(key).status();
    auto g = key_guid(k->value, std::string_view(k->value));
    if (!g) return missing();
    return *g;
  };
  // Is the path's class that of `k`? Its layout says so without comparing the name again
  // (decision 0118: layout_of found it case-insensitively); a class without a layout here
  // is compared by name as before.
  auto names_kind = [&](NodeKind k, std::string_view name) {
    return layout != nullptr ? layout == schema->kind_layouts[static_cast<std::size_t>(k)]
                             : cim::iequals(cls, name);
  };
  if (names_kind(NodeKind::kJob, names::kJob)) {
    HVSNAP_ASSIGN_OR_RETURN(Guid g, guid_key("InstanceID"));
    if (!jobs.count(g)) return missing();
    return Node{NodeKind::kJob, g};
  }
  if (names_kind(NodeKind::kVm, names::kComputerSystem)) {
    if (const cim::Key* ccn = path.key("CreationClassName");
        ccn != nullptr && !cim::iequals(ccn->value, names::kComputerSystem)) {
      return missing();
    }
    HVSNAP_ASSIGN_OR_RETURN(std::string_view name, need_key("Name"));
    if (cim::iequals(name, host_name)) return Node{NodeKind::kHost, {}};
    auto g = key_guid(path.key("Name")->value, name);
    if (!g || !vms.count(*g)) return missing();
    return Node{NodeKind::kVm, *g};
  }
  if (names_kind(NodeKind::kSnapshot, names::kVssd)) {
    HVSNAP_ASSIGN_OR_RETURN(std::string_view id, need_key("InstanceID"));
    if (id.size() <= kMicrosoftPrefix.size() ||
        !cim::iequals(id.substr(0, kMicrosoftPrefix.size()), kMicrosoftPrefix)) {
      return missing();
    }
    auto g = key_guid(path.key("InstanceID")->value, id.substr(kMicrosoftPrefix.size()));
    if (!g) return missing();
    if (vms.count(*g)) return Node{NodeKind::kLiveVssd, *g};
    if (snapshots.count(*g)) return Node{NodeKind::kSnapshot, *g};
    return missing();
  }
  if (names_kind(NodeKind::kGroup, names::kVmGroup)) {
    HVSNAP_ASSIGN_OR_RETURN(Guid g, guid_key("CollectionID"));
    if (!groups.count(g)) return missing();
    return Node{NodeKind::kGroup, g};
  }
  if (names_kind(NodeKind::kManagementGroup, names::kManagementCollection)) {
    HVSNAP_ASSIGN_OR_RETURN(Guid g, guid_key("CollectionID"));
    if (!management_groups.count(g)) return missing();
    return Node{NodeKind::kManagementGroup, g};
  }
  if (names_kind(NodeKind::kSnapshotCollection, names::kSnapshotCollection)) {
    HVSNAP_ASSIGN_OR_RETURN(Guid g, guid_key("CollectionID"));
    const SnapshotCollection* c = collections.find(g);
    if (c == nullptr || !visible(*c)) return missing();
    return Node{NodeKind::kSnapshotCollection, g};
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
  ObjectPath p;
  fill_path(node, p);
  return p;
}

void Host::Impl::fill_path(const Node& node, ObjectPath& p) const {
  // An empty path (as made, or as an instance starts): its names are set in place, with no
  // path made and moved in (decision 0118).
  HVSNAP_ASSERT(p.empty() && p.keys().empty() && !p.singleton());
  const std::string_view cls = class_of(node.kind);
  p.set_namespace(Name::borrow(node.kind >= NodeKind::kWin32ComputerSystem ? names::kCimv2Namespace
                                                                           : names::kNamespace));
  p.set_class_name(Name::borrow(cls));
  p.set_host(host_name);
  switch (node.kind) {
    case NodeKind::kHost:
      p.add_key("CreationClassName"_n, names::kComputerSystem);
      p.add_key("Name"_n, host_name);
      break;
    case NodeKind::kVm:
      p.add_key("CreationClassName"_n, names::kComputerSystem);
      p.add_key_with_id("Name"_n, GuidText(node.id), {node.id.hi, node.id.lo});
      break;
    case NodeKind::kLiveVssd:
    case NodeKind::kSnapshot:
      p.add_key_with_id("InstanceID"_n, GuidText(node.id, kMicrosoftPrefix),
                        {node.id.hi, node.id.lo});
      break;
    case NodeKind::kGroup:
    case NodeKind::kManagementGroup:
    case NodeKind::kSnapshotCollection:
      p.add_key_with_id("CollectionID"_n, GuidText(node.id), {node.id.hi, node.id.lo});
      break;
    case NodeKind::kJob:
      p.add_key_with_id("InstanceID"_n, GuidText(node.id), {node.id.hi, node.id.lo});
      break;
    case NodeKind::kVsms:
    case NodeKind::kCollectionManagementService:
    case NodeKind::kCollectionSnapshotService:
      p.add_key("CreationClassName"_n, class_of(node.kind));
      p.add_key("Name"_n, service_name(node.kind));
      p.add_key("SystemCreationClassName"_n, names::kComputerSystem);
      p.add_key("SystemName"_n, host_name);
      break;
    default:
      neighbour_keys(node, p);
      break;
  }
}

bool Host::Impl::refill_guid_key(const Node& node, ObjectPath& p) const {
  // Where fill_path writes the GUID: the key's place among the path's keys, and its prefix.
  std::size_t at = 0;
  std::string_view prefix;
  switch (node.kind) {
    case NodeKind::kVm:
      at = 1;  // after CreationClassName
      break;
    case NodeKind::kLiveVssd:
    case NodeKind::kSnapshot:
      prefix = kMicrosoftPrefix;
      break;
    case NodeKind::kGroup:
    case NodeKind::kManagementGroup:
    case NodeKind::kSnapshotCollection:
    case NodeKind::kJob:
      break;
    default:
      return false;
  }
  p.set_key_with_id(at, GuidText(node.id, prefix), {node.id.hi, node.id.lo});
  return true;
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
      const SnapshotCollection* c = collections.find(n.id);
      return c != nullptr && visible(*c);
    }
    case NodeKind::kJob:
      return jobs.count(n.id) != 0;
    default:
      return true;
  }
}

}  // namespace hvsnap::sim
