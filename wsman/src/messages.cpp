// The WS-Management envelope codec (see messages.h; contract §8; DSP0226, MS-WSMV, libvirt's
// hyperv_wmi.c for the shapes real Hyper-V clients send and read).
#include "hvsnap/wsman/messages.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <iterator>
#include <map>
#include <sstream>
#include <unordered_map>

#include "hvsnap/cim/cimxml.h"
#include "hvsnap/cim/schema.h"
#include "hvsnap/cim/text.h"
#include "hvsnap/wsman/uris.h"
#include "lexical.h"
#include "xml.h"

namespace hvsnap::wsman {

using namespace std::string_view_literals;

namespace {

using cim::ObjectPath;
using cim::Value;

// ---------------------------------------------------------------- faults

std::string_view prefix_for(std::string_view ns) {
  if (ns == uri::kAddressing) return "a";
  if (ns == uri::kEnumeration) return "n";
  if (ns == uri::kTransfer) return "x";
  return "w";
}

// ---------------------------------------------------------------- writing

constexpr std::string_view kEnvelopeOpen =
    "<s:Envelope xml:lang=\"en-US\" xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
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
  out += "</"sv;
  out += qname;
  out += '>';
}

void write_selectors(std::string& out, const ObjectPath& path) {
  if (path.keys().empty()) return;
  out += "<w:SelectorSet>"sv;
  for (const auto& k : path.keys()) {
    out += "<w:Selector Name=\""sv;
    xml::escape(out, k.name.view());
    out += "\">"sv;
    if (k.kind == cim::KeyKind::kReference) {
      if (auto inner = ObjectPath::parse(k.value); inner.ok()) {
        out += "<a:EndpointReference>"sv;
        write_epr_body(out, *inner);
        out += "</a:EndpointReference>"sv;
      } else {
        xml::escape(out, k.value);
      }
    } else {
      xml::escape(out, k.value);
    }
    out += "</w:Selector>"sv;
  }
  out += "</w:SelectorSet>"sv;
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
      out += *b ? "true"sv : "false"sv;
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
  // The common cases without a temporary string: text escaped straight from the value, and
  // integers, whose decimal digits need no escaping, formatted in place (as scalar_to_text).
  if (const auto* str = std::get_if<std::string>(&s)) {
    xml::escape(out, *str);
    return;
  }
  if (const auto* u = std::get_if<std::uint64_t>(&s);
      u != nullptr && type != cim::CimType::kChar16) {
    fmt::format_to(std::back_inserter(out), "{}", *u);
    return;
  }
  if (const auto* i = std::get_if<std::int64_t>(&s)) {
    fmt::format_to(std::back_inserter(out), "{}", *i);
    return;
  }
  xml::escape(out, Value::scalar_to_text(type, s));
}

// An instance as WinRM writes one: an element named after the class in the class's
// namespace, typed with xsi:type="p:Class_Type", one child per property of the instance in
// the instance's order, nulls as xsi:nil (never omitted).
void write_instance(std::string& out, const cim::Instance& inst) {
  out.reserve(out.size() + 64 + inst.properties().size() * 48);
  out += "<p:"sv;
  out += inst.class_name();
  out += " xmlns:p=\""sv;
  xml::escape(out, uri::resource_uri(inst.path().name_space(), inst.class_name()));
  out += "\" xsi:type=\"p:"sv;
  out += inst.class_name();
  out += "_Type\">"sv;
  for (const auto& p : inst.properties())
    write_property(out, p.name.view(), p.value);
  out += "</p:"sv;
  out += inst.class_name();
  out += '>';
}

// Items carry what the enumeration's mode asked for (the server keeps only that in the
// enumeration's context, since a Pull does not repeat the mode).
void write_items(std::string& out, const Response& resp, std::string_view items_qname) {
  out += '<';
  out += items_qname;
  out += '>';
  if (!resp.encoded_items.empty()) {
    for (const auto& e : resp.encoded_items)
      out += e;
  } else {
    for (const auto& it : resp.items)
      out += item_xml(it);
  }
  out += "</"sv;
  out += items_qname;
  out += '>';
}

std::string header(std::string_view action, std::string_view message_id,
                   std::string_view relates_to) {
  std::string out;
  out += "<s:Header>"sv;
  element(out, "a:To", uri::kAnonymous);
  out += "<a:Action s:mustUnderstand=\"true\">"sv;
  xml::escape(out, action);
  out += "</a:Action>"sv;
  element(out, "a:MessageID", message_id);
  if (!relates_to.empty()) element(out, "a:RelatesTo", relates_to);
  out += "</s:Header>"sv;
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
    // One element that is not all nil is not nil (asked once above).
    if (elems.size() > 1 && xml::is_nil(e)) continue;
    if (holds_epr(e)) {
      pugi::xml_node holder = e;
      if (auto inner = xml::child(e, uri::kAddressing, "EndpointReference")) holder = inner;
      auto p = read_epr(holder);
      if (!p.ok()) {
        if (strict)
          return cim::invalid_parameter(fmt::format("{}: {}", name, p.status().message()));
        // A client keeps what it cannot read as a reference (another namespace, a draft
        // version) as text rather than losing the whole answer.
        text_fallback = true;
        scalars.emplace_back(xml::text(e));
        continue;
      }
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
      std::string lexical = xml::trimmed_text(e);
      if (strict) {
        // Only XSD's lexical forms on input (decision 0021): "+2" and "007" are numbers,
        // "0x10" is not; xs:boolean is true/false/1/0.
        const cim::CimType t = type->type;
        if (cim::is_integer(t) &&
            !is_xsd_integer(lexical, t == cim::CimType::kSint8 || t == cim::CimType::kSint16 ||
                                         t == cim::CimType::kSint32 ||
                                         t == cim::CimType::kSint64)) {
          return cim::invalid_parameter(
              fmt::format("{}: '{}' is not an xs:{} (decimal digits with an optional sign)", name,
                          lexical, cim::to_string(t)));
        }
        if (t == cim::CimType::kBoolean) {
          if (lexical == "1") lexical = "true";
          if (lexical == "0") lexical = "false";
          if (lexical != "true" && lexical != "false") {
            return cim::invalid_parameter(
                fmt::format("{}: '{}' is not an xs:boolean (true, false, 1 or 0)", name, lexical));
          }
        }
        if ((t == cim::CimType::kReal32 || t == cim::CimType::kReal64) &&
            lexical.find_first_of("xX") != std::string::npos) {
          return cim::invalid_parameter(fmt::format("{}: '{}' is not an xs:double", name, lexical));
        }
      }
      auto s = Value::scalar_from_text(type->type, lexical);
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

// ASCII case-insensitive hashing and equality, for grouping element names without lowered
// copies (CIM names are case-insensitive).
struct IHash {
  std::size_t operator()(std::string_view s) const {
    std::uint64_t h = 14695981039346656037ULL;  // FNV-1a over the lowered bytes
    for (char c : s) {
      h ^= static_cast<unsigned char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
      h *= 1099511628211ULL;
    }
    return static_cast<std::size_t>(h);
  }
};
struct IEqual {
  bool operator()(std::string_view a, std::string_view b) const { return cim::iequals(a, b); }
};

// Children of `parent` grouped by local name (case-insensitively), in first-seen order; the
// names are views of the document's text. Linear in the number of children (issue: 50,000
// parameters must not take seconds): the first kSmall names (an instance's few dozen
// properties) are found in a small open-addressed table on the stack, without an allocation
// per name; more through a hash index.
std::vector<std::pair<std::string_view, std::vector<pugi::xml_node>>> grouped(
    pugi::xml_node parent) {
  constexpr std::size_t kSlots = 256;  // a power of two; at most half full
  constexpr std::size_t kSmall = kSlots / 2;
  constexpr std::uint32_t kFree = UINT32_MAX;
  std::array<std::uint32_t, kSlots> slots;
  slots.fill(kFree);
  std::vector<std::pair<std::string_view, std::vector<pugi::xml_node>>> out;
  std::unordered_map<std::string_view, std::size_t, IHash, IEqual> index;
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    const std::string_view name = xml::local_name(c);
    std::size_t at = out.size();
    if (out.size() < kSmall) {
      std::size_t h = IHash{}(name) & (kSlots - 1);
      while (slots[h] != kFree && !cim::iequals(out[slots[h]].first, name))
        h = (h + 1) & (kSlots - 1);
      if (slots[h] == kFree) {
        slots[h] = static_cast<std::uint32_t>(out.size());
      } else {
        at = slots[h];
      }
    } else {
      if (index.empty()) {
        for (std::size_t i = 0; i < out.size(); ++i)
          index.emplace(out[i].first, i);
      }
      at = index.try_emplace(name, out.size()).first->second;
    }
    if (at == out.size()) {
      out.push_back({name, {c}});
    } else {
      out[at].second.push_back(c);
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

// An instance in a response (the client's side): each value by its type's lexical form, what
// breaks it kept in `problems` (CS-READ-1, decision 0060).
cim::Result<cim::Instance> read_instance(pugi::xml_node e,
                                         std::vector<cim::WireProblem>& problems) {
  auto res = uri::parse_resource_uri(xml::ns_of(e));
  std::string ns = res.ok() ? res->name_space : std::string();
  cim::Instance inst{cim::Name(xml::local_name(e))};
  xml::PrefixMemo scope(e);
  for (auto& [name, elems] : grouped(e)) {
    inst.add(cim::Name(name),
             read_client_value(elems, name, xml::local_name(e), &read_epr, problems, &scope));
  }
  ObjectPath p{cim::Name(ns), cim::Name(xml::local_name(e))};
  inst.set_path(std::move(p));
  return inst;
}

struct Loaded {
  pugi::xml_document doc;
  pugi::xml_node header, body;
};

// Is every prefix used by an element or attribute under `root` declared in scope? (Namespaces
// in XML 1.0, "namespace-well-formed"; pugixml does not check it.) Also checks that every text
// and attribute value is made of XML 1.0 characters (pugixml decodes &#1; without complaint).
std::optional<Fault> check_document(pugi::xml_node root) {
  // Prefixes in scope, as a stack of (prefix, depth) — iterative, no recursion.
  std::vector<std::string_view> scope{"xml"};
  std::vector<std::pair<pugi::xml_node, bool>> stack;  // node, children pushed?
  std::vector<std::size_t> marks;
  // A request's usual depth and prefix count, so that the walk does not regrow them.
  scope.reserve(32);
  stack.reserve(64);
  marks.reserve(32);
  auto declared = [&](std::string_view prefix) {
    for (auto it = scope.rbegin(); it != scope.rend(); ++it) {
      if (*it == prefix) return true;
    }
    return false;
  };
  // The location is formatted only for a fault (this runs over every node of every request).
  auto bad_text = [](std::string_view text, const char* owner,
                     const char* attr) -> std::optional<Fault> {
    auto bad = xml::invalid_xml10_at(text);
    if (!bad) return std::nullopt;
    return faults::invalid_xml(
        attr != nullptr ? fmt::format("the attribute {} of <{}> holds a character XML 1.0 does "
                                      "not allow (byte {} of the value)",
                                      attr, owner, *bad)
                        : fmt::format("the text of <{}> holds a character XML 1.0 does not allow "
                                      "(byte {} of the value)",
                                      owner, *bad));
  };
  stack.emplace_back(root, false);
  while (!stack.empty()) {
    auto& [n, opened] = stack.back();
    if (opened) {
      scope.resize(marks.back());
      marks.pop_back();
      stack.pop_back();
      continue;
    }
    opened = true;
    marks.push_back(scope.size());
    const pugi::xml_node node = n;
    for (pugi::xml_attribute a = node.first_attribute(); a; a = a.next_attribute()) {
      const std::string_view name = a.name();
      if (name.substr(0, 6) == "xmlns:") scope.push_back(name.substr(6));
    }
    auto prefix_ok = [&](std::string_view qname) {
      const std::size_t colon = qname.find(':');
      return colon == std::string_view::npos || qname.substr(0, colon) == "xmlns" ||
             declared(qname.substr(0, colon));
    };
    if (!prefix_ok(node.name())) {
      return faults::invalid_xml(fmt::format(
          "the element <{}> uses a namespace prefix that is not declared", node.name()));
    }
    for (pugi::xml_attribute a = node.first_attribute(); a; a = a.next_attribute()) {
      if (!prefix_ok(a.name())) {
        return faults::invalid_xml(
            fmt::format("the attribute {} of <{}> uses a namespace prefix that is not declared",
                        a.name(), node.name()));
      }
      if (auto f = bad_text(a.value(), node.name(), a.name())) return f;
    }
    // Text checked here; child elements pushed last-first so that they are visited in order.
    for (pugi::xml_node c = node.last_child(); c; c = c.previous_sibling()) {
      if (c.type() == pugi::node_element) {
        stack.emplace_back(c, false);
      } else if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
        if (auto f = bad_text(c.value(), node.name(), nullptr)) return f;
      }
    }
  }
  return std::nullopt;
}

// Size, XML, DOCTYPE, depth, SOAP 1.2 envelope: the checks every message passes first.
std::optional<Fault> load(std::string_view text, const ParseLimits& limits, Loaded& out,
                          bool strict) {
  if (text.size() > limits.max_bytes) {
    return faults::request_too_large(
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
  if (strict) {
    if (auto f = check_document(env)) return f;
  }
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
  static const std::vector<FaultSpec> table = {
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
  return table;
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

bool is_xsd_integer(std::string_view text, bool allow_negative) {
  // XSD 1.0 integer lexical space after whitespace collapse: an optional sign and decimal
  // digits. No hex ("0x10"), no exponent, no inner spaces.
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\n' ||
                           text.front() == '\r'))
    text.remove_prefix(1);
  while (!text.empty() &&
         (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' || text.back() == '\r'))
    text.remove_suffix(1);
  if (!text.empty() && (text.front() == '+' || (allow_negative && text.front() == '-')))
    text.remove_prefix(1);
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string item_xml(const Item& it) {
  std::string out;
  const bool obj = it.instance.has_value();
  const bool epr = it.epr.has_value();
  if (obj && epr) out += "<w:Item>"sv;
  if (obj) write_instance(out, *it.instance);
  if (epr) {
    out += "<a:EndpointReference>"sv;
    write_epr_body(out, *it.epr);
    out += "</a:EndpointReference>"sv;
  }
  if (obj && epr) out += "</w:Item>"sv;
  return out;
}

void write_property(std::string& out, std::string_view name, const Value& v) {
  auto open = [&] {
    out += "<p:"sv;
    out += name;
    out += '>';
  };
  auto close = [&] {
    out += "</p:"sv;
    out += name;
    out += '>';
  };
  if (v.is_null()) {
    out += "<p:"sv;
    out += name;
    out += " xsi:nil=\"true\"/>"sv;
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
  out += "<a:ReferenceParameters>"sv;
  element(out, "w:ResourceURI", uri::resource_uri(path.name_space(), path.class_name()));
  write_selectors(out, path);
  out += "</a:ReferenceParameters>"sv;
}

std::string write_request(const Request& r) {
  std::string out;
  out.reserve(1024);
  out += kEnvelopeOpen;
  out += "<s:Header>"sv;
  element(out, "a:To",
          r.to.empty() ? std::string_view("http://localhost:5985/wsman") : std::string_view(r.to));
  if (!r.resource_uri.empty()) {
    out += "<w:ResourceURI s:mustUnderstand=\"true\">"sv;
    xml::escape(out, r.resource_uri);
    out += "</w:ResourceURI>"sv;
  }
  out += "<a:ReplyTo><a:Address s:mustUnderstand=\"true\">"sv;
  out += uri::kAnonymous;
  out += "</a:Address></a:ReplyTo>"sv;
  out += "<a:Action s:mustUnderstand=\"true\">"sv;
  xml::escape(out, r.action);
  out += "</a:Action>"sv;
  out += fmt::format("<w:MaxEnvelopeSize s:mustUnderstand=\"true\">{}</w:MaxEnvelopeSize>",
                     r.max_envelope_size ? r.max_envelope_size : 512000);
  element(out, "a:MessageID", r.message_id);
  out += "<w:OperationTimeout>PT60.000S</w:OperationTimeout>"sv;
  if (r.op == Operation::kGet || r.op == Operation::kInvoke) write_selectors(out, r.target);
  out += "</s:Header><s:Body>"sv;
  switch (r.op) {
    case Operation::kGet:
    case Operation::kIdentify:
      break;
    case Operation::kEnumerate:
      out += "<n:Enumerate>"sv;
      if (r.optimize) out += "<w:OptimizeEnumeration/>"sv;
      if (r.max_elements) out += fmt::format("<w:MaxElements>{}</w:MaxElements>", r.max_elements);
      if (r.mode == EnumerationMode::kEpr)
        out += "<w:EnumerationMode>EnumerateEPR</w:EnumerationMode>"sv;
      if (r.mode == EnumerationMode::kObjectAndEpr)
        out += "<w:EnumerationMode>EnumerateObjectAndEPR</w:EnumerationMode>"sv;
      if (r.association) {
        const AssociationFilter& af = *r.association;
        out += "<w:Filter Dialect=\""sv;
        out += uri::kAssociationDialect;
        out += "\"><b:"sv;
        const std::string_view el = af.associated ? "AssociatedInstances" : "AssociationInstances";
        out += el;
        out += " xmlns:b=\""sv;
        out += uri::kCimBinding;
        out += "\"><b:Object>"sv;
        write_epr_body(out, af.object);
        out += "</b:Object>"sv;
        auto opt = [&](std::string_view q, const std::string& v) {
          if (!v.empty()) element(out, q, v);
        };
        if (af.associated) opt("b:AssociationClassName", af.filter.assoc_class);
        opt("b:Role", af.filter.role);
        opt("b:ResultClassName", af.filter.result_class);
        if (af.associated) opt("b:ResultRole", af.filter.result_role);
        for (const auto& p : af.include_properties)
          element(out, "b:IncludeResultProperty", p);
        out += "</b:"sv;
        out += el;
        out += "></w:Filter>"sv;
      } else if (!r.filter.empty()) {
        out += "<w:Filter Dialect=\""sv;
        xml::escape(
            out, r.filter_dialect.empty() ? uri::kWqlDialect : std::string_view(r.filter_dialect));
        out += "\">"sv;
        xml::escape(out, r.filter);
        out += "</w:Filter>"sv;
      }
      out += "</n:Enumerate>"sv;
      break;
    case Operation::kPull:
      out += "<n:Pull>"sv;
      element(out, "n:EnumerationContext", r.context);
      if (r.max_elements) out += fmt::format("<n:MaxElements>{}</n:MaxElements>", r.max_elements);
      out += "</n:Pull>"sv;
      break;
    case Operation::kRelease:
      out += "<n:Release>"sv;
      element(out, "n:EnumerationContext", r.context);
      out += "</n:Release>"sv;
      break;
    case Operation::kInvoke: {
      out += fmt::format("<p:{}_INPUT xmlns:p=\"", r.method);
      xml::escape(out, r.resource_uri);
      out += "\">"sv;
      for (const auto& p : r.in)
        write_property(out, p.name.view(), p.value);
      out += fmt::format("</p:{}_INPUT>", r.method);
      break;
    }
  }
  out += "</s:Body></s:Envelope>"sv;
  return out;
}

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
    const std::string_view v = a.value();
    return v == "true" || v == "1";
  }
  return false;
}

// Headers this service reads or may ignore safely; any other header marked
// s:mustUnderstand="true" is refused (SOAP 1.2 §5.2.3).
bool known_header(pugi::xml_node h) {
  const std::string_view ns = xml::ns_of(h);
  const std::string_view l = xml::local_name(h);
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

std::variant<Request, Fault> parse_request(std::string_view text, const ParseLimits& limits) {
  Loaded m;
  if (auto f = load(text, limits, m, true)) {
    f->relates_to = salvage_message_id(text);
    if (f->code == Fault::Code::kVersionMismatch) f->relates_to.clear();
    return *f;
  }
  Request r;
  auto header_node = [&](std::string_view ns, std::string_view local) -> pugi::xml_node {
    return m.header ? xml::child(m.header, ns, local) : pugi::xml_node();
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
  pugi::xml_node payload = first_element(m.body);
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
  // Headers: mustUnderstand on anything unknown; Locale; MaxEnvelopeSize; timeouts; options.
  if (m.header) {
    for (pugi::xml_node h = m.header.first_child(); h; h = h.next_sibling()) {
      if (h.type() != pugi::node_element) continue;
      if (!known_header(h) && soap_true(h, "mustUnderstand")) {
        return fail(faults::must_understand(
            fmt::format("the header {{{}}}{} is marked mustUnderstand and this service does not "
                        "process it",
                        xml::ns_of(h), xml::local_name(h))));
      }
    }
  }
  if (pugi::xml_node loc = header_node(uri::kWsman, "Locale")) {
    r.locale = xml::attr(loc, "lang").value();
    if (soap_true(loc, "mustUnderstand")) {
      return fail(faults::unsupported_feature(
          "w:Locale must not be marked mustUnderstand=\"true\" (MS-WSMV 3.1.4.1.x); this service "
          "answers in en-US",
          fault_detail::kLocale));
    }
  }
  if (pugi::xml_node mes = header_node(uri::kWsman, "MaxEnvelopeSize")) {
    const std::string t = xml::trimmed_text(mes);
    if (!is_xsd_integer(t, false) || t.size() > 10) {
      return fail(faults::schema_validation(
          fmt::format("w:MaxEnvelopeSize '{}' is not a positive number of octets", t)));
    }
    r.max_envelope_size = std::stoull(t[0] == '+' ? t.substr(1) : t);
  }
  if (pugi::xml_node ot = header_node(uri::kWsman, "OperationTimeout")) {
    const std::string t = xml::trimmed_text(ot);
    auto ms = duration_ms(t);
    if (!ms) {
      return fail(faults::invalid_parameter(
          fmt::format("w:OperationTimeout '{}' is not an xs:duration such as PT60S", t)));
    }
    r.operation_timeout_ms = *ms;
  }
  if (pugi::xml_node options = header_node(uri::kWsman, "OptionSet")) {
    for (pugi::xml_node o = options.first_child(); o; o = o.next_sibling()) {
      if (o.type() != pugi::node_element) continue;
      const std::string_view must = xml::attr(o, "MustComply").value();
      const std::string_view must2 = xml::attr(o, "mustComply").value();
      if (must == "true" || must == "1" || must2 == "true" || must2 == "1") {
        return fail(faults::invalid_options(fmt::format(
            "the option '{}' is marked MustComply and this service does not implement it",
            xml::attr(o, "Name").value())));
      }
    }
  }

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
    auto res = uri::parse_resource_uri(r.resource_uri);
    if (!res.ok()) return fail(faults::invalid_resource_uri(res.status().message()));
    r.target = ObjectPath(cim::Name(res->name_space), cim::Name(res->class_name));
    // A __cimnamespace selector names the namespace of a DMTF (cim-schema) URI (MS-WSMV).
    if (pugi::xml_node set = header_node(uri::kWsman, "SelectorSet")) {
      for (pugi::xml_node sel = set.first_child(); sel; sel = sel.next_sibling()) {
        if (xml::is(sel, uri::kWsman, "Selector") &&
            cim::iequals(xml::attr(sel, "Name").value(), "__cimnamespace")) {
          r.target.set_namespace(cim::Name(xml::trimmed_text(sel)));
        }
      }
    }
    if (!payload || !xml::is(payload, uri::kEnumeration, "Enumerate")) {
      return fail(faults::schema_validation("an Enumerate request has no wsen:Enumerate body"));
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
            if (auto* f = std::get_if<Fault>(&parsed)) return fail(*f);
            r.association = std::get<AssociationFilter>(std::move(parsed));
          }
        }
        if (!r.association) {
          return fail(faults::cannot_process_filter(
              "the association filter holds no AssociatedInstances or AssociationInstances"));
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
        return fail(faults::invalid_parameter(
            fmt::format("EnumerationMode '{}' is not EnumerateEPR or EnumerateObjectAndEPR", v)));
      }
    }
    r.optimize = static_cast<bool>(xml::child(payload, uri::kWsman, "OptimizeEnumeration"));
    if (auto mx = xml::child(payload, uri::kWsman, "MaxElements")) {
      r.max_elements = to_u32(xml::trimmed_text(mx), 0);
      if (r.max_elements == 0)
        return fail(faults::invalid_parameter("MaxElements must be a positive number"));
    }
    return r;
  }
  if (r.action == uri::kActionPull || r.action == uri::kActionRelease) {
    const bool pull = r.action == uri::kActionPull;
    r.op = pull ? Operation::kPull : Operation::kRelease;
    if (!payload || !xml::is(payload, uri::kEnumeration, pull ? "Pull" : "Release")) {
      return fail(faults::schema_validation(fmt::format("a {} request has no wsen:{} body",
                                                        pull ? "Pull" : "Release",
                                                        pull ? "Pull" : "Release")));
    }
    r.context = xml::trimmed_text(xml::child(payload, uri::kEnumeration, "EnumerationContext"));
    if (r.context.empty())
      return fail(faults::invalid_enumeration_context("the request carries no EnumerationContext"));
    if (auto mx = xml::child(payload, uri::kEnumeration, "MaxElements")) {
      r.max_elements = to_u32(xml::trimmed_text(mx), 0);
      if (r.max_elements == 0)
        return fail(faults::invalid_parameter("MaxElements must be a positive number"));
    }
    if (auto mt = xml::child(payload, uri::kEnumeration, "MaxTime")) {
      const std::string t = xml::trimmed_text(mt);
      auto ms = duration_ms(t);
      if (!ms) {
        return fail(faults::invalid_parameter(
            fmt::format("wsen:MaxTime '{}' is not an xs:duration such as PT5S", t)));
      }
      r.max_time_ms = *ms;
    }
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

std::string write_response(const Request& r, const Response& resp, std::string_view message_id) {
  if (resp.fault) return write_fault(*resp.fault, r.message_id, message_id);
  std::string out;
  out.reserve(2048);
  out += kEnvelopeOpen;
  switch (r.op) {
    case Operation::kGet:
      out += header(uri::kActionGetResponse, message_id, r.message_id);
      out += "<s:Body>"sv;
      if (!resp.items.empty() && resp.items.front().instance)
        write_instance(out, *resp.items.front().instance);
      out += "</s:Body>"sv;
      break;
    case Operation::kEnumerate:
      out += header(uri::kActionEnumerateResponse, message_id, r.message_id);
      out += "<s:Body><n:EnumerateResponse>"sv;
      element(out, "n:EnumerationContext", resp.context);
      if (r.optimize) {
        write_items(out, resp, "w:Items");
        if (resp.end_of_sequence) out += "<w:EndOfSequence/>"sv;
      }
      out += "</n:EnumerateResponse></s:Body>"sv;
      break;
    case Operation::kPull:
      out += header(uri::kActionPullResponse, message_id, r.message_id);
      out += "<s:Body><n:PullResponse>"sv;
      if (!resp.end_of_sequence) element(out, "n:EnumerationContext", resp.context);
      write_items(out, resp, "n:Items");
      if (resp.end_of_sequence) out += "<n:EndOfSequence/>"sv;
      out += "</n:PullResponse></s:Body>"sv;
      break;
    case Operation::kRelease:
      out += header(uri::kActionReleaseResponse, message_id, r.message_id);
      out += "<s:Body/>"sv;
      break;
    case Operation::kInvoke: {
      out += header(r.action + "Response", message_id, r.message_id);
      out += fmt::format("<s:Body><p:{}_OUTPUT xmlns:p=\"", r.method);
      xml::escape(out, r.resource_uri);
      out += "\">"sv;
      if (resp.output) {
        for (const auto& p : resp.output->out)
          write_property(out, p.name.view(), p.value);
        write_property(out, "ReturnValue", Value::uint32(resp.output->return_value));
      }
      out += fmt::format("</p:{}_OUTPUT></s:Body>", r.method);
      break;
    }
    case Operation::kIdentify:
      out += "<s:Header/><s:Body><wsmid:IdentifyResponse xmlns:wsmid=\""sv;
      out += uri::kIdentity;
      out += "\">"sv;
      element(out, "wsmid:ProtocolVersion", uri::kWsman);
      element(out, "wsmid:ProductVendor", resp.product_vendor);
      element(out, "wsmid:ProductVersion", resp.product_version);
      out += "</wsmid:IdentifyResponse></s:Body>"sv;
      break;
  }
  out += "</s:Envelope>"sv;
  return out;
}

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

cim::Result<Response> parse_response(std::string_view text, const ParseLimits& limits) {
  Loaded m;
  if (auto f = load(text, limits, m, false))
    return cim::failed("the response is not a usable SOAP envelope: " + f->reason);
  Response r;
  r.xml_lang = xml::attr(m.doc.document_element(), "lang").value();
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
             : local == "MustUnderstand"  ? Fault::Code::kMustUnderstand
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
      f.detail = xml::trimmed_text(xml::child(detail, uri::kWsman, "FaultDetail"));
      if (pugi::xml_node wf = xml::child(detail, uri::kWsmanFault, "WSManFault")) {
        f.wsman_code = to_u32(xml::attr(wf, "Code").value(), 0);
        pugi::xml_node message = xml::child(wf, uri::kWsmanFault, "Message");
        const std::string msg = xml::trimmed_text(message);
        if (f.reason.empty()) f.reason = msg;
        // WinRM nests a provider's (WMI's) error: Message/ProviderFault/WSManFault/Message.
        if (pugi::xml_node pf = xml::child(message, uri::kWsmanFault, "ProviderFault")) {
          f.provider = xml::attr(pf, "provider").value();
          if (f.provider.empty()) f.provider = "provider";
          if (pugi::xml_node inner = xml::child(pf, uri::kWsmanFault, "WSManFault")) {
            f.provider_code = to_u32(xml::attr(inner, "Code").value(), 0);
            f.provider_message = xml::trimmed_text(xml::child(inner, uri::kWsmanFault, "Message"));
          } else {
            f.provider_message = xml::trimmed_text(pf);
          }
          if (f.reason.empty()) f.reason = f.provider_message;
        }
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
            auto inst = read_instance(k, r.wire_problems);
            if (!inst.ok()) return inst.status();
            it.instance = std::move(inst).value();
          }
        }
      } else if (xml::is(c, uri::kAddressing, "EndpointReference")) {
        auto p = read_epr(c);
        if (!p.ok()) return p.status();
        it.epr = std::move(p).value();
      } else {
        auto inst = read_instance(c, r.wire_problems);
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
      Value v = read_client_value(elems, name, local, &read_epr, r.wire_problems);
      if (cim::iequals(name, "ReturnValue")) {
        auto u = v.as_uint();
        if (!u) {
          auto parsed = Value::from_text(cim::CimType::kUint32, xml::trimmed_text(elems.front()));
          if (!parsed.ok()) return cim::failed("the method output's ReturnValue is not a number");
          u = parsed->as_uint();
        }
        mr.return_value = static_cast<std::uint32_t>(*u);
        have_return = true;
      } else {
        cim::set(mr.out, name, std::move(v));
      }
    }
    if (!have_return) return cim::failed("the method output has no ReturnValue");
    r.output = std::move(mr);
    return r;
  }
  auto inst = read_instance(payload, r.wire_problems);
  if (!inst.ok()) return inst.status();
  Item it;
  it.instance = std::move(inst).value();
  r.items.push_back(std::move(it));
  return r;
}

}  // namespace hvsnap::wsman
