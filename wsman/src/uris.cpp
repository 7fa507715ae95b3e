#include <fmt/format.h>

#include "hvsnap/cim/text.h"
#include "hvsnap/wsman/uris.h"

namespace hvsnap::wsman::uri {

std::string resource_uri(std::string_view name_space, std::string_view class_name) {
  std::string out(kWmiPrefix);
  std::string ns = name_space.empty() ? std::string("root\\virtualization\\v2")
                                      : cim::canonical_namespace(name_space);
  for (char& c : ns) {
    if (c == '\\') c = '/';
  }
  out += ns;
  out += '/';
  out += class_name;
  return out;
}

cim::Result<Resource> parse_resource_uri(std::string_view uri) {
  if (cim::iequals(uri, kDmtfWildcard)) return Resource{std::string(kDmtfDefaultNamespace), "*"};
  if (uri.size() > kDmtfCimSchema.size() &&
      cim::iequals(uri.substr(0, kDmtfCimSchema.size()), kDmtfCimSchema)) {
    Resource r{std::string(kDmtfDefaultNamespace), std::string(uri.substr(kDmtfCimSchema.size()))};
    for (char c : r.class_name) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '*')) {
        return cim::Status(
            cim::StatusKind::kInvalidClass,
            fmt::format("resource URI '{}': '{}' is not a class name", uri, r.class_name));
      }
    }
    return r;
  }
  if (uri.size() < kWmiPrefix.size() ||
      !cim::iequals(uri.substr(0, kWmiPrefix.size()), kWmiPrefix)) {
    return cim::Status(
        cim::StatusKind::kInvalidClass,
        fmt::format("resource URI '{}' is not under {} or {}", uri, kWmiPrefix, kDmtfCimSchema));
  }
  const std::string_view rest = uri.substr(kWmiPrefix.size());
  const std::size_t slash = rest.rfind('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size()) {
    return cim::Status(cim::StatusKind::kInvalidClass,
                       fmt::format("resource URI '{}' names no namespace and class", uri));
  }
  Resource r;
  r.class_name = std::string(rest.substr(slash + 1));
  std::string ns(rest.substr(0, slash));
  for (char& c : ns) {
    if (c == '/') c = '\\';
  }
  r.name_space = ns;
  for (char c : r.class_name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '*')) {
      return cim::Status(
          cim::StatusKind::kInvalidClass,
          fmt::format("resource URI '{}': '{}' is not a class name", uri, r.class_name));
    }
  }
  return r;
}

}  // namespace hvsnap::wsman::uri
