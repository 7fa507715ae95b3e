// The transport-independent half of the WS-Management server: one request envelope in, one
// response envelope (and HTTP status) out, answered from any cim::Provider. Enumerations are
// held as contexts between Pulls, bounded in number and age.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
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
  std::size_t max_contexts = 512;           // open enumerations at once
  std::chrono::seconds context_ttl{600};    // an enumeration not pulled for this long ends
  std::uint32_t default_max_elements = 32;  // items per Pull when the client does not say
  std::uint32_t max_elements_cap = 1000;    // never more per message, whatever it asks
  std::string product_vendor = "hvsnap";
  std::string product_version;
};

class Dispatcher {
 public:
  Dispatcher(std::shared_ptr<cim::Provider> provider, std::shared_ptr<ControlHandler> control,
             DispatcherOptions options = {});

  struct Reply {
    int http_status = 200;
    std::string body;
  };
  Reply handle(std::string_view envelope);

  const DispatcherOptions& options() const { return options_; }
  std::size_t open_enumerations();

 private:
  struct Context {
    std::vector<Item> items;
    std::size_t next = 0;
    EnumerationMode mode = EnumerationMode::kObjects;
    std::chrono::steady_clock::time_point expires;
  };

  Response get(const Request& r);
  Response enumerate(const Request& r);
  Response pull(const Request& r);
  Response release(const Request& r);
  Response invoke(const Request& r);
  std::string next_id();
  // Takes up to n items from the context (erasing it when done).
  void take(const std::string& id, Context& c, std::uint32_t n, Response& out);

  std::shared_ptr<cim::Provider> provider_;
  std::shared_ptr<ControlHandler> control_;
  DispatcherOptions options_;
  std::mutex mu_;
  std::map<std::string, Context> contexts_;
  std::uint64_t counter_ = 0;
};

// The WS-Man fault a provider's error becomes (and back, for a client).
Fault fault_for(const cim::Status& st);
cim::Status status_for(const Fault& f);

}  // namespace hvsnap::wsman
