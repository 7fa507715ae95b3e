// Instances and property lists with case-insensitive names (DSP0004).
#include "hvsnap/cim/instance.h"

#include <algorithm>

#include "hvsnap/cim/text.h"

namespace hvsnap::cim {

const Value* find(const PropertyList& list, std::string_view name) {
  for (const Property& p : list) {
    if (iequals(p.name, name)) return &p.value;
  }
  return nullptr;
}

void set(PropertyList& list, std::string_view name, Value value) {
  for (Property& p : list) {
    if (iequals(p.name, name)) {
      p.value = std::move(value);
      return;
    }
  }
  list.push_back(Property{std::string(name), std::move(value)});
}

Instance& Instance::set_path(ObjectPath path) {
  path_ = std::move(path);
  return *this;
}

Instance& Instance::set(std::string_view name, Value value) {
  cim::set(props_, name, std::move(value));
  return *this;
}

bool Instance::remove(std::string_view name) {
  const auto it = std::find_if(props_.begin(), props_.end(),
                               [&](const Property& p) { return iequals(p.name, name); });
  if (it == props_.end()) return false;
  props_.erase(it);
  return true;
}

std::optional<std::uint64_t> Instance::get_uint(std::string_view name) const {
  const Value* v = get(name);
  return v == nullptr ? std::nullopt : v->as_uint();
}

std::string Instance::get_string(std::string_view name) const {
  const Value* v = get(name);
  const std::string* s = v == nullptr ? nullptr : v->as_string();
  return s == nullptr ? std::string() : *s;
}

}  // namespace hvsnap::cim
