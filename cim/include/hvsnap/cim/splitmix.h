// SplitMix64, the project's one (docs/architecture.md rule 7: one of each utility): the fake seeds
// its xoshiro256** streams with it (sim/rng.h), the suite derives case and sequence seeds and picks
// interleavings with it (conformance). Output is identical on every platform and library.
#pragma once

#include <cstdint>

namespace hvsnap::cim {

inline constexpr std::uint64_t kSplitMix64Increment = 0x9E3779B97F4A7C15ULL;

// The finaliser alone: a 64-bit mix of `z`.
constexpr std::uint64_t splitmix64_mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// The next output of the sequence at `state` (advancing it).
constexpr std::uint64_t splitmix64(std::uint64_t& state) {
  return splitmix64_mix(state += kSplitMix64Increment);
}

}  // namespace hvsnap::cim
