// The WS-Management HTTP(S) transport's connections (contract §8; decision 0030): one
// event-driven session per client on Boost.Beast/Asio, every limit applied before
// authentication, the Dispatcher run on worker threads. Per connection:
//   [TLS handshake, deadline] -> idle wait for a request's first byte (deadline)
//   -> request line + headers (deadline, byte and line limits) -> checks: authentication,
//   path, method, Content-Type, Content-Length (one, numeric, within the envelope limit)
//   -> "100 Continue" only now, if asked -> body (deadline) -> Dispatcher (worker) -> response
//   -> next request from the same buffer (pipelining) or close.
// A client that half-closes after its request still gets the answer: the request is read in
// full before the response is written, and end-of-stream is only seen by the next read.
// The listener (resolve, bind, TLS, accept, stop) is server.cpp; Basic authentication's pieces
// and its throttle are server_auth.cpp; the HTTP rules that need no connection (framing, the
// target, the request line Beast refuses, Date) are server_http.cpp.
// Beast's string_view is std::string_view in this file (Boost 1.74 defaults to its own).
#define BOOST_BEAST_USE_STD_STRING_VIEW 1
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <ctime>
#include <functional>
#include <iterator>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "hvsnap/cim/text.h"
#include "server_http.h"
#include "server_impl.h"

namespace hvsnap::wsman {

namespace beast = boost::beast;
namespace http = beast::http;
using namespace std::chrono_literals;

namespace {

// Whichever Dispatcher::handle the protocol layer offers: with the client's identity (so an
// enumeration context is bound to whoever opened it) when it takes one.
template <class D>
Dispatcher::Reply call_dispatcher(D& d, std::string_view body, const std::string& client) {
  if constexpr (requires { d.handle(body, client); }) {
    return d.handle(body, client);
  } else {
    (void)client;
    return d.handle(body);
  }
}

constexpr const char* kSoapType = "application/soap+xml;charset=UTF-8";
constexpr const char* kNoMessageId = "uuid:00000000-0000-4000-8000-000000000000";

}  // namespace

namespace {

template <class Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  Session(Server::Impl& server, Stream stream, tcp::endpoint peer)
      : server_(server),
        stream_(std::move(stream)),
        peer_(peer.address().to_string()),
        buffer_(server.options.max_header_bytes + server.max_body + std::size_t{64} * 1024),
        delay_(stream_.get_executor()) {
    // Chunk extensions are held to the header's size over the message (RFC 9112, 7.1.1: a
    // server ought to limit them), and hold no control character but HTAB: Beast lets a bare
    // LF or a NUL through in a quoted value, which a reader that ends a line at LF (RFC 9112,
    // 2.2 lets it) would frame differently, so that a request could ride in the body. The last
    // chunk's extensions are a view into the buffer the parser reads: its line is where the
    // trailer begins (trailer_refusal counts the trailer as sent).
    on_chunk_ = [this](std::uint64_t size, std::string_view extensions, beast::error_code& ec) {
      extension_bytes_ += extensions.size();
      if (extension_bytes_ > options().max_header_bytes) {
        refusal_ = {
            http::status::request_header_fields_too_large,
            fmt::format("the chunk extensions exceed {} bytes\n", options().max_header_bytes)};
        ec = http::error::bad_chunk_extension;
        return;
      }
      for (const char c : extensions) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && u != '\t') || u == 0x7F) {
          refusal_ = {http::status::bad_request, "a chunk extension holds a control character\n"};
          ec = http::error::bad_chunk_extension;
          return;
        }
      }
      if (size == 0) last_chunk_at_ = extensions.data();
    };
  }

  ~Session() override {
    {
      std::lock_guard lock(server_.sessions_mu);
      server_.sessions.erase(this);
    }
    --server_.open;
  }

  // Starts the session on its own I/O thread (decision 0095), wherever it was accepted.
  void start() {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->run(); });
  }

  void abort() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->delay_.cancel();
      self->lowest().close();
    });
  }

 private:
  void run() {
    if constexpr (kTls) {
      lowest().expires_after(std::chrono::milliseconds(server_.options.handshake_timeout_ms));
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->close();
                                self->next_request();
                              });
    } else {
      next_request();
    }
  }

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  const ServerOptions& options() const { return server_.options; }

  void next_request() {
    if (server_.stopping) return close();
    version_rewritten_ = false;
    header_deadline_ = false;
    fresh_parser();
    denied_.reset();
    if (buffer_.size() > 0) return read_header();  // a pipelined request is already here
    // Idle: wait for the first byte of the next request.
    lowest().expires_after(std::chrono::milliseconds(options().idle_timeout_ms));
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) return self->close();
                              self->buffer_.commit(n);
                              self->read_header();
                            });
  }

  void fresh_parser() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(options().max_header_bytes));
    // No body limit while the headers are read: a declared length is judged after
    // authentication (401 before 413); the limit is set before the body is read.
    // (Not boost::none: Beast 1.74 compares a length with an empty optional as "larger".)
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    parser_->on_chunk_header(on_chunk_);
    last_chunk_at_ = nullptr;
    trailer_bytes_ = 0;
    extension_bytes_ = 0;
    refusal_.reset();
  }

  // A request line whose version Beast refuses, still unread in the buffer (read_as_http11):
  // read on until its end has come, answered 505 or 400, or read as HTTP/1.1, once.
  void another_version() {
    auto* data = static_cast<char*>(buffer_.data().data());
    const VersionVerdict v = read_as_http11(std::string_view(data, buffer_.size()));
    if (v.kind == VersionVerdict::kIncomplete && !version_rewritten_) {
      // Read on (under the header's deadline, armed once), and parse the line again.
      if (buffer_.size() >= options().max_header_bytes) return on_header(http::error::header_limit);
      fresh_parser();
      arm_header_deadline();
      return read_more(false);
    }
    if (v.kind == VersionVerdict::kOtherMajor) {
      return answer_plain(http::status::http_version_not_supported,
                          fmt::format("this server speaks HTTP/1.1, not {}\n", v.version), false);
    }
    if (v.kind != VersionVerdict::kReadAs11 || version_rewritten_)
      return answer_plain(http::status::bad_request, "malformed HTTP request line\n", false);
    data[v.minor_at] = '1';
    version_rewritten_ = true;
    fresh_parser();
    read_header();
  }

  // Feeds the parser what the buffer already holds (decision 0095): a request usually arrives
  // whole in one read, and parsing it here saves an asynchronous round, its deadline timer and
  // its hand-over through the executor (the same parser, so the same limits and errors). True
  // when the header (or, `whole`, the message) is complete or an error (in `ec`) ended it;
  // false when more bytes must be read.
  bool parse_buffered(bool whole, beast::error_code& ec) {
    ec = {};
    auto complete = [&] { return whole ? parser_->is_done() : parser_->is_header_done(); };
    if (!whole && !parser_->got_some()) {
      // Empty lines before a request line are ignored (RFC 9112, 2.2); a CR alone waits.
      while (buffer_.size() >= 2 && static_cast<const char*>(buffer_.data().data())[0] == '\r' &&
             static_cast<const char*>(buffer_.data().data())[1] == '\n')
        buffer_.consume(2);
      if (buffer_.size() == 1 && static_cast<const char*>(buffer_.data().data())[0] == '\r')
        return false;
    }
    while (buffer_.size() > 0 && !complete()) {
      std::size_t used = 0;
      try {
        used = parser_->put(buffer_.data(), ec);
      } catch (const std::length_error&) {
        // Beast's fields hold a name or value of at most 64 KiB and throw past it: a trailer
        // field can be that long (the header's are held to max_header_bytes first).
        refusal_ = {http::status::request_header_fields_too_large,
                    whole ? "a trailer field of the chunked body is too long to be read\n"
                          : "a header field is too long to be read\n"};
        ec = http::error::header_limit;
        return true;
      }
      if (last_chunk_at_ != nullptr) {
        // The last chunk was read in this call, which read its trailer to the end as well.
        trailer_bytes_ = static_cast<std::size_t>(static_cast<const char*>(buffer_.data().data()) +
                                                  used - last_chunk_at_);
        last_chunk_at_ = nullptr;
      }
      buffer_.consume(used);
      if (ec == http::error::need_more) {
        ec = {};
        return false;
      }
      if (ec) return true;
      if (used == 0) return false;
    }
    return complete();
  }

  void read_header() {
    if (beast::error_code ec; parse_buffered(false, ec)) return on_header(ec);
    arm_header_deadline();
    read_more(false);
  }

  // One deadline for a request's header, however many reads it takes (a slow client does not
  // move it).
  void arm_header_deadline() {
    if (header_deadline_) return;
    header_deadline_ = true;
    lowest().expires_after(std::chrono::milliseconds(options().header_timeout_ms));
  }

  // The next bytes of the header or (`whole`) of the body, parsed as they come
  // (parse_buffered, which also turns what Beast throws into an error), under the deadline
  // armed before.
  void read_more(bool whole) {
    const auto done = [this, whole](beast::error_code ec) {
      return whole ? on_body(ec) : on_header(ec);
    };
    const std::size_t room = buffer_.max_size() - buffer_.size();
    if (room == 0) return done(whole ? http::error::buffer_overflow : http::error::header_limit);
    stream_.async_read_some(
        buffer_.prepare(std::min<std::size_t>(room, std::size_t{64} * 1024)),
        [self = this->shared_from_this(), whole, done](beast::error_code ec, std::size_t n) {
          if (ec) return done(ec);
          self->buffer_.commit(n);
          if (beast::error_code e; self->parse_buffered(whole, e)) return done(e);
          self->read_more(whole);
        });
  }

  void on_header(beast::error_code ec) {
    if (ec == http::error::bad_version) return another_version();
    if (ec && refusal_) return answer_plain(refusal_->first, std::move(refusal_->second), false);
    if (ec == http::error::header_limit) {
      // Beast also says so of a folded (obs-fold) field over its 4 KiB: a whole header within
      // the limit can only be refused for that.
      const std::string_view held(static_cast<const char*>(buffer_.data().data()), buffer_.size());
      const std::size_t end = held.find("\r\n\r\n");
      if (end != std::string_view::npos && end + 4 <= options().max_header_bytes) {
        return answer_plain(http::status::request_header_fields_too_large,
                            "a folded header field is longer than 4096 bytes\n", false);
      }
      return answer_plain(
          http::status::request_header_fields_too_large,
          fmt::format("the request line and headers exceed {} bytes\n", options().max_header_bytes),
          false);
    }
    if (ec == http::error::bad_content_length) {
      return answer_plain(http::status::bad_request, "Content-Length must be one decimal number\n",
                          false);
    }
    if (ec == beast::error::timeout || ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
      return close();
    }
    if (ec) return answer_plain(http::status::bad_request, "malformed HTTP request\n", false);

    const auto& req = parser_->get();
    const auto fields = static_cast<std::size_t>(std::distance(req.begin(), req.end()));
    header_fields_ = fields;
    request_keep_alive_ = req.keep_alive();
    if (fields > options().max_header_fields) {
      return answer_plain(http::status::request_header_fields_too_large,
                          fmt::format("more than {} header lines\n", options().max_header_fields),
                          false);
    }
    const std::size_t lengths = req.count(http::field::content_length);
    if (lengths > 1) {
      return answer_plain(http::status::bad_request, "more than one Content-Length header\n",
                          false);
    }
    if (lengths == 1) {
      const std::string_view cl = cim::trim_blanks(req[http::field::content_length]);
      if (cl.empty() || cl.find_first_not_of("0123456789") != std::string_view::npos) {
        return answer_plain(http::status::bad_request,
                            "Content-Length must be one decimal number\n", false);
      }
    }
    if (auto refusal = framing_refusal(req, parser_->chunked())) {
      return answer_plain(refusal->first, std::move(refusal->second), false);
    }
    const bool has_body = parser_->chunked() || parser_->content_length().value_or(0) > 0;
    // An HTTP/1.0 request's expectation is ignored (RFC 9110, 10.1.1): no 1xx goes to it.
    const bool http11 = req.version() >= 11;
    const bool expects_continue =
        http11 && cim::iequals(cim::trim_blanks(req[http::field::expect]), "100-continue");
    if (http11 && req.count(http::field::expect) > 0 && !expects_continue) {
      return answer_plain(http::status::expectation_failed, "only 100-continue is understood\n",
                          false);
    }
    // Answer now and close when the client holds back its body (Expect) or the body is
    // large; read a small body first so that the connection stays usable.
    const bool answer_early = expects_continue || !has_body || parser_->chunked() ||
                              parser_->content_length().value_or(0) > std::size_t{64} * 1024;
    admit(expects_continue, answer_early);
  }

  // After the framing checks: authentication (a failure is answered after the throttle's
  // delay), then the path, the method, Content-Type and the declared size; then "100
  // Continue" if it was asked for, and the body.
  void admit(bool expects_continue, bool answer_early) {
    const auto& req = parser_->get();
    if (options().basic && !authenticated()) {
      const auto [delay, failures] = server_.throttle.failed(peer_, options());
      if (failures <= 10 || (failures & (failures - 1)) == 0) {
        server_.log(fmt::format(
            "failed Basic authentication from {} (user '{}'; {} in a row from this address{})",
            peer_, printable(claimed_user_), failures,
            delay.count() > 0 ? fmt::format("; answered after {} ms", delay.count()) : ""));
      }
      denied_ = Denial{http::status::unauthorized, "authentication required\n"};
      delay_.expires_after(delay);
      delay_.async_wait([self = this->shared_from_this(), answer_early](beast::error_code e) {
        if (e || self->server_.stopping) return self->close();
        if (answer_early) return self->answer_denied(false);
        self->read_body();
      });
      return;
    }
    if (options().basic) server_.throttle.succeeded(peer_);

    const std::string_view target = origin_form(req.target());
    const std::string_view path = target.substr(0, target.find('?'));
    const auto& slots = options().host_slots;  // decision 0122
    const auto slot = host_slot_of(path, slots.size());
    dispatcher_ = slot && *slot > 0 ? slots[*slot - 1].get() : server_.dispatcher.get();
    if (!slot || dispatcher_ == nullptr) {
      denied_ = Denial{http::status::not_found, host_slot_not_found(slots.size())};
    } else if (req.method() != http::verb::post) {
      denied_ = Denial{http::status::method_not_allowed, "WS-Management takes POST\n"};
    } else {
      // application/soap+xml exactly, parameters (charset) allowed.
      const std::string_view type = req[http::field::content_type];
      if (!cim::iequals(cim::trim_blanks(type.substr(0, type.find(';'))), "application/soap+xml")) {
        denied_ = Denial{http::status::unsupported_media_type,
                         "hvsnap WS-Management expects Content-Type: application/soap+xml\n"};
      } else if (parser_->content_length().value_or(0) > server_.max_body) {
        // MS-WSMV 3.1.4.1.20: larger than the envelope limit, refused unread.
        denied_ = this->too_large(static_cast<std::size_t>(*parser_->content_length()));
        return answer_denied(false);
      }
    }
    if (denied_) {
      if (answer_early) return answer_denied(false);
      return read_body();
    }
    if (expects_continue) {
      continue_.emplace(http::status::continue_, req.version());
      lowest().expires_after(std::chrono::milliseconds(options().write_timeout_ms));
      return http::async_write(stream_, *continue_,
                               [self = this->shared_from_this()](beast::error_code e, std::size_t) {
                                 if (e) return self->close();
                                 self->read_body();
                               });
    }
    read_body();
  }

  bool authenticated() {
    const std::string_view auth = parser_->get()[http::field::authorization];
    claimed_user_.clear();
    if (auth.size() <= 6 || !cim::iequals(auth.substr(0, 6), "Basic ")) return false;
    auto decoded = base64_decode(cim::trim_blanks(auth.substr(6)));
    if (!decoded) return false;
    const std::size_t colon = decoded->find(':');
    if (colon == std::string::npos) return false;
    claimed_user_ = decoded->substr(0, colon);
    const bool user_ok = same_secret(claimed_user_, options().basic->user);
    const bool password_ok =
        same_secret(std::string_view(*decoded).substr(colon + 1), options().basic->password);
    return user_ok && password_ok;
  }

  void read_body() {
    parser_->body_limit(server_.max_body);  // a chunked body is counted as it comes
    if (beast::error_code ec; parse_buffered(true, ec)) return on_body(ec);
    lowest().expires_after(std::chrono::milliseconds(options().body_timeout_ms));
    read_more(true);
  }

  void on_body(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      denied_ = this->too_large(server_.max_body + 1);
      return answer_denied(false);
    }
    if (ec == beast::error::timeout || ec == http::error::end_of_stream ||
        ec == http::error::partial_message || ec == asio::error::eof ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
      return close();
    }
    if (ec && refusal_) return answer_plain(refusal_->first, std::move(refusal_->second), false);
    if (ec == http::error::header_limit) {  // what Beast says of a trailer's fold past 4 KiB
      return answer_plain(http::status::request_header_fields_too_large,
                          "a folded trailer field is longer than 4096 bytes\n", false);
    }
    if (ec == http::error::buffer_overflow) {
      return answer_plain(http::status::request_header_fields_too_large,
                          fmt::format("a chunk's size line or the trailer fields exceed the {} "
                                      "bytes this server holds for a request\n",
                                      buffer_.max_size()),
                          false);
    }
    if (ec) return answer_plain(http::status::bad_request, "malformed request body\n", false);
    if (auto refusal = trailer_refusal())
      return answer_plain(refusal->first, refusal->second, false);
    if (denied_) return answer_denied(request_keep_alive_);
    dispatch();
  }

  // A chunked body's trailer fields (RFC 9112, 7.1.2), which Beast adds to the header's: held
  // to the header's limits, counted as sent (from the last chunk's line to the blank line that
  // ends the message), and not read as the header's (RFC 9110, 6.5.1: the connection is kept or
  // closed as the header said, whatever a trailer's Connection says).
  std::optional<std::pair<http::status, std::string>> trailer_refusal() const {
    if (!parser_->chunked()) return std::nullopt;  // only a chunked body has a trailer
    const auto& req = parser_->get();
    const auto fields = static_cast<std::size_t>(std::distance(req.begin(), req.end()));
    if (fields - header_fields_ > options().max_header_fields) {
      return std::pair{http::status::request_header_fields_too_large,
                       fmt::format("more than {} trailer lines\n", options().max_header_fields)};
    }
    if (trailer_bytes_ > options().max_header_bytes) {
      return std::pair{http::status::request_header_fields_too_large,
                       fmt::format("the chunked body's trailer fields exceed {} bytes\n",
                                   options().max_header_bytes)};
    }
    return std::nullopt;
  }

  void dispatch() {
    if (server_.stopping) return close();
    std::string identity = options().basic ? "user:" + options().basic->user : "peer:" + peer_;
    auto body = std::make_shared<std::string>(std::move(parser_->get().body()));
    auto run = [self = this->shared_from_this(), body, identity = std::move(identity)] {
      try {
        return call_dispatcher(*self->dispatcher_, *body, identity);
      } catch (...) {
        const Fault f = faults::internal_error("the service failed while handling the request");
        return Dispatcher::Reply{500, write_fault(f, "", kNoMessageId)};
      }
    };
    if (!server_.workers) {
      // threads = 0: on this I/O thread (no hand-over; a slow call holds this thread's other
      // connections meanwhile).
      Dispatcher::Reply reply = run();
      return respond(static_cast<http::status>(reply.http_status), std::move(reply.body), kSoapType,
                     request_keep_alive_);
    }
    asio::post(*server_.workers, [self = this->shared_from_this(), run = std::move(run)] {
      asio::post(self->stream_.get_executor(), [self, reply = run()]() mutable {
        self->respond(static_cast<http::status>(reply.http_status), std::move(reply.body),
                      kSoapType, self->request_keep_alive_);
      });
    });
  }

  void answer_denied(bool keep_alive) {
    const Denial d = *denied_;
    respond(d.status, d.text, d.type, keep_alive);
  }

  void answer_plain(http::status status, std::string text, bool keep_alive) {
    respond(status, std::move(text), "text/plain; charset=utf-8", keep_alive);
  }

  void respond(http::status status, std::string body, const char* type, bool keep_alive) {
    // HTTP/1.1 to every client (RFC 9110, 6.2: a server answers with the highest version it
    // conforms to whose major version the request's does not exceed), as HTTP.sys does. An
    // HTTP/1.0 client that asked to keep the connection is told so in its own terms.
    const bool http10 = parser_ && parser_->is_header_done() && parser_->get().version() < 11;
    res_.emplace(status, 11);
    res_->set(http::field::content_type, type);
    if (status == http::status::unauthorized)
      res_->set(http::field::www_authenticate, "Basic realm=\"WSMAN\"");
    if (status == http::status::method_not_allowed) res_->set(http::field::allow, "POST");
    res_->body() = std::move(body);
    keep_alive_ = keep_alive && !server_.stopping;
    res_->keep_alive(keep_alive_);
    if (http10 && keep_alive_) res_->set(http::field::connection, "keep-alive");
    res_->prepare_payload();
    // The head as Beast's serializer would write it (the status line, the Date, each field as
    // "Name: value" in order, a blank line), built in one string and written with the body in
    // one gather write: the serializer's buffer sequences cost more than the answer's own
    // writing (decision 0095).
    const unsigned code = res_->result_int();
    const std::string_view reason =
        res_->reason().empty() ? http::obsolete_reason(res_->result()) : res_->reason();
    head_.clear();
    head_ += "HTTP/1.1 ";
    head_ += static_cast<char>('0' + code / 100 % 10);
    head_ += static_cast<char>('0' + code / 10 % 10);
    head_ += static_cast<char>('0' + code % 10);
    head_ += ' ';
    head_ += reason;
    head_ += "\r\nDate: ";  // written here, not kept among the fields (RFC 9110, 6.6.1)
    head_ += http_date();
    head_ += "\r\n";
    for (const auto& f : *res_) {
      head_ += f.name_string();
      head_ += ": ";
      head_ += f.value();
      head_ += "\r\n";
    }
    head_ += "\r\n";
    const std::array<asio::const_buffer, 2> out{asio::buffer(head_), asio::buffer(res_->body())};
    beast::buffers_suffix<std::array<asio::const_buffer, 2>> rest(out);
    if constexpr (!kTls) {
      // An answer the socket takes at once (its send buffer has room: every answer of the
      // suite) is written here, in one non-blocking gather write, without a write deadline
      // armed and cancelled nor an asynchronous round (decision 0121); what it does not take
      // is written asynchronously, with the deadline, as before. Not with a pipelined request
      // already buffered: that one is answered from the completion handler, so that a run of
      // pipelined requests does not nest calls.
      if (buffer_.size() == 0) {
        beast::error_code ec;
        auto& socket = lowest().socket();
        if (!socket.non_blocking()) socket.non_blocking(true, ec);
        if (!ec) {  // a socket that cannot be made non-blocking is written asynchronously
          const std::size_t n = socket.write_some(out, ec);
          if (ec && ec != asio::error::would_block && ec != asio::error::try_again) return close();
          rest.consume(n);
          if (beast::buffer_bytes(rest) == 0) return written();
        }
      }
    }
    lowest().expires_after(std::chrono::milliseconds(options().write_timeout_ms));
    asio::async_write(stream_, rest,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->close();
                        self->written();
                      });
  }

  // The answer is out: the next request, or the end of the connection.
  void written() {
    if (keep_alive_) return next_request();
    finish();
  }

  // After a response that ends the connection: stop sending, then read (and drop) what the
  // client still sends for a moment, so that closing does not reset the answer away.
  void finish() {
    if constexpr (kTls) {
      lowest().expires_after(1s);
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) { self->close(); });
    } else {
      beast::error_code ignored;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
      lowest().expires_after(1s);
      drain(0);
    }
  }

  void drain(std::size_t drained) {
    if (drained > std::size_t{4} * 1024 * 1024 || server_.stopping) return close();
    scratch_.resize(std::size_t{64} * 1024);
    lowest().async_read_some(asio::buffer(scratch_), [self = this->shared_from_this(), drained](
                                                         beast::error_code ec, std::size_t n) {
      if (ec) return self->close();
      self->drain(drained + n);
    });
  }

  void close() {
    beast::error_code ignored;
    delay_.cancel();
    lowest().socket().close(ignored);
  }

  struct Denial {
    http::status status;
    std::string text;
    const char* type = "text/plain; charset=utf-8";
  };

  // MS-WSMV 3.1.4.1.20: HTTP 413 with the EncodingLimit fault (the dispatcher's shape).
  Denial too_large(std::size_t bytes) {
    Dispatcher::Reply r = server_.dispatcher->oversized_request_reply(bytes);
    return Denial{http::status::payload_too_large, std::move(r.body),
                  "application/soap+xml;charset=UTF-8"};
  }

  Server::Impl& server_;
  Dispatcher* dispatcher_ = server_.dispatcher.get();  // the host slot the path names
  Stream stream_;
  std::string peer_;
  beast::flat_buffer buffer_;
  asio::steady_timer delay_;
  std::function<void(std::uint64_t, std::string_view, beast::error_code&)> on_chunk_;
  const char* last_chunk_at_ = nullptr;  // the last chunk's line, while the parser reads it
  std::size_t trailer_bytes_ = 0;        // the trailer section as sent, once read
  std::size_t extension_bytes_ = 0;      // the chunk extensions read so far
  std::optional<std::pair<http::status, std::string>> refusal_;  // why parsing was refused
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> res_;
  std::string head_;  // the response's status line and fields, as written
  std::optional<http::response<http::empty_body>> continue_;
  std::optional<Denial> denied_;
  std::string claimed_user_;
  std::vector<char> scratch_;
  bool keep_alive_ = false;
  std::size_t header_fields_ = 0;    // the header's fields; the parser's others are trailers
  bool request_keep_alive_ = false;  // what the request's header asked for
  bool version_rewritten_ = false;   // this request's HTTP/1.x read as 1.1 (another_version)
  bool header_deadline_ = false;     // this request's header deadline is armed
};

}  // namespace

template <class Stream>
void Server::Impl::start_session(Stream stream, tcp::endpoint peer) {
  auto s = std::make_shared<Session<Stream>>(*this, std::move(stream), peer);
  {
    std::lock_guard lock(sessions_mu);
    sessions.emplace(s.get(), s);
  }
  s->start();
}

// The two streams accept() (server.cpp) starts sessions on.
template void Server::Impl::start_session(beast::tcp_stream stream, tcp::endpoint peer);
template void Server::Impl::start_session(beast::ssl_stream<beast::tcp_stream> stream,
                                          tcp::endpoint peer);

}  // namespace hvsnap::wsman
