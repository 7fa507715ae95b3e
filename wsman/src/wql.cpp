#include "hvsnap/wsman/wql.h"

#include <fmt/format.h>

#include <cctype>

#include "hvsnap/cim/text.h"

namespace hvsnap::wsman {

namespace {

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
  bool keyword(std::string_view k) {
    skip();
    if (i_ + k.size() > t_.size() || !cim::iequals(t_.substr(i_, k.size()), k)) return false;
    const std::size_t end = i_ + k.size();
    if (end < t_.size() && (std::isalnum(static_cast<unsigned char>(t_[end])) || t_[end] == '_'))
      return false;
    i_ = end;
    return true;
  }
  bool symbol(char c) {
    skip();
    if (i_ < t_.size() && t_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  std::string ident() {
    skip();
    const std::size_t b = i_;
    while (i_ < t_.size() && (std::isalnum(static_cast<unsigned char>(t_[i_])) || t_[i_] == '_'))
      ++i_;
    return std::string(t_.substr(b, i_ - b));
  }
  // A quoted string ('…' or "…" with backslash escapes), a number, or TRUE/FALSE.
  cim::Result<std::string> literal() {
    skip();
    if (i_ < t_.size() && (t_[i_] == '\'' || t_[i_] == '"')) {
      const char q = t_[i_++];
      std::string out;
      while (i_ < t_.size() && t_[i_] != q) {
        if (t_[i_] == '\\' && i_ + 1 < t_.size()) ++i_;
        out += t_[i_++];
      }
      if (i_ >= t_.size()) return error("an unterminated string");
      ++i_;
      return out;
    }
    const std::size_t b = i_;
    while (i_ < t_.size() && (std::isalnum(static_cast<unsigned char>(t_[i_])) || t_[i_] == '-' ||
                              t_[i_] == '.' || t_[i_] == '_' || t_[i_] == ':')) {
      ++i_;
    }
    if (b == i_) return error("a value");
    return std::string(t_.substr(b, i_ - b));
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

}  // namespace

cim::Result<Query> parse_wql(std::string_view text) {
  Lexer lx(text);
  if (lx.keyword("SELECT")) {
    SelectQuery q;
    if (!lx.symbol('*')) {
      do {
        if (lx.ident().empty()) return lx.error("'*' or a property name");
      } while (lx.symbol(','));
    }
    if (!lx.keyword("FROM")) return lx.error("FROM");
    q.class_name = lx.ident();
    if (q.class_name.empty()) return lx.error("a class name");
    if (lx.keyword("WHERE")) {
      do {
        std::string prop = lx.ident();
        if (prop.empty()) return lx.error("a property name");
        if (!lx.symbol('=')) return lx.error("'=' (the only comparison this service supports)");
        auto v = lx.literal();
        if (!v.ok()) return v.status();
        q.where.emplace_back(std::move(prop), std::move(v).value());
      } while (lx.keyword("AND"));
    }
    if (!lx.done()) return lx.error("the end of the query (only AND joins conditions)");
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
    AssociatorsQuery a{std::move(path).value(), {}};
    ReferencesQuery r{a.object, {}};
    if (lx.keyword("WHERE")) {
      while (!lx.done()) {
        std::string key = lx.ident();
        if (key.empty()) return lx.error("AssocClass, ResultClass, Role or ResultRole");
        if (cim::iequals(key, "ClassDefsOnly"))
          return cim::invalid_parameter("WQL: ClassDefsOnly is not supported");
        if (!lx.symbol('=')) return lx.error("'='");
        auto v = lx.literal();
        if (!v.ok()) return v.status();
        if (assoc && cim::iequals(key, "AssocClass")) {
          a.filter.assoc_class = *v;
        } else if (cim::iequals(key, "ResultClass")) {
          a.filter.result_class = *v;
          r.filter.result_class = *v;
        } else if (cim::iequals(key, "Role")) {
          a.filter.role = *v;
          r.filter.role = *v;
        } else if (assoc && cim::iequals(key, "ResultRole")) {
          a.filter.result_role = *v;
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

bool matches(const cim::Instance& inst, const SelectQuery& q) {
  for (const auto& [prop, literal] : q.where) {
    const cim::Value* v = inst.get(prop);
    if (v == nullptr || v->is_null() || v->is_array()) return false;
    if (const std::string* s = v->as_string()) {
      if (!cim::iequals(*s, literal)) return false;
      continue;
    }
    if (auto b = v->as_bool()) {
      if (!(cim::iequals(literal, *b ? "true" : "false"))) return false;
      continue;
    }
    if (auto u = v->as_uint()) {
      auto parsed = cim::Value::from_text(cim::CimType::kUint64, literal);
      if (!parsed.ok() || parsed->as_uint() != u) return false;
      continue;
    }
    if (!cim::iequals(v->to_text(), literal)) return false;
  }
  return true;
}

}  // namespace hvsnap::wsman
