// Fleets (decision 0044): `hvsnap certify --targets FILE -j N` certifies each target
// of FILE in its own hvsnap process (RapidCheck's implicit parameters are process-global, and a
// crash of one target's run must not take the others down), one report each under --out;
// `hvsnap merge BUNDLE… --out DIR` writes the fleet report (reports/fleet.h).
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <random>
#include <thread>

#include "commands.h"
#include "hvsnap/cim/cores.h"
#include "hvsnap/reports/fleet.h"
#include "hvsnap/tools/version.h"

extern char** environ;

namespace hvsnap::tools {

namespace fs = std::filesystem;

namespace {

struct FleetTarget {
  int line = 0;
  std::string uri;
  std::string label;  // "03-sim-fixtures-hosts-minimal.yaml"
};

std::string slug(std::string_view uri) {
  std::string s;
  for (char ch : uri) {
    if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '+' || ch == '.') {
      s += ch;
    } else if (!s.empty() && s.back() != '-') {
      s += '-';
    }
  }
  while (!s.empty() && (s.back() == '-' || s.back() == '.'))
    s.pop_back();
  if (s.size() > 48) s.resize(48);
  return s.empty() ? "target" : s;
}

// FILE: one URI a line; blank lines and '#' comments (whole-line or trailing) ignored.
cim::Result<std::vector<FleetTarget>> read_targets(const std::string& file) {
  std::ifstream in(file);
  if (!in) return cim::invalid_parameter(fmt::format("{}: cannot be read", file));
  std::vector<FleetTarget> out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    const auto a = line.find_first_not_of(" \t\r");
    if (a == std::string::npos) continue;
    const auto b = line.find_last_not_of(" \t\r");
    std::string uri = line.substr(a, b - a + 1);
    if (uri.find_first_of(" \t") != std::string::npos) {
      return cim::invalid_parameter(
          fmt::format("{}:{}: one target URI a line, got '{}'", file, n, uri));
    }
    const bool known = conformance::on_the_fake(uri) || uri.rfind("wsman+http://", 0) == 0 ||
                       uri.rfind("wsman+https://", 0) == 0;
    if (!known) {
      return cim::invalid_parameter(fmt::format(
          "{}:{}: '{}' is not a target URI (sim:…, sim+mutant:…, wsman+http(s)://…; 'hvsnap "
          "targets' lists them)",
          file, n, uri));
    }
    FleetTarget t;
    t.line = n;
    t.uri = std::move(uri);
    out.push_back(std::move(t));
  }
  if (out.empty()) return cim::invalid_parameter(fmt::format("{}: names no target", file));
  const int width = out.size() >= 100 ? 3 : 2;
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i].label = fmt::format("{:0{}}-{}", i + 1, width, slug(out[i].uri));
  return out;
}

std::string self_executable(const Console& c) {
  if (!c.executable.empty()) return c.executable;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : self.string();
}

std::string verdict_of_exit(int code) {
  switch (code) {
    case kExitCertified:
      return "CERTIFIED";
    case kExitFailures:
      return "NOT CERTIFIED";
    case kExitNotSupported:
      return "NOT SUPPORTED";
    case kExitUnreachable:
      return "UNREACHABLE";
    case kExitUsage:
      return "ERROR (see its log)";
    case kExitInterrupted:
      return "INTERRUPTED";
    default:
      return fmt::format("CRASHED (status {}; see its log)", code);
  }
}

// The fleet's exit code from its members': the worst first (decision 0044).
int fleet_exit(const std::vector<int>& codes, bool interrupted) {
  if (interrupted) return kExitInterrupted;
  for (int want : {kExitFailures, kExitUnreachable, kExitUsage}) {
    if (std::count(codes.begin(), codes.end(), want)) return want;
  }
  for (int code : codes) {
    if (code != kExitCertified && code != kExitNotSupported) return kExitUsage;  // crashed
  }
  if (std::count(codes.begin(), codes.end(), kExitNotSupported)) return kExitNotSupported;
  return kExitCertified;
}

}  // namespace

int certify_fleet(const CertifyOptions& o, Console& c) {
  auto usage = [&](const std::string& msg) {
    c.err << "hvsnap certify: " << msg << "\n";
    return kExitUsage;
  };
  auto targets = read_targets(o.targets_file);
  if (!targets.ok()) return usage("--targets " + targets.status().message());
  if (auto d = parse_duration(o.budget); !d.ok()) return usage("--budget: " + d.status().message());
  const std::string exe = self_executable(c);
  if (exe.empty()) return usage("cannot find the hvsnap executable to run each target");
  fs::path out = o.out;
  if (out.empty())
    out = fs::path("reports") / "runs" /
          default_run_folder("fleet", std::chrono::system_clock::now());
  if (auto st = reports::check_output_dir(out); !st.ok()) return usage("--out: " + st.message());
  std::error_code ec;
  fs::create_directories(out / "logs", ec);
  if (ec) return usage(fmt::format("--out: {}: {}", out.string(), ec.message()));
  // One seed for the whole fleet, so that one command reproduces every fake target's run.
  std::uint64_t seed = 0;
  if (o.seed) {
    seed = *o.seed;
  } else {
    std::random_device rd;
    seed = (static_cast<std::uint64_t>(rd()) & 0xFFFFFFFFu) | 1u;
  }

  std::vector<std::string> common{"--profile",
                                  o.profile,
                                  "--coverage",
                                  o.coverage,
                                  "--seed",
                                  std::to_string(seed),
                                  "--budget",
                                  o.budget,
                                  "--cases-per-combination",
                                  std::to_string(o.cases_per_combo),
                                  "--sequences",
                                  std::to_string(o.sequences),
                                  "--max-steps",
                                  std::to_string(o.max_steps),
                                  "--parallel-rounds",
                                  std::to_string(o.parallel_rounds),
                                  "--quiet"};
  if (!o.personality.empty()) common.insert(common.end(), {"--personality", o.personality});
  if (!o.faults.empty()) common.insert(common.end(), {"--faults", o.faults});
  if (o.stop_at_first_failure) common.push_back("--stop-at-first-failure");
  if (o.stop_after_undecided != kStopAfterUndecided)
    common.insert(common.end(), {"--stop-after-undecided", std::to_string(o.stop_after_undecided)});
  if (o.no_cleanup_overlap) common.push_back("--no-cleanup-overlap");
  if (!o.shard.empty()) common.insert(common.end(), {"--shard", o.shard});
  if (o.auth != "basic") common.insert(common.end(), {"--auth", o.auth});
  if (o.insecure) common.push_back("--insecure");
  if (!o.ca_file.empty()) common.insert(common.end(), {"--ca-file", o.ca_file});
  if (!o.password_file.empty()) common.insert(common.end(), {"--password-file", o.password_file});
  // Targets at once; each target's run takes every core by default (decision 0074), so when
  // the fleet alone fills the cores each of its runs takes one case at a time.
  const int fleet_jobs = o.jobs.value_or(1);
  if (fleet_jobs >= static_cast<int>(cim::usable_cores()))
    common.insert(common.end(), {"--jobs", "1"});

  c.out << fmt::format("hvsnap {} (commit {}): fleet certification\n", kVersion, kGitCommit);
  c.out << fmt::format("  targets  {} from {}, {} at a time (one process each)\n", targets->size(),
                       o.targets_file, fleet_jobs);
  c.out << fmt::format("  run      profile {}, coverage {}, seed {}, budget {} per target\n",
                       o.profile, o.coverage, seed, o.budget);
  c.out << fmt::format("  reports  {}/<target>/ (logs in {}/logs/)\n", out.string(), out.string())
        << std::flush;

  std::map<pid_t, std::size_t> running;
  std::vector<int> codes(targets->size(), -1);
  std::size_t next = 0, finished = 0;
  bool interrupted = false;
  auto start = [&](std::size_t i) -> bool {
    const FleetTarget& t = (*targets)[i];
    std::vector<std::string> args{exe,   "certify", "--target",
                                  t.uri, "--out",   (out / t.label).string()};
    args.insert(args.end(), common.begin(), common.end());
    if (!o.record_dir.empty())
      args.insert(args.end(), {"--record", (fs::path(o.record_dir) / t.label).string()});
    const std::string log = (out / "logs" / (t.label + ".log")).string();
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, exe.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
      c.err << fmt::format("hvsnap certify: cannot start {}: {}\n", exe, std::strerror(rc));
      codes[i] = kExitUsage;
      return false;
    }
    running[pid] = i;
    return true;
  };
  while (finished < targets->size()) {
    if (!interrupted && c.interrupt != nullptr && c.interrupt->load()) {
      interrupted = true;
      for (const auto& [pid, i] : running)
        ::kill(pid, SIGINT);  // each run writes a report marked interrupted
    }
    while (!interrupted && running.size() < static_cast<std::size_t>(fleet_jobs) &&
           next < targets->size()) {
      if (!start(next)) ++finished;
      ++next;
    }
    if (running.empty()) {
      // Interrupted before these started: they never ran.
      for (; next < targets->size(); ++next, ++finished)
        codes[next] = kExitInterrupted;
      break;
    }
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    auto it = running.find(pid);
    if (it == running.end()) continue;
    const std::size_t i = it->second;
    running.erase(it);
    ++finished;
    codes[i] = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    const FleetTarget& t = (*targets)[i];
    c.out << fmt::format("[{}/{}] {} → {}  {}\n", finished, targets->size(), t.uri,
                         verdict_of_exit(codes[i]), (out / t.label).string())
          << std::flush;
  }

  std::vector<std::string> written;
  for (std::size_t i = 0; i < targets->size(); ++i) {
    if (fs::exists(out / (*targets)[i].label / "result.json", ec))
      written.push_back((out / (*targets)[i].label).string());
  }
  std::map<std::string, int> tally;
  for (int code : codes)
    ++tally[verdict_of_exit(code)];
  c.out << "\nFleet:";
  for (const auto& [verdict, n] : tally)
    c.out << fmt::format(" {} {};", n, verdict);
  c.out << fmt::format("\n{} report{} under {}. The fleet report: {} merge {} --out {}\n",
                       written.size(), written.size() == 1 ? "" : "s", out.string(), c.program,
                       out.string(), (out.string() + "-fleet"));
  return fleet_exit(codes, interrupted);
}

int merge(const MergeOptions& o, Console& c) {
  auto usage = [&](const std::string& msg) {
    c.err << "hvsnap merge: " << msg << "\n";
    return kExitUsage;
  };
  // A folder that is not a report but holds reports (certify --targets' --out, or a volume
  // the shards of an Indexed Job wrote to) stands for the reports in it, in name order.
  std::vector<fs::path> bundles;
  for (const auto& b : o.bundles) {
    std::error_code ec;
    if (!fs::is_directory(b, ec)) return usage(b + ": no such folder");
    if (reports::is_fleet(b))
      return usage(b + ": is a fleet report; merge the reports it was made of (its targets/*)");
    if (fs::exists(fs::path(b) / "result.json", ec)) {
      bundles.emplace_back(b);
      continue;
    }
    std::vector<fs::path> inner;
    for (const auto& e : fs::directory_iterator(b, ec))
      if (e.is_directory() && fs::exists(e.path() / "result.json")) inner.push_back(e.path());
    if (inner.empty())
      return usage(b + ": holds no hvsnap report (no result.json in it or in its folders)");
    std::sort(inner.begin(), inner.end());
    bundles.insert(bundles.end(), inner.begin(), inner.end());
  }
  auto fleet = reports::build_fleet(bundles, kVersion, kGitCommit);
  if (!fleet.ok()) return usage(fleet.status().message());
  if (auto st = reports::write_fleet(o.out, *fleet); !st.ok())
    return usage("--out: " + st.message());
  const std::string verdict = reports::fleet_verdict(*fleet);
  c.out << fmt::format("{} — {} target{} from {} report{}\n", verdict, fleet->entries.size(),
                       fleet->entries.size() == 1 ? "" : "s", bundles.size(),
                       bundles.size() == 1 ? "" : "s");
  std::vector<int> codes;
  for (const auto& e : fleet->entries) {
    const auto& r = e.run.result;
    c.out << fmt::format(
        "  {:<28} {:<14} {}{}\n", e.label, r.verdict, r.target_uri,
        e.shards.empty() ? "" : fmt::format(" ({} shards merged)", e.shards.size()));
    codes.push_back(r.certified       ? kExitCertified
                    : r.not_supported ? kExitNotSupported
                                      : kExitFailures);
  }
  c.out << fmt::format("Fleet report: {} (check it with: {} verify {})\n",
                       (fs::path(o.out) / "report.html").string(), c.program, o.out);
  return fleet_exit(codes, false);
}

}  // namespace hvsnap::tools
