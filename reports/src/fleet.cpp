// The fleet report (fleet.h), its inputs: reading bundles back, merging the shards of one
// run, and the fleet of several runs with its verdict. Decisions 0043, 0044; the fleet files
// and their verification are in fleet_render.cpp.
#include "hvsnap/reports/fleet.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <set>
#include <sstream>

#include "bundle_io.h"
#include "report_util.h"

namespace hvsnap::reports {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace conformance;

namespace {

// The strongest verdict wins when shards disagree (decision 0043).
int strength(Verdict v) {
  switch (v) {
    case Verdict::kFail:
      return 4;
    case Verdict::kWarn:
      return 3;
    case Verdict::kPass:
      return 2;
    case Verdict::kNotTested:
      return 1;
    case Verdict::kNotApplicable:
      return 0;
  }
  return 0;
}

cim::Status bad(const fs::path& dir, const std::string& what) {
  return cim::invalid_parameter(fmt::format("{}: {}", dir.string(), what));
}

// What makes two bundles shards of the same run: everything but the shard index.
std::string run_key(const LoadedRun& r) {
  return fmt::format("{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}", r.result.target_uri,
                     r.result.seed, to_string(r.result.profile), to_string(r.result.coverage),
                     r.info.cases_per_combo, r.info.sequences, r.info.max_steps,
                     r.info.parallel_rounds, r.info.liveness_cases, r.info.fixture,
                     r.info.personality, r.info.faults, r.info.shard_count);
}

std::string slug_of(std::string_view uri) {
  std::string slug;
  for (char ch : uri) {
    if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '+' || ch == '.') {
      slug += ch;
    } else if (!slug.empty() && slug.back() != '-') {
      slug += '-';
    }
  }
  while (!slug.empty() && (slug.back() == '-' || slug.back() == '.'))
    slug.pop_back();
  if (slug.size() > 48) slug.resize(48);
  return slug.empty() ? "target" : slug;
}

// " --shard K/N" out of a recorded command: the merged run is the unsharded one.
std::string without_shard(std::string command) {
  const auto at = command.find(" --shard ");
  if (at == std::string::npos) return command;
  const auto end = command.find(' ', at + 9);
  command.erase(at, end == std::string::npos ? std::string::npos : end - at);
  return command;
}
}  // namespace

cim::Result<LoadedRun> load_bundle(const fs::path& dir) {
  const Verification v = verify_bundle(dir);
  if (!v.ok()) return bad(dir, "not a sound hvsnap report: " + v.problems.front());
  const auto text = read_file(dir / "result.json");
  if (!text) return bad(dir, "result.json cannot be read");
  LoadedRun out;
  out.dir = dir;
  RunResult& r = out.result;
  RunInfo& info = out.info;
  try {
    const json j = json::parse(*text);
    const auto& tool = j.at("tool");
    info.tool_version = tool.at("version");
    info.git_commit = tool.at("git-commit");
    const auto& run = j.at("run");
    info.command = run.at("command");
    info.started_utc = run.at("started");
    info.finished_utc = run.at("finished");
    info.wall_seconds = run.at("wall-seconds");
    r.interrupted = run.at("interrupted");
    r.budget_exhausted = run.at("budget-exhausted");
    r.stopped_at_first_failure = run.value("stopped-at-first-failure", false);
    r.stopped_answering = run.value("host-stopped-answering", "");
    const auto& target = j.at("target");
    r.target_uri = target.at("uri");
    r.target_identity = target.at("identity");
    info.fixture = target.value("fixture", "");
    info.personality = target.value("personality", "");
    info.faults = target.value("faults", "");
    const auto& caps = target.at("capabilities");
    r.capabilities.control = caps.at("control");
    r.capabilities.fresh_hosts = caps.at("fresh-hosts");
    r.capabilities.recursive_management_collections = caps.at("recursive-management-collections");
    r.capabilities.transient_failures = caps.at("transient-failures");
    r.capabilities.default_checkpoint_limit = caps.value("default-checkpoint-limit", 50u);
    const auto& o = j.at("options");
    const auto profile = parse_profile(o.at("profile").get<std::string>());
    const auto coverage = parse_coverage(o.at("coverage").get<std::string>());
    if (!profile || !coverage)
      return bad(dir, fmt::format("result.json: options: profile '{}' / coverage '{}': expected "
                                  "core or full / exhaustive or pairwise",
                                  o.at("profile").dump(), o.at("coverage").dump()));
    r.profile = *profile;
    r.coverage = *coverage;
    r.seed = o.at("seed");
    info.budget_seconds = o.at("budget-seconds");
    info.cases_per_combo = o.at("cases-per-combination");
    info.settings_sweep = o.value("settings-sweep", true);
    info.sequences = o.at("sequences");
    info.max_steps = o.at("max-steps");
    info.parallel_rounds = o.at("parallel-rounds");
    info.liveness_cases = o.value("liveness-cases", 0);
    if (o.contains("shard")) {
      info.shard_index = o.at("shard").at("index");
      info.shard_count = o.at("shard").at("count");
      if (info.shard_count < 1 || info.shard_index < 0 || info.shard_index >= info.shard_count)
        return bad(dir, fmt::format("result.json: shard {}/{} is not a shard", info.shard_index,
                                    info.shard_count));
    }
    const auto& verdict = j.at("verdict");
    r.certified = verdict.at("certified");
    r.not_supported = verdict.value("not-supported", false);
    r.verdict = verdict.at("verdict");
    r.verdict_reasons = verdict.at("reasons").get<std::vector<std::string>>();
    for (const auto& c : j.value("capability", json::array())) {
      CapabilityResult row;
      row.configuration = c.at("configuration");
      row.snapshotted = c.at("snapshotted");
      row.refused = c.at("refused");
      row.failed = c.at("failed");
      row.answers = c.at("answers").get<std::set<std::string>>();
      r.capability.push_back(std::move(row));
    }
    const auto& counts = j.at("counts");
    r.counts.combos = counts.at("combinations");
    r.counts.cases = counts.at("cases");
    r.counts.cases_not_tested = counts.at("cases-not-tested");
    r.counts.sequences = counts.at("sequences");
    r.counts.sequence_steps = counts.at("sequence-steps");
    r.counts.parallel_rounds = counts.at("parallel-rounds");
    r.counts.properties = counts.at("properties");
    r.counts.undecided = counts.value("undecided", 0);  // absent before decision 0161
    for (const auto& x : j.at("requirements")) {
      RequirementResult rr;
      rr.id = x.at("id");
      rr.level = *parse_level(x.at("level").get<std::string>());  // checked by verify_bundle
      rr.text = x.at("text");
      rr.verdict = *parse_verdict(x.at("verdict").get<std::string>());
      rr.passed = x.at("passed");
      rr.failed = x.at("failed");
      rr.warned = x.at("warned");
      rr.reason = x.at("reason");
      rr.evidence = x.at("evidence").get<std::vector<std::string>>();
      r.requirements.push_back(std::move(rr));
    }
    for (const auto& x : j.at("combinations")) {
      ComboResult cr;
      cr.combo = *Combo::parse(x.at("combination").get<std::string>());  // checked by verify
      cr.cases = x.at("cases");
      cr.not_tested = x.at("not-tested");
      cr.observed = x.at("observed").get<std::set<std::string>>();
      cr.allowed = x.at("allowed");
      const auto verdict_of_combo = parse_verdict(x.at("verdict").get<std::string>());
      if (!verdict_of_combo)
        return bad(dir, "result.json: combination " + cr.combo.to_string() + " has no verdict");
      cr.verdict = *verdict_of_combo;
      cr.note = x.at("note");
      r.combos.push_back(std::move(cr));
    }
    auto record = [](const json& x) {
      FailureRecord f;
      f.requirement = x.at("requirement");
      f.check = x.at("check");
      f.property = x.at("property");
      f.title = x.at("title");
      f.steps = x.at("steps");
      f.counterexample = x.at("counterexample");
      f.token = x.at("token");
      f.seconds_to_find = x.at("seconds-to-find");
      return f;
    };
    for (const auto& x : j.at("failures"))
      r.failures.push_back(record(x));
    for (const auto& x : j.value("warnings", json::array()))  // there when any (0165)
      r.warnings.push_back(record(x));
    for (const auto& x : j.value("undecided", json::array())) {  // there when any (0162)
      r.undecided.push_back(
          {x.at("property"), x.at("what"), x.at("reason"), x.at("token").get<std::string>()});
    }
    const auto& d = j.at("distributions");
    r.return_codes = d.at("return-codes").get<std::map<std::string, int>>();
    r.job_end_states = d.at("job-end-states").get<std::map<std::string, int>>();
    r.ambiguities = j.at("ambiguities").get<std::map<std::string, std::set<std::string>>>();
  } catch (const json::exception& e) {
    return bad(dir,
               fmt::format("result.json: a field is missing or has the wrong type ({})", e.what()));
  }
  return out;
}

cim::Result<LoadedRun> merge_shards(std::vector<LoadedRun> shards) {
  if (shards.empty()) return cim::invalid_parameter("no shards to merge");
  std::sort(shards.begin(), shards.end(), [](const LoadedRun& a, const LoadedRun& b) {
    return a.info.shard_index < b.info.shard_index;
  });
  const int n = shards.front().info.shard_count;
  const std::string key = run_key(shards.front());
  for (std::size_t k = 0; k < shards.size(); ++k) {
    const LoadedRun& s = shards[k];
    if (run_key(s) != key)
      return bad(s.dir, fmt::format("is not a shard of the same run as {} (target, seed or "
                                    "options differ)",
                                    shards.front().dir.string()));
    if (k > 0 && s.info.shard_index == shards[k - 1].info.shard_index)
      return bad(s.dir, fmt::format("shard {}/{} is given twice (also {})", s.info.shard_index, n,
                                    shards[k - 1].dir.string()));
  }
  for (int k = 0, i = 0; k < n; ++k) {
    if (i < static_cast<int>(shards.size()) && shards[i].info.shard_index == k) {
      ++i;
      continue;
    }
    return bad(shards.front().dir,
               fmt::format("shard {}/{} of this run is missing: give all {} shards", k, n, n));
  }

  LoadedRun out;
  out.dir = shards.front().dir;
  out.info = shards.front().info;
  out.info.shard_index = 0;
  out.info.shard_count = 1;
  out.info.command = without_shard(out.info.command);
  RunResult& m = out.result;
  const RunResult& first = shards.front().result;
  m.target_uri = first.target_uri;
  m.target_identity = first.target_identity;
  m.capabilities = first.capabilities;
  m.profile = first.profile;
  m.coverage = first.coverage;
  m.seed = first.seed;

  std::map<std::string, std::size_t> req_at;
  std::map<std::string, ComboResult> combos;
  std::map<std::string, CapabilityResult> capability;
  std::set<std::string> tokens;
  bool listed_all = true;  // every shard lists what it counts undecided
  for (const LoadedRun& s : shards) {
    const RunResult& r = s.result;
    out.info.started_utc = std::min(out.info.started_utc, s.info.started_utc);
    out.info.finished_utc = std::max(out.info.finished_utc, s.info.finished_utc);
    out.info.wall_seconds = std::max(out.info.wall_seconds, s.info.wall_seconds);
    for (const auto& rr : r.requirements) {
      auto [it, fresh] = req_at.emplace(rr.id, m.requirements.size());
      if (fresh) {
        m.requirements.push_back(rr);
        continue;
      }
      RequirementResult& x = m.requirements[it->second];
      x.passed += rr.passed;
      x.failed += rr.failed;
      x.warned += rr.warned;
      if (strength(rr.verdict) > strength(x.verdict)) {
        x.verdict = rr.verdict;
        x.reason = rr.reason;
      }
      if (x.reason.empty()) x.reason = rr.reason;
      for (const auto& e : rr.evidence)
        if (x.evidence.size() < 3 &&
            std::find(x.evidence.begin(), x.evidence.end(), e) == x.evidence.end())
          x.evidence.push_back(e);
    }
    for (const auto& cr : r.combos) {
      const std::string name = cr.combo.to_string();
      auto [it, fresh] = combos.emplace(name, cr);
      if (fresh) continue;
      ComboResult& x = it->second;
      x.cases += cr.cases;
      x.not_tested += cr.not_tested;
      x.observed.insert(cr.observed.begin(), cr.observed.end());
      if (x.allowed.empty()) x.allowed = cr.allowed;
      if (strength(cr.verdict) > strength(x.verdict)) {
        x.verdict = cr.verdict;
        x.note = cr.note;
      }
    }
    for (const auto& f : r.failures)
      if (tokens.insert(f.token).second) m.failures.push_back(f);
    // One example for each warned requirement, the first shard's (as a run keeps its first).
    for (const auto& w : r.warnings) {
      const bool shown =
          std::any_of(m.warnings.begin(), m.warnings.end(),
                      [&](const FailureRecord& x) { return x.requirement == w.requirement; });
      if (!shown) m.warnings.push_back(w);
    }
    for (const auto& [k, v] : r.return_codes)
      m.return_codes[k] += v;
    for (const auto& [k, v] : r.job_end_states)
      m.job_end_states[k] += v;
    for (const auto& [k, v] : r.ambiguities)
      m.ambiguities[k].insert(v.begin(), v.end());
    for (const auto& c : r.capability) {
      CapabilityResult& x = capability[c.configuration];
      x.configuration = c.configuration;
      x.snapshotted += c.snapshotted;
      x.refused += c.refused;
      x.failed += c.failed;
      x.answers.insert(c.answers.begin(), c.answers.end());
    }
    m.counts.cases += r.counts.cases;
    m.counts.cases_not_tested += r.counts.cases_not_tested;
    m.counts.sequences += r.counts.sequences;
    m.counts.sequence_steps += r.counts.sequence_steps;
    m.counts.parallel_rounds += r.counts.parallel_rounds;
    m.counts.undecided += r.counts.undecided;
    m.undecided.insert(m.undecided.end(), r.undecided.begin(), r.undecided.end());
    // A shard made before decision 0162 counts items it does not list: then none are listed,
    // and the count alone stands, as in that shard.
    listed_all = listed_all && r.undecided.size() == static_cast<std::size_t>(r.counts.undecided);
    m.counts.properties = std::max(m.counts.properties, r.counts.properties);
    m.budget_exhausted = m.budget_exhausted || r.budget_exhausted;
    m.interrupted = m.interrupted || r.interrupted;
    m.stopped_at_first_failure = m.stopped_at_first_failure || r.stopped_at_first_failure;
    if (m.stopped_answering.empty()) m.stopped_answering = r.stopped_answering;
  }
  if (!listed_all) m.undecided.clear();
  for (auto& [name, cr] : combos)
    m.combos.push_back(std::move(cr));
  m.counts.combos = static_cast<int>(m.combos.size());
  for (auto& [name, c] : capability)
    m.capability.push_back(std::move(c));
  // Failures in catalogue order of their requirement, the shortest first (as a run orders them).
  std::stable_sort(m.failures.begin(), m.failures.end(),
                   [&](const FailureRecord& a, const FailureRecord& b) {
                     const auto ra = req_at.count(a.requirement) ? req_at[a.requirement] : 9999;
                     const auto rb = req_at.count(b.requirement) ? req_at[b.requirement] : 9999;
                     return ra != rb ? ra < rb : a.steps < b.steps;
                   });
  apply_verdict(m);
  return out;
}

cim::Result<Fleet> build_fleet(const std::vector<fs::path>& bundles, std::string tool_version,
                               std::string git_commit) {
  Fleet f;
  f.tool_version = std::move(tool_version);
  f.git_commit = std::move(git_commit);
  if (bundles.empty()) return cim::invalid_parameter("no bundles to merge");
  std::vector<LoadedRun> runs;
  std::set<std::string> seen;
  for (const auto& b : bundles) {
    std::error_code ec;
    const std::string canonical = fs::weakly_canonical(b, ec).string();
    if (!seen.insert(canonical).second) return bad(b, "is given twice");
    auto r = load_bundle(b);
    if (!r.ok()) return r.status();
    runs.push_back(std::move(*r));
  }
  // Entries in the order of their first bundle; shards of one run gathered into one entry.
  std::map<std::string, std::size_t> group_at;
  std::vector<std::vector<LoadedRun>> groups;
  for (auto& r : runs) {
    if (r.info.shard_count > 1) {
      auto [it, fresh] = group_at.emplace(run_key(r), groups.size());
      if (fresh) groups.emplace_back();
      groups[it->second].push_back(std::move(r));
    } else {
      groups.push_back({std::move(r)});
    }
  }
  int index = 0;
  for (auto& g : groups) {
    FleetEntry e;
    if (g.front().info.shard_count > 1) {
      auto merged = merge_shards(g);
      if (!merged.ok()) return merged.status();
      e.run = std::move(*merged);
      e.shards = std::move(g);
      std::sort(e.shards.begin(), e.shards.end(), [](const LoadedRun& a, const LoadedRun& b) {
        return a.info.shard_index < b.info.shard_index;
      });
    } else {
      e.run = std::move(g.front());
    }
    e.label = fmt::format("{:02}-{}", ++index, slug_of(e.run.result.target_uri));
    f.entries.push_back(std::move(e));
  }
  return f;
}

std::string fleet_verdict(const Fleet& f) {
  if (f.entries.empty()) return "NOT CERTIFIED";
  bool unsupported = false;
  for (const auto& e : f.entries) {
    if (e.run.result.certified) continue;
    if (!e.run.result.not_supported) return "NOT CERTIFIED";
    unsupported = true;
  }
  return unsupported ? "NOT SUPPORTED" : "CERTIFIED";
}

}  // namespace hvsnap::reports
