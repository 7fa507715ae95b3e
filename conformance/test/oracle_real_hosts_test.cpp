// The oracle judged on hand-built observations: what real hosts were seen to do (contract §9)
// and the job lifecycle of CS-INV-5/6/8 (oracle_test.cpp judges the rows and host views).
#include <gtest/gtest.h>

#include "hvsnap/cim/cimxml.h"
#include "hvsnap/cim/codes.h"
#include "hvsnap/cim/names.h"
#include "hvsnap/conformance/catalogue.h"
#include "hvsnap/conformance/model/oracle.h"
#include "oracle_fixture.h"

namespace hvsnap::conformance::model {
namespace {

namespace names = cim::names;
using namespace oracle_fixture;

// --- contract v2: what real hosts were seen to do (contract §9) ---

Expectation with(CClass c, SClass s = SClass::kNull, TClass t = TClass::kStandard,
                 bool result_given = false) {
  Expectation e = ready();
  e.classes = {c, {}, s, t, false, result_given};
  e.allowed = allowed_outcomes(e.classes, {});
  return e;
}

TEST(RealHosts, ARefusalOfAReadyGroupIsAllowedAndNeverAPass) {  // O1, O2
  for (std::uint32_t code : {1u, 32770u}) {
    const Judgement j = judge(ready(), {before().v, returned(code), before().v});
    EXPECT_TRUE(j.refused) << code;
    EXPECT_EQ(verdict_of(j.findings, "out14.ready-succeeds"), Verdict::kNotApplicable) << code;
    EXPECT_FALSE(has_failure(j.findings)) << code;
  }
  // A refusal that leaves something behind is still a failure with a change (CS-INV-3).
  Host partial = before();
  partial.vm("V1", 2, {"A", "B"}, "B").snap("B", "V1", "A");
  EXPECT_EQ(verdict_of(judge(ready(), {before().v, returned(32770), partial.v}).findings,
                       "inv3.no-change-on-failure"),
            Verdict::kFail);
  // Any other failure of a ready group is not a refusal.
  EXPECT_EQ(verdict_of(judge(ready(), {before().v, returned(32775), before().v}).findings,
                       "out14.ready-succeeds"),
            Verdict::kFail);
  // Refusals are for calls that name a group: a null Collection is judged by its row.
  const Judgement null_ref = judge(with(CClass::kNull), {before().v, returned(32770), before().v});
  EXPECT_FALSE(null_ref.refused);
  EXPECT_EQ(verdict_of(null_ref.findings, "out1.bad-reference"), Verdict::kFail);
  // Every group class allows it (O3: a management collection, too).
  for (CClass c :
       {CClass::kEmpty, CClass::kMgmt, CClass::kTransitional, CClass::kDisabled, CClass::kAtLimit,
        CClass::kSaved, CClass::kNonsnapDisk, CClass::kProdOnlyNovss}) {
    EXPECT_FALSE(has_failure(judge(with(c), {before().v, returned(32770), before().v}).findings))
        << to_string(c);
  }
}

TEST(RealHosts, TheWholeVendorRangeIsInRange) {  // C2, C3
  EXPECT_EQ(
      verdict_of(judge(with(CClass::kMissing), {before().v, returned(32789), before().v}).findings,
                 "inv1.return-range"),
      Verdict::kPass);
  EXPECT_EQ(
      verdict_of(judge(with(CClass::kMissing), {before().v, returned(32789), before().v}).findings,
                 "out3.missing"),
      Verdict::kPass)
      << "32789 Object not found is a legal failure of a missing group";
  EXPECT_FALSE(has_failure(
      judge(with(CClass::kDisabled), {before().v, returned(41234), before().v}).findings));
  EXPECT_EQ(verdict_of(judge(ready(), {before().v, returned(32783), before().v}).findings,
                       "out14.ready-succeeds"),
            Verdict::kFail)
      << "a vendor code is a failure, and a ready group must not fail";
  EXPECT_EQ(verdict_of(judge(ready(), {before().v, returned(4097), before().v}).findings,
                       "inv1.return-range"),
            Verdict::kFail);
  EXPECT_EQ(verdict_of(judge(ready(), {before().v, returned(70000), before().v}).findings,
                       "inv1.return-range"),
            Verdict::kFail);
}

CallOutcome failed_job(std::uint16_t error_code) {
  CallOutcome o = returned(4096);
  o.job = cim::ObjectPath(cim::Name::borrow(names::kNamespace), cim::Name::borrow(names::kJob));
  JobTrace t;
  t.resolved = true;
  JobSample run;
  run.state = 4;
  run.job_type = 198;
  run.percent = 0;
  JobSample end = run;
  end.state = 10;
  end.error_code = error_code;
  end.error_description = "the settings are not valid";
  t.samples = {run, end, end};
  cim::Instance err{cim::Name::borrow(names::kError)};
  err.set("Message", cim::Value::string("the settings are not valid"));
  t.errors.push_back(cim::format_embedded_instance(err));
  o.trace = t;
  return o;
}

TEST(RealHosts, SettingsAndTypesMayBeCheckedInsideTheJob) {  // AMB-14
  for (const Expectation& e : {with(CClass::kReady, SClass::kMalformed),
                               with(CClass::kReady, SClass::kNull, TClass::kZero),
                               with(CClass::kReady, SClass::kNull, TClass::kVendor),
                               with(CClass::kReady, SClass::kUnknownProp)}) {
    const Judgement j = judge(e, {before().v, failed_job(32773), before().v});
    EXPECT_FALSE(has_failure(j.findings))
        << e.allowed.check << ": "
        << (first_problem(j.findings) ? first_problem(j.findings)->message : "");
  }
}

TEST(RealHosts, AVendorTypeTheHostKnowsMaySucceedConsistently) {  // M6
  Expectation e = with(CClass::kReady, SClass::kNull, TClass::kVendor);
  e.snapshot_type = 32768;
  Host recovery = before();
  recovery.vm("V1", 2, {"A", "B"}, "B")
      .snap("B", "V1", "A", std::string(names::kTypeSnapshotRecovery))
      .vm("V2", 3, {"D"}, "D")
      .snap("D", "V2", "", std::string(names::kTypeSnapshotRecovery));
  recovery.group("G", {"V1", "V2"}, {"S"}).coll("S", {"B", "D"});
  CallOutcome ok = returned(0);
  ok.result = cim::ObjectPath(cim::Name::borrow(names::kNamespace),
                              cim::Name::borrow(names::kSnapshotCollection));
  ok.result->add_key("CollectionID", "S");
  EXPECT_FALSE(has_failure(judge(e, {before().v, ok, recovery.v}).findings));
  Host mixed = recovery;
  mixed.snap("D", "V2", "", std::string(names::kTypeSnapshotRealized));
  EXPECT_EQ(verdict_of(judge(e, {before().v, ok, mixed.v}).findings, "inv2.snapshot-type"),
            Verdict::kFail);
  Host not_a_snapshot = recovery;
  not_a_snapshot.snap("D", "V2", "", std::string(names::kTypeRealized));
  not_a_snapshot.snap("B", "V1", "A", std::string(names::kTypeRealized));
  EXPECT_EQ(verdict_of(judge(e, {before().v, ok, not_a_snapshot.v}).findings, "inv2.snapshot-type"),
            Verdict::kFail);
}

TEST(RealHosts, ATransportMayRefuseTheResultParameter) {  // O6
  CallOutcome fault;
  fault.fault = true;
  fault.status = cim::invalid_parameter("Invalid method parameter(s)");
  EXPECT_FALSE(has_failure(judge(with(CClass::kReady, SClass::kNull, TClass::kStandard, true),
                                 {before().v, fault, before().v})
                               .findings));
  EXPECT_EQ(
      verdict_of(judge(ready(), {before().v, fault, before().v}).findings, "out14.ready-succeeds"),
      Verdict::kFail)
      << "without R, a fault still fails a ready group";
}

// --- job traces ---

JobTrace trace(std::initializer_list<std::uint16_t> states) {
  JobTrace t;
  t.resolved = true;
  std::uint16_t pct = 0;
  for (auto s : states) {
    JobSample x;
    x.state = s;
    x.job_type = 198;
    x.percent = cim::JobState(s).is_success() ? 100 : pct;
    pct = static_cast<std::uint16_t>(std::min(99, pct + 30));
    x.error_code = cim::JobState(s).is_terminal() && !cim::JobState(s).is_success() ? 32768 : 0;
    x.error_description = s == 10      ? "disk full"
                          : s == 32768 ? "vm-1 fell back to a standard checkpoint"
                                       : "";
    t.samples.push_back(x);
  }
  if (states.size() && *(states.end() - 1) == 10) {
    cim::Instance err{cim::Name::borrow(names::kError)};
    err.set("Message", cim::Value::string("disk full"));
    t.errors.push_back(cim::format_embedded_instance(err));
  }
  return t;
}

Findings job(const JobTrace& t) {
  Findings f;
  check_job(t, f);
  return f;
}

TEST(Jobs, ALegalLifeIsClean) {
  for (const auto& t : {trace({4, 4, 7}), trace({2, 3, 4, 7}), trace({2, 4, 5, 4, 32768}),
                        trace({4, 10}), trace({7})}) {
    for (const auto& f : job(t)) {
      if (f.check == "inv5.first-state") continue;
      EXPECT_EQ(f.verdict, Verdict::kPass) << f.check << ": " << f.message;
    }
  }
  EXPECT_EQ(verdict_of(job(trace({2, 4, 7})), "inv5.first-state"), Verdict::kWarn);
  EXPECT_EQ(verdict_of(job(trace({4, 7})), "inv5.first-state"), Verdict::kPass);
}

TEST(Jobs, EveryLifecycleRuleCanFail) {
  EXPECT_EQ(verdict_of(job(trace({4, 3, 7})), "inv6.legal-transitions"), Verdict::kFail);
  EXPECT_EQ(verdict_of(job(trace({4, 2, 7})), "inv6.legal-transitions"), Verdict::kFail);
  EXPECT_EQ(verdict_of(job(trace({4, 13, 7})), "inv6.legal-transitions"), Verdict::kFail);
  EXPECT_EQ(verdict_of(job(trace({4, 7, 4})), "inv6.terminal-stable"), Verdict::kFail);
  JobTrace falling = trace({4, 4, 7});
  falling.samples[1].percent = 0;
  falling.samples[0].percent = 50;
  EXPECT_EQ(verdict_of(job(falling), "inv6.percent"), Verdict::kFail);
  JobTrace short_of = trace({4, 7});
  short_of.samples[1].percent = 90;
  EXPECT_EQ(verdict_of(job(short_of), "inv6.percent"), Verdict::kFail);
  JobTrace coded = trace({4, 7});
  coded.samples[1].error_code = 5;
  EXPECT_EQ(verdict_of(job(coded), "inv6.error-code"), Verdict::kFail);
  JobTrace uncoded = trace({4, 10});
  uncoded.samples[1].error_code = 0;
  EXPECT_EQ(verdict_of(job(uncoded), "inv6.error-code"), Verdict::kFail);
  JobTrace silent = trace({4, 10});
  silent.samples[1].error_description.clear();
  EXPECT_EQ(verdict_of(job(silent), "inv6.exception-detail"), Verdict::kFail);
  JobTrace no_errors = trace({4, 10});
  no_errors.errors.clear();
  EXPECT_EQ(verdict_of(job(no_errors), "inv6.exception-detail"), Verdict::kFail);
  JobTrace endless = trace({4, 4, 4});
  endless.timed_out = true;
  EXPECT_EQ(verdict_of(job(endless), "inv6.reaches-terminal"), Verdict::kFail);
  JobTrace typed = trace({4, 7});
  typed.samples[0].job_type = 70;
  EXPECT_EQ(verdict_of(job(typed), "inv5.job-type"), Verdict::kWarn);
}

// C4: Msvm_ConcreteJob.RequestStateChange answers {0, 32768..32778} on real hosts; the DMTF page
// documents 1..6 and 4097..4099. A refusal in either map is legal, a reserved value fails
// CS-SEQ-7 (seq7.refusal-code).
TEST(Sequences, AJobRefusalUsesTheHostsMapNeverAReservedValue) {
  for (std::uint32_t legal :
       {1U, 4U, 6U, 4097U, 4098U, 4099U, 32768U, 32773U, 32775U, 32778U, 32779U, 65535U}) {
    EXPECT_FALSE(is_reserved_job_control_code(legal)) << legal;
  }
  for (std::uint32_t reserved : {7U, 100U, 4095U, 4100U, 5000U, 32767U, 65536U}) {
    EXPECT_TRUE(is_reserved_job_control_code(reserved)) << reserved;
  }
}

TEST(Jobs, WhatRealHostsAndClientsDoIsLegal) {
  // J1: 12 Query Pending is a non-terminal state of the host's map.
  for (const auto& f : job(trace({4, 12, 4, 7}))) {
    EXPECT_NE(f.verdict, Verdict::kFail) << f.check << ": " << f.message;
  }
  // J2: a failed job's ErrorCode may be any of the codes seen.
  for (std::uint16_t code : {32768, 32770, 32773, 32775}) {
    JobTrace t = trace({4, 10});
    t.samples.back().error_code = code;
    EXPECT_EQ(verdict_of(job(t), "inv6.error-code"), Verdict::kPass) << code;
  }
  // J3: 4096 on a successful job is tolerated, with a warning under CS-INV-6-S.
  JobTrace ok = trace({4, 7});
  ok.samples.back().error_code = 4096;
  EXPECT_EQ(verdict_of(job(ok), "inv6.error-code"), Verdict::kPass);
  EXPECT_EQ(verdict_of(job(ok), "inv6s.success-error-code"), Verdict::kWarn);
  EXPECT_EQ(verdict_of(job(trace({4, 7})), "inv6s.success-error-code"), Verdict::kPass);
  // J4: New, Starting and Completed with warnings are part of a legal life.
  for (const auto& f : job(trace({2, 3, 4, 32768}))) {
    if (f.check == "inv5.first-state") continue;
    EXPECT_EQ(f.verdict, Verdict::kPass) << f.check << ": " << f.message;
  }
}

TEST(Jobs, TheTextsOfASuccessSayWhatHappened) {  // CS-INV-6-S
  JobTrace noisy = trace({4, 7});
  noisy.samples.back().error_description = "something went wrong";
  EXPECT_EQ(verdict_of(job(noisy), "inv6s.completed-without-error-text"), Verdict::kWarn);
  EXPECT_EQ(verdict_of(job(trace({4, 7})), "inv6s.completed-without-error-text"), Verdict::kPass);
  JobTrace silent = trace({4, 32768});
  silent.samples.back().error_description.clear();
  EXPECT_EQ(verdict_of(job(silent), "inv6s.warnings-explained"), Verdict::kWarn);
  silent.errors.push_back("<INSTANCE CLASSNAME=\"Msvm_Error\"/>");
  EXPECT_EQ(verdict_of(job(silent), "inv6s.warnings-explained"), Verdict::kPass);
  // A SHOULD never fails a run.
  for (const auto& f : job(noisy))
    EXPECT_NE(f.verdict, Verdict::kFail) << f.check;
}

TEST(Jobs, AJobMissingAtTheFirstReadIsARemovalWarningNotAMissingJob) {
  JobTrace gone;
  gone.first_read_error = "NotFound: no such job";
  gone.first_read_kind = cim::StatusKind::kNotFound;
  EXPECT_EQ(verdict_of(job(gone), "inv8.readable-after-end"), Verdict::kWarn);
  EXPECT_EQ(verdict_of(job(gone), "inv5.job-resolves"), Verdict::kNotTested);
  JobTrace broken;
  broken.first_read_error = "InvalidClass: no such class";
  broken.first_read_kind = cim::StatusKind::kInvalidClass;
  EXPECT_EQ(verdict_of(job(broken), "inv5.job-resolves"), Verdict::kFail);
}

}  // namespace
}  // namespace hvsnap::conformance::model
