// Transcripts of judged calls: their JSON form, the offline judgement and the sink that
// records them (contract §7, §9; docs/evidence.md describes the format). Reading a transcript
// back is transcript_read.cpp's.
#include "hvsnap/conformance/transcript.h"

#include <fmt/format.h>

#include <fstream>
#include <mutex>

#include "hvsnap/conformance/catalogue.h"

namespace hvsnap::conformance {

using nlohmann::ordered_json;

namespace {

ordered_json path_json(const std::optional<cim::ObjectPath>& p) {
  return p ? ordered_json(p->to_string()) : ordered_json();
}

ordered_json view_json(const model::HostView& v) {
  ordered_json vms = ordered_json::array();
  for (const auto& [id, vm] : v.vms) {
    ordered_json x{{"id", id}, {"path", vm.path.to_string()}, {"state", vm.state}};
    if (!vm.other_state.empty()) x["other-state"] = vm.other_state;
    x["snapshots"] = vm.snapshots;
    x["most-current"] = vm.most_current.empty() ? ordered_json() : ordered_json(vm.most_current);
    vms.push_back(std::move(x));
  }
  ordered_json snaps = ordered_json::array();
  for (const auto& [id, s] : v.snapshots) {
    ordered_json x{{"id", id},
                   {"vm", s.vm},
                   {"type", s.type},
                   {"parent", s.parent.empty() ? ordered_json() : ordered_json(s.parent)}};
    if (!s.path.keys().empty()) x["path"] = s.path.to_string();
    if (s.created_us) x["created-us"] = *s.created_us;
    snaps.push_back(std::move(x));
  }
  ordered_json groups = ordered_json::array();
  for (const auto& [id, g] : v.groups) {
    groups.push_back({{"id", id},
                      {"path", g.path.to_string()},
                      {"management", g.management},
                      {"members", g.members},
                      {"collections", g.collections}});
  }
  ordered_json colls = ordered_json::array();
  for (const auto& [id, c] : v.collections) {
    ordered_json x{{"id", id}, {"path", c.path.to_string()}, {"members", c.members}};
    if (!c.element_name.empty()) x["element-name"] = c.element_name;
    if (!c.listed_twice.empty()) x["listed-twice"] = c.listed_twice;
    colls.push_back(std::move(x));
  }
  ordered_json out{{"vms", vms},
                   {"snapshots", snaps},
                   {"groups", groups},
                   {"collections", colls},
                   {"all-collections", v.all_collections}};
  if (!v.jobs.empty()) {
    ordered_json jobs = ordered_json::array();
    for (const auto& [id, j] : v.jobs) {
      ordered_json x{
          {"id", id}, {"path", j.path.to_string()}, {"readable", j.readable}, {"state", j.state}};
      if (j.last_change_us) x["last-change-us"] = *j.last_change_us;
      if (j.time_before_removal_us) x["time-before-removal-us"] = *j.time_before_removal_us;
      jobs.push_back(std::move(x));
    }
    out["jobs"] = std::move(jobs);
  }
  if (!v.whole_host_collections) out["whole-host-collections"] = false;  // decision 0091
  if (v.host_time_us) out["host-time-us"] = *v.host_time_us;
  if (!v.problems.empty()) {
    ordered_json problems = ordered_json::array();
    for (const auto& p : v.problems)
      problems.push_back({{"check", p.check}, {"message", p.message}});
    out["problems"] = std::move(problems);
  }
  if (!v.errors.empty()) out["errors"] = v.errors;
  return out;
}

ordered_json trace_json(const model::JobTrace& t) {
  ordered_json samples = ordered_json::array();
  for (const auto& s : t.samples) {
    ordered_json x{{"state", s.state}};
    if (s.percent) x["percent"] = *s.percent;
    if (s.error_code) x["error-code"] = *s.error_code;
    if (s.job_type) x["job-type"] = *s.job_type;
    if (s.cancellable) x["cancellable"] = *s.cancellable;
    if (!s.error_description.empty()) x["error-description"] = s.error_description;
    if (!s.time_before_removal.empty()) x["time-before-removal"] = s.time_before_removal;
    if (s.time_submitted_us) x["time-submitted-us"] = *s.time_submitted_us;
    if (s.start_time_us) x["start-time-us"] = *s.start_time_us;
    if (s.last_change_us) x["last-change-us"] = *s.last_change_us;
    if (s.elapsed_us) x["elapsed-us"] = *s.elapsed_us;
    samples.push_back(std::move(x));
  }
  ordered_json out{{"path", t.path.to_string()}, {"resolved", t.resolved}};
  if (!t.resolved) {
    out["first-read-error"] = t.first_read_error;
    out["first-read-kind"] = std::string(cim::to_string(t.first_read_kind));
  }
  out["samples"] = samples;
  out["vanished"] = t.vanished;
  out["timed-out"] = t.timed_out;
  out["errors"] = t.errors;
  if (t.get_error_ex_return) out["get-error-ex-return"] = *t.get_error_ex_return;
  out["readable-after-end"] = t.readable_after_end;
  return out;
}

ordered_json outcome_json(const model::CallOutcome& o) {
  ordered_json out;
  if (o.fault) {
    out["fault"] = {{"kind", std::string(cim::to_string(o.status.kind()))},
                    {"message", o.status.message()}};
    return out;
  }
  out["return-value"] = o.return_value;
  if (o.result) out["result"] = path_json(o.result);
  if (o.job) out["job"] = path_json(o.job);
  if (o.trace) out["trace"] = trace_json(*o.trace);
  return out;
}

ordered_json call_json(const JudgedCall& c) {
  const model::Expectation& e = c.expectation;
  std::vector<std::string> more;
  for (CClass m : e.classes.more_c)
    more.emplace_back(to_string(m));
  ordered_json classes{{"collection", to_string(e.classes.c)},
                       {"more", more},
                       {"settings", to_string(e.classes.s)},
                       {"type", to_string(e.classes.t)},
                       {"ignore-nonsnapshottable-disks", e.classes.ignore_nonsnapshottable_disks},
                       {"result-given", e.classes.result_given}};
  ordered_json transitions = ordered_json::object();
  for (const auto& [vm, st] : e.transitions)
    transitions[vm] = st;
  ordered_json out{
      {"call", c.call},
      {"classes", classes},
      {"declarations",
       {{"recursive-management-collections", c.declarations.recursive_management_collections},
        {"transient-failures", c.declarations.transient_failures}}},
      {"snapshot-type", e.snapshot_type},
      {"group", e.group},
      {"members", e.members},
      {"inside", e.inside},
      {"transitions", transitions},
      {"referenced-collection", e.referenced_collection},
      {"before", view_json(c.observation.before)},
      {"outcome", outcome_json(c.observation.outcome)},
      {"after", view_json(c.observation.after)}};
  const model::Observation& o = c.observation;
  if (!o.unlinked.empty()) {
    ordered_json u = ordered_json::array();
    for (const auto& [id, col] : o.unlinked)
      u.push_back({{"id", id}, {"path", col.path.to_string()}, {"members", col.members}});
    out["unlinked"] = u;
  }
  if (o.sync_job) {
    out["sync-job"] = {{"readable", o.sync_job->readable},
                       {"state", o.sync_job->state},
                       {"error", o.sync_job->error}};
  }
  if (o.affected_from_job) out["affected-from-job"] = *o.affected_from_job;
  if (!o.resolved.empty()) {
    ordered_json r = ordered_json::array();
    for (const auto& x : o.resolved) {
      r.push_back(
          {{"path", x.path.to_string()}, {"found", x.found}, {"same", x.same}, {"error", x.error}});
    }
    out["resolved"] = std::move(r);
  }
  if (!o.wire.empty()) {
    ordered_json w = ordered_json::array();
    for (const auto& p : o.wire)
      w.push_back({{"check", p.check}, {"message", p.message}});
    out["wire"] = std::move(w);
  }
  if (!c.expect.empty()) out["expect"] = c.expect;
  if (!c.note.empty()) out["note"] = c.note;
  return out;
}

}  // namespace

nlohmann::ordered_json to_json(const Transcript& t) {
  ordered_json j{{"schema", "hvsnap-transcript"}, {"schema-version", Transcript::kSchemaVersion}};
  if (!t.observation.empty()) j["observation"] = t.observation;
  if (!t.title.empty()) j["title"] = t.title;
  if (!t.source.empty()) j["source"] = t.source;
  if (!t.confidence.empty()) j["confidence"] = t.confidence;
  if (!t.host_build.empty()) j["host-build"] = t.host_build;
  j["kind"] = t.kind;
  ordered_json calls = ordered_json::array();
  for (const auto& c : t.calls)
    calls.push_back(call_json(c));
  j["calls"] = std::move(calls);
  if (!t.covered_by.empty()) j["covered-by"] = t.covered_by;
  if (!t.replay_on.empty()) j["replay-on"] = t.replay_on;
  return j;
}

CallJudgement judge_call(const JudgedCall& call) {
  CallJudgement out;
  model::Expectation e = call.expectation;
  e.allowed = model::allowed_outcomes(e.classes, call.declarations);
  model::allow_finished_transitions(e, call.observation.after, call.declarations);
  out.judgement = model::judge(e, call.observation);
  const Findings& f = out.judgement.findings;
  // A SHOULD's FAIL is a warning: it does not reject the call (decision 0165).
  const Finding* bad = first_fail(f);
  out.accepted = bad == nullptr;
  if (bad != nullptr)
    out.first_failure = fmt::format("{} ({}): {}", bad->requirement, bad->check, bad->message);
  std::string what = out.judgement.observed;
  if (out.judgement.refused) {
    what += " — a refusal (Not Supported, no change)";
  } else if (out.judgement.category == model::Category::kSuccess) {
    what += " — success";
  } else {
    what += " — failure";
  }
  std::size_t warnings = 0;
  for (const auto& x : f)
    warnings += is_warning(x) ? 1 : 0;
  if (warnings > 0) what += fmt::format(", {} warning{}", warnings, warnings == 1 ? "" : "s");
  out.summary = what;
  return out;
}

namespace {

class DirectorySink final : public TranscriptSink {
 public:
  DirectorySink(std::filesystem::path dir, std::string host)
      : dir_(std::move(dir)), host_(std::move(host)) {}
  void judged(const JudgedCall& call) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    Transcript t;
    t.kind = "recorded";
    t.title = call.call;
    t.source = host_;
    t.calls.push_back(call);
    const auto& k = call.expectation.classes;
    const std::string name =
        fmt::format("{:06}-{}-{}-{}.json", ++n_, to_string(k.c), to_string(k.s), to_string(k.t));
    std::ofstream(dir_ / name, std::ios::binary)
        << to_json(t).dump(2, ' ', false, ordered_json::error_handler_t::replace) << "\n";
  }

 private:
  std::filesystem::path dir_;
  std::string host_;
  std::mutex mu_;
  int n_ = 0;
};

}  // namespace

std::shared_ptr<TranscriptSink> directory_sink(std::filesystem::path dir, std::string host) {
  return std::make_shared<DirectorySink>(std::move(dir), std::move(host));
}

}  // namespace hvsnap::conformance
