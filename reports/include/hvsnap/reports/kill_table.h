// The kill table of `hvsnap mutants` (decision 0010): one row per broken provider of the catalogue —
// killed or survived, the requirement that killed it, the time to kill, the length of the
// shrunk counterexample — and the kill score. Written as a folder beside the mutants' own
// certification bundles (one sub-folder per mutant):
//   mutants.json     machines: schema "hvsnap-mutants"
//   junit.xml        CI gates: one testcase per mutant, a survivor is a <failure>
//   summary.md       people: the score, the distribution of times to kill, the table
//   MANIFEST.sha256  the SHA-256 of the three files above
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "hvsnap/cim/result.h"
#include "hvsnap/reports/bundle.h"

namespace hvsnap::reports {

struct KillRow {
  std::string name;       // "accepts-type-zero"
  std::string family;     // return-code, job, result, atomicity, sequence, parsing
  std::string breaks;     // the requirement the mutant is documented to break
  bool killed = false;    // its certification failed
  std::string killed_by;  // the requirement of the killing failure (its own one when named)
  std::string title;      // that failure's one-line description
  double seconds = 0;     // from the start of its run to that failure, shrinking included
  int steps = 0;          // the length of that failure's shrunk counterexample
  // The first failure of the run, when it is not the one above.
  std::string first_caught_by;
  double first_seconds = 0;
  std::string error;  // the run could not be made (not a kill, not a survival)
};

struct KillTable {
  std::string tool_version;
  std::string git_commit;
  std::string via;  // sim or wsman
  std::uint64_t seed = 0;
  std::vector<KillRow> rows;
};

// The score and the distribution of the killed rows' times to kill.
struct KillStats {
  int killed = 0, survived = 0, errors = 0, total = 0;
  double min = 0, p25 = 0, median = 0, p75 = 0, p90 = 0, max = 0;  // seconds
  bool all_killed() const { return total > 0 && killed == total; }
};
KillStats kill_stats(const KillTable& t);

std::string render_kill_json(const KillTable& t);
std::string render_kill_junit(const KillTable& t);
std::string render_kill_markdown(const KillTable& t);

// Writes mutants.json, junit.xml, summary.md and then MANIFEST.sha256 into `dir` (which exists
// and holds the mutants' bundles). Each file is written beside its place and renamed into it,
// the manifest last, so an interrupted write never leaves a table that looks complete.
cim::Status write_kill_table(const std::filesystem::path& dir, const KillTable& t);

// Whether `dir` is a kill-table folder (it has mutants.json).
bool is_kill_table(const std::filesystem::path& dir);
// Checks the manifest, mutants.json (schema, score against its rows) and every mutant's own
// bundle (verify_bundle), and that each row's verdict matches its bundle (killed ⇔ the bundle
// did not certify).
Verification verify_kill_table(const std::filesystem::path& dir);

}  // namespace hvsnap::reports
