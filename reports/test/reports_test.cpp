// The report writers and `verify` on synthetic run results (decision 0007): each format carries the
// verdict and the tables, escapes what it must, and verify catches a tampered bundle.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <sstream>
#include <string>

#include "hvsnap/cim/testing/temp_dirs.h"
#include "hvsnap/conformance/catalogue.h"
#include "hvsnap/reports/bundle.h"
#include "hvsnap/reports/fleet.h"
#include "hvsnap/reports/kill_table.h"

namespace hvsnap::reports {
namespace {

namespace fs = std::filesystem;
using namespace conformance;

RunResult sample(bool failing) {
  RunResult r;
  r.target_uri = "sim:";
  r.target_identity = "hvsnap fake host \"T\"";
  r.profile = Profile::kFull;
  r.coverage = Coverage::kPairwise;
  r.seed = 7;
  for (const auto& req : catalogue().value()) {
    RequirementResult rr;
    rr.id = req.id;
    rr.level = req.level;
    rr.text = req.text;
    rr.verdict = Verdict::kPass;
    rr.passed = 3;
    r.requirements.push_back(rr);
  }
  ComboResult c;
  c.combo = {CClass::kReady, SClass::kNull, TClass::kStandard, RClass::kNull};
  c.cases = 1;
  c.observed = {"4096→4→7"};
  c.allowed = "success";
  c.verdict = Verdict::kPass;
  r.combos.push_back(c);
  r.counts.combos = 1;
  r.counts.cases = 1;
  r.return_codes = {{"4096", 1}, {"4", 2}};
  r.job_end_states = {{"7", 1}};
  if (failing) {
    r.requirements[2].verdict = Verdict::kFail;  // CS-INV-3
    r.requirements[2].failed = 1;
    r.requirements[2].reason = "left a snapshot";
    ComboResult f = c;
    f.combo.c = CClass::kDisabled;
    f.verdict = Verdict::kFail;
    f.note = "the call failed but left a snapshot";
    r.combos.push_back(f);
    r.counts.combos = 2;
    FailureRecord fr;
    fr.requirement = "CS-INV-3";
    fr.check = "inv3.no-change-on-failure";
    fr.property = "matrix";
    fr.title = "C-DISABLED/S-NULL/T-STANDARD/R-NULL: <script>alert(1)</script> & ```fenced```";
    fr.counterexample = "  1. DefineSystem()\n     -> 0 \xFF\xFE bad bytes\n";
    fr.token = "hvsnap1.eyJraW5kIjoiY2FzZSJ9";
    fr.steps = 1;
    r.failures.push_back(fr);
  }
  apply_verdict(r);
  return r;
}

RunInfo info(double wall = 1.5, std::string started = "2026-11-24T10:00:00Z") {
  RunInfo i;
  i.tool_version = "0.1.0";
  i.git_commit = "abc";
  i.command = "hvsnap certify --target sim: --seed 7";
  i.started_utc = started;
  i.finished_utc = "2026-11-24T10:00:02Z";
  i.wall_seconds = wall;
  return i;
}

const auto* const kTempCleanup = ::testing::AddGlobalTestEnvironment(
    new cim::testing::RemoveTempDirsOnSuccess("hvsnap-reports-test"));

// A folder of this process's own (two test runs at once never share one), emptied.
fs::path fresh_dir(const std::string& name) {
  const fs::path p = cim::testing::temp_path("hvsnap-reports-test", name);
  fs::remove_all(p);
  return p;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Json, CarriesTheVerdictCountsAndEveryRequirement) {
  const auto j = nlohmann::json::parse(render_json(sample(true), info()));
  EXPECT_EQ(j["schema"], "hvsnap-result");
  EXPECT_EQ(j["schema-version"], kSchemaVersion);
  EXPECT_EQ(j["verdict"]["verdict"], "NOT CERTIFIED");
  EXPECT_EQ(j["requirements"].size(), catalogue().value().size());
  EXPECT_EQ(j["counts"]["failures"], 1);
  EXPECT_EQ(j["counts"]["requirement-verdicts"]["FAIL"], 1);
  EXPECT_EQ(j["failures"][0]["replay"], "hvsnap replay hvsnap1.eyJraW5kIjoiY2FzZSJ9");
  // The invalid bytes became U+FFFD instead of breaking the JSON.
  EXPECT_NE(j["failures"][0]["counterexample"].get<std::string>().find("\xEF\xBF\xBD"),
            std::string::npos);
}

TEST(Junit, OneTestcasePerRequirementAndPerFailingCombination) {
  const std::string xml = render_junit(sample(true), info());
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(xml.c_str()));
  auto root = doc.child("testsuites");
  const auto n = catalogue().value().size();
  // One testcase per requirement, the capability profile's, and the failing combination.
  EXPECT_EQ(root.attribute("tests").as_uint(), n + 2);
  EXPECT_EQ(root.attribute("failures").as_int(), 2);  // CS-INV-3 and the failing combination
  auto reqs = root.find_child_by_attribute("testsuite", "name", "requirements");
  EXPECT_EQ(std::distance(reqs.children("testcase").begin(), reqs.children("testcase").end()),
            static_cast<long>(n + 1));
  auto inv3 = reqs.find_child([](pugi::xml_node t) {
    return std::string(t.attribute("name").value()).rfind("CS-INV-3 ", 0) == 0;
  });
  ASSERT_TRUE(inv3);
  EXPECT_TRUE(inv3.child("failure"));
  EXPECT_NE(std::string(inv3.child("failure").text().get()).find("hvsnap replay"),
            std::string::npos);
  auto combos = root.find_child_by_attribute("testsuite", "name", "combinations");
  EXPECT_STREQ(combos.child("testcase").attribute("name").value(),
               "C-DISABLED/S-NULL/T-STANDARD/R-NULL");
}

TEST(Junit, UntestedMustFailsAFullRunAndIsSkippedInCore) {
  RunResult r = sample(false);
  r.requirements[0].verdict = Verdict::kNotTested;
  r.requirements[0].passed = 0;
  r.requirements[0].reason = "nothing reached it";
  apply_verdict(r);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(render_junit(r, info()).c_str()));
  EXPECT_EQ(doc.child("testsuites").attribute("failures").as_int(), 1);
  r.profile = Profile::kCore;
  ASSERT_TRUE(doc.load_string(render_junit(r, info()).c_str()));
  EXPECT_EQ(doc.child("testsuites").attribute("failures").as_int(), 0);
  EXPECT_EQ(doc.child("testsuites").attribute("skipped").as_int(), 1);
}

TEST(Html, IsSelfContainedEscapesAndShowsTheVerdict) {
  const std::string h = render_html(sample(true), info());
  EXPECT_NE(h.find("id=\"verdict\""), std::string::npos);
  EXPECT_NE(h.find("data-verdict=\"NOT CERTIFIED\""), std::string::npos);
  EXPECT_EQ(h.find("<script>alert(1)"), std::string::npos);
  EXPECT_NE(h.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(h.find("<link"), std::string::npos);
  EXPECT_EQ(h.find("src="), std::string::npos);
  EXPECT_EQ(h.find("href=\"http"), std::string::npos);
  EXPECT_NE(h.find("id=\"coverage-grid\""), std::string::npos);
  EXPECT_NE(h.find("data-combo=\"C-DISABLED/S-NULL/T-STANDARD/R-NULL\""), std::string::npos);
  EXPECT_EQ(h.find("\xFF"), std::string::npos);
}

TEST(Markdown, FencesOutlastBackticksInTheCounterexample) {
  RunResult r = sample(true);
  r.failures[0].counterexample = "x ```` y\n";
  const std::string md = render_markdown(r, info());
  EXPECT_NE(md.find("# hvsnap certification: NOT CERTIFIED"), std::string::npos);
  EXPECT_NE(md.find("`````text\nx ```` y\n`````"), std::string::npos);
  EXPECT_NE(md.find("| CS-INV-3 | MUST |"), std::string::npos);
}

TEST(Bundle, WritesVerifiesAndCatchesTampering) {
  const fs::path dir = fresh_dir("bundle");
  ASSERT_TRUE(write_bundle(dir, sample(true), info()).ok());
  for (const auto& f : bundle_files())
    EXPECT_TRUE(fs::exists(dir / f)) << f;
  EXPECT_TRUE(verify_bundle(dir).ok());
  // No temporary folder is left beside it.
  for (const auto& e : fs::directory_iterator(dir.parent_path())) {
    EXPECT_EQ(e.path().filename().string().find(".hvsnap-reports-test-bundle.partial"),
              std::string::npos);
  }
  // A second write into the same (non-empty) folder is refused and changes nothing.
  const std::string before = read(dir / "result.json");
  auto again = write_bundle(dir, sample(false), info());
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.message().find("already exists and is not empty"), std::string::npos);
  EXPECT_EQ(read(dir / "result.json"), before);

  std::ofstream(dir / "summary.md", std::ios::app) << "edited\n";
  auto v = verify_bundle(dir);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.problems.front().find("summary.md does not match its SHA-256"), std::string::npos);
}

// A result.json whose numbers disagree is caught even when its hash was updated to match.
// `j` written as the bundle's result.json, its manifest entry made to match (a forger's work);
// what verify then says. verify re-derives the verdict (expect_forgery_caught: it names `want`).
// `file` of the folder rewritten as `text`, and its manifest with it.
void reseal(const fs::path& dir, const std::string& file, const std::string& text) {
  std::ofstream(dir / file, std::ios::trunc) << text;
  std::string manifest = read(dir / kManifest);
  const auto pos = manifest.find("  " + file);
  manifest.replace(pos - 64, 64, sha256_hex(text));
  std::ofstream(dir / kManifest, std::ios::trunc) << manifest;
}

// `file` of the bundle rewritten as `text`; then verified.
Verification forge_file(const fs::path& dir, const std::string& file, const std::string& text) {
  reseal(dir, file, text);
  return verify_bundle(dir);
}

Verification forge(const fs::path& dir, const nlohmann::ordered_json& j) {
  return forge_file(dir, "result.json", j.dump(2));
}

TEST(Bundle, VerifyChecksTheResultAgainstTheRules) {
  const fs::path dir = fresh_dir("rules");
  ASSERT_TRUE(write_bundle(dir, sample(true), info()).ok());
  auto j = nlohmann::ordered_json::parse(read(dir / "result.json"));
  j["verdict"]["certified"] = true;
  j["verdict"]["verdict"] = "CERTIFIED";
  j["counts"]["failures"] = 0;
  auto v = forge(dir, j);
  // The rules, then the other files, which still say NOT CERTIFIED.
  ASSERT_EQ(v.problems.size(), 5u) << (v.problems.empty() ? "" : v.problems.front());
  EXPECT_NE(v.problems[0].find("counts.failures is 0 but 1 are listed"), std::string::npos);
  EXPECT_NE(v.problems[1].find("the verdict says CERTIFIED but the rules give NOT CERTIFIED"),
            std::string::npos);
  EXPECT_NE(v.problems[2].find("junit.xml says the verdict is"), std::string::npos);
  EXPECT_NE(v.problems[3].find("summary.md does not open with the verdict"), std::string::npos);
  EXPECT_NE(v.problems[4].find("report.html does not show the verdict"), std::string::npos);
}

// A target that refused every configuration (contract §4.1): NOT SUPPORTED in every file,
// never a pass, and verify re-derives it by the same rules.
RunResult refusing() {
  RunResult r = sample(false);
  for (auto& rr : r.requirements) {
    if (rr.id == "CS-OUT-14" || rr.id == "CS-INV-2") {
      rr.verdict = Verdict::kNotTested;
      rr.passed = 0;
      rr.reason = "every collection snapshot was refused";
    }
  }
  CapabilityResult off;
  off.configuration = "P-OFF/T-STANDARD";
  off.refused = 3;
  off.answers = {"32770"};
  CapabilityResult running = off;
  running.configuration = "P-RUNNING/T-STANDARD";
  r.capability = {off, running};
  r.return_codes = {{"32770", 6}, {"6", 1}};
  apply_verdict(r);
  return r;
}

TEST(NotSupported, IsItsOwnVerdictInEveryFileAndNeverAPass) {
  const RunResult r = refusing();
  ASSERT_TRUE(r.not_supported);
  EXPECT_FALSE(r.certified);
  EXPECT_EQ(r.verdict, "NOT SUPPORTED");
  ASSERT_FALSE(r.verdict_reasons.empty());
  EXPECT_NE(r.verdict_reasons.front().find("P-OFF/T-STANDARD (32770)"), std::string::npos);
  EXPECT_NE(r.verdict_reasons.front().find("O1"), std::string::npos);
  const auto j = nlohmann::json::parse(render_json(r, info()));
  EXPECT_EQ(j["verdict"]["verdict"], "NOT SUPPORTED");
  EXPECT_EQ(j["verdict"]["not-supported"], true);
  EXPECT_EQ(j["capability"][0]["refused"], 3);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(render_junit(r, info()).c_str()));
  auto cap = doc.child("testsuites")
                 .find_child_by_attribute("testsuite", "name", "requirements")
                 .find_child_by_attribute("testcase", "classname", "hvsnap.capability");
  ASSERT_TRUE(cap);
  EXPECT_STREQ(cap.child("failure").attribute("type").value(), "NOT_SUPPORTED");
  const std::string html = render_html(r, info());
  EXPECT_NE(html.find("class=\"verdict unsupported\" data-verdict=\"NOT SUPPORTED\""),
            std::string::npos);
  EXPECT_NE(html.find("data-configuration=\"P-OFF/T-STANDARD\""), std::string::npos);
  EXPECT_NE(render_markdown(r, info()).find("NOT SUPPORTED"), std::string::npos);
  // One snapshot anywhere, and it is judged as usual (here: NOT CERTIFIED for the untested).
  RunResult some = refusing();
  some.capability[1].snapshotted = 1;
  apply_verdict(some);
  EXPECT_FALSE(some.not_supported);
  EXPECT_EQ(some.verdict, "NOT CERTIFIED");
  // A MUST failure wins over NOT SUPPORTED.
  RunResult failing = refusing();
  failing.requirements[0].verdict = Verdict::kFail;
  failing.requirements[0].failed = 1;
  apply_verdict(failing);
  EXPECT_EQ(failing.verdict, "NOT CERTIFIED");
}

void expect_caught(const Verification& v, const std::string& want) {
  ASSERT_FALSE(v.ok());
  bool rules = false;
  for (const auto& p : v.problems)
    rules = rules || p.find(want) != std::string::npos;
  EXPECT_TRUE(rules) << v.problems.back();
}

void expect_forgery_caught(const fs::path& dir, const nlohmann::ordered_json& j,
                           const std::string& want) {
  expect_caught(forge(dir, j), want);
}

TEST(NotSupported, VerifyRederivesItAndCatchesAForgedPass) {
  const fs::path dir = fresh_dir("not-supported");
  ASSERT_TRUE(write_bundle(dir, refusing(), info()).ok());
  EXPECT_TRUE(verify_bundle(dir).ok()) << verify_bundle(dir).problems.front();
  auto j = nlohmann::ordered_json::parse(read(dir / "result.json"));
  j["verdict"]["verdict"] = "CERTIFIED";
  j["verdict"]["certified"] = true;
  for (auto& rr : j["requirements"]) {
    if (rr["verdict"] == "NOT_TESTED") {
      rr["verdict"] = "NOT_APPLICABLE";
    }
  }
  j["counts"]["requirement-verdicts"]["NOT_APPLICABLE"] =
      j["counts"]["requirement-verdicts"]["NOT_APPLICABLE"].get<int>() +
      j["counts"]["requirement-verdicts"]["NOT_TESTED"].get<int>();
  j["counts"]["requirement-verdicts"]["NOT_TESTED"] = 0;
  expect_forgery_caught(dir, j, "the verdict says CERTIFIED but the rules give NOT SUPPORTED");
}

// The sample run with one item the wire left undecided, its verdict applied (decision 0162).
RunResult undecided_run(UndecidedItem item) {
  RunResult r = sample(false);
  r.counts.undecided = 1;
  r.undecided.push_back(std::move(item));
  apply_verdict(r);
  return r;
}

// A run the wire left undecided (decision 0161): NOT CERTIFIED with every requirement passed,
// which verify re-derives from counts.undecided; the same report forged to CERTIFIED is caught.
// Each item is listed with its reason and replay command in every file (decision 0162), an
// <error> in junit.xml; a list or a junit.xml that disagrees with the count is caught.
TEST(Bundle, AnUndecidedRunIsNotCertifiedAndVerifiesSo) {
  const fs::path dir = fresh_dir("undecided");
  const RunResult r =
      undecided_run({"sequences", "sequence 3 of 10",
                     "undecided: no answer came back to the DestroySnapshot call: Unavailable",
                     "hvsnap1.eyJ0b2tlbiI6MX0"});
  ASSERT_EQ(r.verdict, "NOT CERTIFIED");
  ASSERT_TRUE(write_bundle(dir, r, info()).ok());
  auto ok = verify_bundle(dir);
  EXPECT_TRUE(ok.ok()) << ok.problems.front();
  for (const char* file : {"summary.md", "report.html", "junit.xml"}) {
    const std::string text = read(dir / file);
    for (const char* want : {"sequence 3 of 10", "no answer came back to the DestroySnapshot",
                             "replay hvsnap1.eyJ0b2tlbiI6MX0"})
      EXPECT_NE(text.find(want), std::string::npos) << file << ": " << want;
  }
  const std::string junit = read(dir / "junit.xml");
  EXPECT_NE(junit.find("<testsuite name=\"undecided\" tests=\"1\" failures=\"0\" errors=\"1\""),
            std::string::npos)
      << junit;
  EXPECT_NE(junit.find("<error type=\"UNDECIDED\""), std::string::npos);
  auto j = nlohmann::ordered_json::parse(read(dir / "result.json"));
  EXPECT_EQ(j["counts"]["undecided"], 1);
  ASSERT_EQ(j["undecided"].size(), 1u);
  EXPECT_EQ(j["undecided"][0]["what"], "sequence 3 of 10");
  EXPECT_EQ(j["undecided"][0]["replay"], "hvsnap replay hvsnap1.eyJ0b2tlbiI6MX0");
  // junit.xml without its <error>: a CI gate would read the run as a pass.
  std::string no_error = junit;
  const auto at = no_error.find("<error");
  no_error.replace(at, no_error.find("</error>") + 8 - at, "");
  expect_caught(forge_file(dir, "junit.xml", no_error),
                "junit.xml shows 0 undecided item(s) as errors");
  // Its <error> kept, the root's errors attribute 0: a gate that reads the attributes passes.
  std::string no_count = junit;
  no_count.replace(no_count.find("errors=\"1\""), 10, "errors=\"0\"");
  expect_caught(forge_file(dir, "junit.xml", no_count), "attributes say 1 and 0");
  ASSERT_TRUE(forge_file(dir, "junit.xml", junit).ok());
  auto unlisted = j;
  unlisted["undecided"] = nlohmann::ordered_json::array();
  expect_forgery_caught(dir, unlisted, "counts.undecided is 1 but \"undecided\" lists 0");
  j["verdict"]["verdict"] = "CERTIFIED";
  j["verdict"]["certified"] = true;
  j["verdict"]["reasons"] = nlohmann::ordered_json::array();
  expect_forgery_caught(dir, j, "the verdict says CERTIFIED but the rules give NOT CERTIFIED");
}

// A run that broke a SHOULD (CS-INV-8): its requirement WARN, one example with its replay
// (decision 0165).
RunResult warning_run(const std::string& token) {
  RunResult r = sample(false);
  for (auto& rr : r.requirements) {
    if (rr.id != "CS-INV-8") continue;
    rr.verdict = Verdict::kWarn;
    rr.failed = 2;
    rr.reason = "the job could not be read right after it ended";
  }
  FailureRecord w;
  w.requirement = "CS-INV-8";
  w.check = "inv8.readable-after-end";
  w.property = "capability";
  w.title = "C-READY/P-RUNNING/S-NULL/T-STANDARD/R-NULL: the job could not be read";
  w.counterexample = "  1. CreateSnapshot(...)\n     -> 4096\n";
  w.token = token;
  w.steps = 1;
  r.warnings.push_back(w);
  apply_verdict(r);
  return r;
}

// A SHOULD broken is a warning, never a failure (decision 0165): CERTIFIED, junit.xml fails
// nothing yet its WARN row carries the example's replay, the Markdown and HTML list it under
// Warnings, result.json counts and lists it; verify catches a count or a list that disagrees, a
// warning of a requirement that is not WARN, and a second example of one. A run with none
// writes neither key (the reference report is unchanged). Shards merged keep one example a
// requirement, the first shard's.
TEST(Bundle, AWarningIsListedWithItsReplayAndFailsNothing) {
  const fs::path dir = fresh_dir("warning");
  const RunResult r = warning_run("hvsnap1.eyJ3IjoxfQ");
  ASSERT_EQ(r.verdict, "CERTIFIED");
  ASSERT_TRUE(write_bundle(dir, r, info()).ok());
  auto ok = verify_bundle(dir);
  EXPECT_TRUE(ok.ok()) << ok.problems.front();
  const std::string junit = read(dir / "junit.xml");
  EXPECT_NE(junit.find("failures=\"0\" errors=\"0\""), std::string::npos) << junit;
  EXPECT_EQ(junit.find("<failure"), std::string::npos) << junit;
  EXPECT_NE(junit.find("example (1 calls, C-READY/P-RUNNING"), std::string::npos) << junit;
  for (const char* file : {"summary.md", "report.html", "junit.xml"})
    EXPECT_NE(read(dir / file).find("replay hvsnap1.eyJ3IjoxfQ"), std::string::npos) << file;
  EXPECT_NE(read(dir / "summary.md").find("## Warnings (1)"), std::string::npos);
  EXPECT_NE(read(dir / "report.html").find("id=\"warning-1\""), std::string::npos);
  auto j = nlohmann::ordered_json::parse(read(dir / "result.json"));
  EXPECT_EQ(j["counts"]["warnings"], 1);
  EXPECT_EQ(j["counts"]["failures"], 0);
  ASSERT_EQ(j["warnings"].size(), 1u);
  EXPECT_EQ(j["warnings"][0]["requirement"], "CS-INV-8");
  EXPECT_EQ(j["warnings"][0]["replay"], "hvsnap replay hvsnap1.eyJ3IjoxfQ");
  auto miscounted = j;
  miscounted["counts"]["warnings"] = 2;
  expect_forgery_caught(dir, miscounted, "counts.warnings is 2 but 1 are listed");
  auto of_a_pass = j;
  of_a_pass["warnings"][0]["requirement"] = "CS-INV-3";
  expect_forgery_caught(dir, of_a_pass, "a warning of CS-INV-3, which is not a WARN of the run");
  auto twice = j;
  twice["warnings"].push_back(j["warnings"][0]);
  twice["counts"]["warnings"] = 2;
  expect_forgery_caught(dir, twice, "CS-INV-8 has more than one warning listed");
  auto broken = j;
  broken["warnings"][0]["token"] = "hvsnap1.!";
  expect_forgery_caught(dir, broken, "warning 1 has a broken reproduction token");

  const fs::path none = fresh_dir("no-warning");
  ASSERT_TRUE(write_bundle(none, sample(false), info()).ok());
  auto plain = nlohmann::ordered_json::parse(read(none / "result.json"));
  EXPECT_FALSE(plain.contains("warnings"));
  EXPECT_FALSE(plain["counts"].contains("warnings"));

  auto shard = [](int k, const std::string& token) {
    RunInfo i = info();
    i.shard_index = k;
    i.shard_count = 2;
    const fs::path d = fresh_dir(fmt::format("warning-shard-{}", k));
    EXPECT_TRUE(write_bundle(d, warning_run(token), i).ok());
    auto loaded = load_bundle(d);
    EXPECT_TRUE(loaded.ok()) << loaded.status().to_string();
    return std::move(loaded).value();
  };
  auto merged = merge_shards({shard(0, "hvsnap1.eyJhIjoxfQ"), shard(1, "hvsnap1.eyJiIjoxfQ")});
  ASSERT_TRUE(merged.ok()) << merged.status().to_string();
  ASSERT_EQ(merged->result.warnings.size(), 1u);
  EXPECT_EQ(merged->result.warnings.front().token, "hvsnap1.eyJhIjoxfQ");
  EXPECT_TRUE(merged->result.certified) << merged->result.verdict;
}

// A warning stands for a requirement the run WARNs on (decision 0165): a MUST warned on in one
// case (a tolerated answer, e.g. CS-OUT-15's unknown property ignored) and failed in another is a
// failure, so its warning is dropped and the report verifies (before, verify refused the run's
// own report); a MUST that only warned keeps its example.
TEST(Bundle, AWarningOfARequirementThatFailedIsDropped) {
  RunResult r = warning_run("hvsnap1.eyJ3IjoxfQ");
  FailureRecord failed_must = r.warnings.front();
  failed_must.requirement = "CS-INV-3";  // sample(true) fails it
  FailureRecord warned_must = r.warnings.front();
  warned_must.requirement = "CS-OUT-15";
  RunResult both = sample(true);
  both.requirements = r.requirements;  // CS-INV-8 WARN
  for (auto& rr : both.requirements) {
    if (rr.id == "CS-INV-3") {
      rr.verdict = Verdict::kFail;
      rr.failed = 1;
      rr.warned = 1;
    }
    if (rr.id == "CS-OUT-15") {
      rr.verdict = Verdict::kWarn;
      rr.warned = 2;
    }
  }
  both.warnings = {r.warnings.front(), failed_must, warned_must};
  apply_verdict(both);
  ASSERT_EQ(both.warnings.size(), 2u);
  EXPECT_EQ(both.warnings[0].requirement, "CS-INV-8");
  EXPECT_EQ(both.warnings[1].requirement, "CS-OUT-15");
  const fs::path dir = fresh_dir("warning-of-a-failure");
  ASSERT_TRUE(write_bundle(dir, both, info()).ok());
  auto v = verify_bundle(dir);
  EXPECT_TRUE(v.ok()) << v.problems.front();
}

// Shards merged (decision 0162): their undecided items, each shard's in turn. A shard of an
// hvsnap before 0162 counts items it does not list: the merged run then counts them all and
// lists none, its junit.xml has one <error> for them, and it verifies (before, the list held
// only the other shard's items and verify refused the count).
TEST(Fleet, MergedShardsListTheirUndecidedItemsOrOnlyCountThem) {
  auto shard = [](int k, int counted, std::vector<UndecidedItem> items) {
    RunResult r = sample(false);
    r.counts.undecided = counted;
    r.undecided = std::move(items);
    apply_verdict(r);
    RunInfo i = info();
    i.shard_index = k;
    i.shard_count = 2;
    const fs::path dir = fresh_dir(fmt::format("shard-{}-{}", k, counted));
    EXPECT_TRUE(write_bundle(dir, r, i).ok());
    auto loaded = load_bundle(dir);
    EXPECT_TRUE(loaded.ok()) << loaded.status().to_string();
    return std::move(loaded).value();
  };
  const UndecidedItem a{"sequences", "sequence 1 of 4",
                        "undecided: no answer came back to the DestroySnapshot call: Unavailable",
                        "hvsnap1.eyJhIjoxfQ"};
  const UndecidedItem b{"parallel", "concurrent round 2 of 2",
                        "undecided: no answer came back to a concurrent CreateSnapshot call",
                        "hvsnap1.eyJiIjoxfQ"};
  auto both = merge_shards({shard(0, 1, {a}), shard(1, 1, {b})});
  ASSERT_TRUE(both.ok()) << both.status().to_string();
  EXPECT_EQ(both->result.counts.undecided, 2);
  ASSERT_EQ(both->result.undecided.size(), 2u);
  EXPECT_EQ(both->result.undecided[0].what, a.what);
  EXPECT_EQ(both->result.undecided[1].what, b.what);
  auto mixed = merge_shards({shard(0, 1, {a}), shard(1, 2, {})});
  ASSERT_TRUE(mixed.ok()) << mixed.status().to_string();
  EXPECT_EQ(mixed->result.counts.undecided, 3);
  EXPECT_TRUE(mixed->result.undecided.empty());
  const fs::path dir = fresh_dir("mixed-merged");
  ASSERT_TRUE(write_bundle(dir, mixed->result, mixed->info).ok());
  const auto v = verify_bundle(dir);
  EXPECT_TRUE(v.ok()) << v.problems.front();
  const std::string junit = read(dir / "junit.xml");
  EXPECT_NE(junit.find("3 more undecided"), std::string::npos) << junit;
  EXPECT_NE(junit.find("errors=\"1\""), std::string::npos);
  // Its one <error> taken out, the attributes left: caught.
  std::string no_error = junit;
  const auto at = no_error.find("<testcase classname=\"hvsnap.undecided\"");
  ASSERT_NE(at, std::string::npos) << junit;
  no_error.replace(at, no_error.find("</testcase>", at) + 11 - at, "");
  expect_caught(forge_file(dir, "junit.xml", no_error), "junit.xml shows 0 undecided item(s)");
}

// A fleet's junit.xml (what a sharded CI publishes) fails a target the wire left undecided
// with its <error>s, fleet.json counts them, and verify checks both (decision 0162).
TEST(Fleet, ItsJunitFailsATargetTheWireLeftUndecided) {
  const RunResult r = undecided_run(
      {"parallel", "concurrent round 1 of 1",
       "undecided: no answer came back to a concurrent CreateSnapshot call", "hvsnap1.eyJiIjoxfQ"});
  const fs::path run = fresh_dir("fleet-undecided-run");
  ASSERT_TRUE(write_bundle(run, r, info()).ok());
  auto f = build_fleet({run}, "0.1.0", "abc");
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  const fs::path dir = fresh_dir("fleet-undecided");
  ASSERT_TRUE(write_fleet(dir, *f).ok());
  const auto ok = verify_fleet(dir);
  EXPECT_TRUE(ok.ok()) << ok.problems.front();
  const auto j = nlohmann::json::parse(read(dir / "fleet.json"));
  EXPECT_EQ(j["targets"][0]["counts"]["undecided"], 1);
  const std::string junit = read(dir / "junit.xml");
  ASSERT_NE(junit.find("<error type=\"UNDECIDED\""), std::string::npos) << junit;
  EXPECT_NE(junit.find("errors=\"1\""), std::string::npos);
  EXPECT_NE(read(dir / "summary.md").find("0 (1 undecided)"), std::string::npos);
  std::string no_error = junit;
  const auto at = no_error.find("<testcase classname=\"hvsnap.fleet.01-sim.parallel\"");
  ASSERT_NE(at, std::string::npos) << junit;
  no_error.replace(at, no_error.find("</testcase>", at) + 11 - at, "");
  reseal(dir, "junit.xml", no_error);
  expect_caught(verify_fleet(dir), "junit.xml shows 0 undecided item(s) of 01-sim");
  // Its testsuite gone: caught too.
  std::string no_suite = junit;
  const auto suite = no_suite.find("<testsuite name=\"01-sim");
  ASSERT_NE(suite, std::string::npos);
  no_suite.replace(suite, no_suite.find("</testsuite>", suite) + 12 - suite, "");
  reseal(dir, "junit.xml", no_suite);
  expect_caught(verify_fleet(dir), "junit.xml has no testsuite for 01-sim");
  // A fleet made before decision 0162: fleet.json counts no undecided, junit.xml shows none.
  auto old = nlohmann::ordered_json::parse(read(dir / "fleet.json"));
  old["targets"][0]["counts"].erase("undecided");
  reseal(dir, "fleet.json", old.dump(2) + "\n");
  std::string old_junit = no_error;
  const auto attr = old_junit.find("errors=\"1\"", old_junit.find("<testsuite name=\"01-sim"));
  old_junit.replace(attr, 10, "errors=\"0\"");
  reseal(dir, "junit.xml", old_junit);
  const auto before = verify_fleet(dir);
  EXPECT_TRUE(before.ok()) << before.problems.front();
}

// A fleet counts a target's warnings beside its failures, and verify holds the count to the
// target's report (decision 0165).
TEST(Fleet, ItCountsATargetsWarnings) {
  const fs::path run = fresh_dir("fleet-warning-run");
  ASSERT_TRUE(write_bundle(run, warning_run("hvsnap1.eyJ3IjoxfQ"), info()).ok());
  auto f = build_fleet({run}, "0.1.0", "abc");
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  const fs::path dir = fresh_dir("fleet-warning");
  ASSERT_TRUE(write_fleet(dir, *f).ok());
  const auto ok = verify_fleet(dir);
  EXPECT_TRUE(ok.ok()) << ok.problems.front();
  auto j = nlohmann::ordered_json::parse(read(dir / "fleet.json"));
  EXPECT_EQ(j["targets"][0]["counts"]["warnings"], 1);
  EXPECT_NE(read(dir / "summary.md").find("0 (1 warning)"), std::string::npos);
  EXPECT_EQ(read(dir / "junit.xml").find("<failure"), std::string::npos);
  j["targets"][0]["counts"]["warnings"] = 0;
  reseal(dir, "fleet.json", j.dump(2) + "\n");
  expect_caught(verify_fleet(dir), "counts 0 warning(s) but its report lists 1");
}

// Past the first 50, junit.xml and the people's reports show one line for the rest;
// result.json lists them all. The command that runs an item again names the host it was lost
// on, unless that was the in-process fake, where replay runs anyway.
TEST(Bundle, ManyUndecidedItemsAreListedInFullOnlyInResultJson) {
  RunResult r = sample(false);
  r.target_uri = "wsman+https://admin@hv01.example.com:5986/wsman";
  for (int i = 0; i < 60; ++i) {
    r.undecided.push_back(
        {"matrix", fmt::format("C-READY/P-OFF/S-NULL/T-STANDARD/R-NULL, case {}", i + 1),
         "undecided: no answer came back to a read of the host", "hvsnap1.eyJ0IjoxfQ"});
  }
  r.counts.undecided = 60;
  apply_verdict(r);
  const fs::path dir = fresh_dir("many-undecided");
  ASSERT_TRUE(write_bundle(dir, r, info()).ok());
  const auto v = verify_bundle(dir);
  EXPECT_TRUE(v.ok()) << v.problems.front();
  const auto j = nlohmann::json::parse(read(dir / "result.json"));
  EXPECT_EQ(j["undecided"].size(), 60u);
  EXPECT_EQ(j["undecided"][0]["replay"],
            "hvsnap replay hvsnap1.eyJ0IjoxfQ --target "
            "wsman+https://admin@hv01.example.com:5986/wsman");
  const std::string junit = read(dir / "junit.xml");
  EXPECT_NE(junit.find("<testsuite name=\"undecided\" tests=\"51\" failures=\"0\" "
                       "errors=\"51\""),
            std::string::npos);
  EXPECT_NE(junit.find("10 more undecided"), std::string::npos);
  EXPECT_NE(read(dir / "summary.md").find("… and 10 more in result.json"), std::string::npos);
  EXPECT_NE(read(dir / "report.html").find("… and 10 more in result.json"), std::string::npos);
  RunResult fake = r;
  fake.target_uri = "sim:";
  EXPECT_EQ(nlohmann::json::parse(render_json(fake, info()))["undecided"][0]["replay"],
            "hvsnap replay hvsnap1.eyJ0IjoxfQ");
}

TEST(Html, NamesReturnCodesThroughTheOneCodeTable) {
  RunResult r = sample(false);
  r.return_codes = {{"6", 1}, {"32783", 1}};
  const std::string html = render_html(r, info());
  EXPECT_NE(html.find("(Invalid Type)"), std::string::npos);
  EXPECT_EQ(html.find("incompatible"), std::string::npos);
  EXPECT_NE(html.find("(Reboot required)"), std::string::npos);
}

TEST(Bundle, RefusesAnOutputPathItCannotCreate) {
  const fs::path dir = fresh_dir("file");
  fs::create_directories(dir);
  std::ofstream(dir / "plain-file") << "x";
  auto st = check_output_dir(dir / "plain-file" / "report");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("plain-file"), std::string::npos);
  auto st2 = check_output_dir(dir / "plain-file");
  ASSERT_FALSE(st2.ok());
  EXPECT_NE(st2.message().find("exists and is not a folder"), std::string::npos);
}

TEST(Normalize, WallTimeIsTheOnlyDifferenceBetweenTwoRuns) {
  const RunResult r = sample(true);
  const RunInfo a = info(1.5, "2026-11-24T10:00:00Z");
  RunInfo b = info(9.25, "2027-01-01T00:00:00Z");
  b.git_commit = "def+dirty";
  RunResult r2 = r;
  r2.failures[0].seconds_to_find = 4.5;
  EXPECT_NE(render_json(r, a), render_json(r2, b));
  EXPECT_EQ(normalize_for_comparison("result.json", render_json(r, a)),
            normalize_for_comparison("result.json", render_json(r2, b)));
  EXPECT_EQ(normalize_for_comparison("junit.xml", render_junit(r, a)),
            normalize_for_comparison("junit.xml", render_junit(r2, b)));
  EXPECT_EQ(normalize_for_comparison("summary.md", render_markdown(r, a)),
            normalize_for_comparison("summary.md", render_markdown(r2, b)));
  EXPECT_EQ(normalize_for_comparison("report.html", render_html(r, a)),
            normalize_for_comparison("report.html", render_html(r2, b)));
  // A real difference survives normalization.
  RunResult r3 = r;
  r3.requirements[0].passed = 99;
  EXPECT_NE(normalize_for_comparison("result.json", render_json(r, a)),
            normalize_for_comparison("result.json", render_json(r3, a)));
}

// --- the kill table of `hvsnap mutants` ---

KillRow killed_row(std::string name, double seconds) {
  KillRow r;
  r.name = std::move(name);
  r.family = "atomicity";
  r.breaks = "CS-INV-3";
  r.killed = true;
  r.killed_by = "CS-INV-3";
  r.title = "left a snapshot";
  r.seconds = seconds;
  r.steps = 1;
  return r;
}

KillTable table_of(std::vector<KillRow> rows) {
  KillTable t;
  t.tool_version = "0.1.0";
  t.git_commit = "abc";
  t.via = "sim";
  t.seed = 7;
  t.rows = std::move(rows);
  return t;
}

TEST(KillTable, StatsCountTheScoreAndTheDistributionOfKilledRowsOnly) {
  KillRow survivor = killed_row("s", 99);
  survivor.killed = false;
  survivor.killed_by.clear();
  KillRow broken = killed_row("e", 50);
  broken.killed = false;
  broken.error = "could not serve the mutant";
  const KillStats s =
      kill_stats(table_of({killed_row("a", 4), killed_row("b", 1), killed_row("c", 3),
                           killed_row("d", 2), survivor, broken}));
  EXPECT_EQ(s.total, 6);
  EXPECT_EQ(s.killed, 4);
  EXPECT_EQ(s.survived, 1);
  EXPECT_EQ(s.errors, 1);
  EXPECT_FALSE(s.all_killed());
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.median, 2.5);  // an even count: the mean of the two middle ones
  EXPECT_DOUBLE_EQ(s.p25, 1.75);
  EXPECT_DOUBLE_EQ(s.max, 4);
  EXPECT_TRUE(kill_stats(table_of({killed_row("a", 1)})).all_killed());
  EXPECT_FALSE(kill_stats(table_of({})).all_killed());  // nothing run is no score
}

TEST(KillTable, JunitFailsASurvivorAndErrsARunThatCouldNotBeMade) {
  KillRow survivor = killed_row("survivor", 0);
  survivor.killed = false;
  KillRow broken = killed_row("broken", 0);
  broken.killed = false;
  broken.error = "certify exited 2: <bad>";
  pugi::xml_document doc;
  const std::string xml =
      render_kill_junit(table_of({killed_row("caught", 0.5), survivor, broken}));
  ASSERT_TRUE(doc.load_string(xml.c_str())) << xml;
  auto suite = doc.child("testsuites").child("testsuite");
  EXPECT_EQ(suite.attribute("tests").as_int(), 3);
  EXPECT_EQ(suite.attribute("failures").as_int(), 1);
  EXPECT_EQ(suite.attribute("errors").as_int(), 1);
  auto caught = suite.find_child_by_attribute("testcase", "name", "caught");
  EXPECT_TRUE(caught.child("failure").empty());
  EXPECT_STREQ(caught.attribute("time").value(), "0.500");
  EXPECT_NE(std::string(caught.child_value("system-out")).find("killed by CS-INV-3"),
            std::string::npos);
  auto s = suite.find_child_by_attribute("testcase", "name", "survivor").child("failure");
  ASSERT_FALSE(s.empty());
  EXPECT_NE(std::string(s.attribute("message").value()).find("breaks CS-INV-3"), std::string::npos);
  EXPECT_STREQ(suite.find_child_by_attribute("testcase", "name", "broken")
                   .child("error")
                   .attribute("message")
                   .value(),
               "certify exited 2: <bad>");
  const std::string md = render_kill_markdown(table_of({killed_row("caught", 0.5), survivor}));
  EXPECT_NE(md.find("kill score 1/2 (50%)"), std::string::npos) << md;
  EXPECT_NE(md.find("**SURVIVED**"), std::string::npos);
}

// A table beside one real bundle per mutant: written, verified, and caught when a row lies.
TEST(KillTable, WritesVerifiesAndChecksEachRowAgainstItsReport) {
  const fs::path dir = fresh_dir("kills");
  ASSERT_TRUE(write_bundle(dir / "leaves-a-snapshot", sample(true), info()).ok());
  ASSERT_TRUE(write_bundle(dir / "harmless", sample(false), info()).ok());
  KillRow survivor = killed_row("harmless", 0);
  survivor.killed = false;
  survivor.killed_by.clear();
  KillTable t = table_of({killed_row("leaves-a-snapshot", 0.2), survivor});
  ASSERT_TRUE(write_kill_table(dir, t).ok());
  EXPECT_TRUE(is_kill_table(dir));
  EXPECT_FALSE(is_kill_table(dir / "harmless"));
  auto v = verify_kill_table(dir);
  EXPECT_TRUE(v.ok()) << (v.problems.empty() ? "" : v.problems.front());
  for (const auto& e : fs::directory_iterator(dir))
    EXPECT_EQ(e.path().filename().string().find(".partial"), std::string::npos);

  // A row that claims a kill its report does not show (the harmless mutant's report certified),
  // and a killing requirement the report never names.
  t.rows[1] = killed_row("harmless", 0);
  t.rows[0].killed_by = "CS-INV-9";
  ASSERT_TRUE(write_kill_table(dir, t).ok());
  v = verify_kill_table(dir);
  std::string all;
  for (const auto& p : v.problems)
    all += p + "\n";
  ASSERT_EQ(v.problems.size(), 3u) << all;
  EXPECT_NE(all.find("leaves-a-snapshot: killed by CS-INV-9, but its report has no failure of "
                     "CS-INV-9"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("harmless: the table says killed but its report is certified"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("harmless: killed by CS-INV-3, but its report has no failure of CS-INV-3"),
            std::string::npos)
      << all;

  // An edited table fails its manifest.
  std::ofstream(dir / "summary.md", std::ios::app) << "edited\n";
  v = verify_kill_table(dir);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.problems.front().find("summary.md does not match its SHA-256"), std::string::npos);
}

TEST(Sha256, KnownAnswers) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace hvsnap::reports
