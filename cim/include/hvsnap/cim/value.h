// Typed CIM values: every intrinsic type, arrays of each, references and embedded
// instances (DSP0004). Integers are range-checked against their declared width.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hvsnap/cim/datetime.h"
#include "hvsnap/cim/object_path.h"
#include "hvsnap/cim/result.h"

namespace hvsnap::cim {

enum class CimType : std::uint8_t {
  kBoolean,
  kUint8,
  kSint8,
  kUint16,
  kSint16,
  kUint32,
  kSint32,
  kUint64,
  kSint64,
  kReal32,
  kReal64,
  kChar16,
  kString,
  kDateTime,
  kReference,
  kInstance,
};

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

class Value {
 public:
  Value() = default;  // a null string
  // A null value copies without visiting its storage (a provider's instances start as copies
  // of their class's typed nulls).
  Value(const Value& other) : type_(other.type_), array_(other.array_) {
    if (other.data_.index() != 0) data_ = other.data_;
  }
  Value(Value&&) noexcept = default;
  Value& operator=(const Value&) = default;
  Value& operator=(Value&&) noexcept = default;
  ~Value() = default;

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
  static Value string(std::string v);
  static Value datetime(DateTime v);
  static Value reference(ObjectPath v);
  static Value instance(Instance v);
  // An array; each element must already hold the representation `type` uses.
  static Value array(CimType type, std::vector<Scalar> items);
  static Value string_array(std::vector<std::string> items);
  // A scalar; `item` must already hold the representation `type` uses.
  static Value of(CimType type, Scalar item);

  // Parses one scalar's text as DSP0201 writes it (decimal or 0x-hex integers, TRUE/FALSE,
  // datetime strings, WMI path text for references). Range errors name the type.
  static Result<Value> from_text(CimType type, std::string_view text);
  static Result<Scalar> scalar_from_text(CimType type, std::string_view text);

  CimType type() const { return type_; }
  bool is_array() const { return array_; }
  bool is_null() const { return data_.index() == 0; }

  // Typed reads: nullopt/nullptr when null, an array, or another kind of value.
  std::optional<std::uint64_t> as_uint() const;  // unsigned, or signed and non-negative
  std::optional<std::int64_t> as_int() const;    // signed, or unsigned and in range
  std::optional<bool> as_bool() const;
  std::optional<double> as_real() const;
  const std::string* as_string() const;
  const DateTime* as_datetime() const;
  const ObjectPath* as_reference() const;
  const Instance* as_instance() const;
  // The element of a non-null scalar value; nullptr for null and arrays.
  const Scalar* scalar() const { return std::get_if<Scalar>(&data_); }
  // Elements of an array value (empty for scalars and null).
  const std::vector<Scalar>& items() const;

  // Text of a scalar as DSP0201 writes it in <VALUE>; "" for null.
  std::string to_text() const;
  static std::string scalar_to_text(CimType type, const Scalar& s);

  friend bool operator==(const Value& a, const Value& b);

 private:
  CimType type_ = CimType::kString;
  bool array_ = false;
  std::variant<std::monostate, Scalar, std::vector<Scalar>> data_;
};

// Element equality by value (references and embedded instances compare by content).
bool scalar_equal(const Scalar& a, const Scalar& b);

}  // namespace hvsnap::cim
