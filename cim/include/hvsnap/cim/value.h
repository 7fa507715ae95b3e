// Typed CIM values: every intrinsic type, arrays of each, references and embedded
// instances (DSP0004). Integers are range-checked against their declared width.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hvsnap/cim/cim_type.h"
#include "hvsnap/cim/datetime.h"
#include "hvsnap/cim/object_path.h"
#include "hvsnap/cim/result.h"

namespace hvsnap::cim {

// The DSP0201 TYPE attribute spelling: "uint8", "datetime", "reference", "instance", …
std::string_view to_string(CimType type);
std::optional<CimType> cim_type_from_string(std::string_view name);
bool is_unsigned(CimType type);
bool is_signed(CimType type);
bool is_integer(CimType type);

class Instance;
using InstancePtr = std::shared_ptr<const Instance>;
using PathPtr = std::shared_ptr<const ObjectPath>;
// One element: integers widen to 64 bits, real32 to double, char16 to its code point.
using Scalar = std::variant<bool, std::uint64_t, std::int64_t, double, std::string, DateTime,
                            PathPtr, InstancePtr>;

// A value is flat (decision 0103): a 48-byte union of the element's representation, its CIM
// type, array flag and storage kind, 56 bytes in all. Numbers, booleans and datetimes are
// inline; so is a string of up to kShortCapacity characters (a GUID key's text, decision
// 0112); a longer one owns its text unless borrowed from static storage (`static_string`);
// an array owns its elements unless borrowed (`static_array`); references and embedded
// instances are shared pointers. Copying, moving and destroying a value switch on the kind
// only, with no nested variant to visit.
// A moved-from value that owned storage (a long string, an array, a reference) is null; one
// held inline (a number, a datetime, a short string) keeps its value: do not read either.
class Value {
 public:
  Value() noexcept {}  // a null string
  Value(const Value& other);
  // The move and the destructor are small enough to be inlined wherever a value is set
  // (decision 0118): a value just made (a number, a datetime, short or borrowed text) moves as
  // a few stores and its moved-from husk needs no clean-up; the owning kinds (long text
  // included, now rare: decision 0112) go out of line.
  Value(Value&& other) noexcept : type_(other.type_), array_(other.array_), kind_(other.kind_) {
    if (kind_ < kFirstOwning) {
      copy_trivial(other);
    } else {
      move_owning(std::move(other));
    }
  }
  Value& operator=(const Value& other);
  Value& operator=(Value&& other) noexcept;
  ~Value() {
    if (kind_ >= kFirstOwning) destroy();
  }

  static Value null(CimType type, bool array = false);
  static Value boolean(bool v);
  static Value uint8(std::uint8_t v);
  static Value uint16(std::uint16_t v);
  static Value uint32(std::uint32_t v);
  static Value uint64(std::uint64_t v);
  static Value sint8(std::int8_t v);
  static Value sint16(std::int16_t v);
  static Value sint32(std::int32_t v);
  static Value sint64(std::int64_t v);
  static Value real32(float v);
  static Value real64(double v);
  static Value char16(char16_t v);
  // Text of up to kShortCapacity characters is kept inside the value (no allocation).
  static constexpr std::size_t kShortCapacity = 47;
  static Value string(std::string v);
  static Value string(std::string_view v);
  static Value string(const char* v) { return string(std::string_view(v)); }
  static Value datetime(DateTime v);
  static Value reference(ObjectPath v);
  static Value instance(Instance v);
  // An array; each element must already hold the representation `type` uses.
  static Value array(CimType type, std::vector<Scalar> items);
  static Value string_array(std::vector<std::string> items);
  // A scalar; `item` must already hold the representation `type` uses.
  static Value of(CimType type, Scalar item);
  // A string or an array over text or elements with static storage duration (a provider's
  // constant texts): borrowed, never copied; the value and its copies read them in place.
  // Such a value reads and compares as the owning one with the same content.
  static Value static_string(const std::string& text);
  static Value static_array(CimType type, const std::vector<Scalar>& items);

  // Parses one scalar's text as DSP0201 writes it (decimal or 0x-hex integers, TRUE/FALSE,
  // datetime strings, WMI path text for references). Range errors name the type.
  static Result<Value> from_text(CimType type, std::string_view text);
  static Result<Scalar> scalar_from_text(CimType type, std::string_view text);

  CimType type() const { return type_; }
  bool is_array() const { return array_; }
  bool is_null() const { return kind_ == Kind::kNull; }

  // Typed reads: nullopt/nullptr when null, an array, or another kind of value.
  std::optional<std::uint64_t> as_uint() const;  // unsigned, or signed and non-negative
  std::optional<std::int64_t> as_int() const;    // signed, or unsigned and in range
  std::optional<bool> as_bool() const;
  std::optional<double> as_real() const;
  // The text of a string value (nullopt otherwise), a view into the value (or into the static
  // text it borrows): invalidated by moving, assigning or destroying the value (decision 0112).
  std::optional<std::string_view> as_string() const {
    if (kind_ == Kind::kShortString) return std::string_view(st_.sh.chars, st_.sh.size);
    if (kind_ == Kind::kString) return std::string_view(st_.s);
    if (kind_ == Kind::kStaticString) return std::string_view(*st_.static_s);
    return std::nullopt;
  }
  const DateTime* as_datetime() const { return kind_ == Kind::kDateTime ? &st_.dt : nullptr; }
  const ObjectPath* as_reference() const { return kind_ == Kind::kPath ? st_.path.get() : nullptr; }
  const Instance* as_instance() const {
    return kind_ == Kind::kInstance ? st_.inst.get() : nullptr;
  }
  // The element of a non-null scalar value, as a copy; nullopt for null and arrays.
  std::optional<Scalar> scalar() const;
  // Elements of an array value (empty for scalars and null).
  const std::vector<Scalar>& items() const;

  // Text of a scalar as DSP0201 writes it in <VALUE>; "" for null.
  std::string to_text() const;
  static std::string scalar_to_text(CimType type, const Scalar& s);

  friend bool operator==(const Value& a, const Value& b);

 private:
  // Which union member is live. The kinds before kFirstOwning own nothing (a bitwise copy is
  // a copy); the others own a string, a pointer's count or a vector.
  enum class Kind : std::uint8_t {
    kNull,
    kBool,
    kUint,  // unsigned integers and char16
    kSint,
    kReal,
    kDateTime,
    kStaticString,
    kStaticArray,
    kShortString,  // text inside the value
    kString,
    kPath,
    kInstance,
    kArray,
  };
  static constexpr Kind kFirstOwning = Kind::kString;
  struct ShortText {
    char chars[kShortCapacity];
    std::uint8_t size;
  };
  union Storage {
    Storage() noexcept : u(0) {}
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;
    ~Storage() {}  // NOLINT(modernize-use-equals-default): Value destroys the live member
    bool b;
    std::uint64_t u;
    std::int64_t i;
    double d;
    DateTime dt;
    const std::string* static_s;
    const std::vector<Scalar>* static_items;
    ShortText sh;
    std::string s;
    PathPtr path;
    InstancePtr inst;
    std::vector<Scalar> items;
  };

  Value(CimType type, bool array, Kind kind) : type_(type), array_(array), kind_(kind) {}
  // The live member of a non-owning kind (the compiler folds the word-sized cases).
  void copy_trivial(const Value& other) noexcept {
    switch (kind_) {
      case Kind::kBool:
        st_.b = other.st_.b;
        break;
      case Kind::kUint:
        st_.u = other.st_.u;
        break;
      case Kind::kSint:
        st_.i = other.st_.i;
        break;
      case Kind::kReal:
        st_.d = other.st_.d;
        break;
      case Kind::kDateTime:
        new (&st_.dt) DateTime(other.st_.dt);
        break;
      case Kind::kStaticString:
        st_.static_s = other.st_.static_s;
        break;
      case Kind::kStaticArray:
        st_.static_items = other.st_.static_items;
        break;
      case Kind::kShortString:
        std::memcpy(&st_.sh, &other.st_.sh, sizeof st_.sh);
        break;
      default:
        break;
    }
  }
  void move_owning(Value&& other) noexcept;
  // A string value's storage from its text: inside the value when it fits.
  void init_text(std::string_view text);
  void init_text(std::string&& text);
  void destroy() noexcept;
  // The storage class of the kind: a borrowed string or array is its owning kind.
  Kind content_kind() const {
    if (kind_ == Kind::kStaticString || kind_ == Kind::kShortString) return Kind::kString;
    return kind_ == Kind::kStaticArray ? Kind::kArray : kind_;
  }

  Storage st_;
  CimType type_ = CimType::kString;
  bool array_ = false;
  Kind kind_ = Kind::kNull;
};

// The factories of the kinds that own nothing are inline (decision 0118): a provider that
// sets a value it has just made lets the compiler see the kind, so the move into the
// instance is a store, not a switch.
inline Value Value::null(CimType type, bool array) {
  return Value(type, array, Kind::kNull);
}
#define HVSNAP_SCALAR_FACTORY(fn, T, cimtype, kind, member, stored) \
  inline Value Value::fn(T x) {                                     \
    Value v(cimtype, false, Kind::kind);                            \
    v.st_.member = static_cast<stored>(x);                          \
    return v;                                                       \
  }
HVSNAP_SCALAR_FACTORY(boolean, bool, CimType::kBoolean, kBool, b, bool)
HVSNAP_SCALAR_FACTORY(uint8, std::uint8_t, CimType::kUint8, kUint, u, std::uint64_t)
HVSNAP_SCALAR_FACTORY(uint16, std::uint16_t, CimType::kUint16, kUint, u, std::uint64_t)
HVSNAP_SCALAR_FACTORY(uint32, std::uint32_t, CimType::kUint32, kUint, u, std::uint64_t)
HVSNAP_SCALAR_FACTORY(uint64, std::uint64_t, CimType::kUint64, kUint, u, std::uint64_t)
// NOLINTNEXTLINE(bugprone-signed-char-misuse): a sint8 is a number, not a character
HVSNAP_SCALAR_FACTORY(sint8, std::int8_t, CimType::kSint8, kSint, i, std::int64_t)
HVSNAP_SCALAR_FACTORY(sint16, std::int16_t, CimType::kSint16, kSint, i, std::int64_t)
HVSNAP_SCALAR_FACTORY(sint32, std::int32_t, CimType::kSint32, kSint, i, std::int64_t)
HVSNAP_SCALAR_FACTORY(sint64, std::int64_t, CimType::kSint64, kSint, i, std::int64_t)
HVSNAP_SCALAR_FACTORY(real32, float, CimType::kReal32, kReal, d, double)
HVSNAP_SCALAR_FACTORY(real64, double, CimType::kReal64, kReal, d, double)
HVSNAP_SCALAR_FACTORY(char16, char16_t, CimType::kChar16, kUint, u, std::uint64_t)
#undef HVSNAP_SCALAR_FACTORY
inline Value Value::static_string(const std::string& text) {
  Value v(CimType::kString, false, Kind::kStaticString);
  v.st_.static_s = &text;
  return v;
}
inline Value Value::datetime(DateTime x) {
  Value v(CimType::kDateTime, false, Kind::kDateTime);
  new (&v.st_.dt) DateTime(x);
  return v;
}
inline Value Value::static_array(CimType type, const std::vector<Scalar>& items) {
  Value v(type, true, Kind::kStaticArray);
  v.st_.static_items = &items;
  return v;
}

// Element equality by value (references and embedded instances compare by content).
bool scalar_equal(const Scalar& a, const Scalar& b);

}  // namespace hvsnap::cim
