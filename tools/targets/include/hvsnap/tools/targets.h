// Target URIs (the only place that wires concrete targets to the suite, design.md):
//   sim:                          the fake, with the built-in minimal host
//   sim:PATH.yaml                 the fake, with a fixture file
//   sim+mutant:NAME[:PATH.yaml]   the fake wrapped in a deliberately broken mutant
// (wsman+http[s]://… arrives with the WS-Man client.)
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "hvsnap/cim/result.h"
#include "hvsnap/conformance/target.h"
#include "hvsnap/sim/state.h"

namespace hvsnap::tools {

struct TargetOptions {
  std::optional<sim::Personality> personality;  // overrides the fixture's
  std::string faults = "none";                  // a named fault plan (sim::fault_plan_names())
  std::uint64_t seed = 1;                       // the run seed; each case derives its host's seed
};

struct TargetSpec {
  conformance::TargetFactory factory;
  conformance::Capabilities caps;
  std::string uri;
  std::string fixture;      // the fixture path ("" for the built-in host)
  std::string identity;     // what the target is, for reports
  std::string personality;  // the fake's effective personality (describe()), "" for live hosts
};

cim::Result<TargetSpec> make_target(std::string_view uri, const TargetOptions& options);

// The built-in host of `sim:` (fixtures/hosts/minimal.yaml, embedded at build time).
std::string_view builtin_fixture();

// "codes=msvm,completion=mixed,..." -> a personality (on top of `base`).
cim::Result<sim::Personality> parse_personality(std::string_view text, sim::Personality base = {});
std::string describe(const sim::Personality& p);

}  // namespace hvsnap::tools
