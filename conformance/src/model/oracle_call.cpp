// The oracle's judgement of one CreateSnapshot call (oracle.h, `judge`) and its create-call
// checkers: the return range (CS-INV-1), the allowed-outcome row of contract §4 (CS-OUT-n), no
// change on failure (CS-INV-3), the result set (CS-INV-2), the result reference (CS-INV-4),
// reachability (CS-INV-7), isolation (CS-INV-9) and the referenced collection (CS-OUT-16). The
// job and reading checkers are oracle_job.cpp's.
#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "hvsnap/cim/codes.h"
#include "hvsnap/cim/names.h"
#include "hvsnap/conformance/catalogue.h"
#include "hvsnap/conformance/model/oracle.h"
#include "oracle_internal.h"

namespace hvsnap::conformance::model {

namespace names = cim::names;

namespace {

constexpr std::uint32_t kTransientCodes[] = {2, 3, 32768, 32772};

bool is_transient_code(std::uint32_t code) {
  return std::find(std::begin(kTransientCodes), std::end(kTransientCodes), code) !=
         std::end(kTransientCodes);
}

std::string short_list(const std::set<std::string>& ids) {
  std::string out;
  for (const auto& id : ids)
    out += (out.empty() ? "" : ", ") + id;
  return out.empty() ? "none" : out;
}

std::string describe_changes(const Diff& d, std::size_t max_lines = 6) {
  std::string out;
  for (std::size_t i = 0; i < d.changes.size() && i < max_lines; ++i) {
    out += fmt::format("{}{} {}", i ? "; " : "", d.changes[i].object, d.changes[i].what);
  }
  if (d.changes.size() > max_lines)
    out += fmt::format("; and {} more", d.changes.size() - max_lines);
  return out;
}

// A snapshot collection the observation saw: linked from a group in scope, or read because no
// group links it.
const CollectionView* find_collection(const Observation& o, const std::string& id) {
  if (auto c = o.after.collections.find(id); c != o.after.collections.end()) return &c->second;
  if (auto c = o.unlinked.find(id); c != o.unlinked.end()) return &c->second;
  return nullptr;
}

// The two diffs every checker reads: inside the call's collection, and outside it.
struct Effects {
  Diff in;
  Diff out;
};

Effects effects_of(const Expectation& e, const Observation& o) {
  auto inside = [&](const std::string& id) { return e.inside.count(id) != 0; };
  auto outside = [&](const std::string& id) { return !inside(id); };
  return {diff(restrict_view(o.before, inside, true), restrict_view(o.after, inside, true),
               e.transitions),
          diff(restrict_view(o.before, outside, false), restrict_view(o.after, outside, false),
               e.transitions)};
}

// What kind of outcome it was. A job that vanished or never ended is judged by its effects.
Category categorize(const CallOutcome& o, const Diff& in) {
  if (o.fault) return Category::kFault;
  if (o.return_value == 0) return Category::kSuccess;
  if (o.return_value != cim::ReturnCode::kJobStarted) return Category::kFailureCode;
  if (o.reported_success()) return Category::kSuccess;
  if (o.reported_failure()) return Category::kFailedJob;
  return in.empty() ? Category::kFailedJob : Category::kSuccess;
}

// CS-INV-1: the value range.
void check_return_range(const CallOutcome& o, Findings& f) {
  if (o.fault) return;
  const std::uint32_t rv = o.return_value;
  const bool in_range = in_return_range(rv);
  f.push_back(finding(
      "inv1.return-range", in_range ? Verdict::kPass : Verdict::kFail,
      in_range ? "" : fmt::format("returned {}, a {} value", rv, cim::ReturnCode(rv).meaning())));
}

// CS-INV-5/6/8: a job was started.
void check_started_job(const CallOutcome& o, Findings& f) {
  if (o.fault || o.return_value != cim::ReturnCode::kJobStarted) return;
  if (!o.job) {
    f.push_back(
        finding("inv5.job-resolves", Verdict::kFail, "returned 4096 without a Job reference"));
  } else if (o.trace) {
    check_job(*o.trace, f);
  }
}

// The shape of a success: which kind of result set the provider produced (kNoSuccess when
// it reported success but no collection appeared).
struct Shape {
  std::uint8_t kind = kNoSuccess;
  std::string collection;  // the new S
};

Shape shape_of(const Expectation& e, const Observation& o, const Diff& in) {
  Shape s;
  if (in.new_collections.size() == 1) {
    s.collection = *in.new_collections.begin();
    const CollectionView* c = find_collection(o, s.collection);
    const std::size_t n = c == nullptr ? 0 : c->members.size();
    if (e.classes.c == CClass::kMgmt) {
      s.kind = kRecursive;
    } else if (n == 0 && e.members.empty()) {
      s.kind = kEmpty;
    } else {
      s.kind = kNormal;
    }
  } else if (e.classes.c == CClass::kMgmt && !in.new_collections.empty()) {
    s.kind = kRecursive;
    s.collection = *in.new_collections.begin();
  }
  return s;
}

// The allowed-outcome row of contract §4 (CS-OUT-n).
void check_outcome_row(const Expectation& e, Judgement& j, const Shape& shape,
                       std::uint32_t return_value) {
  const Allowed& a = e.allowed;
  bool allowed = false;
  bool refusal_only = false;  // allowed only as a refusal of the configuration
  std::string why;
  switch (j.category) {
    case Category::kFault:
      allowed = a.fault;
      break;
    case Category::kFailureCode:
      allowed = a.allows_code(return_value);
      j.refused = a.refusal && is_not_supported(return_value);
      if (!allowed && j.refused) {
        refusal_only = allowed = true;
      } else if (!allowed && a.transient && is_transient_code(return_value)) {
        allowed = j.transient = true;
      }
      break;
    case Category::kFailedJob:
      allowed = a.job_failure;
      if (!allowed && a.transient) allowed = j.transient = true;
      break;
    default:
      // Reported success with no collection: the outcome class is allowed when success is,
      // and CS-INV-2 judges the missing result; otherwise the shape must be an allowed one.
      allowed = shape.kind == kNoSuccess ? a.success != kNoSuccess : (a.success & shape.kind) != 0;
      if (!allowed && shape.kind == kNoSuccess)
        why = "it reported success but no snapshot collection appeared";
  }
  if (a.check.empty()) return;
  const bool failure = j.category != Category::kSuccess;
  Verdict v = allowed ? Verdict::kPass : Verdict::kFail;
  std::string msg;
  if (allowed && !failure && a.warn_on_success) {
    v = Verdict::kWarn;
    msg =
        "the call succeeded and ignored the unknown property; rejecting it (4 or 32773) is "
        "recommended";
  }
  if (a.declared_not_applicable && !allowed) v = Verdict::kNotApplicable;
  if (refusal_only) {
    // Not a pass: the target declined the configuration (the capability profile lists it).
    v = Verdict::kNotApplicable;
    msg = fmt::format("refused: {} (Not Supported) with no change for {}", return_value,
                      fmt::format("{}/{}/{}", to_string(e.classes.c), to_string(e.classes.s),
                                  to_string(e.classes.t)));
  }
  if (!allowed) {
    msg = fmt::format("{} for {}; allowed: {}{}", j.observed,
                      fmt::format("{}/{}/{}", to_string(e.classes.c), to_string(e.classes.s),
                                  to_string(e.classes.t)),
                      a.describe(), why.empty() ? "" : " — " + why);
  }
  j.findings.push_back(finding(a.check, v, msg));
}

// CS-INV-3: a failure leaves nothing behind inside the call's collection.
void check_no_change(const Judgement& j, const Diff& in, Findings& f) {
  f.push_back(finding("inv3.no-change-on-failure", in.empty() ? Verdict::kPass : Verdict::kFail,
                      in.empty() ? ""
                                 : fmt::format("the call failed ({}) but left: {}", j.observed,
                                               describe_changes(in))));
}

// What CS-INV-2 found wrong with the members' new snapshots: the first problem of each kind.
struct MemberProblems {
  std::string per_member, types, parents, currents, first_type;
  std::set<std::string> expected_snaps;  // the one new snapshot of each member
};

// One member's new snapshot: exactly one, in the new collection, of the type asked for, a
// child of the member's previous most-current snapshot, and now its most-current one.
void check_member_snapshot(const Expectation& e, const Observation& o, const Diff& in,
                           const Shape& shape, const std::set<std::string>& members,
                           const std::string& vm, MemberProblems& p) {
  std::string& per_member = p.per_member;
  std::string& types = p.types;
  std::string& parents = p.parents;
  std::string& currents = p.currents;
  std::string& first_type = p.first_type;
  std::set<std::string>& expected_snaps = p.expected_snaps;
  const auto gained = in.new_snapshots.find(vm);
  const std::size_t n = gained == in.new_snapshots.end() ? 0 : gained->second.size();
  if (n != 1) {
    if (per_member.empty())
      per_member = fmt::format("member {} gained {} snapshots instead of one", vm, n);
    return;
  }
  const std::string s = *gained->second.begin();
  expected_snaps.insert(s);
  if (shape.kind != kRecursive && !members.count(s) && per_member.empty()) {
    per_member = fmt::format("member {}'s new snapshot {} is not in the new collection", vm, s);
  }
  const SnapView& sv = o.after.snapshots.at(s);
  const std::string_view want_type =
      e.snapshot_type == 2 ? names::kTypeSnapshotRecovery : names::kTypeSnapshotRealized;
  if ((e.snapshot_type == 1 || e.snapshot_type == 2) && sv.type != want_type && types.empty()) {
    types = fmt::format("snapshot {} has VirtualSystemType \"{}\", expected \"{}\"", s, sv.type,
                        want_type);
  }
  // A vendor type the host knows (M6): any snapshot type, the same for every member.
  if (e.snapshot_type != 1 && e.snapshot_type != 2 && types.empty()) {
    if (sv.type.rfind(names::kTypeSnapshotPrefix, 0) != 0) {
      types =
          fmt::format("snapshot {} has VirtualSystemType \"{}\", not a snapshot type", s, sv.type);
    } else if (first_type.empty()) {
      first_type = sv.type;
    } else if (sv.type != first_type) {
      types = fmt::format("the members' snapshots differ in VirtualSystemType (\"{}\", \"{}\")",
                          first_type, sv.type);
    }
  }
  const auto b = o.before.vms.find(vm);
  const std::string previous = b == o.before.vms.end() ? std::string() : b->second.most_current;
  if (sv.parent != previous && parents.empty()) {
    parents =
        fmt::format("snapshot {} of {} has Parent {}, expected {}", s, vm,
                    sv.parent.empty() ? "none" : sv.parent, previous.empty() ? "none" : previous);
  }
  const auto a = o.after.vms.find(vm);
  const std::string now = a == o.after.vms.end() ? std::string() : a->second.most_current;
  if (now != s && currents.empty()) {
    currents = fmt::format("{}'s most-current snapshot is {}, not its new snapshot {}", vm,
                           now.empty() ? "none" : now, s);
  }
}

// Nothing else: no losses, no other gains, no state/membership/parent changes (CS-INV-2).
// The first one found, or empty.
std::string other_changes(const Expectation& e, const Diff& in) {
  std::string other;
  if (!in.gone_collections.empty())
    other = "lost snapshot collections " + short_list(in.gone_collections);
  for (const auto& [vm, gone] : in.gone_snapshots) {
    if (other.empty()) other = fmt::format("{} lost snapshots {}", vm, short_list(gone));
  }
  for (const auto& [vm, gained] : in.new_snapshots) {
    if (!e.members.count(vm) && other.empty())
      other = fmt::format("{} is not a member but gained {}", vm, short_list(gained));
  }
  if (!in.state_changed.empty() && other.empty())
    other = "EnabledState changed for " + short_list(in.state_changed);
  if (!in.membership_changed.empty() && other.empty())
    other = "membership changed in " + short_list(in.membership_changed);
  if (!in.parent_changed.empty() && other.empty())
    other = "Parent changed on existing snapshots " + short_list(in.parent_changed);
  if (!in.members_changed.empty() && other.empty())
    other = "existing collections changed: " + short_list(in.members_changed);
  return other;
}

// CS-INV-2: exactly the result set of contract §3.3.
void check_result_set(const Expectation& e, const Observation& o, const Diff& in,
                      const Shape& shape, Findings& f) {
  const std::size_t wanted = 1;
  if (shape.kind != kRecursive) {
    f.push_back(
        finding("inv2.one-new-collection",
                in.new_collections.size() == wanted ? Verdict::kPass : Verdict::kFail,
                in.new_collections.size() == wanted
                    ? ""
                    : fmt::format("{} new snapshot collections ({}) instead of one",
                                  in.new_collections.size(), short_list(in.new_collections))));
  }
  const CollectionView* coll = find_collection(o, shape.collection);
  const std::set<std::string> empty;
  const std::set<std::string>& members = coll == nullptr ? empty : coll->members;
  MemberProblems p;
  for (const auto& vm : e.members)
    check_member_snapshot(e, o, in, shape, members, vm, p);
  std::string& per_member = p.per_member;
  const std::string& types = p.types;
  const std::string& parents = p.parents;
  const std::string& currents = p.currents;
  const std::set<std::string>& expected_snaps = p.expected_snaps;
  if (coll != nullptr && !coll->listed_twice.empty() && per_member.empty()) {
    per_member =
        fmt::format("the new collection lists snapshot {} twice", *coll->listed_twice.begin());
  }
  if (shape.kind != kRecursive && members.size() != expected_snaps.size() && per_member.empty()) {
    per_member = fmt::format("the new collection holds {} snapshots for {} members", members.size(),
                             e.members.size());
  }
  f.push_back(finding("inv2.one-snapshot-per-member",
                      per_member.empty() ? Verdict::kPass : Verdict::kFail, per_member));
  f.push_back(
      finding("inv2.snapshot-type", types.empty() ? Verdict::kPass : Verdict::kFail, types));
  f.push_back(finding("inv2.parent", parents.empty() ? Verdict::kPass : Verdict::kFail, parents));
  f.push_back(
      finding("inv2.most-current", currents.empty() ? Verdict::kPass : Verdict::kFail, currents));
  // Nothing else: no losses, no other gains, no state/membership/parent changes.
  const std::string other = other_changes(e, in);
  f.push_back(
      finding("inv2.nothing-else-changed", other.empty() ? Verdict::kPass : Verdict::kFail, other));
}

// CS-INV-4: a synchronous success names its result, and any Job it hands out is complete.
void check_result_reference(const Observation& o, const Shape& shape, Findings& f) {
  const CallOutcome& c = o.outcome;
  if (c.fault || c.return_value != 0) return;
  const bool names_it = c.result && id_of(*c.result) == shape.collection;
  f.push_back(finding(
      "inv4.result-reference", names_it ? Verdict::kPass : Verdict::kFail,
      names_it
          ? ""
          : fmt::format("returned 0 with ResultingSnapshotCollection {}; the new collection is {}",
                        c.result ? c.result->to_string() : "absent", shape.collection)));
  std::string job_problem;
  if (c.job &&
      (!o.sync_job || !o.sync_job->readable || !cim::JobState(o.sync_job->state).is_success())) {
    job_problem = "returned 0 with a Job that is not completed";
  }
  f.push_back(finding("inv4.job-absent-or-complete",
                      job_problem.empty() ? Verdict::kPass : Verdict::kFail, job_problem));
}

// CS-INV-7: reachable from the group (MUST) and from the job (SHOULD).
void check_reachability(const Expectation& e, const Observation& o, const Shape& shape,
                        Findings& f) {
  if (!e.group.empty() && shape.kind != kRecursive && !shape.collection.empty()) {
    const auto g = o.after.groups.find(e.group);
    const bool linked = g != o.after.groups.end() && g->second.collections.count(shape.collection);
    f.push_back(finding("inv7.reachable-from-group", linked ? Verdict::kPass : Verdict::kFail,
                        linked ? ""
                               : fmt::format("{} is not reachable from the group through {}",
                                             shape.collection, names::kSnapshotOfGroup)));
  }
  if (o.affected_from_job && !shape.collection.empty()) {
    const bool linked = o.affected_from_job->count(shape.collection) != 0;
    f.push_back(finding("inv7.reachable-from-job", linked ? Verdict::kPass : Verdict::kWarn,
                        linked ? ""
                               : fmt::format("{} is not reachable from the job through {}",
                                             shape.collection, names::kAffectedJobElement)));
  }
}

// CS-INV-9: nothing outside the call's collection changed.
void check_isolation(const Diff& out, Findings& f) {
  f.push_back(finding(
      "inv9.others-untouched", out.empty() ? Verdict::kPass : Verdict::kFail,
      out.empty() ? "" : "objects outside the collection changed: " + describe_changes(out)));
}

// CS-OUT-16: the collection passed as ResultingSnapshotCollection is left as it was.
void check_referenced_unchanged(const Expectation& e, const Observation& o, Findings& f) {
  if (e.referenced_collection.empty()) return;
  const auto b = o.before.collections.find(e.referenced_collection);
  const auto c = o.after.collections.find(e.referenced_collection);
  const bool same = b != o.before.collections.end() && c != o.after.collections.end() &&
                    b->second.members == c->second.members &&
                    b->second.element_name == c->second.element_name;
  f.push_back(finding(
      "out16.referenced-unchanged", same ? Verdict::kPass : Verdict::kFail,
      same ? ""
           : fmt::format("the collection passed as ResultingSnapshotCollection ({}) changed",
                         e.referenced_collection)));
}

}  // namespace

Judgement judge(const Expectation& e, const Observation& o) {
  Judgement j;
  j.observed = o.outcome.describe();
  const Effects fx = effects_of(e, o);
  check_return_range(o.outcome, j.findings);
  check_started_job(o.outcome, j.findings);
  j.category = categorize(o.outcome, fx.in);
  const bool failure = j.category != Category::kSuccess;
  const Shape shape = failure ? Shape{} : shape_of(e, o, fx.in);
  j.new_collection = shape.collection;
  check_outcome_row(e, j, shape, o.outcome.return_value);
  if (failure) {
    check_no_change(j, fx.in, j.findings);
  } else {
    check_result_set(e, o, fx.in, shape, j.findings);
    check_result_reference(o, shape, j.findings);
    check_reachability(e, o, shape, j.findings);
  }
  check_referenced_unchanged(e, o, j.findings);  // before CS-INV-9: R is named, not outside
  check_isolation(fx.out, j.findings);
  check_reading(o, j.findings);
  check_times(e, o, fx.in, j.findings);
  return j;
}

}  // namespace hvsnap::conformance::model
