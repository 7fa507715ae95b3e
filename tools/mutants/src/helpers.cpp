// The helpers of helpers.h.
#include "helpers.h"

#include <algorithm>
#include <stdexcept>

namespace hvsnap::tools::mutants {

bool is_create(const cim::ObjectPath& object, std::string_view method) {
  return method == "CreateSnapshot" &&
         cim::iequals(object.class_name(), names::kCollectionSnapshotService);
}

bool is_class(const cim::Instance& i, std::string_view name) {
  return cim::iequals(i.class_name(), name);
}

bool is_method(const cim::ObjectPath& object, std::string_view method, std::string_view cls,
               std::string_view name) {
  return method == name && cim::iequals(object.class_name(), cls);
}

sim::Vm* find_vm(sim::HostState& s, const sim::Guid& id) {
  for (auto& v : s.vms) {
    if (v.id == id) return &v;
  }
  return nullptr;
}

const sim::Group* find_group(const sim::HostState& s, const cim::Value* ref) {
  if (ref == nullptr || ref->as_reference() == nullptr) return nullptr;
  const auto& keys = ref->as_reference()->keys();
  for (const auto& g : s.groups) {
    for (const auto& k : keys) {
      if (cim::iequals(k.value, g.id.to_string())) return &g;
    }
  }
  return nullptr;
}

bool transitional(sim::VmState st) {
  return st == sim::VmState::kShuttingDown || st == sim::VmState::kStarting;
}

void leave_checkpoint(sim::HostState& s, sim::Vm& vm, const sim::Guid& id, sim::SnapshotKind kind) {
  sim::Snapshot left;
  left.id = id;
  left.vm = vm.id;
  left.kind = kind;
  left.parent = vm.most_current;
  left.created_ms = s.now_ms;
  vm.snapshots.push_back(id);
  vm.most_current = id;
  s.snapshots.push_back(std::move(left));
}

void unmake_snapshot(sim::HostState& s, const sim::Guid& id) {
  auto sn = std::find_if(s.snapshots.begin(), s.snapshots.end(),
                         [&](const sim::Snapshot& x) { return x.id == id; });
  if (sn == s.snapshots.end()) return;
  const sim::Guid parent = sn->parent;
  for (auto& c : s.snapshot_collections)
    std::erase(c.members, id);
  for (auto& x : s.snapshots) {
    if (x.parent == id) x.parent = parent;
  }
  if (sim::Vm* vm = find_vm(s, sn->vm)) {
    vm->snapshots.erase(id);
    if (vm->most_current == id) vm->most_current = parent;
  }
  // A job under way that took it as its VM's most-current would put it back when it rolls back.
  for (auto& j : s.jobs)
    std::replace(j.previous_most_current.begin(), j.previous_most_current.end(), id, parent);
  s.snapshots.erase(sn);
}

cim::Result<cim::MethodResult> answer_instead(sim::Host& host, const cim::ObjectPath& object,
                                              std::string_view method, const cim::PropertyList& in,
                                              std::uint32_t code, bool& accepted) {
  sim::HostState before = host.control().dump();
  const std::int64_t then = before.now_ms;
  auto r = host.invoke_method(object, method, in);
  accepted = r.ok() && (r->return_value == 0 || r->return_value == 4096);
  if (!accepted) return r;
  const std::int64_t now = host.control().now_ms();
  if (auto st = host.control().load(std::move(before)); !st.ok()) {
    throw std::logic_error("mutant could not undo a call: " + st.to_string());
  }
  host.control().advance(now - then);
  return cim::MethodResult{code, {}};
}

std::uint32_t not_supported_code(sim::Host& host) {
  return host.control().dump().personality.codes == sim::CodeFamily::kMsvm ? 32770 : 1;
}

std::uint32_t invalid_parameter_code(sim::Host& host) {
  return host.control().dump().personality.codes == sim::CodeFamily::kMsvm ? 32773 : 4;
}

bool members_all_off(sim::Host& host, const cim::PropertyList& in) {
  sim::HostState s = host.control().dump();
  const sim::Group* g = find_group(s, cim::find(in, "Collection"));
  if (g == nullptr || g->members.empty()) return false;
  for (const auto& m : g->members) {
    const sim::Vm* vm = find_vm(s, m);
    if (vm == nullptr || vm->state != sim::VmState::kOff) return false;
  }
  return true;
}

}  // namespace hvsnap::tools::mutants
