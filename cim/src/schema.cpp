// The schema table (see schema.h). Sources: the Msvm_* and CIM_* class pages of Microsoft's
// Hyper-V WMI v2 documentation for each class in names.h and the methods the contract uses.
#include "hvsnap/cim/schema.h"

#include <algorithm>
#include <array>

#include "hvsnap/cim/text.h"

namespace hvsnap::cim::schema {

namespace {

struct Entry {
  std::string_view name;
  Type type;
};

constexpr Type S{CimType::kString, false};
constexpr Type SA{CimType::kString, true};
constexpr Type U8{CimType::kUint8, false};
constexpr Type U16{CimType::kUint16, false};
constexpr Type U16A{CimType::kUint16, true};
constexpr Type U32{CimType::kUint32, false};
constexpr Type U64{CimType::kUint64, false};
constexpr Type S64{CimType::kSint64, false};
constexpr Type B{CimType::kBoolean, false};
constexpr Type DT{CimType::kDateTime, false};
constexpr Type REF{CimType::kReference, false};

// Sorted by name (case-insensitively) for binary search; a unit test checks the order.
constexpr std::array kTable{
    Entry{"AffectedElement", REF},
    Entry{"AffectedSnapshotCollection", REF},
    Entry{"AffectedSystem", REF},
    Entry{"AffectingElement", REF},
    Entry{"Antecedent", REF},
    Entry{"Cancellable", B},
    Entry{"Caption", S},
    Entry{"CaseSeed", U64},         // hvsnap control extension (decision 0009)
    Entry{"CheckpointLimit", U32},  // hvsnap control extension (decision 0009)
    Entry{"Collection", REF},
    Entry{"CollectionID", S},
    Entry{"ConsistencyLevel", U8},
    Entry{"CreationClassName", S},
    Entry{"CreationTime", DT},
    Entry{"DefaultCheckpointLimit", U32},  // hvsnap control extension (decision 0009)
    Entry{"DefinedCollection", REF},
    Entry{"DeleteOnCompletion", B},
    Entry{"Dependent", REF},
    Entry{"Description", S},
    Entry{"Disks", SA},  // hvsnap control extension (decision 0009)
    Entry{"ElapsedTime", DT},
    Entry{"ElementEffects", U16A},
    Entry{"ElementName", S},
    Entry{"Enabled", B},  // hvsnap control extension (decision 0009)
    Entry{"EnabledState", U16},
    Entry{"Error", S},
    Entry{"ErrorCode", U16},
    Entry{"ErrorDescription", S},
    Entry{"Errors", SA},
    Entry{"ErrorSummaryDescription", S},
    Entry{"GuestBackupType", U8},
    Entry{"GuestVss", S},  // hvsnap control extension (decision 0009)
    Entry{"HealthState", U16},
    Entry{"Id", S},
    Entry{"IgnoreNonSnapshottableDisks", B},
    Entry{"InstallDate", DT},
    Entry{"InstanceID", S},
    Entry{"Job", REF},
    Entry{"JobState", U16},
    Entry{"JobStatus", S},
    Entry{"JobType", U16},
    Entry{"ManagedElement", REF},
    Entry{"Member", REF},
    Entry{"Milliseconds", S64},  // hvsnap control extension (decision 0009)
    Entry{"Name", S},
    Entry{"OperationalStatus", U16A},
    Entry{"Parent", S},
    Entry{"PercentComplete", U16},
    Entry{"ReferenceConfiguration", REF},
    Entry{"RequestedState", U16},
    Entry{"ResourceSettings", SA},
    Entry{"ResultingSnapshotCollection", REF},
    Entry{"ResultingSystem", REF},
    Entry{"ReturnValue", U32},
    Entry{"RunSeed", U64},  // hvsnap control extension (decision 0009)
    Entry{"SettingData", REF},
    Entry{"SnapshotCollection", REF},
    Entry{"SnapshotSettings", S},
    Entry{"SnapshotType", U16},
    Entry{"StartTime", DT},
    Entry{"StatusDescriptions", SA},
    Entry{"SystemCreationClassName", S},
    Entry{"SystemName", S},
    Entry{"SystemSettings", S},
    Entry{"TimeBeforeRemoval", DT},
    Entry{"TimeOfLastStateChange", DT},
    Entry{"TimeoutPeriod", DT},
    Entry{"TimeSubmitted", DT},
    Entry{"TransientFailures", B},  // hvsnap control extension (decision 0009)
    Entry{"Type", U16},
    Entry{"UserSnapshotType", U16},
    Entry{"VirtualSystemIdentifier", S},
    Entry{"VirtualSystemType", S},
    Entry{"Vm", REF},  // hvsnap control extension (decision 0009)
};

bool less(std::string_view a, std::string_view b) {
  return ILess{}(a, b);
}

}  // namespace

const Type* type_of(std::string_view name) {
  auto it = std::lower_bound(kTable.begin(), kTable.end(), name,
                             [](const Entry& e, std::string_view n) { return less(e.name, n); });
  if (it == kTable.end() || !iequals(it->name, name)) return nullptr;
  return &it->type;
}

// For the ordering test.
bool table_is_sorted() {
  return std::is_sorted(kTable.begin(), kTable.end(),
                        [](const Entry& a, const Entry& b) { return less(a.name, b.name); });
}

}  // namespace hvsnap::cim::schema
