// junit.xml in the shape CI systems read (Jenkins, GitLab, GitHub actions' reporters):
// <testsuites> with one <testsuite> for the requirements (one testcase each), one for the
// failing parameter-class combinations and one for the other counterexamples (sequences,
// concurrent calls, the settings sweep, liveness). FAIL is <failure>; NOT_TESTED and
// NOT_APPLICABLE are <skipped> — except a MUST left NOT_TESTED by a `full` run, which fails
// certification and so is a <failure> too. SHOULD warnings pass with a <system-out> note. An
// item the wire left undecided is an <error> of a fourth testsuite, "undecided", there only
// when there are any.
#include <fmt/format.h>

#include <pugixml.hpp>
#include <sstream>

#include "hvsnap/reports/bundle.h"
#include "report_util.h"

namespace hvsnap::reports {

using namespace conformance;

namespace {

struct Counts {
  int tests = 0, failures = 0, skipped = 0;
};

void set_counts(pugi::xml_node suite, const Counts& c) {
  suite.append_attribute("tests") = c.tests;
  suite.append_attribute("failures") = c.failures;
  suite.append_attribute("errors") = 0;
  suite.append_attribute("skipped") = c.skipped;
}

void text_child(pugi::xml_node parent, const char* name, const std::string& text) {
  parent.append_child(name).append_child(pugi::node_pcdata).set_value(xml_safe(text).c_str());
}

// --- undecided: the items the wire left unjudged (decision 0162), each an <error>, so that a
// CI gate never reads such a run as a pass (its verdict is NOT CERTIFIED); how many ---
int append_undecided_suite(pugi::xml_node root, const RunResult& r, const RunInfo& info) {
  if (r.counts.undecided <= 0) return 0;
  auto suite = root.append_child("testsuite");
  suite.append_attribute("name") = "undecided";
  const int errors = append_undecided_errors(suite, "hvsnap", r, info.replay_program);
  suite.append_attribute("tests") = errors;
  suite.append_attribute("failures") = 0;
  suite.append_attribute("errors") = errors;
  suite.append_attribute("skipped") = 0;
  return errors;
}

// A requirement's evidence: its observations, then the shortest counterexample of a failure of
// it, else the example of its warning (decision 0165), each with its replay command.
std::string requirement_evidence(const RequirementResult& rr, const RunResult& r,
                                 const RunInfo& info) {
  std::string e;
  for (const auto& line : rr.evidence)
    e += line + "\n";
  for (const auto& f : r.failures) {
    if (f.requirement != rr.id) continue;
    e += fmt::format("\nshortest counterexample ({} calls):\n{}\nreplay: {}\n", f.steps,
                     f.counterexample, replay_command(info, f.token));
    return e;
  }
  for (const auto& w : r.warnings) {
    if (w.requirement != rr.id) continue;
    e += fmt::format("\nexample ({} calls, {}):\n{}\nreplay: {}\n", w.steps, w.title,
                     w.counterexample, replay_command(info, w.token));
    break;
  }
  return e;
}

}  // namespace

std::string render_junit(const RunResult& r, const RunInfo& info) {
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  auto root = doc.append_child("testsuites");
  root.append_attribute("name") = xml_safe(fmt::format("hvsnap certify {}", r.target_uri)).c_str();

  // --- requirements ---
  auto reqs = root.append_child("testsuite");
  reqs.append_attribute("name") = "requirements";
  Counts rc;
  auto props = reqs.append_child("properties");
  auto prop = [&](const char* name, const std::string& value) {
    auto p = props.append_child("property");
    p.append_attribute("name") = name;
    p.append_attribute("value") = xml_safe(value).c_str();
  };
  prop("target", r.target_uri);
  prop("identity", r.target_identity);
  prop("profile", std::string(to_string(r.profile)));
  prop("coverage", std::string(to_string(r.coverage)));
  prop("seed", std::to_string(r.seed));
  prop("verdict", r.verdict);
  prop("hvsnap-version", info.tool_version);
  for (const auto& rr : r.requirements) {
    auto tc = reqs.append_child("testcase");
    tc.append_attribute("classname") = "hvsnap.requirements";
    tc.append_attribute("name") =
        xml_safe(fmt::format("{} ({}) {}", rr.id, to_string(rr.level), rr.text)).c_str();
    ++rc.tests;
    const std::string evidence = requirement_evidence(rr, r, info);
    const bool blocks = untested_must(rr, r.profile);
    if (rr.verdict == Verdict::kFail || blocks) {
      ++rc.failures;
      auto f = tc.append_child("failure");
      f.append_attribute("type") = std::string(to_string(rr.verdict)).c_str();
      const std::string msg =
          blocks ? "not tested (a MUST must be tested to certify): " + rr.reason : rr.reason;
      f.append_attribute("message") = xml_safe(msg).c_str();
      f.append_child(pugi::node_pcdata).set_value(xml_safe(evidence).c_str());
    } else if (rr.verdict == Verdict::kNotTested || rr.verdict == Verdict::kNotApplicable) {
      ++rc.skipped;
      auto s = tc.append_child("skipped");
      s.append_attribute("message") =
          xml_safe(fmt::format("{}: {}", to_string(rr.verdict), rr.reason)).c_str();
    } else if (rr.verdict == Verdict::kWarn) {
      text_child(
          tc, "system-out",
          fmt::format("WARN ({} finding(s)): {}\n{}", rr.failed + rr.warned, rr.reason, evidence));
    }
  }
  // The capability profile as one testcase: a target that refused every configuration
  // (NOT SUPPORTED) fails it, so that a CI gate never reads the run as a pass.
  {
    auto tc = reqs.append_child("testcase");
    tc.append_attribute("classname") = "hvsnap.capability";
    tc.append_attribute("name") = "collection snapshots are supported (contract §4.1)";
    ++rc.tests;
    std::string profile;
    for (const auto& c : r.capability)
      profile += fmt::format("{}: {} snapshotted, {} refused, {} failed\n", c.configuration,
                             c.snapshotted, c.refused, c.failed);
    if (r.not_supported) {
      ++rc.failures;
      auto f = tc.append_child("failure");
      f.append_attribute("type") = "NOT_SUPPORTED";
      f.append_attribute("message") =
          xml_safe(r.verdict_reasons.empty() ? r.verdict : r.verdict_reasons.front()).c_str();
      f.append_child(pugi::node_pcdata).set_value(xml_safe(profile).c_str());
    } else if (!profile.empty()) {
      text_child(tc, "system-out", profile);
    }
  }
  set_counts(reqs, rc);

  // --- failing combinations ---
  auto combos = root.append_child("testsuite");
  combos.append_attribute("name") = "combinations";
  Counts cc;
  for (const ComboResult* c : sorted_combos(r)) {
    if (c->verdict != Verdict::kFail) continue;
    auto tc = combos.append_child("testcase");
    tc.append_attribute("classname") = "hvsnap.combinations";
    tc.append_attribute("name") = c->combo.to_string().c_str();
    ++cc.tests;
    ++cc.failures;
    auto f = tc.append_child("failure");
    f.append_attribute("type") = "FAIL";
    f.append_attribute("message") = xml_safe(c->note).c_str();
    std::string body = "observed:";
    for (const auto& o : c->observed)
      body += " " + o;
    body += "\nallowed: " + c->allowed + "\n";
    for (const auto& fr : r.failures) {
      if (fr.property == "matrix" && fr.title.rfind(c->combo.to_string() + ":", 0) == 0) {
        body +=
            fmt::format("\n{}\nreplay: {}\n", fr.counterexample, replay_command(info, fr.token));
        break;
      }
    }
    f.append_child(pugi::node_pcdata).set_value(xml_safe(body).c_str());
  }
  set_counts(combos, cc);

  // --- other counterexamples ---
  auto others = root.append_child("testsuite");
  others.append_attribute("name") = "counterexamples";
  Counts oc;
  for (const auto& fr : r.failures) {
    if (fr.property == "matrix") continue;
    auto tc = others.append_child("testcase");
    tc.append_attribute("classname") = xml_safe("hvsnap." + fr.property).c_str();
    tc.append_attribute("name") = xml_safe(fmt::format("{}: {}", fr.requirement, fr.title)).c_str();
    ++oc.tests;
    ++oc.failures;
    auto f = tc.append_child("failure");
    f.append_attribute("type") = "FAIL";
    f.append_attribute("message") = xml_safe(fr.title).c_str();
    f.append_child(pugi::node_pcdata)
        .set_value(
            xml_safe(fr.counterexample + "\nreplay: " + replay_command(info, fr.token) + "\n")
                .c_str());
  }
  set_counts(others, oc);

  const int errors = append_undecided_suite(root, r, info);
  const Counts all{rc.tests + cc.tests + oc.tests + errors, rc.failures + cc.failures + oc.failures,
                   rc.skipped + cc.skipped + oc.skipped};
  root.append_attribute("tests") = all.tests;
  root.append_attribute("failures") = all.failures;
  root.append_attribute("errors") = errors;
  root.append_attribute("skipped") = all.skipped;
  root.append_attribute("time") = fmt::format("{:.3f}", info.wall_seconds).c_str();
  root.append_attribute("timestamp") = info.started_utc.c_str();

  std::ostringstream out;
  doc.save(out, "  ", pugi::format_indent, pugi::encoding_utf8);
  return out.str();
}

}  // namespace hvsnap::reports
