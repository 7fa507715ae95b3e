// Contract §3.4, the personalities real hosts showed (observations O1..O5, J1, J3, C4, M2, M6,
// M7): refused collection snapshots, validation inside the job, vendor snapshot types,
// DestroySnapshot removing dependents, duplicate associators, Msvm job-control codes,
// JobState 12, ErrorCode 4096 on success; and the text form every key shares.
#include <filesystem>

#include "harness.h"

namespace hvsnap::sim::testing {
namespace {

constexpr const char* kHost = R"(
schema: 1
host: HV-V2
vms:
  - {name: on-1, state: running}
  - {name: on-2, state: running}
  - {name: off-1, state: off}
  - {name: saved-1, state: saved}
groups:
  - {name: running, members: [on-1, on-2]}
  - {name: mixed, members: [on-1, off-1]}
  - {name: saved, members: [saved-1]}
  - {name: empty, members: []}
management-groups:
  - {name: mgmt-running, members: [running]}
  - {name: mgmt-mixed, members: [running, mixed]}
)";

std::unique_ptr<Host> host_with(const std::string& personality) {
  return make_host(std::string(kHost) + "personality: " + personality + "\n");
}

cim::ObjectPath mgmt(Host& h, std::string_view name) {
  return find(h, names::kManagementCollection, name);
}

// Asserts `code`, no job, and nothing observable changed.
void expect_refused(Host& h, const cim::ObjectPath& collection, std::uint16_t type,
                    std::uint32_t code) {
  const Observable before = observe(h);
  const auto r = create_snapshot(h, collection, type);
  EXPECT_EQ(r.return_value, code);
  EXPECT_EQ(r.get("Job"), nullptr);
  EXPECT_TRUE(observe(h) == before) << "a refused call changed the host";
}

TEST(RefuseCollectionSnapshots, OffMembersAreRefusedSynchronouslyForBothTypes) {
  auto host = host_with("{refuse-collection-snapshots: [off]}");
  ASSERT_TRUE(host);
  for (std::uint16_t type : {1, 2})
    expect_refused(*host, group(*host, "mixed"), type, 32770);  // O1, O2
  expect_refused(*host, mgmt(*host, "mgmt-mixed"), 1, 32770);   // O3
  const auto ok = create_snapshot(*host, group(*host, "running"));
  ASSERT_EQ(ok.return_value, 4096U);
  EXPECT_EQ(wait_job(*host, job_of(ok)), 7U);
}

TEST(RefuseCollectionSnapshots, ComesAfterTheParameterChecksAndBeforeTheStateChecks) {
  auto host = host_with("{refuse-collection-snapshots: [off, saved]}");
  ASSERT_TRUE(host);
  expect_refused(*host, group(*host, "mixed"), 0, 32776);        // step 4 first
  expect_refused(*host, group(*host, "saved"), 2, 32770);        // before recovery-of-saved (5)
  expect_refused(*host, group(*host, "empty"), 1, 32775);        // nothing to refuse: C-EMPTY
  expect_refused(*host, mgmt(*host, "mgmt-running"), 1, 32770);  // C-MGMT still Not Supported
}

TEST(RefuseCollectionSnapshots, AllRefusesEveryGroupInTheCodeFamily) {
  auto host = host_with("{refuse-collection-snapshots: all, codes: dmtf}");
  ASSERT_TRUE(host);
  expect_refused(*host, group(*host, "running"), 1, 1);
  expect_refused(*host, group(*host, "empty"), 1, 1);
}

// fixtures/hosts/standalone-2025.yaml, the host of O1: its group of one Off gen-2 VM is refused
// 32770 at once for both snapshot types (O1, O2), with no job and nothing created; and since the
// fixture refuses all collections (decision 0050), the group stays refused once its VM runs.
TEST(RefuseCollectionSnapshots, TheStandalone2025FixtureAnswersAsO1AndO2) {
  auto state = fixtures::load_host_file(std::filesystem::path(HVSNAP_SOURCE_DIR) / "fixtures" /
                                        "hosts" / "standalone-2025.yaml");
  ASSERT_TRUE(state.ok()) << state.status().to_string();
  auto created = Host::create(std::move(state).value());
  ASSERT_TRUE(created.ok()) << created.status().to_string();
  Host& host = **created;
  const auto g = group(host, "group-1");
  const auto member = vm(host, "gen2-off");
  const auto enabled_state = [&] {
    auto i = host.get_instance(member);
    EXPECT_TRUE(i.ok()) << i.status().to_string();
    return i.ok() ? i->get_uint("EnabledState").value_or(0) : 0;
  };
  ASSERT_EQ(enabled_state(), 3U);
  for (std::uint16_t type : {1, 2}) {
    SCOPED_TRACE(type);
    expect_refused(host, g, type, 32770);  // O1, O2
    expect_refused(host, g, type, 32770);  // and again: a stable refusal
    expect_refused(host, g, type, 32770);
  }
  const auto jobs = host.enumerate_instances(names::kNamespace, names::kJob);
  ASSERT_TRUE(jobs.ok());
  EXPECT_TRUE(jobs->empty()) << "a refusal made a job";
  // Started, the member no longer matches O1 literally; `all` still refuses the group.
  cim::PropertyList in;
  cim::set(in, "RequestedState", cim::Value::uint16(2));
  const auto start = host.invoke_method(member, "RequestStateChange", in);
  ASSERT_TRUE(start.ok());
  if (start->return_value == 4096) {
    ASSERT_EQ(wait_job(host, job_of(*start)), 7U);
  }
  ASSERT_EQ(enabled_state(), 2U);
  expect_refused(host, g, 1, 32770);
}

TEST(ValidationInJob, BadTypeOrSettingsFailTheJobWithTheCauseCode) {
  auto host = host_with("{validation: in-job}");
  ASSERT_TRUE(host);
  const auto g = group(*host, "running");
  struct Bad {
    std::uint16_t type;
    std::optional<std::string> settings;
    std::uint64_t error_code;
  };
  for (const Bad& bad : {Bad{0, std::nullopt, 32776}, Bad{4000, std::nullopt, 32776},
                         Bad{40000, std::nullopt, 32770}, Bad{1, std::string("junk"), 32773}}) {
    SCOPED_TRACE(bad.type);
    Observable before = observe(*host);
    const auto r = create_snapshot(*host, g, bad.type, bad.settings);
    ASSERT_EQ(r.return_value, 4096U);
    ASSERT_EQ(wait_job(*host, job_of(r)), 10U);
    const auto job = *host->get_instance(job_of(r));
    EXPECT_EQ(*job.get_uint("ErrorCode"), bad.error_code);
    EXPECT_FALSE(job.get_string("ErrorDescription").empty());
    Observable after = observe(*host);
    after.jobs = before.jobs;
    EXPECT_TRUE(after == before) << "the failed job changed the host";
  }
  // The synchronous state checks still come first; without a job the call answers itself.
  EXPECT_EQ(create_snapshot(*host, group(*host, "empty"), 0).return_value, 32775U);
  auto sync = host_with("{validation: in-job, completion: synchronous}");
  ASSERT_TRUE(sync);
  EXPECT_EQ(create_snapshot(*sync, group(*sync, "running"), 0).return_value, 32776U);
}

TEST(VendorSnapshotTypes, AcceptGivesRecoveryFor32768AndStandardOtherwise) {
  auto host = host_with("{vendor-snapshot-types: accept}");
  ASSERT_TRUE(host);
  const auto g = group(*host, "running");
  for (auto [type, kind] : {std::pair{32768, names::kTypeSnapshotRecovery},
                            std::pair{34818, names::kTypeSnapshotRealized}}) {
    const auto r = create_snapshot(*host, g, static_cast<std::uint16_t>(type));
    ASSERT_EQ(r.return_value, 4096U);
    ASSERT_EQ(wait_job(*host, job_of(r)), 7U);
    const auto colls = assoc(*host, g, names::kSnapshotOfGroup);
    const auto members = assoc(*host, colls.back().path(), names::kCollectedSnapshots);
    ASSERT_EQ(members.size(), 2U);
    for (const auto& m : members)
      EXPECT_EQ(m.get_string("VirtualSystemType"), kind) << type;
    host->control().advance(1000);
  }
  expect_refused(*host, group(*host, "saved"), 32768, 32775);  // recovery of a Saved member
}

TEST(DestroySnapshot, RemoveDependentsTakesTheSubtreeAndLeavesNoDanglingParent) {
  auto host = make_host(R"(
schema: 1
personality: {destroy-snapshot: remove-dependents}
vms: [{name: a, state: running}, {name: b, state: running}, {name: c, state: running}]
groups: [{name: ab, members: [a, b]}, {name: bc, members: [b, c]}]
)");
  ASSERT_TRUE(host);
  const auto ab = group(*host, "ab");
  const auto bc = group(*host, "bc");
  ASSERT_EQ(wait_job(*host, job_of(create_snapshot(*host, ab))), 7U);
  ASSERT_EQ(wait_job(*host, job_of(create_snapshot(*host, bc))), 7U);
  const auto first = assoc(*host, ab, names::kSnapshotOfGroup).at(0).path();
  const auto second = assoc(*host, bc, names::kSnapshotOfGroup).at(0).path();
  const auto c_snap = assoc(*host, vm(*host, "c"), names::kSnapshotOfVm).at(0);
  cim::PropertyList in;
  cim::set(in, "AffectedSnapshotCollection", cim::Value::reference(first));
  const auto d = invoke(*host, names::kCollectionSnapshotService, "DestroySnapshot", in);
  ASSERT_EQ(d.return_value, 4096U);
  ASSERT_EQ(wait_job(*host, job_of(d)), 7U);
  EXPECT_FALSE(host->get_instance(first).ok());
  // b's second snapshot depended on its first: gone, and the second collection keeps c's.
  EXPECT_TRUE(assoc(*host, vm(*host, "b"), names::kSnapshotOfVm).empty());
  EXPECT_TRUE(assoc(*host, vm(*host, "b"), names::kMostCurrentSnapshot).empty());
  const auto left = assoc(*host, second, names::kCollectedSnapshots);
  ASSERT_EQ(left.size(), 1U);
  EXPECT_EQ(left[0], c_snap) << "c's snapshot is untouched";
  for (const auto& s : *host->enumerate_instances(names::kNamespace, names::kVssd)) {
    const std::string parent = s.get_string("Parent");
    if (!parent.empty()) {
      EXPECT_TRUE(host->get_instance(*cim::ObjectPath::parse(parent)).ok());
    }
  }
}

TEST(Associators, DuplicatesRepeatSomeResultsReproducibly) {
  auto run = [] {
    auto host = host_with("{associators: duplicates}");
    std::vector<std::size_t> sizes;
    const auto g = group(*host, "running");
    for (int i = 0; i < 20; ++i) {
      // A wide traversal (no AssocClass) may repeat; a named association never does.
      auto wide = host->associators(g, {});
      EXPECT_TRUE(wide.ok());
      sizes.push_back(wide.ok() ? wide->size() : 0);
      EXPECT_EQ(assoc(*host, g, names::kCollectedVirtualSystems).size(), 2U);
    }
    return sizes;
  };
  const auto sizes = run();
  EXPECT_EQ(sizes, run()) << "one seed, one answer";
  const std::size_t least = *std::min_element(sizes.begin(), sizes.end());
  EXPECT_TRUE(std::any_of(sizes.begin(), sizes.end(), [&](std::size_t n) { return n > least; }))
      << "some traversal repeated a result";
  EXPECT_GE(least, 2U);
}

TEST(JobControlCodes, DmtfUsesTheDocPageMap) {
  for (auto [personality, refusal] :
       {std::pair{"{job-control-codes: dmtf}", 4097U}, std::pair{"{}", 32775U}}) {
    auto host = host_with(personality);
    ASSERT_TRUE(host);
    const auto job = job_of(create_snapshot(*host, group(*host, "running")));
    ASSERT_EQ(wait_job(*host, job), 7U);
    cim::PropertyList in;
    cim::set(in, "RequestedState", cim::Value::uint16(4));
    EXPECT_EQ(host->invoke_method(job, "RequestStateChange", in)->return_value, refusal);
  }
}

TEST(FirstJobState, QueryPendingThenRunning) {
  auto host = host_with("{first-job-state: query-pending, job-progress: manual}");
  ASSERT_TRUE(host);
  const auto job = job_of(create_snapshot(*host, group(*host, "running")));
  std::vector<std::uint64_t> seen;
  for (int i = 0; i < 12; ++i) {
    const auto s = *host->get_instance(job)->get_uint("JobState");
    if (seen.empty() || seen.back() != s) seen.push_back(s);
    host->control().advance(100);
  }
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{12, 4, 7}));
}

TEST(FirstJobState, QueryPendingNeverAppearsByDefault) {
  auto host = make_host(kHost);
  ASSERT_TRUE(host);
  const auto job = job_of(create_snapshot(*host, group(*host, "running")));
  for (int i = 0; i < 20; ++i) {
    auto j = host->get_instance(job);
    ASSERT_TRUE(j.ok());
    EXPECT_NE(*j->get_uint("JobState"), 12U);
  }
}

TEST(JobSuccessErrorCode, ASuccessfulJobMayReport4096) {
  auto host = host_with("{job-success-error-code: 4096}");
  ASSERT_TRUE(host);
  const auto job = job_of(create_snapshot(*host, group(*host, "running")));
  ASSERT_EQ(wait_job(*host, job), 7U);
  EXPECT_EQ(*host->get_instance(job)->get_uint("ErrorCode"), 4096U);
}

TEST(PersonalityText, EveryKeyRoundTripsAndBadValuesNameTheChoices) {
  const std::vector<std::pair<const char*, const char*>> samples = {
      {"codes", "dmtf"},
      {"completion", "mixed"},
      {"first-job-state", "query-pending"},
      {"result-visibility", "after-polls:3"},
      {"job-progress", "after-reads:2"},
      {"refuse-collection-snapshots", "saved+off"},
      {"validation", "in-job"},
      {"vendor-snapshot-types", "accept"},
      {"destroy-snapshot", "remove-dependents"},
      {"associators", "duplicates"},
      {"job-control-codes", "dmtf"},
      {"job-success-error-code", "4096"},
  };
  EXPECT_EQ(samples.size(), personality_keys().size()) << "a key without a sample here";
  Personality p;
  for (auto [key, value] : samples) {
    ASSERT_TRUE(set_personality_value(p, key, value).ok()) << key;
    auto bad = set_personality_value(p, key, "bogus");
    ASSERT_FALSE(bad.ok()) << key;
    EXPECT_NE(bad.message().find(personality_choices(key)), std::string::npos) << bad.message();
  }
  EXPECT_EQ(personality_value(p, "refuse-collection-snapshots"), "off+saved") << "sorted";
  Personality again;
  const std::string text = describe_personality(p);
  std::string_view rest = text;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const auto item = rest.substr(0, comma);
    const auto eq = item.find('=');
    ASSERT_TRUE(set_personality_value(again, item.substr(0, eq), item.substr(eq + 1)).ok());
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  EXPECT_TRUE(again == p) << text;
  EXPECT_FALSE(set_personality_value(p, "colour", "red").ok());
}

}  // namespace
}  // namespace hvsnap::sim::testing
