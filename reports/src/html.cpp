// report.html: one self-contained page for people (no external assets, works from file://).
// The verdict first (#verdict, with data-verdict), then the requirement table, the coverage
// matrix of contract §2 as an SVG grid coloured by verdict, the distributions of return codes
// and job end states as SVG bar charts, the ambiguities observed, and each failure with its
// counterexample and replay command. A few lines of script add filtering and copy buttons;
// the page is complete without them.
#include <fmt/format.h>

#include <cctype>

#include <algorithm>
#include <map>

#include "hvsnap/cim/codes.h"
#include "hvsnap/reports/bundle.h"
#include "report_util.h"

namespace hvsnap::reports {

using namespace conformance;

namespace {

constexpr std::string_view kStyle = R"css(
:root{--pass:#2e7d32;--fail:#c62828;--warn:#e0a100;--nt:#8d8d8d;--na:#c9d3d9;--ink:#1d2329;--muted:#5b6670;--line:#dde3e8}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);background:#f6f8fa}
main{max-width:1180px;margin:0 auto;padding:0 20px 40px}
header.verdict{padding:22px 20px;color:#fff}
header.verdict.pass{background:var(--pass)}header.verdict.fail{background:var(--fail)}
header.verdict.unsupported{background:#8a5a00}
header.verdict h1{margin:0 0 4px;font-size:30px;letter-spacing:.02em}
header.verdict p{margin:2px 0;opacity:.95}
header.verdict ul{margin:8px 0 0;padding-left:20px}
section{background:#fff;border:1px solid var(--line);border-radius:6px;margin:18px 0;padding:14px 18px}
h2{font-size:19px;margin:2px 0 10px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;background:#f0f3f6}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:1px 7px;border-radius:10px;color:#fff;font-size:12px;font-weight:600;white-space:nowrap}
.b-PASS{background:var(--pass)}.b-FAIL{background:var(--fail)}.b-WARN{background:var(--warn);color:#222}
.b-NOT_TESTED{background:var(--nt)}.b-NOT_APPLICABLE{background:var(--na);color:#222}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;word-break:break-word}
pre{background:#0f1720;color:#e6edf3;padding:12px;border-radius:6px;overflow:auto;font:12px/1.45 "DejaVu Sans Mono",monospace;white-space:pre}
code{font-family:"DejaVu Sans Mono",monospace;font-size:12px;word-break:break-all}
td.id code{white-space:nowrap;word-break:normal}
.muted{color:var(--muted)}
.legend span{display:inline-flex;align-items:center;margin-right:14px}
.legend i{display:inline-block;width:12px;height:12px;margin-right:5px;border:1px solid #0002}
svg text{font:11px system-ui,"DejaVu Sans",sans-serif;fill:var(--ink)}
.filters button,.copy{font:inherit;padding:3px 10px;margin-right:6px;border:1px solid var(--line);border-radius:4px;background:#fff;cursor:pointer}
.filters button[aria-pressed=true]{background:var(--ink);color:#fff}
article.failure{border-top:1px solid var(--line);padding-top:10px;margin-top:10px}
article.failure h3{font-size:15px;margin:0 0 6px}
)css";

constexpr std::string_view kScript = R"js(
(function(){
  var buttons=document.querySelectorAll('.filters button');
  buttons.forEach(function(b){b.addEventListener('click',function(){
    buttons.forEach(function(x){x.setAttribute('aria-pressed',x===b?'true':'false');});
    var problems=b.dataset.show==='problems';
    document.querySelectorAll('#requirements tbody tr').forEach(function(tr){
      tr.hidden=problems&&tr.dataset.verdict==='PASS';});
  });});
  document.querySelectorAll('button.copy').forEach(function(b){b.addEventListener('click',function(){
    var text=document.getElementById(b.dataset.target).textContent;
    if(navigator.clipboard){navigator.clipboard.writeText(text).then(function(){b.textContent='Copied';},function(){});}
  });});
  document.documentElement.dataset.rendered='yes';
})();
)js";

const char* fill(Verdict v) {
  switch (v) {
    case Verdict::kPass:
      return "var(--pass)";
    case Verdict::kFail:
      return "var(--fail)";
    case Verdict::kWarn:
      return "var(--warn)";
    case Verdict::kNotTested:
      return "var(--nt)";
    case Verdict::kNotApplicable:
      return "var(--na)";
  }
  return "#fff";
}

std::string badge(Verdict v) {
  const auto s = to_string(v);
  return fmt::format("<span class=\"badge b-{0}\">{0}</span>", s);
}

// Rows: collection classes. Columns: settings classes. Inside each cell: T across, R down.
std::string coverage_svg(const RunResult& r) {
  std::map<std::string, const ComboResult*> at;
  for (const auto& c : r.combos)
    at[c.combo.to_string()] = &c;
  const auto rows = collection_rows(r);
  constexpr int kSq = 12, kStep = 14, kLabelW = 170, kHeadH = 92, kGapX = 12, kGapY = 8;
  constexpr int kCellW = 5 * kStep, kCellH = 3 * kStep;
  const int width =
      kLabelW + static_cast<int>(kAllS.size()) * (kCellW + kGapX) + 70;  // room for the last label
  const int height = kHeadH + static_cast<int>(rows.size()) * (kCellH + kGapY);
  std::string svg = fmt::format(
      "<svg id=\"coverage-grid\" role=\"img\" aria-label=\"coverage matrix\" width=\"{0}\" "
      "height=\"{1}\" viewBox=\"0 0 {0} {1}\" xmlns=\"http://www.w3.org/2000/svg\">",
      width, height);
  for (std::size_t si = 0; si < kAllS.size(); ++si) {
    const int x = kLabelW + static_cast<int>(si) * (kCellW + kGapX) + kCellW / 2;
    svg += fmt::format("<text transform=\"translate({},{}) rotate(-38)\">{}</text>", x, kHeadH - 8,
                       to_string(kAllS[si]));
  }
  for (std::size_t ci = 0; ci < rows.size(); ++ci) {
    const int y0 = kHeadH + static_cast<int>(ci) * (kCellH + kGapY);
    svg += fmt::format("<text x=\"0\" y=\"{}\">{}</text>", y0 + kCellH / 2 + 4, rows[ci].label);
    for (std::size_t si = 0; si < kAllS.size(); ++si) {
      const int x0 = kLabelW + static_cast<int>(si) * (kCellW + kGapX);
      for (std::size_t ti = 0; ti < kAllT.size(); ++ti) {
        for (std::size_t ri = 0; ri < kAllR.size(); ++ri) {
          const int x = x0 + static_cast<int>(ti) * kStep;
          const int y = y0 + static_cast<int>(ri) * kStep;
          const Combo combo{rows[ci].c, kAllS[si], kAllT[ti], kAllR[ri], rows[ci].power};
          auto it = at.find(combo.to_string());
          if (it == at.end()) {
            svg += fmt::format(
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fff\" "
                "stroke=\"#c4ccd3\">"
                "<title>{} — not in this run</title></rect>",
                x, y, kSq, kSq, combo.to_string());
            continue;
          }
          const ComboResult& c = *it->second;
          std::string observed;
          for (const auto& o : c.observed)
            observed += (observed.empty() ? "" : ", ") + o;
          svg += fmt::format(
              "<rect class=\"cell v-{0}\" data-combo=\"{1}\" x=\"{2}\" y=\"{3}\" width=\"{4}\" "
              "height=\"{4}\" fill=\"{5}\"><title>{1} — {0}&#10;observed: {6}&#10;allowed: {7}{8}"
              "</title></rect>",
              to_string(c.verdict), combo.to_string(), x, y, kSq, fill(c.verdict),
              html_escape(observed.empty() ? "—" : observed), html_escape(c.allowed),
              c.note.empty() ? "" : "&#10;" + html_escape(c.note));
        }
      }
    }
  }
  return svg + "</svg>";
}

std::string bars_svg(const std::string& id, const std::map<std::string, int>& data,
                     const std::map<std::string, std::string>& labels) {
  if (data.empty()) return "<p class=\"muted\">None observed.</p>";
  int max = 1;
  for (const auto& [k, v] : data)
    max = std::max(max, v);
  constexpr int kRowH = 22, kLabelW = 230, kBarW = 420;
  const int height = static_cast<int>(data.size()) * kRowH + 4;
  std::string svg = fmt::format(
      "<svg id=\"{0}\" role=\"img\" width=\"{1}\" height=\"{2}\" viewBox=\"0 0 {1} {2}\" "
      "xmlns=\"http://www.w3.org/2000/svg\">",
      id, kLabelW + kBarW + 70, height);
  int row = 0;
  for (const auto& [k, v] : numeric_order(data)) {
    const int y = row++ * kRowH;
    const int w = std::max(1, v * kBarW / max);
    auto l = labels.find(k);
    const std::string label = l == labels.end() ? k : k + " " + l->second;
    svg += fmt::format(
        "<text x=\"0\" y=\"{0}\">{1}</text><rect x=\"{2}\" y=\"{3}\" width=\"{4}\" height=\"15\" "
        "fill=\"#3b6ea8\"><title>{1}: {5}</title></rect><text x=\"{6}\" y=\"{0}\">{5}</text>",
        y + 15, html_escape(label), kLabelW, y + 3, w, v, kLabelW + w + 6);
  }
  return svg + "</svg>";
}

// The sections of render_html, in page order (split along its seams, decision 0088).
void append_facts(std::string& h, const RunResult& r, const RunInfo& info, const ComboTally& t) {
  // --- facts ---
  h += "<section id=\"summary\"><h2>The run</h2><dl class=\"facts\">";
  auto fact = [&](std::string_view k, const std::string& v) {
    h += fmt::format("<dt>{}</dt><dd>{}</dd>", k, v);
  };
  fact("Target", "<code>" + html_escape(r.target_uri) + "</code>");
  fact("Identity", html_escape(r.target_identity));
  if (!info.fixture.empty()) fact("Fixture", "<code>" + html_escape(info.fixture) + "</code>");
  if (!info.personality.empty())
    fact("Personality", "<code>" + html_escape(info.personality) + "</code>");
  if (!info.faults.empty()) fact("Fault plan", html_escape(info.faults));
  fact("Capabilities",
       fmt::format("control interface: {}; fresh hosts: {}; recursive management collections: {}; "
                   "transient failures: {}",
                   r.capabilities.control ? "yes" : "no", r.capabilities.fresh_hosts ? "yes" : "no",
                   r.capabilities.recursive_management_collections ? "declared" : "not declared",
                   r.capabilities.transient_failures ? "declared" : "not declared"));
  fact("Profile, coverage, seed",
       fmt::format("{}, {}, {}", to_string(r.profile), to_string(r.coverage), r.seed));
  fact("Combinations", fmt::format("{} — {} pass, {} fail, {} warn, {} not tested", r.counts.combos,
                                   t.pass, t.fail, t.warn, t.not_tested));
  fact("Cases", fmt::format("{} ({} not tested)", r.counts.cases, r.counts.cases_not_tested));
  if (r.counts.undecided > 0) {
    fact("Undecided",
         fmt::format("{} case(s), sequence(s) or concurrent round(s): the wire lost answers they "
                     "needed (decision 0161)",
                     r.counts.undecided));
  }
  fact("Sequences", fmt::format("{} ({} steps)", r.counts.sequences, r.counts.sequence_steps));
  fact("Concurrent rounds", std::to_string(r.counts.parallel_rounds));
  fact("Command", "<code>" + html_escape(info.command) + "</code>");
  fact("hvsnap", html_escape(fmt::format("{} (commit {})", info.tool_version, info.git_commit)));
  fact("Wall time",
       html_escape(fmt::format("{} → {} ({}){}", info.started_utc, info.finished_utc,
                               human_seconds(info.wall_seconds),
                               r.interrupted                  ? ", interrupted"
                               : !r.stopped_answering.empty() ? ", the host stopped answering"
                                                              : "")));
  h += "</dl></section>\n";
}

void append_distributions(std::string& h, const RunResult& r) {
  // --- distributions --- (named through the one code table in cim/)
  std::map<std::string, std::string> code_names, job_names;
  for (const auto& [key, n] : r.return_codes) {
    if (!key.empty() && std::isdigit(static_cast<unsigned char>(key[0])))
      code_names[key] = fmt::format(
          "({})", cim::ReturnCode(static_cast<std::uint32_t>(std::stoul(key))).meaning());
  }
  for (const auto& [key, n] : r.job_end_states) {
    if (!key.empty() && std::isdigit(static_cast<unsigned char>(key[0])))
      job_names[key] =
          fmt::format("({})", cim::JobState(static_cast<std::uint16_t>(std::stoul(key))).meaning());
  }
  h += "<section id=\"distributions\"><h2>What the target answered</h2><h3>Return codes of "
       "CreateSnapshot</h3>";
  h += bars_svg("chart-return-codes", r.return_codes, code_names);
  h += "<h3>How its jobs ended</h3>";
  h += bars_svg("chart-job-end-states", r.job_end_states, job_names);
  h += "</section>\n";

  if (!r.ambiguities.empty()) {
    h += "<section id=\"ambiguities\"><h2>Ambiguities observed</h2><p class=\"muted\">Where the "
         "contract "
         "allows more than one behaviour (its ambiguity ledger), what this target "
         "did.</p><table><thead>"
         "<tr><th>Item</th><th>Observed</th></tr></thead><tbody>";
    for (const auto& [id, seen] : r.ambiguities) {
      std::string s;
      for (const auto& x : seen)
        s += (s.empty() ? "" : "; ") + x;
      h += fmt::format("<tr><td>{}</td><td>{}</td></tr>", html_escape(id), html_escape(s));
    }
    h += "</tbody></table></section>\n";
  }
}

// Failures or warnings (decision 0165), each with its replay command: `warnings` gives the
// articles the class "failure warning" (one style for both) and ids of their own.
void append_records(std::string& h, const std::vector<FailureRecord>& list, bool warnings,
                    const RunInfo& info) {
  const std::string_view cls = warnings ? "failure warning" : "failure";
  const std::string_view id = warnings ? "warning-" : "failure-";
  const std::string_view replay = warnings ? "replay-warning-" : "replay-";
  int n = 0;
  for (const auto& f : list) {
    ++n;
    h += fmt::format(
        "<article class=\"{7}\" id=\"{8}{0}\"><h3>{0}. <a href=\"#req-{1}\">{1}</a> "
        "<span class=\"muted\">({2}, {3} calls)</span> — {4}</h3><pre>{5}</pre>"
        "<p>Replay on the fake: <code id=\"{9}{0}\">{6}</code> "
        "<button type=\"button\" class=\"copy\" "
        "data-target=\"{9}{0}\">Copy</button></p></article>\n",
        n, html_escape(f.requirement), html_escape(f.property), f.steps, html_escape(f.title),
        html_escape(f.counterexample), html_escape(replay_command(info, f.token)), cls, id, replay);
  }
}

void append_failures(std::string& h, const RunResult& r, const RunInfo& info) {
  // --- failures ---
  h += fmt::format("<section id=\"failures\"><h2>Failures ({})</h2>", r.failures.size());
  if (r.failures.empty()) h += "<p>None.</p>";
  append_records(h, r.failures, false, info);
  h += "</section>\n";
  if (r.warnings.empty()) return;
  h += fmt::format("<section id=\"warnings\"><h2>Warnings ({})</h2><p class=\"muted\">{}</p>",
                   r.warnings.size(), kWarningsSaid);
  append_records(h, r.warnings, true, info);
  h += "</section>\n";
}

void append_undecided(std::string& h, const RunResult& r, const RunInfo& info) {
  if (r.undecided.empty()) return;  // (decision 0162)
  h += fmt::format(
      "<section id=\"undecided\"><h2>Undecided ({})</h2><p class=\"muted\">The wire lost "
      "answers these needed, even asked again (decision 0161): nothing of them was judged. Run "
      "them again.</p><ul>",
      r.undecided.size());
  for (std::size_t i = 0; i < r.undecided.size() && i < kUndecidedShown; ++i) {
    const auto& u = r.undecided[i];
    h += fmt::format(
        "<li><strong>{}</strong> <span class=\"muted\">({})</span>: {}<br>Run it again: "
        "<code>{}</code></li>",
        html_escape(u.what), html_escape(u.property), html_escape(u.reason),
        html_escape(undecided_replay(info.replay_program, r, u)));
  }
  if (r.undecided.size() > kUndecidedShown) {
    h += fmt::format("<li>… and {} more in result.json</li>", r.undecided.size() - kUndecidedShown);
  }
  h += "</ul></section>\n";
}

}  // namespace

std::string render_html(const RunResult& r, const RunInfo& info) {
  const ComboTally t = tally(r);
  std::string h;
  h.reserve(1 << 20);
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += fmt::format("<title>hvsnap certification: {} — {}</title>\n", r.verdict,
                   html_escape(r.target_uri));
  h += fmt::format("<style>{}</style>\n</head>\n<body>\n", kStyle);

  // --- verdict ---
  h +=
      fmt::format("<header id=\"verdict\" class=\"verdict {}\" data-verdict=\"{}\">\n<h1>{}</h1>\n",
                  r.certified       ? "pass"
                  : r.not_supported ? "unsupported"
                                    : "fail",
                  r.verdict, r.verdict);
  h += fmt::format("<p><strong>{}</strong> — {}</p>\n", html_escape(r.target_uri),
                   html_escape(r.target_identity));
  h += fmt::format(
      "<p>profile {}, coverage {}, seed {} · {} requirements · {} combinations · {} "
      "failure{}{}</p>\n",
      to_string(r.profile), to_string(r.coverage), r.seed, r.requirements.size(), r.counts.combos,
      r.failures.size(), r.failures.size() == 1 ? "" : "s",
      r.warnings.empty()
          ? std::string()
          : fmt::format(" · {} warning{}", r.warnings.size(), r.warnings.size() == 1 ? "" : "s"));
  if (!r.verdict_reasons.empty()) {
    h += "<ul id=\"verdict-reasons\">";
    for (const auto& why : r.verdict_reasons)
      h += "<li>" + html_escape(why) + "</li>";
    h += "</ul>\n";
  }
  h += "</header>\n<main>\n";

  append_facts(h, r, info, t);

  // --- requirements ---
  h += "<section id=\"requirements\"><h2>Requirements</h2>"
       "<p class=\"filters\"><button type=\"button\" data-show=\"all\" "
       "aria-pressed=\"true\">All</button>"
       "<button type=\"button\" data-show=\"problems\" aria-pressed=\"false\">Only what did not "
       "pass</button></p>"
       "<table><thead><tr><th>ID</th><th>Level</th><th>Requirement</th><th>Verdict</th>"
       "<th class=\"num\">Passed</th><th class=\"num\">Failed</th><th "
       "class=\"num\">Warned</th><th>Note</th>"
       "</tr></thead><tbody>\n";
  for (const auto& rr : r.requirements) {
    std::string note = html_escape(rr.reason);
    for (const auto& e : rr.evidence)
      note += (note.empty() ? "" : "<br>") + html_escape(e);
    h += fmt::format(
        "<tr id=\"req-{0}\" data-verdict=\"{1}\"><td "
        "class=\"id\"><code>{0}</code></td><td>{2}</td><td>{3}</td><td>{4}</td>"
        "<td class=\"num\">{5}</td><td class=\"num\">{6}</td><td "
        "class=\"num\">{7}</td><td>{8}</td></tr>\n",
        rr.id, to_string(rr.verdict), to_string(rr.level), html_escape(rr.text), badge(rr.verdict),
        rr.passed, rr.failed, rr.warned, note);
  }
  h += "</tbody></table></section>\n";

  // --- coverage ---
  h +=
      "<section id=\"coverage\"><h2>Coverage of the parameter space</h2>"
      "<p class=\"muted\">Rows: the Collection class. Columns: the SnapshotSettings class. In each "
      "cell, left to right: SnapshotType T-0, T-STANDARD, T-RECOVERY, T-RESERVED, T-VENDOR; top to "
      "bottom: ResultingSnapshotCollection R-NULL, R-EXISTING, R-GARBAGE. Hover a square for what "
      "was "
      "observed and what the contract allows.</p><p class=\"legend\">";
  for (Verdict v : {Verdict::kPass, Verdict::kFail, Verdict::kWarn, Verdict::kNotTested,
                    Verdict::kNotApplicable}) {
    h += fmt::format("<span><i style=\"background:{}\"></i>{}</span>", fill(v), to_string(v));
  }
  h += "<span><i style=\"background:#fff\"></i>not in this run</span></p>";
  h += coverage_svg(r);
  h += "</section>\n";

  // --- capability profile ---
  h += "<section id=\"capability\"><h2>Capability profile</h2><p class=\"muted\">Calls of a ready "
       "group with valid parameters, per member power configuration and snapshot type (contract "
       "§4.1). A refusal is Not Supported with no change: a host may not offer collection "
       "snapshots in some configurations (observations O1, O2); it is never a pass.</p>"
       "<table><thead><tr><th>Configuration</th><th>Snapshotted</th><th>Refused</th><th>Failed "
       "otherwise</th><th>Refusals</th></tr></thead><tbody>";
  for (const auto& c : r.capability) {
    std::string answers;
    for (const auto& a : c.answers)
      answers += (answers.empty() ? "" : ", ") + a;
    h += fmt::format(
        "<tr data-configuration=\"{0}\"><td><code>{0}</code></td><td class=\"num\">{1}</td><td "
        "class=\"num\">{2}</td><td class=\"num\">{3}</td><td>{4}</td></tr>",
        html_escape(c.configuration), c.snapshotted, c.refused, c.failed, html_escape(answers));
  }
  h += "</tbody></table></section>\n";

  append_distributions(h, r);

  append_failures(h, r, info);
  append_undecided(h, r, info);
  h += "</main>\n";
  h += fmt::format("<script>{}</script>\n</body>\n</html>\n", kScript);
  return h;
}

}  // namespace hvsnap::reports
