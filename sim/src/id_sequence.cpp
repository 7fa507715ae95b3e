// An ordered list of ids with removals that do not grow with the list (id_sequence.h).
#include "hvsnap/sim/id_sequence.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace hvsnap::sim {

namespace {

// How far from each end a removal looks before it asks the index: the newest ids (a
// snapshot rolled back, the newest collection destroyed) and the oldest (old checkpoints
// deleted) are found without one.
constexpr std::size_t kScan = 16;

}  // namespace

IdSequence::IdSequence(std::vector<Guid> ids)
    : slots_(std::move(ids)),
      live_(slots_.size()),
      nils_(static_cast<std::size_t>(
          std::count_if(slots_.begin(), slots_.end(), [](const Guid& g) { return g.is_nil(); }))) {}

IdSequence::IdSequence(const IdSequence& other) : live_(other.live_), nils_(other.nils_) {
  slots_.reserve(other.live_);
  slots_.assign(other.begin(), other.end());
}

IdSequence& IdSequence::operator=(const IdSequence& other) {
  if (this != &other) *this = IdSequence(other);
  return *this;
}

IdSequence::IdSequence(IdSequence&& other) noexcept
    : slots_(std::move(other.slots_)),
      head_(other.head_),
      live_(other.live_),
      nils_(other.nils_),
      where_(std::move(other.where_)) {
  other.clear();
}

IdSequence& IdSequence::operator=(IdSequence&& other) noexcept {
  if (this != &other) {
    slots_ = std::move(other.slots_);
    head_ = other.head_;
    live_ = other.live_;
    nils_ = other.nils_;
    where_ = std::move(other.where_);
    other.clear();
  }
  return *this;
}

void IdSequence::clear() {
  slots_.clear();
  head_ = 0;
  live_ = 0;
  nils_ = 0;
  where_.reset();
}

void IdSequence::push_back(const Guid& id) {
  if (id.is_nil()) {  // a value, not a hole: the holes go first, and the index
    if (holes() != 0) close_holes();
    where_.reset();
    ++nils_;
  }
  if (where_) (*where_)[id] = slots_.size();
  slots_.push_back(id);
  ++live_;
}

bool IdSequence::erase(const Guid& id) {
  if (live_ == 0 || id.is_nil()) return false;
  if (nils_ != 0) {  // no holes in a list with nil values: as a vector, the newest first
    const auto it = std::find(slots_.rbegin(), slots_.rend(), id);
    if (it == slots_.rend()) return false;
    slots_.erase(std::next(it).base());
    --live_;
    where_.reset();
    return true;
  }
  const std::size_t n = slots_.size();
  // The newest ids first, then the oldest: each end's kScan slots (holes included).
  for (std::size_t i = n, seen = 0; i > head_ && seen < kScan; --i, ++seen) {
    if (slots_[i - 1] == id) {
      make_hole(i - 1);
      return true;
    }
  }
  for (std::size_t i = head_, seen = 0; i < n && seen < kScan; ++i, ++seen) {
    if (slots_[i] == id) {
      make_hole(i);
      return true;
    }
  }
  if (n - head_ <= 2 * kScan) return false;  // both scans covered every slot
  if (!where_) {  // built aside: a throw while building leaves no partial index behind
    auto built = std::make_unique<std::unordered_map<Guid, std::size_t, GuidHash>>();
    built->reserve(live_);
    for (std::size_t i = head_; i < n; ++i)
      if (!slots_[i].is_nil()) built->emplace(slots_[i], i);
    where_ = std::move(built);
  }
  const auto it = where_->find(id);
  if (it == where_->end()) return false;
  make_hole(it->second);
  return true;
}

void IdSequence::make_hole(std::size_t at) {
  if (where_) where_->erase(slots_[at]);
  slots_[at] = Guid{};
  if (--live_ == 0) {
    clear();
    return;
  }
  while (slots_.back().is_nil())  // never a hole at the end: back() is the newest id
    slots_.pop_back();
  while (slots_[head_].is_nil())  // nor before the first id
    ++head_;
  if (holes() > live_ + kScan) close_holes();
}

void IdSequence::close_holes() {
  slots_.erase(
      std::remove_if(slots_.begin(), slots_.end(), [](const Guid& g) { return g.is_nil(); }),
      slots_.end());
  head_ = 0;
  where_.reset();  // positions moved; built again when a removal needs it
}

}  // namespace hvsnap::sim
