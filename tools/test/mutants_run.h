// What the catalogue tests share (mutants_test.cpp in process, mutants_wire_test.cpp over
// WS-Man): the one run every entry gets — the run `hvsnap mutants` makes — and the two
// judgements, "killed by the requirement it breaks" and "certified".
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "hvsnap/conformance/catalogue.h"
#include "hvsnap/conformance/runner.h"
#include "hvsnap/tools/mutants.h"
#include "hvsnap/tools/served.h"
#include "hvsnap/tools/targets.h"
#include "hvsnap/wsman/server.h"

namespace hvsnap {
namespace testing_support {

// The entries of one layer and one expected outcome, in catalogue order.
inline std::vector<tools::mutants::MutantInfo> entries(tools::mutants::Layer layer,
                                                       tools::mutants::Expect expect) {
  std::vector<tools::mutants::MutantInfo> out;
  for (const auto& m : tools::mutants::catalogue()) {
    if (m.layer == layer && m.expect == expect) out.push_back(m);
  }
  return out;
}

inline std::string param_name(const ::testing::TestParamInfo<tools::mutants::MutantInfo>& p) {
  std::string n(p.param.name);
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}

// `sim_uri` served over WS-Man on a free loopback port for as long as this lives; `uri()` is
// the wsman+http:// target that reaches it. One client at a time: the clock follows the calls
// (decision 0031), as in process, so a run takes no wall time waiting for simulated time.
class Served {
 public:
  explicit Served(const std::string& sim_uri, tools::TargetOptions options = {}) {
    auto fake = tools::ServedFake::create(sim_uri, std::move(options), tools::ServedClock::kCalls);
    EXPECT_TRUE(fake.ok()) << fake.status().to_string();
    if (!fake.ok()) return;
    wsman::ServerOptions so;
    so.port = 0;
    auto server = wsman::Server::start(tools::serve_dispatcher(*fake, true), so);
    EXPECT_TRUE(server.ok()) << server.status().to_string();
    if (server.ok()) server_ = std::move(server).value();
  }
  ~Served() {
    if (server_) server_->stop();
  }
  std::string uri() const { return server_ ? "wsman+" + server_->endpoint() : std::string(); }

 private:
  std::unique_ptr<wsman::Server> server_;
};

}  // namespace testing_support

// The run `hvsnap mutants` makes: full profile, pairwise matrix, 30 sequences, 3 concurrent
// rounds, seed 20261124.
inline conformance::RunResult run_against(const std::string& uri, bool stop_at_first_failure) {
  tools::TargetOptions t;
  t.seed = 20261124;
  auto spec = tools::make_target(uri, t);
  EXPECT_TRUE(spec.ok()) << spec.status().to_string();
  if (!spec.ok()) return {};
  conformance::RunOptions o;
  o.seed = t.seed;
  o.profile = conformance::Profile::kFull;
  o.coverage = conformance::Coverage::kPairwise;
  o.sequences = 30;
  o.parallel_rounds = 3;
  o.stop_at_first_failure = stop_at_first_failure;
  return conformance::run_suite(spec->factory, {spec->uri, spec->identity, spec->caps},
                                std::move(o));
}

inline const conformance::FailureRecord* failure_of(const conformance::RunResult& r,
                                                    std::string_view requirement) {
  auto it = std::find_if(
      r.failures.begin(), r.failures.end(),
      [&](const conformance::FailureRecord& f) { return f.requirement == requirement; });
  return it == r.failures.end() ? nullptr : &*it;
}

// Killed: a run that stops at its first failure fails, and the suite names the requirement the
// mutant breaks. A defect may show first under a neighbouring row (rejecting valid WMI-DTD
// settings with 4 also breaks C-TRANSITIONAL's row, which wants 5): then the whole run must
// still name it (decision 0010).
inline void expect_killed(const tools::mutants::MutantInfo& m, const std::string& uri) {
  using namespace conformance;
  const RunResult first = run_against(uri, true);
  EXPECT_FALSE(first.certified) << m.name << " survived";
  ASSERT_FALSE(first.failures.empty())
      << m.name << " survived (verdict " << first.verdict << ": "
      << (first.verdict_reasons.empty() ? "" : first.verdict_reasons.front()) << ")";
  RunResult full;
  const FailureRecord* hit = failure_of(first, m.requirement);
  if (hit == nullptr) {
    std::cout << "NOTE: " << m.name << " (breaks " << m.requirement << ") was first caught by "
              << first.failures.front().requirement << "; running the whole suite\n";
    full = run_against(uri, false);
    hit = failure_of(full, m.requirement);
  }
  ASSERT_NE(hit, nullptr) << m.name << ": no failure names " << m.requirement;
  std::cout << "mutant " << m.name << " -> " << hit->requirement << " (" << hit->property
            << "): " << hit->title << "\n"
            << hit->counterexample << "\n";
  EXPECT_FALSE(hit->counterexample.empty());
  EXPECT_LE(hit->steps, 25) << "the counterexample should be short after shrinking";
  EXPECT_FALSE(hit->token.empty());
  const RunResult& r = full.failures.empty() ? first : full;
  const auto rr =
      std::find_if(r.requirements.begin(), r.requirements.end(),
                   [&](const RequirementResult& x) { return x.id == hit->requirement; });
  ASSERT_NE(rr, r.requirements.end());
  // FAIL on a MUST; a SHOULD item that fails is a WARN (and something else stopped certification).
  EXPECT_TRUE(rr->verdict == Verdict::kFail || rr->verdict == Verdict::kWarn);
}

// Certified: the whole run passes (a SHOULD it bends may warn: a warning, not a failure). An
// entry that bends a SHOULD must be seen doing it: that requirement is WARN, not PASS, with its
// example among the run's warnings. The run is returned for what a test checks beyond that.
inline conformance::RunResult expect_certified(const tools::mutants::MutantInfo& m,
                                               const std::string& uri) {
  using namespace conformance;
  RunResult r = run_against(uri, false);
  for (const auto& f : r.failures) {  // a SHOULD's is a warning, never here (decision 0165)
    ADD_FAILURE() << m.name << ": " << f.property << " broke " << f.requirement << ": " << f.title
                  << "\n"
                  << f.counterexample;
  }
  for (const auto& rr : r.requirements) {
    if (rr.level == Level::kMust && rr.verdict == Verdict::kNotTested) {
      ADD_FAILURE() << m.name << ": " << rr.id << " is NOT_TESTED: " << rr.reason;
    }
  }
  EXPECT_TRUE(r.certified) << m.name << " (bends " << m.requirement << ") is " << r.verdict << ": "
                           << (r.verdict_reasons.empty() ? "" : r.verdict_reasons.front());
  const Requirement* bent = find_requirement(m.requirement);
  if (bent != nullptr && bent->level == Level::kShould) {
    const auto rr = std::find_if(r.requirements.begin(), r.requirements.end(),
                                 [&](const RequirementResult& x) { return x.id == m.requirement; });
    EXPECT_TRUE(rr != r.requirements.end() && rr->verdict == Verdict::kWarn)
        << m.name << " bends the SHOULD " << m.requirement << " but the run did not WARN on it";
    EXPECT_TRUE(std::any_of(r.warnings.begin(), r.warnings.end(),
                            [&](const FailureRecord& w) { return w.requirement == m.requirement; }))
        << m.name << " bends the SHOULD " << m.requirement << " but no warning shows it";
  }
  if (m.name == "timeout-now-and-then") {
    // Its Timeouts were met and repeated (decision 0062), not dodged.
    EXPECT_GT(r.counts.transient_retries, 0) << m.name << ": no call was repeated";
  }
  return r;
}

}  // namespace hvsnap
