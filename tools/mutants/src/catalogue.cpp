// The catalogue of mutants. Each breaks exactly one requirement and says which; the ctest in
// tools/test/mutants_test.cpp asserts the suite kills each one with that requirement.
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <set>

#include "hvsnap/cim/names.h"
#include "hvsnap/cim/text.h"
#include "hvsnap/tools/mutants.h"
#include "mutant.h"

namespace hvsnap::tools::mutants {

namespace {

namespace names = cim::names;

bool is_create(const cim::ObjectPath& object, std::string_view method) {
  return method == "CreateSnapshot" &&
         cim::iequals(object.class_name(), names::kCollectionSnapshotService);
}

// ---- return codes --------------------------------------------------------------------------

// CS-OUT-4: SnapshotType 0 is reserved and must be refused; this one takes it as "standard".
class AcceptsTypeZero final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  std::optional<cim::Result<cim::MethodResult>> before_invoke(const cim::ObjectPath& object,
                                                              std::string_view method,
                                                              cim::PropertyList& in) override {
    if (!is_create(object, method)) return std::nullopt;
    if (const cim::Value* t = cim::find(in, "SnapshotType"); t != nullptr && t->as_uint() == 0u) {
      cim::set(in, "SnapshotType", cim::Value::uint16(2));
    }
    return std::nullopt;
  }
};

// ---- atomicity -------------------------------------------------------------------------------

// CS-INV-3: when a CreateSnapshot job fails, the checkpoint of one member stays behind (the
// member that did not cause the failure when there is one), as if rollback had stopped early.
class PartialAfterFailedJob final : public Mutant {
 public:
  explicit PartialAfterFailedJob(std::shared_ptr<sim::Host> host) : Mutant(std::move(host)) {
    for (const auto& j : this->host().control().dump().jobs)
      seen_.insert(j.id);
  }

 protected:
  bool edits() const override { return true; }
  bool edit(sim::HostState& s) override {
    bool changed = false;
    for (const sim::Job& job : s.jobs) {
      if (job.kind != sim::JobKind::kCreateSnapshot || job.state != 10 || seen_.count(job.id)) {
        continue;
      }
      seen_.insert(job.id);
      std::set<sim::Guid> failing;
      for (const auto& e : job.errors)
        failing.insert(e.vm);
      auto pick = std::find_if(job.members.begin(), job.members.end(),
                               [&](const sim::Guid& m) { return !failing.count(m); });
      if (pick == job.members.end()) pick = job.members.begin();
      if (pick == job.members.end()) continue;
      auto vm =
          std::find_if(s.vms.begin(), s.vms.end(), [&](const sim::Vm& v) { return v.id == *pick; });
      if (vm == s.vms.end()) continue;
      sim::Snapshot left;
      left.id = sim::Guid::from_name("mutant-partial", job.id.to_string());
      left.vm = vm->id;
      left.kind = job.snapshot_kind;
      left.parent = vm->most_current;
      left.created_ms = s.now_ms;
      vm->snapshots.push_back(left.id);
      vm->most_current = left.id;
      s.snapshots.push_back(std::move(left));
      changed = true;
    }
    return changed;
  }

 private:
  std::set<sim::Guid> seen_;
};

// ---- result ----------------------------------------------------------------------------------

// CS-INV-2: every new snapshot collection lacks its last member's checkpoint — that VM was
// skipped (no VSSD, its most-current pointer untouched).
class SkipsAMember final : public Mutant {
 public:
  explicit SkipsAMember(std::shared_ptr<sim::Host> host) : Mutant(std::move(host)) {
    for (const auto& c : this->host().control().dump().snapshot_collections)
      seen_.insert(c.id);
  }

 protected:
  bool edits() const override { return true; }
  bool edit(sim::HostState& s) override {
    bool changed = false;
    for (sim::SnapshotCollection& c : s.snapshot_collections) {
      if (seen_.count(c.id)) continue;
      seen_.insert(c.id);
      if (c.members.empty()) continue;
      const sim::Guid skipped = c.members.back();
      c.members.pop_back();
      auto sn = std::find_if(s.snapshots.begin(), s.snapshots.end(),
                             [&](const sim::Snapshot& x) { return x.id == skipped; });
      if (sn == s.snapshots.end()) continue;
      for (sim::Vm& vm : s.vms) {
        if (vm.id != sn->vm) continue;
        std::erase(vm.snapshots, skipped);
        if (vm.most_current == skipped) vm.most_current = sn->parent;
      }
      s.snapshots.erase(sn);
      changed = true;
    }
    return changed;
  }

 private:
  std::set<sim::Guid> seen_;
};

struct Entry {
  MutantInfo info;
  std::function<std::shared_ptr<cim::Provider>(std::shared_ptr<sim::Host>)> make;
};

template <typename M>
std::function<std::shared_ptr<cim::Provider>(std::shared_ptr<sim::Host>)> maker() {
  return [](std::shared_ptr<sim::Host> h) { return std::make_shared<M>(std::move(h)); };
}

const std::vector<Entry>& entries() {
  static const std::vector<Entry> all{
      {{"accepts-type-zero", "CS-OUT-4", "return-code",
        "CreateSnapshot with SnapshotType 0 succeeds as a standard checkpoint"},
       maker<AcceptsTypeZero>()},
      {{"partial-after-failed-job", "CS-INV-3", "atomicity",
        "a CreateSnapshot job that ends 10 leaves one member's checkpoint behind"},
       maker<PartialAfterFailedJob>()},
      {{"skips-a-member", "CS-INV-2", "result",
        "the new snapshot collection lacks the last member's checkpoint"},
       maker<SkipsAMember>()},
  };
  return all;
}

}  // namespace

const std::vector<MutantInfo>& catalogue() {
  static const std::vector<MutantInfo> infos = [] {
    std::vector<MutantInfo> out;
    for (const auto& e : entries())
      out.push_back(e.info);
    return out;
  }();
  return infos;
}

const MutantInfo* find(std::string_view name) {
  for (const auto& m : catalogue()) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

cim::Result<std::shared_ptr<cim::Provider>> wrap(std::string_view name,
                                                 std::shared_ptr<sim::Host> host) {
  for (const auto& e : entries()) {
    if (e.info.name == name) return e.make(std::move(host));
  }
  std::string known;
  for (const auto& m : catalogue())
    known += (known.empty() ? "" : ", ") + std::string(m.name);
  return cim::invalid_parameter(fmt::format("unknown mutant '{}' (known: {})", name, known));
}

}  // namespace hvsnap::tools::mutants
