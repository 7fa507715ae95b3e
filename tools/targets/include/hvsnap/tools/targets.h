// Target URIs (the only place that wires concrete targets to the suite, docs/architecture.md):
//   sim:                          the fake, with the built-in minimal host
//   sim:PATH.yaml                 the fake, with a fixture file
//   sim+mutant:NAME[:PATH.yaml]   the fake wrapped in a deliberately broken mutant
//   wsman+http://[USER@]HOST:PORT/wsman     a host over WS-Management (port 5985 by default)
//   wsman+https://[USER@]HOST:PORT/wsman    the same over TLS (port 5986 by default)
// A WS-Man host that answers hvsnap's control extension (a served fake, decision 0009) is
// driven like the in-process fake (a fresh host per case); any other is a live host.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hvsnap/cim/result.h"
#include "hvsnap/conformance/target.h"
#include "hvsnap/sim/state.h"
#include "hvsnap/wsman/messages.h"

namespace hvsnap::tools {

struct TargetOptions {
  std::optional<sim::Personality> personality;  // overrides the fixture's
  std::optional<std::uint32_t> host_build;      // overrides the fixture's (schema_table.h)
  std::string faults = "none";                  // a named fault plan (sim::fault_plan_names())
  std::uint64_t seed = 1;                       // the run seed; each case derives its host's seed
  // Overrides the fixture's timing.auto-advance-ms (the served fake's wall clock sets 0:
  // decision 0031).
  std::optional<std::int64_t> auto_advance_ms;
  // WS-Man targets only. The password comes from HVSNAP_PASSWORD, else from password_file
  // (or HVSNAP_PASSWORD_FILE): one line, never echoed, never written to a report.
  std::string auth = "basic";  // basic, ntlm, negotiate
  bool insecure = false;       // skip TLS certificate verification (said so on the console)
  std::string ca_file;         // an extra trust anchor (PEM)
  std::string password_file;
  std::string record_dir;  // save every request/response pair here
  long timeout_ms = 120'000;
  // No request runs past this (the run's --budget plus a grace; decision 0033), and a
  // transport failure that ends the run (too large a response, no answer in time) is
  // reported here once.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::function<void(const cim::Status&)> on_fatal;
  // Set by ServedFake: the target is served over WS-Man, so a wire mutant (decision 0061) can
  // act on its answers; in process a wire mutant is refused (it has no wire to act on).
  bool served = false;
};

struct TargetSpec {
  conformance::TargetFactory factory;
  conformance::Capabilities caps;
  std::string uri;
  std::string fixture;      // the fixture path ("" for the built-in host)
  std::string identity;     // what the target is, for reports
  std::string personality;  // the fake's effective personality (describe()), "" for live hosts
  std::vector<std::string> warnings;  // to print before the run (e.g. certificate checks off)
  // A served target's wire mutant: rewrites each answer (wsman::DispatcherOptions::rewrite_reply).
  std::function<void(const wsman::Request&, std::string&)> rewrite_reply;
  // The most cases that may run at once when caps.concurrent_cases: a served fake's host slots
  // (decision 0122); 0 for no bound but the cores.
  unsigned max_concurrent_cases = 0;
  // WS-Man targets: the messages sent so far over every connection the target opened.
  std::function<std::uint64_t()> requests_sent;
  // … and the clock calls a served fake's control answered without one (decision 0140).
  std::function<std::uint64_t()> control_folded;
};

cim::Result<TargetSpec> make_target(std::string_view uri, const TargetOptions& options);

// The URI fit to print: a password someone put in it ("USER:PASSWORD@") becomes "***".
std::string redact_uri(std::string_view uri);

// The built-in host of `sim:` (fixtures/hosts/minimal.yaml, embedded at build time).
std::string_view builtin_fixture();

// "codes=msvm,completion=mixed,..." -> a personality (on top of `base`).
cim::Result<sim::Personality> parse_personality(std::string_view text, sim::Personality base = {});
std::string describe(const sim::Personality& p);

}  // namespace hvsnap::tools
