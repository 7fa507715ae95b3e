// Private: a record map with an undo journal, so that a pooled host goes back to its base in
// O(what a case changed), not O(host) (decision 0075, the design of decision 0072).
// Reads are as cheap as a plain hash map's (one lookup in a flat index, decision 0148; no
// overlay); the only mutable access (`edit`, `upsert`, `emplace`, `erase`) journals the record's
// value before the first change to it in a case (or its absence, for a key the case adds).
// Rolling back replays the journal backwards, so the oldest entry of a key — its value when the
// case began — is restored last, which also restores a key erased and re-created in one case.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <memory_resource>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "guid_node_map.h"
#include "hvsnap/sim/guid.h"
#include "hvsnap/sim/id_sequence.h"
#include "invariant.h"

#if defined(__SANITIZE_ADDRESS__)
#define HVSNAP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HVSNAP_ASAN 1
#endif
#endif
#ifdef HVSNAP_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace hvsnap::sim {

// Where a Journaled map's nodes live (decision 0117). A load's nodes come from one block sized
// for its records, so that the load allocates by bumping a pointer and the host's end frees
// the block at once instead of node by node; a node made later (by a case) comes from the heap
// and goes back to it. A block's node a case erases is not reused: at most one per loaded
// record. A new load into an empty map gives the earlier loads' blocks back first (release()),
// so that a host loaded again and again — mutants reload before and after each read — keeps
// one load's storage. Under AddressSanitizer a node freed inside a block is poisoned, so that a
// use after its erase is still reported.
class LoadBlocks final : public std::pmr::memory_resource {
 public:
  LoadBlocks() = default;
  LoadBlocks(const LoadBlocks&) = delete;
  LoadBlocks& operator=(const LoadBlocks&) = delete;
  ~LoadBlocks() override = default;

  // Allocations up to `bytes` in all come from a new block, until stop().
  void start(std::size_t bytes) {
    blocks_.push_back(Block{std::make_unique_for_overwrite<std::byte[]>(bytes), bytes});
    next_ = blocks_.back().data.get();
    end_ = next_ + bytes;
  }
  void stop() { next_ = end_ = nullptr; }
  // Frees every block. Only when nothing allocated from them is still in use.
  void release() {
    stop();
#ifdef HVSNAP_ASAN
    for (const Block& b : blocks_)
      ASAN_UNPOISON_MEMORY_REGION(b.data.get(), b.size);
#endif
    blocks_.clear();
  }
  std::size_t block_bytes() const {
    std::size_t n = 0;
    for (const Block& b : blocks_)
      n += b.size;
    return n;
  }

 private:
  struct Block {
    std::unique_ptr<std::byte[]> data;
    std::size_t size;
  };
  void* do_allocate(std::size_t bytes, std::size_t align) override {
    if (next_ != nullptr) {
      const auto at = (reinterpret_cast<std::uintptr_t>(next_) + align - 1) & ~(align - 1);
      auto* p = reinterpret_cast<std::byte*>(at);
      if (p <= end_ && bytes <= static_cast<std::size_t>(end_ - p)) {
        next_ = p + bytes;
        return p;
      }
    }
    if (align > __STDCPP_DEFAULT_NEW_ALIGNMENT__)
      return ::operator new(bytes, std::align_val_t(align));
    return ::operator new(bytes);
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t align) override {
    const auto at = reinterpret_cast<std::uintptr_t>(p);
    for (const Block& b : blocks_) {
      const auto begin = reinterpret_cast<std::uintptr_t>(b.data.get());
      if (at >= begin && at < begin + b.size) {  // freed with the block
#ifdef HVSNAP_ASAN
        ASAN_POISON_MEMORY_REGION(p, bytes);
#else
        (void)bytes;
#endif
        return;
      }
    }
    // The unsized forms: Clang declares the sized ones only with -fsized-deallocation.
    if (align > __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
      ::operator delete(p, std::align_val_t(align));
    } else {
      ::operator delete(p);
    }
  }
  bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override {
    return this == &o;
  }

  std::vector<Block> blocks_;
  std::byte* next_ = nullptr;
  std::byte* end_ = nullptr;
};

template <class T>
class Journaled {
  struct Slot {
    // Made inside the map's node from the record (decision 0123: a new record is moved once,
    // where it was moved into a Slot and then into the node).
    template <class... Args>
    explicit Slot(std::uint32_t e, Args&&... r) : rec(std::forward<Args>(r)...), epoch(e) {}
    T rec;
    std::uint32_t epoch = 0;  // the case whose journal holds this record's value before it
  };
  using Map = GuidNodeMap<Slot>;

 public:
  Journaled() = default;
  Journaled(const Journaled&) = delete;  // the map's nodes point at this object's blocks
  Journaled& operator=(const Journaled&) = delete;

  // Const iteration yields (id, record) pairs. The order is a hash map's: nothing the fake
  // answers may depend on it (every listing is sorted by id; decision 0075).
  class ConstIterator {
   public:
    explicit ConstIterator(typename Map::const_iterator it) : it_(it) {}
    std::pair<const Guid&, const T&> operator*() const { return {it_->first, it_->second.rec}; }
    ConstIterator& operator++() {
      ++it_;
      return *this;
    }
    friend bool operator==(const ConstIterator&, const ConstIterator&) = default;

   private:
    typename Map::const_iterator it_;
  };
  ConstIterator begin() const { return ConstIterator(map_.begin()); }
  ConstIterator end() const { return ConstIterator(map_.end()); }

  std::size_t size() const { return map_.size(); }
  bool empty() const { return map_.empty(); }
  std::size_t count(const Guid& id) const { return map_.count(id); }
  const T* find(const Guid& id) const {
    const auto* node = map_.get(id);
    return node == nullptr ? nullptr : &node->second.rec;
  }

  // Each (id, record) in ascending id order, the order of every listing (decision 0075),
  // without sorting or searching the map at each read (decision 0136): the listing keeps the
  // records' nodes in id order between reads (a node stays put while its key is in the map);
  // the ids erased and added since are taken out and merged in when it is next read.
  template <class F>
  void each_in_order(F&& f) const {
    settle();
    for (const Listed& l : order_)
      f(l.id, l.node->second.rec);
  }

  // Mutable access to an existing record (nullptr when absent), journaled once per case.
  T* edit(const Guid& id) {
    auto* node = map_.get(id);
    if (node == nullptr) return nullptr;
    note(node->first, node->second);
    return &node->second.rec;
  }
  // The record, added default-constructed when absent.
  T& upsert(const Guid& id) {
    auto* node = map_.get(id);
    if (node == nullptr) return add(id);  // made in the map's node
    note(node->first, node->second);
    return node->second.rec;
  }
  // Adds a record the map does not hold (asserted). Taken by reference and moved once, into
  // the map's node (decision 0123).
  T& emplace(const Guid& id, T&& rec) { return add(id, std::move(rec)); }
  T& emplace(const Guid& id, const T& rec) { return add(id, rec); }
  bool erase(const Guid& id) {
    // A copy: `id` may live in the record erased (a job erasing itself by its own id).
    const Guid key = id;
    auto it = map_.find(key);
    if (it == map_.end()) return false;
    note(it->first, it->second);
    map_.erase(it);
    erased(key);
    return true;
  }

  // Replaces the contents without journaling (a load); ends journaling. The records are
  // moved from, or copied when they are const (a pool's base, decision 0117).
  template <class Records>
  void reset(Records& records) {
    clear();
    begin_load(records.size());
    for (auto& r : records) {
      const Guid id = r.id;
      if constexpr (std::is_const_v<Records>) {
        map_.try_emplace(id, 0U, r);
      } else {
        map_.try_emplace(id, 0U, std::move(r));
      }
      added_.push_back(id);
    }
    end_load();
  }
  // Between these, up to n records added (a load's, not journaled) take their nodes from one
  // block and the map has room for them without rehashing.
  void begin_load(std::size_t n) {
    if (map_.empty()) {
      // An index sized for this load, not kept from a larger one (a host of 100,000 snapshots
      // loaded again with four), and the earlier loads' blocks go: nothing lives in them.
      {
        Map fresh(&blocks_);
        map_.swap(fresh);
      }
      blocks_.release();
    }
    // A node is the key and the slot; rounded up to an alignment generously (what does not fit
    // goes to the heap).
    constexpr std::size_t kNode = (sizeof(typename Map::value_type) + 15) / 16 * 16;
    blocks_.start(n * kNode + 256);
    map_.reserve(n);
  }
  void end_load() { blocks_.stop(); }
  void clear() {
    map_.clear();
    order_.clear();
    added_.clear();
    erased_.clear();
    journal_.clear();
    epoch_ = 0;
  }

  // From here on every first change to a record in a case is journaled.
  void start_journal() {
    HVSNAP_ASSERT(journal_.empty());
    next_epoch();
  }
  // Back to the contents at start_journal() (or the last rollback), and a new case begins.
  void rollback() {
    HVSNAP_ASSERT(epoch_ != 0);
    for (std::size_t i = journal_.size(); i-- > 0;) {
      Entry& e = journal_[i];
      if (e.prev) {
        if (map_.insert_or_assign(e.id, Slot(0, std::move(*e.prev))).second)
          added_.push_back(e.id);  // erased by the case: listed again
      } else {
        map_.erase(e.id);
        erased(e.id);
      }
    }
    journal_.clear();
    next_epoch();
  }
  std::size_t journal_size() const { return journal_.size(); }
  std::size_t load_block_bytes() const { return blocks_.block_bytes(); }

 private:
  struct Entry {
    Guid id;
    std::optional<T> prev;  // nullopt: the key was absent
  };

  void next_epoch() {
    if (++epoch_ == 0) {  // wrapped: no slot may look journaled for the new case
      for (auto& [id, slot] : map_)
        slot.epoch = 0;
      epoch_ = 1;
    }
  }
  void note(const Guid& id, Slot& slot) {
    if (epoch_ == 0 || slot.epoch == epoch_) return;
    // The value saved shares the ids of the record's lists (a VM's snapshots, a group's
    // collections): a case that adds a checkpoint to a VM of a long history journals it in
    // O(1), not O(history) (decision 0155).
    const IdSequence::SharedCopies share;
    journal_.push_back(Entry{id, slot.rec});
    slot.epoch = epoch_;
  }
  // A key the map does not hold (asserted: try_emplace adds nothing for one it holds).
  // The record is made from `rec` (none: default-constructed) inside the map's node.
  template <class... Rec>
  T& add(const Guid& id, Rec&&... rec) {
    // An absent key: journaled as absent (harmless when the case had already journaled it,
    // e.g. erased and re-created: the older entry is replayed last).
    if (epoch_ != 0) journal_.push_back(Entry{id, std::nullopt});
    auto [it, added] = map_.try_emplace(id, epoch_, std::forward<Rec>(rec)...);
    HVSNAP_ASSERT(added);
    added_.push_back(it->first);  // the map's own copy: `id` may be the moved record's
    pending();
    return it->second.rec;
  }

  LoadBlocks blocks_;  // before map_: destroyed after it
  Map map_{&blocks_};
  std::vector<Entry> journal_;
  // The listing (each_in_order): the map's nodes in id order as of the last read, and the ids
  // added and erased since. Changed by const reads: a host is read under its lock.
  // An id beside its node, so that taking the erased out reads no node.
  struct Listed {
    Guid id;
    const typename Map::value_type* node;
  };
  mutable std::vector<Listed> order_;
  mutable std::vector<Guid> added_;
  mutable std::vector<Guid> erased_;

  void erased(const Guid& id) {
    erased_.push_back(id);
    pending();
  }
  // Cases that add and roll back records nobody lists would grow the lists without end: they
  // are settled once they hold twice the map's ids (amortized O(1) a change).
  void pending() const {
    if (added_.size() + erased_.size() >= 2 * map_.size() + 64) settle();
  }
  // Brings order_ up to date: an erased id's node is dropped (its node is gone, or is a new
  // one when the id was added again), then each id added since that is still in the map is
  // looked up once and merged in.
  void settle() const {
    if (!erased_.empty()) {
      std::sort(erased_.begin(), erased_.end());
      std::erase_if(order_, [&](const Listed& l) {
        return std::binary_search(erased_.begin(), erased_.end(), l.id);
      });
      erased_.clear();
    }
    if (added_.empty()) return;
    std::sort(added_.begin(), added_.end());
    added_.erase(std::unique(added_.begin(), added_.end()), added_.end());
    const auto sorted = static_cast<std::ptrdiff_t>(order_.size());
    for (const Guid& id : added_) {
      if (const auto* node = map_.get(id)) order_.push_back(Listed{id, node});
    }
    added_.clear();
    std::inplace_merge(order_.begin(), order_.begin() + sorted, order_.end(),
                       [](const Listed& x, const Listed& y) { return x.id < y.id; });
  }
  std::uint32_t epoch_ = 0;  // 0: not journaling (a host outside a pool)
};

// The record an internal invariant says exists (decision 0072's journal: reads stay const).
template <class T>
const T& must(const Journaled<T>& map, const Guid& id) {
  const T* r = map.find(id);
  HVSNAP_ASSERT(r != nullptr);
  return *r;
}
template <class T>
const T& must(Journaled<T>& map, const Guid& id) {
  return must(std::as_const(map), id);
}
template <class T>
T& must_edit(Journaled<T>& map, const Guid& id) {
  T* r = map.edit(id);
  HVSNAP_ASSERT(r != nullptr);
  return *r;
}

}  // namespace hvsnap::sim
