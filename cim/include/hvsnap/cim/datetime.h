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

  friend bool operator==(const DateTime&, const DateTime&) = default;

 private:
  bool interval_ = true;
  std::int16_t offset_min_ = 0;
  std::int64_t micros_ = 0;
};

}  // namespace hvsnap::cim
