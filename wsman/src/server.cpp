#include "hvsnap/wsman/server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <thread>

namespace hvsnap::wsman {

namespace {

std::optional<std::string> base64_decode(std::string_view in) {
  if (in.empty() || in.size() % 4 != 0 || in.size() > 8192) return std::nullopt;
  std::string out(in.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  std::size_t len = static_cast<std::size_t>(n);
  if (in.back() == '=') --len;
  if (in.size() >= 2 && in[in.size() - 2] == '=') --len;
  out.resize(len);
  return out;
}

bool same(std::string_view a, std::string_view b) {
  // Constant time in the length of the shorter; lengths are not secret here.
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

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

bool is_loopback(std::string_view host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

struct Server::Impl {
  std::shared_ptr<Dispatcher> dispatcher;
  ServerOptions options;
  std::unique_ptr<httplib::Server> http;
  std::thread thread;
  std::mutex mu;
  bool stopped = false;
};

Server::Server(std::unique_ptr<Impl> impl, int port, std::string endpoint)
    : impl_(std::move(impl)), port_(port), endpoint_(std::move(endpoint)) {}

Server::~Server() {
  stop();
}

std::string Server::endpoint() const {
  return endpoint_;
}

cim::Result<std::unique_ptr<Server>> Server::start(std::shared_ptr<Dispatcher> dispatcher,
                                                   ServerOptions o) {
  const bool tls = !o.tls_cert_file.empty() || !o.tls_key_file.empty();
  if (tls && (o.tls_cert_file.empty() || o.tls_key_file.empty())) {
    return cim::invalid_parameter("HTTPS needs both a certificate file and a private key file");
  }
  if (!is_loopback(o.host) && !(tls && o.basic)) {
    return cim::invalid_parameter(
        fmt::format("refusing to listen on {}: an address other than loopback needs both TLS (a "
                    "certificate and key) and "
                    "authentication (credentials)",
                    o.host));
  }
  auto impl = std::make_unique<Impl>();
  impl->dispatcher = std::move(dispatcher);
  impl->options = o;
  if (tls) {
    auto s = std::make_unique<httplib::SSLServer>(o.tls_cert_file.c_str(), o.tls_key_file.c_str());
    if (!s->is_valid()) {
      return cim::invalid_parameter(
          fmt::format("cannot use the certificate {} and key {} (unreadable or not a pair)",
                      o.tls_cert_file, o.tls_key_file));
    }
    impl->http = std::move(s);
  } else {
    impl->http = std::make_unique<httplib::Server>();
  }
  httplib::Server& http = *impl->http;
  const int threads = std::max(1, o.threads);
  http.new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<std::size_t>(threads));
  };
  http.set_read_timeout(o.read_timeout_s, 0);
  http.set_keep_alive_max_count(10000);
  // An idle keep-alive connection is closed after 2 s: a stop waits for idle connections
  // (cpp-httplib cannot interrupt them), and clients reconnect transparently.
  http.set_keep_alive_timeout(2);
  http.set_tcp_nodelay(true);
  // Bodies over the dispatcher's limit are still read (up to 4x) so that the client gets a
  // proper w:EncodingLimit fault; beyond that cpp-httplib answers 413.
  const std::size_t limit = impl->dispatcher->options().limits.max_bytes;
  http.set_payload_max_length(limit * 4 + 4096);
  Impl* self = impl.get();
  auto handler = [self, limit](const httplib::Request& req, httplib::Response& res) {
    if (self->options.basic) {
      const std::string auth = req.get_header_value("Authorization");
      bool ok = false;
      if (auth.size() > 6 &&
          (auth.compare(0, 6, "Basic ") == 0 || auth.compare(0, 6, "basic ") == 0)) {
        if (auto decoded = base64_decode(std::string_view(auth).substr(6))) {
          const std::size_t colon = decoded->find(':');
          ok = colon != std::string::npos &&
               same(decoded->substr(0, colon), self->options.basic->user) &&
               same(decoded->substr(colon + 1), self->options.basic->password);
        }
      }
      if (!ok) {
        res.status = 401;
        res.set_header("WWW-Authenticate", "Basic realm=\"WSMAN\"");
        return;
      }
    }
    const std::string type = req.get_header_value("Content-Type");
    if (type.rfind("application/soap+xml", 0) != 0) {
      res.status = 415;
      res.set_content("hvsnap WS-Management expects Content-Type: application/soap+xml\n",
                      "text/plain");
      return;
    }
    if (req.body.size() > limit) {
      const Fault f = faults::request_too_large(fmt::format(
          "the envelope is {} bytes; this service accepts at most {}", req.body.size(), limit));
      res.status = f.http_status;
      res.set_content(write_fault(f, "", "uuid:00000000-0000-4000-8000-000000000000"),
                      "application/soap+xml;charset=UTF-8");
      return;
    }
    Dispatcher::Reply reply = self->dispatcher->handle(
        req.body, self->options.basic ? self->options.basic->user : req.remote_addr);
    res.status = reply.http_status;
    res.set_content(std::move(reply.body), "application/soap+xml;charset=UTF-8");
  };
  http.Post("/wsman", handler);
  http.Post("/wsman/", handler);
  auto not_post = [](const httplib::Request&, httplib::Response& res) {
    res.status = 405;
    res.set_header("Allow", "POST");
  };
  http.Get("/wsman", not_post);
  http.Put("/wsman", not_post);
  http.Delete("/wsman", not_post);
  http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        const Fault f = faults::internal_error("the service failed while handling the request");
        res.status = 500;
        res.set_content(write_fault(f, "", "uuid:00000000-0000-4000-8000-000000000000"),
                        "application/soap+xml;charset=UTF-8");
      });
  int port = o.port;
  if (port == 0) {
    port = http.bind_to_any_port(o.host);
    if (port < 0)
      return cim::Status(cim::StatusKind::kUnavailable,
                         fmt::format("cannot bind to {} (any port)", o.host));
  } else if (!http.bind_to_port(o.host, port)) {
    return cim::Status(
        cim::StatusKind::kUnavailable,
        fmt::format("cannot listen on {}:{} (in use, or not an address of this machine)", o.host,
                    port));
  }
  impl->thread = std::thread([self] { self->http->listen_after_bind(); });
  const std::string host =
      o.host.find(':') != std::string::npos && o.host.front() != '[' ? "[" + o.host + "]" : o.host;
  std::string endpoint = fmt::format("{}://{}:{}/wsman", tls ? "https" : "http", host, port);
  return std::unique_ptr<Server>(new Server(std::move(impl), port, std::move(endpoint)));
}

void Server::stop() {
  if (!impl_) return;
  std::lock_guard lock(impl_->mu);
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->http->stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

void Server::wait() {
  if (!impl_) return;
  while (true) {
    {
      std::lock_guard lock(impl_->mu);
      if (impl_->stopped) return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace hvsnap::wsman
