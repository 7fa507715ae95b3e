// libFuzzer harness for everything hvsnap parses from the network: WS-Man request and
// response envelopes, WQL filters, and CIM-XML embedded instances (contract §8, §1).
// Built with clang and -fsanitize=fuzzer when HVSNAP_BUILD_FUZZERS=ON; the seed corpus in
// corpus/ also runs as a ctest regression through the standalone driver (corpus_driver.cpp).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hvsnap/cim/cimxml.h"
#include "hvsnap/wsman/messages.h"
#include "hvsnap/wsman/wql.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  hvsnap::wsman::ParseLimits limits;
  auto request = hvsnap::wsman::parse_request(text, limits);
  if (auto* r = std::get_if<hvsnap::wsman::Request>(&request)) {
    // What parses must write back and parse again (the server's own reading of it).
    (void)hvsnap::wsman::parse_request(hvsnap::wsman::write_request(*r), limits);
    if (!r->filter.empty()) (void)hvsnap::wsman::parse_wql(r->filter);
  }
  (void)hvsnap::wsman::parse_response(text, limits);
  (void)hvsnap::wsman::parse_wql(text);
  (void)hvsnap::cim::parse_embedded_instance(text);
  return 0;
}
