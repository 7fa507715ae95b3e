// The value range of each CIM integer type (DSP0004), shared by the CIM-XML value parser
// (value.cpp) and the WS-Man lexical reader (wsman/src/lexical.cpp).
#pragma once

#include <cstdint>
#include <limits>
#include <utility>

#include "hvsnap/cim/value.h"

namespace hvsnap::cim {

inline std::uint64_t unsigned_max(CimType t) {
  switch (t) {
    case CimType::kUint8:
      return 0xFF;
    case CimType::kUint16:
      return 0xFFFF;
    case CimType::kUint32:
      return 0xFFFFFFFFu;
    default:
      return std::numeric_limits<std::uint64_t>::max();
  }
}

inline std::pair<std::int64_t, std::int64_t> signed_range(CimType t) {
  switch (t) {
    case CimType::kSint8:
      return {-128, 127};
    case CimType::kSint16:
      return {-32768, 32767};
    case CimType::kSint32:
      return {std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()};
    default:
      return {std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()};
  }
}

}  // namespace hvsnap::cim
