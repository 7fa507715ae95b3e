// Verdicts and findings: what a check concludes about one requirement on one case.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hvsnap::conformance {

enum class Verdict : std::uint8_t { kPass, kFail, kWarn, kNotTested, kNotApplicable };
enum class Level : std::uint8_t { kMust, kShould, kIfImplemented };

std::string_view to_string(Verdict v);  // "PASS", "FAIL", "WARN", "NOT_TESTED", "NOT_APPLICABLE"
std::string_view to_string(Level l);    // "MUST", "SHOULD", "IF-IMPLEMENTED"
std::optional<Verdict> parse_verdict(std::string_view text);
std::optional<Level> parse_level(std::string_view text);

struct Finding {
  std::string check;        // a check id from the registry ("inv3.no-change-on-failure")
  std::string requirement;  // its requirement ("CS-INV-3")
  Verdict verdict = Verdict::kPass;
  std::string message;  // for FAIL/WARN/NOT_*: what was seen, in words
};

using Findings = std::vector<Finding>;

bool has_failure(const Findings& f);  // any FAIL
// The first FAIL, else the first WARN; nullptr if neither.
const Finding* first_problem(const Findings& f);

}  // namespace hvsnap::conformance
