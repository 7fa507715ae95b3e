// IdSequence (decision 0152): the ids in order whatever leaves, removals at either end without
// an index, holes that stay bounded, and copies that hold the ids only. Against a plain vector.
#include "hvsnap/sim/id_sequence.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace hvsnap::sim {
namespace {

Guid id(std::uint64_t n) {
  return Guid{n, ~n};
}

IdSequence of(std::uint64_t count) {
  IdSequence s;
  for (std::uint64_t i = 1; i <= count; ++i)
    s.push_back(id(i));
  return s;
}

TEST(IdSequence, RandomChangesKeepTheOrderOfAVector) {
  std::mt19937_64 rng(20261206);
  IdSequence s;
  std::vector<Guid> model;
  std::uint64_t next = 1;
  std::size_t indexed = 0;
  for (int step = 0; step < 200'000; ++step) {
    const auto dice = rng() % 100;
    if (dice < 45 || model.empty()) {
      model.push_back(id(next));
      s.push_back(id(next++));
    } else if (dice < 95) {
      // Mostly the ends (what the host removes), sometimes anywhere.
      const std::size_t n = model.size();
      const std::size_t at = dice < 60 ? 0 : dice < 75 ? n - 1 : rng() % n;
      const Guid gone = model[at];
      model.erase(model.begin() + static_cast<std::ptrdiff_t>(at));
      ASSERT_TRUE(s.erase(gone)) << "step " << step;
    } else {
      ASSERT_FALSE(s.erase(id(next + 1000))) << "step " << step;  // never there
    }
    ASSERT_EQ(s.size(), model.size()) << "step " << step;
    if (!model.empty()) {
      ASSERT_EQ(s.front(), model.front()) << "step " << step;
      ASSERT_EQ(s.back(), model.back()) << "step " << step;
    }
    // The holes never outnumber the ids by more than the scan's reach.
    ASSERT_LE(s.holes(), s.size() + 16) << "step " << step;
    if (step % 97 == 0) {
      ASSERT_TRUE(s == model) << "step " << step;
    }
    indexed += s.indexed() ? 1 : 0;
  }
  EXPECT_TRUE(s == model);
  EXPECT_GT(indexed, 0U);  // the removals anywhere asked the index
}

TEST(IdSequence, TheOldestAndTheNewestLeaveWithoutAnIndex) {
  // A new checkpoint each round, the oldest deleted, and every other new one rolled back.
  IdSequence s = of(12'500);
  for (std::uint64_t i = 1; i <= 10'000; ++i) {
    s.push_back(id(100'000 + i));
    ASSERT_TRUE(s.erase(id(i)));
    if (i % 2 == 0) {
      ASSERT_TRUE(s.erase(id(100'000 + i)));
    }
    ASSERT_FALSE(s.indexed()) << i;
    ASSERT_LE(s.holes(), s.size() + 16) << i;
  }
  EXPECT_EQ(s.size(), 7'500U);
  EXPECT_EQ(s.front(), id(10'001));
  EXPECT_EQ(s.back(), id(109'999));
}

TEST(IdSequence, AnIdDeepInsideIsFoundThroughTheIndex) {
  IdSequence s = of(1'000);
  EXPECT_TRUE(s.erase(id(500)));
  EXPECT_TRUE(s.indexed());
  EXPECT_FALSE(s.erase(id(500)));  // gone, and the index knows
  s.push_back(id(2'000));          // the index follows new ids: 2,000 ends up deep inside
  for (std::uint64_t i = 2'001; i <= 2'040; ++i)
    s.push_back(id(i));
  EXPECT_TRUE(s.erase(id(300)));
  EXPECT_TRUE(s.erase(id(2'000)));
  EXPECT_TRUE(s.indexed());
  std::vector<Guid> want;
  for (std::uint64_t i = 1; i <= 1'000; ++i)
    if (i != 300 && i != 500) want.push_back(id(i));
  for (std::uint64_t i = 2'001; i <= 2'040; ++i)
    want.push_back(id(i));
  EXPECT_TRUE(s == want);
  EXPECT_EQ(s.to_vector(), want);
}

TEST(IdSequence, ACopyHoldsTheIdsOnly) {
  IdSequence s = of(100);
  for (std::uint64_t i = 10; i <= 60; ++i)
    ASSERT_TRUE(s.erase(id(i)));
  ASSERT_GT(s.holes(), 0U);
  const IdSequence copy = s;
  EXPECT_EQ(copy.holes(), 0U);
  EXPECT_FALSE(copy.indexed());
  EXPECT_TRUE(copy == s);
  IdSequence assigned;
  assigned = s;
  EXPECT_TRUE(assigned == s);
  EXPECT_EQ(assigned.size(), 49U);
}

TEST(IdSequence, EmptiedItStartsAgain) {
  IdSequence s = of(3);
  EXPECT_TRUE(s.erase(id(2)));
  EXPECT_TRUE(s.erase(id(1)));
  EXPECT_TRUE(s.erase(id(3)));
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.holes(), 0U);
  EXPECT_EQ(s.begin(), s.end());
  EXPECT_FALSE(s.erase(id(3)));
  EXPECT_FALSE(s.erase(Guid{}));
  s.push_back(id(7));
  EXPECT_EQ(s.front(), id(7));
  EXPECT_EQ(s.back(), id(7));
  EXPECT_TRUE(s.erase(id(7)));
  EXPECT_TRUE(s.empty());
}

// The nil Guid held as a value stays one: a state built in memory with a nil in a list shows it
// to validation (which refuses it) instead of hiding it as a hole, before and after removals.
TEST(IdSequence, ANilIdIsAlwaysAValue) {
  const std::vector<Guid> with_nil{id(1), Guid{}, id(2)};
  const IdSequence s(with_nil);
  EXPECT_EQ(s.size(), 3U);
  EXPECT_EQ(s.to_vector(), with_nil);
  EXPECT_TRUE(s == with_nil);
  EXPECT_EQ(IdSequence(s).size(), 3U);  // a copy keeps it
  IdSequence pushed;
  pushed.push_back(Guid{});
  EXPECT_EQ(pushed.size(), 1U);
  EXPECT_EQ(pushed.front(), Guid{});
  EXPECT_FALSE(pushed.erase(Guid{}));  // never taken out as an id
  // Removals from a list that holds a nil value search and shift: no hole hides anything.
  IdSequence mixed(std::vector<Guid>{id(1), Guid{}, id(2), id(3), id(4)});
  EXPECT_TRUE(mixed.erase(id(1)));
  EXPECT_TRUE(mixed.erase(id(4)));
  EXPECT_EQ(mixed.holes(), 0U);
  EXPECT_EQ(mixed.to_vector(), (std::vector<Guid>{Guid{}, id(2), id(3)}));
  EXPECT_EQ(mixed.size(), 3U);
  IdSequence nil_first(std::vector<Guid>{Guid{}, id(1)});
  EXPECT_TRUE(nil_first.erase(id(1)));
  EXPECT_EQ(nil_first.to_vector(), (std::vector<Guid>{Guid{}}));
  // A nil value added to a list with holes: the holes are closed first.
  IdSequence holed = of(100);
  ASSERT_TRUE(holed.erase(id(50)));
  ASSERT_GT(holed.holes(), 0U);
  holed.push_back(Guid{});
  EXPECT_EQ(holed.holes(), 0U);
  EXPECT_EQ(holed.size(), 100U);
  EXPECT_EQ(holed.back(), Guid{});
  EXPECT_TRUE(holed.erase(id(1)));
  EXPECT_EQ(holed.front(), id(2));
}

TEST(IdSequence, MovedFromItIsEmptyAndUsable) {
  IdSequence s = of(100);
  ASSERT_TRUE(s.erase(id(50)));  // holes and an index move along
  IdSequence moved(std::move(s));
  EXPECT_EQ(moved.size(), 99U);
  EXPECT_TRUE(moved.erase(id(60)));
  EXPECT_TRUE(s.empty());  // NOLINT(bugprone-use-after-move): what a move leaves
  EXPECT_EQ(s.holes(), 0U);
  EXPECT_EQ(s.begin(), s.end());
  s.push_back(id(7));
  EXPECT_EQ(s.to_vector(), std::vector<Guid>{id(7)});
  IdSequence assigned;
  assigned = std::move(moved);
  EXPECT_EQ(assigned.size(), 98U);
  EXPECT_TRUE(moved.empty());  // NOLINT(bugprone-use-after-move)
}

TEST(IdSequence, ACopyOfAnIndexedList) {
  IdSequence s = of(200);
  ASSERT_TRUE(s.erase(id(100)));
  ASSERT_TRUE(s.indexed());
  IdSequence copy = s;
  EXPECT_TRUE(copy.erase(id(150)));  // a copy builds its own index
  EXPECT_TRUE(copy.indexed());
  EXPECT_TRUE(s.erase(id(150)));  // the original's still answers
  EXPECT_TRUE(copy == s);
}

}  // namespace
}  // namespace hvsnap::sim
