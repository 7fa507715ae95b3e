// Name-to-type lookups (see schema.h): a hand table of the names the contract's methods and
// hvsnap's control extension use (from the Msvm_* and CIM_* class pages of Microsoft's Hyper-V
// WMI v2 documentation), then every unambiguous name of the generated schema table.
#include "hvsnap/cim/schema.h"

#include "hvsnap/cim/schema_table.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <vector>

#include "hvsnap/cim/text.h"

namespace hvsnap::cim::schema {

namespace {

struct Entry {
  std::string_view name;
  Type type;
};

constexpr Type kS{CimType::kString, false};
constexpr Type kSA{CimType::kString, true};
constexpr Type kU8{CimType::kUint8, false};
constexpr Type kU16{CimType::kUint16, false};
constexpr Type kU16A{CimType::kUint16, true};
constexpr Type kU32{CimType::kUint32, false};
constexpr Type kU64{CimType::kUint64, false};
constexpr Type kS64{CimType::kSint64, false};
constexpr Type kB{CimType::kBoolean, false};
constexpr Type kDT{CimType::kDateTime, false};
constexpr Type kREF{CimType::kReference, false};

// Sorted by name (case-insensitively) for binary search; a unit test checks the order.
constexpr std::array kTable{
    Entry{"AffectedElement", kREF},
    Entry{"AffectedSnapshotCollection", kREF},
    Entry{"AffectedSystem", kREF},
    Entry{"AffectingElement", kREF},
    Entry{"Antecedent", kREF},
    Entry{"Cancellable", kB},
    Entry{"Caption", kS},
    Entry{"CaseSeed", kU64},         // hvsnap control extension (decision 0009)
    Entry{"CheckpointLimit", kU32},  // hvsnap control extension (decision 0009)
    Entry{"Collection", kREF},
    Entry{"CollectionID", kS},
    Entry{"ConsistencyLevel", kU8},
    Entry{"CreationClassName", kS},
    Entry{"CreationTime", kDT},
    Entry{"DefaultCheckpointLimit", kU32},  // hvsnap control extension (decision 0009)
    Entry{"DefinedCollection", kREF},
    Entry{"DeleteOnCompletion", kB},
    Entry{"Dependent", kREF},
    Entry{"Description", kS},
    Entry{"Disks", kSA},  // hvsnap control extension (decision 0009)
    Entry{"ElapsedTime", kDT},
    Entry{"ElementEffects", kU16A},
    Entry{"ElementName", kS},
    Entry{"Enabled", kB},  // hvsnap control extension (decision 0009)
    Entry{"EnabledState", kU16},
    Entry{"EpochMilliseconds", kS64},  // hvsnap control extension (decision 0009)
    Entry{"Error", kS},
    Entry{"ErrorCode", kU16},
    Entry{"ErrorDescription", kS},
    Entry{"Errors", kSA},
    Entry{"ErrorSummaryDescription", kS},
    Entry{"GuestBackupType", kU8},
    Entry{"GuestVss", kS},  // hvsnap control extension (decision 0009)
    Entry{"HealthState", kU16},
    Entry{"Id", kS},
    Entry{"IgnoreNonSnapshottableDisks", kB},
    Entry{"InstallDate", kDT},
    Entry{"InstanceID", kS},
    Entry{"Job", kREF},
    Entry{"JobState", kU16},
    Entry{"JobStatus", kS},
    Entry{"JobType", kU16},
    Entry{"ManagedElement", kREF},
    Entry{"Member", kREF},
    Entry{"Milliseconds", kS64},  // hvsnap control extension (decision 0009)
    Entry{"Name", kS},
    Entry{"OperationalStatus", kU16A},
    Entry{"Parent", kS},
    Entry{"PercentComplete", kU16},
    Entry{"ReferenceConfiguration", kREF},
    Entry{"RequestedState", kU16},
    Entry{"ResourceSettings", kSA},
    Entry{"ResultingSnapshotCollection", kREF},
    Entry{"ResultingSystem", kREF},
    Entry{"ReturnValue", kU32},
    Entry{"RunSeed", kU64},  // hvsnap control extension (decision 0009)
    Entry{"SettingData", kREF},
    Entry{"SnapshotCollection", kREF},
    Entry{"SnapshotSettings", kS},
    Entry{"SnapshotType", kU16},
    Entry{"StartTime", kDT},
    Entry{"StatusDescriptions", kSA},
    Entry{"SystemCreationClassName", kS},
    Entry{"SystemName", kS},
    Entry{"SystemSettings", kS},
    Entry{"TimeBeforeRemoval", kDT},
    Entry{"TimeOfLastStateChange", kDT},
    Entry{"TimeoutPeriod", kDT},
    Entry{"TimeSubmitted", kDT},
    Entry{"TransientFailures", kB},  // hvsnap control extension (decision 0009)
    Entry{"Type", kU16},
    Entry{"UserSnapshotType", kU16},
    Entry{"VirtualSystemIdentifier", kS},
    Entry{"VirtualSystemType", kS},
    Entry{"Vm", kREF},  // hvsnap control extension (decision 0009)
};

bool less(std::string_view a, std::string_view b) {
  return ILess{}(a, b);
}

// Every name of the generated schema table (decision 0014) that has one type wherever it
// appears, as a property or a parameter; names with several types are left to the hand table.
// The names are views of the table's static text.
const std::vector<Entry>& table_names() {
  static const std::vector<Entry> kNames = [] {
    std::map<std::string_view, std::optional<Type>, ILess> seen;
    auto note = [&](std::string_view n, Type t) {
      auto [it, fresh] = seen.emplace(n, t);
      if (!fresh && it->second && (it->second->type != t.type || it->second->array != t.array))
        it->second.reset();  // ambiguous
    };
    for (const ClassDef& c : classes()) {
      for (const PropertyDef& p : c.properties())
        note(p.name, Type{p.type, p.array});
      for (const MethodDef& m : c.methods()) {
        for (const ParamDef& p : m.params())
          note(p.name, Type{p.type, p.array});
      }
    }
    std::vector<Entry> out;
    for (const auto& [n, t] : seen) {
      if (t && t->type != CimType::kInstance) out.push_back(Entry{n, *t});
    }
    return out;
  }();
  return kNames;
}

const Entry* lookup(const std::vector<Entry>& v, std::string_view name) {
  auto it = std::lower_bound(v.begin(), v.end(), name,
                             [](const Entry& e, std::string_view n) { return less(e.name, n); });
  return it != v.end() && iequals(it->name, name) ? &*it : nullptr;
}

}  // namespace

const Type* type_of(std::string_view name) {
  auto it = std::lower_bound(kTable.begin(), kTable.end(), name,
                             [](const Entry& e, std::string_view n) { return less(e.name, n); });
  if (it != kTable.end() && iequals(it->name, name)) return &it->type;
  const Entry* e = lookup(table_names(), name);
  return e != nullptr ? &e->type : nullptr;
}

std::optional<Type> type_of(std::string_view class_name, std::string_view name) {
  if (const ClassDef* c = find_class(class_name)) {
    if (const PropertyDef* p = c->property(name)) return Type{p->type, p->array};
  }
  if (const Type* t = type_of(name)) return *t;
  return std::nullopt;
}

// For the ordering test.
bool table_is_sorted() {
  return std::is_sorted(kTable.begin(), kTable.end(),
                        [](const Entry& a, const Entry& b) { return less(a.name, b.name); });
}

}  // namespace hvsnap::cim::schema
