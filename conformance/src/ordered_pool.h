// Runs the items of one phase of a certification run on several threads and hands their
// results back in item order (decision 0074): the run's result is built from them exactly as
// a run on one thread builds it, so it is the same whatever the number of threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace hvsnap::conformance {

struct PoolOutcome {
  std::size_t consumed = 0;  // items handed to `consume`, in order from item 0
  bool not_started = false;  // the phase ended at an item `may_start` refused (budget, Ctrl-C)
};

// How a phase's items are run. By default on `jobs` threads, the calling thread one of them,
// at most 4 * jobs items ahead of the one handed on.
struct PoolShape {
  int jobs = 1;
  // A live host's cases and sequences one at a time in two stages (decisions 0153, 0154),
  // an item a case, a combination's cases or a sequence: `jobs` threads of the
  // pool's own run the items and the calling thread only hands results on; an item counts
  // against a window of `jobs` items until its `consume` has returned, so while consume(i)
  // runs (a failure being shrunk, a stop being decided) at most items i+1 .. i+jobs-1 are
  // under way.
  bool staged = false;
  // When given, start(i) is asked in place of `may_start` (it may wait: for the host's front,
  // so that a stop made meanwhile still stops item i), and `after` is called on the same
  // thread once the item's work has ended or was not started.
  std::function<bool(std::size_t)> start;
  std::function<void()> after;
};

// Calls the shape's `after`, if any, when it goes (an item's start and work ended, or threw).
class AfterItem {
 public:
  explicit AfterItem(const PoolShape& shape) : shape_(shape) {}
  AfterItem(const AfterItem&) = delete;
  AfterItem& operator=(const AfterItem&) = delete;
  ~AfterItem() {
    if (shape_.after) shape_.after();
  }

 private:
  const PoolShape& shape_;
};

// One item after another on the calling thread (run_in_order with one job, or one item).
template <class R, class Work, class Consume>
PoolOutcome run_on_this_thread(std::size_t n, const PoolShape& shape,
                               const std::function<bool()>& may_start, const Work& work,
                               const Consume& consume) {
  PoolOutcome out;
  for (std::size_t i = 0; i < n; ++i) {
    std::optional<R> r;
    {
      const AfterItem after(shape);
      if (!(shape.start ? shape.start(i) : may_start())) {
        out.not_started = true;
        return out;
      }
      r.emplace(work(i, 0));
    }
    ++out.consumed;
    if (!consume(i, std::move(*r))) return out;
  }
  return out;
}

// Runs work(i, worker) for i in [0, n) as `shape` says (worker is 0..jobs-1: per-thread
// state), and calls consume(i, result) on the calling thread for i = 0, 1, … in that order.
// The phase ends at the first item that was not started (may_start() was false when a worker
// came to it) or once consume returns false; results of items after that point are dropped
// unseen, so that what was consumed is always a prefix of the items. `work` is called
// concurrently and `may_start` and the shape's hooks must be thread-safe; `consume` only ever runs
// on the calling thread. `dropped`, when given, sees each result dropped unseen, on the calling
// thread once the workers ended: what an item left behind on a shared host is not lost with it
// (decision 0143).
template <class R, class Work, class Consume>
PoolOutcome run_in_order(std::size_t n, const PoolShape& shape,
                         const std::function<bool()>& may_start, const Work& work,
                         const Consume& consume,
                         const std::function<void(R&&)>& dropped = nullptr) {
  PoolOutcome out;
  const int jobs = shape.jobs;
  if (jobs <= 1 || n <= 1) return run_on_this_thread<R>(n, shape, may_start, work, consume);
  struct Slot {
    std::optional<R> result;
    std::exception_ptr error;
    bool done = false;
    bool skipped = false;
  };
  const bool staged = shape.staged;
  const std::size_t window = static_cast<std::size_t>(jobs) * (staged ? 1 : 4);
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Slot> slots(n);
  std::size_t next = 0;      // the next item a worker takes (items are taken in order)
  std::size_t consumed = 0;  // items the calling thread took out (staged: and consumed)
  bool stop = false;
  int idle = 0;  // threads waiting on `cv`
  // Runs item i on worker w and files its result. Called without the lock.
  auto run_item = [&](std::size_t i, int w) {
    bool go = true;  // an exception from `start` is the item's, as one from `work`
    std::optional<R> r;
    std::exception_ptr error;
    try {
      const AfterItem after(shape);
      go = shape.start ? shape.start(i) : may_start();
      if (go) r.emplace(work(i, w));
    } catch (...) {
      error = std::current_exception();
    }
    bool wake = false;
    {
      std::lock_guard lock(mu);
      Slot& s = slots[i];
      s.result = std::move(r);
      s.error = error;
      s.done = true;
      s.skipped = !go;
      // Items are taken in order: none after a refused one may start.
      if (!go) stop = true;
      wake = idle > 0;
    }
    if (wake) cv.notify_all();
  };
  auto can_take = [&] { return !stop && next < n && next < consumed + window; };
  auto worker = [&](int w) {
    for (;;) {
      std::size_t i = 0;
      {
        std::unique_lock lock(mu);
        ++idle;
        cv.wait(lock, [&] { return stop || next >= n || next < consumed + window; });
        --idle;
        if (stop || next >= n) return;
        i = next++;
      }
      run_item(i, w);
    }
  };
  // The calling thread is worker jobs-1: it runs items too while the one it is to hand on next
  // is not done, so that `jobs` threads share `jobs` cores rather than jobs + 1. Staged, it
  // only hands results on: an item it ran would hold up the results before it, and with them
  // the window (a live host's cases mostly wait on the host, so a thread more costs no core).
  const int own_threads = staged ? jobs : jobs - 1;
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(own_threads));
  for (int w = 0; w < own_threads; ++w)
    threads.emplace_back(worker, w);
  std::exception_ptr error;
  try {
    for (std::size_t i = 0; i < n; ++i) {
      std::optional<R> r;
      bool wake = false;
      {
        std::unique_lock lock(mu);
        while (!slots[i].done) {
          if (!staged && can_take()) {
            const std::size_t j = next++;
            lock.unlock();
            run_item(j, jobs - 1);
            lock.lock();
            continue;
          }
          ++idle;
          cv.wait(lock, [&] { return slots[i].done || (!staged && can_take()); });
          --idle;
        }
        if (!staged) consumed = i + 1;
        if (slots[i].skipped) {
          out.not_started = true;
          break;
        }
        if (slots[i].error) {
          error = slots[i].error;
          break;
        }
        r = std::move(slots[i].result);
        slots[i].result.reset();
        wake = idle > 0;
      }
      if (wake) cv.notify_all();
      ++out.consumed;
      const bool more = consume(i, std::move(*r));
      if (staged) {
        {
          std::lock_guard lock(mu);
          consumed = i + 1;
          wake = idle > 0;
        }
        if (wake) cv.notify_all();
      }
      if (!more) break;
    }
  } catch (...) {
    error = std::current_exception();
  }
  {
    std::lock_guard lock(mu);
    stop = true;
  }
  cv.notify_all();
  for (auto& t : threads)
    t.join();
  if (dropped) {
    for (Slot& s : slots) {
      if (s.result) dropped(std::move(*s.result));
    }
  }
  if (error) std::rethrow_exception(error);
  return out;
}

// On `jobs` threads, the calling thread one of them (PoolShape's default).
template <class R, class Work, class Consume>
PoolOutcome run_in_order(std::size_t n, int jobs, const std::function<bool()>& may_start,
                         const Work& work, const Consume& consume,
                         const std::function<void(R&&)>& dropped = nullptr) {
  return run_in_order<R>(n, PoolShape{.jobs = jobs}, may_start, work, consume, dropped);
}

}  // namespace hvsnap::conformance
