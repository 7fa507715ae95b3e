// Reproduction tokens: one printable string that carries a failing case or sequence and
// the target it ran against, so `hvsnap replay TOKEN` re-runs exactly that on the fake.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "hvsnap/cim/result.h"

namespace hvsnap::conformance {

struct SetupPlan;

// "hvsnap1." + base64url(JSON).
std::string encode_token(const nlohmann::json& payload);
cim::Result<nlohmann::json> decode_token(std::string_view token);

// The set-up plan a run learnt from its capability probes (case_runner.h), as the tokens of
// cases and sequences carry it (a concurrent round makes no set-up snapshot): "setup":
// {"start-members": true} or {"refused": true}; nothing for the default plan, so the tokens of a
// target that accepts every configuration are as before.
void put_setup_plan(nlohmann::json& token, const SetupPlan& plan);
// The plan a token carries (the default without "setup"); an error names what is wrong.
cim::Result<SetupPlan> setup_plan_of(const nlohmann::json& token);
// In words, for `hvsnap replay`: "" for the default plan.
std::string describe_setup_plan(const SetupPlan& plan);

std::string base64url_encode(std::string_view bytes);
cim::Result<std::string> base64url_decode(std::string_view text);

}  // namespace hvsnap::conformance
