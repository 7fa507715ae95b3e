#include "hvsnap/wsman/dispatcher.h"

#include <fmt/format.h>

#include "hvsnap/cim/text.h"
#include "hvsnap/wsman/uris.h"
#include "hvsnap/wsman/wql.h"

namespace hvsnap::wsman {

Fault fault_for(const cim::Status& st) {
  switch (st.kind()) {
    case cim::StatusKind::kNotFound:
      return faults::destination_unreachable(st.message());
    case cim::StatusKind::kInvalidClass:
    case cim::StatusKind::kInvalidNamespace:
      return faults::invalid_resource_uri(st.message());
    case cim::StatusKind::kInvalidParameter:
      return faults::invalid_parameter(st.message());
    case cim::StatusKind::kMethodNotFound:
    case cim::StatusKind::kNotSupported:
      return faults::action_not_supported(st.message());
    case cim::StatusKind::kAccessDenied:
      return faults::access_denied(st.message());
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

std::string Dispatcher::next_id() {
  std::lock_guard lock(mu_);
  const std::uint64_t n = ++counter_;
  return fmt::format("uuid:00000000-0000-4000-8000-{:012X}", n & 0xFFFFFFFFFFFFULL);
}

std::size_t Dispatcher::open_enumerations() {
  std::lock_guard lock(mu_);
  return contexts_.size();
}

Dispatcher::Reply Dispatcher::handle(std::string_view envelope) {
  auto parsed = parse_request(envelope, options_.limits);
  if (auto* f = std::get_if<Fault>(&parsed))
    return {f->http_status, write_fault(*f, "", next_id())};
  const Request& r = std::get<Request>(parsed);
  Response resp;
  switch (r.op) {
    case Operation::kGet:
      resp = get(r);
      break;
    case Operation::kEnumerate:
      resp = enumerate(r);
      break;
    case Operation::kPull:
      resp = pull(r);
      break;
    case Operation::kRelease:
      resp = release(r);
      break;
    case Operation::kInvoke:
      resp = invoke(r);
      break;
    case Operation::kIdentify:
      resp.product_vendor = options_.product_vendor;
      resp.product_version = options_.product_version;
      break;
  }
  const int status = resp.fault ? resp.fault->http_status : 200;
  return {status, write_response(r, resp, next_id())};
}

Response Dispatcher::get(const Request& r) {
  Response out;
  auto inst = provider_->get_instance(r.target);
  if (!inst.ok()) {
    out.fault = fault_for(inst.status());
    return out;
  }
  Item it;
  it.epr = inst->path();
  it.instance = std::move(inst).value();
  out.items.push_back(std::move(it));
  return out;
}

Response Dispatcher::enumerate(const Request& r) {
  Response out;
  const std::string ns(r.target.name_space());
  cim::Result<std::vector<cim::Instance>> found = std::vector<cim::Instance>{};
  if (r.filter.empty()) {
    if (r.target.class_name() == "*") {
      out.fault =
          faults::cannot_process_filter("enumerating the wildcard resource URI needs a WQL filter");
      return out;
    }
    found = provider_->enumerate_instances(ns, r.target.class_name());
  } else {
    if (!r.filter_dialect.empty() && r.filter_dialect != uri::kWqlDialect) {
      out.fault = faults::filter_dialect_unavailable(fmt::format(
          "the filter dialect '{}' is not supported; use {}", r.filter_dialect, uri::kWqlDialect));
      return out;
    }
    auto q = parse_wql(r.filter);
    if (!q.ok()) {
      out.fault = faults::cannot_process_filter(q.status().message());
      return out;
    }
    if (const auto* s = std::get_if<SelectQuery>(&*q)) {
      if (r.target.class_name() != "*" && !cim::iequals(r.target.class_name(), s->class_name)) {
        out.fault = faults::cannot_process_filter(
            fmt::format("the query selects {} but the resource URI names {}", s->class_name,
                        r.target.class_name()));
        return out;
      }
      found = provider_->enumerate_instances(ns, s->class_name);
      if (found.ok()) {
        std::vector<cim::Instance> kept;
        for (auto& i : *found) {
          if (matches(i, *s)) kept.push_back(std::move(i));
        }
        found = std::move(kept);
      }
    } else if (const auto* a = std::get_if<AssociatorsQuery>(&*q)) {
      found = provider_->associators(a->object, a->filter);
    } else {
      const auto& ref = std::get<ReferencesQuery>(*q);
      found = provider_->references(ref.object, ref.filter);
    }
  }
  if (!found.ok()) {
    out.fault = found.status().kind() == cim::StatusKind::kInvalidClass
                    ? faults::cannot_process_filter(found.status().message())
                    : fault_for(found.status());
    return out;
  }
  Context c;
  c.mode = r.mode;
  c.items.reserve(found->size());
  for (auto& i : *found) {
    Item it;
    if (r.mode != EnumerationMode::kObjects) it.epr = i.path();
    if (r.mode != EnumerationMode::kEpr) it.instance = std::move(i);
    c.items.push_back(std::move(it));
  }
  const std::string id = next_id();
  if (r.optimize) {
    const std::uint32_t n = r.max_elements ? r.max_elements : options_.default_max_elements;
    take(id, c, n, out);
    if (out.end_of_sequence) return out;
  }
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  for (auto it = contexts_.begin(); it != contexts_.end();) {
    it = it->second.expires < now ? contexts_.erase(it) : std::next(it);
  }
  if (contexts_.size() >= options_.max_contexts) {
    out.items.clear();
    out.fault = faults::quota_limit(fmt::format(
        "{} enumerations are open; pull them to the end or release them", contexts_.size()));
    return out;
  }
  c.expires = now + options_.context_ttl;
  contexts_.emplace(id, std::move(c));
  out.context = id;
  out.end_of_sequence = false;
  return out;
}

void Dispatcher::take(const std::string& id, Context& c, std::uint32_t n, Response& out) {
  n = std::min(n, options_.max_elements_cap);
  while (n-- > 0 && c.next < c.items.size())
    out.items.push_back(std::move(c.items[c.next++]));
  out.end_of_sequence = c.next >= c.items.size();
  out.context = out.end_of_sequence ? std::string() : id;
}

Response Dispatcher::pull(const Request& r) {
  Response out;
  std::lock_guard lock(mu_);
  auto it = contexts_.find(r.context);
  if (it == contexts_.end() || it->second.expires < std::chrono::steady_clock::now()) {
    if (it != contexts_.end()) contexts_.erase(it);
    out.fault = faults::invalid_enumeration_context(
        fmt::format("the enumeration context '{}' is unknown, finished or expired", r.context));
    return out;
  }
  take(it->first, it->second, r.max_elements ? r.max_elements : options_.default_max_elements, out);
  if (out.end_of_sequence) {
    contexts_.erase(it);
  } else {
    it->second.expires = std::chrono::steady_clock::now() + options_.context_ttl;
  }
  return out;
}

Response Dispatcher::release(const Request& r) {
  Response out;
  std::lock_guard lock(mu_);
  if (contexts_.erase(r.context) == 0) {
    out.fault = faults::invalid_enumeration_context(
        fmt::format("the enumeration context '{}' is unknown, finished or expired", r.context));
  }
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
    res = provider_->invoke_method(r.target, r.method, r.in);
  }
  if (!res.ok()) {
    out.fault = fault_for(res.status());
    return out;
  }
  out.output = std::move(res).value();
  return out;
}

}  // namespace hvsnap::wsman
