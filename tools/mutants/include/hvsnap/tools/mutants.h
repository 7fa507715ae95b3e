// Deliberately broken providers: the fake wrapped so that it breaks exactly one requirement of
// the contract each. They prove the suite catches what it claims to (docs/mutants.md, decision
// 0010) and are selectable as targets, `sim+mutant:NAME`, so a person can watch one fail.
//
// Two layers (decision 0061): a provider mutant wraps the fake's cim::Provider (in process and
// served alike); a wire mutant leaves the fake alone and rewrites the WS-Man answers the served
// fake sends (a broken encoding: a boolean "True", a datetime in the CIM-XML string form, …),
// so it exists only over the wire. The catalogue also holds legal providers that bend the
// contract without breaking it (the suite must certify them) and one that refuses every
// collection snapshot (NOT SUPPORTED).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hvsnap/cim/provider.h"
#include "hvsnap/cim/result.h"
#include "hvsnap/sim/host.h"
#include "hvsnap/wsman/messages.h"

namespace hvsnap::tools::mutants {

enum class Layer : std::uint8_t {
  kProvider,  // wraps the fake's cim::Provider
  kWire,      // rewrites the served fake's WS-Man answers
};

// What the suite must conclude about the entry.
enum class Expect : std::uint8_t {
  kKilled,        // NOT CERTIFIED, with a failure naming `requirement`
  kCertified,     // a legal provider: CERTIFIED (it bends `requirement` within the contract)
  kNotSupported,  // refuses every collection snapshot: NOT SUPPORTED, never CERTIFIED
};

struct MutantInfo {
  std::string_view name;
  std::string_view requirement;  // the requirement it breaks (or bends, for a legal provider)
  std::string_view family;       // return-code, job, result, atomicity, sequence, parsing, wire,
                                 // reference, timestamp, refusal, legal
  std::string_view summary;      // what it does, in one line
  Layer layer = Layer::kProvider;
  Expect expect = Expect::kKilled;
};

// Every entry, in catalogue order.
const std::vector<MutantInfo>& catalogue();
const MutantInfo* find(std::string_view name);
// "accepts-type-zero, partial-after-failed-job, …", for messages about an unknown name.
std::string known_names();
std::string_view to_string(Layer layer);
std::string_view to_string(Expect expect);

// The fake `host`, wrapped in the named provider mutant (a wire mutant leaves it unwrapped).
cim::Result<std::shared_ptr<cim::Provider>> wrap(std::string_view name,
                                                 std::shared_ptr<sim::Host> host);

// Rewrites one successful answer of the served fake before it is sent: `request` is the request
// it answers, `body` the response envelope (wsman::DispatcherOptions::rewrite_reply).
using WireFilter = std::function<void(const wsman::Request& request, std::string& body)>;

// The named wire mutant's filter, fresh (each holds its own state); for a provider mutant, an
// empty function.
cim::Result<WireFilter> wire_filter(std::string_view name);

}  // namespace hvsnap::tools::mutants
