// CIM-XML codec for embedded instances (SnapshotSettings, Msvm_Error, …): the text WMI's
// GetText produces in either the CIM DTD 2.0 or the WMI DTD 2.0 form (contract §1, AMB-3).
// Parsing accepts both forms and reports malformed text with line and column; it never
// throws and never expands entities.
#pragma once

#include <string>
#include <string_view>

#include "hvsnap/cim/instance.h"
#include "hvsnap/cim/result.h"

namespace hvsnap::cim {

enum class XmlDtd {
  kCim20,  // DMTF DSP0201: PROPERTY / PROPERTY.ARRAY / PROPERTY.REFERENCE, no system properties
  kWmi20,  // WMI's extension: adds __CLASS-style system properties with CLASSORIGIN="___SYSTEM",
           // CLASSORIGIN on every property, and PROPERTY.OBJECT / VALUE.OBJECT for embedded objects
};

struct CimXmlLimits {
  std::size_t max_bytes = 1 << 20;  // larger text is refused before parsing
  int max_embedding_depth = 8;      // instances inside instances
};

// Parses one <INSTANCE>. WMI system properties (names starting "__") are dropped.
Result<Instance> parse_embedded_instance(std::string_view text, const CimXmlLimits& limits = {});
std::string format_embedded_instance(const Instance& instance, XmlDtd dtd = XmlDtd::kCim20);

}  // namespace hvsnap::cim
