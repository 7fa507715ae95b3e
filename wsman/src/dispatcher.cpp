// The WS-Management dispatcher (see dispatcher.h; contract §8; decisions 0009, 0020, 0021).
#include "hvsnap/wsman/dispatcher.h"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <fmt/ranges.h>

#include <algorithm>

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

Fault unwritable_fault(std::string_view what, std::string_view where) {
  return faults::internal_error(fmt::format(
      "{} holds a character that XML 1.0 cannot carry, not even as a character reference, in {}; "
      "this service refuses to send it rather than send ill-formed XML",
      what, where));
}

}  // namespace

std::string unwritable_text(const cim::Instance& inst) {
  for (const auto& k : inst.path().keys()) {
    if (auto at = xml::invalid_xml10_at(k.value))
      return fmt::format("the key {} (byte {})", k.name.view(), *at);
  }
  return unwritable_in(inst.properties());
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
  const Request& r = std::get<Request>(parsed);
  Response resp;
  if (r.op != Operation::kIdentify && r.max_envelope_size != 0 &&
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
  if (resp.fault) return {resp.fault->http_status, write_response(r, resp, id)};
  std::string body = write_response(r, resp, id);
  if (options_.rewrite_reply) options_.rewrite_reply(r, body);
  if (body.size() > max_envelope(r)) {
    // A Get or Invoke answer that does not fit (batches are cut to fit in take()).
    Fault f = faults::encoding_limit(
        fmt::format("the answer is {} bytes; the request's w:MaxEnvelopeSize allows {}",
                    body.size(), max_envelope(r)));
    f.detail = std::string(fault_detail::kMaxEnvelopeSize);
    Response fr;
    fr.fault = std::move(f);
    return {fr.fault->http_status, write_response(r, fr, id)};
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

cim::Result<std::vector<cim::Instance>> Dispatcher::run_filter(const Request& r, Response& out) {
  const std::string ns(r.target.name_space());
  auto filter_fault = [&](cim::Status st) -> cim::Result<std::vector<cim::Instance>> {
    out.fault = faults::cannot_process_filter(st.message());
    return st;
  };
  if (r.association) {
    const AssociationFilter& af = *r.association;
    cim::Result<std::vector<cim::Instance>> found = std::vector<cim::Instance>{};
    if (af.associated) {
      found = provider_->associators(af.object, af.filter);
    } else {
      found = provider_->references(af.object, {af.filter.result_class, af.filter.role});
    }
    if (!found.ok() || af.include_properties.empty()) return found;
    SelectQuery projection;
    projection.properties = af.include_properties;
    std::vector<cim::Instance> projected;
    for (const auto& i : *found) {
      auto p = project(i, projection);
      if (!p.ok()) return filter_fault(p.status());
      projected.push_back(std::move(p).value());
    }
    return projected;
  }
  if (r.filter.empty()) {
    if (r.target.class_name() == "*") {
      return filter_fault(cim::invalid_parameter(
          "enumerating the wildcard resource URI needs a WQL or association filter"));
    }
    return provider_->enumerate_instances(ns, r.target.class_name());
  }
  if (!r.filter_dialect.empty() && r.filter_dialect != uri::kWqlDialect) {
    out.fault = faults::filter_dialect_unavailable(
        fmt::format("the filter dialect '{}' is not supported; use {} or {}", r.filter_dialect,
                    uri::kWqlDialect, uri::kAssociationDialect));
    return cim::invalid_parameter("dialect");
  }
  auto q = parse_wql(r.filter);
  if (!q.ok()) return filter_fault(q.status());
  if (const auto* s = std::get_if<SelectQuery>(&*q)) {
    if (r.target.class_name() != "*" && !cim::iequals(r.target.class_name(), s->class_name)) {
      return filter_fault(
          cim::invalid_parameter(fmt::format("the query selects {} but the resource URI names {}",
                                             s->class_name, r.target.class_name())));
    }
    auto found = provider_->enumerate_instances(ns, s->class_name);
    if (!found.ok()) return found;
    WqlContext ctx;
    ctx.server = options_.server_name;
    std::vector<std::string> absent;
    ctx.absent = &absent;
    std::vector<cim::Instance> kept;
    for (auto& i : *found) {
      auto m = matches(i, *s, ctx);
      if (!m.ok()) return filter_fault(m.status());
      if (!*m) continue;
      auto p = project(i, *s, ctx);
      if (!p.ok()) return filter_fault(p.status());
      kept.push_back(std::move(p).value());
    }
    // A property no instance of the class has is not a property of the class: WMI answers
    // such a query with an error, never with an empty result.
    for (const auto& name : absent) {
      const bool anywhere = std::any_of(found->begin(), found->end(),
                                        [&](const cim::Instance& i) { return i.get(name); });
      if (!anywhere) {
        return filter_fault(
            cim::invalid_parameter(fmt::format("WQL: {} has no property {}", s->class_name, name)));
      }
    }
    return kept;
  }
  cim::Result<std::vector<cim::Instance>> found = std::vector<cim::Instance>{};
  bool keys = false;
  if (const auto* a = std::get_if<AssociatorsQuery>(&*q)) {
    found = provider_->associators(a->object, a->filter);
    keys = a->keys_only;
  } else {
    const auto& ref = std::get<ReferencesQuery>(*q);
    found = provider_->references(ref.object, ref.filter);
    keys = ref.keys_only;
  }
  if (found.ok() && keys) {
    for (auto& i : *found)
      i = keys_only(i);
  }
  return found;
}

Response Dispatcher::enumerate(const Request& r, std::string_view client) {
  Response out;
  auto found = run_filter(r, out);
  if (out.fault) return out;
  if (!found.ok()) {
    out.fault = found.status().kind() == cim::StatusKind::kInvalidClass
                    ? faults::cannot_process_filter(found.status().message())
                    : provider_fault(found.status());
    return out;
  }
  Context c;
  c.mode = r.mode;
  c.owner = std::string(client);
  c.items.reserve(found->size());
  for (auto& i : *found) {
    if (std::string where = unwritable_text(i); !where.empty()) {
      out.fault = unwritable_fault(i.path().to_string(), where);
      return out;
    }
    Item it;
    if (r.mode != EnumerationMode::kObjects) it.epr = i.path();
    if (r.mode != EnumerationMode::kEpr) it.instance = std::move(i);
    c.items.push_back(std::move(it));
  }
  if (r.optimize) {
    // DSP0226 8.2.3: without w:MaxElements an optimized enumeration carries one item.
    // The envelope around the items is measured with a stand-in of the context's length (and
    // of the answer's MessageID, which has it too): the context itself is drawn only when one
    // is kept, since an enumeration that ends in this answer names none (decision 0095).
    static constexpr std::string_view kSameLength = "uuid:00000000-0000-4000-8000-000000000000";
    Response shape;
    shape.context = std::string(kSameLength);
    const std::size_t overhead = write_response(r, shape, kSameLength).size() + 64;
    const std::uint64_t limit = max_envelope(r);
    const std::size_t budget = limit > overhead ? static_cast<std::size_t>(limit - overhead) : 0;
    if (auto f =
            take(c, r.max_elements ? r.max_elements : options_.default_max_elements, budget, out)) {
      out.fault = std::move(f);
      return out;
    }
    if (out.end_of_sequence) return out;
  }
  const std::string id = new_context_id();
  if (id.empty()) {
    out.encoded_items.clear();
    out.fault = faults::internal_error("no random bytes for an enumeration context");
    return out;
  }
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  for (auto it = contexts_.begin(); it != contexts_.end();) {
    if (it->second.expires < now) {
      if (--per_client_[it->second.owner] == 0) per_client_.erase(it->second.owner);
      it = contexts_.erase(it);
    } else {
      ++it;
    }
  }
  const std::size_t mine = per_client_.count(c.owner) ? per_client_[c.owner] : 0;
  if (mine >= options_.max_contexts_per_client || contexts_.size() >= options_.max_contexts) {
    out.encoded_items.clear();
    out.fault = faults::quota_limit(
        mine >= options_.max_contexts_per_client
            ? fmt::format("this client has {} enumerations open, the most one client may have; "
                          "pull them to the end or release them",
                          mine)
            : fmt::format("{} enumerations are open, the most this service holds; try later",
                          contexts_.size()));
    return out;
  }
  c.expires = now + options_.context_ttl;
  ++per_client_[c.owner];
  contexts_.emplace(id, std::move(c));
  out.context = id;
  out.end_of_sequence = false;
  return out;
}

std::optional<Fault> Dispatcher::take(Context& c, std::uint32_t n, std::size_t budget,
                                      Response& out) {
  n = std::min(n, options_.max_elements_cap);
  std::size_t used = 0;
  while (n-- > 0 && c.next < c.items.size()) {
    // The context holds what the enumeration's mode asked for (enumerate() built it so):
    // written as it is, without a copy.
    std::string x = item_xml(c.items[c.next]);
    if (used + x.size() > budget) {
      if (out.encoded_items.empty()) {
        Fault f = faults::encoding_limit(fmt::format(
            "the next item alone needs {} bytes and the request's w:MaxEnvelopeSize leaves {} for "
            "items; ask for a larger MaxEnvelopeSize",
            x.size(), budget));
        f.detail = std::string(fault_detail::kMaxEnvelopeSize);
        return f;
      }
      break;  // the rest waits for the next Pull
    }
    used += x.size();
    out.encoded_items.push_back(std::move(x));
    c.items[c.next] = Item{};  // written once: its memory goes now, not with the context
    ++c.next;
  }
  out.end_of_sequence = c.next >= c.items.size();
  return std::nullopt;
}

Response Dispatcher::pull(const Request& r, std::string_view client) {
  Response out;
  std::lock_guard lock(mu_);
  auto it = contexts_.find(r.context);
  const bool mine = it != contexts_.end() && it->second.owner == client;
  if (!mine || it->second.expires < std::chrono::steady_clock::now()) {
    if (mine) {
      if (--per_client_[it->second.owner] == 0) per_client_.erase(it->second.owner);
      contexts_.erase(it);
    }
    // Another client's context is answered exactly as an unknown one (decision 0020).
    out.fault = faults::invalid_enumeration_context(
        fmt::format("the enumeration context '{}' is unknown, finished or expired", r.context));
    return out;
  }
  Response shape;
  shape.context = r.context;
  const std::size_t overhead = write_response(r, shape, r.context).size() + 64;
  const std::uint64_t limit = max_envelope(r);
  const std::size_t budget = limit > overhead ? static_cast<std::size_t>(limit - overhead) : 0;
  // WS-Enumeration 3.2: a Pull without MaxElements returns one item.
  if (auto f = take(it->second, r.max_elements ? r.max_elements : options_.default_max_elements,
                    budget, out)) {
    out.fault = std::move(f);
    return out;
  }
  if (out.end_of_sequence) {
    if (--per_client_[it->second.owner] == 0) per_client_.erase(it->second.owner);
    contexts_.erase(it);
  } else {
    out.context = r.context;
    it->second.expires = std::chrono::steady_clock::now() + options_.context_ttl;
  }
  return out;
}

Response Dispatcher::release(const Request& r, std::string_view client) {
  Response out;
  std::lock_guard lock(mu_);
  auto it = contexts_.find(r.context);
  if (it == contexts_.end() || it->second.owner != client) {
    out.fault = faults::invalid_enumeration_context(
        fmt::format("the enumeration context '{}' is unknown, finished or expired", r.context));
    return out;
  }
  if (--per_client_[it->second.owner] == 0) per_client_.erase(it->second.owner);
  contexts_.erase(it);
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
