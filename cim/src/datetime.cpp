// CIM datetime parsing and formatting (DSP0004 §5.2.4), both timestamp and interval forms.
#include "hvsnap/cim/datetime.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>

namespace hvsnap::cim {
namespace {

constexpr std::int64_t kMicrosPerSecond = 1'000'000;
constexpr std::int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;
constexpr std::int64_t kMaxIntervalDays = 99'999'999;

// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

// Appends `v` as exactly `width` decimal digits (v >= 0, fits): no fmt on this hot path.
void put(std::string& out, std::int64_t v, int width) {
  char buf[20];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out.append(buf, static_cast<std::size_t>(width));
}

// Appends `v` (>= 0) in as many decimal digits as it needs.
void put_at_least(std::string& out, std::int64_t v) {
  char buf[20];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

bool is_leap(std::int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Reads `n` decimal digits at `pos`; false (with a message) when one is not a digit.
bool digits(std::string_view text, std::size_t pos, std::size_t n, std::int64_t& out,
            std::string& error) {
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      error = fmt::format("datetime \"{}\": expected a digit at offset {}", text, i);
      return false;
    }
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

DateTime DateTime::interval(std::int64_t micros) {
  DateTime d;
  d.interval_ = true;
  d.micros_ = micros < 0 ? 0 : micros;
  return d;
}

DateTime DateTime::timestamp(std::int64_t utc_micros, std::int16_t utc_offset_minutes) {
  DateTime d;
  d.interval_ = false;
  d.micros_ = utc_micros;
  d.offset_min_ = utc_offset_minutes;
  return d;
}

Result<DateTime> DateTime::parse(std::string_view text) {
  if (text.size() != 25) {
    return invalid_parameter(
        fmt::format("datetime \"{}\": expected 25 characters, got {}", text, text.size()));
  }
  if (text[14] != '.') {
    return invalid_parameter(fmt::format("datetime \"{}\": expected '.' at offset 14", text));
  }
  std::string error;
  std::int64_t f1 = 0, f2 = 0, f3 = 0, hh = 0, mm = 0, ss = 0, us = 0, tail = 0;
  const char sign = text[21];
  const bool interval = sign == ':';
  if (!interval && sign != '+' && sign != '-') {
    return invalid_parameter(
        fmt::format("datetime \"{}\": expected '+', '-' or ':' at offset 21", text));
  }
  if (interval) {
    if (!digits(text, 0, 8, f1, error)) return invalid_parameter(error);
  } else if (!digits(text, 0, 4, f1, error) || !digits(text, 4, 2, f2, error) ||
             !digits(text, 6, 2, f3, error)) {
    return invalid_parameter(error);
  }
  if (!digits(text, 8, 2, hh, error) || !digits(text, 10, 2, mm, error) ||
      !digits(text, 12, 2, ss, error) || !digits(text, 15, 6, us, error) ||
      !digits(text, 22, 3, tail, error)) {
    return invalid_parameter(error);
  }
  if (hh > 23 || mm > 59 || ss > 59) {
    return invalid_parameter(fmt::format("datetime \"{}\": time of day out of range", text));
  }
  const std::int64_t day_micros = ((hh * 60 + mm) * 60 + ss) * kMicrosPerSecond + us;
  if (interval) {
    if (tail != 0) {
      return invalid_parameter(fmt::format("datetime \"{}\": an interval ends in \":000\"", text));
    }
    return DateTime::interval(f1 * kMicrosPerDay + day_micros);
  }
  if (f2 < 1 || f2 > 12 || f3 < 1 ||
      f3 > static_cast<std::int64_t>(days_in_month(f1, static_cast<unsigned>(f2)))) {
    return invalid_parameter(fmt::format("datetime \"{}\": no such calendar date", text));
  }
  const auto offset = static_cast<std::int16_t>(sign == '-' ? -tail : tail);
  const std::int64_t local =
      days_from_civil(f1, static_cast<unsigned>(f2), static_cast<unsigned>(f3)) * kMicrosPerDay +
      day_micros;
  return DateTime::timestamp(local - std::int64_t{offset} * 60 * kMicrosPerSecond, offset);
}

std::string DateTime::to_string() const {
  if (interval_) {
    const std::int64_t days = std::min(micros_ / kMicrosPerDay, kMaxIntervalDays);
    std::int64_t rest = micros_ - days * kMicrosPerDay;
    const std::int64_t h = rest / (3600 * kMicrosPerSecond);
    rest -= h * 3600 * kMicrosPerSecond;
    const std::int64_t m = rest / (60 * kMicrosPerSecond);
    rest -= m * 60 * kMicrosPerSecond;
    const std::int64_t s = rest / kMicrosPerSecond;
    const std::int64_t us = rest - s * kMicrosPerSecond;
    std::string out;
    out.reserve(25);
    put(out, days, 8);
    put(out, h, 2);
    put(out, m, 2);
    put(out, s, 2);
    out += '.';
    put(out, us, 6);
    out += ":000";
    return out;
  }
  const std::int64_t local = micros_ + std::int64_t{offset_min_} * 60 * kMicrosPerSecond;
  std::int64_t days = local / kMicrosPerDay;
  std::int64_t rest = local % kMicrosPerDay;
  if (rest < 0) {
    rest += kMicrosPerDay;
    --days;
  }
  std::int64_t y = 0;
  unsigned mo = 0, d = 0;
  civil_from_days(days, y, mo, d);
  const std::int64_t h = rest / (3600 * kMicrosPerSecond);
  rest -= h * 3600 * kMicrosPerSecond;
  const std::int64_t mi = rest / (60 * kMicrosPerSecond);
  rest -= mi * 60 * kMicrosPerSecond;
  const std::int64_t s = rest / kMicrosPerSecond;
  const std::int64_t us = rest - s * kMicrosPerSecond;
  std::string out;
  out.reserve(25);
  put(out, y, 4);
  put(out, mo, 2);
  put(out, d, 2);
  put(out, h, 2);
  put(out, mi, 2);
  put(out, s, 2);
  out += '.';
  put(out, us, 6);
  out += offset_min_ < 0 ? '-' : '+';
  put(out, std::abs(offset_min_), 3);
  return out;
}

std::string DateTime::to_xsd() const {
  std::string out;
  append_xsd(out);
  return out;
}

void DateTime::append_xsd(std::string& out) const {
  if (interval_) {
    std::int64_t rest = micros_;  // never negative (DateTime::interval)
    out += 'P';
    put_at_least(out, rest / kMicrosPerDay);
    rest %= kMicrosPerDay;
    out += "DT";
    put_at_least(out, rest / (3600 * kMicrosPerSecond));
    rest %= 3600 * kMicrosPerSecond;
    out += 'H';
    put_at_least(out, rest / (60 * kMicrosPerSecond));
    rest %= 60 * kMicrosPerSecond;
    out += 'M';
    put_at_least(out, rest / kMicrosPerSecond);
    if (const std::int64_t us = rest % kMicrosPerSecond; us != 0) {
      out += '.';
      put(out, us, 6);
      while (out.back() == '0')
        out.pop_back();
    }
    out += 'S';
    return;
  }
  // yyyymmddHHMMSS.mmmmmm+UUU in local time, rearranged.
  const std::string dmtf = to_string();
  const std::string_view v = dmtf;
  out += v.substr(0, 4);
  out += '-';
  out += v.substr(4, 2);
  out += '-';
  out += v.substr(6, 2);
  out += 'T';
  out += v.substr(8, 2);
  out += ':';
  out += v.substr(10, 2);
  out += ':';
  out += v.substr(12, 2);
  out += '.';
  out += v.substr(15, 6);
  if (offset_min_ == 0) {
    out += 'Z';
    return;
  }
  const int off = std::abs(offset_min_);
  out += offset_min_ < 0 ? '-' : '+';
  put(out, off / 60, 2);
  out += ':';
  put(out, off % 60, 2);
}

Result<DateTime> DateTime::parse_xsd_datetime(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return invalid_parameter(fmt::format("xsd:dateTime \"{}\": {}", text, why));
  };
  // XML Schema 1.0 part 2, 3.2.7: 'T' and 'Z' are upper case; 24:00:00 is the end of a day
  // (the next day's 00:00:00); a zone offset is at most 14:00 either way.
  if (text.size() < 19 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':') {
    return bad("expected YYYY-MM-DDTHH:MM:SS");
  }
  std::string error;
  std::int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!digits(text, 0, 4, y, error) || !digits(text, 5, 2, mo, error) ||
      !digits(text, 8, 2, d, error) || !digits(text, 11, 2, h, error) ||
      !digits(text, 14, 2, mi, error) || !digits(text, 17, 2, s, error)) {
    return bad("expected digits");
  }
  if (mo < 1 || mo > 12 || d < 1 ||
      d > static_cast<std::int64_t>(days_in_month(y, static_cast<unsigned>(mo))) || h > 24 ||
      mi > 59 || s > 59 || (h == 24 && (mi != 0 || s != 0))) {
    return bad("no such date or time");
  }
  std::size_t i = 19;
  std::int64_t us = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    int n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (n < 6) us = us * 10 + (text[i] - '0');
      ++n;
      ++i;
    }
    if (n == 0) return bad("expected digits after '.'");
    for (int k = n; k < 6; ++k)
      us *= 10;
    if (h == 24 && text.find_first_not_of('0', 20) < i) return bad("no such date or time");
  }
  // The end of 9999-12-31 is the year 10000's first instant, which a CIM datetime cannot write.
  if (h == 24 && y == 9999 && mo == 12 && d == 31) return bad("past the year 9999");
  std::int64_t offset = 0;
  if (i < text.size()) {
    if (text[i] == 'Z' && i + 1 == text.size()) {
      offset = 0;
    } else if ((text[i] == '+' || text[i] == '-') && i + 6 == text.size() && text[i + 3] == ':') {
      std::int64_t oh = 0, om = 0;
      if (!digits(text, i + 1, 2, oh, error) || !digits(text, i + 4, 2, om, error) || oh > 14 ||
          om > 59 || (oh == 14 && om != 0)) {
        return bad("bad zone offset");
      }
      offset = (oh * 60 + om) * (text[i] == '-' ? -1 : 1);
    } else {
      return bad("unexpected text after the time");
    }
  }
  const std::int64_t local =
      days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * kMicrosPerDay +
      ((h * 60 + mi) * 60 + s) * kMicrosPerSecond + us;
  return DateTime::timestamp(local - offset * 60 * kMicrosPerSecond,
                             static_cast<std::int16_t>(offset));
}

Result<DateTime> DateTime::parse_xsd_duration(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return invalid_parameter(fmt::format("xsd:duration \"{}\": {}", text, why));
  };
  // XML Schema 1.0 part 2, 3.2.6.1: PnYnMnDTnHnMnS, each item at most once and in that order,
  // and a 'T' only before at least one of H, M and S. A CIM interval is at most 99,999,999
  // days (DSP0004): each item is checked against the room left before it is added, so no
  // length overflows on the way.
  constexpr std::int64_t kLongest = (kMaxIntervalDays + 1) * kMicrosPerDay;  // excluded
  std::size_t i = 0;
  if (i < text.size() && text[i] == '-') return bad("a negative interval has no CIM form");
  if (i >= text.size() || text[i] != 'P') return bad("expected it to start with 'P'");
  ++i;
  bool in_time = false, any = false;
  int last = -1;       // the order of the last item read: Y M D H M S = 0..5
  int time_items = 0;  // items after the 'T'
  std::int64_t micros = 0;
  while (i < text.size()) {
    if (text[i] == 'T') {
      if (in_time) return bad("'T' twice");
      in_time = true;
      ++i;
      continue;
    }
    std::int64_t n = 0, frac = 0;
    int nd = 0, nf = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      // No item of fixed length passes the longest interval in its smallest unit, a second;
      // stopping there keeps the number's digits from overflowing.
      if (n > kLongest / kMicrosPerSecond) return bad("longer than a CIM interval can be");
      n = n * 10 + (text[i] - '0');
      ++nd;
      ++i;
    }
    const bool point = i < text.size() && text[i] == '.';
    if (point) {
      ++i;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        if (nf < 6) frac = frac * 10 + (text[i] - '0');
        ++nf;
        ++i;
      }
      for (int k = std::min(nf, 6); k < 6; ++k)
        frac *= 10;
    }
    if (nd == 0 || i >= text.size()) return bad("expected a number and a unit");
    const char unit = text[i++];
    if (point && !(in_time && unit == 'S')) return bad("only seconds may have a fraction");
    int order = -1;
    std::int64_t unit_micros = 0;  // 0: no fixed length (years, months)
    if (!in_time && unit == 'Y') {
      order = 0;
    } else if (!in_time && unit == 'M') {
      order = 1;
    } else if (!in_time && unit == 'D') {
      order = 2;
      unit_micros = kMicrosPerDay;
    } else if (in_time && unit == 'H') {
      order = 3;
      unit_micros = 3600 * kMicrosPerSecond;
    } else if (in_time && unit == 'M') {
      order = 4;
      unit_micros = 60 * kMicrosPerSecond;
    } else if (in_time && unit == 'S') {
      order = 5;
      unit_micros = kMicrosPerSecond;
    } else {
      return bad(fmt::format("unexpected '{}'", unit));
    }
    if (order <= last) return bad(fmt::format("'{}' out of order or twice", unit));
    last = order;
    any = true;
    if (in_time) ++time_items;
    if (unit_micros == 0) {
      if (n != 0) return bad("years and months have no fixed length");
      continue;
    }
    if (n > (kLongest - micros) / unit_micros) return bad("longer than a CIM interval can be");
    micros += n * unit_micros + frac;
    if (micros >= kLongest) return bad("longer than a CIM interval can be");
  }
  if (!any) return bad("no fields");
  if (in_time && time_items == 0) return bad("'T' with no hours, minutes or seconds after it");
  return DateTime::interval(micros);
}

}  // namespace hvsnap::cim
