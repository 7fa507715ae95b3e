// The fake served over WS-Management, with the control extension (see served.h) and the
// served clock of decision 0031 (objects stay readable for their real TimeBeforeRemoval,
// CS-INV-8).
#include "hvsnap/tools/served.h"

#include <fmt/format.h>

namespace hvsnap::tools {

namespace {

std::optional<std::uint64_t> uint_param(const cim::PropertyList& in, std::string_view name) {
  const cim::Value* v = cim::find(in, name);
  return v == nullptr ? std::nullopt : v->as_uint();
}

cim::Status missing(std::string_view method, std::string_view name, std::string_view what) {
  return cim::invalid_parameter(fmt::format("control method {} needs {} ({})", method, name, what));
}

}  // namespace

cim::Result<std::shared_ptr<ServedFake>> ServedFake::create(std::string uri, TargetOptions options,
                                                            ServedClock clock,
                                                            std::uint32_t hosts) {
  if (hosts < 1 || hosts > kMaxServedHosts) {
    return cim::invalid_parameter(
        fmt::format("{} hosts: a served fake has 1 to {}", hosts, kMaxServedHosts));
  }
  if (uri.rfind("sim:", 0) != 0 && uri.rfind("sim+mutant:", 0) != 0) {
    return cim::invalid_parameter(
        fmt::format("only the fake can be served: '{}' is not a sim: or sim+mutant: target", uri));
  }
  options.served = true;  // a wire mutant acts on the answers this fake's Dispatcher writes
  auto spec = make_target(uri, options);
  if (!spec.ok()) return spec.status();
  Clock c;
  c.mode = clock;
  cim::Result<conformance::Target> first = cim::failed("no host");
  if (clock == ServedClock::kWall) {
    // The same host with no auto-advance: real time moves its clock instead.
    TargetOptions wall = options;
    wall.auto_advance_ms = 0;
    auto wall_spec = make_target(uri, wall);
    if (!wall_spec.ok()) return wall_spec.status();
    first = wall_spec->factory(0);
    c.frozen = spec->personality.find("job-progress=manual") != std::string::npos;
  } else {
    first = spec->factory(0);
  }
  if (!first.ok()) return first.status();
  c.wall_base = std::chrono::steady_clock::now();
  c.sim_base_ms = first->control->now_ms();
  auto fake = std::shared_ptr<ServedFake>(new ServedFake(
      std::move(uri), std::move(options), std::move(spec).value(), std::move(first).value(), c));
  fake->hosts_ = hosts;
  return fake;
}

std::shared_ptr<ServedFake> ServedFake::slot(std::uint32_t k) const {
  std::lock_guard lock(mu_);
  auto s = std::shared_ptr<ServedFake>(
      new ServedFake(uri_, options_, spec_, conformance::Target{}, Clock{}));
  s->slot_ = k;
  s->hosts_ = hosts_;
  return s;
}

ServedFake::ServedFake(std::string uri, TargetOptions options, TargetSpec spec,
                       conformance::Target first, Clock clock)
    : uri_(std::move(uri)),
      options_(std::move(options)),
      spec_(std::move(spec)),
      target_(std::move(first)),
      clock_(clock) {}

ServedClock ServedFake::clock() const {
  std::lock_guard lock(mu_);
  return clock_.mode;
}

cim::Result<conformance::Target> ServedFake::current(ServedClock* mode) {
  conformance::Target t;
  Clock c;
  {
    std::lock_guard lock(mu_);
    t = target_;
    c = clock_;
  }
  if (mode != nullptr) *mode = c.mode;  // the mode of this very host
  if (t.provider == nullptr) {
    return cim::not_found(fmt::format(
        "host slot {} of this served fake has no host yet: a Reset (control extension) makes one",
        slot_));
  }
  if (c.mode == ServedClock::kWall && !c.frozen) {
    // Simulated time catches up with real time, never passes it (one update at a time, so
    // two calls cannot both add the same interval).
    const std::int64_t elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now() - c.wall_base)
                                     .count();
    const std::int64_t due = std::min(c.sim_base_ms + elapsed + c.advanced_ms, kMaxClockMs);
    std::lock_guard lock(clock_mu_);
    const std::int64_t now = t.control->now_ms();
    if (due > now) t.control->advance(due - now);
  }
  return t;
}

cim::Result<cim::Instance> ServedFake::get_instance(const cim::ObjectPath& path) {
  auto t = current();
  if (!t.ok()) return t.status();
  return t->provider->get_instance(path);
}

cim::Result<std::vector<cim::Instance>> ServedFake::enumerate_instances(
    std::string_view name_space, std::string_view class_name) {
  auto t = current();
  if (!t.ok()) return t.status();
  return t->provider->enumerate_instances(name_space, class_name);
}

cim::Result<std::vector<cim::ObjectPath>> ServedFake::enumerate_instance_names(
    std::string_view name_space, std::string_view class_name) {
  auto t = current();
  if (!t.ok()) return t.status();
  return t->provider->enumerate_instance_names(name_space, class_name);
}

cim::Status ServedFake::each_instance_name(std::string_view name_space, std::string_view class_name,
                                           const std::function<void(const cim::ObjectPath&)>& f) {
  auto t = current();
  if (!t.ok()) return t.status();
  return t->provider->each_instance_name(name_space, class_name, f);
}

cim::Result<std::vector<cim::Instance>> ServedFake::enumerate_instances_matching(
    std::string_view name_space, std::string_view class_name,
    const std::vector<PropertyEquals>& any_of) {
  auto t = current();
  if (!t.ok()) return t.status();
  return t->provider->enumerate_instances_matching(name_space, class_name, any_of);
}

cim::Result<std::vector<cim::Instance>> ServedFake::associators(
    const cim::ObjectPath& object, const cim::AssociatorsFilter& filter) {
  auto t = current();
  if (!t.ok()) return t.status();
  return t->provider->associators(object, filter);
}

cim::Result<std::vector<cim::Instance>> ServedFake::references(
    const cim::ObjectPath& object, const cim::ReferencesFilter& filter) {
  auto t = current();
  if (!t.ok()) return t.status();
  return t->provider->references(object, filter);
}

cim::Result<cim::MethodResult> ServedFake::invoke_method(const cim::ObjectPath& object,
                                                         std::string_view method,
                                                         const cim::PropertyList& in) {
  auto t = current();
  if (!t.ok()) return t.status();
  return t->provider->invoke_method(object, method, in);
}

cim::Result<cim::MethodResult> ServedFake::invoke(std::string_view method,
                                                  const cim::PropertyList& in) {
  cim::MethodResult out;
  if (method == "Describe") {
    std::lock_guard lock(mu_);
    out.out.push_back({cim::Name("Uri"), cim::Value::string(uri_)});
    out.out.push_back({cim::Name("Identity"), cim::Value::string(spec_.identity)});
    out.out.push_back({cim::Name("Personality"), cim::Value::string(spec_.personality)});
    out.out.push_back({cim::Name("Faults"), cim::Value::string(options_.faults)});
    out.out.push_back({cim::Name("Fixture"), cim::Value::string(spec_.fixture)});
    out.out.push_back(
        {cim::Name("TransientFailures"), cim::Value::boolean(spec_.caps.transient_failures)});
    out.out.push_back({cim::Name("DefaultCheckpointLimit"),
                       cim::Value::uint32(spec_.caps.default_checkpoint_limit)});
    out.out.push_back({cim::Name("Clock"),
                       cim::Value::string(clock_.mode == ServedClock::kWall ? "wall" : "calls")});
    out.out.push_back({cim::Name("Hosts"), cim::Value::uint32(hosts_)});
    out.out.push_back({cim::Name("Slot"), cim::Value::uint32(slot_)});
    return out;
  }
  if (method == "Reset") {
    const auto run_seed = uint_param(in, "RunSeed");
    const auto case_seed = uint_param(in, "CaseSeed");
    if (!run_seed) return missing(method, "RunSeed", "uint64, the run's seed");
    if (!case_seed) return missing(method, "CaseSeed", "uint64, the case's seed");
    std::lock_guard lock(mu_);
    if (*run_seed != options_.seed) {
      TargetOptions o = options_;
      o.seed = *run_seed;
      auto spec = make_target(uri_, o);
      if (!spec.ok()) return spec.status();
      spec_ = std::move(spec).value();
      options_ = o;
    }
    auto t = spec_.factory(*case_seed);
    if (!t.ok()) return t.status();
    target_ = std::move(t).value();
    // As in-process: the calls move the clock (one seed reproduces the case).
    clock_ = Clock{};
    return out;
  }
  ServedClock mode = ServedClock::kCalls;
  auto current_target = current(&mode);
  if (!current_target.ok()) return current_target.status();
  const conformance::Target t = std::move(current_target).value();
  if (method == "Advance") {
    const cim::Value* v = cim::find(in, "Milliseconds");
    const auto ms = v == nullptr ? std::nullopt : v->as_int();
    if (!ms || *ms < 0 || *ms > kMaxAdvanceMs) {
      return missing(method, "Milliseconds",
                     fmt::format("sint64, 0 to {} (ten years)", kMaxAdvanceMs));
    }
    std::lock_guard lock(clock_mu_);
    const std::int64_t now = t.control->now_ms();
    if (*ms > kMaxClockMs - now) {
      return cim::invalid_parameter(
          fmt::format("control method Advance: the clock is at {} ms; {} ms more would pass the "
                      "served fake's limit of {} ms (a hundred years)",
                      now, *ms, kMaxClockMs));
    }
    t.control->advance(*ms);
    {
      std::lock_guard state(mu_);
      clock_.advanced_ms += *ms;
    }
    out.out.push_back({cim::Name("Milliseconds"), cim::Value::sint64(t.control->now_ms())});
    return out;
  }
  if (method == "Now") {
    const std::int64_t now = t.control->now_ms();
    out.out.push_back({cim::Name("Milliseconds"), cim::Value::sint64(now)});
    // Where the simulated clock's zero is on the host's UTC clock, so that a client can tell
    // the host's time (CS-READ-3) from the same answer.
    if (const auto host_us = t.control->host_time_us()) {
      out.out.push_back(
          {cim::Name("EpochMilliseconds"), cim::Value::sint64(*host_us / 1000 - now)});
    }
    // Whether only calls and Advances move it: then the clock an answer tells (h:Clock,
    // decision 0140) is still the clock at the next request.
    out.out.push_back(
        {cim::Name("Clock"), cim::Value::string(mode == ServedClock::kWall ? "wall" : "calls")});
    return out;
  }
  if (method == "SetVmAttributes") {
    const cim::Value* vm = cim::find(in, "Vm");
    if (vm == nullptr || vm->as_reference() == nullptr)
      return missing(method, "Vm", "a reference to an Msvm_ComputerSystem");
    conformance::FakeVmAttributes a;
    if (const cim::Value* d = cim::find(in, "Disks"); d != nullptr && !d->is_null()) {
      std::vector<std::string> disks;
      for (const auto& s : d->items()) {
        const auto* text = std::get_if<std::string>(&s);
        if (text == nullptr) return missing(method, "Disks", "an array of strings");
        disks.push_back(*text);
      }
      a.disks = std::move(disks);
    }
    if (const cim::Value* g = cim::find(in, "GuestVss"); g != nullptr && !g->is_null()) {
      if (g->as_string() == std::nullopt) return missing(method, "GuestVss", "a string");
      a.guest_vss = *g->as_string();
    }
    if (const cim::Value* l = cim::find(in, "CheckpointLimit"); l != nullptr && !l->is_null()) {
      const auto n = l->as_uint();
      if (!n || *n > UINT32_MAX) return missing(method, "CheckpointLimit", "a uint32");
      a.checkpoint_limit = static_cast<std::uint32_t>(*n);
    }
    if (auto st = t.control->set_vm_attributes(*vm->as_reference(), a); !st.ok()) return st;
    return out;
  }
  if (method == "SetFaultsEnabled") {
    const cim::Value* e = cim::find(in, "Enabled");
    const auto enabled = e == nullptr ? std::nullopt : e->as_bool();
    if (!enabled) return missing(method, "Enabled", "a boolean");
    t.control->set_faults_enabled(*enabled);
    return out;
  }
  return cim::Status(cim::StatusKind::kMethodNotFound,
                     fmt::format("no control method '{}' (expected Describe, Reset, Advance, Now, "
                                 "SetVmAttributes or SetFaultsEnabled)",
                                 method));
}

std::shared_ptr<wsman::Dispatcher> serve_dispatcher(std::shared_ptr<ServedFake> fake, bool control,
                                                    wsman::DispatcherOptions options) {
  if (!options.rewrite_reply) options.rewrite_reply = fake->spec().rewrite_reply;
  std::shared_ptr<wsman::ControlHandler> handler;
  if (control) handler = fake;
  return std::make_shared<wsman::Dispatcher>(std::move(fake), std::move(handler),
                                             std::move(options));
}

std::vector<std::shared_ptr<wsman::Dispatcher>> serve_host_slots(
    const ServedFake& fake, std::uint32_t hosts, bool control,
    const wsman::DispatcherOptions& options) {
  std::vector<std::shared_ptr<wsman::Dispatcher>> slots;
  for (std::uint32_t k = 1; k < hosts; ++k)
    slots.push_back(serve_dispatcher(fake.slot(k), control, options));
  return slots;
}

}  // namespace hvsnap::tools
