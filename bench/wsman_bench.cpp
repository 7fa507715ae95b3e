// WS-Management over loopback (contract §8). Run: build/release/bench/wsman_bench
// The server is `hvsnap serve` in its own process, as users run it (bench/serve_process.h;
// HVSNAP_SERVE_BINARY names another build's hvsnap to compare servers): a fixture of 250 groups
// of four running VMs, served with `--clock calls` so that every call moves the fake's clock
// timing.auto-advance-ms (100 ms), as in-process (decision 0031). Each benchmark thread is one
// client (wsman::Client, keep-alive, over its own plain-HTTP transport — decision 0101;
// HVSNAP_CLIENT_TRANSPORT does not apply here) in this process — 1, 2 and 8 at once.
//  BM_Get: WS-Transfer Get of one VM. Targets: >= 5,000 Get/s, then >= 10,000, on 2 cores.
//  BM_Cycle: a full CreateSnapshot cycle over the wire — Invoke, poll the job with Get until
//            it ends (every call moves the clock 100 ms), then read S through
//            Msvm_AffectedJobElement and its members through Msvm_CollectedSnapshots.
//            Each client uses its own groups (no CS-SEQ-6 contention). Target >= 2,000
//            cycles/s on 2 cores. The clients share one host and its clock, so with two
//            clients each job ends after about half as many of its own polls (4-5, not 8).
//  BM_CycleOwnHost: the same cycle, each client on a host slot of its own (`serve --hosts 8`,
//            /wsman/hvsnap-host/K): only its own calls move its clock, so every client polls
//            its job once per simulated tick, 8 times a cycle, however many clients run.
//  BM_Pull1000: Enumerate + Pull of the 1,000 VMs (and the host: full instances,
//            EnumerateObjectAndEPR) with w:MaxEnvelopeSize 153600 — the batches are cut to
//            fit (contract §8, decision 0009). Target < 50 ms per enumeration.
//  BM_DispatchGet: the same Get answered by Dispatcher::handle in-process — the protocol
//            layer's own cost, without HTTP, for comparing with BM_Get.
//  BM_ParseInvoke: parse_request of an Invoke with N distinct parameters; linear in N
//            (decision 0021: a quadratic parser once took 14-23 s for 30,000-50,000).
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "hosts.h"
#include "hvsnap/wsman/client.h"
#include "hvsnap/wsman/dispatcher.h"
#include "hvsnap/wsman/server.h"
#include "hvsnap/wsman/uris.h"
#include "serve_process.h"

namespace {

using namespace hvsnap;
namespace names = cim::names;
namespace fs = std::filesystem;

constexpr int kGroups = 64;       // the groups the cycle uses
constexpr int kHostGroups = 250;  // 1,000 VMs for the Pull
constexpr int kHostSlots = 8;     // BM_CycleOwnHost: a host for each of up to 8 clients
// The server's seed, given to it and to every slot's Reset: a Reset with another run seed would
// build the target again from the fixture file, which is gone once the server has started.
constexpr std::uint64_t kServeSeed = 1;

// Groups of four running VMs that take any number of checkpoints; every call moves the clock.
std::string fixture(int groups) {
  std::string y = "schema: 1\nhost: HV-BENCH\ntiming:\n  auto-advance-ms: 100\nvms:\n";
  for (int g = 0; g < groups; ++g) {
    for (int v = 0; v < 4; ++v) {
      y += fmt::format(
          "  - {{name: vm-{}-{}, state: running, checkpoint-type: standard, "
          "checkpoint-limit: 1000000000}}\n",
          g, v);
    }
  }
  y += "groups:\n";
  for (int g = 0; g < groups; ++g)
    y += fmt::format("  - {{name: group-{0}, members: [vm-{0}-0, vm-{0}-1, vm-{0}-2, vm-{0}-3]}}\n",
                     g);
  return y;
}

struct Served {
  bench::ServeProcess serve;
  std::vector<cim::ObjectPath> groups;  // group-0 … group-63
  cim::ObjectPath vm;                   // vm-0-0
  std::string error;
};

// One server for the whole run, started on first use (and stopped at exit).
Served& served() {
  static Served s;
  static const bool started = [] {
    const fs::path yaml =
        fs::temp_directory_path() / fmt::format("hvsnap-wsman-bench-{}.yaml", ::getpid());
    std::ofstream(yaml) << fixture(kHostGroups);
    const bool ok =
        bench::start_serve(bench::serve_binary(HVSNAP_BINARY),
                           {"--fixture", yaml.string(), "--clock", "calls", "--hosts",
                            std::to_string(kHostSlots), "--seed", std::to_string(kServeSeed)},
                           s.serve);
    fs::remove(yaml);
    if (!ok) {
      s.error = "hvsnap serve did not start";
      return false;
    }
    // The paths as the server names them (its ids are derived from the fixture's names).
    wsman::ClientOptions co;
    co.endpoint = s.serve.endpoint;
    auto c = std::move(*wsman::Client::create(co));
    auto vms = c->enumerate_instances(names::kNamespace, names::kComputerSystem);
    auto groups = c->enumerate_instances(names::kNamespace, names::kVmGroup);
    if (!vms.ok() || !groups.ok()) {
      s.error = "could not enumerate the served host";
      return false;
    }
    for (const auto& v : *vms) {
      if (v.get_string("ElementName") == "vm-0-0") s.vm = v.path();
    }
    std::vector<std::pair<int, cim::ObjectPath>> numbered;
    for (const auto& g : *groups) {
      const std::string name = g.get_string("ElementName");
      if (name.rfind("group-", 0) != 0) continue;
      const int n = std::stoi(name.substr(6));
      if (n < kGroups) numbered.emplace_back(n, g.path());
    }
    std::sort(numbered.begin(), numbered.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [n, p] : numbered)
      s.groups.push_back(std::move(p));
    if (s.groups.size() != kGroups || s.vm.keys().empty()) s.error = "unexpected served host";
    return s.error.empty();
  }();
  (void)started;
  return s;
}

std::unique_ptr<wsman::Client> client(wsman::ClientOptions co = {}) {
  co.endpoint = served().serve.endpoint;
  return std::move(*wsman::Client::create(co));
}

void BM_Get(benchmark::State& st) {
  if (!served().error.empty()) {
    st.SkipWithError(served().error.c_str());
    return;
  }
  auto c = client();
  const cim::ObjectPath vm = served().vm;
  bool ok = true;
  for (auto _ : st) {
    auto r = c->get_instance(vm);
    ok = ok && r.ok();
  }
  if (!ok) st.SkipWithError("a Get failed");
  st.counters["gets_per_s"] =
      benchmark::Counter(static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Get)->Threads(1)->Threads(2)->Threads(8)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Full cycles on `c` until the benchmark stops, the groups from `first` in steps of `step`.
void cycles(benchmark::State& st, wsman::Client& c, std::size_t first, std::size_t step) {
  if (!served().error.empty()) {
    st.SkipWithError(served().error.c_str());
    return;
  }
  const cim::ObjectPath service{std::string(names::kNamespace),
                                std::string(names::kCollectionSnapshotService)};
  std::size_t i = first;
  bool ok = true;
  std::int64_t polls = 0;
  for (auto _ : st) {
    const cim::ObjectPath& group = served().groups[i % kGroups];
    i += step;
    cim::PropertyList in;
    in.push_back({"Collection", cim::Value::reference(group)});
    in.push_back({"SnapshotType", cim::Value::uint16(2)});
    auto r = c.invoke_method(service, "CreateSnapshot", in);
    if (!r.ok() || r->return_value != 4096) {
      ok = false;
      continue;
    }
    const cim::ObjectPath job = *r->get("Job")->as_reference();
    std::uint64_t state = 4;
    while (state < 7) {
      auto j = c.get_instance(job);
      ++polls;
      if (!j.ok()) break;
      state = j->get_uint("JobState").value_or(0);
    }
    auto s = c.associators(job, {std::string(names::kAffectedJobElement), "", "", ""});
    if (state != 7 || !s.ok() || s->size() != 1) {
      ok = false;
      continue;
    }
    auto members =
        c.associators(s->front().path(), {std::string(names::kCollectedSnapshots), "", "", ""});
    ok = ok && members.ok() && members->size() == 4;
  }
  if (!ok) st.SkipWithError("a cycle did not complete");
  st.counters["cycles_per_s"] =
      benchmark::Counter(static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
  st.counters["polls_per_cycle"] =
      benchmark::Counter(static_cast<double>(polls), benchmark::Counter::kAvgIterations);
}

void BM_Cycle(benchmark::State& st) {
  auto c = client();
  cycles(st, *c, static_cast<std::size_t>(st.thread_index()),
         static_cast<std::size_t>(st.threads()));
}
BENCHMARK(BM_Cycle)->Threads(1)->Threads(2)->Threads(8)->UseRealTime()->Unit(
    benchmark::kMicrosecond);

void BM_CycleOwnHost(benchmark::State& st) {
  if (!served().error.empty()) {
    st.SkipWithError(served().error.c_str());
    return;
  }
  wsman::ClientOptions co;
  co.endpoint = served().serve.endpoint;
  if (st.thread_index() > 0) {  // slot 0 is /wsman itself
    const std::string e = co.endpoint;
    co.endpoint = fmt::format("{}{}{}", e.substr(0, e.rfind("/wsman")), wsman::kHostSlotPath,
                              st.thread_index());
  }
  auto made = wsman::Client::create(co);
  if (!made.ok()) {
    st.SkipWithError(made.status().to_string().c_str());
    return;
  }
  auto c = std::move(made).value();
  // A slot past 0 has no host until a control Reset makes one of the served fixture (decision
  // 0122); its ids come from the fixture's names, so the groups' paths are slot 0's.
  if (st.thread_index() > 0) {
    auto reset = c->invoke_control("Reset", {{cim::Name("RunSeed"), cim::Value::uint64(kServeSeed)},
                                             {cim::Name("CaseSeed"), cim::Value::uint64(1)}});
    if (!reset.ok()) {
      st.SkipWithError(("the Reset of a host slot failed: " + reset.status().to_string()).c_str());
      return;
    }
  }
  cycles(st, *c, 0, 1);
}
BENCHMARK(BM_CycleOwnHost)
    ->Threads(1)
    ->Threads(2)
    ->Threads(8)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

void BM_Pull1000(benchmark::State& st) {
  if (!served().error.empty()) {
    st.SkipWithError(served().error.c_str());
    return;
  }
  wsman::ClientOptions co;
  co.max_elements = 1000;
  co.max_envelope_size = 153600;
  auto c = client(co);
  std::size_t n = 0;
  for (auto _ : st) {
    auto vms = c->enumerate_instances(names::kNamespace, names::kComputerSystem);
    n = vms.ok() ? vms->size() : 0;
  }
  if (n < 1000) st.SkipWithError("fewer than 1,000 instances came back");
  st.counters["instances"] = static_cast<double>(n);
  st.counters["messages"] =
      static_cast<double>(c->requests_sent()) /
      static_cast<double>(std::max<benchmark::IterationCount>(1, st.iterations()));
}
BENCHMARK(BM_Pull1000)->UseRealTime()->Unit(benchmark::kMillisecond);

// The in-process protocol layer (no HTTP): a host of its own.
struct InProcess {
  std::shared_ptr<sim::Host> host;
  cim::ObjectPath vm;
};

InProcess& in_process() {
  static InProcess* s = [] {
    auto* out = new InProcess;
    sim::HostState state = bench::make_state(kGroups, 0);
    out->vm = cim::ObjectPath(std::string(names::kNamespace), std::string(names::kComputerSystem));
    out->vm.add_key("CreationClassName", std::string(names::kComputerSystem));
    out->vm.add_key("Name", state.vms.front().id.to_string());
    out->host = std::move(*sim::Host::create(std::move(state)));
    return out;
  }();
  return *s;
}

void BM_DispatchGet(benchmark::State& st) {
  wsman::Dispatcher d(in_process().host, nullptr);
  wsman::Request r;
  r.op = wsman::Operation::kGet;
  r.action = std::string(wsman::uri::kActionGet);
  r.resource_uri = wsman::uri::resource_uri(names::kNamespace, names::kComputerSystem);
  r.message_id = "uuid:6B0D1C4A-BCED-4CAE-981B-8DDA57181C9F";
  r.target = in_process().vm;
  const std::string xml = wsman::write_request(r);
  bool ok = true;
  for (auto _ : st) {
    auto reply = d.handle(xml, "bench");
    ok = ok && reply.http_status == 200;
  }
  if (!ok) st.SkipWithError("a Get failed");
  st.counters["gets_per_s"] =
      benchmark::Counter(static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DispatchGet)->Unit(benchmark::kMicrosecond);

void BM_ParseInvoke(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const std::string uri =
      "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/virtualization/v2/Msvm_ComputerSystem";
  std::string xml =
      "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
      "xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
      "xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\"><s:Header><a:Action>" +
      uri + "/RequestStateChange</a:Action><w:ResourceURI>" + uri +
      "</w:ResourceURI><a:ReplyTo><a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/"
      "role/anonymous</a:Address></a:ReplyTo><a:MessageID>uuid:6B0D1C4A-BCED-4CAE-981B-"
      "8DDA57181C9F</a:MessageID><w:SelectorSet><w:Selector Name=\"Name\">x</w:Selector>"
      "</w:SelectorSet></s:Header><s:Body><p:RequestStateChange_INPUT xmlns:p=\"" +
      uri + "\">";
  for (std::size_t i = 0; i < n; ++i)
    xml += "<p:P" + std::to_string(i) + ">1</p:P" + std::to_string(i) + ">";
  xml += "</p:RequestStateChange_INPUT></s:Body></s:Envelope>";
  wsman::ParseLimits limits;
  limits.max_bytes = 16u * 1024 * 1024;
  limits.max_parameters = n + 1;
  for (auto _ : st)
    benchmark::DoNotOptimize(wsman::parse_request(xml, limits));
  st.SetComplexityN(static_cast<benchmark::IterationCount>(n));
}
BENCHMARK(BM_ParseInvoke)
    ->RangeMultiplier(4)
    ->Range(1 << 10, 1 << 16)
    ->Complexity()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
