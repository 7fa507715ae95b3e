// How many cores this process may run on (decision 0151): the CPUs of its affinity mask (what
// `taskset`, a container's cpuset or a CI runner's pinning leave it, as nproc counts them), not
// every CPU the machine has online (std::thread::hardware_concurrency). At least 1.
#pragma once

namespace hvsnap::cim {

unsigned usable_cores();

}  // namespace hvsnap::cim
