// usable_cores (cores.h, decision 0151).
#include "hvsnap/cim/cores.h"

#include <sched.h>

#include <algorithm>
#include <thread>

namespace hvsnap::cim {

unsigned usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return static_cast<unsigned>(n);
  }
  // A mask larger than cpu_set_t (over 1,024 CPUs), or no answer: every online CPU.
  return std::max(1U, std::thread::hardware_concurrency());
}

}  // namespace hvsnap::cim
