// Names of status kinds, for messages and reports.
#include "hvsnap/cim/result.h"

namespace hvsnap::cim {

std::string_view to_string(StatusKind kind) {
  switch (kind) {
    case StatusKind::kOk:
      return "OK";
    case StatusKind::kFailed:
      return "Failed";
    case StatusKind::kAccessDenied:
      return "AccessDenied";
    case StatusKind::kInvalidNamespace:
      return "InvalidNamespace";
    case StatusKind::kInvalidParameter:
      return "InvalidParameter";
    case StatusKind::kInvalidClass:
      return "InvalidClass";
    case StatusKind::kNotFound:
      return "NotFound";
    case StatusKind::kNotSupported:
      return "NotSupported";
    case StatusKind::kMethodNotFound:
      return "MethodNotFound";
    case StatusKind::kUnavailable:
      return "Unavailable";
    case StatusKind::kTimeout:
      return "Timeout";
    case StatusKind::kBadAnswer:
      return "BadAnswer";
    case StatusKind::kNotSent:
      return "NotSent";
  }
  return "Unknown";
}

std::string Status::to_string() const {
  std::string out(cim::to_string(kind_));
  if (!message_.empty()) {
    out += ": ";
    out += message_;
  }
  return out;
}

}  // namespace hvsnap::cim
