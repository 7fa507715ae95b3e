// wsman::Client (contract §8): the generic CIM operations as WS-Man requests — Get, WQL
// Enumerate and Pull loops, Invoke — and their answers read back; the HTTP exchange is a
// transport's (client_transport.h, decision 0101), its failures mapped to a Status here, the
// same whichever transport carried it (decision 0033 for the fatal ones).
#include "hvsnap/wsman/client.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <utility>

#include "client_transport.h"
#include "hvsnap/cim/names.h"
#include "hvsnap/cim/text.h"
#include "hvsnap/wsman/dispatcher.h"
#include "hvsnap/wsman/uris.h"
#include "hvsnap/wsman/wql.h"

namespace hvsnap::wsman {

namespace fs = std::filesystem;

struct Client::Pool {
  std::mutex mu;
  std::optional<cim::Status> fatal;  // set once: every later request fails with it
  std::unique_ptr<detail::HttpTransport> transport;
  bool plain = false;  // the Beast transport, not libcurl
};

namespace {

std::string new_uuid(std::uint64_t client, std::uint64_t counter) {
  // Unique per client process: a random base plus a counter (no need for secrecy), and per
  // client of the process (a served fake's host slots, a live host's connections: decisions
  // 0122, 0143), whose requests may be in flight at once with the same counter.
  static const std::uint64_t kBase = [] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }();
  const std::uint64_t v = kBase + (client << 32) + counter;
  return fmt::format(
      "uuid:{:08X}-{:04X}-4{:03X}-8{:03X}-{:012X}", static_cast<std::uint32_t>(v >> 32),
      static_cast<std::uint32_t>(v >> 16) & 0xFFFF, static_cast<std::uint32_t>(v) & 0xFFF,
      static_cast<std::uint32_t>(counter >> 48) & 0xFFF, counter & 0xFFFFFFFFFFFFULL);
}

std::string wildcard(std::string_view name_space) {
  return uri::resource_uri(name_space, "*");
}

}  // namespace

Client::Client(ClientOptions options)
    : options_(std::move(options)), pool_(std::make_unique<Pool>()), number_([] {
        static std::atomic<std::uint64_t> made{0};
        return made++;
      }()) {
  // Built from options_, which outlives the transport (pool_ is destroyed first).
  if (options_.transport == ClientTransport::kAuto)
    pool_->transport = detail::make_plain_transport(options_);
  pool_->plain = pool_->transport != nullptr;
  if (!pool_->plain) pool_->transport = detail::make_curl_transport(options_);
}

Client::~Client() = default;

bool Client::plain_http() const {
  return pool_->plain;
}

cim::Result<std::unique_ptr<Client>> Client::create(ClientOptions o) {
  const bool https = o.endpoint.rfind("https://", 0) == 0;
  if (!https && o.endpoint.rfind("http://", 0) != 0) {
    return cim::invalid_parameter(
        fmt::format("the endpoint '{}' is not an http:// or https:// URL", o.endpoint));
  }
  if (!o.record_dir.empty()) {
    std::error_code ec;
    fs::create_directories(o.record_dir, ec);
    if (ec)
      return cim::invalid_parameter(fmt::format("--record {}: {}", o.record_dir, ec.message()));
  }
  return std::unique_ptr<Client>(new Client(std::move(o)));
}

cim::Result<std::string> Client::post(const std::string& body, int& http_status, bool repeatable) {
  http_status = 0;
  auto fatal = [&](cim::Status st) -> cim::Status {
    bool first = false;
    {
      std::lock_guard lock(pool_->mu);
      if (!pool_->fatal) {
        pool_->fatal = st;
        first = true;
      }
      st = *pool_->fatal;
    }
    if (first && options_.on_fatal) options_.on_fatal(st);
    return st;
  };
  long timeout_ms = options_.timeout_ms;
  {
    std::lock_guard lock(pool_->mu);
    if (pool_->fatal) return *pool_->fatal;
  }
  if (options_.deadline != std::chrono::steady_clock::time_point::max()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          options_.deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      return fatal(cim::Status(
          cim::StatusKind::kTimeout,
          fmt::format("{}: the run's time is up (its --budget and the grace after it) with the "
                      "host still owing answers; no further request is sent",
                      options_.endpoint)));
    }
    timeout_ms = std::min<long>(timeout_ms, static_cast<long>(left));
  }
  std::string response;
  const detail::Exchange ex = pool_->transport->post(body, timeout_ms, response, repeatable);
  if (ex.not_sent_again) {
    return cim::Status(
        cim::StatusKind::kUnavailable,
        fmt::format("{}: a kept connection died under the request; it is not sent again, as the "
                    "host may have read it",
                    options_.endpoint));
  }
  const CURLcode rc = ex.rc;
  http_status = ex.http_status;
  if (rc != CURLE_OK) {
    std::string what = fmt::format("{}: {}", options_.endpoint, curl_easy_strerror(rc));
    if (ex.sent_nothing && (rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_CONNECT ||
                            rc == CURLE_SSL_CONNECT_ERROR)) {
      // No connection, so no request: this one was not made, and may be sent again.
      return cim::Status(cim::StatusKind::kNotSent, what + " (the request was not sent)");
    }
    // libcurl's words for an answer whose head it cannot hold (and the plain transport's).
    if (rc == CURLE_OUT_OF_MEMORY)
      what += " (most likely the answer's header or trailer is larger than the client reads)";
    if (rc == CURLE_FILESIZE_EXCEEDED) {
      return fatal(cim::Status(
          cim::StatusKind::kUnavailable,
          fmt::format("{}: the host sent a response larger than {} bytes (the client's limit); "
                      "it was not read further",
                      options_.endpoint, options_.max_response_bytes)));
    }
    switch (rc) {
      case CURLE_OPERATION_TIMEDOUT:
        return fatal(cim::Status(
            cim::StatusKind::kTimeout,
            fmt::format(
                "{}: no complete answer within {} ms{} ({})", options_.endpoint, timeout_ms,
                timeout_ms < options_.timeout_ms ? " (what was left of the run's time)" : "",
                curl_easy_strerror(rc))));
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_CONNECT:
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SEND_ERROR:
      case CURLE_RECV_ERROR:
      case CURLE_GOT_NOTHING:
        return cim::Status(cim::StatusKind::kUnavailable, what);
      default:
        // An answer cut short, a head libcurl cannot read: no answer (decision 0161).
        return cim::Status(cim::StatusKind::kBadAnswer, what);
    }
  }
  return response;
}

bool Client::advance_with_next(std::int64_t ms, std::int64_t most) {
  const std::lock_guard lock(clock_mu_);
  if (ms < 0 || ms > most - pending_advance_ms_) return false;
  pending_advance_ms_ += ms;
  if (told_) told_->ms += ms;
  return true;
}

std::optional<ToldClock> Client::told_clock() const {
  const std::lock_guard lock(clock_mu_);
  return told_;
}

cim::Result<Response> Client::send(Request r) {
  const std::uint64_t n = ++counter_;
  r.to = options_.endpoint;
  if (r.max_envelope_size == 0) r.max_envelope_size = options_.max_envelope_size;
  r.message_id = new_uuid(number_, n);
  const bool fold = fold_clock_.load();
  if (fold) {
    // The clock is unknown until this request's answer tells it (decision 0140).
    const std::lock_guard lock(clock_mu_);
    r.tell_clock = true;
    r.advance_first_ms = std::exchange(pending_advance_ms_, 0);
    told_.reset();
  }
  const std::string body = write_request(r);
  int status = 0;
  // What may reach the host twice with no harm (decision 0166): not a call, nor a Pull or a
  // Release, which move an enumeration on, nor anything that carries a clock advance.
  const bool repeatable =
      (r.op == Operation::kGet || r.op == Operation::kEnumerate || r.op == Operation::kIdentify) &&
      r.advance_first_ms == 0;
  auto raw = post(body, status, repeatable);
  // What the answer says of the advance it carried: made (h:Clock's Advanced), refused (a
  // clock without it: dropped, as a refused Advance request was), or not reached, for an
  // answer that tells no clock (a request refused before it was read, a lost connection):
  // then it goes with the next request. An answer lost after the service made it is the one
  // case where it is made twice, as an Advance request whose answer was lost could be too.
  std::optional<ToldClock> told;
  const auto settle_clock = [&] {
    if (!fold) return;
    const std::lock_guard lock(clock_mu_);
    if (told) {
      told_ = told;
    } else {
      pending_advance_ms_ += r.advance_first_ms;
    }
  };
  if (!options_.record_dir.empty()) {
    const fs::path dir(options_.record_dir);
    std::ofstream(dir / fmt::format("{:06}-request.xml", n), std::ios::binary) << body;
    if (raw.ok()) {
      std::ofstream(dir / fmt::format("{:06}-response-{}.xml", n, status), std::ios::binary)
          << *raw;
    } else {
      std::ofstream(dir / fmt::format("{:06}-error.txt", n), std::ios::binary)
          << raw.status().to_string() << "\n";
    }
  }
  if (!raw.ok()) {
    settle_clock();
    return raw.status();
  }
  auto parsed = parse_response(*raw, options_.limits);
  if (parsed.ok()) told = parsed->clock;
  settle_clock();
  if (status == 401) {
    return cim::Status(
        cim::StatusKind::kAccessDenied,
        fmt::format("{}: the host refused the credentials (HTTP 401)", options_.endpoint));
  }
  // An HTTP status WS-Man does not use (a proxy's 502, an overloaded front end's 503, a wrong
  // path's 404) and a body that is not XML (an answer cut short) answer nothing (decision
  // 0161). An XML answer is the host's, however malformed, and is judged as such.
  if (status != 200 && status != 400 && status != 500) {
    return cim::Status(cim::StatusKind::kBadAnswer,
                       fmt::format("{}: HTTP {}{}", options_.endpoint, status,
                                   raw->empty() ? std::string() : ": " + raw->substr(0, 200)));
  }
  if (!parsed.ok()) {
    return cim::Status(parsed.status().kind(), fmt::format("{}: HTTP {}: {}", options_.endpoint,
                                                           status, parsed.status().message()));
  }
  if (status != 200 && !parsed->fault) {
    return cim::failed(fmt::format("{}: HTTP {} without a SOAP fault", options_.endpoint, status));
  }
  return parsed;
}

cim::Result<cim::Instance> Client::get_instance(const cim::ObjectPath& path) {
  Request r;
  r.op = Operation::kGet;
  r.action = std::string(uri::kActionGet);
  r.resource_uri = uri::resource_uri(path.name_space(), path.class_name());
  r.target = path;
  auto resp = send(std::move(r));
  if (!resp.ok()) return resp.status();
  if (resp->fault) return status_for(*resp->fault);
  note(std::move(resp->wire_problems));
  if (resp->items.empty() || !resp->items.front().instance)
    return cim::failed("the Get response holds no instance");
  cim::Instance inst = std::move(*resp->items.front().instance);
  cim::ObjectPath p = path;
  p.set_host(cim::Name());
  if (p.name_space().empty()) p.set_namespace(cim::Name(inst.path().name_space()));
  inst.set_path(std::move(p));
  return inst;
}

std::vector<cim::Result<cim::Instance>> Client::get_instances(
    const std::vector<cim::ObjectPath>& paths) {
  // Several objects of one class in one request: a WQL query on their keys (decision 0083),
  // answered as the Gets would be. A path the answer does not hold (gone, or a host that
  // cannot evaluate the query) is read by its own Get, so its error is the Get's.
  std::vector<std::optional<cim::Result<cim::Instance>>> found(paths.size());
  for (const auto& at : cim::batches_by_class(paths)) {
    std::vector<std::vector<std::pair<std::string, std::string>>> any_of;
    for (std::size_t i : at) {
      std::vector<std::pair<std::string, std::string>> keys;
      for (const auto& k : paths[i].keys())
        keys.emplace_back(std::string(k.name.view()), k.value);
      any_of.push_back(std::move(keys));
    }
    const cim::ObjectPath& first = paths[at.front()];
    auto answer = query(first.name_space().empty() ? cim::names::kNamespace : first.name_space(),
                        write_select_any(first.class_name(), any_of));
    if (!answer.ok()) continue;
    for (std::size_t i : at) {
      for (auto& inst : *answer) {
        bool same = true;
        for (const auto& k : paths[i].keys()) {
          const cim::Value* v = inst.get(k.name.view());
          const auto text = v == nullptr ? std::nullopt : v->as_string();
          same = same && text.has_value() && cim::iequals(*text, k.value);
        }
        if (!same) continue;
        cim::Instance copy = inst;
        cim::ObjectPath p = paths[i];
        p.set_host(cim::Name());
        if (p.name_space().empty()) p.set_namespace(cim::Name(copy.path().name_space()));
        copy.set_path(std::move(p));
        found[i] = std::move(copy);
        break;
      }
    }
  }
  std::vector<cim::Result<cim::Instance>> out;
  out.reserve(paths.size());
  for (std::size_t i = 0; i < paths.size(); ++i)
    out.push_back(found[i] ? std::move(*found[i]) : get_instance(paths[i]));
  return out;
}

cim::Result<std::vector<cim::Instance>> Client::query(std::string_view name_space,
                                                      std::string filter, bool keep_repeats) {
  // The same instance may come more than once when it is reached twice: kept once, by its
  // endpoint reference — unless `keep_repeats`: an association named by its class lists each
  // pair once (CS-READ-4), so a repeat there is the host's and the caller judges it (decision
  // 0063).
  std::vector<cim::Instance> out;
  std::set<std::string> seen;
  auto st =
      enumerate_items(name_space, std::move(filter), EnumerationMode::kObjectAndEpr, [&](Item& it) {
        if (!it.instance) return;
        if (!keep_repeats && it.epr && !seen.insert(it.epr->to_string()).second) return;
        out.push_back(std::move(*it.instance));
      });
  if (!st.ok()) return st;
  return out;
}

cim::Status Client::enumerate_items(std::string_view name_space, std::string filter,
                                    EnumerationMode mode, const std::function<void(Item&)>& keep) {
  // As Windows answers (contract §8, decision 0009): any number of items per message down to
  // one (loop until EndOfSequence), and an EncodingLimit fault when the batch would exceed the
  // envelope size (ask again for half as many).
  std::uint32_t batch = std::max<std::uint32_t>(1, options_.max_elements);
  auto exchange = [&](Request req) -> cim::Result<Response> {
    while (true) {
      req.max_elements = batch;
      auto resp = send(req);
      if (!resp.ok()) return resp;
      if (resp->fault && resp->fault->subcode == "EncodingLimit" && batch > 1) {
        batch = std::max<std::uint32_t>(1, batch / 2);
        continue;
      }
      return resp;
    }
  };
  Request r;
  r.op = Operation::kEnumerate;
  r.action = std::string(uri::kActionEnumerate);
  r.resource_uri = wildcard(name_space);
  r.filter = std::move(filter);
  r.filter_dialect = std::string(uri::kWqlDialect);
  r.mode = mode;
  r.optimize = true;
  auto resp = exchange(r);
  if (!resp.ok()) return resp.status();
  if (resp->fault) return status_for(*resp->fault);
  std::size_t items = 0;
  auto collect = [&](Response& b) -> cim::Status {
    note(std::move(b.wire_problems));
    items += b.items.size();
    if (items > options_.max_enumeration_items) {
      return cim::failed(fmt::format(
          "{}: the enumeration of '{}' brought more than {} items without ending; given up",
          options_.endpoint, r.filter, options_.max_enumeration_items));
    }
    for (auto& it : b.items)
      keep(it);
    return {};
  };
  if (auto st = collect(*resp); !st.ok()) return st;
  std::string context = resp->context;
  bool done = resp->end_of_sequence || context.empty();
  constexpr int kMaxPulls = 1'000'000;
  constexpr int kMaxEmptyPulls = 100;
  int pulls = 0;
  for (int empty = 0; !done; ++pulls) {
    if (pulls == kMaxPulls || empty == kMaxEmptyPulls) {
      return cim::failed(fmt::format(
          "{}: the enumeration of '{}' did not end after {} Pulls{} (its context: '{}'); "
          "given up",
          options_.endpoint, r.filter, pulls,
          empty == kMaxEmptyPulls ? fmt::format(", the last {} of them with no item", empty)
                                  : std::string(),
          context));
    }
    Request pull;
    pull.op = Operation::kPull;
    pull.action = std::string(uri::kActionPull);
    pull.resource_uri = r.resource_uri;
    pull.context = context;
    auto next = exchange(std::move(pull));
    if (!next.ok()) return next.status();
    if (next->fault) return status_for(*next->fault);
    empty = next->items.empty() ? empty + 1 : 0;
    if (auto st = collect(*next); !st.ok()) return st;
    done = next->end_of_sequence || next->context.empty();
    context = next->context;
  }
  return {};
}

cim::Result<std::vector<cim::Instance>> Client::enumerate_instances(std::string_view name_space,
                                                                    std::string_view class_name) {
  return query(name_space.empty() ? cim::names::kNamespace : name_space, write_select(class_name));
}

cim::Result<std::vector<cim::ObjectPath>> Client::enumerate_instance_names(
    std::string_view name_space, std::string_view class_name) {
  std::vector<cim::ObjectPath> out;
  std::set<std::string> seen;  // an object listed twice is kept once, as query keeps it
  auto st = enumerate_items(name_space.empty() ? cim::names::kNamespace : name_space,
                            write_select(class_name), EnumerationMode::kEpr, [&](Item& it) {
                              // A host that sends the objects anyway: their paths.
                              std::optional<cim::ObjectPath> p = std::move(it.epr);
                              if (!p && it.instance) p = it.instance->path();
                              if (p && seen.insert(p->to_string()).second)
                                out.push_back(std::move(*p));
                            });
  if (st.ok()) return out;
  // A host that refuses the mode (or the request for any other reason): the whole instances,
  // whose error, if they fail too, is the one reported.
  auto all = enumerate_instances(name_space, class_name);
  if (!all.ok()) return all.status();
  out.clear();
  for (const auto& i : *all)
    out.push_back(i.path());
  return out;
}

cim::Result<std::vector<cim::Instance>> Client::associators(const cim::ObjectPath& object,
                                                            const cim::AssociatorsFilter& filter) {
  cim::ObjectPath o = object;
  o.set_host(cim::Name());
  // A wide traversal may reach an object twice (M2); a named association may not (CS-READ-4).
  return query(object.name_space(), write_associators(o, filter), !filter.assoc_class.empty());
}

cim::Result<std::vector<cim::Instance>> Client::references(const cim::ObjectPath& object,
                                                           const cim::ReferencesFilter& filter) {
  cim::ObjectPath o = object;
  o.set_host(cim::Name());
  return query(object.name_space(), write_references(o, filter));
}

cim::Result<cim::ObjectPath> Client::instance_of(const cim::ObjectPath& object) {
  // DSP0226: an instance method needs the instance's selectors, and WinRM refuses a keyless
  // Invoke (InternalError or WBEM_E_INVALID_METHOD_PARAMETERS on real hosts). A caller that
  // names only the class of a singleton service (as WMI scripting allows) gets the one
  // instance's path — found once by enumeration, as libvirt finds its service EPRs.
  if (!object.keys().empty() || object.singleton()) return object;
  const std::string key = fmt::format("{}:{}", object.name_space(), object.class_name());
  {
    std::lock_guard lock(services_mu_);
    if (auto it = services_.find(key); it != services_.end()) return it->second;
  }
  auto all = enumerate_instances(object.name_space(), object.class_name());
  if (!all.ok() || all->size() != 1) return object;  // let the host answer the keyless call
  cim::ObjectPath p = all->front().path();
  p.set_host(cim::Name());
  std::lock_guard lock(services_mu_);
  services_.emplace(key, p);
  return p;
}

cim::ObjectPath Client::find_service(const cim::ObjectPath& keyless) {
  auto found = instance_of(keyless);
  return found.ok() ? std::move(found).value() : keyless;
}

void Client::adopt_services(const Client& other) {
  if (&other == this) return;
  std::map<std::string, cim::ObjectPath> theirs;
  {
    std::lock_guard lock(other.services_mu_);
    theirs = other.services_;
  }
  std::lock_guard lock(services_mu_);
  services_.merge(theirs);
}

cim::Result<cim::MethodResult> Client::invoke_method(const cim::ObjectPath& object,
                                                     std::string_view method,
                                                     const cim::PropertyList& in) {
  auto target = instance_of(object);
  if (!target.ok()) return target.status();
  Request r;
  r.op = Operation::kInvoke;
  r.resource_uri = uri::resource_uri(object.name_space(), object.class_name());
  r.action = r.resource_uri + "/" + std::string(method);
  r.method = std::string(method);
  r.target = std::move(target).value();
  r.in = in;
  auto resp = send(std::move(r));
  if (!resp.ok()) return resp.status();
  if (resp->fault) return status_for(*resp->fault);
  note(std::move(resp->wire_problems));
  if (!resp->output)
    return cim::failed(fmt::format("the response to {} holds no {}_OUTPUT", method, method));
  return std::move(*resp->output);
}

void Client::note(std::vector<cim::WireProblem> problems) {
  if (problems.empty()) return;
  std::lock_guard lock(problems_mu_);
  for (auto& p : problems) {
    if (problems_.size() >= kMaxWireProblems) return;
    const bool seen = std::any_of(
        problems_.begin(), problems_.end(),
        [&](const cim::WireProblem& q) { return q.where == p.where && q.what == p.what; });
    if (!seen) problems_.push_back(std::move(p));
  }
}

std::vector<cim::WireProblem> Client::take_wire_problems() {
  std::lock_guard lock(problems_mu_);
  return std::exchange(problems_, {});
}

cim::Result<std::string> Client::identify() {
  Request r;
  r.op = Operation::kIdentify;
  std::string body = std::string(
      "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
      "xmlns:wsmid=\"http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd\"><s:Header/"
      "><s:Body>"
      "<wsmid:Identify/></s:Body></s:Envelope>");
  int status = 0;
  auto raw = post(body, status, true);
  if (!raw.ok()) return raw.status();
  if (status == 401)
    return cim::Status(cim::StatusKind::kAccessDenied,
                       "the host refused the credentials (HTTP 401)");
  auto parsed = parse_response(*raw, options_.limits);
  if (!parsed.ok()) {
    // Whatever answered is not a WS-Management service (the exit status of an unreachable one).
    return cim::Status(
        cim::StatusKind::kBadAnswer,
        fmt::format("{}: HTTP {}: {}", options_.endpoint, status, parsed.status().message()));
  }
  if (parsed->fault) return status_for(*parsed->fault);
  return parsed->product_vendor + " " + parsed->product_version;
}

cim::Result<cim::MethodResult> Client::invoke_control(std::string_view method,
                                                      const cim::PropertyList& in) {
  Request r;
  r.op = Operation::kInvoke;
  r.resource_uri = std::string(uri::kControl);
  r.action = r.resource_uri + "/" + std::string(method);
  r.method = std::string(method);
  r.in = in;
  auto resp = send(std::move(r));
  if (!resp.ok()) return resp.status();
  if (resp->fault) return status_for(*resp->fault);
  if (!resp->output) return cim::failed("the control response holds no output");
  return std::move(*resp->output);
}

}  // namespace hvsnap::wsman
