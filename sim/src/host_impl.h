// Private: the fake host's indexed state and behaviour, split across host.cpp (provider
// operations, control), model.cpp (paths), model_instances.cpp (layouts, instances),
// model_assoc.cpp (associations, enumeration), methods.cpp and methods_snapshot.cpp (WMI
// methods, contract §3.1) and jobs.cpp (clock, jobs, faults; contract §3.2, §3.3, §6).
// Every member function expects `mu` to be held by its caller.
#pragma once

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>

#include <boost/container/small_vector.hpp>

#include "hvsnap/cim/codes.h"
#include "hvsnap/cim/instance.h"
#include "hvsnap/cim/name_index.h"
#include "hvsnap/cim/provider.h"
#include "hvsnap/cim/schema_table.h"
#include "hvsnap/cim/text.h"
#include "hvsnap/sim/host.h"
#include "invariant.h"
#include "journal.h"

namespace hvsnap::sim {

// What an object path resolves to.
enum class NodeKind : std::uint8_t {
  kHost,
  kVm,
  kLiveVssd,
  kSnapshot,
  kGroup,
  kManagementGroup,
  kSnapshotCollection,
  kJob,
  kVsms,
  kCollectionManagementService,
  kCollectionSnapshotService,
  // The neighbours a VM-management client reads (neighbours.cpp).
  kProcessorSettings,  // a VM's Msvm_ProcessorSettingData (id: the VM)
  kMemorySettings,     // a VM's Msvm_MemorySettingData (id: the VM)
  kWin32ComputerSystem,
  kWin32Product,
  kWin32OperatingSystem,
  kWin32Processor,
};

struct Node {
  NodeKind kind;
  Guid id;  // nil for the host and the services
  friend bool operator==(const Node&, const Node&) = default;
};

inline constexpr std::size_t kNodeKinds = 17;

// The nodes one association links to one node: a few (a group's members, a collection's
// snapshots), kept inside the list so that a read allocates nothing for them (decision 0123).
using NodeList = boost::container::small_vector<Node, 8>;

struct AssocDef;

// The properties one class has at the host's build, in the schema table's order (decision
// 0014): typed nulls, and where each name sits. Instances start from it, so a property the
// fake does not model is present and null with its declared type; they share its table and
// store only what the fake sets (decision 0097).
enum class Hot : std::uint8_t;
struct ClassLayout {
  const cim::schema::ClassDef* def = nullptr;
  cim::PropertyTablePtr table;
  std::vector<std::pair<std::string_view, std::uint32_t>> index;  // sorted by name
  std::vector<std::uint32_t> hot;  // kHotNames' slots (kNoSlot: not a member)
  // Each slot's declared type and array flag (type_tag), for Slots' assertion without reading
  // the table's property (decision 0112).
  std::vector<std::uint8_t> types;
  static std::uint8_t type_tag(cim::CimType type, bool array) {
    return static_cast<std::uint8_t>((static_cast<unsigned>(type) << 1) | (array ? 1U : 0U));
  }
  std::optional<std::uint32_t> slot(std::string_view name) const;
  // An instance of class `cls` over this layout's table, with room for `sets` values.
  cim::Instance instance(cim::Name cls, std::size_t sets = 8) const {
    cim::Instance inst(std::move(cls), table);
    inst.reserve(sets);
    return inst;
  }
};

// The properties the fake sets on every read of the classes a polling client reads most (a
// job, a snapshot VSSD, a snapshot collection), resolved to their slots once per build rather
// than looked up by name on every read (decision 0071). kNoSlot: not a member at this build.
inline constexpr std::uint32_t kNoSlot = ~std::uint32_t{0};
enum class Hot : std::uint8_t {
  kInstanceID,
  kName,
  kElementName,
  kCaption,
  kJobType,
  kJobState,
  kJobStatus,
  kPercentComplete,
  kErrorCode,
  kErrorDescription,
  kErrorSummaryDescription,
  kCancellable,
  kDeleteOnCompletion,
  kTimeSubmitted,
  kStartTime,
  kElapsedTime,
  kTimeOfLastStateChange,
  kTimeBeforeRemoval,
  kOperationalStatus,
  kHealthState,
  kVirtualSystemIdentifier,
  kVirtualSystemType,
  kUserSnapshotType,
  kParent,
  kIsSaved,
  kCreationTime,
  kCollectionID,
};
inline constexpr std::string_view kHotNames[] = {
    "InstanceID",
    "Name",
    "ElementName",
    "Caption",
    "JobType",
    "JobState",
    "JobStatus",
    "PercentComplete",
    "ErrorCode",
    "ErrorDescription",
    "ErrorSummaryDescription",
    "Cancellable",
    "DeleteOnCompletion",
    "TimeSubmitted",
    "StartTime",
    "ElapsedTime",
    "TimeOfLastStateChange",
    "TimeBeforeRemoval",
    "OperationalStatus",
    "HealthState",
    "VirtualSystemIdentifier",
    "VirtualSystemType",
    "UserSnapshotType",
    "Parent",
    "IsSaved",
    "CreationTime",
    "CollectionID",
};
inline constexpr std::size_t kHotCount = std::size(kHotNames);
static_assert(static_cast<std::size_t>(Hot::kCollectionID) + 1 == kHotCount);

// One instance being filled in: what the fake models is set, the rest stays null (the
// layout's table, shared: decision 0097); a name the class does not have at this build is
// dropped. It fills the caller's instance (made by ClassLayout::instance) in place.
class Slots {
 public:
  Slots(const ClassLayout& layout, cim::Instance& inst)
      : layout_(&layout),
        inst_(&inst),
        hot_(layout.hot.empty() ? nullptr : layout.hot.data()),
        types_(layout.types.data()) {}
  void set(std::string_view name, cim::Value&& v);
  // The same through the slot resolved once per build (ClassLayout::hot); inline, as most of
  // the values a read returns are set here (decisions 0112, 0118: the layout's arrays are
  // read once per instance, and the set is inlined into the fake's setters).
  [[gnu::always_inline]] void set(Hot name, cim::Value&& v) {
    if (hot_ == nullptr) {  // a class without resolved slots
      set_by_name(name, std::move(v));
      return;
    }
    const std::uint32_t i = hot_[static_cast<std::size_t>(name)];
    if (i == kNoSlot) return;  // not a member at this build
    set_slot(i, std::move(v));
  }
  // The same with the value `make()` returns, made where the instance keeps it
  // (Instance::set_slot_made, decision 0123): for the values of the instances read on every
  // poll, none made as a temporary and moved.
  template <class Make>
  [[gnu::always_inline]] void set(Hot name, Make&& make) {
    if (hot_ == nullptr) {
      set_by_name(name, make());
      return;
    }
    const std::uint32_t i = hot_[static_cast<std::size_t>(name)];
    if (i == kNoSlot) return;  // not a member at this build
    const std::uint8_t type = types_[i];
    inst_->set_slot_made(i, [&] {
      cim::Value v = make();
      // The declared CIM type (decision 0014): a mismatch is a bug in the fake.
      HVSNAP_ASSERT(type == ClassLayout::type_tag(v.type(), v.is_array()));
      return v;
    });
  }

 private:
  void set_by_name(Hot name, cim::Value&& v);
  [[gnu::always_inline]] void set_slot(std::uint32_t slot, cim::Value&& v) {
    // The declared CIM type (decision 0014): a mismatch is a bug in the fake.
    HVSNAP_ASSERT(types_[slot] == ClassLayout::type_tag(v.type(), v.is_array()));
    inst_->set_slot(slot, std::move(v));
  }
  const ClassLayout* layout_;
  cim::Instance* inst_;
  const std::uint32_t* hot_;   // layout_->hot's, or nullptr if it has none
  const std::uint8_t* types_;  // layout_->types'
};

// The GUID of a key whose GUID text is `text` (all of the key's text, or what follows its
// prefix): the identifier the fake attached when it wrote the key (cim::InlineText::id,
// decision 0112), so a path it made is not parsed again; parsed otherwise (a path from the
// wire, or one the client built). The bits are used only when `text` is exactly the key's
// last 36 characters — the GUID the fake wrote with them — so a key copied under another name
// or read with another prefix resolves as its text from the wire would (review of 0112); the
// dev and sanitizer builds (not release) check every use against the parse.
inline std::optional<Guid> key_guid(const cim::InlineText& key, std::string_view text) {
  constexpr std::size_t kGuidText = 36;
  if (const auto id = key.id();
      id && text.size() == kGuidText && text.data() + kGuidText == key.data() + key.size()) {
    const Guid g{id->hi, id->lo};
#ifndef NDEBUG
    HVSNAP_ASSERT(Guid::parse(text) == g);  // not in release: the parse is what the bits save
#endif
    return g;
  }
  return Guid::parse(text);
}

// The record an internal invariant says exists (an id held by another record, a job in
// active_jobs, …): a missing one is a bug in the fake, so it asserts instead of throwing.
template <class Map, class Key>
auto& must(Map& map, const Key& key) {
  auto it = map.find(key);
  HVSNAP_ASSERT(it != map.end());
  return it->second;
}

// Removes `id` from an id list that grows at its end: searched from the back, so removing a
// recent entry (the newest snapshot or collection) costs O(1), not O(history). Says whether
// it was there.
template <class List>
bool erase_from_back(List& list, const Guid& id) {
  auto it = std::find(list.rbegin(), list.rend(), id);
  if (it == list.rend()) return false;
  list.erase(std::next(it).base());
  return true;
}

// Every class layout at one build, the layouts of the node kinds and of the associations
// (parallel to model_assoc.cpp's association table).
struct SchemaLayouts {
  std::map<std::string_view, ClassLayout, cim::ILess> layouts;
  // The same by a case-insensitive hash (decision 0098): position -> by_position's layout.
  cim::NameIndex index;
  std::vector<const ClassLayout*> by_position;
  std::array<const ClassLayout*, kNodeKinds> kind_layouts{};
  std::vector<const ClassLayout*> assoc_layouts;
};

// Appends "yyyy-mm-dd HH:MM:SS", the UTC time `unix_ms` ms after the Unix epoch (what
// Host::Impl::append_time_text writes for a host time).
void append_utc_time_text(std::string& out, std::int64_t unix_ms);
// The same 19 characters at `out`, for years 0-9999; false (nothing written) outside them.
bool write_utc_time_text(char* out, std::int64_t unix_ms);

// A failed job's ErrorCode for the cause of its first error (contract §3.2, J2).
std::uint16_t job_error_code(std::string_view cause);

struct Host::Impl {
  std::mutex mu;

  // Configuration.
  std::string host_name;
  std::uint32_t host_build = cim::schema::kDefaultBuild;
  std::uint64_t seed = 0;
  std::int64_t epoch_unix_ms = 0;
  Personality personality;
  Timing timing;
  FaultPlan faults;

  // Run state.
  std::int64_t now_ms = 0;
  std::int64_t manual_ms = 0;
  std::uint64_t reads = 0;
  Rng rng_ids;
  Rng rng_faults;
  Rng rng_choices;
  bool faults_armed = false;
  std::vector<FaultSite> armed_sites;
  std::vector<FaultEvent> fault_log;

  // Records.
  // Records, journaled (decision 0075): reads through find/must, changes through edit/must_edit.
  Journaled<Vm> vms;
  Journaled<Group> groups;
  Journaled<ManagementGroup> management_groups;
  Journaled<Snapshot> snapshots;
  Journaled<SnapshotCollection> collections;
  Journaled<Job> jobs;

  // The schema at host_build (model_instances.cpp), set by load(): immutable, one per build in
  // the process, shared by every host of that build (decision 0072: a host is built per case).
  std::shared_ptr<const SchemaLayouts> schema;

  // Derived indexes, rebuilt by load().
  Journaled<std::vector<Guid>> vm_groups;  // vm -> groups holding it
  // snapshot -> its direct children (any order), so that DestroySnapshot touches the members
  // and their children only, never a VM's whole history.
  // A snapshot has one child unless a checkpoint was applied under it: the list lives inside
  // the map's node (decision 0118: no allocation for each snapshot taken).
  using ChildList = boost::container::small_vector<Guid, 1>;
  Journaled<ChildList> children;
  std::set<Guid> active_jobs;                              // not yet terminal
  std::multimap<std::int64_t, Guid> removal_queue;         // terminal jobs by removal time
  std::vector<Guid> read_jobs;                             // jobs returned by the current read
  std::vector<std::pair<Guid, std::int64_t>> due_scratch;  // reused by advance()

  // --- host.cpp ---
  void load(HostState state);
  void load_copy(const HostState& state);  // the same, the records copied (a pool's base)
  void set_run_state(const HostState& s);  // load()'s and a rollback's configuration and run state
  HostState dump() const;

  // A pooled host (HostPool, decision 0075). What a rollback restores by value: the base's
  // configuration and run state (its record lists left empty) and the two job queues (small:
  // a fixture's jobs; `load` orders the removal queue's ties by hashing, so it is kept as
  // built). Null for a host outside a pool, and after a load(): such a host is not returned.
  struct Baseline {
    HostState scalars;
    std::set<Guid> active_jobs;
    std::multimap<std::int64_t, Guid> removal_queue;
  };
  std::unique_ptr<const Baseline> baseline;
  // Joins a pool: `run_state` is the state load() was given, without its record lists.
  void start_journal(HostState run_state);
  // Back to the base in O(what the case changed): every journaled map, then the run state.
  void rollback_to_base();
  // The base re-seeded for one case, as HostState::with_seed(seed) and load() would make it.
  void reseed(std::uint64_t seed);
  // Every provider call moves the clock; reads also count towards result visibility.
  void begin_call(bool is_read);
  void end_read();
  std::uint32_t code(std::uint32_t dmtf) const;  // DMTF code in the personality's family

  // --- model.cpp, model_instances.cpp, model_assoc.cpp ---
  void build_layouts();
  const ClassLayout* layout_of(std::string_view cls) const;
  bool served(NodeKind kind) const;
  bool served(const AssocDef& def) const;
  const ClassLayout* assoc_layout(const AssocDef& def) const;
  bool class_exists(std::string_view cls) const;
  cim::Status no_such_class(std::string_view cls) const;
  cim::Result<Node> resolve(const cim::ObjectPath& path) const;
  std::string_view namespace_of(std::string_view cls) const;
  cim::ObjectPath path_of(const Node& node) const;
  // The same, built into `p` (empty: an instance's own path, decision 0112).
  void fill_path(const Node& node, cim::ObjectPath& p) const;
  // For a node whose path is its kind's with a GUID in one key (a VM, a settings object or
  // snapshot, a group, a collection, a job): writes the node's GUID into `p`, a path
  // fill_path made for another node of that kind, and says true; false for other kinds
  // (decision 0139: a listing copies its first path).
  bool refill_guid_key(const Node& node, cim::ObjectPath& p) const;
  // The instance of `node` is made where it is returned (a result, a vector's new element),
  // so its values, which live inside it (decision 0106), are never moved: `into` is an empty
  // instance of its class over its layout's table (instance_class, instance_table), filled in
  // place.
  cim::Name instance_class(const Node& node) const {
    return cim::Name::borrow(class_of(node.kind));
  }
  const cim::PropertyTablePtr& instance_table(const Node& node) const {
    HVSNAP_ASSERT(served(node.kind));
    return schema->kind_layouts[static_cast<std::size_t>(node.kind)]->table;
  }
  void materialize(const Node& node, cim::Instance& into);
  void materialize_back(const Node& node, std::vector<cim::Instance>& out) {
    materialize(node, out.emplace_back(instance_class(node), instance_table(node)));
  }
  static std::string_view class_of(NodeKind kind);
  bool visible(const SnapshotCollection& c) const { return reads > c.visible_after_read; }
  bool exists_visibly(const Node& node) const;
  // f(node) for each node of the kind that a listing shows, in id order (decision 0075).
  template <class F>
  void each_of(NodeKind kind, F&& f) const;
  std::vector<Node> all_of(NodeKind kind) const;
  NodeList links(const AssocDef& def, const Node& from, bool from_a) const;
  cim::Instance association_instance(const AssocDef& def, const Node& a, const Node& b) const;
  cim::Result<std::vector<cim::Instance>> enumerate(std::string_view name_space,
                                                    std::string_view class_name);
  // Whether a listing of `class_name` in namespace `ns` holds the nodes of kind `k` (the
  // instances of association `def`).
  bool lists(NodeKind k, std::string_view class_name, std::string_view ns) const;
  bool lists(const AssocDef& def, std::string_view class_name, std::string_view ns) const;
  template <class OnNodes, class OnLink>
  cim::Status each_instance(std::string_view name_space, std::string_view class_name,
                            OnNodes&& nodes, OnLink&& link);
  // enumerate's instances that may match one of `any_of`, found by key (decision 0137).
  cim::Result<std::vector<cim::Instance>> enumerate_matching(
      std::string_view name_space, std::string_view class_name,
      const std::vector<cim::Provider::PropertyEquals>& any_of);
  // enumerate's instances' paths, in its order, without making the instances (decision 0134).
  cim::Result<std::vector<cim::ObjectPath>> enumerate_names(std::string_view name_space,
                                                            std::string_view class_name);
  cim::Status each_name(std::string_view name_space, std::string_view class_name,
                        const std::function<void(const cim::ObjectPath&)>& f);
  cim::Result<std::vector<cim::Instance>> walk(const cim::ObjectPath& object, bool want_refs,
                                               std::string_view assoc_class,
                                               std::string_view result_class, std::string_view role,
                                               std::string_view result_role);
  void repeat_some(std::vector<cim::Instance>& out);
  cim::DateTime timestamp(std::int64_t t_ms) const;
  std::string time_text(std::int64_t t_ms) const;
  void append_time_text(std::string& out, std::int64_t t_ms) const;
  cim::InlineText display_name(std::string_view base, std::int64_t t_ms) const;

  // --- neighbours.cpp (the host as Windows describes it, a VM's processor and memory) ---
  // nullopt: `cls` is not a neighbour class.
  std::optional<cim::Result<Node>> resolve_neighbour(const cim::ObjectPath& path,
                                                     std::string_view cls) const;
  void neighbour_keys(const Node& node, cim::ObjectPath& p) const;
  void materialize_neighbour(const Node& node, Slots& s) const;
  std::string os_name() const;         // Win32_OperatingSystem.Name
  std::string product_serial() const;  // Win32_ComputerSystemProduct.IdentifyingNumber

  // --- methods.cpp, methods_snapshot.cpp ---
  cim::Result<cim::MethodResult> invoke(const cim::ObjectPath& object, std::string_view method,
                                        const cim::PropertyList& in);

  // --- jobs.cpp ---
  void advance(std::int64_t ms, bool explicit_advance);
  Job& new_job(JobKind kind, std::uint16_t job_type, bool cancellable);
  void schedule(Job& job, std::int64_t duration_ms);
  // The first step of a new job: Running jobs snapshot, New / Query Pending ones start.
  void schedule_first_step(Job& job);
  void step(Job& job);
  void start_create_job(Job& job);
  bool run_member(Job& job);  // false once the job has ended
  std::vector<JobError> member_causes(const Vm& vm, const Job& job) const;
  void snapshot_member(Job& job, Vm& vm);
  static bool production_possible(const Vm& vm);
  void complete_create(Job& job);
  // Builds the snapshot collection from what `job` created; returns its id.
  Guid make_snapshot_collection(Job& job);
  void rollback(Job& job);
  void fail(Job& job, std::uint16_t state, std::vector<JobError> errors, std::string summary);
  void finish(Job& job, std::uint16_t state);
  void release_members(const Job& job);
  void destroy_snapshot_collection(const Guid& id);
  void forget_collection(const Guid& id);    // unlinks and erases the record only
  void remove_snapshot(const Guid& sid);     // re-parents its children (CS-SEQ-2)
  void remove_dependents(const Guid& root);  // the whole subtree (M7)
  void leave_collection(const Snapshot& s);
  void apply_snapshot_collection(const Guid& id);
  void destroy_vm(const Guid& id);
  void link_child(const Guid& parent, const Guid& child);
  void unlink_child(const Guid& parent, const Guid& child);
  bool job_progresses_on_clock(const Job& job) const;
  // Fault plan.
  void arm_faults();
  // Does an armed site fire now? `describe()` (only called when it does) says where, for
  // the log; unarmed sites cost nothing and draw nothing.
  template <class Describe>
  bool fires(FaultSite site, Describe&& describe) {
    if (!armed(site) || !rng_faults.chance(must(faults.sites, site).firing)) return false;
    fault_log.push_back(FaultEvent{now_ms, site, false, std::string(describe())});
    return true;
  }
  bool armed(FaultSite site) const;
};

}  // namespace hvsnap::sim
