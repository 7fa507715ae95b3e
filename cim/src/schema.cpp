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
    Entry{"EpochMilliseconds", S64},  // hvsnap control extension (decision 0009)
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
