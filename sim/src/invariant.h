// HVSNAP_ASSERT: the fake's pre- and postconditions (docs/architecture.md rule 4: assertions for
// programmer errors stay on in every build of sim/). A broken invariant is a bug in the fake, never
// an answer to a client: it prints the condition and where it failed, then aborts.
#pragma once

#include <cstdio>
#include <cstdlib>

#define HVSNAP_ASSERT(cond)                                                  \
  do {                                                                       \
    if (!(cond)) ::hvsnap::sim::assertion_failed(#cond, __FILE__, __LINE__); \
  } while (false)

namespace hvsnap::sim {

[[noreturn]] inline void assertion_failed(const char* cond, const char* file, int line) {
  std::fprintf(stderr, "hvsnap: fake host invariant broken: %s (%s:%d)\n", cond, file, line);
  std::abort();
}

}  // namespace hvsnap::sim
