// `hvsnap verify DIR`: the manifest and the internal consistency of a report bundle.
#include <filesystem>
#include <ostream>

#include "commands.h"
#include "hvsnap/reports/bundle.h"

namespace hvsnap::tools {

int verify(const std::string& dir, Console& c) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    c.err << "hvsnap verify: " << dir << ": no such folder\n";
    return kExitUsage;
  }
  const auto v = reports::verify_bundle(dir);
  for (const auto& line : v.checked)
    c.out << "checked: " << line << "\n";
  for (const auto& p : v.problems)
    c.out << "PROBLEM: " << p << "\n";
  c.out << (v.ok() ? "OK: the report is complete and consistent\n"
                   : "FAILED: " + std::to_string(v.problems.size()) + " problem(s)\n");
  return v.ok() ? kExitCertified : kExitFailures;
}

}  // namespace hvsnap::tools
