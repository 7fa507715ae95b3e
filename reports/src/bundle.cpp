// Writing a bundle safely, and the checks of its files both sides share (the manifest, no file
// leaving the bundle); verifying one and comparing two runs is bundle_verify.cpp.
#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <regex>
#include <set>
#include <sstream>

#include "bundle_io.h"
#include "hvsnap/cim/file.h"
#include "hvsnap/reports/bundle.h"

namespace hvsnap::reports {

namespace fs = std::filesystem;

const std::vector<std::string>& bundle_files() {
  static const std::vector<std::string> kFiles{"result.json", "junit.xml", "report.html",
                                               "summary.md"};
  return kFiles;
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL EVP_Digest(SHA-256) failed");
  }
  std::string out;
  out.reserve(std::size_t{len} * 2);
  for (unsigned int i = 0; i < len; ++i)
    out += fmt::format("{:02x}", digest[i]);
  return out;
}

namespace {

cim::Status io_error(const fs::path& p, std::string_view what, const std::error_code& ec) {
  return cim::failed(fmt::format("{}: cannot {}: {}", p.string(), what, ec.message()));
}

}  // namespace

cim::Status write_file(const fs::path& p, std::string_view data) {
  const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error(p, "create", std::error_code(errno, std::generic_category()));
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::error_code ec(errno, std::generic_category());
      ::close(fd);
      return io_error(p, "write", ec);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return io_error(p, "write", std::error_code(errno, std::generic_category()));
  }
  return {};
}

std::optional<std::string> read_file(const fs::path& p) {
  auto text = read_bundle_file(p);
  if (!text.ok()) return std::nullopt;
  return std::move(text).value();
}

cim::Result<std::string> read_bundle_file(const fs::path& p) {
  // A regular file only, bounded (cim/file.h): a FIFO or a device planted in a bundle is a
  // problem to report, never a hang.
  return cim::read_regular_file(p.string(), kMaxBundleFileBytes, "the report file");
}

cim::Status write_file_atomically(const fs::path& p, std::string_view data) {
  const fs::path tmp =
      p.parent_path() / fmt::format(".{}.partial-{}", p.filename().string(), ::getpid());
  if (auto st = write_file(tmp, data); !st.ok()) {
    std::error_code ignore;
    fs::remove(tmp, ignore);
    return st;
  }
  std::error_code ec;
  fs::rename(tmp, p, ec);
  if (ec) {
    std::error_code ignore;
    fs::remove(tmp, ignore);
    return io_error(p, "move the finished file into place", ec);
  }
  return {};
}

bool check_manifest(const fs::path& dir, const std::vector<std::string>& required,
                    Verification& v) {
  auto problem = [&](std::string s) { v.problems.push_back(std::move(s)); };
  std::error_code ec;
  if (auto leaves = leaves_bundle(dir, kManifest)) {
    problem(*leaves);
    return false;
  }
  if (!fs::exists(fs::symlink_status(dir / kManifest, ec))) {
    problem(fmt::format("{} is missing: this is not a complete hvsnap report", kManifest));
    return false;
  }
  const auto manifest = read_bundle_file(dir / kManifest);
  if (!manifest.ok()) {
    problem(fmt::format("{} cannot be read: {}", kManifest, manifest.status().message()));
    return false;
  }
  std::set<std::string> listed;
  std::istringstream lines(*manifest);
  std::string line;
  int number = 0;
  static const std::regex kLine("^([0-9a-f]{64})  ([^/\\\\]+)$");
  while (std::getline(lines, line)) {
    ++number;
    std::smatch m;
    if (!std::regex_match(line, m, kLine)) {
      problem(fmt::format("{} line {}: expected '<sha256>  <file>', got '{}'", kManifest, number,
                          line));
      continue;
    }
    const std::string name = m[2];
    if (name == "." || name == "..") {
      problem(fmt::format("{} line {}: '{}' is not a file of the bundle", kManifest, number, name));
      continue;
    }
    if (!listed.insert(name).second) problem(fmt::format("{} lists {} twice", kManifest, name));
    if (auto leaves = leaves_bundle(dir, name)) {
      problem(*leaves);
      continue;
    }
    std::error_code exists_ec;
    if (!fs::exists(fs::symlink_status(dir / name, exists_ec))) {
      problem(fmt::format("{} is listed in {} but missing", name, kManifest));
      continue;
    }
    const auto data = read_bundle_file(dir / name);
    if (!data.ok()) {
      problem(fmt::format("{} is listed in {} but cannot be read: {}", name, kManifest,
                          data.status().message()));
    } else if (sha256_hex(*data) != m[1].str()) {
      problem(fmt::format("{} does not match its SHA-256 in {} (was it edited?)", name, kManifest));
    }
  }
  for (const auto& f : required) {
    if (!listed.count(f)) problem(fmt::format("{} does not list {}", kManifest, f));
  }
  v.checked.push_back(fmt::format("{}: {} files and their SHA-256", kManifest, listed.size()));
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (auto leaves = leaves_bundle(dir, name); leaves && !listed.count(name)) {
      problem(*leaves);
      continue;
    }
    if (name != kManifest && !listed.count(name) && !entry.is_directory(ec))
      v.checked.push_back("not in the manifest (ignored): " + name);
  }
  return true;
}

std::optional<std::string> leaves_bundle(const fs::path& dir, const std::string& name) {
  std::error_code ec;
  const fs::path p = dir / name;
  if (!fs::is_symlink(fs::symlink_status(p, ec))) return std::nullopt;
  const fs::path root = fs::weakly_canonical(dir, ec);
  const fs::path target = fs::weakly_canonical(p, ec);
  const auto rel = target.lexically_relative(root);
  if (ec || rel.empty() || *rel.begin() == "..") {
    return fmt::format("{} is a symbolic link that leaves the bundle (to {}): refused", name,
                       target.string());
  }
  return std::nullopt;
}

cim::Status check_output_dir(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec)) {
      return cim::invalid_parameter(fmt::format("{}: exists and is not a folder", dir.string()));
    }
    if (!fs::is_empty(dir, ec)) {
      return cim::invalid_parameter(fmt::format(
          "{}: already exists and is not empty; choose another --out or remove it", dir.string()));
    }
  }
  const fs::path parent = dir.has_parent_path() ? dir.parent_path() : fs::path(".");
  fs::create_directories(parent, ec);
  if (ec) return io_error(parent, "create the folder", ec);
  const fs::path probe = parent / fmt::format(".hvsnap-write-test-{}", ::getpid());
  if (auto st = write_file(probe, "probe"); !st.ok()) {
    return cim::invalid_parameter(
        fmt::format("{}: the folder is not writable ({})", parent.string(), st.message()));
  }
  fs::remove(probe, ec);
  return {};
}

cim::Status write_bundle(const fs::path& dir, const conformance::RunResult& r,
                         const RunInfo& info) {
  if (auto st = check_output_dir(dir); !st.ok()) return st;
  std::error_code ec;
  const fs::path parent = dir.has_parent_path() ? dir.parent_path() : fs::path(".");
  const fs::path tmp = parent / fmt::format(".{}.partial-{}", dir.filename().string(), ::getpid());
  fs::remove_all(tmp, ec);
  fs::create_directory(tmp, ec);
  if (ec) return io_error(tmp, "create the folder", ec);
  auto fail = [&](cim::Status st) {
    std::error_code ignore;
    fs::remove_all(tmp, ignore);
    return st;
  };
  const std::vector<std::pair<std::string, std::string>> files{
      {"result.json", render_json(r, info)},
      {"junit.xml", render_junit(r, info)},
      {"report.html", render_html(r, info)},
      {"summary.md", render_markdown(r, info)}};
  std::string manifest;
  for (const auto& [name, text] : files) {
    if (auto st = write_file(tmp / name, text); !st.ok()) return fail(st);
    manifest += fmt::format("{}  {}\n", sha256_hex(text), name);  // the sha256sum format
  }
  if (auto st = write_file(tmp / kManifest, manifest); !st.ok()) return fail(st);
  if (fs::exists(dir, ec)) fs::remove(dir, ec);  // empty (checked above)
  fs::rename(tmp, dir, ec);
  if (ec) return fail(io_error(dir, "move the finished report into place", ec));
  return {};
}

}  // namespace hvsnap::reports
