// Time to kill each broken provider of the catalogue (decision 0010: the median time to kill):
//   BM_TimeToKill/<mutant>  one run of the suite against the mutant, as `hvsnap mutants` runs
//                           it (full profile, pairwise matrix, 30 sequences, 3 concurrent
//                           rounds, seed 20261124), stopped at its first failure: the wall
//                           time a person waits to see the mutant rejected. Counter `steps`
//                           is the length of that failure's shrunk counterexample.
//   BM_Catalogue            every mutant once; counters give the distribution of the times
//                           to kill (min, median, p90, max, in seconds) and how many survived.
// A mutant that survives is reported as an error: the figure would mean nothing.
// Run: cmake --workflow --preset release && ./build/release/bench/mutants_bench
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>
#include <vector>

#include "hvsnap/conformance/runner.h"
#include "hvsnap/reports/kill_table.h"
#include "hvsnap/tools/mutants.h"
#include "hvsnap/tools/targets.h"

namespace {

using namespace hvsnap;
using namespace hvsnap::conformance;

constexpr std::uint64_t kSeed = 20261124;

struct Kill {
  bool killed = false;
  double seconds = 0;
  int steps = 0;
};

Kill kill(const std::string& name) {
  tools::TargetOptions t;
  t.seed = kSeed;
  const auto spec = tools::make_target("sim+mutant:" + name, t).value();
  RunOptions o;
  o.seed = kSeed;
  o.profile = Profile::kFull;
  o.coverage = Coverage::kPairwise;
  o.sequences = 30;
  o.parallel_rounds = 3;
  o.stop_at_first_failure = true;
  const auto t0 = std::chrono::steady_clock::now();
  const RunResult r = run_suite(spec.factory, {spec.uri, spec.identity, spec.caps}, o);
  Kill k;
  k.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  k.killed = !r.failures.empty();
  if (k.killed) k.steps = r.failures.front().steps;
  return k;
}

void BM_TimeToKill(benchmark::State& state, const std::string& name) {
  for (auto _ : state) {
    const Kill k = kill(name);
    if (!k.killed) {
      state.SkipWithError("the mutant survived");
      break;
    }
    state.counters["steps"] = k.steps;
  }
}

void BM_Catalogue(benchmark::State& state) {
  for (auto _ : state) {
    reports::KillTable table;
    for (const auto& m : tools::mutants::catalogue()) {
      const Kill k = kill(std::string(m.name));
      reports::KillRow row;
      row.name = std::string(m.name);
      row.killed = k.killed;
      row.seconds = k.seconds;
      table.rows.push_back(std::move(row));
    }
    const reports::KillStats s = reports::kill_stats(table);
    state.counters["mutants"] = s.total;
    state.counters["survived"] = s.survived;
    state.counters["min_s"] = s.min;
    state.counters["median_s"] = s.median;
    state.counters["p90_s"] = s.p90;
    state.counters["max_s"] = s.max;
    if (s.survived > 0) state.SkipWithError("a mutant survived");
  }
}

}  // namespace

int main(int argc, char** argv) {
  for (const auto& m : tools::mutants::catalogue()) {
    const std::string name(m.name);
    benchmark::RegisterBenchmark(("BM_TimeToKill/" + name).c_str(), BM_TimeToKill, name)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->MinTime(0.5);
  }
  benchmark::RegisterBenchmark("BM_Catalogue", BM_Catalogue)
      ->Unit(benchmark::kSecond)
      ->UseRealTime()
      ->Iterations(1);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
