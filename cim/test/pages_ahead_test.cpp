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

unsigned char pattern(std::size_t i, unsigned round) {
  return static_cast<unsigned char>((i * 131 + i / 4099 + round) & 0xFF);
}

// Written while it runs (from the end, so that the two meet), and written before it starts:
// the bytes are the writer's.
TEST(PagesAhead, NeverChangesWhatTheWriterWrites) {
  constexpr std::size_t kBytes = std::size_t{64} << 20;
  if (!PagesAhead::would_start(kBytes)) GTEST_SKIP() << "no thread starts here";
  for (unsigned round = 0; round < 4; ++round) {
    const Mapping m(kBytes);
    ASSERT_NE(m.data(), nullptr);
    {
      const PagesAhead ahead(m.data(), m.size());
      ASSERT_TRUE(ahead.started());
      for (std::size_t i = m.size(); i-- > 0;)
        m.data()[i] = pattern(i, round);
    }
    for (std::size_t i = 0; i < m.size(); ++i)
      ASSERT_EQ(m.data()[i], pattern(i, round)) << "round " << round << ", byte " << i;
  }
  const Mapping m(kBytes);
  ASSERT_NE(m.data(), nullptr);
  for (std::size_t i = 0; i < m.size(); ++i)
    m.data()[i] = pattern(i, 0);
  {
    const PagesAhead ahead(m.data(), m.size());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // time to go over all of it
  }
  for (std::size_t i = 0; i < m.size(); ++i)
    ASSERT_EQ(m.data()[i], pattern(i, 0)) << "written before it started, byte " << i;
}

TEST(PagesAhead, MakesEveryPageOfTheBufferPresent) {
  const Mapping m(std::size_t{16} << 20);
  if (!PagesAhead::would_start(m.size())) GTEST_SKIP() << "no thread starts here";
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
  // 1 GiB, reserved but not backed unless it goes on to the end (it must not).
  const Mapping m(std::size_t{1} << 30, MAP_NORESERVE);
  if (!PagesAhead::would_start(m.size())) GTEST_SKIP() << "no thread starts here";
  if (m.data() == nullptr) GTEST_SKIP() << "no room for a 1 GiB reservation here";
  {
    const PagesAhead ahead(m.data(), m.size());
    EXPECT_TRUE(ahead.started());
  }
  const std::size_t after = m.present();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(m.present(), after) << "pages still made after it went";
  EXPECT_LT(after, m.pages());
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
