// xoshiro256** with SplitMix64 seeding; portable uniform and chance.
#include "hvsnap/sim/rng.h"

namespace hvsnap::sim {

std::uint64_t splitmix64_mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::uint64_t splitmix64(std::uint64_t& state) {
  return splitmix64_mix(state += 0x9E3779B97F4A7C15ULL);
}

namespace {

std::uint64_t rotl(std::uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

}  // namespace

Rng::Rng(std::uint64_t seed) {
  for (auto& w : s_)
    w = splitmix64(seed);
}

Rng Rng::from_state(const State& s) {
  Rng r;
  r.s_ = s;
  return r;
}

std::uint64_t Rng::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::uint64_t Rng::uniform(std::uint64_t lo, std::uint64_t hi) {
  if (hi <= lo) return lo;
  const std::uint64_t span = hi - lo;
  if (span == ~0ULL) return next();
  const std::uint64_t range = span + 1;
  // Reject the lowest (2^64 mod range) values so every residue is equally likely.
  const std::uint64_t threshold = (0 - range) % range;
  std::uint64_t x = next();
  while (x < threshold)
    x = next();
  return lo + x % range;
}

bool Rng::chance(double p) {
  if (p <= 0.0) return false;
  if (p >= 1.0) return true;
  // 53 random bits as a double in [0, 1): exact in IEEE arithmetic on every platform.
  const double u = static_cast<double>(next() >> 11) * 0x1.0p-53;
  return u < p;
}

Guid Rng::guid() {
  Guid g{next(), next()};
  g.hi = (g.hi & ~0xF000ULL) | 0x4000ULL;
  g.lo = (g.lo & ~(0xC000ULL << 48)) | (0x8000ULL << 48);
  return g;
}

std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t label) {
  std::uint64_t x = seed ^ (label * 0xD1B54A32D192ED03ULL);
  return splitmix64(x);
}

}  // namespace hvsnap::sim
