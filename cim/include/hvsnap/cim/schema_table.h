// The project's schema table (contract §1, decision 0014): for every class the fake serves or a
// client reads around it, its properties in the order Windows lists them (CIM type, array, key,
// reference class, value map, first and last build), its methods (IN / OUT parameters with
// types and value maps, the return value map) and the builds it exists in. Generated from the
// reference schema by tools/gen-schema-table into cim/src/schema_table*.cpp (decisions 0014,
// 0131); the records are in schema_defs.h, lookups here.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "hvsnap/cim/schema_defs.h"
#include "hvsnap/cim/value.h"

namespace hvsnap::cim::schema {

// The build a host reports when nothing says otherwise (Windows Server 2025).
inline constexpr std::uint32_t kDefaultBuild = 26100;

// Every class of the table, sorted by name (case-insensitively).
std::span<const ClassDef> classes();
// The class of that name (case-insensitive), or nullptr.
const ClassDef* find_class(std::string_view name);
// The Windows builds the reference schema was taken from, ascending.
std::span<const std::uint32_t> known_builds();

// Is `value` one of the map's values (or inside one of its ranges)?
bool in_value_map(std::span<const ValueMapEntry> map, std::int64_t value);
bool in_value_map(std::span<const ValueMapEntry> map, std::string_view value);

}  // namespace hvsnap::cim::schema
