// Stateful checking (contract §5, CS-SEQ-1..8): a sequence of WMI calls over a small fixed
// topology — three VMs, three overlapping groups and an untouchable sentinel — each judged
// by the oracle as it happens, plus the sequence requirements across steps.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hvsnap/conformance/case_runner.h"
#include "hvsnap/conformance/cases.h"
#include "hvsnap/conformance/id_list.h"

namespace hvsnap::conformance {

enum class StepKind : std::uint8_t {
  kCreate,      // CreateSnapshot on group a (SnapshotType `type`, settings `s`)
  kCreatePair,  // CreateSnapshot on groups a and b back to back, then both jobs (CS-SEQ-6)
  kCancel,      // CreateSnapshot on group a, wait `ms`, RequestStateChange(type: 4 or 5) (CS-SEQ-7)
  kDestroy,     // DestroySnapshot on the a-th snapshot collection (CS-SEQ-2)
  kApply,       // ApplySnapshot on the a-th snapshot collection (CS-SEQ-3)
  kAddMember,   // AddMember(vm a, group b) (CS-SEQ-4)
  kRemoveMember,  // RemoveMember(vm a, group b) (CS-SEQ-4)
  kStateChange,   // RequestStateChange(vm a, `type`), waiting unless `wait` is false
  kAdvance,       // let `ms` of time pass, then check job removal (CS-SEQ-8)
  kPoll,          // read every job and the host
};

struct Step {
  StepKind kind = StepKind::kPoll;
  int a = 0;
  int b = 0;
  std::uint16_t type = 1;
  bool wait = true;
  std::int64_t ms = 0;
  SClass s = SClass::kNull;
  SettingsArg settings;

  nlohmann::json to_json() const;
  static cim::Result<Step> from_json(const nlohmann::json& j);
  friend bool operator==(const Step&, const Step&) = default;
};

struct SequenceReport {
  bool not_tested = false;
  std::string not_tested_reason;
  bool undecided = false;  // not tested: the wire lost an answer it needed (decision 0161)
  Findings findings;
  std::string setup;                  // what every sequence starts from, with the objects' ids
  std::vector<std::string> numbered;  // the sequence as numbered WMI calls with outcomes
  std::string failure;                // the first FAIL that fails the run, in words
  std::vector<std::string> cleanup_left;
  int retries = 0;  // CreateSnapshot calls repeated after a Timeout with no change (TimeoutRetry)
};

// The sequences that run on one shared host at the same time (a live host at -j N, decision
// 0144). Each compares the host's snapshot collections at its ends with what it reached
// (CS-INV-9, decision 0133); the collections the others reached are theirs to judge, so each
// publishes what it reaches here. A step holds the gate from its first call until its view
// is published, and an end comparison lists the host only when no step holds it: a collection
// another sequence made and its view showed is then already published. One that shows late
// (CS-INV-7) is looked for, as a sequence's own late one is, in the groups of the sequences
// still on the host.
class SharedReach {
 public:
  void publish(std::string_view collection_id);
  bool reached(std::string_view collection_id) const;

  // The groups of the sequences on the host: from their set-up until their cleanup ended.
  void add_groups(const void* sequence, const std::vector<cim::ObjectPath>& groups);
  void remove_groups(const void* sequence);
  std::vector<cim::ObjectPath> groups() const;

  // A step of some sequence, from its first call to its view's publication.
  void enter_step();
  void leave_step();
  // An end comparison: waits for the steps under way (new ones wait for it).
  void begin_check();
  void end_check();

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::string, std::less<>> reached_;
  std::vector<std::pair<const void*, cim::ObjectPath>> groups_;
  int steps_ = 0;
  int checks_waiting_ = 0;
  bool checking_ = false;
};

// Runs a sequence on a fresh target built from `host_seed`.
SequenceReport run_sequence(const std::vector<Step>& steps, std::uint64_t host_seed,
                            const TargetFactory& make_target, const RunConfig& config);

// The snapshot collections of a host made by `make_target(host_seed)`, when the target declares
// fresh hosts (every host it makes starts in the same state): a run's sequences then take them
// as their set-up's instead of each listing its own (RunConfig::fresh_host_collections,
// decision 0139). Null for other targets, and when the listing fails (each sequence then lists
// its own host's, as on a live host).
std::shared_ptr<const IdList> fresh_host_collections(const TargetFactory& make_target,
                                                     std::uint64_t host_seed);

// The numbered list, ready to print.
std::string numbered_list(const SequenceReport& r);

// The step as the WMI call(s) a person could replay by hand.
std::string describe(const Step& s);

// A RapidCheck generator of sequences up to `max_steps` long (rc::state commands over a model
// of the harness's topology, so that every step's preconditions hold; sequence_gen.cpp).
rc::Gen<std::vector<Step>> gen_sequence(bool clock_control, int max_steps);

}  // namespace hvsnap::conformance
