// Typed values: range checks per CIM width, text forms, and equality by content.
#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

#include "hvsnap/cim/instance.h"
#include "hvsnap/cim/value.h"

namespace hvsnap::cim {
namespace {

TEST(Value, IntegersAreRangeCheckedAgainstTheirDeclaredWidth) {
  EXPECT_EQ(*Value::from_text(CimType::kUint16, "65535")->as_uint(), 65535U);
  EXPECT_EQ(Value::from_text(CimType::kUint16, "65536").status().message(),
            "\"65536\" is not a valid uint16: greater than 65535");
  EXPECT_EQ(Value::from_text(CimType::kUint8, "-1").status().message(),
            "\"-1\" is not a valid uint8: negative");
  EXPECT_EQ(*Value::from_text(CimType::kSint8, "-128")->as_int(), -128);
  EXPECT_FALSE(Value::from_text(CimType::kSint8, "-129").ok());
  EXPECT_FALSE(Value::from_text(CimType::kSint8, "128").ok());
  EXPECT_EQ(*Value::from_text(CimType::kSint64, "-9223372036854775808")->as_int(), INT64_MIN);
  EXPECT_FALSE(Value::from_text(CimType::kSint64, "-9223372036854775809").ok());
  EXPECT_EQ(*Value::from_text(CimType::kUint32, "0x10")->as_uint(), 16U);
  EXPECT_EQ(Value::from_text(CimType::kUint32, "12abc").status().message(),
            "\"12abc\" is not a valid uint32: not an integer");
  EXPECT_FALSE(Value::from_text(CimType::kUint32, "").ok());
}

TEST(Value, BooleansRealsAndCharacters) {
  EXPECT_EQ(*Value::from_text(CimType::kBoolean, "TRUE")->as_bool(), true);
  EXPECT_EQ(*Value::from_text(CimType::kBoolean, "false")->as_bool(), false);
  EXPECT_FALSE(Value::from_text(CimType::kBoolean, "yes").ok());
  EXPECT_DOUBLE_EQ(*Value::from_text(CimType::kReal64, "2.5")->as_real(), 2.5);
  EXPECT_FALSE(Value::from_text(CimType::kReal32, "1e300").ok());
  EXPECT_EQ(Value::from_text(CimType::kChar16, "\xC3\xA9")->to_text(), "\xC3\xA9");
  EXPECT_FALSE(Value::from_text(CimType::kChar16, "ab").ok());
}

TEST(Value, TypedReadsRefuseOtherKinds) {
  const Value s = Value::string("5");
  EXPECT_FALSE(s.as_uint().has_value());
  EXPECT_EQ(*s.as_string(), "5");
  EXPECT_EQ(Value::sint16(-3).as_uint(), std::nullopt);
  EXPECT_EQ(*Value::sint16(3).as_uint(), 3U);
  EXPECT_TRUE(Value::null(CimType::kUint16).is_null());
  EXPECT_EQ(Value::null(CimType::kUint16).as_uint(), std::nullopt);
}

TEST(Value, EqualityComparesReferencesAndInstancesByContent) {
  auto a = Value::reference(*ObjectPath::parse(R"(C.k="1")"));
  auto b = Value::reference(*ObjectPath::parse(R"(C.k="1")"));
  auto c = Value::reference(*ObjectPath::parse(R"(C.k="2")"));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  Instance i1("X");
  i1.set("P", Value::uint8(1));
  Instance i2 = i1;
  EXPECT_EQ(Value::instance(i1), Value::instance(i2));
  i2.set("P", Value::uint8(2));
  EXPECT_NE(Value::instance(i1), Value::instance(i2));
  EXPECT_NE(Value::uint8(1), Value::uint16(1));
  EXPECT_NE(Value::null(CimType::kString), Value::string(""));
}

TEST(Instance, PropertyNamesAreCaseInsensitive) {
  Instance i("Msvm_Error");
  i.set("Message", Value::string("a"));
  i.set("MESSAGE", Value::string("b"));
  EXPECT_EQ(i.properties().size(), 1U);
  EXPECT_EQ(i.get_string("message"), "b");
  EXPECT_TRUE(i.remove("mEsSaGe"));
  EXPECT_EQ(i.get("Message"), nullptr);
}

// Decision 0097: an instance made from a shared property table reads as a list instance with
// the same properties, whatever is set, added or removed afterwards.
PropertyTablePtr wide_table(std::size_t n) {
  PropertyList nulls;
  for (std::size_t i = 0; i < n; ++i)
    nulls.push_back(
        {"P" + std::to_string(i), Value::null(i % 2 ? CimType::kUint16 : CimType::kString)});
  return std::make_shared<const PropertyTable>(std::move(nulls));
}

TEST(Instance, FromATableReadsAsTheListItStandsFor) {
  const auto table = wide_table(900);
  Instance t("C", table);
  PropertyList expect = table->properties();
  Instance l("C", expect);
  EXPECT_EQ(t, l);
  t.set_slot(899, Value::uint16(7));
  t.set("p0", Value::string("zero"));  // by name, case-insensitively
  t.set_slot(3, Value::uint16(3));
  t.set_slot(899, Value::uint16(8));  // a second set of a slot replaces its value
  expect[899].value = Value::uint16(8);
  expect[0].value = Value::string("zero");
  expect[3].value = Value::uint16(3);
  EXPECT_EQ(t.properties(), expect);
  EXPECT_NE(t, l);
  l.set("P899", Value::uint16(8)).set("P0", Value::string("zero")).set("P3", Value::uint16(3));
  EXPECT_EQ(t, l);
  EXPECT_EQ(l, t);
  EXPECT_EQ(t.get_uint("p899"), 8U);
  EXPECT_EQ(t.get_string("P0"), "zero");
  ASSERT_NE(t.get("P5"), nullptr);
  EXPECT_TRUE(t.get("P5")->is_null());
  EXPECT_EQ(t.get("P5")->type(), CimType::kUint16);
  EXPECT_EQ(t.get("P900"), nullptr);
  // Copies are independent; two instances of one table compare by what they hold.
  Instance u = t;
  u.set_slot(3, Value::uint16(4));
  EXPECT_EQ(t.get_uint("P3"), 3U);
  EXPECT_NE(t, u);
  u.set_slot(3, Value::uint16(3));
  EXPECT_EQ(t, u);
  u.set_slot(4, Value::null(CimType::kString));  // set to its null: the same properties
  EXPECT_EQ(t, u);
}

// Decision 0128: visiting an instance's properties (the wire's writer) gives properties()'s
// names and values in its order, however the instance stores them, without making its list.
PropertyList visited(const Instance& i) {
  PropertyList out;
  i.for_each_property([&](const Name& n, const Value& v) { out.push_back({n, v}); });
  return out;
}

TEST(Instance, AVisitOfItsPropertiesIsItsList) {
  for (const std::size_t width :
       {std::size_t{0}, std::size_t{45}, std::size_t{128}, std::size_t{129}, std::size_t{900}}) {
    Instance t("C", wide_table(width));
    if (width > 0) {
      t.set_slot(static_cast<std::uint32_t>(width - 1), Value::uint16(7));
      t.set_slot(0, Value::string("zero"));
      t.set_slot(static_cast<std::uint32_t>(width - 1), Value::uint16(8));  // replaced
      t.set_slot(static_cast<std::uint32_t>(width / 2), Value::null(CimType::kString));
    }
    EXPECT_EQ(t.property_count(), width);
    const PropertyList seen = visited(t);  // before the list is made
    EXPECT_EQ(seen, t.properties()) << width;
    if (width > 0) {
      EXPECT_EQ(seen.back().value, Value::uint16(8));
      EXPECT_EQ(seen.front().value, Value::string("zero"));
    }
    if (width > 0) t.set_slot(0, Value::string("again"));  // after: the list, kept in step
    EXPECT_EQ(visited(t), t.properties()) << width;
    EXPECT_EQ(t.property_count(), width);
  }
  Instance l("C", PropertyList{{"A", Value::uint16(1)}, {"B", Value::null(CimType::kString)}});
  EXPECT_EQ(visited(l), l.properties());
  EXPECT_EQ(l.property_count(), 2U);
  EXPECT_TRUE(visited(Instance("C")).empty());
  EXPECT_EQ(Instance("C").property_count(), 0U);
}

// Decision 0123: a value made where the instance keeps it reads as set_slot's; a repeat
// replaces it, a slot beyond the table is refused, and a maker that throws leaves the slot unset.
TEST(Instance, SetSlotMadeReadsAsSetSlot) {
  const auto table = wide_table(10);
  Instance made("C", table);
  Instance set("C", table);
  made.set_slot_made(3, [] { return Value::uint16(3); });
  made.set_slot_made(2, [] { return Value::string(std::string(60, 'x')); });  // owned text
  set.set_slot(3, Value::uint16(3)).set_slot(2, Value::string(std::string(60, 'x')));
  EXPECT_EQ(made, set);
  made.set_slot_made(3, [] { return Value::uint16(4); });  // a repeat replaces
  EXPECT_EQ(made.get_uint("P3"), 4U);
  EXPECT_THROW(made.set_slot_made(10, [] { return Value::uint16(1); }), std::out_of_range);
  EXPECT_THROW(made.set_slot_made(5, []() -> Value { throw std::runtime_error("maker"); }),
               std::runtime_error);
  ASSERT_NE(made.get("P5"), nullptr);
  EXPECT_TRUE(made.get("P5")->is_null());
  EXPECT_EQ(made.get("P5")->type(), CimType::kUint16);  // the table's null, not a remade one
  Instance never("C", table);                           // as if the throwing maker had never run
  never.set_slot(3, Value::uint16(4)).set_slot(2, Value::string(std::string(60, 'x')));
  EXPECT_EQ(made, never);
  made.set_slot_made(5, [] { return Value::uint16(5); });  // still settable afterwards
  EXPECT_EQ(made.get_uint("P5"), 5U);
  EXPECT_EQ(made.properties()[2].value, Value::string(std::string(60, 'x')));
}

TEST(Instance, FromATableKeepsItsListInStepAndBecomesAListWhenReshaped) {
  Instance t("C", wide_table(10));
  const PropertyList& props = t.properties();
  t.set("P2", Value::string("two"));
  EXPECT_EQ(props[2].value, Value::string("two"));  // the list already handed out follows
  t.set("Extra", Value::uint8(1));                  // a name the table lacks: appended
  ASSERT_EQ(t.properties().size(), 11U);
  EXPECT_EQ(t.properties().back().name, "Extra");
  EXPECT_EQ(t.properties()[2].value, Value::string("two"));
  Instance r("C", wide_table(10));
  r.set_slot(1, Value::uint16(1));
  EXPECT_FALSE(r.remove("NoSuch"));
  EXPECT_TRUE(r.remove("p1"));
  ASSERT_EQ(r.properties().size(), 9U);
  EXPECT_EQ(r.properties()[1].name, "P2");
  EXPECT_EQ(r.get("P1"), nullptr);
  Instance a("C", wide_table(2));
  a.add("P0", Value::string("dup"));  // add appends without looking, as for a list
  EXPECT_EQ(a.properties().size(), 3U);
}

// Decision 0106: the values set live inside the instance up to its inline room (20) and on
// the heap beyond it. Either way copies, moves and assignments carry every value, and a
// moved-from instance holds nothing (no table, no values) until it is assigned again.
TEST(Instance, ValuesInsideAndBeyondTheInlineRoomCopyAndMove) {
  const auto table = wide_table(64);
  for (std::size_t n : {0U, 1U, 19U, 20U, 21U, 45U}) {
    SCOPED_TRACE(n);
    Instance t("C", table);
    t.reserve(n < 20 ? n : 20);
    PropertyList expect = table->properties();
    for (std::size_t i = 0; i < n; ++i) {
      // Odd slots are uint16, even ones strings long enough to own heap text.
      Value v = i % 2 ? Value::uint16(static_cast<std::uint16_t>(i))
                      : Value::string(std::string(40, 'a') + std::to_string(i));
      expect[i].value = v;
      t.set_slot(static_cast<std::uint32_t>(i), std::move(v));
    }
    ASSERT_EQ(t.properties(), expect);
    const Instance copy = t;
    EXPECT_EQ(copy.properties(), expect);
    Instance moved = std::move(t);
    EXPECT_EQ(moved.properties(), expect);
    EXPECT_EQ(moved, copy);
    // The moved-from instance is empty and usable again.
    EXPECT_TRUE(t.properties().empty());  // NOLINT(bugprone-use-after-move): the state is defined
    t = copy;
    EXPECT_EQ(t, copy);
    Instance over("C", table);
    over.set_slot(63, Value::uint16(63));
    over = std::move(moved);
    EXPECT_EQ(over.properties(), expect);
    EXPECT_EQ(over.get_uint("P63"), std::nullopt);
    if (n > 0) {
      EXPECT_EQ(over.get_string("P0"), std::string(40, 'a') + "0");
      over.set_slot(0, Value::string("replaced"));  // a repeat replaces in place
      EXPECT_EQ(over.get_string("P0"), "replaced");
      EXPECT_EQ(copy.get_string("P0"), std::string(40, 'a') + "0");
    }
  }
}

TEST(Instance, TableMistakesAreRefused) {
  PropertyList dup{{"Name", Value::null(CimType::kString)},
                   {"NAME", Value::null(CimType::kString)}};
  EXPECT_THROW(PropertyTable{dup}, std::invalid_argument);
  EXPECT_THROW(Instance("C", PropertyTablePtr{}), std::invalid_argument);
  Instance t("C", wide_table(3));
  EXPECT_THROW(t.set_slot(3, Value::uint16(1)), std::out_of_range);
  Instance l("C");
  EXPECT_THROW(l.set_slot(0, Value::uint16(1)), std::out_of_range);
}

TEST(Instance, FromATableMakesItsListOnceUnderConcurrentReaders) {
  Instance t("C", wide_table(200));
  t.set_slot(7, Value::string("seven"));
  const Instance& shared = t;
  const PropertyList* seen[4] = {};
  std::thread threads[4];
  for (int i = 0; i < 4; ++i)
    threads[i] = std::thread([&, i] { seen[i] = &shared.properties(); });
  for (auto& th : threads)
    th.join();
  for (const PropertyList* p : seen)
    EXPECT_EQ(p, seen[0]);
  EXPECT_EQ((*seen[0])[7].value, Value::string("seven"));
}

}  // namespace
}  // namespace hvsnap::cim
