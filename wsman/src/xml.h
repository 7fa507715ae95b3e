// Namespace-aware reading over pugixml (which resolves no prefixes itself) and escaping for
// the writers. Elements are matched by namespace URI and local name, never by prefix: clients
// write s:, env:, SOAP-ENV: or a default namespace (contract §8).
#pragma once

#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>

#include "hvsnap/cim/text.h"

namespace hvsnap::wsman::xml {

std::string_view local_name(const char* qname);
inline std::string_view local_name(pugi::xml_node n) {
  return local_name(n.name());
}
// The namespace URI of an element (its prefix, or the default namespace, resolved upwards).
std::string_view ns_of(pugi::xml_node n);
bool is(pugi::xml_node n, std::string_view ns, std::string_view local);
// The first child element with that namespace and local name (or an empty node).
pugi::xml_node child(pugi::xml_node n, std::string_view ns, std::string_view local);
// The first child that is an element, whatever its name (or an empty node).
pugi::xml_node first_element(pugi::xml_node n);
// The attribute of that name without a prefix (or an empty attribute). An unprefixed attribute
// is in no namespace (Namespaces in XML 1.0, 6.2); `q:Name` is another attribute than `Name`.
pugi::xml_attribute attr(pugi::xml_node n, std::string_view local);
// Is an xs:boolean attribute value true: "true" or "1", with the whitespace around it that the
// type's collapse allows (XML Schema part 2, 3.2.2)?
inline bool true_text(std::string_view v) {
  const std::string_view t = cim::trim_xml_space(v);
  return t == "1" || t == "true";
}

// Prefix resolutions at one element, remembered: the properties of an instance share their
// parent's scope, so that a prefix (xsi) is looked up once per instance, not once per property.
class PrefixMemo {
 public:
  explicit PrefixMemo(pugi::xml_node at) : at_(at) {}
  pugi::xml_node at() const { return at_; }
  std::string_view resolve(std::string_view prefix);
  // Whether the prefix "xsi" is bound to the XML Schema instance namespace here (resolved once):
  // what a property's usual nil form, `xsi:nil="true"` alone, needs (is_nil).
  bool xsi_is_schema_instance();

 private:
  pugi::xml_node at_;
  std::string_view prefixes_[4];
  std::string_view namespaces_[4];
  std::size_t known_ = 0;
  signed char xsi_ = -1;  // xsi_is_schema_instance's answer, once known
};

// The namespace URI of n, below the element whose scope `ancestor` remembers: the
// declarations from n up to that element, then the memo — the same answer as ns_of(n) (which
// it gives too when the memo's element is not an ancestor of n), without a walk up to the root
// for each of an element's descendants.
std::string_view ns_of(pugi::xml_node n, PrefixMemo& ancestor);
// is(n, ns, local) for a descendant of ancestor.at(), resolved through the memo.
bool is(pugi::xml_node n, PrefixMemo& ancestor, std::string_view ns, std::string_view local);
// child(scope.at(), ns, local), resolved through the memo: for several lookups under one parent.
pugi::xml_node child(PrefixMemo& scope, std::string_view ns, std::string_view local);

// Is the attribute xsi:nil="true" present (prefix resolved)? `parent`, when it remembers the
// scope of n's parent, answers for prefixes n does not declare itself.
bool is_nil(pugi::xml_node n, PrefixMemo* parent = nullptr);
// All character data directly inside (text and CDATA), concatenated.
std::string text(pugi::xml_node n);
// The text trimmed of surrounding whitespace.
std::string trimmed_text(pugi::xml_node n);
// Depth of the deepest element (iterative; the document node is depth 0).
int depth(pugi::xml_node root);

// The byte offset of the first character that XML 1.0 cannot carry (C0 controls other than
// tab, LF and CR; U+FFFE, U+FFFF; surrogates; bytes that are not UTF-8), or nullopt.
std::optional<std::size_t> invalid_xml10_at(std::string_view text);

// Escaping for element text and attribute values. The output is always well-formed XML 1.0:
// a character XML 1.0 cannot carry (not even as a reference) becomes U+FFFD — the server
// refuses such data before writing it (decision 0021), so this is only the last line of defence.
void escape(std::string& out, std::string_view text);
std::string escaped(std::string_view text);

}  // namespace hvsnap::wsman::xml
