// Test helper shared by the conformance tests that answer as a provider (observe_test,
// lean_reads_test): a path of one key in the Hyper-V namespace, and an instance carrying its
// key properties and the given ones.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hvsnap/cim/instance.h"
#include "hvsnap/cim/names.h"
#include "hvsnap/cim/object_path.h"

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

}  // namespace hvsnap::conformance::test_support
