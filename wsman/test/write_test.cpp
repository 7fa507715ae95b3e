// The server's writing of values (contract §8; decision 0124): its datetime writer, which does
// without cim::DateTime::to_xsd's formatting, writes exactly the text to_xsd makes — intervals
// and timestamps over their whole range, with every UTC offset form.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "../src/xml.h"
#include "hvsnap/cim/splitmix.h"
#include "hvsnap/cim/value.h"
#include "hvsnap/wsman/messages.h"

namespace hvsnap::wsman {
namespace {

// What the writer wrote before decision 0124: to_xsd's text, escaped, in its element.
std::string expected(std::string_view name, const cim::DateTime& d) {
  const char* qname = d.is_interval() ? "cim:Interval" : "cim:Datetime";
  return fmt::format("<p:{0}><{1}>{2}</{1}></p:{0}>", name, qname, xml::escaped(d.to_xsd()));
}

// A number in [lo, hi] from the seeded sequence (one seed, one run).
std::int64_t in(std::uint64_t& state, std::int64_t lo, std::int64_t hi) {
  return lo + static_cast<std::int64_t>(cim::splitmix64(state) %
                                        static_cast<std::uint64_t>(hi - lo + 1));
}

std::vector<cim::DateTime> datetimes() {
  constexpr std::int64_t kDay = 86'400'000'000;
  std::vector<cim::DateTime> out = {
      cim::DateTime(),
      cim::DateTime::interval(0),
      cim::DateTime::interval(1),
      cim::DateTime::interval(999'999),
      cim::DateTime::interval(1'000'000),
      cim::DateTime::interval(1'500'000),
      cim::DateTime::interval(kDay - 1),
      cim::DateTime::interval(99'999'999 * kDay + kDay - 1),
      cim::DateTime::interval(100'000'000 * kDay),  // past the DMTF form's days
      cim::DateTime::timestamp(0),
      cim::DateTime::timestamp(-1),
      cim::DateTime::timestamp(1'700'000'000'123'456, 60),
      cim::DateTime::timestamp(1'700'000'000'000'000, -480),
      cim::DateTime::timestamp(1'700'000'000'000'010, 5),
      cim::DateTime::timestamp(1'700'000'000'000'000, 999),
      cim::DateTime::timestamp(1'700'000'000'000'000, -999),
      cim::DateTime::timestamp(253'402'300'799'999'999),  // 9999-12-31T23:59:59.999999Z
      cim::DateTime::timestamp(-62'135'596'800'000'000),  // 0001-01-01
      cim::DateTime::timestamp(-62'167'219'200'000'001),  // before year 0: odd digits
      cim::DateTime::timestamp(400'000'000'000'000'000),  // past year 9999
  };
  std::uint64_t g = 20261204;
  for (int i = 0; i < 4000; ++i) {
    const std::int64_t micros =
        in(g, 0, 3) == 0 ? in(g, 0, 1000) * 1'000'000 : in(g, 0, kDay * 4000);
    out.push_back(cim::DateTime::interval(micros));
    const auto offset = static_cast<std::int16_t>(in(g, 0, 2) == 0 ? 0 : in(g, -1000, 1000));
    out.push_back(
        cim::DateTime::timestamp(in(g, -70'000'000'000'000'000, 300'000'000'000'000'000), offset));
  }
  return out;
}

TEST(WsmanWriteDatetime, WritesTheTextToXsdMakes) {
  for (const cim::DateTime& d : datetimes()) {
    std::string out;
    write_property(out, "When", cim::Value::datetime(d));
    ASSERT_EQ(out, expected("When", d)) << d.to_string();
  }
}

TEST(WsmanWriteDatetime, WritesEachElementOfAnArrayTheSameWay) {
  const std::vector<cim::DateTime> all = datetimes();
  std::vector<cim::Scalar> items(all.begin(), all.begin() + 40);
  std::string out;
  write_property(out, "Times", cim::Value::array(cim::CimType::kDateTime, std::move(items)));
  std::string want;
  for (std::size_t i = 0; i < 40; ++i)
    want += expected("Times", all[i]);
  EXPECT_EQ(out, want);
}

}  // namespace
}  // namespace hvsnap::wsman
