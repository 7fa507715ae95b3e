// The fake Hyper-V host (contract §1, §3): a cim::Provider whose every answer is computed
// from its state, driven by a simulated clock, with seeded faults (§6) and personalities
// (§3.4). HostControl is the separate back door tests and tools use to arrange what a
// live host cannot be told through WMI: load/dump state, move the clock, faults, disks.
// Thread-safe: every operation holds one lock, so concurrent callers see a serial order.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "hvsnap/cim/provider.h"
#include "hvsnap/sim/state.h"

namespace hvsnap::sim {

class HostControl;
class HostPool;

// A WMI method the fake models, and the parameters it reads and writes (contract §1). Every
// other method the schema table declares for a served class answers Not Supported.
struct MethodDeclaration {
  std::string_view cls;
  std::string_view method;
  std::vector<std::string_view> in;
  std::vector<std::string_view> out;
};
std::vector<MethodDeclaration> declared_methods();

class Host final : public cim::Provider {
 public:
  // Validates the state (see sim::validate) and arms the fault plan if not yet armed.
  static cim::Result<std::unique_ptr<Host>> create(HostState state);
  ~Host() override;
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  cim::Result<cim::Instance> get_instance(const cim::ObjectPath& path) override;
  // Several objects as one call, as the WS-Man client asks for them (one WQL query per class of
  // two or more keyed paths, then a Get for each path the answer lacks, decision 0083): the
  // host's clock moves as it does when the same read comes over the wire (decision 0133).
  std::vector<cim::Result<cim::Instance>> get_instances(
      const std::vector<cim::ObjectPath>& paths) override;
  cim::Result<std::vector<cim::Instance>> enumerate_instances(std::string_view name_space,
                                                              std::string_view class_name) override;
  // The same paths as enumerate_instances' instances, none made (decision 0134).
  cim::Result<std::vector<cim::ObjectPath>> enumerate_instance_names(
      std::string_view name_space, std::string_view class_name) override;
  cim::Status each_instance_name(std::string_view name_space, std::string_view class_name,
                                 const std::function<void(const cim::ObjectPath&)>& f) override;
  // Each set resolved as a path, without listing the class (decision 0137).
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

  HostControl control();

  struct Impl;

 private:
  explicit Host(std::unique_ptr<Impl> impl);
  friend class HostControl;
  friend class HostPool;
  class HostPool;
  std::unique_ptr<Impl> impl_;
};

// Hosts for certification cases in O(what a case changed), not O(host) (decision 0075): one
// validated base; a case takes a host re-seeded for it, and when the case drops its last
// reference the host is rolled back to the base through an undo journal and kept for the next
// case. A host is built from the base only when every pooled one is in use (once per case
// running at the same time). A host whose whole state a case replaced (HostControl::load) is
// not kept. Thread-safe: hosts taken at once are distinct; copies of the pointer may be used
// from several threads.
class HostPool {
 public:
  // Validates `base` once: all of it (sim::validate), or with Checked::kRecords only its
  // configuration (sim::validate_configuration), for a caller whose records validate()
  // already accepted (a loaded fixture; decision 0099). Pass the base by move: a large host
  // is not copied.
  static cim::Result<std::shared_ptr<HostPool>> create(HostState base,
                                                       Checked checked = Checked::kNothing);
  ~HostPool();
  HostPool(const HostPool&) = delete;
  HostPool& operator=(const HostPool&) = delete;

  // A host that answers as Host::create(base) would with the seed and generator states of
  // HostState::with_seed(case_seed) and the fault plan's seed set to it (what a case's host is;
  // tools/targets).
  std::shared_ptr<Host> take(std::uint64_t case_seed);
  // How many hosts were built from the base so far (the rest were reused).
  std::size_t hosts_built() const;

  struct Shared;

 private:
  explicit HostPool(std::shared_ptr<Shared> shared);
  static void give_back(Shared& shared, Host* host);
  std::shared_ptr<Shared> shared_;
};

class HostControl {
 public:
  explicit HostControl(Host& host) : impl_(host.impl_.get()) {}

  // Replaces the whole state (validated first; on error nothing changes).
  cim::Status load(HostState state);
  // The whole state, canonical (records sorted by id).
  HostState dump() const;

  // Moves simulated time forward; jobs in every progress mode but after-reads advance.
  void advance(std::int64_t ms);
  std::int64_t now_ms() const;
  // Simulated t = 0 in Unix milliseconds (HostState::epoch_unix_ms), without a dump.
  std::int64_t epoch_unix_ms() const;
  std::uint64_t reads() const;
  std::string host_name() const;

  Personality personality() const;
  cim::Status set_personality(const Personality& personality);
  FaultPlan fault_plan() const;
  // Replaces the plan and re-arms its sites from the plan's seed (logged at the current tick).
  cim::Status set_fault_plan(const FaultPlan& plan);
  std::vector<FaultEvent> fault_log() const;

  // Fake-only attributes (contract §1): a live host has the real thing.
  struct VmAttributes {
    std::optional<std::vector<DiskKind>> disks;
    std::optional<GuestVss> guest_vss;
    std::optional<std::uint32_t> checkpoint_limit;
  };
  // `vm` is an Msvm_ComputerSystem path (its Name key is the VM GUID).
  cim::Status set_vm_attributes(const cim::ObjectPath& vm, const VmAttributes& attributes);

 private:
  Host::Impl* impl_;
};

}  // namespace hvsnap::sim
