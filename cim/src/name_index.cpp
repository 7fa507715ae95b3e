// Case-insensitive name index (decision 0098).
#include "hvsnap/cim/name_index.h"

#include <cstring>
#include <stdexcept>
#include <string>

#include "hvsnap/cim/text.h"

namespace hvsnap::cim {

namespace {
constexpr std::uint32_t kEmptyBucket = ~std::uint32_t{0};
}  // namespace

std::uint64_t ihash(std::string_view name) {
  // Eight bytes at a time (decision 0126: a name is looked up on every read of a property by
  // name), each byte with its 0x20 bit set: ASCII letters differ only in that bit, so names
  // equal case-insensitively hash alike; other bytes that differ only in it ('@' and '`', '_'
  // and DEL) merely share a hash, and find() compares the names themselves.
  constexpr std::uint64_t kCase = 0x2020202020202020ULL;
  constexpr std::uint64_t kMul = 0x9e3779b97f4a7c15ULL;
  auto mix = [](std::uint64_t h, std::uint64_t w) {
    h = (h ^ (w | kCase)) * kMul;
    return h ^ (h >> 29);
  };
  std::uint64_t h = 0xcbf29ce484222325ULL ^ name.size();
  const char* p = name.data();
  std::size_t n = name.size();
  if (n >= 8) {
    for (; n > 8; p += 8, n -= 8) {
      std::uint64_t w = 0;
      std::memcpy(&w, p, 8);
      h = mix(h, w);
    }
    // The last eight bytes (overlapping the words before when the size is not a multiple).
    std::uint64_t w = 0;
    std::memcpy(&w, name.data() + name.size() - 8, 8);
    return mix(h, w);
  }
  std::uint64_t w = 0;
  for (std::size_t i = 0; i < n; ++i)
    w |= std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return mix(h, w);
}

NameIndex::NameIndex(const std::vector<std::string_view>& names) : names_(names) {
  std::size_t n = 8;
  while (n < 2 * names_.size())
    n *= 2;
  buckets_.assign(n, kEmptyBucket);
  for (std::uint32_t i = 0; i < names_.size(); ++i) {
    std::size_t b = ihash(names_[i]) & (n - 1);
    while (buckets_[b] != kEmptyBucket) {
      if (iequals(names_[buckets_[b]], names_[i])) {
        throw std::invalid_argument("the name \"" + std::string(names_[i]) + "\" appears twice");
      }
      b = (b + 1) & (n - 1);
    }
    buckets_[b] = i;
  }
}

std::optional<std::uint32_t> NameIndex::find(std::string_view name) const {
  if (buckets_.empty()) return std::nullopt;
  const std::size_t mask = buckets_.size() - 1;
  for (std::size_t b = ihash(name) & mask; buckets_[b] != kEmptyBucket; b = (b + 1) & mask) {
    if (iequals(names_[buckets_[b]], name)) return buckets_[b];
  }
  return std::nullopt;
}

}  // namespace hvsnap::cim
