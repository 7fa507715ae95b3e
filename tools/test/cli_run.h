// The CLI run in process, its exit code and both streams kept: what the tests that drive
// `hvsnap` commands against a served fake share (conformance_wsman_test, served_hosts_test).
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "hvsnap/tools/cli.h"

namespace hvsnap::tools::test_support {

struct Outcome {
  int code;
  std::string out, err;
};

inline Outcome hvsnap(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  Console c{out, err};
  const int code = run_cli(args, c);
  return {code, out.str(), err.str()};
}

}  // namespace hvsnap::tools::test_support
