// A case-insensitive index of CIM names (DSP0004): name -> position in a list the caller
// keeps, in O(1) without copying or folding the name looked for (decision 0098).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace hvsnap::cim {

// A hash over the bytes with their ASCII case bit set: equal for names equal case-insensitively.
std::uint64_t ihash(std::string_view name);

class NameIndex {
 public:
  NameIndex() = default;
  // Indexes names[0..n). Throws std::invalid_argument naming the first name that appears
  // twice (case-insensitively). The names' text must outlive the index.
  explicit NameIndex(const std::vector<std::string_view>& names);

  // The position of `name` (case-insensitive), or nullopt.
  std::optional<std::uint32_t> find(std::string_view name) const;

 private:
  std::vector<std::string_view> names_;
  std::vector<std::uint32_t> buckets_;  // open addressing, a power of two long
};

}  // namespace hvsnap::cim
