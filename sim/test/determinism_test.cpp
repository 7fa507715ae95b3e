// One seed reproduces a whole run (design: FoundationDB/VOPR model): the same seed and the
// same calls give identical answers, ids, fault log and final state; another seed differs.
#include "harness.h"

namespace hvsnap::sim::testing {
namespace {

constexpr const char* kBusyHost = R"(
schema: 1
host: HV-DET
vms:
  - {name: a, state: running}
  - {name: b, state: running, checkpoint-type: production, guest-vss: absent}
  - {name: c, state: off, checkpoint-limit: 6}
groups:
  - {name: g1, members: [a, b]}
  - {name: g2, members: [b, c]}
personality: {completion: mixed}
faults:
  seed: 5
  sites:
    sync-failed: {activation: 1, firing: 0.2}
    job-exception-at-member: {activation: 1, firing: 0.2}
    job-suspend: {activation: 1, firing: 0.3}
    result-lag: {activation: 1, firing: 0.5}
)";

// A fixed workload; returns a transcript of every answer.
std::string workload(std::uint64_t seed) {
  std::string yaml = std::string(kBusyHost) + "seed: " + std::to_string(seed) + "\n";
  auto host = make_host(yaml);
  if (!host) return {};
  std::string transcript;
  const auto g1 = group(*host, "g1");
  const auto g2 = group(*host, "g2");
  for (int i = 0; i < 30; ++i) {
    const auto r = create_snapshot(*host, i % 2 ? g1 : g2, static_cast<std::uint16_t>(1 + i % 2));
    transcript += std::to_string(r.return_value) + ";";
    if (const auto* j = r.get("Job")) {
      transcript += j->as_reference()->to_string() + "=" +
                    std::to_string(wait_job(*host, *j->as_reference())) + ";";
    }
    for (const auto& c : assoc(*host, i % 2 ? g1 : g2, names::kSnapshotOfGroup))
      transcript += c.get_string("CollectionID") + ",";
  }
  transcript += fixtures::dump_host_yaml(host->control().dump());
  return transcript;
}

TEST(Determinism, SameSeedSameRun) {
  const std::string a = workload(42);
  const std::string b = workload(42);
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a, b);
  EXPECT_NE(a.find("fault-log"), std::string::npos);
}

TEST(Determinism, AnotherSeedAnotherRun) {
  EXPECT_NE(workload(42), workload(43));
}

TEST(Determinism, PortableGeneratorValues) {
  // Fixed expectations (computed with an independent Python xoshiro256**/SplitMix64) guard
  // against a platform-dependent generator sneaking in.
  Rng r(12345);
  EXPECT_EQ(r.next(), 0xbe6a36374160d49bULL);
  EXPECT_EQ(r.uniform(1, 6), 5U);
  Rng s(12345);
  s.next();
  EXPECT_EQ(s.uniform(1, 6), 5U);
  int hits = 0;
  Rng c(7);
  for (int i = 0; i < 10'000; ++i)
    hits += c.chance(0.25) ? 1 : 0;
  EXPECT_NEAR(hits, 2500, 150);
  EXPECT_EQ(Guid::from_name("vm", "vm-a").to_string(), Guid::from_name("vm", "vm-a").to_string());
  EXPECT_NE(Guid::from_name("vm", "vm-a"), Guid::from_name("group", "vm-a"));
}

}  // namespace
}  // namespace hvsnap::sim::testing
