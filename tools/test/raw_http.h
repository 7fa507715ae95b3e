// Raw-socket helpers shared by the WS-Man transport's hostile tests (hostile_transport_test,
// hostile_transport_server_test; decision 0030): a served fake on a free loopback port with
// its log kept, exact bytes sent and HTTP responses read back with deadlines, a timed Identify
// of a fresh client, the process's resident memory and a Basic authorization header.
#pragma once

#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "hvsnap/tools/served.h"
#include "hvsnap/wsman/server.h"

namespace hvsnap::tools::raw_http {

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
};
inline const RaiseFileLimit kRaiseFileLimit;

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

inline Served serve(wsman::ServerOptions o = {}) {
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

inline int connect_to(int port) {
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

inline bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Reads until `done(buffer)` or the peer closes or the deadline passes.
inline std::string read_until(int fd, std::chrono::milliseconds limit,
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
inline std::vector<HttpResponse> responses_in(const std::string& buf) {
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

inline std::vector<HttpResponse> read_responses(int fd, std::size_t n,
                                                std::chrono::milliseconds limit = 5000ms) {
  return responses_in(
      read_until(fd, limit, [n](const std::string& b) { return responses_in(b).size() >= n; }));
}

inline const std::string kIdentify =
    "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
    "xmlns:wsmid=\"http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd\">"
    "<s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>";

inline std::string post(std::string_view body, std::string_view extra_headers = "",
                        std::string_view type = "application/soap+xml;charset=UTF-8") {
  return fmt::format(
      "POST /wsman HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {}\r\nContent-Length: "
      "{}\r\n{}\r\n{}",
      type, body.size(), extra_headers, body);
}

// A fresh client's Identify, start to end.
inline std::chrono::milliseconds time_identify(int port, bool* ok) {
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

inline long rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

inline std::string basic(std::string_view user_password) {
  static constexpr std::string_view kB64 =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
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

}  // namespace hvsnap::tools::raw_http
