// The recorded envelopes under wsman/test/envelopes/ (Windows' answers in windows/), read whole
// for the tests that replay them (codec_test.cpp, client_test.cpp, transport_test.cpp).
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace hvsnap::wsman::testing {

// The file at `relative` below wsman/test/envelopes/; a missing file fails the test and names it.
inline std::string envelope_file(const std::string& relative) {
  std::ifstream in(std::string(HVSNAP_SOURCE_DIR) + "/wsman/test/envelopes/" + relative);
  EXPECT_TRUE(in) << relative;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace hvsnap::wsman::testing
