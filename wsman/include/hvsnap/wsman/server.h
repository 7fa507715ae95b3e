// WS-Management over HTTP(S) at /wsman: serves a Dispatcher to any client — PowerShell's CIM
// cmdlets, pywinrm, libvirt-style code, or wsman::Client (contract §8). Event-driven
// (Boost.Beast/Asio, decision 0030): thousands of open connections cost a socket each, and
// every limit below applies BEFORE authentication, so nobody without credentials can hold
// more than that. Basic authentication when credentials are given; loopback by default, and
// an address other than loopback only with both TLS and authentication on (every address the
// host name resolves to is checked). Dispatcher calls run on a small pool of worker threads.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hvsnap/cim/result.h"
#include "hvsnap/wsman/dispatcher.h"

namespace hvsnap::wsman {

struct Credentials {
  std::string user;
  std::string password;
};
// "user:password" (one line; a trailing newline is ignored), as in a credentials file or
// HVSNAP_SERVE_CREDENTIALS. Errors never echo the text.
cim::Result<Credentials> parse_credentials(std::string_view text, std::string_view source);

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 5985;            // 0: any free port (see Server::port)
  std::string tls_cert_file;  // both set: HTTPS
  std::string tls_key_file;
  std::optional<Credentials> basic;  // Basic authentication
  // Threads that move bytes for the connections and, by default, run the Dispatcher calls
  // too (a call is short and bounded by the envelope limit; one hand-over less per request
  // doubles the throughput of one client on two cores: decision 0030). Each has its own
  // io_context and the connections are given to them in turn: one connection's requests are
  // read, answered and written by one thread (decision 0095). With threads > 0 the calls go to
  // that many workers instead, so that no call ever holds the I/O.
  int io_threads = 2;
  int threads = 0;

  // Connection limits (decision 0030). Each applies before authentication.
  int handshake_timeout_ms = 10'000;  // TLS: the handshake must end within this
  int idle_timeout_ms = 30'000;       // a connection with no request under way closes after this
  int header_timeout_ms = 10'000;     // request line and headers, from their first byte
  int body_timeout_ms = 30'000;       // the whole body, once the headers are in
  int write_timeout_ms = 30'000;      // the whole response
  std::size_t max_header_bytes = std::size_t{16} * 1024;  // request line + headers -> 431 beyond
  std::size_t max_header_fields = 100;                    // header lines -> 431 beyond
  // A body larger than the dispatcher's envelope limit (ParseLimits::max_bytes) -> 413.
  std::size_t max_connections = 4096;  // beyond: answered 503 and closed at once
  // Failed Basic authentications: the first `free_auth_failures` from one peer are answered at
  // once, later ones wait 100 ms, doubling up to `max_auth_delay_ms` (reset by a success).
  int free_auth_failures = 3;
  int max_auth_delay_ms = 2'000;
  // Where the server reports failed authentications and refused connections (never a
  // password). Empty: not reported. Called from the server's threads.
  std::function<void(std::string_view)> log;
  // More services beside the one at /wsman: the K-th (K from 1) at /wsman/hvsnap-host/K — the
  // other host slots of `hvsnap serve --hosts N` (decision 0122). Any other path is 404.
  std::vector<std::shared_ptr<Dispatcher>> host_slots;
};

// The service a request path names: 0 for /wsman (and /wsman/), K for /wsman/hvsnap-host/K
// when 1 <= K <= slots; nullopt for any other path (404).
std::optional<std::size_t> host_slot_of(std::string_view path, std::size_t slots);
inline constexpr std::string_view kHostSlotPath = "/wsman/hvsnap-host/";
// The text of the 404 for any other path.
std::string host_slot_not_found(std::size_t slots);

class Server {
 public:
  // Resolves and binds (so the port is known and errors are immediate), then serves on its
  // own threads.
  static cim::Result<std::unique_ptr<Server>> start(std::shared_ptr<Dispatcher> dispatcher,
                                                    ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:5985/wsman"
  std::string endpoint() const;
  // Stops accepting, lets Dispatcher calls in flight finish, closes every connection whatever
  // its client does, and returns (within about a second). Safe from any thread.
  void stop();
  // Blocks until stopped.
  void wait();
  // Connections open now (for tests and the load benchmark).
  std::size_t open_connections() const;

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl, int port, std::string endpoint);
  std::unique_ptr<Impl> impl_;
  int port_;
  std::string endpoint_;
};

// Every address `host` resolves to is a loopback address (127.0.0.0/8, ::1). A name that
// does not resolve is an error naming it.
cim::Result<bool> resolves_to_loopback_only(const std::string& host);

}  // namespace hvsnap::wsman
