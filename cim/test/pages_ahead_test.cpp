// PagesAhead (decision 0150): it makes a buffer's pages present on a thread of its own, never
// changes what the writer on this thread writes meanwhile, stops when it goes, and starts
// nothing for a small buffer.
#include "hvsnap/cim/pages_ahead.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <vector>

namespace hvsnap::cim {
namespace {

// A fresh anonymous mapping (no page present yet), unmapped when it goes.
class Mapping {
 public:
  explicit Mapping(std::size_t bytes, int extra_flags = 0) : bytes_(bytes) {
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | extra_flags, -1, 0);
    data_ = p == MAP_FAILED ? nullptr : static_cast<unsigned char*>(p);
  }
  ~Mapping() {
    if (data_ != nullptr) ::munmap(data_, bytes_);
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  unsigned char* data() const { return data_; }
  std::size_t size() const { return bytes_; }

  // How many of its pages are present.
  std::size_t present() const {
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    std::vector<unsigned char> in((bytes_ + page - 1) / page);
    if (::mincore(data_, bytes_, in.data()) != 0) return 0;
    std::size_t n = 0;
    for (const unsigned char c : in)
      n += c & 1U;
    return n;
  }
  std::size_t pages() const {
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    return (bytes_ + page - 1) / page;
  }

 private:
  std::size_t bytes_;
  unsigned char* data_;
};

// Whether this kernel makes pages present on request (Linux 5.14 and later).
bool kernel_populates() {
#ifdef MADV_POPULATE_WRITE
  const Mapping one(static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)));
  return one.data() != nullptr && ::madvise(one.data(), one.size(), MADV_POPULATE_WRITE) == 0;
#else
  return false;
#endif
}

unsigned char pattern(std::size_t i) {
  return static_cast<unsigned char>((i * 131 + i / 4099) & 0xFF);
}

// Written while it runs, and written before it starts: the bytes are the writer's.
TEST(PagesAhead, NeverChangesWhatTheWriterWrites) {
  const Mapping m(std::size_t{64} << 20);
  ASSERT_NE(m.data(), nullptr);
  {
    const PagesAhead ahead(m.data(), m.size());
    for (std::size_t i = 0; i < m.size(); ++i)
      m.data()[i] = pattern(i);
  }
  {
    const PagesAhead ahead(m.data(), m.size());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // time to go over all of it
  }
  for (std::size_t i = 0; i < m.size(); ++i)
    ASSERT_EQ(m.data()[i], pattern(i)) << i;
}

TEST(PagesAhead, MakesEveryPageOfTheBufferPresent) {
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "one core: no thread starts";
  if (!kernel_populates()) GTEST_SKIP() << "this kernel has no MADV_POPULATE_WRITE";
  const Mapping m(std::size_t{16} << 20);
  ASSERT_NE(m.data(), nullptr);
  ASSERT_EQ(m.present(), 0U);
  const PagesAhead ahead(m.data(), m.size());
  ASSERT_TRUE(ahead.started());
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (m.present() < m.pages() && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(m.present(), m.pages());
}

TEST(PagesAhead, StopsWhenItGoes) {
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "one core: no thread starts";
  // 1 GiB, reserved but not backed unless it goes on to the end (it must not).
  const Mapping m(std::size_t{1} << 30, MAP_NORESERVE);
  ASSERT_NE(m.data(), nullptr);
  {
    const PagesAhead ahead(m.data(), m.size());
    EXPECT_TRUE(ahead.started());
  }
  const std::size_t after = m.present();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(m.present(), after) << "pages still made after it went";
  EXPECT_LT(after, m.pages() / 4);
}

TEST(PagesAhead, StartsNothingForASmallBuffer) {
  const Mapping m(PagesAhead::kMinBytes - 1);
  ASSERT_NE(m.data(), nullptr);
  const PagesAhead ahead(m.data(), m.size());
  EXPECT_FALSE(ahead.started());
  const PagesAhead none;
  EXPECT_FALSE(none.started());
}

}  // namespace
}  // namespace hvsnap::cim
