// The client's libcurl transport (decision 0101): HTTPS (certificate verification on unless
// `insecure`), Basic, NTLM and Negotiate authentication, proxies from the environment — and
// plain HTTP when ClientOptions::transport asks for libcurl. One easy handle per connection,
// kept alive in a pool between requests.
#include <mutex>
#include <vector>

#include "client_transport.h"

namespace hvsnap::wsman::detail {

namespace {

std::once_flag g_curl_init;

struct Sink {
  std::string* out;
  std::size_t max;
  bool exceeded = false;
};

std::size_t on_data(char* data, std::size_t size, std::size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  if (sink->out->size() + size * n > sink->max) {
    sink->exceeded = true;
    return 0;  // libcurl stops the transfer (CURLE_WRITE_ERROR)
  }
  sink->out->append(data, size * n);
  return size * n;
}

// One transfer's requests, as libcurl is about to send each (CURLOPT_PREREQFUNCTION).
struct Sends {
  CURL* curl = nullptr;
  bool may_repeat = true;  // the request is repeatable, or the authentication has several legs
  int count = 0;
  bool refused = false;  // a second send refused (decision 0166)
};

// Called by libcurl right before it sends a request of the transfer. A second send of a request
// that is not repeatable, after the first went out (libcurl's own retry on a fresh connection
// when a kept one died under it), is refused: the host may have read the first.
int on_send(void* data, char*, char*, int, int) {
  auto* s = static_cast<Sends*>(data);
  if (s == nullptr) return CURL_PREREQFUNC_OK;
  if (++s->count > 1 && !s->may_repeat) {
    long sent = 0;  // the request bytes of this transfer so far: 0, the first attempt sent none
    curl_easy_getinfo(s->curl, CURLINFO_REQUEST_SIZE, &sent);
    if (sent > 0) {
      s->refused = true;
      return CURL_PREREQFUNC_ABORT;
    }
  }
  return CURL_PREREQFUNC_OK;
}

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(const ClientOptions& o) : options_(o) {
    headers_ = curl_slist_append(headers_, "Content-Type: application/soap+xml;charset=UTF-8");
    // No "Expect: 100-continue" (libcurl adds it to larger bodies and then waits for an
    // interim answer WinRM does not send): one round trip per request.
    if (headers_ != nullptr) headers_ = curl_slist_append(headers_, "Expect:");
  }
  ~CurlTransport() override {
    for (CURL* c : idle_)
      curl_easy_cleanup(c);
    curl_slist_free_all(headers_);
  }
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  Exchange post(const std::string& body, long timeout_ms, std::string& response,
                bool repeatable) override {
    CURL* curl = nullptr;
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        curl = idle_.back();
        idle_.pop_back();
      }
    }
    if (curl == nullptr) {
      curl = curl_easy_init();
      if (curl == nullptr) return {CURLE_FAILED_INIT, 0};
      set_up(curl);
    }
    // Per request: what is left of the run's time bounds this one.
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    Sink sink{&response, options_.max_response_bytes};
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
    // A second request of this transfer, with one-leg authentication (none, or Basic), is
    // libcurl's own retry on a fresh connection after a kept one died under the request; NTLM
    // and Negotiate send one for each leg of their handshakes, so there it is let through.
    Sends sends{curl, repeatable || (!options_.user.empty() && options_.auth != Auth::kBasic)};
    curl_easy_setopt(curl, CURLOPT_PREREQDATA, &sends);
    Exchange out;
    out.rc = curl_easy_perform(curl);
    curl_easy_setopt(curl, CURLOPT_PREREQDATA, nullptr);
    out.not_sent_again = sends.refused && out.rc == CURLE_ABORTED_BY_CALLBACK;
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    out.http_status = static_cast<int>(code);
    // libcurl counts the request bytes it sent in this transfer, a retry on a fresh connection
    // after a kept one died included: none sent, no connection made, and the request was not.
    long request_bytes = 0;
    curl_easy_getinfo(curl, CURLINFO_REQUEST_SIZE, &request_bytes);
    out.sent_nothing = request_bytes == 0 &&
                       (out.rc == CURLE_COULDNT_CONNECT || out.rc == CURLE_COULDNT_RESOLVE_HOST ||
                        out.rc == CURLE_SSL_CONNECT_ERROR);
    if (out.rc != CURLE_OK) {
      // The connection may be mid-response: never reuse it.
      curl_easy_cleanup(curl);
      if (sink.exceeded) out.rc = CURLE_FILESIZE_EXCEEDED;
    } else {
      std::lock_guard lock(mu_);
      idle_.push_back(curl);
    }
    return out;
  }

 private:
  void set_up(CURL* curl) const {
    curl_easy_setopt(curl, CURLOPT_URL, options_.endpoint.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_PREREQFUNCTION, on_send);
    // HTTP/1.1, as the plain transport and the WinRM clients speak: no HTTP/2 over TLS, whose
    // stream-level retries on_send would take for a resend (decision 0166).
    curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
    // A declared length past the limit is refused before any of it is read.
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(options_.max_response_bytes));
    if (!options_.user.empty()) {
      curl_easy_setopt(curl, CURLOPT_USERNAME, options_.user.c_str());
      curl_easy_setopt(curl, CURLOPT_PASSWORD, options_.password.c_str());
      long scheme = CURLAUTH_BASIC;
      if (options_.auth == Auth::kNtlm) scheme = CURLAUTH_NTLM;
      if (options_.auth == Auth::kNegotiate) scheme = CURLAUTH_NEGOTIATE;
      curl_easy_setopt(curl, CURLOPT_HTTPAUTH, scheme);
    }
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, options_.insecure ? 0L : 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, options_.insecure ? 0L : 2L);
    if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  }

  const ClientOptions& options_;  // the Client's, which outlives its transport
  std::mutex mu_;
  std::vector<CURL*> idle_;
  // The request headers, the same for every request (built once, not per request).
  struct curl_slist* headers_ = nullptr;
};

}  // namespace

std::unique_ptr<HttpTransport> make_curl_transport(const ClientOptions& options) {
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return std::make_unique<CurlTransport>(options);
}

}  // namespace hvsnap::wsman::detail
