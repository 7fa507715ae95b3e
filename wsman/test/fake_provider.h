// A small in-memory cim::Provider for the WS-Man dispatcher's tests (contract §8): instances
// by class, one association, an optional delay, and request envelopes in the shape WinRM
// clients send. Independent of sim/ so that the protocol is tested on its own.
#pragma once

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "hvsnap/cim/provider.h"
#include "hvsnap/cim/text.h"
#include "hvsnap/wsman/dispatcher.h"

namespace hvsnap::wsman::testing {

inline constexpr const char* kNs = "root\\virtualization\\v2";
inline constexpr const char* kWmi =
    "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/virtualization/v2/";

class FakeProvider : public cim::Provider {
 public:
  std::vector<cim::Instance> instances;
  std::chrono::milliseconds delay{0};
  // Associations: (from, to, association class, role of from, role of to).
  struct Link {
    cim::ObjectPath from, to;
    std::string assoc, from_role, to_role;
  };
  std::vector<Link> links;

  cim::Instance& add_vm(const std::string& name, const std::string& element_name,
                        std::uint16_t state, std::uint64_t memory_mb) {
    cim::ObjectPath p(kNs, "Msvm_ComputerSystem");
    p.add_key("CreationClassName", "Msvm_ComputerSystem");
    p.add_key("Name", name);
    cim::Instance i("Msvm_ComputerSystem");
    i.set("Caption", cim::Value::string("Virtual Machine"));
    i.set("CreationClassName", cim::Value::string("Msvm_ComputerSystem"));
    i.set("Description", cim::Value::null(cim::CimType::kString));
    i.set("ElementName", cim::Value::string(element_name));
    i.set("EnabledState", cim::Value::uint16(state));
    i.set("Name", cim::Value::string(name));
    i.set("MemoryMB", cim::Value::uint64(memory_mb));
    i.set_path(p);
    instances.push_back(std::move(i));
    return instances.back();
  }

  cim::Result<cim::Instance> get_instance(const cim::ObjectPath& path) override {
    std::this_thread::sleep_for(delay);
    for (const auto& i : instances) {
      if (cim::same_object(i.path(), path)) return i;
    }
    return cim::Status(cim::StatusKind::kNotFound, "no such instance: " + path.to_string());
  }
  // Names-only listings asked for (decision 0138); answered from the instances.
  int names_calls = 0;
  cim::Result<std::vector<cim::ObjectPath>> enumerate_instance_names(
      std::string_view name_space, std::string_view cls) override {
    ++names_calls;
    return cim::Provider::enumerate_instance_names(name_space, cls);
  }
  // What each WQL SELECT by property values asked for (decision 0137); answered with every
  // instance of the class, as the default does, so that the dispatcher's own test decides.
  std::vector<std::vector<PropertyEquals>> matching_calls;
  cim::Result<std::vector<cim::Instance>> enumerate_instances_matching(
      std::string_view name_space, std::string_view cls,
      const std::vector<PropertyEquals>& any_of) override {
    matching_calls.push_back(any_of);
    return enumerate_instances(name_space, cls);
  }
  cim::Result<std::vector<cim::Instance>> enumerate_instances(std::string_view,
                                                              std::string_view cls) override {
    std::this_thread::sleep_for(delay);
    std::vector<cim::Instance> out;
    bool known = false;
    for (const auto& i : instances) {
      if (cim::iequals(i.class_name(), cls) ||
          (cim::iequals(cls, "CIM_ComputerSystem") &&
           cim::iequals(i.class_name(), "Msvm_ComputerSystem"))) {
        out.push_back(i);
        known = true;
      }
    }
    if (!known && !cim::iequals(cls, "Msvm_ConcreteJob")) {
      return cim::Status(cim::StatusKind::kInvalidClass,
                         std::string("no class ") + std::string(cls));
    }
    return out;
  }
  cim::Result<std::vector<cim::Instance>> associators(const cim::ObjectPath& o,
                                                      const cim::AssociatorsFilter& f) override {
    std::vector<cim::Instance> out;
    for (const auto& l : links) {
      if (!cim::same_object(l.from, o)) continue;
      if (!f.assoc_class.empty() && !cim::iequals(f.assoc_class, l.assoc)) continue;
      if (!f.role.empty() && !cim::iequals(f.role, l.from_role)) continue;
      if (!f.result_role.empty() && !cim::iequals(f.result_role, l.to_role)) continue;
      auto i = get_instance(l.to);
      if (!i.ok()) continue;
      if (!f.result_class.empty() && !cim::iequals(f.result_class, i->class_name())) continue;
      out.push_back(std::move(i).value());
    }
    return out;
  }
  cim::Result<std::vector<cim::Instance>> references(const cim::ObjectPath& o,
                                                     const cim::ReferencesFilter& f) override {
    std::vector<cim::Instance> out;
    for (const auto& l : links) {
      if (!cim::same_object(l.from, o)) continue;
      if (!f.result_class.empty() && !cim::iequals(f.result_class, l.assoc)) continue;
      cim::Instance a{cim::Name(l.assoc)};
      a.set(l.from_role, cim::Value::reference(l.from));
      a.set(l.to_role, cim::Value::reference(l.to));
      cim::ObjectPath p(kNs, l.assoc);
      p.add_key(l.from_role, l.from.to_string(), cim::KeyKind::kReference);
      p.add_key(l.to_role, l.to.to_string(), cim::KeyKind::kReference);
      a.set_path(p);
      out.push_back(std::move(a));
    }
    return out;
  }
  cim::Result<cim::MethodResult> invoke_method(const cim::ObjectPath& o, std::string_view method,
                                               const cim::PropertyList& in) override {
    std::this_thread::sleep_for(delay);
    if (method != "RequestStateChange") {
      return cim::Status(cim::StatusKind::kMethodNotFound, std::string(method));
    }
    auto i = get_instance(o);
    if (!i.ok()) return i.status();
    cim::MethodResult r;
    r.return_value = cim::find(in, "RequestedState") ? 0 : 5;
    r.out.push_back({cim::Name("Echo"), cim::Value::uint32(static_cast<std::uint32_t>(in.size()))});
    return r;
  }
};

// A request envelope with the headers WinRM clients send; `extra` goes into the header.
inline std::string envelope(
    std::string_view action, std::string_view resource, std::string_view extra,
    std::string_view body,
    std::string_view message_id = "uuid:6B0D1C4A-BCED-4CAE-981B-8DDA57181C9F",
    bool reply_to = true) {
  std::string out = R"(<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" )"
                    R"(xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" )"
                    R"(xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" )"
                    R"(xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration"><s:Header>)";
  out += "<a:To>http://localhost:5985/wsman</a:To>";
  if (!action.empty())
    out += "<a:Action s:mustUnderstand=\"true\">" + std::string(action) + "</a:Action>";
  if (!resource.empty())
    out += "<w:ResourceURI s:mustUnderstand=\"true\">" + std::string(resource) + "</w:ResourceURI>";
  if (reply_to) {
    out +=
        "<a:ReplyTo><a:Address s:mustUnderstand=\"true\">"
        "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>";
  }
  out += "<a:MessageID>" + std::string(message_id) + "</a:MessageID>";
  out += extra;
  out += "</s:Header><s:Body>";
  out += body;
  out += "</s:Body></s:Envelope>";
  return out;
}

inline const std::string kActGet = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get";
inline const std::string kActEnum = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate";
inline const std::string kActPull = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Pull";
inline const std::string kActRelease = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Release";
inline const std::string kWqlDialect = "http://schemas.microsoft.com/wbem/wsman/1/WQL";

inline std::string xml_text(std::string_view t) {
  std::string out;
  for (char c : t) {
    if (c == '<') {
      out += "&lt;";
    } else if (c == '&') {
      out += "&amp;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

inline std::string wql_enumerate(std::string_view query, std::string_view extra_body = "") {
  return "<n:Enumerate><w:Filter Dialect=\"" + kWqlDialect + "\">" + xml_text(query) +
         "</w:Filter>" + std::string(extra_body) + "</n:Enumerate>";
}

inline std::string pull_body(std::string_view context, std::string_view extra = "") {
  return "<n:Pull><n:EnumerationContext>" + std::string(context) + "</n:EnumerationContext>" +
         std::string(extra) + "</n:Pull>";
}

}  // namespace hvsnap::wsman::testing
