// The client's reading of values by their CIM type's WS-Man lexical form (see lexical.h;
// contract CS-READ-1; decision 0060 says which forms are legal and why).
#include "lexical.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <deque>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>

#include "hvsnap/cim/codes.h"
#include "hvsnap/cim/int_range.h"
#include "hvsnap/cim/schema.h"
#include "hvsnap/cim/text.h"
#include "hvsnap/wsman/uris.h"
#include "xml.h"

namespace hvsnap::wsman {

namespace {

using cim::CimType;
using cim::Value;

std::string_view xsd_name(CimType t) {
  switch (t) {
    case CimType::kUint8:
      return "unsignedByte";
    case CimType::kSint8:
      return "byte";
    case CimType::kUint16:
      return "unsignedShort";
    case CimType::kSint16:
      return "short";
    case CimType::kUint32:
      return "unsignedInt";
    case CimType::kSint32:
      return "int";
    case CimType::kUint64:
      return "unsignedLong";
    case CimType::kSint64:
      return "long";
    case CimType::kReal32:
      return "float";
    case CimType::kReal64:
      return "double";
    case CimType::kBoolean:
      return "boolean";
    default:
      return "string";
  }
}

struct Integer {
  bool negative = false;
  bool overflow = false;  // more than 64 bits of magnitude
  std::uint64_t magnitude = 0;
};

// XSD 1.0 integer lexical space: an optional sign and one or more decimal digits.
std::optional<Integer> xsd_integer(std::string_view t) {
  Integer n;
  if (!t.empty() && (t.front() == '+' || t.front() == '-')) {
    n.negative = t.front() == '-';
    t.remove_prefix(1);
  }
  if (t.empty()) return std::nullopt;
  for (char c : t) {
    if (c < '0' || c > '9') return std::nullopt;
    const std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (n.magnitude > (std::numeric_limits<std::uint64_t>::max() - d) / 10) {
      n.overflow = true;
    } else if (!n.overflow) {
      n.magnitude = n.magnitude * 10 + d;
    }
  }
  return n;
}

// The integer as a scalar of `t` when it is in range.
std::optional<cim::Scalar> in_range(const Integer& n, CimType t) {
  if (n.overflow) return std::nullopt;
  if (cim::is_unsigned(t)) {
    if (n.negative && n.magnitude != 0) return std::nullopt;
    if (n.magnitude > unsigned_max(t)) return std::nullopt;
    return cim::Scalar(n.magnitude);
  }
  const auto [lo, hi] = signed_range(t);
  if (n.negative) {
    const std::uint64_t max_mag = static_cast<std::uint64_t>(-(lo + 1)) + 1;
    if (n.magnitude > max_mag) return std::nullopt;
    return cim::Scalar(n.magnitude == max_mag ? lo : -static_cast<std::int64_t>(n.magnitude));
  }
  if (n.magnitude > static_cast<std::uint64_t>(hi)) return std::nullopt;
  return cim::Scalar(static_cast<std::int64_t>(n.magnitude));
}

std::string range_text(CimType t) {
  if (cim::is_unsigned(t)) return fmt::format("0 to {}", unsigned_max(t));
  const auto [lo, hi] = signed_range(t);
  return fmt::format("{} to {}", lo, hi);
}

// XSD 1.0 float/double lexical space (and XSD 1.1's "+INF").
std::optional<double> xsd_real(std::string_view t) {
  if (t == "INF" || t == "+INF") return std::numeric_limits<double>::infinity();
  if (t == "-INF") return -std::numeric_limits<double>::infinity();
  if (t == "NaN") return std::numeric_limits<double>::quiet_NaN();
  std::string_view body = t;
  if (!body.empty() && (body.front() == '+' || body.front() == '-')) body.remove_prefix(1);
  std::size_t i = 0, mantissa_digits = 0;
  while (i < body.size() && body[i] >= '0' && body[i] <= '9') {
    ++i;
    ++mantissa_digits;
  }
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') {
      ++i;
      ++mantissa_digits;
    }
  }
  if (mantissa_digits == 0) return std::nullopt;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    std::size_t exp_digits = 0;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') {
      ++i;
      ++exp_digits;
    }
    if (exp_digits == 0) return std::nullopt;
  }
  if (i != body.size()) return std::nullopt;
  // std::from_chars takes no leading '+'.
  std::string_view num = t.front() == '+' ? t.substr(1) : t;
  double d = 0;
  const auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), d);
  if (ptr != num.data() + num.size()) return std::nullopt;
  if (ec == std::errc::result_out_of_range) return num.front() == '-' ? -HUGE_VAL : HUGE_VAL;
  return d;
}

// A value-map name written where its number belongs ("Running" for EnabledState 2): read
// leniently through the one code table in cim/ (the run goes on; the problem is reported).
std::optional<std::uint64_t> value_map_number(std::string_view name, std::string_view text) {
  std::span<const cim::CodeInfo> table;
  if (cim::iequals(name, "EnabledState") || cim::iequals(name, "RequestedState")) {
    table = cim::EnabledState::table();
  } else if (cim::iequals(name, "JobState")) {
    table = cim::JobState::table();
  } else {
    return std::nullopt;
  }
  for (const auto& c : table) {
    if (cim::iequals(text, c.name) || cim::iequals(text, c.meaning)) return c.value;
  }
  return std::nullopt;
}

// One element's reading: a scalar, or the text kept as it is (`text` set).
struct Read {
  std::optional<cim::Scalar> scalar;
  CimType type = CimType::kString;
  std::string problem;  // "" when the form is legal
};

Read read_epr_element(pugi::xml_node e, EprReader read_epr) {
  Read r;
  pugi::xml_node holder = e;
  if (auto inner = xml::child(e, uri::kAddressing, "EndpointReference")) holder = inner;
  auto p = read_epr(holder);
  if (!p.ok()) {
    r.problem = fmt::format("an endpoint reference that cannot be read ({})", p.status().message());
    return r;
  }
  r.scalar = cim::Scalar(std::make_shared<const cim::ObjectPath>(std::move(p).value()));
  r.type = CimType::kReference;
  return r;
}

Read lenient_datetime(std::string_view t, Read r) {
  for (auto parse : {&cim::DateTime::parse, &cim::DateTime::parse_xsd_datetime,
                     &cim::DateTime::parse_xsd_duration}) {
    if (auto d = parse(t); d.ok()) {
      r.scalar = cim::Scalar(*d);
      r.type = CimType::kDateTime;
      break;
    }
  }
  return r;
}

// `scope`, when given, remembers the prefixes of an ancestor of e (the instance's element).
Read read_datetime(pugi::xml_node e, xml::PrefixMemo* scope) {
  Read r;
  const pugi::xml_node c = xml::first_element(e);
  if (!c) {
    const std::string text = xml::trimmed_text(e);
    r.problem = fmt::format(
        "'{}' is bare text; DSP0230 carries a datetime as a cim:cimDateTime element (cim:Datetime "
        "holding an xs:dateTime, cim:Interval holding an xs:duration){}",
        text,
        cim::DateTime::parse(text).ok() ? " — this is the CIM-XML (DSP0004) string form" : "");
    return lenient_datetime(text, std::move(r));
  }
  const std::string text = xml::trimmed_text(c);
  const std::string_view local = xml::local_name(c);
  if ((scope != nullptr ? xml::ns_of(c, *scope) : xml::ns_of(c)) != uri::kCimCommon) {
    r.problem = fmt::format("<{}> is not a cim:cimDateTime element (DSP0230)", c.name());
    return lenient_datetime(text, std::move(r));
  }
  if (local == "Datetime" || local == "Interval") {
    const bool interval = local == "Interval";
    auto d = interval ? cim::DateTime::parse_xsd_duration(text)
                      : cim::DateTime::parse_xsd_datetime(text);
    if (d.ok()) {
      r.scalar = cim::Scalar(*d);
      r.type = CimType::kDateTime;
      return r;
    }
    r.problem = fmt::format("cim:{} holds '{}', which is not an xs:{}{}", local, text,
                            interval ? "duration" : "dateTime",
                            cim::DateTime::parse(text).ok()
                                ? " (it is the CIM-XML DSP0004 string form, which DSP0230 carries "
                                  "only in cim:CIM_DateTime)"
                                : "");
    return lenient_datetime(text, std::move(r));
  }
  if (local == "CIM_DateTime") {
    // DSP0230's choice for a value XSD cannot express (a DSP0004 string, wildcards allowed).
    if (auto d = cim::DateTime::parse(text); d.ok()) {
      r.scalar = cim::Scalar(*d);
      r.type = CimType::kDateTime;
      return r;
    }
    if (text.find('*') == std::string::npos || text.size() != 25) {
      r.problem = fmt::format("cim:CIM_DateTime holds '{}', which is not a DSP0004 datetime", text);
    }
    return r;  // a wildcarded value: legal, kept as text
  }
  if (local == "Date" || local == "Time") return r;  // legal; kept as text
  r.problem = fmt::format("cim:{} is not one of cim:cimDateTime's elements (DSP0230)", local);
  return lenient_datetime(text, std::move(r));
}

Read read_typed(pugi::xml_node e, std::string_view name, const cim::schema::Type& type,
                EprReader read_epr, xml::PrefixMemo* scope) {
  Read r;
  r.type = type.type;
  const CimType t = type.type;
  if (t == CimType::kReference) {
    if (holds_epr(e)) return read_epr_element(e, read_epr);
    const std::string text = xml::trimmed_text(e);
    r.problem = text.empty() ? std::string("empty: neither xsi:nil nor an endpoint reference")
                             : fmt::format(
                                   "'{}' is text, not an endpoint reference (DSP0230 carries a "
                                   "reference as a:Address and a:ReferenceParameters)",
                                   text);
    if (auto p = cim::ObjectPath::parse(text); p.ok() && !text.empty()) {
      r.scalar = cim::Scalar(std::make_shared<const cim::ObjectPath>(std::move(p).value()));
    }
    return r;
  }
  if (t == CimType::kDateTime) return read_datetime(e, scope);
  const std::string raw = xml::text(e);
  const std::string_view text = cim::trim_xml_space(raw);
  if (t == CimType::kBoolean) {
    if (text == "true" || text == "1") {
      r.scalar = cim::Scalar(true);
    } else if (text == "false" || text == "0") {
      r.scalar = cim::Scalar(false);
    } else {
      r.problem = xsd_boolean_problem(text);
      if (cim::iequals(text, "true")) r.scalar = cim::Scalar(true);
      if (cim::iequals(text, "false")) r.scalar = cim::Scalar(false);
    }
    return r;
  }
  if (cim::is_integer(t)) {
    if (auto n = xsd_integer(text)) {
      if (auto s = in_range(*n, t)) {
        r.scalar = std::move(s);
        return r;
      }
      r.problem = xsd_integer_problem(text, t);
      return r;
    }
    r.problem = xsd_integer_problem(text, t);
    if (auto v = value_map_number(name, text)) {
      r.scalar = cim::is_unsigned(t) ? cim::Scalar(*v) : cim::Scalar(static_cast<std::int64_t>(*v));
    } else if (auto s = Value::scalar_from_text(t, text); s.ok()) {
      r.scalar = std::move(s).value();  // a DSP0201 form such as 0x10
    }
    return r;
  }
  if (t == CimType::kReal32 || t == CimType::kReal64) {
    if (auto d = xsd_real(text)) {
      if (t == CimType::kReal32 && std::isfinite(*d) &&
          std::fabs(*d) > std::numeric_limits<float>::max()) {
        r.problem = fmt::format("'{}' is out of range for an xs:float", text);
        return r;
      }
      r.scalar =
          cim::Scalar(t == CimType::kReal32 ? static_cast<double>(static_cast<float>(*d)) : *d);
      return r;
    }
    r.problem = xsd_real_problem(text);
    if (auto s = Value::scalar_from_text(t, text); s.ok()) r.scalar = std::move(s).value();
    return r;
  }
  if (t == CimType::kChar16) {
    if (auto s = Value::scalar_from_text(t, raw); s.ok()) {
      r.scalar = std::move(s).value();
    } else {
      r.problem = fmt::format("'{}' is not one character (char16)", raw);
    }
    return r;
  }
  if (t == CimType::kInstance) {
    if (auto s = Value::scalar_from_text(t, raw); s.ok()) r.scalar = std::move(s).value();
    return r;
  }
  r.scalar = cim::Scalar(raw);  // a string
  return r;
}

// A property the schema does not type, or a string: what its shape says (an endpoint
// reference, a cim:cimDateTime element), else text. Nothing to judge.
Read read_untyped(pugi::xml_node e, EprReader read_epr, xml::PrefixMemo* scope) {
  if (holds_epr(e)) {
    Read r = read_epr_element(e, read_epr);
    r.problem.clear();  // not a reference by the schema: kept as text when unreadable
    return r;
  }
  if (xml::child(e, uri::kCimCommon, "Datetime") || xml::child(e, uri::kCimCommon, "Interval")) {
    Read r = read_datetime(e, scope);
    r.problem.clear();
    return r;
  }
  Read r;
  r.scalar = cim::Scalar(xml::text(e));
  return r;
}

}  // namespace

std::string xsd_boolean_problem(std::string_view text) {
  text = cim::trim_xml_space(text);
  if (text == "true" || text == "false" || text == "1" || text == "0") return {};
  return fmt::format("'{}' is not an xs:boolean (true, false, 1 or 0)", text);
}

std::string xsd_integer_problem(std::string_view text, CimType type) {
  text = cim::trim_xml_space(text);
  auto n = xsd_integer(text);
  if (!n) {
    return fmt::format("'{}' is not an xs:{} (decimal digits with an optional sign)", text,
                       xsd_name(type));
  }
  if (in_range(*n, type)) return {};
  return fmt::format("'{}' is out of range for an xs:{} ({})", text, xsd_name(type),
                     range_text(type));
}

std::string xsd_real_problem(std::string_view text) {
  text = cim::trim_xml_space(text);
  if (xsd_real(text)) return {};
  return fmt::format(
      "'{}' is not an xs:double (a decimal number with an optional exponent, INF, "
      "-INF or NaN)",
      text);
}

// cim::schema::type_of searches two sorted tables case-insensitively (about a thousand
// instructions a name); an instance carries dozens of properties and an enumeration hundreds
// of instances with the same names. Remembered per thread (no lock), for at most kNames
// spellings (a host that sends endless new names only makes the rest uncached).
const cim::schema::Type* client_type_of(std::string_view name) {
  constexpr std::size_t kNames = 4096;
  struct Memo {
    std::deque<std::string> names;  // owns the keys' text (a deque never moves it)
    std::unordered_map<std::string_view, const cim::schema::Type*> types;
  };
  thread_local Memo memo;
  if (auto it = memo.types.find(name); it != memo.types.end()) return it->second;
  const cim::schema::Type* t = cim::schema::type_of(name);  // static storage: stable
  if (memo.types.size() < kNames) {
    memo.names.emplace_back(name);
    memo.types.emplace(memo.names.back(), t);
  }
  return t;
}

namespace {

void note_problem(std::string_view owner, std::string_view name, std::string&& what,
                  std::vector<cim::WireProblem>& problems) {
  cim::WireProblem p{fmt::format("{}.{}", owner, name), std::move(what)};
  if (std::find_if(problems.begin(), problems.end(), [&](const cim::WireProblem& q) {
        return q.where == p.where && q.what == p.what;
      }) == problems.end()) {
    problems.push_back(std::move(p));
  }
}

}  // namespace

cim::Value read_client_element(pugi::xml_node e, std::string_view name, std::string_view owner,
                               const cim::schema::Type* type, EprReader read_epr,
                               std::vector<cim::WireProblem>& problems, xml::PrefixMemo* scope) {
  const bool array = type != nullptr && type->array;
  const bool typed = type != nullptr && type->type != CimType::kString;
  Read r = typed ? read_typed(e, name, *type, read_epr, scope) : read_untyped(e, read_epr, scope);
  if (!r.problem.empty()) note_problem(owner, name, std::move(r.problem), problems);
  if (!r.scalar) {
    // It could not be read even leniently: kept as text (as before the checks).
    std::string text = xml::text(e);
    if (!array) return Value::of(CimType::kString, cim::Scalar(std::move(text)));
    std::vector<cim::Scalar> texts;
    texts.emplace_back(std::move(text));
    return Value::array(CimType::kString, std::move(texts));
  }
  const CimType got = typed ? type->type : r.type;
  if (!array) return Value::of(got, std::move(*r.scalar));
  std::vector<cim::Scalar> scalars;
  scalars.push_back(std::move(*r.scalar));
  return Value::array(got, std::move(scalars));
}

cim::Value read_client_value(std::span<const pugi::xml_node> elems, std::string_view name,
                             std::string_view owner, EprReader read_epr,
                             std::vector<cim::WireProblem>& problems, xml::PrefixMemo* scope) {
  const cim::schema::Type* type = client_type_of(name);
  const bool array = (type != nullptr && type->array) || elems.size() > 1;
  bool all_nil = true;
  for (auto e : elems)
    all_nil = all_nil && xml::is_nil(e, scope);
  if (all_nil) return Value::null(type ? type->type : CimType::kString, array);
  if (elems.size() == 1)
    return read_client_element(elems.front(), name, owner, type, read_epr, problems, scope);
  std::vector<cim::Scalar> scalars;
  CimType got = type != nullptr ? type->type : CimType::kString;
  bool as_text = false;
  for (auto e : elems) {
    // One element that is not all nil is not nil (asked once above).
    if (xml::is_nil(e, scope)) continue;
    const bool typed = type != nullptr && type->type != CimType::kString;
    Read r = typed ? read_typed(e, name, *type, read_epr, scope) : read_untyped(e, read_epr, scope);
    if (!r.problem.empty()) note_problem(owner, name, std::move(r.problem), problems);
    if (!r.scalar) {
      as_text = true;
      scalars.emplace_back(xml::text(e));
      continue;
    }
    if (!typed) got = r.type;
    scalars.push_back(std::move(*r.scalar));
  }
  if (as_text) {
    // Something could not be read even leniently: everything as text (as before the checks).
    std::vector<cim::Scalar> texts;
    for (auto e : elems) {
      if (!xml::is_nil(e, scope)) texts.emplace_back(xml::text(e));
    }
    return Value::array(CimType::kString, std::move(texts));
  }
  return Value::array(got, std::move(scalars));
}

bool holds_epr(pugi::xml_node n) {
  return xml::child(n, uri::kAddressing, "ReferenceParameters") ||
         xml::child(n, uri::kAddressing, "EndpointReference");
}

}  // namespace hvsnap::wsman
