// Builds targets from URIs: the fake (a fresh host per case, derived from the run seed);
// WS-Man targets are in wsman_target.cpp.
#include "hvsnap/tools/targets.h"

#include <fmt/format.h>

#include <memory>

#include "hvsnap/cim/names.h"
#include "hvsnap/fixtures/host_yaml.h"
#include "hvsnap/sim/host.h"
#include "hvsnap/tools/mutants.h"

namespace hvsnap::tools {

extern const char* const kBuiltinFixture;  // generated from fixtures/hosts/minimal.yaml
cim::Result<TargetSpec> make_wsman_target(std::string_view uri, const TargetOptions& options);

namespace {

// The fake's control interface, as the suite sees it.
class SimControl final : public conformance::TargetControl {
 public:
  SimControl(std::shared_ptr<sim::Host> host, sim::FaultPlan plan)
      : host_(std::move(host)),
        plan_(std::move(plan)),
        epoch_ms_(host_->control().epoch_unix_ms()) {}  // no dump: O(1) per case

  void advance(std::int64_t ms) override { host_->control().advance(ms); }
  std::int64_t now_ms() const override { return host_->control().now_ms(); }
  std::optional<std::int64_t> host_time_us() const override {
    return (epoch_ms_ + host_->control().now_ms()) * 1000;
  }

  cim::Status set_vm_attributes(const cim::ObjectPath& vm,
                                const conformance::FakeVmAttributes& a) override {
    sim::HostControl::VmAttributes out;
    if (a.disks) {
      std::vector<sim::DiskKind> disks;
      for (const auto& d : *a.disks) {
        auto k = sim::parse_enum<sim::DiskKind>(d);
        if (!k) return cim::invalid_parameter(fmt::format("unknown disk kind '{}'", d));
        disks.push_back(*k);
      }
      out.disks = std::move(disks);
    }
    if (a.guest_vss) {
      auto g = sim::parse_enum<sim::GuestVss>(*a.guest_vss);
      if (!g)
        return cim::invalid_parameter(fmt::format("unknown guest VSS state '{}'", *a.guest_vss));
      out.guest_vss = *g;
    }
    out.checkpoint_limit = a.checkpoint_limit;
    return host_->control().set_vm_attributes(vm, out);
  }

  void set_faults_enabled(bool enabled) override {
    (void)host_->control().set_fault_plan(enabled ? plan_ : sim::FaultPlan{plan_.seed, {}});
  }

 private:
  std::shared_ptr<sim::Host> host_;
  sim::FaultPlan plan_;
  std::int64_t epoch_ms_;  // simulated t = 0 in Unix milliseconds
};

}  // namespace

std::string_view builtin_fixture() {
  return kBuiltinFixture;
}

// The KEY=VALUE text form of contract §3.4; each key's values are sim's (one table).
cim::Result<sim::Personality> parse_personality(std::string_view text, sim::Personality p) {
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return cim::invalid_parameter(fmt::format("personality: '{}' is not KEY=VALUE", item));
    }
    if (auto st = sim::set_personality_value(p, item.substr(0, eq), item.substr(eq + 1));
        !st.ok()) {
      return st;
    }
  }
  if (auto st = sim::validate(p); !st.ok()) return st;
  return p;
}

std::string describe(const sim::Personality& p) {
  return sim::describe_personality(p);
}

cim::Result<TargetSpec> make_target(std::string_view uri, const TargetOptions& options) {
  // sim:[PATH.yaml] or sim+mutant:NAME[:PATH.yaml]
  std::string mutant;
  std::string fixture;
  if (uri.substr(0, 4) == "sim:") {
    fixture = std::string(uri.substr(4));
  } else if (uri.substr(0, 11) == "sim+mutant:") {
    const std::string_view rest = uri.substr(11);
    const std::size_t colon = rest.find(':');
    mutant = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) fixture = std::string(rest.substr(colon + 1));
    const mutants::MutantInfo* m = mutants::find(mutant);
    if (m == nullptr) {
      return cim::invalid_parameter(fmt::format("unknown mutant '{}' in '{}' (known: {})", mutant,
                                                uri, mutants::known_names()));
    }
    if (m->layer == mutants::Layer::kWire && !options.served) {
      return cim::invalid_parameter(fmt::format(
          "the mutant '{}' breaks the WS-Man encoding of the answers, so it exists only over the "
          "wire: serve it (hvsnap serve --target {}) and certify the endpoint, or run hvsnap "
          "mutants --via wsman",
          mutant, uri));
    }
  } else if (uri.rfind("wsman+http://", 0) == 0 || uri.rfind("wsman+https://", 0) == 0) {
    return make_wsman_target(uri, options);
  } else {
    const auto colon = uri.find(':');
    const std::string_view scheme = colon == std::string_view::npos ? uri : uri.substr(0, colon);
    return cim::invalid_parameter(
        fmt::format("unknown target scheme '{}' (expected sim:, sim:PATH.yaml, "
                    "sim+mutant:NAME, wsman+http://[USER@]HOST:PORT/wsman or wsman+https://…)",
                    scheme));
  }
  cim::Result<sim::HostState> base =
      fixture.empty() ? fixtures::load_host_yaml(builtin_fixture(), "sim: (built-in host)")
                      : fixtures::load_host_file(fixture);
  if (!base.ok()) return base.status();
  sim::HostState state = std::move(base).value();
  if (options.personality) state.personality = *options.personality;
  if (options.auto_advance_ms) state.timing.auto_advance_ms = *options.auto_advance_ms;
  if (options.host_build) state.host_build = *options.host_build;
  auto plan = sim::named_fault_plan(options.faults, options.seed);
  if (!plan) {
    std::string names;
    for (const auto& n : sim::fault_plan_names())
      names += (names.empty() ? "" : ", ") + n;
    return cim::invalid_parameter(
        fmt::format("unknown fault plan '{}' (expected one of: {})", options.faults, names));
  }
  if (!plan->empty()) state.faults = *plan;
  // What the spec keeps of the state, before the state moves into the pool.
  const std::string host_name = state.host_name;
  const std::uint32_t host_build = state.host_build;
  const sim::Personality personality = state.personality;
  const sim::FaultPlan faults = state.faults;
  // The loader validated the records; only the configuration set above is checked again
  // (decision 0099), and the state is moved, not copied. Each case takes a host from the pool
  // in O(what the previous case on it changed), not a copy of the whole host (decision 0075).
  auto pool = sim::HostPool::create(std::move(state), sim::Checked::kRecords);
  if (!pool.ok()) return pool.status();

  TargetSpec spec;
  spec.uri = std::string(uri);
  spec.fixture = fixture;
  spec.personality = describe(personality);
  spec.caps.control = true;
  spec.caps.fresh_hosts = true;
  // Each case has its own sim::Host: the pool hands out a host no other case holds (decisions
  // 0074, 0075).
  spec.caps.concurrent_cases = true;
  spec.caps.transient_failures = !faults.empty();
  spec.identity = fmt::format("hvsnap fake host \"{}\" (build {}; {}; faults: {})", host_name,
                              host_build, describe(personality), options.faults);
  if (!mutant.empty()) {
    const mutants::MutantInfo& m = *mutants::find(mutant);
    spec.identity =
        fmt::format("{} wrapped in {} {} ({} {})", spec.identity,
                    m.layer == mutants::Layer::kWire ? "the wire mutant" : "the mutant", mutant,
                    m.expect == mutants::Expect::kKilled ? "breaks" : "bends", m.requirement);
    auto filter = mutants::wire_filter(mutant);
    if (!filter.ok()) return filter.status();
    spec.rewrite_reply = std::move(filter).value();
  }
  spec.factory = [pool = std::move(pool).value(), faults, seed = options.seed, uri = spec.uri,
                  identity = spec.identity, caps = spec.caps,
                  mutant](std::uint64_t case_seed) -> cim::Result<conformance::Target> {
    // The run's host re-seeded for the case (decision 0072); back to the pool when the case
    // drops its last reference to it.
    std::shared_ptr<sim::Host> shared = pool->take(sim::derive_seed(seed, case_seed));
    conformance::Target t;
    t.provider = shared;
    if (!mutant.empty()) {
      auto wrapped = mutants::wrap(mutant, shared);
      if (!wrapped.ok()) return wrapped.status();
      t.provider = std::move(wrapped).value();
    }
    t.control = std::make_shared<SimControl>(shared, faults);
    t.caps = caps;
    t.uri = uri;
    t.identity = identity;
    return t;
  };
  return spec;
}

}  // namespace hvsnap::tools
