// A host on loopback that answers the client with canned bytes, for the transport tests
// (transport_test.cpp, decision 0101): it reads each request whole and does what its script
// says for it — bytes (in pieces, with pauses), then keep the connection, close it or reset it.
#pragma once

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hvsnap::wsman::testing {

// A host that reads each request whole and answers with what its script says: bytes (in
// pieces, with pauses), then keep the connection, close it, or reset it. One connection at a
// time, as one client thread uses them.
class ScriptedHost {
 public:
  // kGone: the host stops listening, then closes the connection (later connects are refused).
  enum class Then : std::uint8_t { kKeep, kClose, kReset, kGone };
  struct Step {
    std::vector<std::string> pieces;
    int delay_ms = 0;  // before the first piece
    int gap_ms = 0;    // between pieces
    Then then = Then::kKeep;
  };
  explicit ScriptedHost(std::function<Step(int request)> script) : script_(std::move(script)) {
    listen_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    EXPECT_EQ(::bind(listen_, reinterpret_cast<sockaddr*>(&a), len), 0);
    EXPECT_EQ(::listen(listen_, 16), 0);
    ::getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~ScriptedHost() {
    stop_ = true;
    thread_.join();
    if (listen_ >= 0) ::close(listen_);
  }
  ScriptedHost(const ScriptedHost&) = delete;
  ScriptedHost& operator=(const ScriptedHost&) = delete;

  int port() const { return port_; }
  std::vector<std::string> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  int connections() {
    std::lock_guard lock(mu_);
    return connections_;
  }

 private:
  bool readable(int fd) const {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 10) > 0;
  }
  void pause(int ms) const {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (!stop_ && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  void run() {
    while (!stop_) {
      if (!readable(listen_)) continue;
      const int fd = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      {
        std::lock_guard lock(mu_);
        ++connections_;
      }
      serve(fd);
    }
  }
  // One whole request (head and Content-Length body) from `buf` and the socket; false when
  // the client closed or the host stops.
  bool read_request(int fd, std::string& buf, std::string& request) const {
    while (true) {
      const std::size_t end = buf.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::size_t length = 0;
        const std::size_t at = buf.find("Content-Length: ");
        if (at != std::string::npos && at < end) length = std::stoul(buf.substr(at + 16));
        if (buf.size() >= end + 4 + length) {
          request = buf.substr(0, end + 4 + length);
          buf.erase(0, end + 4 + length);
          return true;
        }
      }
      if (stop_) return false;
      if (!readable(fd)) continue;
      std::array<char, 65536> chunk{};
      const ssize_t n = ::recv(fd, chunk.data(), chunk.size(), 0);
      if (n <= 0) return false;
      buf.append(chunk.data(), static_cast<std::size_t>(n));
    }
  }
  void serve(int fd) {
    std::string buf;
    std::string request;
    while (read_request(fd, buf, request)) {
      int n = 0;
      {
        std::lock_guard lock(mu_);
        n = static_cast<int>(requests_.size());
        requests_.push_back(request);
      }
      const Step step = script_(n);
      pause(step.delay_ms);
      for (std::size_t i = 0; i < step.pieces.size(); ++i) {
        if (i > 0) pause(step.gap_ms);
        ::send(fd, step.pieces[i].data(), step.pieces[i].size(), MSG_NOSIGNAL);
      }
      if (step.then == Then::kReset) {
        const linger now{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &now, sizeof now);
      }
      if (step.then == Then::kGone) {  // only this thread reads listen_ until it is joined
        ::close(listen_);
        listen_ = -1;
      }
      if (step.then != Then::kKeep) break;
    }
    ::close(fd);
  }

  std::function<Step(int)> script_;
  int listen_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> requests_;
  int connections_ = 0;
  std::thread thread_;
};

}  // namespace hvsnap::wsman::testing
