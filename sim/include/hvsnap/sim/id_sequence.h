// An ordered list of ids that any of its ids can leave at a cost that does not grow with the
// list (decision 0152): a VM's snapshots, oldest first, and a group's snapshot collections. Users
// delete their oldest checkpoints to reclaim space; with a plain vector that searched and shifted
// the whole history.
//
// An id that leaves leaves a hole (the nil Guid; the oldest id of a list that shares its ids,
// below, leaves its slot as it is and the list starts past it) that no reader sees: iteration,
// size(), front(), back() and equality see the ids in order. A list that holds the nil Guid as a
// value (a state built in memory, which validation then refuses) never has holes: its removals
// search and shift as a vector's do. The holes are closed once they
// outnumber the ids, so closing them is paid by the removals that made them. An id leaving near
// either end is found by a short scan; one deeper inside through an index of positions, built
// the first time it is needed and kept until the holes are closed. A copy holds the ids only.
//
// A copy made while a SharedCopies guard lives on the thread (a pooled host's undo journal,
// decision 0155) shares the ids instead: it costs the same whatever the list's length. The
// shared ids are never changed under a list that sees them: a list appends in place only past
// every id another list sees, and changes or removes an id other lists see only in a copy of its
// own, or, for its oldest id, by starting past it. Once the other lists are gone, the one left
// drops the slots past its end (what a list gone had appended) and changes its ids in place again.
// Lists that share ids must be used by one thread (the journal's are its host's, under the host's
// lock), and an id added to one of them may move the ids of the others: an iterator or a reference
// into a list holds only while no list sharing its ids changes (the journal never reads its copy
// before it restores it).
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

  const_iterator begin() const { return {data() + head_, data() + end_, holes() != 0}; }
  const_iterator end() const { return {data() + end_, data() + end_, false}; }
  std::size_t size() const { return live_; }
  bool empty() const { return live_ == 0; }
  // The oldest and the newest id; the list must not be empty.
  const Guid& front() const { return data()[head_]; }
  const Guid& back() const { return data()[end_ - 1]; }

  void reserve(std::size_t n);
  void clear();
  void push_back(const Guid& id) {
    // Inline for the common case: an id added to a list no other list shares, without an index
    // (a checkpoint taken, a collection made).
    if (store_ != nullptr && where_ == nullptr && !id.is_nil() && store_.use_count() == 1 &&
        store_->slots.size() == end_) {
      store_->slots.push_back(id);
      ++end_;
      ++live_;
      return;
    }
    push_back_slow(id);
  }
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

  // For tests: the slots the list keeps that hold none of its ids (holes, and ids it started
  // past), and whether it has an index now.
  std::size_t holes() const { return end_ - live_; }
  bool indexed() const { return where_ != nullptr; }
  // Whether another list shares this one's ids (SharedCopies).
  bool shares_ids() const { return store_ != nullptr && store_.use_count() > 1; }

  // While one lives, the copies this thread makes share the ids (the undo journal's, of the
  // records it saves). Guards nest.
  class SharedCopies {
   public:
    SharedCopies() : was_(share_copies) { share_copies = true; }
    SharedCopies(const SharedCopies&) = delete;
    SharedCopies& operator=(const SharedCopies&) = delete;
    ~SharedCopies() { share_copies = was_; }

   private:
    bool was_;
  };

 private:
  // The ids and holes of one list, or of lists that share them: each sees the slots up to its
  // own end. No list sees a slot from `frozen` on but the one whose end is the slots' end.
  struct Store {
    std::vector<Guid> slots;
    std::size_t frozen = 0;  // the longest end a list sharing them had when it was made
  };
  const Guid* data() const { return store_ == nullptr ? nullptr : store_->slots.data(); }
  // Makes the slots from `from` on (and an append) this list's to change (see the top).
  void own(std::size_t from);
  static void alone(Store& store, std::size_t end);
  void push_back_slow(const Guid& id);
  void make_hole(std::size_t at);
  void close_holes();

  static thread_local bool share_copies;
  std::shared_ptr<Store> store_;  // none while the list has held no id since it was cleared
  std::size_t end_ = 0;           // the list's slots are the store's [0, end_); never a hole last
  // The first id's slot (end_ when there is none). The slots before it are holes, or, in a list
  // that shares its ids, ids that left it (make_hole).
  std::size_t head_ = 0;
  std::size_t live_ = 0;
  std::size_t nils_ = 0;  // nil Guids held as values (then no holes)
  // Position of every id among the slots, when built (a removal deep inside the list).
  std::unique_ptr<std::unordered_map<Guid, std::size_t, GuidHash>> where_;
};

}  // namespace hvsnap::sim
