// Durations on the command line (--budget).
#include <fmt/format.h>

#include <cctype>

#include "hvsnap/tools/cli.h"

namespace hvsnap::tools {

cim::Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return cim::invalid_parameter(fmt::format(
        "cannot read the duration '{}': {} (write it like 90s, 10m, 1h30m or 2h)", text, why));
  };
  if (text.empty()) return bad("it is empty");
  std::int64_t total_ms = 0;
  std::size_t i = 0;
  bool any = false;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return bad("expected a number");
    std::int64_t n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      n = n * 10 + (text[i] - '0');
      if (n > 1'000'000'000) return bad("the number is too large");
      ++i;
    }
    std::size_t j = i;
    while (j < text.size() && std::isalpha(static_cast<unsigned char>(text[j])))
      ++j;
    const std::string_view unit = text.substr(i, j - i);
    std::int64_t scale = 0;
    if (unit.empty()) {
      if (any || j != text.size()) return bad("a number without a unit must stand alone");
      scale = 1000;
    } else if (unit == "ms") {
      scale = 1;
    } else if (unit == "s") {
      scale = 1000;
    } else if (unit == "m" || unit == "min") {
      scale = 60'000;
    } else if (unit == "h") {
      scale = 3'600'000;
    } else if (unit == "d") {
      scale = 86'400'000;
    } else {
      return bad(fmt::format("unknown unit '{}'", unit));
    }
    total_ms += n * scale;
    if (total_ms > 365LL * 86'400'000) return bad("longer than a year");
    any = true;
    i = j;
  }
  return std::chrono::milliseconds(total_ms);
}

std::string format_duration(std::chrono::milliseconds d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  for (auto [scale, unit] : {std::pair<std::int64_t, const char*>{86'400'000, "d"},
                             {3'600'000, "h"},
                             {60'000, "m"},
                             {1000, "s"},
                             {1, "ms"}}) {
    if (ms >= scale) {
      out += fmt::format("{}{}", ms / scale, unit);
      ms %= scale;
    }
  }
  return out;
}

}  // namespace hvsnap::tools
