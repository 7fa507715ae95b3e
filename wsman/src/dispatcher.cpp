// The WS-Management dispatcher (see dispatcher.h; contract §8; decisions 0009, 0020, 0021).
#include "hvsnap/wsman/dispatcher.h"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <fmt/ranges.h>

#include <algorithm>

#include "dispatcher_impl.h"
#include "hvsnap/cim/text.h"
#include "hvsnap/wsman/uris.h"
#include "hvsnap/wsman/wql.h"
#include "xml.h"

namespace hvsnap::wsman {

namespace {

// WinRM reports errors from WMI as coming from its WMI plug-in.
constexpr std::string_view kProviderName = "WMI Provider";

std::string unwritable_in(const cim::Value& v) {
  if (v.is_null()) return {};
  auto check = [](std::string_view t) -> std::optional<std::size_t> {
    return xml::invalid_xml10_at(t);
  };
  if (v.is_array()) {
    for (const auto& s : v.items()) {
      if (const auto* str = std::get_if<std::string>(&s)) {
        if (auto at = check(*str)) return fmt::format("byte {}", *at);
      }
    }
    return {};
  }
  if (const auto s = v.as_string()) {
    if (auto at = check(*s)) return fmt::format("byte {}", *at);
  }
  if (const cim::ObjectPath* p = v.as_reference()) {
    for (const auto& k : p->keys()) {
      if (auto at = check(k.value)) return fmt::format("key {} byte {}", k.name.view(), *at);
    }
  }
  if (const cim::Instance* i = v.as_instance()) {
    std::string inner = unwritable_text(*i);
    if (!inner.empty()) return "embedded " + inner;
  }
  return {};
}

std::string unwritable_in(const cim::PropertyList& list) {
  for (const auto& p : list) {
    std::string where = unwritable_in(p.value);
    if (!where.empty()) return fmt::format("{} ({})", p.name.view(), where);
  }
  return {};
}

}  // namespace

Fault unwritable_fault(std::string_view what, std::string_view where) {
  return faults::internal_error(fmt::format(
      "{} holds a character that XML 1.0 cannot carry, not even as a character reference, in {}; "
      "this service refuses to send it rather than send ill-formed XML",
      what, where));
}

std::string unwritable_key(const cim::ObjectPath& path) {
  for (const auto& k : path.keys()) {
    if (auto at = xml::invalid_xml10_at(k.value))
      return fmt::format("the key {} (byte {})", k.name.view(), *at);
  }
  return {};
}

std::string unwritable_text(const cim::Instance& inst) {
  if (std::string key = unwritable_key(inst.path()); !key.empty()) return key;
  // Visited in order, the first finding kept: a table instance's list is not made for the
  // check (decision 0128).
  std::string found;
  inst.for_each_property([&](const cim::Name& name, const cim::Value& v) {
    if (!found.empty()) return;
    std::string where = unwritable_in(v);
    if (!where.empty()) found = fmt::format("{} ({})", name.view(), where);
  });
  return found;
}

Fault fault_for(const cim::Status& st) {
  switch (st.kind()) {
    case cim::StatusKind::kNotFound:
    case cim::StatusKind::kInvalidClass:
    case cim::StatusKind::kInvalidNamespace:
      return faults::destination_unreachable(st.message());
    case cim::StatusKind::kInvalidParameter:
      return faults::invalid_parameter(st.message());
    case cim::StatusKind::kMethodNotFound:
    case cim::StatusKind::kNotSupported:
      return faults::action_not_supported(st.message());
    case cim::StatusKind::kAccessDenied:
      return faults::access_denied(st.message());
    case cim::StatusKind::kTimeout:
      return faults::timed_out(st.message());
    default:
      return faults::internal_error(st.message());
  }
}

cim::Status status_for(const Fault& f) {
  const std::string text = f.to_string();
  if (f.subcode == "DestinationUnreachable") {
    return cim::Status(
        f.wsman_code == 2150858811u ? cim::StatusKind::kInvalidClass : cim::StatusKind::kNotFound,
        text);
  }
  if (f.subcode == "InvalidResourceURI") return cim::Status(cim::StatusKind::kInvalidClass, text);
  if (f.subcode == "InvalidSelectors" || f.subcode == "InvalidParameter" ||
      f.subcode == "SchemaValidationError" || f.subcode == "CannotProcessFilter") {
    return cim::Status(cim::StatusKind::kInvalidParameter, text);
  }
  if (f.subcode == "ActionNotSupported") return cim::Status(cim::StatusKind::kMethodNotFound, text);
  if (f.subcode == "AccessDenied") return cim::Status(cim::StatusKind::kAccessDenied, text);
  if (f.subcode == "TimedOut") return cim::Status(cim::StatusKind::kTimeout, text);
  return cim::Status(cim::StatusKind::kFailed, text);
}

Dispatcher::Dispatcher(std::shared_ptr<cim::Provider> provider,
                       std::shared_ptr<ControlHandler> control, DispatcherOptions options)
    : provider_(std::move(provider)), control_(std::move(control)), options_(std::move(options)) {}

std::string Dispatcher::next_message_id() {
  std::lock_guard lock(mu_);
  const std::uint64_t n = ++counter_;
  return fmt::format("uuid:00000000-0000-4000-8000-{:012X}", n & 0xFFFFFFFFFFFFULL);
}

std::string Dispatcher::new_context_id() {
  // 128 bits from OpenSSL's CSPRNG (decision 0020): another client cannot guess it.
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) return {};
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
  return fmt::format(
      "uuid:{:02X}{:02X}{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:"
      "02X}"
      "{:02X}{:02X}",
      b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
      b[15]);
}

std::size_t Dispatcher::open_enumerations() {
  std::lock_guard lock(mu_);
  return contexts_.size();
}

std::uint64_t Dispatcher::max_envelope(const Request& r) const {
  return r.max_envelope_size ? r.max_envelope_size : options_.default_max_envelope;
}

Dispatcher::Reply Dispatcher::oversized_request_reply(std::size_t bytes, std::string_view head) {
  const Fault f = faults::request_too_large(fmt::format(
      "the request is {} bytes; this service accepts at most {}", bytes, max_request_bytes()));
  return {f.http_status, write_fault(f, salvage_message_id(head), next_message_id())};
}

Dispatcher::Reply Dispatcher::handle(std::string_view envelope, std::string_view client) {
  auto parsed = parse_request(envelope, options_.limits);
  if (auto* f = std::get_if<Fault>(&parsed))
    return {f->http_status, write_fault(*f, f->relates_to, next_message_id())};
  return answer(std::get<Request>(parsed), client);
}

// The control extension riding on a request (decision 0140): its advance, made before
// anything else of the request is looked at, so that whatever the request is answered, the
// clock it tells has moved by it (h:Clock's Advanced says so). A refused advance is the
// request's fault, and the request is not made.
std::optional<Fault> Dispatcher::advance_first(const Request& r, std::int64_t& advanced) {
  if (control_ == nullptr && !r.control_must_understand.empty()) {
    return faults::must_understand(
        fmt::format("the header {} is marked mustUnderstand and needs hvsnap's control "
                    "extension, which this service does not serve",
                    r.control_must_understand));
  }
  if (r.advance_first_ms <= 0) return std::nullopt;
  if (control_ == nullptr) {
    return faults::invalid_header(
        "h:AdvanceFirst needs hvsnap's control extension, which this service does not serve");
  }
  auto done = control_->invoke(
      "Advance", {{cim::Name("Milliseconds"), cim::Value::sint64(r.advance_first_ms)}});
  if (!done.ok()) {
    return faults::invalid_header(
        fmt::format("h:AdvanceFirst {} ms was refused, so the request "
                    "was not made: {}",
                    r.advance_first_ms, done.status().message()));
  }
  advanced = r.advance_first_ms;
  return std::nullopt;
}

// … and the clock after the request, as an h:Clock header of its answer (none without the
// extension, or while it has no clock to tell: a host slot before its first Reset).
void Dispatcher::tell_clock(const Request& r, std::int64_t advanced, std::string& body) {
  if (!r.tell_clock || control_ == nullptr) return;
  auto now = control_->invoke("Now", {});
  if (!now.ok()) return;
  const cim::Value* ms = cim::find(now->out, "Milliseconds");
  if (ms == nullptr || !ms->as_int()) return;
  // A clock that real time moves (decision 0031) is not told: it moves between requests.
  const cim::Value* mode = cim::find(now->out, "Clock");
  if (mode != nullptr && mode->as_string() != std::optional<std::string_view>("calls")) return;
  ToldClock c{*ms->as_int(), std::nullopt, advanced};
  if (const cim::Value* e = cim::find(now->out, "EpochMilliseconds"); e != nullptr)
    c.epoch_ms = e->as_int();
  add_told_clock(body, c);
}

std::size_t Dispatcher::clock_room(const Request& r) const {
  return r.tell_clock && control_ != nullptr ? kToldClockRoom : 0;
}

Dispatcher::Reply Dispatcher::answer(const Request& r, std::string_view client) {
  Response resp;
  std::int64_t advanced = 0;
  if (auto f = advance_first(r, advanced)) {
    resp.fault = std::move(f);
  } else if (r.op != Operation::kIdentify && r.max_envelope_size != 0 &&
             r.max_envelope_size < options_.min_max_envelope) {
    resp.fault = faults::encoding_limit(
        fmt::format("w:MaxEnvelopeSize {} is below {}, the smallest this service (and MS-WSMV) "
                    "allows",
                    r.max_envelope_size, options_.min_max_envelope));
    resp.fault->detail = std::string(fault_detail::kMinimumEnvelopeLimit);
  } else {
    const auto start = std::chrono::steady_clock::now();
    switch (r.op) {
      case Operation::kGet:
        resp = get(r);
        break;
      case Operation::kEnumerate:
        resp = enumerate(r, client);
        break;
      case Operation::kPull:
        resp = pull(r, client);
        break;
      case Operation::kRelease:
        resp = release(r, client);
        break;
      case Operation::kInvoke:
        resp = invoke(r);
        break;
      case Operation::kIdentify:
        resp.product_vendor = options_.product_vendor;
        resp.product_version = options_.product_version;
        break;
    }
    // OperationTimeout: the answer is a w:TimedOut fault when the work took longer (a Pull
    // serves items already gathered and never waits, so MaxTime cannot expire).
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
    if (!resp.fault && r.operation_timeout_ms >= 0 && took > r.operation_timeout_ms &&
        r.op != Operation::kPull && r.op != Operation::kRelease) {
      if (r.op == Operation::kEnumerate && !resp.context.empty()) {
        Request rel = r;
        rel.context = resp.context;
        (void)release(rel, client);
      }
      resp = Response{};
      resp.fault = faults::timed_out(
          fmt::format("the operation took {} ms, longer than its w:OperationTimeout of {} ms", took,
                      r.operation_timeout_ms));
    }
  }
  const std::string id = next_message_id();
  std::string body = write_response(r, resp, id);
  if (resp.fault) {
    tell_clock(r, advanced, body);
    return {resp.fault->http_status, std::move(body)};
  }
  if (options_.rewrite_reply) options_.rewrite_reply(r, body);
  tell_clock(r, advanced, body);
  if (body.size() > max_envelope(r)) {
    // A Get or Invoke answer that does not fit (batches are cut to fit in take()).
    Fault f = faults::encoding_limit(
        fmt::format("the answer is {} bytes; the request's w:MaxEnvelopeSize allows {}",
                    body.size(), max_envelope(r)));
    f.detail = std::string(fault_detail::kMaxEnvelopeSize);
    Response fr;
    fr.fault = std::move(f);
    std::string fault = write_response(r, fr, id);
    tell_clock(r, advanced, fault);
    return {fr.fault->http_status, std::move(fault)};
  }
  return {200, std::move(body)};
}

Fault Dispatcher::provider_fault(const cim::Status& st) const {
  Fault f = fault_for(st);
  f.provider = std::string(kProviderName);
  f.provider_message = st.message();
  f.provider_code = f.wsman_code;
  return f;
}

std::optional<Fault> Dispatcher::selectors_fault(const cim::ObjectPath& target) {
  // DSP0226 7.x: too few selectors is InsufficientSelectors, a name the class does not key on
  // is UnexpectedSelectors. The key names come from an instance of the class.
  auto all = provider_->enumerate_instances(target.name_space(), target.class_name());
  if (!all.ok()) return std::nullopt;
  const cim::Instance* sample = nullptr;
  for (const auto& i : *all) {
    if (cim::iequals(i.class_name(), target.class_name()) && !i.path().keys().empty()) {
      sample = &i;
      break;
    }
  }
  if (sample == nullptr) return std::nullopt;
  const auto& keys = sample->path().keys();
  for (const auto& k : target.keys()) {
    if (sample->path().key(k.name.view()) == nullptr) {
      std::vector<std::string> names;
      for (const auto& x : keys)
        names.emplace_back(x.name.view());
      return faults::invalid_selectors(
          fmt::format("{} has no key {} (its keys: {})", target.class_name(), k.name.view(),
                      fmt::join(names, ", ")),
          fault_detail::kUnexpectedSelectors);
    }
  }
  if (target.keys().size() < keys.size()) {
    std::vector<std::string> missing;
    for (const auto& k : keys) {
      if (target.key(k.name.view()) == nullptr) missing.emplace_back(k.name.view());
    }
    return faults::invalid_selectors(
        fmt::format("{} is named by {} selectors; the request gives {} (missing: {})",
                    target.class_name(), keys.size(), target.keys().size(),
                    fmt::join(missing, ", ")),
        fault_detail::kInsufficientSelectors);
  }
  return std::nullopt;
}

Response Dispatcher::get(const Request& r) {
  Response out;
  auto inst = provider_->get_instance(r.target);
  if (!inst.ok()) {
    if (inst.status().kind() == cim::StatusKind::kNotFound) {
      if (auto f = selectors_fault(r.target)) {
        out.fault = std::move(f);
        return out;
      }
    }
    out.fault = provider_fault(inst.status());
    return out;
  }
  // A provider that finds the instance from some of its keys does not make the request
  // complete: DSP0226 names every key (WMI refuses a partial object path).
  if (inst->path().keys().size() > r.target.keys().size()) {
    std::vector<std::string> missing;
    for (const auto& k : inst->path().keys()) {
      if (r.target.key(k.name.view()) == nullptr) missing.emplace_back(k.name.view());
    }
    out.fault = faults::invalid_selectors(
        fmt::format("{} is named by {} selectors; the request gives {} (missing: {})",
                    r.target.class_name(), inst->path().keys().size(), r.target.keys().size(),
                    fmt::join(missing, ", ")),
        fault_detail::kInsufficientSelectors);
    return out;
  }
  if (std::string where = unwritable_text(*inst); !where.empty()) {
    out.fault = unwritable_fault(inst->path().to_string(), where);
    return out;
  }
  Item it;
  it.epr = inst->path();
  it.instance = std::move(inst).value();
  out.items.push_back(std::move(it));
  return out;
}

Response Dispatcher::invoke(const Request& r) {
  Response out;
  cim::Result<cim::MethodResult> res = cim::failed("not run");
  if (r.resource_uri == uri::kControl) {
    if (!control_) {
      out.fault = faults::destination_unreachable(
          "this service has no control interface (it is not serving the fake)");
      return out;
    }
    res = control_->invoke(r.method, r.in);
  } else {
    if (r.target.keys().empty()) {
      // DSP0226: an instance method needs the instance's selectors.
      if (auto f = selectors_fault(r.target)) {
        out.fault = std::move(f);
        return out;
      }
    }
    res = provider_->invoke_method(r.target, r.method, r.in);
  }
  if (!res.ok()) {
    if (res.status().kind() == cim::StatusKind::kNotFound) {
      if (auto f = selectors_fault(r.target)) {
        out.fault = std::move(f);
        return out;
      }
    }
    out.fault =
        r.resource_uri == uri::kControl ? fault_for(res.status()) : provider_fault(res.status());
    return out;
  }
  if (std::string where = unwritable_in(res->out); !where.empty()) {
    out.fault = unwritable_fault(fmt::format("the output of {}", r.method), where);
    return out;
  }
  out.output = std::move(res).value();
  return out;
}

}  // namespace hvsnap::wsman
