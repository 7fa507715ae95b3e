// `hvsnap targets`: what can be certified, and with which knobs.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <ostream>

#include "commands.h"
#include "hvsnap/sim/state.h"
#include "hvsnap/tools/mutants.h"

namespace hvsnap::tools {

int list_targets(Console& c) {
  c.out << "Targets (--target):\n"
           "  sim:                          the fake, with its built-in host (two running VMs in "
           "one group)\n"
           "  sim:PATH.yaml                 the fake, with a host fixture (docs/fixtures.md)\n"
           "  sim+mutant:NAME[:PATH.yaml]   the fake wrapped in a deliberately broken provider\n"
           "  wsman+http://[USER@]HOST:5985/wsman    a host over WS-Management (a live Hyper-V,\n"
           "  wsman+https://[USER@]HOST:5986/wsman   or 'hvsnap serve'); password from "
           "HVSNAP_PASSWORD\n";
  std::error_code ec;
  if (std::filesystem::is_directory("fixtures/hosts", ec)) {
    c.out << "\nHost fixtures here:\n";
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator("fixtures/hosts", ec)) {
      if (e.path().extension() == ".yaml") names.push_back(e.path().string());
    }
    std::sort(names.begin(), names.end());
    for (const auto& n : names)
      c.out << "  sim:" << n << "\n";
  }
  c.out << "\nPersonalities of the fake (--personality KEY=VALUE,…; contract §3.4; the first "
           "value is the default):\n";
  for (std::string_view key : sim::personality_keys())
    c.out << fmt::format("  {}={}\n", key, sim::personality_choices(key));
  c.out << "\nFault plans of the fake (--faults; contract §6):\n ";
  for (const auto& n : sim::fault_plan_names())
    c.out << " " << n;
  c.out << "\n\nMutants (sim+mutant:NAME), each breaking one requirement:\n";
  std::size_t width = 0;
  for (const auto& m : mutants::catalogue())
    width = std::max(width, m.name.size());
  for (const auto& m : mutants::catalogue()) {
    c.out << fmt::format("  {:<{}} {:<10} {:<12} {}\n", m.name, width, m.requirement, m.family,
                         m.summary);
  }
  c.out << "(docs/mutants.md explains each; `hvsnap mutants` runs them all)\n";
  return kExitCertified;
}

}  // namespace hvsnap::tools
