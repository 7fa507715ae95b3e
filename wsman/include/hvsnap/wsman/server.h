// WS-Management over HTTP(S) at /wsman (cpp-httplib): serves a Dispatcher to any client —
// PowerShell's CIM cmdlets, pywinrm, libvirt-style code, or wsman::Client. Basic
// authentication when credentials are given; 127.0.0.1 by default, and a non-loopback address
// only with both TLS and authentication on. Several clients at once (a thread pool).
#pragma once

#include <memory>
#include <optional>
#include <string>

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
  int threads = 8;
  int read_timeout_s = 30;
};

class Server {
 public:
  // Binds (so the port is known and errors are immediate) and starts serving on a thread.
  static cim::Result<std::unique_ptr<Server>> start(std::shared_ptr<Dispatcher> dispatcher,
                                                    ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:5985/wsman"
  std::string endpoint() const;
  // Stops accepting, finishes requests in flight, and returns. Safe from any thread.
  void stop();
  // Blocks until stopped.
  void wait();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl, int port, std::string endpoint);
  std::unique_ptr<Impl> impl_;
  int port_;
  std::string endpoint_;
};

bool is_loopback(std::string_view host);

}  // namespace hvsnap::wsman
