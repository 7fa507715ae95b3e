// The run's aggregation (contract §7): findings into per-requirement results, the
// observations the report shows beside them (return codes, job end states, what each ambiguity
// was seen to be) and the capability profile (§4.1). The runner's phases feed it; the verdict
// rules are apply_verdict's (run_result.h).
#pragma once

#include <functional>
#include <map>
#include <string>

#include "hvsnap/conformance/case_runner.h"
#include "hvsnap/conformance/run_result.h"

namespace hvsnap::conformance {

class Aggregator {
 public:
  // One result row per requirement of the catalogue, in catalogue order.
  explicit Aggregator(RunResult& r);

  void add(const Findings& fs);
  // Why a requirement was not tested (the first reason given wins).
  void not_tested(const std::string& requirement, const std::string& reason);
  // A case's observations: its return code, job end, ambiguities and capability row.
  void observe_case(const CaseReport& rep);

  // The capability profile: one row per configuration; the first refused and the first
  // snapshotted case of each are kept to show an unstable refusal (CS-INV-10).
  const std::map<std::string, CapabilityResult>& capability_rows() const { return capability_; }
  const CaseReport* first_refusal(const std::string& config) const;
  std::string first_success(const std::string& config) const;
  // The capability profile into the result, and CS-INV-10 across cases: a configuration
  // refused in one case and snapshotted in another is a FAIL; `unstable` gets its message and
  // the first case that refused it, for the run's failure record.
  void finish_capability(
      const std::function<void(const std::string& message, const CaseReport& refused)>& unstable);

 private:
  void capability(const CaseReport& rep);
  void observe_call(const CaseReport& rep);

  RunResult& r_;
  std::map<std::string, std::size_t> index_;
  std::map<std::string, CapabilityResult> capability_;
  std::map<std::string, CaseReport> first_refusal_;
  std::map<std::string, std::string> first_success_;
};

}  // namespace hvsnap::conformance
