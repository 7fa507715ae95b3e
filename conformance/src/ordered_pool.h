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

// Runs work(i, worker) for i in [0, n) on `jobs` threads, the calling thread one of them,
// and calls consume(i, result) on the calling thread for i = 0, 1, … in that order. The phase
// ends at the first item that was not started (may_start() was false when a worker came to it)
// or once consume returns false; results of items after that point are dropped unseen, so that
// what was consumed is always a prefix of the items. Workers run at most 4 * jobs items ahead
// of `consume`. `work` is called concurrently (worker is 0..jobs-1: per-thread state) and
// `may_start` must be thread-safe; `consume` only ever runs on the calling thread. `dropped`,
// when given, sees each result dropped unseen, on the calling thread once the workers ended:
// what an item left behind on a shared host is not lost with it (decision 0143).
template <class R, class Work, class Consume>
PoolOutcome run_in_order(std::size_t n, int jobs, const std::function<bool()>& may_start,
                         const Work& work, const Consume& consume,
                         const std::function<void(R&&)>& dropped = nullptr) {
  PoolOutcome out;
  if (jobs <= 1 || n <= 1) {
    for (std::size_t i = 0; i < n; ++i) {
      if (!may_start()) {
        out.not_started = true;
        return out;
      }
      R r = work(i, 0);
      ++out.consumed;
      if (!consume(i, std::move(r))) return out;
    }
    return out;
  }
  struct Slot {
    std::optional<R> result;
    std::exception_ptr error;
    bool done = false;
    bool skipped = false;
  };
  const std::size_t window = static_cast<std::size_t>(jobs) * 4;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Slot> slots(n);
  std::size_t next = 0;      // the next item a worker takes (items are taken in order)
  std::size_t consumed = 0;  // items the calling thread took out
  bool stop = false;
  int idle = 0;  // threads waiting on `cv`
  // Runs item i on worker w and files its result. Called without the lock.
  auto run_item = [&](std::size_t i, int w) {
    const bool go = may_start();
    std::optional<R> r;
    std::exception_ptr error;
    if (go) {
      try {
        r.emplace(work(i, w));
      } catch (...) {
        error = std::current_exception();
      }
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
  // is not done, so that `jobs` threads share `jobs` cores rather than jobs + 1.
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(jobs) - 1);
  for (int w = 0; w + 1 < jobs; ++w)
    threads.emplace_back(worker, w);
  std::exception_ptr error;
  try {
    for (std::size_t i = 0; i < n; ++i) {
      std::optional<R> r;
      bool wake = false;
      {
        std::unique_lock lock(mu);
        while (!slots[i].done) {
          if (can_take()) {
            const std::size_t j = next++;
            lock.unlock();
            run_item(j, jobs - 1);
            lock.lock();
            continue;
          }
          ++idle;
          cv.wait(lock, [&] { return slots[i].done || can_take(); });
          --idle;
        }
        consumed = i + 1;
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
      if (!consume(i, std::move(*r))) break;
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

}  // namespace hvsnap::conformance
