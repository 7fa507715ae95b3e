// Instances and property lists with case-insensitive names (DSP0004); instances that share
// their class's property table (decision 0097).
#include "hvsnap/cim/instance.h"

#include <algorithm>
#include <stdexcept>

#include "hvsnap/cim/text.h"

namespace hvsnap::cim {

namespace {

const PropertyList& empty_list() {
  static const PropertyList kEmpty;
  return kEmpty;
}

}  // namespace

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

// --- PropertyTable ---

namespace {

std::vector<std::string_view> names_of(const PropertyList& props) {
  std::vector<std::string_view> out;
  out.reserve(props.size());
  for (const Property& p : props)
    out.push_back(p.name.view());
  return out;
}

}  // namespace

PropertyTable::PropertyTable(PropertyList properties)
    : props_(std::move(properties)), size_(props_.size()) {
  try {
    index_ = NameIndex(names_of(props_));
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("property table: ") + e.what());
  }
}

std::optional<std::uint32_t> PropertyTable::slot(std::string_view name) const {
  return index_.find(name);
}

// --- Instance ---

Instance::Instance(Name class_name, PropertyList properties) : class_(std::move(class_name)) {
  list_.store(new PropertyList(std::move(properties)), std::memory_order_relaxed);
}

Instance::Instance(Name class_name, PropertyTablePtr table)
    : class_(std::move(class_name)), table_(std::move(table)) {
  if (table_ == nullptr) throw std::invalid_argument("instance: null property table");
}

Instance::Instance(const Instance& other)
    : class_(other.class_),
      path_(other.path_),
      table_(other.table_),
      values_(other.values_),
      seen_(other.seen_) {
  // A table instance makes its list again when asked; a list instance copies its list.
  const PropertyList* l = other.list_.load(std::memory_order_acquire);
  if (table_ == nullptr && l != nullptr)
    list_.store(new PropertyList(*l), std::memory_order_relaxed);
}

Instance::Instance(Instance&& other) noexcept
    : class_(std::move(other.class_)),
      path_(std::move(other.path_)),
      table_(std::move(other.table_)),
      values_(std::move(other.values_)),
      seen_(other.seen_) {
  other.values_.clear();
  other.seen_ = 0;
  list_.store(other.list_.exchange(nullptr, std::memory_order_acq_rel), std::memory_order_relaxed);
}

Instance& Instance::operator=(const Instance& other) {
  if (this != &other) *this = Instance(other);
  return *this;
}

Instance& Instance::operator=(Instance&& other) noexcept {
  if (this == &other) return *this;
  class_ = std::move(other.class_);
  path_ = std::move(other.path_);
  table_ = std::move(other.table_);
  values_ = std::move(other.values_);
  seen_ = other.seen_;
  other.values_.clear();
  other.seen_ = 0;
  delete list_.exchange(other.list_.exchange(nullptr, std::memory_order_acq_rel),
                        std::memory_order_acq_rel);
  return *this;
}

Instance::~Instance() {
  delete list_.load(std::memory_order_acquire);
}

Instance& Instance::set_path(ObjectPath&& path) {
  path_ = std::move(path);
  return *this;
}

Instance& Instance::set_path(const ObjectPath& path) {
  path_ = path;
  return *this;
}

const Value& Instance::slot_value(std::uint32_t slot) const {
  if ((seen_ & (std::uint64_t{1} << (slot % 64))) == 0) return table_->properties()[slot].value;
  for (const auto& [s, v] : values_) {
    if (s == slot) return v;
  }
  return table_->properties()[slot].value;
}

PropertyList* Instance::materialize() const {
  auto made = std::make_unique<PropertyList>(table_->properties());
  for (const auto& [slot, value] : values_)
    (*made)[slot].value = value;
  PropertyList* expected = nullptr;
  if (list_.compare_exchange_strong(expected, made.get(), std::memory_order_acq_rel))
    return made.release();
  return expected;  // another thread made it first
}

const PropertyList& Instance::properties() const {
  PropertyList* l = list_.load(std::memory_order_acquire);
  if (l != nullptr) return *l;
  if (table_ == nullptr) return empty_list();
  return *materialize();
}

PropertyList& Instance::list() {
  PropertyList* l = list_.load(std::memory_order_acquire);
  if (table_ != nullptr) {
    if (l == nullptr) l = materialize();
    table_.reset();
    values_.clear();
    seen_ = 0;
  } else if (l == nullptr) {
    l = new PropertyList();
    list_.store(l, std::memory_order_release);
  }
  return *l;
}

const Value* Instance::get(std::string_view name) const {
  if (table_ == nullptr) return find(properties(), name);
  const auto slot = table_->slot(name);
  return slot ? &slot_value(*slot) : nullptr;
}

Instance& Instance::set(std::string_view name, Value value) {
  if (table_ != nullptr) {
    if (const auto slot = table_->slot(name)) return set_slot(*slot, std::move(value));
  }
  cim::set(list(), name, std::move(value));
  return *this;
}

Instance& Instance::set_slot_slow(std::uint32_t slot, Value&& value) {
  if (table_ == nullptr || slot >= table_->size())
    throw std::out_of_range("instance: no property table slot " + std::to_string(slot));
  if (PropertyList* l = list_.load(std::memory_order_acquire)) (*l)[slot].value = value;
  const std::uint64_t bit = std::uint64_t{1} << (slot % 64);
  if ((seen_ & bit) != 0) {
    for (auto& [s, v] : values_) {
      if (s == slot) {
        v = std::move(value);
        return *this;
      }
    }
  }
  seen_ |= bit;
  values_.emplace_back(slot, std::move(value));
  return *this;
}

void Instance::reserve(std::size_t n) {
  if (table_ != nullptr) {
    values_.reserve(n);
  } else {
    list().reserve(n);
  }
}

Instance& Instance::add(Name name, Value value) {
  list().push_back(Property{std::move(name), std::move(value)});
  return *this;
}

bool Instance::remove(std::string_view name) {
  if (table_ != nullptr && !table_->slot(name)) return false;
  PropertyList& props = list();
  const auto it = std::find_if(props.begin(), props.end(),
                               [&](const Property& p) { return iequals(p.name, name); });
  if (it == props.end()) return false;
  props.erase(it);
  return true;
}

std::optional<std::uint64_t> Instance::get_uint(std::string_view name) const {
  const Value* v = get(name);
  return v == nullptr ? std::nullopt : v->as_uint();
}

std::string Instance::get_string(std::string_view name) const {
  const Value* v = get(name);
  const auto s = v == nullptr ? std::nullopt : v->as_string();
  return s ? std::string(*s) : std::string();
}

bool operator==(const Instance& a, const Instance& b) {
  if (a.class_ != b.class_ || !(a.path_ == b.path_)) return false;
  if (a.table_ != nullptr && a.table_ == b.table_) {
    // The same table: only the slots either instance set can differ.
    for (const auto& [slot, value] : a.values_) {
      if (!(value == b.slot_value(slot))) return false;
    }
    for (const auto& [slot, value] : b.values_) {
      if (!(value == a.slot_value(slot))) return false;
    }
    return true;
  }
  return a.properties() == b.properties();
}

}  // namespace hvsnap::cim
