// The checks every message passes first (see messages.h; DSP0226, XML 1.0 and Namespaces in XML
// as Windows reads them): size, encoding (UTF-16 read as UTF-8), characters and references XML
// does not allow, DOCTYPE, one root element with only white space, comments and processing
// instructions around it, depth, attributes unique by raw and expanded name, the SOAP 1.2
// envelope (decisions 0158, 0159, 0160). Shared by the server's requests and the client's
// responses.
#include <fmt/format.h>
#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "hvsnap/cim/text.h"
#include "hvsnap/wsman/uris.h"
#include "messages_impl.h"
#include "xml.h"

namespace hvsnap::wsman {

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
    out.well_formed = false;
    // `strict` reads a request (the server), otherwise an answer (the client).
    return faults::invalid_xml(fmt::format("the {} is not well-formed XML: {} at offset {}",
                                           strict ? "request" : "answer", r.description(),
                                           r.offset));
  }
  // A document is one element, with only comments, processing instructions and white space
  // around it (XML 1.0, production [1]); pugixml also accepts text and more elements.
  std::size_t elements = 0;
  // No element at all (an empty body, white space, plain text such as a front end's "Internal
  // Server Error"): not an XML document (production [1]), as an answer cut off before it
  // began reads.
  bool any_element = false;
  for (pugi::xml_node c = out.doc.first_child(); c && !any_element; c = c.next_sibling())
    any_element = c.type() == pugi::node_element;
  if (!any_element) {
    out.well_formed = false;
    return faults::invalid_xml(fmt::format("the {} is not well-formed XML: it holds no element",
                                           strict ? "request" : "answer"));
  }
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

}  // namespace hvsnap::wsman
