// CIM object paths in the WMI text form:
//   \\HOST\root\virtualization\v2:Msvm_VirtualSystemCollection.CollectionID="…"
// with ordered key bindings. Parsing never throws; errors say what and at which offset.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "hvsnap/cim/inline_text.h"
#include "hvsnap/cim/name.h"
#include "hvsnap/cim/result.h"

namespace hvsnap::cim {

// How a key value is written: quoted string, bare number, TRUE/FALSE, or an embedded path
// (association keys), which is written as a quoted, escaped string.
enum class KeyKind : std::uint8_t { kString, kNumber, kBoolean, kReference };

struct Key {
  Name name;  // empty for the "Class=value" single-key shorthand
  KeyKind kind = KeyKind::kString;
  // Unescaped text; the path text for kReference. A GUID key (36-46 characters) lives inside
  // the key (decision 0112).
  InlineText value;

  friend bool operator==(const Key&, const Key&) = default;
};

// A path's keys in order. Most paths a provider returns have one key (a GUID InstanceID,
// CollectionID or Name): it lives inside the path, with no allocation (decision 0106). A
// sequence like std::vector (size, [], at, front, iteration, ==).
using KeyList = boost::container::small_vector<Key, 1>;

class ObjectPath {
 public:
  ObjectPath() = default;
  ObjectPath(Name name_space, Name class_name);
  ObjectPath(Name name_space, Name class_name, KeyList keys);
  ObjectPath(const ObjectPath&) = default;
  ObjectPath& operator=(const ObjectPath&) = default;
  // A moved-from path has no keys (a key inside the path would otherwise stay behind, its
  // value moved out); its names are moved-from Names.
  ObjectPath(ObjectPath&& other) noexcept;
  ObjectPath& operator=(ObjectPath&& other) noexcept;
  ~ObjectPath() = default;

  static Result<ObjectPath> parse(std::string_view text);

  std::string_view host() const { return host_; }
  std::string_view name_space() const { return namespace_; }
  std::string_view class_name() const { return class_; }
  const KeyList& keys() const { return keys_; }
  bool singleton() const { return singleton_; }

  ObjectPath& set_host(Name host);
  ObjectPath& set_namespace(Name ns);
  // For a provider that fills a path in place (decision 0118) rather than assigning a new one.
  ObjectPath& set_class_name(Name class_name);
  ObjectPath& set_singleton(bool singleton);
  ObjectPath& add_key(Name name, std::string_view value, KeyKind kind = KeyKind::kString);
  // A string key whose text its producer wrote from a 128-bit identifier (InlineText::id).
  ObjectPath& add_key_with_id(Name name, std::string_view value, InlineText::Id128 id);
  // Rewrites the text of key `i` (which must exist), written from a 128-bit identifier: a
  // provider that lists objects of one class copies one path and changes its GUID key
  // (decision 0139).
  ObjectPath& set_key_with_id(std::size_t i, std::string_view value, InlineText::Id128 id);

  // The key of that name (case-insensitive), or nullptr. The pointer, and views of a key's
  // text, are invalidated by moving or destroying the path (the first key lives inside it).
  const Key* key(std::string_view name) const;
  bool empty() const { return class_.empty(); }
  // A class path names no instance: no keys and not a singleton.
  bool is_class_path() const { return keys_.empty() && !singleton_; }

  // WMI text form; with the host prefix when a host is set, namespace when one is set.
  std::string to_string() const;

  // Exact structural equality (round trips).
  friend bool operator==(const ObjectPath&, const ObjectPath&) = default;

 private:
  Name host_;
  Name namespace_;
  Name class_;
  KeyList keys_;
  bool singleton_ = false;
};

// Do two paths name the same object? Hosts are ignored, an empty namespace matches any,
// class and key names compare case-insensitively, string key values too (WMI behaviour),
// and key order does not matter.
bool same_object(const ObjectPath& a, const ObjectPath& b);

}  // namespace hvsnap::cim
