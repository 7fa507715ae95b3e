// Stateful sequences (contract §5): the harness's DestroySnapshot (CS-SEQ-2) and ApplySnapshot
// (CS-SEQ-3) steps (sequence_harness.h).
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "hvsnap/cim/codes.h"
#include "hvsnap/cim/names.h"
#include "hvsnap/conformance/catalogue.h"
#include "sequence_harness.h"

namespace hvsnap::conformance {

namespace names = cim::names;
using cim::Value;
using model::id_of;

std::vector<std::string> Harness::our_collections() const {
  std::vector<std::string> out;
  for (const auto& g : groups_) {
    for (const auto& c : view_.groups.at(id_of(g)).collections)
      out.push_back(c);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void Harness::destroy(const Step& step) {
  const auto ours = our_collections();
  if (ours.empty()) return poll();
  const std::string& target = ours[static_cast<std::size_t>(step.a) % ours.size()];
  const model::HostView before = view_;
  const std::set<std::string> dead = before.collections.at(target).members;
  cim::PropertyList in;
  cim::set(in, "AffectedSnapshotCollection", Value::reference(before.collections.at(target).path));
  auto r = cl_.invoke(Client::service(names::kCollectionSnapshotService), "DestroySnapshot", in);
  throw_if_lost(r.status(), "the DestroySnapshot call");
  model::CallOutcome o = model::CallOutcome::from(r);
  if (o.job && !o.fault && o.return_value == cim::ReturnCode::kJobStarted) {
    note_job(*o.job);
    finish_job(o);
  }
  const model::HostView after = observe();
  const bool no_change_at_all = model::diff(before, after, transitions_).empty();
  if (!succeeded(o) && !(undecided(o) && !no_change_at_all)) {
    const bool no_change = no_change_at_all;
    const bool tolerated =
        cfg_.declarations.transient_failures || !transitions_.empty() || undecided(o);
    add(finding("seq2.removed", tolerated && no_change ? Verdict::kPass : Verdict::kFail,
                fmt::format("DestroySnapshot of {} gave {}{}", target, o.describe(),
                            no_change ? "" : " and changed the host")));
    view_ = after;
    return;
  }
  collections_.erase(target);
  // The destroyed snapshots' descendants: each is either re-parented or removed with its own
  // descendants ("may destroy other snapshots that are dependent", M7; AMB-15).
  std::set<std::string> dependents;
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [id, sv] : before.snapshots) {
      if (dead.count(id) || dependents.count(id)) continue;
      if (dead.count(sv.parent) || dependents.count(sv.parent))
        grew = dependents.insert(id).second || grew;
    }
  }
  auto gone = [&](const std::string& s) { return !s.empty() && !after.snapshots.count(s); };
  // The nearest ancestor of `s` that survives.
  auto survivor = [&](std::string s) {
    while (!s.empty() && (dead.count(s) || gone(s)))
      s = before.snapshots.count(s) ? before.snapshots.at(s).parent : std::string();
    return s;
  };
  std::string removed, reparent, current, others;
  if (after.all_collections.count(target)) removed = fmt::format("{} still exists", target);
  for (const auto& s : dead) {
    if (after.snapshots.count(s) && removed.empty())
      removed = fmt::format("its snapshot {} still exists", s);
  }
  for (const auto& [id, sv] : after.snapshots) {
    // No snapshot may be left with a Parent that does not exist.
    if (gone(sv.parent) && reparent.empty()) {
      reparent =
          fmt::format("snapshot {} is left with Parent {}, which no longer exists", id, sv.parent);
    }
    auto b = before.snapshots.find(id);
    if (b == before.snapshots.end() || !dead.count(b->second.parent)) continue;
    const std::string want = survivor(b->second.parent);
    if (sv.parent != want && reparent.empty()) {
      reparent = fmt::format("child {} has Parent {}, expected {}", id,
                             sv.parent.empty() ? "none" : sv.parent, want.empty() ? "none" : want);
    }
  }
  for (const auto& [vm, b] : before.vms) {
    const auto& a = after.vms.at(vm);
    const std::string want = survivor(b.most_current);
    if (a.most_current != want && current.empty()) {
      current = fmt::format("{}'s most-current snapshot is {}, expected {}", vm,
                            a.most_current.empty() ? "none" : a.most_current,
                            want.empty() ? "none" : want);
    }
  }
  for (const auto& [id, c] : before.collections) {
    if (id == target) continue;
    // A collection keeps every member that was not removed as a dependent (M7); one that
    // lost all its members may go as a whole.
    std::set<std::string> kept;
    for (const auto& m : c.members) {
      if (!(dependents.count(m) && gone(m))) kept.insert(m);
    }
    auto a = after.collections.find(id);
    const bool ok = a == after.collections.end() ? kept.empty() && kept != c.members
                                                 : a->second.members == kept;
    if (!ok && others.empty()) others = fmt::format("snapshot collection {} changed", id);
    // What CS-SEQ-4 holds from now on: the collection as the legal removal left it.
    if (ok && kept != c.members && collections_.count(id)) {
      if (a == after.collections.end()) {
        collections_.erase(id);
      } else {
        collections_[id] = a->second.members;
      }
    }
  }
  for (const auto& [id, sv] : before.snapshots) {
    if (!dead.count(id) && !dependents.count(id) && !after.snapshots.count(id) && others.empty())
      others = fmt::format("snapshot {} vanished", id);
  }
  add(finding("seq2.removed", removed.empty() ? Verdict::kPass : Verdict::kFail, removed));
  add(finding("seq2.reparented", reparent.empty() ? Verdict::kPass : Verdict::kFail, reparent));
  add(finding("seq2.most-current", current.empty() ? Verdict::kPass : Verdict::kFail, current));
  add(finding("seq2.others-unchanged", others.empty() ? Verdict::kPass : Verdict::kFail, others));
  view_ = after;
}

void Harness::apply(const Step& step) {
  const auto ours = our_collections();
  if (ours.empty()) return poll();
  const std::string& target = ours[static_cast<std::size_t>(step.a) % ours.size()];
  const model::HostView before = view_;
  std::map<std::string, std::string> restore;  // vm -> its snapshot in the collection
  for (const auto& s : before.collections.at(target).members) {
    if (before.snapshots.count(s)) restore[before.snapshots.at(s).vm] = s;
  }
  bool running = false, stopped = true;
  for (const auto& [vm, s] : restore) {
    const auto st = before.vms.count(vm) ? before.vms.at(vm).state : 0;
    running = running || st == 2;
    stopped = stopped && (st == 3 || st == 6) && !transitions_.count(vm);
  }
  cim::PropertyList in;
  cim::set(in, "SnapshotCollection", Value::reference(before.collections.at(target).path));
  auto r = cl_.invoke(Client::service(names::kCollectionSnapshotService), "ApplySnapshot", in);
  throw_if_lost(r.status(), "the ApplySnapshot call");
  model::CallOutcome o = model::CallOutcome::from(r);
  if (o.job && !o.fault && o.return_value == cim::ReturnCode::kJobStarted) {
    note_job(*o.job);
    finish_job(o);
  }
  const model::HostView after = observe();
  const bool ok =
      succeeded(o) || (undecided(o) && !model::diff(before, after, transitions_).empty());
  if (running) {
    const bool no_change = model::diff(before, after, transitions_).empty();
    const bool right_code = !o.fault && (o.return_value == 5 || o.return_value == 32775);
    const bool pass = !ok && no_change &&
                      (right_code || cfg_.declarations.transient_failures || o.trace.has_value());
    add(finding("seq3.running-refused", pass ? Verdict::kPass : Verdict::kFail,
                pass ? ""
                     : fmt::format("ApplySnapshot with a Running member gave {}{}", o.describe(),
                                   no_change ? "" : " and changed the host")));
  } else if (stopped) {
    std::string problem;
    if (!ok && !cfg_.declarations.transient_failures && !undecided(o)) {
      problem = fmt::format("ApplySnapshot with every member Off or Saved gave {}", o.describe());
    }
    if (ok) {
      for (const auto& [vm, s] : restore) {
        if (after.vms.count(vm) && after.vms.at(vm).most_current != s && problem.empty()) {
          problem = fmt::format("{}'s most-current snapshot is {}, not the applied {}", vm,
                                after.vms.at(vm).most_current, s);
        }
      }
    }
    add(finding("seq3.applied", problem.empty() ? Verdict::kPass : Verdict::kFail, problem));
  }
  view_ = after;
}

}  // namespace hvsnap::conformance
