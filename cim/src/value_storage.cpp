// Typed CIM values: the flat storage (decision 0103) — copy, move and destruction by kind,
// the factories, typed reads and equality. Text parsing and DSP0201 text are in value.cpp.
#include <cmath>
#include <limits>
#include <new>
#include <type_traits>

#include "hvsnap/cim/instance.h"
#include "hvsnap/cim/value.h"
#include "real_equal.h"

namespace hvsnap::cim {

static_assert(sizeof(Value) == 56,
              "a value is 48 bytes of storage and its tags (decisions 0103, 0112)");

// --- storage (decision 0103) ---

Value::Value(const Value& other) : type_(other.type_), array_(other.array_), kind_(other.kind_) {
  switch (kind_) {
    case Kind::kString:
      new (&st_.s) std::string(other.st_.s);
      break;
    case Kind::kPath:
      new (&st_.path) PathPtr(other.st_.path);
      break;
    case Kind::kInstance:
      new (&st_.inst) InstancePtr(other.st_.inst);
      break;
    case Kind::kArray:
      new (&st_.items) std::vector<Scalar>(other.st_.items);
      break;
    default:
      copy_trivial(other);
      break;
  }
}

void Value::move_owning(Value&& other) noexcept {
  switch (kind_) {
    case Kind::kString:
      new (&st_.s) std::string(std::move(other.st_.s));
      break;
    case Kind::kPath:
      new (&st_.path) PathPtr(std::move(other.st_.path));
      break;
    case Kind::kInstance:
      new (&st_.inst) InstancePtr(std::move(other.st_.inst));
      break;
    default:  // kArray
      new (&st_.items) std::vector<Scalar>(std::move(other.st_.items));
      break;
  }
  // The source is left null (of its type): nothing of it is destroyed twice.
  other.destroy();
  other.kind_ = Kind::kNull;
}

void Value::destroy() noexcept {
  switch (kind_) {
    case Kind::kString:
      st_.s.~basic_string();
      break;
    case Kind::kPath:
      st_.path.~shared_ptr();
      break;
    case Kind::kInstance:
      st_.inst.~shared_ptr();
      break;
    case Kind::kArray:
      st_.items.~vector();
      break;
    default:
      break;
  }
}

Value& Value::operator=(const Value& other) {
  if (this != &other) *this = Value(other);
  return *this;
}

Value& Value::operator=(Value&& other) noexcept {
  if (this == &other) return *this;
  if (kind_ >= kFirstOwning) destroy();
  type_ = other.type_;
  array_ = other.array_;
  kind_ = other.kind_;
  if (kind_ < kFirstOwning) {
    copy_trivial(other);
  } else {
    move_owning(std::move(other));
  }
  return *this;
}

// --- factories ---

void Value::init_text(std::string_view text) {
  if (text.size() <= kShortCapacity) {
    kind_ = Kind::kShortString;
    if (!text.empty()) std::memcpy(st_.sh.chars, text.data(), text.size());
    st_.sh.size = static_cast<std::uint8_t>(text.size());
  } else {
    new (&st_.s) std::string(text);  // built first: if it throws, the value stays null
    kind_ = Kind::kString;
  }
}
void Value::init_text(std::string&& text) {
  if (text.size() <= kShortCapacity) {
    init_text(std::string_view(text));
  } else {
    new (&st_.s) std::string(std::move(text));
    kind_ = Kind::kString;
  }
}

Value Value::string(std::string x) {
  Value v(CimType::kString, false, Kind::kNull);
  v.init_text(std::move(x));
  return v;
}
Value Value::string(std::string_view x) {
  Value v(CimType::kString, false, Kind::kNull);
  v.init_text(x);
  return v;
}
Value Value::reference(ObjectPath x) {
  Value v(CimType::kReference, false, Kind::kPath);
  new (&v.st_.path) PathPtr(std::make_shared<const ObjectPath>(std::move(x)));
  return v;
}
Value Value::instance(Instance x) {
  Value v(CimType::kInstance, false, Kind::kInstance);
  new (&v.st_.inst) InstancePtr(std::make_shared<const Instance>(std::move(x)));
  return v;
}
Value Value::array(CimType type, std::vector<Scalar> items) {
  Value v(type, true, Kind::kArray);
  new (&v.st_.items) std::vector<Scalar>(std::move(items));
  return v;
}
Value Value::of(CimType type, Scalar item) {
  return std::visit(
      // `item` is this function's own copy: its alternative is moved from.
      [type](auto& x) -> Value {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) {
          Value v(type, false, Kind::kBool);
          v.st_.b = x;
          return v;
        } else if constexpr (std::is_same_v<T, std::uint64_t>) {
          Value v(type, false, Kind::kUint);
          v.st_.u = x;
          return v;
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          Value v(type, false, Kind::kSint);
          v.st_.i = x;
          return v;
        } else if constexpr (std::is_same_v<T, double>) {
          Value v(type, false, Kind::kReal);
          v.st_.d = x;
          return v;
        } else if constexpr (std::is_same_v<T, std::string>) {
          Value v(type, false, Kind::kNull);
          v.init_text(std::move(x));
          return v;
        } else if constexpr (std::is_same_v<T, DateTime>) {
          Value v(type, false, Kind::kDateTime);
          new (&v.st_.dt) DateTime(x);
          return v;
        } else if constexpr (std::is_same_v<T, PathPtr>) {
          Value v(type, false, Kind::kPath);
          new (&v.st_.path) PathPtr(std::move(x));
          return v;
        } else {
          Value v(type, false, Kind::kInstance);
          new (&v.st_.inst) InstancePtr(std::move(x));
          return v;
        }
      },
      item);
}

std::optional<std::uint64_t> Value::as_uint() const {
  if (kind_ == Kind::kUint && type_ != CimType::kChar16) return st_.u;
  if (kind_ == Kind::kSint && st_.i >= 0) return static_cast<std::uint64_t>(st_.i);
  return std::nullopt;
}

std::optional<std::int64_t> Value::as_int() const {
  if (kind_ == Kind::kSint) return st_.i;
  if (kind_ == Kind::kUint && type_ != CimType::kChar16 &&
      st_.u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return static_cast<std::int64_t>(st_.u);
  }
  return std::nullopt;
}

std::optional<bool> Value::as_bool() const {
  if (kind_ == Kind::kBool) return st_.b;
  return std::nullopt;
}

std::optional<double> Value::as_real() const {
  if (kind_ == Kind::kReal) return st_.d;
  return std::nullopt;
}

std::optional<Scalar> Value::scalar() const {
  switch (kind_) {
    case Kind::kBool:
      return Scalar(st_.b);
    case Kind::kUint:
      return Scalar(st_.u);
    case Kind::kSint:
      return Scalar(st_.i);
    case Kind::kReal:
      return Scalar(st_.d);
    case Kind::kDateTime:
      return Scalar(st_.dt);
    case Kind::kShortString:
      return Scalar(std::string(st_.sh.chars, st_.sh.size));
    case Kind::kString:
      return Scalar(st_.s);
    case Kind::kStaticString:
      return Scalar(*st_.static_s);
    case Kind::kPath:
      return Scalar(st_.path);
    case Kind::kInstance:
      return Scalar(st_.inst);
    default:  // null, arrays
      return std::nullopt;
  }
}

const std::vector<Scalar>& Value::items() const {
  static const std::vector<Scalar> kEmpty;
  if (kind_ == Kind::kArray) return st_.items;
  return kind_ == Kind::kStaticArray ? *st_.static_items : kEmpty;
}

namespace {

bool items_equal(const std::vector<Scalar>& a, const std::vector<Scalar>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!scalar_equal(a[i], b[i])) return false;
  }
  return true;
}

template <class Ptr>
bool pointee_equal(const Ptr& a, const Ptr& b) {
  return (a == nullptr || b == nullptr) ? a == b : *a == *b;
}

}  // namespace

bool operator==(const Value& a, const Value& b) {
  using Kind = Value::Kind;
  if (a.type_ != b.type_ || a.array_ != b.array_) return false;
  // A borrowed string or array equals the owning one with the same content.
  const Kind k = a.content_kind();
  if (k != b.content_kind()) return false;
  switch (k) {
    case Kind::kNull:
      return true;
    case Kind::kBool:
      return a.st_.b == b.st_.b;
    case Kind::kUint:
      return a.st_.u == b.st_.u;
    case Kind::kSint:
      return a.st_.i == b.st_.i;
    case Kind::kReal:
      return detail::real_equal(a.st_.d, b.st_.d);
    case Kind::kDateTime:
      return a.st_.dt == b.st_.dt;
    case Kind::kString:
      return *a.as_string() == *b.as_string();
    case Kind::kPath:
      return pointee_equal(a.st_.path, b.st_.path);
    case Kind::kInstance:
      return pointee_equal(a.st_.inst, b.st_.inst);
    default:  // kArray
      return items_equal(a.items(), b.items());
  }
}

}  // namespace hvsnap::cim
