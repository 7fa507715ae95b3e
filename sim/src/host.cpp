// sim::Host: the provider operations (each one a locked, clock-advancing call), loading and
// dumping the whole state, and the HostControl back door.
#include "hvsnap/sim/host.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <utility>

#include "host_impl.h"
#include "hvsnap/cim/names.h"
#include "hvsnap/cim/text.h"

namespace hvsnap::sim {

namespace {

template <class T>
std::vector<T> sorted_records(const Journaled<T>& map) {
  std::vector<T> out;
  out.reserve(map.size());
  for (const auto& [id, r] : map)
    out.push_back(r);
  std::sort(out.begin(), out.end(), [](const T& a, const T& b) { return a.id < b.id; });
  return out;
}

}  // namespace

// Everything load() sets but the build and the records: a rollback restores it the same way.
void Host::Impl::set_run_state(const HostState& s) {
  host_name = s.host_name;
  seed = s.seed;
  epoch_unix_ms = s.epoch_unix_ms;
  personality = s.personality;
  timing = s.timing;
  faults = s.faults;
  now_ms = s.now_ms;
  manual_ms = s.manual_ms;
  reads = s.reads;
  rng_ids = Rng::from_state(s.rng_ids);
  rng_faults = Rng::from_state(s.rng_faults);
  rng_choices = Rng::from_state(s.rng_choices);
  faults_armed = s.faults_armed;
  armed_sites = s.armed_sites;
  fault_log = s.fault_log;
}

namespace {

// The body of load() and load_copy(): `s` is moved from, or only read when it is const (the
// pool's base, copied record by record into the host's maps instead of into a whole copy of
// the state first, decision 0117).
template <class State>
void load_state(Host::Impl& h, State& s) {
  h.host_build = s.host_build;
  h.build_layouts();
  h.set_run_state(s);
  h.baseline.reset();  // a host whose state is replaced is not returned to a pool
  h.vms.reset(s.vms);
  h.groups.reset(s.groups);
  h.management_groups.reset(s.management_groups);
  h.children.clear();  // in the state's snapshot order: no dependence on hashing
  h.children.begin_load(s.snapshots.size());
  for (const Snapshot& sn : s.snapshots)
    h.link_child(sn.parent, sn.id);
  h.children.end_load();
  h.snapshots.reset(s.snapshots);
  h.collections.reset(s.snapshot_collections);
  h.jobs.reset(s.jobs);

  h.vm_groups.clear();
  std::vector<Guid> group_ids;
  for (const auto& [id, g] : h.groups)
    group_ids.push_back(id);
  std::sort(group_ids.begin(), group_ids.end());
  for (const Guid& gid : group_ids) {
    for (const Guid& m : must(h.groups, gid).members)
      h.vm_groups.upsert(m).push_back(gid);
  }
  h.active_jobs.clear();
  h.removal_queue.clear();
  for (const auto& [id, j] : h.jobs) {
    if (!cim::JobState(j.state).is_terminal()) {
      h.active_jobs.insert(id);
    } else {
      h.removal_queue.emplace(j.finished_ms + j.time_before_removal_ms, id);
    }
  }
  h.read_jobs.clear();
  if (!h.faults_armed) h.arm_faults();
}

}  // namespace

void Host::Impl::load(HostState s) {
  load_state(*this, s);
}

void Host::Impl::load_copy(const HostState& s) {
  load_state(*this, s);
}

HostState Host::Impl::dump() const {
  HostState s;
  s.host_name = host_name;
  s.host_build = host_build;
  s.seed = seed;
  s.epoch_unix_ms = epoch_unix_ms;
  s.personality = personality;
  s.timing = timing;
  s.faults = faults;
  s.now_ms = now_ms;
  s.manual_ms = manual_ms;
  s.reads = reads;
  s.rng_ids = rng_ids.state();
  s.rng_faults = rng_faults.state();
  s.rng_choices = rng_choices.state();
  s.faults_armed = faults_armed;
  s.armed_sites = armed_sites;
  s.fault_log = fault_log;
  s.vms = sorted_records(vms);
  s.groups = sorted_records(groups);
  s.management_groups = sorted_records(management_groups);
  s.snapshots = sorted_records(snapshots);
  s.snapshot_collections = sorted_records(collections);
  s.jobs = sorted_records(jobs);
  return s;
}

// --- pooled hosts (decision 0075) ---

namespace {

// Every journaled map of a host, for what is done to all of them.
template <class F>
void for_each_journaled(Host::Impl& h, F&& f) {
  f(h.vms);
  f(h.groups);
  f(h.management_groups);
  f(h.snapshots);
  f(h.collections);
  f(h.jobs);
  f(h.vm_groups);
  f(h.children);
}

}  // namespace

void Host::Impl::start_journal(HostState run_state) {
  HVSNAP_ASSERT(run_state.vms.empty() && run_state.snapshots.empty() && run_state.jobs.empty());
  baseline =
      std::make_unique<const Baseline>(Baseline{std::move(run_state), active_jobs, removal_queue});
  for_each_journaled(*this, [](auto& map) { map.start_journal(); });
}

void Host::Impl::rollback_to_base() {
  HVSNAP_ASSERT(baseline != nullptr);
  for_each_journaled(*this, [](auto& map) { map.rollback(); });
  // only load() changes the build, and it drops the baseline
  HVSNAP_ASSERT(host_build == baseline->scalars.host_build);
  set_run_state(baseline->scalars);
  active_jobs = baseline->active_jobs;
  removal_queue = baseline->removal_queue;
  read_jobs.clear();
  due_scratch.clear();
}

void Host::Impl::reseed(std::uint64_t case_seed) {
  // What the sim target factory did to a copy of the base before load() (decision 0072).
  const HostState seeded = HostState::with_seed(case_seed);
  seed = seeded.seed;
  rng_ids = Rng::from_state(seeded.rng_ids);
  rng_faults = Rng::from_state(seeded.rng_faults);
  rng_choices = Rng::from_state(seeded.rng_choices);
  faults.seed = seed;
  if (!faults_armed) arm_faults();
}

void Host::Impl::begin_call(bool is_read) {
  if (is_read) ++reads;
  advance(timing.auto_advance_ms, false);
}

// after-reads: a job moves one step each time it has been read N times.
void Host::Impl::end_read() {
  if (personality.job_progress != JobProgress::kAfterReads) {
    read_jobs.clear();
    return;
  }
  std::vector<Guid> touched;
  touched.swap(read_jobs);
  for (const Guid& id : touched) {
    Job* found = jobs.edit(id);
    if (found == nullptr) continue;
    Job& j = *found;
    if (j.kind == JobKind::kStateChange || cim::JobState(j.state).is_terminal()) continue;
    if (j.stall_deadline_ms >= 0) continue;
    if (++j.reads_since_step >= personality.job_progress_reads) {
      j.reads_since_step = 0;
      step(j);
    }
  }
}

std::uint32_t Host::Impl::code(std::uint32_t dmtf) const {
  return personality.codes == CodeFamily::kMsvm ? cim::ReturnCode::to_msvm(dmtf) : dmtf;
}

// --- Host ---

namespace {

// The namespace an enumeration names, canonical (empty: the class's own), or why it is not one
// this host serves.
cim::Result<std::string> served_namespace(std::string_view name_space) {
  std::string ns = name_space.empty() ? std::string() : cim::canonical_namespace(name_space);
  if (!ns.empty() && !cim::iequals(ns, cim::names::kNamespace) &&
      !cim::iequals(ns, cim::names::kCimv2Namespace)) {
    return cim::Status(cim::StatusKind::kInvalidNamespace,
                       fmt::format("namespace \"{}\" is not served here", name_space));
  }
  return ns;
}

// A listing of a class (its instances, their names, those matching some keys): one locked call
// that reads, in a namespace this host serves; `list` is given the canonical namespace.
template <class HostImpl, class List>
auto listing(HostImpl& impl, std::string_view name_space, List&& list)
    -> decltype(list(std::string())) {
  std::lock_guard lock(impl.mu);
  impl.begin_call(true);
  HVSNAP_ASSIGN_OR_RETURN(const std::string ns, served_namespace(name_space));
  auto out = list(ns);
  impl.end_read();
  return out;
}

}  // namespace

Host::Host(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Host::~Host() = default;

cim::Result<std::unique_ptr<Host>> Host::create(HostState state) {
  if (auto st = validate(state); !st.ok()) return st;
  auto impl = std::make_unique<Impl>();
  impl->load(std::move(state));
  return std::unique_ptr<Host>(new Host(std::move(impl)));
}

// --- HostPool ---

struct HostPool::Shared {
  std::mutex mu;
  HostState base;       // validated once
  HostState run_state;  // `base` without its record lists (what a rollback restores)
  std::vector<std::unique_ptr<Host>> idle;
  std::size_t built = 0;
};

// Called when a case drops its last reference to a host it took.
void HostPool::give_back(Shared& shared, Host* host) {
  std::unique_ptr<Host> owned(host);
  {
    std::lock_guard lock(owned->impl_->mu);
    if (owned->impl_->baseline == nullptr) return;  // its state was replaced: not pooled
    owned->impl_->rollback_to_base();
  }
  std::lock_guard lock(shared.mu);
  shared.idle.push_back(std::move(owned));
}

HostPool::HostPool(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
HostPool::~HostPool() = default;

cim::Result<std::shared_ptr<HostPool>> HostPool::create(HostState base, Checked checked) {
  if (auto st = checked == Checked::kRecords ? validate_configuration(base) : validate(base);
      !st.ok()) {
    return st;
  }
  auto shared = std::make_shared<Shared>();
  // The run state is the base without its records: moved aside, copied, moved back.
  HostState records;
  std::swap(records.vms, base.vms);
  std::swap(records.groups, base.groups);
  std::swap(records.management_groups, base.management_groups);
  std::swap(records.snapshots, base.snapshots);
  std::swap(records.snapshot_collections, base.snapshot_collections);
  std::swap(records.jobs, base.jobs);
  shared->run_state = base;
  std::swap(records.vms, base.vms);
  std::swap(records.groups, base.groups);
  std::swap(records.management_groups, base.management_groups);
  std::swap(records.snapshots, base.snapshots);
  std::swap(records.snapshot_collections, base.snapshot_collections);
  std::swap(records.jobs, base.jobs);
  shared->base = std::move(base);
  return std::shared_ptr<HostPool>(new HostPool(std::move(shared)));
}

std::shared_ptr<Host> HostPool::take(std::uint64_t case_seed) {
  std::unique_ptr<Host> host;
  {
    std::lock_guard lock(shared_->mu);
    if (!shared_->idle.empty()) {
      host = std::move(shared_->idle.back());
      shared_->idle.pop_back();
    } else {
      ++shared_->built;
    }
  }
  if (host == nullptr) {  // every pooled host is in use: build one, O(host), outside the lock
    auto impl = std::make_unique<Host::Impl>();
    impl->load_copy(shared_->base);  // `base` is only read once the pool exists
    impl->start_journal(shared_->run_state);
    impl->rollback_to_base();  // the run state exactly as a returned host has it
    host.reset(new Host(std::move(impl)));
  }
  {
    std::lock_guard lock(host->impl_->mu);
    host->impl_->reseed(case_seed);
  }
  return std::shared_ptr<Host>(host.release(),
                               [shared = shared_](Host* h) { give_back(*shared, h); });
}

std::size_t HostPool::hosts_built() const {
  std::lock_guard lock(shared_->mu);
  return shared_->built;
}

cim::Result<cim::Instance> Host::get_instance(const cim::ObjectPath& path) {
  std::lock_guard lock(impl_->mu);
  impl_->begin_call(true);
  auto node = impl_->resolve(path);
  // One named result returned on every path, so it is built in the caller's storage (no
  // move on return, decision 0104); the instance is made inside it (decision 0106).
  cim::Result<cim::Instance> out =
      node.ok() ? cim::Result<cim::Instance>(std::in_place, impl_->instance_class(*node),
                                             impl_->instance_table(*node))
                : cim::Result<cim::Instance>(node.status());
  if (out.ok()) {
    impl_->materialize(*node, *out);
    impl_->end_read();
  }
  return out;
}

std::vector<cim::Result<cim::Instance>> Host::get_instances(
    const std::vector<cim::ObjectPath>& paths) {
  // Every answer is made where it is returned (decision 0104): a placeholder first, replaced in
  // place by the instance when its batch resolves it, or by its own Get.
  std::vector<cim::Result<cim::Instance>> out(paths.size(),
                                              cim::Status(cim::StatusKind::kFailed, ""));
  std::vector<bool> answered(paths.size(), false);
  for (const auto& at : cim::batches_by_class(paths)) {
    std::lock_guard lock(impl_->mu);
    impl_->begin_call(true);  // the one query
    for (std::size_t i : at) {
      auto node = impl_->resolve(paths[i]);
      if (!node.ok()) continue;  // read by its own Get below, as over the wire
      std::destroy_at(&out[i]);
      std::construct_at(&out[i], std::in_place, impl_->instance_class(*node),
                        impl_->instance_table(*node));
      impl_->materialize(*node, *out[i]);
      answered[i] = true;
    }
    impl_->end_read();
  }
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (!answered[i]) out[i] = get_instance(paths[i]);
  }
  return out;
}

cim::Result<std::vector<cim::Instance>> Host::enumerate_instances(std::string_view name_space,
                                                                  std::string_view class_name) {
  return listing(*impl_, name_space,
                 [&](const std::string& ns) { return impl_->enumerate(ns, class_name); });
}

cim::Result<std::vector<cim::Instance>> Host::enumerate_instances_matching(
    std::string_view name_space, std::string_view class_name,
    const std::vector<PropertyEquals>& any_of) {
  return listing(*impl_, name_space, [&](const std::string& ns) {
    return impl_->enumerate_matching(ns, class_name, any_of);
  });
}

cim::Result<std::vector<cim::ObjectPath>> Host::enumerate_instance_names(
    std::string_view name_space, std::string_view class_name) {
  return listing(*impl_, name_space,
                 [&](const std::string& ns) { return impl_->enumerate_names(ns, class_name); });
}

cim::Status Host::each_instance_name(std::string_view name_space, std::string_view class_name,
                                     const std::function<void(const cim::ObjectPath&)>& f) {
  return listing(*impl_, name_space,
                 [&](const std::string& ns) { return impl_->each_name(ns, class_name, f); });
}

cim::Result<std::vector<cim::Instance>> Host::associators(const cim::ObjectPath& object,
                                                          const cim::AssociatorsFilter& f) {
  std::lock_guard lock(impl_->mu);
  impl_->begin_call(true);
  auto out = impl_->walk(object, false, f.assoc_class, f.result_class, f.role, f.result_role);
  impl_->end_read();
  return out;
}

cim::Result<std::vector<cim::Instance>> Host::references(const cim::ObjectPath& object,
                                                         const cim::ReferencesFilter& f) {
  std::lock_guard lock(impl_->mu);
  impl_->begin_call(true);
  auto out = impl_->walk(object, true, f.result_class, "", f.role, "");
  impl_->end_read();
  return out;
}

cim::Result<cim::MethodResult> Host::invoke_method(const cim::ObjectPath& object,
                                                   std::string_view method,
                                                   const cim::PropertyList& in) {
  std::lock_guard lock(impl_->mu);
  impl_->begin_call(false);
  return impl_->invoke(object, method, in);
}

HostControl Host::control() {
  return HostControl(*this);
}

// --- HostControl ---

cim::Status HostControl::load(HostState state) {
  if (auto st = validate(state); !st.ok()) return st;
  std::lock_guard lock(impl_->mu);
  impl_->load(std::move(state));
  return {};
}

HostState HostControl::dump() const {
  std::lock_guard lock(impl_->mu);
  return impl_->dump();
}

void HostControl::advance(std::int64_t ms) {
  std::lock_guard lock(impl_->mu);
  if (ms > 0) impl_->advance(ms, true);
}

std::int64_t HostControl::now_ms() const {
  std::lock_guard lock(impl_->mu);
  return impl_->now_ms;
}

std::int64_t HostControl::epoch_unix_ms() const {
  std::lock_guard lock(impl_->mu);
  return impl_->epoch_unix_ms;
}

std::uint64_t HostControl::reads() const {
  std::lock_guard lock(impl_->mu);
  return impl_->reads;
}

std::string HostControl::host_name() const {
  std::lock_guard lock(impl_->mu);
  return impl_->host_name;
}

Personality HostControl::personality() const {
  std::lock_guard lock(impl_->mu);
  return impl_->personality;
}

cim::Status HostControl::set_personality(const Personality& p) {
  if (auto st = validate(p); !st.ok()) return st;
  std::lock_guard lock(impl_->mu);
  impl_->personality = p;
  return {};
}

FaultPlan HostControl::fault_plan() const {
  std::lock_guard lock(impl_->mu);
  return impl_->faults;
}

cim::Status HostControl::set_fault_plan(const FaultPlan& plan) {
  for (const auto& [site, cfg] : plan.sites) {
    if (!(cfg.activation >= 0.0 && cfg.activation <= 1.0 && cfg.firing >= 0.0 &&
          cfg.firing <= 1.0)) {
      return cim::invalid_parameter(fmt::format(
          "fault site {}: activation and firing are probabilities in [0, 1]", to_string(site)));
    }
  }
  std::lock_guard lock(impl_->mu);
  impl_->faults = plan;
  impl_->rng_faults = Rng(derive_seed(plan.seed, 2));
  impl_->arm_faults();
  return {};
}

std::vector<FaultEvent> HostControl::fault_log() const {
  std::lock_guard lock(impl_->mu);
  return impl_->fault_log;
}

cim::Status HostControl::set_vm_attributes(const cim::ObjectPath& vm_path, const VmAttributes& a) {
  std::lock_guard lock(impl_->mu);
  auto node = impl_->resolve(vm_path);
  if (!node.ok()) return node.status();
  if (node->kind != NodeKind::kVm) {
    return cim::invalid_parameter(fmt::format("{} is not a virtual machine", vm_path.to_string()));
  }
  Vm& vm = must_edit(impl_->vms, node->id);
  if (a.disks) vm.disks = *a.disks;
  if (a.guest_vss) vm.guest_vss = *a.guest_vss;
  if (a.checkpoint_limit) vm.checkpoint_limit = *a.checkpoint_limit;
  return {};
}

}  // namespace hvsnap::sim
