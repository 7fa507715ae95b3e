// The oracle's job and reading checkers: a job's lifecycle (CS-INV-5/6/8, `check_job`), what
// the reads found that does not read as the contract says (CS-READ-1/2/4) and the times a call
// and its job report (CS-READ-3).
#include <fmt/format.h>

#include <map>

#include "hvsnap/cim/cimxml.h"
#include "hvsnap/cim/codes.h"
#include "hvsnap/cim/datetime.h"
#include "hvsnap/cim/names.h"
#include "hvsnap/cim/text.h"
#include "hvsnap/conformance/catalogue.h"
#include "hvsnap/conformance/model/oracle.h"
#include "oracle_internal.h"

namespace hvsnap::conformance::model {

namespace names = cim::names;

namespace {

// Legal transitions: a later state must be reachable from the earlier one (polls may
// skip intermediate states): 2→3→4, 4↔5, 4→6, any non-terminal → terminal. 12 (Query
// Pending) is in the host's value map (J1): a pause of any non-terminal state.
bool reachable(std::uint16_t from, std::uint16_t to) {
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
}

// What the job's samples show, in order: the first unknown state or illegal transition
// (CS-INV-6), a change after the job ended, and PercentComplete going back.
struct SampleProblems {
  std::string bad;
  std::string changed_after_end;
  std::string pct_problem;
};

SampleProblems walk_samples(const JobTrace& t) {
  SampleProblems p;
  std::string& bad = p.bad;
  std::string& changed_after_end = p.changed_after_end;
  std::string& pct_problem = p.pct_problem;
  bool terminal_seen = false;
  std::uint16_t terminal = 0;
  std::optional<std::uint16_t> last_pct;
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
  return p;
}

// CS-INV-5: the job's first sample, its type and its first state.
void check_first_sample(const JobSample& first, Findings& out) {
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
}

// CS-INV-6/6-S at a terminal state: ErrorCode against the end state, and what a success
// reports.
void check_end_codes(const JobTrace& t, const cim::JobState& end, Findings& out) {
  const JobSample& last = t.samples.back();
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
}

// CS-INV-6: a job that ended in Exception says why.
void check_exception_detail(const JobTrace& t, Findings& out) {
  const JobSample& last = t.samples.back();
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

// CS-INV-8: the job is readable after it ended.
void check_readable_after_end(const JobTrace& t, Findings& out) {
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

}  // namespace

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
  check_first_sample(t.samples.front(), out);
  const SampleProblems p = walk_samples(t);
  const std::string& bad = p.bad;
  const std::string& changed_after_end = p.changed_after_end;
  std::string pct_problem = p.pct_problem;
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
  check_end_codes(t, end, out);
  if (last.state == cim::JobState::kException) check_exception_detail(t, out);
  check_readable_after_end(t, out);
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

namespace {

std::string at(std::int64_t us) {
  return cim::DateTime::timestamp(us).to_xsd();
}

}  // namespace

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

}  // namespace hvsnap::conformance::model
