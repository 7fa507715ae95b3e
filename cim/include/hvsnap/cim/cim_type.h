// The CIM intrinsic types (DSP0004) and the two kinds of object-valued property, on their own
// for headers that need only the enumeration (the schema table's, decision 0131); value.h
// includes it and holds the functions over it.
#pragma once

#include <cstdint>

namespace hvsnap::cim {

enum class CimType : std::uint8_t {
  kBoolean,
  kUint8,
  kSint8,
  kUint16,
  kSint16,
  kUint32,
  kSint32,
  kUint64,
  kSint64,
  kReal32,
  kReal64,
  kChar16,
  kString,
  kDateTime,
  kReference,
  kInstance,
};

}  // namespace hvsnap::cim
