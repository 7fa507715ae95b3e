// A target: what the suite certifies. A cim::Provider plus what the target declares about
// itself, plus (for the fake only) a control interface. The suite never knows more than
// this about a target; only tools/ and test wiring build targets (the suite never links sim/).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hvsnap/cim/provider.h"

namespace hvsnap::conformance {

struct Capabilities {
  // A control interface exists (clock, fake-only VM attributes, fault switch).
  bool control = false;
  // Each case may start on a fresh, isolated host (no cleanup between cases needed), and every
  // host the factory makes starts in the same state (the seed chooses only the identities of
  // objects made later, and fault draws): a run lists a fresh host's snapshot collections once
  // for all its sequences (decision 0139).
  bool fresh_hosts = false;
  // Cases may run at the same time (decision 0074): every factory call returns a host that no
  // other call shares, and copies of the factory may be called from several threads at once.
  // The in-process fake declares it; a live host (one shared state) and a served fake (one
  // host, reset for every case) do not. Not part of the report: it changes how fast a run
  // goes, never what it finds.
  bool concurrent_cases = false;
  // The cases that read only objects of their own (capability probes, matrix cases, the
  // settings sweep; liveness cases, which need control) may run at the same time on this one
  // shared host, and
  // copies of the factory may be called from several threads at once, each call's target a
  // connection no case running at the same time uses (decision 0143). A live host over
  // WS-Management declares it. Its sequences then run at the same time too, each leaving the
  // collections the others reached out of its end comparison of the host (decision 0144); its
  // concurrent rounds, which count the whole host's new collections, one at a time. Not part
  // of the report either.
  bool own_object_cases_overlap = false;
  // IF-IMPLEMENTED (CS-OUT-8, AMB-5): CreateSnapshot on a management collection snapshots
  // every VM of every nested group.
  bool recursive_management_collections = false;
  // The target may fail valid calls transiently (a fault plan is active): 2/3/32768/32772
  // or a failing job, always with no change, are then tolerated outside the liveness phase.
  bool transient_failures = false;
  // The checkpoint limit a VM has unless the control interface sets another (contract §1).
  std::uint32_t default_checkpoint_limit = 50;
};

// Fake-only VM attributes (contract §1): a live host has the real thing.
struct FakeVmAttributes {
  std::optional<std::vector<std::string>> disks;  // "vhdx", "vhds", "passthrough", "fibre-channel"
  std::optional<std::string> guest_vss;           // "ok", "fails", "absent"
  std::optional<std::uint32_t> checkpoint_limit;
};

class TargetControl {
 public:
  virtual ~TargetControl() = default;
  // Moves simulated time forward (jobs, VM transitions, job removal).
  virtual void advance(std::int64_t ms) = 0;
  virtual std::int64_t now_ms() const = 0;
  virtual cim::Status set_vm_attributes(const cim::ObjectPath& vm,
                                        const FakeVmAttributes& attributes) = 0;
  // Turns the fault plan off for the liveness phase (and back on).
  virtual void set_faults_enabled(bool enabled) = 0;
  // The host's clock (UTC microseconds), when the control can tell it: the window a new
  // object's timestamps must fall in (CS-READ-3).
  virtual std::optional<std::int64_t> host_time_us() const { return std::nullopt; }
};

struct Target {
  std::shared_ptr<cim::Provider> provider;
  std::shared_ptr<TargetControl> control;  // null for live hosts
  Capabilities caps;
  std::string uri;       // how it was named ("sim:fixtures/hosts/minimal.yaml")
  std::string identity;  // what it says it is (host name, build) for reports
};

// Makes the target a case runs against. Fresh-host targets build a new host from the case
// seed (one seed = one reproducible case); live targets return the same connection.
using TargetFactory = std::function<cim::Result<Target>(std::uint64_t case_seed)>;

// A target URI of the in-process fake (`sim:…`, `sim+mutant:…`), as against a host over
// WS-Management.
inline bool on_the_fake(std::string_view uri) {
  return uri.rfind("sim:", 0) == 0 || uri.rfind("sim+", 0) == 0;
}

}  // namespace hvsnap::conformance
