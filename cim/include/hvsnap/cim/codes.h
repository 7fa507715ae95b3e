// Return codes and job states, each from one table (value, name, meaning) and open to
// raw values the table does not know (a live host may answer anything).
// Contract §0 signature comment, §1 (JobState), CS-INV-1 ranges.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace hvsnap::cim {

struct CodeInfo {
  std::uint32_t value;
  std::string_view name;     // identifier-like: "InvalidParameter"
  std::string_view meaning;  // as documented: "Invalid Parameter"
};

class ReturnCode {
 public:
  static constexpr std::uint32_t kCompleted = 0;
  static constexpr std::uint32_t kNotSupported = 1;
  static constexpr std::uint32_t kFailed = 2;
  static constexpr std::uint32_t kTimeout = 3;
  static constexpr std::uint32_t kInvalidParameter = 4;
  static constexpr std::uint32_t kInvalidState = 5;
  static constexpr std::uint32_t kInvalidType = 6;
  static constexpr std::uint32_t kJobStarted = 4096;
  // The Msvm vendor family (Msvm_CollectionManagementService and friends).
  static constexpr std::uint32_t kMsvmFailed = 32768;
  static constexpr std::uint32_t kMsvmAccessDenied = 32769;
  static constexpr std::uint32_t kMsvmNotSupported = 32770;
  static constexpr std::uint32_t kMsvmStatusUnknown = 32771;
  static constexpr std::uint32_t kMsvmTimeout = 32772;
  static constexpr std::uint32_t kMsvmInvalidParameter = 32773;
  static constexpr std::uint32_t kMsvmSystemInUse = 32774;
  static constexpr std::uint32_t kMsvmInvalidState = 32775;
  static constexpr std::uint32_t kMsvmIncorrectDataType = 32776;
  static constexpr std::uint32_t kMsvmSystemNotAvailable = 32777;
  static constexpr std::uint32_t kMsvmOutOfMemory = 32778;
  static constexpr std::uint32_t kMsvmFileNotFound = 32779;

  constexpr explicit ReturnCode(std::uint32_t value) : value_(value) {}
  constexpr std::uint32_t value() const { return value_; }

  // The table's entry, or the range it falls in ("DMTFReserved", "MethodReserved",
  // "VendorSpecific", "OutOfRange").
  std::string_view name() const;
  std::string_view meaning() const;
  bool is_known() const;
  // "4 (Invalid Parameter)"
  std::string to_string() const;

  // The Msvm-family code for a DMTF code 1..6 (contract §3.4 `codes: msvm`), else unchanged.
  static std::uint32_t to_msvm(std::uint32_t dmtf_code);
  static std::span<const CodeInfo> table();

  friend constexpr bool operator==(ReturnCode a, ReturnCode b) { return a.value_ == b.value_; }

 private:
  std::uint32_t value_;
};

class JobState {
 public:
  static constexpr std::uint16_t kNew = 2;
  static constexpr std::uint16_t kStarting = 3;
  static constexpr std::uint16_t kRunning = 4;
  static constexpr std::uint16_t kSuspended = 5;
  static constexpr std::uint16_t kShuttingDown = 6;
  static constexpr std::uint16_t kCompleted = 7;
  static constexpr std::uint16_t kTerminated = 8;
  static constexpr std::uint16_t kKilled = 9;
  static constexpr std::uint16_t kException = 10;
  static constexpr std::uint16_t kService = 11;
  static constexpr std::uint16_t kQueryPending = 12;
  static constexpr std::uint16_t kCompletedWithWarnings = 32768;

  constexpr explicit JobState(std::uint16_t value) : value_(value) {}
  constexpr std::uint16_t value() const { return value_; }

  std::string_view name() const;
  std::string_view meaning() const;
  bool is_known() const;
  std::string to_string() const;  // "7 (Completed)"

  // 7, 8, 9, 10, 32768: the job will not change again.
  constexpr bool is_terminal() const {
    return value_ == kCompleted || value_ == kTerminated || value_ == kKilled ||
           value_ == kException || value_ == kCompletedWithWarnings;
  }
  // 7 or 32768.
  constexpr bool is_success() const {
    return value_ == kCompleted || value_ == kCompletedWithWarnings;
  }
  static std::span<const CodeInfo> table();

  friend constexpr bool operator==(JobState a, JobState b) { return a.value_ == b.value_; }

 private:
  std::uint16_t value_;
};

// Msvm_ComputerSystem.EnabledState: the v2 values, 1 (Other, with OtherEnabledState) for the
// transitions of saving, pausing and resuming, and the vendor values real hosts and the legacy
// namespace use (observations V1, V2; contract §2 C-TRANSITIONAL, AMB-9).
class EnabledState {
 public:
  static constexpr std::uint16_t kOther = 1;
  static constexpr std::uint16_t kRunning = 2;
  static constexpr std::uint16_t kOff = 3;
  static constexpr std::uint16_t kShuttingDown = 4;
  static constexpr std::uint16_t kSaved = 6;
  static constexpr std::uint16_t kPaused = 9;
  static constexpr std::uint16_t kStarting = 10;
  static constexpr std::uint16_t kFastSaved = 32779;
  static constexpr std::uint16_t kHibernated = 32783;

  constexpr explicit EnabledState(std::uint16_t value) : value_(value) {}
  constexpr std::uint16_t value() const { return value_; }

  std::string_view name() const;
  std::string_view meaning() const;
  bool is_known() const;
  std::string to_string() const;  // "6 (Saved)"

  // On its way between two states: 1 (Other), 4, 10, and the legacy vendor transitions
  // (32770 Starting, 32771 Snapshotting, 32773 Saving, 32774 Stopping, 32776 Pausing,
  // 32777 Resuming, 32780 FastSaving).
  bool is_transitional() const;
  // Stopped with its state kept: 6, 9, 32768 (legacy Paused), 32769 (legacy Suspended),
  // 32779 FastSaved, 32783 Hibernated.
  bool is_saved() const;
  static std::span<const CodeInfo> table();

  friend constexpr bool operator==(EnabledState a, EnabledState b) { return a.value_ == b.value_; }

 private:
  std::uint16_t value_;
};

// Msvm_VirtualSystemSettingData.UserSnapshotType (the checkpoint type).
class UserSnapshotType {
 public:
  static constexpr std::uint16_t kDisabled = 2;
  static constexpr std::uint16_t kProduction = 3;      // falls back to standard
  static constexpr std::uint16_t kProductionOnly = 4;  // no fallback
  static constexpr std::uint16_t kStandard = 5;

  constexpr explicit UserSnapshotType(std::uint16_t value) : value_(value) {}
  constexpr std::uint16_t value() const { return value_; }
  std::string_view meaning() const;
  std::string to_string() const;  // "5 (Standard)"
  static std::span<const CodeInfo> table();

 private:
  std::uint16_t value_;
};

}  // namespace hvsnap::cim
