// The verdict rules of a finished run (verdict_rules.h).
#include "verdict_rules.h"

#include <algorithm>
#include <map>
#include <string>

namespace hvsnap::conformance {

namespace {

// A conditional requirement whose condition never arose holds vacuously: say what was seen.
std::string vacuous(const RunResult& result, const std::string& id) {
  const bool zero = result.return_codes.count("0") != 0;
  const bool job = result.return_codes.count("4096") != 0;
  if (id == "CS-INV-4" && !zero)
    return "the target never returned 0: every success started a job (AMB-2)";
  if (id == "CS-INV-10") {
    bool refused = false;
    for (const auto& c : result.capability)
      refused = refused || c.refused > 0;
    if (!refused) return "the target refused no configuration: there was no refusal to repeat";
  }
  if ((id == "CS-INV-5" || id == "CS-INV-5-S" || id == "CS-INV-6" || id == "CS-INV-6-S" ||
       id == "CS-INV-7-S" || id == "CS-INV-8" || id == "CS-SEQ-7" || id == "CS-SEQ-8") &&
      !job) {
    return "the target never returned 4096: it completed every call synchronously (AMB-2)";
  }
  return {};
}

}  // namespace

void finish_requirements(RunResult& result, const Capabilities& caps) {
  for (auto& rr : result.requirements) {
    if (rr.level == Level::kIfImplemented && rr.id == "CS-OUT-8" &&
        !caps.recursive_management_collections) {
      rr.verdict = Verdict::kNotApplicable;
      rr.reason =
          "the target does not declare recursive snapshots of management collections (AMB-5); "
          "its answers "
          "were still held to failure with no change";
      continue;
    }
    if (rr.failed > 0) {
      rr.verdict = rr.level == Level::kShould ? Verdict::kWarn : Verdict::kFail;
    } else if (rr.warned > 0) {
      rr.verdict = Verdict::kWarn;
    } else if (rr.passed > 0) {
      rr.verdict = Verdict::kPass;
    } else if (auto why = vacuous(result, rr.id); !why.empty()) {
      rr.verdict = Verdict::kNotApplicable;
      rr.reason = why;
    } else {
      rr.verdict = Verdict::kNotTested;
      if (rr.reason.empty()) {
        rr.reason = !result.stopped_answering.empty() ? "not reached: the host stopped answering"
                    : result.interrupted              ? "not reached: the run was interrupted"
                    : result.budget_exhausted         ? "not reached before the time budget ran out"
                    : result.stopped_at_first_failure
                        ? "not reached: the run stopped at its first failure"
                        : "no case of this run reached a check of it";
      }
    }
  }
}

void order_failures(RunResult& result) {
  std::map<std::string, std::size_t> rank;
  for (std::size_t i = 0; i < result.requirements.size(); ++i)
    rank[result.requirements[i].id] = i;
  std::stable_sort(result.failures.begin(), result.failures.end(),
                   [&](const FailureRecord& a, const FailureRecord& b) {
                     const auto ra = rank.count(a.requirement) ? rank[a.requirement] : rank.size();
                     const auto rb = rank.count(b.requirement) ? rank[b.requirement] : rank.size();
                     if (ra != rb) return ra < rb;
                     return a.steps < b.steps;
                   });
}

}  // namespace hvsnap::conformance
