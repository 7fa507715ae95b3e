// read_regular_file: the exact bytes of a file of any size, the spare capacity asked for, and
// the size limit's error (decision 0117 reads into a buffer of the file's size).
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

TEST(ReadRegularFile, ReturnsTheExactBytesWithTheSpareAskedFor) {
  for (const std::size_t size :
       {std::size_t{0}, std::size_t{1}, std::size_t{65'537}, std::size_t{3'000'001}}) {
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < size; ++i)
      bytes[i] = static_cast<char>((i * 131 + i / 7) & 0xFF);
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

}  // namespace
}  // namespace hvsnap::cim
