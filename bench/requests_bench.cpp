// The suite's own request traffic against the served fake, as users run it (contract §8):
// `hvsnap serve` in its own process on loopback, a certification (the core profile: capability
// probes, the class matrix and the SnapshotSettings sweep) over WS-Management in this one, every
// operation counted by kind through the counting decorator of tools/targets (counting.h).
// Reported per case:
// Get, Query (several objects of a class in one WQL query, decision 0083), Enumerate
// (EnumerateInstances), Associators, References, Invoke (WMI methods), clock Now
// and Advance (the control extension; clock_folded of them rode on other requests, decision
// 0140), other control calls, and the wire total of the WS-Man
// client (every Enumerate, Pull, Get, Invoke and control message; Pulls are the difference);
// also the cases, the failures (must be 0), the simulated time the suite let pass per case (what
// a live host spends waiting) and the wall time. Decision 0070 records the figures.
//   BM_ServedCertify/0   pairwise coverage
//   BM_ServedCertify/1   exhaustive coverage
//   BM_ServedCertify/2   pairwise, full profile with 30 sequences and 3 concurrent rounds (as the
//                        mutant catalogue runs): per-case figures then include those steps
//   BM_ServedCertify/3   pairwise on `serve --hosts 2` at -j 2 (decision 0122)
//   BM_ServedCertify/4   exhaustive on `serve --hosts 2` at -j 2
//   BM_ServedCertify/5   as /2 without the concurrent rounds: /5 - /0 is what the sequences
//                        cost, /2 - /5 the rounds' (the estimate's figures, decision 0135)
// (0 to 2 and 5 run one case at a time on `hvsnap serve` as it starts by default.)
//   BM_LiveLikeCertify   pairwise, one case at a time, on `hvsnap serve --no-control`: a host
//                        the suite sees as live (cases share it and clean up after themselves;
//                        every wait passes in real time, at the fake's durations), for the live
//                        estimate's figures (decision 0142). It takes most of an hour, so it is
//                        registered only with HVSNAP_REQUESTS_LIVE=1;
//                        HVSNAP_REQUESTS_LIVE_BUDGET=SECONDS stops starting cases after that long
//                        (the figures are then the first cases', the simplest);
//                        HVSNAP_REQUESTS_LIVE_JOBS=N runs the cases N at a time, each over a
//                        connection of its own (decision 0143; the benchmark's argument);
//                        HVSNAP_REQUESTS_LIVE_STRICT=1 runs them one at a time without a
//                        cleanup overlapping the next case (--no-cleanup-overlap, decision
//                        0153), the figure the estimate's overlapped share is taken against;
//                        HVSNAP_REQUESTS_LIVE_SEQUENCES=N runs, after the capability probes,
//                        N sequences (full profile) and no class matrix, settings sweep or
//                        concurrent round: s_per_sequence is then the sequences' time each.
// Run: build/release/bench/requests_bench  (HVSNAP_REQUESTS_SEED overrides the seed 20261124;
// HVSNAP_REQUESTS_DETAIL=1 prints every operation by what it reads, per case;
// HVSNAP_REQUESTS_TRACE=FILE writes every operation in order, for bench/requests_phases.py)
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "hvsnap/conformance/runner.h"
#include "hvsnap/tools/counting.h"
#include "hvsnap/tools/targets.h"
#include "hvsnap/wsman/client.h"
#include "serve_process.h"

namespace {

using namespace hvsnap;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using bench::ServeProcess;

std::uint64_t seed() {
  const char* v = std::getenv("HVSNAP_REQUESTS_SEED");
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : 20261124;
}

// The run's figures as counters, per case where it says so.
void report(benchmark::State& st, const conformance::RunResult& r, tools::RequestCounts& counts,
            double wire_total, double folded, double seconds) {
  // The fake must fail nothing (only the full profile can certify; the counts are reported
  // all the same, with the reasons).
  st.counters["failures"] = static_cast<double>(r.failures.size());
  if (static_cast<int>(r.failures.size()) != 0) {
    std::fprintf(stderr, "the served fake was %s:\n", r.verdict.c_str());
    for (const auto& why : r.verdict_reasons)
      std::fprintf(stderr, "  %s\n", why.c_str());
  }
  const double cases = std::max(1, r.counts.cases);
  auto per_case = [&](const char* name, double n) { st.counters[name] = n / cases; };
  st.counters["cases"] = r.counts.cases;
  st.counters["sequence_steps"] = r.counts.sequence_steps;
  st.counters["seconds"] = seconds;
  st.counters["requests"] = wire_total;
  per_case("req_per_case", wire_total);
  per_case("get", static_cast<double>(counts.get));
  per_case("query", static_cast<double>(counts.query));
  per_case("enumerate", static_cast<double>(counts.enumerate));
  per_case("assoc", static_cast<double>(counts.associators + counts.references));
  per_case("invoke", static_cast<double>(counts.invoke));
  per_case("now", static_cast<double>(counts.now));
  per_case("advance", static_cast<double>(counts.advance));
  per_case("advanced_s", static_cast<double>(counts.advanced_ms) / 1000.0);
  per_case("control_other", static_cast<double>(counts.control_other + counts.resets));
  // The clock calls (now, advance) answered without a request of their own: the served
  // fake's clock rides on its answers (decision 0140).
  per_case("clock_folded", folded);
  // What the decorator did not see: the Pulls that continued an enumeration, the services
  // the client looked up once, Identify and Describe.
  per_case("pull_etc", wire_total - (static_cast<double>(counts.total() + counts.resets) - folded));
  // HVSNAP_REQUESTS_DETAIL=1: every operation by what it reads, per case (decision 0119).
  if (const char* d = std::getenv("HVSNAP_REQUESTS_DETAIL"); d != nullptr && *d == '1') {
    const std::lock_guard<std::mutex> lock(counts.by_what_mutex);
    for (const auto& [what, n] : counts.by_what)
      std::fprintf(stderr, "%8.2f  %s\n", static_cast<double>(n) / cases, what.c_str());
  }
}

// The name the figures' commands filter on (--benchmark_filter=BM_ServedCertify/...).
void BM_ServedCertify(benchmark::State& st) {  // NOLINT(readability-identifier-naming)
  const bool exhaustive = st.range(0) == 1 || st.range(0) == 4;
  const bool full = st.range(0) == 2 || st.range(0) == 5;
  const int jobs = st.range(0) == 3 || st.range(0) == 4 ? 2 : 1;
  for (auto _ : st) {
    ServeProcess serve;
    const std::vector<std::string> args =
        jobs > 1 ? std::vector<std::string>{"--hosts", std::to_string(jobs)}
                 : std::vector<std::string>{};
    if (!bench::start_serve(bench::serve_binary(HVSNAP_BINARY), args, serve)) {
      st.SkipWithError("hvsnap serve did not start");
      return;
    }
    tools::TargetOptions t;
    t.seed = seed();
    auto spec = tools::make_target("wsman+" + serve.endpoint, t);
    if (!spec.ok()) {
      st.SkipWithError(spec.status().to_string().c_str());
      return;
    }
    // The wire total: every message of every WS-Man client the target opened (one per host
    // slot it used).
    if (!spec->requests_sent) {
      st.SkipWithError("the served target is not over WS-Man");
      return;
    }
    auto counts = std::make_shared<tools::RequestCounts>();
    const auto factory = tools::counting_factory(spec->factory, counts);
    conformance::RunOptions o;
    o.seed = t.seed;
    o.profile = full ? conformance::Profile::kFull : conformance::Profile::kCore;
    if (full) {  // as the mutant catalogue runs: 30 sequences, 3 concurrent rounds
      o.sequences = 30;
      o.parallel_rounds = st.range(0) == 5 ? 0 : 3;
    }
    o.coverage = exhaustive ? conformance::Coverage::kExhaustive : conformance::Coverage::kPairwise;
    o.jobs = jobs;
    // HVSNAP_REQUESTS_TRACE=FILE: every operation in order, one line "CASE WHAT" (decision 0119;
    // bench/requests_phases.py sorts them into the phases of a case).
    const char* trace = std::getenv("HVSNAP_REQUESTS_TRACE");
    if (trace != nullptr && *trace != '\0') counts->trace = std::fopen(trace, "w");
    const std::uint64_t wire_before = spec->requests_sent();
    const std::uint64_t folded_before = spec->control_folded ? spec->control_folded() : 0;
    const auto t0 = Clock::now();
    const conformance::RunResult r =
        conformance::run_suite(factory, {spec->uri, spec->identity, spec->caps}, o);
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    const auto wire_total = static_cast<double>(spec->requests_sent() - wire_before);
    const auto folded =
        static_cast<double>((spec->control_folded ? spec->control_folded() : 0) - folded_before);
    if (counts->trace != nullptr) {
      std::fclose(counts->trace);
      counts->trace = nullptr;
    }
    report(st, r, *counts, wire_total, folded, seconds);
  }
}
BENCHMARK(BM_ServedCertify)
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->Arg(3)
    ->Arg(4)
    ->Arg(5)
    ->Unit(benchmark::kSecond)
    ->Iterations(1)
    ->UseRealTime();

// A live-like host: `hvsnap serve --no-control` (decision 0142). One case at a time; what the
// estimate of a live run prints is measured here: requests a case (the cleanup's included, no
// control calls) and wall seconds a case, which over loopback is nearly all waiting.
void BM_LiveLikeCertify(benchmark::State& st) {  // NOLINT(readability-identifier-naming)
  for (auto _ : st) {
    ServeProcess serve;
    if (!bench::start_serve(bench::serve_binary(HVSNAP_BINARY), {"--no-control"}, serve)) {
      st.SkipWithError("hvsnap serve did not start");
      return;
    }
    tools::TargetOptions t;
    t.seed = seed();
    auto spec = tools::make_target("wsman+" + serve.endpoint, t);
    if (!spec.ok() || !spec->requests_sent || spec->caps.control) {
      st.SkipWithError(spec.ok() ? "the target is not a plain WS-Man host"
                                 : spec.status().to_string().c_str());
      return;
    }
    auto counts = std::make_shared<tools::RequestCounts>();
    conformance::RunOptions o;
    o.seed = t.seed;
    o.profile = conformance::Profile::kCore;
    o.coverage = conformance::Coverage::kPairwise;
    o.jobs = static_cast<int>(st.range(0));
    if (const char* strict = std::getenv("HVSNAP_REQUESTS_LIVE_STRICT");
        strict != nullptr && *strict != '\0') {
      if (std::string_view(strict) != "1" && std::string_view(strict) != "0") {
        st.SkipWithError("HVSNAP_REQUESTS_LIVE_STRICT wants 1 (strictly one case at a time) or 0");
        return;
      }
      o.cleanup_overlap = *strict != '1';
    }
    if (const char* q = std::getenv("HVSNAP_REQUESTS_LIVE_SEQUENCES"); q != nullptr && *q != '\0') {
      char* end = nullptr;
      const long n = std::strtol(q, &end, 10);
      if (*end != '\0' || n < 1 || n > 10000) {
        st.SkipWithError("HVSNAP_REQUESTS_LIVE_SEQUENCES wants a number of sequences, 1 to 10000");
        return;
      }
      o.profile = conformance::Profile::kFull;
      o.sequences = static_cast<int>(n);
      o.parallel_rounds = 0;
      o.class_matrix = false;
      o.settings_sweep = false;
    }
    // When the sequences began (the capability probes' last result taken in).
    auto sequences_from = std::make_shared<double>(0);
    o.progress = [sequences_from](const conformance::Progress& p) {
      if (p.phase == "capability" && p.done == p.total) *sequences_from = p.elapsed_s;
    };
    if (const char* b = std::getenv("HVSNAP_REQUESTS_LIVE_BUDGET"); b != nullptr && *b != '\0') {
      char* end = nullptr;
      const long long s = std::strtoll(b, &end, 10);
      if (*end != '\0' || s <= 0) {
        st.SkipWithError("HVSNAP_REQUESTS_LIVE_BUDGET wants a positive number of seconds");
        return;
      }
      o.budget = std::chrono::seconds(s);
    }
    const std::uint64_t wire_before = spec->requests_sent();
    const auto t0 = Clock::now();
    const conformance::RunResult r = conformance::run_suite(
        tools::counting_factory(spec->factory, counts), {spec->uri, spec->identity, spec->caps}, o);
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    report(st, r, *counts, static_cast<double>(spec->requests_sent() - wire_before), 0, seconds);
    st.counters["s_per_case"] = seconds / std::max(1, r.counts.cases);
    st.counters["not_tested"] = r.counts.cases_not_tested;
    st.counters["cleanup_overlap"] = o.cleanup_overlap && o.jobs == 1 ? 1 : 0;
    if (!o.class_matrix && r.counts.sequences > 0)
      st.counters["s_per_sequence"] = (seconds - *sequences_from) / r.counts.sequences;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (const char* live = std::getenv("HVSNAP_REQUESTS_LIVE"); live != nullptr && *live == '1') {
    long jobs = 1;
    if (const char* j = std::getenv("HVSNAP_REQUESTS_LIVE_JOBS"); j != nullptr && *j != '\0') {
      char* end = nullptr;
      jobs = std::strtol(j, &end, 10);
      if (*end != '\0' || jobs < 1 || jobs > 64) {
        std::fprintf(stderr, "HVSNAP_REQUESTS_LIVE_JOBS wants a number of cases from 1 to 64\n");
        return 2;
      }
    }
    benchmark::RegisterBenchmark("BM_LiveLikeCertify", BM_LiveLikeCertify)
        ->Arg(jobs)
        ->Unit(benchmark::kSecond)
        ->Iterations(1)
        ->UseRealTime();
  }
  if (const char* live = std::getenv("HVSNAP_REQUESTS_LIVE"); live == nullptr || *live != '1') {
    std::fprintf(stderr,
                 "(BM_LiveLikeCertify, most of an hour, runs only with HVSNAP_REQUESTS_LIVE=1)\n");
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
