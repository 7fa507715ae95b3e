// Typed CIM values: type names, range-checked text parsing, DSP0201 text, element equality
// (the storage, factories and Value equality are in value_storage.cpp, decision 0103).
#include "hvsnap/cim/value.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <limits>

#include "hvsnap/cim/cimxml.h"
#include "hvsnap/cim/instance.h"
#include "hvsnap/cim/int_range.h"
#include "hvsnap/cim/text.h"
#include "real_equal.h"

namespace hvsnap::cim {
namespace {

struct TypeName {
  CimType type;
  std::string_view name;
};
constexpr std::array<TypeName, 16> kTypeNames{{
    {CimType::kBoolean, "boolean"},
    {CimType::kUint8, "uint8"},
    {CimType::kSint8, "sint8"},
    {CimType::kUint16, "uint16"},
    {CimType::kSint16, "sint16"},
    {CimType::kUint32, "uint32"},
    {CimType::kSint32, "sint32"},
    {CimType::kUint64, "uint64"},
    {CimType::kSint64, "sint64"},
    {CimType::kReal32, "real32"},
    {CimType::kReal64, "real64"},
    {CimType::kChar16, "char16"},
    {CimType::kString, "string"},
    {CimType::kDateTime, "datetime"},
    {CimType::kReference, "reference"},
    {CimType::kInstance, "instance"},
}};

std::string_view trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

Status bad(CimType type, std::string_view text, std::string_view why) {
  return invalid_parameter(fmt::format("\"{}\" is not a valid {}: {}", text, to_string(type), why));
}

// Decimal or 0x-hex magnitude, with an optional sign; false on junk or overflow.
bool parse_integer(std::string_view s, bool& negative, std::uint64_t& magnitude) {
  negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty()) return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), magnitude, base);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Appends the UTF-8 encoding of a code point (<= 0xFFFF for char16).
void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes exactly one UTF-8 code point in the BMP; false otherwise.
bool decode_single_utf8(std::string_view s, std::uint32_t& cp) {
  if (s.empty()) return false;
  const auto b0 = static_cast<unsigned char>(s[0]);
  std::size_t len = 0;
  if (b0 < 0x80) {
    cp = b0;
    len = 1;
  } else if ((b0 & 0xE0) == 0xC0) {
    cp = b0 & 0x1Fu;
    len = 2;
  } else if ((b0 & 0xF0) == 0xE0) {
    cp = b0 & 0x0Fu;
    len = 3;
  } else {
    return false;
  }
  if (s.size() != len) return false;
  for (std::size_t i = 1; i < len; ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if ((b & 0xC0) != 0x80) return false;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  return true;
}

}  // namespace

std::string_view to_string(CimType type) {
  for (const auto& t : kTypeNames) {
    if (t.type == type) return t.name;
  }
  return "unknown";
}

std::optional<CimType> cim_type_from_string(std::string_view name) {
  for (const auto& t : kTypeNames) {
    if (iequals(t.name, name)) return t.type;
  }
  if (iequals(name, "ref")) return CimType::kReference;
  return std::nullopt;
}

bool is_unsigned(CimType t) {
  return t == CimType::kUint8 || t == CimType::kUint16 || t == CimType::kUint32 ||
         t == CimType::kUint64;
}
bool is_signed(CimType t) {
  return t == CimType::kSint8 || t == CimType::kSint16 || t == CimType::kSint32 ||
         t == CimType::kSint64;
}
bool is_integer(CimType t) {
  return is_unsigned(t) || is_signed(t);
}

Value Value::string_array(std::vector<std::string> items) {
  std::vector<Scalar> scalars;
  scalars.reserve(items.size());
  for (auto& s : items)
    scalars.emplace_back(std::move(s));
  return array(CimType::kString, std::move(scalars));
}

Result<Scalar> Value::scalar_from_text(CimType type, std::string_view raw) {
  if (type == CimType::kString) return Scalar(std::string(raw));
  if (type == CimType::kInstance) {
    auto inst = parse_embedded_instance(raw);
    if (!inst.ok()) return inst.status();
    return Scalar(std::make_shared<const Instance>(std::move(inst).value()));
  }
  const std::string_view text = trim(raw);
  if (type == CimType::kBoolean) {
    if (iequals(text, "true")) return Scalar(true);
    if (iequals(text, "false")) return Scalar(false);
    return bad(type, raw, "expected TRUE or FALSE");
  }
  if (is_unsigned(type)) {
    bool negative = false;
    std::uint64_t mag = 0;
    if (!parse_integer(text, negative, mag)) return bad(type, raw, "not an integer");
    if (negative && mag != 0) return bad(type, raw, "negative");
    if (mag > unsigned_max(type)) {
      return bad(type, raw, fmt::format("greater than {}", unsigned_max(type)));
    }
    return Scalar(mag);
  }
  if (is_signed(type)) {
    bool negative = false;
    std::uint64_t mag = 0;
    if (!parse_integer(text, negative, mag)) return bad(type, raw, "not an integer");
    const auto [lo, hi] = signed_range(type);
    if (negative) {
      const std::uint64_t max_mag = static_cast<std::uint64_t>(-(lo + 1)) + 1;  // |lo|
      if (mag > max_mag) return bad(type, raw, fmt::format("less than {}", lo));
      return Scalar(mag == max_mag ? lo : -static_cast<std::int64_t>(mag));
    }
    if (mag > static_cast<std::uint64_t>(hi)) {
      return bad(type, raw, fmt::format("greater than {}", hi));
    }
    return Scalar(static_cast<std::int64_t>(mag));
  }
  if (type == CimType::kReal32 || type == CimType::kReal64) {
    double d = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (text.empty() || ptr != text.data() + text.size() || ec == std::errc::invalid_argument) {
      return bad(type, raw, "not a number");
    }
    if (ec == std::errc::result_out_of_range ||
        (type == CimType::kReal32 && std::isfinite(d) &&
         std::fabs(d) > std::numeric_limits<float>::max())) {
      return bad(type, raw, "out of range");
    }
    return Scalar(type == CimType::kReal32 ? static_cast<double>(static_cast<float>(d)) : d);
  }
  if (type == CimType::kChar16) {
    std::uint32_t cp = 0;
    if (!decode_single_utf8(raw, cp)) return bad(type, raw, "expected exactly one character");
    return Scalar(static_cast<std::uint64_t>(cp));
  }
  if (type == CimType::kDateTime) {
    auto dt = DateTime::parse(text);
    if (!dt.ok()) return dt.status();
    return Scalar(*dt);
  }
  // kReference
  auto path = ObjectPath::parse(text);
  if (!path.ok()) return path.status();
  return Scalar(std::make_shared<const ObjectPath>(std::move(path).value()));
}

Result<Value> Value::from_text(CimType type, std::string_view text) {
  auto s = scalar_from_text(type, text);
  if (!s.ok()) return s.status();
  return of(type, std::move(s).value());
}

std::string Value::scalar_to_text(CimType type, const Scalar& s) {
  return std::visit(
      [type](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) {
          return x ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::uint64_t>) {
          if (type == CimType::kChar16) {
            std::string out;
            append_utf8(out, static_cast<std::uint32_t>(x));
            return out;
          }
          return fmt::format("{}", x);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return fmt::format("{}", x);
        } else if constexpr (std::is_same_v<T, double>) {
          return type == CimType::kReal32 ? fmt::format("{}", static_cast<float>(x))
                                          : fmt::format("{}", x);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return x;
        } else if constexpr (std::is_same_v<T, DateTime>) {
          return x.to_string();
        } else if constexpr (std::is_same_v<T, PathPtr>) {
          return x ? x->to_string() : std::string();
        } else {
          return x ? format_embedded_instance(*x) : std::string();
        }
      },
      s);
}

std::string Value::to_text() const {
  if (const auto s = as_string()) return std::string(*s);  // no Scalar copy for the common case
  const auto s = scalar();
  return s ? scalar_to_text(type_, *s) : std::string();
}

bool scalar_equal(const Scalar& a, const Scalar& b) {
  if (a.index() != b.index()) return false;
  if (const auto* da = std::get_if<double>(&a)) return detail::real_equal(*da, std::get<double>(b));
  if (const auto* pa = std::get_if<PathPtr>(&a)) {
    const auto& pb = std::get<PathPtr>(b);
    return (*pa == nullptr || pb == nullptr) ? *pa == pb : **pa == *pb;
  }
  if (const auto* ia = std::get_if<InstancePtr>(&a)) {
    const auto& ib = std::get<InstancePtr>(b);
    return (*ia == nullptr || ib == nullptr) ? *ia == ib : **ia == *ib;
  }
  return a == b;
}

}  // namespace hvsnap::cim
