// `hvsnap verify DIR`: the manifest and the internal consistency of a report bundle, of a fleet
// report (`hvsnap merge`: each target's bundle and each shard's), or of a `hvsnap mutants`
// folder (its kill table and each mutant's bundle). `--requirement ID` then exits by that
// requirement's verdict (hvsnap_add_certification's one ctest test per requirement, decision
// 0041) and `--verdict` by the run's (CERTIFIED, NOT CERTIFIED, NOT SUPPORTED).
#include <fmt/format.h>

#include <filesystem>
#include <ostream>

#include "commands.h"
#include "hvsnap/reports/bundle.h"
#include "hvsnap/reports/fleet.h"
#include "hvsnap/reports/kill_table.h"

namespace hvsnap::tools {

namespace fs = std::filesystem;
using conformance::Level;
using conformance::Verdict;

namespace {

// The exit code of one requirement's verdict, as junit.xml has it: a MUST a full run left
// untested fails (it blocks certification); other NOT_TESTED and NOT_APPLICABLE are skipped.
int requirement_exit(const conformance::RequirementResult& rr, conformance::Profile profile) {
  switch (rr.verdict) {
    case Verdict::kPass:
    case Verdict::kWarn:
      return kExitCertified;
    case Verdict::kFail:
      return kExitFailures;
    case Verdict::kNotTested:
      return conformance::untested_must(rr, profile) ? kExitFailures : kExitSkipped;
    case Verdict::kNotApplicable:
      return kExitSkipped;
  }
  return kExitFailures;
}

int run_exit(const conformance::RunResult& r) {
  return r.certified ? kExitCertified : r.not_supported ? kExitNotSupported : kExitFailures;
}

// One requirement of one run, in words; returns its exit code.
int say_requirement(const reports::LoadedRun& run, const std::string& id, const std::string& who,
                    Console& c) {
  const auto& r = run.result;
  for (const auto& rr : r.requirements) {
    if (rr.id != id) continue;
    const int code = requirement_exit(rr, r.profile);
    c.out << fmt::format("{}{} ({}): {} — {} passed, {} failed, {} warned\n  {}\n", who, rr.id,
                         conformance::to_string(rr.level), conformance::to_string(rr.verdict),
                         rr.passed, rr.failed, rr.warned, rr.text);
    if (!rr.reason.empty()) c.out << "  why: " << rr.reason << "\n";
    for (const auto& e : rr.evidence)
      c.out << "  seen: " << e << "\n";
    for (const auto& f : r.failures) {
      if (f.requirement != rr.id) continue;
      c.out << fmt::format("  counterexample ({} calls, {}): {}\n  replay: hvsnap replay {}\n",
                           f.steps, f.property, f.title, f.token);
      break;
    }
    for (const auto& w : r.warnings) {  // a warning's example (decision 0165)
      if (w.requirement != rr.id) continue;
      c.out << fmt::format("  example ({} calls, {}): {}\n  replay: hvsnap replay {}\n", w.steps,
                           w.property, w.title, w.token);
      break;
    }
    if (code == kExitFailures && rr.verdict == Verdict::kNotTested)
      c.out << "  a MUST the full profile did not test blocks certification\n";
    return code;
  }
  return -1;
}

}  // namespace

int verify(const VerifyOptions& o, Console& c) {
  const std::string& dir = o.dir;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    c.err << "hvsnap verify: " << dir << ": no such folder\n";
    return kExitUsage;
  }
  const bool table = reports::is_kill_table(dir);
  const bool fleet = reports::is_fleet(dir);
  if (table && (!o.requirement.empty() || o.verdict)) {
    c.err << "hvsnap verify: " << dir
          << ": --requirement and --verdict read a run or a fleet report, not a mutants table\n";
    return kExitUsage;
  }
  const auto v = table   ? reports::verify_kill_table(dir)
                 : fleet ? reports::verify_fleet(dir)
                         : reports::verify_bundle(dir);
  for (const auto& line : v.checked)
    c.out << "checked: " << line << "\n";
  for (const auto& p : v.problems)
    c.out << "PROBLEM: " << p << "\n";
  c.out << (v.ok() ? (table   ? "OK: the kill table and every mutant's report are complete and "
                                "consistent\n"
                      : fleet ? "OK: the fleet report, every target's report and every shard's "
                                "are complete and consistent\n"
                              : "OK: the report is complete and consistent\n")
                   : "FAILED: " + std::to_string(v.problems.size()) + " problem(s)\n");
  if (!v.ok()) return kExitFailures;
  if (o.requirement.empty() && !o.verdict) return kExitCertified;

  // The runs the question is about: the bundle, or every target of the fleet.
  std::vector<std::pair<std::string, reports::LoadedRun>> runs;
  if (fleet) {
    for (const auto& entry : fs::directory_iterator(fs::path(dir) / "targets", ec)) {
      auto run = reports::load_bundle(entry.path());
      if (!run.ok()) {
        c.err << "hvsnap verify: " << run.status().message() << "\n";
        return kExitFailures;
      }
      runs.emplace_back(entry.path().filename().string() + ": ", std::move(*run));
    }
    std::sort(runs.begin(), runs.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
  } else {
    auto run = reports::load_bundle(dir);
    if (!run.ok()) {
      c.err << "hvsnap verify: " << run.status().message() << "\n";
      return kExitFailures;
    }
    runs.emplace_back("", std::move(*run));
  }
  if (o.verdict) {
    int worst = kExitCertified;
    for (const auto& [who, run] : runs) {
      c.out << fmt::format("{}{}\n", who, run.result.verdict);
      for (const auto& why : run.result.verdict_reasons)
        c.out << "  - " << why << "\n";
      const int code = run_exit(run.result);
      if (code == kExitFailures || (code == kExitNotSupported && worst == kExitCertified))
        worst = code;
    }
    return worst;
  }
  // --requirement: 1 if it fails anywhere, else 0 if it passed anywhere, else skipped.
  bool any_fail = false, any_pass = false, found = false;
  for (const auto& [who, run] : runs) {
    const int code = say_requirement(run, o.requirement, who, c);
    if (code < 0) continue;
    found = true;
    any_fail = any_fail || code == kExitFailures;
    any_pass = any_pass || code == kExitCertified;
  }
  if (!found) {
    std::string ids;
    for (const auto& rr : runs.front().second.result.requirements)
      ids += (ids.empty() ? "" : ", ") + rr.id;
    c.err << fmt::format("hvsnap verify: --requirement {}: not in this report (it has {})\n",
                         o.requirement, ids);
    return kExitUsage;
  }
  return any_fail ? kExitFailures : any_pass ? kExitCertified : kExitSkipped;
}

}  // namespace hvsnap::tools
