// The requirement catalogue (conformance/requirements.yaml, embedded at build time) and the
// registry of checks the oracle runs. Each check names exactly one requirement.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hvsnap/cim/result.h"
#include "hvsnap/conformance/findings.h"

namespace hvsnap::conformance {

struct Requirement {
  std::string id;
  Level level = Level::kMust;
  std::string text;
  std::vector<std::string> checks;
};

struct CheckInfo {
  std::string_view id;
  std::string_view requirement;
};

// The catalogue parsed from the embedded YAML (errors name the line).
const cim::Result<std::vector<Requirement>>& catalogue();
// Every check the oracle can emit.
std::span<const CheckInfo> checks();
// The requirement a check covers ("" for an unknown check).
std::string_view requirement_of(std::string_view check);
const Requirement* find_requirement(std::string_view id);
// Whether `f` fails its run: a FAIL of a catalogued requirement other than a SHOULD (a SHOULD's
// is a WARN of the run, verdict_rules; one the catalogue does not know is not counted at all).
bool fails_the_run(const Finding& f);
// The failure a report leads with: its first FAIL that fails the run, or nullptr. A SHOULD's
// FAIL is a warning of the run, never a failure (decision 0165); a set-up call's SHOULD judged
// before the MUST that broke the case does not stand for it (decision 0164).
const Finding* first_fail(const Findings& fs);
// Whether `f` is a warning of its run: a WARN, or a SHOULD's FAIL, of a catalogued requirement
// (decision 0165).
bool is_warning(const Finding& f);
// The warning a report shows when it fails nothing: its first, or nullptr.
const Finding* first_warning(const Findings& fs);

// A finding for `check` (its requirement filled in from the registry).
Finding finding(std::string_view check, Verdict verdict, std::string message = {});

}  // namespace hvsnap::conformance
