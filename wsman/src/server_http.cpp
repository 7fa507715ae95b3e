// The HTTP/1.1 rules of server_http.h.
// Beast's string_view is std::string_view here, as in server.cpp (one definition for all TUs).
#define BOOST_BEAST_USE_STD_STRING_VIEW 1
#include "server_http.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>

#include "hvsnap/cim/text.h"

namespace hvsnap::wsman {

// A request whose framing or Host this server must refuse (RFC 9112), with the status and the
// reason; nothing if it is fine. Each is answered and the connection closed, since what follows
// on it cannot be framed safely.
//  - Transfer-Encoding (6.1, 6.3): chunked, once and last, is the one coding this server
//    decodes. Another coding last leaves the body unframed: Beast would read none, and the body
//    would be taken for the next request (a request smuggled past the headers' checks). An
//    HTTP/1.0 message with Transfer-Encoding is faulty framing whatever else it says.
//  - Host (3.2): an HTTP/1.1 request names it exactly once; no request names it twice.
std::optional<std::pair<http::status, std::string>> framing_refusal(const HttpRequest& req,
                                                                    bool chunked) {
  if (req.count(http::field::transfer_encoding) > 0) {
    if (req.version() < 11) {
      return std::pair{http::status::bad_request,
                       std::string("an HTTP/1.0 request cannot use Transfer-Encoding\n")};
    }
    std::size_t chunks = 0;
    bool other = false;
    const auto [first, last] = req.equal_range(http::field::transfer_encoding);
    for (auto f = first; f != last; ++f) {
      std::string_view list = f->value();
      while (!list.empty()) {
        const std::size_t comma = list.find(',');
        std::string_view coding = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        const std::size_t semicolon = coding.find(';');
        const bool parameters = semicolon != std::string_view::npos;
        coding = cim::trim_blanks(coding.substr(0, semicolon));
        if (coding.empty()) continue;
        if (cim::iequals(coding, "chunked")) {
          // chunked defines no parameters; one given is an error (RFC 9112, 7).
          chunks += parameters ? 2 : 1;
        } else {
          other = true;
        }
      }
    }
    if (!chunked || chunks != 1) {
      return std::pair{
          http::status::bad_request,
          std::string("Transfer-Encoding must end in chunked, applied once, without parameters\n")};
    }
    if (other) {
      return std::pair{http::status::not_implemented,
                       std::string("this server decodes no transfer coding but chunked\n")};
    }
  }
  const std::size_t hosts = req.count(http::field::host);
  if (hosts > 1 || (hosts == 0 && req.version() >= 11)) {
    return std::pair{http::status::bad_request,
                     std::string("a request names its Host exactly once (HTTP/1.1)\n")};
  }
  return std::nullopt;
}

// The request target in origin form: an absolute-form target (RFC 9112, 3.2.2), which a server
// must accept, without its scheme and authority.
std::string_view origin_form(std::string_view target) {
  if (target.empty() || target.front() == '/') return target;
  const std::size_t scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos) return target;
  const std::string_view scheme = target.substr(0, scheme_end);
  if (!cim::iequals(scheme, "http") && !cim::iequals(scheme, "https")) return target;
  const std::string_view rest = target.substr(scheme_end + 3);
  const std::size_t path = rest.find_first_of("/?");
  if (path == std::string_view::npos) return "/";
  return rest[path] == '/' ? rest.substr(path) : target.substr(0, 0);
}

// The Date field of an answer (RFC 9110, 6.6.1: an origin server with a clock sends it), as an
// IMF-fixdate in English whatever the locale; made once a second on each thread.
std::string_view http_date() {
  static constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed",
                                                    "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  thread_local std::time_t made = -1;
  thread_local std::string text;
  const std::time_t now = std::time(nullptr);
  if (now != made) {
    std::tm t{};
    gmtime_r(&now, &t);
    text =
        fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", kDays.at(t.tm_wday % 7), t.tm_mday,
                    kMonths.at(t.tm_mon % 12), t.tm_year + 1900, t.tm_hour, t.tm_min, t.tm_sec);
    made = now;
  }
  return text;
}

VersionVerdict read_as_http11(std::string_view held) {
  const std::size_t eol = held.find("\r\n");
  if (eol == std::string_view::npos) return {VersionVerdict::kIncomplete};
  const std::string_view line = held.substr(0, eol);
  constexpr std::string_view kHttp = " HTTP/";
  const auto digit = [&](std::size_t from_end) {
    return std::isdigit(static_cast<unsigned char>(line[line.size() - from_end])) != 0;
  };
  if (line.size() < 12 || std::count(line.begin(), line.end(), ' ') != 2 ||
      line.substr(line.size() - 9, kHttp.size()) != kHttp || line[line.size() - 2] != '.' ||
      !digit(3) || !digit(1) || (line[line.size() - 3] == '1' && line.back() < '2')) {
    return {VersionVerdict::kMalformed};
  }
  if (line[line.size() - 3] != '1')
    return {VersionVerdict::kOtherMajor, 0, line.substr(line.size() - 8)};
  return {VersionVerdict::kReadAs11, line.size() - 1, line.substr(line.size() - 8)};
}

}  // namespace hvsnap::wsman
