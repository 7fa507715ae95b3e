// The records of the schema table (schema_table.h, decision 0014): a class, its properties,
// methods, parameters and value maps. On their own, with no more than the CIM type enumeration,
// because the table's generated files include only this (decision 0131: the table is many
// small files, and value.h would cost each of them more than its data).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "hvsnap/cim/cim_type.h"

namespace hvsnap::cim::schema {

// One ValueMap entry: a number or a range (`lo..hi`, inclusive), or a string for string
// properties. "Every other value" (`..`, reserved) is not an entry.
struct ValueMapEntry {
  bool numeric = true;
  std::int64_t lo = 0;
  std::int64_t hi = 0;
  std::string_view text;
  std::string_view meaning;
};

struct PropertyDef {
  std::string_view name;
  CimType type = CimType::kString;
  bool array = false;
  bool key = false;
  std::string_view ref_class;  // REF properties: the class referred to; kInstance: its class
  const ValueMapEntry* value_map_data = nullptr;
  std::size_t value_map_size = 0;
  std::uint32_t first_build = 0;
  std::uint32_t last_build = 0;
  std::string_view declared_in;  // the class that declares it (inherited members are flattened)

  std::span<const ValueMapEntry> value_map() const { return {value_map_data, value_map_size}; }
  bool exists_at(std::uint32_t build) const { return first_build <= build && build <= last_build; }
};

enum class ParamDirection : std::uint8_t { kIn, kOut, kInOut };

struct ParamDef {
  std::string_view name;
  CimType type = CimType::kString;
  bool array = false;
  ParamDirection direction = ParamDirection::kIn;
  std::string_view ref_class;
  const ValueMapEntry* value_map_data = nullptr;
  std::size_t value_map_size = 0;

  std::span<const ValueMapEntry> value_map() const { return {value_map_data, value_map_size}; }
  bool is_in() const { return direction != ParamDirection::kOut; }
  bool is_out() const { return direction != ParamDirection::kIn; }
};

struct MethodDef {
  std::string_view name;
  CimType return_type = CimType::kUint32;
  const ValueMapEntry* return_map_data = nullptr;
  std::size_t return_map_size = 0;
  const ParamDef* params_data = nullptr;
  std::size_t params_size = 0;
  std::uint32_t first_build = 0;
  std::uint32_t last_build = 0;

  std::span<const ValueMapEntry> return_map() const { return {return_map_data, return_map_size}; }
  std::span<const ParamDef> params() const { return {params_data, params_size}; }
  const ParamDef* param(std::string_view name) const;  // case-insensitive
  bool exists_at(std::uint32_t build) const { return first_build <= build && build <= last_build; }
};

struct ClassDef {
  std::string_view name;
  std::string_view superclass;
  std::string_view name_space;  // "root\virtualization\v2" or "root\cimv2"
  bool association = false;
  std::uint32_t first_build = 0;
  std::uint32_t last_build = 0;
  const PropertyDef* properties_data = nullptr;
  std::size_t properties_size = 0;
  const MethodDef* methods_data = nullptr;
  std::size_t methods_size = 0;

  std::span<const PropertyDef> properties() const { return {properties_data, properties_size}; }
  std::span<const MethodDef> methods() const { return {methods_data, methods_size}; }
  const PropertyDef* property(std::string_view name) const;  // case-insensitive
  const MethodDef* method(std::string_view name) const;      // case-insensitive
  bool exists_at(std::uint32_t build) const { return first_build <= build && build <= last_build; }
};

}  // namespace hvsnap::cim::schema
