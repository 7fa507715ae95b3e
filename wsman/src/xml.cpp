#include "xml.h"

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

void escape(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        out += c;
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
