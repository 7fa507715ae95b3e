// Runs one concrete case against a target: arranges the classes through WMI methods (and the
// control interface where the class needs a fake-only attribute), checks that the arranged
// class really holds before calling, calls CreateSnapshot, follows the job, and judges the
// result with the oracle. A class the target cannot be put into is NOT_TESTED, with why.
#pragma once

#include <string>

#include "hvsnap/conformance/cases.h"
#include "hvsnap/conformance/client.h"
#include "hvsnap/conformance/findings.h"
#include "hvsnap/conformance/model/oracle.h"
#include "hvsnap/conformance/target.h"

namespace hvsnap::conformance {

struct RunConfig {
  model::Declarations declarations;
  ClientOptions client;
  int visibility_retries = 40;  // observation rounds a lagging result may take (CS-INV-7)
  bool cleanup = true;
  bool faults_off = false;  // switch the target's fault plan off first (liveness phase)
};

struct CaseReport {
  Case input;
  bool not_tested = false;
  std::string not_tested_reason;
  bool setup_broke = false;  // a set-up call broke the contract (the findings say how)
  std::string observed;      // "4096→4→7"
  std::string allowed;       // the allowed set, in words
  Findings findings;
  bool transient = false;
  std::string transcript;  // the numbered WMI calls of the case
  std::optional<std::uint32_t> return_value;
  std::optional<std::uint16_t> job_end;
  std::vector<std::string> cleanup_left;  // objects cleanup could not remove
};

// A set-up CreateSnapshot(group, Standard): contract §4's invariants hold for every call, so
// one the suite makes to arrange a case is judged like the call under test (as C-READY,
// S-NULL, T-STANDARD, R-NULL; the group's members must be Off or Running). A failure allowed
// by the declarations (a transient one) is retried, up to 8 attempts.
struct SetupSnapshot {
  std::optional<cim::ObjectPath> collection;  // the new S, when it succeeded
  Findings findings;                          // every judged attempt's findings
  bool failed = false;                        // a finding FAILed: the provider broke the contract
  std::string problem;                        // why there is no collection (NOT_TESTED otherwise)
};
SetupSnapshot setup_snapshot(Client& cl, const cim::ObjectPath& group, const model::Scope& scope,
                             const RunConfig& config);

// Declarations a target implies (the oracle's knobs).
model::Declarations declarations_of(const Capabilities& caps);

CaseReport run_case(const Case& c, const TargetFactory& make_target, const RunConfig& config);

}  // namespace hvsnap::conformance
