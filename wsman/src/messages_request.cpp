// The server's reading of a request envelope: its headers (addressing, mustUnderstand,
// options), its operation and body, association filters (DSP0227) and the MessageID salvaged
// from a request that could not be read (contract §8, decision 0021).
#include <fmt/format.h>

#include <cctype>
#include <vector>

#include "hvsnap/cim/text.h"
#include "hvsnap/wsman/uris.h"
#include "messages_impl.h"
#include "xml.h"

namespace hvsnap::wsman {

namespace {

// DSP0227 8.2: <wsmb:AssociatedInstances> / <wsmb:AssociationInstances> holding the source
// object's EPR and the optional class, role and property filters.
std::variant<AssociationFilter, Fault> parse_association_filter(pugi::xml_node n) {
  AssociationFilter out;
  if (xml::is(n, uri::kCimBinding, "AssociatedInstances")) {
    out.associated = true;
  } else if (xml::is(n, uri::kCimBinding, "AssociationInstances")) {
    out.associated = false;
  } else {
    return faults::cannot_process_filter(
        fmt::format("the association filter holds <{}>, not wsmb:AssociatedInstances or "
                    "wsmb:AssociationInstances",
                    n.name()));
  }
  bool have_object = false;
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    if (xml::ns_of(c) != uri::kCimBinding) {
      return faults::cannot_process_filter(
          fmt::format("the association filter holds an unexpected <{}>", c.name()));
    }
    const std::string_view l = xml::local_name(c);
    const std::string v = xml::trimmed_text(c);
    if (l == "Object") {
      auto p = read_epr(c);
      if (!p.ok()) {
        return faults::cannot_process_filter(
            fmt::format("the association filter's Object: {}", p.status().message()));
      }
      out.object = std::move(p).value();
      have_object = true;
    } else if (l == "AssociationClassName" && out.associated) {
      out.filter.assoc_class = v;
    } else if (l == "ResultClassName") {
      out.filter.result_class = v;
    } else if (l == "Role") {
      out.filter.role = v;
    } else if (l == "ResultRole" && out.associated) {
      out.filter.result_role = v;
    } else if (l == "IncludeResultProperty") {
      out.include_properties.push_back(v);
    } else {
      return faults::cannot_process_filter(
          fmt::format("the association filter's <{}> is not supported in wsmb:{}", c.name(),
                      out.associated ? "AssociatedInstances" : "AssociationInstances"));
    }
  }
  if (!have_object)
    return faults::cannot_process_filter("the association filter names no wsmb:Object");
  return out;
}

// A MessageID must be a URI with no white space; "uuid:" ones must carry a UUID (DSP0226
// R5.4.4; MS-WSMV 3.1.4.1.x). Bare counters ("1") are URI references and are accepted.
bool plausible_message_id(std::string_view id) {
  if (id.empty() || id.size() > 1024) return false;
  for (char c : id) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == '<' || c == '>' || c == '"') return false;
  }
  if (id.size() >= 5 && cim::iequals(id.substr(0, 5), "uuid:")) {
    const std::string_view u = id.substr(5);
    if (u.size() != 36) return false;
    for (std::size_t i = 0; i < u.size(); ++i) {
      const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash ? u[i] != '-' : !std::isxdigit(static_cast<unsigned char>(u[i]))) return false;
    }
  }
  return true;
}

bool soap_true(pugi::xml_node n, std::string_view local) {
  // An attribute of that local name in the SOAP envelope namespace, "true" or "1".
  for (pugi::xml_attribute a = n.first_attribute(); a; a = a.next_attribute()) {
    const std::string_view name = a.name();
    const std::size_t colon = name.find(':');
    if (colon == std::string_view::npos || name.substr(colon + 1) != local) continue;
    const std::string_view prefix = name.substr(0, colon);
    std::string_view ns;
    const std::string decl = "xmlns:" + std::string(prefix);
    for (pugi::xml_node cur = n; cur && cur.type() == pugi::node_element; cur = cur.parent()) {
      if (auto d = cur.attribute(decl.c_str())) {
        ns = d.value();
        break;
      }
    }
    if (ns != uri::kSoap) continue;
    return xml::true_text(a.value());
  }
  return false;
}

// Headers this service reads or may ignore safely; any other header marked
// s:mustUnderstand="true" is refused (SOAP 1.2 §5.2.3).
bool known_header(std::string_view ns, std::string_view l) {
  if (ns == uri::kAddressing) {
    return l == "To" || l == "Action" || l == "MessageID" || l == "ReplyTo" || l == "FaultTo" ||
           l == "From" || l == "RelatesTo";
  }
  if (ns == uri::kWsman) {
    return l == "ResourceURI" || l == "SelectorSet" || l == "OperationTimeout" ||
           l == "MaxEnvelopeSize" || l == "Locale" || l == "OptionSet" || l == "RequestEPR";
  }
  if (ns == uri::kMsWsman) {
    return l == "DataLocale" || l == "SessionId" || l == "OperationID" || l == "SequenceId" ||
           l == "SessionIdentifier";
  }
  if (ns == uri::kControl) return l == "AdvanceFirst" || l == "TellClock";  // decision 0140
  return false;
}

std::optional<std::int64_t> duration_ms(std::string_view text) {
  auto d = cim::DateTime::parse_xsd_duration(text);
  if (!d.ok() || !d->is_interval()) return std::nullopt;
  return d->micros() / 1000;
}

}  // namespace

// The MessageID of a request that could not be read as a whole, so that even a fault raised
// before dispatch carries RelatesTo: the text of the first element whose local name is
// MessageID, when it is a plausible URI. Best effort, never trusted for anything else.
std::string salvage_message_id(std::string_view text) {
  std::size_t at = 0;
  while ((at = text.find("MessageID", at)) != std::string_view::npos) {
    const std::size_t gt = text.find('>', at);
    if (gt == std::string_view::npos) return {};
    if (text[gt - 1] == '/' || (at > 0 && text[at - 1] != ':' && text[at - 1] != '<')) {
      at = gt;
      continue;
    }
    const std::size_t lt = text.find('<', gt);
    if (lt == std::string_view::npos) return {};
    std::string_view id = text.substr(gt + 1, lt - gt - 1);
    while (!id.empty() && std::isspace(static_cast<unsigned char>(id.front())))
      id.remove_prefix(1);
    while (!id.empty() && std::isspace(static_cast<unsigned char>(id.back())))
      id.remove_suffix(1);
    if (id.empty() || id.size() > 256) return {};
    for (char c : id) {
      if (static_cast<unsigned char>(c) <= 0x20 || c == '&' || c == '"') return {};
    }
    return std::string(id);
  }
  return {};
}

namespace {

// The parts of parse_request, split along its seams (decision 0088): each reads into the
// request and answers the fault the request gets, if any (parse_request adds RelatesTo).

// The header's child elements with their namespace and local name, resolved once: a request's
// dozen header lookups then compare names instead of each walking the header and resolving
// prefixes again (decision 0095). find() answers as xml::child would: the first match.
class Headers {
 public:
  explicit Headers(pugi::xml_node header) {
    if (!header) return;
    xml::PrefixMemo scope(header);  // the headers share the Header's scope (decision 0124)
    entries_.reserve(16);
    for (pugi::xml_node h = header.first_child(); h; h = h.next_sibling()) {
      if (h.type() == pugi::node_element)
        entries_.push_back(Entry{xml::ns_of(h, scope), xml::local_name(h), h});
    }
  }
  pugi::xml_node find(std::string_view ns, std::string_view local) const {
    for (const Entry& e : entries_) {
      if (e.local == local && e.ns == ns) return e.node;
    }
    return {};
  }
  struct Entry {
    std::string_view ns;
    std::string_view local;
    pugi::xml_node node;
  };
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
};

pugi::xml_node header_child(const Headers& headers, std::string_view ns, std::string_view local) {
  return headers.find(ns, local);
}

// The headers: mustUnderstand on anything unknown; Locale; MaxEnvelopeSize; timeouts; options.
std::optional<Fault> read_headers(Request& r, const Headers& header) {
  for (const Headers::Entry& h : header.entries()) {
    if (!known_header(h.ns, h.local) && soap_true(h.node, "mustUnderstand")) {
      return faults::must_understand(
          fmt::format("the header {{{}}}{} is marked mustUnderstand and this service does not "
                      "process it",
                      h.ns, h.local));
    }
  }
  if (pugi::xml_node loc = header_child(header, uri::kWsman, "Locale")) {
    r.locale = loc.attribute("xml:lang").value();  // the prefix xml is bound by definition
    if (soap_true(loc, "mustUnderstand")) {
      return faults::unsupported_feature(
          "w:Locale must not be marked mustUnderstand=\"true\" (MS-WSMV 3.1.4.1.x); this service "
          "answers in en-US",
          fault_detail::kLocale);
    }
  }
  if (pugi::xml_node mes = header_child(header, uri::kWsman, "MaxEnvelopeSize")) {
    const std::string t = xml::trimmed_text(mes);
    if (!is_xsd_integer(t, false) || t.size() > 10) {
      return faults::schema_validation(
          fmt::format("w:MaxEnvelopeSize '{}' is not a positive number of octets", t));
    }
    r.max_envelope_size = std::stoull(t[0] == '+' ? t.substr(1) : t);
  }
  if (pugi::xml_node ot = header_child(header, uri::kWsman, "OperationTimeout")) {
    const std::string t = xml::trimmed_text(ot);
    auto ms = duration_ms(t);
    if (!ms) {
      return faults::invalid_parameter(
          fmt::format("w:OperationTimeout '{}' is not an xs:duration such as PT60S", t));
    }
    r.operation_timeout_ms = *ms;
  }
  // The control extension's headers (decision 0140); a served fake acts on them, anything
  // else ignores them (none is sent marked mustUnderstand).
  for (const Headers::Entry& h : header.entries()) {
    if (h.ns != uri::kControl) continue;
    if (r.control_must_understand.empty() && soap_true(h.node, "mustUnderstand"))
      r.control_must_understand = fmt::format("h:{}", h.local);
    if (h.local == "AdvanceFirst" && h.node != header_child(header, uri::kControl, h.local))
      return faults::invalid_header("h:AdvanceFirst appears more than once in the request");
  }
  if (pugi::xml_node adv = header_child(header, uri::kControl, "AdvanceFirst")) {
    const std::string t = xml::trimmed_text(adv);
    if (!is_xsd_integer(t, false) || t.size() > 15) {
      return faults::invalid_header(
          fmt::format("h:AdvanceFirst '{}' is not a number of milliseconds (0 to 15 digits)", t));
    }
    r.advance_first_ms = std::stoll(t[0] == '+' ? t.substr(1) : t);
  }
  r.tell_clock = header_child(header, uri::kControl, "TellClock") != nullptr;
  if (pugi::xml_node options = header_child(header, uri::kWsman, "OptionSet")) {
    for (pugi::xml_node o = options.first_child(); o; o = o.next_sibling()) {
      if (o.type() != pugi::node_element) continue;
      if (xml::true_text(xml::attr(o, "MustComply").value()) ||
          xml::true_text(xml::attr(o, "mustComply").value())) {
        return faults::invalid_options(fmt::format(
            "the option '{}' is marked MustComply and this service does not implement it",
            xml::attr(o, "Name").value()));
      }
    }
  }
  return std::nullopt;
}

// An Enumerate: its target, filter, mode and size.
std::optional<Fault> read_enumerate(Request& r, const Headers& header, pugi::xml_node payload) {
  auto res = uri::parse_resource_uri(r.resource_uri);
  if (!res.ok()) return faults::invalid_resource_uri(res.status().message());
  r.target = ObjectPath(cim::Name(res->name_space), cim::Name(res->class_name));
  // A __cimnamespace selector names the namespace of a DMTF (cim-schema) URI (MS-WSMV).
  if (pugi::xml_node set = header_child(header, uri::kWsman, "SelectorSet")) {
    for (pugi::xml_node sel = set.first_child(); sel; sel = sel.next_sibling()) {
      if (xml::is(sel, uri::kWsman, "Selector") &&
          cim::iequals(xml::attr(sel, "Name").value(), "__cimnamespace")) {
        r.target.set_namespace(cim::Name(xml::trimmed_text(sel)));
      }
    }
  }
  if (!payload || !xml::is(payload, uri::kEnumeration, "Enumerate")) {
    return faults::schema_validation("an Enumerate request has no wsen:Enumerate body");
  }
  pugi::xml_node filter = xml::child(payload, uri::kWsman, "Filter");
  if (!filter) filter = xml::child(payload, uri::kEnumeration, "Filter");
  if (filter) {
    r.filter_dialect = xml::attr(filter, "Dialect").value();
    if (r.filter_dialect == uri::kAssociationDialect) {
      // DSP0227: the filter holds an element, not text.
      for (pugi::xml_node c = filter.first_child(); c; c = c.next_sibling()) {
        if (c.type() == pugi::node_element) {
          auto parsed = parse_association_filter(c);
          if (auto* f = std::get_if<Fault>(&parsed)) return *f;
          r.association = std::get<AssociationFilter>(std::move(parsed));
        }
      }
      if (!r.association) {
        return faults::cannot_process_filter(
            "the association filter holds no AssociatedInstances or AssociationInstances");
      }
    } else {
      r.filter = xml::trimmed_text(filter);
    }
  }
  if (auto mode = xml::child(payload, uri::kWsman, "EnumerationMode")) {
    const std::string v = xml::trimmed_text(mode);
    if (v == "EnumerateEPR") {
      r.mode = EnumerationMode::kEpr;
    } else if (v == "EnumerateObjectAndEPR") {
      r.mode = EnumerationMode::kObjectAndEpr;
    } else {
      return faults::invalid_parameter(
          fmt::format("EnumerationMode '{}' is not EnumerateEPR or EnumerateObjectAndEPR", v));
    }
  }
  r.optimize = static_cast<bool>(xml::child(payload, uri::kWsman, "OptimizeEnumeration"));
  if (auto mx = xml::child(payload, uri::kWsman, "MaxElements")) {
    r.max_elements = to_u32(xml::trimmed_text(mx), 0);
    if (r.max_elements == 0)
      return faults::invalid_parameter("MaxElements must be a positive number");
  }
  return std::nullopt;
}

// A Pull or a Release: its context, size and time.
std::optional<Fault> read_pull_or_release(Request& r, pugi::xml_node payload, bool pull) {
  if (!payload || !xml::is(payload, uri::kEnumeration, pull ? "Pull" : "Release")) {
    return faults::schema_validation(fmt::format(
        "a {} request has no wsen:{} body", pull ? "Pull" : "Release", pull ? "Pull" : "Release"));
  }
  r.context = xml::trimmed_text(xml::child(payload, uri::kEnumeration, "EnumerationContext"));
  if (r.context.empty())
    return faults::invalid_enumeration_context("the request carries no EnumerationContext");
  if (auto mx = xml::child(payload, uri::kEnumeration, "MaxElements")) {
    r.max_elements = to_u32(xml::trimmed_text(mx), 0);
    if (r.max_elements == 0)
      return faults::invalid_parameter("MaxElements must be a positive number");
  }
  if (auto mt = xml::child(payload, uri::kEnumeration, "MaxTime")) {
    const std::string t = xml::trimmed_text(mt);
    auto ms = duration_ms(t);
    if (!ms) {
      return faults::invalid_parameter(
          fmt::format("wsen:MaxTime '{}' is not an xs:duration such as PT5S", t));
    }
    r.max_time_ms = *ms;
  }
  return std::nullopt;
}

}  // namespace

std::variant<Request, Fault> parse_request(std::string_view text, const ParseLimits& limits) {
  Loaded m;
  if (auto f = load(text, limits, m, true)) {
    f->relates_to = salvage_message_id(text);
    if (f->code == Fault::Code::kVersionMismatch) f->relates_to.clear();
    return *f;
  }
  Request r;
  const Headers headers(m.header);
  auto header_node = [&](std::string_view ns, std::string_view local) -> pugi::xml_node {
    return headers.find(ns, local);
  };
  auto header_text = [&](std::string_view ns, std::string_view local) -> std::string {
    return xml::trimmed_text(header_node(ns, local));
  };
  r.message_id = header_text(uri::kAddressing, "MessageID");
  auto fail = [&](Fault f) -> std::variant<Request, Fault> {
    f.relates_to = plausible_message_id(r.message_id) ? r.message_id : std::string();
    return f;
  };
  r.action = header_text(uri::kAddressing, "Action");
  r.to = header_text(uri::kAddressing, "To");
  r.resource_uri = header_text(uri::kWsman, "ResourceURI");
  pugi::xml_node payload = xml::first_element(m.body);
  if (r.action.empty()) {
    if (payload && xml::is(payload, uri::kIdentity, "Identify")) {
      r.op = Operation::kIdentify;
      return r;
    }
    return fail(faults::missing_header("the request has no wsa:Action header"));
  }
  if (!header_node(uri::kAddressing, "MessageID"))
    return fail(faults::missing_header("the request has no wsa:MessageID header"));
  if (!plausible_message_id(r.message_id)) {
    Fault f = faults::invalid_header(
        "the wsa:MessageID header is empty or not a URI (expected uuid:xxxxxxxx-xxxx-xxxx-xxxx-"
        "xxxxxxxxxxxx)");
    f.detail = std::string(fault_detail::kInvalidMessageId);
    return fail(std::move(f));
  }
  // MS-WSMV 3.1.4.1.x: ReplyTo is required and names the anonymous address.
  if (pugi::xml_node reply = header_node(uri::kAddressing, "ReplyTo")) {
    const std::string addr = xml::trimmed_text(xml::child(reply, uri::kAddressing, "Address"));
    if (addr != uri::kAnonymous) {
      return fail(faults::unsupported_feature(
          fmt::format("wsa:ReplyTo must be the anonymous address {}, not '{}'", uri::kAnonymous,
                      addr),
          fault_detail::kNotSupported));
    }
  } else {
    return fail(faults::missing_header("the request has no wsa:ReplyTo header"));
  }
  if (auto f = read_headers(r, headers)) return fail(*f);

  auto need_resource = [&]() -> std::optional<Fault> {
    if (r.resource_uri.empty())
      return faults::missing_header("the request has no wsman:ResourceURI header");
    return std::nullopt;
  };
  auto target = [&]() -> std::optional<Fault> {
    if (r.resource_uri == uri::kControl) {
      r.target = ObjectPath(cim::Name(), cim::Name("hvsnap_Control"));
      return std::nullopt;
    }
    auto res = uri::parse_resource_uri(r.resource_uri);
    if (!res.ok()) return faults::invalid_resource_uri(res.status().message());
    auto p = path_from(r.resource_uri, headers.find(uri::kWsman, "SelectorSet"));
    if (!p.ok()) {
      if (res->class_name == "*") return faults::invalid_resource_uri(p.status().message());
      const bool twice = p.status().message().find("given twice") != std::string::npos;
      return faults::invalid_selectors(
          p.status().message(), twice ? fault_detail::kDuplicateSelectors : std::string_view());
    }
    r.target = std::move(p).value();
    return std::nullopt;
  };

  if (r.action == uri::kActionGet) {
    r.op = Operation::kGet;
    if (auto f = need_resource()) return fail(*f);
    if (auto f = target()) return fail(*f);
    if (r.target.keys().empty())
      return fail(
          faults::invalid_selectors("a Get names no instance: the SelectorSet is missing or empty",
                                    fault_detail::kInsufficientSelectors));
    return r;
  }
  if (r.action == uri::kActionEnumerate) {
    r.op = Operation::kEnumerate;
    if (auto f = need_resource()) return fail(*f);
    if (auto f = read_enumerate(r, headers, payload)) return fail(*f);
    return r;
  }
  if (r.action == uri::kActionPull || r.action == uri::kActionRelease) {
    const bool pull = r.action == uri::kActionPull;
    r.op = pull ? Operation::kPull : Operation::kRelease;
    if (auto f = read_pull_or_release(r, payload, pull)) return fail(*f);
    return r;
  }
  // Invoke: the action is the resource URI, a slash and the method.
  if (auto f = need_resource()) return fail(*f);
  const std::size_t slash = r.action.rfind('/');
  if (slash == std::string::npos || slash + 1 == r.action.size() ||
      !cim::iequals(std::string_view(r.action).substr(0, slash), r.resource_uri)) {
    return fail(faults::action_not_supported(
        fmt::format("the action '{}' is neither a WS-Transfer or WS-Enumeration "
                    "action nor the resource URI followed by a method",
                    r.action)));
  }
  r.op = Operation::kInvoke;
  r.method = r.action.substr(slash + 1);
  if (auto f = target()) return fail(*f);
  if (!payload || xml::local_name(payload) != r.method + "_INPUT") {
    return fail(faults::schema_validation(
        fmt::format("the body of {} must be <{}_INPUT>", r.method, r.method)));
  }
  std::size_t count = 0;
  for (pugi::xml_node c = payload.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && ++count > limits.max_parameters) {
      return fail(faults::encoding_limit(
          fmt::format("{}_INPUT holds more than {} parameter elements, the most this service "
                      "accepts in one request",
                      r.method, limits.max_parameters)));
    }
  }
  auto groups = grouped(payload);
  r.in.reserve(groups.size());
  for (auto& [name, elems] : groups) {
    auto v = read_value(elems, name, true);
    if (!v.ok()) return fail(faults::schema_validation(v.status().message()));
    r.in.push_back(cim::Property{cim::Name(name), std::move(v).value()});
  }
  return r;
}

}  // namespace hvsnap::wsman
