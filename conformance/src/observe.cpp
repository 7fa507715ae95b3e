// The observation step: what the oracle's judgement rests on, read through the Provider
// (contract §4). Reads that fail are recorded, never thrown.
#include "hvsnap/conformance/observe.h"

#include <fmt/format.h>

#include <type_traits>

#include "hvsnap/cim/codes.h"
#include "hvsnap/cim/names.h"
#include "hvsnap/cim/text.h"

namespace hvsnap::conformance {

namespace names = cim::names;
using model::CollectionView;
using model::GroupView;
using model::HostView;
using model::id_of;
using model::Scope;
using model::SnapView;
using model::upper;
using model::VmView;

namespace {

void problem(std::vector<model::ReadProblem>& out, std::string check, std::string message) {
  for (const auto& p : out) {
    if (p.check == check && p.message == message) return;
  }
  out.push_back({std::move(check), std::move(message)});
}

// A VSSD's Parent: an object path naming the parent snapshot (CS-READ-2), or empty.
std::string parent_id(const cim::Instance& vssd, const std::string& id, HostView& v) {
  const cim::Value* value = vssd.get("Parent");
  if (value == nullptr || value->is_null()) return {};
  if (const cim::ObjectPath* ref = value->as_reference()) return id_of(*ref);
  const std::string text = vssd.get_string("Parent");
  if (text.empty()) return {};
  auto p = cim::ObjectPath::parse(text);
  if (!p.ok() || p->key("InstanceID") == nullptr) {
    problem(
        v.problems, "read2.parent-is-a-path",
        fmt::format("snapshot {}'s Parent is \"{}\", not the object path of a snapshot", id, text));
    return upper(text);  // compared as text
  }
  return id_of(*p);
}

// A read that failed, filed by what it tells (decision 0161): the host's own answer
// (`errors`), or no answer at all (`lost`).
void failed_read(HostView& v, const cim::Status& st, std::string what) {
  (cim::lost_on_the_wire(st.kind()) ? v.lost : v.errors).push_back(std::move(what));
}

std::optional<std::int64_t> timestamp_of(const cim::Instance& i, std::string_view name) {
  const cim::Value* v = i.get(name);
  if (v == nullptr || v->as_datetime() == nullptr || v->as_datetime()->is_interval())
    return std::nullopt;
  return v->as_datetime()->micros();
}

std::vector<cim::Instance> assoc(cim::Provider& p, const cim::ObjectPath& from,
                                 std::string_view assoc_class, std::string_view result_class,
                                 HostView& v) {
  auto r = p.associators(from, {std::string(assoc_class), std::string(result_class), "", ""});
  if (!r.ok()) {
    failed_read(v, r.status(),
                fmt::format("ASSOCIATORS OF {} via {}: {}", from.to_string(), assoc_class,
                            r.status().to_string()));
    return {};
  }
  return std::move(r).value();
}

// A collection's members: before a call, from `lean` once two reads agreed (immutable, contract
// §1); else read (and remembered there). A view after a call always reads them (CS-OUT-16).
CollectionView collection_of(cim::Provider& p, const cim::ObjectPath& path, HostView& v,
                             std::string element_name, LeanReads* lean) {
  const std::string id = id_of(path);
  if (lean != nullptr && lean->before_call) {
    if (const auto known = lean->confirmed.find(id); known != lean->confirmed.end()) {
      CollectionView c = known->second;
      c.path = path;
      c.element_name = std::move(element_name);
      return c;
    }
  }
  const std::size_t failed = v.errors.size() + v.lost.size();
  CollectionView c = observe_collection(p, path, v, std::move(element_name));
  if (lean != nullptr && v.errors.size() + v.lost.size() == failed) {
    if (const auto known = lean->confirmed.find(id); known != lean->confirmed.end()) {
      // Read again by a view after a call: members that changed (a defect the oracle judges,
      // CS-OUT-16) end the confirmation.
      if (known->second.members != c.members || known->second.listed_twice != c.listed_twice) {
        lean->confirmed.erase(known);
        lean->read_once[id] = c;
      }
      return c;
    }
    const auto once = lean->read_once.find(id);
    if (once != lean->read_once.end() && once->second.members == c.members &&
        once->second.listed_twice == c.listed_twice) {
      lean->confirmed[id] = c;
      lean->read_once.erase(once);
    } else {
      lean->read_once[id] = c;
    }
  }
  return c;
}

// The watched jobs (CS-INV-9), each by its own path; before a call, one whose end was confirmed
// is taken as last read (LeanReads).
void observe_jobs(cim::Provider& p, const Scope& scope, LeanReads* lean, HostView& v) {
  for (const auto& path : scope.jobs) {
    model::JobView j;
    j.id = id_of(path);
    j.path = path;
    if (lean != nullptr && lean->before_call) {
      if (const auto known = lean->ended.find(j.id); known != lean->ended.end()) {
        v.jobs[j.id] = known->second;  // its end, confirmed: no read before the call
        continue;
      }
    }
    auto inst = p.get_instance(path);
    if (!inst.ok() && cim::lost_on_the_wire(inst.status().kind())) {
      // Neither there nor gone: no answer (decision 0161).
      v.lost.push_back(
          fmt::format("GetInstance {}: {}", path.to_string(), inst.status().to_string()));
      if (lean != nullptr) lean->ended.erase(j.id);
      continue;
    }
    j.readable = inst.ok();
    if (inst.ok()) {
      j.state = static_cast<std::uint16_t>(inst->get_uint("JobState").value_or(0));
      j.last_change_us = timestamp_of(*inst, "TimeOfLastStateChange");
      if (const cim::Value* tbr = inst->get("TimeBeforeRemoval");
          tbr != nullptr && tbr->as_datetime() != nullptr && tbr->as_datetime()->is_interval()) {
        j.time_before_removal_us = tbr->as_datetime()->micros();
      }
    }
    if (lean != nullptr) {
      // The last read stands for the next view before a call while it says the job ended.
      if (j.readable && cim::JobState(j.state).is_terminal()) {
        lean->ended[j.id] = j;
      } else {
        lean->ended.erase(j.id);
      }
    }
    v.jobs[j.id] = std::move(j);
  }
}

}  // namespace

CollectionView observe_collection(cim::Provider& p, const cim::ObjectPath& path, HostView& v,
                                  std::string element_name) {
  CollectionView c;
  c.id = id_of(path);
  c.path = path;
  c.element_name = std::move(element_name);
  // Each snapshot belongs to a collection once: an association instance names the pair, so
  // the same member listed twice is not the duplication of a wide traversal (M2) but a defect.
  for (const auto& m : assoc(p, path, names::kCollectedSnapshots, "", v)) {
    const std::string id = upper(m.get_string("InstanceID"));
    if (!c.members.insert(id).second) c.listed_twice.insert(id);
  }
  return c;
}

HostView observe(cim::Provider& p, const Scope& scope, LeanReads* lean) {
  HostView v;
  // Before a call, what LeanReads::reuse names is taken as the view after the previous call
  // saw it.
  const HostView* last = lean != nullptr && lean->before_call ? lean->last : nullptr;
  auto as_last = [&](const auto& views, const std::string& id) {
    using View = typename std::decay_t<decltype(views)>::mapped_type;
    if (last == nullptr || !lean->reuse.count(id)) return static_cast<const View*>(nullptr);
    const auto it = views.find(id);
    return it == views.end() ? nullptr : &it->second;
  };
  std::vector<cim::ObjectPath> to_read;
  for (const auto& path : scope.vms) {
    const std::string id = id_of(path);
    const VmView* seen = last == nullptr ? nullptr : as_last(last->vms, id);
    if (seen == nullptr) {
      to_read.push_back(path);
      continue;
    }
    v.vms[id] = *seen;
    for (const auto& s : seen->snapshots) {
      if (const auto sn = last->snapshots.find(s); sn != last->snapshots.end())
        v.snapshots[s] = sn->second;
    }
  }
  // The VMs in scope in one read (a WQL query over WS-Man, decision 0083).
  auto vms = p.get_instances(to_read);
  for (std::size_t i = 0; i < to_read.size(); ++i) {
    const cim::ObjectPath& path = to_read[i];
    VmView vm;
    vm.id = id_of(path);
    vm.path = path;
    auto& inst = vms[i];
    if (!inst.ok()) {
      failed_read(v, inst.status(),
                  fmt::format("GetInstance {}: {}", path.to_string(), inst.status().to_string()));
      continue;
    }
    vm.state = static_cast<std::uint16_t>(inst->get_uint("EnabledState").value_or(0));
    vm.other_state = inst->get_string("OtherEnabledState");
    // DMTF reserves 11..32767: a host reports v2 values, 1 (Other) or vendor values (V1).
    if (vm.state >= 11 && vm.state <= 32767) {
      problem(v.problems, "read4.value-map",
              fmt::format("VM {} reports EnabledState {}, a DMTF-reserved value", vm.id, vm.state));
    }
    for (const auto& s : assoc(p, path, names::kSnapshotOfVm, "", v)) {
      SnapView sv;
      sv.id = upper(s.get_string("InstanceID"));
      sv.vm = vm.id;  // reached from this VM
      const std::string names_vm = upper(s.get_string("VirtualSystemIdentifier"));
      if (!names_vm.empty() && names_vm != vm.id) {
        problem(v.problems, "read2.snapshot-names-its-vm",
                fmt::format("snapshot {} of VM {} has VirtualSystemIdentifier {}", sv.id, vm.id,
                            names_vm));
      }
      if (s.path().key("InstanceID") == nullptr) {
        problem(v.problems, "read2.full-key-set",
                fmt::format("snapshot {} is handed out as {}, without its InstanceID key", sv.id,
                            s.path().to_string()));
      }
      sv.type = s.get_string("VirtualSystemType");
      sv.parent = parent_id(s, sv.id, v);
      sv.path = s.path();
      sv.created_us = timestamp_of(s, "CreationTime");
      vm.snapshots.insert(sv.id);
      v.snapshots[sv.id] = std::move(sv);
    }
    // Before a call, a lean observation reads the pointer only where there is a checkpoint for
    // it to name; after a call it is read (CS-INV-3, CS-INV-9 judge every VM's pointer).
    if (lean == nullptr || !lean->before_call || !vm.snapshots.empty()) {
      const auto mc = assoc(p, path, names::kMostCurrentSnapshot, "", v);
      if (!mc.empty()) vm.most_current = upper(mc.front().get_string("InstanceID"));
    }
    v.vms[vm.id] = std::move(vm);
  }
  auto observe_group = [&](const cim::ObjectPath& path, bool management) {
    if (const GroupView* seen = last == nullptr ? nullptr : as_last(last->groups, id_of(path));
        seen != nullptr) {
      v.groups[seen->id] = *seen;
      for (const auto& c : seen->collections) {
        if (const auto it = last->collections.find(c); it != last->collections.end())
          v.collections[c] = it->second;
      }
      return;
    }
    GroupView g;
    g.id = id_of(path);
    g.path = path;
    g.management = management;
    const std::string_view member_assoc =
        management ? names::kCollectedCollections : names::kCollectedVirtualSystems;
    for (const auto& m : assoc(p, path, member_assoc, "", v))
      g.members.insert(id_of(m.path()));
    if (!management) {
      for (const auto& c : assoc(p, path, names::kSnapshotOfGroup, "", v)) {
        g.collections.insert(id_of(c.path()));
        if (!v.collections.count(id_of(c.path()))) {
          v.collections[id_of(c.path())] =
              collection_of(p, c.path(), v, c.get_string("ElementName"), lean);
        }
      }
    }
    v.groups[g.id] = std::move(g);
  };
  for (const auto& path : scope.groups)
    observe_group(path, false);
  for (const auto& path : scope.management)
    observe_group(path, true);
  for (const auto& path : scope.collections) {
    if (!v.collections.count(id_of(path))) {
      if (auto c = p.get_instance(path); c.ok()) {
        v.collections[id_of(path)] = collection_of(p, path, v, c->get_string("ElementName"), lean);
      } else if (cim::lost_on_the_wire(c.status().kind())) {
        v.lost.push_back(
            fmt::format("GetInstance {}: {}", path.to_string(), c.status().to_string()));
      }
    }
  }
  observe_jobs(p, scope, lean, v);
  v.whole_host_collections = scope.whole_host_collections;
  if (!scope.whole_host_collections) {
    // The collections the scope reaches; a new one no group links is found from the new
    // snapshots when the call is judged (complete_observation, decision 0091).
    for (const auto& [id, c] : v.collections) {
      v.all_collections.insert(id);
      v.collection_paths.emplace(id, c.path);
    }
    return v;
  }
  // Their names only: the view keeps nothing else of them (decision 0134). Added at the end
  // of the ordered containers first: a host that lists them in id order (as the fake does)
  // costs no search each (decision 0136).
  auto all = p.enumerate_instance_names(names::kNamespace, names::kSnapshotCollection);
  if (all.ok()) {
    for (auto& path : *all) {
      std::string id = id_of(path);
      v.all_collections.emplace_hint(v.all_collections.end(), id);
      v.collection_paths.emplace_hint(v.collection_paths.end(), std::move(id), std::move(path));
    }
  } else {
    failed_read(v, all.status(),
                "EnumerateInstances Msvm_SnapshotCollection: " + all.status().to_string());
  }
  return v;
}

void complete_observation(cim::Provider& p, const model::ReadPlan& plan, model::Observation& o) {
  // What the host answered with an error is judged as the reads found it; what no answer came
  // back for goes to the view after the call, which is then not judged (decision 0161).
  auto lost = [&](const cim::Status& st, std::string what) {
    if (!cim::lost_on_the_wire(st.kind())) return false;
    o.after.lost.push_back(fmt::format("{}: {}", what, st.to_string()));
    return true;
  };
  if (plan.unlinked_collection) {
    HostView read;
    CollectionView c = observe_collection(p, *plan.unlinked_collection, read, "");
    o.after.lost.insert(o.after.lost.end(), read.lost.begin(), read.lost.end());
    o.unlinked[c.id] = std::move(c);
  }
  for (const auto& path : plan.resolve) {
    model::Resolution r;
    r.path = path;
    auto inst = p.get_instance(path);
    if (!inst.ok() && lost(inst.status(), "GetInstance " + path.to_string())) continue;
    r.found = inst.ok();
    if (!inst.ok()) {
      r.error = inst.status().to_string();
    } else {
      // The instance read back names the same object: its class, and every key the path had.
      r.same = cim::iequals(inst->class_name(), path.class_name());
      for (const auto& k : path.keys()) {
        const cim::Value* v = inst->get(k.name.view());
        const auto text = v == nullptr ? std::nullopt : v->as_string();
        r.same = r.same && text.has_value() && upper(*text) == upper(k.value);
      }
    }
    o.resolved.push_back(std::move(r));
  }
  if (plan.sync_job) {
    model::JobRead r;
    auto ji = p.get_instance(*plan.sync_job);
    if (!ji.ok()) lost(ji.status(), "GetInstance " + plan.sync_job->to_string());
    r.readable = ji.ok();
    if (ji.ok()) {
      r.state = static_cast<std::uint16_t>(ji->get_uint("JobState").value_or(0));
    } else {
      r.error = ji.status().to_string();
    }
    o.sync_job = r;
  }
  if (plan.affected_job) {
    auto from_job =
        p.associators(*plan.affected_job, {std::string(names::kAffectedJobElement), "", "", ""});
    std::set<std::string> ids;
    if (from_job.ok()) {
      for (const auto& x : *from_job)
        ids.insert(id_of(x.path()));
    } else {
      lost(from_job.status(), "ASSOCIATORS OF " + plan.affected_job->to_string());
    }
    o.affected_from_job = std::move(ids);
  }
}

// A view of the collections the scope reaches (decision 0091): every new snapshot of a VM in
// scope that no collection in the view lists is followed to its collection through
// Msvm_CollectedSnapshots, so a new collection that no group links is found and counted as the
// host-wide enumeration found it. A legal host lists every new snapshot in the new collection
// its group links: no read then.
void reach_new_collections(cim::Provider& p, model::Observation& o) {
  if (o.after.whole_host_collections) return;
  std::set<std::string> listed;  // (one read per such snapshot: only a defective host pays)
  for (const auto& [id, c] : o.after.collections)
    listed.insert(c.members.begin(), c.members.end());
  for (const auto& [id, s] : o.after.snapshots) {
    if (o.before.snapshots.count(id) || listed.count(id) || s.path.keys().empty()) continue;
    auto r = p.associators(s.path, {std::string(names::kCollectedSnapshots), "", "", ""});
    if (!r.ok()) {
      if (cim::lost_on_the_wire(r.status().kind())) {
        o.after.lost.push_back(
            fmt::format("ASSOCIATORS OF {}: {}", s.path.to_string(), r.status().to_string()));
      }
      continue;  // no collection found: judged as a snapshot outside any
    }
    for (const auto& c : *r) {
      const std::string cid = id_of(c.path());
      o.after.all_collections.insert(cid);
      o.after.collection_paths.emplace(cid, c.path());
    }
  }
}

void complete_observation(cim::Provider& p, bool management, model::Observation& o) {
  reach_new_collections(p, o);
  complete_observation(p, model::plan_reads(o.before, o.outcome, o.after, management), o);
}

}  // namespace hvsnap::conformance
