// One GoogleTest per requirement for the example provider (hvsnap/conformance/gtest.h,
// decision 0045). ExampleProvider.Verdict fails (the provider is NOT SUPPORTED), and so do the
// MUSTs a refusing provider leaves untested, as junit.xml marks them.
#include "hvsnap/conformance/gtest.h"
#include "target.h"

namespace {
const example::ExampleTarget kTarget = example::make_example_target(1);
}

HVSNAP_CERTIFICATION_TESTS(
    ExampleProvider, [](std::uint64_t case_seed) { return kTarget.factory(case_seed); },
    kTarget.options);
