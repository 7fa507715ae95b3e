// Reading WS-Management envelopes (see messages.h; contract §8; DSP0226, MS-WSMV, libvirt's
// hyperv_wmi.c for the shapes real Hyper-V clients send and read): the checks every message
// passes first, values, EPRs and instances, and the client's reading of a response.
#include "hvsnap/wsman/messages.h"

#include <fmt/format.h>
#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

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

namespace {

// UTF-16 with its byte order mark, as UTF-8 without one (glibc's iconv: a lone surrogate or a
// last unit cut in half is an error naming the offset).
cim::Result<std::string> utf16_to_utf8(std::string_view text) {
  iconv_t cd = ::iconv_open("UTF-8", "UTF-16");  // "UTF-16" reads the mark and drops it
  if (cd == reinterpret_cast<iconv_t>(-1)) return cim::failed("no UTF-16 converter");
  std::string out(text.size() / 2 * 3 + 4, '\0');  // the most UTF-8 that UTF-16 can make
  char* in = const_cast<char*>(text.data());       // iconv's signature; it does not write the input
  std::size_t in_left = text.size();
  char* to = out.data();
  std::size_t out_left = out.size();
  const std::size_t r = ::iconv(cd, &in, &in_left, &to, &out_left);
  const int err = errno;
  ::iconv_close(cd);
  if (r == static_cast<std::size_t>(-1)) {
    return cim::invalid_parameter(
        fmt::format("{} at byte {}", err == EILSEQ ? "an invalid sequence" : "a unit cut short",
                    text.size() - in_left));
  }
  out.resize(out.size() - out_left);
  return out;
}

// The first character reference to a character that is not one of XML's (WFC: Legal Character):
// U+0000, or past U+10FFFF; npos if none. pugixml would decode the first into a NUL that ends
// the value early, and adds a reference's digits in 32 bits, so `&#x100000000;` wraps round to
// U+0000 too. Comments, CDATA sections and processing instructions hold no references (XML 1.0,
// 2.5 to 2.7) and are skipped. Most envelopes hold no reference at all and are searched once.
std::size_t bad_reference_at(std::string_view text) {
  if (text.find("&#") == std::string_view::npos) return std::string_view::npos;
  auto digit = [](char c, bool hex) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (hex && c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (hex && c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = text.find_first_of("&<"); i != std::string_view::npos;
       i = text.find_first_of("&<", i)) {
    const std::string_view rest = text.substr(i);
    if (rest.front() == '<') {
      std::size_t from = 0;
      std::string_view close;
      if (rest.substr(0, 4) == "<!--") {
        from = 4, close = "-->";
      } else if (rest.substr(0, 9) == "<![CDATA[") {
        from = 9, close = "]]>";
      } else if (rest.substr(0, 2) == "<?") {
        from = 2, close = "?>";
      } else {
        ++i;
        continue;
      }
      const std::size_t end = rest.find(close, from);
      if (end == std::string_view::npos) return std::string_view::npos;  // the parser refuses it
      i += end + close.size();
      continue;
    }
    if (rest.size() < 2 || rest[1] != '#') {
      ++i;
      continue;
    }
    std::size_t k = 2;
    const bool hex = k < rest.size() && (rest[k] == 'x' || rest[k] == 'X');
    if (hex) ++k;
    const std::size_t first = k;
    std::uint32_t value = 0;
    for (int d = 0; k < rest.size() && (d = digit(rest[k], hex)) >= 0; ++k) {
      value = std::min<std::uint32_t>(value * (hex ? 16 : 10) + static_cast<std::uint32_t>(d),
                                      0x110000);  // past Unicode, and no further
    }
    if (k > first && k < rest.size() && rest[k] == ';' && (value == 0 || value > 0x10FFFF))
      return i;
    i += k;
  }
  return std::string_view::npos;
}

// Are two different prefixed attribute names (neither a declaration) one expanded name: the same
// local part under two prefixes bound to one namespace (Namespaces in XML 1.0, 6.3)? Resolved
// only for such a pair.
bool same_expanded_name(pugi::xml_node node, std::string_view a, std::string_view b) {
  const std::size_t ca = a.find(':'), cb = b.find(':');
  if (a.substr(ca + 1) != b.substr(cb + 1)) return false;
  const std::string_view pa = a.substr(0, ca), pb = b.substr(0, cb);
  xml::PrefixMemo memo(node);
  return memo.resolve(pa) == memo.resolve(pb);
}

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
  std::vector<std::string_view> names;      // one element's attributes
  std::vector<std::string_view> qualified;  // those of them with a prefix, not declarations
  constexpr std::size_t kFewAttributes = 16;
  names.reserve(kFewAttributes);
  auto twice = [](std::string_view name, pugi::xml_node node) {
    return faults::invalid_xml(
        fmt::format("the attribute {} appears twice on <{}>", name, node.name()));
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
    // No attribute twice (XML 1.0, WFC: Unique Att Spec; pugixml keeps both and answers the
    // first): the first few compared with each other as they come, more sorted once.
    names.clear();
    qualified.clear();
    for (pugi::xml_attribute a = node.first_attribute(); a; a = a.next_attribute()) {
      const std::string_view name = a.name();
      if (!prefix_ok(name)) {
        return faults::invalid_xml(
            fmt::format("the attribute {} of <{}> uses a namespace prefix that is not declared",
                        name, node.name()));
      }
      if (names.size() < kFewAttributes) {
        for (const std::string_view seen : names) {
          // The last characters first: declarations (xmlns:a, xmlns:s ...) differ there.
          if (seen.size() == name.size() && seen.back() == name.back() && seen == name)
            return twice(name, node);
        }
        // Expanded names only among the prefixed names that are not declarations: an element
        // seldom has two of them, so the namespaces are almost never resolved.
        if (const std::size_t colon = name.find(':');
            colon != std::string_view::npos &&
            !(colon == 5 && std::memcmp(name.data(), "xmlns", 5) == 0)) {
          for (const std::string_view seen : qualified) {
            if (same_expanded_name(node, seen, name)) return twice(name, node);
          }
          qualified.push_back(name);
        }
      }
      names.push_back(name);
      if (auto f = bad_text(a.value(), node.name(), a.name())) return f;
    }
    if (names.size() > kFewAttributes) {
      // By expanded name (namespace, local part): a prefixed name by its prefix's namespace,
      // an unprefixed one by no namespace; declarations by their qualified name.
      std::vector<std::pair<std::string_view, std::string_view>> expanded;
      expanded.reserve(names.size());
      xml::PrefixMemo memo(node);
      for (const std::string_view name : names) {
        const std::size_t colon = name.find(':');
        if (colon == std::string_view::npos || name.substr(0, colon) == "xmlns") {
          expanded.emplace_back(std::string_view(), name);
        } else {
          expanded.emplace_back(memo.resolve(name.substr(0, colon)), name.substr(colon + 1));
        }
      }
      std::sort(expanded.begin(), expanded.end());
      if (auto it = std::adjacent_find(expanded.begin(), expanded.end()); it != expanded.end())
        return twice(it->second, node);
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

// Whether white space outside the root element was written as a character reference
// (`&#32;`), which is not the S production the document allows there (XML 1.0, [1], [27]):
// pugixml has decoded it before the check sees the text, so the check reads the text as sent.
bool referenced_outside(std::string_view text, pugi::xml_node pcdata) {
  const std::ptrdiff_t at = pcdata.offset_debug();
  if (at < 0 || static_cast<std::size_t>(at) >= text.size()) return false;
  const std::string_view raw = text.substr(static_cast<std::size_t>(at));
  return raw.substr(0, raw.find('<')).find('&') != std::string_view::npos;
}

}  // namespace

// Size, XML, DOCTYPE, depth, SOAP 1.2 envelope: the checks every message passes first.
std::optional<Fault> load(std::string_view text, const ParseLimits& limits, Loaded& out,
                          bool strict) {
  if (text.size() > limits.max_bytes) {
    return faults::request_too_large(
        fmt::format("the envelope is {} bytes; this service accepts at most {}", text.size(),
                    limits.max_bytes));
  }
  // XML 1.0 (4.3.3) has every processor read UTF-16 as well as UTF-8, and WS-I Basic Profile
  // has a SOAP receiver accept both; an entity in UTF-16 begins with its byte order mark
  // (appendix F.1). Such an envelope is read as its UTF-8 (the answer is written in UTF-8).
  std::string utf8;
  if (text.size() >= 2 && (text.substr(0, 2) == "\xFF\xFE" || text.substr(0, 2) == "\xFE\xFF")) {
    auto converted = utf16_to_utf8(text);
    if (!converted) {
      return faults::invalid_xml(
          fmt::format("the envelope starts with a UTF-16 byte order mark but is not UTF-16 ({})",
                      converted.status().message()));
    }
    utf8 = std::move(converted).value();
    text = utf8;
  }
  // XML 1.0's Char production has no U+0000, neither as a byte nor as a reference; pugixml
  // would end the text at it, so it is refused before parsing.
  if (const std::size_t at = text.find('\0'); at != std::string_view::npos) {
    return faults::invalid_xml(
        fmt::format("the envelope holds a NUL byte (offset {}), which XML does not allow", at));
  }
  if (const std::size_t at = bad_reference_at(text); at != std::string_view::npos) {
    return faults::invalid_xml(
        fmt::format("the envelope refers to a character XML does not allow (U+0000 or past "
                    "U+10FFFF) at offset {}",
                    at));
  }
  // Every text node is kept, whitespace alone too: a value's spaces beside a CDATA section or a
  // comment are characters of the value (XML 1.0, section 2.10), which pugixml drops without
  // parse_ws_pcdata unless they are the element's only child. As a fragment, text outside the
  // root element is kept too, so that the check below sees it (pugixml drops it otherwise).
  const auto r =
      out.doc.load_buffer(text.data(), text.size(),
                          pugi::parse_default | pugi::parse_doctype | pugi::parse_ws_pcdata |
                              pugi::parse_fragment | pugi::parse_declaration,
                          pugi::encoding_utf8);
  if (!r) {
    return faults::invalid_xml(fmt::format("the request is not well-formed XML: {} at offset {}",
                                           r.description(), r.offset));
  }
  // A document is one element, with only comments, processing instructions and white space
  // around it (XML 1.0, production [1]); pugixml also accepts text and more elements.
  std::size_t elements = 0;
  for (pugi::xml_node c = out.doc.first_child(); c; c = c.next_sibling()) {
    // The XML declaration, if any, is the document's very first text (production [22]).
    if (c.type() == pugi::node_declaration && c != out.doc.first_child())
      return faults::invalid_xml("an XML declaration that is not at the start of the document");
    if (c.type() == pugi::node_doctype) {
      return faults::invalid_xml("a DOCTYPE is not allowed (no DTDs, no entity expansion)");
    }
    if (c.type() == pugi::node_element && ++elements > 1) {
      return faults::invalid_xml(
          fmt::format("more than one top-level element (<{}> after the envelope)", c.name()));
    }
    if (c.type() == pugi::node_cdata ||
        (c.type() == pugi::node_pcdata &&
         (!cim::trim_xml_space(c.value()).empty() || referenced_outside(text, c)))) {
      return faults::invalid_xml("text outside the envelope element");
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
  if (auto f = load(text, limits, m, false))
    return cim::failed("the response is not a usable SOAP envelope: " + f->reason);
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
