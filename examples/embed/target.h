// The target the example certifies (decision 0045): each case gets a fresh fake host from
// hvsnap::targets (the host underneath) with RefusingProvider on top of it as the provider.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "hvsnap/conformance/certify.h"
#include "hvsnap/tools/targets.h"
#include "refusing_provider.h"

namespace example {

struct ExampleTarget {
  hvsnap::conformance::TargetFactory factory;
  hvsnap::conformance::CertifyOptions options;
};

inline ExampleTarget make_example_target(std::uint64_t seed) {
  hvsnap::tools::TargetOptions host_options;
  host_options.seed = seed;
  auto host = hvsnap::tools::make_target("sim:", host_options);
  if (!host.ok()) throw std::runtime_error("the fake host: " + host.status().message());
  ExampleTarget t;
  t.options.uri = "example:refusing-provider";
  t.options.identity = "RefusingProvider over " + host->identity;
  t.options.caps = host->caps;  // a fresh host per case, with the fake's control interface
  t.options.run.seed = seed;
  t.factory = [make_host = host->factory](
                  std::uint64_t case_seed) -> hvsnap::cim::Result<hvsnap::conformance::Target> {
    auto target = make_host(case_seed);
    if (!target.ok()) return target.status();
    target->provider = std::make_shared<RefusingProvider>(target->provider);
    target->uri = "example:refusing-provider";
    return target;
  };
  return t;
}

}  // namespace example
