// The happy path end to end: CreateSnapshot on a ready group, the job, the result set.
#include "harness.h"

namespace hvsnap::sim::testing {
namespace {

TEST(SimSmoke, CreateSnapshotRunsAJobAndProducesTheResultSet) {
  auto host = make_host(kMinimal);
  ASSERT_TRUE(host);
  const auto g = group(*host, "g1");
  const auto r = create_snapshot(*host, g);
  ASSERT_EQ(r.return_value, 4096U);
  const auto job = job_of(r);
  auto first = host->get_instance(job);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first->get_uint("JobState"), 4U);
  EXPECT_EQ(*first->get_uint("JobType"), 198U);
  EXPECT_EQ(wait_job(*host, job), 7U);
  const auto colls = assoc(*host, g, names::kSnapshotOfGroup);
  ASSERT_EQ(colls.size(), 1U);
  EXPECT_EQ(assoc(*host, colls[0].path(), names::kCollectedSnapshots).size(), 2U);
  const auto from_job = assoc(*host, job, names::kAffectedJobElement);
  ASSERT_EQ(from_job.size(), 1U);
  EXPECT_TRUE(cim::same_object(from_job[0].path(), colls[0].path()));
}

}  // namespace
}  // namespace hvsnap::sim::testing
