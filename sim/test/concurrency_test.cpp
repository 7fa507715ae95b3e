// Concurrent callers (CS-SEQ-6 on the fake): overlapping CreateSnapshot calls from several
// threads see a serial order; while one job holds a shared member the other call gets 32775,
// and no member is ever snapshotted by two jobs at once.
#include <atomic>
#include <thread>

#include "harness.h"

namespace hvsnap::sim::testing {
namespace {

TEST(Concurrency, OverlappingCallsSerializeAndTheLoserGetsInvalidState) {
  auto host = make_host(R"(
schema: 1
personality: {job-progress: manual}
vms: [{name: shared, state: running}, {name: x, state: running}, {name: y, state: running}]
groups: [{name: gx, members: [shared, x]}, {name: gy, members: [shared, y]}]
)");
  ASSERT_TRUE(host);
  const auto gx = group(*host, "gx");
  const auto gy = group(*host, "gy");
  for (int round = 0; round < 20; ++round) {
    std::atomic<int> started{0}, busy{0};
    std::vector<std::thread> threads;
    std::vector<cim::ObjectPath> jobs(8);
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        const auto r = create_snapshot(*host, t % 2 ? gx : gy);
        if (r.return_value == 4096) {
          ++started;
          jobs[static_cast<std::size_t>(t)] = job_of(r);
        } else if (r.return_value == 32775) {
          ++busy;
        }
      });
    }
    for (auto& th : threads)
      th.join();
    EXPECT_EQ(started.load(), 1) << "exactly one job may hold the shared member";
    EXPECT_EQ(busy.load(), 7);
    host->control().advance(10'000);
  }
  EXPECT_EQ(assoc(*host, gx, names::kSnapshotOfGroup).size() +
                assoc(*host, gy, names::kSnapshotOfGroup).size(),
            20U);
  // The shared member's chain is linear: every snapshot's parent is the one before it.
  const auto snaps = assoc(*host, vm(*host, "shared"), names::kSnapshotOfVm);
  EXPECT_EQ(snaps.size(), 20U);
  std::size_t roots = 0;
  for (const auto& s : snaps)
    roots += s.get("Parent")->is_null() ? 1 : 0;
  EXPECT_EQ(roots, 1U);
}

TEST(Concurrency, ReadersAndWritersTogetherStayConsistent) {
  auto host = make_host(kMinimal);
  ASSERT_TRUE(host);
  const auto g = group(*host, "g1");
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop) {
      auto all = host->enumerate_instances(names::kNamespace, "CIM_ManagedElement");
      ASSERT_TRUE(all.ok());
    }
  });
  int done = 0;
  for (int i = 0; i < 30; ++i) {
    const auto r = create_snapshot(*host, g);
    if (r.return_value == 4096 && wait_job(*host, job_of(r)) == 7) ++done;
  }
  stop = true;
  reader.join();
  EXPECT_EQ(done, 30);
}

}  // namespace
}  // namespace hvsnap::sim::testing
