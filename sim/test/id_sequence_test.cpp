// IdSequence (decision 0152): the ids in order whatever leaves, removals at either end without
// an index, holes that stay bounded, and copies that hold the ids only. Against a plain vector.
#include "hvsnap/sim/id_sequence.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
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

// A copy made under SharedCopies (the undo journal's, decision 0155) shares the ids: the list
// it was made from appends in place past them, and the copy still sees only its own ids.
TEST(IdSequence, ASharedCopyKeepsItsIdsWhileTheOriginalAppends) {
  IdSequence live = of(1000);
  IdSequence saved;
  {
    const IdSequence::SharedCopies share;
    saved = IdSequence(live);
  }
  EXPECT_TRUE(saved.shares_ids());
  EXPECT_TRUE(live.shares_ids());
  live.push_back(id(1001));
  live.push_back(id(1002));
  EXPECT_TRUE(live.shares_ids());  // appended in place: no copy
  EXPECT_TRUE(saved == of(1000));
  EXPECT_EQ(saved.back(), id(1000));
  EXPECT_EQ(live.size(), 1002U);
  EXPECT_EQ(live.back(), id(1002));
  // An id the copy sees (not the oldest) leaves the original: the original takes a copy of its
  // own first.
  ASSERT_TRUE(live.erase(id(1000)));
  EXPECT_FALSE(live.shares_ids());
  EXPECT_TRUE(saved == of(1000));
  EXPECT_EQ(live.front(), id(1));
  EXPECT_EQ(live.size(), 1001U);
  // Copies made without the guard hold the ids only.
  const IdSequence plain = saved;
  EXPECT_TRUE(plain == saved);
  EXPECT_EQ(plain.holes(), 0U);
}

// An id past what the copy sees leaves in place; the pops of trailing holes stop at the copy's
// ids.
TEST(IdSequence, AnAppendedIdLeavesWithoutACopy) {
  IdSequence live = of(100);
  ASSERT_TRUE(live.erase(id(50)));  // a hole the copy shares
  IdSequence saved;
  {
    const IdSequence::SharedCopies share;
    saved = IdSequence(live);
  }
  live.push_back(id(101));
  live.push_back(id(102));
  ASSERT_TRUE(live.erase(id(102)));
  ASSERT_TRUE(live.erase(id(101)));
  EXPECT_TRUE(live.shares_ids());
  EXPECT_TRUE(live == saved);
  EXPECT_EQ(live.back(), id(100));
  live.push_back(id(103));
  EXPECT_EQ(saved.back(), id(100));
  EXPECT_EQ(saved.size(), 99U);
}

// The oldest ids leave a list that shares them without a copy (users delete their oldest
// checkpoints): the list starts past them, and the shared copy still sees them. Holes closed
// later drop them for good.
TEST(IdSequence, TheOldestIdsLeaveASharedListWithoutACopy) {
  IdSequence live = of(1000);
  IdSequence saved;
  {
    const IdSequence::SharedCopies share;
    saved = IdSequence(live);
  }
  for (std::uint64_t i = 1; i <= 10; ++i)
    ASSERT_TRUE(live.erase(id(i)));
  EXPECT_TRUE(live.shares_ids());
  EXPECT_EQ(live.front(), id(11));
  EXPECT_EQ(live.size(), 990U);
  EXPECT_FALSE(live.erase(id(5)));  // gone from this list, though its slot is still shared
  EXPECT_TRUE(saved == of(1000));
  // Past the scan's reach from the ends, through the index: a copy of its own.
  ASSERT_TRUE(live.erase(id(500)));
  EXPECT_FALSE(live.shares_ids());
  EXPECT_EQ(live.front(), id(11));
  EXPECT_FALSE(live.erase(id(7)));
  // Enough removals to close the holes: the ids the list started past do not come back.
  for (std::uint64_t i = 11; i <= 700; ++i) {
    if (i != 500) {
      ASSERT_TRUE(live.erase(id(i))) << i;
    }
  }
  EXPECT_EQ(live.size(), 300U);
  EXPECT_EQ(live.front(), id(701));
  EXPECT_LE(live.holes(), live.size() + 16);
  std::vector<Guid> want;
  for (std::uint64_t i = 701; i <= 1000; ++i)
    want.push_back(id(i));
  EXPECT_TRUE(live == want);
  EXPECT_TRUE(saved == of(1000));
}

// What the journal does at a rollback: the saved copy replaces the list that went on, and is
// then alone. Its next append drops what the other had appended instead of copying the ids.
TEST(IdSequence, TheCopyLeftAloneAppendsInPlace) {
  IdSequence live = of(1000);
  for (int round = 0; round < 3; ++round) {
    IdSequence saved;
    {
      const IdSequence::SharedCopies share;
      saved = IdSequence(live);
    }
    live.push_back(id(5000));
    live.push_back(id(5001));
    live = std::move(saved);  // the rollback
    EXPECT_FALSE(live.shares_ids());
    EXPECT_TRUE(live == of(1000));
    live.push_back(id(6000 + static_cast<std::uint64_t>(round)));
    EXPECT_EQ(live.back(), id(6000 + static_cast<std::uint64_t>(round)));
    EXPECT_EQ(live.size(), 1001U);
    ASSERT_TRUE(live.erase(id(6000 + static_cast<std::uint64_t>(round))));
  }
  // The saved copy is made from a list that is alone but holds slots past its end: they go
  // first, so the original appends in place again.
  IdSequence saved;
  live.push_back(id(7000));
  live = [&] {
    IdSequence other;
    {
      const IdSequence::SharedCopies share;
      other = IdSequence(live);
    }
    other.push_back(id(7001));
    return other;
  }();
  {
    const IdSequence::SharedCopies share;
    saved = IdSequence(live);
  }
  live.push_back(id(7002));
  EXPECT_TRUE(live.shares_ids());
  EXPECT_EQ(saved.back(), id(7001));
  EXPECT_EQ(live.back(), id(7002));
  EXPECT_EQ(live.size(), 1003U);
}

// Random changes to a list whose copies are taken and put back as the journal does (cases
// rolled back, cases kept), against a vector: each list always holds its own ids.
TEST(IdSequence, SharedCopiesRolledBackKeepTheOrderOfAVector) {
  std::mt19937_64 rng(20261207);
  IdSequence live = of(300);
  std::vector<Guid> model = of(300).to_vector();
  std::optional<IdSequence> saved;
  std::vector<Guid> saved_model;
  std::uint64_t next = 1000;
  std::size_t appended_in_place = 0;
  for (int step = 0; step < 50'000; ++step) {
    const auto dice = rng() % 100;
    if (dice < 4) {  // a case begins: its first change journals the list
      if (!saved) {
        const IdSequence::SharedCopies share;
        saved.emplace(live);
        saved_model = model;
      }
    } else if (dice < 8) {  // the case ends: rolled back or kept
      if (saved) {
        if (rng() % 2 == 0) {
          live = std::move(*saved);
          model = saved_model;
        }
        saved.reset();
      }
    } else if (dice < 55 || model.empty()) {
      const bool shared = live.shares_ids();
      model.push_back(id(next));
      live.push_back(id(next++));
      appended_in_place += shared && live.shares_ids() ? 1 : 0;
    } else {
      const std::size_t n = model.size();
      const std::size_t at = dice < 75 ? n - 1 : dice < 85 ? 0 : rng() % n;
      const Guid gone = model[at];
      model.erase(model.begin() + static_cast<std::ptrdiff_t>(at));
      ASSERT_TRUE(live.erase(gone)) << "step " << step;
    }
    ASSERT_EQ(live.size(), model.size()) << "step " << step;
    if (step % 31 == 0) {
      ASSERT_TRUE(live == model) << "step " << step;
      if (saved) {
        ASSERT_TRUE(*saved == saved_model) << "step " << step;
      }
    }
  }
  EXPECT_TRUE(live == model);
  EXPECT_GT(appended_in_place, 1000U);  // the journal's copies cost no copy of the ids
}

}  // namespace
}  // namespace hvsnap::sim
