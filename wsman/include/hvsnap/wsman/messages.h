// WS-Management messages (contract §8): the requests a client sends and the responses a
// server returns, parsed from and written to SOAP 1.2 envelopes. One codec serves both ends:
// wsman::Server parses requests and writes responses; wsman::Client does the reverse.
//
// Values travel as WMI over WinRM writes them: each property or parameter an element in the
// class's namespace, text for scalars (typed back through cim::schema), repeated elements for
// arrays, xsi:nil for null, an endpoint reference for a REF, cim:Datetime / cim:Interval for
// datetimes, and embedded instances as CIM-XML text (escaped or CDATA).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "hvsnap/cim/instance.h"
#include "hvsnap/cim/object_path.h"
#include "hvsnap/cim/provider.h"

namespace hvsnap::wsman {

enum class Operation : std::uint8_t { kGet, kEnumerate, kPull, kRelease, kInvoke, kIdentify };
enum class EnumerationMode : std::uint8_t { kObjects, kEpr, kObjectAndEpr };

// A SOAP 1.2 fault as WinRM writes it: code, WS-Man subcode, reason, and a WSManFault detail
// with a Windows error number.
struct Fault {
  enum class Code : std::uint8_t { kSender, kReceiver, kVersionMismatch };
  Code code = Code::kSender;
  std::string subcode_ns;        // the subcode's namespace (uri::kWsman, kAddressing, kEnumeration)
  std::string subcode;           // its local name ("InvalidSelectors")
  std::string reason;            // in words, for people
  std::uint32_t wsman_code = 0;  // WSManFault/@Code; 0: no WSManFault detail
  int http_status = 500;         // WinRM answers faults with 500

  std::string to_string() const;  // "w:InvalidSelectors (2150858813): reason"
};

// The faults this codebase sends (the codes are WinRM's ERROR_WSMAN_* numbers).
namespace faults {
Fault invalid_xml(std::string reason);
Fault encoding_limit(std::string reason);
Fault version_mismatch(std::string reason);
Fault missing_header(std::string reason);
Fault action_not_supported(std::string reason);
Fault destination_unreachable(std::string reason);  // no such resource / instance
Fault invalid_resource_uri(std::string reason);
Fault invalid_selectors(std::string reason);
Fault schema_validation(std::string reason);
Fault invalid_parameter(std::string reason);
Fault filter_dialect_unavailable(std::string reason);
Fault cannot_process_filter(std::string reason);
Fault invalid_enumeration_context(std::string reason);
Fault access_denied(std::string reason);
Fault quota_limit(std::string reason);
Fault internal_error(std::string reason);
}  // namespace faults

struct Request {
  Operation op = Operation::kGet;
  std::string action;
  std::string to;
  std::string message_id;
  std::string resource_uri;
  std::string method;      // Invoke: the method name (the action's last segment)
  cim::ObjectPath target;  // Get / Invoke: resource URI + selectors; Enumerate: the class
  // Enumerate
  std::string filter_dialect;
  std::string filter;
  EnumerationMode mode = EnumerationMode::kObjects;
  bool optimize = false;
  std::uint32_t max_elements = 0;  // 0: not given
  // Pull / Release
  std::string context;
  // Invoke
  cim::PropertyList in;
  std::uint64_t max_envelope_size = 0;
};

struct ParseLimits {
  std::size_t max_bytes = 512 * 1024;  // WinRM's default MaxEnvelopeSizekb is 500
  int max_depth = 48;
};

// A request envelope, or the fault to answer it with.
std::variant<Request, Fault> parse_request(std::string_view xml, const ParseLimits& limits = {});
// A client's envelope for `r` (MessageID as given).
std::string write_request(const Request& r);

struct Item {
  std::optional<cim::Instance> instance;
  std::optional<cim::ObjectPath> epr;
};

struct Response {
  std::string action;
  std::string relates_to;
  std::optional<Fault> fault;
  std::vector<Item> items;  // Get: one; Enumerate (optimized) / Pull: the batch
  std::string context;      // the enumeration context to pull next; "" when none
  bool end_of_sequence = false;
  std::optional<cim::MethodResult> output;  // Invoke
  std::string product_vendor;               // Identify
  std::string product_version;
};

// A server's envelope answering `r` (the MessageID of the response is `message_id`).
std::string write_response(const Request& r, const Response& resp, std::string_view message_id);
// A fault envelope (`relates_to` may be empty when the request could not be read).
std::string write_fault(const Fault& f, std::string_view relates_to, std::string_view message_id);
// A response envelope, as a client reads it; a Status only for envelopes it cannot read.
cim::Result<Response> parse_response(std::string_view xml, const ParseLimits& limits = {});

// Value codec, exposed for tests: one property or parameter as elements in prefix `p`.
void write_property(std::string& out, std::string_view name, const cim::Value& v);
void write_epr_body(std::string& out, const cim::ObjectPath& path);

}  // namespace hvsnap::wsman
