// The neighbours a VM-management client reads when it connects and lists VMs (contract §1,
// decision 0015): in root\cimv2 the host as Windows describes itself — Win32_ComputerSystem,
// Win32_ComputerSystemProduct (its UUID), Win32_OperatingSystem (Version "10.0.<build>"),
// Win32_Processor (through Win32_ComputerSystemProcessor) — and in root\virtualization\v2
// each VM's Msvm_ProcessorSettingData and Msvm_MemorySettingData (through
// Msvm_VirtualSystemSettingDataComponent). Values that only describe the machine are fixed
// here; the host build, name and clock and each VM's `cpus` and `memory-mb` come from state.
#include <fmt/format.h>

#include "host_impl.h"
#include "hvsnap/cim/names.h"

namespace hvsnap::sim {

namespace names = cim::names;
using cim::ObjectPath;
using cim::Value;

namespace {

// Hyper-V's device ids in a VM's resource-setting InstanceIDs ("Microsoft:<VM>\<id>[\0]").
constexpr std::string_view kProcessorSuffix = "\\b637f346-6a0e-4dec-af52-bd70cb80a21d\\0";
constexpr std::string_view kMemorySuffix = "\\4764334d-e001-4176-82ee-5594ec9b530e";
constexpr std::string_view kMicrosoft = "Microsoft:";

// The fake machine.
constexpr std::uint32_t kLogicalProcessors = 8;
constexpr std::uint64_t kPhysicalMemoryMb = 65536;
constexpr std::string_view kProcessorId = "CPU0";
constexpr std::string_view kProductName = "hvsnap fake host";
constexpr std::string_view kVendor = "hvsnap";
constexpr std::string_view kProductVersion = "1.0";

std::string settings_id(const Guid& vm, std::string_view suffix) {
  std::string out(kMicrosoft);
  vm.append_to(out);
  out += suffix;
  return out;
}

// "Microsoft:<GUID><suffix>" -> the GUID.
std::optional<Guid> settings_owner(std::string_view id, std::string_view suffix) {
  if (id.size() != kMicrosoft.size() + 36 + suffix.size()) return std::nullopt;
  if (!cim::iequals(id.substr(0, kMicrosoft.size()), kMicrosoft) ||
      !cim::iequals(id.substr(kMicrosoft.size() + 36), suffix)) {
    return std::nullopt;
  }
  return Guid::parse(id.substr(kMicrosoft.size(), 36));
}

std::string_view os_caption(std::uint32_t build) {
  switch (build) {
    case 14393:
      return "Microsoft Windows Server 2016 Datacenter";
    case 17763:
      return "Microsoft Windows Server 2019 Datacenter";
    case 20348:
      return "Microsoft Windows Server 2022 Datacenter";
    case 26100:
      return "Microsoft Windows Server 2025 Datacenter";
    default:
      return "Microsoft Windows";
  }
}

std::string os_version(std::uint32_t build) {
  if (build < 9600) return fmt::format("6.2.{}", build);
  if (build < 10240) return fmt::format("6.3.{}", build);
  return fmt::format("10.0.{}", build);
}

Value str(std::string_view s) {
  return Value::string(std::string(s));
}

}  // namespace

std::string Host::Impl::os_name() const {
  return fmt::format("{}|C:\\Windows|\\Device\\Harddisk0\\Partition2", os_caption(host_build));
}

std::optional<cim::Result<Node>> Host::Impl::resolve_neighbour(const ObjectPath& path,
                                                               std::string_view cls) const {
  auto missing = [&]() -> cim::Result<Node> {
    return cim::not_found(fmt::format("no such {}: {}", cls, path.to_string()));
  };
  // Every key given must match (a client may give a subset).
  auto keys_match = [&](std::initializer_list<std::pair<std::string_view, std::string>> want) {
    for (const cim::Key& k : path.keys()) {
      bool ok = false;
      for (const auto& [name, value] : want)
        ok = ok || (cim::iequals(k.name.view(), name) && cim::iequals(k.value, value));
      if (!ok) return false;
    }
    return !path.keys().empty();
  };
  const std::pair<NodeKind, std::string_view> settings[] = {
      {NodeKind::kProcessorSettings, kProcessorSuffix}, {NodeKind::kMemorySettings, kMemorySuffix}};
  for (const auto& [kind, suffix] : settings) {
    if (!cim::iequals(cls, class_of(kind))) continue;
    const cim::Key* id = path.key("InstanceID");
    if (id == nullptr) {
      return cim::Result<Node>(cim::invalid_parameter(
          fmt::format("{} names no InstanceID key: {}", cls, path.to_string())));
    }
    auto vm = settings_owner(id->value, suffix);
    if (!vm || !vms.count(*vm)) return missing();
    return cim::Result<Node>(Node{kind, *vm});
  }
  if (cim::iequals(cls, names::kWin32ComputerSystem)) {
    return keys_match({{"Name", host_name}})
               ? cim::Result<Node>(Node{NodeKind::kWin32ComputerSystem, {}})
               : missing();
  }
  if (cim::iequals(cls, names::kWin32ComputerSystemProduct)) {
    return keys_match({{"IdentifyingNumber", product_serial()},
                       {"Name", std::string(kProductName)},
                       {"Version", std::string(kProductVersion)}})
               ? cim::Result<Node>(Node{NodeKind::kWin32Product, {}})
               : missing();
  }
  if (cim::iequals(cls, names::kWin32OperatingSystem)) {
    return keys_match({{"Name", os_name()}})
               ? cim::Result<Node>(Node{NodeKind::kWin32OperatingSystem, {}})
               : missing();
  }
  if (cim::iequals(cls, names::kWin32Processor)) {
    return keys_match({{"DeviceID", std::string(kProcessorId)}})
               ? cim::Result<Node>(Node{NodeKind::kWin32Processor, {}})
               : missing();
  }
  return std::nullopt;
}

void Host::Impl::neighbour_keys(const Node& node, ObjectPath& p) const {
  using namespace cim::literals;
  switch (node.kind) {
    case NodeKind::kProcessorSettings:
      p.add_key("InstanceID"_n, settings_id(node.id, kProcessorSuffix));
      break;
    case NodeKind::kMemorySettings:
      p.add_key("InstanceID"_n, settings_id(node.id, kMemorySuffix));
      break;
    case NodeKind::kWin32ComputerSystem:
      p.add_key("Name"_n, host_name);
      break;
    case NodeKind::kWin32Product:
      p.add_key("IdentifyingNumber"_n, product_serial());
      p.add_key("Name"_n, std::string(kProductName));
      p.add_key("Version"_n, std::string(kProductVersion));
      break;
    case NodeKind::kWin32OperatingSystem:
      p.add_key("Name"_n, os_name());
      break;
    case NodeKind::kWin32Processor:
      p.add_key("DeviceID"_n, std::string(kProcessorId));
      break;
    default:
      HVSNAP_ASSERT(false && "not a neighbour");
  }
}

// The host's serial and BIOS UUID, derived from its name so that a seed reproduces them.
std::string Host::Impl::product_serial() const {
  return "HVSNAP-" + Guid::from_name("serial", host_name).to_string().substr(0, 8);
}

void Host::Impl::materialize_neighbour(const Node& node, Slots& s) const {
  switch (node.kind) {
    case NodeKind::kProcessorSettings: {
      const Vm& vm = must(vms, node.id);
      s.set("InstanceID", str(settings_id(vm.id, kProcessorSuffix)));
      s.set("Caption", str("Processor"));
      s.set("Description", str("Settings for Microsoft Virtual Processor."));
      s.set("ElementName", str("Processor"));
      s.set("ResourceType", Value::uint16(3));  // Processor
      s.set("ResourceSubType", str("Microsoft:Hyper-V:Processor"));
      s.set("AllocationUnits", str("percent / 1000"));
      s.set("VirtualQuantity", Value::uint64(vm.cpus));
      s.set("Reservation", Value::uint64(0));
      s.set("Limit", Value::uint64(100000));
      s.set("Weight", Value::uint32(100));
      s.set("AutomaticAllocation", Value::boolean(true));
      s.set("AutomaticDeallocation", Value::boolean(true));
      s.set("VirtualQuantityUnits", str("count"));
      s.set("LimitCPUID", Value::boolean(false));
      s.set("LimitProcessorFeatures", Value::boolean(false));
      break;
    }
    case NodeKind::kMemorySettings: {
      const Vm& vm = must(vms, node.id);
      s.set("InstanceID", str(settings_id(vm.id, kMemorySuffix)));
      s.set("Caption", str("Memory"));
      s.set("Description", str("Settings for Microsoft Virtual Machine Memory."));
      s.set("ElementName", str("Memory"));
      s.set("ResourceType", Value::uint16(4));  // Memory
      s.set("ResourceSubType", str("Microsoft:Hyper-V:Memory"));
      s.set("AllocationUnits", str("byte * 2^20"));
      s.set("VirtualQuantity", Value::uint64(vm.memory_mb));
      s.set("Reservation", Value::uint64(vm.memory_mb));
      s.set("Limit", Value::uint64(vm.memory_mb));
      s.set("Weight", Value::uint32(5000));
      s.set("AutomaticAllocation", Value::boolean(true));
      s.set("AutomaticDeallocation", Value::boolean(true));
      s.set("VirtualQuantityUnits", str("megabytes"));
      s.set("DynamicMemoryEnabled", Value::boolean(false));
      break;
    }
    case NodeKind::kWin32ComputerSystem:
      s.set("Caption", str(host_name));
      s.set("CreationClassName", str(names::kWin32ComputerSystem));
      s.set("Description", str("AT/AT COMPATIBLE"));
      s.set("DNSHostName", str(host_name));
      s.set("Domain", str("WORKGROUP"));
      s.set("DomainRole", Value::uint16(2));  // standalone server
      s.set("Manufacturer", str(kVendor));
      s.set("Model", str(kProductName));
      s.set("Name", str(host_name));
      s.set("NumberOfLogicalProcessors", Value::uint32(kLogicalProcessors));
      s.set("NumberOfProcessors", Value::uint32(1));
      s.set("PartOfDomain", Value::boolean(false));
      s.set("PCSystemType", Value::uint16(4));  // enterprise server
      s.set("Status", str("OK"));
      s.set("SystemType", str("x64-based PC"));
      s.set("TotalPhysicalMemory", Value::uint64(kPhysicalMemoryMb * 1024 * 1024));
      s.set("Workgroup", str("WORKGROUP"));
      break;
    case NodeKind::kWin32Product:
      s.set("Caption", str("Computer System Product"));
      s.set("Description", str("Computer System Product"));
      s.set("IdentifyingNumber", str(product_serial()));
      s.set("Name", str(kProductName));
      s.set("UUID", str(Guid::from_name("bios", host_name).to_string()));
      s.set("Vendor", str(kVendor));
      s.set("Version", str(kProductVersion));
      break;
    case NodeKind::kWin32OperatingSystem:
      s.set("BuildNumber", str(std::to_string(host_build)));
      s.set("Caption", str(os_caption(host_build)));
      s.set("CreationClassName", str(names::kWin32OperatingSystem));
      s.set("CSCreationClassName", str(names::kWin32ComputerSystem));
      s.set("CSName", str(host_name));
      s.set("FreePhysicalMemory", Value::uint64(kPhysicalMemoryMb * 1024 / 2));
      s.set("LastBootUpTime", Value::datetime(timestamp(0)));
      s.set("LocalDateTime", Value::datetime(timestamp(now_ms)));
      s.set("Locale", str("0409"));
      s.set("Manufacturer", str("Microsoft Corporation"));
      s.set("Name", str(os_name()));
      s.set("OSArchitecture", str("64-bit"));
      s.set("OSLanguage", Value::uint32(1033));
      s.set("OSType", Value::uint16(18));  // WINNT
      s.set("Primary", Value::boolean(true));
      s.set("ProductType", Value::uint32(3));  // server
      s.set("Status", str("OK"));
      s.set("SystemDirectory", str("C:\\Windows\\system32"));
      s.set("SystemDrive", str("C:"));
      s.set("TotalVisibleMemorySize", Value::uint64(kPhysicalMemoryMb * 1024));
      s.set("Version", str(os_version(host_build)));
      s.set("WindowsDirectory", str("C:\\Windows"));
      break;
    case NodeKind::kWin32Processor:
      s.set("AddressWidth", Value::uint16(64));
      s.set("Architecture", Value::uint16(9));  // x64
      s.set("Caption", str("hvsnap virtual processor"));
      s.set("CreationClassName", str(names::kWin32Processor));
      s.set("CurrentClockSpeed", Value::uint32(3000));
      s.set("DataWidth", Value::uint16(64));
      s.set("DeviceID", str(kProcessorId));
      s.set("Manufacturer", str(kVendor));
      s.set("MaxClockSpeed", Value::uint32(3000));
      s.set("Name", str("hvsnap virtual processor"));
      s.set("NumberOfCores", Value::uint32(kLogicalProcessors));
      s.set("NumberOfLogicalProcessors", Value::uint32(kLogicalProcessors));
      s.set("ProcessorType", Value::uint16(3));  // central processor
      s.set("Status", str("OK"));
      s.set("SystemCreationClassName", str(names::kWin32ComputerSystem));
      s.set("SystemName", str(host_name));
      break;
    default:
      HVSNAP_ASSERT(false && "not a neighbour");
  }
}

}  // namespace hvsnap::sim
