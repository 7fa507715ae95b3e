// The served fake under a bounded load, as users run it (decisions 0030, 0031): `hvsnap serve`
// in its own process on loopback, 64 keep-alive clients (wsman::Client over its own plain-HTTP
// transport, decision 0101) in this one, for 60 s. Each client reads continuously (Get of a
// VM, an enumeration) and every 2 s makes a snapshot of its own group: Invoke CreateSnapshot,
// poll the job every 20 ms until it ends, read the result through Msvm_AffectedJobElement, then
// read the job once more — what it just created must still be there (CS-INV-8; the served
// clock follows real time).
// Reported: requests, errors (must be 0), latency p50/p99/max over every request (p99 must be
// under 50 ms), and the server's resident memory at the start and at the end (flat).
//
// Run: build/release/bench/load_bench   (HVSNAP_LOAD_SECONDS / HVSNAP_LOAD_CLIENTS override
// the 60 s and 64 clients, e.g. for a quick look).
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "hvsnap/cim/names.h"
#include "hvsnap/wsman/client.h"
#include "serve_process.h"

namespace {

using namespace hvsnap;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace names = cim::names;
namespace fs = std::filesystem;

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoi(v) : fallback;
}

// A host with one group of two running VMs per client (no CS-SEQ-6 contention).
std::string fixture(int groups) {
  std::string y = "schema: 1\nhost: HV-LOAD\nvms:\n";
  for (int g = 0; g < groups; ++g)
    y += fmt::format(
        "  - name: vm-{0}-a\n    state: running\n  - name: vm-{0}-b\n    state: "
        "running\n",
        g);
  y += "groups:\n";
  for (int g = 0; g < groups; ++g)
    y += fmt::format("  - name: group-{0}\n    members: [vm-{0}-a, vm-{0}-b]\n", g);
  return y;
}

using bench::ServeProcess;

long rss_kib(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

struct Tally {
  std::mutex mu;
  std::vector<double> latencies_ms;
  std::uint64_t errors = 0;
  std::uint64_t creates = 0;
  std::uint64_t still_readable = 0;
  std::string first_error;
};

void client_loop(const std::string& endpoint, int index, Clock::time_point end, Tally& tally) {
  wsman::ClientOptions co;
  co.endpoint = endpoint;
  co.timeout_ms = 10'000;
  auto made = wsman::Client::create(co);
  if (!made.ok()) return;
  auto& c = **made;
  std::vector<double> lat;
  std::uint64_t errors = 0, creates = 0, readable = 0;
  std::string first_error;
  auto timed = [&](auto&& call) {
    const auto t0 = Clock::now();
    auto r = call();
    lat.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (!r.ok()) {
      ++errors;
      if (first_error.empty()) first_error = r.status().to_string();
    }
    return r;
  };
  auto vms =
      timed([&] { return c.enumerate_instances(names::kNamespace, names::kComputerSystem); });
  auto groups = timed([&] { return c.enumerate_instances(names::kNamespace, names::kVmGroup); });
  if (!vms.ok() || vms->empty() || !groups.ok() || groups->empty()) return;
  std::sort(groups->begin(), groups->end(), [](const auto& a, const auto& b) {
    return a.get_string("ElementName") < b.get_string("ElementName");
  });
  const cim::ObjectPath vm = (*vms)[static_cast<std::size_t>(index) % vms->size()].path();
  const cim::ObjectPath group = (*groups)[static_cast<std::size_t>(index) % groups->size()].path();
  const cim::ObjectPath service{std::string(names::kNamespace),
                                std::string(names::kCollectionSnapshotService)};
  auto next_create = Clock::now() + std::chrono::milliseconds(31 * index % 2000);
  while (Clock::now() < end) {
    (void)timed([&] { return c.get_instance(vm); });
    if (Clock::now() < next_create) {
      std::this_thread::sleep_for(5ms);
      continue;
    }
    next_create = Clock::now() + 2s;
    cim::PropertyList in;
    in.push_back({"Collection", cim::Value::reference(group)});
    in.push_back({"SnapshotType", cim::Value::uint16(2)});
    auto r = timed([&] { return c.invoke_method(service, "CreateSnapshot", in); });
    if (!r.ok() || r->return_value != 4096 || r->get("Job") == nullptr) {
      if (r.ok()) {
        ++errors;
        if (first_error.empty())
          first_error = fmt::format("CreateSnapshot returned {}", r->return_value);
      }
      continue;
    }
    ++creates;
    const cim::ObjectPath job = *r->get("Job")->as_reference();
    std::uint64_t state = 4;
    while (state < 7 && Clock::now() < end + 5s) {
      std::this_thread::sleep_for(20ms);
      auto j = timed([&] { return c.get_instance(job); });
      if (!j.ok()) break;
      state = j->get_uint("JobState").value_or(0);
    }
    auto s = timed([&] {
      return c.associators(job, {std::string(names::kAffectedJobElement), "", "", ""});
    });
    if (s.ok() && s->size() != 1) {
      ++errors;
      if (first_error.empty()) first_error = "the finished job names no snapshot collection";
    }
    if (timed([&] { return c.get_instance(job); }).ok()) ++readable;
  }
  std::lock_guard lock(tally.mu);
  tally.latencies_ms.insert(tally.latencies_ms.end(), lat.begin(), lat.end());
  tally.errors += errors;
  tally.creates += creates;
  tally.still_readable += readable;
  if (tally.first_error.empty()) tally.first_error = first_error;
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const std::size_t k = std::min(v.size() - 1, static_cast<std::size_t>(p * (v.size() - 1)));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

void BM_ServeUnderLoad(benchmark::State& st) {
  const int clients = env_int("HVSNAP_LOAD_CLIENTS", 64);
  const int seconds = env_int("HVSNAP_LOAD_SECONDS", 60);
  const fs::path yaml = fs::temp_directory_path() / fmt::format("hvsnap-load-{}.yaml", ::getpid());
  std::ofstream(yaml) << fixture(clients);
  for (auto _ : st) {
    ServeProcess serve;
    if (!bench::start_serve(HVSNAP_BINARY, {"--fixture", yaml.string()}, serve)) {
      st.SkipWithError("hvsnap serve did not start");
      break;
    }
    const long rss_idle = rss_kib(serve.pid);
    Tally tally;
    const auto end = Clock::now() + std::chrono::seconds(seconds);
    std::vector<std::thread> threads;
    for (int i = 0; i < clients; ++i)
      threads.emplace_back(client_loop, serve.endpoint, i, end, std::ref(tally));
    // "Start" is once every client is connected and working (2 s in); the simulated host
    // itself grows by the snapshots and jobs the clients make (removed after 5 minutes).
    std::this_thread::sleep_for(std::min(2s, std::chrono::seconds(seconds) / 4));
    const long rss_start = rss_kib(serve.pid);
    for (auto& t : threads)
      t.join();
    const long rss_end = rss_kib(serve.pid);
    auto& lat = tally.latencies_ms;
    st.counters["clients"] = clients;
    st.counters["seconds"] = seconds;
    st.counters["requests"] = static_cast<double>(lat.size());
    st.counters["requests_per_s"] = static_cast<double>(lat.size()) / seconds;
    st.counters["errors"] = static_cast<double>(tally.errors);
    st.counters["snapshots_made"] = static_cast<double>(tally.creates);
    st.counters["jobs_readable_after"] = static_cast<double>(tally.still_readable);
    st.counters["p50_ms"] = percentile(lat, 0.50);
    st.counters["p99_ms"] = percentile(lat, 0.99);
    st.counters["max_ms"] = lat.empty() ? 0 : *std::max_element(lat.begin(), lat.end());
    st.counters["server_rss_idle_kib"] = static_cast<double>(rss_idle);
    st.counters["server_rss_start_kib"] = static_cast<double>(rss_start);
    st.counters["server_rss_end_kib"] = static_cast<double>(rss_end);
    if (tally.errors > 0) {
      st.SkipWithError(("errors under load; the first: " + tally.first_error).c_str());
    } else if (st.counters["p99_ms"] >= 50) {
      st.SkipWithError("p99 latency is 50 ms or more");
    } else if (tally.still_readable != tally.creates) {
      st.SkipWithError("a job vanished right after it ended (CS-INV-8)");
    }
  }
  fs::remove(yaml);
}
BENCHMARK(BM_ServeUnderLoad)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);

}  // namespace

BENCHMARK_MAIN();
