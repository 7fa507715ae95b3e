// `hvsnap verify DIR`: the manifest and the internal consistency of a report bundle, or of a
// `hvsnap mutants` folder (its kill table and each mutant's bundle).
#include <filesystem>
#include <ostream>

#include "commands.h"
#include "hvsnap/reports/bundle.h"
#include "hvsnap/reports/kill_table.h"

namespace hvsnap::tools {

int verify(const std::string& dir, Console& c) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    c.err << "hvsnap verify: " << dir << ": no such folder\n";
    return kExitUsage;
  }
  // A `hvsnap mutants` folder: its table and every mutant's report; else one report.
  const bool table = reports::is_kill_table(dir);
  const auto v = table ? reports::verify_kill_table(dir) : reports::verify_bundle(dir);
  for (const auto& line : v.checked)
    c.out << "checked: " << line << "\n";
  for (const auto& p : v.problems)
    c.out << "PROBLEM: " << p << "\n";
  c.out << (v.ok() ? (table ? "OK: the kill table and every mutant's report are complete and "
                              "consistent\n"
                            : "OK: the report is complete and consistent\n")
                   : "FAILED: " + std::to_string(v.problems.size()) + " problem(s)\n");
  return v.ok() ? kExitCertified : kExitFailures;
}

}  // namespace hvsnap::tools
