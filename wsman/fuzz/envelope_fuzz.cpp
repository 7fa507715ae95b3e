// libFuzzer harness for everything hvsnap parses from the network: WS-Man request and
// response envelopes, WQL filters, and CIM-XML embedded instances (contract §8, §1) — and the
// dispatcher answering them, whose every answer must be well-formed XML (decision 0021).
// Built with clang and -fsanitize=fuzzer when HVSNAP_BUILD_FUZZERS=ON; the seed corpus in
// corpus/ also runs as a ctest regression through the standalone driver (corpus_driver.cpp).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <pugixml.hpp>
#include <string_view>

#include "../test/fake_provider.h"
#include "hvsnap/cim/cimxml.h"
#include "hvsnap/wsman/dispatcher.h"
#include "hvsnap/wsman/messages.h"
#include "hvsnap/wsman/wql.h"

namespace {

hvsnap::wsman::Dispatcher& dispatcher() {
  static hvsnap::wsman::Dispatcher* d = [] {
    auto p = std::make_shared<hvsnap::wsman::testing::FakeProvider>();
    p->add_vm("VM-0", "vm0", 2, 512);
    p->add_vm("VM-1", "vm1", 3, 1024);
    p->links.push_back({p->instances[0].path(), p->instances[1].path(), "Msvm_Test", "A", "B"});
    return new hvsnap::wsman::Dispatcher(p, nullptr);
  }();
  return *d;
}

}  // namespace

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
  // Whatever arrives, the answer is well-formed XML.
  const auto reply = dispatcher().handle(text, "fuzz");
  pugi::xml_document doc;
  if (!doc.load_buffer(reply.body.data(), reply.body.size())) std::abort();
  return 0;
}
