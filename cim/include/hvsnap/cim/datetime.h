// CIM datetime (DSP0004 §5.2.4) in both forms: timestamps "yyyymmddHHMMSS.mmmmmmsUUU" and
// intervals "ddddddddHHMMSS.mmmmmm:000" (e.g. Msvm_ConcreteJob.TimeBeforeRemoval).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hvsnap/cim/result.h"

namespace hvsnap::cim {

class DateTime {
 public:
  DateTime() = default;  // the zero interval

  // An interval of `micros` microseconds (>= 0, < 10^8 days).
  static DateTime interval(std::int64_t micros);
  // A point in time: microseconds since 1970-01-01T00:00:00Z, shown with a UTC offset.
  static DateTime timestamp(std::int64_t utc_micros, std::int16_t utc_offset_minutes = 0);
  // Parses either form; errors name the offending character position.
  static Result<DateTime> parse(std::string_view text);

  bool is_interval() const { return interval_; }
  // Interval length, or UTC microseconds since the Unix epoch for a timestamp.
  std::int64_t micros() const { return micros_; }
  std::int16_t utc_offset_minutes() const { return offset_min_; }
  std::string to_string() const;

  // The XML Schema forms WS-Management carries (DSP0230 cim:Datetime / cim:Interval):
  // "2026-01-01T10:00:00.250000Z" / "+01:00" and "P1DT2H3M4.5S".
  std::string to_xsd() const;
  // The same text appended to `out`, without a temporary of its own (the wire's writer, which
  // writes the datetimes of every job it is polled for: decision 0124).
  void append_xsd(std::string& out) const;
  // xsd:dateTime; no zone means UTC; fractions beyond microseconds are truncated.
  static Result<DateTime> parse_xsd_datetime(std::string_view text);
  // xsd:duration with days, hours, minutes and seconds (years and months have no fixed
  // length and are refused unless zero).
  static Result<DateTime> parse_xsd_duration(std::string_view text);

  friend bool operator==(const DateTime&, const DateTime&) = default;

 private:
  bool interval_ = true;
  std::int16_t offset_min_ = 0;
  std::int64_t micros_ = 0;
};

}  // namespace hvsnap::cim
