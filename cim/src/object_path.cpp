// WMI object-path text: parse and format (contract §1: the \\HOST\ns:Class.Key="…" form).
#include "hvsnap/cim/object_path.h"

#include <fmt/format.h>

#include "hvsnap/cim/text.h"

namespace hvsnap::cim {
namespace {

bool is_ident_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool is_ident(char c) {
  return is_ident_start(c) || (c >= '0' && c <= '9');
}

class PathParser {
 public:
  explicit PathParser(std::string_view text) : text_(text) {}

  Result<ObjectPath> run() {
    if (text_.empty()) return error(0, "the path is empty");
    if (text_.size() > std::size_t{64} * 1024) return error(0, "the path is longer than 64 KiB");
    ObjectPath path;
    std::size_t pos = 0;
    if (starts_with_host()) {
      pos = 2;
      const std::size_t end = text_.find_first_of("\\/", pos);
      if (end == std::string_view::npos || end == pos) {
        return error(pos, "expected a host name and a namespace after the leading \\\\");
      }
      path.set_host(Name(text_.substr(pos, end - pos)));
      pos = end + 1;
    }
    // A namespace ends at the first ':' that comes before any key syntax.
    const std::size_t stop = text_.find_first_of(":.=\"", pos);
    if (stop != std::string_view::npos && text_[stop] == ':') {
      std::string ns = canonical_namespace(text_.substr(pos, stop - pos));
      if (ns.empty()) return error(pos, "empty namespace before ':'");
      path.set_namespace(std::move(ns));
      pos = stop + 1;
    } else if (!path.host().empty()) {
      return error(pos, "a path with a host must name a namespace followed by ':'");
    }
    const std::size_t class_start = pos;
    if (pos >= text_.size() || !is_ident_start(text_[pos])) {
      return error(pos, "expected a class name");
    }
    while (pos < text_.size() && is_ident(text_[pos]))
      ++pos;
    ObjectPath result(Name(path.name_space()), Name(text_.substr(class_start, pos - class_start)));
    result.set_host(Name(path.host()));
    if (pos == text_.size()) return result;
    if (text_[pos] == '=') {
      ++pos;
      if (pos < text_.size() && text_[pos] == '@') {
        if (pos + 1 != text_.size()) return error(pos + 1, "unexpected text after '=@'");
        result.set_singleton(true);
        return result;
      }
      Key key;
      if (auto st = value(pos, key); !st.ok()) return st;
      if (pos != text_.size()) return error(pos, "unexpected text after the key value");
      result.add_key(Name(), key.value, key.kind);
      return result;
    }
    if (text_[pos] != '.') return error(pos, "expected '.', '=' or the end after the class name");
    ++pos;
    while (true) {
      const std::size_t name_start = pos;
      if (pos >= text_.size() || !is_ident_start(text_[pos])) {
        return error(pos, "expected a key name");
      }
      while (pos < text_.size() && is_ident(text_[pos]))
        ++pos;
      std::string name(text_.substr(name_start, pos - name_start));
      if (pos >= text_.size() || text_[pos] != '=') {
        return error(pos, fmt::format("expected '=' after key name \"{}\"", name));
      }
      ++pos;
      Key key;
      if (auto st = value(pos, key); !st.ok()) return st;
      if (result.key(name) != nullptr) {
        return error(name_start, fmt::format("key \"{}\" appears twice", name));
      }
      result.add_key(std::move(name), key.value, key.kind);
      if (pos == text_.size()) return result;
      if (text_[pos] != ',') return error(pos, "expected ',' or the end after a key value");
      ++pos;
    }
  }

 private:
  bool starts_with_host() const {
    return text_.size() >= 2 &&
           ((text_[0] == '\\' && text_[1] == '\\') || (text_[0] == '/' && text_[1] == '/'));
  }

  Status error(std::size_t pos, std::string_view what) const {
    return invalid_parameter(
        fmt::format("object path \"{}\": {} (at offset {})", text_, what, pos));
  }

  Status value(std::size_t& pos, Key& key) const {
    if (pos >= text_.size()) return error(pos, "expected a key value");
    if (text_[pos] == '"') {
      std::string out;
      ++pos;
      while (pos < text_.size() && text_[pos] != '"') {
        if (text_[pos] == '\\') {
          ++pos;
          if (pos >= text_.size()) break;
        }
        out.push_back(text_[pos++]);
      }
      if (pos >= text_.size()) return error(pos, "unterminated quoted key value");
      ++pos;
      key.kind = KeyKind::kString;
      key.value = out;
      return {};
    }
    const std::size_t start = pos;
    if (text_[pos] == '-' || text_[pos] == '+') ++pos;
    const std::size_t digits_start = pos;
    while (pos < text_.size() && text_[pos] >= '0' && text_[pos] <= '9')
      ++pos;
    if (pos > digits_start) {
      key.kind = KeyKind::kNumber;
      key.value = std::string(text_.substr(start, pos - start));
      return {};
    }
    pos = start;
    while (pos < text_.size() && is_ident(text_[pos]))
      ++pos;
    const std::string_view word = text_.substr(start, pos - start);
    if (iequals(word, "TRUE") || iequals(word, "FALSE")) {
      key.kind = KeyKind::kBoolean;
      key.value = to_upper(word);
      return {};
    }
    return error(start, "expected a quoted string, a number, TRUE or FALSE as key value");
  }

  std::string_view text_;
};

void append_escaped(std::string& out, std::string_view v) {
  out.push_back('"');
  for (char c : v) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

bool key_values_equal(const Key& a, const Key& b) {
  if (a.kind == KeyKind::kReference || b.kind == KeyKind::kReference) {
    auto pa = ObjectPath::parse(a.value);
    auto pb = ObjectPath::parse(b.value);
    if (pa.ok() && pb.ok()) return same_object(*pa, *pb);
  }
  return iequals(a.value, b.value);
}

}  // namespace

ObjectPath::ObjectPath(Name name_space, Name class_name)
    : namespace_(std::move(name_space)), class_(std::move(class_name)) {}

ObjectPath::ObjectPath(Name name_space, Name class_name, KeyList keys)
    : namespace_(std::move(name_space)), class_(std::move(class_name)), keys_(std::move(keys)) {}

ObjectPath::ObjectPath(ObjectPath&& other) noexcept
    : host_(std::move(other.host_)),
      namespace_(std::move(other.namespace_)),
      class_(std::move(other.class_)),
      keys_(std::move(other.keys_)),
      singleton_(other.singleton_) {
  other.keys_.clear();
  other.singleton_ = false;
}

ObjectPath& ObjectPath::operator=(ObjectPath&& other) noexcept {
  if (this == &other) return *this;
  host_ = std::move(other.host_);
  namespace_ = std::move(other.namespace_);
  class_ = std::move(other.class_);
  keys_ = std::move(other.keys_);
  singleton_ = other.singleton_;
  other.keys_.clear();
  other.singleton_ = false;
  return *this;
}

Result<ObjectPath> ObjectPath::parse(std::string_view text) {
  return PathParser(text).run();
}

ObjectPath& ObjectPath::set_host(Name host) {
  host_ = std::move(host);
  return *this;
}
ObjectPath& ObjectPath::set_namespace(Name ns) {
  namespace_ = std::move(ns);
  return *this;
}
ObjectPath& ObjectPath::set_class_name(Name class_name) {
  class_ = std::move(class_name);
  return *this;
}
ObjectPath& ObjectPath::set_singleton(bool singleton) {
  singleton_ = singleton;
  return *this;
}
ObjectPath& ObjectPath::add_key(Name name, std::string_view value, KeyKind kind) {
  // Filled in place: no temporary Key to move and destroy (a provider adds a key to the path
  // of every instance it returns; decision 0104).
  Key& k = keys_.emplace_back();
  k.name = std::move(name);
  k.kind = kind;
  k.value = value;
  return *this;
}

ObjectPath& ObjectPath::add_key_with_id(Name name, std::string_view value, InlineText::Id128 id) {
  Key& k = keys_.emplace_back();
  k.name = std::move(name);
  k.value.assign_with_id(value, id);
  return *this;
}

ObjectPath& ObjectPath::set_key_with_id(std::size_t i, std::string_view value,
                                        InlineText::Id128 id) {
  keys_.at(i).value.assign_with_id(value, id);
  return *this;
}

const Key* ObjectPath::key(std::string_view name) const {
  for (const Key& k : keys_) {
    if (iequals(k.name, name)) return &k;
  }
  return nullptr;
}

std::string ObjectPath::to_string() const {
  std::string out;
  if (!host_.empty()) {
    out += "\\\\";
    out += host_.view();
    out += '\\';
  }
  if (!namespace_.empty()) {
    out += namespace_.view();
    out += ':';
  }
  out += class_.view();
  if (singleton_) {
    out += "=@";
    return out;
  }
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    const Key& k = keys_[i];
    if (k.name.empty()) {
      out += '=';
    } else {
      out += i == 0 ? '.' : ',';
      out += k.name.view();
      out += '=';
    }
    switch (k.kind) {
      case KeyKind::kString:
      case KeyKind::kReference:
        append_escaped(out, k.value);
        break;
      case KeyKind::kNumber:
      case KeyKind::kBoolean:
        out += k.value;
        break;
    }
  }
  return out;
}

bool same_object(const ObjectPath& a, const ObjectPath& b) {
  if (!iequals(a.class_name(), b.class_name())) return false;
  if (!a.name_space().empty() && !b.name_space().empty() &&
      !iequals(canonical_namespace(a.name_space()), canonical_namespace(b.name_space()))) {
    return false;
  }
  if (a.singleton() != b.singleton() || a.keys().size() != b.keys().size()) return false;
  for (const Key& ka : a.keys()) {
    const Key* kb = b.key(ka.name);
    if (kb == nullptr || !key_values_equal(ka, *kb)) return false;
  }
  return true;
}

}  // namespace hvsnap::cim
