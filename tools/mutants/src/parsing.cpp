// The mutant family "parsing": reading the input (CS-OUT-12, CS-OUT-14). Each class breaks exactly
// the requirement its comment names; the one table in catalogue.cpp registers it.
#include <algorithm>
#include <map>
#include <set>

#include "families.h"
#include "helpers.h"
#include "hvsnap/cim/cimxml.h"

namespace hvsnap::tools::mutants {

namespace {

// Rewrites the SnapshotSettings text of CreateSnapshot before the fake reads it.
class SettingsRewriter : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  std::optional<cim::Result<cim::MethodResult>> before_invoke(const cim::ObjectPath& object,
                                                              std::string_view method,
                                                              cim::PropertyList& in) override {
    if (!is_create(object, method)) return std::nullopt;
    const cim::Value* v = cim::find(in, "SnapshotSettings");
    if (v == nullptr || v->as_string() == std::nullopt || v->as_string()->empty())
      return std::nullopt;
    return settings(std::string(*v->as_string()), in);
  }
  virtual std::optional<cim::Result<cim::MethodResult>> settings(const std::string& text,
                                                                 cim::PropertyList& in) = 0;
};

// CS-OUT-14: valid SnapshotSettings in the WMI DTD form (what WMI's GetText writes) are
// refused as an invalid parameter; only the CIM DTD form is read.
class RejectsWmiDtd final : public SettingsRewriter {
 public:
  using SettingsRewriter::SettingsRewriter;

 protected:
  std::optional<cim::Result<cim::MethodResult>> settings(const std::string& text,
                                                         cim::PropertyList&) override {
    if (text.find("CLASSORIGIN") == std::string::npos &&
        text.find("PROPERTY.OBJECT") == std::string::npos) {
      return std::nullopt;
    }
    return cim::Result<cim::MethodResult>(cim::MethodResult{invalid_parameter_code(host()), {}});
  }
};

// CS-OUT-12: IgnoreNonSnapshottableDisks is ignored (dropped before the fake reads it).
class IgnoresIgnoreDisks final : public SettingsRewriter {
 public:
  using SettingsRewriter::SettingsRewriter;

 protected:
  std::optional<cim::Result<cim::MethodResult>> settings(const std::string& text,
                                                         cim::PropertyList& in) override {
    auto inst = cim::parse_embedded_instance(text);
    if (!inst.ok() || !inst->remove("IgnoreNonSnapshottableDisks")) return std::nullopt;
    cim::set(in, "SnapshotSettings",
             cim::Value::string(cim::format_embedded_instance(*inst, cim::XmlDtd::kCim20)));
    return std::nullopt;
  }
};

}  // namespace

ProviderPtr make_rejects_wmi_dtd(HostPtr host) {
  return std::make_shared<RejectsWmiDtd>(std::move(host));
}

ProviderPtr make_ignores_ignore_disks(HostPtr host) {
  return std::make_shared<IgnoresIgnoreDisks>(std::move(host));
}

}  // namespace hvsnap::tools::mutants
