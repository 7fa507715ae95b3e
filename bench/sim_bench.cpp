// Benchmarks of the fake host (decision 0005). Run: build/release/bench/sim_bench
//  (a) BM_FullCycle/4vm: CreateSnapshot -> the job read on every tick until it ends -> S and
//      its members through Associators, on a one-group host, as a client polls (decision 0071:
//      every provider call is one tick of the host's clock, Timing's default 100 ms, and the
//      job is read on each one; `job_reads` counts them). Target >= 250,000 cycles/s on one
//      core and <= 30,000 instructions per cycle (callgrind). Every 1,024 cycles, untimed, the
//      snapshots they made are destroyed so the host keeps its size.
//  (b) BM_FullCycle/large: the same on 10,000 VMs, 2,500 groups, 100,000 snapshots;
//      target within 2x of (a).
//  (c) BM_MemoryPerSnapshot: resident and heap bytes per snapshot VSSD; target <= 2 KiB.
//  (d) BM_LoadAndValidate: a 100,000-snapshot host as YAML (a dump) loaded by the fixture
//      loader, which validates it; wide (10,000 VMs, 10 snapshots each) and deep (4 VMs, chains
//      of 25,000); BM_Validate the same hosts' sim::validate alone; BM_LoadChain a hand-written
//      chain of 20,000 and of 100,000 (names only). Target: < 1 s for 100,000 snapshots (loading
//      and validation linear); BM_YamlParseOnly / BM_LibyamlEventsOnly the parsers' floors
//      (decision 0017).
//  (e) BM_CreateDestroy / BM_Apply: one cycle on a 4-VM group whose members already hold a
//      history of 0 or 12,500 snapshots each; the cost must not grow with the history
//      (DestroySnapshot and ApplySnapshot touch the members and their direct children only).
//      BM_CreateDestroy destroys the collection just made, or (oldest_*) the oldest one (history
//      1 or 12,500), as users delete old checkpoints (decision 0152); BM_Apply applies the two
//      newest collections in turn, or (oldest_*) the two oldest.
//  (f) BM_CaseHost / BM_CaseHostCycle: a certification case's host taken from the pool and
//      given back (decision 0075), bare and after one full cycle; 4 VMs and 10,000 VMs with
//      100,000 snapshots, the large within 2x of the small; BM_CaseHostCycle/history_12500 on
//      4 VMs of 12,500 snapshots each, whose lists the case's journal shares (decision 0155);
//      BM_CaseHostDestroyOldest the same case deleting the oldest collection too (history 1 or
//      12,500).
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <algorithm>
#include <deque>
#include <fstream>
#include <string>

#include <yaml-cpp/yaml.h>
#include <yaml.h>
#if defined(HVSNAP_ALLOCATOR_TCMALLOC)
#include <gperftools/malloc_extension_c.h>
#endif

#include "hosts.h"
#include "hvsnap/cim/names.h"
#include "hvsnap/fixtures/host_yaml.h"
#include "hvsnap/sim/host.h"

namespace {

using namespace hvsnap;
using bench::group_path;
using bench::make_state;
namespace names = cim::names;

// The clock of a host a client polls: every provider call moves it one tick (decision 0002's
// default auto-advance), so a client that reads its job on every call sees every step.
constexpr std::int64_t kTickMs = 100;

void tick_per_call(sim::HostState& s) {
  s.timing.auto_advance_ms = kTickMs;
}

// One cycle as a client makes it: CreateSnapshot, then GetInstance on the job on every tick
// until it is terminal, then S (AffectedJobElement) and its VSSDs (CollectedSnapshots).
// Returns the snapshot collection it created (empty if the cycle failed); `reads` counts the
// job reads. The host must move its clock on every call (tick_per_call).
cim::ObjectPath cycle(sim::Host& host, const cim::ObjectPath& service, const cim::ObjectPath& group,
                      std::size_t& reads) {
  cim::PropertyList in;
  in.push_back({"Collection", cim::Value::reference(group)});
  in.push_back({"SnapshotType", cim::Value::uint16(1)});
  auto r = host.invoke_method(service, "CreateSnapshot", in);
  if (!r.ok() || r->return_value != 4096) return {};
  const cim::ObjectPath job = *r->get("Job")->as_reference();
  std::uint64_t state = 0;
  for (int poll = 0; poll < 1000; ++poll) {  // bounded: a job that never ends fails the cycle
    auto j = host.get_instance(job);
    ++reads;
    if (!j.ok()) return {};
    state = j->get_uint("JobState").value_or(0);
    if (state >= 7) break;  // terminal (7 Completed, 8 Terminated, 9 Killed, 10 Exception)
  }
  if (state != 7) return {};
  auto s = host.associators(job, {std::string(names::kAffectedJobElement), "", "", ""});
  if (!s.ok() || s->size() != 1) return {};
  auto members =
      host.associators(s->front().path(), {std::string(names::kCollectedSnapshots), "", "", ""});
  if (!members.ok() || members->size() != 4) return {};
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
  sim::HostState state = make_state(groups, collections_per_group);
  tick_per_call(state);
  auto host = std::move(*sim::Host::create(std::move(state)));
  const cim::ObjectPath service{std::string(names::kNamespace),
                                std::string(names::kCollectionSnapshotService)};
  std::vector<cim::ObjectPath> paths;
  for (const auto& g : host->control().dump().groups)
    paths.push_back(group_path(g.id));
  std::vector<cim::ObjectPath> created;
  created.reserve(1024);
  std::size_t i = 0;
  std::size_t reads = 0;
  bool ok = true;
  for (auto _ : st) {
    created.push_back(cycle(*host, service, paths[i++ % paths.size()], reads));
    ok = ok && !created.back().empty();
    if (created.size() == 1024) {
      st.PauseTiming();
      destroy_all(*host, service, created);
      st.ResumeTiming();
    }
  }
  if (!ok) st.SkipWithError("a cycle did not complete");
  st.SetItemsProcessed(st.iterations());
  st.counters["job_reads"] =
      static_cast<double>(reads) / static_cast<double>(std::max<std::int64_t>(st.iterations(), 1));
  st.counters["cycles_per_s"] =
      benchmark::Counter(static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_FullCycle, 4vm, 1, 0)->Unit(benchmark::kMicrosecond);
// Fixed counts for callgrind (instructions per cycle = the difference of the two runs / 800;
// both stay under 1,024 cycles, so no untimed clean-up runs inside either):
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null build/release/bench/sim_bench
//     --benchmark_filter='BM_FullCycle/4vm/iterations:200$'   (one command; then :1000)
BENCHMARK_CAPTURE(BM_FullCycle, 4vm, 1, 0)->Iterations(200)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_FullCycle, 4vm, 1, 0)->Iterations(1000)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_FullCycle, large_10000vm_2500groups_100000snapshots, 2500, 10)
    ->Unit(benchmark::kMicrosecond);

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * 4096;
}

// The heap's bytes in use, and freed memory given back to the system, by the allocator the
// program runs on (decision 0132): glibc's mallinfo2 and malloc_trim know nothing of tcmalloc's
// heap.
std::size_t heap_in_use() {
#if defined(HVSNAP_ALLOCATOR_TCMALLOC)
  std::size_t bytes = 0;
  MallocExtension_GetNumericProperty("generic.current_allocated_bytes", &bytes);
  return bytes;
#else
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;  // blocks in the arenas and blocks mapped on their own
#endif
}

void give_back_free_memory() {
#if defined(HVSNAP_ALLOCATOR_TCMALLOC)
  MallocExtension_ReleaseFreeMemory();
#else
  malloc_trim(0);
#endif
}

// Bytes per snapshot VSSD: a host of 10,000 VMs with 25 snapshots each against the same
// host with none (snapshot collections, one per four snapshots, are counted in).
void BM_MemoryPerSnapshot(benchmark::State& st) {
  for (auto _ : st) {
    give_back_free_memory();
    const std::size_t rss0 = resident_bytes();
    const std::size_t heap0 = heap_in_use();
    auto empty = std::move(*sim::Host::create(make_state(2500, 0)));
    give_back_free_memory();
    const std::size_t rss1 = resident_bytes();
    const std::size_t heap1 = heap_in_use();
    empty.reset();
    give_back_free_memory();
    const std::size_t rss2 = resident_bytes();
    const std::size_t heap2 = heap_in_use();
    auto full = std::move(*sim::Host::create(make_state(2500, 25)));
    give_back_free_memory();
    const std::size_t rss3 = resident_bytes();
    const std::size_t heap3 = heap_in_use();
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

// (d) Loading and validation; the same dump as JSON is read by simdjson (decision 0105).
void BM_LoadAndValidate(benchmark::State& st, int groups, int collections_per_group,
                        bool json = false) {
  const sim::HostState state = make_state(groups, collections_per_group);
  const std::string text = json ? fixtures::dump_host_json(state) : fixtures::dump_host_yaml(state);
  std::size_t snapshots = 0;
  for (auto _ : st) {
    auto s = fixtures::load_host_yaml(text, "bench.yaml");
    if (!s.ok()) {
      st.SkipWithError(s.status().to_string().c_str());
      break;
    }
    snapshots = s->snapshots.size();
    benchmark::DoNotOptimize(s);
  }
  st.counters["snapshots"] = static_cast<double>(snapshots);
}
BENCHMARK_CAPTURE(BM_LoadAndValidate, wide_10000vm_100000snapshots, 2500, 10)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LoadAndValidate, wide_10000vm_100000snapshots_json, 2500, 10, true)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LoadAndValidate, deep_4vm_chains_of_25000, 1, 25000)
    ->Unit(benchmark::kMillisecond);

void BM_Validate(benchmark::State& st, int groups, int collections_per_group) {
  const sim::HostState s = make_state(groups, collections_per_group);
  for (auto _ : st) {
    auto r = sim::validate(s);
    if (!r.ok()) {
      st.SkipWithError(r.to_string().c_str());
      break;
    }
  }
  st.counters["snapshots"] = static_cast<double>(s.snapshots.size());
}
BENCHMARK_CAPTURE(BM_Validate, wide_10000vm_100000snapshots, 2500, 10)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Validate, deep_4vm_chains_of_25000, 1, 25000)->Unit(benchmark::kMillisecond);

// A hand-written chain: names only, each parent the previous snapshot (the default).
void BM_LoadChain(benchmark::State& st) {
  std::string text =
      "schema: 1\nvms:\n  - name: a\n    checkpoint-limit: 1000000\n    snapshots:\n";
  for (std::int64_t i = 0; i < st.range(0); ++i)
    text += "      - {name: s" + std::to_string(i) + "}\n";
  for (auto _ : st) {
    auto s = fixtures::load_host_yaml(text, "chain.yaml");
    if (!s.ok()) {
      st.SkipWithError(s.status().to_string().c_str());
      break;
    }
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_LoadChain)->Arg(20000)->Arg(100000)->Unit(benchmark::kMillisecond);

// The floors under (d): yaml-cpp's own parse of the same texts, without the loader (what the
// loader used before decision 0017), and libyaml's events alone (what it uses now, before the
// tree and the readers).
void BM_YamlParseOnly(benchmark::State& st, int groups, int collections_per_group) {
  const std::string text = fixtures::dump_host_yaml(make_state(groups, collections_per_group));
  for (auto _ : st)
    benchmark::DoNotOptimize(YAML::LoadAll(text));
  st.counters["bytes"] = static_cast<double>(text.size());
}
BENCHMARK_CAPTURE(BM_YamlParseOnly, wide_10000vm_100000snapshots, 2500, 10)
    ->Unit(benchmark::kMillisecond);

void BM_LibyamlEventsOnly(benchmark::State& st, int groups, int collections_per_group) {
  const std::string text = fixtures::dump_host_yaml(make_state(groups, collections_per_group));
  for (auto _ : st) {
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()),
                                 text.size());
    std::size_t events = 0;
    for (bool more = true; more;) {
      yaml_event_t event;
      if (yaml_parser_parse(&parser, &event) == 0) {
        st.SkipWithError("libyaml refused the dump");
        break;
      }
      more = event.type != YAML_STREAM_END_EVENT;
      yaml_event_delete(&event);
      ++events;
    }
    yaml_parser_delete(&parser);
    benchmark::DoNotOptimize(events);
  }
  st.counters["bytes"] = static_cast<double>(text.size());
}
BENCHMARK_CAPTURE(BM_LibyamlEventsOnly, wide_10000vm_100000snapshots, 2500, 10)
    ->Unit(benchmark::kMillisecond);

// (e) Costs that must not grow with history: a 4-VM group whose members hold `history`
// snapshots each (as `history` earlier collections of the group).
cim::ObjectPath collection_path(const sim::Guid& id) {
  cim::ObjectPath p{std::string(names::kNamespace), std::string(names::kSnapshotCollection)};
  p.add_key("CollectionID", id.to_string());
  return p;
}

cim::ObjectPath job_result(sim::Host& host, const cim::MethodResult& r) {
  const cim::ObjectPath job = *r.get("Job")->as_reference();
  host.control().advance(1000);
  auto state = host.get_instance(job);
  if (state->get_uint("JobState").value_or(0) != 7) return {};
  return job;
}

// DestroySnapshot of `collection`, its job waited out: whether it completed.
bool destroyed(sim::Host& host, const cim::ObjectPath& service, const cim::ObjectPath& collection) {
  cim::PropertyList in;
  in.push_back({"AffectedSnapshotCollection", cim::Value::reference(collection)});
  auto r = host.invoke_method(service, "DestroySnapshot", in);
  return r.ok() && r->return_value == 4096 && !job_result(host, *r).empty();
}

// Which collection an iteration destroys: the one it made, or the oldest (users delete their
// old checkpoints to reclaim space; CS-SEQ-2 re-parents the oldest snapshot's one child, and the
// VM's and the group's lists lose their first entry, decision 0152). Either way the members keep
// `history` snapshots each. BM_Apply applies the two newest or the two oldest collections.
enum class Which : std::uint8_t { kNewest, kOldest };

void BM_CreateDestroy(benchmark::State& st, int history, sim::DestroyMode mode, Which which) {
  sim::HostState state = make_state(1, history);
  tick_per_call(state);
  state.personality.destroy_snapshot = mode;
  std::deque<cim::ObjectPath> oldest_first;
  for (const auto& c : state.snapshot_collections)
    oldest_first.push_back(collection_path(c.id));
  auto host = std::move(*sim::Host::create(std::move(state)));
  const cim::ObjectPath service{std::string(names::kNamespace),
                                std::string(names::kCollectionSnapshotService)};
  const cim::ObjectPath g = group_path(host->control().dump().groups.front().id);
  bool ok = true;
  std::size_t reads = 0;
  for (auto _ : st) {
    oldest_first.push_back(cycle(*host, service, g, reads));
    ok = ok && !oldest_first.back().empty();
    const bool newest = which == Which::kNewest;
    ok = ok && destroyed(*host, service, newest ? oldest_first.back() : oldest_first.front());
    if (newest) {
      oldest_first.pop_back();
    } else {
      oldest_first.pop_front();
    }
  }
  if (!ok) st.SkipWithError("a create or destroy did not complete");
}
BENCHMARK_CAPTURE(BM_CreateDestroy, history_0, 0, sim::DestroyMode::kReparent, Which::kNewest)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_CreateDestroy, history_12500, 12500, sim::DestroyMode::kReparent,
                  Which::kNewest)
    ->Unit(benchmark::kMicrosecond);
// destroy-snapshot: remove-dependents (M7): the subtree goes, the VM's list is not filtered.
BENCHMARK_CAPTURE(BM_CreateDestroy, remove_dependents_history_0, 0,
                  sim::DestroyMode::kRemoveDependents, Which::kNewest)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_CreateDestroy, remove_dependents_history_12500, 12500,
                  sim::DestroyMode::kRemoveDependents, Which::kNewest)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_CreateDestroy, oldest_history_1, 1, sim::DestroyMode::kReparent,
                  Which::kOldest)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_CreateDestroy, oldest_history_12500, 12500, sim::DestroyMode::kReparent,
                  Which::kOldest)
    ->Unit(benchmark::kMicrosecond);

// Msvm_ParentChildSettingData from a snapshot to its children (Antecedent -> Dependent) and
// back, on a member whose history is `history` snapshots long: through the parent -> children
// index, never a scan of the VM's snapshots.
cim::ObjectPath snapshot_path(const sim::Guid& id) {
  cim::ObjectPath p{std::string(names::kNamespace), std::string(names::kVssd)};
  p.add_key("InstanceID", "Microsoft:" + id.to_string());
  return p;
}

void BM_ParentChild(benchmark::State& st, int history) {
  const sim::HostState state = make_state(1, history + 3);
  const sim::Guid vm = state.vms.front().id;
  std::vector<sim::Guid> chain;  // the first VM's snapshots, oldest first
  for (const auto& sn : state.snapshots)
    if (sn.vm == vm) chain.push_back(sn.id);
  const cim::ObjectPath middle = snapshot_path(chain[chain.size() / 2]);
  auto host = std::move(*sim::Host::create(state));
  const cim::AssociatorsFilter children{std::string(names::kParentChildSettingData), "",
                                        "Antecedent", ""};
  const cim::AssociatorsFilter parent{std::string(names::kParentChildSettingData), "", "Dependent",
                                      ""};
  bool ok = true;
  for (auto _ : st) {
    auto down = host->associators(middle, children);
    auto up = host->associators(middle, parent);
    ok = ok && down.ok() && down->size() == 1 && up.ok() && up->size() == 1;
  }
  if (!ok) st.SkipWithError("the middle snapshot has not one child and one parent");
}
BENCHMARK_CAPTURE(BM_ParentChild, history_0, 0)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ParentChild, history_12500, 12500)->Unit(benchmark::kMicrosecond);

void BM_Apply(benchmark::State& st, int history, Which which) {
  sim::HostState state = make_state(1, history + 2);
  for (auto& vm : state.vms)
    vm.state = sim::VmState::kOff;  // CS-SEQ-3: a collection is applied to stopped members
  // The two newest collections, or the two oldest, in turn.
  std::vector<cim::ObjectPath> targets;
  const std::size_t first = which == Which::kNewest ? state.snapshot_collections.size() - 2 : 0;
  for (std::size_t i = first; i < first + 2; ++i)
    targets.push_back(collection_path(state.snapshot_collections[i].id));
  auto host = std::move(*sim::Host::create(std::move(state)));
  const cim::ObjectPath service{std::string(names::kNamespace),
                                std::string(names::kCollectionSnapshotService)};
  (void)host->get_instance(targets[0]);  // a client reads before it acts (result visibility)
  std::size_t i = 0;
  bool ok = true;
  for (auto _ : st) {
    cim::PropertyList in;
    in.push_back({"SnapshotCollection", cim::Value::reference(targets[i++ % 2])});
    auto r = host->invoke_method(service, "ApplySnapshot", in);
    ok = ok && r.ok() && r->return_value == 4096 && !job_result(*host, *r).empty();
  }
  if (!ok) st.SkipWithError("an apply did not complete");
}
BENCHMARK_CAPTURE(BM_Apply, history_0, 0, Which::kNewest)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Apply, history_12500, 12500, Which::kNewest)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Apply, oldest_history_12500, 12500, Which::kOldest)
    ->Unit(benchmark::kMicrosecond);

// (f) A certification case's host ("a fresh host per case", tools/targets): the run's host
// re-seeded for the case, as the sim target factory takes it from its pool and gives it back
// (decision 0075), on a 4-VM host and on the 10,000-VM, 100,000-snapshot one. BM_CaseHost
// takes and returns a host a case did not change; BM_CaseHostCycle runs one full cycle on it
// (CreateSnapshot, the job polled to its end, S and its members) before giving it back, so the
// rollback has a case's changes to undo. Goal: the large within 2x of the small (decision 0072).
void BM_CaseHost(benchmark::State& st, int groups, int collections_per_group) {
  auto pool = sim::HostPool::create(make_state(groups, collections_per_group));
  if (!pool.ok()) {
    st.SkipWithError(pool.status().to_string().c_str());
    return;
  }
  std::uint64_t case_seed = 0;
  for (auto _ : st) {
    auto host = (*pool)->take(sim::derive_seed(1, ++case_seed));
    benchmark::DoNotOptimize(host->control().epoch_unix_ms());  // SimControl's epoch
  }
  st.counters["hosts_built"] = static_cast<double>((*pool)->hosts_built());
}
BENCHMARK_CAPTURE(BM_CaseHost, small_4vm, 1, 0)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_CaseHost, large_10000vm_100000snapshots, 2500, 10)
    ->Unit(benchmark::kMicrosecond);

// One full cycle on a pooled case host, then (destroy_oldest) DestroySnapshot of the host's
// oldest collection: users delete their oldest checkpoints (decision 0152).
void case_host_cases(benchmark::State& st, int groups, int collections_per_group,
                     bool destroy_oldest) {
  sim::HostState state = make_state(groups, collections_per_group);
  tick_per_call(state);
  const cim::ObjectPath g = group_path(state.groups.back().id);
  const cim::ObjectPath oldest =
      destroy_oldest ? collection_path(state.snapshot_collections.front().id) : cim::ObjectPath{};
  auto pool = sim::HostPool::create(std::move(state));
  if (!pool.ok()) {
    st.SkipWithError(pool.status().to_string().c_str());
    return;
  }
  const cim::ObjectPath service{std::string(names::kNamespace),
                                std::string(names::kCollectionSnapshotService)};
  std::uint64_t case_seed = 0;
  std::size_t reads = 0;
  bool ok = true;
  for (auto _ : st) {
    auto host = (*pool)->take(sim::derive_seed(1, ++case_seed));
    ok = ok && !cycle(*host, service, g, reads).empty();
    if (destroy_oldest) ok = ok && destroyed(*host, service, oldest);
  }
  if (!ok) st.SkipWithError("a cycle or the destroy did not complete");
  st.counters["hosts_built"] = static_cast<double>((*pool)->hosts_built());
}

void BM_CaseHostCycle(benchmark::State& st, int groups, int collections_per_group) {
  case_host_cases(st, groups, collections_per_group, false);
}
BENCHMARK_CAPTURE(BM_CaseHostCycle, small_4vm, 1, 0)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_CaseHostCycle, large_10000vm_100000snapshots, 2500, 10)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_CaseHostCycle, history_12500, 1, 12500)->Unit(benchmark::kMicrosecond);
// Fixed counts for callgrind: instructions a case = the difference of the two runs / 100.
BENCHMARK_CAPTURE(BM_CaseHostCycle, history_12500, 1, 12500)
    ->Iterations(20)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_CaseHostCycle, history_12500, 1, 12500)
    ->Iterations(120)
    ->Unit(benchmark::kMicrosecond);

// A case that deletes the oldest checkpoint as well (users reclaim space, decision 0152): one
// full cycle, then DestroySnapshot of the host's oldest collection, on a pooled host whose VMs
// hold 1 or 12,500 snapshots each. The case's journal shares the VMs' and the group's lists,
// and their oldest ids leave without a copy of them (decision 0155).
void BM_CaseHostDestroyOldest(benchmark::State& st, int history) {
  case_host_cases(st, 1, history, true);
}
BENCHMARK_CAPTURE(BM_CaseHostDestroyOldest, history_1, 1)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_CaseHostDestroyOldest, history_12500, 12500)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
