// The WS-Man transport under hostile load (decision 0030), the server side: Expect: 100-continue
// and failed logins, stopping whatever the clients do, a full server, idle TLS handshakes and
// the listen policy, each bounded in time, each against the served fake (contract §8). Raw
// sockets (raw_http.h); the slow, idle and ambiguous requests are hostile_transport_test.cpp.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "hvsnap/cim/names.h"
#include "hvsnap/wsman/client.h"

#include "raw_http.h"

namespace hvsnap::tools {
namespace {

using namespace std::chrono_literals;
using namespace raw_http;

TEST(HostileTransport, ExpectContinueIsAnsweredOnlyAfterAuthentication) {
  wsman::ServerOptions o;
  o.basic = wsman::Credentials{"alice", "s3cret"};
  Served s = serve(o);
  const std::string big_header =
      "POST /wsman HTTP/1.1\r\nHost: x\r\nContent-Type: application/soap+xml\r\nContent-Length: "
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
    send_all(fd, fmt::format("POST /wsman HTTP/1.1\r\nHost: x\r\nContent-Type: "
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
    if (i % 2 == 0) send_all(fd, "POST /wsman HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n");
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
