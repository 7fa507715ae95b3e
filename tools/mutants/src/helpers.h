// What the mutant families share: the helpers that find things in the fake's state, and the
// bases that give a mutant one narrow place to misbehave (a started job, a CreateSnapshot job
// being read, a new snapshot collection).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "hvsnap/cim/names.h"
#include "hvsnap/cim/text.h"
#include "mutant.h"

namespace hvsnap::tools::mutants {

namespace names = cim::names;

bool is_create(const cim::ObjectPath& object, std::string_view method);
bool is_class(const cim::Instance& i, std::string_view name);
bool is_method(const cim::ObjectPath& object, std::string_view method, std::string_view cls,
               std::string_view name);
sim::Vm* find_vm(sim::HostState& s, const sim::Guid& id);
const sim::Group* find_group(const sim::HostState& s, const cim::Value* ref);
bool transitional(sim::VmState st);

// Leaves a checkpoint of `vm` that no call asked for (a broken rollback or a stray write):
// a new snapshot under the VM's current one, which becomes the VM's most-current.
void leave_checkpoint(sim::HostState& s, sim::Vm& vm, const sim::Guid& id,
                      sim::SnapshotKind kind = sim::SnapshotKind::kStandard);

// Calls the fake; when it accepted the call (0 or 4096), undoes everything the call did (the
// state is loaded back and the clock moved on to where the call left it) and answers `code`
// instead — a refusal or a transient failure "with no change" (contract §4). Otherwise the
// fake's own answer. `accepted` says which happened.
cim::Result<cim::MethodResult> answer_instead(sim::Host& host, const cim::ObjectPath& object,
                                              std::string_view method, const cim::PropertyList& in,
                                              std::uint32_t code, bool& accepted);

// Not Supported and Invalid Parameter in the fake's code family (1 / 32770, 4 / 32773).
std::uint32_t not_supported_code(sim::Host& host);
std::uint32_t invalid_parameter_code(sim::Host& host);

// The group a CreateSnapshot names, when every member is Off (P-OFF).
bool members_all_off(sim::Host& host, const cim::PropertyList& in);

// Takes snapshot `id` out of the host as if it had never been made: out of its collection and
// its VM, its children re-parented to its parent, the VM's most-current pointer moved back, and
// so is the most-current a job under way would restore when it rolls back.
void unmake_snapshot(sim::HostState& s, const sim::Guid& id);

// Sees the answer of every CreateSnapshot that started a job (4096).
class OnJobStarted : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  void after_invoke(const cim::ObjectPath& object, std::string_view method,
                    const cim::PropertyList&, cim::Result<cim::MethodResult>& r) final {
    if (is_create(object, method) && r.ok() && r->return_value == 4096) started(*r);
  }
  virtual void started(cim::MethodResult& r) = 0;
};

// Rewrites the CreateSnapshot jobs a client reads (JobType 198).
class JobRewriter : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  bool rewrite(cim::Instance& i, const ReadContext& ctx) override {
    if (!is_class(i, names::kJob) || i.get_uint("JobType") != 198u) return true;
    get_ = ctx.kind == ReadContext::Kind::kGet;
    return rewrite_job(i, i.get_string("InstanceID"), i.get_uint("JobState").value_or(0));
  }
  bool get_ = false;  // the instance being rewritten was read by a Get of its path
  virtual bool rewrite_job(cim::Instance& job, const std::string& id, std::uint64_t state) = 0;
};

// Sees each snapshot collection once, when it first appears.
class OnNewCollections : public Mutant {
 public:
  explicit OnNewCollections(std::shared_ptr<sim::Host> host) : Mutant(std::move(host)) {
    for (const auto& c : this->host().control().dump().snapshot_collections)
      seen_.insert(c.id);
  }

 protected:
  bool edits() const override { return true; }
  bool edit(sim::HostState& s) override {
    bool changed = false;
    for (std::size_t i = 0; i < s.snapshot_collections.size(); ++i) {
      if (!seen_.insert(s.snapshot_collections[i].id).second) continue;
      changed = on_new(s, s.snapshot_collections[i].id) || changed;
    }
    return changed;
  }
  virtual bool on_new(sim::HostState& s, const sim::Guid& collection) = 0;

 private:
  std::set<sim::Guid> seen_;
};

}  // namespace hvsnap::tools::mutants
