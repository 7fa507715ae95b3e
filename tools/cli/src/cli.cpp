// Command-line parsing (CLI11) for `hvsnap`; the work is in the subcommands' files.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <limits>
#include <ostream>
#include <string_view>

#include "commands.h"
#include "hvsnap/tools/version.h"

namespace hvsnap::tools {

int exit_code_for(const cim::Status& st) {
  switch (st.kind()) {
    case cim::StatusKind::kUnavailable:
    case cim::StatusKind::kTimeout:
    case cim::StatusKind::kBadAnswer:
    case cim::StatusKind::kNotSent:
    case cim::StatusKind::kAccessDenied:
      return kExitUnreachable;
    default:
      return kExitUsage;
  }
}

namespace {

CLI::App* add_replay(CLI::App& app, ReplayOptions& o) {
  auto* rep = app.add_subcommand(
      "replay",
      "Re-run one failing (or undecided) case, sequence or concurrent round from its "
      "token and show every call");
  rep->add_option("token", o.token, "the token a report prints (hvsnap1.…)")->required();
  rep->add_option("--target", o.target,
                  "replay on this target instead of the fake (a token of a run on the fake: on "
                  "that fake)");
  rep->add_option("--auth", o.auth,
                  "WS-Man authentication: basic, ntlm or negotiate (default: the token's run's)")
      ->check(CLI::IsMember({"basic", "ntlm", "negotiate"}));
  rep->add_flag("--insecure", o.insecure,
                "WS-Man over HTTPS: do NOT verify the host's certificate (also when the token's "
                "run did not)");
  rep->add_option("--ca-file", o.ca_file,
                  "WS-Man over HTTPS: a PEM file of trusted CAs (default: the token's run's)");
  rep->add_option("--password-file", o.password_file,
                  "WS-Man: a file whose first line is the password (HVSNAP_PASSWORD wins; "
                  "HVSNAP_PASSWORD_FILE also works)");
  return rep;
}

// Numbers on the command line: plain decimal digits only, within the option's type. CLI11
// alone reads "-1" or "18446744073709551616" into a uint64 by wrapping or saturating, and
// "0x10" or "010" as hex or octal; the first ones are usage errors, and "010" is ten.
CLI::Validator decimal(std::uint64_t max) {
  return CLI::Validator(
      [max](std::string& text) -> std::string {
        if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
          return fmt::format("'{}' is not a whole number from 0 to {}", text, max);
        }
        text.erase(0, std::min(text.find_first_not_of('0'), text.size() - 1));
        // Compared as text, so that no number is too long to check.
        const std::string limit = std::to_string(max);
        if (text.size() > limit.size() || (text.size() == limit.size() && text > limit)) {
          return fmt::format("{} is out of range (0 to {})", text, max);
        }
        return std::string();
      },
      fmt::format("INT in [0 - {}]", max), "decimal");
}

const std::uint64_t kU64 = std::numeric_limits<std::uint64_t>::max();

}  // namespace

int run_cli(const std::vector<std::string>& args, Console& console) {
  CLI::App app{
      "hvsnap: a simulator and conformance kit for Msvm_CollectionSnapshotService.CreateSnapshot",
      "hvsnap"};
  app.set_version_flag("--version",
                       std::string("hvsnap ") + kVersion + " (commit " + kGitCommit + ")");
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 certified (or done), 1 conformance failures, 2 usage or configuration error, "
      "3 target unreachable, 4 NOT SUPPORTED (the target refused every collection snapshot), "
      "130 interrupted; verify --requirement: 77 not tested or not applicable.\nRun 'hvsnap "
      "COMMAND --help' for a command's options.");

  CertifyOptions co;
  auto* cert = app.add_subcommand(
      "certify", "Run the conformance suite against a target and write its report");
  auto* cert_target =
      cert->add_option(
              "--target", co.target,
              "sim:, sim:FIXTURE.yaml, sim+mutant:NAME[:FIXTURE.yaml], "
              "wsman+http://[USER@]HOST:5985/wsman or wsman+https://[USER@]HOST:5986/wsman")
          ->capture_default_str();
  cert->add_option("--profile", co.profile,
                   "core (the class matrix) or full (also sequences, concurrency; the only one "
                   "that certifies)")
      ->check(CLI::IsMember({"core", "full"}))
      ->capture_default_str();
  cert->add_option("--coverage", co.coverage,
                   "exhaustive (all 2,040 class combinations), pairwise, or auto (exhaustive on "
                   "the fake, pairwise on a live host)")
      ->check(CLI::IsMember({"auto", "exhaustive", "pairwise"}))
      ->capture_default_str();
  cert->add_option("--seed", co.seed,
                   "the run's seed; one seed reproduces the whole run on the fake (default: "
                   "random, printed)")
      ->check(decimal(kU64));
  cert->add_option("--budget", co.budget,
                   "stop starting new work after this long: 90s, 10m, 1h30m; 0 = no limit")
      ->capture_default_str();
  cert->add_option(
      "--out", co.out,
      "the report folder (default reports/runs/<UTC time>-<target>); must not exist or be empty");
  cert->add_option("--personality", co.personality,
                   "the fake's personality, e.g. codes=dmtf,completion=mixed ('hvsnap targets' "
                   "lists every key and its values)");
  cert->add_option("--faults", co.faults, "the fake's fault plan ('hvsnap targets' lists them)");
  cert->add_option("--host-build", co.host_build,
                   "the Windows build the fake reports, which selects the classes and members "
                   "it serves (default: the fixture's, else 26100)");
  cert->add_option("--cases-per-combination", co.cases_per_combo,
                   "random cases per class combination")
      ->check(decimal(1000))
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cert->add_option("--sequences", co.sequences, "stateful call sequences (full profile)")
      ->check(decimal(1000000))
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str();
  cert->add_option("--max-steps", co.max_steps, "the longest sequence")
      ->check(decimal(50))
      ->check(CLI::Range(1, 50))
      ->capture_default_str();
  cert->add_option("--parallel-rounds", co.parallel_rounds,
                   "rounds of concurrent CreateSnapshot calls (full profile)")
      ->check(decimal(100000))
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  cert->add_flag("--stop-at-first-failure", co.stop_at_first_failure,
                 "stop starting new work once anything failed");
  cert->add_option("--stop-after-undecided", co.stop_after_undecided,
                   "end the run (exit 3: the host stopped answering) once this many items in a "
                   "row were undecided, the wire having lost answers they needed even asked "
                   "again; 0 = try every item")
      ->check(decimal(1000000))
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str();
  cert->add_flag("--no-cleanup-overlap", co.no_cleanup_overlap,
                 "a live host at -j 1: start each case (and sequence) only once the one before "
                 "it has cleaned up (by default its cleanup overlaps the next one's arrangement; "
                 "each call under test and each step runs alone either way)");
  cert->add_flag("-q,--quiet", co.quiet, "no progress output");
  cert->add_option("--auth", co.auth, "WS-Man authentication: basic, ntlm or negotiate")
      ->check(CLI::IsMember({"basic", "ntlm", "negotiate"}))
      ->capture_default_str();
  cert->add_flag("--insecure", co.insecure,
                 "WS-Man over HTTPS: do NOT verify the host's certificate (said so in the output)");
  cert->add_option("--ca-file", co.ca_file, "WS-Man over HTTPS: a PEM file of trusted CAs");
  cert->add_option("--password-file", co.password_file,
                   "WS-Man: a file whose first line is the password (HVSNAP_PASSWORD wins; "
                   "HVSNAP_PASSWORD_FILE also works)");
  cert->add_option("--record", co.record_dir,
                   "save every judged CreateSnapshot call as a transcript under DIR/judged/ "
                   "(hvsnap judge re-judges them) and, over WS-Man, every request/response pair "
                   "(no credentials) in DIR");
  cert->add_option("--shard", co.shard,
                   "K/N: run only the sequences and concurrent rounds whose index is K mod N "
                   "(0 <= K < N); the class matrix runs in every shard; 'hvsnap merge' puts the "
                   "N reports together");
  cert->add_option("--targets", co.targets_file,
                   "FILE: certify every target URI in FILE (one a line, # comments), each into "
                   "its own report under --out; excludes --target")
      ->excludes(cert_target);
  cert->add_option("-j,--jobs", co.jobs,
                   "cases at a time (default: every core on the in-process fake, min(cores, N) on "
                   "a served fake of N hosts, 1 on any other target; a fake's report is the "
                   "same for every N); on a live host, the cases of their own objects and the "
                   "sequences N at a time, each over a connection of its own, its concurrent "
                   "rounds one at a time; with --targets: how many targets at once (default 1)")
      ->check(CLI::Range(1, 256));

  ServeOptions so;
  auto* srv = app.add_subcommand(
      "serve", "Serve the fake over WS-Management (any WinRM client can reach it)");
  srv->add_option("--fixture", so.fixture, "the host to serve (default: the built-in host)");
  srv->add_option("--target", so.target,
                  "a fake target URI instead of --fixture (sim:…, sim+mutant:NAME[:FIXTURE])");
  srv->add_option("--listen", so.listen,
                  "HOST:PORT; 0 picks a free port; non-loopback needs TLS and credentials")
      ->capture_default_str();
  srv->add_option("--personality", so.personality, "the fake's personality (as for certify)");
  srv->add_option("--host-build", so.host_build,
                  "the Windows build the fake reports (as for certify)");
  srv->add_option("--faults", so.faults, "the fake's fault plan ('hvsnap targets' lists them)");
  srv->add_option("--seed", so.seed, "the host's seed (a remote certify resets it per case)")
      ->check(decimal(kU64))
      ->capture_default_str();
  srv->add_option("--tls-cert", so.tls_cert, "serve HTTPS with this PEM certificate")
      ->check(CLI::ExistingFile);
  srv->add_option("--tls-key", so.tls_key, "… and this PEM private key")->check(CLI::ExistingFile);
  srv->add_option("--credentials", so.credentials_file,
                  "require Basic authentication: a file holding one line user:password "
                  "(else HVSNAP_SERVE_CREDENTIALS, else no authentication)");
  srv->add_option("--clock", so.clock,
                  "wall: simulated time follows real time (what real clients expect); calls: "
                  "every call moves it, as in-process (deterministic); a control Reset always "
                  "gives a calls host")
      ->check(CLI::IsMember({"wall", "calls"}))
      ->capture_default_str();
  srv->add_flag("--no-control", so.no_control,
                "do not serve the control extension (clients see a plain host)");
  srv->add_option("--hosts", so.hosts,
                  "independent hosts served, 1 to 64: /wsman and /wsman/hvsnap-host/1 to N-1, so "
                  "that a certification runs that many cases at a time (default: one per core; "
                  "1 with --no-control)");

  ReplayOptions ro;
  auto* rep = add_replay(app, ro);

  VerifyOptions vo;
  auto* ver = app.add_subcommand(
      "verify",
      "Check a report folder (a run, a fleet or a mutants table): its manifest and the "
      "consistency of what it says");
  ver->add_option("dir", vo.dir, "the report folder")->required();
  auto* ver_req = ver->add_option(
      "--requirement", vo.requirement,
      "ID: also say that requirement's verdict and exit by it: 0 PASS or WARN, 1 FAIL (or a MUST "
      "not tested by a full run), 77 NOT_TESTED or NOT_APPLICABLE");
  ver->add_flag("--verdict", vo.verdict,
                "also exit by the run's verdict: 0 CERTIFIED, 1 NOT CERTIFIED, 4 NOT SUPPORTED")
      ->excludes(ver_req);

  MergeOptions mo_merge;
  auto* mrg = app.add_subcommand(
      "merge",
      "Merge reports into a fleet report: one per target, and the shards of one run "
      "(certify --shard K/N) put back together");
  mrg->add_option("bundles", mo_merge.bundles,
                  "report folders, or folders holding them (certify --targets' --out)")
      ->required();
  mrg->add_option("--out", mo_merge.out, "the fleet report folder; must not exist or be empty")
      ->required();

  std::vector<std::string> judged;
  auto* jud = app.add_subcommand(
      "judge",
      "Re-judge recorded calls offline with the current oracle (fixtures/evidence/, or what "
      "certify --record wrote under DIR/judged/)");
  jud->add_option("paths", judged, "transcript files or folders of them")->required();

  auto* tgt = app.add_subcommand(
      "targets", "List the target URIs, fixtures, personalities, fault plans and mutants");

  MutantsOptions mo;
  auto* mut = app.add_subcommand(
      "mutants", "Certify every broken provider of the catalogue and print the kill score");
  mut->add_option("--via", mo.via, "sim (in-process) or wsman (each mutant served over WS-Man)")
      ->check(CLI::IsMember({"sim", "wsman"}))
      ->capture_default_str();
  mut->add_option("--seed", mo.seed, "the seed of every run")
      ->check(decimal(kU64))
      ->capture_default_str();
  mut->add_option("--out", mo.out,
                  "the folder for the table and one report per mutant (default "
                  "reports/runs/<UTC time>-mutants-<via>)");
  mut->add_option("--only", mo.only,
                  "run only these mutants (names, comma-separated; `hvsnap targets` lists them)")
      ->delimiter(',');
  mut->add_option("--layer", mo.layer,
                  "run only the mutants of one layer: provider (a broken provider) or wire (a "
                  "broken WS-Man encoding; needs --via wsman)")
      ->check(CLI::IsMember({"provider", "wire"}));

  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 reads from the back
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, console.out, console.err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, console.out, console.err);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e, console.out, console.err);
  } catch (const CLI::ParseError& e) {
    app.exit(e, console.out, console.err);
    return kExitUsage;
  }
  if (*cert) return certify(co, console);
  if (*srv) return serve(so, console);
  if (*mut) return mutants_score(mo, console);
  if (*rep) return replay(ro, console);
  if (*ver) return verify(vo, console);
  if (*mrg) return merge(mo_merge, console);
  if (*jud) return judge(judged, console);
  if (*tgt) return list_targets(console);
  return kExitUsage;
}

}  // namespace hvsnap::tools
