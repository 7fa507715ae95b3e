// `hvsnap mutants [--via wsman]`: certifies every mutant of the catalogue and prints the kill
// table (mutant, killed or survived, the requirement that killed it, time to kill, length of
// the shrunk counterexample) and the kill score. The folder it writes holds one certification
// bundle per mutant plus mutants.json, summary.md, junit.xml and MANIFEST.sha256 over them.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "commands.h"
#include "hvsnap/reports/bundle.h"
#include "hvsnap/tools/mutants.h"
#include "hvsnap/tools/served.h"
#include "hvsnap/tools/version.h"
#include "hvsnap/wsman/server.h"

namespace hvsnap::tools {

namespace fs = std::filesystem;

namespace {

struct Row {
  std::string name, documented, family, killed_by, title;
  bool killed = false;
  double seconds = 0;  // time to the first failure found
  int steps = 0;
  std::string error;
};

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

}  // namespace

int mutants_score(const MutantsOptions& o, Console& c) {
  if (o.via != "sim" && o.via != "wsman") {
    c.err << "hvsnap mutants: --via must be sim or wsman\n";
    return kExitUsage;
  }
  fs::path out = o.out;
  if (out.empty())
    out = fs::path("reports") / "runs" /
          default_run_folder("mutants-" + o.via, std::chrono::system_clock::now());
  if (auto st = reports::check_output_dir(out); !st.ok()) {
    c.err << "hvsnap mutants: --out: " << st.message() << "\n";
    return kExitUsage;
  }
  const auto& catalogue = mutants::catalogue();
  c.out << fmt::format("hvsnap {}: {} mutants via {}, seed {} -> {}\n", kVersion, catalogue.size(),
                       o.via, o.seed, out.string());
  c.out << fmt::format("{:<36} {:<9} {:<10} {:>9} {:>6}\n", "mutant", "verdict", "killed by",
                       "time", "steps");
  std::vector<Row> rows;
  fs::create_directories(out);
  for (const auto& m : catalogue) {
    if (c.interrupt != nullptr && c.interrupt->load()) break;
    Row row;
    row.name = std::string(m.name);
    row.documented = std::string(m.requirement);
    row.family = std::string(m.family);
    std::string target = "sim+mutant:" + row.name;
    std::unique_ptr<wsman::Server> server;
    if (o.via == "wsman") {
      auto fake = ServedFake::create(target, TargetOptions{});
      wsman::ServerOptions so;
      so.port = 0;
      if (fake.ok()) {
        auto started = wsman::Server::start(std::make_shared<wsman::Dispatcher>(*fake, *fake), so);
        if (started.ok()) server = std::move(started).value();
      }
      if (!server) {
        row.error = "could not serve the mutant";
        rows.push_back(row);
        continue;
      }
      target = "wsman+" + server->endpoint();
    }
    std::ostringstream sink;
    Console quiet{sink, sink, false, c.interrupt, c.program};
    const fs::path dir = out / row.name;
    const int code = run_cli(
        {"certify", "--target", target, "--seed", std::to_string(o.seed), "--coverage", "pairwise",
         "--sequences", "30", "--parallel-rounds", "3", "--out", dir.string(), "-q"},
        quiet);
    if (server) server->stop();
    if (code != kExitCertified && code != kExitFailures) {
      row.error = fmt::format("certify exited {}: {}", code, sink.str().substr(0, 300));
    } else {
      std::ifstream in(dir / "result.json");
      const auto j = nlohmann::json::parse(in, nullptr, false);
      row.killed = code == kExitFailures;
      if (!j.is_discarded() && j.contains("failures") && !j["failures"].empty()) {
        const auto& failures = j["failures"];
        // The mutant's own requirement when the suite caught it there, else the first.
        auto hit = std::find_if(failures.begin(), failures.end(), [&](const nlohmann::json& f) {
          return f.value("requirement", "") == row.documented;
        });
        if (hit == failures.end()) hit = failures.begin();
        double first = 1e300;
        for (const auto& f : failures)
          first = std::min(first, f.value("seconds-to-find", 1e300));
        row.killed_by = hit->value("requirement", "");
        row.title = hit->value("title", "");
        row.steps = hit->value("steps", 0);
        row.seconds = first;
      }
    }
    c.out << fmt::format("{:<36} {:<9} {:<10} {:>8.2f}s {:>6}\n", row.name,
                         !row.error.empty() ? "ERROR"
                         : row.killed       ? "killed"
                                            : "SURVIVED",
                         row.killed_by.empty() ? "-" : row.killed_by, row.seconds, row.steps)
          << std::flush;
    if (!row.error.empty()) c.err << "  " << row.name << ": " << row.error << "\n";
    rows.push_back(row);
  }
  const auto killed =
      std::count_if(rows.begin(), rows.end(), [](const Row& r) { return r.killed; });
  std::vector<double> times;
  for (const auto& r : rows) {
    if (r.killed) times.push_back(r.seconds);
  }
  std::sort(times.begin(), times.end());
  const double median = times.empty() ? 0 : times[times.size() / 2];
  const std::string score = fmt::format("{}/{} ({:.0f}%)", killed, rows.size(),
                                        rows.empty() ? 0.0 : 100.0 * killed / rows.size());
  c.out << fmt::format("kill score {}; time to kill: median {:.2f}s, max {:.2f}s\n", score, median,
                       times.empty() ? 0.0 : times.back());

  // The table, in the bundle.
  nlohmann::json j;
  j["schema"] = "hvsnap-mutants";
  j["schema-version"] = 1;
  j["tool"] = {{"version", kVersion}, {"commit", kGitCommit}};
  j["via"] = o.via;
  j["seed"] = o.seed;
  j["kill-score"] = {{"killed", killed}, {"total", rows.size()}};
  j["median-seconds-to-kill"] = median;
  std::string md = fmt::format(
      "# hvsnap mutants — kill score {}\n\nvia {}, seed {}; median time "
      "to kill {:.2f} s\n\n| mutant | family | breaks | verdict | killed "
      "by | time to kill | steps |\n|---|---|---|---|---|---|---|\n",
      score, o.via, o.seed, median);
  std::string junit = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"hvsnap mutants\" "
      "tests=\"{}\" failures=\"{}\">\n<testsuite name=\"mutants\" tests=\"{}\" failures=\"{}\">\n",
      rows.size(), rows.size() - killed, rows.size(), rows.size() - killed);
  for (const auto& r : rows) {
    j["mutants"].push_back({{"name", r.name},
                            {"family", r.family},
                            {"breaks", r.documented},
                            {"killed", r.killed},
                            {"killed-by", r.killed_by},
                            {"seconds-to-kill", r.seconds},
                            {"counterexample-steps", r.steps},
                            {"first-failure", r.title},
                            {"error", r.error},
                            {"report", r.name + "/report.html"}});
    md += fmt::format("| `{}` | {} | {} | {} | {} | {:.2f} s | {} |\n", r.name, r.family,
                      r.documented, r.killed ? "killed" : "**SURVIVED**",
                      r.killed_by.empty() ? "-" : r.killed_by, r.seconds, r.steps);
    junit += fmt::format("<testcase classname=\"mutants\" name=\"{}\" time=\"{:.3f}\">",
                         xml_escape(r.name), r.seconds);
    if (!r.killed) {
      junit += fmt::format(
          "<failure message=\"survived: the suite certified a provider that "
          "breaks {}\"/>",
          xml_escape(r.documented));
    }
    junit += "</testcase>\n";
  }
  junit += "</testsuite>\n</testsuites>\n";
  const std::vector<std::pair<std::string, std::string>> files = {
      {"mutants.json", j.dump(2) + "\n"}, {"summary.md", md}, {"junit.xml", junit}};
  std::string manifest;
  for (const auto& [name, text] : files) {
    std::ofstream(out / name, std::ios::binary) << text;
    manifest += fmt::format("{}  {}\n", reports::sha256_hex(text), name);
  }
  std::ofstream(out / reports::kManifest, std::ios::binary) << manifest;
  c.out << "Table: " << (out / "summary.md").string() << "\n";
  return killed == static_cast<long>(rows.size()) && !rows.empty() ? kExitCertified : kExitFailures;
}

}  // namespace hvsnap::tools
