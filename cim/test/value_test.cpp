// Typed values: range checks per CIM width, text forms, and equality by content.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace hvsnap::cim
