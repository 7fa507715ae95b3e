// The example's provider (examples/embed, decision 0045): a vendor's cim::Provider in C++.
// It hands VM and group management to the host underneath (here hvsnap's fake host, as a
// vendor's layer would hand them to its platform). Every
// Msvm_CollectionSnapshotService.CreateSnapshot that names an existing collection is answered
// 32770 (Not Supported) with no change — as real standalone Hyper-V hosts were seen to answer
// (contract §4.1, observations O1-O3, O5); one that names none is an invalid parameter (4).
// The suite must report it NOT SUPPORTED: never certified, never a pass.
#pragma once

#include <memory>
#include <string_view>
#include <utility>

#include "hvsnap/cim/names.h"
#include "hvsnap/cim/provider.h"
#include "hvsnap/cim/text.h"

namespace example {

class RefusingProvider final : public hvsnap::cim::Provider {
 public:
  explicit RefusingProvider(std::shared_ptr<hvsnap::cim::Provider> host) : host_(std::move(host)) {}

  hvsnap::cim::Result<hvsnap::cim::Instance> get_instance(
      const hvsnap::cim::ObjectPath& path) override {
    return host_->get_instance(path);
  }
  hvsnap::cim::Result<std::vector<hvsnap::cim::Instance>> enumerate_instances(
      std::string_view name_space, std::string_view class_name) override {
    return host_->enumerate_instances(name_space, class_name);
  }
  hvsnap::cim::Result<std::vector<hvsnap::cim::Instance>> associators(
      const hvsnap::cim::ObjectPath& object,
      const hvsnap::cim::AssociatorsFilter& filter) override {
    return host_->associators(object, filter);
  }
  hvsnap::cim::Result<std::vector<hvsnap::cim::Instance>> references(
      const hvsnap::cim::ObjectPath& object, const hvsnap::cim::ReferencesFilter& filter) override {
    return host_->references(object, filter);
  }
  hvsnap::cim::Result<hvsnap::cim::MethodResult> invoke_method(
      const hvsnap::cim::ObjectPath& object, std::string_view method,
      const hvsnap::cim::PropertyList& in) override {
    if (method == "CreateSnapshot" &&
        hvsnap::cim::iequals(object.class_name(), "Msvm_CollectionSnapshotService")) {
      // Parameters are checked before anything is refused: a call naming no collection of
      // this host is an invalid parameter (4), whatever the host supports (CS-OUT-1..3).
      hvsnap::cim::MethodResult answer;
      answer.return_value = collection_exists(in) ? 32770 : 4;  // 32770: Not Supported
      return answer;
    }
    return host_->invoke_method(object, method, in);
  }

 private:
  bool collection_exists(const hvsnap::cim::PropertyList& in) {
    const hvsnap::cim::Value* c = hvsnap::cim::find(in, "Collection");
    const hvsnap::cim::ObjectPath* p = c == nullptr ? nullptr : c->as_reference();
    if (p == nullptr || p->is_class_path()) return false;
    if (!p->name_space().empty() &&
        !hvsnap::cim::iequals(hvsnap::cim::canonical_namespace(p->name_space()),
                              hvsnap::cim::names::kNamespace))
      return false;
    if (!hvsnap::cim::iequals(p->class_name(), hvsnap::cim::names::kVmGroup) &&
        !hvsnap::cim::iequals(p->class_name(), hvsnap::cim::names::kManagementCollection))
      return false;
    return host_->get_instance(*p).ok();
  }

  std::shared_ptr<hvsnap::cim::Provider> host_;
};

}  // namespace example
