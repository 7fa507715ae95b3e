// The dispatcher's shared helpers: what dispatcher.cpp and dispatcher_enumerate.cpp both use.
// Private to wsman/src.
#pragma once

#include <string>
#include <string_view>

#include "hvsnap/wsman/messages.h"

namespace hvsnap::wsman {

// w:InternalError for data XML 1.0 cannot carry (decision 0021): `what` holds it at `where`.
Fault unwritable_fault(std::string_view what, std::string_view where);
// Where a path's keys hold what XML 1.0 cannot carry ("" when nowhere).
std::string unwritable_key(const cim::ObjectPath& path);

}  // namespace hvsnap::wsman
