// How a matrix case arranges its input (contract §2 classes): the sentinel, the VMs and groups
// of its C class, their states, and the Collection argument. Private to conformance/src:
// case_arrange.cpp arranges a case, case_runner.cpp runs and judges it (decision 0085).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "case_turns.h"
#include "hvsnap/conformance/case_runner.h"

namespace hvsnap::conformance {

struct Arranged {
  // A case watches the snapshot collections its scope reaches, not the whole host's
  // (decision 0091).
  explicit Arranged(const RunConfig& c) : cfg(&c) { scope.whole_host_collections = false; }
  const RunConfig* cfg;
  Findings setup_findings;               // the judged set-up CreateSnapshot calls
  int setup_retries = 0;                 // their repeats after a Timeout (TimeoutRetry)
  std::optional<cim::Value> collection;  // the Collection argument (nullopt: left out)
  model::Expectation expect;
  model::Scope scope;
  std::string sentinel_collection;
  std::map<std::string, std::uint16_t> checks_state;  // vm -> state set it must be in (before)
};

// Everything fails the same way: a reason that becomes NOT_TESTED (unless a failure judged
// before it stands, decision 0164).
struct Abort {
  std::string reason;
};

inline void must(const cim::Status& st) {
  if (!st.ok()) throw Abort{st.message()};
}
template <class T>
T must(cim::Result<T> r) {
  if (!r.ok()) throw Abort{r.status().message()};
  return std::move(r).value();
}

// A set-up call broke the contract: the case fails with these findings (not NOT_TESTED).
struct SetupBroke {
  Findings findings;
};

// Arranges `c` on the target (every object it makes goes to the returned scope); throws Abort
// (the case is NOT_TESTED) or SetupBroke (a judged set-up call broke the contract). Members
// left in transition for the call are set moving only once `turn` has the host to itself
// (decision 0153): a wait for another case's cleanup must not let their transitions end.
Arranged arrange(Client& cl, const Case& c, const RunConfig& cfg, CaseTurns::Turn& turn);

}  // namespace hvsnap::conformance
