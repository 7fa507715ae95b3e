// Reproduction tokens: base64url over compact JSON, with a version prefix.
#include "hvsnap/conformance/token.h"

#include <fmt/format.h>

#include "hvsnap/conformance/case_runner.h"

namespace hvsnap::conformance {

namespace {
constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view kPrefix = "hvsnap1.";
}  // namespace

std::string base64url_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const auto n = (std::uint32_t(std::uint8_t(in[i])) << 16) |
                   (std::uint32_t(std::uint8_t(in[i + 1])) << 8) | std::uint8_t(in[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i < in.size()) {
    std::uint32_t n = std::uint32_t(std::uint8_t(in[i])) << 16;
    if (i + 1 < in.size()) n |= std::uint32_t(std::uint8_t(in[i + 1])) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    if (i + 1 < in.size()) out += kAlphabet[(n >> 6) & 63];
  }
  return out;
}

cim::Result<std::string> base64url_decode(std::string_view in) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const auto pos = kAlphabet.find(in[i]);
    if (pos == std::string_view::npos) {
      return cim::invalid_parameter(
          fmt::format("token: character '{}' at position {} is not base64url", in[i], i));
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

std::string encode_token(const nlohmann::json& payload) {
  // Invalid UTF-8 (say, from a command-line argument) becomes U+FFFD instead of throwing.
  return std::string(kPrefix) +
         base64url_encode(payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

cim::Result<nlohmann::json> decode_token(std::string_view token) {
  while (!token.empty() && (token.back() == '\n' || token.back() == ' '))
    token.remove_suffix(1);
  if (token.substr(0, kPrefix.size()) != kPrefix) {
    return cim::invalid_parameter(fmt::format(
        "token: expected it to start with '{}' (it is printed by hvsnap certify)", kPrefix));
  }
  auto raw = base64url_decode(token.substr(kPrefix.size()));
  if (!raw.ok()) return raw.status();
  auto j = nlohmann::json::parse(*raw, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return cim::invalid_parameter("token: the payload is not valid JSON (was it cut short?)");
  return j;
}

void put_setup_plan(nlohmann::json& token, const SetupPlan& plan) {
  if (plan.refused) {
    token["setup"] = {{"refused", true}};
  } else if (plan.start_members) {
    token["setup"] = {{"start-members", true}};
  }
}

cim::Result<SetupPlan> setup_plan_of(const nlohmann::json& token) {
  SetupPlan plan;
  const auto it = token.find("setup");
  if (it == token.end()) return plan;
  if (!it->is_object())
    return cim::invalid_parameter("token: \"setup\" is not an object (made by a newer hvsnap?)");
  for (const auto& [key, value] : it->items()) {
    bool* field = key == "start-members" ? &plan.start_members
                  : key == "refused"     ? &plan.refused
                                         : nullptr;
    if (field == nullptr) {
      return cim::invalid_parameter(
          fmt::format("token: \"setup\" has an unknown key '{}' (made by a newer hvsnap?)", key));
    }
    if (!value.is_boolean())
      return cim::invalid_parameter(fmt::format("token: \"setup\".{} is not true or false", key));
    *field = value.get<bool>();
  }
  return plan;
}

std::string describe_setup_plan(const SetupPlan& plan) {
  if (plan.refused) {
    return "the run's target refused every configuration: no set-up snapshot is tried, as in the "
           "run";
  }
  if (plan.start_members)
    return "the run's target refused Off members: set-up snapshots start them first, as in the run";
  return {};
}

}  // namespace hvsnap::conformance
