// The client's plain-HTTP transport (decision 0101): an http:// endpoint without credentials
// or a proxy goes over a socket of its own, its answers read by Boost.Beast's response parser,
// for a sixteenth of the instructions libcurl spent on a request. It behaves as the
// libcurl transport does, outcome for outcome (transport_test.cpp holds both to it): the same
// request bytes; connections kept alive in a pool, each checked before reuse and dropped after
// 118 s idle (libcurl's CURLOPT_MAXAGE_CONN); connect_timeout_ms for the connection and the
// request's timeout for all of it; the response limit on the declared and the received length;
// 1xx answers skipped; one retry on a fresh connection when a reused one dies before any byte
// of the answer (libcurl's "Connection died, retrying a fresh connect") for a request that may
// reach the host twice, none for any other (libcurl's is refused too: decision 0166); failures
// named by the CURLcode libcurl gives for them, so that Client::post words them the same.
// Beast's string_view is std::string_view here, as in server.cpp (one definition for all TUs).
#define BOOST_BEAST_USE_STD_STRING_VIEW 1
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "client_transport.h"

namespace hvsnap::wsman::detail {

namespace {

namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto kMaxIdle = std::chrono::seconds(118);        // libcurl's CURLOPT_MAXAGE_CONN default
constexpr std::uint32_t kMaxHeaderBytes = 100 * 1024;       // libcurl's CURL_MAX_HTTP_HEADER
constexpr std::size_t kReadBytes = std::size_t{64} * 1024;  // at most per recv
constexpr long kDefaultConnectMs = 300'000;                 // libcurl's, for connect_timeout_ms 0

// Where the requests go, taken apart from the endpoint once.
struct Target {
  std::string host;  // as resolved (no brackets)
  std::string port;
  std::string head;  // the request line and headers, up to the length: "... Content-Length: "
};

bool proxy_in_environment() {
  // libcurl reads http_proxy (not HTTP_PROXY) and all_proxy/ALL_PROXY for http://, minus the
  // hosts in no_proxy; any of them set, it carries the requests and applies them itself.
  for (const char* name : {"http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"}) {
    const char* v = std::getenv(name);
    if (v != nullptr && *v != '\0') return true;
  }
  return false;
}

bool url_char(char ch) {
  if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) return true;
  return std::string_view("-._~:/?[]!$&'()*+,;=%").find(ch) != std::string_view::npos;
}

// http://host[:port][/path][?query] with nothing libcurl would rewrite (user info, a
// fragment, dot segments, characters to escape, an IPv6 zone): std::nullopt for the rest.
std::optional<Target> parse_target(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  url.remove_prefix(kScheme.size());
  for (char ch : url)
    if (!url_char(ch)) return std::nullopt;
  const std::size_t slash = url.find_first_of("/?");
  const std::string_view authority = url.substr(0, slash);
  std::string path(slash == std::string_view::npos ? "" : url.substr(slash));
  if (path.empty() || path.front() == '?') path.insert(0, "/");
  const std::string_view just_path = std::string_view(path).substr(0, path.find('?'));
  if (just_path.find("/./") != std::string_view::npos ||
      just_path.find("/../") != std::string_view::npos || just_path.ends_with("/.") ||
      just_path.ends_with("/.."))
    return std::nullopt;
  if (authority.find('%') != std::string_view::npos) return std::nullopt;
  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  const bool bracketed = !authority.empty() && authority.front() == '[';
  if (bracketed) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return std::nullopt;
    has_port = !after.empty();
    if (has_port) port = after.substr(1);
    if (host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos)
      return std::nullopt;
  } else if (const std::size_t colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    has_port = true;
  }
  if (host.empty() || (!bracketed && host.find_first_of("[]:") != std::string_view::npos))
    return std::nullopt;
  int number = 80;
  if (has_port) {
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() ||
        port.front() == '0' || number < 1 || number > 65535)
      return std::nullopt;
  }
  Target t;
  t.host = std::string(host);
  t.port = std::to_string(number);
  // As libcurl writes it: the port only when it is not the scheme's.
  std::string host_field = bracketed ? "[" + t.host + "]" : t.host;
  if (number != 80) host_field += ":" + t.port;
  t.head = "POST " + path + " HTTP/1.1\r\nHost: " + std::string(host_field) +
           "\r\nAccept: */*\r\nContent-Type: application/soap+xml;charset=UTF-8\r\n"
           "Content-Length: ";
  return t;
}

// One connection: its socket and what was read from it but not yet parsed.
struct Conn {
  int fd = -1;
  Clock::time_point idle_since;
  boost::beast::flat_buffer in;
  std::string head;  // the request head, rebuilt in place for each request
  Conn() = default;
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  ~Conn() {
    if (fd >= 0) ::close(fd);
  }
};

// Waits for `events` on `fd` until `until`: true when they (or an error) came, false when the
// time is up.
bool wait_for(int fd, short events, Clock::time_point until) {
  while (true) {
    int ms = -1;
    if (until != Clock::time_point::max()) {
      const auto left = until - Clock::now();
      if (left <= Clock::duration::zero()) return false;
      const auto left_ms = std::chrono::ceil<milliseconds>(left).count();
      ms = static_cast<int>(std::min<long long>(left_ms, INT_MAX));
    }
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, ms);
    if (n > 0) return true;  // an error or a hang-up is reported by the call that follows
    if (n < 0 && errno != EINTR) return true;
  }
}

// A kept connection the peer has not closed (nor written to unasked): the check libcurl makes
// before it reuses one.
bool still_open(int fd) {
  char byte = 0;
  const ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

// A Beast body that appends what comes to a string: string_body resizes the string first,
// zero-filling each part before it copies it in (a tenth of the transport's instructions).
struct AppendBody {
  using value_type = std::string;
  class reader {  // NOLINT(readability-identifier-naming): Beast's Body concept names it
   public:
    template <bool kIsRequest, class Fields>
    reader(http::header<kIsRequest, Fields>& /*head*/, value_type& body) : body_(body) {}
    void init(const boost::optional<std::uint64_t>& length, boost::system::error_code& ec) {
      // A declared length is within body_limit (checked first): room for all of it at once.
      if (length) body_.reserve(static_cast<std::size_t>(*length));
      ec = {};
    }
    template <class Buffers>
    std::size_t put(const Buffers& buffers, boost::system::error_code& ec) {
      std::size_t n = 0;
      for (auto it = boost::asio::buffer_sequence_begin(buffers);
           it != boost::asio::buffer_sequence_end(buffers); ++it) {
        const boost::asio::const_buffer b = *it;
        body_.append(static_cast<const char*>(b.data()), b.size());
        n += b.size();
      }
      ec = {};
      return n;
    }
    static void finish(boost::system::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

using Parser = http::response_parser<AppendBody>;

bool starts_http(const boost::beast::flat_buffer& in) {
  const std::string_view got(static_cast<const char*>(in.data().data()),
                             std::min<std::size_t>(in.size(), 5));
  return std::string_view("HTTP/").starts_with(got);
}

// What libcurl answers for what the parser found wrong with a response.
CURLcode parse_failure(const boost::system::error_code& ec, bool http_prefix) {
  if (ec == http::error::body_limit) return CURLE_FILESIZE_EXCEEDED;
  if (ec == http::error::bad_chunk || ec == http::error::bad_chunk_extension)
    return CURLE_RECV_ERROR;
  if (ec == http::error::header_limit) return CURLE_OUT_OF_MEMORY;
  // No status line libcurl can read: it takes the answer for HTTP/0.9, which it refuses.
  if (!http_prefix || ec == http::error::bad_version || ec == http::error::bad_status ||
      ec == http::error::bad_reason)
    return CURLE_UNSUPPORTED_PROTOCOL;
  return CURLE_WEIRD_SERVER_REPLY;
}

class PlainTransport final : public HttpTransport {
 public:
  PlainTransport(Target target, const ClientOptions& o)
      : target_(std::move(target)),
        connect_ms_(o.connect_timeout_ms > 0 ? o.connect_timeout_ms : kDefaultConnectMs),
        max_bytes_(o.max_response_bytes) {}

  Exchange post(const std::string& body, long timeout_ms, std::string& response,
                bool repeatable) override {
    // libcurl: a timeout of 0 is none.
    const Clock::time_point deadline =
        timeout_ms > 0 ? Clock::now() + milliseconds(timeout_ms) : Clock::time_point::max();
    std::unique_ptr<Conn> c = take_idle();
    bool reused = c != nullptr;
    const bool reused_once = reused;
    while (true) {
      if (!c) {
        c = std::make_unique<Conn>();
        const CURLcode rc = connect(*c, deadline);
        // After a kept connection died under the request, it may have reached the host.
        if (rc != CURLE_OK) return {rc, 0, !reused_once};
      }
      const Round r = exchange(*c, body, deadline, response);
      if (r.unanswered && reused && repeatable) {
        // A kept connection the host closed as the request went out: once more on a fresh
        // one, as libcurl does, when the request may reach the host twice.
        c.reset();
        reused = false;
        response.clear();
        continue;
      }
      if (r.rc == CURLE_OK && r.keep_alive) give_back(std::move(c));
      // One that may not reach the host twice is lost instead (decision 0166).
      return {r.rc, r.http_status, false, r.unanswered && reused && !repeatable};
    }
  }

 private:
  struct Round {
    CURLcode rc = CURLE_OK;
    int http_status = 0;
    bool keep_alive = false;
    bool unanswered = false;  // the connection died before a byte of the answer came
  };

  std::unique_ptr<Conn> take_idle() {
    while (true) {
      std::unique_ptr<Conn> c;
      {
        std::lock_guard lock(mu_);
        if (idle_.empty()) return nullptr;
        c = std::move(idle_.back());
        idle_.pop_back();
      }
      if (Clock::now() - c->idle_since < kMaxIdle && still_open(c->fd)) return c;
    }
  }

  void give_back(std::unique_ptr<Conn> c) {
    c->idle_since = Clock::now();
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(c));
  }

  // Each address the host name resolves to in turn, until one accepts.
  CURLcode connect(Conn& c, Clock::time_point deadline) const {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (::getaddrinfo(target_.host.c_str(), target_.port.c_str(), &hints, &found) != 0 ||
        found == nullptr)
      return CURLE_COULDNT_RESOLVE_HOST;
    const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owned(found, &::freeaddrinfo);
    const Clock::time_point until = std::min(deadline, Clock::now() + milliseconds(connect_ms_));
    for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
      if (c.fd >= 0) ::close(c.fd);
      c.fd = ::socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (c.fd < 0) continue;
      // As libcurl sets them: no Nagle delay; TCP keep-alive probes after 60 s idle, every 60 s.
      const int on = 1;
      const int keep_s = 60;
      ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
      ::setsockopt(c.fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
      ::setsockopt(c.fd, IPPROTO_TCP, TCP_KEEPIDLE, &keep_s, sizeof keep_s);
      ::setsockopt(c.fd, IPPROTO_TCP, TCP_KEEPINTVL, &keep_s, sizeof keep_s);
      if (::connect(c.fd, a->ai_addr, a->ai_addrlen) == 0) return CURLE_OK;
      if (errno != EINPROGRESS) continue;
      if (!wait_for(c.fd, POLLOUT, until)) return CURLE_OPERATION_TIMEDOUT;
      int err = 0;
      socklen_t len = sizeof err;
      if (::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) return CURLE_OK;
    }
    return CURLE_COULDNT_CONNECT;
  }

  static CURLcode send_all(Conn& c, const std::string& body, Clock::time_point deadline) {
    const std::size_t total = c.head.size() + body.size();
    std::size_t at = 0;
    while (at < total) {
      std::array<iovec, 2> iov{};
      std::size_t parts = 0;
      if (at < c.head.size()) iov[parts++] = {c.head.data() + at, c.head.size() - at};
      const std::size_t from = at < c.head.size() ? 0 : at - c.head.size();
      // sendmsg only reads the body: the cast is for iovec's type.
      if (from < body.size())
        iov[parts++] = {const_cast<char*>(body.data()) + from, body.size() - from};
      msghdr m{};
      m.msg_iov = iov.data();
      m.msg_iovlen = parts;
      const ssize_t n = ::sendmsg(c.fd, &m, MSG_NOSIGNAL);
      if (n >= 0) {
        at += static_cast<std::size_t>(n);
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!wait_for(c.fd, POLLOUT, deadline)) return CURLE_OPERATION_TIMEDOUT;
      } else if (errno != EINTR) {
        return CURLE_SEND_ERROR;
      }
    }
    return CURLE_OK;
  }

  Round exchange(Conn& c, const std::string& body, Clock::time_point deadline,
                 std::string& response) const {
    Round r;
    c.head = target_.head;
    std::array<char, 24> digits{};
    const auto written = std::to_chars(digits.data(), digits.data() + digits.size(), body.size());
    c.head.append(digits.data(), written.ptr);
    c.head.append("\r\n\r\n");
    r.rc = send_all(c, body, deadline);
    if (r.rc != CURLE_OK) {
      r.unanswered = r.rc == CURLE_SEND_ERROR;
      return r;
    }
    return read_answer(c, deadline, response);
  }

  void restart(std::optional<Parser>& parser) const {
    parser.emplace();
    parser->header_limit(kMaxHeaderBytes);
    parser->body_limit(max_bytes_);
    // Not eager: Boost 1.74's parser drops the body_limit error of a declared length when it
    // goes straight on into the body.
  }

  // The answer (after any interim 1xx ones), read until its end or the deadline.
  Round read_answer(Conn& c, Clock::time_point deadline, std::string& response) const {
    Round r;
    std::optional<Parser> parser;
    restart(parser);
    c.in.clear();
    bool any = false;           // a byte of the answer came
    bool ready = false;         // data may be waiting: recv before poll
    bool http_prefix = true;    // the answer begins as "HTTP/"
    std::size_t head_used = 0;  // bytes of an unfinished head the parser took
    while (true) {
      if (c.in.size() > 0) {
        if (!parser->got_some()) http_prefix = starts_http(c.in);
        boost::system::error_code ec;
        std::size_t used = 0;
        try {
          used = parser->put(c.in.data(), ec);
        } catch (const std::length_error&) {
          // Beast's fields hold a name or value of at most 64 KiB and throw past it, in the
          // head or in a chunked answer's trailer: an answer too large to read, as a head past
          // kMaxHeaderBytes is (libcurl reads on to 100 KiB a line). A folded field past 4 KiB
          // is refused without a throw, as a head over its limit.
          r.rc = parse_failure(http::error::header_limit, http_prefix);
          return r;
        }
        c.in.consume(used);
        if (!parser->is_header_done()) head_used += used;
        if (ec && ec != http::error::need_more) {
          r.rc = parse_failure(ec, http_prefix);
          return r;
        }
        if (parser->is_done()) {
          const int status = parser->get().result_int();
          if (status >= 100 && status < 200 && status != 101) {  // interim: the answer follows
            restart(parser);
            head_used = 0;
            continue;
          }
          r.http_status = status;
          r.keep_alive = parser->keep_alive() && c.in.size() == 0;
          response = std::move(parser->get().body());
          return r;
        }
        if (!ec && used > 0 && c.in.size() > 0) continue;
      }
      if (!ready && !wait_for(c.fd, POLLIN, deadline)) {
        r.rc = CURLE_OPERATION_TIMEDOUT;
        return r;
      }
      const auto space = c.in.prepare(kReadBytes);
      const ssize_t n = ::recv(c.fd, space.data(), space.size(), 0);
      if (n > 0) {
        c.in.commit(static_cast<std::size_t>(n));
        any = true;
        ready = true;
        continue;
      }
      ready = false;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
      if (n < 0 || !any) {
        // Reset, or closed before any answer (libcurl: "Server returned nothing").
        r.rc = n < 0 ? CURLE_RECV_ERROR : CURLE_GOT_NOTHING;
        r.unanswered = !any;
        return r;
      }
      // Closed (the end of the connection ends the answer: it is not kept).
      if (!parser->is_header_done() && !cut_head(parser, head_used)) {
        r.rc = CURLE_GOT_NOTHING;
        return r;
      }
      boost::system::error_code ec;
      parser->put_eof(ec);
      if (ec || !parser->is_done()) {
        r.rc = CURLE_PARTIAL_FILE;  // libcurl's "transfer closed with ... remaining"
        return r;
      }
      r.http_status = parser->get().result_int();
      response = std::move(parser->get().body());
      return r;
    }
  }

  // A head cut short by the end of the connection: libcurl reads a head line by line, and
  // takes the whole lines that came, from a whole status line on, for the answer's head (so
  // "HTTP/1.1 200 OK" and then nothing is a 200 with no body). The same here, from what the
  // parser took of them (it takes whole lines, the status line first): false when it took
  // nothing (not even the status line came whole).
  bool cut_head(std::optional<Parser>& parser, std::size_t head_used) const {
    if (head_used == 0) return false;
    const auto& got = parser->get();
    std::string head = "HTTP/" + std::to_string(got.version() / 10) + "." +
                       std::to_string(got.version() % 10) + " " + std::to_string(got.result_int()) +
                       " " + std::string(got.reason()) + "\r\n";
    for (const auto& field : got)
      head.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
    head += "\r\n";
    restart(parser);
    boost::system::error_code ec;
    parser->put(boost::asio::buffer(head), ec);
    return !ec && parser->is_header_done();
  }

  const Target target_;
  const long connect_ms_;
  const std::size_t max_bytes_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Conn>> idle_;  // the last one back is the first out
};

}  // namespace

std::unique_ptr<HttpTransport> make_plain_transport(const ClientOptions& options) {
  if (!options.user.empty() || proxy_in_environment()) return nullptr;
  auto target = parse_target(options.endpoint);
  if (!target) return nullptr;
  return std::make_unique<PlainTransport>(std::move(*target), options);
}

}  // namespace hvsnap::wsman::detail
