// Verdict and level names; helpers over finding lists.
#include "hvsnap/conformance/findings.h"

namespace hvsnap::conformance {

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::kPass:
      return "PASS";
    case Verdict::kFail:
      return "FAIL";
    case Verdict::kWarn:
      return "WARN";
    case Verdict::kNotTested:
      return "NOT_TESTED";
    case Verdict::kNotApplicable:
      return "NOT_APPLICABLE";
  }
  return "?";
}

std::string_view to_string(Level l) {
  switch (l) {
    case Level::kMust:
      return "MUST";
    case Level::kShould:
      return "SHOULD";
    case Level::kIfImplemented:
      return "IF-IMPLEMENTED";
  }
  return "?";
}

bool has_failure(const Findings& f) {
  for (const auto& x : f) {
    if (x.verdict == Verdict::kFail) return true;
  }
  return false;
}

const Finding* first_problem(const Findings& f) {
  for (const auto& x : f) {
    if (x.verdict == Verdict::kFail) return &x;
  }
  for (const auto& x : f) {
    if (x.verdict == Verdict::kWarn) return &x;
  }
  return nullptr;
}

}  // namespace hvsnap::conformance
