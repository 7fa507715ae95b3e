// An ordered list of ids that any of its ids can leave at a cost that does not grow with the
// list (decision 0152): a VM's snapshots, oldest first, and a group's snapshot collections. Users
// delete their oldest checkpoints to reclaim space; with a plain vector that searched and shifted
// the whole history.
//
// An id that leaves leaves a hole (the nil Guid) that no reader sees: iteration, size(),
// front(), back() and equality see the ids in order. A list that holds the nil Guid as a value
// (a state built in memory, which validation then refuses) never has holes: its removals
// search and shift as a vector's do. The holes are closed once they
// outnumber the ids, so closing them is paid by the removals that made them. An id leaving near
// either end is found by a short scan; one deeper inside through an index of positions, built
// the first time it is needed and kept until the holes are closed. A copy holds the ids only.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <unordered_map>
#include <vector>

#include "hvsnap/sim/guid.h"

namespace hvsnap::sim {

class IdSequence {
 public:
  // The standard container interface's name, so that ranges and gtest take it as one.
  class const_iterator {  // NOLINT(readability-identifier-naming)
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Guid;
    using difference_type = std::ptrdiff_t;
    using pointer = const Guid*;
    using reference = const Guid&;

    const_iterator() = default;
    reference operator*() const { return *at_; }
    pointer operator->() const { return at_; }
    const_iterator& operator++() {
      ++at_;
      skip_holes();
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator was = *this;
      ++*this;
      return was;
    }
    friend bool operator==(const const_iterator& a, const const_iterator& b) {
      return a.at_ == b.at_;
    }

   private:
    friend class IdSequence;
    const_iterator(const Guid* at, const Guid* end, bool holes)
        : at_(at), end_(end), holes_(holes) {
      skip_holes();
    }
    void skip_holes() {
      while (holes_ && at_ != end_ && at_->is_nil())
        ++at_;
    }
    const Guid* at_ = nullptr;
    const Guid* end_ = nullptr;
    bool holes_ = false;
  };
  using iterator = const_iterator;
  using value_type = Guid;
  using size_type = std::size_t;
  using difference_type = std::ptrdiff_t;
  using reference = const Guid&;
  using const_reference = const Guid&;

  IdSequence() = default;
  IdSequence(std::initializer_list<Guid> ids) : IdSequence(std::vector<Guid>(ids)) {}
  IdSequence(std::vector<Guid> ids);  // NOLINT(google-explicit-constructor): a list of ids
  IdSequence(const IdSequence& other);
  IdSequence& operator=(const IdSequence& other);
  IdSequence(IdSequence&& other) noexcept;  // leaves `other` empty
  IdSequence& operator=(IdSequence&& other) noexcept;
  ~IdSequence() = default;

  const_iterator begin() const {
    return {slots_.data() + head_, slots_.data() + slots_.size(), holes() != 0};
  }
  const_iterator end() const {
    return {slots_.data() + slots_.size(), slots_.data() + slots_.size(), false};
  }
  std::size_t size() const { return live_; }
  bool empty() const { return live_ == 0; }
  // The oldest and the newest id; the list must not be empty.
  const Guid& front() const { return slots_[head_]; }
  const Guid& back() const { return slots_.back(); }

  void reserve(std::size_t n) { slots_.reserve(n); }
  void clear();
  void push_back(const Guid& id);
  // Takes `id` out, keeping the others' order; says whether it was there. The nil Guid is never
  // taken out. Each id is meant to be listed once (validation refuses a host's list with an id
  // twice); of an id listed twice one entry goes, and once the index is in use a later removal
  // may not find the other.
  bool erase(const Guid& id);
  std::vector<Guid> to_vector() const { return {begin(), end()}; }

  friend bool operator==(const IdSequence& a, const IdSequence& b) {
    return a.live_ == b.live_ && std::equal(a.begin(), a.end(), b.begin());
  }
  friend bool operator==(const IdSequence& a, const std::vector<Guid>& b) {
    return a.live_ == b.size() && std::equal(a.begin(), a.end(), b.begin());
  }

  // For tests: whether the list holds holes or an index now.
  std::size_t holes() const { return slots_.size() - live_; }
  bool indexed() const { return where_ != nullptr; }

 private:
  void make_hole(std::size_t at);
  void close_holes();

  std::vector<Guid> slots_;  // the ids in order and the holes; never a hole at the end
  std::size_t head_ = 0;     // the first id's slot (slots_.size() when there is none)
  std::size_t live_ = 0;
  std::size_t nils_ = 0;  // nil Guids held as values (then no holes)
  // Position of every id in slots_, when built (a removal deep inside the list).
  std::unique_ptr<std::unordered_map<Guid, std::size_t, GuidHash>> where_;
};

}  // namespace hvsnap::sim
