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

RC_GTEST_PROP(DateTimeXsdProperty, XsdRoundTrips, ()) {
  const DateTime d = *testing::datetime();
  const auto back = d.is_interval() ? DateTime::parse_xsd_duration(d.to_xsd())
                                    : DateTime::parse_xsd_datetime(d.to_xsd());
  RC_ASSERT(back.ok());
  RC_ASSERT(*back == d);
}

}  // namespace
}  // namespace hvsnap::cim
