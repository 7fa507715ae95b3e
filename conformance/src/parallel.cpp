// CS-SEQ-6: concurrent CreateSnapshot calls checked for linearizability.
#include "hvsnap/conformance/parallel.h"

#include "hvsnap/conformance/id_list.h"
#include "hvsnap/conformance/observe.h"

#include <fmt/format.h>

#include <barrier>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "answered_reads.h"
#include "hvsnap/cim/codes.h"
#include "hvsnap/cim/names.h"
#include "hvsnap/cim/splitmix.h"
#include "hvsnap/conformance/catalogue.h"

namespace hvsnap::conformance {

namespace names = cim::names;
using cim::ObjectPath;
using model::id_of;

namespace {

struct Call {
  std::size_t group = 0;
  model::CallOutcome outcome;
  std::string text;
};

// On a target with a control interface (the fake) the threads take turns in an order drawn
// from the seed. Each provider operation is atomic on the fake anyway, so this explores the
// same interleavings free-running threads would, while one seed reproduces the whole round
// (and so the whole run). Live targets run free.
class Turnstile {
 public:
  Turnstile(std::size_t threads, std::uint64_t seed) : active_(threads, true), state_(seed) {
    current_ = pick();
  }
  void enter(std::size_t id) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return current_ == static_cast<long>(id); });
  }
  void leave() {
    std::lock_guard lock(mu_);
    current_ = pick();
    cv_.notify_all();
  }
  // Leaving the round takes a turn too: were a thread to drop out whenever it got there, the
  // set the next pick chooses from would depend on timing.
  void finish(std::size_t id) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return current_ == static_cast<long>(id); });
    active_[id] = false;
    current_ = pick();
    cv_.notify_all();
  }

 private:
  long pick() {  // a live thread, uniformly, by splitmix64 (portable)
    std::vector<long> live;
    for (std::size_t i = 0; i < active_.size(); ++i) {
      if (active_[i]) live.push_back(static_cast<long>(i));
    }
    if (live.empty()) return -1;
    return live[cim::splitmix64(state_) % live.size()];
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<bool> active_;
  std::uint64_t state_;
  long current_ = -1;
};

// One thread's view of the provider and the clock: every operation waits for the thread's turn.
class Gated final : public cim::Provider, public TargetControl {
 public:
  Gated(cim::Provider& p, TargetControl& c, Turnstile& t, std::size_t id)
      : p_(p), c_(c), t_(t), id_(id) {}
  template <class F>
  auto turn(F f) const {
    t_.enter(id_);
    auto r = f();
    t_.leave();
    return r;
  }
  cim::Result<cim::Instance> get_instance(const ObjectPath& path) override {
    return turn([&] { return p_.get_instance(path); });
  }
  // A batched read and a names-only enumeration are one request each, so one turn each.
  std::vector<cim::Result<cim::Instance>> get_instances(
      const std::vector<ObjectPath>& paths) override {
    return turn([&] { return p_.get_instances(paths); });
  }
  cim::Result<std::vector<cim::Instance>> enumerate_instances(std::string_view ns,
                                                              std::string_view cls) override {
    return turn([&] { return p_.enumerate_instances(ns, cls); });
  }
  cim::Result<std::vector<ObjectPath>> enumerate_instance_names(std::string_view ns,
                                                                std::string_view cls) override {
    return turn([&] { return p_.enumerate_instance_names(ns, cls); });
  }
  cim::Status each_instance_name(std::string_view ns, std::string_view cls,
                                 const std::function<void(const ObjectPath&)>& f) override {
    return turn([&] { return p_.each_instance_name(ns, cls, f); });
  }
  cim::Result<std::vector<cim::Instance>> associators(const ObjectPath& o,
                                                      const cim::AssociatorsFilter& f) override {
    return turn([&] { return p_.associators(o, f); });
  }
  cim::Result<std::vector<cim::Instance>> references(const ObjectPath& o,
                                                     const cim::ReferencesFilter& f) override {
    return turn([&] { return p_.references(o, f); });
  }
  cim::Result<cim::MethodResult> invoke_method(const ObjectPath& o, std::string_view m,
                                               const cim::PropertyList& in) override {
    return turn([&] { return p_.invoke_method(o, m, in); });
  }
  void advance(std::int64_t ms) override {
    turn([&] {
      c_.advance(ms);
      return 0;
    });
  }
  std::int64_t now_ms() const override {
    return turn([&] { return c_.now_ms(); });
  }
  std::optional<std::int64_t> host_time_us() const override {
    return turn([&] { return c_.host_time_us(); });
  }
  std::vector<cim::WireProblem> take_wire_problems() override {
    return turn([&] { return p_.take_wire_problems(); });
  }
  cim::Status set_vm_attributes(const ObjectPath& vm, const FakeVmAttributes& a) override {
    return turn([&] { return c_.set_vm_attributes(vm, a); });
  }
  void set_faults_enabled(bool on) override {
    turn([&] {
      c_.set_faults_enabled(on);
      return 0;
    });
  }

 private:
  cim::Provider& p_;
  TargetControl& c_;
  Turnstile& t_;
  std::size_t id_;
};

bool won(const model::CallOutcome& o) {
  if (o.fault) return false;
  if (o.return_value == 0) return true;
  return o.trace && o.trace->final_state() && cim::JobState(*o.trace->final_state()).is_success();
}

// Parts of run_parallel_round, split along its seams (decision 0088).

// A ring: four running VMs, group i = {v_i, v_(i+1)}. The problem, or empty.
std::string set_up_ring(Client& cl, std::vector<ObjectPath>& vms, std::vector<ObjectPath>& groups) {
  for (int i = 0; i < 4; ++i) {
    auto vm = cl.define_vm(fmt::format("par-vm-{}", i), 5);
    if (!vm.ok()) return vm.status().message();
    if (auto st = cl.change_state(*vm, 2); !st.ok()) return st.message();
    vms.push_back(*vm);
  }
  for (int i = 0; i < 4; ++i) {
    auto g = cl.define_collection(fmt::format("par-group-{}", i), 0);
    if (!g.ok()) return g.status().message();
    for (int v : {i, (i + 1) % 4}) {
      if (auto st = cl.add_member(vms[static_cast<std::size_t>(v)], *g); !st.ok())
        return st.message();
    }
    groups.push_back(*g);
  }
  return {};
}

// Empty when the "comes before" relation between the new collections (`order`: collection ->
// the collections after it) is acyclic, so that one serial order explains every VM's chain.
std::string serial_order_problem(const std::vector<std::string>& fresh,
                                 std::map<std::string, std::set<std::string>>& order) {
  std::map<std::string, int> indegree;
  for (const auto& c : fresh)
    indegree[c] = 0;
  for (const auto& [from, tos] : order) {
    for (const auto& to : tos)
      ++indegree[to];
  }
  std::vector<std::string> ready;
  for (const auto& [c, d] : indegree) {
    if (d == 0) ready.push_back(c);
  }
  std::size_t ordered = 0;
  while (!ready.empty()) {
    const std::string c = ready.back();
    ready.pop_back();
    ++ordered;
    for (const auto& to : order[c]) {
      if (--indegree[to] == 0) ready.push_back(to);
    }
  }
  if (ordered == indegree.size()) return {};
  return "the VMs' snapshot chains order the calls differently: no serial order explains them";
}

// The first call that failed with neither a failure code nor a failed job, or empty.
std::string unexpected_failure(const std::vector<Call>& calls) {
  for (const auto& c : calls) {
    if (won(c.outcome) || c.outcome.fault) continue;
    const auto rv = c.outcome.return_value;
    if (rv != cim::ReturnCode::kJobStarted && !model::is_failure_code(rv)) {
      return fmt::format("a concurrent call returned {}", cim::ReturnCode(rv).to_string());
    }
  }
  return {};
}

// The view after a round's calls, with its collections' ids. The winners' collections may lag
// (CS-INV-7), and so may those of calls whose jobs vanished (`maybe`) that their new checkpoints
// show, until one of those goes: then the first view they lagged in (decision 0146).
struct ViewBefore {
  const model::HostView& view;
  const IdList& ids;
};
void view_after_calls(Client& cl, const model::Scope& scope, ViewBefore before, std::size_t wins,
                      std::size_t maybe, const RunConfig& cfg, model::HostView& after,
                      IdList& after_ids) {
  std::optional<std::pair<model::HostView, IdList>> first;
  for (int i = 0; i <= cfg.visibility_retries; ++i) {
    after = cl.observe(scope, Side::kAfter, &after_ids);
    if (first && !model::keeps_new_checkpoints(before.view, first->first, after)) {
      after = std::move(first->first);
      after_ids = std::move(first->second);
      return;
    }
    const bool lagging = maybe > 0 && model::result_may_lag(before.view, after);
    if (after_ids.size() >= before.ids.size() + wins && !lagging) return;
    if (lagging && !first) first.emplace(after, after_ids);
    cl.pass_time(cfg.client.poll_step_ms);
  }
}

// The round on `target` through `cl`; throws WireLost (decision 0161).
ParallelReport play_round(Client& cl, Target& target, std::uint64_t seed, const RunConfig& cfg,
                          int threads) {
  ParallelReport rep;
  // A ring: four running VMs, group i = {v_i, v_(i+1)}.
  std::vector<ObjectPath> vms, groups;
  if (auto problem = set_up_ring(cl, vms, groups); !problem.empty()) {
    rep.not_tested = true;
    // Not set up after the wire lost an answer it asked for: undecided (before the cleanup's
    // own reads count).
    rep.undecided = cl.answers_lost() > 0;
    rep.not_tested_reason = (rep.undecided ? "undecided: setting up the ring failed: "
                                           : "setting up the ring failed: ") +
                            problem;
    if (cfg.cleanup) cl.cleanup();
    return rep;
  }
  model::Scope scope;
  scope.vms = vms;
  scope.groups = groups;
  // The host's collections by name with each view, in one buffer, not in the view's ordered
  // containers: a large host has tens of thousands (decision 0139). A listing that fails is
  // empty, as a view's set was.
  scope.whole_host_collections = false;
  IdList before_ids;
  const model::HostView before = cl.observe(scope, Side::kAfter, &before_ids);

  // Each thread snapshots one group (chosen from the seed), all starting together.
  std::vector<Call> calls(static_cast<std::size_t>(threads));
  for (std::size_t t = 0; t < calls.size(); ++t)
    calls[t].group = (seed + t * 7 + t / 2) % groups.size();
  std::barrier start(threads);
  std::vector<std::thread> pool;
  TargetControl* control = target.control.get();
  Turnstile turns(calls.size(), seed);
  std::vector<std::unique_ptr<Gated>> gates;
  if (control != nullptr) {
    for (std::size_t t = 0; t < calls.size(); ++t)
      gates.push_back(std::make_unique<Gated>(*target.provider, *control, turns, t));
  }
  for (std::size_t t = 0; t < calls.size(); ++t) {
    pool.emplace_back([&, t] {
      // Reads asked again while the wire loses their answers, as the Client's are (0161, 0163).
      AnsweredReads provider(gates.empty() ? *target.provider : *gates[t],
                             retry_pause(cfg.client, control != nullptr));
      TargetControl* clock = gates.empty() ? control : gates[t].get();
      const cim::PropertyList in =
          CreateSnapshotArgs{.collection = cim::Value::reference(groups[calls[t].group])}.params();
      start.arrive_and_wait();
      auto r = provider.invoke_method(collection_snapshot_service(), names::kCreateSnapshot, in);
      calls[t].outcome = model::CallOutcome::from(r);
      calls[t].text = render_call(collection_snapshot_service(), names::kCreateSnapshot, in) +
                      " -> " + render_outcome(r);
      if (calls[t].outcome.job && calls[t].outcome.return_value == cim::ReturnCode::kJobStarted) {
        calls[t].outcome.trace = follow_job(provider, clock, *calls[t].outcome.job, cfg.client);
      }
      if (!gates.empty()) turns.finish(t);
    });
  }
  for (auto& th : pool)
    th.join();
  for (const auto& c : calls) {
    throw_if_lost(c.outcome.status, "a concurrent CreateSnapshot call");
    if (c.outcome.trace) throw_if_lost(*c.outcome.trace);
  }

  model::HostView after;
  IdList after_ids;
  std::size_t wins = 0, maybe = 0;
  for (const auto& c : calls) {
    wins += won(c.outcome) ? 1 : 0;
    maybe += (c.outcome.trace && (c.outcome.trace->vanished || !c.outcome.trace->resolved)) ? 1 : 0;
  }
  view_after_calls(cl, scope, {before, before_ids}, wins, maybe, cfg, after, after_ids);
  for (std::size_t t = 0; t < calls.size(); ++t) {
    rep.description += fmt::format(
        "{:>2}. [thread {}] {}{}\n", t + 1, t + 1, calls[t].text,
        calls[t].outcome.trace ? " (job " + calls[t].outcome.trace->describe() + ")" : "");
  }

  // Linearizability. Every new collection belongs to one winning call's group and holds one
  // snapshot per member; per VM, its new snapshots form a chain; the chains' orders agree.
  std::string problem;
  std::vector<std::string> fresh;
  for (std::size_t a = 0, b = 0; a < after_ids.size(); ++a) {  // one walk of two sorted lists
    int order = 1;
    while (b < before_ids.size() && (order = IdList::compare(before_ids[b], after_ids[a])) < 0)
      ++b;
    if (b == before_ids.size() || order != 0) fresh.emplace_back(after_ids[a]);
  }
  if (fresh.size() < wins || fresh.size() > wins + maybe) {
    problem = fmt::format("{} call(s) succeeded but {} new snapshot collection(s) exist", wins,
                          fresh.size());
  }
  std::map<std::string, std::string> owner;  // snapshot -> new collection holding it
  for (const auto& c : fresh) {
    auto it = after.collections.find(c);
    if (it == after.collections.end()) {
      if (problem.empty())
        problem = fmt::format("new collection {} is not linked to any of the groups", c);
      continue;
    }
    for (const auto& s : it->second.members)
      owner[s] = c;
  }
  std::map<std::string, std::set<std::string>> order;  // collection -> collections after it
  for (const auto& [vm, b] : before.vms) {
    const auto& a = after.vms.at(vm);
    std::string tip = b.most_current;
    std::vector<std::string> left;
    for (const auto& s : a.snapshots) {
      if (!b.snapshots.count(s)) left.push_back(s);
    }
    std::string prev_coll;
    while (!left.empty()) {
      auto next = std::find_if(left.begin(), left.end(), [&](const std::string& s) {
        return after.snapshots.at(s).parent == tip;
      });
      if (next == left.end()) {
        if (problem.empty())
          problem = fmt::format(
              "{}'s new snapshots do not form one chain (a partial or interleaved result)", vm);
        break;
      }
      const std::string coll = owner.count(*next) ? owner.at(*next) : std::string();
      if (coll.empty() && problem.empty())
        problem = fmt::format("{}'s new snapshot {} belongs to no new collection", vm, *next);
      if (!prev_coll.empty() && !coll.empty()) order[prev_coll].insert(coll);
      prev_coll = coll;
      tip = *next;
      left.erase(next);
    }
  }
  // One serial order for all VMs: the "comes before" relation must be acyclic.
  if (problem.empty()) problem = serial_order_problem(fresh, order);
  // Calls that failed must have failed with a failure code or a failed job.
  if (problem.empty()) problem = unexpected_failure(calls);
  rep.findings.push_back(
      finding("seq6.linearizable", problem.empty() ? Verdict::kPass : Verdict::kFail, problem));
  for (const auto& c : calls) {
    if (c.outcome.trace) model::check_job(*c.outcome.trace, rep.findings);
  }
  if (!problem.empty()) {
    rep.failure = "CS-SEQ-6 (seq6.linearizable): " + problem;
  } else if (const Finding* f = first_fail(rep.findings)) {
    // A job of the round broke a MUST (CS-INV-5, CS-INV-6): the round fails on it too (before
    // 0165's review, only CS-SEQ-6 made a round's failure, and the row failed with none listed).
    rep.failure = fmt::format("{} ({}): {}", f->requirement, f->check, f->message);
  }
  if (cfg.cleanup) cl.cleanup();
  return rep;
}

}  // namespace

ParallelReport run_parallel_round(std::uint64_t seed, const TargetFactory& make_target,
                                  const RunConfig& cfg, int threads) {
  auto target = make_target(seed);
  if (!target.ok()) {
    ParallelReport rep;
    const NotMade why = not_made(target.status());
    rep.not_tested = true;
    rep.undecided = why.undecided;
    rep.not_tested_reason = why.reason;
    return rep;
  }
  Client cl(*target, cfg.client);
  try {
    return play_round(cl, *target, seed, cfg, threads);
  } catch (const WireLost& lost) {
    // Nothing is judged on what the wire lost, nor on the round it was part of.
    ParallelReport rep;
    rep.not_tested = true;
    rep.undecided = true;
    rep.not_tested_reason = "undecided: " + lost.reason;
    if (cfg.cleanup) cl.cleanup();
    return rep;
  }
}

}  // namespace hvsnap::conformance
