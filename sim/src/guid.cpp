// GUID text form and name-derived GUIDs.
#include "hvsnap/sim/guid.h"

#include <array>
#include <bit>
#include <cstring>

#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
#endif

#include "hvsnap/sim/rng.h"
#include "invariant.h"

namespace hvsnap::sim {
namespace {

// 64-bit FNV-1a.
std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 0xcbf29ce484222325ULL) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace

namespace {

#if !(defined(__SSE2__) && defined(__x86_64__))
// Eight nibbles, one a byte (the first in the lowest byte), to 32 bits, the first the most
// significant.
std::uint32_t pack_nibbles(std::uint64_t nib) {
  // Pairs of nibbles to bytes (the earlier digit high), then the four bytes together.
  const std::uint64_t b =
      ((nib & 0x000F000F000F000FULL) << 4) | ((nib >> 8) & 0x000F000F000F000FULL);
  const std::uint64_t h = (b | (b >> 8)) & 0x0000FFFF0000FFFFULL;
  return __builtin_bswap32(static_cast<std::uint32_t>(h | (h >> 16)));
}
#endif

using Chars = signed char __attribute__((vector_size(16)));

Chars splat(char c) {
  const auto v = static_cast<signed char>(c);
  return Chars{v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v};
}

// Sixteen hex digits to their value, the first digit the most significant, sixteen bytes at a
// time (GCC's and Clang's portable `vector_size` type, as json_dom.cpp's byte checks); false if
// any byte is not a hex digit. Signed bytes: one >= 0x80 is negative, so neither test takes it.
bool hex16(const char* p, std::uint64_t& out) {
  Chars d;
  std::memcpy(&d, p, sizeof d);
  const Chars lower = d | splat(0x20);
  const Chars digit = (d >= splat('0')) & (d <= splat('9'));
  const Chars letter = (lower >= splat('a')) & (lower <= splat('f'));
  const Chars ok = digit | letter;  // -1 in each byte that is a hex digit
  std::uint64_t words[2];
  std::memcpy(words, &ok, sizeof words);
  if ((words[0] & words[1]) != ~std::uint64_t{0}) return false;
  // '0'-'9' are 0x30-0x39, 'a'-'f' and 'A'-'F' end in 1-6: nine more for a letter.
  const Chars nib = (d & splat(0x0F)) + (letter & splat(9));
#if defined(__SSE2__) && defined(__x86_64__)
  // Each 16-bit lane holds two digits, the first in its low byte: (first << 4) | second in
  // every lane at once, then the eight lanes packed to eight bytes, the first digit's highest
  // after the swap (decision 0125: a third of the scalar packing's instructions).
  __m128i lanes;
  std::memcpy(&lanes, &nib, sizeof lanes);
  lanes = _mm_or_si128(_mm_slli_epi16(_mm_and_si128(lanes, _mm_set1_epi16(0x0F)), 4),
                       _mm_srli_epi16(lanes, 8));
  out = __builtin_bswap64(
      static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_packus_epi16(lanes, lanes))));
#else
  std::memcpy(words, &nib, sizeof words);
  if constexpr (std::endian::native == std::endian::big) {  // the first digit's byte lowest
    words[0] = __builtin_bswap64(words[0]);
    words[1] = __builtin_bswap64(words[1]);
  }
  out = (std::uint64_t{pack_nibbles(words[0])} << 32) | pack_nibbles(words[1]);
#endif
  return true;
}

}  // namespace

#if defined(__SSE2__) && defined(__x86_64__)
namespace {
// The sixteen upper-case hex digits of `word`, the most significant first, sixteen bytes at a
// time: each byte's two nibbles side by side, then '0'-'9' or 'A'-'F' (a GUID is written on
// every path the fake makes: a listing of a large host writes tens of thousands).
void hex_digits(std::uint64_t word, char* to) {
  const __m128i bytes = _mm_cvtsi64_si128(static_cast<long long>(__builtin_bswap64(word)));
  const __m128i low = _mm_set1_epi8(0x0F);
  const __m128i nibbles =
      _mm_unpacklo_epi8(_mm_and_si128(_mm_srli_epi16(bytes, 4), low), _mm_and_si128(bytes, low));
  const __m128i letters =
      _mm_and_si128(_mm_cmpgt_epi8(nibbles, _mm_set1_epi8(9)), _mm_set1_epi8('A' - '0' - 10));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(to),
                   _mm_add_epi8(_mm_add_epi8(nibbles, _mm_set1_epi8('0')), letters));
}
}  // namespace

void Guid::write_to(char* out) const {
  char digits[32];
  hex_digits(hi, digits);
  hex_digits(lo, digits + 16);
  std::memcpy(out, digits, 8);
  out[8] = '-';
  std::memcpy(out + 9, digits + 8, 4);
  out[13] = '-';
  std::memcpy(out + 14, digits + 12, 4);
  out[18] = '-';
  std::memcpy(out + 19, digits + 16, 4);
  out[23] = '-';
  std::memcpy(out + 24, digits + 20, 12);
}
#else
namespace {
// "00".."FF" by byte value: a GUID is 16 two-character loads (decision 0098).
constexpr std::array<char, 512> kHexPairs = [] {
  constexpr char kHex[] = "0123456789ABCDEF";
  std::array<char, 512> t{};
  for (std::size_t b = 0; b < 256; ++b) {
    t[2 * b] = kHex[b >> 4];
    t[2 * b + 1] = kHex[b & 0xF];
  }
  return t;
}();

// Where each byte's two digits start in the 8-4-4-4-12 form.
constexpr std::array<std::uint8_t, 16> kPairAt = {0,  2,  4,  6,  9,  11, 14, 16,
                                                  19, 21, 24, 26, 28, 30, 32, 34};
}  // namespace

void Guid::write_to(char* out) const {
  out[8] = out[13] = out[18] = out[23] = '-';
  for (std::size_t i = 0; i < 16; ++i) {
    const std::uint64_t word = i < 8 ? hi : lo;
    const auto b = static_cast<std::size_t>((word >> (56 - 8 * (i % 8))) & 0xFF);
    std::memcpy(out + kPairAt[i], &kHexPairs[2 * b], 2);
  }
}
#endif

void Guid::append_to(std::string& out) const {
  // Built on the stack and appended once: ids are formatted on every instance a read returns.
  char buf[36];
  write_to(buf);
  out.append(buf, sizeof buf);
}

GuidText::GuidText(const Guid& g, std::string_view prefix) {
  HVSNAP_ASSERT(prefix.size() <= sizeof buf_ - 36);
  const std::size_t n = prefix.size();
  if (n != 0) std::memcpy(buf_, prefix.data(), n);
  g.write_to(buf_ + n);
  size_ = static_cast<std::uint8_t>(n + 36);
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
  if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' ||
      text[23] != '-') {
    return std::nullopt;
  }
  // The 32 digits gathered and read sixteen at a time (decision 0117).
  char digits[32];
  std::memcpy(digits, text.data(), 8);
  std::memcpy(digits + 8, text.data() + 9, 4);
  std::memcpy(digits + 12, text.data() + 14, 4);
  std::memcpy(digits + 16, text.data() + 19, 4);
  std::memcpy(digits + 20, text.data() + 24, 12);
  Guid g;
  if (!hex16(digits, g.hi) || !hex16(digits + 16, g.lo)) return std::nullopt;
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
