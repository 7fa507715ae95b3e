// Making a fresh buffer's pages present on the second core while this one fills it (decision
// 0150). A page's first write costs a fault (about 1.5 us on the machine measured, more than the
// work of filling it); a thread that asks the kernel for the pages ahead of the writer takes
// most of those faults off the writer's thread.
#pragma once

#include <cstddef>
#include <thread>

namespace hvsnap::cim {

class PagesAhead {
 public:
  // Below this (about a thousand pages) no thread is started: not measured smaller.
  static constexpr std::size_t kMinBytes = std::size_t{4} << 20;

  // Whether the constructor would start a thread for `bytes`: at least kMinBytes, two cores
  // or more, and a kernel that makes pages present on request (Linux 5.14 and later).
  static bool would_start(std::size_t bytes);

  PagesAhead() = default;
  // Starts making the pages of [p, p + bytes) present, in order from p, on a thread of its own
  // (Linux's MADV_POPULATE_WRITE, a megabyte at a time). It never reads or writes the memory:
  // this thread may fill it meanwhile, and the two only decide which of them takes a page's
  // fault. Nothing starts unless would_start(bytes), or when no thread can be had; the thread
  // stops at the first call the kernel refuses (memory that cannot be made present).
  PagesAhead(void* p, std::size_t bytes);
  // Stops the thread (after the megabyte it is at) and joins it: the memory must stay mapped
  // until then. The pages it did not reach are left to the writer.
  ~PagesAhead() = default;
  PagesAhead(PagesAhead&&) noexcept = default;
  // Stops and joins this one's thread first.
  PagesAhead& operator=(PagesAhead&&) noexcept = default;

  // Whether a thread started (the caller may then skip its own way of making the pages).
  bool started() const { return thread_.joinable(); }

 private:
  std::jthread thread_;
};

}  // namespace hvsnap::cim
