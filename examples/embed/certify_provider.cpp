// Certifies the example provider in process and writes the report bundle hvsnap certify would
// (decision 0045). Usage: certify_provider OUT_DIR [SEED]. Exits as `hvsnap certify` does:
// 0 certified, 1 not certified, 4 NOT SUPPORTED (what this provider must get), 2 usage.
#include <cstdio>
#include <string>

#include "hvsnap/conformance/certify.h"
#include "hvsnap/reports/bundle.h"
#include "target.h"

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s OUT_DIR [SEED]\n", argv[0]);
    return 2;
  }
  std::uint64_t seed = 1;
  if (argc == 3) {
    try {
      seed = std::stoull(argv[2]);
    } catch (const std::exception&) {
      std::fprintf(stderr, "%s: the seed '%s' is not a number\n", argv[0], argv[2]);
      return 2;
    }
  }
  const example::ExampleTarget target = example::make_example_target(seed);
  const hvsnap::conformance::RunResult r =
      hvsnap::conformance::certify(target.factory, target.options);

  hvsnap::reports::RunInfo info;
  info.tool_version = "example";
  info.git_commit = "unknown";
  info.command = "certify_provider OUT_DIR " + std::to_string(seed);
  info.sequences = target.options.run.sequences;
  info.max_steps = target.options.run.max_steps;
  info.parallel_rounds = target.options.run.parallel_rounds;
  info.liveness_cases = target.options.run.liveness_cases;
  if (auto st = hvsnap::reports::write_bundle(argv[1], r, info); !st.ok()) {
    std::fprintf(stderr, "%s: cannot write the report: %s\n", argv[0], st.message().c_str());
    return 2;
  }
  std::printf("%s — %zu requirements, %d combinations, %zu failures; report in %s\n",
              r.verdict.c_str(), r.requirements.size(), r.counts.combos, r.failures.size(),
              argv[1]);
  for (const auto& why : r.verdict_reasons)
    std::printf("  - %s\n", why.c_str());
  return r.certified ? 0 : r.not_supported ? 4 : 1;
}
