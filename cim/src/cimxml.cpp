// CIM-XML embedded instances in the CIM DTD 2.0 and WMI DTD 2.0 forms (contract §1, AMB-3).
// Parsing is strict about structure and types, lenient about what WMI adds (qualifiers,
// CLASSORIGIN/PROPAGATED attributes, system properties), and never expands entities.
#include "hvsnap/cim/cimxml.h"

#include <fmt/format.h>

#include <pugixml.hpp>
#include <set>
#include <sstream>

#include "hvsnap/cim/text.h"

namespace hvsnap::cim {
namespace {

// Every text node is kept, whitespace alone too: a <VALUE>'s spaces beside a CDATA section or a
// comment are characters of the value (XML 1.0, section 2.10; decision 0158). Whitespace between
// elements (an indented instance) is then a text node of its own, which the parser skips.
constexpr unsigned kParseOptions = (pugi::parse_default | pugi::parse_ws_pcdata) & ~pugi::parse_eol;

// Text that is not markup between elements where only elements may stand.
bool stray_text(pugi::xml_node n) {
  return n.type() == pugi::node_cdata ||
         (n.type() == pugi::node_pcdata && !trim_xml_space(n.value()).empty());
}

class Parser {
 public:
  Parser(std::string_view text, const CimXmlLimits& limits) : text_(text), limits_(limits) {}

  Result<Instance> run(int depth) {
    if (text_.size() > limits_.max_bytes) {
      return invalid_parameter(
          fmt::format("embedded instance: {} bytes is more than the limit of {}", text_.size(),
                      limits_.max_bytes));
    }
    if (depth > limits_.max_embedding_depth) {
      return invalid_parameter(
          fmt::format("embedded instance: instances nested deeper than {} levels",
                      limits_.max_embedding_depth));
    }
    const pugi::xml_parse_result r = doc_.load_buffer(text_.data(), text_.size(), kParseOptions);
    if (!r) {
      return error(static_cast<std::size_t>(r.offset),
                   fmt::format("not well-formed XML ({})", r.description()));
    }
    pugi::xml_node root;
    for (pugi::xml_node n = doc_.first_child(); n; n = n.next_sibling()) {
      if (n.type() != pugi::node_element) {
        if (stray_text(n)) return error(n, "text outside the INSTANCE element");
        continue;
      }
      if (root) return error(n, "more than one top-level element");
      root = n;
    }
    if (!root) return error(0, "no INSTANCE element (the text is empty or only a declaration)");
    return instance(root, depth);
  }

 private:
  Result<Instance> instance(pugi::xml_node node, int depth) {
    if (std::string_view(node.name()) != "INSTANCE") {
      return error(node, fmt::format("expected <INSTANCE>, found <{}>", node.name()));
    }
    const std::string_view cls = node.attribute("CLASSNAME").value();
    if (cls.empty()) return error(node, "<INSTANCE> has no CLASSNAME attribute");
    Instance out{std::string(cls)};
    std::set<std::string, ILess> seen;
    for (pugi::xml_node child = node.first_child(); child; child = child.next_sibling()) {
      if (stray_text(child)) return error(child, "unexpected text inside <INSTANCE>");
      if (child.type() != pugi::node_element) continue;
      const std::string_view tag = child.name();
      if (tag == "QUALIFIER" || tag == "QUALIFIER.DECLARATION") continue;
      const std::string_view name = child.attribute("NAME").value();
      if (name.empty()) return error(child, fmt::format("<{}> has no NAME attribute", tag));
      if (name.size() >= 2 && name.substr(0, 2) == "__") continue;  // WMI system property
      if (!seen.insert(std::string(name)).second) {
        return error(child, fmt::format("property \"{}\" appears twice", name));
      }
      Result<Value> value = property(child, tag, name, depth);
      if (!value.ok()) return value.status();
      out.set(name, std::move(value).value());
    }
    return out;
  }

  Result<Value> property(pugi::xml_node node, std::string_view tag, std::string_view name,
                         int depth) {
    if (tag == "PROPERTY") return scalar_property(node, name, depth);
    if (tag == "PROPERTY.ARRAY") return array_property(node, name, depth);
    if (tag == "PROPERTY.REFERENCE") {
      pugi::xml_node vr = only_child(node, "VALUE.REFERENCE");
      if (!vr) return Value::null(CimType::kReference);
      auto path = reference(vr);
      if (!path.ok()) return path.status();
      return Value::reference(std::move(path).value());
    }
    if (tag == "PROPERTY.REFARRAY") {
      pugi::xml_node va = only_child(node, "VALUE.REFARRAY");
      if (!va) return Value::null(CimType::kReference, true);
      std::vector<Scalar> items;
      for (pugi::xml_node vr = va.first_child(); vr; vr = vr.next_sibling()) {
        if (vr.type() != pugi::node_element) continue;
        auto path = reference(vr);
        if (!path.ok()) return path.status();
        items.emplace_back(std::make_shared<const ObjectPath>(std::move(path).value()));
      }
      return Value::array(CimType::kReference, std::move(items));
    }
    if (tag == "PROPERTY.OBJECT") {
      pugi::xml_node vo = only_child(node, "VALUE.OBJECT");
      if (!vo) return Value::null(CimType::kInstance);
      pugi::xml_node inner = first_element(vo);
      if (!inner) return error(vo, "<VALUE.OBJECT> holds no INSTANCE");
      if (depth + 1 > limits_.max_embedding_depth) {
        return error(
            vo, fmt::format("instances nested deeper than {} levels", limits_.max_embedding_depth));
      }
      auto nested = instance(inner, depth + 1);
      if (!nested.ok()) return nested.status();
      return Value::instance(std::move(nested).value());
    }
    return error(node, fmt::format("unexpected element <{}> inside <INSTANCE>", tag));
  }

  Result<CimType> declared_type(pugi::xml_node node, std::string_view name) {
    const std::string_view embedded = node.attribute("EmbeddedObject").value();
    const std::string_view embedded_upper = node.attribute("EMBEDDEDOBJECT").value();
    if (!embedded.empty() || !embedded_upper.empty()) return CimType::kInstance;
    const std::string_view type = node.attribute("TYPE").value();
    if (type.empty()) return error(node, fmt::format("property \"{}\" has no TYPE", name));
    if (iequals(type, "object")) return CimType::kInstance;
    auto t = cim_type_from_string(type);
    if (!t || *t == CimType::kReference) {
      return error(node, fmt::format("property \"{}\" has TYPE \"{}\", which is not a CIM type",
                                     name, type));
    }
    return *t;
  }

  Result<Value> scalar_property(pugi::xml_node node, std::string_view name, int depth) {
    auto type = declared_type(node, name);
    if (!type.ok()) return type.status();
    pugi::xml_node v = only_child(node, "VALUE");
    if (!v) return Value::null(*type);
    auto s = scalar(v, *type, name, depth);
    if (!s.ok()) return s.status();
    return Value::of(*type, std::move(s).value());
  }

  Result<Value> array_property(pugi::xml_node node, std::string_view name, int depth) {
    auto type = declared_type(node, name);
    if (!type.ok()) return type.status();
    pugi::xml_node va = only_child(node, "VALUE.ARRAY");
    if (!va) return Value::null(*type, true);
    std::vector<Scalar> items;
    for (pugi::xml_node v = va.first_child(); v; v = v.next_sibling()) {
      if (v.type() != pugi::node_element) continue;
      if (std::string_view(v.name()) != "VALUE") {
        return error(v, fmt::format("property \"{}\": <{}> inside <VALUE.ARRAY> (only <VALUE> "
                                    "elements are supported)",
                                    name, v.name()));
      }
      auto s = scalar(v, *type, name, depth);
      if (!s.ok()) return s.status();
      items.push_back(std::move(s).value());
    }
    return Value::array(*type, std::move(items));
  }

  Result<Scalar> scalar(pugi::xml_node v, CimType type, std::string_view name, int depth) {
    const std::string text = text_of(v);
    if (type == CimType::kInstance) {
      Parser nested(text, limits_);
      auto inst = nested.run(depth + 1);
      if (!inst.ok()) {
        return error(v, fmt::format("property \"{}\" holds an embedded instance that does not "
                                    "parse: {}",
                                    name, inst.status().message()));
      }
      return Scalar(std::make_shared<const Instance>(std::move(inst).value()));
    }
    auto s = Value::scalar_from_text(type, text);
    if (!s.ok()) return error(v, fmt::format("property \"{}\": {}", name, s.status().message()));
    return s;
  }

  // VALUE.REFERENCE content: INSTANCEPATH, LOCALINSTANCEPATH or INSTANCENAME (or the WMI
  // habit of a bare path text).
  Result<ObjectPath> reference(pugi::xml_node vr) {
    pugi::xml_node p = first_element(vr);
    if (!p) {
      auto parsed = ObjectPath::parse(text_of(vr));
      if (!parsed.ok()) return error(vr, parsed.status().message());
      return parsed;
    }
    const std::string_view tag = p.name();
    ObjectPath out;
    pugi::xml_node name_node;
    if (tag == "INSTANCEPATH") {
      pugi::xml_node nsp = p.child("NAMESPACEPATH");
      if (!nsp) return error(p, "<INSTANCEPATH> has no <NAMESPACEPATH>");
      out.set_host(text_of(nsp.child("HOST")));
      out.set_namespace(namespace_of(nsp.child("LOCALNAMESPACEPATH")));
      name_node = p.child("INSTANCENAME");
    } else if (tag == "LOCALINSTANCEPATH") {
      out.set_namespace(namespace_of(p.child("LOCALNAMESPACEPATH")));
      name_node = p.child("INSTANCENAME");
    } else if (tag == "INSTANCENAME") {
      name_node = p;
    } else {
      return error(p, fmt::format("<{}> inside <VALUE.REFERENCE> is not an instance path", tag));
    }
    if (!name_node) return error(p, "the reference has no <INSTANCENAME>");
    const std::string_view cls = name_node.attribute("CLASSNAME").value();
    if (cls.empty()) return error(name_node, "<INSTANCENAME> has no CLASSNAME");
    ObjectPath path(out.name_space(), std::string(cls));
    path.set_host(out.host());
    bool any_key = false;
    for (pugi::xml_node kb = name_node.first_child(); kb; kb = kb.next_sibling()) {
      if (kb.type() != pugi::node_element) continue;
      const std::string_view ktag = kb.name();
      std::string key_name;
      pugi::xml_node kv = kb;
      if (ktag == "KEYBINDING") {
        key_name = kb.attribute("NAME").value();
        if (key_name.empty()) return error(kb, "<KEYBINDING> has no NAME");
        kv = first_element(kb);
        if (!kv) return error(kb, "<KEYBINDING> has no value");
      }
      const std::string_view vtag = kv.name();
      any_key = true;
      if (vtag == "KEYVALUE") {
        const std::string_view vt = kv.attribute("VALUETYPE").value();
        const KeyKind kind = vt == "numeric"   ? KeyKind::kNumber
                             : vt == "boolean" ? KeyKind::kBoolean
                                               : KeyKind::kString;
        path.add_key(std::move(key_name), text_of(kv), kind);
      } else if (vtag == "VALUE.REFERENCE") {
        auto nested = reference(kv);
        if (!nested.ok()) return nested.status();
        path.add_key(std::move(key_name), nested->to_string(), KeyKind::kReference);
      } else {
        return error(kv, fmt::format("unexpected <{}> in <INSTANCENAME>", vtag));
      }
    }
    if (!any_key) path.set_singleton(true);
    return path;
  }

  static std::string namespace_of(pugi::xml_node lnp) {
    std::string ns;
    for (pugi::xml_node n = lnp.child("NAMESPACE"); n; n = n.next_sibling("NAMESPACE")) {
      if (!ns.empty()) ns += '\\';
      ns += n.attribute("NAME").value();
    }
    return ns;
  }

  static pugi::xml_node first_element(pugi::xml_node node) {
    for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
      if (c.type() == pugi::node_element) return c;
    }
    return {};
  }

  // The element child of that name, skipping qualifiers; null when absent.
  static pugi::xml_node only_child(pugi::xml_node node, const char* name) {
    return node.child(name);
  }

  static std::string text_of(pugi::xml_node node) {
    std::string out;
    for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
      if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) out += c.value();
    }
    return out;
  }

  Status error(pugi::xml_node node, std::string_view what) const {
    const std::ptrdiff_t off = node.offset_debug();
    return error(off < 0 ? 0 : static_cast<std::size_t>(off), what);
  }

  Status error(std::size_t offset, std::string_view what) const {
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < offset && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return invalid_parameter(
        fmt::format("embedded instance, line {}, column {}: {}", line, col, what));
  }

  std::string_view text_;
  const CimXmlLimits& limits_;
  pugi::xml_document doc_;
};

// --- formatting ---

void append_path(pugi::xml_node parent, const ObjectPath& path);

void append_instance_name(pugi::xml_node parent, const ObjectPath& path) {
  pugi::xml_node in = parent.append_child("INSTANCENAME");
  in.append_attribute("CLASSNAME") = std::string(path.class_name()).c_str();
  for (const Key& k : path.keys()) {
    pugi::xml_node target = in;
    if (!k.name.empty()) {
      target = in.append_child("KEYBINDING");
      target.append_attribute("NAME") = k.name.str().c_str();
    }
    if (k.kind == KeyKind::kReference) {
      if (auto nested = ObjectPath::parse(k.value); nested.ok()) {
        append_path(target.append_child("VALUE.REFERENCE"), *nested);
        continue;
      }
    }
    pugi::xml_node kv = target.append_child("KEYVALUE");
    kv.append_attribute("VALUETYPE") = k.kind == KeyKind::kNumber    ? "numeric"
                                       : k.kind == KeyKind::kBoolean ? "boolean"
                                                                     : "string";
    kv.text().set(k.value.c_str());
  }
}

void append_namespace(pugi::xml_node parent, std::string_view ns) {
  pugi::xml_node lnp = parent.append_child("LOCALNAMESPACEPATH");
  std::size_t start = 0;
  while (start <= ns.size()) {
    const std::size_t end = ns.find('\\', start);
    const std::string part(ns.substr(start, end == std::string_view::npos ? ns.npos : end - start));
    lnp.append_child("NAMESPACE").append_attribute("NAME") = part.c_str();
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
}

void append_path(pugi::xml_node parent, const ObjectPath& path) {
  if (!path.host().empty()) {
    pugi::xml_node ip = parent.append_child("INSTANCEPATH");
    pugi::xml_node nsp = ip.append_child("NAMESPACEPATH");
    nsp.append_child("HOST").text().set(std::string(path.host()).c_str());
    append_namespace(nsp, path.name_space());
    append_instance_name(ip, path);
  } else if (!path.name_space().empty()) {
    pugi::xml_node lip = parent.append_child("LOCALINSTANCEPATH");
    append_namespace(lip, path.name_space());
    append_instance_name(lip, path);
  } else {
    append_instance_name(parent, path);
  }
}

std::string element_text(CimType type, const Scalar& s) {
  if (type == CimType::kBoolean) return std::get<bool>(s) ? "TRUE" : "FALSE";
  return Value::scalar_to_text(type, s);
}

void append_instance(pugi::xml_node parent, const Instance& inst, XmlDtd dtd);

void append_system_properties(pugi::xml_node node, const Instance& inst) {
  auto sys = [&](const char* name, const char* type, const std::string* value) {
    pugi::xml_node p = node.append_child("PROPERTY");
    p.append_attribute("NAME") = name;
    p.append_attribute("CLASSORIGIN") = "___SYSTEM";
    p.append_attribute("TYPE") = type;
    if (value != nullptr) p.append_child("VALUE").text().set(value->c_str());
  };
  const std::string genus = "2";
  const std::string count = std::to_string(inst.properties().size());
  const std::string cls(inst.class_name());
  sys("__CLASS", "string", &cls);
  sys("__GENUS", "sint32", &genus);
  sys("__RELPATH", "string", nullptr);
  sys("__PROPERTY_COUNT", "sint32", &count);
}

void append_property(pugi::xml_node node, const Instance& inst, const Property& prop, XmlDtd dtd) {
  const Value& v = prop.value;
  const bool wmi = dtd == XmlDtd::kWmi20;
  auto origin = [&](pugi::xml_node p) {
    if (wmi) p.append_attribute("CLASSORIGIN") = std::string(inst.class_name()).c_str();
  };
  auto cimtype_qualifier = [&](pugi::xml_node p, std::string_view type) {
    if (!wmi) return;
    pugi::xml_node q = p.append_child("QUALIFIER");
    q.append_attribute("NAME") = "CIMTYPE";
    q.append_attribute("PROPAGATED") = "true";
    q.append_attribute("TYPE") = "string";
    q.append_attribute("TOSUBCLASS") = "false";
    q.append_child("VALUE").text().set(std::string(type).c_str());
  };
  if (v.type() == CimType::kReference) {
    pugi::xml_node p = node.append_child(v.is_array() ? "PROPERTY.REFARRAY" : "PROPERTY.REFERENCE");
    p.append_attribute("NAME") = prop.name.str().c_str();
    origin(p);
    if (v.is_null()) return;
    if (v.is_array()) {
      pugi::xml_node va = p.append_child("VALUE.REFARRAY");
      for (const Scalar& s : v.items())
        append_path(va.append_child("VALUE.REFERENCE"), *std::get<PathPtr>(s));
    } else {
      append_path(p.append_child("VALUE.REFERENCE"), *v.as_reference());
    }
    return;
  }
  if (v.type() == CimType::kInstance && wmi && !v.is_array()) {
    pugi::xml_node p = node.append_child("PROPERTY.OBJECT");
    p.append_attribute("NAME") = prop.name.str().c_str();
    origin(p);
    if (!v.is_null()) append_instance(p.append_child("VALUE.OBJECT"), *v.as_instance(), dtd);
    return;
  }
  pugi::xml_node p = node.append_child(v.is_array() ? "PROPERTY.ARRAY" : "PROPERTY");
  p.append_attribute("NAME") = prop.name.str().c_str();
  origin(p);
  if (v.type() == CimType::kInstance) {
    p.append_attribute("TYPE") = "string";
    p.append_attribute("EmbeddedObject") = "instance";
  } else {
    p.append_attribute("TYPE") = std::string(to_string(v.type())).c_str();
  }
  cimtype_qualifier(p, to_string(v.type()));
  if (v.is_null()) return;
  auto text_of = [&](const Scalar& s) {
    if (v.type() == CimType::kInstance)
      return format_embedded_instance(*std::get<InstancePtr>(s), dtd);
    return element_text(v.type(), s);
  };
  if (v.is_array()) {
    pugi::xml_node va = p.append_child("VALUE.ARRAY");
    for (const Scalar& s : v.items()) {
      va.append_child("VALUE").append_child(pugi::node_pcdata).set_value(text_of(s).c_str());
    }
  } else {
    p.append_child("VALUE").append_child(pugi::node_pcdata).set_value(text_of(*v.scalar()).c_str());
  }
}

void append_instance(pugi::xml_node parent, const Instance& inst, XmlDtd dtd) {
  pugi::xml_node node = parent.append_child("INSTANCE");
  node.append_attribute("CLASSNAME") = std::string(inst.class_name()).c_str();
  if (dtd == XmlDtd::kWmi20) append_system_properties(node, inst);
  for (const Property& prop : inst.properties())
    append_property(node, inst, prop, dtd);
}

}  // namespace

Result<Instance> parse_embedded_instance(std::string_view text, const CimXmlLimits& limits) {
  return Parser(text, limits).run(0);
}

std::string format_embedded_instance(const Instance& instance, XmlDtd dtd) {
  pugi::xml_document doc;
  append_instance(doc, instance, dtd);
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw | pugi::format_no_declaration, pugi::encoding_utf8);
  return out.str();
}

}  // namespace hvsnap::cim
