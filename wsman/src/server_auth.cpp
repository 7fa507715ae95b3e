// Basic authentication on the WS-Management transport (contract §8; decision 0030): the
// header's decoding, the constant-time comparison, the name as logged, and the throttle that
// slows down a peer's repeated failures. The connections that use them are server_session.cpp.
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>

#include "server_impl.h"

namespace hvsnap::wsman {

using namespace std::chrono_literals;

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

bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string printable(std::string_view s) {
  std::string out;
  for (char ch : s.substr(0, 64))
    out += (ch >= 0x20 && ch < 0x7F) ? ch : '?';
  if (s.size() > 64) out += "...";
  return out;
}

std::pair<std::chrono::milliseconds, std::uint64_t> AuthThrottle::failed(const std::string& peer,
                                                                         const ServerOptions& o) {
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  if (peers_.size() > 10'000) {
    for (auto it = peers_.begin(); it != peers_.end();) {
      it = now - it->second.last > 10min ? peers_.erase(it) : std::next(it);
    }
    if (peers_.size() > 10'000) peers_.clear();  // bounded whatever happens
  }
  Entry& e = peers_[peer];
  if (now - e.last > 10min) e.failures = 0;
  e.last = now;
  const std::uint64_t n = ++e.failures;
  std::chrono::milliseconds delay{0};
  if (n > static_cast<std::uint64_t>(std::max(0, o.free_auth_failures))) {
    const std::uint64_t steps = std::min<std::uint64_t>(
        n - static_cast<std::uint64_t>(std::max(0, o.free_auth_failures)) - 1, 16);
    delay = std::min(std::chrono::milliseconds(100LL << steps),
                     std::chrono::milliseconds(std::max(0, o.max_auth_delay_ms)));
  }
  return {delay, n};
}

void AuthThrottle::succeeded(const std::string& peer) {
  std::lock_guard lock(mu_);
  peers_.erase(peer);
}

}  // namespace hvsnap::wsman
