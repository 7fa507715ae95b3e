// The WS-Management fault table (decision 0009), the fault constructors, and the rendering of
// a fault as text and as a SOAP 1.2 fault envelope (contract §8).
#include <fmt/format.h>

#include "hvsnap/wsman/uris.h"
#include "messages_impl.h"
#include "xml.h"

namespace hvsnap::wsman {

using namespace std::string_view_literals;

std::string_view prefix_for(std::string_view ns) {
  if (ns == uri::kAddressing) return "a";
  if (ns == uri::kEnumeration) return "n";
  if (ns == uri::kTransfer) return "x";
  return "w";
}

std::string Fault::to_string() const {
  std::string sub = subcode.empty()
                        ? std::string(code == Code::kMustUnderstand    ? "s:MustUnderstand"
                                      : code == Code::kVersionMismatch ? "s:VersionMismatch"
                                                                       : "s:Fault")
                        : fmt::format("{}:{}", prefix_for(subcode_ns), subcode);
  std::string out =
      fmt::format("{}{}: {}", sub, wsman_code ? fmt::format(" ({})", wsman_code) : "", reason);
  if (!provider.empty()) {
    out += fmt::format(" [provider {}{}: {}]", provider,
                       provider_code ? fmt::format(" ({})", provider_code) : "", provider_message);
  }
  return out;
}

// The one fault table (decision 0009). Codes are WinRM's ERROR_WSMAN_* numbers (wsmerror.h)
// paired with the subcode WinRM pairs them with; WinRM answers every fault with HTTP 500
// except an oversized request (413, MS-WSMV 3.1.4.1.20).
const std::vector<FaultSpec>& fault_table() {
  using C = Fault::Code;
  static const std::vector<FaultSpec> kTable = {
      {FaultKind::kSchemaValidation, C::kSender, uri::kWsman, "SchemaValidationError", 500,
       0x80338041u, ""},
      {FaultKind::kEncodingLimit, C::kSender, uri::kWsman, "EncodingLimit", 500, 0x80338035u, ""},
      {FaultKind::kRequestTooLarge, C::kSender, uri::kWsman, "EncodingLimit", 413, 0x80338035u,
       fault_detail::kServiceEnvelopeLimit},
      {FaultKind::kVersionMismatch, C::kVersionMismatch, uri::kSoap, "", 500, 0x8033800Du, ""},
      {FaultKind::kMustUnderstand, C::kMustUnderstand, uri::kSoap, "", 500, 0x80338010u, ""},
      {FaultKind::kMissingHeader, C::kSender, uri::kAddressing, "MessageInformationHeaderRequired",
       500, 0x80338011u, ""},
      {FaultKind::kInvalidHeader, C::kSender, uri::kAddressing, "InvalidMessageInformationHeader",
       500, 0x8033800Fu, ""},
      {FaultKind::kActionNotSupported, C::kSender, uri::kAddressing, "ActionNotSupported", 500,
       0x80338013u, ""},
      {FaultKind::kDestinationUnreachable, C::kSender, uri::kAddressing, "DestinationUnreachable",
       500, 0x80338000u, fault_detail::kInvalidResourceUri},
      {FaultKind::kInvalidResourceUri, C::kSender, uri::kWsman, "InvalidResourceURI", 500,
       0x8033803Bu, ""},
      {FaultKind::kInvalidSelectors, C::kSender, uri::kWsman, "InvalidSelectors", 500, 0x8033803Du,
       ""},
      {FaultKind::kInvalidParameter, C::kSender, uri::kWsman, "InvalidParameter", 500, 0x8033803Au,
       ""},
      {FaultKind::kInvalidOptions, C::kSender, uri::kWsman, "InvalidOptions", 500, 0x80338039u,
       fault_detail::kNotSupported},
      {FaultKind::kUnsupportedFeature, C::kSender, uri::kWsman, "UnsupportedFeature", 500,
       0x80338042u, ""},
      {FaultKind::kFilterDialectUnavailable, C::kSender, uri::kEnumeration,
       "FilterDialectRequestedUnavailable", 500, 0x80338019u, ""},
      {FaultKind::kCannotProcessFilter, C::kSender, uri::kEnumeration, "CannotProcessFilter", 500,
       0x8033801Au, ""},
      {FaultKind::kInvalidEnumerationContext, C::kReceiver, uri::kEnumeration,
       "InvalidEnumerationContext", 500, 0x8033801Bu, ""},
      {FaultKind::kEnumerationTimedOut, C::kReceiver, uri::kEnumeration, "TimedOut", 500,
       0x8033801Cu, ""},
      {FaultKind::kTimedOut, C::kReceiver, uri::kWsman, "TimedOut", 500, 0x80338029u, ""},
      {FaultKind::kAccessDenied, C::kSender, uri::kWsman, "AccessDenied", 500, 5u, ""},
      {FaultKind::kQuotaLimit, C::kSender, uri::kWsman, "QuotaLimit", 500, 0x8033803Fu, ""},
      {FaultKind::kInternalError, C::kReceiver, uri::kWsman, "InternalError", 500, 0x80338003u, ""},
  };
  return kTable;
}

const FaultSpec& fault_spec(FaultKind kind) {
  const auto& t = fault_table();
  return t[static_cast<std::size_t>(kind)];
}

Fault make_fault(FaultKind kind, std::string reason, std::string_view detail) {
  const FaultSpec& spec = fault_spec(kind);
  Fault f;
  f.code = spec.code;
  f.subcode_ns = std::string(spec.subcode_ns);
  f.subcode = std::string(spec.subcode);
  f.reason = std::move(reason);
  f.wsman_code = spec.wsman_code;
  f.http_status = spec.http_status;
  f.detail = std::string(detail.empty() ? spec.detail : detail);
  return f;
}

namespace faults {
Fault invalid_xml(std::string r) {
  return make_fault(FaultKind::kSchemaValidation, std::move(r));
}
Fault encoding_limit(std::string r) {
  return make_fault(FaultKind::kEncodingLimit, std::move(r));
}
Fault request_too_large(std::string r) {
  return make_fault(FaultKind::kRequestTooLarge, std::move(r));
}
Fault version_mismatch(std::string r) {
  return make_fault(FaultKind::kVersionMismatch, std::move(r));
}
Fault must_understand(std::string r) {
  return make_fault(FaultKind::kMustUnderstand, std::move(r));
}
Fault missing_header(std::string r) {
  return make_fault(FaultKind::kMissingHeader, std::move(r));
}
Fault invalid_header(std::string r) {
  return make_fault(FaultKind::kInvalidHeader, std::move(r));
}
Fault action_not_supported(std::string r) {
  return make_fault(FaultKind::kActionNotSupported, std::move(r));
}
Fault destination_unreachable(std::string r) {
  return make_fault(FaultKind::kDestinationUnreachable, std::move(r));
}
Fault invalid_resource_uri(std::string r) {
  return make_fault(FaultKind::kInvalidResourceUri, std::move(r));
}
Fault invalid_selectors(std::string r, std::string_view detail) {
  return make_fault(FaultKind::kInvalidSelectors, std::move(r), detail);
}
Fault schema_validation(std::string r) {
  return make_fault(FaultKind::kSchemaValidation, std::move(r));
}
Fault invalid_parameter(std::string r) {
  return make_fault(FaultKind::kInvalidParameter, std::move(r));
}
Fault invalid_options(std::string r) {
  return make_fault(FaultKind::kInvalidOptions, std::move(r));
}
Fault unsupported_feature(std::string r, std::string_view detail) {
  return make_fault(FaultKind::kUnsupportedFeature, std::move(r), detail);
}
Fault filter_dialect_unavailable(std::string r) {
  return make_fault(FaultKind::kFilterDialectUnavailable, std::move(r));
}
Fault cannot_process_filter(std::string r) {
  return make_fault(FaultKind::kCannotProcessFilter, std::move(r));
}
Fault invalid_enumeration_context(std::string r) {
  return make_fault(FaultKind::kInvalidEnumerationContext, std::move(r));
}
Fault enumeration_timed_out(std::string r) {
  return make_fault(FaultKind::kEnumerationTimedOut, std::move(r));
}
Fault timed_out(std::string r) {
  return make_fault(FaultKind::kTimedOut, std::move(r));
}
Fault access_denied(std::string r) {
  return make_fault(FaultKind::kAccessDenied, std::move(r));
}
Fault quota_limit(std::string r) {
  return make_fault(FaultKind::kQuotaLimit, std::move(r));
}
Fault internal_error(std::string r) {
  return make_fault(FaultKind::kInternalError, std::move(r));
}
}  // namespace faults

std::string write_fault(const Fault& f, std::string_view relates_to, std::string_view message_id) {
  if (relates_to.empty()) relates_to = f.relates_to;
  std::string out;
  out += kEnvelopeOpen;
  std::string_view action = f.action;
  if (action.empty()) {
    action = f.subcode_ns == uri::kAddressing    ? uri::kActionAddressingFault
             : f.subcode_ns == uri::kEnumeration ? uri::kActionEnumerationFault
                                                 : uri::kActionFault;
  }
  out += header(action, message_id, relates_to);
  out += "<s:Body><s:Fault><s:Code><s:Value>"sv;
  switch (f.code) {
    case Fault::Code::kSender:
      out += "s:Sender"sv;
      break;
    case Fault::Code::kReceiver:
      out += "s:Receiver"sv;
      break;
    case Fault::Code::kVersionMismatch:
      out += "s:VersionMismatch"sv;
      break;
    case Fault::Code::kMustUnderstand:
      out += "s:MustUnderstand"sv;
      break;
  }
  out += "</s:Value>"sv;
  if (!f.subcode.empty()) {
    out += fmt::format("<s:Subcode><s:Value>{}:{}</s:Value></s:Subcode>", prefix_for(f.subcode_ns),
                       f.subcode);
  }
  out += "</s:Code><s:Reason><s:Text xml:lang=\"en-US\">"sv;
  xml::escape(out, f.reason);
  out += "</s:Text></s:Reason>"sv;
  if (f.wsman_code != 0 || !f.detail.empty()) {
    out += "<s:Detail>"sv;
    if (!f.detail.empty()) element(out, "w:FaultDetail", f.detail);
    if (f.wsman_code != 0) {
      out += fmt::format("<f:WSManFault xmlns:f=\"{}\" Code=\"{}\" Machine=\"hvsnap\"><f:Message>",
                         uri::kWsmanFault, f.wsman_code);
      if (f.provider.empty()) {
        xml::escape(out, f.reason);
      } else {
        // As WinRM nests a WMI error: ProviderFault around the provider's own WSManFault.
        out += "<f:ProviderFault provider=\""sv;
        xml::escape(out, f.provider);
        out += "\" path=\"hvsnap\">"sv;
        out +=
            fmt::format("<f:WSManFault xmlns:f=\"{}\" Code=\"{}\" Machine=\"hvsnap\"><f:Message>",
                        uri::kWsmanFault, f.provider_code ? f.provider_code : f.wsman_code);
        xml::escape(out, f.provider_message.empty() ? f.reason : f.provider_message);
        out += "</f:Message></f:WSManFault></f:ProviderFault>"sv;
      }
      out += "</f:Message></f:WSManFault>"sv;
    }
    out += "</s:Detail>"sv;
  }
  out += "</s:Fault></s:Body></s:Envelope>"sv;
  return out;
}

}  // namespace hvsnap::wsman
