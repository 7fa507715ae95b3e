// The kill table of `hvsnap mutants`: rendering, writing and verifying (kill_table.h).
#include "hvsnap/reports/kill_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
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

namespace {

constexpr int kKillSchemaVersion = 2;
const std::vector<std::string>& kill_files() {
  static const std::vector<std::string> kFiles{"mutants.json", "junit.xml", "summary.md"};
  return kFiles;
}

// Linear interpolation between the closest ranks (the usual "type 7" quantile).
double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

std::string verdict_of(const KillRow& r) {
  if (!r.error.empty()) return "ERROR";
  return r.killed ? "killed" : "SURVIVED";
}

std::string score_text(const KillStats& s) {
  return fmt::format("{}/{} ({:.0f}%)", s.killed, s.total,
                     s.total == 0 ? 0.0 : 100.0 * s.killed / s.total);
}

}  // namespace

KillStats kill_stats(const KillTable& t) {
  KillStats s;
  std::vector<double> times;
  for (const auto& r : t.rows) {
    ++s.total;
    if (!r.error.empty()) {
      ++s.errors;
    } else if (r.killed) {
      ++s.killed;
      times.push_back(r.seconds);
    } else {
      ++s.survived;
    }
  }
  std::sort(times.begin(), times.end());
  if (!times.empty()) {
    s.min = times.front();
    s.max = times.back();
    s.p25 = quantile(times, 0.25);
    s.median = quantile(times, 0.5);
    s.p75 = quantile(times, 0.75);
    s.p90 = quantile(times, 0.9);
  }
  return s;
}

std::string render_kill_json(const KillTable& t) {
  const KillStats s = kill_stats(t);
  ordered_json j;
  j["schema"] = "hvsnap-mutants";
  j["schema-version"] = kKillSchemaVersion;
  j["tool"] = {{"version", t.tool_version}, {"commit", t.git_commit}};
  j["via"] = t.via;
  j["seed"] = t.seed;
  j["kill-score"] = {
      {"killed", s.killed}, {"survived", s.survived}, {"errors", s.errors}, {"total", s.total}};
  j["seconds-to-kill"] = {{"min", round_to(s.min, 3)},       {"p25", round_to(s.p25, 3)},
                          {"median", round_to(s.median, 3)}, {"p75", round_to(s.p75, 3)},
                          {"p90", round_to(s.p90, 3)},       {"max", round_to(s.max, 3)}};
  j["mutants"] = ordered_json::array();
  for (const auto& r : t.rows) {
    ordered_json m = {{"name", r.name},
                      {"family", r.family},
                      {"breaks", r.breaks},
                      {"verdict", verdict_of(r)},
                      {"killed", r.killed},
                      {"killed-by", r.killed_by},
                      {"failure", r.title},
                      {"seconds-to-kill", round_to(r.seconds, 3)},
                      {"counterexample-steps", r.steps},
                      {"first-caught-by", r.first_caught_by},
                      {"seconds-to-first-failure", round_to(r.first_seconds, 3)},
                      {"error", r.error},
                      {"report", r.name + "/report.html"}};
    j["mutants"].push_back(std::move(m));
  }
  return j.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

std::string render_kill_junit(const KillTable& t) {
  const KillStats s = kill_stats(t);
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  auto root = doc.append_child("testsuites");
  root.append_attribute("name") = "hvsnap mutants";
  root.append_attribute("tests") = s.total;
  root.append_attribute("failures") = s.survived;
  root.append_attribute("errors") = s.errors;
  auto suite = root.append_child("testsuite");
  suite.append_attribute("name") = "mutants";
  suite.append_attribute("tests") = s.total;
  suite.append_attribute("failures") = s.survived;
  suite.append_attribute("errors") = s.errors;
  suite.append_attribute("skipped") = 0;
  auto props = suite.append_child("properties");
  for (const auto& [name, value] : std::vector<std::pair<const char*, std::string>>{
           {"via", t.via}, {"seed", std::to_string(t.seed)}, {"kill-score", score_text(s)}}) {
    auto p = props.append_child("property");
    p.append_attribute("name") = name;
    p.append_attribute("value") = xml_safe(value).c_str();
  }
  for (const auto& r : t.rows) {
    auto tc = suite.append_child("testcase");
    tc.append_attribute("classname") = xml_safe("mutants." + r.family).c_str();
    tc.append_attribute("name") = xml_safe(r.name).c_str();
    tc.append_attribute("time") = fmt::format("{:.3f}", r.seconds).c_str();
    if (!r.error.empty()) {
      auto e = tc.append_child("error");
      e.append_attribute("message") = xml_safe(r.error).c_str();
    } else if (!r.killed) {
      auto f = tc.append_child("failure");
      f.append_attribute("type") = "survived";
      f.append_attribute("message") =
          xml_safe(fmt::format("survived: the suite certified a provider that breaks {}", r.breaks))
              .c_str();
    } else {
      tc.append_child("system-out")
          .append_child(pugi::node_pcdata)
          .set_value(xml_safe(fmt::format("killed by {} in {:.2f} s ({} steps): {}", r.killed_by,
                                          r.seconds, r.steps, r.title))
                         .c_str());
    }
  }
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_indent, pugi::encoding_utf8);
  return out.str();
}

std::string render_kill_markdown(const KillTable& t) {
  const KillStats s = kill_stats(t);
  std::string md = fmt::format("# hvsnap mutants — kill score {}\n\n", score_text(s));
  md += fmt::format("Via {}, seed {}; hvsnap {}, commit {}.  \n", t.via, t.seed, t.tool_version,
                    t.git_commit);
  md += fmt::format(
      "Time to kill (from the start of a mutant's run to the failure that killed it, shrinking "
      "included): min {:.2f} s · p25 {:.2f} s · **median {:.2f} s** · p75 {:.2f} s · p90 {:.2f} "
      "s · max {:.2f} s.\n\n",
      s.min, s.p25, s.median, s.p75, s.p90, s.max);
  if (s.survived > 0 || s.errors > 0) {
    md += fmt::format(
        "**{} survived, {} could not be run.** A survivor is a finding about the "
        "suite: strengthen the suite, not the mutant.\n\n",
        s.survived, s.errors);
  }
  md +=
      "| mutant | family | breaks | verdict | killed by | time to kill | steps | what failed |\n"
      "|---|---|---|---|---|---|---|---|\n";
  for (const auto& r : t.rows) {
    const std::string v = verdict_of(r);
    md += fmt::format("| [`{}`]({}/report.html) | {} | {} | {} | {} | {:.2f} s | {} | {} |\n",
                      md_cell(r.name), r.name, md_cell(r.family), md_cell(r.breaks),
                      r.killed ? v : "**" + v + "**",
                      r.killed_by.empty() ? "-" : md_cell(r.killed_by), r.seconds, r.steps,
                      md_cell(r.error.empty() ? r.title : r.error));
  }
  const bool any_first = std::any_of(t.rows.begin(), t.rows.end(),
                                     [](const KillRow& r) { return !r.first_caught_by.empty(); });
  if (any_first) {
    md += "\nCaught first under another requirement (the table shows the mutant's own):\n\n";
    for (const auto& r : t.rows) {
      if (r.first_caught_by.empty()) continue;
      md += fmt::format("- `{}`: {} after {:.2f} s\n", md_cell(r.name), md_cell(r.first_caught_by),
                        r.first_seconds);
    }
  }
  return md;
}

cim::Status write_kill_table(const fs::path& dir, const KillTable& t) {
  const std::vector<std::pair<std::string, std::string>> files{
      {"mutants.json", render_kill_json(t)},
      {"junit.xml", render_kill_junit(t)},
      {"summary.md", render_kill_markdown(t)}};
  std::string manifest;
  for (const auto& [name, text] : files) {
    if (auto st = write_file_atomically(dir / name, text); !st.ok()) return st;
    manifest += fmt::format("{}  {}\n", sha256_hex(text), name);
  }
  return write_file_atomically(dir / kManifest, manifest);
}

bool is_kill_table(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "mutants.json", ec);
}

Verification verify_kill_table(const fs::path& dir) {
  Verification v;
  auto problem = [&](std::string s) { v.problems.push_back(std::move(s)); };
  check_manifest(dir, kill_files(), v);
  const auto text = read_file(dir / "mutants.json");
  if (!text) {
    problem("mutants.json is missing");
    return v;
  }
  const json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    problem("mutants.json is not valid JSON");
    return v;
  }
  try {
    if (j.at("schema") != "hvsnap-mutants")
      problem("mutants.json: schema is not \"hvsnap-mutants\"");
    const int version = j.at("schema-version").get<int>();
    if (version > kKillSchemaVersion) {
      problem(fmt::format("mutants.json: schema version {} is newer than this hvsnap reads ({})",
                          version, kKillSchemaVersion));
      return v;
    }
    const auto& rows = j.at("mutants");
    int killed = 0;
    std::set<std::string> names;
    for (const auto& row : rows) {
      const std::string name = row.at("name");
      if (!names.insert(name).second) problem("mutants.json lists " + name + " twice");
      if (!row.at("error").get<std::string>().empty()) continue;
      const bool k = row.at("killed").get<bool>();
      killed += k ? 1 : 0;
      // The mutant's own bundle must be sound and agree with the row.
      const fs::path sub = dir / name;
      const Verification b = verify_bundle(sub);
      for (const auto& p : b.problems)
        problem(fmt::format("{}: {}", name, p));
      const auto result = read_file(sub / "result.json");
      if (!result) continue;
      const json r = json::parse(*result, nullptr, false);
      if (r.is_discarded()) continue;  // reported by verify_bundle
      const bool certified = r.at("verdict").at("certified").get<bool>();
      if (k == certified) {
        problem(fmt::format("{}: the table says {} but its report is {}", name,
                            k ? "killed" : "survived", certified ? "certified" : "not certified"));
      }
      if (k) {
        const std::string by = row.at("killed-by");
        const auto& listed = r.at("failures");
        const bool named = std::any_of(listed.begin(), listed.end(), [&](const json& f) {
          return f.at("requirement").get<std::string>() == by;
        });
        if (!named)
          problem(
              fmt::format("{}: killed by {}, but its report has no failure of {}", name, by, by));
      }
    }
    const auto& score = j.at("kill-score");
    if (score.at("total").get<std::size_t>() != rows.size()) {
      problem(fmt::format("mutants.json: kill-score.total is {} but {} mutants are listed",
                          score.at("total").get<std::size_t>(), rows.size()));
    }
    if (score.at("killed").get<int>() != killed) {
      problem(fmt::format("mutants.json: kill-score.killed is {} but {} rows are killed",
                          score.at("killed").get<int>(), killed));
    }
    v.checked.push_back(fmt::format("mutants.json: {} mutants, {} killed, each with its report",
                                    rows.size(), killed));
  } catch (const json::exception& e) {
    problem(fmt::format("mutants.json: a field is missing or has the wrong type ({})", e.what()));
  }
  return v;
}

}  // namespace hvsnap::reports
