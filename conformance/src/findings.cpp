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

std::optional<Verdict> parse_verdict(std::string_view text) {
  for (Verdict v : {Verdict::kPass, Verdict::kFail, Verdict::kWarn, Verdict::kNotTested,
                    Verdict::kNotApplicable}) {
    if (to_string(v) == text) return v;
  }
  return std::nullopt;
}

std::optional<Level> parse_level(std::string_view text) {
  for (Level l : {Level::kMust, Level::kShould, Level::kIfImplemented}) {
    if (to_string(l) == text) return l;
  }
  return std::nullopt;
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
