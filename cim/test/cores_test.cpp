// usable_cores (decision 0151): the CPUs this thread may run on, not every CPU online.
#include "hvsnap/cim/cores.h"

#include <gtest/gtest.h>
#include <sched.h>

namespace hvsnap::cim {
namespace {

TEST(UsableCores, AreTheCpusOfTheAffinityMask) {
  cpu_set_t all;
  CPU_ZERO(&all);
  ASSERT_EQ(::sched_getaffinity(0, sizeof all, &all), 0);
  EXPECT_EQ(usable_cores(), static_cast<unsigned>(CPU_COUNT(&all)));
  // Pinned to one CPU (as `taskset -c N` or a one-CPU cpuset would), it counts one.
  int first = 0;
  while (first < CPU_SETSIZE && !CPU_ISSET(first, &all))
    ++first;
  ASSERT_LT(first, CPU_SETSIZE);
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  ASSERT_EQ(::sched_setaffinity(0, sizeof one, &one), 0);
  const unsigned pinned = usable_cores();
  ASSERT_EQ(::sched_setaffinity(0, sizeof all, &all), 0);
  EXPECT_EQ(pinned, 1U);
}

}  // namespace
}  // namespace hvsnap::cim
