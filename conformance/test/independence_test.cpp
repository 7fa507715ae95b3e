// The oracle is independent (docs/architecture.md, rule 1): nothing under conformance/ includes the
// fake or the fixture loader, and the conformance library links neither. This test fails if that
// changes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

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

// docs/architecture.md, rule 2: a library folder includes only the layers below it. Tests may
// also use what they test against; tools/ and bench/ wire everything together.
TEST(House, EveryLibraryIncludesOnlyTheLayersBelowIt) {
  const std::map<std::string, std::set<std::string>> allowed{
      {"cim", {"cim"}},
      {"sim", {"cim", "sim"}},
      {"fixtures", {"cim", "sim", "fixtures"}},
      {"conformance", {"cim", "conformance"}},
      {"reports", {"cim", "conformance", "reports"}},
      {"wsman", {"cim", "wsman"}},
  };
  // reports/ renders a RunResult: of conformance/ it sees only the result library's headers.
  const std::set<std::string> result_headers{"run_result.h", "findings.h", "classes.h", "target.h",
                                             "token.h"};
  const std::regex include(R"re(#\s*include\s*"hvsnap/([a-z_]+)/([^"]+)")re");
  int checked = 0;
  for (const auto& [folder, ok] : allowed) {
    for (const auto& e : fs::recursive_directory_iterator(fs::path(HVSNAP_SOURCE_DIR) / folder)) {
      const std::string rel = e.path().lexically_relative(HVSNAP_SOURCE_DIR).string();
      const auto ext = e.path().extension();
      if ((ext != ".cpp" && ext != ".h") || rel.find("/test/") != std::string::npos ||
          rel.find("/testing/") != std::string::npos || rel.find("/fuzz/") != std::string::npos)
        continue;
      ++checked;
      std::ifstream in(e.path());
      std::string line;
      int n = 0;
      while (std::getline(in, line)) {
        ++n;
        std::smatch m;
        if (!std::regex_search(line, m, include)) continue;
        EXPECT_TRUE(ok.count(m[1].str())) << rel << ":" << n << " includes " << m[1] << "/, which "
                                          << folder << "/ must not depend on";
        if (folder == "reports" && m[1] == "conformance") {
          EXPECT_TRUE(result_headers.count(m[2].str()))
              << rel << ":" << n << " includes conformance/" << m[2]
              << ": reports/ sees only the result library";
        }
      }
    }
  }
  EXPECT_GT(checked, 60);
}

// The house plan is in the house: comments cite documents that exist in the repository.
// The project's source files (not the build trees), by extension.
std::vector<fs::path> sources(std::initializer_list<const char*> exts) {
  std::vector<fs::path> out;
  const fs::path root(HVSNAP_SOURCE_DIR);
  for (const char* dir : {"cim", "sim", "fixtures", "conformance", "reports", "wsman", "tools",
                          "bench", "examples"}) {
    if (!fs::exists(root / dir)) continue;
    for (const auto& e : fs::recursive_directory_iterator(root / dir)) {
      for (const char* ext : exts) {
        if (e.is_regular_file() && e.path().extension() == ext) out.push_back(e.path());
      }
    }
  }
  return out;
}

std::string text_of(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// One SplitMix64 in the project (cim/splitmix.h): its mixing constant appears nowhere else.
TEST(House, OneSplitMix64) {
  int files = 0;
  for (const auto& p : sources({".cpp", ".h"})) {
    ++files;
    if (p.filename() == "splitmix.h") continue;
    const std::string t = text_of(p);
    // The constant split in two, so that this file does not name it.
    EXPECT_EQ(t.find(std::string("0xBF58476D") + "1CE4E5B9"), std::string::npos)
        << p << " has its own SplitMix64; use cim/splitmix.h";
  }
  EXPECT_GT(files, 100);
}

// Comments cite contract IDs, sections and decisions, never the tracker's issue numbers (which
// mean nothing to a reader of the code).
TEST(House, CommentsNeverCiteIssueNumbers) {
  const std::regex issue(R"((//|#|\*).*\bissues? #?[0-9]+)", std::regex::icase);
  for (const auto& p : sources({".cpp", ".h", ".txt", ".cmake", ".py", ".js", ".sh"})) {
    std::istringstream lines(text_of(p));
    std::string line;
    for (int n = 1; std::getline(lines, line); ++n) {
      EXPECT_FALSE(std::regex_search(line, issue)) << p << ":" << n << ": " << line;
    }
  }
}

// What a comment cites is in the repository: a document under docs/ by its path, a decision
// record by its number; never a document outside it (the authors' design and reference
// notes), which a reader of the repository cannot open.
TEST(House, CommentsCiteOnlyWhatTheRepositoryHolds) {
  const fs::path root(HVSNAP_SOURCE_DIR);
  const std::regex doc(R"(\bdocs/[A-Za-z0-9_./-]+\.md\b)");
  const std::regex decision(R"(\bdecisions?[ /]([0-9]{4})\b)", std::regex::icase);
  const std::regex outside(
      R"(\bdesign\.md\b|\.\./shared/|hyperv-fact[s]|real-host-observation[s])");
  std::set<std::string> records;
  for (const auto& e : fs::directory_iterator(root / "docs" / "decisions")) {
    records.insert(e.path().filename().string().substr(0, 4));
  }
  int cited = 0;
  for (const auto& p : sources({".cpp", ".h", ".txt", ".cmake", ".py", ".js", ".sh", ".yaml"})) {
    std::istringstream lines(text_of(p));
    std::string line;
    for (int n = 1; std::getline(lines, line); ++n) {
      // std::regex is slow: only lines that could cite anything are searched.
      if (line.find(".md") == std::string::npos && line.find("ecision") == std::string::npos &&
          line.find("shared/") == std::string::npos && line.find("host-obs") == std::string::npos &&
          line.find("-facts") == std::string::npos)
        continue;
      EXPECT_FALSE(std::regex_search(line, outside)) << p << ":" << n << ": " << line;
      for (std::sregex_iterator m(line.begin(), line.end(), doc), end; m != end; ++m, ++cited) {
        EXPECT_TRUE(fs::exists(root / m->str())) << p << ":" << n << ": " << m->str();
      }
      for (std::sregex_iterator m(line.begin(), line.end(), decision), end; m != end;
           ++m, ++cited) {
        EXPECT_TRUE(records.count((*m)[1].str()) == 1)
            << p << ":" << n << ": no docs/decisions/" << (*m)[1].str() << "-*.md";
      }
    }
  }
  EXPECT_GT(cited, 50) << "the scan found almost no citations: is the source tree where it looks?";
}

TEST(House, CitedDocumentsExist) {
  for (const char* doc : {"docs/architecture.md", "docs/contract.md", "docs/evidence.md",
                          "docs/fixtures.md", "docs/mutants.md"}) {
    EXPECT_TRUE(fs::exists(fs::path(HVSNAP_SOURCE_DIR) / doc)) << doc;
  }
}

}  // namespace
