// Speed of the conformance suite against the fake (decision 0005):
//   BM_SingleCallCase      one matrix case end to end (fresh host, arrangement, the call,
//                          the oracle's judgement), cycling through all 2,040 combinations
//   BM_Sequence20          one generated 20-step stateful sequence, end to end
//   BM_MatrixPlus1000Seq   the exhaustive class matrix plus 1,000 sequences of up to 20
//                          steps, as `run_suite` runs them (wall time; one iteration)
//   BM_Certify/jobs:N      what `hvsnap certify --coverage exhaustive --sequences 1000 -j N`
//                          runs (capability probes, the exhaustive matrix, the settings sweep,
//                          1,000 sequences, 10 concurrent rounds), N cases at a time (decision
//                          0074); wall time, one iteration per N
//   BM_CertifyHost/...     what `hvsnap certify [--target sim:FILE]` runs by default (the
//                          exhaustive matrix, the settings sweep, 100 sequences, 10 concurrent
//                          rounds, all cores), the target made from its fixture each time: the
//                          built-in host, and 10,000 VMs with 100,000 snapshots read from a JSON
//                          dump (make_host 2500 10 --json, written once to the temporary
//                          directory); wall time. Goal: the large within 2x of the built-in
//                          (decision 0148)
//   BM_HostCollections/... what a sequence's end check reads of the whole host (CS-INV-9):
//                          every snapshot collection by id (list_host_collections), on a
//                          one-group host and on 10,000 VMs with 25,000 collections
//                          (decision 0147)
// Run: cmake --workflow --preset release && ./build/release/bench/conformance_bench
#include <benchmark/benchmark.h>

#include <unistd.h>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

#include "hosts.h"
#include "hvsnap/cim/cores.h"
#include "hvsnap/conformance/case_runner.h"
#include "hvsnap/conformance/cases.h"
#include "hvsnap/conformance/classes.h"
#include "hvsnap/conformance/id_list.h"
#include "hvsnap/conformance/runner.h"
#include "hvsnap/conformance/sequences.h"
#include "hvsnap/fixtures/host_yaml.h"
#include "hvsnap/sim/host.h"
#include "hvsnap/tools/targets.h"

namespace {

using namespace hvsnap;
using namespace hvsnap::conformance;

tools::TargetSpec target() {
  tools::TargetOptions t;
  t.seed = 7;
  return tools::make_target("sim:", t).value();
}

void BM_SingleCallCase(benchmark::State& state) {
  const auto spec = target();
  const auto combos = all_combos();
  GenOptions gen;
  gen.fake_attributes = true;
  RunConfig cfg;
  cfg.declarations = declarations_of(spec.caps);
  std::vector<Case> cases;
  for (std::size_t i = 0; i < combos.size(); ++i) {
    cases.push_back(gen_case(combos[i], gen)(rc::Random(i + 1), 100).value());
  }
  std::size_t i = 0;
  for (auto _ : state) {
    CaseReport r = run_case(cases[i++ % cases.size()], spec.factory, cfg);
    benchmark::DoNotOptimize(r.findings.size());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SingleCallCase)->Unit(benchmark::kMicrosecond);

void BM_Sequence20(benchmark::State& state) {
  const auto spec = target();
  RunConfig cfg;
  cfg.declarations = declarations_of(spec.caps);
  // Sequences of exactly 20 steps (generated ones vary in length; keep the 20-step ones).
  std::vector<std::vector<Step>> seqs;
  for (std::uint64_t seed = 1; seqs.size() < 64; ++seed) {
    auto s = gen_sequence(true, 20)(rc::Random(seed), 20).value();
    if (s.size() == 20) seqs.push_back(std::move(s));
  }
  std::size_t i = 0;
  for (auto _ : state) {
    SequenceReport r = run_sequence(seqs[i % seqs.size()], i + 1, spec.factory, cfg);
    ++i;
    benchmark::DoNotOptimize(r.findings.size());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Sequence20)->Unit(benchmark::kMillisecond);

void BM_MatrixPlus1000Seq(benchmark::State& state) {
  const auto spec = target();
  for (auto _ : state) {
    RunOptions o;
    o.seed = 7;
    o.profile = Profile::kFull;
    o.coverage = Coverage::kExhaustive;
    o.settings_sweep = false;
    o.sequences = 1000;
    o.max_steps = 20;
    o.parallel_rounds = 0;
    const RunResult r = run_suite(spec.factory, {spec.uri, spec.identity, spec.caps}, o);
    if (!r.failures.empty()) state.SkipWithError("the fake failed the suite");
    state.counters["cases"] = r.counts.cases;
    state.counters["sequences"] = r.counts.sequences;
    state.counters["steps"] = r.counts.sequence_steps;
  }
}
BENCHMARK(BM_MatrixPlus1000Seq)->Unit(benchmark::kSecond)->Iterations(1)->UseRealTime();

void BM_Certify(benchmark::State& state) {
  const auto spec = target();
  const int jobs = static_cast<int>(state.range(0));
  for (auto _ : state) {
    RunOptions o;  // the run `hvsnap certify` makes, but for the number of sequences
    o.seed = 7;
    o.coverage = Coverage::kExhaustive;
    o.sequences = 1000;
    o.jobs = jobs;
    const RunResult r = run_suite(spec.factory, {spec.uri, spec.identity, spec.caps}, o);
    if (!r.certified) state.SkipWithError("the fake was not certified");
    state.counters["cases"] = r.counts.cases;
    state.counters["sequences"] = r.counts.sequences;
  }
}
BENCHMARK(BM_Certify)
    ->ArgName("jobs")
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kSecond)
    ->Iterations(1)
    ->Repetitions(3)
    ->UseRealTime();

// The large host as `make_host GROUPS COLLECTIONS --json` writes it (the default clock of 100 ms
// a provider call, which make_state turns off for the fake's own benchmarks), once a process, in
// a file of this process's own; the files go when the process ends.
class HostFiles {
 public:
  ~HostFiles() {
    for (const auto& f : files_) {
      std::error_code ec;
      std::filesystem::remove(f, ec);
    }
  }
  // The file's path, or empty when it could not be written.
  std::string json(int groups, int collections_per_group) {
    const auto file =
        std::filesystem::temp_directory_path() /
        ("hvsnap-bench-host-" + std::to_string(::getpid()) + "-" + std::to_string(groups) + "-" +
         std::to_string(collections_per_group) + ".json");
    if (files_.count(file) != 0) return file.string();
    sim::HostState s = bench::make_state(groups, collections_per_group);
    s.timing.auto_advance_ms = sim::Timing{}.auto_advance_ms;
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << fixtures::dump_host_json(s);
    out.close();
    files_.insert(file);
    return out ? file.string() : std::string();
  }

 private:
  std::set<std::filesystem::path> files_;
};

void BM_CertifyHost(benchmark::State& state, int groups, int collections_per_group) {
  std::string uri = "sim:";
  if (groups > 0) {
    static HostFiles files;
    const std::string file = files.json(groups, collections_per_group);
    if (file.empty()) {
      state.SkipWithError("could not write the host fixture to the temporary directory");
      return;
    }
    uri += file;
  }
  const int jobs = static_cast<int>(cim::usable_cores());
  // Each run's target is freed after the timing, as the command's process ends without freeing
  // (decision 0129), and the next run allocates afresh, as a new process would.
  std::vector<tools::TargetSpec> done;
  for (auto _ : state) {
    tools::TargetOptions t;
    t.seed = 20261124;
    auto spec = tools::make_target(uri, t);  // the fixture's load is part of the run
    if (!spec.ok()) {
      state.SkipWithError(spec.status().to_string().c_str());
      return;
    }
    RunOptions o;  // hvsnap certify's defaults
    o.seed = 20261124;
    o.jobs = jobs;
    const RunResult r = run_suite(spec->factory, {spec->uri, spec->identity, spec->caps}, o);
    if (!r.certified) state.SkipWithError("the fake was not certified");
    state.counters["cases"] = r.counts.cases;
    state.counters["sequences"] = r.counts.sequences;
    done.push_back(std::move(spec).value());
  }
}  // `done` is freed here, after the timed loop
BENCHMARK_CAPTURE(BM_CertifyHost, builtin, 0, 0)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->Repetitions(3)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_CertifyHost, large_10000vm_100000snapshots, 2500, 10)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->Repetitions(3)
    ->UseRealTime();

void BM_HostCollections(benchmark::State& state, int groups, int collections_per_group) {
  auto host = sim::Host::create(bench::make_state(groups, collections_per_group));
  if (!host.ok()) {
    state.SkipWithError(host.status().to_string().c_str());
    return;
  }
  std::size_t listed = 0;
  for (auto _ : state) {
    auto ids = list_host_collections(**host);
    if (!ids.ok()) {
      state.SkipWithError(ids.status().to_string().c_str());
      return;
    }
    listed = ids->size();
  }
  state.counters["collections"] = static_cast<double>(listed);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(listed));
}
BENCHMARK_CAPTURE(BM_HostCollections, one_group, 1, 1)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_HostCollections, large_10000vm_25000collections, 2500, 10)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
