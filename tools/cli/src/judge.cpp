// `hvsnap judge PATH…`: re-judges recorded exchanges offline with the current oracle (contract
// §7, §9). A path is a transcript file or a folder of them (read in name order, recursively):
// the evidence of fixtures/evidence/, or what `hvsnap certify --record DIR` wrote under
// DIR/judged/. One line per transcript; a call that should be accepted and is not (or the
// other way round) makes the exit code 1; a file that cannot be read, 2.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

#include "commands.h"
#include "hvsnap/conformance/transcript.h"

namespace hvsnap::tools {

namespace fs = std::filesystem;
using conformance::Transcript;

namespace {

// Transcript files under `path`: the file itself, or every .yaml/.yml/.json below a folder.
cim::Result<std::vector<fs::path>> transcripts_under(const fs::path& path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return std::vector<fs::path>{path};
  if (!fs::is_directory(path, ec))
    return cim::invalid_parameter(path.string() + ": no such file or folder");
  std::vector<fs::path> out;
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string ext = it->path().extension().string();
    if (ext == ".yaml" || ext == ".yml" || ext == ".json") out.push_back(it->path());
  }
  if (ec) return cim::invalid_parameter(fmt::format("{}: {}", path.string(), ec.message()));
  std::sort(out.begin(), out.end());
  return out;
}

// A regular file of at most 16 MiB (a transcript is small; /dev/zero or a FIFO is refused).
cim::Result<std::string> read_transcript_file(const fs::path& path) {
  constexpr std::uintmax_t kMax = 16u << 20;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    return cim::invalid_parameter(path.string() + ": not a regular file");
  if (fs::file_size(path, ec) > kMax)
    return cim::invalid_parameter(path.string() + ": larger than 16 MiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) return cim::invalid_parameter(path.string() + ": cannot be read");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

int judge(const std::vector<std::string>& paths, Console& c) {
  std::vector<fs::path> files;
  for (const auto& p : paths) {
    auto found = transcripts_under(p);
    if (!found.ok()) {
      c.err << "hvsnap judge: " << found.status().message() << "\n";
      return kExitUsage;
    }
    files.insert(files.end(), found->begin(), found->end());
  }
  if (files.empty()) {
    c.err << "hvsnap judge: no transcript (.yaml, .yml or .json) found\n";
    return kExitUsage;
  }
  int unexpected = 0, unreadable = 0, calls = 0;
  for (const auto& file : files) {
    auto text = read_transcript_file(file);
    cim::Result<Transcript> t =
        text.ok() ? conformance::parse_transcript(*text, file.string()) : text.status();
    if (!t.ok()) {
      ++unreadable;
      c.out << fmt::format("ERROR  {}\n", t.status().message());
      continue;
    }
    const std::string id = t->observation.empty() ? file.filename().string() : t->observation;
    std::vector<std::string> parts;
    bool as_expected = true;
    for (const auto& call : t->calls) {
      ++calls;
      const auto j = conformance::judge_call(call);
      const bool expected = call.expect.empty() || (call.expect == "accepted") == j.accepted;
      as_expected = as_expected && expected;
      std::string part = (j.accepted ? "accepted: " : "rejected: ") + j.summary;
      if (!j.accepted) part += " [" + j.first_failure + "]";
      if (!expected) part += fmt::format(" (expected {})", call.expect);
      parts.push_back(std::move(part));
    }
    if (!t->covered_by.empty()) {
      std::string tests;
      for (const auto& name : t->covered_by)
        tests += (tests.empty() ? "" : ", ") + name;
      parts.push_back("held by " + tests);
    }
    if (!as_expected) ++unexpected;
    std::string line;
    for (const auto& p : parts)
      line += (line.empty() ? "" : "; ") + p;
    c.out << fmt::format("{:<6} {:<9} {}{}\n", as_expected ? "OK" : "WRONG", id, line,
                         t->title.empty() ? "" : "  — " + t->title);
  }
  c.out << fmt::format("{} transcript{}, {} call{} judged: {} as expected, {} not, {} unreadable\n",
                       files.size(), files.size() == 1 ? "" : "s", calls, calls == 1 ? "" : "s",
                       files.size() - static_cast<std::size_t>(unexpected + unreadable), unexpected,
                       unreadable);
  if (unreadable > 0) return kExitUsage;
  return unexpected > 0 ? kExitFailures : kExitCertified;
}

}  // namespace hvsnap::tools
