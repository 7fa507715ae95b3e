// The server's writing of values (contract §8; decision 0124): its datetime writer and
// cim::DateTime::to_xsd (both DateTime::append_xsd, without fmt) write exactly the DSP0230 text
// of an independent fmt formulation — intervals and timestamps over their whole range, with
// every UTC offset form.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "../src/xml.h"
#include "hvsnap/cim/splitmix.h"
#include "hvsnap/cim/value.h"
#include "hvsnap/wsman/messages.h"

namespace hvsnap::wsman {
namespace {

// The DSP0230 forms written independently of cim (the formulation to_xsd had before decision
// 0124, by fmt): the writer and to_xsd, which now share DateTime::append_xsd, are both judged by
// it.
std::string reference_xsd(const cim::DateTime& d) {
  constexpr std::int64_t kSecond = 1'000'000;
  constexpr std::int64_t kDay = 86'400 * kSecond;
  if (d.is_interval()) {
    const std::int64_t us = d.micros() % kSecond;
    std::string out = fmt::format(
        "P{}DT{}H{}M{}", d.micros() / kDay, d.micros() % kDay / (3600 * kSecond),
        d.micros() % (3600 * kSecond) / (60 * kSecond), d.micros() % (60 * kSecond) / kSecond);
    if (us != 0) {
      out += fmt::format(".{:06}", us);
      while (out.back() == '0')
        out.pop_back();
    }
    return out + "S";
  }
  const std::string dmtf = d.to_string();  // yyyymmddHHMMSS.mmmmmm+UUU in local time
  std::string out =
      fmt::format("{}-{}-{}T{}:{}:{}.{}", dmtf.substr(0, 4), dmtf.substr(4, 2), dmtf.substr(6, 2),
                  dmtf.substr(8, 2), dmtf.substr(10, 2), dmtf.substr(12, 2), dmtf.substr(15, 6));
  const int off = d.utc_offset_minutes();
  if (off == 0) return out + "Z";
  return out +
         fmt::format("{}{:02}:{:02}", off < 0 ? '-' : '+', std::abs(off) / 60, std::abs(off) % 60);
}

// The element the writer writes: the reference text, escaped, in its element; to_xsd agrees.
std::string expected(std::string_view name, const cim::DateTime& d) {
  const char* qname = d.is_interval() ? "cim:Interval" : "cim:Datetime";
  EXPECT_EQ(d.to_xsd(), reference_xsd(d)) << d.to_string();
  return fmt::format("<p:{0}><{1}>{2}</{1}></p:{0}>", name, qname, xml::escaped(reference_xsd(d)));
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
