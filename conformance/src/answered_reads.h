// Reads asked again while no answer comes back (decision 0161): a read the wire lost (the
// connection failed, no answer came in time, what came is not an answer) says nothing of the
// host, and a read is safe to repeat. Method calls pass through once: only GetErrorEx, which
// changes nothing, is asked again, by its caller (follow_job).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "hvsnap/cim/provider.h"

namespace hvsnap::conformance {

// How many times a read the wire lost is asked again before its view is given up.
inline constexpr int kWireRetries = 2;

// Before the retry'th time a lost read is asked again (0, 1, …): `pause_ms`, doubled for each
// later one (ClientOptions::wire_retry_pause_ms, decision 0163); nothing when it is 0.
inline void pause_before_asking_again(std::int64_t pause_ms, int retry) {
  if (pause_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms << retry));
}

// `read()` once, and up to kWireRetries times more, each after its pause, while its answer is
// lost on the wire.
template <class Read>
auto until_answered(Read&& read, std::int64_t pause_ms) {
  auto r = read();
  for (int i = 0; i < kWireRetries && !r.ok() && cim::lost_on_the_wire(r.status().kind()); ++i) {
    pause_before_asking_again(pause_ms, i);
    r = read();
  }
  return r;
}

class AnsweredReads final : public cim::Provider {
 public:
  // Reads through `inner`, which it keeps (the Client's target) or only borrows, a read lost
  // asked again after `pause_ms` (doubled for each later try; 0: at once).
  AnsweredReads(std::shared_ptr<cim::Provider> inner, std::int64_t pause_ms)
      : owned_(std::move(inner)), inner_(*owned_), pause_ms_(pause_ms) {}
  AnsweredReads(cim::Provider& inner, std::int64_t pause_ms) : inner_(inner), pause_ms_(pause_ms) {}

  cim::Result<cim::Instance> get_instance(const cim::ObjectPath& path) override;
  std::vector<cim::Result<cim::Instance>> get_instances(
      const std::vector<cim::ObjectPath>& paths) override;
  cim::Result<std::vector<cim::Instance>> enumerate_instances(std::string_view name_space,
                                                              std::string_view class_name) override;
  cim::Result<std::vector<cim::ObjectPath>> enumerate_instance_names(
      std::string_view name_space, std::string_view class_name) override;
  cim::Status each_instance_name(std::string_view name_space, std::string_view class_name,
                                 const std::function<void(const cim::ObjectPath&)>& f) override;
  cim::Result<std::vector<cim::Instance>> enumerate_instances_matching(
      std::string_view name_space, std::string_view class_name,
      const std::vector<PropertyEquals>& any_of) override;
  cim::Result<std::vector<cim::Instance>> associators(
      const cim::ObjectPath& object, const cim::AssociatorsFilter& filter) override;
  cim::Result<std::vector<cim::Instance>> references(const cim::ObjectPath& object,
                                                     const cim::ReferencesFilter& filter) override;
  cim::Result<cim::MethodResult> invoke_method(const cim::ObjectPath& object,
                                               std::string_view method,
                                               const cim::PropertyList& in) override {
    return inner_.invoke_method(object, method, in);
  }
  std::vector<cim::WireProblem> take_wire_problems() override {
    return inner_.take_wire_problems();
  }

  // How many reads were still lost after they were asked again.
  int lost() const { return lost_.load(); }

 private:
  // `r`, counted when it is still lost.
  template <class R>
  R counted(R r) {
    if (!r.ok() && cim::lost_on_the_wire(r.status().kind())) ++lost_;
    return r;
  }

  template <class Read>
  auto answered(Read&& read) {
    return counted(until_answered(std::forward<Read>(read), pause_ms_));
  }

  std::shared_ptr<cim::Provider> owned_;
  cim::Provider& inner_;
  std::int64_t pause_ms_ = 0;
  std::atomic<int> lost_{0};
};

}  // namespace hvsnap::conformance
