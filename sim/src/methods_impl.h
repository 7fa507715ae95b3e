// Private to the WMI methods (methods.cpp, methods_snapshot.cpp): the parameter readers, the
// CreateSnapshot input judgement's result, and the Methods class the dispatch table calls.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "host_impl.h"
#include "hvsnap/cim/codes.h"
#include "hvsnap/cim/names.h"

namespace hvsnap::sim {

namespace names = cim::names;
using cim::JobState;
using cim::MethodResult;
using cim::ObjectPath;
using cim::PropertyList;
using cim::ReturnCode;
using cim::Value;

enum class Param { kAbsent, kOk, kBad };

struct RefParam {
  Param state = Param::kAbsent;
  const ObjectPath* path = nullptr;  // into the parameter, or into `parsed`
  std::optional<ObjectPath> parsed;

  RefParam() = default;
  RefParam(const RefParam&) = delete;
};

// A REF parameter: a reference value, or (as WMI scripting clients pass it) path text.
// Fills `out` in place so a reference is used where it lies, without a copy.
void ref_param(const PropertyList& in, std::string_view name, RefParam& out);

struct UintParam {
  Param state = Param::kAbsent;
  std::uint64_t value = 0;
};

// An unsigned integer parameter; text (as an untyped wire value) is parsed as uint64.
UintParam uint_param(const PropertyList& in, std::string_view name);

struct StringParam {
  Param state = Param::kAbsent;
  std::string value;
};

StringParam string_param(const PropertyList& in, std::string_view name);

bool foreign_namespace(const ObjectPath& p);
MethodResult result(std::uint32_t code);

// The settings CreateSnapshot understands (contract §1, AMB-3, AMB-8).
struct SnapshotSettings {
  bool ignore_nonsnapshottable_disks = false;
};

// SnapshotType and SnapshotSettings (§3.1 steps 4-6), judged in one place whether the call
// or the job (`validation: in-job`) rejects them.
struct InputCheck {
  std::uint32_t dmtf = ReturnCode::kCompleted;  // the DMTF code of the first failing step
  std::string_view cause;                       // job error cause (contract §3.2)
  std::string message;
  SnapshotKind kind = SnapshotKind::kStandard;
  SnapshotSettings settings;
  bool ok() const { return dmtf == ReturnCode::kCompleted; }
};

class Methods {
 public:
  explicit Methods(Host::Impl& h) : h_(h) {}

  // --- Msvm_CollectionSnapshotService (methods_snapshot.cpp) ---

  MethodResult create_snapshot(const PropertyList& in);
  MethodResult destroy_or_apply(const PropertyList& in, JobKind kind);

  // --- Msvm_CollectionManagementService (Msvm code family) ---

  MethodResult define_collection(const PropertyList& in);
  MethodResult rename_collection(const PropertyList& in);
  MethodResult remove_member_by_id(const PropertyList& in);
  MethodResult destroy_collection(const PropertyList& in);
  MethodResult add_or_remove_member(const PropertyList& in, bool add);

  // --- Msvm_VirtualSystemManagementService (Msvm code family) ---

  MethodResult define_system(const PropertyList& in);
  MethodResult destroy_system(const PropertyList& in);
  MethodResult modify_system_settings(const PropertyList& in);

  // --- Msvm_ComputerSystem.RequestStateChange ---

  MethodResult vm_request_state_change(const Guid& vm_id, const PropertyList& in);

  // A requested move (V2's RequestedState map; 6/32773, 9/32776 are the same request in the
  // DMTF and vendor spelling): the transitional state it passes, where it ends, its JobType.
  // nullopt: a value the fake does not model; `via` kOff: not possible from `from`.
  struct Transition {
    VmState via;
    VmState to;
    std::uint16_t job_type;
  };
  static std::optional<Transition> transition(VmState from, std::uint64_t requested);

  // --- Msvm_ConcreteJob ---

  MethodResult job_request_state_change(const Guid& job_id, const PropertyList& in);
  MethodResult get_error(const Guid& job_id, bool all);

 private:
  MethodResult fail(std::uint32_t dmtf) { return result(h_.code(dmtf)); }

  InputCheck check_input(const PropertyList& in) const;
  bool refused(const Node& collection) const;
  MethodResult started(const Job& job);
  bool synchronous();
  MethodResult create_now(Job& job);
  std::optional<Node> node_param(const PropertyList& in, std::string_view name);
  std::optional<cim::Instance> settings_param(const PropertyList& in);
  static std::optional<CheckpointType> checkpoint_type(const Value& v);
  void unlink(const Guid& vm, const Guid& group);

  Host::Impl& h_;
};

}  // namespace hvsnap::sim
