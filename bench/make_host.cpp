// Writes one of the benchmarks' hosts (hosts.h) as a host fixture, so that a whole
// certification can be measured on it (decision 0075):
//   build/release/bench/make_host 2500 10 > /tmp/large.yaml     # 10,000 VMs, 100,000 snapshots
//   build/release/bench/make_host 2500 10 --json > /tmp/large.json   # the same host as JSON
//   build/release/tools/hvsnap certify --target sim:/tmp/large.yaml --profile core …
// GROUPS groups of four running VMs, each group with COLLECTIONS snapshot collections; the
// clock moves one tick (100 ms) per provider call, as on any fixture (decision 0002). --json
// writes the dump as JSON, which the loader reads through simdjson (decision 0105).
#include <charconv>
#include <cstdio>
#include <string_view>

#include "hosts.h"
#include "hvsnap/fixtures/host_yaml.h"

int main(int argc, char** argv) {
  int groups = 0;
  int collections = 0;
  auto number = [](std::string_view text, int& out) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size() && out >= 0;
  };
  const bool json = argc == 4 && std::string_view(argv[3]) == "--json";
  if ((argc != 3 && !json) || !number(argv[1], groups) || !number(argv[2], collections) ||
      groups == 0) {
    std::fprintf(stderr, "usage: make_host GROUPS COLLECTIONS_PER_GROUP [--json]  (GROUPS >= 1)\n");
    return 2;
  }
  hvsnap::sim::HostState s = hvsnap::bench::make_state(groups, collections);
  s.timing.auto_advance_ms = hvsnap::sim::Timing{}.auto_advance_ms;
  const std::string text =
      json ? hvsnap::fixtures::dump_host_json(s) : hvsnap::fixtures::dump_host_yaml(s);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}
