// The oracle of contract §4: allowed outcomes per class (the table and its "several invalid
// classes" row), and the checks of CS-INV-1..9 over a call's observable effects.
#include "hvsnap/conformance/model/oracle.h"

#include <fmt/format.h>

#include <algorithm>

#include "hvsnap/cim/cimxml.h"
#include "hvsnap/cim/codes.h"
#include "hvsnap/cim/names.h"
#include "hvsnap/cim/text.h"
#include "hvsnap/conformance/catalogue.h"

namespace hvsnap::conformance::model {

namespace names = cim::names;

namespace {

// One row of the §4 table as it applies to one parameter.
struct Row {
  std::string check;
  std::set<std::uint32_t> codes;
  bool any_failure = false;
  bool fault = false;
  bool job_failure = false;
  std::uint8_t success = kNoSuccess;
  bool warn_on_success = false;
  bool invalid = true;  // constrains the outcome (C-READY and valid S/T do not)
  bool not_applicable = false;
};

Row c_row(const CallClasses& k, const Declarations& d) {
  switch (k.c) {
    case CClass::kNull:
    case CClass::kMalformed:
    case CClass::kForeignNs:
      return {"out1.bad-reference", {4, 32773}, false, true};
    case CClass::kWrongClass:
      return {"out2.wrong-class", {4, 6, 32773, 32776}, false, true};
    case CClass::kMissing:
      return {"out3.missing", {4, 32773}, false, true};
    case CClass::kMgmt:
      if (d.recursive_management_collections)
        return {"out8.management-collection", {}, false, false, false, kRecursive};
      return {"out8.management-collection",
              {1, 4, 6, 32770, 32773},
              false,
              false,
              false,
              kRecursive,
              false,
              true,
              true};
    case CClass::kEmpty:
      return {"out9.empty-group", {4, 5, 32773, 32775}, false, false, false, kEmpty};
    case CClass::kReady:
      return {"", {}, false, false, false, kNormal, false, false};
    case CClass::kTransitional:
      return {"out10.transitional", {5, 32775}, false, false, true};
    case CClass::kDisabled:
    case CClass::kAtLimit:
    case CClass::kProdOnlyNovss:
      return {"out11.member-cannot-snapshot", {5, 32775}, false, false, true};
    case CClass::kSaved:
      // A recovery snapshot of a Saved/Paused VM is AMB-6; a standard one has no row at all:
      // either way failure with no change or success are both accepted.
      return {k.t == TClass::kRecovery ? "out13.recovery-of-saved" : "",
              {},
              true,
              false,
              true,
              kNormal};
    case CClass::kNonsnapDisk:
      if (k.ignore_nonsnapshottable_disks)
        return {"out12.non-snapshottable-disk", {}, false, false, false, kNormal};
      return {"out12.non-snapshottable-disk", {}, true, false, true, kNoSuccess};
  }
  return {};
}

std::optional<Row> s_row(SClass s) {
  switch (s) {
    case SClass::kOutOfMap:
    case SClass::kMalformed:
    case SClass::kWrongClass:
      return Row{"out6.bad-settings", {4, 6, 32773, 32776}};
    case SClass::kUnknownProp:
      return Row{"out7.unknown-property", {4, 32773}, false, false, false, kAnyShape, true};
    default:
      return std::nullopt;
  }
}

std::optional<Row> t_row(TClass t) {
  switch (t) {
    case TClass::kZero:
    case TClass::kReserved:
      return Row{"out4.type-reserved", {4, 6, 32773, 32776}};
    case TClass::kVendor:
      return Row{"out5.type-vendor", {1, 4, 6, 32770, 32773, 32776}};
    default:
      return std::nullopt;
  }
}

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

}  // namespace

bool is_failure_code(std::uint32_t code) {
  return (code >= 1 && code <= 6) || (code >= 32768 && code <= 32779);
}

bool Allowed::allows_code(std::uint32_t code) const {
  if (codes.count(code)) return true;
  return any_failure_code && is_failure_code(code);
}

std::string Allowed::describe() const {
  std::vector<std::string> parts;
  if (any_failure_code) parts.emplace_back("any failure code");
  if (!codes.empty() && !any_failure_code) {
    std::string c;
    for (auto code : codes)
      c += (c.empty() ? "" : ", ") + std::to_string(code);
    parts.push_back(c);
  }
  if (fault) parts.emplace_back("a transport fault");
  if (job_failure) parts.emplace_back("a job that fails with no change");
  if (success & kNormal) parts.emplace_back(warn_on_success ? "success (tolerated)" : "success");
  if (success & kEmpty) parts.emplace_back("success with an empty collection");
  if (success & kRecursive) parts.emplace_back("a snapshot of every nested VM");
  if (transient) parts.emplace_back("transient 2/3/32768/32772 or a failing job");
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    out += (i == 0 ? "" : (i + 1 == parts.size() ? " or " : ", ")) + parts[i];
  }
  return out.empty() ? "nothing" : out;
}

Allowed allowed_outcomes(const CallClasses& k, const Declarations& d) {
  std::vector<Row> rows{c_row(k, d)};
  for (CClass more : k.more_c) {
    CallClasses other = k;
    other.c = more;
    rows.push_back(c_row(other, d));
  }
  if (auto s = s_row(k.s)) rows.push_back(*s);
  if (auto t = t_row(k.t)) rows.push_back(*t);
  Allowed a;
  a.transient = d.transient_failures;
  std::vector<const Row*> invalid;
  for (const Row& r : rows) {
    if (r.invalid) invalid.push_back(&r);
  }
  a.success = kAnyShape;
  for (const Row& r : rows)
    a.success &= r.success;
  if (invalid.empty()) {
    a.check = "out14.ready-succeeds";  // C-READY with valid S and T
    a.success = kNormal;
    return a;
  }
  for (const Row* r : invalid) {
    a.codes.insert(r->codes.begin(), r->codes.end());
    a.any_failure_code |= r->any_failure;
    a.fault |= r->fault;
    a.job_failure |= r->job_failure;
    a.warn_on_success |= r->warn_on_success;
  }
  if (invalid.size() == 1) {
    a.check = invalid.front()->check;
    a.declared_not_applicable = invalid.front()->not_applicable;
  } else {
    a.check = "out15.several-invalid";
  }
  return a;
}

Allowed either(const Allowed& a, const Allowed& b) {
  Allowed out = a;
  out.codes.insert(b.codes.begin(), b.codes.end());
  out.any_failure_code |= b.any_failure_code;
  out.fault |= b.fault;
  out.job_failure |= b.job_failure;
  out.success |= b.success;
  out.transient |= b.transient;
  return out;
}

bool allow_finished_transitions(Expectation& e, const HostView& after, const Declarations& d) {
  std::vector<CClass> all{e.classes.c};
  all.insert(all.end(), e.classes.more_c.begin(), e.classes.more_c.end());
  if (std::find(all.begin(), all.end(), CClass::kTransitional) == all.end()) return false;
  bool saved = false;
  for (const auto& vm : e.members) {
    auto it = after.vms.find(vm);
    if (it == after.vms.end() || it->second.state == 1 || it->second.state == 4 ||
        it->second.state == 10)  // 1: saving/pausing/resuming (V1)
      return false;
    saved = saved || it->second.state == 6 || it->second.state == 9;
  }
  std::vector<CClass> post;
  for (CClass c : all) {
    if (c != CClass::kTransitional) post.push_back(c);
  }
  if (saved && std::find(post.begin(), post.end(), CClass::kSaved) == post.end())
    post.push_back(CClass::kSaved);
  if (post.empty()) post.push_back(CClass::kReady);
  CallClasses k = e.classes;
  k.c = post.front();
  k.more_c.assign(post.begin() + 1, post.end());
  e.allowed = either(e.allowed, allowed_outcomes(k, d));
  return true;
}

CallOutcome CallOutcome::from(const cim::Result<cim::MethodResult>& r) {
  CallOutcome o;
  if (!r.ok()) {
    o.fault = true;
    o.status = r.status();
    return o;
  }
  o.return_value = r->return_value;
  if (const cim::Value* v = r->get("ResultingSnapshotCollection");
      v != nullptr && v->as_reference() != nullptr) {
    o.result = *v->as_reference();
  }
  if (const cim::Value* v = r->get("Job"); v != nullptr && v->as_reference() != nullptr)
    o.job = *v->as_reference();
  return o;
}

std::string CallOutcome::describe() const {
  if (fault) return "fault " + std::string(cim::to_string(status.kind()));
  std::string out = std::to_string(return_value);
  if (trace) out += "→" + trace->describe();
  return out;
}

void check_job(const JobTrace& t, Findings& out) {
  if (!t.resolved) {
    if (t.first_read_kind == cim::StatusKind::kNotFound) {
      // Gone before the first read: it may have ended and been removed at once (what
      // CS-INV-8 covers); the call's effects decide what happened.
      out.push_back(finding("inv8.readable-after-end", Verdict::kWarn,
                            fmt::format("the Job {} was not found at the first read: {}",
                                        t.path.to_string(), t.first_read_error)));
    } else {
      out.push_back(finding(
          "inv5.job-resolves", Verdict::kFail,
          fmt::format("the Job {} could not be read: {}", t.path.to_string(), t.first_read_error)));
    }
    return;
  }
  out.push_back(finding("inv5.job-resolves", Verdict::kPass));
  const JobSample& first = t.samples.front();
  out.push_back(
      finding("inv5.job-type", first.job_type == 198 ? Verdict::kPass : Verdict::kWarn,
              first.job_type == 198
                  ? ""
                  : fmt::format("JobType is {}, not 198 (Snapshot Collection)",
                                first.job_type ? std::to_string(*first.job_type) : "absent")));
  const bool first_ok =
      first.state == cim::JobState::kRunning || cim::JobState(first.state).is_terminal();
  out.push_back(finding(
      "inv5.first-state", first_ok ? Verdict::kPass : Verdict::kWarn,
      first_ok ? ""
               : fmt::format("the job was first seen in state {}; clients that poll only while "
                             "Running (4) stop at once",
                             cim::JobState(first.state).to_string())));
  // Legal transitions: a later state must be reachable from the earlier one (polls may
  // skip intermediate states): 2→3→4, 4↔5, 4→6, any non-terminal → terminal.
  auto reachable = [](std::uint16_t from, std::uint16_t to) {
    const cim::JobState f(from), g(to);
    if (from == to) return true;
    if (f.is_terminal()) return false;
    if (g.is_terminal()) return from >= 2 && from <= 6;
    switch (from) {
      case 2:
        return to == 3 || to == 4 || to == 5 || to == 6;
      case 3:
        return to == 4 || to == 5 || to == 6;
      case 4:
        return to == 5 || to == 6;
      case 5:
        return to == 4 || to == 6;
      default:
        return false;
    }
  };
  std::string bad;
  bool terminal_seen = false;
  std::uint16_t terminal = 0;
  std::string changed_after_end;
  std::optional<std::uint16_t> last_pct;
  std::string pct_problem;
  for (std::size_t i = 0; i < t.samples.size(); ++i) {
    const auto& s = t.samples[i];
    const bool known =
        (s.state >= 2 && s.state <= 10) || s.state == cim::JobState::kCompletedWithWarnings;
    if (!known && bad.empty())
      bad = fmt::format("state {} is not a job state of the lifecycle", s.state);
    if (i > 0 && bad.empty() && !reachable(t.samples[i - 1].state, s.state)) {
      bad = fmt::format("{} → {} is not a legal transition", t.samples[i - 1].state, s.state);
    }
    if (terminal_seen && s.state != terminal && changed_after_end.empty()) {
      changed_after_end = fmt::format("the job ended {} and later read {}", terminal, s.state);
    }
    if (cim::JobState(s.state).is_terminal() && !terminal_seen) {
      terminal_seen = true;
      terminal = s.state;
    }
    if (s.percent) {
      if (last_pct && *s.percent < *last_pct && pct_problem.empty()) {
        pct_problem = fmt::format("PercentComplete fell from {} to {}", *last_pct, *s.percent);
      }
      last_pct = s.percent;
    }
  }
  out.push_back(
      finding("inv6.legal-transitions", bad.empty() ? Verdict::kPass : Verdict::kFail, bad));
  out.push_back(finding("inv6.terminal-stable",
                        changed_after_end.empty() ? Verdict::kPass : Verdict::kFail,
                        changed_after_end));
  const JobSample& last = t.samples.back();
  const cim::JobState end(last.state);
  if (end.is_success() && (!last.percent || *last.percent != 100) && pct_problem.empty()) {
    pct_problem =
        fmt::format("PercentComplete is {} at {}",
                    last.percent ? std::to_string(*last.percent) : "absent", end.to_string());
  }
  out.push_back(
      finding("inv6.percent", pct_problem.empty() ? Verdict::kPass : Verdict::kFail, pct_problem));
  const bool reached = end.is_terminal() && !t.timed_out;
  out.push_back(
      finding("inv6.reaches-terminal", reached || t.vanished ? Verdict::kPass : Verdict::kFail,
              reached || t.vanished
                  ? ""
                  : fmt::format("the job was still {} when the budget ran out", end.to_string())));
  if (!end.is_terminal()) return;
  const std::uint16_t code = last.error_code.value_or(0);
  std::string ec;
  if (end.is_success() && code != 0)
    ec = fmt::format("ErrorCode is {} although the job ended {}", code, end.to_string());
  if (!end.is_success() && code == 0)
    ec = fmt::format("ErrorCode is 0 although the job ended {}", end.to_string());
  out.push_back(finding("inv6.error-code", ec.empty() ? Verdict::kPass : Verdict::kFail, ec));
  if (last.state == cim::JobState::kException) {
    std::string detail;
    if (last.error_description.empty())
      detail = "the job ended 10 (Exception) with an empty ErrorDescription";
    std::size_t errors = 0;
    for (const auto& text : t.errors) {
      auto e = cim::parse_embedded_instance(text);
      if (e.ok() && cim::iequals(e->class_name(), names::kError)) ++errors;
    }
    if (detail.empty() && errors == 0) {
      detail =
          fmt::format("GetErrorEx returned {} and no Msvm_Error",
                      t.get_error_ex_return ? std::to_string(*t.get_error_ex_return) : "a fault");
    }
    out.push_back(
        finding("inv6.exception-detail", detail.empty() ? Verdict::kPass : Verdict::kFail, detail));
  }
  // Gone at once is legal only when the job said it would be (TimeBeforeRemoval 0 or absent).
  bool promised = false;
  for (const auto& s : t.samples) {
    if (!s.time_before_removal.empty()) {
      auto d = cim::DateTime::parse(s.time_before_removal);
      promised = d.ok() && d->is_interval() && d->micros() > 0;
    }
  }
  const Verdict gone = promised ? Verdict::kFail : Verdict::kWarn;
  out.push_back(finding(
      "inv8.readable-after-end", t.readable_after_end ? Verdict::kPass : gone,
      t.readable_after_end ? ""
      : promised ? "the job could not be read right after it ended, although its TimeBeforeRemoval "
                   "promised it would stay"
                 : "the job could not be read right after it ended"));
}

Judgement judge_create(const Expectation& e, const HostView& before, const CallOutcome& o,
                       const HostView& after, cim::Provider& provider) {
  Judgement j;
  j.observed = o.describe();
  Findings& f = j.findings;
  const Allowed& a = e.allowed;

  // CS-INV-1: the value range.
  if (!o.fault) {
    const std::uint32_t rv = o.return_value;
    const bool in_range = rv <= 6 || rv == 4096 || (rv >= 32768 && rv <= 32779);
    f.push_back(finding(
        "inv1.return-range", in_range ? Verdict::kPass : Verdict::kFail,
        in_range ? "" : fmt::format("returned {}, a {} value", rv, cim::ReturnCode(rv).meaning())));
  }

  // The effects: inside the call's collection, and outside it.
  auto inside = [&](const std::string& id) { return e.inside.count(id) != 0; };
  const Diff in =
      diff(restrict_view(before, inside, true), restrict_view(after, inside, true), e.transitions);
  const Diff out = diff(restrict_view(
                            before, [&](const std::string& id) { return !inside(id); }, false),
                        restrict_view(
                            after, [&](const std::string& id) { return !inside(id); }, false),
                        e.transitions);

  // What kind of outcome was it?
  if (o.fault) {
    j.category = Category::kFault;
  } else if (o.return_value == 0) {
    j.category = Category::kSuccess;
  } else if (o.return_value == cim::ReturnCode::kJobStarted) {
    if (!o.job) {
      f.push_back(
          finding("inv5.job-resolves", Verdict::kFail, "returned 4096 without a Job reference"));
    } else if (o.trace) {
      check_job(*o.trace, f);
    }
    const auto end = o.trace ? o.trace->final_state() : std::nullopt;
    if (end && cim::JobState(*end).is_success() && !o.trace->timed_out) {
      j.category = Category::kSuccess;
    } else if (end && cim::JobState(*end).is_terminal()) {
      j.category = Category::kFailedJob;
    } else {
      j.category = Category::kUndecided;  // the job vanished or never ended: judge by effects
    }
  } else {
    j.category = Category::kFailureCode;
  }
  if (j.category == Category::kUndecided) {
    j.category = in.empty() ? Category::kFailedJob : Category::kSuccess;
  }

  // The allowed-outcome row.
  const bool failure = j.category != Category::kSuccess;
  bool allowed = false;
  std::string why;
  if (j.category == Category::kFault) {
    allowed = a.fault;
  } else if (j.category == Category::kFailureCode) {
    allowed = a.allows_code(o.return_value);
    if (!allowed && a.transient && is_transient_code(o.return_value)) allowed = j.transient = true;
  } else if (j.category == Category::kFailedJob) {
    allowed = a.job_failure;
    if (!allowed && a.transient) allowed = j.transient = true;
  }
  // A new collection that no group in scope links (CS-INV-7 judges that) is still read, so
  // that CS-INV-2 judges its members.
  HostView widened;
  const HostView* seen = &after;
  if (!failure && in.new_collections.size() == 1 &&
      !after.collections.count(*in.new_collections.begin())) {
    const auto p = after.collection_paths.find(*in.new_collections.begin());
    if (p != after.collection_paths.end()) {
      widened = after;
      observe_collection(provider, p->second, widened);
      seen = &widened;
    }
  }
  // Success: which shape did the provider produce?
  std::uint8_t shape = kNoSuccess;
  if (!failure) {
    if (in.new_collections.size() == 1) {
      j.new_collection = *in.new_collections.begin();
      const auto c = seen->collections.find(j.new_collection);
      const std::size_t n = c == seen->collections.end() ? 0 : c->second.members.size();
      if (e.classes.c == CClass::kMgmt) {
        shape = kRecursive;
      } else if (n == 0 && e.members.empty()) {
        shape = kEmpty;
      } else {
        shape = kNormal;
      }
    } else if (e.classes.c == CClass::kMgmt && !in.new_collections.empty()) {
      shape = kRecursive;
      j.new_collection = *in.new_collections.begin();
    }
    // Reported success with no collection: the outcome class is allowed when success is,
    // and CS-INV-2 judges the missing result; otherwise the shape must be an allowed one.
    allowed = shape == kNoSuccess ? a.success != kNoSuccess : (a.success & shape) != 0;
    if (!allowed && shape == kNoSuccess)
      why = "it reported success but no snapshot collection appeared";
  }
  if (!a.check.empty()) {
    Verdict v = allowed ? Verdict::kPass : Verdict::kFail;
    std::string msg;
    if (allowed && !failure && a.warn_on_success) {
      v = Verdict::kWarn;
      msg =
          "the call succeeded and ignored the unknown property; rejecting it (4 or 32773) is "
          "recommended";
    }
    if (a.declared_not_applicable && !allowed) v = Verdict::kNotApplicable;
    if (!allowed) {
      msg = fmt::format("{} for {}; allowed: {}{}", j.observed,
                        fmt::format("{}/{}/{}", to_string(e.classes.c), to_string(e.classes.s),
                                    to_string(e.classes.t)),
                        a.describe(), why.empty() ? "" : " — " + why);
    }
    f.push_back(finding(a.check, v, msg));
  }

  if (failure) {
    // CS-INV-3: nothing observable changed.
    f.push_back(finding("inv3.no-change-on-failure", in.empty() ? Verdict::kPass : Verdict::kFail,
                        in.empty() ? ""
                                   : fmt::format("the call failed ({}) but left: {}", j.observed,
                                                 describe_changes(in))));
  } else {
    // CS-INV-2: exactly the result set.
    const std::size_t wanted = 1;
    if (shape != kRecursive) {
      f.push_back(
          finding("inv2.one-new-collection",
                  in.new_collections.size() == wanted ? Verdict::kPass : Verdict::kFail,
                  in.new_collections.size() == wanted
                      ? ""
                      : fmt::format("{} new snapshot collections ({}) instead of one",
                                    in.new_collections.size(), short_list(in.new_collections))));
    }
    const auto coll = seen->collections.find(j.new_collection);
    const std::set<std::string> empty;
    const std::set<std::string>& members =
        coll == seen->collections.end() ? empty : coll->second.members;
    std::string per_member, types, parents, currents;
    std::set<std::string> expected_snaps;
    for (const auto& vm : e.members) {
      const auto gained = in.new_snapshots.find(vm);
      const std::size_t n = gained == in.new_snapshots.end() ? 0 : gained->second.size();
      if (n != 1) {
        if (per_member.empty())
          per_member = fmt::format("member {} gained {} snapshots instead of one", vm, n);
        continue;
      }
      const std::string s = *gained->second.begin();
      expected_snaps.insert(s);
      if (shape != kRecursive && !members.count(s) && per_member.empty()) {
        per_member = fmt::format("member {}'s new snapshot {} is not in the new collection", vm, s);
      }
      const SnapView& sv = after.snapshots.at(s);
      const std::string_view want_type =
          e.snapshot_type == 2 ? names::kTypeSnapshotRecovery : names::kTypeSnapshotRealized;
      if ((e.snapshot_type == 1 || e.snapshot_type == 2) && sv.type != want_type && types.empty()) {
        types = fmt::format("snapshot {} has VirtualSystemType \"{}\", expected \"{}\"", s, sv.type,
                            want_type);
      }
      const std::string& previous =
          before.vms.count(vm) ? before.vms.at(vm).most_current : std::string();
      if (sv.parent != previous && parents.empty()) {
        parents = fmt::format("snapshot {} of {} has Parent {}, expected {}", s, vm,
                              sv.parent.empty() ? "none" : sv.parent,
                              previous.empty() ? "none" : previous);
      }
      const std::string now = after.vms.count(vm) ? after.vms.at(vm).most_current : std::string();
      if (now != s && currents.empty()) {
        currents = fmt::format("{}'s most-current snapshot is {}, not its new snapshot {}", vm,
                               now.empty() ? "none" : now, s);
      }
    }
    if (shape != kRecursive && members.size() != expected_snaps.size() && per_member.empty()) {
      per_member = fmt::format("the new collection holds {} snapshots for {} members",
                               members.size(), e.members.size());
    }
    f.push_back(finding("inv2.one-snapshot-per-member",
                        per_member.empty() ? Verdict::kPass : Verdict::kFail, per_member));
    f.push_back(
        finding("inv2.snapshot-type", types.empty() ? Verdict::kPass : Verdict::kFail, types));
    f.push_back(finding("inv2.parent", parents.empty() ? Verdict::kPass : Verdict::kFail, parents));
    f.push_back(
        finding("inv2.most-current", currents.empty() ? Verdict::kPass : Verdict::kFail, currents));
    // Nothing else: no losses, no other gains, no state/membership/parent changes.
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
    f.push_back(finding("inv2.nothing-else-changed",
                        other.empty() ? Verdict::kPass : Verdict::kFail, other));
    // CS-INV-4: a synchronous success names its result.
    if (!o.fault && o.return_value == 0) {
      const bool names_it = o.result && id_of(*o.result) == j.new_collection;
      f.push_back(finding(
          "inv4.result-reference", names_it ? Verdict::kPass : Verdict::kFail,
          names_it ? ""
                   : fmt::format(
                         "returned 0 with ResultingSnapshotCollection {}; the new collection is {}",
                         o.result ? o.result->to_string() : "absent", j.new_collection)));
      std::string job_problem;
      if (o.job) {
        auto ji = provider.get_instance(*o.job);
        if (!ji.ok() ||
            !cim::JobState(static_cast<std::uint16_t>(ji->get_uint("JobState").value_or(0)))
                 .is_success()) {
          job_problem = "returned 0 with a Job that is not completed";
        }
      }
      f.push_back(finding("inv4.job-absent-or-complete",
                          job_problem.empty() ? Verdict::kPass : Verdict::kFail, job_problem));
    }
    // CS-INV-7: reachable from the group (MUST) and from the job (SHOULD).
    if (!e.group.empty() && shape != kRecursive && !j.new_collection.empty()) {
      const auto g = after.groups.find(e.group);
      const bool linked = g != after.groups.end() && g->second.collections.count(j.new_collection);
      f.push_back(finding("inv7.reachable-from-group", linked ? Verdict::kPass : Verdict::kFail,
                          linked ? ""
                                 : fmt::format("{} is not reachable from the group through {}",
                                               j.new_collection, names::kSnapshotOfGroup)));
    }
    if (o.job && o.trace && o.trace->readable_after_end && !o.trace->vanished &&
        o.trace->final_state() && cim::JobState(*o.trace->final_state()).is_terminal() &&
        !j.new_collection.empty()) {
      auto from_job =
          provider.associators(*o.job, {std::string(names::kAffectedJobElement), "", "", ""});
      bool linked = false;
      if (from_job.ok()) {
        for (const auto& x : *from_job)
          linked = linked || id_of(x.path()) == j.new_collection;
      }
      f.push_back(finding("inv7.reachable-from-job", linked ? Verdict::kPass : Verdict::kWarn,
                          linked ? ""
                                 : fmt::format("{} is not reachable from the job through {}",
                                               j.new_collection, names::kAffectedJobElement)));
    }
  }
  // CS-INV-9: nothing outside the call's collection changed.
  f.push_back(finding(
      "inv9.others-untouched", out.empty() ? Verdict::kPass : Verdict::kFail,
      out.empty() ? "" : "objects outside the collection changed: " + describe_changes(out)));
  // CS-OUT-16: the collection passed as ResultingSnapshotCollection is left as it was.
  if (!e.referenced_collection.empty()) {
    const auto b = before.collections.find(e.referenced_collection);
    const auto c = after.collections.find(e.referenced_collection);
    const bool same = b != before.collections.end() && c != after.collections.end() &&
                      b->second.members == c->second.members;
    f.push_back(finding(
        "out16.referenced-unchanged", same ? Verdict::kPass : Verdict::kFail,
        same ? ""
             : fmt::format("the collection passed as ResultingSnapshotCollection ({}) changed",
                           e.referenced_collection)));
  }
  return j;
}

}  // namespace hvsnap::conformance::model
