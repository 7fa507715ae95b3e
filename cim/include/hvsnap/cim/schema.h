// The property and parameter types of the classes and methods a client of this contract reads
// and calls (contract §1, as Microsoft documents them). WS-Management carries every value as
// untyped text, so both ends of the wire need the schema to give values their types back —
// as real clients do (libvirt generates typed structures from the same class definitions).
// Names are unambiguous across these classes, so one table keyed by name serves them all.
#pragma once

#include <optional>
#include <string_view>

#include "hvsnap/cim/value.h"

namespace hvsnap::cim::schema {

struct Type {
  CimType type = CimType::kString;
  bool array = false;
};

// The type of a property or method parameter of that name (case-insensitive), or nullptr
// when the schema does not know it (the value then stays text). Names the generated schema
// table (schema_table.h) gives one type everywhere are known too.
const Type* type_of(std::string_view name);
// The type of `name` as a property of `class_name` when the schema table has that class,
// else as type_of(name).
std::optional<Type> type_of(std::string_view class_name, std::string_view name);

// The table is sorted for lookup (checked by a unit test).
bool table_is_sorted();

}  // namespace hvsnap::cim::schema
