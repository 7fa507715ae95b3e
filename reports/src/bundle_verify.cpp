// Verifying a bundle (manifest, every file saying the same as result.json, result.json
// consistent with itself) and comparing two runs apart from wall time; the writing side is
// bundle.cpp.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <regex>
#include <set>

#include "bundle_io.h"
#include "hvsnap/conformance/classes.h"
#include "hvsnap/conformance/token.h"
#include "hvsnap/reports/bundle.h"
#include "report_util.h"

namespace hvsnap::reports {

namespace fs = std::filesystem;
using nlohmann::json;
using nlohmann::ordered_json;

namespace {

// What junit.xml says about a requirement: "failure", "skipped" or "pass".
std::string junit_state(const std::string& level, const std::string& verdict,
                        const std::string& profile) {
  if (verdict == "FAIL" || (verdict == "NOT_TESTED" && level == "MUST" && profile == "full"))
    return "failure";
  if (verdict == "NOT_TESTED" || verdict == "NOT_APPLICABLE") return "skipped";
  return "pass";
}

// The capability profile as result.json lists it.
std::vector<conformance::CapabilityResult> capability_rows(const json& rows) {
  std::vector<conformance::CapabilityResult> out;
  for (const auto& c : rows) {
    conformance::CapabilityResult row;
    row.configuration = c.at("configuration");
    row.snapshotted = c.at("snapshotted");
    row.refused = c.at("refused");
    row.failed = c.at("failed");
    row.answers = c.at("answers").get<std::set<std::string>>();
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

// Every failure's, warning's and undecided item's token decodes; the undecided items are listed
// when there are any (decision 0162), one for each counts.undecided counts.
void check_tokens(const json& j, Verification& v) {
  auto problem = [&](std::string s) { v.problems.push_back(std::move(s)); };
  int n = 0;
  for (const auto& f : j.at("failures")) {
    ++n;
    if (auto t = conformance::decode_token(f.at("token").get<std::string>()); !t.ok()) {
      problem(fmt::format("result.json: failure {} has a broken reproduction token: {}", n,
                          t.status().message()));
    }
  }
  n = 0;
  for (const auto& w : j.value("warnings", json::array())) {
    ++n;
    if (auto t = conformance::decode_token(w.at("token").get<std::string>()); !t.ok()) {
      problem(fmt::format("result.json: warning {} has a broken reproduction token: {}", n,
                          t.status().message()));
    }
  }
  if (!j.contains("undecided")) return;
  const json& undecided = j.at("undecided");
  const int counted = j.at("counts").value("undecided", 0);
  if (!undecided.is_array() || undecided.size() != static_cast<std::size_t>(counted)) {
    problem(fmt::format("result.json: counts.undecided is {} but \"undecided\" lists {}", counted,
                        undecided.is_array() ? undecided.size() : 0));
    if (!undecided.is_array()) return;
  }
  n = 0;
  for (const auto& u : undecided) {
    ++n;
    if (auto t = conformance::decode_token(u.at("token").get<std::string>()); !t.ok()) {
      problem(fmt::format("result.json: undecided item {} has a broken token: {}", n,
                          t.status().message()));
    }
  }
}

// Warnings (decision 0165): listed and counted only when there are any, each an example of a
// requirement the run WARNs on, one a requirement.
void check_warnings(const json& j, Verification& v) {
  auto problem = [&](std::string s) { v.problems.push_back(std::move(s)); };
  const json warnings = j.value("warnings", json::array());
  const auto counted = j.at("counts").value("warnings", std::size_t{0});
  if (counted != warnings.size()) {
    problem(fmt::format("result.json: counts.warnings is {} but {} are listed", counted,
                        warnings.size()));
  }
  const auto& reqs = j.at("requirements");
  std::set<std::string> warned;
  for (const auto& w : warnings) {
    const std::string id = w.at("requirement");
    const auto row =
        std::find_if(reqs.begin(), reqs.end(), [&](const json& rr) { return rr.at("id") == id; });
    if (row == reqs.end() || row->at("verdict") != "WARN")
      problem(fmt::format("result.json: a warning of {}, which is not a WARN of the run", id));
    if (!warned.insert(id).second)
      problem(fmt::format("result.json: {} has more than one warning listed", id));
  }
}

void check_files_agree(const fs::path& dir, const json& j, Verification& v) {
  auto problem = [&](std::string s) { v.problems.push_back(std::move(s)); };
  const std::string verdict = j.at("verdict").at("verdict");
  const std::string profile = j.at("options").at("profile");
  struct Req {
    std::string level, verdict;
    int passed, failed, warned;
  };
  std::map<std::string, Req> reqs;
  for (const auto& rr : j.at("requirements")) {
    reqs[rr.at("id").get<std::string>()] =
        Req{rr.at("level"), rr.at("verdict"), rr.at("passed"), rr.at("failed"), rr.at("warned")};
  }
  std::size_t failing_combos = 0;
  for (const auto& c : j.at("combinations")) {
    if (c.at("verdict") == "FAIL") ++failing_combos;
  }

  // junit.xml: the verdict property, one testcase per requirement in the same state.
  if (const auto text = read_file(dir / "junit.xml")) {
    pugi::xml_document doc;
    if (!doc.load_buffer(text->data(), text->size())) {
      problem("junit.xml is not well-formed XML");
    } else {
      const auto suite =
          doc.child("testsuites").find_child_by_attribute("testsuite", "name", "requirements");
      const auto prop =
          suite.child("properties").find_child_by_attribute("property", "name", "verdict");
      if (std::string(prop.attribute("value").value()) != verdict) {
        problem(fmt::format("junit.xml says the verdict is '{}' but result.json says '{}'",
                            prop.attribute("value").value(), verdict));
      }
      std::set<std::string> seen;
      for (const auto& tc : suite.children("testcase")) {
        // The capability profile's testcase fails exactly on NOT SUPPORTED (contract §4.1).
        if (std::string_view(tc.attribute("classname").value()) == "hvsnap.capability") {
          if (static_cast<bool>(tc.child("failure")) != (verdict == "NOT SUPPORTED")) {
            problem(fmt::format("junit.xml's capability testcase {} but result.json says {}",
                                tc.child("failure") ? "fails" : "passes", verdict));
          }
          continue;
        }
        const std::string name = tc.attribute("name").value();
        const std::string id = name.substr(0, name.find(" ("));
        seen.insert(id);
        const auto it = reqs.find(id);
        if (it == reqs.end()) {
          problem(fmt::format("junit.xml lists requirement {} which result.json does not", id));
          continue;
        }
        const std::string state = tc.child("failure")   ? "failure"
                                  : tc.child("skipped") ? "skipped"
                                                        : "pass";
        const std::string expected = junit_state(it->second.level, it->second.verdict, profile);
        if (state != expected) {
          problem(fmt::format("junit.xml shows requirement {} as {} but result.json says {}", id,
                              state, it->second.verdict));
        }
      }
      for (const auto& [id, r] : reqs) {
        if (!seen.count(id))
          problem(fmt::format("junit.xml does not list requirement {} of result.json", id));
      }
      const auto combos =
          doc.child("testsuites").find_child_by_attribute("testsuite", "name", "combinations");
      std::size_t junit_combos = 0;
      for ([[maybe_unused]] const auto& tc : combos.children("testcase"))
        ++junit_combos;
      if (junit_combos != failing_combos) {
        problem(fmt::format(
            "junit.xml lists {} failing combinations but result.json has {} combinations FAIL",
            junit_combos, failing_combos));
      }
      // The undecided items as <error>s (decision 0162). A report that counts some but lists
      // none was made before it (0161: no <error>) or merged from shards of both (one <error>
      // for them all): either, as long as the errors attributes agree.
      const auto counted = j.at("counts").value("undecided", std::size_t{0});
      const std::size_t listed = j.value("undecided", json::array()).size();
      const bool unlisted = counted > 0 && !j.contains("undecided");
      const auto suite_u =
          doc.child("testsuites").find_child_by_attribute("testsuite", "name", "undecided");
      std::size_t errors = 0;
      for (const auto& tc : suite_u.children("testcase"))
        errors += tc.child("error") ? 1 : 0;
      const std::size_t want =
          unlisted ? std::min<std::size_t>(errors, 1) : undecided_errors(counted, listed);
      const auto suite_errors = suite_u.attribute("errors").as_ullong();
      const auto root_errors = doc.child("testsuites").attribute("errors").as_ullong();
      if (errors != want || suite_errors != want || root_errors != want) {
        problem(
            fmt::format("junit.xml shows {} undecided item(s) as errors (its errors "
                        "attributes say {} and {}) but result.json counts {} and lists {}",
                        errors, suite_errors, root_errors, counted, listed));
      }
    }
  }
  // summary.md: the title and one table row per requirement with the same verdict and tallies.
  if (const auto text = read_file(dir / "summary.md")) {
    if (text->rfind("# hvsnap certification: " + verdict, 0) != 0) {
      problem(
          fmt::format("summary.md does not open with the verdict '{}' of result.json", verdict));
    }
    for (const auto& [id, r] : reqs) {
      const std::string row_start = fmt::format("\n| {} | {} | ", id, r.level);
      const std::size_t at = text->find(row_start);
      const std::string row =
          at == std::string::npos ? "" : text->substr(at + 1, text->find('\n', at + 1) - at - 1);
      if (row.find(fmt::format(" | {} | {} | {} | {} | ", r.verdict, r.passed, r.failed,
                               r.warned)) == std::string::npos) {
        problem(
            fmt::format("summary.md does not show requirement {} as {} ({} passed, {} "
                        "failed, {} warned) like result.json",
                        id, r.verdict, r.passed, r.failed, r.warned));
      }
    }
  }
  // report.html: the verdict banner and each requirement's row.
  if (const auto text = read_file(dir / "report.html")) {
    const std::string banner = j.at("verdict").at("certified").get<bool>() ? "pass"
                               : verdict == "NOT SUPPORTED"                ? "unsupported"
                                                                           : "fail";
    if (text->find(fmt::format("id=\"verdict\" class=\"verdict {}\" data-verdict=\"{}\"", banner,
                               verdict)) == std::string::npos) {
      problem(fmt::format("report.html does not show the verdict '{}' of result.json", verdict));
    }
    for (const auto& [id, r] : reqs) {
      if (text->find(fmt::format("<tr id=\"req-{}\" data-verdict=\"{}\">", id, r.verdict)) ==
          std::string::npos) {
        problem(fmt::format("report.html does not show requirement {} as {} like result.json", id,
                            r.verdict));
      }
    }
  }
  v.checked.push_back(
      "junit.xml, summary.md, report.html: the same verdict and requirement verdicts as "
      "result.json");
}

Verification verify_bundle(const fs::path& dir) {
  Verification v;
  auto problem = [&](std::string s) { v.problems.push_back(std::move(s)); };
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    problem(fmt::format("{}: not a folder", dir.string()));
    return v;
  }
  // --- the manifest ---
  if (!check_manifest(dir, bundle_files(), v)) return v;

  // --- result.json ---
  const auto text = read_file(dir / "result.json");
  if (!text) return v;
  const json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    problem("result.json is not valid JSON");
    return v;
  }
  try {
    if (j.at("schema") != "hvsnap-result") problem("result.json: schema is not \"hvsnap-result\"");
    const int version = j.at("schema-version").get<int>();
    if (version > kSchemaVersion) {
      problem(fmt::format("result.json: schema version {} is newer than this hvsnap reads ({})",
                          version, kSchemaVersion));
      return v;
    }
    const auto& counts = j.at("counts");
    const auto& reqs = j.at("requirements");
    const auto& combos = j.at("combinations");
    const auto& failures = j.at("failures");
    auto same = [&](const char* what, std::size_t counted, std::size_t listed_n) {
      if (counted != listed_n) {
        problem(
            fmt::format("result.json: counts.{} is {} but {} are listed", what, counted, listed_n));
      }
    };
    same("requirements", counts.at("requirements").get<std::size_t>(), reqs.size());
    same("combinations", counts.at("combinations").get<std::size_t>(), combos.size());
    same("failures", counts.at("failures").get<std::size_t>(), failures.size());
    check_warnings(j, v);
    std::map<std::string, int> tallied;
    for (const auto& [k, val] : counts.at("requirement-verdicts").items())
      tallied[k] = val.get<int>();
    std::map<std::string, int> seen;
    for (const auto& rr : reqs)
      ++seen[rr.at("verdict").get<std::string>()];
    for (const auto& [k, n] : tallied) {
      if (seen[k] != n)
        problem(fmt::format("result.json: {} requirements are {} but the tally says {}", seen[k], k,
                            n));
    }
    // The verdict is re-derived from the listed facts by the rules the run used (one function,
    // conformance::apply_verdict), not by a second copy of them.
    conformance::RunResult facts;
    if (const auto profile =
            conformance::parse_profile(j.at("options").at("profile").get<std::string>()))
      facts.profile = *profile;
    else
      problem(fmt::format("result.json: options: unknown profile {} (core or full)",
                          j.at("options").at("profile").dump()));
    for (const auto& rr : reqs) {
      conformance::RequirementResult x;
      x.id = rr.at("id");
      const auto level = conformance::parse_level(rr.at("level").get<std::string>());
      const auto verdict = conformance::parse_verdict(rr.at("verdict").get<std::string>());
      if (!level || !verdict) {
        problem(fmt::format("result.json: requirement {} has an unknown level or verdict", x.id));
        continue;
      }
      x.level = *level;
      x.verdict = *verdict;
      x.passed = rr.at("passed");
      x.failed = rr.at("failed");
      x.warned = rr.at("warned");
      x.reason = rr.at("reason");
      const bool should = x.level == conformance::Level::kShould;
      std::string bad;
      if (x.verdict == conformance::Verdict::kPass &&
          (x.passed == 0 || x.failed > 0 || x.warned > 0))
        bad = "PASS needs passes and no failures or warnings";
      if (x.verdict == conformance::Verdict::kFail && (x.failed == 0 || should))
        bad = "FAIL needs failures on a MUST or IF-IMPLEMENTED item";
      if (x.verdict == conformance::Verdict::kWarn && x.failed > 0 && !should)
        bad = "a failed MUST cannot be only a warning";
      if (x.verdict == conformance::Verdict::kWarn && x.failed == 0 && x.warned == 0)
        bad = "WARN needs a warning";
      if ((x.verdict == conformance::Verdict::kNotTested ||
           x.verdict == conformance::Verdict::kNotApplicable) &&
          x.reason.empty())
        bad = std::string(conformance::to_string(x.verdict)) + " needs a reason";
      if (x.verdict == conformance::Verdict::kNotTested && x.passed + x.failed + x.warned > 0)
        bad = "NOT_TESTED yet checked";
      if (!bad.empty())
        problem(fmt::format("result.json: requirement {} is {}: {}", x.id,
                            conformance::to_string(x.verdict), bad));
      facts.requirements.push_back(std::move(x));
    }
    const auto& run = j.at("run");
    facts.budget_exhausted = run.at("budget-exhausted").get<bool>();
    facts.interrupted = run.at("interrupted").get<bool>();
    facts.stopped_answering = run.value("host-stopped-answering", "");
    // Absent from reports made before decision 0161, which had none.
    facts.counts.undecided = j.at("counts").value("undecided", 0);
    // A run stops so only after items the wire left undecided (decision 0163).
    if (!facts.stopped_answering.empty() && facts.counts.undecided == 0)
      problem("result.json: the run says the host stopped answering, but nothing is undecided");
    if (j.contains("capability")) facts.capability = capability_rows(j.at("capability"));
    conformance::apply_verdict(facts);
    const auto& verdict = j.at("verdict");
    if (verdict.at("certified").get<bool>() != facts.certified ||
        verdict.at("verdict").get<std::string>() != facts.verdict) {
      problem(fmt::format("result.json: the verdict says {} but the rules give {}",
                          verdict.at("verdict").get<std::string>(), facts.verdict));
    }
    for (const auto& c : combos) {
      const std::string name = c.at("combination");
      const auto parsed = conformance::Combo::parse(name);
      if (!parsed) {
        problem("result.json: unknown combination " + name);
        continue;
      }
      if (c.at("c") != to_string(parsed->c) ||
          c.value("power", std::string("P-ANY")) != to_string(parsed->power) ||
          c.at("s") != to_string(parsed->s) || c.at("t") != to_string(parsed->t) ||
          c.at("r") != to_string(parsed->r)) {
        problem("result.json: the classes of " + name + " do not match its name");
      }
      if (c.at("not-tested").get<int>() > c.at("cases").get<int>())
        problem("result.json: " + name + " has more untested cases than cases");
    }
    check_tokens(j, v);
    v.checked.push_back(fmt::format(
        "result.json: {} requirements, {} combinations, {} failures, verdict {}", reqs.size(),
        combos.size(), failures.size(), verdict.at("verdict").get<std::string>()));
    check_files_agree(dir, j, v);
  } catch (const json::exception& e) {
    problem(fmt::format("result.json: a field is missing or has the wrong type ({})", e.what()));
  }
  return v;
}

std::string normalize_for_comparison(std::string_view file, std::string_view text) {
  if (file == "result.json") {
    ordered_json j = ordered_json::parse(text, nullptr, false);
    if (j.is_discarded()) return std::string(text);
    if (j.contains("tool")) j["tool"]["git-commit"] = "<commit>";
    if (j.contains("run")) {
      j["run"]["started"] = "<wall time>";
      j["run"]["finished"] = "<wall time>";
      j["run"]["wall-seconds"] = 0;
    }
    for (const char* list : {"failures", "warnings"}) {  // warnings: decision 0165
      if (!j.contains(list)) continue;
      for (auto& f : j[list])
        f["seconds-to-find"] = 0;
    }
    return j.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
  }
  std::string s(text);
  if (file == "junit.xml") {
    s = std::regex_replace(s, std::regex(" time=\"[^\"]*\""), " time=\"<wall time>\"");
    s = std::regex_replace(s, std::regex(" timestamp=\"[^\"]*\""), " timestamp=\"<wall time>\"");
  } else if (file == "summary.md") {
    s = std::regex_replace(s, std::regex("commit [^ \n]+\\.  \n"), "commit <commit>.  \n");
    s = std::regex_replace(s, std::regex("\nRun: started [^\n]*"), "\nRun: <wall time>");
  } else if (file == "report.html") {
    s = std::regex_replace(s, std::regex("<dt>Wall time</dt><dd>[^<]*</dd>"),
                           "<dt>Wall time</dt><dd><wall time></dd>");
    s = std::regex_replace(s, std::regex("<dt>hvsnap</dt><dd>[^<]*</dd>"),
                           "<dt>hvsnap</dt><dd><version></dd>");
  } else if (file == kManifest) {
    s = std::regex_replace(s, std::regex("[0-9a-f]{64}  "), "<sha256>  ");
  }
  return s;
}

}  // namespace hvsnap::reports
