// The counting decorator of counting.h: forwards every operation unchanged and counts it.
#include "hvsnap/tools/counting.h"

#include <string>
#include <utility>

#include "hvsnap/cim/text.h"

namespace hvsnap::tools {

namespace {

class CountingProvider final : public cim::Provider {
 public:
  CountingProvider(std::shared_ptr<cim::Provider> inner, std::shared_ptr<RequestCounts> counts,
                   std::uint64_t target)
      : inner_(std::move(inner)), counts_(std::move(counts)), target_(target) {}

  cim::Result<cim::Instance> get_instance(const cim::ObjectPath& path) override {
    ++counts_->get;
    counts_->count(target_, "Get " + std::string(path.class_name()));
    return inner_->get_instance(path);
  }
  std::vector<cim::Result<cim::Instance>> get_instances(
      const std::vector<cim::ObjectPath>& paths) override {
    // As the WS-Man client sends them: one query per class of two or more keyed paths
    // (cim::batches_by_class), a Get for each other path.
    std::vector<bool> batched(paths.size(), false);
    for (const auto& at : cim::batches_by_class(paths)) {
      ++counts_->query;
      counts_->count(target_, "Query " + cim::to_lower(paths[at.front()].class_name()));
      for (std::size_t i : at)
        batched[i] = true;
    }
    for (std::size_t i = 0; i < paths.size(); ++i) {
      if (batched[i]) continue;
      ++counts_->get;
      counts_->count(target_, (paths[i].keys().empty() ? "Get " : "Get(in a query's read) ") +
                                  (paths[i].keys().empty() ? std::string(paths[i].class_name())
                                                           : cim::to_lower(paths[i].class_name())));
    }
    return inner_->get_instances(paths);
  }
  cim::Result<std::vector<cim::Instance>> enumerate_instances(
      std::string_view name_space, std::string_view class_name) override {
    ++counts_->enumerate;
    counts_->count(target_, "Enumerate " + std::string(class_name));
    return inner_->enumerate_instances(name_space, class_name);
  }
  cim::Result<std::vector<cim::ObjectPath>> enumerate_instance_names(
      std::string_view name_space, std::string_view class_name) override {
    ++counts_->enumerate;
    counts_->count(target_, "Enumerate names " + std::string(class_name));
    return inner_->enumerate_instance_names(name_space, class_name);
  }
  cim::Status each_instance_name(std::string_view name_space, std::string_view class_name,
                                 const std::function<void(const cim::ObjectPath&)>& f) override {
    ++counts_->enumerate;
    counts_->count(target_, "Enumerate names " + std::string(class_name));
    return inner_->each_instance_name(name_space, class_name, f);
  }
  cim::Result<std::vector<cim::Instance>> associators(
      const cim::ObjectPath& object, const cim::AssociatorsFilter& filter) override {
    ++counts_->associators;
    counts_->count(target_,
                   "Assoc " + filter.assoc_class + " from " + std::string(object.class_name()));
    return inner_->associators(object, filter);
  }
  cim::Result<std::vector<cim::Instance>> references(const cim::ObjectPath& object,
                                                     const cim::ReferencesFilter& filter) override {
    ++counts_->references;
    counts_->count(target_,
                   "Refs " + filter.result_class + " from " + std::string(object.class_name()));
    return inner_->references(object, filter);
  }
  cim::Result<cim::MethodResult> invoke_method(const cim::ObjectPath& object,
                                               std::string_view method,
                                               const cim::PropertyList& in) override {
    ++counts_->invoke;
    counts_->count(target_, "Invoke " + std::string(method));
    return inner_->invoke_method(object, method, in);
  }
  std::vector<cim::WireProblem> take_wire_problems() override {
    return inner_->take_wire_problems();  // no request: what the transport already saw
  }

 private:
  std::shared_ptr<cim::Provider> inner_;
  std::shared_ptr<RequestCounts> counts_;
  std::uint64_t target_;
};

class CountingControl final : public conformance::TargetControl {
 public:
  CountingControl(std::shared_ptr<conformance::TargetControl> inner,
                  std::shared_ptr<RequestCounts> counts, std::uint64_t target)
      : inner_(std::move(inner)), counts_(std::move(counts)), target_(target) {}

  void advance(std::int64_t ms) override {
    ++counts_->advance;
    counts_->count(target_, "Advance " + std::to_string(ms));
    counts_->advanced_ms += ms;
    inner_->advance(ms);
  }
  std::int64_t now_ms() const override {
    ++counts_->now;
    counts_->count(target_, "Now");
    return inner_->now_ms();
  }
  cim::Status set_vm_attributes(const cim::ObjectPath& vm,
                                const conformance::FakeVmAttributes& attributes) override {
    ++counts_->control_other;
    counts_->count(target_, "SetVmAttributes");
    return inner_->set_vm_attributes(vm, attributes);
  }
  void set_faults_enabled(bool enabled) override {
    ++counts_->control_other;
    counts_->count(target_, "SetFaultsEnabled");
    inner_->set_faults_enabled(enabled);
  }
  std::optional<std::int64_t> host_time_us() const override {
    auto t = inner_->host_time_us();
    // Only a control that can tell the host's time asks anything for it.
    if (t) {
      ++counts_->now;
      counts_->count(target_, "Now (host time)");
    }
    return t;
  }

 private:
  std::shared_ptr<conformance::TargetControl> inner_;
  std::shared_ptr<RequestCounts> counts_;
  std::uint64_t target_;
};

}  // namespace

conformance::TargetFactory counting_factory(conformance::TargetFactory make,
                                            std::shared_ptr<RequestCounts> counts) {
  return [make = std::move(make),
          counts = std::move(counts)](std::uint64_t seed) -> cim::Result<conformance::Target> {
    const std::uint64_t target = counts->resets++;
    auto t = make(seed);
    if (!t.ok()) return t;
    conformance::Target out = std::move(t).value();
    out.provider = std::make_shared<CountingProvider>(out.provider, counts, target);
    if (out.control) out.control = std::make_shared<CountingControl>(out.control, counts, target);
    return out;
  };
}

}  // namespace hvsnap::tools
