// The journal's hash map (guid_node_map.h, decision 0148) against std::unordered_map: any
// sequence of the operations the journal makes leaves both with the same entries, every entry is
// found through its own home slot (deletion shifts runs back without tombstones), a node stays
// where it was made until its key is erased, and every node made is given back.
#include <gtest/gtest.h>
// gtest first: rapidcheck/gtest.h needs it
#include <rapidcheck/gtest.h>

#include <map>
#include <memory_resource>
#include <new>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "../src/guid_node_map.h"

namespace hvsnap::sim {
namespace {

// Counts what is allocated and given back through it; refuses the allocation numbered
// `fail_at` (counting from 1), if set.
class CountingResource final : public std::pmr::memory_resource {
 public:
  long live = 0;
  long made = 0;
  long fail_at = 0;

 private:
  void* do_allocate(std::size_t bytes, std::size_t align) override {
    if (++made == fail_at) throw std::bad_alloc();
    ++live;
    return std::pmr::new_delete_resource()->allocate(bytes, align);
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t align) override {
    --live;
    std::pmr::new_delete_resource()->deallocate(p, bytes, align);
  }
  bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override {
    return this == &o;
  }
};

Guid key(int k) {
  return Guid::from_name("node-map", std::to_string(k));
}

// An id other than `g` with the same 64-bit hash in the index (`d` != 0): the key compare after
// a matching hash is what tells them apart.
Guid same_hash_as(const Guid& g, std::uint64_t d) {
  constexpr std::uint64_t kM = GuidNodeMap<int>::kMultiplier;
  Guid other;
  other.hi = g.hi ^ d;
  other.lo = g.lo ^ (g.hi * kM) ^ (other.hi * kM);
  return other;
}

// The pool of keys a run draws from: `n` ids, every other one with the same hash as the one
// before it.
std::vector<Guid> key_pool(int n) {
  std::vector<Guid> pool;
  for (int i = 0; i < n; ++i)
    pool.push_back(i % 2 == 1 ? same_hash_as(pool.back(), static_cast<std::uint64_t>(i)) : key(i));
  return pool;
}

TEST(GuidNodeMap, ThePoolsPairsShareAHash) {
  const auto pool = key_pool(40);
  for (std::size_t i = 1; i < pool.size(); i += 2) {
    EXPECT_NE(pool[i], pool[i - 1]);
    EXPECT_EQ(GuidNodeMap<int>::hash_of(pool[i]), GuidNodeMap<int>::hash_of(pool[i - 1]));
  }
  // Ids whose halves are alike do not share one.
  Guid a;
  a.hi = a.lo = 0x1111111111111111ULL;
  Guid b;
  b.hi = b.lo = 0x2222222222222222ULL;
  EXPECT_NE(GuidNodeMap<int>::hash_of(a), GuidNodeMap<int>::hash_of(b));
}

// Every entry of `map` is the model's, and the other way round.
void expect_same(const GuidNodeMap<std::string>& map,
                 const std::unordered_map<Guid, std::string, GuidHash>& model) {
  RC_ASSERT(map.size() == model.size());
  std::size_t walked = 0;
  std::set<Guid> distinct;
  for (const auto& [id, value] : map) {
    ++walked;
    distinct.insert(id);
    const auto it = model.find(id);
    RC_ASSERT(it != model.end());
    RC_ASSERT(it->second == value);
  }
  RC_ASSERT(walked == model.size());
  RC_ASSERT(distinct.size() == model.size());  // each entry once
  for (const auto& [id, value] : model) {
    const auto it = map.find(id);
    RC_ASSERT(it != map.end());
    RC_ASSERT(it->second == value);
    RC_ASSERT(map.count(id) == 1U);
  }
}

RC_GTEST_PROP(GuidNodeMap, BehavesAsAnUnorderedMapAndKeepsItsNodes, ()) {
  CountingResource nodes;
  {
    GuidNodeMap<std::string> map(&nodes);
    std::unordered_map<Guid, std::string, GuidHash> model;
    std::map<Guid, const std::pair<const Guid, std::string>*> where;  // each key's node
    // Few keys, so that runs collide, grow and shift; sometimes many, so that the index grows.
    const int keys = *rc::gen::element(8, 40, 300);
    const auto pool = key_pool(keys);
    const int steps = *rc::gen::inRange(1, 400);
    for (int step = 0; step < steps; ++step) {
      const int op = *rc::gen::inRange(0, 8);
      const Guid id = pool[static_cast<std::size_t>(*rc::gen::inRange(0, keys))];
      const std::string value = std::to_string(step);
      switch (op) {
        case 0:
        case 1: {
          const auto [it, added] = map.try_emplace(id, value);
          const bool model_added = model.try_emplace(id, value).second;
          RC_ASSERT(added == model_added);
          RC_ASSERT(it->first == id);
          if (added) where[id] = &*it;
          break;
        }
        case 2: {
          const auto [it, added] = map.insert_or_assign(id, value);
          RC_ASSERT(added == model.insert_or_assign(id, value).second);
          RC_ASSERT(it->second == value);
          if (added) where[id] = &*it;
          break;
        }
        case 3:
          RC_ASSERT(map.erase(id) == model.erase(id));
          where.erase(id);
          break;
        case 4:
          if (const auto it = map.find(id); it != map.end()) {
            map.erase(it);
            model.erase(id);
            where.erase(id);
          } else {
            RC_ASSERT(model.count(id) == 0U);
          }
          break;
        case 5:
          map.reserve(static_cast<std::size_t>(*rc::gen::inRange(0, 2 * keys)));
          break;
        case 6:
          if (*rc::gen::inRange(0, 20) == 0) {
            map.clear();
            model.clear();
            where.clear();
          }
          break;
        default:
          RC_ASSERT((map.find(id) != map.end()) == (model.count(id) == 1U));
          break;
      }
      // The nodes have not moved.
      for (const auto& [k, node] : where) {
        const auto it = map.find(k);
        RC_ASSERT(it != map.end());
        RC_ASSERT(&*it == node);
      }
      if (step % 16 == 0) expect_same(map, model);
    }
    expect_same(map, model);
    RC_ASSERT(nodes.live == static_cast<long>(model.size()));
  }
  RC_ASSERT(nodes.live == 0L);  // the map's end gave back every node
}

// A node that cannot be made leaves the map as it was.
RC_GTEST_PROP(GuidNodeMap, AFailedInsertChangesNothing, ()) {
  CountingResource nodes;
  nodes.fail_at = *rc::gen::inRange(1, 60);
  GuidNodeMap<std::string> map(&nodes);
  std::unordered_map<Guid, std::string, GuidHash> model;
  bool failed = false;
  for (const Guid& id : key_pool(50)) {
    try {
      map.try_emplace(id, "v");
      model.try_emplace(id, "v");
    } catch (const std::bad_alloc&) {
      failed = true;
      RC_ASSERT(map.count(id) == 0U);
    }
  }
  RC_ASSERT(failed == (nodes.fail_at <= 50));
  expect_same(map, model);
  RC_ASSERT(nodes.live == static_cast<long>(model.size()));
}

// A probe run that crosses the end of the index: the entries whose home is the last slot of a
// 16-slot index wrap to its start, and erasing the first shifts the others back across the end.
TEST(GuidNodeMap, ARunThatWrapsAroundTheEndShiftsBackAcrossIt) {
  std::vector<Guid> last_slot;
  for (int i = 0; last_slot.size() < 4; ++i) {
    const Guid g = key(i);
    if ((GuidNodeMap<int>::hash_of(g) >> 60) == 15) last_slot.push_back(g);
  }
  GuidNodeMap<int> map;  // 16 slots up to 8 entries
  for (int i = 0; i < 4; ++i)
    map.try_emplace(last_slot[static_cast<std::size_t>(i)], i);
  for (int first = 0; first < 3; ++first) {
    EXPECT_EQ(map.erase(last_slot[static_cast<std::size_t>(first)]), 1U);
    for (int i = first + 1; i < 4; ++i) {
      const auto it = map.find(last_slot[static_cast<std::size_t>(i)]);
      ASSERT_NE(it, map.end()) << "entry " << i << " lost after erasing " << first;
      EXPECT_EQ(it->second, i);
    }
  }
  EXPECT_EQ(map.size(), 1U);
}

TEST(GuidNodeMap, IteratesInTheSameOrderForTheSameChanges) {
  // No address or random salt: two maps given the same changes list their entries alike.
  GuidNodeMap<int> a;
  GuidNodeMap<int> b;
  for (int i = 0; i < 1000; ++i) {
    a.try_emplace(key(i), i);
    b.try_emplace(key(i), i);
    if (i % 3 == 0) {
      a.erase(key(i / 2));
      b.erase(key(i / 2));
    }
  }
  std::vector<Guid> in_a;
  std::vector<Guid> in_b;
  for (const auto& [id, v] : a)
    in_a.push_back(id);
  for (const auto& [id, v] : b)
    in_b.push_back(id);
  EXPECT_EQ(in_a, in_b);
  EXPECT_EQ(in_a.size(), a.size());
}

TEST(GuidNodeMap, SwapsContentsOnOneResource) {
  GuidNodeMap<int> a;
  GuidNodeMap<int> b;
  a.try_emplace(key(1), 1);
  b.try_emplace(key(2), 2);
  b.try_emplace(key(3), 3);
  a.swap(b);
  EXPECT_EQ(a.size(), 2U);
  EXPECT_EQ(b.size(), 1U);
  EXPECT_EQ(a.find(key(3))->second, 3);
  EXPECT_EQ(b.find(key(1))->second, 1);
  EXPECT_EQ(b.count(key(2)), 0U);
}

}  // namespace
}  // namespace hvsnap::sim
