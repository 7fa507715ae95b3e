// Command-line parsing (CLI11) for `hvsnap`; the work is in the subcommands' files.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <ostream>

#include "commands.h"
#include "hvsnap/tools/version.h"

namespace hvsnap::tools {

int exit_code_for(const cim::Status& st) {
  switch (st.kind()) {
    case cim::StatusKind::kUnavailable:
    case cim::StatusKind::kTimeout:
    case cim::StatusKind::kAccessDenied:
      return kExitUnreachable;
    default:
      return kExitUsage;
  }
}

int run_cli(const std::vector<std::string>& args, Console& console) {
  CLI::App app{
      "hvsnap: a simulator and conformance kit for Msvm_CollectionSnapshotService.CreateSnapshot",
      "hvsnap"};
  app.set_version_flag("--version",
                       std::string("hvsnap ") + kVersion + " (commit " + kGitCommit + ")");
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 certified (or done), 1 conformance failures, 2 usage or configuration error, "
      "3 target unreachable, 130 interrupted.\nRun 'hvsnap COMMAND --help' for a command's "
      "options.");

  CertifyOptions co;
  auto* cert = app.add_subcommand(
      "certify", "Run the conformance suite against a target and write its report");
  cert->add_option("--target", co.target,
                   "sim:, sim:FIXTURE.yaml, sim+mutant:NAME[:FIXTURE.yaml], "
                   "wsman+http://[USER@]HOST:5985/wsman or wsman+https://[USER@]HOST:5986/wsman")
      ->capture_default_str();
  cert->add_option("--profile", co.profile,
                   "core (the class matrix) or full (also sequences, concurrency; the only one "
                   "that certifies)")
      ->check(CLI::IsMember({"core", "full"}))
      ->capture_default_str();
  cert->add_option("--coverage", co.coverage,
                   "exhaustive (all 1,680 class combinations), pairwise, or auto (exhaustive on "
                   "the fake, pairwise on a live host)")
      ->check(CLI::IsMember({"auto", "exhaustive", "pairwise"}))
      ->capture_default_str();
  cert->add_option(
      "--seed", co.seed,
      "the run's seed; one seed reproduces the whole run on the fake (default: random, printed)");
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
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cert->add_option("--sequences", co.sequences, "stateful call sequences (full profile)")
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str();
  cert->add_option("--max-steps", co.max_steps, "the longest sequence")
      ->check(CLI::Range(1, 50))
      ->capture_default_str();
  cert->add_option("--parallel-rounds", co.parallel_rounds,
                   "rounds of concurrent CreateSnapshot calls (full profile)")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  cert->add_flag("--stop-at-first-failure", co.stop_at_first_failure,
                 "stop starting new work once anything failed");
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
                   "WS-Man: save every request/response pair (no credentials) in this folder");

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
      ->capture_default_str();
  srv->add_option("--tls-cert", so.tls_cert, "serve HTTPS with this PEM certificate")
      ->check(CLI::ExistingFile);
  srv->add_option("--tls-key", so.tls_key, "… and this PEM private key")->check(CLI::ExistingFile);
  srv->add_option("--credentials", so.credentials_file,
                  "require Basic authentication: a file holding one line user:password "
                  "(else HVSNAP_SERVE_CREDENTIALS, else no authentication)");
  srv->add_flag("--no-control", so.no_control,
                "do not serve the control extension (clients see a plain host)");

  std::string token, replay_target;
  auto* rep = app.add_subcommand(
      "replay", "Re-run one failing case from its reproduction token and show every call");
  rep->add_option("token", token, "the token a report prints (hvsnap1.…)")->required();
  rep->add_option("--target", replay_target,
                  "replay on this fake target instead of the one in the token");

  std::string dir;
  auto* ver = app.add_subcommand(
      "verify", "Check a report folder: its manifest and the consistency of result.json");
  ver->add_option("dir", dir, "the report folder")->required();

  auto* tgt = app.add_subcommand(
      "targets", "List the target URIs, fixtures, personalities, fault plans and mutants");

  MutantsOptions mo;
  auto* mut = app.add_subcommand(
      "mutants", "Certify every broken provider of the catalogue and print the kill score");
  mut->add_option("--via", mo.via, "sim (in-process) or wsman (each mutant served over WS-Man)")
      ->check(CLI::IsMember({"sim", "wsman"}))
      ->capture_default_str();
  mut->add_option("--seed", mo.seed, "the seed of every run")->capture_default_str();
  mut->add_option("--out", mo.out,
                  "the folder for the table and one report per mutant (default "
                  "reports/runs/<UTC time>-mutants-<via>)");
  mut->add_option("--only", mo.only,
                  "run only these mutants (names, comma-separated; `hvsnap targets` lists them)")
      ->delimiter(',');

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
  if (*rep) return replay(token, replay_target, console);
  if (*ver) return verify(dir, console);
  if (*tgt) return list_targets(console);
  return kExitUsage;
}

}  // namespace hvsnap::tools
