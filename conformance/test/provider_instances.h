// Test helper shared by the conformance tests that answer as a provider (observe_test,
// lean_reads_test, state_change_wait_test): a path of one key in the Hyper-V namespace, an
// instance carrying its key properties and the given ones, and a provider base for hosts that
// only answer Gets and method calls.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hvsnap/cim/instance.h"
#include "hvsnap/cim/names.h"
#include "hvsnap/cim/object_path.h"
#include "hvsnap/cim/provider.h"

namespace hvsnap::conformance::test_support {

inline cim::ObjectPath path(std::string_view cls, std::string_view key, std::string_view id) {
  cim::ObjectPath p(cim::Name::borrow(cim::names::kNamespace), cim::Name(cls));
  p.add_key(std::string(key), std::string(id));
  return p;
}

inline cim::Instance instance(const cim::ObjectPath& p,
                              std::vector<std::pair<std::string, cim::Value>> props = {}) {
  cim::Instance i{cim::Name(p.class_name())};
  for (const auto& k : p.keys())
    i.set(k.name.view(), cim::Value::string(k.value));
  for (auto& [n, v] : props)
    i.set(n, std::move(v));
  i.set_path(p);
  return i;
}

// A host with nothing to enumerate and no associations: its tests answer Gets and method calls.
class GetsAndCallsOnly : public cim::Provider {
 public:
  cim::Result<std::vector<cim::Instance>> enumerate_instances(std::string_view,
                                                              std::string_view) override {
    return std::vector<cim::Instance>{};
  }
  cim::Result<std::vector<cim::Instance>> associators(const cim::ObjectPath&,
                                                      const cim::AssociatorsFilter&) override {
    return std::vector<cim::Instance>{};
  }
  cim::Result<std::vector<cim::Instance>> references(const cim::ObjectPath&,
                                                     const cim::ReferencesFilter&) override {
    return std::vector<cim::Instance>{};
  }
};

}  // namespace hvsnap::conformance::test_support
