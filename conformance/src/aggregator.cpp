// The run's aggregation (aggregator.h).
#include "aggregator.h"

#include <fmt/format.h>

#include <fmt/ranges.h>

#include "hvsnap/cim/codes.h"
#include "hvsnap/conformance/catalogue.h"

namespace hvsnap::conformance {

Aggregator::Aggregator(RunResult& r) : r_(r) {
  if (!catalogue().ok()) return;
  for (const auto& req : *catalogue()) {
    RequirementResult rr;
    rr.id = req.id;
    rr.level = req.level;
    rr.text = req.text;
    index_[req.id] = r_.requirements.size();
    r_.requirements.push_back(std::move(rr));
  }
}

void Aggregator::add(const Findings& fs) {
  for (const auto& f : fs) {
    auto it = index_.find(f.requirement);
    if (it == index_.end()) continue;
    RequirementResult& rr = r_.requirements[it->second];
    switch (f.verdict) {
      case Verdict::kPass:
        ++rr.passed;
        break;
      case Verdict::kFail:
        ++rr.failed;
        if (rr.evidence.size() < 3) rr.evidence.push_back(f.message);
        break;
      case Verdict::kWarn:
        ++rr.warned;
        if (rr.evidence.size() < 3) rr.evidence.push_back(f.message);
        break;
      case Verdict::kNotApplicable:
        if (rr.reason.empty()) rr.reason = f.message;
        break;
      case Verdict::kNotTested:
        break;
    }
  }
}

void Aggregator::not_tested(const std::string& requirement, const std::string& reason) {
  auto it = index_.find(requirement);
  if (it != index_.end() && r_.requirements[it->second].reason.empty())
    r_.requirements[it->second].reason = reason;
}

void Aggregator::capability(const CaseReport& rep) {
  if (rep.not_tested || !rep.capability) return;
  const CapabilityCall& c = *rep.capability;
  CapabilityResult& row = capability_[c.configuration];
  row.configuration = c.configuration;
  switch (c.outcome) {
    case CapabilityCall::Outcome::kSnapshotted:
      ++row.snapshotted;
      if (!first_success_.count(c.configuration))
        first_success_[c.configuration] = rep.input.describe();
      break;
    case CapabilityCall::Outcome::kRefused:
      ++row.refused;
      row.answers.insert(c.observed);
      if (!first_refusal_.count(c.configuration)) first_refusal_.emplace(c.configuration, rep);
      break;
    case CapabilityCall::Outcome::kFailed:
      ++row.failed;
      break;
  }
}

const CaseReport* Aggregator::first_refusal(const std::string& config) const {
  auto it = first_refusal_.find(config);
  return it == first_refusal_.end() ? nullptr : &it->second;
}

std::string Aggregator::first_success(const std::string& config) const {
  auto it = first_success_.find(config);
  return it == first_success_.end() ? std::string() : it->second;
}

void Aggregator::finish_capability(
    const std::function<void(const std::string& message, const CaseReport& refused)>& unstable) {
  for (const auto& [key, row] : capability_rows()) {
    r_.capability.push_back(row);
    if (row.refused == 0 || row.snapshotted == 0) continue;
    const CaseReport* refused = first_refusal(key);
    const std::string message = fmt::format(
        "{} was refused ({}) in {} call(s) and snapshotted in {}: first snapshotted in {}", key,
        fmt::join(row.answers, ", "), row.refused, row.snapshotted, first_success(key));
    add({finding("inv10.refusal-stable", Verdict::kFail, message)});
    if (refused == nullptr) continue;
    unstable(message, *refused);
  }
}

// The call under test's outcome: the return codes, job ends and ambiguities it shows.
void Aggregator::observe_call(const CaseReport& rep) {
  if (rep.return_value) {
    const auto rv = *rep.return_value;
    r_.return_codes[std::to_string(rv)]++;
    if ((rv >= 1 && rv <= 6)) r_.ambiguities["AMB-1"].insert("DMTF codes (1..6)");
    if (rv >= 32768 && rv <= 65535) r_.ambiguities["AMB-1"].insert("Msvm codes (32768..65535)");
    if (rv == 0) r_.ambiguities["AMB-2"].insert("synchronous success (0)");
    if (rv == 4096) r_.ambiguities["AMB-2"].insert("job (4096)");
  } else {
    r_.return_codes["transport fault"]++;
  }
  if (rep.job_end) r_.job_end_states[std::to_string(*rep.job_end)]++;
  const Combo& k = rep.input.combo;
  const std::string& outcome = rep.observed;
  if (k.c == CClass::kEmpty && is_valid(k.s) && is_valid(k.t))
    r_.ambiguities["AMB-4"].insert(outcome);
  if (k.c == CClass::kMgmt && is_valid(k.s) && is_valid(k.t))
    r_.ambiguities["AMB-5"].insert(outcome);
  if (k.c == CClass::kSaved && k.t == TClass::kRecovery && is_valid(k.s))
    r_.ambiguities["AMB-6"].insert(outcome);
  if (k.s == SClass::kUnknownProp && k.c == CClass::kReady && is_valid(k.t)) {
    // AMB-3 from the numbers: the settings were accepted when the call succeeded (0, or a job
    // that completed); anything else rejected them, synchronously or in the job.
    const bool succeeded =
        rep.return_value && (*rep.return_value == 0 ||
                             (*rep.return_value == cim::ReturnCode::kJobStarted && rep.job_end &&
                              (*rep.job_end == cim::JobState::kCompleted ||
                               *rep.job_end == cim::JobState::kCompletedWithWarnings)));
    r_.ambiguities["AMB-3"].insert(succeeded ? "unknown property ignored"
                                             : "unknown property rejected");
  }
}

void Aggregator::observe_case(const CaseReport& rep) {
  capability(rep);
  r_.counts.transient_retries += rep.retries;
  if (rep.not_tested) return;
  // Not for a case that stopped before its call under test was judged, nor one whose set-up
  // broke: it has no outcome of that call (decision 0164).
  if (rep.call_judged) observe_call(rep);
  for (const auto& f : rep.findings) {
    if (f.check == "inv7.reachable-from-job") {
      r_.ambiguities["AMB-11"].insert(f.verdict == Verdict::kPass
                                          ? "result linked from the job"
                                          : "result not linked from the job");
    }
    if (f.check == "inv5.first-state") {
      r_.ambiguities["AMB-10"].insert(
          f.verdict == Verdict::kPass ? "first state Running or terminal" : f.message);
    }
  }
}

}  // namespace hvsnap::conformance
