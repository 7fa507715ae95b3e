// The transport-independent half of the WS-Management server (contract §8, decision 0009):
// one request envelope in, one response envelope (and HTTP status) out, answered from any
// cim::Provider as Windows' WinRM answers — enumeration batch sizes and MaxEnvelopeSize as
// MS-WSMV/DSP0226 set them, WQL and the DSP0227 association filter, header rules, one fault
// table. Enumerations are held as contexts between Pulls: unguessable ids (128 random bits),
// bound to the client that opened them, bounded in number per client and in age (decision 0020).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "hvsnap/cim/provider.h"
#include "hvsnap/wsman/messages.h"

namespace hvsnap::wsman {

// The fake's control interface served as hvsnap's own WS-Man resource (uri::kControl,
// decision 0009): Invoke on it calls this. Absent for anything but the fake.
class ControlHandler {
 public:
  virtual ~ControlHandler() = default;
  virtual cim::Result<cim::MethodResult> invoke(std::string_view method,
                                                const cim::PropertyList& in) = 0;
};

struct DispatcherOptions {
  ParseLimits limits;
  std::size_t max_contexts = 512;               // open enumerations at once, all clients
  std::size_t max_contexts_per_client = 64;     // … and for one client (decision 0020)
  std::chrono::seconds context_ttl{600};        // an enumeration not pulled for this long ends
  std::uint32_t default_max_elements = 1;       // items per Pull/optimized Enumerate when not said
  std::uint32_t max_elements_cap = 1000;        // never more per message, whatever it asks
  std::uint64_t default_max_envelope = 512000;  // bytes, when w:MaxEnvelopeSize is absent
  std::uint64_t min_max_envelope = 8192;        // a smaller MaxEnvelopeSize is a fault (MS-WSMV)
  std::string product_vendor = "hvsnap";
  std::string product_version;
  std::string server_name = "localhost";  // __SERVER in WQL
  // Rewrites every successful answer before it is size-checked and sent: the wire mutants of
  // tools/mutants act here (decision 0061). Empty: answers go out as written. Called on the
  // threads that run the Dispatcher, so it must be thread-safe.
  std::function<void(const Request& request, std::string& body)> rewrite_reply;
};

class Dispatcher {
 public:
  Dispatcher(std::shared_ptr<cim::Provider> provider, std::shared_ptr<ControlHandler> control,
             DispatcherOptions options = {});

  struct Reply {
    int http_status = 200;
    std::string body;
  };
  // `client` identifies who sent the request — the authenticated user, or the peer address
  // when there is no authentication (the transport decides). Enumeration contexts belong to
  // the client that opened them: another client's Pull or Release sees them as unknown.
  Reply handle(std::string_view envelope, std::string_view client = {});

  const DispatcherOptions& options() const { return options_; }
  // The largest request body this service reads; a transport answers a larger one with
  // oversized_request_reply(): HTTP 413 (MS-WSMV 3.1.4.1.20) and the EncodingLimit fault, whose
  // RelatesTo is found in `head` (the part of the body the transport did read, if any).
  std::size_t max_request_bytes() const { return options_.limits.max_bytes; }
  Reply oversized_request_reply(std::size_t bytes, std::string_view head = {});
  std::size_t open_enumerations();

 private:
  struct Context {
    std::vector<Item> items;
    std::size_t next = 0;
    EnumerationMode mode = EnumerationMode::kObjects;
    std::string owner;
    std::chrono::steady_clock::time_point expires;
  };

  Reply answer(const Request& r, std::string_view client);
  std::optional<Fault> advance_first(const Request& r, std::int64_t& advanced);
  void tell_clock(const Request& r, std::int64_t advanced, std::string& body);
  // Bytes an answer keeps free for its h:Clock (decision 0140) when it is asked for one.
  static constexpr std::size_t kToldClockRoom = 200;
  std::size_t clock_room(const Request& r) const;
  Response get(const Request& r);
  Response enumerate(const Request& r, std::string_view client);
  Response pull(const Request& r, std::string_view client);
  Response release(const Request& r, std::string_view client);
  Response invoke(const Request& r);
  cim::Result<std::vector<cim::Instance>> run_filter(const Request& r, Response& out);
  // A fault for a provider's error, nested as WinRM nests WMI's (ProviderFault).
  Fault provider_fault(const cim::Status& st) const;
  std::optional<Fault> selectors_fault(const cim::ObjectPath& target);
  // Fills out.encoded_items with up to n items from c that fit in `budget` bytes.
  std::optional<Fault> take(Context& c, std::uint32_t n, std::size_t budget, Response& out);
  std::string new_context_id();
  std::string next_message_id();
  std::uint64_t max_envelope(const Request& r) const;

  std::shared_ptr<cim::Provider> provider_;
  std::shared_ptr<ControlHandler> control_;
  DispatcherOptions options_;
  std::mutex mu_;
  std::map<std::string, Context> contexts_;
  std::map<std::string, std::size_t> per_client_;
  std::uint64_t counter_ = 0;
};

// The WS-Man fault a provider's error becomes (and back, for a client).
Fault fault_for(const cim::Status& st);
cim::Status status_for(const Fault& f);

// The first property value (or key) of the instance that XML 1.0 cannot carry, as
// "Property (byte n)"; "" when every text is writable (decision 0021).
std::string unwritable_text(const cim::Instance& inst);

}  // namespace hvsnap::wsman
