// PagesAhead (pages_ahead.h, decision 0150).
#include "hvsnap/cim/pages_ahead.h"
#include "hvsnap/cim/cores.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>

namespace hvsnap::cim {

bool PagesAhead::would_start(std::size_t bytes) {
#ifdef MADV_POPULATE_WRITE
  // madvise(2): a call of length 0 succeeds exactly when the kernel knows the advice.
  static const bool kKernelKnows = ::madvise(nullptr, 0, MADV_POPULATE_WRITE) == 0;
  return bytes >= kMinBytes && usable_cores() > 1 && kKernelKnows;
#else
  (void)bytes;
  return false;
#endif
}

PagesAhead::PagesAhead(void* p, std::size_t bytes) {
#ifdef MADV_POPULATE_WRITE
  if (!would_start(bytes)) return;
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  // Only whole pages inside the range: a page it shares with other memory is left to its
  // writers.
  const std::uintptr_t from = (reinterpret_cast<std::uintptr_t>(p) + page - 1) / page * page;
  const std::uintptr_t to = (reinterpret_cast<std::uintptr_t>(p) + bytes) / page * page;
  if (from >= to) return;
  try {
    thread_ = std::jthread([from, to](const std::stop_token& stop) {
      constexpr std::uintptr_t kStep = std::uintptr_t{1} << 20;
      for (std::uintptr_t at = from; at < to && !stop.stop_requested(); at += kStep) {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): an address the caller's buffer holds
        void* const start = reinterpret_cast<void*>(at);
        if (::madvise(start, std::min(kStep, to - at), MADV_POPULATE_WRITE) != 0) return;
      }
    });
  } catch (...) {  // no thread to be had (std::system_error, std::bad_alloc): the writer faults
  }
#else
  (void)p;
  (void)bytes;
#endif
}

}  // namespace hvsnap::cim
