// Reading WS-Management envelopes (see messages.h; contract §8; DSP0226, MS-WSMV, libvirt's
// hyperv_wmi.c for the shapes real Hyper-V clients send and read): values, EPRs and instances,
// and the client's reading of a response; the checks every message passes first are in
// messages_load.cpp.
#include "hvsnap/wsman/messages.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "hvsnap/cim/schema.h"
#include "hvsnap/cim/text.h"
#include "hvsnap/wsman/uris.h"
#include "lexical.h"
#include "messages_impl.h"
#include "xml.h"

namespace hvsnap::wsman {

namespace {

struct ReadError {
  std::string what;
};

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

}  // namespace

// Elements of one property/parameter -> a value. `strict`: a text that does not parse as the
// schema's type is an error (server reading a request) rather than kept as text (client).
cim::Result<Value> read_value(std::span<const pugi::xml_node> elems, std::string_view name,
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

cim::Result<ObjectPath> path_from(std::string_view resource, pugi::xml_node selector_set) {
  auto res = uri::parse_resource_uri(resource);
  if (!res.ok()) return res.status();
  if (res->class_name == "*")
    return cim::invalid_parameter("an instance cannot be named by the wildcard resource URI");
  ObjectPath p{cim::Name(res->name_space), cim::Name(res->class_name)};
  if (selector_set) {
    xml::PrefixMemo scope(selector_set);  // the selectors' prefixes, resolved once
    for (pugi::xml_node s = selector_set.first_child(); s; s = s.next_sibling()) {
      if (s.type() != pugi::node_element) continue;
      if (!xml::is(s, scope, uri::kWsman, "Selector")) {
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
  xml::PrefixMemo scope(params);  // two lookups below it, one resolution of their prefix
  pugi::xml_node res = xml::child(scope, uri::kWsman, "ResourceURI");
  if (!res) return cim::invalid_parameter("an endpoint reference has no ResourceURI");
  return path_from(xml::trimmed_text(res), xml::child(scope, uri::kWsman, "SelectorSet"));
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

namespace {

// A whole number in decimal, as the control extension writes it (h:Clock); nullopt otherwise.
std::optional<std::int64_t> whole_number(std::string_view text) {
  std::int64_t n = 0;
  const char* end = text.data() + text.size();
  const auto [at, error] = std::from_chars(text.data(), end, n);
  if (text.empty() || at != end || error != std::errc()) return std::nullopt;
  return n;
}

// A served fake's clock (h:Clock, decision 0140); an unreadable one is as good as none.
std::optional<ToldClock> told_clock(pugi::xml_node header) {
  pugi::xml_node c = xml::child(header, uri::kControl, "Clock");
  if (!c) return std::nullopt;
  // A clock before the host began is no clock (and could not be added to).
  const auto ms = whole_number(xml::trimmed_text(c));
  if (!ms || *ms < 0) return std::nullopt;
  ToldClock told{*ms, std::nullopt, 0};
  if (pugi::xml_attribute e = c.attribute("Epoch")) told.epoch_ms = whole_number(e.value());
  if (pugi::xml_attribute a = c.attribute("Advanced"))
    told.advanced_ms = std::max<std::int64_t>(whole_number(a.value()).value_or(0), 0);
  return told;
}

}  // namespace

cim::Result<Response> parse_response(std::string_view text, const ParseLimits& limits) {
  Loaded m;
  if (auto f = load(text, limits, m, false)) {
    // Text that is not XML at all is no answer (decision 0161): what an answer cut short
    // reads as. An XML document that is not a usable envelope is the sender's answer.
    return cim::Status(m.well_formed ? cim::StatusKind::kFailed : cim::StatusKind::kBadAnswer,
                       "the response is not a usable SOAP envelope: " + f->reason);
  }
  Response r;
  // The prefix `xml` is bound by definition and cannot be rebound (Namespaces in XML 1.0,
  // section 3): xml:lang is that name exactly, not any attribute whose local part is "lang".
  r.xml_lang = m.doc.document_element().attribute("xml:lang").value();
  if (m.header) {
    r.action = xml::trimmed_text(xml::child(m.header, uri::kAddressing, "Action"));
    r.relates_to = xml::trimmed_text(xml::child(m.header, uri::kAddressing, "RelatesTo"));
    r.clock = told_clock(m.header);
  }
  pugi::xml_node payload = xml::first_element(m.body);
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
    xml::PrefixMemo scope(items);  // the items' prefixes, resolved once for all of them
    for (pugi::xml_node c = items.first_child(); c; c = c.next_sibling()) {
      if (c.type() != pugi::node_element) continue;
      Item it;
      if (xml::is(c, scope, uri::kWsman, "Item")) {
        xml::PrefixMemo item_scope(c);
        for (pugi::xml_node k = c.first_child(); k; k = k.next_sibling()) {
          if (k.type() != pugi::node_element) continue;
          if (xml::is(k, item_scope, uri::kAddressing, "EndpointReference")) {
            auto p = read_epr(k);
            if (!p.ok()) return p.status();
            it.epr = std::move(p).value();
          } else {
            auto inst = read_instance(k, r.wire_problems);
            if (!inst.ok()) return inst.status();
            it.instance = std::move(inst).value();
          }
        }
      } else if (xml::is(c, scope, uri::kAddressing, "EndpointReference")) {
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
