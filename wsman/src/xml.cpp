#include "xml.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace hvsnap::wsman::xml {

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

std::string_view resolve(pugi::xml_node n, std::string_view prefix) {
  for (pugi::xml_node cur = n; cur && cur.type() == pugi::node_element; cur = cur.parent()) {
    for (pugi::xml_attribute a = cur.first_attribute(); a; a = a.next_attribute()) {
      const std::string_view name = a.name();
      if (prefix.empty() ? name == "xmlns"
                         : (name.size() == prefix.size() + 6 && name.substr(0, 6) == "xmlns:" &&
                            name.substr(6) == prefix)) {
        return a.value();
      }
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
  return n.type() == pugi::node_element && local_name(n) == local && ns_of(n) == ns;
}

pugi::xml_node child(pugi::xml_node n, std::string_view ns, std::string_view local) {
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (is(c, ns, local)) return c;
  }
  return {};
}

pugi::xml_attribute attr(pugi::xml_node n, std::string_view local) {
  for (pugi::xml_attribute a = n.first_attribute(); a; a = a.next_attribute()) {
    if (local_name(a.name()) == local && std::string_view(a.name()).substr(0, 6) != "xmlns:")
      return a;
  }
  return {};
}

bool is_nil(pugi::xml_node n) {
  for (pugi::xml_attribute a = n.first_attribute(); a; a = a.next_attribute()) {
    if (local_name(a.name()) != "nil") continue;
    const std::string_view prefix = prefix_of(a.name());
    if (resolve(n, prefix) == "http://www.w3.org/2001/XMLSchema-instance") {
      const std::string_view v = a.value();
      return v == "true" || v == "1";
    }
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
  std::string t = text(n);
  const auto b = t.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  const auto e = t.find_last_not_of(" \t\r\n");
  return t.substr(b, e - b + 1);
}

int depth(pugi::xml_node root) {
  int deepest = 0;
  std::vector<std::pair<pugi::xml_node, int>> stack{{root, 0}};
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

}  // namespace

std::optional<std::size_t> invalid_xml10_at(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = xml_char_at(text, i);
    if (n == 0) return i;
    i += n;
  }
  return std::nullopt;
}

void escape(std::string& out, std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    switch (c) {
      case '&':
        out += "&amp;";
        ++i;
        continue;
      case '<':
        out += "&lt;";
        ++i;
        continue;
      case '>':
        out += "&gt;";
        ++i;
        continue;
      case '"':
        out += "&quot;";
        ++i;
        continue;
      case '\'':
        out += "&apos;";
        ++i;
        continue;
      case '\r':
        out += "&#13;";
        ++i;
        continue;
      default:
        break;
    }
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x80) {
      out += c;
      ++i;
      continue;
    }
    const std::size_t n = xml_char_at(text, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    } else {
      out.append(text.substr(i, n));
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
