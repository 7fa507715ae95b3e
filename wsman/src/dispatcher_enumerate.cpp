// The WS-Management dispatcher's enumerations (see dispatcher.h; contract §8; decisions 0009,
// 0020): Enumerate with its filters (WQL, association), Pull, Release and the contexts they keep.
#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "dispatcher_impl.h"
#include "hvsnap/cim/text.h"
#include "hvsnap/wsman/dispatcher.h"
#include "hvsnap/wsman/uris.h"
#include "hvsnap/wsman/wql.h"
#include "xml.h"

namespace hvsnap::wsman {
namespace {

// The sets of `property = 'string'` a WHERE is the disjunction of, (p = 'v' AND …) OR (…);
// nullopt for any other WHERE.
bool equalities(const WqlExpr& e, std::vector<cim::Provider::PropertyEquals>& any_of, bool in_and) {
  switch (e.kind) {
    case WqlExpr::Kind::kOr:
      if (in_and) return false;
      return equalities(e.operands[0], any_of, false) && equalities(e.operands[1], any_of, false);
    case WqlExpr::Kind::kAnd: {
      if (!in_and) any_of.emplace_back();
      return equalities(e.operands[0], any_of, true) && equalities(e.operands[1], any_of, true);
    }
    case WqlExpr::Kind::kCompare:
      if (e.op != "=" || e.literal.kind != WqlLiteral::Kind::kString) return false;
      if (!in_and) any_of.emplace_back();
      any_of.back().emplace_back(e.property, e.literal.text);
      return true;
    default:
      return false;
  }
}

std::optional<std::vector<cim::Provider::PropertyEquals>> equalities(const WqlExpr& e) {
  std::vector<cim::Provider::PropertyEquals> any_of;
  if (!equalities(e, any_of, false)) return std::nullopt;
  return any_of;
}

// The class an enumeration lists whole, when it asks for names only (EnumerateEPR) with no
// filter or with `SELECT * FROM` it and nothing else: its endpoint references are the
// provider's names, and no instance needs to be made (decision 0138). nullopt for anything
// else, and for a request run_filter would refuse (it says why).
std::optional<std::string> names_of_class(const Request& r) {
  if (r.mode != EnumerationMode::kEpr || r.association) return std::nullopt;
  if (r.filter.empty()) {
    if (r.target.class_name() == "*") return std::nullopt;
    return std::string(r.target.class_name());
  }
  if (!r.filter_dialect.empty() && r.filter_dialect != uri::kWqlDialect) return std::nullopt;
  auto q = parse_wql(r.filter);
  if (!q.ok()) return std::nullopt;
  const auto* s = std::get_if<SelectQuery>(&*q);
  if (s == nullptr || s->where || !s->properties.empty()) return std::nullopt;
  if (r.target.class_name() != "*" && !cim::iequals(r.target.class_name(), s->class_name))
    return std::nullopt;
  return s->class_name;
}

}  // namespace

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
    // Objects named by their keys are found by them where the provider can (decision 0137);
    // every instance is tested below either way.
    const auto any_of = s->where ? equalities(*s->where) : std::nullopt;
    auto found = any_of ? provider_->enumerate_instances_matching(ns, s->class_name, *any_of)
                        : provider_->enumerate_instances(ns, s->class_name);
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
  auto failed = [&](const cim::Status& st) {
    out.fault = st.kind() == cim::StatusKind::kInvalidClass
                    ? faults::cannot_process_filter(st.message())
                    : provider_fault(st);
  };
  Context c;
  c.mode = r.mode;
  c.owner = std::string(client);
  if (const auto cls = names_of_class(r)) {
    // Only references are sent: only their keys need to be writable (decision 0138).
    auto names = provider_->enumerate_instance_names(r.target.name_space(), *cls);
    if (!names.ok()) {
      failed(names.status());
      return out;
    }
    c.items.reserve(names->size());
    for (auto& p : *names) {
      if (std::string where = unwritable_key(p); !where.empty()) {
        out.fault = unwritable_fault(p.to_string(), where);
        return out;
      }
      Item it;
      it.epr = std::move(p);
      c.items.push_back(std::move(it));
    }
  } else {
    auto found = run_filter(r, out);
    if (out.fault) return out;
    if (!found.ok()) {
      failed(found.status());
      return out;
    }
    c.items.reserve(found->size());
    for (auto& i : *found) {
      // Names only: only the references are sent, so only their keys must be writable.
      if (std::string where =
              r.mode == EnumerationMode::kEpr ? unwritable_key(i.path()) : unwritable_text(i);
          !where.empty()) {
        out.fault = unwritable_fault(i.path().to_string(), where);
        return out;
      }
      Item it;
      if (r.mode != EnumerationMode::kObjects) it.epr = i.path();
      if (r.mode != EnumerationMode::kEpr) it.instance = std::move(i);
      c.items.push_back(std::move(it));
    }
  }
  if (r.optimize) {
    // DSP0226 8.2.3: without w:MaxElements an optimized enumeration carries one item.
    // The envelope around the items is measured with a stand-in of the context's length (and
    // of the answer's MessageID, which has it too): the context itself is drawn only when one
    // is kept, since an enumeration that ends in this answer names none (decision 0095).
    static constexpr std::string_view kSameLength = "uuid:00000000-0000-4000-8000-000000000000";
    Response shape;
    shape.context = std::string(kSameLength);
    const std::size_t overhead = write_response(r, shape, kSameLength).size() + 64 + clock_room(r);
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
  const std::size_t overhead = write_response(r, shape, r.context).size() + 64 + clock_room(r);
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

}  // namespace hvsnap::wsman
