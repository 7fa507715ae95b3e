// Parses the embedded requirements.yaml once.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "hvsnap/conformance/catalogue.h"

namespace hvsnap::conformance {

extern const char* const kRequirementsYaml;  // generated from requirements.yaml

namespace {

cim::Result<std::vector<Requirement>> parse() {
  try {
    const YAML::Node root = YAML::Load(kRequirementsYaml);
    std::vector<Requirement> out;
    for (const YAML::Node& r : root["requirements"]) {
      Requirement req;
      req.id = r["id"].as<std::string>();
      const std::string level = r["level"].as<std::string>();
      if (level == "MUST") {
        req.level = Level::kMust;
      } else if (level == "SHOULD") {
        req.level = Level::kShould;
      } else if (level == "IF-IMPLEMENTED") {
        req.level = Level::kIfImplemented;
      } else {
        return cim::invalid_parameter(
            fmt::format("requirements.yaml:{}: level '{}' is not MUST, SHOULD or IF-IMPLEMENTED",
                        r["level"].Mark().line + 1, level));
      }
      req.text = r["text"].as<std::string>();
      for (const YAML::Node& c : r["checks"])
        req.checks.push_back(c.as<std::string>());
      out.push_back(std::move(req));
    }
    return out;
  } catch (const YAML::Exception& e) {
    return cim::invalid_parameter(fmt::format("requirements.yaml:{}: {}", e.mark.line + 1, e.msg));
  }
}

}  // namespace

const cim::Result<std::vector<Requirement>>& catalogue() {
  static const cim::Result<std::vector<Requirement>> kCatalogue = parse();
  return kCatalogue;
}

const Requirement* find_requirement(std::string_view id) {
  if (!catalogue().ok()) return nullptr;
  for (const auto& r : *catalogue()) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

bool fails_the_run(const Finding& f) {
  if (f.verdict != Verdict::kFail) return false;
  const Requirement* req = find_requirement(f.requirement);
  return req != nullptr && req->level != Level::kShould;
}

const Finding* first_fail(const Findings& fs) {
  for (const auto& f : fs) {
    if (fails_the_run(f)) return &f;
  }
  return nullptr;
}

bool is_warning(const Finding& f) {
  if (f.verdict != Verdict::kWarn && f.verdict != Verdict::kFail) return false;
  const Requirement* req = find_requirement(f.requirement);  // an unknown one is not counted
  return req != nullptr && (f.verdict == Verdict::kWarn || req->level == Level::kShould);
}

const Finding* first_warning(const Findings& fs) {
  for (const auto& f : fs) {
    if (is_warning(f)) return &f;
  }
  return nullptr;
}

}  // namespace hvsnap::conformance
