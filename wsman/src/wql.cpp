// WQL (MS-WMI 2.2.1) as the WS-Man server evaluates it and the client writes it (see wql.h;
// contract §8). A recursive-descent parser with a depth bound; evaluation is typed by the
// property's CIM type and three-valued (a comparison with NULL is unknown, as in SQL).
#include "hvsnap/wsman/wql.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <optional>

#include "hvsnap/cim/text.h"

namespace hvsnap::wsman {

namespace {

constexpr int kMaxDepth = 64;  // nesting of parentheses / NOT

class Lexer {
 public:
  explicit Lexer(std::string_view t) : t_(t) {}
  void skip() {
    while (i_ < t_.size() && std::isspace(static_cast<unsigned char>(t_[i_])))
      ++i_;
  }
  bool done() {
    skip();
    return i_ >= t_.size();
  }
  std::size_t pos() const { return i_; }
  void reset(std::size_t p) { i_ = p; }
  bool keyword(std::string_view k) {
    skip();
    if (i_ + k.size() > t_.size() || !cim::iequals(t_.substr(i_, k.size()), k)) return false;
    const std::size_t end = i_ + k.size();
    if (end < t_.size() && (std::isalnum(static_cast<unsigned char>(t_[end])) || t_[end] == '_'))
      return false;
    i_ = end;
    return true;
  }
  bool peek_keyword(std::string_view k) {
    const std::size_t save = i_;
    const bool yes = keyword(k);
    i_ = save;
    return yes;
  }
  bool symbol(std::string_view s) {
    skip();
    if (t_.substr(i_, s.size()) == s) {
      i_ += s.size();
      return true;
    }
    return false;
  }
  std::string ident() {
    skip();
    const std::size_t b = i_;
    if (i_ < t_.size() && std::isdigit(static_cast<unsigned char>(t_[i_]))) return {};
    while (i_ < t_.size() && (std::isalnum(static_cast<unsigned char>(t_[i_])) || t_[i_] == '_'))
      ++i_;
    return std::string(t_.substr(b, i_ - b));
  }
  // A comparison operator, or "".
  std::string op() {
    skip();
    for (std::string_view o : {"<=", ">=", "<>", "!=", "=", "<", ">"}) {
      if (t_.substr(i_, o.size()) == o) {
        i_ += o.size();
        return o == "!=" ? "<>" : std::string(o);
      }
    }
    return {};
  }
  // A quoted string ('…' or "…" with backslash escapes), a number, TRUE/FALSE or NULL.
  cim::Result<WqlLiteral> literal() {
    skip();
    WqlLiteral out;
    if (i_ < t_.size() && (t_[i_] == '\'' || t_[i_] == '"')) {
      const char q = t_[i_++];
      while (i_ < t_.size() && t_[i_] != q) {
        if (t_[i_] == '\\' && i_ + 1 < t_.size()) ++i_;
        out.text += t_[i_++];
      }
      if (i_ >= t_.size()) return error("an unterminated string");
      ++i_;
      out.kind = WqlLiteral::Kind::kString;
      return out;
    }
    if (keyword("TRUE")) {
      out.kind = WqlLiteral::Kind::kBoolean;
      out.text = "TRUE";
      return out;
    }
    if (keyword("FALSE")) {
      out.kind = WqlLiteral::Kind::kBoolean;
      out.text = "FALSE";
      return out;
    }
    if (keyword("NULL")) {
      out.kind = WqlLiteral::Kind::kNull;
      return out;
    }
    const std::size_t b = i_;
    if (i_ < t_.size() && (t_[i_] == '-' || t_[i_] == '+')) ++i_;
    while (i_ < t_.size() && (std::isalnum(static_cast<unsigned char>(t_[i_])) || t_[i_] == '.' ||
                              t_[i_] == '_' || t_[i_] == ':' || t_[i_] == '-'))
      ++i_;
    if (b == i_) return error("a value (a quoted string, a number, TRUE, FALSE or NULL)");
    out.kind = WqlLiteral::Kind::kNumber;
    out.text = std::string(t_.substr(b, i_ - b));
    // A bare word (not a number) is what the ASSOCIATORS OF filters use for class names.
    return out;
  }
  // The text between { and }, honouring quoted key values.
  cim::Result<std::string> braced() {
    skip();
    if (i_ >= t_.size() || t_[i_] != '{') return error("'{' and an object path");
    const std::size_t b = ++i_;
    char quote = 0;
    while (i_ < t_.size()) {
      const char c = t_[i_];
      if (quote) {
        if (c == '\\') {
          ++i_;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '}') {
        return std::string(t_.substr(b, i_++ - b));
      }
      ++i_;
    }
    return error("'}' closing the object path");
  }
  cim::Status error(std::string_view expected) const {
    return cim::invalid_parameter(
        fmt::format("WQL \"{}\": expected {} at offset {}", t_, expected, i_));
  }
  cim::Status unsupported(std::string_view what) const {
    return cim::Status(
        cim::StatusKind::kNotSupported,
        fmt::format("WQL \"{}\": {} is not supported by this service (offset {})", t_, what, i_));
  }

 private:
  std::string_view t_;
  std::size_t i_ = 0;
};

// WQL paths may quote key values with single quotes; the CIM path parser wants double.
std::string double_quoted(std::string_view path) {
  std::string out;
  char quote = 0;  // the quote character of the key value we are in, or 0
  for (std::size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (quote != 0 && c == '\\' && i + 1 < path.size()) {
      const char next = path[++i];
      // Inside '…' an escaped ' needs no escape once the value is "…".
      if (!(quote == '\'' && next == '\'')) out += '\\';
      out += next;
      continue;
    }
    if (quote == 0 && (c == '"' || c == '\'')) {
      quote = c;
      out += '"';
      continue;
    }
    if (quote != 0 && c == quote) {
      quote = 0;
      out += '"';
      continue;
    }
    if (quote == '\'' && c == '"') {
      out += "\\\"";
      continue;
    }
    out += c;
  }
  return out;
}

std::string quote(std::string_view v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// ---------------------------------------------------------------- WHERE parser

class ExprParser {
 public:
  explicit ExprParser(Lexer& lx) : lx_(lx) {}

  cim::Result<WqlExpr> parse_or(int depth) {
    if (depth > kMaxDepth) return lx_.error(fmt::format("at most {} nested conditions", kMaxDepth));
    auto left = parse_and(depth + 1);
    if (!left.ok()) return left;
    WqlExpr e = std::move(left).value();
    while (lx_.keyword("OR")) {
      auto right = parse_and(depth + 1);
      if (!right.ok()) return right;
      WqlExpr o;
      o.kind = WqlExpr::Kind::kOr;
      o.operands.push_back(std::move(e));
      o.operands.push_back(std::move(right).value());
      e = std::move(o);
    }
    return e;
  }

 private:
  cim::Result<WqlExpr> parse_and(int depth) {
    auto left = parse_not(depth + 1);
    if (!left.ok()) return left;
    WqlExpr e = std::move(left).value();
    while (lx_.keyword("AND")) {
      auto right = parse_not(depth + 1);
      if (!right.ok()) return right;
      WqlExpr a;
      a.kind = WqlExpr::Kind::kAnd;
      a.operands.push_back(std::move(e));
      a.operands.push_back(std::move(right).value());
      e = std::move(a);
    }
    return e;
  }

  cim::Result<WqlExpr> parse_not(int depth) {
    if (depth > kMaxDepth) return lx_.error(fmt::format("at most {} nested conditions", kMaxDepth));
    if (lx_.keyword("NOT")) {
      auto inner = parse_not(depth + 1);
      if (!inner.ok()) return inner;
      WqlExpr n;
      n.kind = WqlExpr::Kind::kNot;
      n.operands.push_back(std::move(inner).value());
      return n;
    }
    if (lx_.symbol("(")) {
      auto inner = parse_or(depth + 1);
      if (!inner.ok()) return inner;
      if (!lx_.symbol(")")) return lx_.error("')'");
      return inner;
    }
    return parse_condition();
  }

  cim::Result<WqlExpr> parse_condition() {
    WqlExpr e;
    const std::size_t start = lx_.pos();
    std::string prop = lx_.ident();
    if (prop.empty()) {
      // "literal op property" is allowed too; the operator is mirrored.
      lx_.reset(start);
      auto lit = lx_.literal();
      if (!lit.ok()) return lx_.error("a property name or a value");
      std::string op = lx_.op();
      if (op.empty()) return lx_.error("a comparison operator");
      prop = lx_.ident();
      if (prop.empty()) return lx_.error("a property name");
      e.kind = WqlExpr::Kind::kCompare;
      e.property = std::move(prop);
      e.literal = std::move(lit).value();
      e.op = op == "<" ? ">" : op == ">" ? "<" : op == "<=" ? ">=" : op == ">=" ? "<=" : op;
      return e;
    }
    if (lx_.symbol(".")) return lx_.unsupported("a property path (embedded.property)");
    e.property = std::move(prop);
    if (lx_.keyword("IS")) {
      e.kind = WqlExpr::Kind::kIsNull;
      e.negated = lx_.keyword("NOT");
      if (!lx_.keyword("NULL"))
        return lx_.error("NULL after IS [NOT] (WQL allows IS only with NULL)");
      return e;
    }
    if (lx_.keyword("ISA")) {
      e.kind = WqlExpr::Kind::kIsa;
      auto lit = lx_.literal();
      if (!lit.ok()) return lit.status();
      e.literal = std::move(lit).value();
      return e;
    }
    const bool not_like = lx_.peek_keyword("NOT");
    if (not_like) {
      lx_.keyword("NOT");
      if (!lx_.peek_keyword("LIKE")) return lx_.error("LIKE after NOT");
    }
    if (lx_.keyword("LIKE")) {
      e.kind = WqlExpr::Kind::kLike;
      e.negated = not_like;
      auto lit = lx_.literal();
      if (!lit.ok()) return lit.status();
      if (lit->kind != WqlLiteral::Kind::kString) return lx_.error("a quoted LIKE pattern");
      e.literal = std::move(lit).value();
      return e;
    }
    std::string op = lx_.op();
    if (op.empty()) return lx_.error("a comparison operator (= <> != < > <= >=), LIKE, IS or ISA");
    e.kind = WqlExpr::Kind::kCompare;
    e.op = std::move(op);
    auto lit = lx_.literal();
    if (!lit.ok()) return lit.status();
    e.literal = std::move(lit).value();
    return e;
  }

  Lexer& lx_;
};

// ---------------------------------------------------------------- evaluation

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
          if (v.is_array() || v.as_string() == nullptr) {
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

cim::Result<Query> parse_wql(std::string_view text) {
  Lexer lx(text);
  if (lx.keyword("SELECT")) {
    SelectQuery q;
    if (!lx.symbol("*")) {
      do {
        std::string p = lx.ident();
        if (p.empty()) return lx.error("'*' or a property name");
        if (lx.symbol("(")) return lx.unsupported(fmt::format("the function {}()", p));
        q.properties.push_back(std::move(p));
      } while (lx.symbol(","));
    }
    if (!lx.keyword("FROM")) return lx.error("FROM");
    q.class_name = lx.ident();
    if (q.class_name.empty()) return lx.error("a class name");
    if (cim::iequals(q.class_name, "meta_class"))
      return lx.unsupported("a schema query (meta_class)");
    if (lx.keyword("WITHIN")) return lx.unsupported("WITHIN (event queries)");
    if (lx.keyword("WHERE")) {
      ExprParser ep(lx);
      auto e = ep.parse_or(0);
      if (!e.ok()) return e.status();
      q.where = std::make_shared<const WqlExpr>(std::move(e).value());
    }
    for (std::string_view kw : {"GROUP", "HAVING", "ORDER", "WITHIN"}) {
      if (lx.keyword(kw)) return lx.unsupported(kw);
    }
    if (!lx.done()) return lx.error("the end of the query");
    return Query(std::move(q));
  }
  const bool assoc = lx.keyword("ASSOCIATORS");
  if (assoc || lx.keyword("REFERENCES")) {
    if (!lx.keyword("OF")) return lx.error("OF");
    auto braced = lx.braced();
    if (!braced.ok()) return braced.status();
    auto path = cim::ObjectPath::parse(double_quoted(*braced));
    if (!path.ok())
      return cim::invalid_parameter(
          fmt::format("WQL: the object path {{{}}}: {}", *braced, path.status().message()));
    AssociatorsQuery a{std::move(path).value(), {}, false};
    ReferencesQuery r{a.object, {}, false};
    if (lx.keyword("WHERE")) {
      while (!lx.done()) {
        const std::size_t at = lx.pos();
        std::string key = lx.ident();
        if (key.empty()) {
          return lx.error("AssocClass, ResultClass, Role, ResultRole or KeysOnly");
        }
        if (cim::iequals(key, "KeysOnly")) {
          a.keys_only = r.keys_only = true;
          continue;
        }
        for (std::string_view no :
             {"ClassDefsOnly", "SchemaOnly", "RequiredQualifier", "RequiredAssocQualifier"}) {
          if (cim::iequals(key, no)) {
            lx.reset(at);
            return lx.unsupported(no);
          }
        }
        if (!lx.symbol("=")) return lx.error("'='");
        auto v = lx.literal();
        if (!v.ok()) return v.status();
        const std::string& value = v->text;
        if (assoc && cim::iequals(key, "AssocClass")) {
          a.filter.assoc_class = value;
        } else if (cim::iequals(key, "ResultClass")) {
          a.filter.result_class = value;
          r.filter.result_class = value;
        } else if (cim::iequals(key, "Role")) {
          a.filter.role = value;
          r.filter.role = value;
        } else if (assoc && cim::iequals(key, "ResultRole")) {
          a.filter.result_role = value;
        } else {
          return cim::invalid_parameter(fmt::format("WQL: '{}' is not a filter of {} OF", key,
                                                    assoc ? "ASSOCIATORS" : "REFERENCES"));
        }
      }
    }
    if (!lx.done()) return lx.error("the end of the query");
    if (assoc) return Query(std::move(a));
    return Query(std::move(r));
  }
  return lx.error("SELECT, ASSOCIATORS OF or REFERENCES OF");
}

std::string write_select(std::string_view class_name,
                         const std::vector<std::pair<std::string, std::string>>& where) {
  std::string out = fmt::format("SELECT * FROM {}", class_name);
  for (std::size_t i = 0; i < where.size(); ++i) {
    out += fmt::format("{}{} = {}", i == 0 ? " WHERE " : " AND ", where[i].first,
                       quote(where[i].second));
  }
  return out;
}

std::string write_associators(const cim::ObjectPath& object, const cim::AssociatorsFilter& f) {
  std::string out = fmt::format("ASSOCIATORS OF {{{}}}", object.to_string());
  std::string where;
  auto add = [&](std::string_view k, const std::string& v) {
    if (!v.empty()) where += fmt::format(" {} = {}", k, v);
  };
  add("AssocClass", f.assoc_class);
  add("ResultClass", f.result_class);
  add("Role", f.role);
  add("ResultRole", f.result_role);
  return where.empty() ? out : out + " WHERE" + where;
}

std::string write_references(const cim::ObjectPath& object, const cim::ReferencesFilter& f) {
  std::string out = fmt::format("REFERENCES OF {{{}}}", object.to_string());
  std::string where;
  if (!f.result_class.empty()) where += fmt::format(" ResultClass = {}", f.result_class);
  if (!f.role.empty()) where += fmt::format(" Role = {}", f.role);
  return where.empty() ? out : out + " WHERE" + where;
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
