// The flat value (decision 0103): copy, move, assignment and equality of every storage kind,
// values borrowed from static storage, and arrays. Run under the asan preset too: a wrong
// switch in the copy, move or destroy of a kind shows as a leak, a double free or a read of
// freed memory there.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "hvsnap/cim/instance.h"
#include "hvsnap/cim/testing/generators.h"
#include "hvsnap/cim/value.h"

namespace hvsnap::cim {
namespace {

const std::string kStaticText = "a text with static storage, longer than a short string";
const std::vector<Scalar> kStaticItems = {Scalar(std::uint64_t{2}), Scalar(std::uint64_t{6})};

// One value of every storage kind (and the edges of some), with a name for failures.
std::vector<std::pair<std::string, Value>> every_kind() {
  Instance inst("C");
  inst.set("P", Value::string("embedded"));
  return {
      {"null string", Value::null(CimType::kString)},
      {"null uint16 array", Value::null(CimType::kUint16, true)},
      {"true", Value::boolean(true)},
      {"false", Value::boolean(false)},
      {"uint8", Value::uint8(255)},
      {"uint64 max", Value::uint64(std::numeric_limits<std::uint64_t>::max())},
      {"sint64 min", Value::sint64(std::numeric_limits<std::int64_t>::min())},
      {"sint16", Value::sint16(-3)},
      {"real32", Value::real32(1.5F)},
      {"real64 nan", Value::real64(std::nan(""))},
      {"char16", Value::char16(u'\u00e9')},
      {"short string", Value::string("short")},
      {"empty string", Value::string("")},
      {"heap string", Value::string(std::string(100, 'x'))},
      {"string filling the inside room", Value::string(std::string(Value::kShortCapacity, 'g'))},
      {"string one past the inside room",
       Value::string(std::string(Value::kShortCapacity + 1, 'h'))},
      {"GUID text",
       Value::string(std::string_view("Microsoft:5A1D7C1E-0000-4000-8000-000000000001"))},
      {"static string", Value::static_string(kStaticText)},
      {"interval", Value::datetime(DateTime::interval(1'500'000))},
      {"timestamp", Value::datetime(DateTime::timestamp(1'700'000'000'000'000, -300))},
      {"reference", Value::reference(*ObjectPath::parse(R"(C.k="1")"))},
      {"null reference pointer", Value::of(CimType::kReference, Scalar(PathPtr{}))},
      {"instance", Value::instance(inst)},
      {"array", Value::array(CimType::kUint16, {Scalar(std::uint64_t{1})})},
      {"empty array", Value::array(CimType::kString, {})},
      {"string array", Value::string_array({"a", std::string(40, 'b')})},
      {"static array", Value::static_array(CimType::kUint16, kStaticItems)},
  };
}

TEST(ValueStorage, IsFiftySixBytes) {
  EXPECT_EQ(sizeof(Value), 56U);  // 48 bytes of storage: a GUID key's text inside (0112)
}

// Text of up to kShortCapacity characters lives inside the value (decision 0112): its view
// points into the value, copies have their own, and it reads and compares as the same text
// held any other way (heap, borrowed, made from a Scalar).
TEST(ValueStorage, ShortTextLivesInsideTheValueAndReadsAsAnyOtherString) {
  for (std::size_t n :
       {std::size_t{0}, std::size_t{1}, std::size_t{15}, std::size_t{16}, std::size_t{36},
        std::size_t{46}, Value::kShortCapacity, Value::kShortCapacity + 1, std::size_t{200}}) {
    const std::string text(n, static_cast<char>('a' + n % 26));
    const Value v = Value::string(text);
    const auto* begin = reinterpret_cast<const char*>(&v);
    const bool inside = v.as_string()->data() >= begin && v.as_string()->data() < begin + sizeof v;
    EXPECT_EQ(inside, n <= Value::kShortCapacity) << n;
    EXPECT_EQ(*v.as_string(), text) << n;
    EXPECT_EQ(v.to_text(), text) << n;
    EXPECT_EQ(std::get<std::string>(*v.scalar()), text) << n;
    EXPECT_EQ(v, Value::string(std::string_view(text))) << n;
    EXPECT_EQ(v, Value::of(CimType::kString, Scalar(text))) << n;
    const Value copy = v;  // NOLINT(performance-unnecessary-copy-initialization)
    EXPECT_EQ(copy, v) << n;
    if (n > 0) {
      EXPECT_NE(copy.as_string()->data(), v.as_string()->data()) << n;
    }
    Value moved = Value(copy);
    Value target = Value::string(std::string(300, 'z'));
    target = std::move(moved);  // over a heap string
    EXPECT_EQ(*target.as_string(), text) << n;
    EXPECT_NE(v, Value::string(text + "x")) << n;
  }
  static const std::string kShortStatic = "short and static";
  EXPECT_EQ(Value::static_string(kShortStatic), Value::string(kShortStatic));
  EXPECT_EQ(Value::string(kShortStatic), Value::static_string(kShortStatic));
  EXPECT_NE(Value::string("a"), Value::string("A"));  // compared by content, case and all
}

TEST(ValueStorage, EveryKindCopiesMovesAndComparesAsItself) {
  for (const auto& [name, v] : every_kind()) {
    SCOPED_TRACE(name);
    const Value copy(v);  // NOLINT(performance-unnecessary-copy-initialization)
    EXPECT_EQ(copy, v);
    EXPECT_EQ(copy.type(), v.type());
    EXPECT_EQ(copy.is_array(), v.is_array());
    EXPECT_EQ(copy.is_null(), v.is_null());
    EXPECT_EQ(copy.to_text(), v.to_text());
    Value source(v);
    const Value moved(std::move(source));
    EXPECT_EQ(moved, v);
    // A moved-from value keeps its type and is usable: an owning kind is left null, a word
    // keeps its value.
    EXPECT_TRUE(source.is_null() || source == v);  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(source.type(), v.type());
    source = v;
    EXPECT_EQ(source, v);
    Value self(v);
    const Value& alias = self;
    self = alias;  // self-assignment keeps the value
    EXPECT_EQ(self, v);
    Value& same = self;
    self = std::move(same);  // self-move keeps the value too
    EXPECT_EQ(self, v);      // NOLINT(bugprone-use-after-move)
  }
}

TEST(ValueStorage, AnyKindAssignsOverAnyOther) {
  const auto kinds = every_kind();
  for (const auto& [from_name, from] : kinds) {
    for (const auto& [to_name, to] : kinds) {
      SCOPED_TRACE(from_name + " := " + to_name);
      Value x(from);
      x = to;
      EXPECT_EQ(x, to);
      Value y(from);
      Value t(to);
      y = std::move(t);
      EXPECT_EQ(y, to);
      // Only a value of the same kind and content is equal.
      EXPECT_EQ(from == to, from_name == to_name);
    }
  }
}

TEST(ValueStorage, CopiesOwnTheirText) {
  Value a = Value::string(std::string(64, 'a'));
  Value b = a;
  ASSERT_NE(a.as_string()->data(), b.as_string()->data());
  a = Value::uint8(1);  // frees a's text; b keeps its own
  EXPECT_EQ(*b.as_string(), std::string(64, 'a'));
  Value arr = Value::string_array({std::string(30, 'c')});
  Value arr2 = arr;
  arr = Value::null(CimType::kString, true);
  ASSERT_EQ(arr2.items().size(), 1U);
  EXPECT_EQ(std::get<std::string>(arr2.items()[0]), std::string(30, 'c'));
}

TEST(ValueStorage, BorrowedStaticsAreReadInPlaceAndEqualTheirOwnedForms) {
  const Value s = Value::static_string(kStaticText);
  EXPECT_EQ(s.as_string()->data(), kStaticText.data());  // no copy
  EXPECT_EQ(s.type(), CimType::kString);
  EXPECT_FALSE(s.is_null());
  {
    const Value copy = s;  // NOLINT(performance-unnecessary-copy-initialization)
    EXPECT_EQ(copy.as_string()->data(), kStaticText.data());
  }  // destroying a copy leaves the static text alone
  EXPECT_EQ(kStaticText, "a text with static storage, longer than a short string");
  EXPECT_EQ(s, Value::string(kStaticText));
  EXPECT_EQ(Value::string(kStaticText), s);
  EXPECT_NE(s, Value::string("other"));
  EXPECT_NE(s, Value::null(CimType::kString));
  EXPECT_EQ(s.to_text(), kStaticText);
  ASSERT_TRUE(s.scalar().has_value());
  EXPECT_EQ(std::get<std::string>(*s.scalar()), kStaticText);

  const Value a = Value::static_array(CimType::kUint16, kStaticItems);
  EXPECT_EQ(&a.items(), &kStaticItems);
  EXPECT_TRUE(a.is_array());
  EXPECT_EQ(a, Value::array(CimType::kUint16, kStaticItems));
  EXPECT_EQ(Value::array(CimType::kUint16, kStaticItems), a);
  EXPECT_NE(a, Value::array(CimType::kUint16, {Scalar(std::uint64_t{2})}));
  EXPECT_NE(a, Value::static_array(CimType::kUint32, kStaticItems));  // the type counts
  EXPECT_FALSE(a.scalar().has_value());
  {
    Value moved = a;
    const Value into(std::move(moved));
    EXPECT_EQ(&into.items(), &kStaticItems);
  }
  EXPECT_EQ(kStaticItems.size(), 2U);
}

TEST(ValueStorage, ArraysAndScalarsReadTheirElements) {
  const Value a =
      Value::array(CimType::kSint32, {Scalar(std::int64_t{-1}), Scalar(std::int64_t{7})});
  EXPECT_EQ(a.items().size(), 2U);
  EXPECT_FALSE(a.scalar().has_value());
  EXPECT_EQ(a.as_int(), std::nullopt);  // an array is not a scalar
  EXPECT_EQ(a.to_text(), "");
  EXPECT_TRUE(Value::uint8(3).items().empty());
  EXPECT_TRUE(Value::null(CimType::kUint8, true).items().empty());
  EXPECT_NE(Value::array(CimType::kString, {}), Value::null(CimType::kString, true));
  EXPECT_EQ(Value::char16(u'A').as_uint(), std::nullopt);  // a character is not a number
  EXPECT_EQ(Value::uint64(std::numeric_limits<std::uint64_t>::max()).as_int(), std::nullopt);
  EXPECT_EQ(Value::uint8(7).as_int(), 7);
  EXPECT_EQ(Value::boolean(true).as_uint(), std::nullopt);
  EXPECT_EQ(Value::real64(2.5).as_real(), 2.5);
  EXPECT_EQ(Value::datetime(DateTime::interval(5)).as_datetime()->micros(), 5);
  EXPECT_EQ(Value::string("x").as_datetime(), nullptr);
  EXPECT_EQ(Value::of(CimType::kReference, Scalar(PathPtr{})).as_reference(), nullptr);
}

// Any value the generators make: a copy, a move and a rebuild from its element are equal to
// it, and write the same text.
RC_GTEST_PROP(ValueStorageProperty, CopiesMovesAndRebuildsAreEqual, ()) {
  const Value v = *::hvsnap::cim::testing::value();
  const Value copy = v;  // NOLINT(performance-unnecessary-copy-initialization)
  RC_ASSERT(copy == v);
  Value source = v;
  Value moved = std::move(source);
  RC_ASSERT(moved == v);
  RC_ASSERT(source.is_null() || source == v);  // NOLINT(bugprone-use-after-move)
  if (const auto s = v.scalar()) {
    RC_ASSERT(Value::of(v.type(), *s) == v);
    RC_ASSERT(Value::of(v.type(), *s).to_text() == v.to_text());
  } else if (v.is_array() && !v.is_null()) {
    RC_ASSERT(Value::array(v.type(), v.items()) == v);
  }
}

}  // namespace
}  // namespace hvsnap::cim
