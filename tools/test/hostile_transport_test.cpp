// The WS-Man transport under hostile load (decision 0030): every case an attacker or a
// careless client can bring without credentials — slow and idle connections, header floods,
// pipelining, half-close, HTTP ambiguities — each bounded in time, each against the served fake
// (contract §8). Raw sockets (raw_http.h), so that the test sends exactly the bytes it means;
// authentication, stopping, a full server, TLS and the listen policy are
// hostile_transport_server_test.cpp.
#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <regex>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "raw_http.h"

namespace hvsnap::tools {
namespace {

using namespace std::chrono_literals;
using namespace raw_http;

// --- availability ---

TEST(HostileTransport, SlowAndIdleConnectionsDoNotStarveAFreshClient) {
  Served s = serve();
  const int port = s.server->port();
  std::vector<int> idle, slow;
  // 500 idle connections as in the issue, and 1,500 more: thousands at once.
  for (int i = 0; i < 2000; ++i) {
    const int fd = connect_to(port);
    ASSERT_GE(fd, 0) << "connection " << i;
    idle.push_back(fd);
  }
  for (int i = 0; i < 100; ++i) {
    const int fd = connect_to(port);
    ASSERT_GE(fd, 0);
    send_all(fd, "POST /wsman HTTP/1.1\r\nHo");  // and then one byte now and then
    slow.push_back(fd);
  }
  std::atomic<bool> dripping{true};
  std::thread drip([&] {
    while (dripping) {
      for (int fd : slow)
        send_all(fd, "x");
      std::this_thread::sleep_for(100ms);
    }
  });
  // Every connection accepted and held (a sanitizer build takes a moment to get there).
  for (auto until = Clock::now() + 5s;
       s.server->open_connections() < 2100U && Clock::now() < until;)
    std::this_thread::sleep_for(20ms);
  EXPECT_GE(s.server->open_connections(), 2100U);
  bool ok = false;
  const auto took = time_identify(port, &ok);
  EXPECT_TRUE(ok);
  EXPECT_LT(took.count(), 1000) << "a fresh client waited " << took.count() << " ms";
  // Three more in a row, to show it was not luck.
  for (int i = 0; i < 3; ++i) {
    const auto again = time_identify(port, &ok);
    EXPECT_TRUE(ok);
    EXPECT_LT(again.count(), 1000);
  }
  dripping = false;
  drip.join();
  for (int fd : idle)
    ::close(fd);
  for (int fd : slow)
    ::close(fd);
}

TEST(HostileTransport, HeaderAndIdleDeadlinesCloseSlowAndSilentConnections) {
  wsman::ServerOptions o;
  o.header_timeout_ms = 400;
  o.idle_timeout_ms = 400;
  Served s = serve(o);
  const int silent = connect_to(s.server->port());
  const int slow = connect_to(s.server->port());
  send_all(slow, "POST /wsman HTTP/1.1\r\n");
  const auto t0 = Clock::now();
  std::atomic<bool> go{true};
  std::thread drip([&] {
    while (go && send_all(slow, "X-A: b\r\n"))
      std::this_thread::sleep_for(50ms);
  });
  // Both are closed by the server: recv sees the end (or a reset).
  read_until(silent, 3000ms, [](const std::string&) { return false; });
  const auto silent_closed = Clock::now() - t0;
  read_until(slow, 3000ms, [](const std::string&) { return false; });
  const auto slow_closed = Clock::now() - t0;
  go = false;
  drip.join();
  EXPECT_LT(silent_closed, 1500ms);
  EXPECT_LT(slow_closed, 1500ms) << "a client dripping header lines kept its connection";
  ::close(silent);
  ::close(slow);
}

TEST(HostileTransport, TwoMillionHeaderLinesAreRefusedEarlyWithBoundedMemory) {
  Served s = serve();
  const long before = rss_kib();
  const int fd = connect_to(s.server->port());
  ASSERT_GE(fd, 0);
  std::string chunk = "POST /wsman HTTP/1.1\r\nHost: x\r\n";
  std::string lines;
  for (int i = 0; i < 1000; ++i)
    lines += "X-Flood: 0123456789\r\n";
  std::size_t sent = 0;
  send_all(fd, chunk);
  // Up to 2,000,000 lines; the server must stop reading long before.
  for (int i = 0; i < 2000; ++i) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 2000) <= 0) break;
    const ssize_t n = ::send(fd, lines.data(), lines.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  const auto answer = responses_in(read_until(
      fd, 3000ms, [](const std::string& b) { return b.find("\r\n\r\n") != std::string::npos; }));
  ::close(fd);
  EXPECT_LT(sent, 2000U * lines.size()) << "the server read every header line";
  if (!answer.empty()) {
    EXPECT_EQ(answer[0].status, 431);
  }
  const long after = rss_kib();
  EXPECT_LT(after - before, 32 * 1024) << "resident memory grew " << (after - before) << " KiB";
  bool ok = false;
  time_identify(s.server->port(), &ok);
  EXPECT_TRUE(ok);
}

TEST(HostileTransport, TooManyHeaderLinesWithinTheByteLimitAre431) {
  Served s = serve();
  const int fd = connect_to(s.server->port());
  std::string extra;
  for (int i = 0; i < 200; ++i)
    extra += "X-A: 1\r\n";
  send_all(fd, post(kIdentify, extra));
  auto r = read_responses(fd, 1);
  ::close(fd);
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0].status, 431);
}

TEST(HostileTransport, ThreePipelinedRequestsGetThreeAnswersInOrder) {
  Served s = serve();
  const int fd = connect_to(s.server->port());
  const std::string bad_type = post(kIdentify, "", "text/plain");
  ASSERT_TRUE(send_all(fd, post(kIdentify) + bad_type + post(kIdentify)));
  auto r = read_responses(fd, 3);
  ::close(fd);
  ASSERT_EQ(r.size(), 3U);
  EXPECT_EQ(r[0].status, 200);
  EXPECT_EQ(r[1].status, 415);
  EXPECT_EQ(r[2].status, 200);
  EXPECT_NE(r[2].body.find("IdentifyResponse"), std::string::npos);
}

TEST(HostileTransport, AClientThatHalfClosesAfterItsRequestStillGetsTheAnswer) {
  Served s = serve();
  for (int i = 0; i < 40; ++i) {
    const int fd = connect_to(s.server->port());
    ASSERT_TRUE(send_all(fd, post(kIdentify)));
    ::shutdown(fd, SHUT_WR);
    auto r = read_responses(fd, 1);
    ::close(fd);
    ASSERT_EQ(r.size(), 1U) << "try " << i;
    EXPECT_EQ(r[0].status, 200);
  }
}

struct Strict {
  std::string name;
  std::string request;
  int status;
};

TEST(HostileTransport, HttpAmbiguitiesAreRefused) {
  Served s = serve();
  const std::vector<Strict> cases{
      {"two Content-Length",
       "POST /wsman HTTP/1.1\r\nHost: x\r\nContent-Type: application/soap+xml\r\nContent-Length: "
       "5\r\nContent-Length: 5\r\n\r\nhello",
       400},
      {"non-numeric Content-Length",
       "POST /wsman HTTP/1.1\r\nHost: x\r\nContent-Type: application/soap+xml\r\nContent-Length: "
       "five\r\n\r\nhello",
       400},
      {"a list as Content-Length",
       "POST /wsman HTTP/1.1\r\nHost: x\r\nContent-Type: application/soap+xml\r\nContent-Length: "
       "5, "
       "5\r\n\r\nhello",
       400},
      {"soap+xmlfoo", post(kIdentify, "", "application/soap+xmlfoo"), 415},
      {"text/xml", post(kIdentify, "", "text/xml"), 415},
      {"no Content-Type", "POST /wsman HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", 415},
      {"an unknown Expect", post(kIdentify, "Expect: 200-ok\r\n"), 417},
      {"a body over the envelope limit",
       "POST /wsman HTTP/1.1\r\nHost: x\r\nContent-Type: application/soap+xml\r\nContent-Length: "
       "52428800\r\n\r\n",
       413},
      {"a chunked body over the envelope limit",
       "POST /wsman HTTP/1.1\r\nHost: x\r\nContent-Type: "
       "application/soap+xml\r\nTransfer-Encoding: "
       "chunked\r\n\r\n100000\r\n" +
           std::string(0x100000, 'a') + "\r\n0\r\n\r\n",
       413},
  };
  for (const auto& c : cases) {
    const int fd = connect_to(s.server->port());
    send_all(fd, c.request);
    auto r = read_responses(fd, 1);
    ::close(fd);
    ASSERT_EQ(r.size(), 1U) << c.name;
    EXPECT_EQ(r[0].status, c.status) << c.name;
  }
  // Parameters after the media type are fine, in any case.
  const int fd = connect_to(s.server->port());
  send_all(fd, post(kIdentify, "", "Application/SOAP+XML ; charset=utf-8"));
  auto r = read_responses(fd, 1);
  ::close(fd);
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0].status, 200);
}

// Everything one connection answers to `request` within `limit`, and whether the server then
// closed it.
struct Exchange {
  std::vector<HttpResponse> answers;
  bool closed = false;
};
Exchange exchange(int port, const std::string& request,
                  std::chrono::milliseconds limit = std::chrono::milliseconds(1500)) {
  const int fd = connect_to(port);
  send_all(fd, request);
  Exchange e;
  e.answers = responses_in(read_until(fd, limit, [](const std::string&) { return false; }));
  char byte = 0;
  e.closed = ::recv(fd, &byte, 1, MSG_DONTWAIT) == 0;
  ::close(fd);
  return e;
}

TEST(HostileTransport, FramingThatCannotBeTrustedIsRefusedAndTheConnectionClosed) {
  // RFC 9112: a Transfer-Encoding that does not end in chunked leaves the body unframed; read
  // as no body, the body would be taken for a second request (one smuggled past the checks a
  // request's headers get). It is refused (400) and the connection closed; a coding this server
  // does not decode before chunked is 501; an HTTP/1.0 message with Transfer-Encoding is faulty
  // framing; an HTTP/1.1 request names its Host exactly once.
  Served s = serve();
  const std::string smuggled = post(kIdentify);
  auto head = [](std::string_view version, std::string_view fields) {
    return fmt::format("POST /wsman HTTP/{}\r\nContent-Type: application/soap+xml\r\n{}\r\n",
                       version, fields);
  };
  const std::string chunk = fmt::format("{:x}\r\n{}\r\n0\r\n\r\n", kIdentify.size(), kIdentify);
  const std::vector<Strict> cases{
      {"gzip last", head("1.1", "Host: x\r\nTransfer-Encoding: gzip\r\n") + smuggled, 400},
      {"chunked then gzip",
       head("1.1", "Host: x\r\nTransfer-Encoding: chunked, gzip\r\n") + smuggled, 400},
      {"gzip then chunked", head("1.1", "Host: x\r\nTransfer-Encoding: gzip, chunked\r\n") + chunk,
       501},
      {"gzip and chunked on two lines",
       head("1.1", "Host: x\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n") + chunk,
       501},
      {"chunked twice", head("1.1", "Host: x\r\nTransfer-Encoding: chunked, chunked\r\n") + chunk,
       400},
      {"chunked with a parameter",
       head("1.1", "Host: x\r\nTransfer-Encoding: chunked;foo=bar\r\n") + chunk, 400},
      {"HTTP/1.0 chunked",
       head("1.0", "Host: x\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n") + chunk,
       400},
      {"no Host", head("1.1", "Content-Length: 0\r\n"), 400},
      {"two Hosts", head("1.1", "Host: a\r\nHost: b\r\nContent-Length: 0\r\n"), 400},
  };
  for (const auto& c : cases) {
    const Exchange e = exchange(s.server->port(), c.request);
    ASSERT_EQ(e.answers.size(), 1U) << c.name;  // one answer: nothing read as a second request
    EXPECT_EQ(e.answers[0].status, c.status) << c.name;
    EXPECT_TRUE(e.closed) << c.name;
  }
  // What stays fine: chunked alone in any case, with a parameter-free list around blanks.
  const Exchange plain = exchange(
      s.server->port(), head("1.1", "Host: x\r\nTransfer-Encoding:  Chunked \r\n") + chunk);
  ASSERT_EQ(plain.answers.size(), 1U);
  EXPECT_EQ(plain.answers[0].status, 200);
}

TEST(HostileTransport, WhatHttpAsksOfAServerIsDone) {
  Served s = serve();
  // An HTTP/1.0 request needs no Host, and its Expect is ignored: no 1xx goes to it (RFC 9110,
  // 10.1.1 and 15.2).
  const Exchange old = exchange(
      s.server->port(),
      fmt::format("POST /wsman HTTP/1.0\r\nContent-Type: application/soap+xml\r\nContent-Length: "
                  "{}\r\nExpect: 100-continue\r\n\r\n{}",
                  kIdentify.size(), kIdentify));
  ASSERT_EQ(old.answers.size(), 1U);
  EXPECT_EQ(old.answers[0].status, 200) << old.answers[0].headers;
  // It is answered in HTTP/1.1 (RFC 9110, 6.2), as HTTP.sys does; asked to keep the connection,
  // the answer says so in HTTP/1.0's terms, and the connection stays; otherwise it closes.
  EXPECT_EQ(old.answers[0].headers.rfind("HTTP/1.1 200", 0), 0U) << old.answers[0].headers;
  EXPECT_NE(old.answers[0].headers.find("Connection: close"), std::string::npos);
  EXPECT_TRUE(old.closed);
  const Exchange kept =
      exchange(s.server->port(),
               fmt::format("POST /wsman HTTP/1.0\r\nConnection: keep-alive\r\nContent-Type: "
                           "application/soap+xml\r\nContent-Length: {}\r\n\r\n{}",
                           kIdentify.size(), kIdentify),
               std::chrono::milliseconds(300));
  ASSERT_EQ(kept.answers.size(), 1U);
  EXPECT_EQ(kept.answers[0].headers.rfind("HTTP/1.1 200", 0), 0U);
  EXPECT_NE(kept.answers[0].headers.find("Connection: keep-alive"), std::string::npos)
      << kept.answers[0].headers;
  EXPECT_FALSE(kept.closed);
  // The absolute form of the target is accepted (RFC 9112, 3.2.2).
  const Exchange absolute = exchange(
      s.server->port(),
      fmt::format("POST http://127.0.0.1:{}/wsman HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                  "application/soap+xml\r\nContent-Length: {}\r\n\r\n{}",
                  s.server->port(), kIdentify.size(), kIdentify));
  ASSERT_EQ(absolute.answers.size(), 1U);
  EXPECT_EQ(absolute.answers[0].status, 200);
  // Every answer carries Date as an IMF-fixdate (RFC 9110, 6.6.1, 5.6.7), a refusal too.
  const std::regex imf(
      "\r\nDate: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-3][0-9] "
      "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} "
      "[0-2][0-9]:[0-5][0-9]:[0-6][0-9] GMT(\r\n|$)");
  for (const auto* e : {&old, &absolute}) {
    EXPECT_TRUE(std::regex_search(e->answers[0].headers, imf)) << e->answers[0].headers;
  }
  const Exchange refused = exchange(s.server->port(), post(kIdentify, "", "text/xml"));
  ASSERT_EQ(refused.answers.size(), 1U);
  EXPECT_EQ(refused.answers[0].status, 415);
  EXPECT_TRUE(std::regex_search(refused.answers[0].headers, imf)) << refused.answers[0].headers;
}
TEST(HostileTransport, AFoldedHeaderFieldTooLongToReadIs431AndSaysSo) {
  // Beast holds a folded (obs-fold) field of at most 4 KiB and refuses one past it as headers
  // over their limit: within the header's 16 KiB, it is refused (431) for what it is.
  Served s = serve();
  const Exchange e =
      exchange(s.server->port(), post(kIdentify, "X-F: a\r\n " + std::string(5000, 'b') + "\r\n"));
  ASSERT_EQ(e.answers.size(), 1U);
  EXPECT_EQ(e.answers[0].status, 431);
  EXPECT_EQ(e.answers[0].body, "a folded header field is longer than 4096 bytes\n");
  EXPECT_TRUE(e.closed);
}

TEST(HostileTransport, OtherHttpVersionsAreReadAsRfc9110Says) {
  // A higher minor version is read as HTTP/1.1 (RFC 9110, 2.5), which Beast's parser refuses on
  // its own; another major version is 505 (15.6.6); a version that is not DIGIT.DIGIT is a
  // malformed request line. Each refusal closes the connection.
  Served s = serve();
  auto request = [](std::string_view version) {
    return fmt::format(
        "POST /wsman HTTP/{}\r\nHost: x\r\nContent-Type: application/soap+xml\r\nContent-Length: "
        "{}\r\n\r\n{}",
        version, kIdentify.size(), kIdentify);
  };
  for (const auto& [version, status] : std::vector<std::pair<std::string, int>>{
           {"1.2", 200}, {"1.9", 200}, {"2.0", 505}, {"0.9", 505}, {"1.10", 400}, {"1.x", 400}}) {
    const Exchange e = exchange(s.server->port(), request(version), std::chrono::milliseconds(300));
    ASSERT_EQ(e.answers.size(), 1U) << version;
    EXPECT_EQ(e.answers[0].status, status) << version;
    EXPECT_EQ(e.answers[0].headers.rfind("HTTP/1.1 ", 0), 0U) << e.answers[0].headers;
    EXPECT_EQ(e.closed, status != 200) << version;
  }
  // A line that is not `method SP target SP HTTP/d.d` is malformed, whatever its last nine
  // bytes say: each of these, rewritten and parsed again without end, overflowed the stack.
  for (const std::string line :
       {"GET /a b HTTP/1.2", "GET /a b HTTP/1.1", "POST /wsman HTTP/1.1 HTTP/1.1",
        "POST /wsman HTTP/2.0 HTTP/1.9", "GET /wsman XTTP/1.1 HTTP/1.0",
        "POST /wsman HTTP/1.1x HTTP/1.1", "POST /wsman  HTTP/1.2"}) {
    const Exchange e = exchange(s.server->port(), line + "\r\nHost: x\r\n\r\n");
    ASSERT_EQ(e.answers.size(), 1U) << line;
    EXPECT_EQ(e.answers[0].status, 400) << line;
    EXPECT_TRUE(e.closed) << line;
  }
  // Beast judges the version before the line's end has come: a line split before its CRLF, or
  // ending where the server's first read ends, is read on until it has.
  for (const auto& [version, status] :
       std::vector<std::pair<std::string, int>>{{"1.2", 200}, {"2.0", 505}}) {
    const std::string whole = request(version);
    const int fd = connect_to(s.server->port());
    const std::size_t cut = whole.find("\r\n");
    send_all(fd, whole.substr(0, cut));
    std::this_thread::sleep_for(50ms);
    send_all(fd, whole.substr(cut));
    const auto r = read_responses(fd, 1);
    ::close(fd);
    ASSERT_EQ(r.size(), 1U) << version << " split";
    EXPECT_EQ(r[0].status, status) << version << " split";
  }
  for (const std::size_t pad : {4074U, 4075U}) {
    const Exchange e = exchange(
        s.server->port(),
        fmt::format("POST /wsman?{} HTTP/1.2\r\nHost: x\r\nContent-Type: application/soap+xml\r\n"
                    "Content-Length: {}\r\n\r\n{}",
                    std::string(pad, 'a'), kIdentify.size(), kIdentify),
        300ms);
    ASSERT_EQ(e.answers.size(), 1U) << pad;
    EXPECT_EQ(e.answers[0].status, 200) << pad;
  }
  // Empty lines before a request line are ignored (RFC 9112, 2.2).
  const Exchange blank =
      exchange(s.server->port(), "\r\n" + request("1.1") + "\r\n\r\n" + request("1.2"), 300ms);
  ASSERT_EQ(blank.answers.size(), 2U);
  EXPECT_EQ(blank.answers[0].status, 200);
  EXPECT_EQ(blank.answers[1].status, 200);
  // Read as 1.1, it keeps its connection for the next request.
  const Exchange two =
      exchange(s.server->port(), request("1.2") + request("1.1"), std::chrono::milliseconds(300));
  ASSERT_EQ(two.answers.size(), 2U);
  EXPECT_EQ(two.answers[1].status, 200);
}

TEST(HostileTransport, AChunkedBodysExtensionsAndTrailerAreHeldToTheHeadersLimits) {
  // Trailer fields (RFC 9112, 7.1.2) are held to the limits of the header's (16 KiB, 100 lines):
  // a longer one is 431, even one past the 64 KiB Beast's fields can hold (it threw, and the
  // connection was dropped unanswered), or past what the server buffers for a request. A trailer
  // does not stand for the header (RFC 9110, 6.5.1): its Connection does not close the
  // connection; one that would frame the message (Content-Length) makes it malformed.
  Served s = serve();
  auto chunked = [](const std::string& trailer) {
    return fmt::format(
        "POST /wsman HTTP/1.1\r\nHost: x\r\nContent-Type: application/soap+xml\r\n"
        "Transfer-Encoding: chunked\r\n\r\n{:x}\r\n{}\r\n0\r\n{}\r\n",
        kIdentify.size(), kIdentify, trailer);
  };
  std::string lines;
  for (int i = 0; i < 101; ++i)
    lines += fmt::format("X-Line-{}: {}\r\n", i, i);
  const std::vector<Strict> cases{
      {"a 20,000-byte field", chunked("X-Big: " + std::string(20000, 'a') + "\r\n"), 431},
      {"a 70,000-byte field", chunked("X-Big: " + std::string(70000, 'a') + "\r\n"), 431},
      {"2 MB of trailer", chunked("X-Big: " + std::string(std::size_t{2} << 20, 'a') + "\r\n"),
       431},
      {"101 lines", chunked(lines), 431},
      // Counted as sent: Beast files a field beside the header's of the same name, and trims
      // the blanks around a value.
      {"a long field named like the header's", chunked("Host: " + std::string(60000, 'x') + "\r\n"),
       431},
      {"a folded field over 4 KiB", chunked("X-F: a\r\n " + std::string(5000, 'b') + "\r\n"), 431},
      {"a short value after 400,000 blanks",
       chunked("X-Pad: " + std::string(400000, ' ') + "a\r\n"), 431},
      {"Content-Length", chunked("Content-Length: 5\r\n"), 400},
  };
  for (const auto& c : cases) {
    const Exchange e = exchange(s.server->port(), c.request);
    EXPECT_EQ(e.answers.size(), 1U) << c.name;
    if (e.answers.size() != 1) continue;
    EXPECT_EQ(e.answers[0].status, c.status) << c.name;
    EXPECT_TRUE(e.closed) << c.name;
  }
  // Chunk extensions (RFC 9112, 7.1.1) hold no control character but HTAB, and are held to the
  // header's size. Beast let a bare LF through in a quoted value: a reader that ends a line at
  // LF framed this body differently, and the request inside it was answered as a second one.
  const std::string inner = fmt::format(
      "POST /wsman HTTP/1.1\r\nHost: x\r\nContent-Type: application/soap+xml\r\nContent-Length: "
      "{}\r\n\r\n{}",
      kIdentify.size(), kIdentify);
  const std::string head =
      "POST /wsman HTTP/1.1\r\nHost: x\r\nContent-Type: application/soap+xml\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  const std::string smuggle = head + "10;a=\"\naaaaaaaa\"\r\nbbbbb\r\n" +
                              fmt::format("{:x}\r\ncccc\r\n0\r\n\r\n", inner.size() + 4) + inner +
                              "\r\n0\r\n\r\n";
  const Exchange smuggled = exchange(s.server->port(), smuggle);
  ASSERT_EQ(smuggled.answers.size(), 1U);  // one answer: nothing read as a second request
  EXPECT_EQ(smuggled.answers[0].status, 400);
  EXPECT_TRUE(smuggled.closed);
  for (const char c : {'\0', '\x01', '\x7f'}) {
    const Exchange e = exchange(
        s.server->port(),
        head + fmt::format("{:x};a=\"{}\"\r\n{}\r\n0\r\n\r\n", kIdentify.size(), c, kIdentify));
    ASSERT_EQ(e.answers.size(), 1U) << int(c);
    EXPECT_EQ(e.answers[0].status, 400) << int(c);
  }
  std::string many;
  for (int i = 0; i < 20; ++i)
    many += fmt::format("1;x={}\r\n{}\r\n", std::string(1000, 'e'), kIdentify[i]);
  const Exchange long_extensions = exchange(s.server->port(), head + many + "0\r\n\r\n");
  ASSERT_EQ(long_extensions.answers.size(), 1U);
  EXPECT_EQ(long_extensions.answers[0].status, 431);
  const Exchange tab = exchange(
      s.server->port(),
      head + fmt::format("{:x};a=\"x\ty\"\r\n{}\r\n0\r\n\r\n", kIdentify.size(), kIdentify), 300ms);
  ASSERT_EQ(tab.answers.size(), 1U);
  EXPECT_EQ(tab.answers[0].status, 200);
  for (const std::string trailer : {"X-Checksum: 1\r\n", "Connection: close\r\n"}) {
    const Exchange e = exchange(s.server->port(), chunked(trailer), std::chrono::milliseconds(300));
    EXPECT_EQ(e.answers.size(), 1U) << trailer;
    if (e.answers.size() != 1) continue;
    EXPECT_EQ(e.answers[0].status, 200) << trailer;
    EXPECT_EQ(e.answers[0].headers.find("Connection: close"), std::string::npos) << trailer;
    EXPECT_FALSE(e.closed) << trailer;
  }
}
}  // namespace
}  // namespace hvsnap::tools
