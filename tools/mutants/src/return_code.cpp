// The mutant family "return-code": return codes (CS-OUT-3, CS-OUT-4, CS-OUT-10, CS-INV-1). Each
// class breaks exactly the requirement its comment names; the one table in catalogue.cpp registers
// it.
#include <algorithm>
#include <map>
#include <set>

#include "families.h"
#include "helpers.h"

namespace hvsnap::tools::mutants {

namespace {

// CS-OUT-4: SnapshotType 0 is reserved and must be refused; this one takes it as "standard".
class AcceptsTypeZero final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  std::optional<cim::Result<cim::MethodResult>> before_invoke(const cim::ObjectPath& object,
                                                              std::string_view method,
                                                              cim::PropertyList& in) override {
    if (!is_create(object, method)) return std::nullopt;
    if (const cim::Value* t = cim::find(in, "SnapshotType"); t != nullptr && t->as_uint() == 0u) {
      cim::set(in, "SnapshotType", cim::Value::uint16(2));
    }
    return std::nullopt;
  }
};

// CS-OUT-3: a Collection naming no existing group "succeeds" (0) without doing anything.
class MissingGroupSucceeds final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  std::optional<cim::Result<cim::MethodResult>> before_invoke(const cim::ObjectPath& object,
                                                              std::string_view method,
                                                              cim::PropertyList& in) override {
    if (!is_create(object, method)) return std::nullopt;
    const cim::Value* c = cim::find(in, "Collection");
    if (c == nullptr || c->as_reference() == nullptr) return std::nullopt;
    const cim::ObjectPath& p = *c->as_reference();
    if (!cim::iequals(p.class_name(), names::kVmGroup)) return std::nullopt;
    if (host().get_instance(p).status().kind() != cim::StatusKind::kNotFound) return std::nullopt;
    return cim::Result<cim::MethodResult>(cim::MethodResult{0, {}});
  }
};

// CS-OUT-10: a member in a transitional state gives 4 (invalid parameter) instead of 5.
class TransitionalIsInvalidParameter final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  void after_invoke(const cim::ObjectPath& object, std::string_view method,
                    const cim::PropertyList& in, cim::Result<cim::MethodResult>& r) override {
    if (!is_create(object, method) || !r.ok()) return;
    if (r->return_value != 5 && r->return_value != 32775) return;
    const sim::HostState s = host().control().dump();
    const sim::Group* g = find_group(s, cim::find(in, "Collection"));
    if (g == nullptr) return;
    for (const auto& m : g->members) {
      for (const auto& v : s.vms) {
        if (v.id == m && transitional(v.state)) {
          r->return_value = r->return_value == 32775 ? 32773 : 4;  // the same code family
          return;
        }
      }
    }
  }
};

// CS-INV-1: an invalid parameter is reported with the reserved code 7 instead of 4.
class ReservedReturnCode final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  void after_invoke(const cim::ObjectPath& object, std::string_view method,
                    const cim::PropertyList&, cim::Result<cim::MethodResult>& r) override {
    // Invalid Parameter in either code family (the fake's default is msvm, C1).
    if (is_create(object, method) && r.ok() && (r->return_value == 4 || r->return_value == 32773))
      r->return_value = 7;
  }
};

}  // namespace

ProviderPtr make_accepts_type_zero(HostPtr host) {
  return std::make_shared<AcceptsTypeZero>(std::move(host));
}

ProviderPtr make_missing_group_succeeds(HostPtr host) {
  return std::make_shared<MissingGroupSucceeds>(std::move(host));
}

ProviderPtr make_transitional_is_invalid_parameter(HostPtr host) {
  return std::make_shared<TransitionalIsInvalidParameter>(std::move(host));
}

ProviderPtr make_reserved_return_code(HostPtr host) {
  return std::make_shared<ReservedReturnCode>(std::move(host));
}

}  // namespace hvsnap::tools::mutants
