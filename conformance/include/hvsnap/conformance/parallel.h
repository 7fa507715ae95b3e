// Concurrency (contract CS-SEQ-6): CreateSnapshot from several threads at once on groups that
// share VMs. Linearizability: the calls that failed left nothing, and one serial order of
// the calls that succeeded explains every VM's new snapshot chain.
#pragma once

#include <string>

#include "hvsnap/conformance/case_runner.h"

namespace hvsnap::conformance {

struct ParallelReport {
  bool not_tested = false;
  std::string not_tested_reason;
  bool undecided = false;  // not tested: the wire lost an answer it needed (decision 0161)
  Findings findings;
  std::string failure;
  std::string description;  // the calls and their outcomes, numbered
};

ParallelReport run_parallel_round(std::uint64_t seed, const TargetFactory& make_target,
                                  const RunConfig& config, int threads = 4);

}  // namespace hvsnap::conformance
