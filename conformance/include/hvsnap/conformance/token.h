// Reproduction tokens: one printable string that carries a failing case or sequence and
// the target it ran against, so `hvsnap replay TOKEN` re-runs exactly that on the fake.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "hvsnap/cim/result.h"

namespace hvsnap::conformance {

// "hvsnap1." + base64url(JSON).
std::string encode_token(const nlohmann::json& payload);
cim::Result<nlohmann::json> decode_token(std::string_view token);

std::string base64url_encode(std::string_view bytes);
cim::Result<std::string> base64url_decode(std::string_view text);

}  // namespace hvsnap::conformance
