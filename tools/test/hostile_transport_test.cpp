// The WS-Man transport under hostile load (decision 0030): every case an attacker or a
// careless client can bring without credentials — slow and idle connections, header floods,
// pipelining, half-close, HTTP ambiguities, idle TLS handshakes, failed logins — each bounded
// in time, each against the served fake (contract §8). Raw sockets, so that the test sends
// exactly the bytes it means.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include "hvsnap/cim/names.h"
#include "hvsnap/tools/served.h"
#include "hvsnap/wsman/client.h"
#include "hvsnap/wsman/server.h"

namespace hvsnap::tools {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Enough descriptors for hundreds of connections at both ends.
struct RaiseFileLimit {
  RaiseFileLimit() {
    rlimit r{};
    if (::getrlimit(RLIMIT_NOFILE, &r) == 0) {
      r.rlim_cur = r.rlim_max;
      ::setrlimit(RLIMIT_NOFILE, &r);
    }
  }
} const raise_file_limit;

struct Served {
  std::shared_ptr<ServedFake> fake;
  std::unique_ptr<wsman::Server> server;
  std::shared_ptr<std::vector<std::string>> log = std::make_shared<std::vector<std::string>>();
  std::shared_ptr<std::mutex> log_mu = std::make_shared<std::mutex>();
  std::vector<std::string> lines() const {
    std::lock_guard lock(*log_mu);
    return *log;
  }
};

Served serve(wsman::ServerOptions o = {}) {
  Served s;
  auto fake = ServedFake::create("sim:", TargetOptions{});
  EXPECT_TRUE(fake.ok()) << fake.status().to_string();
  s.fake = std::move(fake).value();
  o.port = 0;
  o.log = [log = s.log, mu = s.log_mu](std::string_view line) {
    std::lock_guard lock(*mu);
    log->emplace_back(line);
  };
  auto server = wsman::Server::start(std::make_shared<wsman::Dispatcher>(s.fake, s.fake), o);
  EXPECT_TRUE(server.ok()) << server.status().to_string();
  if (server.ok()) s.server = std::move(server).value();
  return s;
}

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Reads until `done(buffer)` or the peer closes or the deadline passes.
std::string read_until(int fd, std::chrono::milliseconds limit,
                       const std::function<bool(const std::string&)>& done) {
  std::string buf;
  const auto deadline = Clock::now() + limit;
  while (!done(buf)) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char chunk[65536];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    buf.append(chunk, static_cast<std::size_t>(n));
  }
  return buf;
}

struct HttpResponse {
  int status = 0;
  std::string headers;
  std::string body;
};

// Splits `buf` into the complete HTTP responses it holds.
std::vector<HttpResponse> responses_in(const std::string& buf) {
  std::vector<HttpResponse> out;
  std::size_t at = 0;
  while (at < buf.size()) {
    const std::size_t end = buf.find("\r\n\r\n", at);
    if (end == std::string::npos) break;
    HttpResponse r;
    r.headers = buf.substr(at, end - at);
    if (r.headers.rfind("HTTP/1.", 0) != 0 || r.headers.size() < 12) break;
    r.status = std::stoi(r.headers.substr(9, 3));
    std::size_t length = 0;
    std::string lower = r.headers;
    for (auto& ch : lower)
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (const auto cl = lower.find("content-length:"); cl != std::string::npos)
      length = std::stoul(lower.substr(cl + 15));
    if (end + 4 + length > buf.size()) break;
    r.body = buf.substr(end + 4, length);
    out.push_back(std::move(r));
    at = end + 4 + length;
  }
  return out;
}

std::vector<HttpResponse> read_responses(int fd, std::size_t n,
                                         std::chrono::milliseconds limit = 5000ms) {
  return responses_in(
      read_until(fd, limit, [n](const std::string& b) { return responses_in(b).size() >= n; }));
}

const std::string kIdentify =
    "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
    "xmlns:wsmid=\"http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd\">"
    "<s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>";

std::string post(std::string_view body, std::string_view extra_headers = "",
                 std::string_view type = "application/soap+xml;charset=UTF-8") {
  return fmt::format(
      "POST /wsman HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {}\r\nContent-Length: "
      "{}\r\n{}\r\n{}",
      type, body.size(), extra_headers, body);
}

// A fresh client's Identify, start to end.
std::chrono::milliseconds time_identify(int port, bool* ok) {
  const auto t0 = Clock::now();
  const int fd = connect_to(port);
  *ok = fd >= 0 && send_all(fd, post(kIdentify));
  if (*ok) {
    auto r = read_responses(fd, 1, 3000ms);
    *ok = r.size() == 1 && r[0].status == 200 &&
          r[0].body.find("IdentifyResponse") != std::string::npos;
  }
  if (fd >= 0) ::close(fd);
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
}

long rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

std::string basic(std::string_view user_password) {
  static const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < user_password.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(user_password[i]) << 16) |
                       (static_cast<unsigned char>(user_password[i + 1]) << 8) |
                       static_cast<unsigned char>(user_password[i + 2]);
    for (int k = 18; k >= 0; k -= 6)
      out += kB64[(v >> k) & 63];
  }
  const std::size_t rest = user_password.size() - i;
  if (rest > 0) {
    unsigned v = static_cast<unsigned char>(user_password[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(user_password[i + 1]) << 8;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += rest == 2 ? kB64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return "Authorization: Basic " + out + "\r\n";
}

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
       "POST /wsman HTTP/1.1\r\nContent-Type: application/soap+xml\r\nContent-Length: "
       "5\r\nContent-Length: 5\r\n\r\nhello",
       400},
      {"non-numeric Content-Length",
       "POST /wsman HTTP/1.1\r\nContent-Type: application/soap+xml\r\nContent-Length: "
       "five\r\n\r\nhello",
       400},
      {"a list as Content-Length",
       "POST /wsman HTTP/1.1\r\nContent-Type: application/soap+xml\r\nContent-Length: 5, "
       "5\r\n\r\nhello",
       400},
      {"soap+xmlfoo", post(kIdentify, "", "application/soap+xmlfoo"), 415},
      {"text/xml", post(kIdentify, "", "text/xml"), 415},
      {"no Content-Type", "POST /wsman HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", 415},
      {"an unknown Expect", post(kIdentify, "Expect: 200-ok\r\n"), 417},
      {"a body over the envelope limit",
       "POST /wsman HTTP/1.1\r\nContent-Type: application/soap+xml\r\nContent-Length: "
       "52428800\r\n\r\n",
       413},
      {"a chunked body over the envelope limit",
       "POST /wsman HTTP/1.1\r\nContent-Type: application/soap+xml\r\nTransfer-Encoding: "
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

TEST(HostileTransport, ExpectContinueIsAnsweredOnlyAfterAuthentication) {
  wsman::ServerOptions o;
  o.basic = wsman::Credentials{"alice", "s3cret"};
  Served s = serve(o);
  const std::string big_header =
      "POST /wsman HTTP/1.1\r\nContent-Type: application/soap+xml\r\nContent-Length: "
      "52428800\r\nExpect: 100-continue\r\n";
  {
    // Without credentials: 401 and never "100 Continue".
    const int fd = connect_to(s.server->port());
    send_all(fd, big_header + "\r\n");
    const std::string got = read_until(
        fd, 3000ms, [](const std::string& b) { return b.find("\r\n\r\n") != std::string::npos; });
    ::close(fd);
    EXPECT_EQ(got.find("100 Continue"), std::string::npos) << got;
    EXPECT_EQ(got.rfind("HTTP/1.1 401", 0), 0U) << got;
  }
  {
    // Authenticated but too large: 413, never "100 Continue".
    const int fd = connect_to(s.server->port());
    send_all(fd, big_header + basic("alice:s3cret") + "\r\n");
    const std::string got = read_until(
        fd, 3000ms, [](const std::string& b) { return b.find("\r\n\r\n") != std::string::npos; });
    ::close(fd);
    EXPECT_EQ(got.rfind("HTTP/1.1 413", 0), 0U) << got;
  }
  {
    // Authenticated and acceptable: 100 Continue, then the answer.
    const int fd = connect_to(s.server->port());
    send_all(fd, fmt::format("POST /wsman HTTP/1.1\r\nContent-Type: "
                             "application/soap+xml\r\nContent-Length: {}\r\nExpect: "
                             "100-continue\r\n{}\r\n",
                             kIdentify.size(), basic("alice:s3cret")));
    const std::string interim = read_until(
        fd, 3000ms, [](const std::string& b) { return b.find("\r\n\r\n") != std::string::npos; });
    EXPECT_EQ(interim.rfind("HTTP/1.1 100 Continue", 0), 0U) << interim;
    send_all(fd, kIdentify);
    auto r = read_responses(fd, 1);
    ::close(fd);
    ASSERT_EQ(r.size(), 1U);
    EXPECT_EQ(r[0].status, 200);
  }
}

TEST(HostileTransport, FailedLoginsAreLoggedWithoutThePasswordAndSlowedDown) {
  wsman::ServerOptions o;
  o.basic = wsman::Credentials{"alice", "s3cret"};
  o.free_auth_failures = 3;
  o.max_auth_delay_ms = 400;
  Served s = serve(o);
  std::vector<std::chrono::milliseconds> took;
  for (int i = 0; i < 7; ++i) {
    const auto t0 = Clock::now();
    const int fd = connect_to(s.server->port());
    send_all(fd, post(kIdentify, basic("mallory:guess-" + std::to_string(i))));
    auto r = read_responses(fd, 1);
    ::close(fd);
    took.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0));
    ASSERT_EQ(r.size(), 1U);
    EXPECT_EQ(r[0].status, 401);
  }
  EXPECT_LT(took[0].count(), 100);
  EXPECT_GE(took[3].count(), 90) << "the 4th failure in a row is slowed down";
  EXPECT_GE(took[6].count(), 390) << "and later ones more, up to the limit";
  const auto lines = s.lines();
  ASSERT_EQ(lines.size(), 7U);
  for (const auto& l : lines) {
    EXPECT_NE(l.find("failed Basic authentication from 127.0.0.1"), std::string::npos) << l;
    EXPECT_NE(l.find("mallory"), std::string::npos) << l;
    EXPECT_EQ(l.find("guess"), std::string::npos) << "a password in the log: " << l;
  }
  // The right password still works at once, and resets the count.
  const int fd = connect_to(s.server->port());
  send_all(fd, post(kIdentify, basic("alice:s3cret")));
  auto r = read_responses(fd, 1);
  ::close(fd);
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0].status, 200);
}

TEST(HostileTransport, StopsWithinASecondWhateverTheClientsDo) {
  Served s = serve();
  std::vector<int> fds;
  for (int i = 0; i < 100; ++i) {
    const int fd = connect_to(s.server->port());
    if (i % 2 == 0) send_all(fd, "POST /wsman HTTP/1.1\r\nContent-Length: 100000\r\n");
    fds.push_back(fd);
  }
  std::this_thread::sleep_for(100ms);
  const auto t0 = Clock::now();
  s.server->stop();
  EXPECT_LT(Clock::now() - t0, 1500ms);
  for (int fd : fds)
    ::close(fd);
}

TEST(HostileTransport, AFullServerAnswers503AndRecovers) {
  wsman::ServerOptions o;
  o.max_connections = 20;
  Served s = serve(o);
  std::vector<int> fds;
  for (int i = 0; i < 20; ++i)
    fds.push_back(connect_to(s.server->port()));
  std::this_thread::sleep_for(100ms);
  const int extra = connect_to(s.server->port());
  send_all(extra, post(kIdentify));
  auto r = read_responses(extra, 1, 2000ms);
  ::close(extra);
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0].status, 503);
  EXPECT_FALSE(s.lines().empty());
  for (int fd : fds)
    ::close(fd);
  std::this_thread::sleep_for(100ms);
  bool ok = false;
  time_identify(s.server->port(), &ok);
  EXPECT_TRUE(ok);
}

TEST(HostileTransport, IdleTlsHandshakesDoNotBlockTheListener) {
  const std::string dir = ::testing::TempDir() + "hvsnap-hostile-tls-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  const std::string cert = dir + "/cert.pem", key = dir + "/key.pem";
  const std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  wsman::ServerOptions o;
  o.tls_cert_file = cert;
  o.tls_key_file = key;
  Served s = serve(o);
  ASSERT_TRUE(s.server);
  std::vector<int> idle;
  for (int i = 0; i < 300; ++i) {
    const int fd = connect_to(s.server->port());
    if (i % 3 == 0) send_all(fd, std::string("\x16\x03\x01\x02\x00", 5));  // a ClientHello begun
    idle.push_back(fd);
  }
  std::this_thread::sleep_for(100ms);
  wsman::ClientOptions co;
  co.endpoint = s.server->endpoint();
  co.ca_file = cert;
  co.timeout_ms = 3000;
  auto c = wsman::Client::create(co);
  ASSERT_TRUE(c.ok());
  const auto t0 = Clock::now();
  auto id = (*c)->identify();
  const auto took = Clock::now() - t0;
  EXPECT_TRUE(id.ok()) << id.status().to_string();
  EXPECT_LT(took, 1000ms);
  for (int fd : idle)
    ::close(fd);
  s.server->stop();
  std::filesystem::remove_all(dir);
}

TEST(HostileTransport, TheListenPolicyResolvesFirstAndChecksEveryAddress) {
  auto fake = ServedFake::create("sim:", TargetOptions{});
  ASSERT_TRUE(fake.ok());
  auto dispatcher = std::make_shared<wsman::Dispatcher>(*fake, *fake);
  wsman::ServerOptions o;
  o.port = 0;
  o.host = "127.attacker.invalid";
  auto refused = wsman::Server::start(dispatcher, o);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("cannot resolve"), std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("127.attacker.invalid"), std::string::npos);
  o.host = "localhost";
  auto local = wsman::Server::start(dispatcher, o);
  EXPECT_TRUE(local.ok()) << local.status().to_string();
  auto loopback = [](const std::string& host) {
    auto r = wsman::resolves_to_loopback_only(host);
    return r.ok() && *r;
  };
  EXPECT_TRUE(loopback("127.0.0.1"));
  EXPECT_TRUE(loopback("::1"));
  EXPECT_TRUE(loopback("localhost"));
  EXPECT_FALSE(loopback("0.0.0.0"));
  EXPECT_FALSE(loopback("127.attacker.invalid"));
}

}  // namespace
}  // namespace hvsnap::tools
