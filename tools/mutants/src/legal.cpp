// The family "legal": providers that bend the contract without breaking it. The suite must
// CERTIFY each (no false verdict on a legal host); the wire ones are in wire.cpp. The one table
// in catalogue.cpp registers each.
#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "hvsnap/cim/codes.h"

#include "families.h"
#include "helpers.h"

namespace hvsnap::tools::mutants {

namespace {

// Bends CS-INV-8, a SHOULD: a terminal CreateSnapshot job disappears right after it was first
// read ended, long before its TimeBeforeRemoval. The suite must WARN and still certify: a
// SHOULD never stops a case, a set-up or a sequence. (A job nobody read ended is not watched by
// CS-INV-9, so nothing else breaks.)
class JobRemovedEarly final : public JobRewriter {
 public:
  using JobRewriter::JobRewriter;

 protected:
  bool rewrite_job(cim::Instance&, const std::string& id, std::uint64_t state) override {
    if (state < 7) return true;
    return !gone_.contains(id) ? (gone_.insert(id), true) : false;
  }

 private:
  std::set<std::string> gone_;
};

// A busy host (contract §4, CS-OUT-14; decision 0062): a CreateSnapshot of a ready group —
// every member Running or Off and able to take a checkpoint, a standard or recovery checkpoint,
// no SnapshotSettings — that the fake would accept is answered Timeout (3 / 32772 in the host's
// code family) with no change on every third call per group, the phase drawn from the host's seed
// (call n of a group, from 0, when (n + seed) mod 3 is 0). The call after a Timeout goes ahead, so
// a bounded retry always gets through. The suite must retry wherever it judges a CreateSnapshot and
// CERTIFY.
class TimeoutNowAndThen final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  std::optional<cim::Result<cim::MethodResult>> before_invoke(const cim::ObjectPath& object,
                                                              std::string_view method,
                                                              cim::PropertyList& in) override {
    if (!is_create(object, method)) return std::nullopt;
    const sim::HostState s = host().control().dump();
    const sim::Group* g = find_group(s, cim::find(in, "Collection"));
    if (g == nullptr || g->members.empty() || !ready(s, *g, in)) return std::nullopt;
    const std::uint64_t n = calls_[g->id.to_string()]++;
    if ((n + s.seed) % 3 != 0) return std::nullopt;
    const std::uint32_t timeout = s.personality.codes == sim::CodeFamily::kMsvm
                                      ? cim::ReturnCode::kMsvmTimeout
                                      : cim::ReturnCode::kTimeout;
    bool accepted = false;  // the fake's own answer when it would not have accepted the call
    return answer_instead(host(), object, method, in, timeout, accepted);
  }

 private:
  static bool ready(const sim::HostState& s, const sim::Group& g, const cim::PropertyList& in) {
    const cim::Value* type = cim::find(in, "SnapshotType");
    const auto t = type == nullptr ? std::nullopt : type->as_uint();
    if (!t || (*t != 1 && *t != 2)) return false;
    const cim::Value* settings = cim::find(in, "SnapshotSettings");
    if (settings != nullptr && !settings->is_null()) return false;
    for (const auto& m : g.members) {
      const auto vm =
          std::find_if(s.vms.begin(), s.vms.end(), [&](const sim::Vm& v) { return v.id == m; });
      if (vm == s.vms.end() || !vm->busy_job.is_nil() ||
          (vm->state != sim::VmState::kRunning && vm->state != sim::VmState::kOff)) {
        return false;
      }
      // A member that cannot be checkpointed makes the group not ready (C-DISABLED,
      // C-AT-LIMIT, C-NONSNAP-DISK, C-PROD-ONLY-NOVSS): the fake may start a job that fails.
      const bool snapshottable_disks = std::all_of(
          vm->disks.begin(), vm->disks.end(),
          [](sim::DiskKind d) { return d == sim::DiskKind::kVhdx || d == sim::DiskKind::kVhds; });
      if (vm->checkpoint_type == sim::CheckpointType::kDisabled || !snapshottable_disks ||
          vm->snapshots.size() >= vm->checkpoint_limit ||
          (vm->checkpoint_type == sim::CheckpointType::kProductionOnly &&
           vm->guest_vss != sim::GuestVss::kOk)) {
        return false;
      }
    }
    return true;
  }
  std::map<std::string, std::uint64_t> calls_;  // CreateSnapshot calls of a ready group, by group
};

}  // namespace

ProviderPtr make_timeout_now_and_then(HostPtr host) {
  return std::make_shared<TimeoutNowAndThen>(std::move(host));
}

ProviderPtr make_job_removed_early(HostPtr host) {
  return std::make_shared<JobRemovedEarly>(std::move(host));
}

}  // namespace hvsnap::tools::mutants
