// The fleet report of `hvsnap merge` (decisions 0043 and 0044): many certification
// bundles — one per target, or the shards of one long run (`certify --shard K/N`) — merged
// into one folder:
//   fleet.json       machines: schema "hvsnap-fleet"; the target × requirement matrix and the
//                    verdict of each target (CERTIFIED, NOT CERTIFIED, NOT SUPPORTED)
//   junit.xml        CI gates: one testsuite per target, one testcase per requirement plus
//                    the capability testcase (NOT SUPPORTED fails it), as in a bundle
//   report.html      people: the fleet's verdicts and the matrix, one self-contained page
//   summary.md       pull requests: the same in Markdown
//   MANIFEST.sha256  the SHA-256 of the four files above
//   targets/<label>/ each target's own bundle: a copy of its report, or — for the shards of
//                    one run — the merged run's bundle with the shards under shards/<K>/
// `hvsnap verify` checks the manifest, each target's bundle and each shard's, and that every
// verdict recorded in fleet.json and in a merged bundle is the one its members give.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "hvsnap/cim/result.h"
#include "hvsnap/conformance/run_result.h"
#include "hvsnap/reports/bundle.h"

namespace hvsnap::reports {

inline constexpr int kFleetSchemaVersion = 1;

// A bundle read back from its result.json.
struct LoadedRun {
  std::filesystem::path dir;
  conformance::RunResult result;
  RunInfo info;
};
// Reads a bundle (after verify_bundle found no problem); the error names the folder and what
// is wrong with it.
cim::Result<LoadedRun> load_bundle(const std::filesystem::path& dir);

// The shards 0..N-1 of one run (same target, seed and options) as the one run they split:
// requirement tallies, cases and distributions are summed (the class matrix runs in every
// shard, so its checks count once per shard), a requirement's verdict is the strongest of its
// shards' (FAIL > WARN > PASS > NOT_TESTED > NOT_APPLICABLE), combinations, failures (by
// token) and ambiguities are united, and the run's verdict is re-derived by
// conformance::apply_verdict. On the fake this gives the verdicts and the coverage of the
// unsharded run with the same seed (tools/test/shard_test.cpp).
cim::Result<LoadedRun> merge_shards(std::vector<LoadedRun> shards);

struct FleetEntry {
  std::string label;              // "01-sim", the folder under targets/
  LoadedRun run;                  // the target's run (merged when it came in shards)
  std::vector<LoadedRun> shards;  // the shards, in index order; empty for a one-piece run
};

struct Fleet {
  std::string tool_version;
  std::string git_commit;
  std::vector<FleetEntry> entries;  // in the order the bundles were given
};

// Reads the bundles and groups them: bundles that are shards of one run (same target, seed
// and options, result.json's options.shard) become one entry, and every shard 0..N-1 must be
// there exactly once; any other bundle is an entry of its own. Errors name the bundle.
cim::Result<Fleet> build_fleet(const std::vector<std::filesystem::path>& bundles,
                               std::string tool_version, std::string git_commit);

// The fleet's verdict: NOT CERTIFIED when any target is not certified, else NOT SUPPORTED
// when any target is, else CERTIFIED (an empty fleet is NOT CERTIFIED).
std::string fleet_verdict(const Fleet& f);

std::string render_fleet_json(const Fleet& f);
std::string render_fleet_junit(const Fleet& f);
std::string render_fleet_markdown(const Fleet& f);
std::string render_fleet_html(const Fleet& f);

// The files of a fleet folder, in the order MANIFEST.sha256 lists them.
const std::vector<std::string>& fleet_files();

// Writes the fleet into `dir` (which must not exist or be empty), through a temporary sibling
// folder renamed into place, like write_bundle.
cim::Status write_fleet(const std::filesystem::path& dir, const Fleet& f);

// Whether `dir` is a fleet folder (it has fleet.json).
bool is_fleet(const std::filesystem::path& dir);
Verification verify_fleet(const std::filesystem::path& dir);

}  // namespace hvsnap::reports
