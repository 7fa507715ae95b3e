// IdList (decision 0139): a host's collection ids in one buffer, as model::id_of reads them,
// ascending and distinct after settle(), whatever order the host listed them in.
#include "hvsnap/conformance/id_list.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "hvsnap/cim/names.h"
#include "hvsnap/conformance/model/view.h"

namespace hvsnap::conformance {
namespace {

cim::ObjectPath collection(const std::string& id) {
  return cim::ObjectPath(cim::Name::borrow(cim::names::kNamespace),
                         cim::Name::borrow(cim::names::kSnapshotCollection))
      .add_key(cim::Name::borrow("CollectionID"), id);
}

TEST(IdList, HoldsTheIdsIdOfReadsSortedAndDistinct) {
  std::mt19937 rng(7);
  for (int round = 0; round < 50; ++round) {
    std::vector<cim::ObjectPath> paths;
    const int n = static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) {
      // Few distinct ids, so that repeats come, some differing only in case; of several
      // lengths, GUIDs among them (past the sixteen bytes upper-casing takes at a time).
      static const std::vector<std::string> kIds = {
          "a",
          "b1",
          "Zz-9",
          "4f2a9c1e-0b7d-4e55-9a2b-c3d4e5f60718",
          "4F2A9C1E-0B7D-4E55-9A2B-C3D4E5F60719",
          "microsoft:4f2a9c1e-0b7d-4e55-9a2b-c3d4e5f6071a"};
      std::string id = kIds[rng() % kIds.size()];
      for (char& c : id) {
        if (rng() % 3 == 0) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      paths.push_back(collection(id));
    }
    if (round % 2 == 0) {  // in id order, as the fake lists them
      std::sort(paths.begin(), paths.end(),
                [](const auto& a, const auto& b) { return model::id_of(a) < model::id_of(b); });
    }
    IdList ids;
    ids.reserve(paths.size(), 4);
    for (const auto& p : paths)
      ids.add_id_of(p);
    ids.settle();
    std::set<std::string> expected;
    for (const auto& p : paths)
      expected.insert(model::id_of(p));
    ASSERT_EQ(ids.size(), expected.size()) << "round " << round;
    std::size_t i = 0;
    for (const auto& id : expected) {
      EXPECT_EQ(ids[i++], id) << "round " << round;
      EXPECT_TRUE(ids.contains(id)) << id;
    }
    EXPECT_FALSE(ids.contains("NOT-AN-ID"));
    EXPECT_FALSE(ids.contains("")) << "round " << round;
  }
}

// compare and less are std::string_view's order: bytes as unsigned, a prefix first, whatever the
// lengths (under eight bytes, a difference within or past the first eight).
TEST(IdList, TheOrderIsTheOrderOfTheText) {
  std::mt19937 rng(11);
  const std::string bytes = std::string("aAzZ09-\x7f\x80\xff") + std::string(1, '\0');
  const auto draw = [&] {
    std::string t(rng() % 20, ' ');
    for (char& c : t)
      c = bytes[rng() % bytes.size()];
    return t;
  };
  for (int i = 0; i < 20'000; ++i) {
    const std::string a = draw();
    std::string b = i % 3 == 0 ? a.substr(0, rng() % (a.size() + 1)) + draw() : draw();
    EXPECT_EQ(IdList::less(a, b), std::string_view(a) < std::string_view(b)) << i;
    EXPECT_EQ(IdList::less(b, a), std::string_view(b) < std::string_view(a)) << i;
    const int want = std::string_view(a).compare(b);
    EXPECT_EQ(IdList::compare(a, b), want < 0 ? -1 : (want > 0 ? 1 : 0)) << i;
    EXPECT_EQ(IdList::compare(a, a), 0) << i;
  }
}

// Paths of several keys, and key names in another case: the id is model::id_of's (its
// CollectionID, else InstanceID, else Name, found whatever the case of the key's name).
TEST(IdList, APathOfSeveralKeysGivesTheKeyIdOfTakes) {
  const auto path = [](const std::vector<std::pair<std::string, std::string>>& keys) {
    cim::ObjectPath p(cim::Name::borrow(cim::names::kNamespace), cim::Name::borrow("Msvm_X"));
    for (const auto& [k, v] : keys)
      p.add_key(cim::Name(k), v);
    return p;
  };
  const std::vector<cim::ObjectPath> paths = {
      path({{"SystemName", "h"}, {"instanceid", "ab-cd"}}),
      path({{"Name", "n"}, {"CollectionID", "c"}, {"InstanceID", "i"}}),
      path({{"NAME", "only-name"}}),
      path({{"collectionid", "lower-key-name"}}),
      path({{"A", "1"}, {"B", "2"}}),
      path({}),
  };
  IdList ids;
  std::set<std::string> expected;
  for (const auto& p : paths) {
    ids.add_id_of(p);
    expected.insert(model::id_of(p));
  }
  ids.settle();
  ASSERT_EQ(ids.size(), expected.size());
  std::size_t i = 0;
  for (const auto& id : expected)
    EXPECT_EQ(ids[i++], id);
  EXPECT_TRUE(ids.contains("AB-CD"));
  EXPECT_TRUE(ids.contains("C"));
  EXPECT_TRUE(ids.contains("ONLY-NAME"));
  EXPECT_TRUE(ids.contains("LOWER-KEY-NAME"));
}

TEST(IdList, AnIdIsTheKeyIdOfReadsOrTheWholePath) {
  IdList ids;
  ids.add_id_of(collection("4f2a-b"));
  ids.add_id_of(
      cim::ObjectPath(cim::Name::borrow(cim::names::kNamespace), cim::Name::borrow("Msvm_Other"))
          .add_key(cim::Name::borrow("Other"), "x"));
  ids.settle();
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], "4F2A-B");
  EXPECT_EQ(ids[1], model::id_of(cim::ObjectPath(cim::Name::borrow(cim::names::kNamespace),
                                                 cim::Name::borrow("Msvm_Other"))
                                     .add_key(cim::Name::borrow("Other"), "x")));
}

}  // namespace
}  // namespace hvsnap::conformance
