// What a certification run will cost before it starts (a live run prints it): how many requests
// the suite makes and how long they and its waits take, for the chosen coverage and profile.
// The figures per case were measured against the fake served as a plain host at real time, as
// the suite sees a live host (bench/requests_bench.cpp's BM_LiveLikeCertify, decision 0142), and
// against the served fake with control for live=false; the requests per sequence step and per
// concurrent round against the served fake (decisions 0135, 0140), their waits against the
// plain host (decision 0143). A real host's own durations decide how
// long its jobs and VM changes of state last.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "hvsnap/conformance/runner.h"

namespace hvsnap::conformance {

struct CostModel {
  // Requests the suite makes a case (decisions 0070, 0084, 0094, 0142: measured over
  // WS-Management, seed 20261124). 0: the measured figure for the options' coverage, on a live
  // host (its cleanup included) or a served fake.
  double requests_per_matrix_case = 0;
  // A sequence step (its share of the sequence's set-up and end check included) and a
  // concurrent round: measured as requests_bench's BM_ServedCertify/5 - /0 and /2 - /5 (seed
  // 20261124, 30 sequences of 372 steps, 3 rounds; decisions 0135, 0140).
  double requests_per_sequence_step = 37.4;
  double requests_per_parallel_round = 129;
  // Time a case waits for a live host (VM starts and stops, jobs), its cleanup included: the
  // wall time a case took on the fake served as a plain host at real time (decision 0142).
  // 0: the measured figure.
  double wait_ms_per_case = 0;
  // The same for a sequence step a live host runs (its share of the sequence's waits, set-up
  // and cleanup) and for a concurrent round: the wall time of the sequences and rounds phases
  // of a full certification against the fake served as a plain host at real time, 20
  // sequences of 264 steps in 467.6 s and 3 rounds in 78.7 s (decision 0143; the served fake's
  // simulated waits, 985 ms and 14.1 s, left out a live host's cleanup: decision 0135).
  double wait_ms_per_sequence_step = 1'770;
  double wait_ms_per_parallel_round = 26'200;
  // One WMI request over WinRM to a real host costs tens of milliseconds.
  double ms_per_request = 40;
  // A live host's cases one at a time, each cleanup overlapping the next case's arrangement
  // (RunOptions::cleanup_overlap, decision 0153): the share of the cases' time left. The wall
  // time of a pairwise core run against the fake served as a plain host with the overlap over
  // the same run's without it: 2,589 s over 4,040 s.
  double overlapped_share = 0.64;
  // The same for its sequences one at a time, each sequence's cleanup overlapping the next one's
  // set-up (decision 0154): requests_bench's BM_LiveLikeCertify with
  // HVSNAP_REQUESTS_LIVE_SEQUENCES=30 (372 steps) with the overlap over the same without it:
  // 16.6 s over 23.5 s a sequence.
  double sequence_overlapped_share = 0.71;
};

struct RunEstimate {
  int cases = 0;  // capability probes, matrix cases, settings sweep
  int sequences = 0;
  int sequence_steps = 0;  // expected (sequences are up to max_steps long)
  int parallel_rounds = 0;
  int cases_at_a_time = 1;        // a live host's cases at -j N (decision 0143)
  int sequences_at_a_time = 1;    // and its sequences (decision 0144)
  bool cleanup_overlaps = false;  // a live host's cases and sequences one at a time in two
                                  // stages (decisions 0153, 0154)
  std::int64_t requests = 0;
  double seconds = 0;
  // "about 52,000 requests and 1 h 10 min (1,888 cases, …; 40 ms a request)"
  std::string describe(const CostModel& model = {}) const;
  // Whether the run would outlast a time budget (0: none), which stops it before its end.
  bool longer_than(std::chrono::milliseconds budget) const {
    return budget.count() > 0 && seconds * 1000.0 > static_cast<double>(budget.count());
  }
};

// The cost of run_suite(…, options) against a live host (`live`: no clock to advance, every
// wait is real; the cases of their own objects and the sequences options.jobs at a time) or a
// served fake (only the requests cost time).
RunEstimate estimate_requests(const RunOptions& options, bool live = true,
                              const CostModel& model = {});

}  // namespace hvsnap::conformance
