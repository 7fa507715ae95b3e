// The fake's one portable seeded generator (docs/architecture.md rules 5 and 7): xoshiro256**
// seeded through SplitMix64, with hand-written uniform/chance so every standard library
// and platform draws the same numbers. No std::*_distribution, no std::random_device.
#pragma once

#include <array>
#include <cstdint>

#include "hvsnap/cim/splitmix.h"
#include "hvsnap/sim/guid.h"

namespace hvsnap::sim {

class Rng {
 public:
  using State = std::array<std::uint64_t, 4>;

  explicit Rng(std::uint64_t seed = 0);
  static Rng from_state(const State& s);

  std::uint64_t next();
  // Uniform integer in [lo, hi] (inclusive), unbiased (rejection sampling).
  std::uint64_t uniform(std::uint64_t lo, std::uint64_t hi);
  // True with probability p (clamped to [0, 1]).
  bool chance(double p);
  // A random version-4 GUID.
  Guid guid();

  const State& state() const { return s_; }
  friend bool operator==(const Rng&, const Rng&) = default;

 private:
  State s_{};
};

// Mixes a seed with a label into an independent stream seed (for per-site/per-case streams).
std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t label);

// SplitMix64 is the project's one (cim/splitmix.h): Rng seeding, derive_seed and name GUIDs use it.
using cim::splitmix64;
using cim::splitmix64_mix;

}  // namespace hvsnap::sim
