// The fake's instances (contract §1): the schema layouts of each build (decision 0014) and
// the instance of a record materialized into them.
#include <algorithm>
#include <array>
#include <map>
#include <memory>

#include "model_impl.h"

namespace hvsnap::sim {

namespace {

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

// The constant texts and arrays the fake writes into the instances it returns, made once
// per process: values borrow them (Value::static_string / static_array, decision 0103)
// instead of copying them into every read. Immutable after construction.
struct FixedValues {
  std::string computer_system{names::kComputerSystem};
  std::string host_caption{"Hosting Computer System"};
  std::string host_description{"Microsoft Hosting Computer System"};
  std::string vm_caption{"Virtual Machine"};
  std::string vm_description{"Microsoft Virtual Machine"};
  std::string type_realized{names::kTypeRealized};
  std::string type_snapshot_realized{names::kTypeSnapshotRealized};
  std::string type_snapshot_recovery{names::kTypeSnapshotRecovery};
  std::string empty;
  std::array<std::string, 5> job_kinds;                           // by JobKind
  std::vector<std::pair<std::uint16_t, std::string>> job_states;  // JobState meanings
  std::array<std::string, 3> service_classes;                     // by service NodeKind
  std::array<std::string, 3> service_names;
  std::vector<cim::Scalar> status_ok{cim::Scalar(std::uint64_t{2})};
  std::vector<cim::Scalar> status_error{cim::Scalar(std::uint64_t{6})};

  FixedValues() {
    for (std::size_t k = 0; k < job_kinds.size(); ++k)
      job_kinds[k] = std::string(to_string(static_cast<JobKind>(k)));
    for (const auto& c : cim::JobState::table())
      job_states.emplace_back(
          static_cast<std::uint16_t>(c.value),
          std::string(cim::JobState(static_cast<std::uint16_t>(c.value)).meaning()));
    for (std::size_t i = 0; i < 3; ++i) {
      const auto k = static_cast<NodeKind>(static_cast<std::size_t>(NodeKind::kVsms) + i);
      service_classes[i] = std::string(Host::Impl::class_of(k));
      service_names[i] = std::string(service_name(k));
    }
  }

  Value job_kind(JobKind k) const {
    HVSNAP_ASSERT(static_cast<std::size_t>(k) < job_kinds.size());
    return Value::static_string(job_kinds[static_cast<std::size_t>(k)]);
  }
  Value job_status(std::uint16_t state) const {
    for (const auto& [value, meaning] : job_states) {
      if (value == state) return Value::static_string(meaning);
    }
    return Value::string(std::string(cim::JobState(state).meaning()));
  }
  std::size_t service(NodeKind k) const {
    return static_cast<std::size_t>(k) - static_cast<std::size_t>(NodeKind::kVsms);
  }
};

const FixedValues& fixed() {
  static const FixedValues kFixed;
  return kFixed;
}

std::uint16_t job_display_state(const Job& j) {
  return j.state;
}

// Msvm_ComputerSystem.ProcessID of a VM's worker process: stable for the VM, a multiple of
// 4 as Windows process ids are.
std::uint32_t worker_pid(const Guid& vm) {
  return 1000 + 4 * static_cast<std::uint32_t>((vm.hi ^ vm.lo) % 250'000);
}

// A job's properties (contract §3.2): its key text given, constant texts borrowed.
void set_job(const Host::Impl& h, const Job& j, std::string_view instance_id, Slots& s) {
  const FixedValues& fix = fixed();
  const bool terminal = cim::JobState(j.state).is_terminal();
  const std::int64_t end = terminal ? j.finished_ms : h.now_ms;
  s.set(Hot::kInstanceID, [&] { return Value::string(instance_id); });
  s.set(Hot::kName, [&] { return fix.job_kind(j.kind); });
  s.set(Hot::kElementName, [&] { return fix.job_kind(j.kind); });
  s.set(Hot::kCaption, [&] { return fix.job_kind(j.kind); });
  s.set(Hot::kJobType, [&] { return Value::uint16(j.job_type); });
  s.set(Hot::kJobState, [&] { return Value::uint16(job_display_state(j)); });
  s.set(Hot::kJobStatus, [&] { return fix.job_status(j.state); });
  s.set(Hot::kPercentComplete, [&] { return Value::uint16(j.percent); });
  s.set(Hot::kErrorCode, [&] { return Value::uint16(j.error_code); });
  if (!j.error_description.empty())
    s.set(Hot::kErrorDescription, [&] { return Value::string(j.error_description); });
  if (!j.error_summary.empty())
    s.set(Hot::kErrorSummaryDescription, [&] { return Value::string(j.error_summary); });
  s.set(Hot::kCancellable, [&] { return Value::boolean(j.cancellable); });
  s.set(Hot::kDeleteOnCompletion, [&] { return Value::boolean(false); });
  s.set(Hot::kTimeSubmitted, [&] { return Value::datetime(h.timestamp(j.submitted_ms)); });
  s.set(Hot::kStartTime, [&] { return Value::datetime(h.timestamp(j.start_ms)); });
  s.set(Hot::kElapsedTime,
        [&] { return Value::datetime(cim::DateTime::interval((end - j.start_ms) * 1000)); });
  s.set(Hot::kTimeOfLastStateChange,
        [&] { return Value::datetime(h.timestamp(j.last_change_ms)); });
  s.set(Hot::kTimeBeforeRemoval, [&] {
    return Value::datetime(cim::DateTime::interval(
        (terminal ? j.time_before_removal_ms : h.timing.time_before_removal_ms) * 1000));
  });
  const bool failed = terminal && !cim::JobState(j.state).is_success();
  s.set(Hot::kOperationalStatus, [&] {
    return Value::static_array(cim::CimType::kUint16, failed ? fix.status_error : fix.status_ok);
  });
  s.set(Hot::kHealthState, [&] { return Value::uint16(5); });
}

// A snapshot VSSD's properties (contract §1): its key text given, constant texts borrowed.
void set_snapshot(const Host::Impl& h, const Snapshot& sn, std::string_view id, Slots& s) {
  const FixedValues& fix = fixed();
  const Vm& vm = must(h.vms, sn.vm);
  s.set(Hot::kInstanceID, [&] { return Value::string(id); });
  s.set(Hot::kElementName, [&] {
    return sn.name.empty() ? Value::string(h.display_name(vm.name, sn.created_ms).view())
                           : Value::string(std::string_view(sn.name));
  });
  s.set(Hot::kVirtualSystemIdentifier, [&] { return Value::string(GuidText(vm.id).view()); });
  s.set(Hot::kVirtualSystemType, [&] {
    return Value::static_string(sn.kind == SnapshotKind::kRecovery ? fix.type_snapshot_recovery
                                                                   : fix.type_snapshot_realized);
  });
  s.set(Hot::kUserSnapshotType,
        [&] { return Value::uint16(static_cast<std::uint16_t>(sn.taken_as)); });
  s.set(Hot::kParent, [&] {
    return sn.parent.is_nil() ? Value::null(cim::CimType::kString)
                              : Value::string(snapshot_path_text(h.host_name, sn.parent));
  });
  s.set(Hot::kIsSaved, [&] { return Value::boolean(sn.saved_state); });
  s.set(Hot::kCreationTime, [&] { return Value::datetime(h.timestamp(sn.created_ms)); });
}

}  // namespace

// --- schema layouts (decision 0014) ---

std::optional<std::uint32_t> ClassLayout::slot(std::string_view name) const {
  auto it = std::lower_bound(index.begin(), index.end(), name,
                             [](const auto& e, std::string_view n) { return e.first < n; });
  if (it == index.end() || it->first != name) return std::nullopt;
  return it->second;
}

void Slots::set(std::string_view name, Value&& v) {
  auto i = layout_->slot(name);
  if (!i) return;  // not a member at this build
  set_slot(*i, std::move(v));
}

void Slots::set_by_name(Hot name, Value&& v) {
  set(kHotNames[static_cast<std::size_t>(name)], std::move(v));
}

namespace {

SchemaLayouts make_layouts(std::uint32_t build) {
  SchemaLayouts out;
  auto& layouts = out.layouts;
  for (const cim::schema::ClassDef& c : cim::schema::classes()) {
    if (!c.exists_at(build)) continue;
    ClassLayout l;
    l.def = &c;
    cim::PropertyList nulls;
    for (const cim::schema::PropertyDef& p : c.properties()) {
      if (!p.exists_at(build)) continue;
      l.index.emplace_back(p.name, static_cast<std::uint32_t>(nulls.size()));
      l.types.push_back(ClassLayout::type_tag(p.type, p.array));
      nulls.push_back(cim::Property{Name::borrow(p.name), Value::null(p.type, p.array)});
    }
    l.table = std::make_shared<const cim::PropertyTable>(std::move(nulls));
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
  std::vector<std::string_view> names;
  for (const auto& [name, layout] : layouts) {
    names.push_back(name);
    out.by_position.push_back(&layout);
  }
  out.index = cim::NameIndex(names);
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
  // The associations, as a client names them in AssocClass (decision 0118).
  for (std::size_t a = 0; a < kAssocs.size(); ++a) {
    if (cls == kAssocs[a].cls) return schema->assoc_layouts[a];
  }
  const auto i = schema->index.find(cls);
  return i ? schema->by_position[*i] : nullptr;
}

bool Host::Impl::served(NodeKind kind) const {
  return schema->kind_layouts[static_cast<std::size_t>(kind)] != nullptr;
}

void Host::Impl::materialize(const Node& node, Instance& into) {
  HVSNAP_ASSERT(served(node.kind));
  const ClassLayout& layout = *schema->kind_layouts[static_cast<std::size_t>(node.kind)];
  // `into` was made over this layout's table (instance_table); its room for values is inside
  // it (Instance::kInlineValues: a job sets up to 20, the other classes fewer than 16).
  HVSNAP_ASSERT(into.class_name() == class_of(node.kind));
  Slots s(layout, into);
  auto str = [](std::string v) { return Value::string(std::move(v)); };
  auto null_string = [] { return Value::null(cim::CimType::kString); };
  const FixedValues& fix = fixed();
  auto text = [](const std::string& v) { return Value::static_string(v); };
  auto status = [](const std::vector<cim::Scalar>& v) {
    return Value::static_array(cim::CimType::kUint16, v);
  };
  // The path first: its key is the text of the instance's key property (formatted once).
  fill_path(node, into.path_to_fill());
  const ObjectPath& path = into.path();
  auto key_text = [&path](std::string_view key) { return Value::string(path.key(key)->value); };
  // The text of the one key fill_path gave a job, snapshot or collection path: read where it
  // is, not looked up by name (decision 0123).
  auto only_key = [&path](std::string_view key) -> std::string_view {
    HVSNAP_ASSERT(path.keys().size() == 1 && path.keys().front().name.view() == key);
    return path.keys().front().value;
  };
  switch (node.kind) {
    case NodeKind::kHost:
      s.set("CreationClassName", text(fix.computer_system));
      s.set("Name", str(host_name));
      s.set("ElementName", str(host_name));
      s.set("Caption", text(fix.host_caption));
      s.set("Description", text(fix.host_description));
      s.set("EnabledState", Value::uint16(2));
      s.set("RequestedState", Value::uint16(12));
      s.set("EnabledDefault", Value::uint16(2));
      s.set("HealthState", Value::uint16(5));
      s.set("OperationalStatus", status(fix.status_ok));
      break;
    case NodeKind::kVm: {
      const Vm& vm = must(vms, node.id);
      s.set("CreationClassName", text(fix.computer_system));
      s.set("Name", key_text("Name"));
      s.set("ElementName", str(vm.name));
      s.set("Caption", text(fix.vm_caption));
      s.set("Description", text(fix.vm_description));
      s.set("EnabledState", Value::uint16(enabled_state(vm.state)));
      if (const std::string_view other = other_enabled_state(vm.state); !other.empty())
        s.set("OtherEnabledState", str(std::string(other)));
      s.set("RequestedState", Value::uint16(vm.transition_job.is_nil()
                                                ? 12
                                                : must(jobs, vm.transition_job).requested_state));
      s.set("EnabledDefault", Value::uint16(2));
      s.set("HealthState", Value::uint16(5));
      s.set("OperationalStatus", status(fix.status_ok));
      s.set("InstallDate", Value::datetime(timestamp(vm.created_ms)));
      if (has_worker_process(vm.state)) s.set("ProcessID", Value::uint32(worker_pid(vm.id)));
      break;
    }
    case NodeKind::kLiveVssd: {
      const Vm& vm = must(vms, node.id);
      const std::string_view id = only_key("InstanceID");
      s.set(Hot::kInstanceID, [&] { return Value::string(id); });
      s.set(Hot::kElementName, [&] { return Value::string(std::string_view(vm.name)); });
      s.set(Hot::kVirtualSystemIdentifier, [&] { return Value::string(GuidText(vm.id).view()); });
      s.set(Hot::kVirtualSystemType, [&] { return text(fix.type_realized); });
      s.set(Hot::kUserSnapshotType,
            [&] { return Value::uint16(static_cast<std::uint16_t>(vm.checkpoint_type)); });
      s.set(Hot::kParent, [&] {
        return vm.most_current.is_nil() ? null_string()
                                        : str(snapshot_path_text(host_name, vm.most_current));
      });
      s.set(Hot::kIsSaved, [&] {
        return Value::boolean(vm.state == VmState::kSaved || vm.state == VmState::kFastSaved ||
                              vm.state == VmState::kHibernated);
      });
      s.set(Hot::kCreationTime, [&] { return Value::datetime(timestamp(vm.created_ms)); });
      break;
    }
    case NodeKind::kSnapshot:
      set_snapshot(*this, must(snapshots, node.id), only_key("InstanceID"), s);
      break;
    case NodeKind::kGroup: {
      const Group& g = must(groups, node.id);
      s.set("CollectionID", key_text("CollectionID"));
      s.set("ElementName", str(g.name));
      s.set("InstanceID", text(fix.empty));  // reads empty on a real host (M3)
      // M4: not replicated, never failed over.
      s.set("ReplicationState", Value::uint16(0));
      s.set("ReplicationMode", Value::uint16(0));
      s.set("FailedOverReplicationType", Value::uint16(0));
      break;
    }
    case NodeKind::kManagementGroup: {
      const ManagementGroup& g = must(management_groups, node.id);
      s.set("CollectionID", key_text("CollectionID"));
      s.set("ElementName", str(g.name));
      s.set("InstanceID", text(fix.empty));
      break;
    }
    case NodeKind::kSnapshotCollection: {
      const SnapshotCollection& c = must(collections, node.id);
      const std::string_view id = only_key("CollectionID");
      s.set(Hot::kCollectionID, [&] { return Value::string(id); });
      const Group* g = groups.find(c.group);
      s.set(Hot::kElementName, [&] {
        return !c.name.empty() || g == nullptr
                   ? Value::string(std::string_view(c.name))
                   : Value::string(display_name(g->name, c.created_ms).view());
      });
      break;
    }
    case NodeKind::kJob: {
      const Job& j = must(jobs, node.id);
      read_jobs.push_back(j.id);
      set_job(*this, j, only_key("InstanceID"), s);
      break;
    }
    case NodeKind::kVsms:
    case NodeKind::kCollectionManagementService:
    case NodeKind::kCollectionSnapshotService:
      s.set("CreationClassName", text(fix.service_classes[fix.service(node.kind)]));
      s.set("Name", text(fix.service_names[fix.service(node.kind)]));
      s.set("SystemCreationClassName", text(fix.computer_system));
      s.set("SystemName", str(host_name));
      s.set("ElementName", text(fix.service_classes[fix.service(node.kind)]));
      s.set("EnabledState", Value::uint16(2));
      s.set("HealthState", Value::uint16(5));
      break;
    default:
      materialize_neighbour(node, s);
      break;
  }
}

}  // namespace hvsnap::sim
