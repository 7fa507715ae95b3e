// WMI names used across layers, verbatim as they appear on the wire (contract §1, §8).
#pragma once

#include <string_view>

namespace hvsnap::cim::names {

inline constexpr std::string_view kNamespace = "root\\virtualization\\v2";

// Classes.
inline constexpr std::string_view kComputerSystem = "Msvm_ComputerSystem";
inline constexpr std::string_view kVssd = "Msvm_VirtualSystemSettingData";
inline constexpr std::string_view kSnapshotSettings = "Msvm_VirtualSystemSnapshotSettingData";
inline constexpr std::string_view kVmGroup = "Msvm_VirtualSystemCollection";
inline constexpr std::string_view kManagementCollection = "Msvm_ManagementCollection";
inline constexpr std::string_view kSnapshotCollection = "Msvm_SnapshotCollection";
inline constexpr std::string_view kJob = "Msvm_ConcreteJob";
inline constexpr std::string_view kError = "Msvm_Error";
inline constexpr std::string_view kVsms = "Msvm_VirtualSystemManagementService";
inline constexpr std::string_view kCollectionManagementService = "Msvm_CollectionManagementService";
inline constexpr std::string_view kCollectionSnapshotService = "Msvm_CollectionSnapshotService";

// Associations.
inline constexpr std::string_view kCollectedVirtualSystems = "Msvm_CollectedVirtualSystems";
inline constexpr std::string_view kCollectedCollections = "Msvm_CollectedCollections";
inline constexpr std::string_view kSnapshotOfGroup = "Msvm_SnapshotOfVirtualSystemCollection";
inline constexpr std::string_view kCollectedSnapshots = "Msvm_CollectedSnapshots";
inline constexpr std::string_view kSnapshotOfVm = "Msvm_SnapshotOfVirtualSystem";
inline constexpr std::string_view kMostCurrentSnapshot = "Msvm_MostCurrentSnapshotInBranch";
inline constexpr std::string_view kSettingsDefineState = "Msvm_SettingsDefineState";
inline constexpr std::string_view kAffectedJobElement = "Msvm_AffectedJobElement";
inline constexpr std::string_view kParentChildSettingData = "Msvm_ParentChildSettingData";
inline constexpr std::string_view kLastAppliedSnapshot = "Msvm_LastAppliedSnapshot";
inline constexpr std::string_view kHostedService = "Msvm_HostedService";
inline constexpr std::string_view kVssdComponent = "Msvm_VirtualSystemSettingDataComponent";

// Resource settings a VM-management client reads beside the VSSD (issue item "neighbours").
inline constexpr std::string_view kProcessorSettingData = "Msvm_ProcessorSettingData";
inline constexpr std::string_view kMemorySettingData = "Msvm_MemorySettingData";

// Methods (contract §2) and their parameters, as the schema spells them.
inline constexpr std::string_view kCreateSnapshot = "CreateSnapshot";
inline constexpr std::string_view kDestroySnapshot = "DestroySnapshot";
inline constexpr std::string_view kApplySnapshot = "ApplySnapshot";
inline constexpr std::string_view kRequestStateChange = "RequestStateChange";
inline constexpr std::string_view kDefineSystem = "DefineSystem";
inline constexpr std::string_view kDestroySystem = "DestroySystem";
inline constexpr std::string_view kModifySystemSettings = "ModifySystemSettings";
inline constexpr std::string_view kDefineCollection = "DefineCollection";
inline constexpr std::string_view kDestroyCollection = "DestroyCollection";
inline constexpr std::string_view kAddMember = "AddMember";
inline constexpr std::string_view kRemoveMember = "RemoveMember";
namespace param {
inline constexpr std::string_view kCollection = "Collection";
inline constexpr std::string_view kSnapshotSettings = "SnapshotSettings";
inline constexpr std::string_view kSnapshotType = "SnapshotType";
inline constexpr std::string_view kResultingSnapshotCollection = "ResultingSnapshotCollection";
inline constexpr std::string_view kJob = "Job";
inline constexpr std::string_view kRequestedState = "RequestedState";
}  // namespace param

// root\cimv2: the host as Windows describes itself.
inline constexpr std::string_view kCimv2Namespace = "root\\cimv2";
inline constexpr std::string_view kWin32ComputerSystem = "Win32_ComputerSystem";
inline constexpr std::string_view kWin32ComputerSystemProduct = "Win32_ComputerSystemProduct";
inline constexpr std::string_view kWin32OperatingSystem = "Win32_OperatingSystem";
inline constexpr std::string_view kWin32Processor = "Win32_Processor";
inline constexpr std::string_view kWin32ComputerSystemProcessor = "Win32_ComputerSystemProcessor";

// VirtualSystemType values.
inline constexpr std::string_view kTypeRealized = "Microsoft:Hyper-V:System:Realized";
inline constexpr std::string_view kTypeSnapshotRealized = "Microsoft:Hyper-V:Snapshot:Realized";
inline constexpr std::string_view kTypeSnapshotRecovery = "Microsoft:Hyper-V:Snapshot:Recovery";
inline constexpr std::string_view kTypeSnapshotPrefix = "Microsoft:Hyper-V:Snapshot:";

}  // namespace hvsnap::cim::names
