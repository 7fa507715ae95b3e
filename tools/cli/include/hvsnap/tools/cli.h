// The `hvsnap` command: certify, replay, verify, targets. The program's main() only wires the
// process (streams, terminal, Ctrl-C) to run_cli, so that tests run the command in-process.
#pragma once

#include <atomic>
#include <chrono>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "hvsnap/cim/result.h"

namespace hvsnap::tools {

// Exit codes (README "Exit codes").
inline constexpr int kExitCertified = 0;     // certified / the command did what it was asked
inline constexpr int kExitFailures = 1;      // conformance failures (or a replay that fails)
inline constexpr int kExitUsage = 2;         // usage or configuration error
inline constexpr int kExitUnreachable = 3;   // the target could not be reached or read
inline constexpr int kExitNotSupported = 4;  // the target refused every collection snapshot
inline constexpr int kExitInterrupted = 130;
// `hvsnap verify --requirement`: the requirement was NOT_TESTED or NOT_APPLICABLE (ctest's
// SKIP_RETURN_CODE in hvsnap_add_certification, decision 0041; 77 as automake's tests use).
inline constexpr int kExitSkipped = 77;

struct Console {
  std::ostream& out;
  std::ostream& err;
  bool terminal = false;                         // stdout is a terminal: a live progress line
  const std::atomic<bool>* interrupt = nullptr;  // set by the process on Ctrl-C
  std::string program = "hvsnap";                // how this program was invoked, for hints
  // The hvsnap executable `certify --targets` starts once per target (decision 0044); empty:
  // this process's own (/proc/self/exe), which is right unless run_cli runs inside a test.
  std::string executable;
  // The process ends when run_cli returns (main() sets it; tests running the command
  // in-process leave it false). A certify run then leaves its target — a fake's pool of hosts,
  // a whole fixture's records — to the exit instead of taking it apart record by record
  // (decision 0129); it stays reachable from a global, so LeakSanitizer does not call it a leak.
  // Only for a Console whose process really ends after run_cli: each run keeps its target for
  // the life of the process.
  bool process_ends_after = false;
};

int run_cli(const std::vector<std::string>& args, Console& console);

// "90s", "10m", "1h30m", "2h", "1500ms", "1d"; a bare number is seconds. Zero means no budget.
cim::Result<std::chrono::milliseconds> parse_duration(std::string_view text);
// The shortest exact spelling parse_duration reads back ("1h30m", "90s", "0s").
std::string format_duration(std::chrono::milliseconds d);

// The default report folder name: "<UTC time>-<target slug>".
std::string default_run_folder(std::string_view target_uri,
                               std::chrono::system_clock::time_point t);

}  // namespace hvsnap::tools
