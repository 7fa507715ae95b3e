// The journaled record map's load blocks (decision 0117, review): a map loaded again and again —
// as the mutants reload a host before and after each read — keeps one load's storage, and its
// contents and undo journal behave as before across reloads. Its kept listing (decision 0136)
// lists what a sorted copy of the map would, whatever changes and rollbacks came between reads.
#include <gtest/gtest.h>
// gtest first: rapidcheck/gtest.h needs it
#include <rapidcheck/gtest.h>

#include <map>
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

// What each_in_order lists: the ids and records in ascending order.
std::vector<std::pair<Guid, std::string>> listed(const Journaled<Rec>& map) {
  std::vector<std::pair<Guid, std::string>> out;
  map.each_in_order([&](const Guid& id, const Rec& r) { out.emplace_back(id, r.text); });
  return out;
}

// Random loads, adds, erases, edits, cases rolled back and reads, against a std::map kept by
// the same operations: every read lists the model's contents in order. Ids come from a small
// pool, so that one is erased and added again, within a case and across cases, and the lists
// of changes between reads grow past their settling size (2 x the map's ids + 64).
RC_GTEST_PROP(JournalProperty, TheListingIsTheMapInIdOrder, ()) {
  Journaled<Rec> map;
  std::map<Guid, std::string> model;
  std::map<Guid, std::string> at_start;  // the model when the case began
  bool journaling = false;
  const int pool = *rc::gen::inRange(1, 40);
  const auto id = [](int i) { return Guid::from_name("rec", std::to_string(i)); };
  const int steps = *rc::gen::inRange(1, 400);
  for (int step = 0; step < steps; ++step) {
    const int op = *rc::gen::inRange(0, 100);
    const Guid g = id(*rc::gen::inRange(0, pool));
    const std::string text = std::to_string(step);
    if (op < 3) {  // a load: no journaling after it
      std::vector<Rec> recs;
      model.clear();
      for (int i = 0, n = *rc::gen::inRange(0, pool + 1); i < n; ++i) {
        recs.push_back(Rec{id(i), text});
        model[id(i)] = text;
      }
      map.reset(recs);
      journaling = false;
    } else if (op < 14) {  // journaling begins, or the case's changes are undone
      if (journaling) {
        map.rollback();
        model = at_start;
      } else {
        map.start_journal();
        journaling = true;
        at_start = model;
      }
    } else if (op < 45) {
      if (model.count(g)) {
        map.edit(g)->text = text;
      } else {
        Rec rec{g, text};
        map.emplace(rec.id, std::move(rec));  // the id lives in the record moved
      }
      model[g] = text;
    } else if (op < 75) {
      // By the record's own id where there is one, as a job erases itself (the id dies with
      // the record: AddressSanitizer reports a read of it after).
      const Rec* r = map.find(g);
      RC_ASSERT(map.erase(r != nullptr ? r->id : g) == (model.erase(g) == 1));
    } else {
      const auto got = listed(map);
      const std::vector<std::pair<Guid, std::string>> want(model.begin(), model.end());
      RC_ASSERT(got == want);
    }
  }
  const std::vector<std::pair<Guid, std::string>> want(model.begin(), model.end());
  RC_ASSERT(listed(map) == want);
}

}  // namespace
}  // namespace hvsnap::sim
