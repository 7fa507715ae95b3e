// Object ids in model::id_of's form (upper-case), ascending and distinct, in one buffer: a
// host's whole set of snapshot collections, tens of thousands on a large host, is one
// allocation here rather than one an id (decision 0139).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "hvsnap/cim/object_path.h"
#include "hvsnap/cim/provider.h"
#include "hvsnap/cim/result.h"

namespace hvsnap::conformance {

class IdList {
 public:
  // Room for `n` ids of about `chars` characters each.
  void reserve(std::size_t n, std::size_t chars);
  // Adds the id `path` names (model::id_of's). Call settle() after the last.
  void add_id_of(const cim::ObjectPath& path);
  // Sorts the ids (when they did not come in order: a host that lists them in id order, as
  // the fake does, costs no sort) and drops repeats.
  void settle();

  std::size_t size() const { return ends_.size(); }
  bool empty() const { return ends_.empty(); }
  std::string_view operator[](std::size_t i) const {
    const std::uint32_t begin = i == 0 ? 0 : ends_[i - 1];
    return {text_.data() + begin, ends_[i] - begin};
  }
  // After settle(): is `id` among them (one binary search)?
  bool contains(std::string_view id) const;

  // The order of the list: std::string_view's (bytes as unsigned, a prefix first), eight bytes
  // at a time as one number: no library call for each of the comparisons a walk of two lists
  // of tens of thousands makes. Negative, zero or positive, as std::string_view::compare.
  static int compare(std::string_view a, std::string_view b) {
    const std::size_t n = a.size() < b.size() ? a.size() : b.size();
    std::size_t i = 0;
    if constexpr (std::endian::native == std::endian::little) {
      for (; i + 8 <= n; i += 8) {
        std::uint64_t x = 0;
        std::uint64_t y = 0;
        std::memcpy(&x, a.data() + i, 8);
        std::memcpy(&y, b.data() + i, 8);
        if (x != y) return __builtin_bswap64(x) < __builtin_bswap64(y) ? -1 : 1;
      }
    }
    for (; i < n; ++i) {
      const auto x = static_cast<unsigned char>(a[i]);
      const auto y = static_cast<unsigned char>(b[i]);
      if (x != y) return x < y ? -1 : 1;
    }
    return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
  }
  static bool less(std::string_view a, std::string_view b) { return compare(a, b) < 0; }

 private:
  std::string text_;                 // the ids one after the other
  std::vector<std::uint32_t> ends_;  // where each ends in text_
};

// Every snapshot collection of the host, by id: one enumeration of their names (decision 0134),
// sorted (a host that lists them in id order, as the fake does, costs no sort).
cim::Result<IdList> list_host_collections(cim::Provider& p);

}  // namespace hvsnap::conformance
