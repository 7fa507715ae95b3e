// Private: the hash map under a Journaled record map (journal.h), keyed by Guid (decision 0148).
// Each entry lives in a node of its own, allocated from the map's memory resource, that stays
// put until the entry is erased (the journal's listing keeps pointers to nodes). The index is a
// flat table: open addressing with linear probing over a power-of-two array of (hash, node)
// pairs, at most half full, and deletion by shifting the probe run back (no tombstones). A look-up
// reads one index slot and the node it points to, where std::unordered_map reads a bucket, the
// node before the bucket's first and that node: on a host of 100,000 snapshots, whose tables do
// not fit in the cache, each of those reads is a miss.
//
// The subset of std::unordered_map's interface the journal uses, with the same meaning: find,
// count, try_emplace, insert_or_assign, erase, reserve, clear, swap, size, iteration; and get,
// find without an iterator. Iteration
// goes in index order, which depends only on the keys and the order of the changes (no address
// or random salt), so a host's iteration order is the same on every run; nothing the fake
// answers depends on it. An insert may grow the index and an erase shift it: both invalidate
// iterators, never the nodes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <new>
#include <tuple>
#include <utility>
#include <vector>

#include "hvsnap/sim/guid.h"
#include "hvsnap/sim/guid_table.h"

namespace hvsnap::sim {

template <class V>
class GuidNodeMap {
 public:
  using value_type = std::pair<const Guid, V>;

 private:
  struct Entry {
    std::uint64_t hash = 0;
    value_type* node = nullptr;  // null: a free slot
  };

  template <class E, class P>
  class Iter {
   public:
    Iter() = default;
    Iter(E* at, E* end) : at_(at), end_(end) { skip(); }
    P& operator*() const { return *at_->node; }
    P* operator->() const { return at_->node; }
    Iter& operator++() {
      ++at_;
      skip();
      return *this;
    }
    friend bool operator==(const Iter& a, const Iter& b) { return a.at_ == b.at_; }
    friend bool operator!=(const Iter& a, const Iter& b) { return a.at_ != b.at_; }

   private:
    friend class GuidNodeMap;
    void skip() {
      while (at_ != end_ && at_->node == nullptr)
        ++at_;
    }
    E* at_ = nullptr;
    E* end_ = nullptr;
  };

 public:
  using iterator = Iter<Entry, value_type>;
  using const_iterator = Iter<const Entry, const value_type>;

  explicit GuidNodeMap(std::pmr::memory_resource* nodes = std::pmr::get_default_resource())
      : nodes_(nodes) {}
  GuidNodeMap(const GuidNodeMap&) = delete;
  GuidNodeMap& operator=(const GuidNodeMap&) = delete;
  ~GuidNodeMap() { clear(); }

  iterator begin() { return iterator(index_.data(), index_.data() + index_.size()); }
  iterator end() { return iterator(index_.data() + index_.size(), index_.data() + index_.size()); }
  const_iterator begin() const {
    return const_iterator(index_.data(), index_.data() + index_.size());
  }
  const_iterator end() const {
    return const_iterator(index_.data() + index_.size(), index_.data() + index_.size());
  }

  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  std::size_t count(const Guid& id) const { return find_slot(id, hash_of(id)) != nullptr ? 1 : 0; }

  iterator find(const Guid& id) {
    Entry* e = find_slot(id, hash_of(id));
    return e == nullptr ? end() : iterator(e, index_.data() + index_.size());
  }
  const_iterator find(const Guid& id) const {
    const Entry* e = find_slot(id, hash_of(id));
    return e == nullptr ? end() : const_iterator(e, index_.data() + index_.size());
  }

  // The index's hash of an id (public for the tests): the high half multiplied, the low half
  // xor'ed in, and the whole multiplied again. The slot is the product's top bits, which depend
  // on every bit of both halves (ids that differ only in a counter's low bits spread); the
  // first multiplication keeps ids whose halves are alike (11111111-1111-1111-1111-
  // 111111111111, 22222222-…) from sharing a hash, as they would with the halves only xor'ed.
  // The whole 64 bits are kept beside the node to skip most key compares.
  static std::uint64_t hash_of(const Guid& id) {
    return ((id.hi * kMultiplier) ^ id.lo) * kMultiplier;
  }
  static constexpr std::uint64_t kMultiplier = 0x9E3779B97F4A7C15ULL;

  // The entry of `id`, or null: find() without an iterator (the journal's reads).
  value_type* get(const Guid& id) {
    Entry* e = find_slot(id, hash_of(id));
    return e == nullptr ? nullptr : e->node;
  }
  const value_type* get(const Guid& id) const {
    const Entry* e = find_slot(id, hash_of(id));
    return e == nullptr ? nullptr : e->node;
  }

  // The entry of `id`, made from `args` (V's constructor arguments) only when absent.
  template <class... Args>
  std::pair<iterator, bool> try_emplace(const Guid& id, Args&&... args) {
    const std::uint64_t h = hash_of(id);
    if (Entry* e = find_slot(id, h)) return {iterator(e, index_.data() + index_.size()), false};
    value_type* node = make_node(id, std::forward<Args>(args)...);
    return {iterator(place(h, node), index_.data() + index_.size()), true};
  }
  // Sets the value of `id`, adding the entry when absent (true) or assigning it (false).
  template <class M>
  std::pair<iterator, bool> insert_or_assign(const Guid& id, M&& value) {
    const std::uint64_t h = hash_of(id);
    if (Entry* e = find_slot(id, h)) {
      e->node->second = std::forward<M>(value);
      return {iterator(e, index_.data() + index_.size()), false};
    }
    value_type* node = make_node(id, std::forward<M>(value));
    return {iterator(place(h, node), index_.data() + index_.size()), true};
  }

  void erase(iterator it) { erase_slot(it.at_); }
  std::size_t erase(const Guid& id) {
    Entry* e = find_slot(id, hash_of(id));
    if (e == nullptr) return 0;
    erase_slot(e);
    return 1;
  }

  // Room for `n` entries without growing the index. The index never shrinks (an erase or a
  // clear keeps its size, as std::unordered_map keeps its buckets): swap an empty map in to
  // give it back.
  void reserve(std::size_t n) {
    if (2 * n > index_.size()) rebuild(n);
  }
  void clear() {
    for (Entry& e : index_) {
      if (e.node != nullptr) free_node(e.node);
      e = Entry{};
    }
    count_ = 0;
  }
  // The contents and the index; each map keeps its own memory resource, so only maps on the
  // same resource (or both empty) are swapped, as std::pmr containers require.
  void swap(GuidNodeMap& o) noexcept {
    std::swap(index_, o.index_);
    std::swap(count_, o.count_);
    std::swap(shift_, o.shift_);
  }

 private:
  std::size_t mask() const { return index_.size() - 1; }

  Entry* find_slot(const Guid& id, std::uint64_t h) {
    if (count_ == 0) return nullptr;
    for (std::size_t i = h >> shift_;; i = (i + 1) & mask()) {
      Entry& e = index_[i];
      if (e.node == nullptr) return nullptr;
      if (e.hash == h && e.node->first == id) return &e;
    }
  }
  const Entry* find_slot(const Guid& id, std::uint64_t h) const {
    return const_cast<GuidNodeMap*>(this)->find_slot(id, h);
  }

  template <class... Args>
  value_type* make_node(const Guid& id, Args&&... args) {
    void* p = nodes_->allocate(sizeof(value_type), alignof(value_type));
    try {
      return ::new (p) value_type(std::piecewise_construct, std::forward_as_tuple(id),
                                  std::forward_as_tuple(std::forward<Args>(args)...));
    } catch (...) {
      nodes_->deallocate(p, sizeof(value_type), alignof(value_type));
      throw;
    }
  }
  void free_node(value_type* node) {
    node->~value_type();
    nodes_->deallocate(node, sizeof(value_type), alignof(value_type));
  }

  // Puts a new node (its key absent) in the index, growing it first when it would be more
  // than half full.
  Entry* place(std::uint64_t h, value_type* node) {
    if (2 * (count_ + 1) > index_.size()) {
      try {
        rebuild(count_ + 1);
      } catch (...) {
        free_node(node);
        throw;
      }
    }
    ++count_;
    return put(h, node);
  }
  Entry* put(std::uint64_t h, value_type* node) {
    for (std::size_t i = h >> shift_;; i = (i + 1) & mask()) {
      Entry& e = index_[i];
      if (e.node == nullptr) {
        e = Entry{h, node};
        return &e;
      }
    }
  }
  // Removes the entry at `gap` and its node, then moves back each later entry of the probe run
  // that may fill the gap (its home slot is not cyclically between the gap and it), so that
  // every entry stays reachable from its home slot without tombstones.
  void erase_slot(Entry* gap_entry) {
    free_node(gap_entry->node);
    *gap_entry = Entry{};
    --count_;
    std::size_t gap = static_cast<std::size_t>(gap_entry - index_.data());
    for (std::size_t i = (gap + 1) & mask();; i = (i + 1) & mask()) {
      Entry& e = index_[i];
      if (e.node == nullptr) return;
      const std::size_t home = e.hash >> shift_;
      // The distance from home to i, and from home to the gap, around the table.
      if (((i - home) & mask()) >= ((gap - home) & mask())) {
        index_[gap] = e;
        e = Entry{};
        gap = i;
      }
    }
  }
  // An index of at least 16 slots and 2n, the entries put in again.
  void rebuild(std::size_t n) {
    const HalfFullSize t = half_full_size(n);
    std::vector<Entry> old(t.slots);
    old.swap(index_);
    shift_ = t.shift;
    for (const Entry& e : old) {
      if (e.node != nullptr) put(e.hash, e.node);
    }
  }

  std::pmr::memory_resource* nodes_;
  std::vector<Entry> index_;
  std::size_t count_ = 0;
  int shift_ = 64;  // no index yet: find_slot returns before using it
};

}  // namespace hvsnap::sim
