// The rules of HTTP/1.1 (RFC 9110, RFC 9112) the server's connections apply that need no
// connection to apply them (server_session.cpp reads the bytes and answers): a request's
// framing and Host, its target, the request line Beast refuses, the Date of an answer.
#pragma once

#ifndef BOOST_BEAST_USE_STD_STRING_VIEW
#error "Beast's string_view is std::string_view in every TU of the server"
#endif

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace hvsnap::wsman {

namespace http = boost::beast::http;
using HttpRequest = http::request<http::string_body>;

// A request whose framing or Host this server must refuse (RFC 9112), with the status and the
// reason; nothing if it is fine. `chunked`: the parser reads its body chunked.
std::optional<std::pair<http::status, std::string>> framing_refusal(const HttpRequest& req,
                                                                    bool chunked);

// The request target in origin form (an absolute-form target without its scheme and authority).
std::string_view origin_form(std::string_view target);

// The Date field of an answer, an IMF-fixdate made once a second on each thread.
std::string_view http_date();

// What to do with a request line whose version Beast refuses (it parses 1.0 and 1.1 only), from
// the bytes held, which begin with it (RFC 9110, 2.5 and 15.6.6; RFC 9112, 3):
//  - kIncomplete: its CRLF has not come (Beast judges the version from its eight bytes);
//  - kReadAs11: `method SP target SP HTTP/1.d`, d 2 to 9: read as HTTP/1.1 once the byte at
//    `minor_at` is '1';
//  - kOtherMajor: the same with another major version (`version` names it): 505;
//  - kMalformed: anything else, a target with a space or a version with more after it
//    included (Beast calls those a bad version too): 400.
struct VersionVerdict {
  enum Kind { kIncomplete, kReadAs11, kOtherMajor, kMalformed } kind = kMalformed;
  std::size_t minor_at = 0;
  std::string_view version;
};
VersionVerdict read_as_http11(std::string_view held);

}  // namespace hvsnap::wsman
