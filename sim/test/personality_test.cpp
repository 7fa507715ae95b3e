// Contract §3.4: every personality the fake can take, each a legal variant the oracle must
// accept: Msvm codes, synchronous / mixed completion, first job state New, delayed result
// visibility, and job progress by reads or only by explicit clock advances.
#include "harness.h"

namespace hvsnap::sim::testing {
namespace {

std::unique_ptr<Host> host_with(const std::string& personality) {
  return make_host(std::string(kMinimal) + "personality: " + personality + "\n");
}

TEST(Personality, SynchronousCompletionReturns0WithTheResultAndNoJob) {
  auto host = host_with("{completion: synchronous}");
  ASSERT_TRUE(host);
  const auto g = group(*host, "g1");
  const auto r = create_snapshot(*host, g);
  ASSERT_EQ(r.return_value, 0U);
  EXPECT_EQ(r.get("Job"), nullptr);
  const auto* s = r.get("ResultingSnapshotCollection");
  ASSERT_NE(s, nullptr);
  auto coll = host->get_instance(*s->as_reference());
  ASSERT_TRUE(coll.ok()) << coll.status().to_string();
  EXPECT_EQ(assoc(*host, coll->path(), names::kCollectedSnapshots).size(), 2U);
  EXPECT_TRUE(host->control().dump().jobs.empty());
}

TEST(Personality, SynchronousMemberFailureIsACodeWithNoChange) {
  auto host = make_host(R"(
schema: 1
personality: {completion: synchronous}
vms: [{name: ok, state: running}, {name: off-limits, state: running, checkpoint-type: disabled}]
groups: [{name: g, members: [ok, off-limits]}]
)");
  ASSERT_TRUE(host);
  const auto before = observe(*host);
  EXPECT_EQ(create_snapshot(*host, group(*host, "g")).return_value, 32775U);
  EXPECT_TRUE(observe(*host) == before);
}

TEST(Personality, MixedCompletionChoosesPerCallFromTheSeed) {
  auto host = host_with("{completion: mixed}");
  ASSERT_TRUE(host);
  const auto g = group(*host, "g1");
  int sync = 0, job = 0;
  for (int i = 0; i < 20; ++i) {
    const auto r = create_snapshot(*host, g);
    if (r.return_value == 0) {
      ++sync;
    } else {
      ASSERT_EQ(r.return_value, 4096U);
      ASSERT_EQ(wait_job(*host, job_of(r)), 7U);
      ++job;
    }
  }
  EXPECT_GT(sync, 0);
  EXPECT_GT(job, 0);
  EXPECT_EQ(assoc(*host, g, names::kSnapshotOfGroup).size(), 20U);
}

TEST(Personality, FirstJobStateNewPassesThroughStarting) {
  auto host = host_with("{first-job-state: new, job-progress: manual}");
  ASSERT_TRUE(host);
  const auto r = create_snapshot(*host, group(*host, "g1"));
  const auto job = job_of(r);
  std::vector<std::uint64_t> seen;
  for (int i = 0; i < 12; ++i) {
    const auto s = *host->get_instance(job)->get_uint("JobState");
    if (seen.empty() || seen.back() != s) seen.push_back(s);
    host->control().advance(100);
  }
  ASSERT_GE(seen.size(), 4U);
  EXPECT_EQ(seen[0], 2U);
  EXPECT_EQ(seen[1], 3U);
  EXPECT_EQ(seen[2], 4U);
  EXPECT_EQ(seen.back(), 7U);
}

TEST(Personality, ResultVisibilityAfterPollsHidesTheResultForNReads) {
  auto host = host_with("{result-visibility: {after-polls: 4}, completion: synchronous}");
  ASSERT_TRUE(host);
  const auto g = group(*host, "g1");
  const auto r = create_snapshot(*host, g);
  ASSERT_EQ(r.return_value, 0U);
  const auto s = *r.get("ResultingSnapshotCollection")->as_reference();
  for (int i = 0; i < 4; ++i) {
    EXPECT_FALSE(host->get_instance(s).ok()) << "read " << i + 1 << " of 4";
  }
  EXPECT_TRUE(host->get_instance(s).ok());
  EXPECT_EQ(assoc(*host, g, names::kSnapshotOfGroup).size(), 1U);
}

TEST(Personality, JobProgressAfterReadsMovesOnlyWhenTheJobIsRead) {
  auto host = host_with("{job-progress: {after-reads: 3}}");
  ASSERT_TRUE(host);
  const auto g = group(*host, "g1");
  const auto job = job_of(create_snapshot(*host, g));
  host->control().advance(60'000);
  EXPECT_EQ(*host->get_instance(job)->get_uint("JobState"), 4U) << "time alone does not move it";
  int reads = 1;
  while (*host->get_instance(job)->get_uint("JobState") == 4U)
    ++reads;
  // Two members and the completion step: 2 steps x 3 reads, give or take the first read.
  EXPECT_GE(reads, 5);
  EXPECT_LE(reads, 8);
}

TEST(Personality, JobProgressManualMovesOnlyOnExplicitAdvance) {
  auto host = host_with("{job-progress: manual}");
  ASSERT_TRUE(host);
  const auto job = job_of(create_snapshot(*host, group(*host, "g1")));
  for (int i = 0; i < 50; ++i)
    ASSERT_EQ(*host->get_instance(job)->get_uint("JobState"), 4U);
  host->control().advance(400);
  EXPECT_EQ(*host->get_instance(job)->get_uint("JobState"), 7U);
}

TEST(Personality, CanBeChangedThroughTheControlInterface) {
  auto host = make_host(kMinimal);
  ASSERT_TRUE(host);
  Personality p = host->control().personality();
  EXPECT_EQ(create_snapshot(*host, group(*host, "g1"), 0).return_value, 32776U);
  p.codes = CodeFamily::kDmtf;
  ASSERT_TRUE(host->control().set_personality(p).ok());
  EXPECT_EQ(create_snapshot(*host, group(*host, "g1"), 0).return_value, 6U);
  p.job_progress = JobProgress::kAfterReads;
  p.job_progress_reads = 0;
  EXPECT_FALSE(host->control().set_personality(p).ok());
}

}  // namespace
}  // namespace hvsnap::sim::testing
