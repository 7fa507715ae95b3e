// certify(): run_suite for a C++ provider (certify.h, decision 0045).
#include "hvsnap/conformance/certify.h"

namespace hvsnap::conformance {

RunResult certify(const TargetFactory& make_target, const CertifyOptions& options) {
  RunOptions run = options.run;
  if (run.target_spec.is_null()) run.target_spec = {{"uri", options.uri}};
  return run_suite(
      make_target,
      {options.uri, options.identity.empty() ? options.uri : options.identity, options.caps},
      std::move(run));
}

RunResult certify(const ProviderFactory& make_provider, const CertifyOptions& options) {
  const TargetFactory factory = [&make_provider, &options](std::uint64_t) -> cim::Result<Target> {
    Target t;
    t.provider = make_provider();
    if (!t.provider) return cim::failed("the provider factory returned no provider");
    t.caps = options.caps;
    t.uri = options.uri;
    t.identity = options.identity.empty() ? options.uri : options.identity;
    return t;
  };
  return certify(factory, options);
}

}  // namespace hvsnap::conformance
