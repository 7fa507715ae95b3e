#include "xml.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include "hvsnap/wsman/uris.h"

namespace hvsnap::wsman::xml {

pugi::xml_node first_element(pugi::xml_node n) {
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element) return c;
  }
  return {};
}

std::string_view local_name(const char* qname) {
  const char* colon = std::strchr(qname, ':');
  return colon ? std::string_view(colon + 1) : std::string_view(qname);
}

namespace {

std::string_view prefix_of(const char* qname) {
  const char* colon = std::strchr(qname, ':');
  return colon ? std::string_view(qname, static_cast<std::size_t>(colon - qname))
               : std::string_view();
}

// Does the attribute name declare `prefix` ("xmlns" for the empty one, else "xmlns:prefix")?
// Compared in place: this runs for every attribute of every ancestor of every element a request
// is read by (no strlen, no view of the name; decision 0095). `prefix` holds no NUL.
bool declares_prefix(const char* name, std::string_view prefix) {
  if (name[0] != 'x' || name[1] != 'm' || name[2] != 'l' || name[3] != 'n' || name[4] != 's')
    return false;
  if (prefix.empty()) return name[5] == '\0';
  if (name[5] != ':') return false;
  const char* p = name + 6;
  for (const char c : prefix) {
    if (*p != c) return false;  // also at the name's end (its NUL is no prefix character)
    ++p;
  }
  return *p == '\0';
}

// Is the local part of `qname` exactly `local`? (In place, as above.)
bool local_is(const char* qname, std::string_view local) {
  const char* colon = std::strchr(qname, ':');
  const char* l = colon ? colon + 1 : qname;
  return std::strncmp(l, local.data(), local.size()) == 0 && l[local.size()] == '\0';
}

std::string_view resolve(pugi::xml_node n, std::string_view prefix) {
  for (pugi::xml_node cur = n; cur && cur.type() == pugi::node_element; cur = cur.parent()) {
    for (pugi::xml_attribute a = cur.first_attribute(); a; a = a.next_attribute()) {
      if (declares_prefix(a.name(), prefix)) return a.value();
    }
  }
  if (prefix == "xml") return "http://www.w3.org/XML/1998/namespace";
  return {};
}

}  // namespace

std::string_view ns_of(pugi::xml_node n) {
  return resolve(n, prefix_of(n.name()));
}

bool is(pugi::xml_node n, std::string_view ns, std::string_view local) {
  return n.type() == pugi::node_element && local_is(n.name(), local) && ns_of(n) == ns;
}

pugi::xml_node child(pugi::xml_node n, std::string_view ns, std::string_view local) {
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (is(c, ns, local)) return c;
  }
  return {};
}

pugi::xml_attribute attr(pugi::xml_node n, std::string_view local) {
  for (pugi::xml_attribute a = n.first_attribute(); a; a = a.next_attribute()) {
    if (std::string_view(a.name()) == local) return a;
  }
  return {};
}

std::string_view PrefixMemo::resolve(std::string_view prefix) {
  for (std::size_t i = 0; i < known_; ++i) {
    if (prefixes_[i] == prefix) return namespaces_[i];
  }
  const std::string_view ns = xml::resolve(at_, prefix);
  if (known_ < 4) {
    prefixes_[known_] = prefix;
    namespaces_[known_] = ns;
    ++known_;
  }
  return ns;
}

namespace {

// Does n itself declare the prefix (xmlns:prefix, or xmlns for the empty one)?
bool declares(pugi::xml_node n, std::string_view prefix) {
  for (pugi::xml_attribute a = n.first_attribute(); a; a = a.next_attribute()) {
    if (declares_prefix(a.name(), prefix)) return true;
  }
  return false;
}

}  // namespace

std::string_view ns_of(pugi::xml_node n, PrefixMemo& ancestor) {
  const std::string_view prefix = prefix_of(n.name());
  // The declarations from n up to the memo's element (excluded), then the memo's answer.
  for (pugi::xml_node cur = n; cur && cur.type() == pugi::node_element; cur = cur.parent()) {
    if (cur == ancestor.at()) return ancestor.resolve(prefix);
    for (pugi::xml_attribute a = cur.first_attribute(); a; a = a.next_attribute()) {
      if (declares_prefix(a.name(), prefix)) return a.value();
    }
  }
  return resolve(n, prefix);  // the memo is not an ancestor of n
}

bool is(pugi::xml_node n, PrefixMemo& ancestor, std::string_view ns, std::string_view local) {
  return n.type() == pugi::node_element && local_is(n.name(), local) && ns_of(n, ancestor) == ns;
}

pugi::xml_node child(PrefixMemo& scope, std::string_view ns, std::string_view local) {
  for (pugi::xml_node c = scope.at().first_child(); c; c = c.next_sibling()) {
    if (is(c, scope, ns, local)) return c;
  }
  return {};
}

bool PrefixMemo::xsi_is_schema_instance() {
  if (xsi_ < 0) xsi_ = resolve("xsi") == uri::kXsi ? 1 : 0;
  return xsi_ == 1;
}

bool is_nil(pugi::xml_node n, PrefixMemo* parent) {
  // Most properties a host sends are nil (xsi:nil="true", decision 0121): the attribute's
  // local part is compared in place, and its prefix resolved only for a "nil".
  pugi::xml_attribute first = n.first_attribute();
  if (!first) return false;  // most values that are not nil carry no attribute at all
  // The usual form, `xsi:nil` the element's only attribute (so it declares nothing) under the
  // parent `parent` remembers: the answer the loop below gives, with "xsi" resolved once for
  // all of the parent's properties (decision 0157).
  if (parent != nullptr && !first.next_attribute() && std::strcmp(first.name(), "xsi:nil") == 0 &&
      parent->at() == n.parent()) {
    return parent->xsi_is_schema_instance() && true_text(first.value());
  }
  for (pugi::xml_attribute a = first; a; a = a.next_attribute()) {
    const char* name = a.name();
    const char* colon = std::strchr(name, ':');
    // An attribute without a prefix is in no namespace, whatever the default namespace is
    // (Namespaces in XML 1.0, section 6.2): a bare `nil` is not xsi:nil.
    if (colon == nullptr) continue;
    const char* local = colon + 1;
    if (local[0] != 'n' || local[1] != 'i' || local[2] != 'l' || local[3] != '\0') continue;
    const std::string_view prefix(name, static_cast<std::size_t>(colon - name));
    // n declares nothing when this is its only attribute (a nil property's usual form).
    const bool declares_none = a == first && !a.next_attribute();
    const std::string_view ns =
        parent != nullptr && parent->at() == n.parent() && (declares_none || !declares(n, prefix))
            ? parent->resolve(prefix)
            : resolve(n, prefix);
    if (ns == uri::kXsi) return true_text(a.value());
  }
  return false;
}

std::string text(pugi::xml_node n) {
  std::string out;
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) out += c.value();
  }
  return out;
}

std::string trimmed_text(pugi::xml_node n) {
  return std::string(cim::trim_xml_space(text(n)));
}

int depth(pugi::xml_node root) {
  int deepest = 0;
  std::vector<std::pair<pugi::xml_node, int>> stack;
  stack.reserve(64);  // a request's usual breadth and depth, so that it does not regrow
  stack.emplace_back(root, 0);
  while (!stack.empty()) {
    auto [n, d] = stack.back();
    stack.pop_back();
    deepest = std::max(deepest, d);
    for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
      if (c.type() == pugi::node_element) stack.emplace_back(c, d + 1);
    }
  }
  return deepest;
}

namespace {

// Length of the valid UTF-8 sequence of an XML 1.0 character at text[i], or 0.
std::size_t xml_char_at(std::string_view text, std::size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) return (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') ? 1 : 0;
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto cc = static_cast<unsigned char>(text[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  static constexpr std::uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF) return 0;  // overlong or beyond Unicode
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;   // surrogates
  if (cp == 0xFFFE || cp == 0xFFFF) return 0;   // not XML characters
  return n;
}

// Bytes that need a look of their own: not printable ASCII (controls, UTF-8 lead and
// continuation bytes). Tab, LF and CR are XML characters; the escaper still treats CR apart.
bool plain_ascii(unsigned char c) {
  return c >= 0x20 && c < 0x7F;
}

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighs = 0x8080808080808080ULL;

// Has the 8-byte word a zero byte? (The classic bit trick: exact, no false positives.)
constexpr std::uint64_t zero_byte(std::uint64_t w) {
  return (w - kOnes) & ~w & kHighs;
}

std::uint64_t load8(const unsigned char* p) {
  std::uint64_t w = 0;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// Is every byte of the word in 0x20..0x7F? (A byte >= 0x80 sets its high bit; one below 0x20
// sets the high bit of (byte - 0x20) while its own is clear.)
bool word_is_ascii_text(std::uint64_t w) {
  return ((w | ((w - 0x20 * kOnes) & ~w)) & kHighs) == 0;
}

// The length of the prefix of p[0..size) made of 0x20..0x7F bytes, eight at a time.
std::size_t ascii_text_run(const unsigned char* p, std::size_t size) {
  std::size_t i = 0;
  while (i + 8 <= size && word_is_ascii_text(load8(p + i)))
    i += 8;
  while (i < size && p[i] >= 0x20 && p[i] < 0x80)
    ++i;
  return i;
}

// The same, also stopping at the five characters the escaper replaces.
std::size_t escape_free_run(const unsigned char* p, std::size_t size) {
  std::size_t i = 0;
  while (i + 8 <= size) {
    const std::uint64_t w = load8(p + i);
    if (!word_is_ascii_text(w) || zero_byte(w ^ ('&' * kOnes)) || zero_byte(w ^ ('<' * kOnes)) ||
        zero_byte(w ^ ('>' * kOnes)) || zero_byte(w ^ ('"' * kOnes)) ||
        zero_byte(w ^ ('\'' * kOnes)))
      break;
    i += 8;
  }
  while (i < size && plain_ascii(p[i]) && p[i] != '&' && p[i] != '<' && p[i] != '>' &&
         p[i] != '"' && p[i] != '\'')
    ++i;
  return i;
}

}  // namespace

std::optional<std::size_t> invalid_xml10_at(std::string_view text) {
  // Nearly every value is printable ASCII: skip it a byte at a time without decoding, and
  // decode only what is not.
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  for (std::size_t i = 0; i < size;) {
    i += ascii_text_run(p + i, size - i);
    if (i == size) break;
    const unsigned char c = p[i];
    if (c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    const std::size_t n = xml_char_at(text, i);
    if (n == 0) return i;
    i += n;
  }
  return std::nullopt;
}

void escape(std::string& out, std::string_view text) {
  // Runs of characters that stand for themselves are appended whole (one copy per run, not
  // one append per character); only the characters below are looked at one by one.
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  std::size_t i = 0;
  while (i < size) {
    const std::size_t run = i + escape_free_run(p + i, size - i);
    if (run > i) {
      out.append(text.data() + i, run - i);
      i = run;
      if (i == size) break;
    }
    switch (p[i]) {
      case '&':
        out.append("&amp;", 5);
        ++i;
        continue;
      case '<':
        out.append("&lt;", 4);
        ++i;
        continue;
      case '>':
        out.append("&gt;", 4);
        ++i;
        continue;
      case '"':
        out.append("&quot;", 6);
        ++i;
        continue;
      case '\'':
        out.append("&apos;", 6);
        ++i;
        continue;
      case '\r':
        out.append("&#13;", 5);
        ++i;
        continue;
      default:
        break;
    }
    const std::size_t n = xml_char_at(text, i);
    if (n == 0) {
      out.append("\xEF\xBF\xBD", 3);  // U+FFFD
      ++i;
    } else {
      out.append(text.data() + i, n);
      i += n;
    }
  }
}

std::string escaped(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  escape(out, text);
  return out;
}

}  // namespace hvsnap::wsman::xml
