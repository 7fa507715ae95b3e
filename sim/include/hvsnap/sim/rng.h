// The fake's one portable seeded generator (design.md, FoundationDB model): xoshiro256**
// seeded through SplitMix64, with hand-written uniform/chance so every standard library
// and platform draws the same numbers. No std::*_distribution, no std::random_device.
#pragma once

#include <array>
#include <cstdint>

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

// SplitMix64, the project's one: the next output of the sequence at `state` (advancing it),
// and its finaliser alone (a 64-bit mix). Rng seeding, derive_seed and name GUIDs use it.
std::uint64_t splitmix64(std::uint64_t& state);
std::uint64_t splitmix64_mix(std::uint64_t z);

}  // namespace hvsnap::sim
