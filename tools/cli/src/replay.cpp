// `hvsnap replay TOKEN`: re-runs exactly one failing (or undecided) case, sequence or concurrent
// round, on the fake the token names, on the fake for another target's token, or on `--target`
// (the personality, fault plan, seeds and a WS-Man host's connection options come from the
// token) and prints every call with its outcome, then what the oracle concluded. Exit 1 when
// the failure reproduces (0 when only a warning does), 3 when the wire lost what the item needed
// again (undecided) or the target does not answer.
#include <fmt/format.h>

#include <atomic>

#include <ostream>

#include "commands.h"
#include "hvsnap/cim/text.h"
#include "hvsnap/conformance/case_runner.h"
#include "hvsnap/conformance/catalogue.h"
#include "hvsnap/conformance/parallel.h"
#include "hvsnap/conformance/sequences.h"
#include "hvsnap/conformance/token.h"
#include "hvsnap/tools/targets.h"

namespace hvsnap::tools {

using namespace conformance;
using nlohmann::json;

namespace {

void print_findings(const Findings& findings, std::ostream& out) {
  bool any = false;
  for (const auto& f : findings) {
    if (f.verdict != Verdict::kFail && f.verdict != Verdict::kWarn) continue;
    // A SHOULD's FAIL is the run's warning (decision 0165): said so.
    const bool should = f.verdict == Verdict::kFail && !fails_the_run(f);
    out << fmt::format("  {} {} ({}): {}{}\n", to_string(f.verdict), f.requirement, f.check,
                       f.message, should ? " [a SHOULD: a warning of the run]" : "");
    any = true;
  }
  if (!any) out << "  every check passed\n";
}

// Not tested: 0, as a failure that no longer shows; 3 when the wire lost what it needed
// again (undecided, decision 0162), as a run the transport broke.
int not_tested_exit(bool undecided) {
  return undecided ? kExitUnreachable : kExitCertified;
}

// What an item that failed nothing ends with: a SHOULD it broke (or a WARN) is a warning, which
// does not fail certification (decision 0165), so the replay exits 0 either way.
std::string no_failure(const Findings& findings) {
  const Finding* w = first_warning(findings);
  return w == nullptr ? "\nNo failure this time.\n"
                      : fmt::format(
                            "\nThe warning reproduces: {} ({}); a warning does not fail "
                            "certification.\n",
                            w->requirement, w->check);
}

}  // namespace

int replay(const ReplayOptions& o, Console& c) {
  auto usage = [&](const std::string& msg) {
    c.err << "hvsnap replay: " << msg << "\n";
    return kExitUsage;
  };
  auto payload = decode_token(o.token);
  if (!payload.ok()) return usage(payload.status().message());
  const json& p = *payload;
  try {
    const std::string kind = p.at("kind");
    const json& spec_json = p.at("target");
    std::string uri = spec_json.at("uri");
    // A transport that broke fails every later request at once: no pause before asking again
    // (decision 0163).
    std::atomic<bool> transport_broke{false};
    TargetOptions topts;
    topts.seed = p.at("seed").get<std::uint64_t>();
    if (spec_json.contains("personality") && spec_json["personality"].is_string()) {
      auto pers = parse_personality(spec_json["personality"].get<std::string>());
      if (!pers.ok()) return usage("the token's personality: " + pers.status().message());
      topts.personality = *pers;
    }
    if (spec_json.contains("faults") && spec_json["faults"].is_string())
      topts.faults = spec_json["faults"];
    // How the token's run reached its WS-Man host (never the password): for that host only,
    // and said so; this command's own options win. A token names no other host's TLS trust.
    const json connection =
        o.target == uri ? spec_json.value("connection", json::object()) : json::object();
    topts.auth = !o.auth.empty() ? o.auth : connection.value("auth", std::string("basic"));
    topts.insecure = o.insecure || connection.value("insecure", false);
    topts.ca_file = !o.ca_file.empty() ? o.ca_file : connection.value("ca-file", std::string());
    topts.password_file = o.password_file;
    if (!connection.empty()) {
      c.out << fmt::format("Reaching {} as the token's run did: {}\n", redact_uri(uri),
                           connection.dump());
    }
    const bool fake = on_the_fake(uri);
    if (!o.target.empty()) {
      uri = o.target;
    } else if (!fake) {
      c.out << fmt::format(
          "The token's run was on {}; replaying on the fake (sim:) (--target {} runs it there "
          "again).\n",
          uri, cim::shell_quote(uri));
      uri = "sim:";
      const std::uint64_t seed = topts.seed;
      topts = TargetOptions{};
      topts.seed = seed;
    }
    topts.on_fatal = [&transport_broke](const cim::Status&) { transport_broke = true; };
    auto spec = make_target(uri, topts);
    if (!spec.ok()) {
      // A host that does not answer is exit 3, as for certify; a target that cannot be, 2.
      c.err << fmt::format("hvsnap replay: target {}: {}\n", redact_uri(uri),
                           spec.status().message());
      return exit_code_for(spec.status());
    }
    for (const auto& w : spec->warnings)
      c.out << "WARNING  " << w << "\n";
    RunConfig cfg;
    cfg.declarations = declarations_of(spec->caps);
    cfg.client.stop = &transport_broke;
    auto plan = setup_plan_of(p);
    if (!plan.ok()) return usage(plan.status().message());
    cfg.setup = *plan;
    c.out << fmt::format("Replaying a {} of a run with seed {} on {}\n  ({})\n\n", kind, topts.seed,
                         spec->uri, spec->identity);
    if (const std::string how = describe_setup_plan(cfg.setup); !how.empty())
      c.out << "(" << how << ")\n";

    if (kind == "case") {
      auto cs = case_from_json(p.at("case"));
      if (!cs.ok()) return usage("the token's case: " + cs.status().message());
      if (p.value("probe", false)) {
        // A capability probe's case: its sentinel group has no snapshot, as the run made it.
        cfg.probe = true;
        c.out << "(as a capability probe: the sentinel group gets no snapshot)\n";
      }
      if (p.value("faults-off", false)) {
        cfg.faults_off = true;
        cfg.declarations.transient_failures = false;
        c.out << "(with the fault plan switched off, as in the liveness phase)\n";
      }
      c.out << cs->describe() << "\n";
      const CaseReport rep = run_case(*cs, spec->factory, cfg);
      if (rep.not_tested) {
        c.out << "NOT TESTED: " << rep.not_tested_reason << "\n" << rep.transcript;
        return not_tested_exit(rep.undecided);
      }
      c.out << rep.transcript
            << fmt::format("\nobserved {}; the contract allows {}\n", rep.observed, rep.allowed);
      print_findings(rep.findings, c.out);
      const bool failed = first_fail(rep.findings) != nullptr;
      c.out << (failed ? "\nThe failure reproduces.\n" : no_failure(rep.findings));
      return failed ? kExitFailures : kExitCertified;
    }
    if (kind == "sequence") {
      std::vector<Step> steps;
      for (const auto& s : p.at("steps")) {
        auto step = Step::from_json(s);
        if (!step.ok()) return usage("the token's steps: " + step.status().message());
        steps.push_back(*step);
      }
      const auto host_seed = p.at("host-seed").get<std::uint64_t>();
      // As the run did (decision 0139): a fresh host's collections listed once, from a host of
      // this seed (the same collections as the run's listing, on a target whose hosts all start
      // alike).
      if (spec->caps.fresh_hosts)
        cfg.fresh_host_collections = fresh_host_collections(spec->factory, host_seed);
      const SequenceReport rep = run_sequence(steps, host_seed, spec->factory, cfg);
      if (rep.not_tested) {
        c.out << "NOT TESTED: " << rep.not_tested_reason << "\n";
        return not_tested_exit(rep.undecided);
      }
      c.out << numbered_list(rep) << "\n";
      print_findings(rep.findings, c.out);
      c.out << (rep.failure.empty() ? no_failure(rep.findings)
                                    : "\n" + rep.failure + "\nThe failure reproduces.\n");
      return rep.failure.empty() ? kExitCertified : kExitFailures;
    }
    if (kind == "parallel") {
      const ParallelReport rep =
          run_parallel_round(p.at("host-seed").get<std::uint64_t>(), spec->factory, cfg);
      if (rep.not_tested) {
        c.out << "NOT TESTED: " << rep.not_tested_reason << "\n";
        return not_tested_exit(rep.undecided);
      }
      c.out << rep.description << "\n";
      print_findings(rep.findings, c.out);
      // Without a failure, said either way: a round's failure may not come back, as its calls
      // interleave differently from run to run.
      if (!rep.failure.empty()) {
        c.out << "\n" << rep.failure << "\nThe failure reproduces.\n";
      } else {
        if (first_warning(rep.findings) != nullptr) c.out << no_failure(rep.findings);
        c.out << "\nNo failure this time (concurrent calls interleave differently from run to "
                 "run).\n";
      }
      return rep.failure.empty() ? kExitCertified : kExitFailures;
    }
    return usage(
        fmt::format("the token is of an unknown kind '{}' (made by a newer hvsnap?)", kind));
  } catch (const json::exception& e) {
    return usage(fmt::format("the token's payload is incomplete ({})", e.what()));
  }
}

}  // namespace hvsnap::tools
