// The return-code and job-state tables (contract §0, §1, §9 C2).
#include "hvsnap/cim/codes.h"

#include <fmt/format.h>

#include <array>

namespace hvsnap::cim {
namespace {

constexpr std::array<CodeInfo, 22> kReturnCodes{{
    {0, "Completed", "Completed with No Error"},
    {1, "NotSupported", "Not Supported"},
    {2, "Failed", "Failed"},
    {3, "Timeout", "Timeout"},
    {4, "InvalidParameter", "Invalid Parameter"},
    {5, "InvalidState", "Invalid State"},
    {6, "InvalidType", "Invalid Type"},
    {4096, "JobStarted", "Method Parameters Checked - Job Started"},
    {32768, "MsvmFailed", "Failed"},
    {32769, "MsvmAccessDenied", "Access Denied"},
    {32770, "MsvmNotSupported", "Not Supported"},
    {32771, "MsvmStatusUnknown", "Status is unknown"},
    {32772, "MsvmTimeout", "Timeout"},
    {32773, "MsvmInvalidParameter", "Invalid parameter"},
    {32774, "MsvmSystemInUse", "System is in use"},
    {32775, "MsvmInvalidState", "Invalid state for this operation"},
    {32776, "MsvmIncorrectDataType", "Incorrect data type"},
    {32777, "MsvmSystemNotAvailable", "System is not available"},
    {32778, "MsvmOutOfMemory", "Out of memory"},
    {32779, "MsvmFileNotFound", "File not found"},
    {32783, "MsvmRebootRequired", "Reboot required"},   // C2
    {32789, "MsvmObjectNotFound", "Object not found"},  // C2
}};

constexpr std::array<CodeInfo, 12> kJobStates{{
    {2, "New", "New"},
    {3, "Starting", "Starting"},
    {4, "Running", "Running"},
    {5, "Suspended", "Suspended"},
    {6, "ShuttingDown", "Shutting Down"},
    {7, "Completed", "Completed"},
    {8, "Terminated", "Terminated"},
    {9, "Killed", "Killed"},
    {10, "Exception", "Exception"},
    {11, "Service", "Service"},
    {12, "QueryPending", "Query Pending"},
    {32768, "CompletedWithWarnings", "Completed with Warnings"},
}};

constexpr std::array<CodeInfo, 22> kEnabledStates{{
    {0, "Unknown", "Unknown"},
    {1, "Other", "Other"},
    {2, "Running", "Running"},
    {3, "Off", "Off"},
    {4, "ShuttingDown", "Shutting Down"},
    {5, "NotApplicable", "Not Applicable"},
    {6, "Saved", "Saved"},
    {7, "InTest", "In Test"},
    {8, "Deferred", "Deferred"},
    {9, "Paused", "Paused"},
    {10, "Starting", "Starting"},
    {32768, "LegacyPaused", "Paused (legacy)"},
    {32769, "LegacySuspended", "Suspended (legacy)"},
    {32770, "LegacyStarting", "Starting (legacy)"},
    {32771, "Snapshotting", "Snapshotting (legacy)"},
    {32773, "Saving", "Saving (legacy)"},
    {32774, "Stopping", "Stopping (legacy)"},
    {32776, "Pausing", "Pausing (legacy)"},
    {32777, "Resuming", "Resuming (legacy)"},
    {32779, "FastSaved", "FastSaved"},
    {32780, "FastSaving", "FastSaving"},
    {32783, "Hibernated", "Hibernated"},
}};

constexpr std::array<CodeInfo, 4> kUserSnapshotTypes{{
    {2, "Disabled", "Disabled"},
    {3, "Production", "Production (falls back to standard)"},
    {4, "ProductionOnly", "Production only"},
    {5, "Standard", "Standard"},
}};

template <std::size_t N>
const CodeInfo* lookup(const std::array<CodeInfo, N>& table, std::uint32_t value) {
  for (const auto& c : table) {
    if (c.value == value) return &c;
  }
  return nullptr;
}

}  // namespace

std::string_view ReturnCode::name() const {
  if (const auto* c = lookup(kReturnCodes, value_)) return c->name;
  if (value_ >= 7 && value_ <= 4095) return "DMTFReserved";
  if (value_ >= 4097 && value_ <= 32767) return "MethodReserved";
  if (value_ >= 32768 && value_ <= 65535) return "VendorSpecific";
  return "OutOfRange";
}

std::string_view ReturnCode::meaning() const {
  if (const auto* c = lookup(kReturnCodes, value_)) return c->meaning;
  if (value_ >= 7 && value_ <= 4095) return "DMTF Reserved";
  if (value_ >= 4097 && value_ <= 32767) return "Method Reserved";
  if (value_ >= 32768 && value_ <= 65535) return "Vendor Specific";
  return "Out of the uint16 value map";
}

bool ReturnCode::is_known() const {
  return lookup(kReturnCodes, value_) != nullptr;
}

std::string ReturnCode::to_string() const {
  return fmt::format("{} ({})", value_, meaning());
}

std::uint32_t ReturnCode::to_msvm(std::uint32_t dmtf_code) {
  switch (dmtf_code) {
    case kNotSupported:
      return kMsvmNotSupported;
    case kFailed:
      return kMsvmFailed;
    case kTimeout:
      return kMsvmTimeout;
    case kInvalidParameter:
      return kMsvmInvalidParameter;
    case kInvalidState:
      return kMsvmInvalidState;
    case kInvalidType:
      return kMsvmIncorrectDataType;
    default:
      return dmtf_code;
  }
}

std::span<const CodeInfo> ReturnCode::table() {
  return kReturnCodes;
}

std::string_view JobState::name() const {
  if (const auto* c = lookup(kJobStates, value_)) return c->name;
  return value_ >= 32768 ? "VendorReserved" : "DMTFReserved";
}

std::string_view JobState::meaning() const {
  if (const auto* c = lookup(kJobStates, value_)) return c->meaning;
  return value_ >= 32768 ? "Vendor Reserved" : "DMTF Reserved";
}

bool JobState::is_known() const {
  return lookup(kJobStates, value_) != nullptr;
}

std::string JobState::to_string() const {
  return fmt::format("{} ({})", value_, meaning());
}

std::span<const CodeInfo> JobState::table() {
  return kJobStates;
}

std::string_view EnabledState::name() const {
  if (const auto* c = lookup(kEnabledStates, value_)) return c->name;
  return value_ >= 32768 ? "VendorReserved" : "DMTFReserved";
}

std::string_view EnabledState::meaning() const {
  if (const auto* c = lookup(kEnabledStates, value_)) return c->meaning;
  return value_ >= 32768 ? "Vendor Reserved" : "DMTF Reserved";
}

bool EnabledState::is_known() const {
  return lookup(kEnabledStates, value_) != nullptr;
}

std::string EnabledState::to_string() const {
  return fmt::format("{} ({})", value_, meaning());
}

bool EnabledState::is_transitional() const {
  switch (value_) {
    case kOther:
    case kShuttingDown:
    case kStarting:
    case 32770:
    case 32771:
    case 32773:
    case 32774:
    case 32776:
    case 32777:
    case 32780:
      return true;
    default:
      return false;
  }
}

bool EnabledState::is_saved() const {
  switch (value_) {
    case kSaved:
    case kPaused:
    case 32768:
    case 32769:
    case kFastSaved:
    case kHibernated:
      return true;
    default:
      return false;
  }
}

std::span<const CodeInfo> EnabledState::table() {
  return kEnabledStates;
}

std::string_view UserSnapshotType::meaning() const {
  if (const auto* c = lookup(kUserSnapshotTypes, value_)) return c->meaning;
  return "Unknown";
}

std::string UserSnapshotType::to_string() const {
  return fmt::format("{} ({})", value_, meaning());
}

std::span<const CodeInfo> UserSnapshotType::table() {
  return kUserSnapshotTypes;
}

}  // namespace hvsnap::cim
