// The report bundle of a certification run (decision 0007): pure writers from one RunResult plus
// the facts of the run (RunInfo), and the checks `hvsnap verify` makes of a written bundle.
//   result.json      machines: schema-versioned, everything the run found
//   junit.xml        CI gates: one testcase per requirement and per failure
//   report.html      people: one self-contained page (verdict, requirements, coverage matrix,
//                    distributions, failures with their replay commands)
//   summary.md       pull requests: the verdict and tables in Markdown
//   MANIFEST.sha256  the SHA-256 of each of the above
// Every writer is deterministic for a given RunResult and RunInfo; the only fields that vary
// between two runs with the same seed are the wall-time ones (RunInfo::started_utc,
// finished_utc, wall_seconds; FailureRecord::seconds_to_find) and the build's git commit.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "hvsnap/cim/result.h"
#include "hvsnap/conformance/run_result.h"

namespace hvsnap::reports {

// 2: the capability profile, the NOT SUPPORTED verdict and C-READY's power in combinations.
inline constexpr int kSchemaVersion = 2;

// What the run was, beyond what it found.
struct RunInfo {
  std::string tool_version;   // "0.1.0"
  std::string git_commit;     // "1a2b3c4d5e6f" or "unknown"; "+dirty" when built from changes
  std::string command;        // how to run it again ("hvsnap certify --target sim: --seed 7 …")
  std::string fixture;        // "" for the built-in host or a live target
  std::string personality;    // the fake's personality, "" for a live target
  std::string faults;         // the fake's fault plan name, "" for a live target
  std::string started_utc;    // "2026-11-24T10:00:00Z"            (wall time)
  std::string finished_utc;   //                                    (wall time)
  double wall_seconds = 0;    //                                    (wall time)
  double budget_seconds = 0;  // 0: none
  // The run's options as given (profile, coverage, cases per combination, sequences, …).
  int cases_per_combo = 1;
  int sequences = 0;
  int max_steps = 0;
  int parallel_rounds = 0;
  int liveness_cases = 0;
  bool settings_sweep = true;
  std::string replay_program = "hvsnap";  // how the replay command is spelled
  // `certify --shard K/N` (decision 0043): result.json records it when shard_count > 1, so
  // that `hvsnap merge` can put the shards of one run back together.
  int shard_index = 0;
  int shard_count = 1;
};

std::string render_json(const conformance::RunResult& r, const RunInfo& info);
std::string render_junit(const conformance::RunResult& r, const RunInfo& info);
std::string render_html(const conformance::RunResult& r, const RunInfo& info);
std::string render_markdown(const conformance::RunResult& r, const RunInfo& info);

// The command that runs an undecided item again where the wire lost it: `program replay TOKEN
// --target URI`, the run's own target, unless that was the in-process fake (replay's default
// for another target's token is the fake, which says nothing of a wire). Decision 0162.
std::string undecided_replay(std::string_view program, const conformance::RunResult& r,
                             const conformance::UndecidedItem& u);

// The files of a bundle, in the order MANIFEST.sha256 lists them.
const std::vector<std::string>& bundle_files();
inline constexpr const char* kManifest = "MANIFEST.sha256";
// Lower-case hex SHA-256 (the sha256sum format MANIFEST.sha256 uses).
std::string sha256_hex(std::string_view bytes);

// Writes the bundle into `dir`, which must not exist or be empty. The files are written to a
// sibling temporary folder first and renamed into place, so a crash or a full disk never
// leaves a folder that looks like a complete report.
cim::Status write_bundle(const std::filesystem::path& dir, const conformance::RunResult& r,
                         const RunInfo& info);

// Checks that `dir` can become a bundle (it does not exist or is empty, and its parent can be
// created and written) before a long run starts.
cim::Status check_output_dir(const std::filesystem::path& dir);

// What `hvsnap verify` found: every problem, in words (empty: the bundle is sound).
struct Verification {
  std::vector<std::string> problems;
  std::vector<std::string> checked;  // what was checked, for the report
  bool ok() const { return problems.empty(); }
};
// Checks the manifest (every listed file present with its hash, nothing missing) and the
// internal consistency of result.json (schema, counts, each requirement's verdict against its
// tallies, the overall verdict against the certification rules).
Verification verify_bundle(const std::filesystem::path& dir);

// The text with its wall-time fields (and the git commit) replaced by fixed placeholders,
// so that two runs with the same seed compare equal. `file` is one of bundle_files().
std::string normalize_for_comparison(std::string_view file, std::string_view text);

// Lower-case hex SHA-256 (OpenSSL).
std::string sha256_hex(std::string_view bytes);

}  // namespace hvsnap::reports
