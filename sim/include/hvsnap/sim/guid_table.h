// A flat hash table keyed by Guid, for the id indexes built once per load or validation
// (sim::validate's, decision 0120, and the fixture reader's, decision 0125): open addressing
// with linear probing over a power-of-two table at most half full, an id's first slot from the
// top bits of its hash multiplied again (ids that differ in a few bits, or only in their high
// half, spread). No allocation per record. A nil id marks a free slot: callers refuse nil ids
// before they go in (inserting one is a programming error), and a nil id looked up is not
// found. `find` gives a slot as a map's iterator would (`->second`), or `end()`; slots stay
// put until the table grows (only an insert past the size it was made for grows it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <utility>
#include <vector>

#include "hvsnap/sim/guid.h"

namespace hvsnap::sim {

// The size of a power-of-two table at most half full with `n` entries (at least 16 slots), and
// the shift that takes a 64-bit hash's top bits to a slot: GuidTable's and GuidNodeMap's.
struct HalfFullSize {
  std::size_t slots = 16;
  int shift = 60;
};
inline HalfFullSize half_full_size(std::size_t n) {
  HalfFullSize t;
  while (t.slots < 2 * n) {
    t.slots *= 2;
    --t.shift;
  }
  return t;
}

template <class V>
class GuidTable {
 public:
  struct Slot {
    Guid first;
    V second;
  };

  // Room for `n` ids without growing.
  explicit GuidTable(std::size_t n = 0) { rebuild(n); }

  // The slot of `id` and whether it went in now (false: it was in already, its value kept).
  // A nil id is refused here too (it would mark a free slot): a programming error, so abort.
  std::pair<Slot*, bool> insert(Guid id, V value) {
    if (id.is_nil()) std::abort();
    if (2 * (count_ + 1) > slots_.size()) rebuild(2 * (count_ + 1));
    for (std::size_t i = first_slot(id);; i = (i + 1) & (slots_.size() - 1)) {
      Slot& s = slots_[i];
      if (s.first.is_nil()) {
        s = Slot{id, std::move(value)};
        ++count_;
        return {&s, true};
      }
      if (s.first == id) return {&s, false};
    }
  }
  Slot* find(const Guid& id) {
    for (std::size_t i = first_slot(id);; i = (i + 1) & (slots_.size() - 1)) {
      Slot& s = slots_[i];
      if (s.first.is_nil()) return nullptr;
      if (s.first == id) return &s;
    }
  }
  const Slot* find(const Guid& id) const { return const_cast<GuidTable*>(this)->find(id); }
  const Slot* end() const { return nullptr; }
  bool count(const Guid& id) const { return find(id) != nullptr; }
  std::size_t size() const { return count_; }
  // Room for `n` ids without growing (the entries kept).
  void reserve(std::size_t n) {
    if (2 * n > slots_.size()) rebuild(n);
  }

 private:
  std::size_t first_slot(const Guid& id) const {
    // GuidHash already multiplies by the same constant: fold the high half in first, so that
    // ids differing only in their high half (a counter in the middle groups) spread too.
    std::uint64_t h = GuidHash{}(id);
    h ^= h >> 32;
    return static_cast<std::size_t>((h * 0x9E3779B97F4A7C15ULL) >> shift_);
  }
  // A table of at least 16 slots and 2n, the entries moved in.
  void rebuild(std::size_t n) {
    const HalfFullSize t = half_full_size(n);
    std::vector<Slot> old(t.slots);
    old.swap(slots_);
    shift_ = t.shift;
    count_ = 0;
    for (const Slot& s : old) {
      if (!s.first.is_nil()) insert(s.first, s.second);
    }
  }

  std::vector<Slot> slots_;
  std::size_t count_ = 0;
  int shift_ = 60;
};

}  // namespace hvsnap::sim
