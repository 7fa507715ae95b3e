// The WS-Management envelope codec (see messages.h; contract §8; DSP0226, MS-WSMV, libvirt's
// hyperv_wmi.c for the shapes real Hyper-V clients send and read).
#include "hvsnap/wsman/messages.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "hvsnap/cim/cimxml.h"
#include "hvsnap/cim/schema.h"
#include "hvsnap/cim/text.h"
#include "hvsnap/wsman/uris.h"
#include "xml.h"

namespace hvsnap::wsman {

namespace {

using cim::ObjectPath;
using cim::Value;

// ---------------------------------------------------------------- faults

Fault make(Fault::Code code, std::string_view ns, std::string_view sub, std::string reason,
           std::uint32_t wsman_code) {
  Fault f;
  f.code = code;
  f.subcode_ns = std::string(ns);
  f.subcode = std::string(sub);
  f.reason = std::move(reason);
  f.wsman_code = wsman_code;
  return f;
}

std::string_view prefix_for(std::string_view ns) {
  if (ns == uri::kAddressing) return "a";
  if (ns == uri::kEnumeration) return "n";
  if (ns == uri::kTransfer) return "x";
  return "w";
}

// ---------------------------------------------------------------- writing

constexpr std::string_view kEnvelopeOpen =
    "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
    "xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
    "xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\" "
    "xmlns:n=\"http://schemas.xmlsoap.org/ws/2004/09/enumeration\" "
    "xmlns:x=\"http://schemas.xmlsoap.org/ws/2004/09/transfer\" "
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
    "xmlns:cim=\"http://schemas.dmtf.org/wbem/wscim/1/common\">";

void element(std::string& out, std::string_view qname, std::string_view text) {
  out += '<';
  out += qname;
  out += '>';
  xml::escape(out, text);
  out += "</";
  out += qname;
  out += '>';
}

void write_selectors(std::string& out, const ObjectPath& path) {
  if (path.keys().empty()) return;
  out += "<w:SelectorSet>";
  for (const auto& k : path.keys()) {
    out += "<w:Selector Name=\"";
    xml::escape(out, k.name.view());
    out += "\">";
    if (k.kind == cim::KeyKind::kReference) {
      if (auto inner = ObjectPath::parse(k.value); inner.ok()) {
        out += "<a:EndpointReference>";
        write_epr_body(out, *inner);
        out += "</a:EndpointReference>";
      } else {
        xml::escape(out, k.value);
      }
    } else {
      xml::escape(out, k.value);
    }
    out += "</w:Selector>";
  }
  out += "</w:SelectorSet>";
}

void write_scalar(std::string& out, cim::CimType type, const cim::Scalar& s) {
  if (type == cim::CimType::kDateTime) {
    if (const auto* d = std::get_if<cim::DateTime>(&s)) {
      element(out, d->is_interval() ? "cim:Interval" : "cim:Datetime", d->to_xsd());
      return;
    }
  }
  if (type == cim::CimType::kBoolean) {
    if (const auto* b = std::get_if<bool>(&s)) {
      out += *b ? "true" : "false";
      return;
    }
  }
  if (type == cim::CimType::kReference) {
    if (const auto* p = std::get_if<cim::PathPtr>(&s); p != nullptr && *p) {
      write_epr_body(out, **p);
      return;
    }
  }
  if (type == cim::CimType::kInstance) {
    if (const auto* i = std::get_if<cim::InstancePtr>(&s); i != nullptr && *i) {
      xml::escape(out, cim::format_embedded_instance(**i));
      return;
    }
  }
  xml::escape(out, Value::scalar_to_text(type, s));
}

// An instance as WinRM writes one: an element named after the class in the class's
// namespace, one child per property.
std::string instance_element(const cim::Instance& inst) {
  std::string out;
  out += fmt::format("<p:{} xmlns:p=\"", inst.class_name());
  xml::escape(out, uri::resource_uri(inst.path().name_space(), inst.class_name()));
  out += "\">";
  for (const auto& p : inst.properties())
    write_property(out, p.name.view(), p.value);
  out += fmt::format("</p:{}>", inst.class_name());
  return out;
}

// Items carry what the enumeration's mode asked for (the server strips the rest when it
// takes them from the context, since a Pull does not repeat the mode).
void write_items(std::string& out, const std::vector<Item>& items, std::string_view items_qname) {
  out += '<';
  out += items_qname;
  out += '>';
  for (const auto& it : items) {
    const bool obj = it.instance.has_value();
    const bool epr = it.epr.has_value();
    if (obj && epr) out += "<w:Item>";
    if (obj) out += instance_element(*it.instance);
    if (epr) {
      out += "<a:EndpointReference>";
      write_epr_body(out, *it.epr);
      out += "</a:EndpointReference>";
    }
    if (obj && epr) out += "</w:Item>";
  }
  out += "</";
  out += items_qname;
  out += '>';
}

std::string header(std::string_view action, std::string_view message_id,
                   std::string_view relates_to) {
  std::string out;
  out += "<s:Header>";
  element(out, "a:To", uri::kAnonymous);
  out += "<a:Action s:mustUnderstand=\"true\">";
  xml::escape(out, action);
  out += "</a:Action>";
  element(out, "a:MessageID", message_id);
  if (!relates_to.empty()) element(out, "a:RelatesTo", relates_to);
  out += "</s:Header>";
  return out;
}

// ---------------------------------------------------------------- reading

struct ReadError {
  std::string what;
};

cim::Result<ObjectPath> read_epr(pugi::xml_node n);

std::optional<cim::DateTime> read_datetime(pugi::xml_node elem, const std::string& text) {
  if (auto c = xml::child(elem, uri::kCimCommon, "Datetime")) {
    if (auto d = cim::DateTime::parse_xsd_datetime(xml::trimmed_text(c)); d.ok()) return *d;
    if (auto d = cim::DateTime::parse(xml::trimmed_text(c)); d.ok()) return *d;
    return std::nullopt;
  }
  if (auto c = xml::child(elem, uri::kCimCommon, "Interval")) {
    if (auto d = cim::DateTime::parse_xsd_duration(xml::trimmed_text(c)); d.ok()) return *d;
    if (auto d = cim::DateTime::parse(xml::trimmed_text(c)); d.ok()) return *d;
    return std::nullopt;
  }
  if (auto d = cim::DateTime::parse(text); d.ok()) return *d;
  if (auto d = cim::DateTime::parse_xsd_datetime(text); d.ok()) return *d;
  if (auto d = cim::DateTime::parse_xsd_duration(text); d.ok()) return *d;
  return std::nullopt;
}

bool holds_epr(pugi::xml_node n) {
  return xml::child(n, uri::kAddressing, "ReferenceParameters") ||
         xml::child(n, uri::kAddressing, "EndpointReference");
}

// Elements of one property/parameter -> a value. `strict`: a text that does not parse as the
// schema's type is an error (server reading a request) rather than kept as text (client).
cim::Result<Value> read_value(const std::vector<pugi::xml_node>& elems, std::string_view name,
                              bool strict) {
  const cim::schema::Type* type = cim::schema::type_of(name);
  const bool array = (type != nullptr && type->array) || elems.size() > 1;
  bool all_nil = true;
  for (auto e : elems)
    all_nil = all_nil && xml::is_nil(e);
  if (all_nil) return Value::null(type ? type->type : cim::CimType::kString, array);
  std::vector<cim::Scalar> scalars;
  cim::CimType got = type ? type->type : cim::CimType::kString;
  bool text_fallback = false;
  for (auto e : elems) {
    if (xml::is_nil(e)) continue;
    if (holds_epr(e)) {
      pugi::xml_node holder = e;
      if (auto inner = xml::child(e, uri::kAddressing, "EndpointReference")) holder = inner;
      auto p = read_epr(holder);
      if (!p.ok()) return cim::invalid_parameter(fmt::format("{}: {}", name, p.status().message()));
      got = cim::CimType::kReference;
      scalars.emplace_back(std::make_shared<const ObjectPath>(std::move(p).value()));
      continue;
    }
    const std::string text = xml::text(e);
    if ((type != nullptr && type->type == cim::CimType::kDateTime) ||
        xml::child(e, uri::kCimCommon, "Datetime") || xml::child(e, uri::kCimCommon, "Interval")) {
      if (auto d = read_datetime(e, xml::trimmed_text(e))) {
        got = cim::CimType::kDateTime;
        scalars.emplace_back(*d);
        continue;
      }
      if (strict)
        return cim::invalid_parameter(fmt::format("{}: '{}' is not a datetime", name, text));
      text_fallback = true;
      scalars.emplace_back(text);
      continue;
    }
    if (type != nullptr && type->type != cim::CimType::kString &&
        type->type != cim::CimType::kReference) {
      auto s = Value::scalar_from_text(type->type, xml::trimmed_text(e));
      if (s.ok()) {
        scalars.push_back(std::move(s).value());
        continue;
      }
      if (strict) return cim::invalid_parameter(fmt::format("{}: {}", name, s.status().message()));
      text_fallback = true;
      scalars.emplace_back(text);
      continue;
    }
    if (type != nullptr && type->type == cim::CimType::kReference) {
      // A REF given as WMI path text (as scripting clients sometimes pass it) stays text.
      text_fallback = true;
    }
    scalars.emplace_back(text);
  }
  if (text_fallback) {
    // Mixed or unparsable: everything as text.
    std::vector<cim::Scalar> texts;
    for (auto e : elems) {
      if (!xml::is_nil(e)) texts.emplace_back(xml::text(e));
    }
    return array ? Value::array(cim::CimType::kString, std::move(texts))
                 : Value::of(cim::CimType::kString, texts.front());
  }
  if (array) return Value::array(got, std::move(scalars));
  return Value::of(got, std::move(scalars.front()));
}

// Children of `parent` grouped by local name, in first-seen order.
std::vector<std::pair<std::string, std::vector<pugi::xml_node>>> grouped(pugi::xml_node parent) {
  std::vector<std::pair<std::string, std::vector<pugi::xml_node>>> out;
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    const std::string name(xml::local_name(c));
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const auto& g) { return cim::iequals(g.first, name); });
    if (it == out.end()) {
      out.push_back({name, {c}});
    } else {
      it->second.push_back(c);
    }
  }
  return out;
}

cim::Result<ObjectPath> path_from(std::string_view resource, pugi::xml_node selector_set) {
  auto res = uri::parse_resource_uri(resource);
  if (!res.ok()) return res.status();
  if (res->class_name == "*")
    return cim::invalid_parameter("an instance cannot be named by the wildcard resource URI");
  ObjectPath p{cim::Name(res->name_space), cim::Name(res->class_name)};
  if (selector_set) {
    for (pugi::xml_node s = selector_set.first_child(); s; s = s.next_sibling()) {
      if (s.type() != pugi::node_element) continue;
      if (!xml::is(s, uri::kWsman, "Selector")) {
        return cim::invalid_parameter(fmt::format("unexpected <{}> in the SelectorSet", s.name()));
      }
      const std::string name = xml::attr(s, "Name").value();
      if (name.empty()) return cim::invalid_parameter("a Selector has no Name");
      if (p.key(name) != nullptr)
        return cim::invalid_parameter(fmt::format("the selector {} is given twice", name));
      if (auto inner = xml::child(s, uri::kAddressing, "EndpointReference")) {
        auto ip = read_epr(inner);
        if (!ip.ok()) return ip.status();
        p.add_key(cim::Name(name), ip->to_string(), cim::KeyKind::kReference);
      } else if (cim::iequals(name, "__cimnamespace")) {
        p.set_namespace(cim::Name(xml::trimmed_text(s)));
      } else {
        p.add_key(cim::Name(name), xml::text(s));
      }
    }
  }
  return p;
}

cim::Result<ObjectPath> read_epr(pugi::xml_node n) {
  pugi::xml_node params = xml::child(n, uri::kAddressing, "ReferenceParameters");
  if (!params) return cim::invalid_parameter("an endpoint reference has no ReferenceParameters");
  pugi::xml_node res = xml::child(params, uri::kWsman, "ResourceURI");
  if (!res) return cim::invalid_parameter("an endpoint reference has no ResourceURI");
  return path_from(xml::trimmed_text(res), xml::child(params, uri::kWsman, "SelectorSet"));
}

cim::Result<cim::Instance> read_instance(pugi::xml_node e) {
  auto res = uri::parse_resource_uri(xml::ns_of(e));
  std::string ns = res.ok() ? res->name_space : std::string();
  cim::Instance inst{cim::Name(xml::local_name(e))};
  for (auto& [name, elems] : grouped(e)) {
    auto v = read_value(elems, name, false);
    if (!v.ok()) return v.status();
    inst.add(cim::Name(name), std::move(v).value());
  }
  ObjectPath p{cim::Name(ns), cim::Name(xml::local_name(e))};
  inst.set_path(std::move(p));
  return inst;
}

struct Loaded {
  pugi::xml_document doc;
  pugi::xml_node header, body;
};

// Size, XML, DOCTYPE, depth, SOAP 1.2 envelope: the checks every message passes first.
std::optional<Fault> load(std::string_view text, const ParseLimits& limits, Loaded& out) {
  if (text.size() > limits.max_bytes) {
    return faults::encoding_limit(
        fmt::format("the envelope is {} bytes; this service accepts at most {}", text.size(),
                    limits.max_bytes));
  }
  const auto r =
      out.doc.load_buffer(text.data(), text.size(),
                          pugi::parse_default | pugi::parse_doctype | pugi::parse_ws_pcdata_single,
                          pugi::encoding_utf8);
  if (!r) {
    return faults::invalid_xml(fmt::format("the request is not well-formed XML: {} at offset {}",
                                           r.description(), r.offset));
  }
  for (pugi::xml_node c = out.doc.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_doctype) {
      return faults::invalid_xml("a DOCTYPE is not allowed (no DTDs, no entity expansion)");
    }
  }
  if (xml::depth(out.doc) > limits.max_depth) {
    return faults::encoding_limit(fmt::format("elements nest deeper than {}", limits.max_depth));
  }
  pugi::xml_node env = out.doc.document_element();
  if (xml::local_name(env) != "Envelope")
    return faults::invalid_xml("the root element is not a SOAP Envelope");
  if (xml::ns_of(env) != uri::kSoap) {
    return faults::version_mismatch(fmt::format(
        "the envelope's namespace '{}' is not SOAP 1.2 ({})", xml::ns_of(env), uri::kSoap));
  }
  out.header = xml::child(env, uri::kSoap, "Header");
  out.body = xml::child(env, uri::kSoap, "Body");
  if (!out.body) return faults::invalid_xml("the envelope has no SOAP Body");
  return std::nullopt;
}

pugi::xml_node first_element(pugi::xml_node n) {
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element) return c;
  }
  return {};
}

std::uint32_t to_u32(std::string_view text, std::uint32_t fallback) {
  std::uint64_t v = 0;
  if (text.empty() || text.size() > 10) return fallback;
  for (char c : text) {
    if (c < '0' || c > '9') return fallback;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v > UINT32_MAX ? fallback : static_cast<std::uint32_t>(v);
}

}  // namespace

// ---------------------------------------------------------------- public

std::string Fault::to_string() const {
  return fmt::format("{}:{}{}: {}", prefix_for(subcode_ns), subcode,
                     wsman_code ? fmt::format(" ({})", wsman_code) : "", reason);
}

namespace faults {
Fault invalid_xml(std::string r) {
  return make(Fault::Code::kSender, uri::kWsman, "SchemaValidationError", std::move(r),
              2150858819u);
}
Fault encoding_limit(std::string r) {
  return make(Fault::Code::kSender, uri::kWsman, "EncodingLimit", std::move(r), 2150858805u);
}
Fault version_mismatch(std::string r) {
  Fault f = make(Fault::Code::kVersionMismatch, uri::kWsman, "", std::move(r), 2150858765u);
  return f;
}
Fault missing_header(std::string r) {
  return make(Fault::Code::kSender, uri::kAddressing, "MessageInformationHeaderRequired",
              std::move(r), 2150858769u);
}
Fault action_not_supported(std::string r) {
  return make(Fault::Code::kSender, uri::kAddressing, "ActionNotSupported", std::move(r),
              2150858753u);
}
Fault destination_unreachable(std::string r) {
  return make(Fault::Code::kSender, uri::kAddressing, "DestinationUnreachable", std::move(r),
              2150858752u);
}
Fault invalid_resource_uri(std::string r) {
  return make(Fault::Code::kSender, uri::kAddressing, "DestinationUnreachable", std::move(r),
              2150858811u);
}
Fault invalid_selectors(std::string r) {
  return make(Fault::Code::kSender, uri::kWsman, "InvalidSelectors", std::move(r), 2150858813u);
}
Fault schema_validation(std::string r) {
  return make(Fault::Code::kSender, uri::kWsman, "SchemaValidationError", std::move(r),
              2150858817u);
}
Fault invalid_parameter(std::string r) {
  return make(Fault::Code::kSender, uri::kWsman, "InvalidParameter", std::move(r), 2150858810u);
}
Fault filter_dialect_unavailable(std::string r) {
  return make(Fault::Code::kSender, uri::kEnumeration, "FilterDialectRequestedUnavailable",
              std::move(r), 2150858777u);
}
Fault cannot_process_filter(std::string r) {
  return make(Fault::Code::kSender, uri::kEnumeration, "CannotProcessFilter", std::move(r),
              2150858778u);
}
Fault invalid_enumeration_context(std::string r) {
  return make(Fault::Code::kReceiver, uri::kEnumeration, "InvalidEnumerationContext", std::move(r),
              2150858779u);
}
Fault access_denied(std::string r) {
  Fault f = make(Fault::Code::kSender, uri::kWsman, "AccessDenied", std::move(r), 5u);
  return f;
}
Fault quota_limit(std::string r) {
  return make(Fault::Code::kReceiver, uri::kWsman, "QuotaLimit", std::move(r), 2150858815u);
}
Fault internal_error(std::string r) {
  return make(Fault::Code::kReceiver, uri::kWsman, "InternalError", std::move(r), 2150858755u);
}
}  // namespace faults

void write_property(std::string& out, std::string_view name, const Value& v) {
  auto open = [&] {
    out += "<p:";
    out += name;
    out += '>';
  };
  auto close = [&] {
    out += "</p:";
    out += name;
    out += '>';
  };
  if (v.is_null()) {
    out += "<p:";
    out += name;
    out += " xsi:nil=\"true\"/>";
    return;
  }
  if (v.is_array()) {
    for (const auto& s : v.items()) {
      open();
      write_scalar(out, v.type(), s);
      close();
    }
    return;
  }
  open();
  write_scalar(out, v.type(), *v.scalar());
  close();
}

void write_epr_body(std::string& out, const ObjectPath& path) {
  element(out, "a:Address", uri::kAnonymous);
  out += "<a:ReferenceParameters>";
  element(out, "w:ResourceURI", uri::resource_uri(path.name_space(), path.class_name()));
  write_selectors(out, path);
  out += "</a:ReferenceParameters>";
}

std::string write_request(const Request& r) {
  std::string out;
  out.reserve(1024);
  out += kEnvelopeOpen;
  out += "<s:Header>";
  element(out, "a:To",
          r.to.empty() ? std::string_view("http://localhost:5985/wsman") : std::string_view(r.to));
  if (!r.resource_uri.empty()) {
    out += "<w:ResourceURI s:mustUnderstand=\"true\">";
    xml::escape(out, r.resource_uri);
    out += "</w:ResourceURI>";
  }
  out += "<a:ReplyTo><a:Address s:mustUnderstand=\"true\">";
  out += uri::kAnonymous;
  out += "</a:Address></a:ReplyTo>";
  out += "<a:Action s:mustUnderstand=\"true\">";
  xml::escape(out, r.action);
  out += "</a:Action>";
  out += fmt::format("<w:MaxEnvelopeSize s:mustUnderstand=\"true\">{}</w:MaxEnvelopeSize>",
                     r.max_envelope_size ? r.max_envelope_size : 512000);
  element(out, "a:MessageID", r.message_id);
  out += "<w:OperationTimeout>PT60.000S</w:OperationTimeout>";
  if (r.op == Operation::kGet || r.op == Operation::kInvoke) write_selectors(out, r.target);
  out += "</s:Header><s:Body>";
  switch (r.op) {
    case Operation::kGet:
    case Operation::kIdentify:
      break;
    case Operation::kEnumerate:
      out += "<n:Enumerate>";
      if (r.optimize) out += "<w:OptimizeEnumeration/>";
      if (r.max_elements) out += fmt::format("<w:MaxElements>{}</w:MaxElements>", r.max_elements);
      if (r.mode == EnumerationMode::kEpr)
        out += "<w:EnumerationMode>EnumerateEPR</w:EnumerationMode>";
      if (r.mode == EnumerationMode::kObjectAndEpr)
        out += "<w:EnumerationMode>EnumerateObjectAndEPR</w:EnumerationMode>";
      if (!r.filter.empty()) {
        out += "<w:Filter Dialect=\"";
        xml::escape(
            out, r.filter_dialect.empty() ? uri::kWqlDialect : std::string_view(r.filter_dialect));
        out += "\">";
        xml::escape(out, r.filter);
        out += "</w:Filter>";
      }
      out += "</n:Enumerate>";
      break;
    case Operation::kPull:
      out += "<n:Pull>";
      element(out, "n:EnumerationContext", r.context);
      if (r.max_elements) out += fmt::format("<n:MaxElements>{}</n:MaxElements>", r.max_elements);
      out += "</n:Pull>";
      break;
    case Operation::kRelease:
      out += "<n:Release>";
      element(out, "n:EnumerationContext", r.context);
      out += "</n:Release>";
      break;
    case Operation::kInvoke: {
      out += fmt::format("<p:{}_INPUT xmlns:p=\"", r.method);
      xml::escape(out, r.resource_uri);
      out += "\">";
      for (const auto& p : r.in)
        write_property(out, p.name.view(), p.value);
      out += fmt::format("</p:{}_INPUT>", r.method);
      break;
    }
  }
  out += "</s:Body></s:Envelope>";
  return out;
}

std::variant<Request, Fault> parse_request(std::string_view text, const ParseLimits& limits) {
  Loaded m;
  if (auto f = load(text, limits, m)) return *f;
  Request r;
  auto header_text = [&](std::string_view ns, std::string_view local) -> std::string {
    if (!m.header) return {};
    return xml::trimmed_text(xml::child(m.header, ns, local));
  };
  r.action = header_text(uri::kAddressing, "Action");
  r.to = header_text(uri::kAddressing, "To");
  r.message_id = header_text(uri::kAddressing, "MessageID");
  r.resource_uri = header_text(uri::kWsman, "ResourceURI");
  if (const std::string mes = header_text(uri::kWsman, "MaxEnvelopeSize"); !mes.empty()) {
    r.max_envelope_size = to_u32(mes, 0);
  }
  pugi::xml_node payload = first_element(m.body);
  if (r.action.empty()) {
    if (payload && xml::is(payload, uri::kIdentity, "Identify")) {
      r.op = Operation::kIdentify;
      return r;
    }
    return faults::missing_header("the request has no wsa:Action header");
  }
  if (r.message_id.empty())
    return faults::missing_header("the request has no wsa:MessageID header");

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
    auto p = path_from(r.resource_uri, m.header ? xml::child(m.header, uri::kWsman, "SelectorSet")
                                                : pugi::xml_node());
    if (!p.ok()) {
      if (res->class_name == "*") return faults::invalid_resource_uri(p.status().message());
      return faults::invalid_selectors(p.status().message());
    }
    r.target = std::move(p).value();
    return std::nullopt;
  };

  if (r.action == uri::kActionGet) {
    r.op = Operation::kGet;
    if (auto f = need_resource()) return *f;
    if (auto f = target()) return *f;
    if (r.target.keys().empty())
      return faults::invalid_selectors(
          "a Get names no instance: the SelectorSet is missing or empty");
    return r;
  }
  if (r.action == uri::kActionEnumerate) {
    r.op = Operation::kEnumerate;
    if (auto f = need_resource()) return *f;
    auto res = uri::parse_resource_uri(r.resource_uri);
    if (!res.ok()) return faults::invalid_resource_uri(res.status().message());
    r.target = ObjectPath(cim::Name(res->name_space), cim::Name(res->class_name));
    if (!payload || !xml::is(payload, uri::kEnumeration, "Enumerate")) {
      return faults::schema_validation("an Enumerate request has no wsen:Enumerate body");
    }
    pugi::xml_node filter = xml::child(payload, uri::kWsman, "Filter");
    if (!filter) filter = xml::child(payload, uri::kEnumeration, "Filter");
    if (filter) {
      r.filter_dialect = xml::attr(filter, "Dialect").value();
      r.filter = xml::trimmed_text(filter);
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
    return r;
  }
  if (r.action == uri::kActionPull || r.action == uri::kActionRelease) {
    const bool pull = r.action == uri::kActionPull;
    r.op = pull ? Operation::kPull : Operation::kRelease;
    if (!payload || !xml::is(payload, uri::kEnumeration, pull ? "Pull" : "Release")) {
      return faults::schema_validation(fmt::format("a {} request has no wsen:{} body",
                                                   pull ? "Pull" : "Release",
                                                   pull ? "Pull" : "Release"));
    }
    r.context = xml::trimmed_text(xml::child(payload, uri::kEnumeration, "EnumerationContext"));
    if (r.context.empty())
      return faults::invalid_enumeration_context("the request carries no EnumerationContext");
    if (auto mx = xml::child(payload, uri::kEnumeration, "MaxElements")) {
      r.max_elements = to_u32(xml::trimmed_text(mx), 0);
      if (r.max_elements == 0)
        return faults::invalid_parameter("MaxElements must be a positive number");
    }
    return r;
  }
  // Invoke: the action is the resource URI, a slash and the method.
  if (auto f = need_resource()) return *f;
  const std::size_t slash = r.action.rfind('/');
  if (slash == std::string::npos || slash + 1 == r.action.size() ||
      !cim::iequals(std::string_view(r.action).substr(0, slash), r.resource_uri)) {
    return faults::action_not_supported(
        fmt::format("the action '{}' is neither a WS-Transfer or WS-Enumeration "
                    "action nor the resource URI followed by a method",
                    r.action));
  }
  r.op = Operation::kInvoke;
  r.method = r.action.substr(slash + 1);
  if (auto f = target()) return *f;
  if (!payload || xml::local_name(payload) != r.method + "_INPUT") {
    return faults::schema_validation(
        fmt::format("the body of {} must be <{}_INPUT>", r.method, r.method));
  }
  for (auto& [name, elems] : grouped(payload)) {
    auto v = read_value(elems, name, true);
    if (!v.ok()) return faults::schema_validation(v.status().message());
    cim::set(r.in, name, std::move(v).value());
  }
  return r;
}

std::string write_response(const Request& r, const Response& resp, std::string_view message_id) {
  if (resp.fault) return write_fault(*resp.fault, r.message_id, message_id);
  std::string out;
  out.reserve(2048);
  out += kEnvelopeOpen;
  switch (r.op) {
    case Operation::kGet:
      out += header(uri::kActionGetResponse, message_id, r.message_id);
      out += "<s:Body>";
      if (!resp.items.empty() && resp.items.front().instance)
        out += instance_element(*resp.items.front().instance);
      out += "</s:Body>";
      break;
    case Operation::kEnumerate:
      out += header(uri::kActionEnumerateResponse, message_id, r.message_id);
      out += "<s:Body><n:EnumerateResponse>";
      element(out, "n:EnumerationContext", resp.context);
      if (r.optimize) {
        write_items(out, resp.items, "w:Items");
        if (resp.end_of_sequence) out += "<w:EndOfSequence/>";
      }
      out += "</n:EnumerateResponse></s:Body>";
      break;
    case Operation::kPull:
      out += header(uri::kActionPullResponse, message_id, r.message_id);
      out += "<s:Body><n:PullResponse>";
      if (!resp.end_of_sequence) element(out, "n:EnumerationContext", resp.context);
      write_items(out, resp.items, "n:Items");
      if (resp.end_of_sequence) out += "<n:EndOfSequence/>";
      out += "</n:PullResponse></s:Body>";
      break;
    case Operation::kRelease:
      out += header(uri::kActionReleaseResponse, message_id, r.message_id);
      out += "<s:Body/>";
      break;
    case Operation::kInvoke: {
      out += header(r.action + "Response", message_id, r.message_id);
      out += fmt::format("<s:Body><p:{}_OUTPUT xmlns:p=\"", r.method);
      xml::escape(out, r.resource_uri);
      out += "\">";
      if (resp.output) {
        for (const auto& p : resp.output->out)
          write_property(out, p.name.view(), p.value);
        write_property(out, "ReturnValue", Value::uint32(resp.output->return_value));
      }
      out += fmt::format("</p:{}_OUTPUT></s:Body>", r.method);
      break;
    }
    case Operation::kIdentify:
      out += "<s:Header/><s:Body><wsmid:IdentifyResponse xmlns:wsmid=\"";
      out += uri::kIdentity;
      out += "\">";
      element(out, "wsmid:ProtocolVersion", uri::kWsman);
      element(out, "wsmid:ProductVendor", resp.product_vendor);
      element(out, "wsmid:ProductVersion", resp.product_version);
      out += "</wsmid:IdentifyResponse></s:Body>";
      break;
  }
  out += "</s:Envelope>";
  return out;
}

std::string write_fault(const Fault& f, std::string_view relates_to, std::string_view message_id) {
  std::string out;
  out += kEnvelopeOpen;
  out += header(f.subcode_ns == uri::kAddressing ? uri::kActionAddressingFault : uri::kActionFault,
                message_id, relates_to);
  out += "<s:Body><s:Fault><s:Code><s:Value>";
  switch (f.code) {
    case Fault::Code::kSender:
      out += "s:Sender";
      break;
    case Fault::Code::kReceiver:
      out += "s:Receiver";
      break;
    case Fault::Code::kVersionMismatch:
      out += "s:VersionMismatch";
      break;
  }
  out += "</s:Value>";
  if (!f.subcode.empty()) {
    out += fmt::format("<s:Subcode><s:Value>{}:{}</s:Value></s:Subcode>", prefix_for(f.subcode_ns),
                       f.subcode);
  }
  out += "</s:Code><s:Reason><s:Text xml:lang=\"en-US\">";
  xml::escape(out, f.reason);
  out += "</s:Text></s:Reason>";
  if (f.wsman_code != 0) {
    out += fmt::format(
        "<s:Detail><f:WSManFault xmlns:f=\"{}\" Code=\"{}\" Machine=\"hvsnap\"><f:Message>",
        uri::kWsmanFault, f.wsman_code);
    xml::escape(out, f.reason);
    out += "</f:Message></f:WSManFault></s:Detail>";
  }
  out += "</s:Fault></s:Body></s:Envelope>";
  return out;
}

cim::Result<Response> parse_response(std::string_view text, const ParseLimits& limits) {
  Loaded m;
  if (auto f = load(text, limits, m))
    return cim::failed("the response is not a usable SOAP envelope: " + f->reason);
  Response r;
  if (m.header) {
    r.action = xml::trimmed_text(xml::child(m.header, uri::kAddressing, "Action"));
    r.relates_to = xml::trimmed_text(xml::child(m.header, uri::kAddressing, "RelatesTo"));
  }
  pugi::xml_node payload = first_element(m.body);
  if (payload && xml::is(payload, uri::kSoap, "Fault")) {
    Fault f;
    pugi::xml_node code = xml::child(payload, uri::kSoap, "Code");
    const std::string value = xml::trimmed_text(xml::child(code, uri::kSoap, "Value"));
    const std::string_view local = xml::local_name(value.c_str());
    f.code = local == "Receiver"          ? Fault::Code::kReceiver
             : local == "VersionMismatch" ? Fault::Code::kVersionMismatch
                                          : Fault::Code::kSender;
    if (pugi::xml_node sub = xml::child(code, uri::kSoap, "Subcode")) {
      pugi::xml_node sv = xml::child(sub, uri::kSoap, "Value");
      const std::string q = xml::trimmed_text(sv);
      const std::size_t colon = q.find(':');
      f.subcode = colon == std::string::npos ? q : q.substr(colon + 1);
      // Resolve the QName's prefix against the Value element's scope.
      if (colon != std::string::npos) {
        const std::string attr_name = "xmlns:" + q.substr(0, colon);
        for (pugi::xml_node cur = sv; cur && cur.type() == pugi::node_element; cur = cur.parent()) {
          if (auto a = cur.attribute(attr_name.c_str())) {
            f.subcode_ns = a.value();
            break;
          }
        }
      }
    }
    f.reason = xml::trimmed_text(
        xml::child(xml::child(payload, uri::kSoap, "Reason"), uri::kSoap, "Text"));
    if (pugi::xml_node detail = xml::child(payload, uri::kSoap, "Detail")) {
      if (pugi::xml_node wf = xml::child(detail, uri::kWsmanFault, "WSManFault")) {
        f.wsman_code = to_u32(xml::attr(wf, "Code").value(), 0);
        const std::string msg = xml::trimmed_text(xml::child(wf, uri::kWsmanFault, "Message"));
        if (f.reason.empty()) f.reason = msg;
      }
    }
    r.fault = std::move(f);
    return r;
  }
  if (!payload) return r;  // ReleaseResponse and the like
  auto read_items = [&](pugi::xml_node items) -> cim::Status {
    for (pugi::xml_node c = items.first_child(); c; c = c.next_sibling()) {
      if (c.type() != pugi::node_element) continue;
      Item it;
      if (xml::is(c, uri::kWsman, "Item")) {
        for (pugi::xml_node k = c.first_child(); k; k = k.next_sibling()) {
          if (k.type() != pugi::node_element) continue;
          if (xml::is(k, uri::kAddressing, "EndpointReference")) {
            auto p = read_epr(k);
            if (!p.ok()) return p.status();
            it.epr = std::move(p).value();
          } else {
            auto inst = read_instance(k);
            if (!inst.ok()) return inst.status();
            it.instance = std::move(inst).value();
          }
        }
      } else if (xml::is(c, uri::kAddressing, "EndpointReference")) {
        auto p = read_epr(c);
        if (!p.ok()) return p.status();
        it.epr = std::move(p).value();
      } else {
        auto inst = read_instance(c);
        if (!inst.ok()) return inst.status();
        it.instance = std::move(inst).value();
      }
      if (it.instance && it.epr) it.instance->set_path(*it.epr);
      r.items.push_back(std::move(it));
    }
    return {};
  };
  if (xml::is(payload, uri::kEnumeration, "EnumerateResponse") ||
      xml::is(payload, uri::kEnumeration, "PullResponse")) {
    r.context = xml::trimmed_text(xml::child(payload, uri::kEnumeration, "EnumerationContext"));
    pugi::xml_node items = xml::child(payload, uri::kWsman, "Items");
    if (!items) items = xml::child(payload, uri::kEnumeration, "Items");
    if (items) {
      if (auto st = read_items(items); !st.ok()) return st;
    }
    r.end_of_sequence = static_cast<bool>(xml::child(payload, uri::kWsman, "EndOfSequence")) ||
                        static_cast<bool>(xml::child(payload, uri::kEnumeration, "EndOfSequence"));
    return r;
  }
  if (xml::is(payload, uri::kIdentity, "IdentifyResponse")) {
    r.product_vendor = xml::trimmed_text(xml::child(payload, uri::kIdentity, "ProductVendor"));
    r.product_version = xml::trimmed_text(xml::child(payload, uri::kIdentity, "ProductVersion"));
    return r;
  }
  const std::string_view local = xml::local_name(payload);
  if (local.size() > 7 && local.substr(local.size() - 7) == "_OUTPUT") {
    cim::MethodResult mr;
    bool have_return = false;
    for (auto& [name, elems] : grouped(payload)) {
      auto v = read_value(elems, name, false);
      if (!v.ok()) return v.status();
      if (cim::iequals(name, "ReturnValue")) {
        auto u = v->as_uint();
        if (!u) {
          auto parsed = Value::from_text(cim::CimType::kUint32, xml::trimmed_text(elems.front()));
          if (!parsed.ok()) return cim::failed("the method output's ReturnValue is not a number");
          u = parsed->as_uint();
        }
        mr.return_value = static_cast<std::uint32_t>(*u);
        have_return = true;
      } else {
        cim::set(mr.out, name, std::move(v).value());
      }
    }
    if (!have_return) return cim::failed("the method output has no ReturnValue");
    r.output = std::move(mr);
    return r;
  }
  auto inst = read_instance(payload);
  if (!inst.ok()) return inst.status();
  Item it;
  it.instance = std::move(inst).value();
  r.items.push_back(std::move(it));
  return r;
}

}  // namespace hvsnap::wsman
