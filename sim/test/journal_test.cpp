// The journaled record map's load blocks (decision 0117, review): a map loaded again and again —
// as the mutants reload a host before and after each read — keeps one load's storage, and its
// contents and undo journal behave as before across reloads.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../src/journal.h"

namespace hvsnap::sim {
namespace {

struct Rec {
  Guid id;
  std::string text;
};

std::vector<Rec> records(int n, int round) {
  std::vector<Rec> out;
  for (int i = 0; i < n; ++i)
    out.push_back(Rec{Guid::from_name("rec", std::to_string(i)), std::to_string(round)});
  return out;
}

TEST(Journal, ReloadingKeepsOneLoadsBlocks) {
  Journaled<Rec> map;
  const auto first = records(1000, 0);
  map.reset(first);
  const std::size_t one_load = map.load_block_bytes();
  ASSERT_GT(one_load, 0U);
  for (int round = 1; round <= 1000; ++round) {
    const auto again = records(1000, round);
    map.reset(again);
    ASSERT_EQ(map.load_block_bytes(), one_load) << "after " << round << " reloads";
  }
  ASSERT_EQ(map.size(), 1000U);
  EXPECT_EQ(map.find(Guid::from_name("rec", "7"))->text, "1000");
}

TEST(Journal, ACaseOnALoadedMapRollsBackAfterAReload) {
  Journaled<Rec> map;
  const auto base = records(50, 0);
  map.reset(base);
  map.reset(base);  // a second load frees the first's blocks: the records are the second's
  map.start_journal();
  const Guid gone = Guid::from_name("rec", "3");
  const Guid added = Guid::from_name("rec", "new");
  ASSERT_TRUE(map.erase(gone));
  map.edit(Guid::from_name("rec", "4"))->text = "edited";
  map.emplace(added, Rec{added, "added"});
  EXPECT_EQ(map.size(), 50U);
  map.rollback();
  EXPECT_EQ(map.size(), 50U);
  ASSERT_NE(map.find(gone), nullptr);
  EXPECT_EQ(map.find(Guid::from_name("rec", "4"))->text, "0");
  EXPECT_EQ(map.find(added), nullptr);
}

}  // namespace
}  // namespace hvsnap::sim
