// The oracle's checkers that judge() (oracle_call.cpp) calls from oracle_job.cpp. Private to
// conformance/src/model.
#pragma once

#include "hvsnap/conformance/findings.h"
#include "hvsnap/conformance/model/oracle.h"

namespace hvsnap::conformance::model {

// CS-READ-1/2/4: what the views, the transport and the reads back found that does not read as
// the contract says. One finding per check, naming the first problem.
void check_reading(const Observation& o, Findings& f);

// CS-READ-3: a new snapshot's CreationTime lies within the call, and a job's clock runs
// forward and never ahead of the host's.
void check_times(const Expectation& e, const Observation& o, const Diff& in, Findings& f);

}  // namespace hvsnap::conformance::model
