// Private to the suite's client (client.cpp, client_reads.cpp): small readings of instances.
#pragma once

#include <cstdint>
#include <string_view>

#include "hvsnap/cim/instance.h"

namespace hvsnap::conformance {

// A 16-bit state property (JobState, EnabledState), `fallback` when absent or not a number.
inline std::uint16_t uint_prop(const cim::Instance& i, std::string_view name,
                               std::uint16_t fallback = 0) {
  return static_cast<std::uint16_t>(i.get_uint(name).value_or(fallback));
}

}  // namespace hvsnap::conformance
