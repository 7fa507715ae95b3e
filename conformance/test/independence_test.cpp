// The oracle is independent (issue 3): nothing under conformance/ includes the fake or the
// fixture loader, and the conformance library links neither. This test fails if that changes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace {

namespace fs = std::filesystem;

TEST(Independence, ConformanceSourcesNeverIncludeTheFake) {
  const std::regex forbidden(R"(#\s*include\s*[<"](hvsnap/(sim|fixtures|tools)/|sim/|fixtures/))");
  int files = 0;
  for (const auto& e :
       fs::recursive_directory_iterator(fs::path(HVSNAP_SOURCE_DIR) / "conformance")) {
    const auto ext = e.path().extension();
    if (ext != ".cpp" && ext != ".h" && ext != ".in") continue;
    ++files;
    std::ifstream in(e.path());
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      EXPECT_FALSE(std::regex_search(line, forbidden)) << e.path() << ":" << n << ": " << line;
    }
  }
  EXPECT_GT(files, 20);
}

TEST(Independence, ConformanceLibraryLinksNeitherSimNorFixtures) {
  std::ifstream in(HVSNAP_CONFORMANCE_LINKS);
  ASSERT_TRUE(in) << "missing " << HVSNAP_CONFORMANCE_LINKS;
  std::stringstream s;
  s << in.rdbuf();
  const std::string links = s.str();
  EXPECT_FALSE(links.empty());
  for (const char* bad :
       {"hvsnap::sim", "hvsnap_sim", "hvsnap::fixtures", "hvsnap_fixtures", "hvsnap::targets"}) {
    EXPECT_EQ(links.find(bad), std::string::npos) << "conformance links " << bad << ": " << links;
  }
  EXPECT_NE(links.find("hvsnap::cim"), std::string::npos) << links;
}

}  // namespace
