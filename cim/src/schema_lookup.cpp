// Lookups over the generated schema table (schema_table.h, decision 0014).
#include <algorithm>

#include "hvsnap/cim/name_index.h"
#include "hvsnap/cim/schema_table.h"
#include "hvsnap/cim/text.h"

namespace hvsnap::cim::schema {

namespace {

template <class T>
const T* by_name(std::span<const T> items, std::string_view name) {
  for (const T& t : items) {
    if (iequals(t.name, name)) return &t;
  }
  return nullptr;
}

}  // namespace

const ParamDef* MethodDef::param(std::string_view n) const {
  return by_name(params(), n);
}

const PropertyDef* ClassDef::property(std::string_view n) const {
  return by_name(properties(), n);
}

const MethodDef* ClassDef::method(std::string_view n) const {
  return by_name(methods(), n);
}

const ClassDef* find_class(std::string_view name) {
  // Indexed once (decision 0098): providers look classes up by name on every request.
  static const NameIndex kIndex = [] {
    std::vector<std::string_view> names;
    for (const ClassDef& c : classes())
      names.push_back(c.name);
    return NameIndex(names);
  }();
  const auto i = kIndex.find(name);
  return i ? &classes()[*i] : nullptr;
}

bool in_value_map(std::span<const ValueMapEntry> map, std::int64_t value) {
  return std::any_of(map.begin(), map.end(), [&](const ValueMapEntry& e) {
    return e.numeric && e.lo <= value && value <= e.hi;
  });
}

bool in_value_map(std::span<const ValueMapEntry> map, std::string_view value) {
  return std::any_of(map.begin(), map.end(),
                     [&](const ValueMapEntry& e) { return !e.numeric && e.text == value; });
}

}  // namespace hvsnap::cim::schema
