// Stateful sequences (contract §5): the harness that performs and judges each step of a sequence
// (sequence_gen.cpp generates them).
// The harness's declaration is sequence_harness.h's; its CreateSnapshot steps are
// sequence_create.cpp's, its DestroySnapshot and ApplySnapshot steps sequence_destroy_apply.cpp's
// (decision 0085).
#include "hvsnap/conformance/sequences.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "case_turns.h"
#include "hvsnap/cim/codes.h"
#include "hvsnap/cim/names.h"
#include "hvsnap/conformance/catalogue.h"
#include "sequence_harness.h"

namespace hvsnap::conformance {

using cim::ObjectPath;
using model::id_of;

namespace {

// Holds one side of a SharedReach's gate for a scope (a step's or an end check's); nothing
// without a SharedReach (a host no other sequence shares).
template <void (SharedReach::*Enter)(), void (SharedReach::*Leave)()>
class Held {
 public:
  explicit Held(SharedReach* r) : r_(r) {
    if (r_ != nullptr) (r_->*Enter)();
  }
  ~Held() {
    if (r_ != nullptr) (r_->*Leave)();
  }
  Held(const Held&) = delete;
  Held& operator=(const Held&) = delete;

 private:
  SharedReach* r_;
};
using StepHeld = Held<&SharedReach::enter_step, &SharedReach::leave_step>;
using CheckHeld = Held<&SharedReach::begin_check, &SharedReach::end_check>;

}  // namespace

// Three VMs (v0 running, v1 running, v2 off), groups g0={v0,v1}, g1={v1,v2}, g2={v2},
// and a sentinel group with one snapshot. On the fake, v0's checkpoint limit is 3 so
// that sequences reach it (CS-SEQ-5).
std::string Harness::setup() {
  auto fail = [](const cim::Status& st) { return st.ok() ? std::string() : st.message(); };
  for (int i = 0; i < 3; ++i) {
    auto vm = cl_.define_vm(fmt::format("seq-vm-{}", i), 5);
    if (!vm.ok()) return vm.status().message();
    vms_.push_back(*vm);
  }
  for (int i = 0; i < 2; ++i) {
    if (auto e = fail(cl_.change_state(vms_[static_cast<std::size_t>(i)], 2)); !e.empty()) return e;
  }
  const std::vector<std::vector<int>> topology{{0, 1}, {1, 2}, {2}};
  for (std::size_t g = 0; g < topology.size(); ++g) {
    auto grp = cl_.define_collection(fmt::format("seq-group-{}", g), 0);
    if (!grp.ok()) return grp.status().message();
    for (int v : topology[g]) {
      if (auto e = fail(cl_.add_member(vms_[static_cast<std::size_t>(v)], *grp)); !e.empty())
        return e;
    }
    groups_.push_back(*grp);
    own_groups_.push_back(*grp);
  }
  auto svm = cl_.define_vm("seq-sentinel-vm", 5);
  auto sgrp = cl_.define_collection("seq-sentinel", 0);
  if (sgrp.ok()) own_groups_.push_back(*sgrp);
  if (cfg_.shared_reach != nullptr) cfg_.shared_reach->add_groups(this, own_groups_);
  if (!svm.ok() || !sgrp.ok()) return "could not define the sentinel";
  if (auto e = fail(cl_.add_member(*svm, *sgrp)); !e.empty()) return e;
  // The host's collections before the sequence makes any: compared with its collections after
  // the last step (decision 0133). An id among them made again is not a new collection. A
  // fresh host's are the run's one listing of a fresh host (decision 0139).
  if (cfg_.fresh_host_collections != nullptr && cl_.target().caps.fresh_hosts) {
    at_start_ = cfg_.fresh_host_collections;
  } else {
    auto before = list_host_collections(cl_.provider());
    if (!before.ok()) return before.status().message();
    at_start_ = std::make_shared<const Ids>(std::move(before).value());
  }
  // Judged like every call (contract §4): a set-up snapshot that breaks the contract is the
  // sequence's failure, not a reason to skip it.
  model::Scope so_far;
  so_far.whole_host_collections = false;  // the host's collections: at the ends (decision 0133)
  so_far.vms = vms_;
  so_far.vms.push_back(*svm);
  so_far.groups = groups_;
  so_far.groups.push_back(*sgrp);
  SetupSnapshot s = setup_snapshot(cl_, *sgrp, so_far, cfg_);
  retries_ += s.retries;
  add_all(std::move(s.findings));
  if (s.failed) {
    setup_ = "set-up, where a CreateSnapshot broke the contract:\n" + cl_.transcript();
    return {};
  }
  if (!s.collection) return s.problem;
  if (limit_ > 0) {
    FakeVmAttributes a;
    a.checkpoint_limit = limit_;
    if (auto e = fail(cl_.set_fake_attributes(vms_[0], a)); !e.empty()) return e;
  }
  scope_.whole_host_collections = false;
  scope_.vms = vms_;
  scope_.vms.push_back(*svm);
  scope_.groups = groups_;
  scope_.groups.push_back(*sgrp);
  view_ = observe();
  if (!view_.errors.empty()) return "the host could not be observed: " + view_.errors.front();
  describe_setup(*svm, *sgrp);
  for (const auto& [id, c] : view_.collections)
    collections_[id] = c.members;
  for (const auto& id : view_.all_collections)
    see_collection(id);
  return {};
}

std::shared_ptr<const IdList> fresh_host_collections(const TargetFactory& make_target,
                                                     std::uint64_t host_seed) {
  auto target = make_target(host_seed);
  if (!target.ok() || !target->caps.fresh_hosts) return nullptr;
  auto ids = list_host_collections(*target->provider);
  if (!ids.ok()) return nullptr;  // each sequence lists its host's, as on a live host
  return std::make_shared<const IdList>(std::move(ids).value());
}

void SharedReach::publish(std::string_view collection_id) {
  std::lock_guard lock(mu_);
  reached_.emplace(collection_id);
}

bool SharedReach::reached(std::string_view collection_id) const {
  std::lock_guard lock(mu_);
  return reached_.contains(collection_id);
}

void SharedReach::enter_step() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !checking_ && checks_waiting_ == 0; });
  ++steps_;
}

void SharedReach::leave_step() {
  std::lock_guard lock(mu_);
  --steps_;
  cv_.notify_all();
}

void SharedReach::begin_check() {
  std::unique_lock lock(mu_);
  ++checks_waiting_;
  cv_.wait(lock, [&] { return steps_ == 0 && !checking_; });
  --checks_waiting_;
  checking_ = true;
}

void SharedReach::end_check() {
  std::lock_guard lock(mu_);
  checking_ = false;
  cv_.notify_all();
}

void SharedReach::add_groups(const void* sequence, const std::vector<cim::ObjectPath>& groups) {
  std::lock_guard lock(mu_);
  for (const auto& g : groups)
    groups_.emplace_back(sequence, g);
}

void SharedReach::remove_groups(const void* sequence) {
  std::lock_guard lock(mu_);
  std::erase_if(groups_, [&](const auto& g) { return g.first == sequence; });
}

std::vector<cim::ObjectPath> SharedReach::groups() const {
  std::lock_guard lock(mu_);
  std::vector<cim::ObjectPath> out;
  out.reserve(groups_.size());
  for (const auto& [sequence, g] : groups_)
    out.push_back(g);
  return out;
}

void Harness::note_reached(const std::map<std::string, cim::ObjectPath>& paths) {
  reached_.insert(paths.begin(), paths.end());
  if (cfg_.shared_reach == nullptr) return;
  for (const auto& [id, path] : paths)
    cfg_.shared_reach->publish(id);
}

std::map<std::string, cim::ObjectPath> Harness::linked_to(const std::vector<ObjectPath>& groups,
                                                          int attempts, std::string* lost) {
  std::map<std::string, cim::ObjectPath> linked;
  for (const auto& g : groups) {
    for (int i = 0; i < attempts; ++i) {
      auto colls =
          cl_.provider().associators(g, {std::string(cim::names::kSnapshotOfGroup), "", "", ""});
      if (!colls.ok()) {
        if (lost != nullptr && lost->empty() && i + 1 == attempts &&
            cim::lost_on_the_wire(colls.status().kind())) {
          *lost = fmt::format("ASSOCIATORS OF {} via {}: {}", g.to_string(),
                              cim::names::kSnapshotOfGroup, colls.status().to_string());
        }
        continue;
      }
      for (const auto& c : *colls)
        linked.emplace(id_of(c.path()), c.path());
      break;
    }
  }
  return linked;
}

void Harness::publish_linked() {
  // A failed read is tried once more; then that group's collections stay unpublished.
  if (cfg_.shared_reach != nullptr) note_reached(linked_to(own_groups_, 2));
}

bool Harness::see_collection(const std::string& id) {
  return !at_start_->contains(id) && seen_collections_.insert(id).second;
}

// CS-INV-9 across the sequence (decision 0133): the steps' views reach the sequence's own
// collections (its groups' links, and every collection it has seen, by path); the rest of the
// host's are compared here, from set-up to the end: none lost, none gained that no view reached.
// The message names the least id of each kind.
void Harness::check_host_collections() {
  number_ = kAfterTheLastStep;
  // With other sequences on the host: listed when none is between a call and its view, and
  // what they reached left to them (SharedReach, decision 0144).
  SharedReach* const shared = cfg_.shared_reach.get();
  const CheckHeld check(shared);
  auto all = list_host_collections(cl_.provider());
  if (!all.ok()) {
    // A listing the wire lost (asked again, decision 0166) is no observation: nothing is judged
    // on it, and the sequence is undecided (decision 0161), not passed with the check unmade.
    throw_if_lost(all.status(), "the listing of the host's snapshot collections");
    // The host's own error, not a breach: the check is not made, and says so.
    add(finding("inv9.host-collections", Verdict::kNotTested,
                "after the last step the host's snapshot collections could not be enumerated, "
                "so they were not compared with the set-up's: " +
                    all.status().message()));
    return;
  }
  // The least id of the set-up's missing from `now`, and of `now` missing from the set-up's,
  // that no view reached: one walk of the two sorted lists.
  const Ids& start = *at_start_;
  const auto outside = [&](std::string_view id) {
    return !reached_.count(std::string(id)) && (shared == nullptr || !shared->reached(id));
  };
  const auto least_outside = [&](const Ids& now) {
    std::pair<std::optional<std::string_view>, std::optional<std::string_view>> least;
    std::size_t b = 0;
    std::size_t a = 0;
    while (b < start.size() || a < now.size()) {
      const int order =
          a == now.size() ? -1 : (b == start.size() ? 1 : Ids::compare(start[b], now[a]));
      if (order < 0) {
        if (!least.first && outside(start[b])) least.first = start[b];
        ++b;
      } else if (order > 0) {
        if (!least.second && outside(now[a])) least.second = now[a];
        ++a;
      } else {
        ++a;
        ++b;
      }
    }
    return least;
  };
  auto [lost, gained] = least_outside(*all);
  if (gained) {
    // Before calling it an outside one: a collection the sequence's groups link only now (a
    // host that shows results late) is the sequence's, and one that the groups of another
    // sequence on the host link, that one's. One read a group, only in this case.
    std::vector<cim::ObjectPath> groups = scope_.groups;
    if (shared != nullptr) {
      for (auto& g : shared->groups()) {
        if (std::find(groups.begin(), groups.end(), g) == groups.end())
          groups.push_back(std::move(g));
      }
    }
    std::string lost_read;
    note_reached(linked_to(groups, 1, &lost_read));
    gained = least_outside(*all).second;
    // A group whose links the wire lost may link the collection: nothing is judged on it
    // (0161); a set-up collection gone fails whatever the links say.
    if (gained && !lost && !lost_read.empty())
      throw WireLost{"no answer came back to a read the judgement needs: " + lost_read};
  }
  std::string problem;
  if (lost) {
    problem = fmt::format(
        "snapshot collection {}, outside the sequence's groups, was there at set-up and is gone "
        "after the last step",
        *lost);
  } else if (gained) {
    problem = fmt::format(
        "snapshot collection {} appeared during the sequence, linked to none of its groups and "
        "listing none of its VMs' new snapshots",
        *gained);
  }
  add(finding("inv9.host-collections", problem.empty() ? Verdict::kPass : Verdict::kFail, problem));
  if (shared == nullptr) return;
  // Other sequences' calls went on after this one's last view: its own collections, which
  // their end checks leave to it, are still there (CS-SEQ-4, as after each step).
  std::string vanished;
  for (const auto& [id, members] : collections_) {
    if (!all->contains(id)) {
      vanished = fmt::format(
          "snapshot collection {} disappeared without DestroySnapshot after the last "
          "step, while other sequences ran",
          id);
      break;
    }
  }
  add(finding("seq4.collections-immutable", vanished.empty() ? Verdict::kPass : Verdict::kFail,
              vanished));
}

void Harness::run(const Step& step, int number) {
  const std::size_t mark = cl_.calls().size();
  number_ = number;
  try {
    switch (step.kind) {
      case StepKind::kCreate:
        create(step);
        break;
      case StepKind::kCreatePair:
        pair(step);
        break;
      case StepKind::kCancel:
        cancel(step);
        break;
      case StepKind::kDestroy:
        destroy(step);
        break;
      case StepKind::kApply:
        apply(step);
        break;
      case StepKind::kAddMember:
      case StepKind::kRemoveMember:
        membership(step);
        break;
      case StepKind::kStateChange:
        state_change(step);
        break;
      case StepKind::kAdvance:
        advance(step);
        break;
      case StepKind::kPoll:
        poll();
        break;
    }
  } catch (const WireLost&) {
    // A failure judged before the loss stands (decision 0164): the step's calls so far show it.
    if (failed()) number_step(step, number, mark);
    throw;
  }
  check_collections_immutable();
  settle_transitions();
  number_step(step, number, mark);
}

// The step as numbered WMI calls, its calls from `mark` on.
void Harness::number_step(const Step& step, int number, std::size_t mark) {
  std::string line;
  for (std::size_t i = mark; i < cl_.calls().size(); ++i) {
    const auto& c = cl_.calls()[i];
    line += fmt::format("{}{} -> {}", line.empty() ? "" : "\n      ", c.call, c.outcome);
  }
  if (line.empty())
    line =
        step.kind == StepKind::kAdvance ? fmt::format("(wait {} ms)", step.ms) : "(read the host)";
  numbered_.push_back(fmt::format("{:>2}. {}", number, line));
}

// The starting point as a legend, so that the ids in the steps and messages mean something.
void Harness::describe_setup(const cim::ObjectPath& sentinel_vm, const cim::ObjectPath& sentinel) {
  auto state = [&](const cim::ObjectPath& vm) {
    auto it = view_.vms.find(model::id_of(vm));
    if (it == view_.vms.end()) return std::string("?");
    switch (it->second.state) {
      case 2:
        return std::string("Running");
      case 3:
        return std::string("Off");
      default:
        return std::to_string(it->second.state);
    }
  };
  setup_ = "set-up (WMI calls before step 1; ids as the steps show them):\n";
  for (std::size_t i = 0; i < vms_.size(); ++i) {
    setup_ += fmt::format(
        "  VM seq-vm-{} = {}, {}{}\n", i, model::id_of(vms_[i]), state(vms_[i]),
        i == 0 && limit_ > 0 ? fmt::format(", checkpoint limit {} (fake control)", limit_) : "");
  }
  const std::vector<std::string> members{"seq-vm-0, seq-vm-1", "seq-vm-1, seq-vm-2", "seq-vm-2"};
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    setup_ += fmt::format("  group seq-group-{} = {}, members {{{}}}\n", g,
                          model::id_of(groups_[g]), members[g]);
  }
  setup_ += fmt::format("  sentinel group {} with VM {} and one snapshot collection (CS-INV-9)\n",
                        model::id_of(sentinel), model::id_of(sentinel_vm));
}

void Harness::drop_wire_problems() {
  (void)cl_.provider().take_wire_problems();
}

void Harness::check_wire_leftovers() {
  number_ = kAfterTheLastStep;
  for (auto& w : cl_.provider().take_wire_problems()) {
    add(finding("read1.lexical-form", Verdict::kFail,
                fmt::format("{}: {}", std::move(w.where), std::move(w.what))));
  }
}

SequenceReport Harness::finish() {
  SequenceReport r;
  r.setup = std::move(setup_);
  r.findings = std::move(findings_);
  r.numbered = std::move(numbered_);
  r.failure = failure_;
  r.retries = retries_;
  if (cfg_.cleanup) r.cleanup_left = cl_.cleanup();
  return r;
}

void Harness::add(Finding f) {
  // A SHOULD broken is a WARN (the sequence goes on); a MUST broken ends it.
  if (fails_the_run(f) && failure_.empty()) {
    failure_ =
        fmt::format("{} broke {} ({}): {}",
                    number_ == 0                   ? "the set-up"
                    : number_ == kAfterTheLastStep ? "the sequence (seen after its last step)"
                                                   : fmt::format("step {}", number_),
                    f.requirement, f.check, f.message);
  }
  findings_.push_back(std::move(f));
}

void Harness::add_all(Findings fs) {
  for (auto& f : fs)
    add(std::move(f));
}

// Every view also re-reads the last ended jobs of earlier calls: whatever a later call does,
// an ended job keeps its state and stays readable for its TimeBeforeRemoval (CS-INV-9).
// The scope also names every collection the sequence has seen and not destroyed, so that one
// no longer linked to its group is still read (and one that is gone is not in all_collections):
// a legal host links them all, and they cost no read of their own (decision 0133).
model::HostView Harness::observe() {
  scope_.jobs.assign(watched_.begin(), watched_.end());
  scope_.collections.clear();
  for (const auto& [id, members] : collections_) {
    if (const auto p = reached_.find(id); p != reached_.end())
      scope_.collections.push_back(p->second);
  }
  model::HostView v = cl_.observe(scope_);
  note_reached(v.collection_paths);
  return v;
}

// A requested state change is over once the VM is seen neither where it started nor in a
// transitional state (it may have moved on since, e.g. Paused and then Saved).
void Harness::settle_transitions() {
  for (auto it = transitions_.begin(); it != transitions_.end();) {
    auto vm = view_.vms.find(it->first);
    const bool over = vm != view_.vms.end() &&
                      !cim::EnabledState(vm->second.state).is_transitional() &&
                      vm->second.state != transition_from_[it->first];
    if (over) transition_from_.erase(it->first);
    it = over ? transitions_.erase(it) : std::next(it);
  }
}

void Harness::membership(const Step& step) {
  const ObjectPath& vm = vms_[static_cast<std::size_t>(step.a) % vms_.size()];
  const ObjectPath& g = groups_[static_cast<std::size_t>(step.b) % groups_.size()];
  const cim::Status st =
      step.kind == StepKind::kAddMember ? cl_.add_member(vm, g) : cl_.remove_member(vm, g);
  // Made or not, its job may still be changing the group (decision 0161).
  throw_if_lost(st, "a change of membership");
  view_ = observe();
}

void Harness::state_change(const Step& step) {
  const ObjectPath& vm = vms_[static_cast<std::size_t>(step.a) % vms_.size()];
  const std::string id = id_of(vm);
  const std::uint16_t from = view_.vms.count(id) ? view_.vms.at(id).state : 0;
  const auto st = cl_.change_state(vm, step.type, step.wait);
  // Asked for or not, the VM may be on its way: what follows would be judged without the
  // transition it is making (decision 0161).
  throw_if_lost(st, "a state change");
  if (st.ok() && !step.wait) {
    transitions_[id] = step.type;
    transition_from_[id] = from;
  }
  view_ = observe();
}

void Harness::advance(const Step& step) {
  cl_.pass_time(step.ms);
  if (cl_.has_control()) {
    const std::int64_t now = cl_.control()->now_ms();
    constexpr std::int64_t kSlack = 5000;
    for (auto it = ended_.begin(); it != ended_.end();) {
      const auto read = cl_.provider().get_instance(it->job);
      throw_if_lost(read.status(), "a read of job " + id_of(it->job));
      const bool gone = !read.ok();
      if (now > it->ended_ms + it->tbr_ms + kSlack) {
        add(finding(
            "seq8.removed-after-time", gone ? Verdict::kPass : Verdict::kWarn,
            gone ? ""
                 : fmt::format(
                       "job {} is still readable {} ms after it ended (TimeBeforeRemoval {} ms)",
                       id_of(it->job), now - it->ended_ms, it->tbr_ms)));
        it = ended_.erase(it);
        continue;
      }
      if (now + kSlack < it->ended_ms + it->tbr_ms && gone) {
        add(finding(
            "inv8.readable-after-end", Verdict::kWarn,
            fmt::format(
                "job {} vanished {} ms after it ended, before its TimeBeforeRemoval of {} ms",
                id_of(it->job), now - it->ended_ms, it->tbr_ms)));
        it = ended_.erase(it);
        continue;
      }
      ++it;
    }
  }
  view_ = observe();
}

void Harness::poll() {
  for (const auto& job : job_paths_)
    (void)cl_.provider().get_instance(job);
  view_ = observe();
}

// CS-SEQ-4: an existing snapshot collection never changes (only DestroySnapshot ends it).
void Harness::check_collections_immutable() {
  std::string problem;
  for (const auto& [id, members] : collections_) {
    if (!view_.all_collections.count(id)) {
      problem = fmt::format("snapshot collection {} disappeared without DestroySnapshot", id);
      break;
    }
    auto c = view_.collections.find(id);
    if (c != view_.collections.end() && c->second.members != members) {
      problem = fmt::format("the members of snapshot collection {} changed", id);
      break;
    }
  }
  add(finding("seq4.collections-immutable", problem.empty() ? Verdict::kPass : Verdict::kFail,
              problem));
}

SequenceReport run_sequence(const std::vector<Step>& steps, std::uint64_t host_seed,
                            const TargetFactory& make_target, const RunConfig& config) {
  // One at a time on a live host (decision 0153): the set-up may overlap the cleanup of the
  // sequence before, the steps and the end comparison may not, and the cleanup may overlap the
  // next one's set-up (config.turns; the sequences then share the host's reach, 0144).
  CaseTurns::Turn turn(config.turns);
  auto target = make_target(host_seed);
  if (!target.ok()) {
    SequenceReport r;
    const NotMade why = not_made(target.status());
    r.not_tested = true;
    r.undecided = why.undecided;
    r.not_tested_reason = why.reason;
    return r;
  }
  Harness h(std::move(target).value(), config);
  // On a host other sequences share (SharedReach, decision 0144), the set-up and each step hold
  // the gate, and a sequence publishes what its groups link before its cleanup removes them.
  SharedReach* const shared = config.shared_reach.get();
  const auto end = [&] {
    if (shared != nullptr) {
      const StepHeld gate(shared);
      h.publish_linked();
    }
    turn.clean();
    return h.finish();  // ~Harness takes its groups off the shared host, after the cleanup
  };
  // A failure judged before the wire lost an answer, on answers that came back, stands: it
  // decides the sequence, and what it had still to judge is not judged (decision 0164).
  const auto failed_then_lost = [&](const WireLost& lost) {
    h.drop_wire_problems();  // of the reads not judged
    SequenceReport r = end();
    const std::string note = fmt::format(
        "(the wire lost an answer after the failure above was judged; nothing after it was: {})",
        lost.reason);
    // Under the last call, not a line of its own: the numbered lines are the steps counted
    // (Harness::run numbers a step the loss cut short once it has failed).
    r.numbered.back() += "\n    " + note;
    return r;
  };
  std::string problem;
  bool undecided = false;
  try {
    {
      const StepHeld gate(shared);
      problem = h.setup();
    }
    if (!problem.empty()) problem = "setting up the sequence failed: " + problem;
  } catch (const WireLost& lost) {
    // (setup() returns as soon as a set-up call broke a MUST: no loss follows a failure here.)
    problem = "undecided: " + lost.reason;
    undecided = true;
  }
  if (!problem.empty()) {
    // Not set up after the wire lost an answer it asked for: undecided too.
    if (!undecided && h.answers_lost() > 0) {
      undecided = true;
      problem = "undecided: " + problem;
    }
    SequenceReport r = end();
    r.not_tested = true;
    r.undecided = undecided;
    r.not_tested_reason = problem;
    // A sequence not tested counts nothing it judged (a set-up call's SHOULD, say), as a case
    // (decision 0164); a set-up call that broke a MUST is a failure (h.failed(), below: setup()
    // returns no problem then).
    r.findings.clear();
    r.failure.clear();
    return r;
  }
  if (h.failed()) return end();  // a set-up call broke the contract
  turn.test();
  try {
    int n = 0;
    for (const Step& s : steps) {
      const StepHeld gate(shared);
      h.run(s, ++n);
      if (h.failed()) break;
    }
    if (!h.failed()) h.check_host_collections();
    h.check_wire_leftovers();
  } catch (const WireLost& lost) {
    if (h.failed()) return failed_then_lost(lost);
    // Nothing is judged on what the wire lost, nor on the sequence it was part of (0161).
    SequenceReport r = end();
    r.not_tested = true;
    r.undecided = true;
    r.not_tested_reason = "undecided: " + lost.reason;
    r.findings.clear();
    r.failure.clear();
    return r;
  }
  return end();
}

std::string numbered_list(const SequenceReport& r) {
  std::string out = r.setup;
  if (!out.empty()) out += "steps:\n";
  for (const auto& line : r.numbered)
    out += line + "\n";
  return out;
}

}  // namespace hvsnap::conformance
