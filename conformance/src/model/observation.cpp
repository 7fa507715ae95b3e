// The observed call (contract §4): job traces, outcomes, and which further reads a judgement
// needs. Pure: nothing here reads the target.
#include "hvsnap/conformance/model/observation.h"

#include <string>

#include "hvsnap/cim/codes.h"

namespace hvsnap::conformance::model {

std::optional<std::uint16_t> JobTrace::final_state() const {
  if (samples.empty()) return std::nullopt;
  return samples.back().state;
}

std::string JobTrace::describe() const {
  if (!resolved) return "did not resolve (" + first_read_error + ")";
  std::string out;
  std::optional<std::uint16_t> last;
  for (const auto& s : samples) {
    if (last && *last == s.state) continue;
    out += (out.empty() ? "" : "→") + std::to_string(s.state);
    last = s.state;
  }
  if (vanished) out += "→(gone)";
  if (timed_out) out += "→(no end)";
  return out;
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

bool CallOutcome::reported_success() const {
  if (fault) return false;
  if (return_value == 0) return true;
  if (return_value != cim::ReturnCode::kJobStarted || !trace) return false;
  const auto end = trace->final_state();
  return end && cim::JobState(*end).is_success() && !trace->timed_out;
}

bool CallOutcome::reported_failure() const {
  if (fault) return true;
  if (return_value == 0) return false;
  if (return_value != cim::ReturnCode::kJobStarted) return true;
  if (!trace) return false;
  const auto end = trace->final_state();
  return end && cim::JobState(*end).is_terminal() && !reported_success();
}

bool CallOutcome::undecided() const {
  return !reported_success() && !reported_failure() && trace && !trace->timed_out;
}

ReadPlan plan_reads(const HostView& before, const CallOutcome& o, const HostView& after,
                    bool management) {
  ReadPlan plan;
  if (o.reported_failure()) return plan;
  std::vector<std::string> fresh;
  for (const auto& id : after.all_collections) {
    if (!before.all_collections.count(id)) fresh.push_back(id);
  }
  if (fresh.size() == 1 && !after.collections.count(fresh.front())) {
    const auto p = after.collection_paths.find(fresh.front());
    if (p != after.collection_paths.end()) plan.unlinked_collection = p->second;
  }
  if (!o.fault && o.return_value == 0 && o.job) plan.sync_job = o.job;
  const bool new_collection = fresh.size() == 1 || (management && !fresh.empty());
  // Every reference the call handed out, and every new object the views reached, must resolve
  // by a Get of its own path (CS-READ-2).
  if (o.result) plan.resolve.push_back(*o.result);
  for (const auto& id : fresh) {
    const auto p = after.collection_paths.find(id);
    if (p != after.collection_paths.end() && !(o.result && *o.result == p->second))
      plan.resolve.push_back(p->second);
  }
  for (const auto& [id, s] : after.snapshots) {
    if (!before.snapshots.count(id) && !s.path.keys().empty()) plan.resolve.push_back(s.path);
  }
  if (o.job && o.trace && o.trace->readable_after_end && !o.trace->vanished &&
      o.trace->final_state() && cim::JobState(*o.trace->final_state()).is_terminal() &&
      new_collection) {
    plan.affected_job = o.job;
  }
  return plan;
}

}  // namespace hvsnap::conformance::model
