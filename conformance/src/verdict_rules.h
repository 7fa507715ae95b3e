// The verdict rules the runner applies to a finished run before apply_verdict (run_result.h)
// decides certification: each requirement's verdict from its counts, the reason a requirement
// nobody reached was NOT_TESTED (or why it held vacuously: NOT_APPLICABLE), and the order the
// report shows the failures in (contract §7).
#pragma once

#include "hvsnap/conformance/run_result.h"
#include "hvsnap/conformance/target.h"

namespace hvsnap::conformance {

// Requirements nothing checked get a reason; IF-IMPLEMENTED ones the target does not
// declare are NOT_APPLICABLE with the declaration recorded.
void finish_requirements(RunResult& result, const Capabilities& caps);

// Failures in catalogue order of their requirement; within one requirement the shortest
// counterexample first (the one a report shows first), then in the order found.
void order_failures(RunResult& result);

}  // namespace hvsnap::conformance
