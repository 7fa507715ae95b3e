// The oracle of contract §4: allowed outcomes per class (the table and its "several invalid
// classes" row), and the checks of CS-INV-1..9 over a call's observable effects.
#include "hvsnap/conformance/model/oracle.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "hvsnap/cim/cimxml.h"
#include "hvsnap/cim/codes.h"
#include "hvsnap/cim/datetime.h"
#include "hvsnap/cim/names.h"
#include "hvsnap/cim/text.h"
#include "hvsnap/conformance/catalogue.h"

namespace hvsnap::conformance::model {

namespace names = cim::names;

namespace {

// One row of the §4 table as it applies to one parameter.
struct Row {
  std::string_view check;
  std::set<std::uint32_t> codes;
  bool any_failure = false;
  bool fault = false;
  bool job_failure = false;
  std::uint8_t success = kNoSuccess;
  bool warn_on_success = false;
  bool invalid = true;  // constrains the outcome (C-READY and valid S/T do not)
  bool not_applicable = false;
};

// Classes whose Collection names an existing group: a host may refuse to snapshot it as it
// stands (Not Supported with no change; O1..O3, O5).
bool names_a_group(CClass c) {
  switch (c) {
    case CClass::kNull:
    case CClass::kMalformed:
    case CClass::kForeignNs:
    case CClass::kWrongClass:
    case CClass::kMissing:
      return false;
    default:
      return true;
  }
}

Row c_row(const CallClasses& k, const Declarations& d) {
  switch (k.c) {
    case CClass::kNull:
    case CClass::kMalformed:
    case CClass::kForeignNs:
      return {.check = "out1.bad-reference", .codes = {4, 32773}, .fault = true};
    case CClass::kWrongClass:
      return {.check = "out2.wrong-class", .codes = {4, 6, 32773, 32776}, .fault = true};
    case CClass::kMissing:
      return {.check = "out3.missing", .codes = {4, 32773}, .fault = true};
    case CClass::kMgmt:
      if (d.recursive_management_collections)
        return {.check = "out8.management-collection", .success = kRecursive};
      return {.check = "out8.management-collection",
              .codes = {1, 4, 6, 32770, 32773},
              .success = kRecursive,
              .not_applicable = true};
    case CClass::kEmpty:
      return {.check = "out9.empty-group", .codes = {4, 5, 32773, 32775}, .success = kEmpty};
    case CClass::kReady:
      return {.success = kNormal, .invalid = false};
    case CClass::kTransitional:
      return {.check = "out10.transitional", .codes = {5, 32775}, .job_failure = true};
    case CClass::kDisabled:
    case CClass::kAtLimit:
    case CClass::kProdOnlyNovss:
      return {.check = "out11.member-cannot-snapshot", .codes = {5, 32775}, .job_failure = true};
    case CClass::kSaved:
      // A recovery snapshot of a Saved/Paused VM is AMB-6; a standard one has no row at all:
      // either way failure with no change or success are both accepted.
      return {.check = k.t == TClass::kRecovery ? "out13.recovery-of-saved" : "",
              .any_failure = true,
              .job_failure = true,
              .success = kNormal};
    case CClass::kNonsnapDisk:
      if (k.ignore_nonsnapshottable_disks)
        return {.check = "out12.non-snapshottable-disk", .success = kNormal};
      return {.check = "out12.non-snapshottable-disk", .any_failure = true, .job_failure = true};
  }
  return {};
}

std::optional<Row> s_row(SClass s) {
  switch (s) {
    case SClass::kOutOfMap:
    case SClass::kMalformed:
    case SClass::kWrongClass:
      return Row{.check = "out6.bad-settings", .codes = {4, 6, 32773, 32776}, .job_failure = true};
    case SClass::kUnknownProp:
      return Row{.check = "out7.unknown-property",
                 .codes = {4, 32773},
                 .job_failure = true,
                 .success = kAnyShape,
                 .warn_on_success = true};
    default:
      return std::nullopt;
  }
}

std::optional<Row> t_row(TClass t) {
  switch (t) {
    case TClass::kZero:
    case TClass::kReserved:
      return Row{.check = "out4.type-reserved", .codes = {4, 6, 32773, 32776}, .job_failure = true};
    case TClass::kVendor:
      // A vendor type may be one the host knows (M6: 32768 Recovery, 34818 Automatic).
      return Row{.check = "out5.type-vendor",
                 .codes = {1, 4, 6, 32770, 32773, 32776},
                 .job_failure = true,
                 .success = kNormal};
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

// A snapshot collection the observation saw: linked from a group in scope, or read because no
// group links it.
const CollectionView* find_collection(const Observation& o, const std::string& id) {
  if (auto c = o.after.collections.find(id); c != o.after.collections.end()) return &c->second;
  if (auto c = o.unlinked.find(id); c != o.unlinked.end()) return &c->second;
  return nullptr;
}

}  // namespace

bool is_failure_code(std::uint32_t code) {
  return (code >= 1 && code <= 6) || (code >= 32768 && code <= 65535);
}

bool in_return_range(std::uint32_t code) {
  return code <= 6 || code == cim::ReturnCode::kJobStarted || (code >= 32768 && code <= 65535);
}

bool is_reserved_job_control_code(std::uint32_t code) {
  return (code >= 7 && code <= 4095) || (code >= 4100 && code <= 32767) || code > 65535;
}

bool is_not_supported(std::uint32_t code) {
  return code == cim::ReturnCode::kNotSupported || code == cim::ReturnCode::kMsvmNotSupported;
}

bool Allowed::allows_code(std::uint32_t code) const {
  if (codes.count(code)) return true;
  if (any_failure_code && is_failure_code(code)) return true;
  // A vendor code beyond the documented table (32783 Reboot required, 32789 Object not found,
  // unknown ones) is a legal failure wherever a failure code is (C2, C3): the host's meaning
  // cannot be told from the value.
  return (!codes.empty() || any_failure_code) && code > cim::ReturnCode::kMsvmFileNotFound &&
         code <= 65535;
}

std::string Allowed::describe() const {
  std::vector<std::string> parts;
  if (any_failure_code) parts.emplace_back("any failure code");
  if (!codes.empty() && !any_failure_code) {
    std::string c;
    for (auto code : codes)
      c += (c.empty() ? "" : ", ") + std::to_string(code);
    parts.push_back(c + ", a vendor code above 32779");
  }
  if (fault) parts.emplace_back("a transport fault");
  if (job_failure) parts.emplace_back("a job that fails with no change");
  if (success & kNormal) parts.emplace_back(warn_on_success ? "success (tolerated)" : "success");
  if (success & kEmpty) parts.emplace_back("success with an empty collection");
  if (success & kRecursive) parts.emplace_back("a snapshot of every nested VM");
  if (transient) parts.emplace_back("transient 2/3/32768/32772 or a failing job");
  if (refusal) parts.emplace_back("a refusal (Not Supported, no change)");
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
  a.refusal = names_a_group(k.c);
  // ResultingSnapshotCollection on input may be refused by the transport (O6).
  const bool fault_for_r = k.result_given;
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
    a.fault = fault_for_r;
    return a;
  }
  for (const Row* r : invalid) {
    a.codes.insert(r->codes.begin(), r->codes.end());
    a.any_failure_code |= r->any_failure;
    a.fault |= r->fault;
    a.job_failure |= r->job_failure;
    a.warn_on_success |= r->warn_on_success;
  }
  a.fault |= fault_for_r;
  if (invalid.size() == 1) {
    a.check = std::string(invalid.front()->check);
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
  out.refusal |= b.refusal;
  return out;
}

bool allow_finished_transitions(Expectation& e, const HostView& after, const Declarations& d) {
  std::vector<CClass> all{e.classes.c};
  all.insert(all.end(), e.classes.more_c.begin(), e.classes.more_c.end());
  if (std::find(all.begin(), all.end(), CClass::kTransitional) == all.end()) return false;
  bool saved = false;
  for (const auto& vm : e.members) {
    auto it = after.vms.find(vm);
    if (it == after.vms.end() || cim::EnabledState(it->second.state).is_transitional())
      return false;
    saved = saved || cim::EnabledState(it->second.state).is_saved();
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
  // skip intermediate states): 2→3→4, 4↔5, 4→6, any non-terminal → terminal. 12 (Query
  // Pending) is in the host's value map (J1): a pause of any non-terminal state.
  auto reachable = [](std::uint16_t from, std::uint16_t to) {
    const cim::JobState f(from), g(to);
    if (from == to) return true;
    if (f.is_terminal()) return false;
    const auto live = [](std::uint16_t s) { return (s >= 2 && s <= 6) || s == 12; };
    if (g.is_terminal()) return live(from);
    if (from == cim::JobState::kQueryPending || to == cim::JobState::kQueryPending)
      return live(from) && live(to);
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
    const bool known = (s.state >= 2 && s.state <= 10) || s.state == cim::JobState::kQueryPending ||
                       s.state == cim::JobState::kCompletedWithWarnings;
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
  // Microsoft's own client reads ErrorCode 4096 on a job as "no error" (J3): tolerated on a
  // success, with a warning (CS-INV-6-S).
  const bool tolerated = end.is_success() && code == cim::ReturnCode::kJobStarted;
  if (end.is_success() && code != 0 && !tolerated)
    ec = fmt::format("ErrorCode is {} although the job ended {}", code, end.to_string());
  if (!end.is_success() && code == 0)
    ec = fmt::format("ErrorCode is 0 although the job ended {}", end.to_string());
  out.push_back(finding("inv6.error-code", ec.empty() ? Verdict::kPass : Verdict::kFail, ec));
  if (end.is_success()) {
    // A job that completed has nothing to report; one that completed with warnings says which.
    const bool texted = !last.error_description.empty();
    if (end.value() == cim::JobState::kCompleted) {
      out.push_back(finding("inv6s.completed-without-error-text",
                            texted ? Verdict::kWarn : Verdict::kPass,
                            texted ? fmt::format("the job ended 7 (Completed) with the "
                                                 "ErrorDescription \"{}\"",
                                                 last.error_description)
                                   : ""));
    } else {
      const bool explained = texted || !t.errors.empty();
      out.push_back(finding("inv6s.warnings-explained", explained ? Verdict::kPass : Verdict::kWarn,
                            explained ? ""
                                      : "the job ended 32768 (Completed with warnings) with no "
                                        "ErrorDescription and no Msvm_Error saying what to heed"));
    }
    out.push_back(finding(
        "inv6s.success-error-code", tolerated ? Verdict::kWarn : Verdict::kPass,
        tolerated ? fmt::format("the job ended {} with ErrorCode 4096; 0 is expected (Microsoft's "
                                "client tolerates 4096, others may not)",
                                end.to_string())
                  : ""));
  }
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

namespace {

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
  std::string per_member, types, parents, currents, first_type;
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
        types = fmt::format("snapshot {} has VirtualSystemType \"{}\", not a snapshot type", s,
                            sv.type);
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

// CS-READ-1/2/4: what the views, the transport and the reads back found that does not read as
// the contract says. One finding per check, naming the first problem.
void check_reading(const Observation& o, Findings& f) {
  std::map<std::string, std::string> first;
  for (const auto* list : {&o.before.problems, &o.after.problems, &o.wire}) {
    for (const auto& p : *list)
      first.emplace(p.check, p.message);
  }
  for (const auto& r : o.resolved) {
    if (!r.found) {
      first.emplace(
          "read2.references-resolve",
          fmt::format("{} was handed out but a Get of it fails: {}", r.path.to_string(), r.error));
    } else if (!r.same) {
      first.emplace("read2.references-resolve",
                    fmt::format("a Get of {} finds another object", r.path.to_string()));
    }
  }
  for (const char* check :
       {"read1.lexical-form", "read2.parent-is-a-path", "read2.snapshot-names-its-vm",
        "read2.full-key-set", "read2.references-resolve", "read4.value-map"}) {
    auto it = first.find(check);
    f.push_back(finding(check, it == first.end() ? Verdict::kPass : Verdict::kFail,
                        it == first.end() ? "" : it->second));
  }
}

std::string at(std::int64_t us) {
  return cim::DateTime::timestamp(us).to_xsd();
}

// CS-READ-3: a new snapshot's CreationTime lies within the call, and a job's clock runs
// forward and never ahead of the host's.
void check_times(const Expectation& e, const Observation& o, const Diff& in, Findings& f) {
  std::string problem;
  const CallOutcome& c = o.outcome;
  // The call's window: the host's clock around the call, else the job's own times.
  std::optional<std::int64_t> from = o.before.host_time_us, to = o.after.host_time_us;
  if (c.trace && !c.trace->samples.empty()) {
    const JobSample& first = c.trace->samples.front();
    const JobSample& last = c.trace->samples.back();
    if (!from && first.time_submitted_us) from = first.time_submitted_us;
    if (!to && last.last_change_us) to = last.last_change_us;
  }
  // The snapshots a success made (a failure's strays are CS-INV-3's business).
  const bool success = !c.reported_failure() && !in.new_collections.empty();
  for (const auto& [vm, gained] : in.new_snapshots) {
    if (!success || !e.members.count(vm)) continue;
    for (const auto& id : gained) {
      const auto s = o.after.snapshots.find(id);
      if (s == o.after.snapshots.end() || !s->second.created_us || !problem.empty()) continue;
      const std::int64_t t = *s->second.created_us;
      if ((from && t < *from) || (to && t > *to)) {
        problem = fmt::format("snapshot {}'s CreationTime {} lies outside the call ({} .. {})", id,
                              at(t), from ? at(*from) : "?", to ? at(*to) : "?");
      }
    }
  }
  if (c.trace) {
    for (const auto& s : c.trace->samples) {
      if (!problem.empty()) break;
      if (s.time_submitted_us && s.start_time_us && *s.start_time_us < *s.time_submitted_us) {
        problem = fmt::format("the job's StartTime {} is before its TimeSubmitted {}",
                              at(*s.start_time_us), at(*s.time_submitted_us));
      } else if (s.start_time_us && s.last_change_us && *s.last_change_us < *s.start_time_us) {
        problem = fmt::format("the job's TimeOfLastStateChange {} is before its StartTime {}",
                              at(*s.last_change_us), at(*s.start_time_us));
      } else if (o.after.host_time_us) {
        for (const auto& t : {s.time_submitted_us, s.start_time_us, s.last_change_us}) {
          if (t && *t > *o.after.host_time_us && problem.empty()) {
            problem = fmt::format("the job's clock reads {}, after the host's clock ({})", at(*t),
                                  at(*o.after.host_time_us));
          }
        }
      }
      // ElapsedTime: at most the time since it started (a second of rounding allowed).
      if (problem.empty() && s.elapsed_us && s.start_time_us) {
        const std::optional<std::int64_t> end =
            cim::JobState(s.state).is_terminal() ? s.last_change_us : o.after.host_time_us;
        if (*s.elapsed_us < 0 || (end && *s.elapsed_us > *end - *s.start_time_us + 1'000'000)) {
          problem = fmt::format("the job's ElapsedTime ({} s) does not fit its StartTime {}",
                                *s.elapsed_us / 1'000'000, at(*s.start_time_us));
        }
      }
    }
  }
  f.push_back(finding("read3.times", problem.empty() ? Verdict::kPass : Verdict::kFail, problem));
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
