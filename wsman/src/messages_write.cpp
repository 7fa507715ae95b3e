// Writing WS-Management envelopes: instances, properties and EPRs as WinRM writes them, the
// client's requests and the server's responses (contract §8).
#include <fmt/format.h>

#include <cstring>
#include <iterator>

#include "hvsnap/cim/cimxml.h"
#include "hvsnap/wsman/uris.h"
#include "messages_impl.h"
#include "xml.h"

namespace hvsnap::wsman {

using namespace std::string_view_literals;

void element(std::string& out, std::string_view qname, std::string_view text) {
  out += '<';
  out += qname;
  out += '>';
  xml::escape(out, text);
  out += "</"sv;
  out += qname;
  out += '>';
}

namespace {

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

// Appends v in decimal, at least `width` digits (zeros in front), as fmt's "{}" / "{:0N}" would.
// A datetime in its element: DateTime::append_xsd's text (DSP0230 cim:Datetime / cim:Interval),
// which needs no escaping, without fmt or a temporary of to_xsd's (decision 0124).
void write_datetime(std::string& out, const cim::DateTime& d) {
  std::string text;
  text.reserve(40);
  d.append_xsd(text);
  element(out, d.is_interval() ? "cim:Interval" : "cim:Datetime", text);
}

void write_scalar(std::string& out, cim::CimType type, const cim::Scalar& s) {
  if (type == cim::CimType::kDateTime) {
    if (const auto* d = std::get_if<cim::DateTime>(&s)) {
      write_datetime(out, *d);
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
  out.reserve(out.size() + 64 + inst.property_count() * 48);
  out += "<p:"sv;
  out += inst.class_name();
  out += " xmlns:p=\""sv;
  xml::escape(out, uri::resource_uri(inst.path().name_space(), inst.class_name()));
  out += "\" xsi:type=\"p:"sv;
  out += inst.class_name();
  out += "_Type\">"sv;
  // Visited, not listed: a table instance's list is not made for it (decision 0128).
  inst.for_each_property(
      [&](const cim::Name& name, const Value& v) { write_property(out, name.view(), v); });
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

}  // namespace

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

namespace {

// a, b and c appended in one append (a property's tag is three pieces, and an instance writes
// about fifty tags: one capacity check and copy, not three; decision 0124).
void append3(std::string& out, std::string_view a, std::string_view b, std::string_view c) {
  constexpr std::size_t kRoom = 256;
  const std::size_t n = a.size() + b.size() + c.size();
  if (n > kRoom) {
    out += a;
    out += b;
    out += c;
    return;
  }
  char buf[kRoom];
  std::memcpy(buf, a.data(), a.size());
  std::memcpy(buf + a.size(), b.data(), b.size());
  std::memcpy(buf + a.size() + b.size(), c.data(), c.size());
  out.append(buf, n);
}

}  // namespace

void write_property(std::string& out, std::string_view name, const Value& v) {
  auto open = [&] { append3(out, "<p:"sv, name, ">"sv); };
  auto close = [&] { append3(out, "</p:"sv, name, ">"sv); };
  if (v.is_null()) {
    append3(out, "<p:"sv, name, " xsi:nil=\"true\"/>"sv);
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
  if (const auto text = v.as_string()) {
    xml::escape(out, *text);  // the common case, without a copy into a Scalar
  } else {
    write_scalar(out, v.type(), *v.scalar());
  }
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
  if (r.advance_first_ms > 0) {
    out += fmt::format("<h:AdvanceFirst xmlns:h=\"{}\">{}</h:AdvanceFirst>", uri::kControl,
                       r.advance_first_ms);
  }
  if (r.tell_clock) out += fmt::format("<h:TellClock xmlns:h=\"{}\"/>", uri::kControl);
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

void add_told_clock(std::string& envelope, const ToldClock& clock) {
  const std::size_t end = envelope.find("</s:Header>"sv);
  if (end == std::string::npos) return;  // every envelope this service writes has a header
  std::string h = fmt::format("<h:Clock xmlns:h=\"{}\"", uri::kControl);
  if (clock.epoch_ms) h += fmt::format(" Epoch=\"{}\"", *clock.epoch_ms);
  if (clock.advanced_ms > 0) h += fmt::format(" Advanced=\"{}\"", clock.advanced_ms);
  h += fmt::format(">{}</h:Clock>", clock.ms);
  envelope.insert(end, h);
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

}  // namespace hvsnap::wsman
