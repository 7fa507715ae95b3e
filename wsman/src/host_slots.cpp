// The paths of a served fake's host slots (decision 0122): /wsman is slot 0, what every client
// sees; /wsman/hvsnap-host/K is slot K, the hosts `hvsnap serve --hosts N` adds so that a
// certification can run cases on several hosts at once.
#include <fmt/format.h>

#include <charconv>

#include "hvsnap/wsman/server.h"

namespace hvsnap::wsman {

std::optional<std::size_t> host_slot_of(std::string_view path, std::size_t slots) {
  if (path == "/wsman" || path == "/wsman/") return 0;
  if (path.substr(0, kHostSlotPath.size()) != kHostSlotPath) return std::nullopt;
  const std::string_view digits = path.substr(kHostSlotPath.size());
  // Decimal digits only, no sign, no leading zero, no trailing text: one name per slot.
  if (digits.empty() || digits.size() > 5 || digits.front() == '0' ||
      digits.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  std::size_t k = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), k);
  if (k > slots) return std::nullopt;
  return k;
}

std::string host_slot_not_found(std::size_t slots) {
  if (slots == 0) return "not found: WS-Management is at /wsman\n";
  if (slots == 1) {
    return fmt::format(
        "not found: WS-Management is at /wsman, and this served fake's other host at {}1\n",
        kHostSlotPath);
  }
  return fmt::format(
      "not found: WS-Management is at /wsman, and this served fake's other hosts at {}1 to "
      "{}{}\n",
      kHostSlotPath, kHostSlotPath, slots);
}

}  // namespace hvsnap::wsman
