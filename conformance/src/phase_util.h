// What the suite's phases (phases.cpp, phases_stateful.cpp) share: the seed of an item,
// and RapidCheck's draws and shrinks under one process-wide lock (decision 0074). Private to
// conformance/src.
#pragma once

#include <rapidcheck.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <mutex>

#include "hvsnap/cim/splitmix.h"
#include "hvsnap/conformance/catalogue.h"
#include "hvsnap/conformance/findings.h"
#include "hvsnap/conformance/runner.h"

namespace hvsnap::conformance {

// A seed for item `b` of the stream `a`: a hash combine finished by SplitMix64's mix.
inline std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  return cim::splitmix64_mix(a ^ (b + cim::kSplitMix64Increment + (a << 6) + (a >> 2)));
}

// The sequences of a run's shard: how many, and the seed of the t-th (decision 0043: sequence
// j of the run is this shard's when j = K mod N). The sequences phase draws them so; the
// estimate counts their steps so (decision 0135).
inline int shard_count(const RunOptions& o) {
  return o.shard_count > 1 ? o.shard_count : 1;
}
inline int shard_first(const RunOptions& o) {
  return std::clamp(o.shard_index, 0, shard_count(o) - 1);
}
inline int shard_sequences(const RunOptions& o) {
  const int first = shard_first(o);
  return o.sequences > first ? (o.sequences - first + shard_count(o) - 1) / shard_count(o) : 0;
}
// Sequence j of the run, whatever the shard.
inline std::uint64_t run_sequence_seed(const RunOptions& o, int j) {
  return mix(mix(o.seed, 7777), static_cast<std::uint64_t>(j));
}
inline std::uint64_t sequence_seed(const RunOptions& o, std::size_t t) {
  return run_sequence_seed(o, shard_first(o) + static_cast<int>(t) * shard_count(o));
}

// RapidCheck keeps its implicit parameters (the generation context of rc::gen::exec and
// rc::state, rc::detail::ImplicitParam) in process-global stacks, not per thread: drawing a
// value or walking a shrink tree from two threads at once corrupts them. Every RapidCheck call
// of a run (generation, Shrinkable::value, shrinks) holds this lock, also across runs in one
// process; the cases themselves run without it (decision 0074).
inline std::mutex& rc_mutex() {
  static std::mutex mu;
  return mu;
}

// One value drawn from `gen` (under the RapidCheck lock).
template <class T>
T draw(const std::function<rc::Gen<T>()>& gen, std::uint64_t seed, int size) {
  std::lock_guard lock(rc_mutex());
  return gen()(rc::Random(seed), size).value();
}

// rc::shrinkable::findLocalMin with the RapidCheck lock held around RapidCheck's calls only,
// not while `smaller` runs a candidate against the target: the same walk of the same shrink
// tree, so the same local minimum. Returns whether some candidate was smaller.
template <class T>
bool shrink(const std::function<rc::Gen<T>()>& gen, std::uint64_t seed, int size,
            const std::function<bool(const T&)>& smaller) {
  std::unique_lock lock(rc_mutex());
  const rc::Shrinkable<T> root = gen()(rc::Random(seed), size);
  rc::Seq<rc::Shrinkable<T>> shrinks = root.shrinks();
  bool any = false;
  while (auto candidate = shrinks.next()) {
    T value = candidate->value();
    lock.unlock();
    const bool fails = smaller(value);
    lock.lock();
    if (fails) {
      shrinks = candidate->shrinks();
      any = true;
    }
  }
  return any;
}

}  // namespace hvsnap::conformance
