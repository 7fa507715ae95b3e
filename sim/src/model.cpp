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

constexpr std::array<AssocDef, 8> kAssocs{{
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

}  // namespace

std::string_view Host::Impl::class_of(NodeKind kind) const {
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
  }
  return {};
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
  if (!path.name_space().empty() &&
      !cim::iequals(cim::canonical_namespace(path.name_space()), names::kNamespace)) {
    return cim::Status(cim::StatusKind::kInvalidNamespace,
                       fmt::format("namespace \"{}\" is not served here (only {})",
                                   path.name_space(), names::kNamespace));
  }
  const std::string_view cls = path.class_name();
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
  ObjectPath p(Name::borrow(names::kNamespace), Name::borrow(class_of(node.kind)));
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
  }
  return p;
}

bool Host::Impl::exists_visibly(const Node& n) const {
  switch (n.kind) {
    case NodeKind::kVm:
    case NodeKind::kLiveVssd:
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

Instance Host::Impl::materialize(const Node& node) {
  Instance inst{Name::borrow(class_of(node.kind))};
  // Sized to what each kind holds, and small enough for the allocator's fast path.
  inst.reserve(node.kind == NodeKind::kJob ? 21 : 10);
  inst.set_path(path_of(node));
  auto str = [](std::string s) { return Value::string(std::move(s)); };
  switch (node.kind) {
    case NodeKind::kHost:
      inst.add("CreationClassName"_n, str(std::string(names::kComputerSystem)));
      inst.add("Name"_n, str(host_name));
      inst.add("ElementName"_n, str(host_name));
      inst.add("Caption"_n, str("Hosting Computer System"));
      inst.add("EnabledState"_n, Value::uint16(2));
      inst.add("HealthState"_n, Value::uint16(5));
      break;
    case NodeKind::kVm: {
      const Vm& vm = vms.at(node.id);
      inst.add("CreationClassName"_n, str(std::string(names::kComputerSystem)));
      inst.add("Name"_n, str(vm.id.to_string()));
      inst.add("ElementName"_n, str(vm.name));
      inst.add("Caption"_n, str("Virtual Machine"));
      inst.add("Description"_n, str("Microsoft Virtual Machine"));
      inst.add("EnabledState"_n, Value::uint16(enabled_state(vm.state)));
      if (const std::string_view other = other_enabled_state(vm.state); !other.empty()) {
        inst.add("OtherEnabledState"_n, str(std::string(other)));
      } else {
        inst.add("OtherEnabledState"_n, Value::null(cim::CimType::kString));
      }
      inst.add("RequestedState"_n, Value::uint16(vm.transition_job.is_nil()
                                                     ? 12
                                                     : jobs.at(vm.transition_job).requested_state));
      inst.add("HealthState"_n, Value::uint16(5));
      inst.add("OperationalStatus"_n,
               Value::array(cim::CimType::kUint16, {cim::Scalar(std::uint64_t{2})}));
      inst.add("InstallDate"_n, Value::datetime(timestamp(vm.created_ms)));
      break;
    }
    case NodeKind::kLiveVssd: {
      const Vm& vm = vms.at(node.id);
      inst.add("InstanceID"_n, str(prefixed(kMicrosoftPrefix, vm.id)));
      inst.add("ElementName"_n, str(vm.name));
      inst.add("VirtualSystemIdentifier"_n, str(vm.id.to_string()));
      inst.add("VirtualSystemType"_n, str(std::string(names::kTypeRealized)));
      inst.add("UserSnapshotType"_n, Value::uint16(static_cast<std::uint16_t>(vm.checkpoint_type)));
      inst.add("Parent"_n, vm.most_current.is_nil()
                               ? Value::null(cim::CimType::kString)
                               : str(snapshot_path_text(host_name, vm.most_current)));
      inst.add("CreationTime"_n, Value::datetime(timestamp(vm.created_ms)));
      break;
    }
    case NodeKind::kSnapshot: {
      const Snapshot& s = snapshots.at(node.id);
      const Vm& vm = vms.at(s.vm);
      inst.add("InstanceID"_n, str(prefixed(kMicrosoftPrefix, s.id)));
      inst.add("ElementName"_n, str(s.name.empty() ? display_name(vm.name, s.created_ms) : s.name));
      inst.add("VirtualSystemIdentifier"_n, str(vm.id.to_string()));
      inst.add("VirtualSystemType"_n,
               str(std::string(s.kind == SnapshotKind::kRecovery ? names::kTypeSnapshotRecovery
                                                                 : names::kTypeSnapshotRealized)));
      inst.add("UserSnapshotType"_n, Value::uint16(static_cast<std::uint16_t>(s.taken_as)));
      inst.add("Parent"_n, s.parent.is_nil() ? Value::null(cim::CimType::kString)
                                             : str(snapshot_path_text(host_name, s.parent)));
      inst.add("CreationTime"_n, Value::datetime(timestamp(s.created_ms)));
      break;
    }
    case NodeKind::kGroup: {
      const Group& g = groups.at(node.id);
      inst.add("CollectionID"_n, str(g.id.to_string()));
      inst.add("ElementName"_n, str(g.name));
      break;
    }
    case NodeKind::kManagementGroup: {
      const ManagementGroup& g = management_groups.at(node.id);
      inst.add("CollectionID"_n, str(g.id.to_string()));
      inst.add("ElementName"_n, str(g.name));
      break;
    }
    case NodeKind::kSnapshotCollection: {
      const SnapshotCollection& c = collections.at(node.id);
      inst.add("CollectionID"_n, str(c.id.to_string()));
      const auto g = groups.find(c.group);
      inst.add("ElementName"_n, str(!c.name.empty() || g == groups.end()
                                        ? c.name
                                        : display_name(g->second.name, c.created_ms)));
      break;
    }
    case NodeKind::kJob: {
      Job& j = jobs.at(node.id);
      read_jobs.push_back(j.id);
      const bool terminal = cim::JobState(j.state).is_terminal();
      const std::int64_t end = terminal ? j.finished_ms : now_ms;
      inst.add("InstanceID"_n, str(j.id.to_string()));
      inst.add("Name"_n, str(std::string(to_string(j.kind))));
      inst.add("ElementName"_n, str(std::string(to_string(j.kind))));
      inst.add("Caption"_n, str(std::string(to_string(j.kind))));
      inst.add("JobType"_n, Value::uint16(j.job_type));
      inst.add("JobState"_n, Value::uint16(job_display_state(j)));
      inst.add("JobStatus"_n, str(std::string(cim::JobState(j.state).meaning())));
      inst.add("PercentComplete"_n, Value::uint16(j.percent));
      inst.add("ErrorCode"_n, Value::uint16(j.error_code));
      inst.add("ErrorDescription"_n, j.error_description.empty()
                                         ? Value::null(cim::CimType::kString)
                                         : str(j.error_description));
      inst.add("ErrorSummaryDescription"_n,
               j.error_summary.empty() ? Value::null(cim::CimType::kString) : str(j.error_summary));
      inst.add("Cancellable"_n, Value::boolean(j.cancellable));
      inst.add("DeleteOnCompletion"_n, Value::boolean(false));
      inst.add("TimeSubmitted"_n, Value::datetime(timestamp(j.submitted_ms)));
      inst.add("StartTime"_n, Value::datetime(timestamp(j.start_ms)));
      inst.add("ElapsedTime"_n,
               Value::datetime(cim::DateTime::interval((end - j.start_ms) * 1000)));
      inst.add("TimeOfLastStateChange"_n, Value::datetime(timestamp(j.last_change_ms)));
      inst.add("TimeBeforeRemoval"_n,
               Value::datetime(cim::DateTime::interval(
                   (terminal ? j.time_before_removal_ms : timing.time_before_removal_ms) * 1000)));
      inst.add("OperationalStatus"_n,
               Value::array(cim::CimType::kUint16,
                            {cim::Scalar(std::uint64_t{j.error_code == 0 ? 2u : 6u})}));
      inst.add("HealthState"_n, Value::uint16(5));
      break;
    }
    case NodeKind::kVsms:
    case NodeKind::kCollectionManagementService:
    case NodeKind::kCollectionSnapshotService:
      inst.add("CreationClassName"_n, str(std::string(class_of(node.kind))));
      inst.add("Name"_n, str(std::string(service_name(node.kind))));
      inst.add("SystemCreationClassName"_n, str(std::string(names::kComputerSystem)));
      inst.add("SystemName"_n, str(host_name));
      inst.add("ElementName"_n, str(std::string(class_of(node.kind))));
      inst.add("EnabledState"_n, Value::uint16(2));
      inst.add("HealthState"_n, Value::uint16(5));
      break;
  }
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
      out.push_back(Node{kind, {}});
      break;
    case NodeKind::kVm:
    case NodeKind::kLiveVssd:
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
      for (const Guid& m : groups.at(from.id).members)
        add(m);
    } else if (auto it = vm_groups.find(from.id); it != vm_groups.end()) {
      for (const Guid& g : it->second)
        add(g);
    }
  } else if (cls == names::kCollectedCollections) {
    if (from_a) {
      for (const Guid& m : management_groups.at(from.id).members)
        add(m);
    } else {
      for (const auto& [id, mg] : management_groups) {
        if (std::find(mg.members.begin(), mg.members.end(), from.id) != mg.members.end()) add(id);
      }
    }
  } else if (cls == names::kSnapshotOfGroup) {
    if (from_a) {
      for (const Guid& c : groups.at(from.id).snapshot_collections)
        add(c);
    } else {
      add(collections.at(from.id).group);
    }
  } else if (cls == names::kCollectedSnapshots) {
    if (from_a) {
      for (const Guid& s : collections.at(from.id).members)
        add(s);
    } else if (const Guid& c = snapshots.at(from.id).collection; !c.is_nil()) {
      add(c);
    }
  } else if (cls == names::kSnapshotOfVm) {
    if (from_a) {
      for (const Guid& s : vms.at(from.id).snapshots)
        add(s);
    } else {
      add(snapshots.at(from.id).vm);
    }
  } else if (cls == names::kMostCurrentSnapshot) {
    if (from_a) {
      if (const Guid& s = vms.at(from.id).most_current; !s.is_nil()) add(s);
    } else {
      const Snapshot& s = snapshots.at(from.id);
      if (vms.at(s.vm).most_current == s.id) add(s.vm);
    }
  } else if (cls == names::kSettingsDefineState) {
    add(from.id);  // a VM and its live VSSD share the GUID
  } else if (cls == names::kAffectedJobElement) {
    if (from_a) {
      const Job& j = jobs.at(from.id);
      if (j.kind == JobKind::kCreateSnapshot && !j.target.is_nil() && collections.count(j.target))
        add(j.target);
    } else if (const Guid& by = collections.at(from.id).created_by_job;
               !by.is_nil() && jobs.count(by)) {
      add(by);
    }
  }
  std::sort(out.begin(), out.end(), [](const Node& a, const Node& b) { return a.id < b.id; });
  return out;
}

cim::Instance Host::Impl::association_instance(const AssocDef& def, const Node& a,
                                               const Node& b) const {
  Instance inst{Name::borrow(def.cls)};
  const ObjectPath pa = path_of(a);
  const ObjectPath pb = path_of(b);
  ObjectPath p(Name::borrow(names::kNamespace), Name::borrow(def.cls));
  p.set_host(host_name);
  p.add_key(Name::borrow(def.role_a), pa.to_string(), cim::KeyKind::kReference);
  p.add_key(Name::borrow(def.role_b), pb.to_string(), cim::KeyKind::kReference);
  inst.set_path(std::move(p));
  inst.add(Name::borrow(def.role_a), Value::reference(pa));
  inst.add(Name::borrow(def.role_b), Value::reference(pb));
  if (def.cls == names::kAffectedJobElement) {
    inst.add("ElementEffects"_n,
             Value::array(cim::CimType::kUint16, {cim::Scalar(std::uint64_t{5})}));
  }
  return inst;
}

cim::Result<std::vector<Instance>> Host::Impl::enumerate(std::string_view class_name) {
  if (!known_class(class_name)) {
    return cim::Status(cim::StatusKind::kInvalidClass,
                       fmt::format("class {} does not exist in {}", class_name, names::kNamespace));
  }
  std::vector<Instance> out;
  for (NodeKind k :
       {NodeKind::kHost, NodeKind::kVm, NodeKind::kLiveVssd, NodeKind::kSnapshot, NodeKind::kGroup,
        NodeKind::kManagementGroup, NodeKind::kSnapshotCollection, NodeKind::kJob, NodeKind::kVsms,
        NodeKind::kCollectionManagementService, NodeKind::kCollectionSnapshotService}) {
    if (!is_a(class_of(k), class_name)) continue;
    for (const Node& n : all_of(k))
      out.push_back(materialize(n));
  }
  for (const AssocDef& def : kAssocs) {
    if (!is_a(def.cls, class_name)) continue;
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
  if (!assoc_class.empty() && !known_class(assoc_class)) {
    return cim::Status(
        cim::StatusKind::kInvalidParameter,
        fmt::format("AssocClass {} does not exist in {}", assoc_class, names::kNamespace));
  }
  if (!result_class.empty() && !known_class(result_class)) {
    return cim::Status(
        cim::StatusKind::kInvalidParameter,
        fmt::format("ResultClass {} does not exist in {}", result_class, names::kNamespace));
  }
  std::vector<Instance> out;
  out.reserve(4);
  std::vector<Node> seen;  // ASSOCIATORS OF returns each object once
  seen.reserve(8);
  for (const AssocDef& def : kAssocs) {
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
  if (personality.associators == AssociatorResults::kDuplicates) repeat_some(out);
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
