// summary.md: the verdict and the tables, fit to paste into a pull request. Wall-time facts
// are confined to the last line ("Run: …"), which normalize_for_comparison masks.
#include <fmt/format.h>

#include <map>

#include "hvsnap/reports/bundle.h"
#include "report_util.h"

namespace hvsnap::reports {

using namespace conformance;

std::string render_markdown(const RunResult& r, const RunInfo& info) {
  std::string md;
  auto out = [&](std::string_view s) { md += s; };
  const ComboTally t = tally(r);
  out(fmt::format("# hvsnap certification: {}\n\n", verdict_headline(r)));
  if (!r.verdict_reasons.empty()) {
    out("Why:\n\n");
    for (const auto& why : r.verdict_reasons)
      out(fmt::format("- {}\n", md_cell(why)));
    out("\n");
  }
  out("| | |\n|---|---|\n");
  out(fmt::format("| Target | `{}` — {} |\n", md_cell(r.target_uri), md_cell(r.target_identity)));
  if (!info.fixture.empty()) out(fmt::format("| Fixture | `{}` |\n", md_cell(info.fixture)));
  out(fmt::format("| Profile, coverage | {}, {} |\n", to_string(r.profile), to_string(r.coverage)));
  out(fmt::format("| Seed | {} |\n", r.seed));
  out(fmt::format("| Combinations | {} ({} pass, {} fail, {} warn, {} not tested) |\n",
                  r.counts.combos, t.pass, t.fail, t.warn, t.not_tested));
  out(fmt::format(
      "| Cases, sequences (steps), concurrent rounds | {} ({} not tested), {} ({}), {} |\n",
      r.counts.cases, r.counts.cases_not_tested, r.counts.sequences, r.counts.sequence_steps,
      r.counts.parallel_rounds));
  if (r.counts.undecided > 0) {
    out(fmt::format("| Undecided (the wire lost answers, decision 0161) | {} |\n",
                    r.counts.undecided));
  }
  out(fmt::format("| Failures | {} |\n", r.failures.size()));
  if (!r.warnings.empty()) out(fmt::format("| Warnings | {} |\n", r.warnings.size()));  // 0165
  out("\n");

  out("## Requirements\n\n| ID | Level | Requirement | Verdict | Passed | Failed | Warned | Note "
      "|\n"
      "|---|---|---|---|---:|---:|---:|---|\n");
  for (const auto& rr : r.requirements) {
    std::string note = rr.reason;
    if (note.empty() && !rr.evidence.empty()) note = rr.evidence.front();
    out(fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", rr.id, to_string(rr.level),
                    md_cell(rr.text), to_string(rr.verdict), rr.passed, rr.failed, rr.warned,
                    md_cell(note)));
  }

  out("\n## Coverage of the parameter space\n\nCombinations of S × T × R per collection class:\n\n"
      "| Collection class | Pass | Fail | Warn | Not tested | Not applicable |\n"
      "|---|---:|---:|---:|---:|---:|\n");
  for (const CollectionRow& row : collection_rows(r)) {
    ComboTally ct;
    for (const auto& cr : r.combos) {
      if (cr.combo.c != row.c || cr.combo.power != row.power) continue;
      switch (cr.verdict) {
        case Verdict::kPass:
          ++ct.pass;
          break;
        case Verdict::kFail:
          ++ct.fail;
          break;
        case Verdict::kWarn:
          ++ct.warn;
          break;
        case Verdict::kNotTested:
          ++ct.not_tested;
          break;
        case Verdict::kNotApplicable:
          ++ct.not_applicable;
          break;
      }
    }
    out(fmt::format("| {} | {} | {} | {} | {} | {} |\n", row.label, ct.pass, ct.fail, ct.warn,
                    ct.not_tested, ct.not_applicable));
  }

  out("\n## Capability profile\n\nCalls of a ready group with valid parameters, per member power "
      "configuration and snapshot type (contract §4.1):\n\n"
      "| Configuration | Snapshotted | Refused (Not Supported) | Failed otherwise | Refusals |\n"
      "|---|---:|---:|---:|---|\n");
  for (const auto& c : r.capability) {
    std::string answers;
    for (const auto& a : c.answers)
      answers += (answers.empty() ? "" : ", ") + a;
    out(fmt::format("| {} | {} | {} | {} | {} |\n", c.configuration, c.snapshotted, c.refused,
                    c.failed, md_cell(answers)));
  }

  auto distribution = [&](std::string_view title, const std::map<std::string, int>& d) {
    out(fmt::format("\n## {}\n\n", title));
    if (d.empty()) {
      out("None observed.\n");
      return;
    }
    out("| Value | Count |\n|---|---:|\n");
    for (const auto& [k, v] : numeric_order(d))
      out(fmt::format("| {} | {} |\n", md_cell(k), v));
  };
  distribution("Return codes of CreateSnapshot", r.return_codes);
  distribution("How its jobs ended", r.job_end_states);

  if (!r.ambiguities.empty()) {
    out("\n## Ambiguities observed (contract ledger)\n\n| Item | What this target did "
        "|\n|---|---|\n");
    for (const auto& [id, seen] : r.ambiguities) {
      std::string s;
      for (const auto& x : seen)
        s += (s.empty() ? "" : "; ") + x;
      out(fmt::format("| {} | {} |\n", id, md_cell(s)));
    }
  }

  auto records = [&](const std::vector<FailureRecord>& list) {
    int n = 0;
    for (const auto& f : list) {
      out(fmt::format("### {}. {} ({}) — {}\n\n", ++n, f.requirement, f.property,
                      md_cell(f.title)));
      const std::string fence = md_fence(f.counterexample);
      out(fmt::format("{0}text\n{1}{2}{0}\n\nReplay: `{3}`\n\n", fence,
                      utf8_clean(f.counterexample),
                      f.counterexample.empty() || f.counterexample.back() == '\n' ? "" : "\n",
                      replay_command(info, f.token)));
    }
  };
  out("\n## Failures\n\n");
  if (r.failures.empty()) out("None.\n");
  records(r.failures);
  if (!r.warnings.empty()) {  // decision 0165
    out(fmt::format("\n## Warnings ({})\n\n{}\n\n", r.warnings.size(), kWarningsSaid));
    records(r.warnings);
  }
  if (!r.undecided.empty()) {
    out(
        fmt::format("\n## Undecided ({})\n\nThe wire lost answers these needed, even asked again "
                    "(decision 0161): nothing of them was judged. Run them again.\n\n",
                    r.undecided.size()));
    for (std::size_t i = 0; i < r.undecided.size() && i < kUndecidedShown; ++i) {
      const auto& u = r.undecided[i];
      const std::string command = undecided_replay(info.replay_program, r, u);
      // A code span holds what has no backtick; else a double-backtick one (a URI may).
      const bool tick = command.find('`') != std::string::npos;
      out(fmt::format("- {} ({}): {}  \n  Run it again: {}{}{}\n", md_cell(u.what), u.property,
                      md_cell(u.reason), tick ? "`` " : "`", command, tick ? " ``" : "`"));
    }
    if (r.undecided.size() > kUndecidedShown)
      out(fmt::format("- … and {} more in result.json\n", r.undecided.size() - kUndecidedShown));
  }
  out(fmt::format("\n---\nCommand: `{}`  \nhvsnap {}, commit {}.  \n", info.command,
                  info.tool_version, info.git_commit));
  out(fmt::format("Run: started {}, finished {}, {} wall time{}.\n", info.started_utc,
                  info.finished_utc, human_seconds(info.wall_seconds),
                  r.interrupted                  ? " (interrupted)"
                  : !r.stopped_answering.empty() ? " (the host stopped answering)"
                                                 : ""));
  return md;
}

}  // namespace hvsnap::reports
