// SharedReach (sequences.h, decision 0144): the sequences that share a live host publish the
// collections they reach, and an end comparison of the host's collections lists it only when no
// step of another sequence is between a call and its view.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "hvsnap/conformance/sequences.h"

namespace hvsnap::conformance {
namespace {

using namespace std::chrono_literals;

TEST(SharedReach, WhatOneSequencePublishesTheOthersSee) {
  SharedReach r;
  EXPECT_FALSE(r.reached("0F6C1E2A-0000-4000-8000-000000000001"));
  r.publish("0F6C1E2A-0000-4000-8000-000000000001");
  r.publish("0F6C1E2A-0000-4000-8000-000000000001");
  EXPECT_TRUE(r.reached("0F6C1E2A-0000-4000-8000-000000000001"));
  EXPECT_FALSE(r.reached("0F6C1E2A-0000-4000-8000-000000000002"));
}

// A step under way holds the check back until it has published its view; a step that starts
// while a check waits waits for the check. (The waits below can only fail a wrong gate: a
// thread that was not scheduled in time has not passed it either.)
TEST(SharedReach, AnEndCheckWaitsForTheStepsUnderWayAndNewStepsWaitForIt) {
  SharedReach r;
  std::atomic<int> order{0};
  std::atomic<int> checked_at{0};
  std::atomic<int> entered_at{0};
  std::atomic<bool> saw_published{false};
  r.enter_step();          // a step of sequence B, its call made, its view not yet published
  std::thread check([&] {  // sequence A's end comparison
    r.begin_check();
    checked_at = ++order;
    saw_published = r.reached("B-NEW");
    std::this_thread::sleep_for(20ms);
    r.end_check();
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(checked_at.load(), 0) << "the check listed the host while a step was under way";
  std::thread step([&] {  // sequence C's next step
    r.enter_step();
    entered_at = ++order;
    r.leave_step();
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(entered_at.load(), 0) << "a step started while a check was waiting";
  r.publish("B-NEW");  // B's view after its call
  r.leave_step();
  check.join();
  step.join();
  EXPECT_TRUE(saw_published) << "the check did not see what the step published";
  EXPECT_EQ(checked_at.load(), 1);
  EXPECT_EQ(entered_at.load(), 2) << "the waiting step went before the waiting check";
}

// Two checks wait for each other, and steps wait for both.
TEST(SharedReach, ChecksDoNotOverlap) {
  SharedReach r;
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  auto one = [&] {
    r.begin_check();
    most = std::max(most.load(), ++inside);
    std::this_thread::sleep_for(20ms);
    --inside;
    r.end_check();
  };
  std::thread a(one);
  std::thread b(one);
  a.join();
  b.join();
  EXPECT_EQ(most.load(), 1);
  r.enter_step();  // the gate is open again
  r.leave_step();
}

}  // namespace
}  // namespace hvsnap::conformance
