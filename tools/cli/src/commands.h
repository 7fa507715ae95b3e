// The subcommands behind run_cli (each returns the process exit code).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hvsnap/conformance/runner.h"
#include "hvsnap/tools/cli.h"

namespace hvsnap::tools {

// certify's default --stop-after-undecided (decision 0163).
inline constexpr int kStopAfterUndecided = 5;

struct CertifyOptions {
  std::string target = "sim:";
  std::string profile = "full";
  std::string coverage = "auto";  // auto: exhaustive on the fake, pairwise on a live host
  std::optional<std::uint64_t> seed;
  std::string budget = "1h";
  std::string out;  // "" = reports/runs/<UTC time>-<target>
  std::string personality;
  std::string faults;
  std::optional<std::uint32_t> host_build;
  // The run's sizes default to the suite's own (conformance::RunOptions: one place).
  int cases_per_combo = conformance::RunOptions{}.cases_per_combo;
  int sequences = conformance::RunOptions{}.sequences;
  int max_steps = conformance::RunOptions{}.max_steps;
  int parallel_rounds = conformance::RunOptions{}.parallel_rounds;
  bool stop_at_first_failure = false;
  // The host stopped answering (decision 0163): this many items in a row undecided end the
  // run with exit 3; 0: never.
  int stop_after_undecided = kStopAfterUndecided;
  // A live host at -j 1: strictly one case and one sequence at a time (decisions 0153, 0154).
  bool no_cleanup_overlap = false;
  bool quiet = false;
  // WS-Man targets
  std::string auth = "basic";
  bool insecure = false;
  std::string ca_file;
  std::string password_file;
  std::string record_dir;
  // Sharding and fleets (decisions 0043, 0044).
  std::string shard;         // "K/N": only sequences and concurrent rounds ≡ K (mod N)
  std::string targets_file;  // one target URI per line: certify each (fleet)
  // One target: cases at a time (decision 0074; default: every core where the target allows
  // it, else 1). Fleet: targets certified at once, one process each (default 1).
  std::optional<int> jobs;
};

// "K/N" with 0 <= K < N <= 10000.
cim::Result<std::pair<int, int>> parse_shard(std::string_view text);
// The certify arguments that repeat a run's options for one target of a fleet.
int certify_fleet(const CertifyOptions& o, Console& console);

struct MergeOptions {
  std::vector<std::string> bundles;
  std::string out;
};
int merge(const MergeOptions& o, Console& console);

struct VerifyOptions {
  std::string dir;
  std::string requirement;  // --requirement ID: that requirement's verdict decides the exit
  bool verdict = false;     // --verdict: the run's (or fleet's) verdict decides the exit
};

struct ServeOptions {
  std::string fixture;
  std::string target;
  std::string listen = "127.0.0.1:5985";
  std::string personality;
  std::string faults;
  std::optional<std::uint32_t> host_build;
  std::uint64_t seed = 1;
  std::string tls_cert;
  std::string tls_key;
  std::string credentials_file;
  bool no_control = false;
  std::string clock = "wall";          // wall or calls (decision 0031)
  std::optional<std::uint32_t> hosts;  // host slots (decision 0122); default: the cores
};
int certify(const CertifyOptions& o, Console& console);
int serve(const ServeOptions& o, Console& console);
struct MutantsOptions {
  std::string via = "sim";
  std::uint64_t seed = 20261124;
  std::string out;
  std::vector<std::string> only;  // names; empty: the whole catalogue
  std::string layer;              // "provider" or "wire": only that layer's mutants; empty: both
};
int mutants_score(const MutantsOptions& o, Console& console);
struct ReplayOptions {
  std::string token;
  std::string target;  // instead of the token's (a fake's by default: the token's run's if fake)
  // Over WS-Man, as for certify: when not given, the token's (its run's --auth, --insecure,
  // --ca-file), else Basic and the system's CAs. The password as for certify.
  std::string auth;
  bool insecure = false;
  std::string ca_file;
  std::string password_file;
};
int replay(const ReplayOptions& o, Console& console);
int verify(const VerifyOptions& o, Console& console);
int judge(const std::vector<std::string>& paths, Console& console);
int list_targets(Console& console);

// The process exit code for a status that stopped a command before it ran.
int exit_code_for(const cim::Status& st);

}  // namespace hvsnap::tools
