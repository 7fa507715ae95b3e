// The client's HTTP exchange behind one seam (decision 0101): libcurl (client_curl.cpp) for
// HTTPS, authentication and proxies; a Boost.Beast transport of our own (client_plain.cpp) for
// plain http:// with neither. Both answer in libcurl's terms (a CURLcode), so that
// Client::post maps every outcome to the same Status and text whichever carried the request.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

#include "hvsnap/wsman/client.h"

namespace hvsnap::wsman::detail {

struct Exchange {
  // CURLE_OK, or what went wrong as libcurl names it. CURLE_FILESIZE_EXCEEDED: the response
  // was larger than max_response_bytes (declared or sent) and was not read further.
  CURLcode rc = CURLE_OK;
  int http_status = 0;  // the final response's status (meaningful with CURLE_OK)
  // No byte of the request left this client: the connection it was to go on could not be made
  // (refused, unreachable, a name not resolved, a TLS handshake that failed) and no earlier
  // attempt of the same post went out on another. Such a request was not made, whatever it
  // was: a method call may be sent again (decision 0166).
  bool sent_nothing = false;
  // A request that is not `repeatable` went out on a kept connection that died under it, and
  // was not sent again on a fresh one (libcurl would have: decision 0166). No answer came.
  bool not_sent_again = false;
};

class HttpTransport {
 public:
  HttpTransport() = default;
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;
  virtual ~HttpTransport() = default;
  // One POST of `body` (Content-Type application/soap+xml;charset=UTF-8, no Expect), the whole
  // of it — connection, request, response — within `timeout_ms`; the response's body in
  // `response` whatever its status. Thread-safe: concurrent calls use separate connections,
  // kept alive between calls. `repeatable`: the request may reach the host twice with no harm
  // (a Get, an Enumerate, an Identify that carries no clock advance). A kept connection that
  // dies under a request that is not (an Invoke, a Pull, a Release, anything carrying
  // h:AdvanceFirst) is not sent again on a fresh one: the host may have read it (decision 0166).
  virtual Exchange post(const std::string& body, long timeout_ms, std::string& response,
                        bool repeatable) = 0;
};

std::unique_ptr<HttpTransport> make_curl_transport(const ClientOptions& options);

// The plain-HTTP transport, or nullptr when libcurl must carry the requests: an https://
// endpoint, credentials, a proxy variable in the environment (http_proxy, HTTP_PROXY,
// all_proxy, ALL_PROXY), or a URL beyond http://host[:port][/path] (user info, a fragment, an
// IPv6 zone, characters to escape).
std::unique_ptr<HttpTransport> make_plain_transport(const ClientOptions& options);

}  // namespace hvsnap::wsman::detail
