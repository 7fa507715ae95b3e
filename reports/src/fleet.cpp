// The fleet report (fleet.h): reading bundles back, merging the shards of one run, the fleet
// files (JSON, JUnit, HTML, Markdown, manifest) and their verification. Decisions 0043, 0044.
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
using nlohmann::ordered_json;
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

cim::Status copy_bundle(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to, ec);
  if (ec)
    return cim::failed(fmt::format("{}: cannot create the folder: {}", to.string(), ec.message()));
  std::vector<std::string> files = bundle_files();
  files.push_back(kManifest);
  for (const auto& f : files) {
    fs::copy_file(from / f, to / f, fs::copy_options::overwrite_existing, ec);
    if (ec)
      return cim::failed(
          fmt::format("{}: cannot copy to {}: {}", (from / f).string(), to.string(), ec.message()));
  }
  return {};
}

std::string mark(Verdict v) {
  switch (v) {
    case Verdict::kPass:
      return "✓";
    case Verdict::kFail:
      return "✗";
    case Verdict::kWarn:
      return "!";
    case Verdict::kNotTested:
      return "–";
    case Verdict::kNotApplicable:
      return "n/a";
  }
  return "?";
}

const RequirementResult* find_req(const RunResult& r, std::string_view id) {
  for (const auto& rr : r.requirements)
    if (rr.id == id) return &rr;
  return nullptr;
}

// The union of the requirement IDs of every entry, in the order first seen.
std::vector<const RequirementResult*> fleet_requirements(const Fleet& f) {
  std::vector<const RequirementResult*> out;
  std::set<std::string> seen;
  for (const auto& e : f.entries)
    for (const auto& rr : e.run.result.requirements)
      if (seen.insert(rr.id).second) out.push_back(&rr);
  return out;
}

std::string shard_note(const FleetEntry& e) {
  return e.shards.empty() ? std::string() : fmt::format("{} shards", e.shards.size());
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
    for (const auto& x : j.at("failures")) {
      FailureRecord f;
      f.requirement = x.at("requirement");
      f.check = x.at("check");
      f.property = x.at("property");
      f.title = x.at("title");
      f.steps = x.at("steps");
      f.counterexample = x.at("counterexample");
      f.token = x.at("token");
      f.seconds_to_find = x.at("seconds-to-find");
      r.failures.push_back(std::move(f));
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
    m.counts.properties = std::max(m.counts.properties, r.counts.properties);
    m.budget_exhausted = m.budget_exhausted || r.budget_exhausted;
    m.interrupted = m.interrupted || r.interrupted;
    m.stopped_at_first_failure = m.stopped_at_first_failure || r.stopped_at_first_failure;
  }
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

namespace {

struct VerdictCounts {
  int certified = 0, not_certified = 0, not_supported = 0;
};
VerdictCounts count_verdicts(const Fleet& f) {
  VerdictCounts c;
  for (const auto& e : f.entries) {
    if (e.run.result.certified)
      ++c.certified;
    else if (e.run.result.not_supported)
      ++c.not_supported;
    else
      ++c.not_certified;
  }
  return c;
}

}  // namespace

std::string render_fleet_json(const Fleet& f) {
  ordered_json j;
  j["schema"] = "hvsnap-fleet";
  j["schema-version"] = kFleetSchemaVersion;
  j["tool"] = {{"name", "hvsnap"}, {"version", f.tool_version}, {"git-commit", f.git_commit}};
  const VerdictCounts c = count_verdicts(f);
  j["verdict"] = {{"verdict", fleet_verdict(f)},
                  {"targets", f.entries.size()},
                  {"certified", c.certified},
                  {"not-certified", c.not_certified},
                  {"not-supported", c.not_supported}};
  ordered_json reqs = ordered_json::array();
  for (const RequirementResult* rr : fleet_requirements(f))
    reqs.push_back({{"id", rr->id}, {"level", to_string(rr->level)}, {"text", rr->text}});
  j["requirements"] = std::move(reqs);
  ordered_json targets = ordered_json::array();
  for (const auto& e : f.entries) {
    const RunResult& r = e.run.result;
    ordered_json t;
    t["label"] = e.label;
    t["folder"] = "targets/" + e.label;
    t["uri"] = r.target_uri;
    t["identity"] = r.target_identity;
    t["profile"] = to_string(r.profile);
    t["coverage"] = to_string(r.coverage);
    t["seed"] = r.seed;
    t["shards"] = e.shards.size();
    t["verdict"] = r.verdict;
    t["certified"] = r.certified;
    t["not-supported"] = r.not_supported;
    t["reasons"] = r.verdict_reasons;
    t["counts"] = {{"combinations", r.counts.combos},
                   {"cases", r.counts.cases},
                   {"sequences", r.counts.sequences},
                   {"parallel-rounds", r.counts.parallel_rounds},
                   {"failures", r.failures.size()}};
    ordered_json matrix;
    for (const auto& rr : r.requirements)
      matrix[rr.id] = to_string(rr.verdict);
    t["requirements"] = std::move(matrix);
    targets.push_back(std::move(t));
  }
  j["targets"] = std::move(targets);
  return j.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

std::string render_fleet_junit(const Fleet& f) {
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  auto root = doc.append_child("testsuites");
  root.append_attribute("name") =
      xml_safe(fmt::format("hvsnap fleet: {}", fleet_verdict(f))).c_str();
  for (const auto& e : f.entries) {
    const RunResult& r = e.run.result;
    auto suite = root.append_child("testsuite");
    suite.append_attribute("name") = xml_safe(fmt::format("{} {}", e.label, r.target_uri)).c_str();
    int tests = 0, failures = 0, skipped = 0;
    const std::string cls = "hvsnap.fleet." + e.label;
    for (const auto& rr : r.requirements) {
      auto tc = suite.append_child("testcase");
      tc.append_attribute("classname") = xml_safe(cls).c_str();
      tc.append_attribute("name") =
          xml_safe(fmt::format("{} ({}) {}", rr.id, to_string(rr.level), rr.text)).c_str();
      ++tests;
      const bool blocks = untested_must(rr, r.profile);
      if (rr.verdict == Verdict::kFail || blocks) {
        ++failures;
        auto x = tc.append_child("failure");
        x.append_attribute("type") = std::string(to_string(rr.verdict)).c_str();
        std::string body;
        for (const auto& ev : rr.evidence)
          body += ev + "\n";
        x.append_attribute("message") =
            xml_safe(blocks ? "not tested (a MUST must be tested to certify): " + rr.reason
                            : (rr.evidence.empty() ? rr.reason : rr.evidence.front()))
                .c_str();
        x.append_child(pugi::node_pcdata).set_value(xml_safe(body).c_str());
      } else if (rr.verdict == Verdict::kNotTested || rr.verdict == Verdict::kNotApplicable) {
        ++skipped;
        tc.append_child("skipped").append_attribute("message") =
            xml_safe(fmt::format("{}: {}", to_string(rr.verdict), rr.reason)).c_str();
      }
    }
    auto tc = suite.append_child("testcase");
    tc.append_attribute("classname") = xml_safe(cls).c_str();
    tc.append_attribute("name") = "collection snapshots are supported (contract §4.1)";
    ++tests;
    if (r.not_supported) {
      ++failures;
      auto x = tc.append_child("failure");
      x.append_attribute("type") = "NOT_SUPPORTED";
      x.append_attribute("message") =
          xml_safe(r.verdict_reasons.empty() ? r.verdict : r.verdict_reasons.front()).c_str();
    }
    suite.append_attribute("tests") = tests;
    suite.append_attribute("failures") = failures;
    suite.append_attribute("errors") = 0;
    suite.append_attribute("skipped") = skipped;
  }
  std::ostringstream s;
  doc.save(s, "  ", pugi::format_default, pugi::encoding_utf8);
  return s.str();
}

std::string render_fleet_markdown(const Fleet& f) {
  std::string md;
  const VerdictCounts c = count_verdicts(f);
  md += fmt::format("# hvsnap fleet: {}\n\n", fleet_verdict(f));
  md += fmt::format("{} target{}: {} certified, {} not certified, {} not supported.\n\n",
                    f.entries.size(), f.entries.size() == 1 ? "" : "s", c.certified,
                    c.not_certified, c.not_supported);
  md +=
      "## Targets\n\n| # | Target | Verdict | Seed | Profile | Failures | Report |\n"
      "|---|---|---|---:|---|---:|---|\n";
  for (const auto& e : f.entries) {
    const RunResult& r = e.run.result;
    md += fmt::format(
        "| {} | `{}` — {} | **{}** | {} | {}{} | {} | [report](targets/{}/report.html) |\n",
        e.label, md_cell(r.target_uri), md_cell(r.target_identity), r.verdict, r.seed,
        to_string(r.profile), e.shards.empty() ? "" : ", " + shard_note(e), r.failures.size(),
        e.label);
  }
  md +=
      "\n## Requirements × targets\n\n✓ PASS · ✗ FAIL · ! WARN · – NOT_TESTED · n/a "
      "NOT_APPLICABLE\n\n| Requirement | Level |";
  for (std::size_t i = 0; i < f.entries.size(); ++i)
    md += fmt::format(" {} |", f.entries[i].label.substr(0, 2));
  md += "\n|---|---|";
  for (std::size_t i = 0; i < f.entries.size(); ++i)
    md += ":-:|";
  md += "\n";
  for (const RequirementResult* req : fleet_requirements(f)) {
    md += fmt::format("| {} | {} |", req->id, to_string(req->level));
    for (const auto& e : f.entries) {
      const RequirementResult* rr = find_req(e.run.result, req->id);
      md += fmt::format(" {} |", rr ? mark(rr->verdict) : "");
    }
    md += "\n";
  }
  md += "| *capability* | |";
  for (const auto& e : f.entries)
    md += e.run.result.not_supported ? " NOT SUPPORTED |" : " ✓ |";
  md += "\n";
  md += fmt::format("\nhvsnap {} (commit {}).\n", f.tool_version, f.git_commit);
  return md;
}

std::string render_fleet_html(const Fleet& f) {
  const VerdictCounts c = count_verdicts(f);
  const std::string verdict = fleet_verdict(f);
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += fmt::format("<title>hvsnap fleet: {}</title>\n", verdict);
  h += R"css(<style>
:root{--pass:#2e7d32;--fail:#c62828;--warn:#e0a100;--nt:#8d8d8d;--na:#c9d3d9;--ink:#1d2329;--line:#dde3e8}
body{margin:0;font:14px/1.45 system-ui,"DejaVu Sans",sans-serif;color:var(--ink);background:#f6f8fa}
header{padding:22px 20px;color:#fff}header.pass{background:var(--pass)}header.fail{background:var(--fail)}
header.unsupported{background:#8a5a00}header h1{margin:0 0 4px;font-size:30px}
main{max-width:1180px;margin:0 auto;padding:0 20px 40px}
section{background:#fff;border:1px solid var(--line);border-radius:6px;margin:18px 0;padding:14px 18px;overflow:auto}
table{border-collapse:collapse}th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left}
th{background:#f0f3f6}td.m{text-align:center;color:#fff;font-weight:600;min-width:2.2em}
.PASS{background:var(--pass)}.FAIL{background:var(--fail)}.WARN{background:var(--warn);color:#222!important}
.NOT_TESTED{background:var(--nt)}.NOT_APPLICABLE{background:var(--na);color:#222!important}
code{font-family:"DejaVu Sans Mono",monospace;font-size:12px}
</style>
</head>
<body>
)css";
  h += fmt::format(
      "<header id=\"verdict\" class=\"{}\" data-verdict=\"{}\"><h1>{}</h1><p>{} target{}: {} "
      "certified, {} not certified, {} not supported</p></header>\n<main>\n",
      verdict == "CERTIFIED"       ? "pass"
      : verdict == "NOT SUPPORTED" ? "unsupported"
                                   : "fail",
      verdict, verdict, f.entries.size(), f.entries.size() == 1 ? "" : "s", c.certified,
      c.not_certified, c.not_supported);
  h += "<section id=\"targets\"><h2>Targets</h2><table><tr><th>#</th><th>Target</th>"
       "<th>Verdict</th><th>Seed</th><th>Profile</th><th>Failures</th><th>Report</th></tr>\n";
  for (const auto& e : f.entries) {
    const RunResult& r = e.run.result;
    h += fmt::format(
        "<tr><td>{}</td><td><code>{}</code><br>{}</td><td><strong>{}</strong></td><td>{}</td>"
        "<td>{}{}</td><td>{}</td><td><a href=\"targets/{}/report.html\">report</a></td></tr>\n",
        html_escape(e.label), html_escape(r.target_uri), html_escape(r.target_identity), r.verdict,
        r.seed, to_string(r.profile), e.shards.empty() ? "" : ", " + shard_note(e),
        r.failures.size(), html_escape(e.label));
  }
  h += "</table></section>\n<section id=\"matrix\"><h2>Requirements × targets</h2><table><tr>"
       "<th>Requirement</th><th>Level</th>";
  for (const auto& e : f.entries)
    h += fmt::format("<th title=\"{}\">{}</th>", html_escape(e.run.result.target_uri),
                     html_escape(e.label.substr(0, 2)));
  h += "</tr>\n";
  for (const RequirementResult* req : fleet_requirements(f)) {
    h += fmt::format("<tr><td title=\"{}\">{}</td><td>{}</td>", html_escape(req->text), req->id,
                     to_string(req->level));
    for (const auto& e : f.entries) {
      const RequirementResult* rr = find_req(e.run.result, req->id);
      if (rr == nullptr) {
        h += "<td></td>";
        continue;
      }
      h +=
          fmt::format("<td class=\"m {}\" title=\"{}: {}\">{}</td>", to_string(rr->verdict),
                      html_escape(e.label), to_string(rr->verdict), html_escape(mark(rr->verdict)));
    }
    h += "</tr>\n";
  }
  h += "<tr><td><em>capability</em></td><td></td>";
  for (const auto& e : f.entries)
    h += e.run.result.not_supported ? "<td class=\"m FAIL\">NOT SUPPORTED</td>"
                                    : "<td class=\"m PASS\">✓</td>";
  h += "</tr>\n</table></section>\n";
  h += fmt::format("<p>hvsnap {} (commit {})</p>\n</main>\n</body>\n</html>\n",
                   html_escape(f.tool_version), html_escape(f.git_commit));
  return h;
}

const std::vector<std::string>& fleet_files() {
  static const std::vector<std::string> files{"fleet.json", "junit.xml", "report.html",
                                              "summary.md"};
  return files;
}

cim::Status write_fleet(const fs::path& dir, const Fleet& f) {
  if (auto st = check_output_dir(dir); !st.ok()) return st;
  std::error_code ec;
  const fs::path parent = dir.has_parent_path() ? dir.parent_path() : fs::path(".");
  const fs::path tmp = parent / fmt::format(".{}.partial-{}", dir.filename().string(), ::getpid());
  fs::remove_all(tmp, ec);
  fs::create_directory(tmp, ec);
  if (ec)
    return cim::failed(fmt::format("{}: cannot create the folder: {}", tmp.string(), ec.message()));
  auto fail = [&](cim::Status st) {
    std::error_code ignore;
    fs::remove_all(tmp, ignore);
    return st;
  };
  fs::create_directory(tmp / "targets", ec);
  for (const auto& e : f.entries) {
    const fs::path target = tmp / "targets" / e.label;
    if (e.shards.empty()) {
      if (auto st = copy_bundle(e.run.dir, target); !st.ok()) return fail(st);
      continue;
    }
    if (auto st = write_bundle(target, e.run.result, e.run.info); !st.ok()) return fail(st);
    for (const auto& s : e.shards) {
      if (auto st = copy_bundle(s.dir, target / "shards" / std::to_string(s.info.shard_index));
          !st.ok())
        return fail(st);
    }
  }
  const std::vector<std::pair<std::string, std::string>> files{
      {"fleet.json", render_fleet_json(f)},
      {"junit.xml", render_fleet_junit(f)},
      {"report.html", render_fleet_html(f)},
      {"summary.md", render_fleet_markdown(f)}};
  std::string manifest;
  for (const auto& [name, text] : files) {
    if (auto st = write_file(tmp / name, text); !st.ok()) return fail(st);
    manifest += fmt::format("{}  {}\n", sha256_hex(text), name);
  }
  if (auto st = write_file(tmp / kManifest, manifest); !st.ok()) return fail(st);
  if (fs::exists(dir, ec)) fs::remove(dir, ec);  // empty (checked above)
  fs::rename(tmp, dir, ec);
  if (ec)
    return fail(cim::failed(fmt::format("{}: cannot move the finished fleet report into place: {}",
                                        dir.string(), ec.message())));
  return {};
}

bool is_fleet(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "fleet.json", ec);
}

Verification verify_fleet(const fs::path& dir) {
  Verification v;
  auto problem = [&](std::string s) { v.problems.push_back(std::move(s)); };
  if (!check_manifest(dir, fleet_files(), v)) return v;
  const auto text = read_file(dir / "fleet.json");
  if (!text) return v;
  const json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    problem("fleet.json is not valid JSON");
    return v;
  }
  try {
    if (j.at("schema") != "hvsnap-fleet") problem("fleet.json: schema is not \"hvsnap-fleet\"");
    if (j.at("schema-version").get<int>() > kFleetSchemaVersion) {
      problem("fleet.json: the schema version is newer than this hvsnap reads");
      return v;
    }
    Fleet f;
    std::set<std::string> listed;
    for (const auto& t : j.at("targets")) {
      const std::string label = t.at("label");
      listed.insert(label);
      const fs::path folder = dir / "targets" / label;
      // Each member's own bundle, then the target's (merged) bundle.
      FleetEntry e;
      e.label = label;
      const std::size_t shards = t.at("shards").get<std::size_t>();
      for (std::size_t k = 0; k < shards; ++k) {
        const fs::path sd = folder / "shards" / std::to_string(k);
        const Verification sv = verify_bundle(sd);
        for (const auto& p : sv.problems)
          problem(fmt::format("targets/{}/shards/{}: {}", label, k, p));
        auto loaded = load_bundle(sd);
        if (loaded.ok()) e.shards.push_back(std::move(*loaded));
      }
      const Verification tv = verify_bundle(folder);
      for (const auto& p : tv.problems)
        problem(fmt::format("targets/{}: {}", label, p));
      auto run = load_bundle(folder);
      if (!run.ok()) continue;
      e.run = std::move(*run);
      if (shards > 0 && e.shards.size() == shards) {
        auto merged = merge_shards(e.shards);
        if (!merged.ok()) {
          problem(fmt::format("targets/{}: its shards do not merge: {}", label,
                              merged.status().message()));
        } else {
          if (merged->result.verdict != e.run.result.verdict)
            problem(fmt::format("targets/{}: the merged report says {} but its shards give {}",
                                label, e.run.result.verdict, merged->result.verdict));
          for (const auto& rr : merged->result.requirements) {
            const RequirementResult* x = find_req(e.run.result, rr.id);
            if (x == nullptr || x->verdict != rr.verdict)
              problem(fmt::format(
                  "targets/{}: {} is {} in the merged report but its shards give {}", label, rr.id,
                  x ? to_string(x->verdict) : "missing", to_string(rr.verdict)));
          }
        }
      }
      // fleet.json against the target's bundle.
      if (t.at("verdict").get<std::string>() != e.run.result.verdict)
        problem(fmt::format("fleet.json: {} is {} but its report says {}", label,
                            t.at("verdict").get<std::string>(), e.run.result.verdict));
      for (const auto& [id, verdict] : t.at("requirements").items()) {
        const RequirementResult* x = find_req(e.run.result, id);
        if (x == nullptr || to_string(x->verdict) != verdict.get<std::string>())
          problem(fmt::format("fleet.json: {} {} is {} but its report says {}", label, id,
                              verdict.get<std::string>(), x ? to_string(x->verdict) : "missing"));
      }
      v.checked.push_back(
          fmt::format("targets/{}: {}{}", label, e.run.result.verdict,
                      shards ? fmt::format(" (merged from {} shards)", shards) : ""));
      f.entries.push_back(std::move(e));
    }
    const std::string verdict = j.at("verdict").at("verdict");
    if (verdict != fleet_verdict(f))
      problem(fmt::format("fleet.json: the fleet verdict says {} but its targets give {}", verdict,
                          fleet_verdict(f)));
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir / "targets", ec)) {
      if (!listed.count(entry.path().filename().string()))
        problem("targets/" + entry.path().filename().string() + " is not listed in fleet.json");
    }
    v.checked.push_back(fmt::format("fleet.json: {} targets, verdict {}", listed.size(), verdict));
  } catch (const json::exception& e) {
    problem(fmt::format("fleet.json: a field is missing or has the wrong type ({})", e.what()));
  }
  return v;
}

}  // namespace hvsnap::reports
