// A live host's cases and sequences one at a time, in two stages (decisions 0153, 0154): a
// case's cleanup runs while the next case arranges its input (a sequence's while the next one
// sets up), and the call under test (each step) is made while no other is on the host. Private
// to conformance/src: the runner makes one for a live host at -j 1, its staged pool claims the
// front for each item, and run_case and run_sequence take their turns.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>

namespace hvsnap::conformance {

class CaseTurns {
 public:
  // One case's place: arranging (from enter()), testing (from test()), cleaning up (from
  // clean()); it leaves when it is destroyed, whatever stage it is in.
  class Turn {
   public:
    // Waits for the front; `turns` null: no turns.
    explicit Turn(CaseTurns* turns) : turns_(turns) {
      if (turns_ != nullptr) turns_->enter();
    }
    Turn(const Turn&) = delete;
    Turn& operator=(const Turn&) = delete;
    Turn(Turn&&) = delete;
    Turn& operator=(Turn&&) = delete;
    ~Turn() {
      if (turns_ != nullptr) turns_->leave(stage_);
    }
    // Waits until no other case is cleaning up: from here to clean() this case is alone on
    // the host. A second call, or one after clean(), does nothing.
    void test() {
      if (turns_ == nullptr || stage_ != Stage::kArranging) return;
      turns_->test();
      stage_ = Stage::kTesting;
    }
    // The case's judgement is over: the next case may arrange while this one cleans up.
    void clean() {
      if (turns_ == nullptr || stage_ == Stage::kCleaning) return;
      turns_->clean();
      stage_ = Stage::kCleaning;
    }

   private:
    friend class CaseTurns;
    enum class Stage : unsigned char { kArranging, kTesting, kCleaning };
    CaseTurns* turns_ = nullptr;
    Stage stage_ = Stage::kArranging;
  };

  // For the runner's pool (decision 0153), whose items are cases (or a combination's cases)
  // numbered from 0 in each phase: from begin_phase(), item i waits until the items before it
  // have claimed the front or been refused, and the front is free and not claimed; then it asks
  // `may_start` (so a stop made while it waited counts) and, when that says yes, claims the
  // front for the calling thread: its next Turn takes it, and no other Turn can before. The
  // cases thus come to the front in item order. A thread drops a claim it did not use with
  // unclaim(). Cases not of the pool (a failure being shrunk) just take their Turns.
  void begin_phase() {
    std::lock_guard lock(mu_);
    next_item_ = 0;
  }
  bool claim(std::size_t item, const std::function<bool()>& may_start) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return item == next_item_ && !front_ && !claimed_; });
    ++next_item_;
    bool go = false;
    try {
      go = claim_if(may_start);
    } catch (...) {
      lock.unlock();
      cv_.notify_all();  // the next item may come
      throw;
    }
    lock.unlock();
    cv_.notify_all();
    return go;
  }
  // A pool item's later case (a combination's second and later cases): waits until the front
  // is free and not claimed, asks `may_start`, and claims the front as claim() does, without
  // the item order (the next item's first case may come first).
  bool claim_again(const std::function<bool()>& may_start) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !front_ && !claimed_; });
    return claim_if(may_start);
  }
  void unclaim() {
    {
      std::lock_guard lock(mu_);
      if (!claimed_ || claimer_ != std::this_thread::get_id()) return;
      claimed_ = false;
    }
    cv_.notify_all();
  }

 private:
  using Stage = Turn::Stage;
  // With mu_ held, the front free and not claimed: claims it for the calling thread when
  // `may_start` says yes.
  bool claim_if(const std::function<bool()>& may_start) {
    if (!may_start()) return false;
    claimed_ = true;
    claimer_ = std::this_thread::get_id();
    return true;
  }
  // At most one case arranges or tests at a time (`front_`); cases that clean up (`cleaning_`)
  // may overlap the one in front while it arranges, never while it tests. Only the case in
  // front moves to cleaning, and it tests only once no case cleans: so while it tests no other
  // case can start cleaning, and none can come to the front.
  void enter() {
    std::unique_lock lock(mu_);
    const auto me = std::this_thread::get_id();
    cv_.wait(lock, [&] { return !front_ && (!claimed_ || claimer_ == me); });
    claimed_ = false;
    front_ = true;
  }
  void test() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return cleaning_ == 0; });
  }
  void clean() {
    {
      std::lock_guard lock(mu_);
      front_ = false;
      ++cleaning_;
    }
    cv_.notify_all();
  }
  void leave(Stage stage) {
    {
      std::lock_guard lock(mu_);
      if (stage == Stage::kCleaning) {
        --cleaning_;
      } else {
        front_ = false;
      }
    }
    cv_.notify_all();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool front_ = false;    // a case arranges or tests
  int cleaning_ = 0;      // cases that clean up
  bool claimed_ = false;  // the front is the claimer's next Turn's (claim())
  std::thread::id claimer_;
  std::size_t next_item_ = 0;  // the pool's item that claims next
};

}  // namespace hvsnap::conformance
