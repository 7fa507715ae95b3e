// The WS-Management transport's shared state: what the listener (server.cpp) and each
// connection (server_session.cpp) both use. Private to wsman/src.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "hvsnap/wsman/server.h"

namespace hvsnap::wsman {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Basic authentication's pieces (server_auth.cpp). The base64 of a credential (at most 8 KB);
// nothing when it is not base64.
std::optional<std::string> base64_decode(std::string_view in);
// Equal, in constant time in the length of the shorter (lengths are not secret here).
bool same_secret(std::string_view a, std::string_view b);
// A user name as it may appear in a log line: printable ASCII, at most 64 characters.
std::string printable(std::string_view s);

// Failed Basic authentications per peer address: counted, logged, and slowed down
// (server_auth.cpp; used by server_session.cpp).
class AuthThrottle {
 public:
  // Records a failure; returns how long to wait before answering and whether to log it.
  std::pair<std::chrono::milliseconds, std::uint64_t> failed(const std::string& peer,
                                                             const ServerOptions& o);
  void succeeded(const std::string& peer);

 private:
  struct Entry {
    std::uint64_t failures = 0;
    std::chrono::steady_clock::time_point last{};
  };
  std::mutex mu_;
  std::unordered_map<std::string, Entry> peers_;
};

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Closes the connection now, whatever it is doing (posted to its own I/O thread).
  virtual void abort() = 0;
};

struct Server::Impl {
  std::shared_ptr<Dispatcher> dispatcher;
  ServerOptions options;
  std::size_t max_body = 0;

  // Declared before the io_context: sessions (owned by its handlers) touch these when they
  // end, and the TLS context must outlive every TLS stream.
  std::mutex sessions_mu;
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions;
  std::atomic<std::size_t> open{0};
  std::atomic<bool> stopping{false};
  AuthThrottle throttle;
  std::optional<asio::ssl::context> tls;

  // One io_context per I/O thread, each run by that thread alone (decision 0095): a
  // connection lives on one of them (given out in turn), so its request is read, answered and
  // written by one thread with no hand-over to another. The listener is on the first.
  std::vector<std::unique_ptr<asio::io_context>> iocs;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  std::size_t next_ioc = 0;  // only the accept handler touches it
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> accept_retry;
  std::optional<asio::thread_pool> workers;
  std::vector<std::thread> io_threads;

  // Only the accept handler touches these (one accept is outstanding at a time).
  std::uint64_t refused = 0;
  std::chrono::steady_clock::time_point last_refusal_log{};

  // An I/O handler that threw (a bug: its connection is dropped and the thread serves on),
  // said at most once a second with how many since the last line.
  std::mutex failed_mu;
  std::uint64_t failed_handlers = 0;
  std::chrono::steady_clock::time_point last_failure_log{};
  void handler_failed(std::string_view what) noexcept;

  std::mutex stop_mu;
  std::condition_variable stopped_cv;
  bool stopped = false;

  void log(std::string_view line) const {
    if (options.log) options.log(line);
  }
  void accept();
  template <class Stream>
  void start_session(Stream stream, tcp::endpoint peer);
};

}  // namespace hvsnap::wsman
