// CIM datetime: both textual forms, calendar validation, and a round-trip property.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "hvsnap/cim/datetime.h"
#include "hvsnap/cim/testing/generators.h"
#include "hvsnap/cim/testing/status_matchers.h"

namespace hvsnap::cim {
namespace {

using ::hvsnap::cim::testing::IsOk;
using ::testing::Not;

TEST(DateTime, ParsesTheFiveMinuteIntervalHyperVUsesForTimeBeforeRemoval) {
  auto d = DateTime::parse("00000000000500.000000:000");
  ASSERT_THAT(d, IsOk());
  EXPECT_TRUE(d->is_interval());
  EXPECT_EQ(d->micros(), 5LL * 60 * 1'000'000);
  EXPECT_EQ(d->to_string(), "00000000000500.000000:000");
}

TEST(DateTime, ParsesATimestampWithItsUtcOffset) {
  auto d = DateTime::parse("20261124103000.123456+060");
  ASSERT_THAT(d, IsOk());
  EXPECT_FALSE(d->is_interval());
  EXPECT_EQ(d->utc_offset_minutes(), 60);
  // 2026-11-24T09:30:00.123456Z
  EXPECT_EQ(d->micros(), 1795512600LL * 1'000'000 + 123456);
  EXPECT_EQ(d->to_string(), "20261124103000.123456+060");
}

TEST(DateTime, RejectsMalformedTextWithThePosition) {
  EXPECT_EQ(DateTime::parse("2026").status().message(),
            "datetime \"2026\": expected 25 characters, got 4");
  EXPECT_EQ(DateTime::parse("2026112410300x.123456+060").status().message(),
            "datetime \"2026112410300x.123456+060\": expected a digit at offset 13");
  EXPECT_EQ(DateTime::parse("20260230103000.000000+000").status().message(),
            "datetime \"20260230103000.000000+000\": no such calendar date");
  EXPECT_EQ(DateTime::parse("20261124253000.000000+000").status().message(),
            "datetime \"20261124253000.000000+000\": time of day out of range");
  EXPECT_THAT(DateTime::parse("00000000000500.000000:001"), Not(IsOk()));
  EXPECT_THAT(DateTime::parse("20261124103000.000000*000"), Not(IsOk()));
}

TEST(DateTime, AcceptsLeapDaysOnlyInLeapYears) {
  EXPECT_THAT(DateTime::parse("20240229000000.000000+000"), IsOk());
  EXPECT_THAT(DateTime::parse("21000229000000.000000+000"), Not(IsOk()));
  EXPECT_THAT(DateTime::parse("20000229000000.000000+000"), IsOk());
}

RC_GTEST_PROP(DateTimeProperty, TextRoundTrips, ()) {
  const DateTime d = *testing::datetime();
  const auto parsed = DateTime::parse(d.to_string());
  RC_ASSERT(parsed.ok());
  RC_ASSERT(*parsed == d);
}

}  // namespace
}  // namespace hvsnap::cim

namespace hvsnap::cim {
namespace {

TEST(DateTimeXsd, WritesAndReadsTheWsManForms) {
  EXPECT_EQ(DateTime::interval(300'000'000).to_xsd(), "P0DT0H5M0S");
  EXPECT_EQ(DateTime::interval(86'400'000'000LL + 1'500'000).to_xsd(), "P1DT0H0M1.5S");
  EXPECT_EQ(DateTime::parse("20260101100000.250000+060")->to_xsd(),
            "2026-01-01T10:00:00.250000+01:00");
  EXPECT_EQ(DateTime::parse("20260101100000.000000+000")->to_xsd(), "2026-01-01T10:00:00.000000Z");
  auto t = DateTime::parse_xsd_datetime("2026-01-01T09:00:00Z");
  ASSERT_THAT(t, IsOk());
  EXPECT_EQ(t->to_string(), "20260101090000.000000+000");
  EXPECT_EQ(DateTime::parse_xsd_datetime("2026-01-01T10:00:00.1234567+01:00")->micros(),
            DateTime::parse("20260101090000.123456+000")->micros());
  EXPECT_EQ(DateTime::parse_xsd_duration("PT5M")->micros(), 300'000'000);
  EXPECT_EQ(DateTime::parse_xsd_duration("P0Y0M2DT1H")->micros(), (2 * 24 + 1) * 3'600'000'000LL);
}

TEST(DateTimeXsd, RefusesWhatHasNoCimForm) {
  for (const char* bad :
       {"", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-01-01 00:00:00",
        "2026-01-01T00:00:00+1", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00Zjunk"}) {
    EXPECT_THAT(DateTime::parse_xsd_datetime(bad), Not(IsOk())) << bad;
  }
  for (const char* bad :
       {"", "5M", "P", "PT", "P1Y", "P2M", "-PT5M", "PT1.5M", "P1.5D", "PT5", "PT5X"}) {
    EXPECT_THAT(DateTime::parse_xsd_duration(bad), Not(IsOk())) << bad;
  }
}

TEST(DateTimeXsd, TheLexicalRulesOfXmlSchemaHold) {
  // XML Schema 1.0 part 2, 3.2.7: 'T' and 'Z' in upper case, zone offsets within 14:00, and
  // 24:00:00 the first instant of the next day.
  for (const char* bad :
       {"2026-01-01t00:00:00Z", "2026-01-01T00:00:00z", "2026-01-01T00:00:00+14:30",
        "2026-01-01T00:00:00-14:01", "2026-01-01T00:00:00+15:00", "2026-01-31T24:00:01Z",
        "2026-01-31T24:01:00Z", "2026-01-31T24:00:00.5Z", "2026-01-31T25:00:00Z",
        // the end of 9999-12-31 is in the year 10000, which no CIM datetime writes
        "9999-12-31T24:00:00Z", "9999-12-31T24:00:00.000+05:00"}) {
    EXPECT_THAT(DateTime::parse_xsd_datetime(bad), Not(IsOk())) << bad;
  }
  EXPECT_THAT(DateTime::parse_xsd_datetime("2026-01-01T00:00:00+14:00"), IsOk());
  EXPECT_THAT(DateTime::parse_xsd_datetime("2026-01-01T00:00:00-14:00"), IsOk());
  for (const auto& [end, next] :
       {std::pair{"2024-01-31T24:00:00Z", "2024-02-01T00:00:00Z"},
        std::pair{"2024-12-31T24:00:00.000Z", "2025-01-01T00:00:00Z"},
        std::pair{"2024-02-28T24:00:00+01:00", "2024-02-29T00:00:00+01:00"}}) {
    const auto a = DateTime::parse_xsd_datetime(end);
    const auto b = DateTime::parse_xsd_datetime(next);
    ASSERT_THAT(a, IsOk()) << end;
    ASSERT_THAT(b, IsOk()) << next;
    EXPECT_EQ(*a, *b) << end;
  }
  // 3.2.6.1: each item at most once, in the order Y M D T H M S, and a 'T' only before a time
  // item.
  for (const char* bad : {"P1DT", "PT1S1H", "P1D1D", "PT1H1H", "PT1M1H", "P0M0Y", "P1DT2H3M4ST",
                          "PT1H2M3S4M", "P1.D", "PT1.H", "PT1.M", "P1.Y"}) {
    EXPECT_THAT(DateTime::parse_xsd_duration(bad), Not(IsOk())) << bad;
  }
  EXPECT_EQ(DateTime::parse_xsd_duration("PT1.S")->micros(), 1'000'000);  // "1." is a decimal
  EXPECT_EQ(DateTime::parse_xsd_duration("P0Y0M1DT2H3M4.5S")->micros(),
            ((((1 * 24 + 2) * 60) + 3) * 60 + 4) * 1'000'000LL + 500'000);
}

TEST(DateTimeXsd, AnIntervalPastCimsLongestIsRefusedHoweverLong) {
  // DSP0004: at most 99,999,999 days. Each length is checked before it is added, so no item
  // overflows on the way (these used to come out as negative or wrapped intervals).
  for (const char* bad :
       {"P100000000D", "PT2400000000H", "PT2562047789H", "PT2562047790H", "PT3000000000H",
        "P106751992D", "P200000000D", "PT153722867281M", "PT9999999999999S", "P99999999DT24H",
        "P99999999DT23H59M60S", "P99999999DT23H59M59.9999999S1"}) {
    EXPECT_THAT(DateTime::parse_xsd_duration(bad), Not(IsOk())) << bad;
  }
  const auto longest = DateTime::parse_xsd_duration("P99999999DT23H59M59.999999S");
  ASSERT_THAT(longest, IsOk());
  EXPECT_EQ(longest->to_string(), "99999999235959.999999:000");
  // In seconds alone, as long as any other spelling (the digits are not what is limited).
  const auto in_seconds = DateTime::parse_xsd_duration("PT8639999999999.999999S");
  ASSERT_THAT(in_seconds, IsOk());
  EXPECT_EQ(*in_seconds, *longest);
  EXPECT_EQ(DateTime::parse_xsd_duration("PT1000000000000S")->micros(),
            DateTime::parse_xsd_duration("P11574074DT1H46M40S")->micros());
  EXPECT_THAT(DateTime::parse_xsd_duration("PT8640000000000S"), Not(IsOk()));
  EXPECT_THAT(DateTime::parse_xsd_duration("PT99999999999999999999999S"), Not(IsOk()));
  const auto in_hours = DateTime::parse_xsd_duration("PT2399999999H");
  ASSERT_THAT(in_hours, IsOk());
  EXPECT_EQ(in_hours->to_string(), "99999999230000.000000:000");
}

RC_GTEST_PROP(DateTimeXsdProperty, XsdRoundTrips, ()) {
  const DateTime d = *testing::datetime();
  const auto back = d.is_interval() ? DateTime::parse_xsd_duration(d.to_xsd())
                                    : DateTime::parse_xsd_datetime(d.to_xsd());
  RC_ASSERT(back.ok());
  RC_ASSERT(*back == d);
}

}  // namespace
}  // namespace hvsnap::cim
