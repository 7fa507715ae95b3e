// wsman+http(s):// targets: a host over WS-Management (see targets.h). A served fake (one that
// answers the control extension) is driven like the in-process fake; anything else is a live
// host, with no control and no fresh hosts.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "hvsnap/cim/file.h"
#include "hvsnap/cim/names.h"
#include "hvsnap/tools/served.h"
#include "hvsnap/tools/targets.h"
#include "hvsnap/wsman/client.h"
#include "hvsnap/wsman/server.h"

namespace hvsnap::tools {

namespace {

// The suite's control interface, forwarded to a served fake's control extension.
class RemoteControl final : public conformance::TargetControl {
 public:
  explicit RemoteControl(std::shared_ptr<wsman::Client> client) : client_(std::move(client)) {
    client_->fold_clock(true);
  }

  // The served fake tells its clock with every answer and takes an advance with the next
  // request (decision 0140): what a request would have asked is answered from there, once
  // its answers showed it does (an older fake does not tell it: every call is then a request).
  void advance(std::int64_t ms) override {
    // Only what the control's Advance would take, all advances waiting for the next request
    // together: the clock's limit, and one Advance's.
    if (const auto told = client_->told_clock(); told && ms >= 0 && ms <= kMaxClockMs - told->ms &&
                                                 client_->advance_with_next(ms, kMaxAdvanceMs)) {
      client_->note_folded();
      return;
    }
    (void)client_->invoke_control("Advance", {{cim::Name("Milliseconds"), cim::Value::sint64(ms)}});
  }
  std::int64_t now_ms() const override {
    if (const auto told = client_->told_clock()) {
      if (told->epoch_ms) epoch_ms_ = told->epoch_ms;
      client_->note_folded();
      return told->ms;
    }
    auto r = client_->invoke_control("Now", {});
    if (!r.ok()) return -1;
    if (const cim::Value* e = cim::find(r->out, "EpochMilliseconds"); e != nullptr && e->as_int())
      epoch_ms_ = *e->as_int();
    const cim::Value* v = cim::find(r->out, "Milliseconds");
    return v != nullptr && v->as_int() ? *v->as_int() : -1;
  }
  // The served fake's UTC clock: its epoch (told with every Now) plus the simulated time.
  std::optional<std::int64_t> host_time_us() const override {
    const std::int64_t now = now_ms();
    if (now < 0 || !epoch_ms_) return std::nullopt;
    return (*epoch_ms_ + now) * 1000;
  }
  cim::Status set_vm_attributes(const cim::ObjectPath& vm,
                                const conformance::FakeVmAttributes& a) override {
    cim::PropertyList in{{cim::Name("Vm"), cim::Value::reference(vm)}};
    if (a.disks) in.push_back({cim::Name("Disks"), cim::Value::string_array(*a.disks)});
    if (a.guest_vss) in.push_back({cim::Name("GuestVss"), cim::Value::string(*a.guest_vss)});
    if (a.checkpoint_limit)
      in.push_back({cim::Name("CheckpointLimit"), cim::Value::uint32(*a.checkpoint_limit)});
    auto r = client_->invoke_control("SetVmAttributes", in);
    return r.ok() ? cim::Status() : r.status();
  }
  void set_faults_enabled(bool enabled) override {
    (void)client_->invoke_control("SetFaultsEnabled",
                                  {{cim::Name("Enabled"), cim::Value::boolean(enabled)}});
  }

 private:
  std::shared_ptr<wsman::Client> client_;
  mutable std::optional<std::int64_t> epoch_ms_;
};

std::optional<std::uint64_t> out_uint(const cim::MethodResult& r, std::string_view name);

// The slot a served fake's endpoint answers as (Describe's Slot; decision 0122).
std::optional<std::uint64_t> out_slot(const cim::MethodResult& described) {
  return out_uint(described, "Slot");
}

// Whether an endpoint's path ends in /wsman (or /wsman/): the form whose slot K is the same
// path with the slot path in place of that end.
bool ends_in_wsman(std::string_view endpoint) {
  if (!endpoint.empty() && endpoint.back() == '/') endpoint.remove_suffix(1);
  return endpoint.size() >= 6 && endpoint.substr(endpoint.size() - 6) == "/wsman";
}

std::string slot_endpoint(std::string_view endpoint, std::size_t k) {
  if (!endpoint.empty() && endpoint.back() == '/') endpoint.remove_suffix(1);
  endpoint.remove_suffix(6);  // "/wsman" (ends_in_wsman)
  return std::string(endpoint) + std::string(wsman::kHostSlotPath) + std::to_string(k);
}

// The host slots of a served fake (`hvsnap serve --hosts N`, decision 0122): one client (its own
// connections) and one control per slot; each case leases a free slot for as long as its Target
// lives, so that cases on different threads never reset each other's host.
class HostSlots final : public std::enable_shared_from_this<HostSlots> {
 public:
  HostSlots(wsman::ClientOptions base, std::shared_ptr<wsman::Client> first, std::uint32_t hosts)
      : base_(std::move(base)), slots_(hosts) {
    slots_[0].client = std::move(first);
  }

  cim::Result<conformance::Target> lease(const cim::PropertyList& reset,
                                         const conformance::Capabilities& caps,
                                         const std::string& uri, const std::string& identity) {
    // The lease is allocated before a slot is taken: should the allocation fail, no slot is
    // left busy with nobody to free it (decision 0127).
    auto held = std::shared_ptr<Lease>(new Lease{shared_from_this(), std::nullopt});
    std::size_t k = 0;
    {
      std::unique_lock lock(mu_);
      const auto free = [&] {
        for (k = 0; k < slots_.size() && slots_[k].busy; ++k) {
        }
        return k < slots_.size();
      };
      if (!cv_.wait_for(lock, std::chrono::milliseconds(base_.timeout_ms), free)) {
        return cim::failed(fmt::format(
            "none of the served fake's {} host slots came free in {} ms (more cases at once "
            "than it has hosts)",
            slots_.size(), base_.timeout_ms));
      }
      Slot& s = slots_[k];
      if (s.client == nullptr) {
        // Slot K is at the slot path in place of the endpoint's trailing /wsman (the given
        // endpoint is slot 0's: served_factory checks it), and must say it is slot K.
        wsman::ClientOptions co = base_;
        co.endpoint = slot_endpoint(base_.endpoint, k);
        // Each slot's requests in a folder of its own (its client numbers them from 1).
        if (!co.record_dir.empty()) co.record_dir += fmt::format("/host-{}", k);
        auto made = wsman::Client::create(co);
        if (!made.ok()) return made.status();
        (*made)->adopt_services(*slots_[0].client);  // found before the cases (decision 0141)
        auto described = (*made)->invoke_control("Describe", {});
        if (!described.ok()) return described.status();
        if (out_slot(*described) != std::optional<std::uint64_t>(k)) {
          return cim::failed(fmt::format(
              "{} does not answer as the served fake's host slot {} (its Describe says Slot "
              "{}): run with -j 1 or give the served fake's /wsman endpoint",
              co.endpoint, k,
              out_slot(*described) ? std::to_string(*out_slot(*described)) : "nothing"));
        }
        s.client = std::move(made).value();
      }
      if (s.control == nullptr) s.control = std::make_shared<RemoteControl>(s.client);
      s.busy = true;
      held->k = k;  // the lease ends with the last copy of the case's Target
    }
    const Slot& s = slots_[k];  // the vector never grows: the reference stays valid
    auto reset_result = s.client->invoke_control("Reset", reset);
    if (!reset_result.ok()) return reset_result.status();
    (void)s.client->take_wire_problems();  // the last lease's, not this case's (decision 0141)
    return conformance::Target{std::shared_ptr<cim::Provider>(held, s.client.get()),
                               std::shared_ptr<conformance::TargetControl>(held, s.control.get()),
                               caps, uri, identity};
  }

  // A sum over the slots' clients (every request, or every clock call folded).
  std::uint64_t sum(std::uint64_t (wsman::Client::*count)() const) {
    std::lock_guard lock(mu_);
    std::uint64_t n = 0;
    for (const Slot& s : slots_)
      n += s.client == nullptr ? 0 : (s.client.get()->*count)();
    return n;
  }

 private:
  struct Slot {
    std::shared_ptr<wsman::Client> client;
    std::shared_ptr<RemoteControl> control;
    bool busy = false;
  };
  struct Lease {
    std::shared_ptr<HostSlots> slots;
    std::optional<std::size_t> k;  // none until a slot is taken
    ~Lease() {
      if (k) slots->release(*k);
    }
  };
  void release(std::size_t k) {
    {
      std::lock_guard lock(mu_);
      slots_[k].busy = false;
    }
    cv_.notify_one();
  }

  wsman::ClientOptions base_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Slot> slots_;
};

// A live host's connections (decision 0143): a case of its own objects takes one that no case
// running at the same time uses, so that what a connection keeps for its case (the value-form
// problems its reads met, decision 0141) stays that case's. Made as cases need them (as many
// as run at once), kept for the next.
class LiveConnections : public std::enable_shared_from_this<LiveConnections> {
 public:
  LiveConnections(wsman::ClientOptions base, std::shared_ptr<wsman::Client> first)
      : base_(std::move(base)), all_{first}, idle_{std::move(first)} {}

  cim::Result<std::shared_ptr<cim::Provider>> lease() {
    // Made first: nothing below may throw once a connection is taken (decision 0127).
    auto held = std::make_shared<Lease>(shared_from_this());
    std::size_t k = 0;
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        held->client = std::move(idle_.back());
        idle_.pop_back();
      } else {
        k = all_.size();
        all_.emplace_back();  // connection K, made below (stays empty if that fails)
      }
    }
    if (held->client == nullptr) {
      // Each connection numbers its own requests: the first records in DIR, connection K in
      // DIR/connection-K (as a served fake's host slots do, decision 0122).
      wsman::ClientOptions co = base_;
      if (!co.record_dir.empty()) co.record_dir += fmt::format("/connection-{}", k);
      auto made = wsman::Client::create(co);
      if (!made.ok()) return made.status();
      std::shared_ptr<wsman::Client> client = std::move(made).value();
      std::lock_guard lock(mu_);
      client->adopt_services(*all_.front());  // what the first connection found (decision 0141)
      all_[k] = client;
      held->client = std::move(client);
    }
    (void)held->client->take_wire_problems();  // the last lease's, not this case's (0141)
    return std::shared_ptr<cim::Provider>(held, held->client.get());
  }

  std::uint64_t requests_sent() {
    std::lock_guard lock(mu_);
    std::uint64_t n = 0;
    for (const auto& c : all_)
      n += c == nullptr ? 0 : c->requests_sent();
    return n;
  }

 private:
  struct Lease {
    std::shared_ptr<LiveConnections> pool;
    std::shared_ptr<wsman::Client> client;  // empty until taken or made
    explicit Lease(std::shared_ptr<LiveConnections> p) : pool(std::move(p)) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (client == nullptr) return;
      std::lock_guard lock(pool->mu_);
      pool->idle_.push_back(std::move(client));
    }
  };

  wsman::ClientOptions base_;
  std::mutex mu_;
  std::vector<std::shared_ptr<wsman::Client>> all_;  // connection K at K (the first, 0)
  std::vector<std::shared_ptr<wsman::Client>> idle_;
};

std::string out_string(const cim::MethodResult& r, std::string_view name) {
  const cim::Value* v = cim::find(r.out, name);
  return v != nullptr && v->as_string() != std::nullopt ? std::string(*v->as_string())
                                                        : std::string();
}

// A number the control extension answers: typed where the schema table names the parameter,
// else the decimal text of the wire (Hosts, decision 0122).
std::optional<std::uint64_t> out_uint(const cim::MethodResult& r, std::string_view name) {
  const cim::Value* v = cim::find(r.out, name);
  if (v == nullptr) return std::nullopt;
  if (const auto n = v->as_uint()) return n;
  const auto text = v->as_string();
  std::uint64_t n = 0;
  if (!text || text->empty() || text->size() > 6 ||
      std::from_chars(text->data(), text->data() + text->size(), n).ptr !=
          text->data() + text->size())
    return std::nullopt;
  return n;
}

cim::Result<std::string> read_password_file(const std::string& path) {
  // A regular file only, and small (cim/file.h): a FIFO or /dev/zero is an error, not a hang.
  auto text = cim::read_regular_file(path, cim::kMaxSmallFileBytes, "the password file");
  if (!text.ok()) return text.status();
  std::string line = text->substr(0, text->find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty())
    return cim::invalid_parameter(fmt::format("the password file '{}' is empty", path));
  return line;
}

// A served fake's factory: a Reset per case, on the one host or (decision 0122) on a leased
// host slot, several cases at once.
void served_factory(TargetSpec& spec, const cim::MethodResult& described,
                    const wsman::ClientOptions& co, const std::shared_ptr<wsman::Client>& client,
                    std::uint64_t seed) {
  spec.requests_sent = [client] { return client->requests_sent(); };
  spec.control_folded = [client] { return client->control_folded(); };
  // The services the suite invokes, found now on the host served before any Reset: found by a
  // case instead, the lookup would move that case's clock, and at -j above 1 which case first
  // uses each host slot's connection depends on timing (decision 0141).
  for (const std::string_view cls : {cim::names::kVsms, cim::names::kCollectionManagementService,
                                     cim::names::kCollectionSnapshotService}) {
    (void)client->find_service(
        cim::ObjectPath(cim::Name::borrow(cim::names::kNamespace), cim::Name(cls)));
  }
  // Only from slot 0's endpoint ending in /wsman: given a slot's own path (or another form),
  // the cases run one at a time on that one host.
  const auto hosts = out_uint(described, "Hosts");
  if (hosts && *hosts >= 2 && out_slot(described).value_or(0) == 0 && ends_in_wsman(co.endpoint)) {
    // Several host slots (decision 0122): cases at once, each on a slot of its own.
    spec.caps.concurrent_cases = true;
    spec.max_concurrent_cases = static_cast<unsigned>(std::min<std::uint64_t>(*hosts, 64));
    auto slots = std::make_shared<HostSlots>(co, client, spec.max_concurrent_cases);
    spec.requests_sent = [slots] { return slots->sum(&wsman::Client::requests_sent); };
    spec.control_folded = [slots] { return slots->sum(&wsman::Client::control_folded); };
    spec.factory = [slots, caps = spec.caps, uri = spec.uri, identity = spec.identity,
                    seed](std::uint64_t case_seed) {
      return slots->lease({{cim::Name("RunSeed"), cim::Value::uint64(seed)},
                           {cim::Name("CaseSeed"), cim::Value::uint64(case_seed)}},
                          caps, uri, identity);
    };
    return;
  }
  auto control = std::make_shared<RemoteControl>(client);
  spec.factory = [client, control, caps = spec.caps, uri = spec.uri, identity = spec.identity,
                  seed](std::uint64_t case_seed) -> cim::Result<conformance::Target> {
    auto reset =
        client->invoke_control("Reset", {{cim::Name("RunSeed"), cim::Value::uint64(seed)},
                                         {cim::Name("CaseSeed"), cim::Value::uint64(case_seed)}});
    if (!reset.ok()) return reset.status();
    (void)client->take_wire_problems();  // the last case's, not this one's (decision 0141)
    return conformance::Target{client, control, caps, uri, identity};
  };
}

}  // namespace

std::string redact_uri(std::string_view uri) {
  const std::size_t scheme = uri.find("://");
  if (scheme == std::string_view::npos) return std::string(uri);
  const std::size_t start = scheme + 3;
  const std::size_t end = std::min(uri.find('/', start), uri.size());
  const std::size_t at = uri.substr(0, end).rfind('@');
  if (at == std::string_view::npos || at < start) return std::string(uri);
  const std::size_t colon = uri.substr(0, at).find(':', start);
  if (colon == std::string_view::npos) return std::string(uri);
  return std::string(uri.substr(0, colon + 1)) + "***" + std::string(uri.substr(at));
}

cim::Result<TargetSpec> make_wsman_target(std::string_view uri, const TargetOptions& options) {
  // wsman+http[s]://[USER@]HOST[:PORT][/PATH]
  const bool tls = uri.rfind("wsman+https://", 0) == 0;
  std::string_view rest = uri.substr(tls ? 14 : 13);
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string path = slash == std::string_view::npos ? "/wsman" : std::string(rest.substr(slash));
  std::string user;
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    user = std::string(authority.substr(0, at));
    authority = authority.substr(at + 1);
    if (user.find(':') != std::string::npos) {
      // Never echo it: the text after ':' is a password.
      return cim::invalid_parameter(
          "the target URI holds a password (USER:PASSWORD@): name only the user in the URI and "
          "give the password in HVSNAP_PASSWORD or a password file");
    }
  }
  if (authority.empty()) {
    return cim::invalid_parameter(
        fmt::format("'{}' names no host (expected wsman+http://[USER@]HOST[:PORT]/wsman)", uri));
  }
  std::string host_port(authority);
  if (host_port.find(':') == std::string::npos || host_port.back() == ']')
    host_port += tls ? ":5986" : ":5985";

  wsman::ClientOptions co;
  co.endpoint = fmt::format("{}://{}{}", tls ? "https" : "http", host_port, path);
  co.user = user;
  if (options.auth == "basic") {
    co.auth = wsman::Auth::kBasic;
  } else if (options.auth == "ntlm") {
    co.auth = wsman::Auth::kNtlm;
  } else if (options.auth == "negotiate") {
    co.auth = wsman::Auth::kNegotiate;
  } else {
    return cim::invalid_parameter(fmt::format(
        "unknown authentication '{}' (expected basic, ntlm or negotiate)", options.auth));
  }
  if (!user.empty()) {
    if (const char* p = std::getenv("HVSNAP_PASSWORD"); p != nullptr && *p != '\0') {
      co.password = p;
    } else {
      std::string file = options.password_file;
      if (file.empty()) {
        if (const char* f = std::getenv("HVSNAP_PASSWORD_FILE"); f != nullptr) file = f;
      }
      if (file.empty()) {
        return cim::invalid_parameter(fmt::format(
            "user '{}' needs a password: set HVSNAP_PASSWORD, or give --password-file FILE "
            "(or HVSNAP_PASSWORD_FILE)",
            user));
      }
      auto pw = read_password_file(file);
      if (!pw.ok()) return pw.status();
      co.password = std::move(pw).value();
    }
  }
  co.insecure = options.insecure;
  co.ca_file = options.ca_file;
  if (!co.ca_file.empty()) {
    // libcurl reads it itself: check first that it is a regular file of sensible size.
    if (auto st = cim::check_regular_file(co.ca_file, std::size_t{16} * 1024 * 1024, "--ca-file");
        !st.ok())
      return st;
  }
  // The client's own plain-HTTP transport where it applies, else libcurl (decision 0101);
  // HVSNAP_CLIENT_TRANSPORT=libcurl keeps every request on libcurl.
  if (const char* t = std::getenv("HVSNAP_CLIENT_TRANSPORT"); t != nullptr && *t != '\0') {
    const std::string_view which(t);
    if (which == "libcurl") {
      co.transport = wsman::ClientTransport::kLibcurl;
    } else if (which != "auto") {
      return cim::invalid_parameter(
          fmt::format("HVSNAP_CLIENT_TRANSPORT='{}': expected auto or libcurl", which));
    }
  }
  co.record_dir = options.record_dir;
  co.timeout_ms = options.timeout_ms;
  co.deadline = options.deadline;
  co.on_fatal = options.on_fatal;
  auto made = wsman::Client::create(co);
  if (!made.ok()) return made.status();
  std::shared_ptr<wsman::Client> client = std::move(made).value();

  auto id = client->identify();
  if (!id.ok()) {
    const bool answered = id.status().kind() == cim::StatusKind::kBadAnswer;
    return cim::Status(id.status().kind(),
                       fmt::format("{} ({})", id.status().message(),
                                   answered ? "something answered, but not as WS-Management: is "
                                              "the port WinRM's and the path /wsman?"
                                            : "is the host up, the port right, and WinRM "
                                              "listening?"));
  }

  TargetSpec spec;
  spec.uri = std::string(uri);
  if (options.insecure && tls) {
    spec.warnings.push_back(fmt::format(
        "--insecure: the certificate of {} is NOT verified; anyone on the path could pose as it",
        co.endpoint));
  }
  auto described = client->invoke_control("Describe", {});
  if (described.ok()) {
    // A served fake: a fresh host per case, exactly as in-process.
    spec.caps.control = true;
    spec.caps.fresh_hosts = true;
    if (const cim::Value* t = cim::find(described->out, "TransientFailures"); t && t->as_bool())
      spec.caps.transient_failures = *t->as_bool();
    if (const cim::Value* l = cim::find(described->out, "DefaultCheckpointLimit");
        l && l->as_uint())
      spec.caps.default_checkpoint_limit = static_cast<std::uint32_t>(*l->as_uint());
    spec.fixture = out_string(*described, "Fixture");
    spec.personality = out_string(*described, "Personality");
    spec.identity = fmt::format("{} served over WS-Management at {} ({})",
                                out_string(*described, "Identity"), co.endpoint, *id);
    served_factory(spec, *described, co, client, options.seed);
    return spec;
  }
  if (described.status().kind() == cim::StatusKind::kUnavailable ||
      described.status().kind() == cim::StatusKind::kNotSent ||
      described.status().kind() == cim::StatusKind::kTimeout ||
      described.status().kind() == cim::StatusKind::kAccessDenied) {
    return described.status();
  }
  // A live host: no control, objects the suite creates are cleaned up, and the cases of their
  // own objects may run several at a time, each over a connection of its own (decision 0143).
  spec.caps.own_object_cases_overlap = true;
  auto connections = std::make_shared<LiveConnections>(co, client);
  spec.requests_sent = [connections] { return connections->requests_sent(); };
  spec.identity = fmt::format("WS-Management host at {} ({})", co.endpoint, *id);
  spec.factory = [connections, caps = spec.caps, uri = spec.uri,
                  identity = spec.identity](std::uint64_t) -> cim::Result<conformance::Target> {
    auto provider = connections->lease();
    if (!provider.ok()) return provider.status();
    return conformance::Target{std::move(provider).value(), nullptr, caps, uri, identity};
  };
  return spec;
}

}  // namespace hvsnap::tools
