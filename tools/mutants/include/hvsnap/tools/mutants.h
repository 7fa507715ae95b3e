// Deliberately broken providers: the fake wrapped so that it breaks exactly one requirement of
// the contract each. They prove the suite catches what it claims to (issue 3, issue 6) and are
// selectable as targets, `sim+mutant:NAME`, so a person can watch one fail.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hvsnap/cim/provider.h"
#include "hvsnap/cim/result.h"
#include "hvsnap/sim/host.h"

namespace hvsnap::tools::mutants {

struct MutantInfo {
  std::string_view name;
  std::string_view requirement;  // the one requirement it breaks (a catalogue ID)
  std::string_view family;       // return-code, job, result, atomicity, sequence, parsing
  std::string_view summary;      // what it does wrong, in one line
};

// Every mutant, in catalogue order.
const std::vector<MutantInfo>& catalogue();
const MutantInfo* find(std::string_view name);
// "accepts-type-zero, partial-after-failed-job, …", for messages about an unknown name.
std::string known_names();

// The fake `host`, wrapped in the named mutant.
cim::Result<std::shared_ptr<cim::Provider>> wrap(std::string_view name,
                                                 std::shared_ptr<sim::Host> host);

}  // namespace hvsnap::tools::mutants
