// Text helpers for CIM names, which compare case-insensitively (DSP0004), and for GUIDs.
#pragma once

#include <string>
#include <string_view>

namespace hvsnap::cim {

bool iequals_slow(std::string_view a, std::string_view b);

// ASCII case-insensitive equality: CIM class, property, key and namespace names. Inline,
// with the length check and the exact-match case first: lookups by name are everywhere.
inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && (a == b || iequals_slow(a, b));
}
// ASCII case-insensitive "less than", for ordered containers of CIM names.
bool iless(std::string_view a, std::string_view b);
std::string to_lower(std::string_view s);

// `s` without its leading and trailing blanks (spaces and tabs): HTTP header values (RFC 9110
// optional white space) and YAML scalars.
inline std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}
// `s` without its leading and trailing XML white space (XML 1.0, production S: space, tab, CR,
// LF): XML Schema's whiteSpace="collapse" of the typed values read (white space inside makes
// them invalid anyway), and text where only white space may stand.
inline std::string_view trim_xml_space(std::string_view s) {
  // A loop, not find_first_not_of: this runs on every nil property an answer carries.
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && space(s.back()))
    s.remove_suffix(1);
  return s;
}
std::string to_upper(std::string_view s);

// `s` as one word of a POSIX shell command line: as it is when it holds only characters no
// shell treats specially, else in single quotes.
std::string shell_quote(std::string_view s);

// A namespace in canonical form: '/' becomes '\', leading/trailing separators dropped,
// so "root/virtualization/v2" and "\root\virtualization\v2\" compare equal.
std::string canonical_namespace(std::string_view ns);

struct ILess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return iless(a, b); }
};

}  // namespace hvsnap::cim
