// `hvsnap certify`: the product's main job. Resolves the target, runs the suite with progress,
// writes the report bundle atomically, prints the verdict and how to replay each failure.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <ostream>
#include <random>
#include <thread>

#include "commands.h"
#include "hvsnap/cim/cores.h"
#include "hvsnap/cim/text.h"
#include "hvsnap/conformance/estimate.h"
#include "hvsnap/conformance/runner.h"
#include "hvsnap/conformance/transcript.h"
#include "hvsnap/reports/bundle.h"
#include "hvsnap/tools/targets.h"
#include "hvsnap/tools/version.h"
#include "progress.h"

namespace hvsnap::tools {

namespace fs = std::filesystem;
using namespace conformance;

namespace {

std::string utc(std::chrono::system_clock::time_point t, const char* format) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

// When the process ends right after the command (Console::process_ends_after), a fake target is
// moved, on the way out, to a holder that is never destroyed: the exit returns its memory at
// once, where taking a large fixture's pool apart frees every record one by one (decision
// 0129: ~33 M instructions on the 100,000-snapshot host). The holder stays reachable from a
// global, so LeakSanitizer counts none of it as leaked.
// Its room is made when it is made, so that the move in the destructor cannot fail to allocate
// (one holder lives at a time, one per certify call, so the room is still there at its end).
class LeftToTheExit {
 public:
  explicit LeftToTheExit(TargetSpec* spec) : spec_(spec) {
    if (spec_ != nullptr) kept().reserve(kept().size() + 1);
  }
  LeftToTheExit(const LeftToTheExit&) = delete;
  LeftToTheExit& operator=(const LeftToTheExit&) = delete;
  ~LeftToTheExit() {
    if (spec_ != nullptr) kept().push_back(std::move(*spec_));
  }

 private:
  static std::vector<TargetSpec>& kept() {
    // Never destroyed, on purpose: made by placement new in static storage.
    alignas(std::vector<TargetSpec>) static unsigned char storage[sizeof(std::vector<TargetSpec>)];
    static auto* const kKept = ::new (static_cast<void*>(storage)) std::vector<TargetSpec>();
    return *kKept;
  }
  TargetSpec* spec_;
};

using cim::shell_quote;

std::uint64_t random_seed() {
  // Seeds stay below 2^32 so that every JSON reader keeps them exact.
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) & 0xFFFFFFFFu) | 1u;
}

// Cases at a time (decisions 0074, 0122, 0143, 0144), and a note when -j was lowered or applies
// to part of the run: every core by default where every case has a host of its own, at most a
// served fake's hosts; a live host's cases of their own objects and its sequences only when
// asked (-j N); one served fake runs them one at a time, and asking for more is an error.
cim::Result<std::pair<int, std::string>> cases_at_a_time(std::optional<int> asked,
                                                         const TargetSpec& spec) {
  if (asked && *asked > 1 && !spec.caps.concurrent_cases) {
    if (spec.caps.own_object_cases_overlap) {
      return std::pair{*asked,
                       fmt::format("-j {}: the cases of their own objects (probes, class matrix, "
                                   "settings sweep) and the sequences run {} at a time on this "
                                   "live host, each over a connection of its own; its concurrent "
                                   "rounds, which count the whole host's new collections, one at "
                                   "a time",
                                   *asked, *asked)};
    }
    return cim::invalid_parameter(fmt::format(
        "-j {}: {} runs its cases one at a time: this served fake is one host, reset before "
        "every case, so two cases at once would reset each other's host (serve it with --hosts "
        "N)",
        *asked, redact_uri(spec.uri)));
  }
  const int hosts = static_cast<int>(spec.max_concurrent_cases);
  int jobs = 1;
  if (asked) {
    jobs = *asked;
  } else if (spec.caps.concurrent_cases) {
    jobs = static_cast<int>(cim::usable_cores());
    if (hosts > 0) jobs = std::min(jobs, hosts);
  }
  if (hosts > 0 && jobs > hosts) {
    return std::pair{hosts, fmt::format("-j {} lowered to {}: the served fake has {} hosts, one "
                                        "per case at a time (serve more with hvsnap serve "
                                        "--hosts N)",
                                        jobs, hosts, hosts)};
  }
  return std::pair{jobs, std::string()};
}

}  // namespace

cim::Result<std::pair<int, int>> parse_shard(std::string_view text) {
  const auto slash = text.find('/');
  auto number = [](std::string_view t, int& out) {
    if (t.empty() || t.size() > 5 || t.find_first_not_of("0123456789") != std::string_view::npos)
      return false;
    out = std::stoi(std::string(t));
    return true;
  };
  int k = 0, n = 0;
  if (slash == std::string_view::npos || !number(text.substr(0, slash), k) ||
      !number(text.substr(slash + 1), n) || n < 1 || n > 10000 || k >= n) {
    return cim::invalid_parameter(fmt::format(
        "'{}' is not K/N with 0 <= K < N <= 10000 (shards count from 0: 0/4 … 3/4)", text));
  }
  return std::pair<int, int>{k, n};
}

std::string default_run_folder(std::string_view target_uri,
                               std::chrono::system_clock::time_point t) {
  std::string slug;
  for (char ch : target_uri) {
    const bool keep = std::isalnum(static_cast<unsigned char>(ch)) || ch == '+' || ch == '.';
    if (keep) {
      slug += ch;
    } else if (!slug.empty() && slug.back() != '-') {
      slug += '-';
    }
  }
  while (!slug.empty() && (slug.back() == '-' || slug.back() == '.'))
    slug.pop_back();
  if (slug.size() > 60) slug.resize(60);
  if (slug.empty()) slug = "target";
  return utc(t, "%Y%m%dT%H%M%SZ") + "-" + slug;
}

namespace {
// The folder named by --out, else a new one under reports/runs named after the run.
fs::path report_folder(const fs::path& named, const std::string& uri,
                       std::chrono::system_clock::time_point started) {
  if (!named.empty()) return named;
  const fs::path base = fs::path("reports") / "runs" / default_run_folder(uri, started);
  fs::path out = base;
  std::error_code ec;
  for (int n = 2; fs::exists(out, ec); ++n)
    out = base.string() + "-" + std::to_string(n);
  return out;
}
// A live host answers every request in tens of milliseconds and runs its jobs in real time:
// say up front what the chosen coverage will cost (decision 0070), and when that is longer than
// the budget, which would stop the run before its end (decision 0142).
void print_estimate(const conformance::RunOptions& ro, std::chrono::milliseconds budget,
                    std::ostream& out) {
  const conformance::RunEstimate e = conformance::estimate_requests(ro);
  out << "estimate: " << e.describe() << "\n";
  if (e.longer_than(budget)) {
    out << fmt::format(
        "note:     that is longer than --budget {0}: the run stops starting new work after {0} "
        "and cannot certify then (--budget 0: no limit{1})\n",
        format_duration(budget),
        ro.jobs > 1 ? ""
                    : "; -j N runs the cases of their own objects and the sequences N at a time");
  }
}

// How a run reaches a WS-Man host where it is not the default (Basic, the system's CAs),
// never the password: for the command that repeats the run, and for its tokens (replay). The
// fake takes none (a fleet passes them to its fakes too): nothing is recorded for it.
nlohmann::json connection_of(const CertifyOptions& o) {
  nlohmann::json c = nlohmann::json::object();
  if (conformance::on_the_fake(o.target)) return c;
  if (o.auth != "basic") c["auth"] = o.auth;
  if (o.insecure) c["insecure"] = true;
  if (!o.ca_file.empty()) {
    std::error_code ec;  // absolute: a replay may run in another folder
    const fs::path ca = fs::absolute(o.ca_file, ec);
    c["ca-file"] = ec ? o.ca_file : ca.string();
  }
  return c;
}
std::string connection_args(const CertifyOptions& o) {
  std::string args;
  if (conformance::on_the_fake(o.target)) return args;
  if (o.auth != "basic") args += " --auth " + o.auth;
  if (o.insecure) args += " --insecure";
  if (!o.ca_file.empty()) args += " --ca-file " + shell_quote(o.ca_file);
  if (!o.password_file.empty()) args += " --password-file " + shell_quote(o.password_file);
  return args;
}

// The run's lists, the first few of each: failures with their replay commands, the items the
// wire left undecided, and what a live host kept of the run's objects.
void say_lists(const conformance::RunResult& r, Console& c) {
  constexpr std::size_t kShown = 5;
  for (std::size_t i = 0; i < r.failures.size() && i < kShown; ++i) {
    const auto& f = r.failures[i];
    c.out << fmt::format("  {}. {} ({}): {}\n     replay: {} replay {}\n", i + 1, f.requirement,
                         f.property, f.title, shell_quote(c.program), f.token);
  }
  if (r.failures.size() > kShown) {
    c.out << fmt::format("  … and {} more in the report\n", r.failures.size() - kShown);
  }
  if (!r.warnings.empty()) {
    c.out << "  Warnings (a SHOULD broken, or a MUST met in a way the contract flags; they do not "
             "fail "
             "certification):\n";
    for (std::size_t i = 0; i < r.warnings.size() && i < kShown; ++i) {
      const auto& w = r.warnings[i];
      c.out << fmt::format("    {} ({}): {}\n      replay: {} replay {}\n", w.requirement,
                           w.property, w.title, shell_quote(c.program), w.token);
    }
    if (r.warnings.size() > kShown)
      c.out << fmt::format("    … and {} more in the report\n", r.warnings.size() - kShown);
  }
  if (!r.undecided.empty()) {
    c.out << "  Undecided (the wire lost answers they needed; decision 0162):\n";
    for (std::size_t i = 0; i < r.undecided.size() && i < kShown; ++i) {
      const auto& u = r.undecided[i];
      c.out << fmt::format("    {}: {}\n      run it again: {}\n", u.what, u.reason,
                           reports::undecided_replay(shell_quote(c.program), r, u));
    }
    if (r.undecided.size() > kShown)
      c.out << fmt::format("    … and {} more in the report\n", r.undecided.size() - kShown);
  }
  if (!r.cleanup_left.empty()) {
    c.out << fmt::format(
        "  Cleanup: {} of the objects the run made could not be removed from the host (their "
        "names start with the run's prefix); remove them by hand:\n",
        r.cleanup_left.size());
    for (std::size_t i = 0; i < r.cleanup_left.size() && i < kShown; ++i)
      c.out << "    " << r.cleanup_left[i] << "\n";
    if (r.cleanup_left.size() > kShown)
      c.out << fmt::format("    … and {} more\n", r.cleanup_left.size() - kShown);
  }
}
}  // namespace

int certify(const CertifyOptions& o, Console& c) {
  auto usage = [&](const std::string& msg) {
    c.err << "hvsnap certify: " << msg << "\n";
    return kExitUsage;
  };
  auto budget = parse_duration(o.budget);
  if (!budget.ok()) return usage("--budget: " + budget.status().message());
  std::pair<int, int> shard{0, 1};
  if (!o.shard.empty()) {
    auto sh = parse_shard(o.shard);
    if (!sh.ok()) return usage("--shard: " + sh.status().message());
    shard = *sh;
  }
  if (!o.targets_file.empty()) return certify_fleet(o, c);
  const bool fake = conformance::on_the_fake(o.target);
  if (!fake && (!o.personality.empty() || !o.faults.empty() || o.host_build)) {
    return usage("--personality, --faults and --host-build apply only to the fake (sim: targets)");
  }
  TargetOptions topts;
  topts.seed = o.seed.value_or(random_seed());
  if (!o.personality.empty()) {
    auto p = parse_personality(o.personality);
    if (!p.ok()) return usage("--personality: " + p.status().message());
    topts.personality = *p;
  }
  if (!o.faults.empty()) topts.faults = o.faults;
  topts.host_build = o.host_build;
  topts.auth = o.auth;
  topts.insecure = o.insecure;
  topts.ca_file = o.ca_file;
  topts.password_file = o.password_file;
  topts.record_dir = o.record_dir;
  // A host that breaks the transport (decision 0033) ends the run: no request outlives the
  // budget plus a grace (for the cleanup after the last case), and the first such failure
  // stops the run like Ctrl-C — the report is still written — and the exit code is 3.
  std::atomic<bool> stop{false};
  std::mutex fatal_mu;
  std::string fatal_message;
  if (budget->count() > 0) {
    // The grace: a tenth of the budget, 2 s to 60 s (decision 0033).
    const auto grace = std::clamp<std::chrono::milliseconds>(*budget / 10, std::chrono::seconds(2),
                                                             std::chrono::seconds(60));
    topts.deadline = std::chrono::steady_clock::now() + *budget + grace;
  }
  topts.on_fatal = [&](const cim::Status& st) {
    {
      // The first: each connection of a live host at -j N tells its own (decision 0143).
      std::lock_guard lock(fatal_mu);
      if (fatal_message.empty()) fatal_message = st.message();
    }
    stop = true;
  };
  // A report folder named on the command line is checked before the target is made: loading
  // a large fixture, or reaching a host, only to refuse the folder would waste the user's time.
  if (!o.out.empty()) {
    if (auto st = reports::check_output_dir(o.out); !st.ok())
      return usage("--out: " + st.message());
  }
  auto spec = make_target(o.target, topts);
  if (!spec.ok()) {
    c.err << "hvsnap certify: --target " << redact_uri(o.target) << ": " << spec.status().message()
          << "\n";
    return exit_code_for(spec.status());
  }
  // After `spec`: runs first on every way out. Fakes only (WS-Man targets close connections).
  const LeftToTheExit left_to_exit{c.process_ends_after && fake ? &*spec : nullptr};
  const std::string coverage =
      o.coverage != "auto" ? o.coverage : (spec->caps.fresh_hosts ? "exhaustive" : "pairwise");
  auto jobs_or = cases_at_a_time(o.jobs, *spec);
  if (!jobs_or.ok()) return usage(jobs_or.status().message());
  const int jobs = jobs_or->first;
  const std::string& jobs_note = jobs_or->second;

  // The report folder is checked before the run: a long run must not end unable to write.
  const auto started = std::chrono::system_clock::now();
  const fs::path out = report_folder(o.out, spec->uri, started);
  if (auto st = reports::check_output_dir(out); !st.ok()) return usage("--out: " + st.message());

  std::string command = fmt::format(
      "hvsnap certify --target {} --profile {} --coverage {} --seed {} --budget {}",
      shell_quote(spec->uri), o.profile, coverage, topts.seed, format_duration(*budget));
  if (!o.personality.empty()) command += " --personality " + shell_quote(o.personality);
  if (!o.faults.empty()) command += " --faults " + shell_quote(o.faults);
  if (o.host_build) command += fmt::format(" --host-build {}", *o.host_build);
  if (o.cases_per_combo != 1)
    command += fmt::format(" --cases-per-combination {}", o.cases_per_combo);
  if (o.sequences != 100) command += fmt::format(" --sequences {}", o.sequences);
  if (o.max_steps != 20) command += fmt::format(" --max-steps {}", o.max_steps);
  if (o.parallel_rounds != 10) command += fmt::format(" --parallel-rounds {}", o.parallel_rounds);
  if (o.stop_at_first_failure) command += " --stop-at-first-failure";
  if (o.stop_after_undecided != kStopAfterUndecided)
    command += fmt::format(" --stop-after-undecided {}", o.stop_after_undecided);
  command += connection_args(o);
  if (shard.second > 1) command += fmt::format(" --shard {}/{}", shard.first, shard.second);
  // A fake's report is the same at every -j; a live host was judged under the load of -j cases
  // at once (decision 0143).
  const bool live = spec->caps.own_object_cases_overlap && !spec->caps.concurrent_cases;
  if (jobs > 1 && live) command += fmt::format(" -j {}", jobs);
  if (jobs == 1 && live && o.no_cleanup_overlap) command += " --no-cleanup-overlap";

  c.out << fmt::format("hvsnap {} (commit {}): certification run\n", kVersion, kGitCommit);
  c.out << fmt::format("  target   {} — {}\n", spec->uri, spec->identity);
  c.out << fmt::format(
      "  run      profile {}, coverage {}, seed {}, budget {}, {} case{} at a time\n", o.profile,
      coverage, topts.seed, budget->count() ? format_duration(*budget) : "none", jobs,
      jobs == 1 ? "" : "s");
  if (shard.second > 1)
    c.out << fmt::format(
        "  shard    {}/{}: sequences and concurrent rounds with index ≡ {} (mod {}); merge the "
        "{} reports with hvsnap merge\n",
        shard.first, shard.second, shard.first, shard.second, shard.second);
  c.out << fmt::format("  report   {}\n", out.string());
  if (!jobs_note.empty()) c.out << "  note     " << jobs_note << "\n";
  if (jobs == 1 && live) {
    c.out << (o.no_cleanup_overlap
                  ? "  note     --no-cleanup-overlap: each case (and sequence) starts once the "
                    "one before it has cleaned up\n"
                  : "  note     each case's cleanup overlaps the next case's arrangement (and "
                    "each sequence's the next one's set-up); every call under test (and step) "
                    "runs with no other on the host (--no-cleanup-overlap: strictly one at a "
                    "time)\n");
  }
  for (const auto& w : spec->warnings)
    c.out << "  WARNING  " << w << "\n";
  c.out << std::flush;

  RunOptions ro;
  ro.seed = topts.seed;
  ro.profile = *parse_profile(o.profile);
  ro.coverage = *parse_coverage(coverage);
  ro.cases_per_combo = o.cases_per_combo;
  ro.sequences = o.sequences;
  ro.max_steps = o.max_steps;
  ro.parallel_rounds = o.parallel_rounds;
  ro.budget = *budget;
  ro.stop_at_first_failure = o.stop_at_first_failure;
  ro.stop_after_undecided = o.stop_after_undecided;
  ro.jobs = jobs;
  ro.cleanup_overlap = !o.no_cleanup_overlap;
  ro.shard_index = shard.first;
  ro.shard_count = shard.second;
  ro.cancel = &stop;
  // Ctrl-C stops the run too (the runner watches one flag).
  std::jthread mirror([&](std::stop_token done) {
    while (!done.stop_requested()) {
      if (c.interrupt != nullptr && c.interrupt->load()) stop = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  if (!o.record_dir.empty())
    ro.run.record = conformance::directory_sink(fs::path(o.record_dir) / "judged", spec->identity);
  ro.target_spec = {
      {"uri", spec->uri},
      {"personality", o.personality.empty() ? nlohmann::json() : nlohmann::json(o.personality)},
      {"faults", topts.faults}};
  if (o.host_build) ro.target_spec["host-build"] = *o.host_build;
  // How the run reached its host, for replay (never the password; decision 0162).
  if (nlohmann::json conn = connection_of(o); !conn.empty()) ro.target_spec["connection"] = conn;
  if (!spec->caps.control && !o.quiet) print_estimate(ro, *budget, c.out);

  ProgressView view(c.out, c.terminal, *budget);
  if (!o.quiet) ro.progress = [&](const Progress& p) { view.update(p); };
  const auto t0 = std::chrono::steady_clock::now();
  RunResult r = run_suite(spec->factory, {spec->uri, spec->identity, spec->caps}, ro);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  mirror.request_stop();
  mirror.join();
  view.finish();

  reports::RunInfo info;
  info.tool_version = kVersion;
  info.git_commit = kGitCommit;
  info.command = command;
  info.fixture = spec->fixture;
  info.personality = spec->personality;
  info.faults = fake ? topts.faults : "";
  info.started_utc = utc(started, "%Y-%m-%dT%H:%M:%SZ");
  info.finished_utc = utc(std::chrono::system_clock::now(), "%Y-%m-%dT%H:%M:%SZ");
  info.wall_seconds = wall;
  info.budget_seconds = static_cast<double>(budget->count()) / 1000.0;
  info.cases_per_combo = o.cases_per_combo;
  info.sequences = o.sequences;
  info.max_steps = o.max_steps;
  info.parallel_rounds = o.parallel_rounds;
  info.liveness_cases = ro.liveness_cases;
  info.settings_sweep = ro.settings_sweep;
  info.shard_index = shard.first;
  info.shard_count = shard.second;
  if (auto st = reports::write_bundle(out, r, info); !st.ok()) {
    c.err << "hvsnap certify: could not write the report: " << st.message() << "\n";
    return kExitUsage;
  }

  c.out << fmt::format(
      "\n{} — {} requirements, {} combinations, {} cases, {} sequences, {} failure{}{} ({:.1f} "
      "s)\n",
      r.verdict, r.requirements.size(), r.counts.combos, r.counts.cases, r.counts.sequences,
      r.failures.size(), r.failures.size() == 1 ? "" : "s",
      r.warnings.empty()
          ? std::string()
          : fmt::format(", {} warning{}", r.warnings.size(), r.warnings.size() == 1 ? "" : "s"),
      wall);
  for (const auto& why : r.verdict_reasons)
    c.out << "  - " << why << "\n";
  if (r.not_supported || std::any_of(r.capability.begin(), r.capability.end(),
                                     [](const auto& x) { return x.refused > 0; })) {
    c.out << "  Capability profile (contract §4.1): calls of a ready group with valid parameters\n";
    for (const auto& x : r.capability) {
      c.out << fmt::format(
          "    {:<22} {} snapshotted, {} refused{}, {} failed otherwise\n", x.configuration,
          x.snapshotted, x.refused,
          x.answers.empty() ? "" : fmt::format(" ({})", fmt::join(x.answers, ", ")), x.failed);
    }
  }
  say_lists(r, c);
  c.out << fmt::format(
      "\nReport: {}\n  (result.json, junit.xml, summary.md, MANIFEST.sha256 beside it; "
      "check it with: {} verify {})\nRepeat this run: {}{}\n",
      (out / "report.html").string(), shell_quote(c.program), shell_quote(out.string()),
      shell_quote(c.program), command.substr(std::string_view("hvsnap").size()));
  {
    std::lock_guard lock(fatal_mu);
    if (!fatal_message.empty()) {
      c.err << "hvsnap certify: the run was stopped because the target broke the transport: "
            << fatal_message << "\n(the report above holds what was done until then)\n";
      return kExitUnreachable;
    }
  }
  if (!r.stopped_answering.empty()) {
    c.err << "hvsnap certify: the run was stopped because the host stopped answering: "
          << r.stopped_answering
          << "\n(the report above holds what was done until then; --stop-after-undecided 0 tries "
             "every item)\n";
  }
  if (r.interrupted) return kExitInterrupted;  // the user's own stop first
  if (!r.stopped_answering.empty()) return kExitUnreachable;
  if (r.not_supported) return kExitNotSupported;
  return r.certified ? kExitCertified : kExitFailures;
}

}  // namespace hvsnap::tools
