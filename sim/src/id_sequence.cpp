// An ordered list of ids with removals that do not grow with the list (id_sequence.h).
#include "hvsnap/sim/id_sequence.h"

#include <algorithm>
#include <iterator>
#include <new>
#include <utility>

namespace hvsnap::sim {

namespace {

// How far from each end a removal looks before it asks the index: the newest ids (a
// snapshot rolled back, the newest collection destroyed) and the oldest (old checkpoints
// deleted) are found without one.
constexpr std::size_t kScan = 16;

}  // namespace

thread_local bool IdSequence::share_copies = false;

IdSequence::IdSequence(std::vector<Guid> ids)
    : store_(ids.empty() ? nullptr : std::make_shared<Store>(Store{std::move(ids), 0})),
      end_(store_ == nullptr ? 0 : store_->slots.size()),
      live_(end_),
      nils_(store_ == nullptr ? 0
                              : static_cast<std::size_t>(
                                    std::count_if(store_->slots.begin(), store_->slots.end(),
                                                  [](const Guid& g) { return g.is_nil(); }))) {}

IdSequence::IdSequence(const IdSequence& other) : live_(other.live_), nils_(other.nils_) {
  if (other.live_ == 0) return;
  // The same slots, holes and all; no index (its positions stay valid). This writes to
  // `other`'s store (the count of its lists, `frozen`, and, when it is alone, the slots past its
  // end): only a list one thread owns may be copied so (the journal's, under its host's lock).
  if (share_copies) {
    if (other.store_.use_count() == 1) alone(*other.store_, other.end_);
    store_ = other.store_;
    end_ = other.end_;
    head_ = other.head_;
    store_->frozen = std::max(store_->frozen, end_);
    return;
  }
  store_ = std::make_shared<Store>();
  store_->slots.reserve(other.live_);
  store_->slots.assign(other.begin(), other.end());
  end_ = live_;
}

IdSequence& IdSequence::operator=(const IdSequence& other) {
  if (this != &other) *this = IdSequence(other);
  return *this;
}

IdSequence::IdSequence(IdSequence&& other) noexcept
    : store_(std::move(other.store_)),
      end_(other.end_),
      head_(other.head_),
      live_(other.live_),
      nils_(other.nils_),
      where_(std::move(other.where_)) {
  other.clear();
}

IdSequence& IdSequence::operator=(IdSequence&& other) noexcept {
  if (this != &other) {
    store_ = std::move(other.store_);
    end_ = other.end_;
    head_ = other.head_;
    live_ = other.live_;
    nils_ = other.nils_;
    where_ = std::move(other.where_);
    other.clear();
  }
  return *this;
}

void IdSequence::clear() {
  store_.reset();
  end_ = 0;
  head_ = 0;
  live_ = 0;
  nils_ = 0;
  where_.reset();
}

// The store of a list no other list shares any more (they are gone): it sees every slot to its
// end, and those past it (what a list gone had appended) go.
void IdSequence::alone(Store& store, std::size_t end) {
  store.frozen = 0;
  if (store.slots.size() > end) store.slots.resize(end);
}

void IdSequence::own(std::size_t from) {
  if (store_ == nullptr) {
    store_ = std::make_shared<Store>();
    return;
  }
  if (store_.use_count() == 1) {
    alone(*store_, end_);
    return;
  }
  // Past every slot another list sees, at the slots' end: changed in place.
  if (from >= store_->frozen && store_->slots.size() == end_) return;
  auto copy = std::make_shared<Store>();
  copy->slots.reserve(end_ + end_ / 2 + 1);
  copy->slots.assign(store_->slots.begin(),
                     store_->slots.begin() + static_cast<std::ptrdiff_t>(end_));
  store_ = std::move(copy);  // the same positions: the index stays valid
}

void IdSequence::reserve(std::size_t n) {
  own(end_);
  store_->slots.reserve(n);
}

void IdSequence::push_back_slow(const Guid& id) {
  if (id.is_nil()) {  // a value, not a hole: the holes go first, and the index
    if (holes() != 0) close_holes();
    where_.reset();
  }
  own(end_);
  store_->slots.push_back(id);  // what throws here leaves the list as it was
  ++end_;
  ++live_;
  if (id.is_nil()) ++nils_;
  if (where_) {
    try {
      (*where_)[id] = end_ - 1;
    } catch (const std::bad_alloc&) {
      where_.reset();  // the list holds the id; the index is built again when a removal needs it
    }
  }
}

bool IdSequence::erase(const Guid& id) {
  if (live_ == 0 || id.is_nil()) return false;
  if (nils_ != 0) {  // no holes in a list with nil values: as a vector, the newest first
    const Guid* first = data();
    const Guid* last = first + end_;
    const Guid* at = last;
    while (at != first && !(*(at - 1) == id))
      --at;
    if (at == first) return false;
    const auto pos = static_cast<std::ptrdiff_t>(at - 1 - first);
    own(static_cast<std::size_t>(pos));  // the slots from pos on move
    store_->slots.erase(store_->slots.begin() + pos);
    --end_;
    --live_;
    where_.reset();
    return true;
  }
  const Guid* slots = data();
  const std::size_t n = end_;
  // The newest ids first, then the oldest: each end's kScan slots (holes included).
  for (std::size_t i = n, seen = 0; i > head_ && seen < kScan; --i, ++seen) {
    if (slots[i - 1] == id) {
      make_hole(i - 1);
      return true;
    }
  }
  for (std::size_t i = head_, seen = 0; i < n && seen < kScan; ++i, ++seen) {
    if (slots[i] == id) {
      make_hole(i);
      return true;
    }
  }
  if (n - head_ <= 2 * kScan) return false;  // both scans covered every slot
  if (!where_) {  // built aside: a throw while building leaves no partial index behind
    auto built = std::make_unique<std::unordered_map<Guid, std::size_t, GuidHash>>();
    built->reserve(live_);
    for (std::size_t i = head_; i < n; ++i)
      if (!slots[i].is_nil()) built->emplace(slots[i], i);
    where_ = std::move(built);
  }
  const auto it = where_->find(id);
  if (it == where_->end()) return false;
  make_hole(it->second);
  return true;
}

void IdSequence::make_hole(std::size_t at) {
  if (at == head_ && at < end_ && store_.use_count() > 1 && at < store_->frozen) {
    // The oldest id leaves a list that shares it (users delete their oldest checkpoints): the
    // list starts past it, and its slot, which the other lists see, stays as it is. No copy.
    if (where_) where_->erase(data()[at]);
    if (--live_ == 0) {
      clear();
      return;
    }
    ++head_;
    while (data()[head_].is_nil())
      ++head_;
    if (holes() > live_ + kScan) close_holes();
    return;
  }
  own(at);
  std::vector<Guid>& slots = store_->slots;
  if (where_) where_->erase(slots[at]);
  slots[at] = Guid{};
  if (--live_ == 0) {
    clear();
    return;
  }
  // Never a hole at the end: back() is the newest id. (Shared, the slot before `frozen` holds an
  // id: the pops stay in this list's own slots.)
  while (slots[end_ - 1].is_nil()) {
    slots.pop_back();
    --end_;
  }
  while (slots[head_].is_nil())  // nor before the first id
    ++head_;
  if (holes() > live_ + kScan) close_holes();
}

void IdSequence::close_holes() {
  own(0);
  std::vector<Guid>& slots = store_->slots;
  // Before the first id: holes, and ids that left while the list started past them (shared).
  slots.erase(slots.begin(), slots.begin() + static_cast<std::ptrdiff_t>(head_));
  slots.erase(std::remove_if(slots.begin(), slots.end(), [](const Guid& g) { return g.is_nil(); }),
              slots.end());
  end_ = slots.size();
  head_ = 0;
  where_.reset();  // positions moved; built again when a removal needs it
}

}  // namespace hvsnap::sim
