// Contract §3.1: the synchronous checks, one test per row, first match wins, each failure
// leaving no change; the default Msvm codes and the dmtf personality; R ignored on input (AMB-7).
#include "harness.h"

namespace hvsnap::sim::testing {
namespace {

constexpr const char* kHost = R"(
schema: 1
host: HV-CHECKS
vms:
  - {name: ready-1, state: running}
  - {name: ready-2, state: off, checkpoint-type: standard}
  - {name: saved, state: saved}
  - {name: paused, state: paused}
  - {name: starting, state: starting}
groups:
  - {name: ready, members: [ready-1, ready-2]}
  - {name: empty, members: []}
  - {name: transitional, members: [ready-1, starting]}
  - {name: saved, members: [saved]}
  - {name: paused, members: [paused]}
  - {name: overlap, members: [ready-2]}
management-groups:
  - {name: mgmt, members: [ready]}
)";

class Checks : public ::testing::Test {
 protected:
  void SetUp() override {
    host_ = make_host(kHost);
    ASSERT_TRUE(host_);
    ready_ = group(*host_, "ready");
  }
  // Calls CreateSnapshot and asserts the code and that nothing observable changed. `dmtf` is
  // the §3.1 row's DMTF code; the default personality answers its Msvm twin (C1, C2).
  void expect_rejected(const cim::PropertyList& in, std::uint32_t dmtf) {
    const Observable before = observe(*host_);
    const auto r = invoke(*host_, names::kCollectionSnapshotService, "CreateSnapshot", in);
    EXPECT_EQ(r.return_value, cim::ReturnCode::to_msvm(dmtf));
    EXPECT_EQ(r.get("Job"), nullptr);
    EXPECT_TRUE(observe(*host_) == before) << "a rejected call changed the host";
  }
  cim::PropertyList args(std::uint16_t type = 1) { return create_args(ready_, type); }

  std::unique_ptr<Host> host_;
  cim::ObjectPath ready_;
};

TEST_F(Checks, Row1_NullMalformedOrForeignCollectionIsInvalidParameter) {
  cim::PropertyList in = args();
  in.erase(in.begin());  // C-NULL: absent
  expect_rejected(in, 4);
  cim::set(in, "Collection", cim::Value::null(cim::CimType::kReference));  // C-NULL: null
  expect_rejected(in, 4);
  cim::set(in, "Collection", cim::Value::string("not a path at all"));  // C-MALFORMED
  expect_rejected(in, 4);
  cim::set(in, "Collection",
           cim::Value::reference(cim::ObjectPath("", std::string(names::kVmGroup))));
  expect_rejected(in, 4);  // names no key
  cim::ObjectPath wrong_key("", std::string(names::kVmGroup));
  wrong_key.add_key("InstanceID", ready_.key("CollectionID")->value);
  cim::set(in, "Collection", cim::Value::reference(wrong_key));
  expect_rejected(in, 4);
  cim::ObjectPath foreign = ready_;
  foreign.set_namespace("root\\cimv2");  // C-FOREIGN-NS
  cim::set(in, "Collection", cim::Value::reference(foreign));
  expect_rejected(in, 4);
}

TEST_F(Checks, Row2_WrongClassIsInvalidParameter) {
  cim::PropertyList in = args();
  cim::set(in, "Collection", cim::Value::reference(vm(*host_, "ready-1")));
  expect_rejected(in, 4);
}

TEST_F(Checks, Row3_MissingGroupIsInvalidParameter) {
  cim::ObjectPath missing{std::string(names::kNamespace), std::string(names::kVmGroup)};
  missing.add_key("CollectionID", "00000000-1111-4222-8333-444444444444");
  expect_rejected(create_args(missing, 1), 4);
}

TEST_F(Checks, Row4_TypeZeroOrReservedIsInvalidType) {
  for (std::uint16_t t : {0, 3, 4, 1000, 32767})
    expect_rejected(args(t), 6);
}

TEST_F(Checks, Row5_VendorTypeIsNotSupported) {
  for (std::uint16_t t : {32768, 40000, 65535})
    expect_rejected(args(t), 1);
}

TEST_F(Checks, Row6_BadSettingsAreInvalidParameter) {
  for (const char* bad : {
           "<INSTANCE CLASSNAME=\"Msvm_VirtualSystemSnapshotSettingData\">",  // S-MALFORMED
           "just text",                                                       // S-MALFORMED
           "<CLASS NAME=\"Msvm_VirtualSystemSnapshotSettingData\"/>",         // not an INSTANCE
           "<INSTANCE CLASSNAME=\"Msvm_VirtualSystemSettingData\"/>",         // S-WRONG-CLASS
           "<INSTANCE CLASSNAME=\"Msvm_VirtualSystemSnapshotSettingData\"><PROPERTY "
           "NAME=\"ConsistencyLevel\" "
           "TYPE=\"uint8\"><VALUE>3</VALUE></PROPERTY></INSTANCE>",  // S-OUT-OF-MAP
           "<INSTANCE CLASSNAME=\"Msvm_VirtualSystemSnapshotSettingData\"><PROPERTY "
           "NAME=\"GuestBackupType\" "
           "TYPE=\"uint8\"><VALUE>7</VALUE></PROPERTY></INSTANCE>",  // S-OUT-OF-MAP
           "<INSTANCE CLASSNAME=\"Msvm_VirtualSystemSnapshotSettingData\"><PROPERTY NAME=\"Turbo\" "
           "TYPE=\"boolean\"><VALUE>TRUE</VALUE></PROPERTY></INSTANCE>",  // S-UNKNOWN-PROP
           "<INSTANCE CLASSNAME=\"Msvm_VirtualSystemSnapshotSettingData\"><PROPERTY "
           "NAME=\"IgnoreNonSnapshottableDisks\" "
           "TYPE=\"string\"><VALUE>yes</VALUE></PROPERTY></INSTANCE>",
       }) {
    SCOPED_TRACE(bad);
    expect_rejected(create_args(ready_, 1, std::string(bad)), 4);
  }
}

TEST_F(Checks, Row7_ManagementCollectionIsNotSupported) {
  expect_rejected(create_args(find(*host_, names::kManagementCollection, "mgmt"), 1), 1);
}

TEST_F(Checks, Row8_EmptyGroupIsInvalidState) {
  expect_rejected(create_args(group(*host_, "empty"), 1), 5);
}

TEST_F(Checks, Row9_TransitionalOrBusyMemberIsInvalidState) {
  expect_rejected(create_args(group(*host_, "transitional"), 1), 5);
}

TEST(ChecksBusy, Row9_AMemberBusyInAnotherJobIsInvalidState) {
  // Manual progress keeps the first job running while the second call is judged.
  auto host = make_host(std::string(kHost) + "personality: {job-progress: manual}\n");
  ASSERT_TRUE(host);
  const auto first = create_snapshot(*host, group(*host, "ready"));
  ASSERT_EQ(first.return_value, 4096U);
  const Observable before = observe(*host);
  EXPECT_EQ(create_snapshot(*host, group(*host, "overlap")).return_value, 32775U);
  EXPECT_TRUE(observe(*host) == before);
  host->control().advance(10'000);
  EXPECT_EQ(wait_job(*host, job_of(first)), 7U);
  EXPECT_EQ(create_snapshot(*host, group(*host, "overlap")).return_value, 4096U);
}

TEST_F(Checks, Row10_RecoveryOfSavedOrPausedIsInvalidStateButStandardIsAccepted) {
  expect_rejected(create_args(group(*host_, "saved"), 2), 5);
  expect_rejected(create_args(group(*host_, "paused"), 2), 5);
  EXPECT_EQ(create_snapshot(*host_, group(*host_, "saved"), 1).return_value, 4096U);
}

TEST_F(Checks, Row11_OtherwiseAJobIsStartedAlreadyRunning) {
  for (std::uint16_t t : {1, 2}) {
    for (const std::optional<std::string>& s :
         {std::optional<std::string>(), std::optional<std::string>(""),
          std::optional<std::string>(
              "<INSTANCE CLASSNAME=\"Msvm_VirtualSystemSnapshotSettingData\"/>"),
          std::optional<std::string>(settings_xml(2, true, 1, cim::XmlDtd::kWmi20))}) {
      const auto r = create_snapshot(*host_, ready_, t, s);
      ASSERT_EQ(r.return_value, 4096U);
      EXPECT_EQ(r.get("ResultingSnapshotCollection"), nullptr);
      EXPECT_EQ(*host_->get_instance(job_of(r))->get_uint("JobState"), 4U);
      EXPECT_EQ(wait_job(*host_, job_of(r)), 7U);
    }
  }
}

TEST_F(Checks, FirstMatchWins) {
  cim::ObjectPath missing{std::string(names::kNamespace), std::string(names::kVmGroup)};
  missing.add_key("CollectionID", "00000000-1111-4222-8333-444444444444");
  expect_rejected(create_args(missing, 0, std::string("junk")), 4);  // row 3 before 4, 6
  expect_rejected(create_args(ready_, 0, std::string("junk")), 6);   // row 4 before 6
  expect_rejected(create_args(group(*host_, "empty"), 40000), 1);    // row 5 before 8
  expect_rejected(
      create_args(find(*host_, names::kManagementCollection, "mgmt"), 1, std::string("junk")), 4);
  expect_rejected(create_args(group(*host_, "empty"), 1, std::string("junk")),
                  4);  // row 6 before 8
  cim::PropertyList in = create_args(vm(*host_, "ready-1"), 0);
  expect_rejected(in, 4);  // row 2 before 4
}

TEST_F(Checks, SnapshotTypeMissingOrMistypedIsInvalidParameter) {
  cim::PropertyList in = args();
  cim::set(in, "SnapshotType", cim::Value::string("one"));
  expect_rejected(in, 4);
  cim::set(in, "SnapshotType", cim::Value::sint32(-1));
  expect_rejected(in, 4);
  cim::set(in, "SnapshotType", cim::Value::uint32(70000));
  expect_rejected(in, 4);
  in.pop_back();
  expect_rejected(in, 4);
  cim::set(in, "SnapshotType", cim::Value::string("1"));  // untyped wire text is accepted
  EXPECT_EQ(invoke(*host_, names::kCollectionSnapshotService, "CreateSnapshot", in).return_value,
            4096U);
}

TEST_F(Checks, ResultingSnapshotCollectionOnInputIsIgnored) {
  const auto r = create_snapshot(*host_, ready_);
  ASSERT_EQ(wait_job(*host_, job_of(r)), 7U);
  const auto existing = assoc(*host_, ready_, names::kSnapshotOfGroup).at(0).path();
  for (const cim::Value& rv :
       {cim::Value::reference(existing), cim::Value::string("garbage"), cim::Value::uint8(3)}) {
    cim::PropertyList in = args(0);
    cim::set(in, "ResultingSnapshotCollection", rv);
    expect_rejected(in, 6);
    cim::set(in, "SnapshotType", cim::Value::uint16(1));
    const auto ok = invoke(*host_, names::kCollectionSnapshotService, "CreateSnapshot", in);
    ASSERT_EQ(ok.return_value, 4096U);
    EXPECT_EQ(wait_job(*host_, job_of(ok)), 7U);
  }
  // The referenced collection still has its two members.
  EXPECT_EQ(assoc(*host_, existing, names::kCollectedSnapshots).size(), 2U);
}

TEST(ChecksMsvm, TheDefaultPersonalityAnswersWithTheVendorFamily) {
  auto host = make_host(kHost);
  ASSERT_TRUE(host);
  const auto ready = group(*host, "ready");
  EXPECT_EQ(create_snapshot(*host, ready, 0).return_value, 32776U);
  EXPECT_EQ(create_snapshot(*host, ready, 40000).return_value, 32770U);
  EXPECT_EQ(create_snapshot(*host, ready, 1, std::string("junk")).return_value, 32773U);
  EXPECT_EQ(create_snapshot(*host, group(*host, "empty"), 1).return_value, 32775U);
  EXPECT_EQ(create_snapshot(*host, ready, 1).return_value, 4096U);
}

TEST(ChecksDmtf, TheDmtfPersonalityAnswersWithTheDocumentedCodes) {
  auto host = make_host(std::string(kHost) + "personality: {codes: dmtf}\n");
  ASSERT_TRUE(host);
  const auto ready = group(*host, "ready");
  EXPECT_EQ(create_snapshot(*host, ready, 0).return_value, 6U);
  EXPECT_EQ(create_snapshot(*host, ready, 40000).return_value, 1U);
  EXPECT_EQ(create_snapshot(*host, ready, 1, std::string("junk")).return_value, 4U);
  EXPECT_EQ(create_snapshot(*host, group(*host, "empty"), 1).return_value, 5U);
  EXPECT_EQ(create_snapshot(*host, ready, 1).return_value, 4096U);
}

}  // namespace
}  // namespace hvsnap::sim::testing
