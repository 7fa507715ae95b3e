// CIM instances: a class name, an optional object path, and ordered, case-insensitively
// named properties. Method in/out parameters use the same PropertyList.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hvsnap/cim/object_path.h"
#include "hvsnap/cim/value.h"

namespace hvsnap::cim {

struct Property {
  Name name;
  Value value;
  friend bool operator==(const Property&, const Property&) = default;
};

using PropertyList = std::vector<Property>;

// The property or parameter of that name (case-insensitive), or nullptr.
const Value* find(const PropertyList& list, std::string_view name);
// Sets (replacing any of the same name) or appends.
void set(PropertyList& list, std::string_view name, Value value);

class Instance {
 public:
  Instance() = default;
  explicit Instance(Name class_name) : class_(std::move(class_name)) {}
  // An instance with its properties already laid out (names distinct), e.g. in schema order.
  Instance(Name class_name, PropertyList properties)
      : class_(std::move(class_name)), props_(std::move(properties)) {}

  std::string_view class_name() const { return class_; }
  const ObjectPath& path() const { return path_; }
  Instance& set_path(ObjectPath path);

  const PropertyList& properties() const { return props_; }
  const Value* get(std::string_view name) const { return find(props_, name); }
  Instance& set(std::string_view name, Value value);
  void reserve(std::size_t n) { props_.reserve(n); }
  // Appends without looking for an existing property of that name: for builders that
  // know their names are distinct (it keeps instance construction linear).
  Instance& add(Name name, Value value) {
    props_.push_back(Property{std::move(name), std::move(value)});
    return *this;
  }
  bool remove(std::string_view name);

  // Conveniences for readers that tolerate absence.
  std::optional<std::uint64_t> get_uint(std::string_view name) const;
  std::string get_string(std::string_view name) const;  // "" when absent or not a string

  friend bool operator==(const Instance&, const Instance&) = default;

 private:
  Name class_;
  ObjectPath path_;
  PropertyList props_;
};

}  // namespace hvsnap::cim
