// Every legal variant of the fake (contract §3.4 personalities, the real-host ones of decision
// 0011 included; §6 fault plans), and the certification each must pass: `Legal/Personalities.*`
// in process (conformance_sim_test.cpp) and `Legal/PersonalitiesOverTheWire.*` over WS-Man
// (personalities_wire_test.cpp) share this list, so that a variant added here is certified both
// ways (decision 0064).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hvsnap/conformance/catalogue.h"
#include "hvsnap/conformance/runner.h"
#include "hvsnap/tools/targets.h"

namespace hvsnap::testing_support {

struct LegalHost {
  const char* personality;  // "" = the fixture's
  const char* faults;       // "none" or a fault plan
};

inline void PrintTo(const LegalHost& h, std::ostream* os) {
  *os << (*h.personality != '\0' ? h.personality : "") << (*h.personality != '\0' ? " " : "")
      << "faults=" << h.faults;
}

inline std::vector<LegalHost> legal_hosts() {
  std::vector<LegalHost> out;
  for (const char* p :
       {"codes=dmtf", "completion=synchronous", "completion=mixed", "first-job-state=new",
        "first-job-state=query-pending", "result-visibility=after-polls:5",
        "job-progress=after-reads:2", "job-progress=manual", "refuse-collection-snapshots=off",
        "validation=in-job", "vendor-snapshot-types=accept", "destroy-snapshot=remove-dependents",
        "associators=duplicates", "job-control-codes=dmtf", "job-success-error-code=4096"})
    out.push_back({p, "none"});
  for (const char* f : {"sync-failed", "sync-timeout", "job-exception-at-member", "job-stall",
                        "result-lag", "job-early-removal", "job-suspend", "all"})
    out.push_back({"", f});
  return out;
}

inline std::string legal_host_name(const ::testing::TestParamInfo<LegalHost>& p) {
  std::string n =
      *p.param.personality != '\0' ? p.param.personality : std::string("faults_") + p.param.faults;
  for (char& c : n) {
    if (c == '=' || c == '-' || c == ':') c = '_';
  }
  return n;
}

inline tools::TargetOptions legal_target(const LegalHost& h, std::uint64_t seed) {
  tools::TargetOptions t;
  t.seed = seed;
  t.faults = h.faults;
  if (*h.personality != '\0') {
    auto p = tools::parse_personality(h.personality);
    EXPECT_TRUE(p.ok()) << p.status().to_string();
    if (p.ok()) t.personality = *p;
  }
  return t;
}

// The smallest run that can certify (decision 0064): the full profile with every phase, few
// sequences and concurrent rounds, the settings sweep left to the default-host runs. Under a
// fault plan fewer calls succeed, so fewer sequences reach a member's checkpoint limit (CS-SEQ-5
// needs one): 10 sequences left it untested under four plans, 25 reach it.
inline conformance::RunOptions certification_options(const LegalHost& host,
                                                     conformance::Coverage coverage,
                                                     std::uint64_t seed) {
  conformance::RunOptions o;
  o.seed = seed;
  o.profile = conformance::Profile::kFull;
  o.coverage = coverage;
  o.settings_sweep = false;
  o.sequences = std::string(host.faults) == "none" ? 10 : 25;
  o.max_steps = 20;
  o.parallel_rounds = 2;
  o.liveness_cases = 10;
  return o;
}

// CERTIFIED, and why not when not: every MUST failure and every MUST left untested.
inline void expect_certified(const conformance::RunResult& r, const std::string& what) {
  using namespace conformance;
  for (const auto& f : r.failures) {  // a SHOULD's is a warning, never here (decision 0165)
    ADD_FAILURE() << what << ": " << f.property << " broke " << f.requirement << ": " << f.title
                  << "\n"
                  << f.counterexample << "\nreplay: hvsnap replay " << f.token;
  }
  for (const auto& rr : r.requirements) {
    EXPECT_NE(rr.verdict, Verdict::kFail)
        << what << ": " << rr.id << ": " << (rr.evidence.empty() ? "" : rr.evidence.front());
    if (rr.level == Level::kMust) {
      EXPECT_NE(rr.verdict, Verdict::kNotTested) << what << ": " << rr.id << ": " << rr.reason;
    }
  }
  EXPECT_TRUE(r.certified) << what << " is " << r.verdict << ": "
                           << (r.verdict_reasons.empty() ? "" : r.verdict_reasons.front());
}

}  // namespace hvsnap::testing_support
