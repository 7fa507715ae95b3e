// The example's provider (examples/embed, decision 0045): a vendor's cim::Provider in C++.
// It manages VMs and groups by handing those calls to the host underneath (here hvsnap's fake
// host, as a vendor's layer would hand them to its platform) and answers every
// Msvm_CollectionSnapshotService.CreateSnapshot with 32770 (Not Supported) and no change — as
// real standalone Hyper-V hosts were seen to (contract §4.1, observations O1-O3, O5). The
// suite must report it NOT SUPPORTED: never certified, never a pass.
#pragma once

#include <memory>
#include <string_view>
#include <utility>

#include "hvsnap/cim/provider.h"

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
        object.class_name() == std::string_view("Msvm_CollectionSnapshotService")) {
      hvsnap::cim::MethodResult refused;
      refused.return_value = 32770;  // Not Supported, nothing changed
      return refused;
    }
    return host_->invoke_method(object, method, in);
  }

 private:
  std::shared_ptr<hvsnap::cim::Provider> host_;
};

}  // namespace example
