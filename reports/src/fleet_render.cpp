// The fleet report's files (fleet.h): the fleet as JSON, JUnit, HTML and Markdown, the
// written fleet folder with its manifest and copied bundles, and its verification.
// Decisions 0043, 0044; loading and merging bundles is in fleet.cpp.
#include <fmt/format.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <set>
#include <sstream>

#include "bundle_io.h"
#include "hvsnap/reports/fleet.h"
#include "report_util.h"

namespace hvsnap::reports {

namespace fs = std::filesystem;
using nlohmann::json;
using nlohmann::ordered_json;
using namespace conformance;

namespace {

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

// A target's failures, and the items the wire left undecided (0162) and its warnings (0165)
// when there are any.
std::string failures_cell(const RunResult& r) {
  std::string more;
  if (r.counts.undecided > 0) more = fmt::format("{} undecided", r.counts.undecided);
  if (!r.warnings.empty()) {
    more += fmt::format("{}{} warning{}", more.empty() ? "" : ", ", r.warnings.size(),
                        r.warnings.size() == 1 ? "" : "s");
  }
  return more.empty() ? std::to_string(r.failures.size())
                      : fmt::format("{} ({})", r.failures.size(), more);
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
    t["counts"] = {{"combinations", r.counts.combos}, {"cases", r.counts.cases},
                   {"sequences", r.counts.sequences}, {"parallel-rounds", r.counts.parallel_rounds},
                   {"undecided", r.counts.undecided}, {"failures", r.failures.size()}};
    if (!r.warnings.empty()) t["counts"]["warnings"] = r.warnings.size();  // decision 0165
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
    // The items the wire left undecided: <error>s, as in the run's own junit.xml (0162).
    const int errors = append_undecided_errors(suite, cls, r, "hvsnap");
    suite.append_attribute("tests") = tests + errors;
    suite.append_attribute("failures") = failures;
    suite.append_attribute("errors") = errors;
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
        to_string(r.profile), e.shards.empty() ? "" : ", " + shard_note(e), failures_cell(r),
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
        failures_cell(r), html_escape(e.label));
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
  static const std::vector<std::string> kFiles{"fleet.json", "junit.xml", "report.html",
                                               "summary.md"};
  return kFiles;
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
    std::map<std::string, std::size_t> want_errors;  // label: junit.xml's <error>s (0162)
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
      // A fleet made before decision 0162 neither counts nor shows them: not checked.
      if (t.at("counts").contains("undecided")) {
        const int undecided = e.run.result.counts.undecided;
        if (t.at("counts").at("undecided").get<int>() != undecided)
          problem(fmt::format("fleet.json: {} counts {} undecided but its report counts {}", label,
                              t.at("counts").at("undecided").get<int>(), undecided));
        want_errors[label] = undecided_errors(static_cast<std::size_t>(std::max(undecided, 0)),
                                              e.run.result.undecided.size());
      }
      // Warnings (decision 0165): counted only when there are any. A fleet made before 0165's
      // last commit does not count them at all: not checked.
      const std::size_t warned = t.at("counts").value("warnings", std::size_t{0});
      if (t.at("counts").contains("warnings") && warned != e.run.result.warnings.size())
        problem(fmt::format("fleet.json: {} counts {} warning(s) but its report lists {}", label,
                            warned, e.run.result.warnings.size()));
      v.checked.push_back(
          fmt::format("targets/{}: {}{}", label, e.run.result.verdict,
                      shards ? fmt::format(" (merged from {} shards)", shards) : ""));
      f.entries.push_back(std::move(e));
    }
    // junit.xml: each target's undecided items as <error>s, so that a CI gate reading it fails
    // a target the wire left undecided (decision 0162).
    if (const auto junit = read_file(dir / "junit.xml")) {
      pugi::xml_document doc;
      if (!doc.load_buffer(junit->data(), junit->size())) {
        problem("junit.xml is not well-formed XML");
      } else {
        std::set<std::string> seen;
        for (const auto& suite : doc.child("testsuites").children("testsuite")) {
          const std::string name = suite.attribute("name").value();
          const auto want = want_errors.find(name.substr(0, name.find(' ')));
          if (want == want_errors.end()) continue;
          seen.insert(want->first);
          std::size_t errors = 0;
          for (const auto& tc : suite.children("testcase"))
            errors += tc.child("error") ? 1 : 0;
          if (errors != want->second || suite.attribute("errors").as_ullong() != want->second) {
            problem(fmt::format(
                "junit.xml shows {} undecided item(s) of {} as errors (its errors attribute says "
                "{}) but its report gives {}",
                errors, want->first, suite.attribute("errors").as_ullong(), want->second));
          }
        }
        for (const auto& [label, want] : want_errors) {
          if (want > 0 && !seen.count(label))
            problem(
                fmt::format("junit.xml has no testsuite for {}, which the wire left {} "
                            "item(s) undecided",
                            label, want));
        }
      }
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
