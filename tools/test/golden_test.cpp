// The committed reference report (reports/reference/, decision 0007) is what hvsnap produces today:
// the command recorded in it is re-run and every file compared apart from wall time and the
// git commit. When a change alters the report on purpose, refresh it with
// tools/refresh-reference and review the diff.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "hvsnap/cim/testing/temp_dirs.h"
#include "hvsnap/reports/bundle.h"
#include "hvsnap/tools/cli.h"

namespace hvsnap::tools {
namespace {

const auto* const kTempCleanup =
    ::testing::AddGlobalTestEnvironment(new cim::testing::RemoveTempDirsOnSuccess("hvsnap-golden"));

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string first_difference(const std::string& a, const std::string& b) {
  std::istringstream x(a), y(b);
  std::string la, lb;
  for (int n = 1;; ++n) {
    const bool ga = static_cast<bool>(std::getline(x, la)),
               gb = static_cast<bool>(std::getline(y, lb));
    if (!ga && !gb) return {};
    if (ga != gb || la != lb) {
      return "line " + std::to_string(n) + ":\n  reference: " + la.substr(0, 300) +
             "\n  now:       " + lb.substr(0, 300);
    }
  }
}

TEST(Golden, TheReferenceReportIsReproduced) {
  const fs::path ref = fs::path(HVSNAP_SOURCE_DIR) / "reports" / "reference";
  ASSERT_TRUE(fs::exists(ref / "result.json"))
      << "reports/reference is missing; run tools/refresh-reference";
  EXPECT_TRUE(reports::verify_bundle(ref).ok()) << "the committed reference does not verify";
  const auto j = nlohmann::json::parse(read(ref / "result.json"));
  std::istringstream words(j["run"]["command"].get<std::string>());
  std::vector<std::string> args;
  for (std::string w; words >> w;)
    args.push_back(w);
  ASSERT_GE(args.size(), 2u);
  ASSERT_EQ(args[0], "hvsnap");
  args.erase(args.begin());
  const fs::path out = cim::testing::temp_path("hvsnap-golden", "report");
  fs::remove_all(out);
  args.insert(args.end(), {"--out", out.string(), "--quiet"});
  std::ostringstream o, e;
  Console c{o, e, false, nullptr};
  ASSERT_EQ(run_cli(args, c),
            j["verdict"]["certified"].get<bool>() ? kExitCertified : kExitFailures)
      << e.str();
  for (const auto& f : reports::bundle_files()) {
    EXPECT_EQ(first_difference(reports::normalize_for_comparison(f, read(ref / f)),
                               reports::normalize_for_comparison(f, read(out / f))),
              "")
        << f << " no longer matches reports/reference/" << f
        << ". If the change is intended, run tools/refresh-reference and commit the result.";
  }
}

}  // namespace
}  // namespace hvsnap::tools
