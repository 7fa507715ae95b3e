// Test folders under the system's temporary directory, named with the process id so that two
// test runs at once (two build trees; CI beside a developer) never share one. A test program
// registers `RemoveTempDirsOnSuccess` once: its process's folders are removed when every test it
// ran passed, and kept, to be read, when one failed.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <system_error>

#include <unistd.h>

namespace hvsnap::cim::testing {

// <temp>/<prefix>-<pid>-<name>; neither created nor emptied.
inline std::filesystem::path temp_path(const std::string& prefix, const std::string& name) {
  return std::filesystem::temp_directory_path() /
         (prefix + "-" + std::to_string(::getpid()) + "-" + name);
}

class RemoveTempDirsOnSuccess : public ::testing::Environment {
 public:
  explicit RemoveTempDirsOnSuccess(const std::string& prefix)
      : start_(prefix + "-" + std::to_string(::getpid()) + "-") {}

  void TearDown() override {
    if (!::testing::UnitTest::GetInstance()->Passed()) return;
    namespace fs = std::filesystem;
    std::error_code ec;  // a clean-up that cannot list or remove leaves the folders, no more
    const fs::path temp = fs::temp_directory_path(ec);
    if (ec) return;
    for (fs::directory_iterator it(temp, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().filename().string().rfind(start_, 0) == 0) {
        std::error_code ignored;
        fs::remove_all(it->path(), ignored);
      }
    }
  }

 private:
  std::string start_;
};

}  // namespace hvsnap::cim::testing
