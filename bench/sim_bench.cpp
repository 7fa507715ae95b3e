// Benchmarks of the fake host (decision 0005). Run: build/release/bench/sim_bench
//  (a) BM_FullCycle/4vm: CreateSnapshot -> job to completion -> S and its members through
//      Associators, on a one-group host. Target >= 100,000 cycles/s on one core. Every 1,024
//      cycles, untimed, the snapshots they made are destroyed so the host keeps its size.
//  (b) BM_FullCycle/large: the same on 10,000 VMs, 2,500 groups, 100,000 snapshots;
//      target within 2x of (a).
//  (c) BM_MemoryPerSnapshot: resident and heap bytes per snapshot VSSD; target <= 2 KiB.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <fstream>
#include <string>

#include "hosts.h"
#include "hvsnap/cim/names.h"
#include "hvsnap/sim/host.h"

namespace {

using namespace hvsnap;
using bench::group_path;
using bench::make_state;
namespace names = cim::names;

// One cycle; returns the snapshot collection it created (empty if the cycle failed).
cim::ObjectPath cycle(sim::Host& host, const cim::ObjectPath& service,
                      const cim::ObjectPath& group) {
  cim::PropertyList in;
  in.push_back({"Collection", cim::Value::reference(group)});
  in.push_back({"SnapshotType", cim::Value::uint16(1)});
  auto r = host.invoke_method(service, "CreateSnapshot", in);
  const cim::ObjectPath job = *r->get("Job")->as_reference();
  host.control().advance(1000);
  auto state = host.get_instance(job);
  if (state->get_uint("JobState").value_or(0) != 7) return {};
  auto s = host.associators(job, {std::string(names::kAffectedJobElement), "", "", ""});
  auto members =
      host.associators(s->front().path(), {std::string(names::kCollectedSnapshots), "", "", ""});
  if (members->size() != 4) return {};
  return s->front().path();
}

// Keeps the host at its stated size: destroys what the timed cycles created.
void destroy_all(sim::Host& host, const cim::ObjectPath& service,
                 std::vector<cim::ObjectPath>& created) {
  for (const auto& c : created) {
    cim::PropertyList in;
    in.push_back({"AffectedSnapshotCollection", cim::Value::reference(c)});
    (void)host.invoke_method(service, "DestroySnapshot", in);
    host.control().advance(1000);
  }
  created.clear();
}

void BM_FullCycle(benchmark::State& st, int groups, int collections_per_group) {
  auto host = std::move(*sim::Host::create(make_state(groups, collections_per_group)));
  const cim::ObjectPath service(std::string(names::kNamespace),
                                std::string(names::kCollectionSnapshotService));
  std::vector<cim::ObjectPath> paths;
  for (const auto& g : host->control().dump().groups)
    paths.push_back(group_path(g.id));
  std::vector<cim::ObjectPath> created;
  created.reserve(1024);
  std::size_t i = 0;
  bool ok = true;
  for (auto _ : st) {
    created.push_back(cycle(*host, service, paths[i++ % paths.size()]));
    ok = ok && !created.back().empty();
    if (created.size() == 1024) {
      st.PauseTiming();
      destroy_all(*host, service, created);
      st.ResumeTiming();
    }
  }
  if (!ok) st.SkipWithError("a cycle did not complete");
  st.SetItemsProcessed(st.iterations());
  st.counters["cycles_per_s"] =
      benchmark::Counter(static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_FullCycle, 4vm, 1, 0)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_FullCycle, large_10000vm_2500groups_100000snapshots, 2500, 10)
    ->Unit(benchmark::kMicrosecond);

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * 4096;
}

// Bytes per snapshot VSSD: a host of 10,000 VMs with 25 snapshots each against the same
// host with none (snapshot collections, one per four snapshots, are counted in).
void BM_MemoryPerSnapshot(benchmark::State& st) {
  for (auto _ : st) {
    malloc_trim(0);
    const std::size_t rss0 = resident_bytes();
    const std::size_t heap0 = mallinfo2().uordblks;
    auto empty = std::move(*sim::Host::create(make_state(2500, 0)));
    malloc_trim(0);
    const std::size_t rss1 = resident_bytes();
    const std::size_t heap1 = mallinfo2().uordblks;
    empty.reset();
    malloc_trim(0);
    const std::size_t rss2 = resident_bytes();
    const std::size_t heap2 = mallinfo2().uordblks;
    auto full = std::move(*sim::Host::create(make_state(2500, 25)));
    malloc_trim(0);
    const std::size_t rss3 = resident_bytes();
    const std::size_t heap3 = mallinfo2().uordblks;
    const double snapshots = 2500.0 * 25 * 4;
    st.counters["snapshots"] = snapshots;
    st.counters["rss_bytes_per_snapshot"] =
        (static_cast<double>(rss3 - rss2) - static_cast<double>(rss1 - rss0)) / snapshots;
    st.counters["heap_bytes_per_snapshot"] =
        (static_cast<double>(heap3 - heap2) - static_cast<double>(heap1 - heap0)) / snapshots;
    benchmark::DoNotOptimize(full);
  }
}
BENCHMARK(BM_MemoryPerSnapshot)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
