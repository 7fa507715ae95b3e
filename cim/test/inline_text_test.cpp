// A path's key text (decision 0112): cim::InlineText keeps up to kInlineCapacity characters
// inside it and longer text on the heap, copies, moves and assigns as a string, carries the
// identifier its producer attached until the text changes; a moved-from ObjectPath has no
// keys. Run under the asan preset too (heap text, self-assignment, moves over heap text).
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <utility>

#include "hvsnap/cim/inline_text.h"
#include "hvsnap/cim/object_path.h"

namespace hvsnap::cim {
namespace {

bool inside(const InlineText& t) {
  const auto* begin = reinterpret_cast<const char*>(&t);
  return t.data() >= begin && t.data() < begin + sizeof t;
}

TEST(InlineText, HoldsTextOfAnyLengthInsideUpToItsRoom) {
  for (std::size_t n :
       {std::size_t{0}, std::size_t{1}, std::size_t{36}, std::size_t{46},
        InlineText::kInlineCapacity, InlineText::kInlineCapacity + 1, std::size_t{1000}}) {
    const std::string text(n, static_cast<char>('A' + n % 26));
    const InlineText t(text);
    EXPECT_EQ(t.view(), text) << n;
    EXPECT_EQ(t.size(), n);
    EXPECT_EQ(t.empty(), n == 0);
    EXPECT_EQ(t.c_str()[n], '\0') << n;
    EXPECT_EQ(inside(t), n <= InlineText::kInlineCapacity) << n;
    EXPECT_EQ(t.is_inline(), n <= InlineText::kInlineCapacity) << n;
    EXPECT_EQ(t.str(), text);
    EXPECT_TRUE(t == text);
    EXPECT_TRUE(t == std::string_view(text));
    EXPECT_FALSE(t == text + "!");

    InlineText copy = t;  // NOLINT(performance-unnecessary-copy-initialization)
    EXPECT_EQ(copy, t);
    if (n > 0) {
      EXPECT_NE(copy.data(), t.data());
    }
    InlineText moved = std::move(copy);
    EXPECT_EQ(moved.view(), text);
    EXPECT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): a moved-from text is empty
    EXPECT_EQ(copy.c_str()[0], '\0');
    copy = "reused";  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(copy, "reused");
  }
}

TEST(InlineText, AssignsOverEitherStorageAndFromItself) {
  const std::string long_text(200, 'L');
  InlineText t("short");
  t = long_text;  // inside -> heap
  EXPECT_EQ(t, long_text);
  t = "back inside";  // heap -> inside
  EXPECT_EQ(t, "back inside");
  EXPECT_TRUE(t.is_inline());
  t = InlineText(long_text);  // move of heap text over inline text
  EXPECT_EQ(t, long_text);
  InlineText other(std::string(120, 'o'));
  t = other;  // copy of heap text over heap text
  EXPECT_EQ(t, other);
  const InlineText& self = t;
  t = self;  // self-assignment
  EXPECT_EQ(t, other);
  t = t.view().substr(10, 5);  // from a view of its own heap text
  EXPECT_EQ(t, "ooooo");
  t = t.view().substr(1);  // from a view of its own inside text
  EXPECT_EQ(t, "oooo");
  InlineText& same = t;
  t = std::move(same);   // a self-move leaves it as it was
  EXPECT_EQ(t, "oooo");  // NOLINT(bugprone-use-after-move)
}

TEST(InlineText, TheIdentifierStaysWithItsTextAndGoesWhenTheTextChanges) {
  const InlineText::Id128 id{0x0123456789ABCDEFULL, 0xFEDCBA9876543210ULL};
  InlineText t;
  EXPECT_FALSE(t.id().has_value());
  t.assign_with_id("01234567-89AB-CDEF-FEDC-BA9876543210", id);
  ASSERT_TRUE(t.id().has_value());
  EXPECT_EQ(t.id()->hi, id.hi);
  EXPECT_EQ(t.id()->lo, id.lo);
  const InlineText copy = t;  // NOLINT(performance-unnecessary-copy-initialization)
  ASSERT_TRUE(copy.id().has_value());
  EXPECT_EQ(copy.id()->lo, id.lo);
  InlineText assigned("x");
  assigned = t;
  EXPECT_TRUE(assigned.id().has_value());
  InlineText moved = std::move(assigned);
  EXPECT_TRUE(moved.id().has_value());
  EXPECT_FALSE(assigned.id().has_value());  // NOLINT(bugprone-use-after-move)
  // Not part of equality: the same text from the wire equals it.
  EXPECT_EQ(t, InlineText("01234567-89AB-CDEF-FEDC-BA9876543210"));
  moved = "01234567-89AB-CDEF-FEDC-BA9876543211";  // another text: the identifier is gone
  EXPECT_FALSE(moved.id().has_value());
  InlineText again = t;
  again = std::string(100, 'h');
  EXPECT_FALSE(again.id().has_value());
}

TEST(InlineText, AKeyWithAnIdentifierIsThePathItsTextSays) {
  ObjectPath p("root\\virtualization\\v2", "Msvm_ConcreteJob");
  p.add_key_with_id("InstanceID", "5A1D7C1E-0000-4000-8000-000000000001",
                    {0x5A1D7C1E00004000ULL, 0x8000000000000001ULL});
  ASSERT_TRUE(p.key("InstanceID")->value.id().has_value());
  const auto parsed = ObjectPath::parse(p.to_string());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, p);  // equality ignores the identifier
  EXPECT_FALSE(parsed->key("InstanceID")->value.id().has_value());  // text from the wire
  const ObjectPath copy = p;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_TRUE(copy.key("InstanceID")->value.id().has_value());
}

// A copy of a path with one key written again (decision 0139) is the path of the new text and
// identifier; the other keys and the original are as they were; a key that is not there throws.
TEST(InlineText, AKeyWrittenAgainIsThePathOfItsNewText) {
  ObjectPath p("root\\virtualization\\v2", "Msvm_ComputerSystem");
  p.add_key("CreationClassName", "Msvm_ComputerSystem");
  p.add_key_with_id("Name", "5A1D7C1E-0000-4000-8000-000000000001",
                    {0x5A1D7C1E00004000ULL, 0x8000000000000001ULL});
  ObjectPath q = p;
  q.set_key_with_id(1, "5A1D7C1E-0000-4000-8000-000000000002",
                    {0x5A1D7C1E00004000ULL, 0x8000000000000002ULL});
  EXPECT_EQ(q.key("Name")->value, "5A1D7C1E-0000-4000-8000-000000000002");
  EXPECT_EQ(q.key("Name")->value.id()->lo, 0x8000000000000002ULL);
  EXPECT_EQ(q.key("CreationClassName")->value, "Msvm_ComputerSystem");
  EXPECT_EQ(p.key("Name")->value, "5A1D7C1E-0000-4000-8000-000000000001");
  EXPECT_EQ(*ObjectPath::parse(q.to_string()), q);
  EXPECT_THROW(q.set_key_with_id(2, "x", {}), std::out_of_range);
}

TEST(ObjectPath, AMovedFromPathHasNoKeys) {
  for (int keys : {1, 2}) {
    ObjectPath p("ns", "C");
    p.add_key("A", std::string(60, 'a'));
    if (keys == 2) p.add_key("B", "b");
    ObjectPath to = std::move(p);
    EXPECT_EQ(to.keys().size(), static_cast<std::size_t>(keys));
    EXPECT_EQ(to.key("A")->value, std::string(60, 'a'));
    EXPECT_TRUE(p.keys().empty());  // NOLINT(bugprone-use-after-move)
    ObjectPath assigned("ns", "D");
    assigned.add_key("Z", "z");
    assigned = std::move(to);
    EXPECT_EQ(assigned.keys().size(), static_cast<std::size_t>(keys));
    EXPECT_TRUE(to.keys().empty());  // NOLINT(bugprone-use-after-move)
    to.add_key("A", "again");        // NOLINT(bugprone-use-after-move): reusable
    EXPECT_EQ(to.keys().size(), 1U);
  }
}

}  // namespace
}  // namespace hvsnap::cim
