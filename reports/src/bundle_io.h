// File I/O the writers and verifiers of reports share (bundle.cpp, bundle_verify.cpp,
// kill_table.cpp).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hvsnap/cim/result.h"
#include "hvsnap/reports/bundle.h"

namespace hvsnap::reports {

// Writes and flushes one file; fsync so that a rename afterwards publishes complete data.
cim::Status write_file(const std::filesystem::path& p, std::string_view data);
// Writes `data` beside `p` and renames it into place: `p` is either absent, old or complete.
cim::Status write_file_atomically(const std::filesystem::path& p, std::string_view data);
std::optional<std::string> read_file(const std::filesystem::path& p);
// A report file: a regular file only, at most kMaxBundleFileBytes (cim/file.h).
inline constexpr std::size_t kMaxBundleFileBytes = std::size_t{512} * 1024 * 1024;
cim::Result<std::string> read_bundle_file(const std::filesystem::path& p);
// A problem when dir/name is a symbolic link whose target is outside dir.
std::optional<std::string> leaves_bundle(const std::filesystem::path& dir, const std::string& name);
// junit.xml, summary.md and report.html say what result.json (`j`) says: the verdict and each
// requirement's verdict (a result.json forged on its own is caught here).
void check_files_agree(const std::filesystem::path& dir, const nlohmann::json& j, Verification& v);

// Checks dir/MANIFEST.sha256: every line well formed, every listed file present with its
// SHA-256, every `required` file listed. Files the manifest does not list are noted in
// `v.checked`; sub-folders are not (a kill table holds one bundle per mutant). False when
// there is no manifest to read.
bool check_manifest(const std::filesystem::path& dir, const std::vector<std::string>& required,
                    Verification& v);

}  // namespace hvsnap::reports
