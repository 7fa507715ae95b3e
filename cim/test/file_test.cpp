// read_regular_file and read_file_bytes: the exact bytes of a file of any size, the spare
// capacity asked for, and the size limit's error (decision 0117 reads into a buffer of the
// file's size; 0145 leaves the bytes there).
#include "hvsnap/cim/file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace hvsnap::cim {
namespace {

namespace fs = std::filesystem;

fs::path write_file(const std::string& name, const std::string& bytes) {
  const fs::path p = fs::temp_directory_path() / (name + "." + std::to_string(::getpid()));
  std::ofstream(p, std::ios::binary) << bytes;
  return p;
}

// `size` bytes of every value, in no simple period.
std::string patterned(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i)
    bytes[i] = static_cast<char>((i * 131 + i / 7) & 0xFF);
  return bytes;
}

TEST(ReadRegularFile, ReturnsTheExactBytesWithTheSpareAskedFor) {
  for (const std::size_t size :
       {std::size_t{0}, std::size_t{1}, std::size_t{65'537}, std::size_t{3'000'001}}) {
    const std::string bytes = patterned(size);
    const fs::path p = write_file("hvsnap-file-test", bytes);
    for (const std::size_t spare : {std::size_t{0}, std::size_t{64}}) {
      auto got = read_regular_file(p.string(), std::size_t{4} * 1024 * 1024, "the fixture", spare);
      ASSERT_TRUE(got.ok()) << got.status().to_string();
      EXPECT_EQ(*got, bytes) << size;
      EXPECT_GE(got->capacity(), got->size() + spare) << size;
    }
    fs::remove(p);
  }
}

// read_file_bytes: the same bytes, read into their buffer once, with `spare` zero bytes after
// them; sizes on both sides of the size from which the buffer is a mapping (1 MiB), and one
// whose pages a second thread makes as the reads fill it (4 MiB and more, decision 0150).
TEST(ReadRegularFile, FileBytesAreTheExactBytesWithZeroSpareAfterThem) {
  for (const std::size_t size :
       {std::size_t{0}, std::size_t{4'095}, std::size_t{1'048'511}, std::size_t{1'048'576},
        std::size_t{3'000'001}, std::size_t{9'000'001}}) {
    const std::string bytes = patterned(size);
    const fs::path p = write_file("hvsnap-file-bytes", bytes);
    for (const std::size_t spare : {std::size_t{0}, std::size_t{64}}) {
      auto got = read_file_bytes(p.string(), std::size_t{16} * 1024 * 1024, "the fixture", spare);
      ASSERT_TRUE(got.ok()) << got.status().to_string();
      EXPECT_EQ(got->view(), bytes) << size;
      ASSERT_EQ(got->spare(), spare) << size;
      const char* end = got->view().data() + got->view().size();
      EXPECT_EQ(std::string(end, spare), std::string(spare, '\0')) << size;
      FileBytes moved = std::move(*got);  // the buffer goes with it, unchanged
      EXPECT_EQ(moved.view(), bytes) << size;
    }
    fs::remove(p);
  }
  if (!fs::is_regular_file("/proc/self/maps")) return;  // as the growing test below
  auto over = read_file_bytes("/proc/self/maps", 16, "the fixture", 64);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().message(),
            "the fixture '/proc/self/maps' grew past 16 bytes while being read");
  auto grown = read_file_bytes("/proc/self/maps", std::size_t{1} << 20, "the fixture", 64);
  ASSERT_TRUE(grown.ok()) << grown.status().to_string();
  EXPECT_NE(grown->view().find('\n'), std::string_view::npos);
  EXPECT_EQ(grown->spare(), 64U);
}

TEST(ReadRegularFile, RefusesAFileOverTheLimitAndNamesIt) {
  const fs::path p = write_file("hvsnap-file-big", std::string(2049, 'x'));
  auto got = read_regular_file(p.string(), 2048, "the fixture");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message(),
            "the fixture '" + p.string() + "' is 2049 bytes; at most 2 KiB is read");
  auto exact = read_regular_file(p.string(), 2049, "the fixture");
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->size(), 2049U);
  fs::remove(p);
}

// A regular file whose size says nothing (0, as /proc's files report) is read by growing the
// buffer, and one that turns out larger than the limit is refused while being read.
TEST(ReadRegularFile, AFileLargerThanItsSizeSaysIsReadByGrowingAndStillLimited) {
  const std::string path = "/proc/self/maps";  // regular, st_size 0, a few KB of text
  if (!fs::is_regular_file(path)) GTEST_SKIP() << path << " is not a regular file here";
  auto got = read_regular_file(path, std::size_t{1} << 20, "the fixture");
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  EXPECT_GT(got->size(), 16U);
  EXPECT_NE(got->find('\n'), std::string::npos);
  auto limited = read_regular_file(path, 16, "the fixture");
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.status().message(),
            "the fixture '" + path + "' grew past 16 bytes while being read");
}

}  // namespace
}  // namespace hvsnap::cim
