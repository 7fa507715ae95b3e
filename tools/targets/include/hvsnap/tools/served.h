// The fake served over WS-Management (`hvsnap serve`, and the conformance-wsman tests): a
// cim::Provider that forwards to the current fake host, plus the control extension of
// decision 0009 (urn:hvsnap:wsman:control) so that a remote suite can do what it does
// in-process — start each case on a fresh host from its seed, move the clock, set the
// fake-only VM attributes, switch the fault plan off.
//
// The clock (decision 0031): the host first served follows the wall clock — simulated time
// never runs ahead of real time, so what a client just created stays readable for its real
// TimeBeforeRemoval however many clients call — unless created with ServedClock::kCalls.
// A host made by Reset follows the calls, exactly as in-process (one seed, one run).
//
// Host slots (decision 0122): `hvsnap serve --hosts N` serves N of these, one per slot, each
// with its own host, clock and fault plan. Slot 0 (/wsman) has a host from the start; slot K
// (/wsman/hvsnap-host/K) has none until a Reset to it, so no client makes more than N hosts.
//
// Control methods (in -> out):
//   Describe                                    -> Uri, Identity, Personality, Faults,
//                                                  Fixture, TransientFailures,
//                                                  DefaultCheckpointLimit, Clock, Hosts, Slot
//   Reset(RunSeed, CaseSeed)                    -> a fresh host, exactly the one the
//                                                  in-process target builds for that case
//                                                  (its clock follows the calls)
//   Advance(Milliseconds)                       -> Milliseconds (the clock after); at most
//                                                  kMaxAdvanceMs, and the clock stays below
//                                                  kMaxClockMs (else InvalidParameter)
//   Now                                         -> Milliseconds, EpochMilliseconds, Clock
//   SetVmAttributes(Vm, Disks[], GuestVss, CheckpointLimit)
//   SetFaultsEnabled(Enabled)
// Every method answers ReturnValue 0, or a CIM status (InvalidParameter, NotFound) as a fault;
// a slot with no host yet answers every call but Describe and Reset with NotFound.
//
// Any request (decision 0140) may also carry the headers h:AdvanceFirst (milliseconds to
// Advance by before the request is answered; refused as Advance refuses, and then the request
// is not made) and h:TellClock (the answer carries h:Clock: the clock after the request, its
// epoch, and the advance made first, when the clock moves with the calls alone).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hvsnap/cim/provider.h"
#include "hvsnap/conformance/target.h"
#include "hvsnap/tools/targets.h"
#include "hvsnap/wsman/dispatcher.h"

namespace hvsnap::tools {

// How the served host's simulated clock moves (decision 0031).
enum class ServedClock : std::uint8_t {
  kWall,   // simulated time = real time since the host was made (+ explicit Advances)
  kCalls,  // every call moves it timing.auto-advance-ms, as in-process (deterministic)
};

// Bounds on the control extension's clock: one Advance moves at most ten years, and the
// clock never passes a hundred years (so no sum of simulated times can overflow).
inline constexpr std::int64_t kMaxAdvanceMs = 10LL * 365 * 86'400'000;
inline constexpr std::int64_t kMaxClockMs = 100LL * 365 * 86'400'000;
// `hvsnap serve --hosts N`: at most this many host slots.
inline constexpr std::uint32_t kMaxServedHosts = 64;

class ServedFake final : public cim::Provider, public wsman::ControlHandler {
 public:
  // `uri` is a fake target (sim:…, sim+mutant:…); the first host is the one of case seed 0.
  // This is slot 0 of `hosts` (1 to kMaxServedHosts; Describe tells it).
  static cim::Result<std::shared_ptr<ServedFake>> create(std::string uri, TargetOptions options,
                                                         ServedClock clock = ServedClock::kWall,
                                                         std::uint32_t hosts = 1);
  // Slot k (1 to hosts-1) of the same fake: no host until a Reset to it.
  std::shared_ptr<ServedFake> slot(std::uint32_t k) const;

  cim::Result<cim::Instance> get_instance(const cim::ObjectPath& path) override;
  cim::Result<std::vector<cim::Instance>> enumerate_instances(std::string_view name_space,
                                                              std::string_view class_name) override;
  cim::Result<std::vector<cim::ObjectPath>> enumerate_instance_names(
      std::string_view name_space, std::string_view class_name) override;
  cim::Status each_instance_name(std::string_view name_space, std::string_view class_name,
                                 const std::function<void(const cim::ObjectPath&)>& f) override;
  cim::Result<std::vector<cim::Instance>> enumerate_instances_matching(
      std::string_view name_space, std::string_view class_name,
      const std::vector<PropertyEquals>& any_of) override;
  cim::Result<std::vector<cim::Instance>> associators(
      const cim::ObjectPath& object, const cim::AssociatorsFilter& filter) override;
  cim::Result<std::vector<cim::Instance>> references(const cim::ObjectPath& object,
                                                     const cim::ReferencesFilter& filter) override;
  cim::Result<cim::MethodResult> invoke_method(const cim::ObjectPath& object,
                                               std::string_view method,
                                               const cim::PropertyList& in) override;

  cim::Result<cim::MethodResult> invoke(std::string_view method,
                                        const cim::PropertyList& in) override;

  const TargetSpec& spec() const { return spec_; }
  ServedClock clock() const;

 private:
  struct Clock {
    ServedClock mode = ServedClock::kCalls;
    bool frozen = false;  // job-progress manual: only Advance moves the clock (decision 0031)
    std::chrono::steady_clock::time_point wall_base{};
    std::int64_t sim_base_ms = 0;
    std::int64_t advanced_ms = 0;  // explicit Advances since wall_base
  };

  ServedFake(std::string uri, TargetOptions options, TargetSpec spec, conformance::Target first,
             Clock clock);
  // The current host, its clock brought up to real time first (kWall); NotFound on a slot
  // that no Reset has given a host yet.
  cim::Result<conformance::Target> current(ServedClock* mode = nullptr);

  std::string uri_;
  TargetOptions options_;
  TargetSpec spec_;  // of options_.seed (rebuilt when a Reset names another run seed)
  std::uint32_t slot_ = 0;
  std::uint32_t hosts_ = 1;
  mutable std::mutex mu_;
  conformance::Target target_;
  Clock clock_;
  std::mutex clock_mu_;  // one clock update at a time (never past real time)
};

// The Dispatcher that serves `fake` — with its control extension unless `control` is false,
// and with the wire mutant of its URI, if any, rewriting the answers (decision 0061). Every
// place that serves a fake builds its Dispatcher here.
std::shared_ptr<wsman::Dispatcher> serve_dispatcher(std::shared_ptr<ServedFake> fake, bool control,
                                                    wsman::DispatcherOptions options = {});
// The Dispatchers of `fake`'s other slots (1 to hosts-1), for wsman::ServerOptions::host_slots.
std::vector<std::shared_ptr<wsman::Dispatcher>> serve_host_slots(
    const ServedFake& fake, std::uint32_t hosts, bool control,
    const wsman::DispatcherOptions& options);

}  // namespace hvsnap::tools
