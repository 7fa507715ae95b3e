// The run's cost estimate (estimate.h; decision 0070) and the backed-off waits of the client.
#include <gtest/gtest.h>

#include "hvsnap/conformance/classes.h"
#include "hvsnap/conformance/client.h"
#include "hvsnap/conformance/estimate.h"

namespace hvsnap::conformance {
namespace {

TEST(Estimate, CountsTheCasesOfTheChosenCoverage) {
  RunOptions o;
  o.profile = Profile::kCore;
  o.coverage = Coverage::kPairwise;
  const RunEstimate pairwise = estimate_requests(o);
  EXPECT_EQ(pairwise.cases, 8 + static_cast<int>(pairwise_combos().size()) + 200);
  EXPECT_EQ(pairwise.sequence_steps, 0);
  o.coverage = Coverage::kExhaustive;
  const RunEstimate exhaustive = estimate_requests(o);
  EXPECT_EQ(exhaustive.cases, 8 + static_cast<int>(all_combos().size()) + 200);
  EXPECT_GT(exhaustive.requests, pairwise.requests);
  o.settings_sweep = false;
  EXPECT_EQ(estimate_requests(o).cases, exhaustive.cases - 200);
}

TEST(Estimate, TheFullProfileAddsSequencesAndRounds) {
  RunOptions o;
  o.profile = Profile::kFull;
  o.coverage = Coverage::kPairwise;
  o.sequences = 100;
  o.max_steps = 20;
  o.parallel_rounds = 10;
  const RunEstimate e = estimate_requests(o);
  // The steps of the sequences the run will draw: up to 20 each, the same every time.
  EXPECT_GT(e.sequence_steps, 100);
  EXPECT_LE(e.sequence_steps, 100 * 20);
  EXPECT_EQ(estimate_requests(o).sequence_steps, e.sequence_steps);
  EXPECT_EQ(e.parallel_rounds, 10);
  o.profile = Profile::kCore;
  EXPECT_GT(e.requests, estimate_requests(o).requests);
}

TEST(Estimate, ALiveHostAlsoWaitsAndTheTextSaysSo) {
  RunOptions o;
  o.coverage = Coverage::kPairwise;
  CostModel m;
  m.requests_per_matrix_case = 10;
  m.ms_per_request = 50;
  const RunEstimate served = estimate_requests(o, false, m);
  const RunEstimate live = estimate_requests(o, true, m);
  EXPECT_EQ(served.requests, live.requests);
  EXPECT_GT(live.seconds, served.seconds);
  const std::string text = live.describe(m);
  EXPECT_NE(text.find("requests"), std::string::npos) << text;
  EXPECT_NE(text.find("50 ms a request"), std::string::npos) << text;
}

// A live host spends the waits of every matrix case in real time, with the measured figure when
// the model gives none (the measured wait per case was once left out: a core run's estimate was
// its requests alone).
TEST(Estimate, ALiveCoreRunCountsEachCasesWait) {
  RunOptions o;
  o.profile = Profile::kCore;
  o.coverage = Coverage::kPairwise;
  o.settings_sweep = false;
  o.cleanup_overlap = false;
  CostModel m;
  m.ms_per_request = 0;
  const RunEstimate live = estimate_requests(o, true, m);
  EXPECT_GT(live.seconds, live.cases * 2.0);  // seconds of waiting per case, not zero
  m.wait_ms_per_case = 1000;
  EXPECT_DOUBLE_EQ(estimate_requests(o, true, m).seconds, live.cases * 1.0);
}

// One at a time, a live host's case cleans up while the next one arranges (decision 0153), and
// a sequence while the next one sets up (decision 0154): the cases' time, requests and waits,
// is the measured share of it, and the sequences' their own measured share; the rounds' is not,
// nor is anything at -j N or on a served fake, and the text says so.
TEST(Estimate, ALiveHostsCleanupOverlappingTheNextCaseSharesItsTime) {
  RunOptions o;
  o.profile = Profile::kFull;
  o.coverage = Coverage::kPairwise;
  o.sequences = 5;
  CostModel m;
  m.requests_per_matrix_case = 10;
  m.ms_per_request = 10;
  m.wait_ms_per_case = 1000;
  m.overlapped_share = 0.5;
  m.sequence_overlapped_share = 1;  // the sequences' below
  m.requests_per_sequence_step = 10;
  m.wait_ms_per_sequence_step = 2000;
  o.cleanup_overlap = false;
  const RunEstimate serial = estimate_requests(o, true, m);
  o.cleanup_overlap = true;
  const RunEstimate overlapped = estimate_requests(o, true, m);
  EXPECT_EQ(overlapped.requests, serial.requests);
  EXPECT_FALSE(serial.cleanup_overlaps);
  EXPECT_TRUE(overlapped.cleanup_overlaps);
  ASSERT_GT(serial.sequence_steps, 0);
  // A case: 10 requests of 10 ms and 1 s of waiting, half of it hidden; nothing else moves.
  EXPECT_NEAR(serial.seconds - overlapped.seconds, serial.cases * 1.1 * 0.5, 1e-6);
  EXPECT_NE(overlapped.describe(m).find("one at a time, each cleanup overlapping the next "
                                        "arrangement"),
            std::string::npos)
      << overlapped.describe(m);
  EXPECT_EQ(serial.describe(m).find("overlapping"), std::string::npos) << serial.describe(m);
  // A sequence step: 10 requests of 10 ms and 2 s of waiting, a quarter of it left.
  m.sequence_overlapped_share = 0.25;
  const RunEstimate sequences_too = estimate_requests(o, true, m);
  EXPECT_NEAR(overlapped.seconds - sequences_too.seconds, serial.sequence_steps * 2.1 * 0.75, 1e-6);
  EXPECT_NE(sequences_too.describe(m).find(" sequence steps (one sequence at a time, each cleanup "
                                           "overlapping the next set-up)"),
            std::string::npos)
      << sequences_too.describe(m);
  // Neither share applies without the overlap, at -j N or on a served fake.
  o.cleanup_overlap = false;
  EXPECT_DOUBLE_EQ(estimate_requests(o, true, m).seconds, serial.seconds);
  o.cleanup_overlap = true;
  o.jobs = 4;
  EXPECT_FALSE(estimate_requests(o, true, m).cleanup_overlaps);
  CostModel whole = m;
  whole.overlapped_share = 1;
  whole.sequence_overlapped_share = 1;
  EXPECT_DOUBLE_EQ(estimate_requests(o, true, m).seconds,
                   estimate_requests(o, true, whole).seconds);
  o.jobs = 1;
  EXPECT_FALSE(estimate_requests(o, false, m).cleanup_overlaps);
  EXPECT_DOUBLE_EQ(estimate_requests(o, false, m).seconds,
                   estimate_requests(o, false, whole).seconds);
}

// A live host's cases clean up after themselves, and make no control calls: their own measured
// figure (decision 0142), more requests than a served fake's case.
TEST(Estimate, ALiveHostsCasesCountTheirCleanup) {
  for (const Coverage coverage : {Coverage::kPairwise, Coverage::kExhaustive}) {
    RunOptions o;
    o.profile = Profile::kCore;
    o.coverage = coverage;
    EXPECT_GT(estimate_requests(o, true).requests, estimate_requests(o, false).requests);
  }
}

// A live host's cases of their own objects (decision 0143) and its sequences (decision 0144) at
// -j N share their time, not their requests; its concurrent rounds still run one at a time.
TEST(Estimate, ALiveHostsCasesAtATimeShareTheirTimeNotTheirRequests) {
  RunOptions o;
  o.profile = Profile::kFull;
  o.coverage = Coverage::kPairwise;
  o.sequences = 5;
  o.cleanup_overlap = false;  // one at a time, strictly (the overlap: the next test)
  CostModel m;
  m.ms_per_request = 0;
  m.wait_ms_per_case = 1000;
  m.wait_ms_per_sequence_step = 2000;
  m.wait_ms_per_parallel_round = 30000;
  const RunEstimate one = estimate_requests(o, true, m);
  o.jobs = 4;
  const RunEstimate four = estimate_requests(o, true, m);
  EXPECT_EQ(four.requests, one.requests);
  EXPECT_EQ(four.cases_at_a_time, 4);
  EXPECT_EQ(four.sequences, 5);
  EXPECT_EQ(four.sequences_at_a_time, 4);
  const double cases_s = one.cases * 1.0;
  const double sequences_s = one.sequence_steps * 2.0;
  const double rounds_s = one.parallel_rounds * 30.0;
  ASSERT_GT(sequences_s, 0);
  ASSERT_GT(rounds_s, 0);
  EXPECT_NEAR(one.seconds, cases_s + sequences_s + rounds_s, 1e-6);
  // The cases and the sequences share their time (decisions 0143, 0144); the rounds do not.
  EXPECT_NEAR(four.seconds, cases_s / 4 + sequences_s / 4 + rounds_s, 1e-6);
  // Each phase shares its time among as many as it has items: the 8 capability probes at
  // -j 16 take one case's time, not half of one, and the 5 sequences a fifth of theirs.
  o.jobs = 16;
  const RunEstimate sixteen = estimate_requests(o, true, m);
  EXPECT_EQ(sixteen.sequences_at_a_time, 5);
  EXPECT_NEAR(sixteen.seconds, 8.0 / 8 + (one.cases - 8) / 16.0 + sequences_s / 5 + rounds_s, 1e-6);
  EXPECT_NE(four.describe(m).find(" cases 4 at a time"), std::string::npos) << four.describe(m);
  EXPECT_NE(four.describe(m).find(" sequence steps in 5 sequences 4 at a time"), std::string::npos)
      << four.describe(m);
  EXPECT_EQ(one.describe(m).find("at a time"), std::string::npos) << one.describe(m);
  // A served fake's estimate (requests only) does not change with -j.
  EXPECT_EQ(estimate_requests(o, false, m).cases_at_a_time, 1);
  EXPECT_EQ(estimate_requests(o, false, m).sequences_at_a_time, 1);
}

// certify says so when a live run's estimate is longer than its --budget (decision 0142).
TEST(Estimate, SaysWhenARunWouldOutlastItsBudget) {
  RunEstimate e;
  e.seconds = 3600.5;
  EXPECT_TRUE(e.longer_than(std::chrono::hours(1)));
  EXPECT_FALSE(e.longer_than(std::chrono::hours(2)));
  EXPECT_FALSE(e.longer_than(std::chrono::milliseconds(0)));  // no budget
}

TEST(Client, ABackedOffWaitDoublesUpToItsLimit) {
  ClientOptions o;
  EXPECT_EQ(backed_off(250, o), 250);  // off unless asked for
  o.lean_waits = true;
  o.poll_step_ms = 250;
  o.max_poll_step_ms = 1000;
  EXPECT_EQ(backed_off(250, o), 500);
  EXPECT_EQ(backed_off(500, o), 1000);
  EXPECT_EQ(backed_off(1000, o), 1000);
  o.max_poll_step_ms = 0;  // never below the ordinary step
  EXPECT_EQ(backed_off(250, o), 250);
}

// A lean wait starts at its first step (decision 0093); an even one at the ordinary step.
TEST(Client, ABackedOffWaitStartsAtItsFirstStep) {
  ClientOptions o;
  EXPECT_EQ(first_backoff_step(o), o.poll_step_ms);
  o.lean_waits = true;
  EXPECT_EQ(first_backoff_step(o), 1000);
  EXPECT_EQ(backed_off(first_backoff_step(o), o), 2000);
  EXPECT_EQ(backed_off(2000, o), 2000);
  o.first_backoff_step_ms = 0;  // never below the ordinary step
  EXPECT_EQ(first_backoff_step(o), o.poll_step_ms);
  o.first_backoff_step_ms = 1000;
  o.poll_step_ms = 0;  // no wait asked for: none
  EXPECT_EQ(first_backoff_step(o), 0);
}

}  // namespace
}  // namespace hvsnap::conformance
