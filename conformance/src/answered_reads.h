// Reads asked again while no answer comes back (decision 0161): a read the wire lost (the
// connection failed, no answer came in time, what came is not an answer) says nothing of the
// host, and a read is safe to repeat. A method call is sent again only while it was not sent at
// all (no connection could be made: decision 0166); one that went out passes through once,
// as it may have been made: only GetErrorEx, which changes nothing, is asked again whatever
// became of it, by its caller (follow_job).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "hvsnap/cim/provider.h"
#include "hvsnap/conformance/client.h"

namespace hvsnap::conformance {

// How many times a read the wire lost is asked again before its view is given up.
inline constexpr int kWireRetries = 2;

// How long a lost read waits before it is asked again (ClientOptions::wire_retry_pause_ms and
// ::stop, decision 0163): `ms`, doubled for each later try; none when it is 0. The wait ends
// early once `stop` is set: the run is ending (Ctrl-C), or its transport broke and every later
// request fails at once, so that asking again can only fail.
struct RetryPause {
  std::int64_t ms = 0;
  const std::atomic<bool>* stop = nullptr;
  const std::atomic<bool>* stop_too = nullptr;

  bool stopped() const {
    return (stop != nullptr && stop->load()) || (stop_too != nullptr && stop_too->load());
  }

  // Before the retry'th time a read is asked again (0, 1, …).
  void before(int retry) const {
    using Clock = std::chrono::steady_clock;
    if (ms <= 0) return;
    const auto until = Clock::now() + std::chrono::milliseconds(ms << retry);
    constexpr auto kSlice = std::chrono::milliseconds(50);
    for (auto now = Clock::now(); now < until && !stopped(); now = Clock::now()) {
      std::this_thread::sleep_for(std::min<Clock::duration>(kSlice, until - now));
    }
  }
};

// The pause of a client with `options` on a target with control (a fake: none) or without.
inline RetryPause retry_pause(const ClientOptions& options, bool control) {
  return control ? RetryPause{}
                 : RetryPause{options.wire_retry_pause_ms, options.stop, options.stopped_answering};
}

// Whether `r` failed because the wire lost its answer (not the host's own error).
template <class R>
bool answer_lost(const R& r) {
  return !r.ok() && cim::lost_on_the_wire(r.status().kind());
}

// `first`, and `read()` up to kWireRetries times more, each after its pause, while `again(the
// answer)` holds.
template <class R, class Read, class Again>
R asked_again_while(R first, Read&& read, const RetryPause& pause, Again&& again) {
  for (int i = 0; i < kWireRetries && again(first); ++i) {
    pause.before(i);
    first = read();
  }
  return first;
}

// ... while the answer is lost on the wire.
template <class R, class Read>
R asked_again(R first, Read&& read, const RetryPause& pause) {
  return asked_again_while(std::move(first), std::forward<Read>(read), pause,
                           [](const R& r) { return answer_lost(r); });
}

// `read()` once, and asked again while its answer is lost (asked_again).
template <class Read>
auto until_answered(Read&& read, const RetryPause& pause) {
  return asked_again(read(), read, pause);
}

class AnsweredReads final : public cim::Provider {
 public:
  // Reads through `inner`, which it keeps (the Client's target) or only borrows, a read lost
  // asked again after `pause`.
  AnsweredReads(std::shared_ptr<cim::Provider> inner, RetryPause pause)
      : owned_(std::move(inner)), inner_(*owned_), pause_(pause) {}
  AnsweredReads(cim::Provider& inner, RetryPause pause) : inner_(inner), pause_(pause) {}

  cim::Result<cim::Instance> get_instance(const cim::ObjectPath& path) override;
  std::vector<cim::Result<cim::Instance>> get_instances(
      const std::vector<cim::ObjectPath>& paths) override;
  cim::Result<std::vector<cim::Instance>> enumerate_instances(std::string_view name_space,
                                                              std::string_view class_name) override;
  cim::Result<std::vector<cim::ObjectPath>> enumerate_instance_names(
      std::string_view name_space, std::string_view class_name) override;
  cim::Status each_instance_name(std::string_view name_space, std::string_view class_name,
                                 const std::function<void(const cim::ObjectPath&)>& f) override;
  // A listing lost part way through is asked again too, from its start, after `restart()`.
  cim::Status each_instance_name_from_start(std::string_view name_space,
                                            std::string_view class_name,
                                            const std::function<void(const cim::ObjectPath&)>& f,
                                            const std::function<void()>& restart) override;
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
    auto r = inner_.invoke_method(object, method, in);
    // Not sent: sent again after the pauses a lost read takes, as often as a read is asked; a
    // call still not sent after them counts as a read lost for good (note): the next ones do
    // not pause while the host stays gone. Never once the run is stopping (Ctrl-C, a broken
    // transport): a read asked again then changes nothing, a call would.
    const auto not_sent = [&r] {
      return !r.ok() && r.status().kind() == cim::StatusKind::kNotSent;
    };
    const RetryPause p = pause();
    int tries = 0;
    for (; tries < kWireRetries && not_sent(); ++tries) {
      p.before(tries);
      if (pause_.stopped()) break;
      r = inner_.invoke_method(object, method, in);
      ++resent_;
    }
    if (!answer_lost(r)) {
      gone_ = false;  // it answered
    } else if (tries > 0 && not_sent()) {
      gone_ = true;
    }
    return r;
  }
  std::vector<cim::WireProblem> take_wire_problems() override {
    return inner_.take_wire_problems();
  }

  // How many reads were still lost after they were asked again.
  int lost() const { return lost_.load(); }
  // How many times calls were sent again since the last ask (NotSent, decision 0166): for the
  // transcript of the thread that made them.
  int take_resent() { return resent_.exchange(0); }

 private:
  // `r`, counted when it is still lost.
  template <class R>
  R counted(R r) {
    note(answer_lost(r));
    return r;
  }
  // After a read: whether it is lost for good, and whether its pauses were taken (not for a
  // listing lost part way, which is not asked again and whose host did send some paths; nor
  // for a path of a batch asked again at once after another came back). Once a read's pauses
  // were taken in vain, the next lost reads are asked again without a pause until the host
  // answers a read or a call (decision 0163): a host that answers nothing costs a client one
  // read's pauses, not every read's (a case's cleanup reads a dozen).
  void note(bool lost_for_good, bool paused = true) {
    if (lost_for_good) ++lost_;
    gone_ = lost_for_good && paused;
  }
  RetryPause pause() const { return gone_.load() ? RetryPause{} : pause_; }
  // each_instance_name, asked again while lost before it handed a path, or from its start
  // after `*restart` (when given) however far it got.
  cim::Status listed(std::string_view name_space, std::string_view class_name,
                     const std::function<void(const cim::ObjectPath&)>& f,
                     const std::function<void()>* restart);

  template <class Read>
  auto answered(Read&& read) {
    return counted(until_answered(std::forward<Read>(read), pause()));
  }

  std::shared_ptr<cim::Provider> owned_;
  cim::Provider& inner_;
  RetryPause pause_;
  std::atomic<int> lost_{0};
  std::atomic<int> resent_{0};
  std::atomic<bool> gone_{false};  // the last read was lost for good
};

}  // namespace hvsnap::conformance
