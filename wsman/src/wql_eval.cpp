// WQL evaluation (see wql.h; contract §8): WHERE clauses typed by the property's CIM type and
// three-valued (a comparison with NULL is unknown, as in SQL), LIKE patterns, and the
// projection of an instance. Parsing is in wql.cpp.
#include <fmt/format.h>

#include <cmath>
#include <optional>

#include "hvsnap/cim/text.h"
#include "hvsnap/wsman/wql.h"
#include "wql_impl.h"

namespace hvsnap::wsman {

namespace {

enum class Tri : std::uint8_t { kFalse, kTrue, kUnknown };

Tri tri(bool b) {
  return b ? Tri::kTrue : Tri::kFalse;
}

int icompare(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const int x = std::tolower(static_cast<unsigned char>(a[i]));
    const int y = std::tolower(static_cast<unsigned char>(b[i]));
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

bool op_holds(std::string_view op, int cmp) {
  if (op == "=") return cmp == 0;
  if (op == "<>") return cmp != 0;
  if (op == "<") return cmp < 0;
  if (op == ">") return cmp > 0;
  if (op == "<=") return cmp <= 0;
  return cmp >= 0;
}

template <typename T>
int compare3(T a, T b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

std::optional<double> number_of(const WqlLiteral& l) {
  if (l.kind == WqlLiteral::Kind::kBoolean) return l.text == "TRUE" ? 1.0 : 0.0;
  std::string_view t = l.text;
  if (t.empty()) return std::nullopt;
  bool neg = false;
  if (t.front() == '-' || t.front() == '+') {
    neg = t.front() == '-';
    t.remove_prefix(1);
  }
  if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
    std::uint64_t v = 0;
    for (char c : t.substr(2)) {
      if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
      v = v * 16 + static_cast<std::uint64_t>(std::isdigit(static_cast<unsigned char>(c))
                                                  ? c - '0'
                                                  : std::tolower(c) - 'a' + 10);
    }
    return neg ? -static_cast<double>(v) : static_cast<double>(v);
  }
  char* end = nullptr;
  const std::string s(t);
  const double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(d)) return std::nullopt;
  return neg ? -d : d;
}

struct Evaluator {
  const cim::Instance& inst;
  const WqlContext& ctx;

  // The system property's value as text, or nullopt when it is not one; an error for the
  // system properties this service cannot give.
  cim::Result<std::optional<std::string>> system(std::string_view name) const {
    if (name.size() < 2 || name.substr(0, 2) != "__") return std::optional<std::string>();
    if (cim::iequals(name, "__CLASS")) return std::optional<std::string>(inst.class_name());
    if (cim::iequals(name, "__NAMESPACE"))
      return std::optional<std::string>(inst.path().name_space());
    if (cim::iequals(name, "__SERVER")) return std::optional<std::string>(ctx.server);
    if (cim::iequals(name, "__GENUS")) return std::optional<std::string>("2");
    if (cim::iequals(name, "__PROPERTY_COUNT"))
      return std::optional<std::string>(std::to_string(inst.properties().size()));
    if (cim::iequals(name, "__RELPATH")) {
      cim::ObjectPath p = inst.path();
      p.set_host(cim::Name());
      p.set_namespace(cim::Name());
      return std::optional<std::string>(p.to_string());
    }
    if (cim::iequals(name, "__PATH")) {
      cim::ObjectPath p = inst.path();
      p.set_host(cim::Name(ctx.server));
      return std::optional<std::string>(p.to_string());
    }
    return cim::Status(cim::StatusKind::kNotSupported,
                       fmt::format("WQL: the system property {} is not supported by this service "
                                   "(supported: __CLASS __RELPATH __PATH __SERVER __NAMESPACE "
                                   "__GENUS __PROPERTY_COUNT)",
                                   name));
  }

  cim::Result<const cim::Value*> property(std::string_view name) const {
    static const cim::Value kNull = cim::Value::null(cim::CimType::kString);
    const cim::Value* v = inst.get(name);
    if (v == nullptr && ctx.absent != nullptr) {
      ctx.absent->emplace_back(name);
      return &kNull;
    }
    if (v == nullptr) {
      return cim::invalid_parameter(
          fmt::format("WQL: {} has no property {}", inst.class_name(), name));
    }
    return v;
  }

  cim::Result<Tri> compare(const WqlExpr& e) const {
    auto sys = system(e.property);
    if (!sys.ok()) return sys.status();
    if (e.literal.kind == WqlLiteral::Kind::kNull) {
      return cim::invalid_parameter(
          fmt::format("WQL: compare {} with NULL using IS [NOT] NULL, not {}", e.property, e.op));
    }
    if (sys->has_value()) {
      return tri(op_holds(e.op, icompare(**sys, e.literal.text)));
    }
    auto pv = property(e.property);
    if (!pv.ok()) return pv.status();
    const cim::Value& v = **pv;
    if (v.is_null()) return Tri::kUnknown;
    if (v.is_array()) {
      return cim::Status(
          cim::StatusKind::kNotSupported,
          fmt::format("WQL: {} is an array; WQL compares scalar properties only", e.property));
    }
    const cim::CimType t = v.type();
    auto type_error = [&](std::string_view want) {
      return cim::invalid_parameter(fmt::format("WQL: {} is {} and '{}' is not {}", e.property,
                                                cim::to_string(t), e.literal.text, want));
    };
    if (t == cim::CimType::kBoolean) {
      std::optional<bool> lit;
      if (e.literal.kind == WqlLiteral::Kind::kBoolean) lit = e.literal.text == "TRUE";
      if (e.literal.text == "1") lit = true;
      if (e.literal.text == "0") lit = false;
      if (e.literal.kind == WqlLiteral::Kind::kString) {
        if (cim::iequals(e.literal.text, "true")) lit = true;
        if (cim::iequals(e.literal.text, "false")) lit = false;
      }
      if (!lit) return type_error("a boolean");
      return tri(op_holds(e.op, compare3(*v.as_bool(), *lit)));
    }
    if (cim::is_integer(t) || t == cim::CimType::kReal32 || t == cim::CimType::kReal64) {
      WqlLiteral l = e.literal;
      if (l.kind == WqlLiteral::Kind::kString) l.kind = WqlLiteral::Kind::kNumber;
      auto n = number_of(l);
      if (!n) return type_error("a number");
      if (auto i = v.as_int())
        return tri(
            op_holds(e.op, compare3(static_cast<long double>(*i), static_cast<long double>(*n))));
      if (auto u = v.as_uint())
        return tri(
            op_holds(e.op, compare3(static_cast<long double>(*u), static_cast<long double>(*n))));
      if (auto r = v.as_real()) return tri(op_holds(e.op, compare3(*r, *n)));
      return type_error("a number");
    }
    if (t == cim::CimType::kDateTime) {
      auto d = cim::DateTime::parse(e.literal.text);
      if (!d.ok()) d = cim::DateTime::parse_xsd_datetime(e.literal.text);
      if (!d.ok()) return type_error("a CIM datetime");
      const cim::DateTime* mine = v.as_datetime();
      if (mine == nullptr || mine->is_interval() != d->is_interval())
        return type_error("comparable");
      return tri(op_holds(e.op, compare3(mine->micros(), d->micros())));
    }
    if (t == cim::CimType::kReference) {
      auto p = cim::ObjectPath::parse(double_quoted(e.literal.text));
      if (!p.ok()) return type_error("an object path");
      const bool same = v.as_reference() != nullptr && cim::same_object(*v.as_reference(), *p);
      if (e.op == "=") return tri(same);
      if (e.op == "<>") return tri(!same);
      return type_error("ordered (references compare with = and <> only)");
    }
    if (t == cim::CimType::kInstance) {
      return cim::Status(cim::StatusKind::kNotSupported,
                         fmt::format("WQL: {} is an embedded object; use ISA", e.property));
    }
    // Strings and char16: case-insensitively, as WMI does.
    return tri(op_holds(e.op, icompare(v.to_text(), e.literal.text)));
  }

  cim::Result<Tri> eval(const WqlExpr& e) const {
    switch (e.kind) {
      case WqlExpr::Kind::kAnd: {
        auto a = eval(e.operands[0]);
        if (!a.ok()) return a;
        auto b = eval(e.operands[1]);
        if (!b.ok()) return b;
        if (*a == Tri::kFalse || *b == Tri::kFalse) return Tri::kFalse;
        if (*a == Tri::kTrue && *b == Tri::kTrue) return Tri::kTrue;
        return Tri::kUnknown;
      }
      case WqlExpr::Kind::kOr: {
        auto a = eval(e.operands[0]);
        if (!a.ok()) return a;
        auto b = eval(e.operands[1]);
        if (!b.ok()) return b;
        if (*a == Tri::kTrue || *b == Tri::kTrue) return Tri::kTrue;
        if (*a == Tri::kFalse && *b == Tri::kFalse) return Tri::kFalse;
        return Tri::kUnknown;
      }
      case WqlExpr::Kind::kNot: {
        auto a = eval(e.operands[0]);
        if (!a.ok()) return a;
        return *a == Tri::kUnknown ? Tri::kUnknown : tri(*a == Tri::kFalse);
      }
      case WqlExpr::Kind::kCompare:
        return compare(e);
      case WqlExpr::Kind::kIsNull: {
        auto sys = system(e.property);
        if (!sys.ok()) return sys.status();
        if (sys->has_value()) return tri(e.negated);
        auto pv = property(e.property);
        if (!pv.ok()) return pv.status();
        return tri((*pv)->is_null() != e.negated);
      }
      case WqlExpr::Kind::kLike: {
        auto sys = system(e.property);
        if (!sys.ok()) return sys.status();
        std::string text;
        if (sys->has_value()) {
          text = **sys;
        } else {
          auto pv = property(e.property);
          if (!pv.ok()) return pv.status();
          const cim::Value& v = **pv;
          if (v.is_null()) return Tri::kUnknown;
          if (v.is_array() || v.as_string() == std::nullopt) {
            return cim::invalid_parameter(
                fmt::format("WQL: LIKE needs a string property; {} is {}{}", e.property,
                            cim::to_string(v.type()), v.is_array() ? "[]" : ""));
          }
          text = *v.as_string();
        }
        return tri(wql_like(text, e.literal.text) != e.negated);
      }
      case WqlExpr::Kind::kIsa: {
        std::string cls;
        if (cim::iequals(e.property, "__CLASS") || cim::iequals(e.property, "__THIS")) {
          cls = std::string(inst.class_name());
        } else {
          auto pv = property(e.property);
          if (!pv.ok()) return pv.status();
          const cim::Value& v = **pv;
          if (v.is_null()) return Tri::kUnknown;
          const cim::Instance* embedded = v.as_instance();
          if (embedded == nullptr || v.is_array()) {
            return cim::invalid_parameter(fmt::format("WQL: ISA tests an embedded object; {} is {}",
                                                      e.property, cim::to_string(v.type())));
          }
          cls = std::string(embedded->class_name());
        }
        if (cim::iequals(cls, e.literal.text)) return Tri::kTrue;
        return cim::Status(
            cim::StatusKind::kNotSupported,
            fmt::format("WQL: {} ISA '{}': the object is a {}, and whether that class derives "
                        "from {} needs the class hierarchy, which this service does not have",
                        e.property, e.literal.text, cls, e.literal.text));
      }
    }
    return Tri::kUnknown;
  }
};

// One element of a LIKE pattern.
struct LikeToken {
  enum class Kind : std::uint8_t { kAny, kOne, kSet, kChar };
  Kind kind = Kind::kChar;
  char c = 0;
  std::string set;  // kSet: the members, ranges expanded lazily
  bool negate = false;
};

std::vector<LikeToken> like_tokens(std::string_view p) {
  std::vector<LikeToken> out;
  for (std::size_t i = 0; i < p.size(); ++i) {
    LikeToken t;
    if (p[i] == '%') {
      if (!out.empty() && out.back().kind == LikeToken::Kind::kAny) continue;
      t.kind = LikeToken::Kind::kAny;
    } else if (p[i] == '_') {
      t.kind = LikeToken::Kind::kOne;
    } else if (p[i] == '[' && p.find(']', i + 2) != std::string_view::npos) {
      const std::size_t close = p.find(']', i + 2);
      std::string_view set = p.substr(i + 1, close - i - 1);
      if (set.size() > 1 && set.front() == '^') {
        t.negate = true;
        set.remove_prefix(1);
      }
      t.kind = LikeToken::Kind::kSet;
      t.set = std::string(set);
      i = close;
    } else {
      t.c = static_cast<char>(std::tolower(static_cast<unsigned char>(p[i])));
    }
    out.push_back(std::move(t));
  }
  return out;
}

bool token_matches(const LikeToken& t, char ch) {
  const int x = std::tolower(static_cast<unsigned char>(ch));
  switch (t.kind) {
    case LikeToken::Kind::kOne:
      return true;
    case LikeToken::Kind::kChar:
      return x == t.c;
    case LikeToken::Kind::kSet: {
      bool in = false;
      const std::string& set = t.set;
      for (std::size_t k = 0; k < set.size(); ++k) {
        if (k + 2 < set.size() && set[k + 1] == '-') {
          const int lo = std::tolower(static_cast<unsigned char>(set[k]));
          const int hi = std::tolower(static_cast<unsigned char>(set[k + 2]));
          in = in || (x >= lo && x <= hi);
          k += 2;
        } else {
          in = in || x == std::tolower(static_cast<unsigned char>(set[k]));
        }
      }
      return in != t.negate;
    }
    case LikeToken::Kind::kAny:
      return true;
  }
  return false;
}

}  // namespace

bool wql_like(std::string_view text, std::string_view pattern) {
  // Dynamic programming over (pattern prefix, text prefix): O(|pattern| x |text|), so a pattern
  // built to backtrack (%a%a%a…%b) costs no more than any other.
  const std::vector<LikeToken> tokens = like_tokens(pattern);
  std::vector<char> prev(text.size() + 1, 0), cur(text.size() + 1, 0);
  prev[0] = 1;  // the empty pattern matches the empty text
  for (const LikeToken& t : tokens) {
    std::fill(cur.begin(), cur.end(), 0);
    if (t.kind == LikeToken::Kind::kAny) {
      char any = 0;
      for (std::size_t i = 0; i <= text.size(); ++i) {
        any = static_cast<char>(any | prev[i]);
        cur[i] = any;
      }
    } else {
      for (std::size_t i = 1; i <= text.size(); ++i)
        cur[i] = static_cast<char>(prev[i - 1] && token_matches(t, text[i - 1]));
    }
    std::swap(prev, cur);
  }
  return prev[text.size()] != 0;
}

cim::Result<bool> matches(const cim::Instance& inst, const SelectQuery& q, const WqlContext& ctx) {
  if (!q.where) return true;
  Evaluator ev{inst, ctx};
  auto t = ev.eval(*q.where);
  if (!t.ok()) return t.status();
  return *t == Tri::kTrue;
}

cim::Result<cim::Instance> project(const cim::Instance& inst, const SelectQuery& q,
                                   const WqlContext& ctx) {
  if (q.properties.empty()) return inst;
  cim::Instance out{cim::Name(inst.class_name())};
  out.set_path(inst.path());
  for (const auto& name : q.properties) {
    if (name.size() >= 2 && name.substr(0, 2) == "__") continue;  // not rendered over WS-Man
    const cim::Value* v = inst.get(name);
    if (v == nullptr && ctx.absent != nullptr) {
      ctx.absent->push_back(name);
      out.set(name, cim::Value::null(cim::CimType::kString));
      continue;
    }
    if (v == nullptr) {
      return cim::invalid_parameter(
          fmt::format("WQL: {} has no property {}", inst.class_name(), name));
    }
    out.set(name, *v);
  }
  return out;
}

cim::Instance keys_only(const cim::Instance& inst) {
  cim::Instance out{cim::Name(inst.class_name())};
  out.set_path(inst.path());
  for (const auto& k : inst.path().keys()) {
    if (const cim::Value* v = inst.get(k.name.view())) out.set(k.name.view(), *v);
  }
  return out;
}

}  // namespace hvsnap::wsman
