// Case-insensitive name index (decision 0098).
#include "hvsnap/cim/name_index.h"

#include <stdexcept>
#include <string>

#include "hvsnap/cim/text.h"

namespace hvsnap::cim {

namespace {
constexpr std::uint32_t kEmptyBucket = ~std::uint32_t{0};
}  // namespace

std::uint64_t ihash(std::string_view name) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    h ^= (u >= 'A' && u <= 'Z') ? u + ('a' - 'A') : u;
    h *= 0x100000001b3ULL;
  }
  return h;
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
