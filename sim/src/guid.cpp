// GUID text form and name-derived GUIDs.
#include "hvsnap/sim/guid.h"

#include <array>

#include "hvsnap/sim/rng.h"

namespace hvsnap::sim {
namespace {

// Digit values by character (-1: not a hex digit): one load per character on the path every
// GUID-keyed object path takes.
constexpr std::array<std::int8_t, 256> kHexValues = [] {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t)
    v = -1;
  for (int c = '0'; c <= '9'; ++c)
    t[static_cast<std::size_t>(c)] = static_cast<std::int8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c)
    t[static_cast<std::size_t>(c)] = static_cast<std::int8_t>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c)
    t[static_cast<std::size_t>(c)] = static_cast<std::int8_t>(c - 'A' + 10);
  return t;
}();

int hex_value(char c) {
  return kHexValues[static_cast<unsigned char>(c)];
}

// 64-bit FNV-1a.
std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 0xcbf29ce484222325ULL) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace

void Guid::append_to(std::string& out) const {
  // Hand-rolled, a byte (two digits) at a time: ids are formatted on every instance a read
  // returns (hot path).
  static constexpr char kHex[] = "0123456789ABCDEF";
  const std::size_t start = out.size();
  out.resize(start + 36);
  char* p = out.data() + start;
  auto put = [&](std::uint64_t word, int bytes, int shift_from) {
    for (int i = 0; i < bytes; ++i) {
      const auto b = static_cast<unsigned>((word >> (shift_from - 8 * i)) & 0xFF);
      *p++ = kHex[b >> 4];
      *p++ = kHex[b & 0xF];
    }
  };
  put(hi, 4, 56);
  *p++ = '-';
  put(hi, 2, 24);
  *p++ = '-';
  put(hi, 2, 8);
  *p++ = '-';
  put(lo, 2, 56);
  *p++ = '-';
  put(lo, 6, 40);
}

std::string Guid::to_string() const {
  std::string out;
  append_to(out);
  return out;
}

std::optional<Guid> Guid::parse(std::string_view text) {
  if (text.size() == 38 && text.front() == '{' && text.back() == '}') {
    text = text.substr(1, 36);
  }
  if (text.size() != 36) return std::nullopt;
  Guid g;
  int nibbles = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      continue;
    }
    const int v = hex_value(text[i]);
    if (v < 0) return std::nullopt;
    if (nibbles < 16) {
      g.hi = (g.hi << 4) | static_cast<std::uint64_t>(v);
    } else {
      g.lo = (g.lo << 4) | static_cast<std::uint64_t>(v);
    }
    ++nibbles;
  }
  return g;
}

Guid Guid::from_name(std::string_view kind, std::string_view name) {
  const std::uint64_t a = fnv1a(name, fnv1a(kind));
  Guid g{splitmix64_mix(a), splitmix64_mix(a ^ 0x5DEECE66DULL)};
  g.hi = (g.hi & ~0xF000ULL) | 0x5000ULL;                  // version 5 (name-based)
  g.lo = (g.lo & ~(0xC000ULL << 48)) | (0x8000ULL << 48);  // RFC 4122 variant
  return g;
}

}  // namespace hvsnap::sim
