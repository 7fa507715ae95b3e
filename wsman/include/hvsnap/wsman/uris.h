// WS-Management URIs (contract §8; DSP0226, MS-WSMV): namespaces, actions, resource URIs.
#pragma once

#include <string>
#include <string_view>

#include "hvsnap/cim/result.h"

namespace hvsnap::wsman::uri {

inline constexpr std::string_view kSoap = "http://www.w3.org/2003/05/soap-envelope";
inline constexpr std::string_view kAddressing = "http://schemas.xmlsoap.org/ws/2004/08/addressing";
inline constexpr std::string_view kWsman = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd";
inline constexpr std::string_view kMsWsman = "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd";
inline constexpr std::string_view kEnumeration =
    "http://schemas.xmlsoap.org/ws/2004/09/enumeration";
inline constexpr std::string_view kTransfer = "http://schemas.xmlsoap.org/ws/2004/09/transfer";
inline constexpr std::string_view kXsi = "http://www.w3.org/2001/XMLSchema-instance";
inline constexpr std::string_view kCimCommon = "http://schemas.dmtf.org/wbem/wscim/1/common";
inline constexpr std::string_view kWsmanFault =
    "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault";
inline constexpr std::string_view kIdentity =
    "http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd";
inline constexpr std::string_view kAnonymous =
    "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous";
inline constexpr std::string_view kWqlDialect = "http://schemas.microsoft.com/wbem/wsman/1/WQL";
inline constexpr std::string_view kWmiPrefix = "http://schemas.microsoft.com/wbem/wsman/1/wmi/";
// DMTF resource URIs that MS-WSMV 3.1.4.1.1 and 3.1.4.1.13 say a server MUST accept: a CIM
// class by its schema URI (namespace from a __cimnamespace selector, root\cimv2 by default),
// and the wildcard used with the association filter.
inline constexpr std::string_view kDmtfCimSchema =
    "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/";
inline constexpr std::string_view kDmtfWildcard = "http://schemas.dmtf.org/wbem/wscim/1/*";
inline constexpr std::string_view kDmtfDefaultNamespace = "root\\cimv2";
// DSP0227's association filter dialect and the CIM binding namespace it uses.
inline constexpr std::string_view kAssociationDialect =
    "http://schemas.dmtf.org/wbem/wsman/1/cimbinding/associationFilter";
inline constexpr std::string_view kCimBinding =
    "http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd";
// hvsnap's own extension: the fake's control interface over the wire (decision 0009).
inline constexpr std::string_view kControl = "urn:hvsnap:wsman:control";

inline constexpr std::string_view kActionGet = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get";
inline constexpr std::string_view kActionGetResponse =
    "http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse";
inline constexpr std::string_view kActionEnumerate =
    "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate";
inline constexpr std::string_view kActionEnumerateResponse =
    "http://schemas.xmlsoap.org/ws/2004/09/enumeration/EnumerateResponse";
inline constexpr std::string_view kActionPull =
    "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Pull";
inline constexpr std::string_view kActionPullResponse =
    "http://schemas.xmlsoap.org/ws/2004/09/enumeration/PullResponse";
inline constexpr std::string_view kActionRelease =
    "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Release";
inline constexpr std::string_view kActionReleaseResponse =
    "http://schemas.xmlsoap.org/ws/2004/09/enumeration/ReleaseResponse";
inline constexpr std::string_view kActionFault = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault";
inline constexpr std::string_view kActionEnumerationFault =
    "http://schemas.xmlsoap.org/ws/2004/09/enumeration/fault";
inline constexpr std::string_view kActionAddressingFault =
    "http://schemas.xmlsoap.org/ws/2004/08/addressing/fault";

// "root\virtualization\v2" + "Msvm_X" -> ".../wmi/root/virtualization/v2/Msvm_X".
std::string resource_uri(std::string_view name_space, std::string_view class_name);

struct Resource {
  std::string name_space;  // "root\virtualization\v2"
  std::string class_name;  // "Msvm_X", or "*" for the wildcard URI
};
// The inverse; an error (naming the URI) for one outside the WMI prefix.
cim::Result<Resource> parse_resource_uri(std::string_view uri);

}  // namespace hvsnap::wsman::uri
