// WQL (MS-WMI 2.2.1) as the WS-Man server reads it and the client writes it (see wql.h;
// contract §8): a lexer and a recursive-descent parser with a depth bound, and the writers of
// SELECT, ASSOCIATORS OF and REFERENCES OF. Evaluation is in wql_eval.cpp.
#include "hvsnap/wsman/wql.h"

#include <fmt/format.h>
#include <cctype>
#include <optional>

#include "hvsnap/cim/text.h"
#include "wql_impl.h"

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

}  // namespace

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

namespace {

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

}  // namespace

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

std::string write_select_any(
    std::string_view class_name,
    const std::vector<std::vector<std::pair<std::string, std::string>>>& any_of) {
  std::string out = fmt::format("SELECT * FROM {}", class_name);
  for (std::size_t i = 0; i < any_of.size(); ++i) {
    out += i == 0 ? " WHERE (" : " OR (";
    for (std::size_t k = 0; k < any_of[i].size(); ++k) {
      out += fmt::format("{}{} = {}", k == 0 ? "" : " AND ", any_of[i][k].first,
                         quote(any_of[i][k].second));
    }
    out += ')';
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

}  // namespace hvsnap::wsman
