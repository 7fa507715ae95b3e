// A live host as a cim::Provider over WS-Management: HTTP or HTTPS; Basic, NTLM or Negotiate
// authentication; certificate verification on unless explicitly turned off; timeouts; Pull
// loops. Plain http:// without credentials or a proxy goes over a Boost.Beast transport of its
// own, everything else over libcurl (decision 0101). Thread-safe: concurrent calls use
// separate connections from a pool (kept alive between calls). Optionally records every
// request/response pair to a folder — bodies only, so no credentials — as evidence a user can
// hand back.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "hvsnap/cim/provider.h"
#include "hvsnap/wsman/messages.h"

namespace hvsnap::wsman {

enum class Auth : std::uint8_t { kBasic, kNtlm, kNegotiate };

// Which HTTP transport carries the requests (decision 0101). kAuto: the client's own
// (Boost.Beast) for an http:// endpoint without credentials when no proxy variable is set,
// libcurl otherwise; kLibcurl: libcurl always. Both behave the same (transport_test.cpp).
enum class ClientTransport : std::uint8_t { kAuto, kLibcurl };

struct ClientOptions {
  std::string endpoint;  // "http://host:5985/wsman" or "https://host:5986/wsman"
  std::string user;
  std::string password;  // never logged, never recorded
  Auth auth = Auth::kBasic;
  bool insecure = false;  // skip certificate verification: only when asked, and said so
  std::string ca_file;    // extra trust anchor for HTTPS
  long connect_timeout_ms = 10'000;
  long timeout_ms = 120'000;  // one request, start to end
  // A host that misbehaves at the transport level (decision 0033): a response past
  // max_response_bytes, or a request still unanswered at `deadline` (the run's --budget plus
  // a grace), is fatal — on_fatal is told once, and every later call fails at once with the
  // same status, so that the run ends promptly and its report is still written.
  std::size_t max_response_bytes = std::size_t{64} * 1024 * 1024;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::function<void(const cim::Status&)> on_fatal;
  std::uint32_t max_elements = 100;  // items per Enumerate/Pull message (fewer on EncodingLimit)
  // An enumeration is given up, as the host's failure, past this many items (the largest host
  // of the fixtures lists 110,000 settings), or after 100 Pulls in a row that bring no item
  // and do not end it, or after a million Pulls: a host whose enumeration never ends is named,
  // never read until memory or the run's time runs out, nor taken as complete (decision 0160).
  std::size_t max_enumeration_items = 1'000'000;
  std::uint32_t max_envelope_size = 512000;  // w:MaxEnvelopeSize sent with every request
  std::string record_dir;                    // "" = do not record
  ClientTransport transport = ClientTransport::kAuto;
  ParseLimits limits{std::size_t{64} * 1024 * 1024, 64};
};

class Client final : public cim::Provider {
 public:
  static cim::Result<std::unique_ptr<Client>> create(ClientOptions options);
  ~Client() override;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  cim::Result<cim::Instance> get_instance(const cim::ObjectPath& path) override;
  // One WQL query per class of two or more paths (decision 0083).
  std::vector<cim::Result<cim::Instance>> get_instances(
      const std::vector<cim::ObjectPath>& paths) override;
  cim::Result<std::vector<cim::Instance>> enumerate_instances(std::string_view name_space,
                                                              std::string_view class_name) override;
  // EnumerationMode EnumerateEPR: the endpoint references only (decision 0134).
  cim::Result<std::vector<cim::ObjectPath>> enumerate_instance_names(
      std::string_view name_space, std::string_view class_name) override;
  cim::Result<std::vector<cim::Instance>> associators(
      const cim::ObjectPath& object, const cim::AssociatorsFilter& filter) override;
  cim::Result<std::vector<cim::Instance>> references(const cim::ObjectPath& object,
                                                     const cim::ReferencesFilter& filter) override;
  cim::Result<cim::MethodResult> invoke_method(const cim::ObjectPath& object,
                                               std::string_view method,
                                               const cim::PropertyList& in) override;

  // The values whose wire form broke their CIM type since the last call (contract CS-READ-1,
  // decision 0060): each distinct problem once, at most kMaxWireProblems of them. The answers of
  // the control extension are not the host's and are not judged.
  std::vector<cim::WireProblem> take_wire_problems() override;
  static constexpr std::size_t kMaxWireProblems = 64;

  // The path of a singleton service (a keyless path of its class), found now and kept, as an
  // Invoke on the keyless path finds it the first time; the path unchanged when the host does
  // not have exactly one. A served fake's target finds the suite's services before its cases
  // (decision 0141): the lookup is an Enumerate, which moves the clock of the host it reads.
  cim::ObjectPath find_service(const cim::ObjectPath& keyless);
  // Takes the services another client found (the host slots of one served fake serve the same).
  void adopt_services(const Client& other);

  // WS-Man Identify: "vendor version".
  cim::Result<std::string> identify();
  // hvsnap's control extension (a served fake only; NotFound elsewhere).
  cim::Result<cim::MethodResult> invoke_control(std::string_view method,
                                                const cim::PropertyList& in);
  // One request, one parsed response (faults in the response, transport errors as Status).
  cim::Result<Response> send(Request request);

  const ClientOptions& options() const { return options_; }
  // True when the requests go over the client's own plain-HTTP transport, not libcurl.
  bool plain_http() const;
  // How many requests this client has sent (every Enumerate, Pull, Get, Invoke, Identify and
  // control call): what a benchmark counts the wire traffic by.
  std::uint64_t requests_sent() const { return counter_.load(); }

  // A served fake's clock riding on the requests (decision 0140); the target turns it on only
  // for a fake whose clock moves with its calls alone. Every request then asks for the clock
  // after it (h:TellClock), and the advances given to advance_with_next go with the next
  // request (h:AdvanceFirst), made before it is answered.
  void fold_clock(bool on) { fold_clock_.store(on); }
  bool folds_clock() const { return fold_clock_.load(); }
  // False, and nothing changed, when the advances waiting for the next request would come to
  // more than `most` milliseconds.
  bool advance_with_next(std::int64_t ms, std::int64_t most);
  // The clock the latest answer told, moved by the advances given since; nullopt when the
  // latest request got no answer that told it.
  std::optional<ToldClock> told_clock() const;
  // Control calls a target answered from the told clock instead of a request (what a
  // benchmark sets against the calls it counted).
  void note_folded() { ++folded_; }
  std::uint64_t control_folded() const { return folded_.load(); }

  struct Pool;

 private:
  explicit Client(ClientOptions options);
  cim::Result<std::vector<cim::Instance>> query(std::string_view name_space, std::string filter,
                                                bool keep_repeats = false);
  // The items of a WQL enumeration in `mode`, every Pull made; `keep` says which to keep.
  cim::Status enumerate_items(std::string_view name_space, std::string filter, EnumerationMode mode,
                              const std::function<void(Item&)>& keep);
  cim::Result<std::string> post(const std::string& body, int& http_status, bool repeatable);
  // The path to invoke an instance method on: `object` itself, or for a keyless path of a
  // class with exactly one instance (a service), that instance's path.
  cim::Result<cim::ObjectPath> instance_of(const cim::ObjectPath& object);

  ClientOptions options_;
  std::unique_ptr<Pool> pool_;
  std::uint64_t number_;  // the clients of the process made before this one (MessageIDs)
  std::atomic<std::uint64_t> counter_{0};
  std::atomic<bool> fold_clock_{false};
  std::atomic<std::uint64_t> folded_{0};
  mutable std::mutex clock_mu_;
  std::int64_t pending_advance_ms_ = 0;  // under clock_mu_
  std::optional<ToldClock> told_;        // under clock_mu_
  mutable std::mutex services_mu_;
  std::map<std::string, cim::ObjectPath> services_;
  void note(std::vector<cim::WireProblem> problems);
  std::mutex problems_mu_;
  std::vector<cim::WireProblem> problems_;
};

}  // namespace hvsnap::wsman
