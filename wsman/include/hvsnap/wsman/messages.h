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

// Every fault this service sends comes from one table (fault_spec, decision 0009): the SOAP
// code, the subcode and its namespace, the HTTP status, the Windows error number (ERROR_WSMAN_*)
// that WinRM puts in WSManFault/@Code, the w:FaultDetail URI and the fault's wsa:Action.
enum class FaultKind : std::uint8_t {
  kSchemaValidation,           // w:SchemaValidationError (also: not well-formed XML)
  kEncodingLimit,              // w:EncodingLimit
  kRequestTooLarge,            // w:EncodingLimit, HTTP 413 (MS-WSMV 3.1.4.1.20)
  kVersionMismatch,            // s:VersionMismatch
  kMustUnderstand,             // s:MustUnderstand
  kMissingHeader,              // a:MessageInformationHeaderRequired
  kInvalidHeader,              // a:InvalidMessageInformationHeader
  kActionNotSupported,         // a:ActionNotSupported
  kDestinationUnreachable,     // a:DestinationUnreachable (no such instance)
  kInvalidResourceUri,         // w:InvalidResourceURI
  kInvalidSelectors,           // w:InvalidSelectors
  kInvalidParameter,           // w:InvalidParameter
  kInvalidOptions,             // w:InvalidOptions
  kUnsupportedFeature,         // w:UnsupportedFeature
  kFilterDialectUnavailable,   // n:FilterDialectRequestedUnavailable
  kCannotProcessFilter,        // n:CannotProcessFilter
  kInvalidEnumerationContext,  // n:InvalidEnumerationContext
  kEnumerationTimedOut,        // n:TimedOut (a Pull that found nothing within MaxTime)
  kTimedOut,                   // w:TimedOut (OperationTimeout)
  kAccessDenied,               // w:AccessDenied
  kQuotaLimit,                 // w:QuotaLimit
  kInternalError,              // w:InternalError
};

// A SOAP 1.2 fault as WinRM writes it: code, subcode, reason, a w:FaultDetail URI, and a
// WSManFault detail with a Windows error number — around a ProviderFault when the error came
// from the provider (WMI) rather than from the service.
struct Fault {
  enum class Code : std::uint8_t { kSender, kReceiver, kVersionMismatch, kMustUnderstand };
  Code code = Code::kSender;
  std::string subcode_ns;        // the subcode's namespace (uri::kWsman, kAddressing, kEnumeration)
  std::string subcode;           // its local name ("InvalidSelectors"); "" for none
  std::string reason;            // in words, for people
  std::uint32_t wsman_code = 0;  // WSManFault/@Code; 0: no WSManFault detail
  int http_status = 500;         // WinRM answers faults with 500
  std::string detail;            // w:FaultDetail URI ("" for none)
  std::string action;            // the fault's wsa:Action ("" = derived from the namespace)
  // The provider's own error, nested as WinRM nests WMI's: ProviderFault/WSManFault.
  std::string provider;          // ProviderFault/@provider ("" = not a provider fault)
  std::string provider_message;  // the inner WSManFault's Message
  std::uint32_t provider_code = 0;
  // The MessageID of the request the fault answers, when it could be read (RelatesTo).
  std::string relates_to;

  std::string to_string() const;  // "w:InvalidSelectors (2150858813): reason"
};

struct FaultSpec {
  FaultKind kind;
  Fault::Code code;
  std::string_view subcode_ns;
  std::string_view subcode;
  int http_status;
  std::uint32_t wsman_code;
  std::string_view detail;  // default w:FaultDetail URI ("" for none)
};
const FaultSpec& fault_spec(FaultKind kind);
// The whole table, for tests and documentation.
const std::vector<FaultSpec>& fault_table();
Fault make_fault(FaultKind kind, std::string reason, std::string_view detail = {});

// w:FaultDetail URIs (DSP0226 Annex; MS-WSMV).
namespace fault_detail {
inline constexpr std::string_view kInsufficientSelectors =
    "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/InsufficientSelectors";
inline constexpr std::string_view kUnexpectedSelectors =
    "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/UnexpectedSelectors";
inline constexpr std::string_view kTypeMismatch =
    "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/TypeMismatch";
inline constexpr std::string_view kDuplicateSelectors =
    "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/DuplicateSelectors";
inline constexpr std::string_view kInvalidResourceUri =
    "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/InvalidResourceURI";
inline constexpr std::string_view kMaxEnvelopeSize =
    "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/MaxEnvelopeSize";
inline constexpr std::string_view kMinimumEnvelopeLimit =
    "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/MinimumEnvelopeLimit";
inline constexpr std::string_view kServiceEnvelopeLimit =
    "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/ServiceEnvelopeLimit";
inline constexpr std::string_view kUnreportableSuccess =
    "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/UnreportableSuccess";
inline constexpr std::string_view kLocale =
    "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/Locale";
inline constexpr std::string_view kNotSupported =
    "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/NotSupported";
inline constexpr std::string_view kInvalidName =
    "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/InvalidName";
inline constexpr std::string_view kInvalidValue =
    "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/InvalidValue";
inline constexpr std::string_view kInvalidMessageId =
    "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/InvalidMessageID";
inline constexpr std::string_view kInvalidFormat =
    "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/InvalidFormat";
}  // namespace fault_detail

// The faults this codebase sends, by name (each is make_fault of its kind).
namespace faults {
Fault invalid_xml(std::string reason);
Fault encoding_limit(std::string reason);
Fault request_too_large(std::string reason);
Fault version_mismatch(std::string reason);
Fault must_understand(std::string reason);
Fault missing_header(std::string reason);
Fault invalid_header(std::string reason);
Fault action_not_supported(std::string reason);
Fault destination_unreachable(std::string reason);  // no such instance
Fault invalid_resource_uri(std::string reason);
Fault invalid_selectors(std::string reason, std::string_view detail = {});
Fault schema_validation(std::string reason);
Fault invalid_parameter(std::string reason);
Fault invalid_options(std::string reason);
Fault unsupported_feature(std::string reason, std::string_view detail = {});
Fault filter_dialect_unavailable(std::string reason);
Fault cannot_process_filter(std::string reason);
Fault invalid_enumeration_context(std::string reason);
Fault enumeration_timed_out(std::string reason);
Fault timed_out(std::string reason);
Fault access_denied(std::string reason);
Fault quota_limit(std::string reason);
Fault internal_error(std::string reason);
}  // namespace faults

// The DSP0227 association filter (dialect uri::kAssociationDialect): AssociatedInstances is
// ASSOCIATORS OF, AssociationInstances is REFERENCES OF.
struct AssociationFilter {
  bool associated = true;  // AssociatedInstances (true) or AssociationInstances (false)
  cim::ObjectPath object;
  cim::AssociatorsFilter filter;  // for AssociationInstances: result_class and role only
  std::vector<std::string> include_properties;  // IncludeResultProperty (a projection)
};

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
  std::optional<AssociationFilter> association;  // the DSP0227 dialect instead of WQL
  EnumerationMode mode = EnumerationMode::kObjects;
  bool optimize = false;
  std::uint32_t max_elements = 0;  // 0: not given
  // Pull / Release
  std::string context;
  // Invoke
  cim::PropertyList in;
  std::uint64_t max_envelope_size = 0;     // w:MaxEnvelopeSize in bytes; 0: not given
  std::int64_t operation_timeout_ms = -1;  // w:OperationTimeout; -1: not given
  std::int64_t max_time_ms = -1;           // wsen:MaxTime of a Pull; -1: not given
  std::string locale;                      // w:Locale/@xml:lang ("" when not given)
  // hvsnap's control extension riding on any request to a served fake (decision 0140):
  // h:AdvanceFirst, simulated milliseconds to advance its clock by before the request is
  // answered (0: not given); h:TellClock, answer with the clock after it (h:Clock).
  std::int64_t advance_first_ms = 0;
  bool tell_clock = false;
  // The first of these headers marked s:mustUnderstand="true" ("" when none is): only a
  // service with the extension may take it (SOAP 1.2 §5.2.3).
  std::string control_must_understand;
};

struct ParseLimits {
  std::size_t max_bytes = std::size_t{512} * 1024;  // WinRM's default MaxEnvelopeSizekb is 500
  int max_depth = 48;
  std::size_t max_parameters = 1024;  // elements in one METHOD_INPUT (decision 0021)
};

// A request envelope, or the fault to answer it with.
std::variant<Request, Fault> parse_request(std::string_view xml, const ParseLimits& limits = {});
// The MessageID of a request that cannot be read as a whole (too large, not well-formed), for
// the RelatesTo of the fault that answers it; "" when none is found. Best effort.
std::string salvage_message_id(std::string_view text);
// A client's envelope for `r` (MessageID as given).
std::string write_request(const Request& r);

struct Item {
  std::optional<cim::Instance> instance;
  std::optional<cim::ObjectPath> epr;
};

// A served fake's simulated clock as its answer tells it (h:Clock, decision 0140): the
// milliseconds since the host began, and where that zero is on the host's UTC clock.
struct ToldClock {
  std::int64_t ms = 0;
  std::optional<std::int64_t> epoch_ms;
  std::int64_t advanced_ms = 0;  // the request's h:AdvanceFirst, made before it (0: none)
};

struct Response {
  std::string action;
  std::string xml_lang;  // the envelope's xml:lang ("" when absent)
  std::string relates_to;
  std::optional<Fault> fault;
  std::vector<Item> items;  // Get: one; Enumerate (optimized) / Pull: the batch
  std::string context;      // the enumeration context to pull next; "" when none
  bool end_of_sequence = false;
  std::optional<cim::MethodResult> output;  // Invoke
  std::string product_vendor;               // Identify
  std::string product_version;
  // Server side: items already written (item_xml), in place of `items`, so that a batch can
  // be cut to MaxEnvelopeSize without writing an item twice.
  std::vector<std::string> encoded_items;
  // Client side: the values whose form broke their CIM type's WS-Man lexical form (DSP0230),
  // each read as well as it could be (contract CS-READ-1, decision 0060).
  std::vector<cim::WireProblem> wire_problems;
  // Client side: the served fake's clock after this request (h:Clock), when it told it.
  std::optional<ToldClock> clock;
};

// One item of an Enumerate/Pull batch as the response carries it.
std::string item_xml(const Item& item);
// The fault's relates_to when set, else the given one.
// A server's envelope answering `r` (the MessageID of the response is `message_id`).
std::string write_response(const Request& r, const Response& resp, std::string_view message_id);
// `clock` as an h:Clock header added to a written envelope (decision 0140).
void add_told_clock(std::string& envelope, const ToldClock& clock);
// A fault envelope (`relates_to` may be empty when the request could not be read).
std::string write_fault(const Fault& f, std::string_view relates_to, std::string_view message_id);
// A response envelope, as a client reads it; a Status only for envelopes it cannot read.
cim::Result<Response> parse_response(std::string_view xml, const ParseLimits& limits = {});

// Lexical forms accepted for typed values on input (decision 0021): XSD's, never C's.
bool is_xsd_integer(std::string_view text, bool allow_negative);

// Value codec, exposed for tests: one property or parameter as elements in prefix `p`.
void write_property(std::string& out, std::string_view name, const cim::Value& v);
void write_epr_body(std::string& out, const cim::ObjectPath& path);

}  // namespace hvsnap::wsman
