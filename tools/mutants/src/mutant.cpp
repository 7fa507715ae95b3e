// The provider mutants' base (mutant.h): forwards to the fake, serialised, with the hooks.
#include "mutant.h"

namespace hvsnap::tools::mutants {

void Mutant::run_edit() {
  if (!edits()) return;
  sim::HostState s = host_->control().dump();
  if (edit(s)) {
    // A mutant that produces a state the fake cannot hold is a bug in the mutant: say so.
    if (auto st = host_->control().load(std::move(s)); !st.ok()) {
      throw std::logic_error("mutant produced an invalid host state: " + st.to_string());
    }
  }
}

cim::Result<std::vector<cim::Instance>> Mutant::filter(cim::Result<std::vector<cim::Instance>> r,
                                                       const ReadContext& ctx) {
  if (!r.ok()) return r;
  std::vector<cim::Instance> out;
  out.reserve(r->size());
  for (auto& inst : *r) {
    if (rewrite(inst, ctx)) out.push_back(std::move(inst));
  }
  extend(out, ctx);
  return out;
}

cim::Result<cim::Instance> Mutant::get_instance(const cim::ObjectPath& path) {
  std::lock_guard lock(mu_);
  run_edit();
  auto r = host_->get_instance(route(path));
  run_edit();
  if (r.ok() && !rewrite(*r, ReadContext::of(ReadContext::Kind::kGet, &path))) {
    r = cim::not_found(path.to_string());
  }
  after_get(path, r);
  return r;
}

std::vector<cim::Result<cim::Instance>> Mutant::get_instances(
    const std::vector<cim::ObjectPath>& paths) {
  std::lock_guard lock(mu_);
  run_edit();
  std::vector<cim::ObjectPath> routed;
  routed.reserve(paths.size());
  for (const auto& p : paths)
    routed.push_back(route(p));
  auto out = host_->get_instances(routed);
  run_edit();
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i].ok() && !rewrite(*out[i], ReadContext::of(ReadContext::Kind::kGet, &paths[i]))) {
      out[i] = cim::not_found(paths[i].to_string());
    }
    after_get(paths[i], out[i]);
  }
  return out;
}

cim::Result<std::vector<cim::Instance>> Mutant::enumerate_instances(std::string_view name_space,
                                                                    std::string_view class_name) {
  std::lock_guard lock(mu_);
  run_edit();
  auto r = host_->enumerate_instances(name_space, class_name);
  run_edit();
  ReadContext ctx = ReadContext::of(ReadContext::Kind::kEnumerate, nullptr);
  ctx.class_name = class_name;
  return filter(std::move(r), ctx);
}

cim::Result<std::vector<cim::Instance>> Mutant::associators(const cim::ObjectPath& object,
                                                            const cim::AssociatorsFilter& f) {
  std::lock_guard lock(mu_);
  run_edit();
  auto r = host_->associators(route(object), f);
  run_edit();
  ReadContext ctx = ReadContext::of(ReadContext::Kind::kAssociators, &object);
  ctx.assoc_class = f.assoc_class;
  ctx.result_class = f.result_class;
  return filter(std::move(r), ctx);
}

cim::Result<std::vector<cim::Instance>> Mutant::references(const cim::ObjectPath& object,
                                                           const cim::ReferencesFilter& f) {
  std::lock_guard lock(mu_);
  run_edit();
  auto r = host_->references(route(object), f);
  run_edit();
  ReadContext ctx = ReadContext::of(ReadContext::Kind::kReferences, &object);
  ctx.result_class = f.result_class;
  return filter(std::move(r), ctx);
}

cim::Result<cim::MethodResult> Mutant::invoke_method(const cim::ObjectPath& object,
                                                     std::string_view method,
                                                     const cim::PropertyList& in) {
  std::lock_guard lock(mu_);
  run_edit();
  cim::PropertyList args = in;
  if (auto answer = before_invoke(object, method, args)) {
    run_edit();
    return std::move(*answer);
  }
  auto r = host_->invoke_method(route(object), method, args);
  after_invoke(object, method, args, r);
  run_edit();
  return r;
}

}  // namespace hvsnap::tools::mutants
