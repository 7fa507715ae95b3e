// The certification rules (README "Rules of certification"; contract §4.1 for NOT SUPPORTED):
// one function, used by the run that writes a report and by `hvsnap verify` that checks it.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <vector>

#include "hvsnap/conformance/run_result.h"

namespace hvsnap::conformance {

std::string_view to_string(Profile p) {
  return p == Profile::kCore ? "core" : "full";
}
std::string_view to_string(Coverage c) {
  return c == Coverage::kExhaustive ? "exhaustive" : "pairwise";
}
std::optional<Profile> parse_profile(std::string_view t) {
  if (t == "core") return Profile::kCore;
  if (t == "full") return Profile::kFull;
  return std::nullopt;
}
std::optional<Coverage> parse_coverage(std::string_view t) {
  if (t == "exhaustive") return Coverage::kExhaustive;
  if (t == "pairwise") return Coverage::kPairwise;
  return std::nullopt;
}

bool untested_must(const RequirementResult& rr, Profile profile) {
  return rr.verdict == Verdict::kNotTested && rr.level == Level::kMust && profile == Profile::kFull;
}

void apply_verdict(RunResult& r) {
  // A warning's example stands for a requirement the run WARNs on (decision 0165): a MUST that
  // warned in one case (a tolerated answer) and failed in another is a failure, not a warning.
  std::erase_if(r.warnings, [&](const FailureRecord& w) {
    return std::none_of(r.requirements.begin(), r.requirements.end(), [&](const auto& rr) {
      return rr.id == w.requirement && rr.verdict == Verdict::kWarn;
    });
  });
  r.verdict_reasons.clear();
  bool ok = true;
  std::vector<const RequirementResult*> untested;
  for (const auto& rr : r.requirements) {
    if (rr.level == Level::kShould) continue;
    if (rr.verdict == Verdict::kFail) {
      ok = false;
      r.verdict_reasons.push_back(fmt::format("{} ({}) failed", rr.id, to_string(rr.level)));
    }
    if (untested_must(rr, r.profile)) {
      ok = false;
      untested.push_back(&rr);
    }
  }
  // Untested MUST items: one line each when few; otherwise one line naming them all.
  bool same_reason = true;
  for (const auto* rr : untested)
    same_reason = same_reason && rr->reason == untested.front()->reason;
  if (untested.size() <= 3) {
    for (const auto* rr : untested) {
      r.verdict_reasons.push_back(fmt::format("{} (MUST) was not tested: {}", rr->id, rr->reason));
    }
  } else {
    std::string ids;
    for (const auto* rr : untested)
      ids += (ids.empty() ? "" : ", ") + rr->id;
    r.verdict_reasons.push_back(
        fmt::format("{} MUST requirements were not tested ({}): {}", untested.size(), ids,
                    same_reason ? untested.front()->reason : "see the requirement table"));
  }
  if (r.profile != Profile::kFull) {
    ok = false;
    r.verdict_reasons.push_back(fmt::format(
        "only the full profile can certify (this run used the {} profile)", to_string(r.profile)));
  }
  if (r.budget_exhausted) {
    ok = false;
    r.verdict_reasons.push_back("the time budget ran out before the run was complete");
  }
  if (r.interrupted) {
    ok = false;
    r.verdict_reasons.push_back("the run was interrupted before it was complete");
  }
  if (!r.stopped_answering.empty()) {
    ok = false;
    r.verdict_reasons.push_back(fmt::format(
        "the host stopped answering: {}; the run started nothing more (what it did not reach "
        "is not tested); bring the host back and run again",
        r.stopped_answering));
  }
  if (r.counts.undecided > 0) {
    // Not a failure of the host: the run is incomplete (decision 0161).
    ok = false;
    r.verdict_reasons.push_back(fmt::format(
        "{} case(s), sequence(s) or concurrent round(s) were undecided: the wire lost answers "
        "they needed, even asked again (the report lists them, each with the read it lost); "
        "run again",
        r.counts.undecided));
  }
  // NOT SUPPORTED: nothing failed, but every configuration tried was refused (O1..O3, O5).
  bool must_failed = false;
  for (const auto& rr : r.requirements)
    must_failed = must_failed || (rr.level != Level::kShould && rr.verdict == Verdict::kFail);
  int snapshotted = 0, refused = 0;
  std::string tried;
  for (const auto& c : r.capability) {
    snapshotted += c.snapshotted;
    refused += c.refused;
    if (c.refused > 0)
      tried += fmt::format("{}{} ({})", tried.empty() ? "" : ", ", c.configuration,
                           fmt::join(c.answers, "/"));
  }
  // Not from a run the wire left incomplete: the probes it lost may have snapshotted.
  r.not_supported = !must_failed && refused > 0 && snapshotted == 0 && r.counts.undecided == 0;
  if (r.not_supported) {
    r.verdict_reasons.insert(
        r.verdict_reasons.begin(),
        fmt::format("the target refused every collection snapshot the suite could arrange, as "
                    "Not Supported with no change: {}. Real standalone Hyper-V hosts were seen "
                    "to answer so (observations O1, O2, O3, O5 in docs/contract.md)",
                    tried));
  }
  r.certified = ok && !r.not_supported;
  r.verdict = r.certified ? "CERTIFIED" : r.not_supported ? "NOT SUPPORTED" : "NOT CERTIFIED";
}

}  // namespace hvsnap::conformance
