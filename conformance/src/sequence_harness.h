// The harness that performs and judges each step of a stateful sequence (contract §5,
// sequences.h). Private to conformance/src: sequences.cpp sets it up, runs a step and keeps its
// record; sequence_create.cpp holds the CreateSnapshot steps and their judgement,
// sequence_destroy_apply.cpp the DestroySnapshot and ApplySnapshot steps (decision 0085).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "hvsnap/conformance/id_list.h"
#include "hvsnap/conformance/observe.h"
#include "hvsnap/conformance/sequences.h"

namespace hvsnap::conformance {

// A call's outcome as the steps read it (sequence_create.cpp).
bool undecided(const model::CallOutcome& o);
bool succeeded(const model::CallOutcome& o);

class Harness {
 public:
  // Collection ids, ascending and distinct: a host's whole set is compared by one walk of two
  // sorted lists (a large host has tens of thousands; decisions 0136, 0139).
  using Ids = IdList;
  Harness(Target target, const RunConfig& cfg)
      : cfg_(cfg), cl_(std::move(target), cfg.client), limit_(cl_.has_control() ? 3u : 0u) {
    // What the cleanup destroys is published first, also what no view or publish_linked read
    // reached (a result shown late, a failed read): decision 0154.
    if (cfg_.shared_reach != nullptr) {
      cl_.before_destroying_collection(
          [reach = cfg_.shared_reach](const std::string& id) { reach->publish(id); });
    }
  }
  // Its groups are no longer looked at by the others' end checks (SharedReach).
  ~Harness() {
    if (cfg_.shared_reach != nullptr) cfg_.shared_reach->remove_groups(this);
  }
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  std::string setup();
  void run(const Step& step, int number);
  // After the last step: the host's collections outside the sequence's reach (decision 0133).
  void check_host_collections();
  // Forgets what the reads since the last judgement broke of the wire's forms (reads no
  // judgement will be made on, decision 0164).
  void drop_wire_problems();
  // After the last step: what the reads since its last view broke of the wire's forms
  // (CS-READ-1), the sequence's own, not left for whatever uses the connection next (0141).
  void check_wire_leftovers();
  void describe_setup(const cim::ObjectPath& sentinel_vm, const cim::ObjectPath& sentinel);
  // The collections `groups` link now, by id: a read a group, a failed one made up to
  // `attempts` times, then that group left out; with `lost`, the first read left out because
  // the wire lost its answer is named there.
  std::map<std::string, cim::ObjectPath> linked_to(const std::vector<cim::ObjectPath>& groups,
                                                   int attempts, std::string* lost = nullptr);
  // With RunConfig::shared_reach: publishes every collection the sequence's groups link now
  // (a read a group), before its cleanup removes them: its views need not have reached them all
  // (a sequence that stopped early, a result shown late).
  void publish_linked();
  SequenceReport finish();

  bool failed() const { return !failure_.empty(); }
  int answers_lost() const { return cl_.answers_lost(); }

 private:
  // Findings, views and the transitions under way (sequences.cpp).
  void add(Finding f);
  void add_all(Findings fs);
  model::HostView observe();
  // Notes collections as reached by the sequence, and publishes them (RunConfig::shared_reach).
  void note_reached(const std::map<std::string, cim::ObjectPath>& paths);
  // Notes a collection id as seen: false if the host had it at set-up or it was seen before.
  bool see_collection(const std::string& id);
  void settle_transitions();

  // The CreateSnapshot calls and the jobs they start (sequence_create.cpp).
  model::Expectation expectation(const cim::ObjectPath& group, std::uint16_t type, SClass s,
                                 bool ignore);
  cim::PropertyList create_args(const cim::ObjectPath& group, const Step& step);
  model::CallOutcome call_create(const cim::PropertyList& in, bool wait);
  void note_job(const cim::ObjectPath& job);
  void finish_job(model::CallOutcome& o);
  model::HostView observe_after(std::size_t expected_new_collections, bool undecided = false);
  void record_new(const model::HostView& after);
  bool judge(model::Expectation e, const model::HostView& before, const model::CallOutcome& o,
             const model::HostView& after, TimeoutRetry* timeouts = nullptr);

  // The steps: sequence_create.cpp, sequence_destroy_apply.cpp, the rest sequences.cpp.
  void create(const Step& step);
  void pair(const Step& step);
  void cancel(const Step& step);
  std::vector<std::string> our_collections() const;
  void destroy(const Step& step);
  void apply(const Step& step);
  void membership(const Step& step);
  void state_change(const Step& step);
  void advance(const Step& step);
  void poll();
  void check_collections_immutable();
  void number_step(const Step& step, int number, std::size_t mark);

  struct Ended {
    cim::ObjectPath job;
    std::int64_t ended_ms;
    std::int64_t tbr_ms;
  };

  const RunConfig& cfg_;
  Client cl_;
  std::uint32_t limit_;
  std::vector<cim::ObjectPath> vms_;
  std::vector<cim::ObjectPath> groups_;
  std::vector<cim::ObjectPath> own_groups_;  // every group it defined, the sentinel's too
  model::Scope scope_;
  model::HostView view_;
  std::map<std::string, std::set<std::string>> collections_;  // existing S -> members
  // Every collection of the host before the set-up snapshot: listed by the sequence, or, on a
  // fresh host, the run's one listing of a fresh host (RunConfig::fresh_host_collections).
  std::shared_ptr<const Ids> at_start_;
  // With at_start_: every collection id the host had at set-up or the sequence made.
  std::unordered_set<std::string> seen_collections_;
  // Every collection a view or judgement of the sequence reached, with its path.
  std::map<std::string, cim::ObjectPath> reached_;
  std::set<std::string> seen_jobs_;
  cim::PropertyList last_args_;  // the last CreateSnapshot's arguments (for --record)
  std::vector<cim::ObjectPath> job_paths_;
  std::map<std::string, std::uint16_t> transitions_;      // vm -> requested state, not yet reached
  std::map<std::string, std::uint16_t> transition_from_;  // vm -> its state when requested
  std::vector<Ended> ended_;
  // The last ended jobs every later view re-reads (a bounded cost: two Gets per view).
  static constexpr std::size_t kWatchedJobs = 2;
  std::deque<cim::ObjectPath> watched_;
  Findings findings_;
  std::vector<std::string> numbered_;
  std::string setup_;
  std::string failure_;
  int number_ = 0;  // the step being run; 0 the set-up
  static constexpr int kAfterTheLastStep = -1;
  int retries_ = 0;  // calls repeated after a Timeout with no change (TimeoutRetry)
};

}  // namespace hvsnap::conformance
