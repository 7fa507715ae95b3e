// Contract §6: every fault site, armed once per run with a seeded probability and fired per
// evaluation, each staying inside the documented envelope, each logged with its tick.
#include <fmt/format.h>

#include "harness.h"

namespace hvsnap::sim::testing {
namespace {

std::unique_ptr<Host> host_with_fault(std::string_view site, double firing = 1.0, int lag = 3) {
  return make_host(std::string(kMinimal) + fmt::format(R"(
faults:
  seed: 11
  sites:
    {}: {{activation: 1.0, firing: {}, lag-reads: {}}}
)",
                                                       site, firing, lag));
}

std::size_t firings(Host& host, FaultSite site) {
  std::size_t n = 0;
  for (const auto& e : host.control().fault_log())
    n += (!e.activation && e.site == site) ? 1 : 0;
  return n;
}

TEST(Faults, ArmingAndFiringAreLoggedWithTheirTick) {
  auto host = host_with_fault("sync-failed");
  ASSERT_TRUE(host);
  const auto log0 = host->control().fault_log();
  ASSERT_EQ(log0.size(), 1U);
  EXPECT_TRUE(log0[0].activation);
  EXPECT_EQ(log0[0].site, FaultSite::kSyncFailed);
  create_snapshot(*host, group(*host, "g1"));
  const auto log1 = host->control().fault_log();
  ASSERT_EQ(log1.size(), 2U);
  EXPECT_FALSE(log1[1].activation);
  EXPECT_GT(log1[1].tick_ms, 0);
}

TEST(Faults, AnUnarmedSiteNeverFires) {
  auto host = make_host(std::string(kMinimal) +
                        "faults: {sites: {sync-failed: {activation: 0, firing: 1}}}\n");
  ASSERT_TRUE(host);
  for (int i = 0; i < 5; ++i) {
    const auto r = create_snapshot(*host, group(*host, "g1"));
    ASSERT_EQ(r.return_value, 4096U);
    wait_job(*host, job_of(r));
  }
  EXPECT_TRUE(host->control().fault_log().empty());
}

TEST(Faults, SyncFailedAndSyncTimeoutReturnFailedAndTimeoutWithNoChange) {
  for (auto [site, code] : {std::pair{"sync-failed", 32768U}, std::pair{"sync-timeout", 32772U}}) {
    auto host = host_with_fault(site);
    ASSERT_TRUE(host);
    const auto before = observe(*host);
    EXPECT_EQ(create_snapshot(*host, group(*host, "g1")).return_value, code);
    EXPECT_TRUE(observe(*host) == before);
  }
}

TEST(Faults, SyncFaultsNeverHitInvalidCalls) {
  auto host = host_with_fault("sync-failed");
  ASSERT_TRUE(host);
  EXPECT_EQ(create_snapshot(*host, group(*host, "g1"), 0).return_value, 32776U);
  EXPECT_EQ(firings(*host, FaultSite::kSyncFailed), 0U);
}

TEST(Faults, JobExceptionAtMemberRollsBack) {
  auto host = host_with_fault("job-exception-at-member");
  ASSERT_TRUE(host);
  const auto before = observe(*host);
  const auto job = job_of(create_snapshot(*host, group(*host, "g1")));
  EXPECT_EQ(wait_job(*host, job), 10U);
  const auto j = *host->get_instance(job);
  EXPECT_EQ(*j.get_uint("ErrorCode"), 32768U);
  EXPECT_FALSE(j.get_string("ErrorDescription").empty());
  auto after = observe(*host);
  after.jobs = before.jobs;
  EXPECT_TRUE(after == before);
}

TEST(Faults, JobStallEndsInExceptionWhenTheLivenessBudgetRunsOut) {
  auto host = host_with_fault("job-stall");
  ASSERT_TRUE(host);
  const auto job = job_of(create_snapshot(*host, group(*host, "g1")));
  host->control().advance(30'000);
  EXPECT_EQ(*host->get_instance(job)->get_uint("JobState"), 4U) << "still Running, going nowhere";
  host->control().advance(31'000);
  EXPECT_EQ(*host->get_instance(job)->get_uint("JobState"), 10U);
  EXPECT_TRUE(host->control().dump().snapshots.empty());
}

TEST(Faults, ResultLagDelaysTheAssociationsByNReads) {
  auto host = host_with_fault("result-lag", 1.0, 5);
  ASSERT_TRUE(host);
  const auto g = group(*host, "g1");
  const auto job = job_of(create_snapshot(*host, g));
  host->control().advance(1000);
  auto j = host->get_instance(job);  // read 1 after completion
  ASSERT_EQ(*j->get_uint("JobState"), 7U);
  int reads = 1;
  while (assoc(*host, g, names::kSnapshotOfGroup).empty())
    ++reads;
  EXPECT_EQ(reads, 5);
}

TEST(Faults, JobEarlyRemovalMakesTheJobVanishAtItsEnd) {
  auto host = host_with_fault("job-early-removal");
  ASSERT_TRUE(host);
  const auto g = group(*host, "g1");
  const auto job = job_of(create_snapshot(*host, g));
  host->control().advance(1000);
  auto j = host->get_instance(job);
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().kind(), cim::StatusKind::kNotFound);
  EXPECT_EQ(assoc(*host, g, names::kSnapshotOfGroup).size(), 1U) << "the work itself completed";
}

TEST(Faults, JobSuspendPassesThroughSuspendedAndResumes) {
  auto host = host_with_fault("job-suspend");
  ASSERT_TRUE(host);
  const auto job = job_of(create_snapshot(*host, group(*host, "g1")));
  std::vector<std::uint64_t> seen;
  for (int i = 0; i < 40; ++i) {
    auto j = host->get_instance(job);
    const auto s = *j->get_uint("JobState");
    if (seen.empty() || seen.back() != s) seen.push_back(s);
    if (cim::JobState(static_cast<std::uint16_t>(s)).is_terminal()) break;
  }
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{4, 5, 4, 5, 4, 7}));
}

TEST(Faults, NamedPlansCoverEverySite) {
  const auto names = fault_plan_names();
  EXPECT_EQ(names.size(), 9U);
  for (const auto& n : names)
    EXPECT_TRUE(named_fault_plan(n, 1).has_value()) << n;
  EXPECT_EQ(named_fault_plan("all", 1)->sites.size(), 7U);
  EXPECT_FALSE(named_fault_plan("gremlins", 1).has_value());
}

}  // namespace
}  // namespace hvsnap::sim::testing

namespace hvsnap::sim::testing {
namespace {

TEST(Faults, AStalledJobExplainsItselfThroughGetErrorEx) {
  auto host = host_with_fault("job-stall");
  ASSERT_TRUE(host);
  const auto job = job_of(create_snapshot(*host, group(*host, "g1")));
  host->control().advance(120'000);
  ASSERT_EQ(*host->get_instance(job)->get_uint("JobState"), 10U);
  auto errors = host->invoke_method(job, "GetErrorEx", {});
  ASSERT_TRUE(errors.ok()) << errors.status().to_string();
  EXPECT_EQ(errors->return_value, 0U);
  EXPECT_EQ(errors->get("Errors")->items().size(), 1U);
}

}  // namespace
}  // namespace hvsnap::sim::testing
