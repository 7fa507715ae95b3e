// The WS-Management HTTP(S) transport (contract §8; decision 0030): it resolves and checks
// the listen address, loads the TLS certificate and key, binds, accepts (a short 503 beyond
// the connection limit), runs the I/O threads and stops. Each connection is a session
// (server_session.cpp); what both share is server_impl.h.
// Beast's string_view is std::string_view in this file (Boost 1.74 defaults to its own).
#define BOOST_BEAST_USE_STD_STRING_VIEW 1
#include "hvsnap/wsman/server.h"
#include <fmt/format.h>

#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <string>
#include <utility>

#include "hvsnap/cim/file.h"
#include "server_impl.h"

namespace hvsnap::wsman {

namespace beast = boost::beast;
using namespace std::chrono_literals;

cim::Result<Credentials> parse_credentials(std::string_view text, std::string_view source) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.remove_suffix(1);
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size() ||
      text.find('\n') != std::string_view::npos) {
    return cim::invalid_parameter(
        fmt::format("{}: expected one line \"user:password\" (neither part empty)", source));
  }
  return Credentials{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
}

namespace {

cim::Result<std::vector<tcp::endpoint>> resolve(const std::string& host, int port) {
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  boost::system::error_code ec;
  auto results = resolver.resolve(host, std::to_string(port),
                                  tcp::resolver::numeric_service | tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    return cim::invalid_parameter(fmt::format("cannot resolve the listen address '{}': {}", host,
                                              ec ? ec.message() : std::string("no address")));
  }
  std::vector<tcp::endpoint> out;
  for (const auto& r : results)
    out.push_back(r.endpoint());
  return out;
}

// Reads the certificate chain and the private key into `tls`, a server context that refuses
// SSL and TLS before 1.2.
cim::Status load_tls(std::optional<asio::ssl::context>& tls, const ServerOptions& o) {
  // Read here, bounded and regular files only (cim/file.h): OpenSSL reading a FIFO or
  // /dev/zero itself would hang or exhaust memory.
  constexpr std::size_t kMaxPemBytes = std::size_t{1024} * 1024;
  auto cert = cim::read_regular_file(o.tls_cert_file, kMaxPemBytes, "the TLS certificate");
  if (!cert.ok()) return cert.status();
  auto key = cim::read_regular_file(o.tls_key_file, kMaxPemBytes, "the TLS private key");
  if (!key.ok()) return key.status();
  tls.emplace(asio::ssl::context::tls_server);
  boost::system::error_code ec;
  tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1,
                   ec);
  tls->use_certificate_chain(asio::buffer(*cert), ec);
  if (ec) {
    return cim::invalid_parameter(
        fmt::format("cannot use the TLS certificate {}: {}", o.tls_cert_file, ec.message()));
  }
  tls->use_private_key(asio::buffer(*key), asio::ssl::context::pem, ec);
  if (ec) {
    return cim::invalid_parameter(
        fmt::format("cannot use the TLS private key {}: {}", o.tls_key_file, ec.message()));
  }
  if (SSL_CTX_check_private_key(tls->native_handle()) != 1) {
    return cim::invalid_parameter(fmt::format("the certificate {} and the key {} are not a pair",
                                              o.tls_cert_file, o.tls_key_file));
  }
  return {};
}

}  // namespace

cim::Result<bool> resolves_to_loopback_only(const std::string& host) {
  auto eps = resolve(host, 0);
  if (!eps.ok()) return eps.status();
  for (const auto& e : *eps) {
    if (!e.address().is_loopback()) return false;
  }
  return true;
}

void Server::Impl::handler_failed(std::string_view what) noexcept {
  // Called in an I/O thread's catch: nothing may escape it (that would end the process).
  try {
    std::string_view cut = what.substr(0, 300);
    if (cut.size() < what.size()) {  // not inside a UTF-8 character
      while (!cut.empty() && (static_cast<unsigned char>(what[cut.size()]) & 0xC0) == 0x80)
        cut.remove_suffix(1);
    }
    std::string shown(cut);
    for (char& ch : shown) {
      if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = ' ';  // one line, no escapes
    }
    std::uint64_t failed = 0;
    {
      const std::lock_guard lock(failed_mu);
      ++failed_handlers;
      const auto now = std::chrono::steady_clock::now();
      if (now - last_failure_log < 1s) return;
      failed = std::exchange(failed_handlers, 0);
      last_failure_log = now;
    }
    log(
        fmt::format("{} I/O handler(s) failed, the latest with: {} (their connections were "
                    "dropped unanswered; the server serves on; this is a bug of hvsnap's)",
                    failed, shown));
  } catch (...) {  // NOLINT(bugprone-empty-catch): a log line is not worth the process
  }
}

void Server::Impl::accept() {
  // The next connection's thread, in turn (decision 0095).
  asio::io_context& home = *iocs[next_ioc++ % iocs.size()];
  acceptor->async_accept(home, [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || stopping) return;
    if (!ec) {
      boost::system::error_code e2;
      const tcp::endpoint peer = socket.remote_endpoint(e2);
      if (!e2) {
        socket.set_option(tcp::no_delay(true), e2);
        if (++open > options.max_connections) {
          // Full: a short 503 and close, never a queue that starves whoever comes next.
          --open;
          ++refused;
          if (const auto now = std::chrono::steady_clock::now(); now - last_refusal_log >= 1s) {
            // At most a line a second, however many are refused.
            log(
                fmt::format("refused {} connection(s) (the latest from {}): {} are open, the "
                            "limit",
                            refused, peer.address().to_string(), options.max_connections));
            refused = 0;
            last_refusal_log = now;
          }
          static constexpr std::string_view kBusy =
              "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: "
              "close\r\nRetry-After: 1\r\n\r\n";
          socket.non_blocking(true, e2);
          (void)socket.write_some(asio::buffer(kBusy.data(), kBusy.size()), e2);
          socket.close(e2);
        } else if (tls) {
          start_session(beast::ssl_stream<beast::tcp_stream>(std::move(socket), *tls), peer);
        } else {
          start_session(beast::tcp_stream(std::move(socket)), peer);
        }
      }
    } else if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space) {
      // Out of descriptors: try again a little later instead of spinning (the connections
      // that hold them end at their deadlines).
      accept_retry->expires_after(50ms);
      accept_retry->async_wait([this](beast::error_code e) {
        if (!e && !stopping) accept();
      });
      return;
    }
    accept();
  });
}

Server::Server(std::unique_ptr<Impl> impl, int port, std::string endpoint)
    : impl_(std::move(impl)), port_(port), endpoint_(std::move(endpoint)) {}

Server::~Server() {
  stop();
}

std::string Server::endpoint() const {
  return endpoint_;
}

std::size_t Server::open_connections() const {
  return impl_ ? impl_->open.load() : 0;
}

cim::Result<std::unique_ptr<Server>> Server::start(std::shared_ptr<Dispatcher> dispatcher,
                                                   ServerOptions o) {
  const bool tls = !o.tls_cert_file.empty() || !o.tls_key_file.empty();
  if (tls && (o.tls_cert_file.empty() || o.tls_key_file.empty())) {
    return cim::invalid_parameter("HTTPS needs both a certificate file and a private key file");
  }
  if (o.port < 0 || o.port > 65535)
    return cim::invalid_parameter(fmt::format("port {} is not 0 to 65535", o.port));
  // Resolve first, then check every address: a name that merely starts like a loopback
  // address ("127.attacker.example") is judged by what it resolves to.
  auto addresses = resolve(o.host, o.port);
  if (!addresses.ok()) return addresses.status();
  for (const auto& a : *addresses) {
    if (!a.address().is_loopback() && !(tls && o.basic)) {
      return cim::invalid_parameter(fmt::format(
          "refusing to listen on {} ({}): an address other than loopback needs both TLS (a "
          "certificate and key) and authentication (credentials)",
          o.host, a.address().to_string()));
    }
  }
  auto impl = std::make_unique<Impl>();
  impl->dispatcher = std::move(dispatcher);
  impl->options = o;
  impl->max_body = impl->dispatcher->options().limits.max_bytes;
  if (tls) {
    if (cim::Status loaded = load_tls(impl->tls, o); !loaded.ok()) return loaded;
  }
  const tcp::endpoint where = addresses->front();
  boost::system::error_code ec;
  const std::size_t io_threads = static_cast<std::size_t>(std::max(1, o.io_threads));
  for (std::size_t i = 0; i < io_threads; ++i) {
    // Concurrency hint 1: one thread runs it (other threads still post to it safely).
    impl->iocs.push_back(std::make_unique<asio::io_context>(1));
    impl->keep_running.push_back(asio::make_work_guard(*impl->iocs.back()));
  }
  // The acceptor, its retry timer and its closing are on the first I/O thread (stop() posts
  // there), so no accept handler runs while it closes.
  impl->acceptor.emplace(*impl->iocs.front());
  impl->accept_retry.emplace(*impl->iocs.front());
  impl->acceptor->open(where.protocol(), ec);
  if (!ec) impl->acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor->bind(where, ec);
  if (!ec) impl->acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return cim::Status(cim::StatusKind::kUnavailable,
                       fmt::format("cannot listen on {}:{} ({}): {}", o.host, o.port,
                                   where.address().to_string(), ec.message()));
  }
  const int port = impl->acceptor->local_endpoint().port();
  if (o.threads > 0) impl->workers.emplace(static_cast<std::size_t>(o.threads));
  impl->accept();
  Impl* self = impl.get();
  for (std::size_t i = 0; i < io_threads; ++i) {
    impl->io_threads.emplace_back([self, i] {
      for (;;) {
        try {
          self->iocs[i]->run();
          return;
        } catch (const std::exception& e) {
          self->handler_failed(e.what());  // a bug: keep serving the others, and say so
        } catch (...) {
          self->handler_failed("an exception that is not a std::exception");
        }
      }
    });
  }
  const std::string host =
      o.host.find(':') != std::string::npos && o.host.front() != '[' ? "[" + o.host + "]" : o.host;
  std::string endpoint = fmt::format("{}://{}:{}/wsman", tls ? "https" : "http", host, port);
  return std::unique_ptr<Server>(new Server(std::move(impl), port, std::move(endpoint)));
}

void Server::stop() {
  if (!impl_) return;
  Impl& s = *impl_;
  if (s.stopping.exchange(true)) return wait();
  asio::post(s.acceptor->get_executor(), [&s] {
    boost::system::error_code ignored;
    s.acceptor->close(ignored);
    s.accept_retry->cancel();
  });
  // Dispatcher calls in flight finish (their answers may no longer be written).
  if (s.workers) s.workers->join();
  {
    std::vector<std::shared_ptr<SessionBase>> all;
    {
      std::lock_guard lock(s.sessions_mu);
      for (auto& [p, w] : s.sessions) {
        if (auto sp = w.lock()) all.push_back(std::move(sp));
      }
    }
    for (auto& sp : all)
      sp->abort();
  }
  // Every connection closes within a moment; whatever is left is cut off.
  const auto deadline = std::chrono::steady_clock::now() + 1s;
  while (s.open.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  for (auto& ioc : s.iocs)
    ioc->stop();
  for (auto& t : s.io_threads) {
    if (t.joinable()) t.join();
  }
  // The close posted above may not have run before the I/O threads stopped; no thread runs
  // the acceptor now, so close it here: once stop() returns, a connection is refused rather
  // than taken into the listen backlog to wait out its client's timeout.
  boost::system::error_code ignored;
  s.acceptor->close(ignored);
  s.accept_retry->cancel();
  {
    std::lock_guard lock(s.stop_mu);
    s.stopped = true;
  }
  s.stopped_cv.notify_all();
}

void Server::wait() {
  if (!impl_) return;
  std::unique_lock lock(impl_->stop_mu);
  impl_->stopped_cv.wait(lock, [this] { return impl_->stopped; });
}

}  // namespace hvsnap::wsman
