// The fake served over WS-Management (`hvsnap serve`, and the conformance-wsman tests): a
// cim::Provider that forwards to the current fake host, plus the control extension of
// decision 0009 (urn:hvsnap:wsman:control) so that a remote suite can do what it does
// in-process — start each case on a fresh host from its seed, move the clock, set the
// fake-only VM attributes, switch the fault plan off.
//
// Control methods (in -> out):
//   Describe                                    -> Uri, Identity, Personality, Faults,
//                                                  Fixture, TransientFailures,
//                                                  DefaultCheckpointLimit
//   Reset(RunSeed, CaseSeed)                    -> a fresh host, exactly the one the
//                                                  in-process target builds for that case
//   Advance(Milliseconds)                       -> Milliseconds (the clock after)
//   Now                                         -> Milliseconds
//   SetVmAttributes(Vm, Disks[], GuestVss, CheckpointLimit)
//   SetFaultsEnabled(Enabled)
// Every method answers ReturnValue 0, or a CIM status (InvalidParameter, NotFound) as a fault.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "hvsnap/cim/provider.h"
#include "hvsnap/conformance/target.h"
#include "hvsnap/tools/targets.h"
#include "hvsnap/wsman/dispatcher.h"

namespace hvsnap::tools {

class ServedFake final : public cim::Provider, public wsman::ControlHandler {
 public:
  // `uri` is a fake target (sim:…, sim+mutant:…); the first host is the one of case seed 0.
  static cim::Result<std::shared_ptr<ServedFake>> create(std::string uri, TargetOptions options);

  cim::Result<cim::Instance> get_instance(const cim::ObjectPath& path) override;
  cim::Result<std::vector<cim::Instance>> enumerate_instances(std::string_view name_space,
                                                              std::string_view class_name) override;
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

 private:
  ServedFake(std::string uri, TargetOptions options, TargetSpec spec, conformance::Target first);
  conformance::Target current() const;

  std::string uri_;
  TargetOptions options_;
  TargetSpec spec_;  // of options_.seed (rebuilt when a Reset names another run seed)
  mutable std::mutex mu_;
  conformance::Target target_;
};

}  // namespace hvsnap::tools
