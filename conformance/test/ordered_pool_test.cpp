// The worker pool a certification run's phases share (ordered_pool.h, decision 0074): results
// come back in item order whatever the number of threads, the calling thread is one of the
// `jobs` threads, and a failed, refused or stopped item ends the phase at a prefix.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "../src/case_turns.h"
#include "../src/ordered_pool.h"

namespace hvsnap::conformance {
namespace {

// Some work that takes a while and depends on the item, so that threads finish out of order.
std::uint64_t churn(std::size_t i) {
  std::uint64_t x = i + 1;
  for (std::size_t k = 0; k < 2000 + (i % 7) * 3000; ++k)
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
  return x;
}

TEST(OrderedPool, ResultsComeInItemOrderOnAtMostJobsThreads) {
  for (int jobs : {1, 2, 3, 4}) {
    constexpr std::size_t kItems = 300;
    std::mutex mu;
    std::set<std::thread::id> threads;
    std::set<int> workers;
    std::atomic<std::size_t> taken_out{0};
    std::atomic<std::size_t> furthest_ahead{0};
    std::vector<std::size_t> order;
    const PoolOutcome out = run_in_order<std::pair<std::size_t, std::uint64_t>>(
        kItems, jobs, [] { return true; },
        [&](std::size_t i, int w) {
          {
            std::lock_guard lock(mu);
            threads.insert(std::this_thread::get_id());
            workers.insert(w);
          }
          const std::size_t out_now = taken_out.load();
          if (i >= out_now) {
            std::size_t seen = furthest_ahead.load();
            while (i - out_now > seen && !furthest_ahead.compare_exchange_weak(seen, i - out_now)) {
            }
          }
          return std::pair(i, churn(i));
        },
        [&](std::size_t i, std::pair<std::size_t, std::uint64_t> r) {
          order.push_back(i);
          EXPECT_EQ(r.first, i);
          EXPECT_EQ(r.second, churn(i));
          taken_out.store(i + 1);
          return true;
        });
    EXPECT_EQ(out.consumed, kItems) << jobs;
    EXPECT_FALSE(out.not_started) << jobs;
    ASSERT_EQ(order.size(), kItems) << jobs;
    for (std::size_t i = 0; i < kItems; ++i)
      ASSERT_EQ(order[i], i) << jobs;
    EXPECT_LE(threads.size(), static_cast<std::size_t>(jobs)) << jobs;
    for (int w : workers) {
      EXPECT_GE(w, 0);
      EXPECT_LT(w, jobs);
    }
    if (jobs == 1) {
      EXPECT_EQ(threads, std::set{std::this_thread::get_id()});
    }
    // At most 4 * jobs items ahead of the one being handed on (which the counter above may
    // not show yet: one more).
    EXPECT_LE(furthest_ahead.load(), static_cast<std::size_t>(4 * jobs)) << jobs;
  }
}

// The calling thread is one of the `jobs` threads: with two, items 0 and 1 can only both be
// under way (each waits, up to 20 s, until the other has started) when the calling thread runs
// one of them while it waits for item 0 (a pool that starts `jobs` threads of its own and has
// the calling thread only wait fails this, after the 20 s).
TEST(OrderedPool, TheCallingThreadRunsItemsWhileItWaits) {
  std::mutex mu;
  std::condition_variable cv;
  int started = 0;
  std::thread::id ran_item[2];
  bool met = true;
  const PoolOutcome out = run_in_order<int>(
      2, 2, [] { return true; },
      [&](std::size_t i, int) {
        std::unique_lock lock(mu);
        ran_item[i] = std::this_thread::get_id();
        ++started;
        cv.notify_all();
        if (!cv.wait_for(lock, std::chrono::seconds(20), [&] { return started == 2; })) {
          met = false;
        }
        return static_cast<int>(i);
      },
      [](std::size_t, int) { return true; });
  EXPECT_EQ(out.consumed, 2u);
  EXPECT_TRUE(met) << "items 0 and 1 were never under way at once";
  EXPECT_TRUE(ran_item[0] == std::this_thread::get_id() ||
              ran_item[1] == std::this_thread::get_id());
  EXPECT_NE(ran_item[0], ran_item[1]);
}

TEST(OrderedPool, AnItemsExceptionEndsThePhaseAfterTheItemsBeforeIt) {
  for (int jobs : {1, 2, 4}) {
    std::vector<std::size_t> order;
    EXPECT_THROW(run_in_order<std::uint64_t>(
                     100, jobs, [] { return true; },
                     [](std::size_t i, int) {
                       if (i == 37) throw std::runtime_error("item 37");
                       return churn(i);
                     },
                     [&](std::size_t i, std::uint64_t) {
                       order.push_back(i);
                       return true;
                     }),
                 std::runtime_error)
        << jobs;
    ASSERT_EQ(order.size(), 37u) << jobs;
    for (std::size_t i = 0; i < order.size(); ++i)
      EXPECT_EQ(order[i], i) << jobs;
  }
}

TEST(OrderedPool, ARefusedStartEndsThePhaseAtAPrefix) {
  for (int jobs : {1, 2, 4}) {
    std::atomic<int> starts{0};
    std::vector<std::size_t> order;
    const PoolOutcome out = run_in_order<std::uint64_t>(
        200, jobs, [&] { return starts.fetch_add(1) < 60; },
        [](std::size_t i, int) { return churn(i); },
        [&](std::size_t i, std::uint64_t) {
          order.push_back(i);
          return true;
        });
    EXPECT_TRUE(out.not_started) << jobs;
    EXPECT_EQ(out.consumed, order.size()) << jobs;
    EXPECT_LE(order.size(), 60u) << jobs;
    // Items are taken in order and none is started after a refused one: past the refusal, only
    // items already taken by the other threads ask.
    EXPECT_LE(starts.load(), 61 + jobs) << jobs;
    for (std::size_t i = 0; i < order.size(); ++i)
      EXPECT_EQ(order[i], i) << jobs;
  }
}

TEST(OrderedPool, ConsumeSayingStopEndsThePhaseThere) {
  for (int jobs : {1, 2, 4}) {
    std::vector<std::size_t> order;
    const PoolOutcome out = run_in_order<std::uint64_t>(
        200, jobs, [] { return true; }, [](std::size_t i, int) { return churn(i); },
        [&](std::size_t i, std::uint64_t) {
          order.push_back(i);
          return i < 10;
        });
    EXPECT_FALSE(out.not_started) << jobs;
    EXPECT_EQ(out.consumed, 11u) << jobs;
    EXPECT_EQ(order.size(), 11u) << jobs;
  }
}

// Items that ran ahead of a stop are dropped unseen by `consume`, and handed to `dropped`
// (a live host's case that ran ahead may have left objects behind: decision 0143). Every item
// that ran is seen by one of the two, once.
TEST(OrderedPool, WhatRanAheadOfAStopIsHandedToDropped) {
  for (int jobs : {1, 2, 4}) {
    std::atomic<std::size_t> ran{0};
    std::vector<std::size_t> seen;
    std::vector<std::size_t> dropped;
    const PoolOutcome out = run_in_order<std::size_t>(
        200, jobs, [] { return true; },
        [&](std::size_t i, int) {
          ++ran;
          churn(i);
          return i;
        },
        [&](std::size_t i, std::size_t) {
          seen.push_back(i);
          return i < 10;
        },
        [&](std::size_t&& i) { dropped.push_back(i); });
    EXPECT_EQ(out.consumed, 11u) << jobs;
    EXPECT_EQ(seen.size() + dropped.size(), ran.load()) << jobs;
    for (std::size_t i : dropped)
      EXPECT_GT(i, 10u) << jobs;
    if (jobs == 1) {
      EXPECT_TRUE(dropped.empty());
    }
  }
}

// Staged (a live host's cases in two stages, decision 0153): the pool's own threads run the
// items, and while consume(i) runs only item i+1 may be under way (a case that arranges while
// the one before it cleans up), never i+2. Each item waits (up to 20 s) until the next one has
// started, which only a pool that lets two items overlap satisfies.
TEST(OrderedPool, StagedRunsOneItemAheadOfTheOneBeingConsumed) {
  constexpr std::size_t kItems = 40;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<bool> started(kItems, false);
  std::size_t furthest = 0;
  bool overlapped = true;
  bool on_caller = false;
  const auto caller = std::this_thread::get_id();
  std::size_t most_ahead = 0;  // items started past the one being consumed
  const PoolOutcome out = run_in_order<std::size_t>(
      kItems, PoolShape{.jobs = 2, .staged = true}, [] { return true; },
      [&](std::size_t i, int w) {
        std::unique_lock lock(mu);
        on_caller = on_caller || std::this_thread::get_id() == caller || w < 0 || w > 1;
        started[i] = true;
        furthest = std::max(furthest, i);
        cv.notify_all();
        if (i + 1 < kItems &&
            !cv.wait_for(lock, std::chrono::seconds(20), [&] { return started[i + 1]; })) {
          overlapped = false;
        }
        return i;
      },
      [&](std::size_t i, std::size_t r) {
        EXPECT_EQ(r, i);
        // A while for a worker that could take item i+2 to do so.
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        std::lock_guard lock(mu);
        most_ahead = std::max(most_ahead, furthest - i);
        return true;
      });
  EXPECT_EQ(out.consumed, kItems);
  EXPECT_TRUE(overlapped) << "two items were never under way at once";
  EXPECT_FALSE(on_caller) << "the calling thread ran an item";
  EXPECT_LE(most_ahead, 1u) << "an item started two ahead of the one being consumed";
}

// A shape's own start is asked in place of may_start, and `after` follows every item on the
// thread that ran it (started or not). Item 4's start refuses: items 0 to 3 are handed on.
TEST(OrderedPool, AShapesStartIsAskedInPlaceOfMayStart) {
  for (const bool staged : {false, true}) {
    std::atomic<int> asked{0};
    std::atomic<int> after{0};
    std::atomic<bool> may_start_asked{false};
    std::vector<std::size_t> order;
    PoolShape shape{.jobs = 2, .staged = staged};
    // Refused from item 4 on (by item: two threads may ask out of order).
    shape.start = [&](std::size_t i) {
      ++asked;
      return i < 4;
    };
    shape.after = [&] { ++after; };
    const PoolOutcome out = run_in_order<std::size_t>(
        100, shape,
        [&] {
          may_start_asked = true;
          return true;
        },
        [](std::size_t i, int) {
          churn(i);
          return i;
        },
        [&](std::size_t i, std::size_t) {
          order.push_back(i);
          return true;
        });
    EXPECT_TRUE(out.not_started) << staged;
    EXPECT_EQ(out.consumed, 4u) << staged;
    EXPECT_EQ(order, (std::vector<std::size_t>{0, 1, 2, 3})) << staged;
    EXPECT_FALSE(may_start_asked.load()) << staged;
    EXPECT_EQ(after.load(), asked.load()) << staged;
  }
}

// An exception from a shape's start is the item's, as one from its work: the items before it are
// handed on, the phase ends with it, and `after` still follows the start that threw.
TEST(OrderedPool, AnExceptionFromAShapesStartIsTheItems) {
  for (const bool staged : {false, true}) {
    for (const int jobs : {1, 2}) {
      std::atomic<int> asked{0};
      std::atomic<int> after{0};
      std::atomic<int> ran{0};
      std::vector<std::size_t> order;
      PoolShape shape{.jobs = jobs, .staged = staged};
      shape.start = [&](std::size_t i) {
        ++asked;
        if (i == 7) throw std::runtime_error("start of item 7");
        return true;
      };
      shape.after = [&] { ++after; };
      EXPECT_THROW(run_in_order<std::size_t>(
                       50, shape, [] { return true; },
                       [&](std::size_t i, int) {
                         ++ran;
                         churn(i);
                         return i;
                       },
                       [&](std::size_t i, std::size_t) {
                         order.push_back(i);
                         return true;
                       }),
                   std::runtime_error)
          << staged << " " << jobs;
      EXPECT_EQ(order, (std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6})) << staged << " " << jobs;
      EXPECT_EQ(after.load(), asked.load()) << staged << " " << jobs;
      EXPECT_EQ(ran.load(), asked.load() - 1) << staged << " " << jobs;  // all but item 7
    }
  }
}

// The two together as the runner has them for a live host's cases (decision 0153): staged,
// each item claiming the front of CaseTurns. Item 6 is started (it came to its start) while
// item 5 is in front; item 5, once item 6 has come, cancels the run (a Ctrl-C) and then moves
// behind. Item 6 must not run: it asks may_start only once the front is free, after the
// cancel. (Asked before it waits, or with the front free but not yet taken by item 5, it
// would run.)
TEST(OrderedPool, StagedCaseWaitingForTheFrontIsStoppedByACancelMadeMeanwhile) {
  CaseTurns turns;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<bool> arrived(20, false);
  std::atomic<bool> cancelled{false};
  std::atomic<int> ran{0};
  const std::function<bool()> may_start = [&] { return !cancelled.load(); };
  PoolShape shape{.jobs = 2, .staged = true};
  shape.start = [&](std::size_t i) {
    {
      std::lock_guard lock(mu);
      arrived[i] = true;
    }
    cv.notify_all();
    return turns.claim(i, may_start);
  };
  shape.after = [&] { turns.unclaim(); };
  const PoolOutcome out = run_in_order<std::size_t>(
      20, shape, may_start,
      [&](std::size_t i, int) {
        CaseTurns::Turn turn(&turns);
        ++ran;
        churn(i);  // arranging
        turn.test();
        if (i == 5) {
          std::unique_lock lock(mu);
          EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return arrived[6]; }))
              << "item 6 was never started";
          cancelled = true;
        }
        turn.clean();
        churn(i);  // cleaning up
        return i;
      },
      [](std::size_t, std::size_t) { return true; });
  EXPECT_TRUE(out.not_started);
  EXPECT_EQ(out.consumed, 6u);
  EXPECT_EQ(ran.load(), 6) << "a case waiting for the front ran after the cancel";
}

}  // namespace
}  // namespace hvsnap::conformance
