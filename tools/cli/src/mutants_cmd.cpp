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
#include <thread>

#include "commands.h"
#include "hvsnap/cim/cores.h"
#include "hvsnap/reports/bundle.h"
#include "hvsnap/reports/kill_table.h"
#include "hvsnap/tools/mutants.h"
#include "hvsnap/tools/served.h"
#include "hvsnap/tools/version.h"
#include "hvsnap/wsman/server.h"

namespace hvsnap::tools {

namespace fs = std::filesystem;

int mutants_score(const MutantsOptions& o, Console& c) {
  if (o.via != "sim" && o.via != "wsman") {
    c.err << "hvsnap mutants: --via must be sim or wsman\n";
    return kExitUsage;
  }
  // The kill table holds the mutants (expected killed); the legal providers and the NOT
  // SUPPORTED one are checked by the ctest (docs/mutants.md). A wire mutant has no wire in
  // process: --via sim leaves it out and says so.
  const bool wire = o.via == "wsman";
  if (o.layer == "wire" && !wire) {
    c.err << "hvsnap mutants: --layer wire: the wire mutants act on the WS-Man encoding; they "
             "need --via wsman\n";
    return kExitUsage;
  }
  if (!o.layer.empty() && !o.only.empty()) {
    c.err << "hvsnap mutants: --layer and --only choose the mutants two ways; give one\n";
    return kExitUsage;
  }
  const auto in_layer = [&](const mutants::MutantInfo& m) {
    return o.layer.empty() || (o.layer == "wire") == (m.layer == mutants::Layer::kWire);
  };
  std::vector<mutants::MutantInfo> chosen;
  for (const auto& name : o.only) {
    const mutants::MutantInfo* m = mutants::find(name);
    if (m == nullptr) {
      c.err << fmt::format("hvsnap mutants: --only: unknown mutant '{}' (known: {})\n", name,
                           mutants::known_names());
      return kExitUsage;
    }
    if (m->expect != mutants::Expect::kKilled) {
      c.err << fmt::format(
          "hvsnap mutants: --only: '{}' is not a mutant but a provider the suite must find {} "
          "(certify it: hvsnap certify --target sim+mutant:{})\n",
          name, mutants::to_string(m->expect), name);
      return kExitUsage;
    }
    if (m->layer == mutants::Layer::kWire && !wire) {
      c.err << fmt::format("hvsnap mutants: --only: '{}' is a wire mutant; it needs --via wsman\n",
                           name);
      return kExitUsage;
    }
    if (std::none_of(chosen.begin(), chosen.end(),
                     [&](const mutants::MutantInfo& x) { return x.name == m->name; }))
      chosen.push_back(*m);
  }
  int wire_only = 0;
  if (chosen.empty()) {
    for (const auto& m : mutants::catalogue()) {
      if (m.expect != mutants::Expect::kKilled || !in_layer(m)) continue;
      if (m.layer == mutants::Layer::kWire && !wire) {
        ++wire_only;
        continue;
      }
      chosen.push_back(m);
    }
  }
  fs::path out = o.out;
  if (out.empty())
    out = fs::path("reports") / "runs" /
          default_run_folder("mutants-" + o.via, std::chrono::system_clock::now());
  if (auto st = reports::check_output_dir(out); !st.ok()) {
    c.err << "hvsnap mutants: --out: " << st.message() << "\n";
    return kExitUsage;
  }
  c.out << fmt::format("hvsnap {}: {} mutants via {}, seed {} -> {}\n", kVersion, chosen.size(),
                       o.via, o.seed, out.string());
  if (wire_only > 0) {
    c.out << fmt::format(
        "({} wire mutants act on the WS-Man encoding and need --via wsman; not run here)\n",
        wire_only);
  }
  c.out << fmt::format("{:<36} {:<9} {:<10} {:>9} {:>6}\n", "mutant", "verdict", "killed by",
                       "time", "steps");
  reports::KillTable table;
  table.tool_version = kVersion;
  table.git_commit = kGitCommit;
  table.via = o.via;
  table.seed = o.seed;
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) {
    c.err << "hvsnap mutants: --out: cannot create " << out.string() << ": " << ec.message()
          << "\n";
    return kExitUsage;
  }
  bool interrupted = false;
  int unnamed = 0;  // killed, but not by the requirement the mutant breaks
  for (const auto& m : chosen) {
    if (c.interrupt != nullptr && c.interrupt->load()) {
      interrupted = true;
      break;
    }
    reports::KillRow row;
    row.name = std::string(m.name);
    row.breaks = std::string(m.requirement);
    row.family = std::string(m.family);
    std::string target = "sim+mutant:" + row.name;
    std::unique_ptr<wsman::Server> server;
    if (o.via == "wsman") {
      // One client, this run: the clock follows its calls (decision 0031), as in process; a
      // host per core, so that the run's cases go on every core (decision 0122).
      const std::uint32_t hosts = std::clamp(cim::usable_cores(), 1u, kMaxServedHosts);
      auto fake = ServedFake::create(target, TargetOptions{}, ServedClock::kCalls, hosts);
      wsman::ServerOptions so;
      so.port = 0;
      if (fake.ok()) {
        so.host_slots = serve_host_slots(**fake, hosts, true, {});
        auto started = wsman::Server::start(serve_dispatcher(*fake, true), so);
        if (started.ok()) server = std::move(started).value();
      }
      if (!server) {
        row.error = "could not serve the mutant";
        c.err << "  " << row.name << ": " << row.error << "\n";
        table.rows.push_back(row);
        continue;
      }
      target = "wsman+" + server->endpoint();
    }
    std::ostringstream sink;
    Console quiet{sink, sink, false, c.interrupt, c.program};
    const fs::path dir = out / row.name;
    // The same run for every mutant: pairwise matrix, 30 sequences, 3 concurrent rounds.
    const int code = run_cli(
        {"certify", "--target", target, "--seed", std::to_string(o.seed), "--coverage", "pairwise",
         "--sequences", "30", "--parallel-rounds", "3", "--out", dir.string(), "-q"},
        quiet);
    if (server) server->stop();
    if (code == kExitInterrupted) {
      interrupted = true;
      break;
    }
    if (code != kExitCertified && code != kExitFailures) {
      row.error = fmt::format("certify exited {}: {}", code, sink.str().substr(0, 300));
    } else {
      std::ifstream in(dir / "result.json");
      const auto j = nlohmann::json::parse(in, nullptr, false);
      row.killed = code == kExitFailures;
      if (!j.is_discarded() && j.contains("failures") && !j["failures"].empty()) {
        const auto& failures = j["failures"];
        // The earliest failure of the mutant's own requirement when the suite caught it there,
        // else the run's earliest failure (result.json lists failures by phase, not by time).
        auto earliest = [&](auto keep) {
          auto best = failures.end();
          for (auto it = failures.begin(); it != failures.end(); ++it) {
            if (!keep(*it)) continue;
            if (best == failures.end() ||
                it->value("seconds-to-find", 0.0) < best->value("seconds-to-find", 0.0))
              best = it;
          }
          return best;
        };
        auto first = earliest([](const nlohmann::json&) { return true; });
        auto hit = earliest(
            [&](const nlohmann::json& f) { return f.value("requirement", "") == row.breaks; });
        if (hit == failures.end()) hit = first;
        row.killed_by = hit->value("requirement", "");
        row.title = hit->value("title", "");
        row.steps = hit->value("steps", 0);
        row.seconds = hit->value("seconds-to-find", 0.0);
        if (first->value("requirement", "") != row.killed_by) {
          row.first_caught_by = first->value("requirement", "");
          row.first_seconds = first->value("seconds-to-find", 0.0);
        }
      } else if (row.killed) {
        row.error = "certification failed but its report lists no failure";
        row.killed = false;
      }
    }
    const bool by_name = row.killed_by == row.breaks;
    if (row.error.empty() && row.killed && !by_name) ++unnamed;
    c.out << fmt::format("{:<36} {:<9} {:<10} {:>8.2f}s {:>6}\n", row.name,
                         !row.error.empty() ? "ERROR"
                         : !row.killed      ? "SURVIVED"
                         : by_name          ? "killed"
                                            : "unnamed",
                         row.killed_by.empty() ? "-" : row.killed_by, row.seconds, row.steps)
          << std::flush;
    if (!row.error.empty()) c.err << "  " << row.name << ": " << row.error << "\n";
    table.rows.push_back(std::move(row));
  }
  const reports::KillStats s = reports::kill_stats(table);
  c.out << fmt::format(
      "kill score {}/{} ({:.0f}%); time to kill: min {:.2f}s, median {:.2f}s, p90 {:.2f}s, max "
      "{:.2f}s\n",
      s.killed, s.total, s.total == 0 ? 0.0 : 100.0 * s.killed / s.total, s.min, s.median, s.p90,
      s.max);
  if (auto st = reports::write_kill_table(out, table); !st.ok()) {
    c.err << "hvsnap mutants: could not write the table: " << st.message() << "\n";
    return kExitUsage;
  }
  c.out << "Table: " << (out / "summary.md").string() << "\n";
  if (interrupted) {
    c.err << "hvsnap mutants: interrupted after " << table.rows.size() << " of " << chosen.size()
          << " mutants\n";
    return kExitInterrupted;
  }
  // Killed by name: the suite must name the requirement each mutant breaks (docs/mutants.md).
  if (unnamed > 0) {
    c.out << fmt::format("{} killed mutants were not caught by the requirement they break\n",
                         unnamed);
  }
  return s.all_killed() && unnamed == 0 ? kExitCertified : kExitFailures;
}

}  // namespace hvsnap::tools
