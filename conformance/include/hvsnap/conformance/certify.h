// The C++ entry point for a vendor whose provider is C++ (decision 0045): implement
// cim::Provider, call certify(), and get the RunResult `hvsnap certify` would have reported
// (reports::write_bundle writes the same bundle). A thin wrapper over run_suite: the suite
// and its oracle are the ones every target meets (contract §4-§5, every CS-* requirement).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "hvsnap/cim/provider.h"
#include "hvsnap/conformance/run_result.h"
#include "hvsnap/conformance/runner.h"
#include "hvsnap/conformance/target.h"

namespace hvsnap::conformance {

// Makes the provider a case runs against. A provider over a real system returns the same
// object every time (the suite then cleans up after each case); a provider that can start from
// scratch may return a new one per call and declare Capabilities::fresh_hosts (every one it
// returns then starts in the same state: the run lists one's snapshot collections for all its
// sequences, decision 0139); one whose calls
// return providers that share nothing may also declare Capabilities::concurrent_cases and set
// RunOptions::jobs, and is then called from several threads at once (decision 0074). A provider
// over one real system whose calls return providers usable at the same time (a connection
// each) may declare Capabilities::own_object_cases_overlap: the cases of their own objects and
// the sequences then run RunOptions::jobs at a time, the concurrent rounds one at a time
// (decisions 0143, 0144).
using ProviderFactory = std::function<std::shared_ptr<cim::Provider>()>;

struct CertifyOptions {
  std::string uri = "cpp:provider";  // how reports name the target
  std::string identity;              // what it is ("ACME provider 2.1"); default: uri
  Capabilities caps;                 // what the provider declares about itself (target.h)
  RunOptions run;                    // seed, profile, coverage, sequences, budget, …
};

// Certifies providers made by `make_provider` (no control interface: what needs the fake's
// control is NOT_TESTED with the reason, as on a live host).
RunResult certify(const ProviderFactory& make_provider, const CertifyOptions& options = {});
// The same for a full target factory (a provider plus a control interface, e.g. hvsnap::targets'
// make_target("sim:")).
RunResult certify(const TargetFactory& make_target, const CertifyOptions& options);

}  // namespace hvsnap::conformance
