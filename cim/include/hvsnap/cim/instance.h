// CIM instances: a class name, an optional object path, and ordered, case-insensitively
// named properties. Method in/out parameters use the same PropertyList.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "hvsnap/cim/name_index.h"
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

// A class's properties as every instance made from it starts (e.g. the typed nulls of its
// schema, decision 0014), with a case-insensitive index: immutable, and shared by those
// instances so that making one does not copy the class's property list (decision 0097).
class PropertyTable {
 public:
  // Throws std::invalid_argument if two names are equal case-insensitively.
  explicit PropertyTable(PropertyList properties);
  // The index holds views of the names: a table stays where it was made (shared by pointer).
  PropertyTable(const PropertyTable&) = delete;
  PropertyTable& operator=(const PropertyTable&) = delete;
  ~PropertyTable() = default;

  const PropertyList& properties() const { return props_; }
  // Kept, not computed from the list: Instance::set_slot compares every slot with it.
  std::size_t size() const { return size_; }
  // The position of the property of that name (case-insensitive), or nullopt.
  std::optional<std::uint32_t> slot(std::string_view name) const;

 private:
  PropertyList props_;
  std::size_t size_ = 0;
  NameIndex index_;
};
using PropertyTablePtr = std::shared_ptr<const PropertyTable>;

class Instance {
 public:
  Instance() = default;
  explicit Instance(Name class_name) : class_(std::move(class_name)) {}
  // An instance with its properties already laid out (names distinct), e.g. in schema order.
  Instance(Name class_name, PropertyList properties);
  // An instance whose properties are `table`'s, in its order, until set (decision 0097): it
  // shares the table and stores only the values set, so making one costs O(values set)
  // however wide the class. Reads are the same as for a list; add, remove, and set of a name
  // the table does not have turn it into a list instance (O(the table)).
  Instance(Name class_name, PropertyTablePtr table);
  Instance(const Instance& other);
  Instance(Instance&& other) noexcept;
  Instance& operator=(const Instance& other);
  Instance& operator=(Instance&& other) noexcept;
  ~Instance();

  std::string_view class_name() const { return class_; }
  // Inside the instance: a reference is invalidated by moving it (decision 0112).
  const ObjectPath& path() const { return path_; }
  Instance& set_path(ObjectPath&& path);
  Instance& set_path(const ObjectPath& path);
  // The path itself, for a provider that builds it in place (no path made and moved in:
  // decision 0112). Only on an instance whose path is still empty (the fake asserts it).
  ObjectPath& path_to_fill() { return path_; }

  // Every property in order. An instance made from a table builds this list on the first
  // call (safe from several threads at once) and keeps it in step with later sets.
  const PropertyList& properties() const;
  // How many properties properties() lists, without making the list (decision 0128).
  std::size_t property_count() const {
    const PropertyList* l = list_.load(std::memory_order_acquire);
    if (l != nullptr || table_ == nullptr) return l != nullptr ? l->size() : 0;
    return table_->size();
  }
  // f(name, value) for every property in properties()'s order, without making the list of an
  // instance made from a table (decision 0128: a writer visits each property once, and the
  // list's copy of the table cost more than the visit).
  template <class F>
  void for_each_property(F&& f) const {
    const PropertyList* l = list_.load(std::memory_order_acquire);
    if (l == nullptr && table_ != nullptr) {
      const PropertyList& props = table_->properties();
      const std::size_t n = table_->size();
      constexpr std::size_t kOnStack = 128;
      if (n <= kOnStack) {
        // Each slot's value found once: the table's, then the values set over them.
        std::array<const Value*, kOnStack> at;  // NOLINT(cppcoreguidelines-pro-type-member-init)
        for (std::size_t i = 0; i < n; ++i)
          at[i] = &props[i].value;
        for (const auto& [slot, v] : values_)
          at[slot] = &v;
        for (std::size_t i = 0; i < n; ++i)
          f(props[i].name, *at[i]);
        return;
      }
      for (std::size_t i = 0; i < n; ++i) {
        const bool set = (seen_ & (std::uint64_t{1} << (i % 64))) != 0;
        f(props[i].name, set ? slot_value(static_cast<std::uint32_t>(i)) : props[i].value);
      }
      return;
    }
    if (l == nullptr) return;
    for (const auto& p : *l)
      f(p.name, p.value);
  }
  // The value of that property (case-insensitive), or nullptr. The pointer, and the views a
  // value gives (as_string(), as_reference()'s keys), are invalidated by moving the instance or
  // by setting or removing any property: the values live inside the instance (decision 0106)
  // and move when their storage grows.
  const Value* get(std::string_view name) const;
  Instance& set(std::string_view name, Value value);
  // Sets the property at `slot` of the table this instance was made from (decision 0097).
  // Throws std::out_of_range if it was not made from a table or `slot` is not below its size.
  [[gnu::always_inline]] Instance& set_slot(std::uint32_t slot, Value&& value) {
    // Inline for the common case (decision 0103): a slot not set before, room reserved, no
    // list made yet; the rest (and the refusals) out of line. Always inlined (decision 0118):
    // the compiler declined it in a provider's setter of twenty values, and the call cost
    // more than the set.
    const std::uint64_t bit = std::uint64_t{1} << (slot % 64);
    if (table_ != nullptr && slot < table_->size() && (seen_ & bit) == 0 &&
        values_.size() < values_.capacity() && list_.load(std::memory_order_acquire) == nullptr) {
      seen_ |= bit;
      values_.emplace_back(slot, std::move(value));
      return *this;
    }
    return set_slot_slow(slot, std::move(value));
  }
  Instance& set_slot(std::uint32_t slot, const Value& value) {
    return set_slot(slot, Value(value));
  }
  // The same with the value `make()` returns, made where the instance keeps it (decision
  // 0123): for a provider that fills many properties of each instance it returns, no value
  // is made as a temporary and moved in.
  template <class Make>
  [[gnu::always_inline]] Instance& set_slot_made(std::uint32_t slot, Make&& make) {
    const std::uint64_t bit = std::uint64_t{1} << (slot % 64);
    if (table_ != nullptr && slot < table_->size() && (seen_ & bit) == 0 &&
        values_.size() < values_.capacity() && list_.load(std::memory_order_acquire) == nullptr) {
      seen_ |= bit;
      // A null value, which owns nothing: its storage is reused without destroying it.
      SlotValue& sv = values_.emplace_back();
      sv.first = slot;
      try {
        new (&sv.second) Value(std::forward<Make>(make)());
      } catch (...) {  // the slot stays unset
        new (&sv.second) Value();
        values_.pop_back();
        seen_ &= ~bit;
        throw;
      }
      return *this;
    }
    return set_slot_slow(slot, std::forward<Make>(make)());
  }
  // Room for n properties (a list instance) or n values set (a table instance).
  void reserve(std::size_t n);
  // Appends without looking for an existing property of that name: for builders that
  // know their names are distinct (it keeps instance construction linear).
  Instance& add(Name name, Value value);
  bool remove(std::string_view name);

  // Conveniences for readers that tolerate absence.
  std::optional<std::uint64_t> get_uint(std::string_view name) const;
  std::string get_string(std::string_view name) const;  // "" when absent or not a string

  // Same class name, path and properties (in order), however each instance stores them.
  friend bool operator==(const Instance& a, const Instance& b);

 private:
  using SlotValue = std::pair<std::uint32_t, Value>;
  // The values a provider sets on one instance live inside it (decision 0106): a job sets 18
  // to 20, the fake's other classes fewer than 16, so reading one allocates nothing for them.
  static constexpr std::size_t kInlineValues = 20;
  const Value& slot_value(std::uint32_t slot) const;
  Instance& set_slot_slow(std::uint32_t slot, Value&& value);
  PropertyList* materialize() const;
  PropertyList& list();

  Name class_;
  ObjectPath path_;
  // Null: list_ alone holds the properties (none while list_ is null). Set: the properties
  // are the table's with values_ over them (in the order set, one per slot: a provider sets a
  // few, so a scan beats keeping them sorted), and list_, once made, the same.
  PropertyTablePtr table_;
  boost::container::small_vector<SlotValue, kInlineValues> values_;
  std::uint64_t seen_ = 0;  // bit (slot % 64) of every slot in values_: most lookups skip the scan
  mutable std::atomic<PropertyList*> list_{nullptr};  // owned
};

}  // namespace hvsnap::cim
