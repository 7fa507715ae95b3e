// The oracle judged on hand-built observations (contract §4): the allowed-outcome rows, the
// several-invalid-classes rule, and CS-INV-1/2/3/7/9 over host views. No provider and no fake:
// the oracle is a pure function of what was observed. What real hosts were seen to do and the
// job lifecycle of CS-INV-5/6/8 are oracle_real_hosts_test.cpp.
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

std::string message_of(const Findings& fs, std::string_view check) {
  for (const auto& f : fs) {
    if (f.check == check) return f.message;
  }
  return {};
}

// --- allowed outcomes ---

Allowed allowed(CClass c, SClass s = SClass::kNull, TClass t = TClass::kStandard,
                bool ignore = false, Declarations d = {}) {
  return allowed_outcomes({c, {}, s, t, ignore}, d);
}

TEST(Allowed, EachSingleClassRow) {
  EXPECT_EQ(allowed(CClass::kNull).check, "out1.bad-reference");
  EXPECT_EQ(allowed(CClass::kNull).codes, (std::set<std::uint32_t>{4, 32773}));
  EXPECT_TRUE(allowed(CClass::kMalformed).fault);
  EXPECT_EQ(allowed(CClass::kWrongClass).codes, (std::set<std::uint32_t>{4, 6, 32773, 32776}));
  EXPECT_EQ(allowed(CClass::kMissing).check, "out3.missing");
  EXPECT_EQ(allowed(CClass::kReady, SClass::kNull, TClass::kZero).codes,
            (std::set<std::uint32_t>{4, 6, 32773, 32776}));
  EXPECT_EQ(allowed(CClass::kReady, SClass::kNull, TClass::kVendor).codes,
            (std::set<std::uint32_t>{1, 4, 6, 32770, 32773, 32776}));
  EXPECT_EQ(allowed(CClass::kReady, SClass::kMalformed).check, "out6.bad-settings");
  const Allowed unknown = allowed(CClass::kReady, SClass::kUnknownProp);
  EXPECT_EQ(unknown.check, "out7.unknown-property");
  EXPECT_TRUE(unknown.warn_on_success);
  EXPECT_TRUE(unknown.success & kNormal);
  const Allowed mgmt = allowed(CClass::kMgmt);
  EXPECT_TRUE(mgmt.declared_not_applicable);
  EXPECT_EQ(mgmt.success, kRecursive);
  const Allowed declared =
      allowed(CClass::kMgmt, SClass::kNull, TClass::kStandard, false, {true, false});
  EXPECT_TRUE(declared.codes.empty()) << "a declared capability must be honoured";
  EXPECT_EQ(allowed(CClass::kEmpty).success, kEmpty);
  EXPECT_TRUE(allowed(CClass::kTransitional).job_failure);
  EXPECT_EQ(allowed(CClass::kAtLimit).codes, (std::set<std::uint32_t>{5, 32775}));
  EXPECT_EQ(allowed(CClass::kNonsnapDisk, SClass::kValid, TClass::kStandard, false).success,
            kNoSuccess);
  EXPECT_EQ(allowed(CClass::kNonsnapDisk, SClass::kValid, TClass::kStandard, true).success,
            kNormal);
  EXPECT_TRUE(allowed(CClass::kNonsnapDisk, SClass::kValid, TClass::kStandard, true).codes.empty());
  EXPECT_EQ(allowed(CClass::kSaved, SClass::kNull, TClass::kRecovery).check,
            "out13.recovery-of-saved");
  const Allowed ready = allowed(CClass::kReady, SClass::kValid, TClass::kRecovery);
  EXPECT_EQ(ready.check, "out14.ready-succeeds");
  EXPECT_EQ(ready.success, kNormal);
  EXPECT_TRUE(ready.codes.empty());
  EXPECT_FALSE(ready.job_failure);
}

TEST(Allowed, SeveralInvalidClassesAllowWhatOneOfThemAllows) {
  const Allowed a = allowed(CClass::kEmpty, SClass::kNull, TClass::kVendor);
  EXPECT_EQ(a.check, "out15.several-invalid");
  EXPECT_EQ(a.codes, (std::set<std::uint32_t>{1, 4, 5, 6, 32770, 32773, 32775, 32776}));
  EXPECT_EQ(a.success, kNoSuccess) << "T-VENDOR forbids success, whatever C-EMPTY allows";
  const Allowed b = allowed(CClass::kSaved, SClass::kUnknownProp, TClass::kRecovery);
  EXPECT_EQ(b.success, kNormal) << "both classes allow success";
  EXPECT_TRUE(b.any_failure_code);
  const Allowed several = allowed_outcomes(
      {CClass::kAtLimit, {CClass::kSaved}, SClass::kNull, TClass::kRecovery, false}, {});
  EXPECT_EQ(several.success, kNoSuccess);
  EXPECT_TRUE(several.job_failure);
}

TEST(Allowed, TransientToleranceAndTheirDescription) {
  const Allowed a = allowed(CClass::kReady, SClass::kNull, TClass::kStandard, false, {false, true});
  EXPECT_TRUE(a.transient);
  EXPECT_EQ(allowed(CClass::kNull).describe(),
            "4, 32773, a vendor code above 32779 or a transport fault");
  EXPECT_TRUE(either(allowed(CClass::kTransitional), allowed(CClass::kReady)).success & kNormal);
}

// --- views and judgements ---

TEST(Judge, ACorrectSuccessPassesEveryCheck) {
  const Judgement j = judge(ready(), {before().v, returned(0), success().v});
  for (const auto& f : j.findings) {
    if (f.check == "inv4.result-reference") continue;  // no reference given here
    EXPECT_EQ(f.verdict, Verdict::kPass) << f.check << ": " << f.message;
  }
  EXPECT_EQ(j.category, Category::kSuccess);
  EXPECT_EQ(j.new_collection, "S");
  EXPECT_EQ(verdict_of(j.findings, "inv4.result-reference"), Verdict::kFail)
      << "0 without ResultingSnapshotCollection";
}

TEST(Judge, SuccessBreakagesNameTheirInvariant) {
  Host missing = success();
  missing.coll("S", {"B"});
  EXPECT_EQ(verdict_of(judge(ready(), {before().v, returned(0), missing.v}).findings,
                       "inv2.one-snapshot-per-member"),
            Verdict::kFail);
  Host orphan = success();
  orphan.snap("B", "V1", "");
  EXPECT_EQ(verdict_of(judge(ready(), {before().v, returned(0), orphan.v}).findings, "inv2.parent"),
            Verdict::kFail);
  Host recovery = success();
  recovery.snap("D", "V2", "", std::string(names::kTypeSnapshotRecovery));
  EXPECT_EQ(verdict_of(judge(ready(), {before().v, returned(0), recovery.v}).findings,
                       "inv2.snapshot-type"),
            Verdict::kFail);
  Host stale = success();
  stale.vm("V1", 2, {"A", "B"}, "A");
  EXPECT_EQ(
      verdict_of(judge(ready(), {before().v, returned(0), stale.v}).findings, "inv2.most-current"),
      Verdict::kFail);
  Host unlinked = success();
  unlinked.group("G", {"V1", "V2"}, {});
  EXPECT_EQ(verdict_of(judge(ready(), {before().v, returned(0), unlinked.v}).findings,
                       "inv7.reachable-from-group"),
            Verdict::kFail);
  Host twice = success();
  twice.coll("S2", {});
  EXPECT_EQ(verdict_of(judge(ready(), {before().v, returned(0), twice.v}).findings,
                       "inv2.one-new-collection"),
            Verdict::kFail);
}

TEST(Judge, FailureMustLeaveNothingBehind) {
  Expectation e = ready();
  e.classes.c = CClass::kDisabled;
  e.allowed = allowed_outcomes(e.classes, {});
  EXPECT_EQ(verdict_of(judge(e, {before().v, returned(5), before().v}).findings,
                       "inv3.no-change-on-failure"),
            Verdict::kPass);
  Host partial = before();
  partial.vm("V1", 2, {"A", "B"}, "B").snap("B", "V1", "A");
  const Judgement j = judge(e, {before().v, returned(5), partial.v});
  EXPECT_EQ(verdict_of(j.findings, "inv3.no-change-on-failure"), Verdict::kFail);
  EXPECT_NE(message_of(j.findings, "inv3.no-change-on-failure").find("gained snapshot B"),
            std::string::npos);
}

TEST(Judge, OutcomesOutsideTheRowFailTheRow) {
  EXPECT_EQ(verdict_of(judge(ready(), {before().v, returned(4), before().v}).findings,
                       "out14.ready-succeeds"),
            Verdict::kFail);
  Expectation bad_ref = ready();
  bad_ref.classes.c = CClass::kNull;
  bad_ref.allowed = allowed_outcomes(bad_ref.classes, {});
  CallOutcome fault;
  fault.fault = true;
  fault.status = cim::invalid_parameter("no Collection");
  EXPECT_EQ(
      verdict_of(judge(bad_ref, {before().v, fault, before().v}).findings, "out1.bad-reference"),
      Verdict::kPass);
  EXPECT_EQ(verdict_of(judge(bad_ref, {before().v, returned(5), before().v}).findings,
                       "out1.bad-reference"),
            Verdict::kFail);
  const Judgement reserved = judge(bad_ref, {before().v, returned(70), before().v});
  EXPECT_EQ(verdict_of(reserved.findings, "inv1.return-range"), Verdict::kFail);
}

TEST(Judge, ChangesOutsideTheCollectionBreakIsolation) {
  Host touched = success();
  touched.coll("C0", {});
  EXPECT_EQ(verdict_of(judge(ready(), {before().v, returned(0), touched.v}).findings,
                       "inv9.others-untouched"),
            Verdict::kFail);
}

TEST(Judge, ASuccessWithNoCollectionIsAMissingResultNotAWrongOutcome) {
  // A ready call may succeed: the outcome row holds, and CS-INV-2 names the missing S.
  const Judgement j = judge(ready(), {before().v, returned(0), before().v});
  EXPECT_EQ(verdict_of(j.findings, "out14.ready-succeeds"), Verdict::kPass);
  EXPECT_EQ(verdict_of(j.findings, "inv2.one-new-collection"), Verdict::kFail);
  // Where success is not allowed at all, the row fails too.
  Expectation null_ref = ready();
  null_ref.classes.c = CClass::kNull;
  null_ref.allowed = allowed_outcomes(null_ref.classes, {});
  EXPECT_EQ(verdict_of(judge(null_ref, {before().v, returned(0), before().v}).findings,
                       "out1.bad-reference"),
            Verdict::kFail);
}

TEST(Judge, ACollectionNoGroupLinksIsReadForItsMembersAndFailsReachability) {
  Host unlinked = success();
  unlinked.group("G", {"V1", "V2"}, {});
  unlinked.v.collections.erase("S");  // only the host-wide enumeration sees it
  cim::ObjectPath s(cim::Name::borrow(names::kNamespace),
                    cim::Name::borrow(names::kSnapshotCollection));
  s.add_key("CollectionID", "S");
  unlinked.v.collection_paths.emplace("S", s);
  // The observation step reads it because no group links it.
  const ReadPlan plan = plan_reads(before().v, returned(0), unlinked.v, false);
  ASSERT_TRUE(plan.unlinked_collection);
  EXPECT_EQ(id_of(*plan.unlinked_collection), "S");
  Observation o{before().v, returned(0), unlinked.v};
  o.unlinked["S"] = CollectionView{"S", s, {"B", "D"}};
  const Judgement j = judge(ready(), o);
  EXPECT_EQ(verdict_of(j.findings, "inv2.one-snapshot-per-member"), Verdict::kPass)
      << message_of(j.findings, "inv2.one-snapshot-per-member");
  EXPECT_EQ(verdict_of(j.findings, "inv7.reachable-from-group"), Verdict::kFail);
  // Unread, its members are unknown and CS-INV-2 fails.
  const Judgement unread = judge(ready(), {before().v, returned(0), unlinked.v});
  EXPECT_EQ(verdict_of(unread.findings, "inv2.one-snapshot-per-member"), Verdict::kFail);
}

TEST(Judge, ReadsArePlannedOnlyForWhatTheOutcomeNeeds) {
  // A failure needs no further read.
  const ReadPlan failure = plan_reads(before().v, returned(5), success().v, false);
  EXPECT_FALSE(failure.unlinked_collection || failure.sync_job || failure.affected_job);
  // A synchronous success with a Job: that job is read (CS-INV-4).
  CallOutcome sync = returned(0);
  sync.job = cim::ObjectPath(cim::Name::borrow(names::kNamespace), cim::Name::borrow(names::kJob));
  EXPECT_TRUE(plan_reads(before().v, sync, success().v, false).sync_job);
  Observation o{before().v, sync, success().v};
  o.sync_job = JobRead{true, 4, ""};
  EXPECT_EQ(verdict_of(judge(ready(), o).findings, "inv4.job-absent-or-complete"), Verdict::kFail);
  o.sync_job = JobRead{true, 7, ""};
  EXPECT_EQ(verdict_of(judge(ready(), o).findings, "inv4.job-absent-or-complete"), Verdict::kPass);
}

TEST(Judge, TheJobLinksTheResultOrTheLinkIsAWarning) {
  CallOutcome started = returned(4096);
  started.job =
      cim::ObjectPath(cim::Name::borrow(names::kNamespace), cim::Name::borrow(names::kJob));
  JobTrace t;
  t.resolved = true;
  JobSample done;
  done.state = 7;
  done.percent = 100;
  done.job_type = 198;
  done.error_code = 0;
  t.samples = {done, done};
  started.trace = t;
  EXPECT_TRUE(plan_reads(before().v, started, success().v, false).affected_job);
  Observation o{before().v, started, success().v};
  o.affected_from_job = std::set<std::string>{"S"};
  EXPECT_EQ(verdict_of(judge(ready(), o).findings, "inv7.reachable-from-job"), Verdict::kPass);
  o.affected_from_job = std::set<std::string>{};
  EXPECT_EQ(verdict_of(judge(ready(), o).findings, "inv7.reachable-from-job"), Verdict::kWarn);
}

TEST(Judge, AFinishedTransitionWidensTheExpectation) {
  Expectation e = ready();
  e.classes.c = CClass::kTransitional;
  e.allowed = allowed_outcomes(e.classes, {});
  Host still = before();
  still.vm("V2", 10);
  EXPECT_FALSE(allow_finished_transitions(e, still.v, {}));
  EXPECT_FALSE(e.allowed.success & kNormal);
  EXPECT_TRUE(allow_finished_transitions(e, success().v, {}));
  EXPECT_TRUE(e.allowed.success & kNormal);
}

// After a call whose job vanished (decision 0146): new checkpoints that no collection lists
// are a result that may lag; the wait ends when a collection lists them, or when one of them
// has gone (then the view that showed it is judged: a partial result is still one).
TEST(LaggingResult, NewCheckpointsNoCollectionListsMayBeLagging) {
  const Host b = before();
  Host lagging = success();
  lagging.v.collections.erase("S");
  lagging.v.all_collections.erase("S");
  lagging.v.groups["G"].collections.clear();
  EXPECT_TRUE(result_may_lag(b.v, lagging.v));
  EXPECT_FALSE(result_may_lag(b.v, success().v)) << "S lists B and D";
  EXPECT_FALSE(result_may_lag(b.v, b.v)) << "no new checkpoint";
  Host half = success();  // S shown, listing only B: D still unlisted
  half.v.collections["S"].members = {"B"};
  EXPECT_TRUE(result_may_lag(b.v, half.v));
}

TEST(LaggingResult, TheWaitEndsWhenACheckpointItSawHasGone) {
  const Host b = before();
  Host partial = before();  // only V1's checkpoint, no collection: partial, or lagging
  partial.vm("V1", 2, {"A", "B"}, "B").snap("B", "V1", "A");
  EXPECT_TRUE(result_may_lag(b.v, partial.v));
  EXPECT_TRUE(keeps_new_checkpoints(b.v, partial.v, partial.v));
  EXPECT_TRUE(keeps_new_checkpoints(b.v, partial.v, success().v)) << "B kept, D added";
  EXPECT_FALSE(keeps_new_checkpoints(b.v, partial.v, b.v)) << "B removed later";
  EXPECT_TRUE(keeps_new_checkpoints(b.v, b.v, b.v)) << "nothing new to keep";
}

}  // namespace
}  // namespace hvsnap::conformance::model
