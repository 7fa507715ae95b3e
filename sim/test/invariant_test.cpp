// HVSNAP_ASSERT is on in every build type (docs/architecture.md rule 4: assertions for programmer
// errors stay on in sim/): it fires with NDEBUG defined too, names the condition and where, and
// aborts.
#define NDEBUG 1
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "../src/host_impl.h"

namespace hvsnap::sim {
namespace {

TEST(InvariantDeathTest, FiresInEveryBuildTypeAndNamesTheCondition) {
  EXPECT_DEATH(HVSNAP_ASSERT(1 + 1 == 3),
               "fake host invariant broken: 1 \\+ 1 == 3 \\(.*:[0-9]+\\)");
}

TEST(InvariantDeathTest, AMissingRecordIsAnAssertionNotAnException) {
  std::map<int, int> records{{1, 10}};
  EXPECT_EQ(must(records, 1), 10);
  EXPECT_DEATH(must(records, 2), "it != map.end\\(\\)");
}

// Not an invariant, but private to the fake like them: the time in a default checkpoint name
// (decision 0098 computes it directly) is the CIM timestamp's fields, for any time.
TEST(TimeText, IsTheCimTimestampsFields) {
  auto via_cim = [](std::int64_t unix_ms) {
    const std::string s = cim::DateTime::timestamp(unix_ms * 1000, 0).to_string();
    return s.substr(0, 4) + "-" + s.substr(4, 2) + "-" + s.substr(6, 2) + " " + s.substr(8, 2) +
           ":" + s.substr(10, 2) + ":" + s.substr(12, 2);
  };
  std::uint64_t x = 88172645463325252ULL;
  std::vector<std::int64_t> times = {0,
                                     -1,
                                     999,
                                     1000,
                                     86'399'999,
                                     86'400'000,
                                     951'782'400'000,
                                     4'107'542'399'999,
                                     -62'135'596'800'000,
                                     253'402'300'799'999};
  for (int i = 0; i < 20'000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    times.push_back(static_cast<std::int64_t>(x % 500'000'000'000'000ULL) - 62'000'000'000'000);
  }
  for (const std::int64_t t : times) {
    std::string got = "x";
    append_utc_time_text(got, t);
    ASSERT_EQ(got, "x" + via_cim(t)) << t;
  }
}

// The default checkpoint name "<name> - (<time>)" is written on the stack when it fits an
// InlineText (decision 0113) and on the heap otherwise: the same text either way, also for
// years past 9999 (the CIM text's fallback).
TEST(TimeText, DefaultCheckpointNamesAreTheSameInsideAndPastTheInlineRoom) {
  Host::Impl h;
  h.epoch_unix_ms = 1'700'000'000'000;
  for (const std::size_t n : {0, 1, 25, 26, 27, 28, 100}) {
    for (const std::int64_t t :
         {std::int64_t{0}, std::int64_t{123'456'789}, std::int64_t{300'000'000'000'000}}) {
      const std::string base(n, static_cast<char>('a' + n % 26));
      std::string want = base + " - (";
      append_utc_time_text(want, h.epoch_unix_ms + t);
      want += ')';
      const cim::InlineText got = h.display_name(base, t);
      EXPECT_EQ(got.view(), want) << n << " " << t;
      EXPECT_EQ(got.is_inline(), want.size() <= cim::InlineText::kInlineCapacity) << n;
    }
  }
}

}  // namespace
}  // namespace hvsnap::sim
