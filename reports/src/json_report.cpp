// result.json: the whole run for machines. Schema "hvsnap-result", version kSchemaVersion.
// Wall-time fields live only under "run" (started, finished, wall-seconds) and in each
// failure's "seconds-to-find"; the build's commit under "tool".
#include <nlohmann/json.hpp>

#include "hvsnap/reports/bundle.h"
#include "report_util.h"

namespace hvsnap::reports {

using nlohmann::ordered_json;
using namespace conformance;

std::string render_json(const RunResult& r, const RunInfo& info) {
  ordered_json j;
  j["schema"] = "hvsnap-result";
  j["schema-version"] = kSchemaVersion;
  j["tool"] = {{"name", "hvsnap"}, {"version", info.tool_version}, {"git-commit", info.git_commit}};
  j["run"] = {{"command", info.command},
              {"started", info.started_utc},
              {"finished", info.finished_utc},
              {"wall-seconds", round_to(info.wall_seconds, 3)},
              {"interrupted", r.interrupted},
              {"budget-exhausted", r.budget_exhausted},
              {"stopped-at-first-failure", r.stopped_at_first_failure}};
  // Only when it did (decision 0163): every other report reads as before.
  if (!r.stopped_answering.empty()) j["run"]["host-stopped-answering"] = r.stopped_answering;
  j["target"] = {
      {"uri", r.target_uri},
      {"identity", r.target_identity},
      {"fixture", info.fixture},
      {"personality", info.personality},
      {"faults", info.faults},
      {"capabilities",
       {{"control", r.capabilities.control},
        {"fresh-hosts", r.capabilities.fresh_hosts},
        {"recursive-management-collections", r.capabilities.recursive_management_collections},
        {"transient-failures", r.capabilities.transient_failures},
        {"default-checkpoint-limit", r.capabilities.default_checkpoint_limit}}}};
  j["options"] = {{"profile", to_string(r.profile)},
                  {"coverage", to_string(r.coverage)},
                  {"seed", r.seed},
                  {"budget-seconds", round_to(info.budget_seconds, 3)},
                  {"cases-per-combination", info.cases_per_combo},
                  {"settings-sweep", info.settings_sweep},
                  {"sequences", info.sequences},
                  {"max-steps", info.max_steps},
                  {"parallel-rounds", info.parallel_rounds},
                  {"liveness-cases", info.liveness_cases}};
  if (info.shard_count > 1)
    j["options"]["shard"] = {{"index", info.shard_index}, {"count", info.shard_count}};
  j["verdict"] = {{"certified", r.certified},
                  {"not-supported", r.not_supported},
                  {"verdict", r.verdict},
                  {"reasons", r.verdict_reasons}};
  ordered_json capability = ordered_json::array();
  for (const auto& c : r.capability) {
    capability.push_back({{"configuration", c.configuration},
                          {"snapshotted", c.snapshotted},
                          {"refused", c.refused},
                          {"failed", c.failed},
                          {"answers", c.answers}});
  }
  j["capability"] = std::move(capability);
  j["counts"] = {{"requirements", r.requirements.size()},
                 {"combinations", r.counts.combos},
                 {"cases", r.counts.cases},
                 {"cases-not-tested", r.counts.cases_not_tested},
                 {"sequences", r.counts.sequences},
                 {"sequence-steps", r.counts.sequence_steps},
                 {"parallel-rounds", r.counts.parallel_rounds},
                 {"properties", r.counts.properties},
                 {"transient-retries", r.counts.transient_retries},
                 {"undecided", r.counts.undecided},
                 {"failures", r.failures.size()}};
  if (!r.warnings.empty()) j["counts"]["warnings"] = r.warnings.size();  // decision 0165
  ordered_json tally;
  for (const char* v : {"PASS", "FAIL", "WARN", "NOT_TESTED", "NOT_APPLICABLE"})
    tally[v] = 0;
  for (const auto& rr : r.requirements)
    tally[std::string(to_string(rr.verdict))] =
        tally[std::string(to_string(rr.verdict))].get<int>() + 1;
  j["counts"]["requirement-verdicts"] = tally;

  ordered_json reqs = ordered_json::array();
  for (const auto& rr : r.requirements) {
    reqs.push_back({{"id", rr.id},
                    {"level", to_string(rr.level)},
                    {"text", rr.text},
                    {"verdict", to_string(rr.verdict)},
                    {"passed", rr.passed},
                    {"failed", rr.failed},
                    {"warned", rr.warned},
                    {"reason", rr.reason},
                    {"evidence", rr.evidence}});
  }
  j["requirements"] = std::move(reqs);

  ordered_json combos = ordered_json::array();
  for (const auto& c : sorted_combos(r)) {
    combos.push_back({{"combination", c->combo.to_string()},
                      {"c", to_string(c->combo.c)},
                      {"power", to_string(c->combo.power)},
                      {"s", to_string(c->combo.s)},
                      {"t", to_string(c->combo.t)},
                      {"r", to_string(c->combo.r)},
                      {"cases", c->cases},
                      {"not-tested", c->not_tested},
                      {"observed", c->observed},
                      {"allowed", c->allowed},
                      {"verdict", to_string(c->verdict)},
                      {"note", c->note}});
  }
  j["combinations"] = std::move(combos);

  auto records = [&](const std::vector<FailureRecord>& list) {
    ordered_json out = ordered_json::array();
    for (const auto& f : list) {
      out.push_back({{"requirement", f.requirement},
                     {"check", f.check},
                     {"property", f.property},
                     {"title", f.title},
                     {"steps", f.steps},
                     {"counterexample", f.counterexample},
                     {"token", f.token},
                     {"replay", replay_command(info, f.token)},
                     {"seconds-to-find", round_to(f.seconds_to_find, 3)}});
    }
    return out;
  };
  j["failures"] = records(r.failures);
  // Only when there are any: a run that broke no SHOULD reads as before (decision 0165).
  if (!r.warnings.empty()) j["warnings"] = records(r.warnings);
  // Only when there are any: a run the wire lost nothing of reads as before (decision 0162).
  if (!r.undecided.empty()) {
    ordered_json undecided = ordered_json::array();
    for (const auto& u : r.undecided) {
      undecided.push_back({{"property", u.property},
                           {"what", u.what},
                           {"reason", u.reason},
                           {"token", u.token},
                           {"replay", undecided_replay(info.replay_program, r, u)}});
    }
    j["undecided"] = std::move(undecided);
  }
  j["distributions"] = {{"return-codes", r.return_codes}, {"job-end-states", r.job_end_states}};
  j["ambiguities"] = r.ambiguities;
  // Invalid UTF-8 (a garbage value a provider echoed back) becomes U+FFFD, never an exception.
  return j.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace hvsnap::reports
