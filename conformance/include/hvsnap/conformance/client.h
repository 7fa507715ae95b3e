// The suite's WMI client. It arranges preconditions only through WMI methods (DefineSystem,
// ModifySystemSettings, RequestStateChange, DefineCollection, AddMember, …) with run-scoped
// names, tracks every object it creates and removes them at the end, never modifies an
// object it did not create, and records every method call (numbered) so a failing case can
// be replayed by hand. It uses the control interface only where the target declares one.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hvsnap/cim/provider.h"
#include "hvsnap/conformance/id_list.h"
#include "hvsnap/conformance/model/observation.h"
#include "hvsnap/conformance/observe.h"
#include "hvsnap/conformance/target.h"

namespace hvsnap::conformance {

// The job story the oracle judges (model/observation.h).
using JobSample = model::JobSample;
using JobTrace = model::JobTrace;

// How a wait polls: every poll_step_ms (the judged job of a CreateSnapshot call, whose samples
// the oracle reads), or backing off to max_poll_step_ms (a wait only the end of which matters).
// kBackOffAfterAStep backs off too, and with lean waits makes its first read only after its
// first step (a VM's change of state, which takes seconds: decision 0119).
enum class Polling : std::uint8_t { kEvery, kBackOff, kBackOffAfterAStep };

// Which side of a call an observation is on (decision 0108). A view after a call reads the host
// afresh. A view before one takes the host's clock from the client's last read of it, where
// there was one: an earlier time on a clock that only moves forward, so a lower bound of the
// call's window, only wider (CS-READ-3).
enum class Side : std::uint8_t { kAfter, kBefore };

// A method call as a person would type it, with its outcome.
struct RecordedCall {
  int number = 0;
  std::string call;     // "Msvm_CollectionSnapshotService.CreateSnapshot(Collection=…, …)"
  std::string outcome;  // "4096, Job=…" or "fault: NotFound: …"
  std::string note;     // what followed: "job 4→7", the collection it made, …
  std::string section;  // a heading printed before this call (the start of a phase)
};

// The arguments of one Msvm_CollectionSnapshotService.CreateSnapshot call (contract §2): the one
// place the suite spells its parameters. What is absent is not sent.
struct CreateSnapshotArgs {
  std::optional<cim::Value> collection;  // a reference, or a malformed value (C-* classes)
  std::optional<std::string> settings;   // SnapshotSettings as embedded-instance text
  bool settings_null = false;            // SnapshotSettings sent as an explicit null
  std::uint16_t type = 1;                // SnapshotType (1 = full)
  std::optional<cim::Value> resulting;   // ResultingSnapshotCollection on input (R)

  cim::PropertyList params() const;
};

class AnsweredReads;

// Thrown where the suite needs an answer the wire lost (cim::lost_on_the_wire), asked again
// (decision 0161): a view, a job it follows, the call it judges. What no answer came back for
// says nothing of the host, so nothing is judged on it: the case, sequence or round it was
// part of is not tested, for `reason`.
struct WireLost {
  std::string reason;
};
// Throws WireLost when `st` says the wire lost the answer to `what` ("the CreateSnapshot call",
// "a read of job …"); an OK status or the host's own error passes.
void throw_if_lost(const cim::Status& st, std::string_view what);
// Throws WireLost when the wire lost a read of the job `t` follows (JobTrace::lost).
void throw_if_lost(const JobTrace& t);

// Why an item is not tested when its target could not be made: undecided when no answer came
// back to what would have made it (a served fake's reset), its reason then starting
// "undecided: " as WireLost's notes do (decision 0162).
struct NotMade {
  bool undecided = false;
  std::string reason;
};
NotMade not_made(const cim::Status& st);

// The service instance the suite calls CreateSnapshot on.
cim::ObjectPath collection_snapshot_service();

struct ClientOptions {
  std::string run_prefix = "hvsnap";  // every name the suite gives starts with this
  std::int64_t poll_step_ms = 250;    // clock advance between polls (control) or sleep (live)
  // Lean waits (decision 0070): a job's budget is the sum of the suite's own clock advances (no
  // read of the host clock per poll), and a wait whose steps no judgement reads (an arrangement
  // job, a VM reaching the state the set-up asked for) doubles its step after each poll up to
  // max_poll_step_ms — a VM start of seconds takes a handful of polls, not one every
  // poll_step_ms. A judged job is always polled every poll_step_ms (its samples are what
  // CS-INV-6 judges). The matrix case runner turns it on; sequences and concurrent rounds keep
  // the even step and the clock reads, on whose order their deterministic schedule builds
  // (decision 0008).
  bool lean_waits = false;
  // A lean wait's first step and its largest (decision 0093: a VM start of 5 s on the fake is
  // polled at 1, 3 and 5 s since decision 0119 — three reads, not seven; a live host waits at
  // most 2 s more).
  std::int64_t first_backoff_step_ms = 1000;
  std::int64_t max_poll_step_ms = 2000;
  // Lean reads (decision 0109): observations leave unread what the contract fixes (LeanReads,
  // observe.h). The matrix case runner turns it on with lean_waits; sequences, whose
  // DestroySnapshot and ApplySnapshot move pointers and empty collections, read everything.
  bool lean_reads = false;
  std::int64_t job_budget_ms = std::int64_t{15} * 60 * 1000;  // give up on a job after this long
  int max_polls = 4000;
  // A read the wire lost is asked again after this pause, doubled before each later try
  // (decision 0163: 2 s, then 4 s), on a target without control only — a live host, where a
  // WinRM service restarting or a network blip passes in seconds. Once a read's pauses were
  // taken in vain, the client's next lost reads are asked again at once until the host
  // answers. A fake's reads are asked again at once (no answer of its is lost but by a test's
  // wire). A method call is never made again (decision 0161).
  std::int64_t wire_retry_pause_ms = 2000;
  // A pause ends as soon as either is set (not owned; either may be null): the run's stop flag
  // (RunOptions::cancel: Ctrl-C, or a transport that broke, whose later requests all fail at
  // once), and the run's stop because its host stopped answering (decision 0163), after which
  // what a case under way reads is dropped.
  const std::atomic<bool>* stop = nullptr;
  const std::atomic<bool>* stopped_answering = nullptr;
};

class Client {
 public:
  Client(Target target, ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The target's provider, its reads asked again while the wire loses their answers
  // (AnsweredReads, decision 0161).
  cim::Provider& provider() { return *target_.provider; }
  // How many reads (asked again) and method calls the wire lost the answer to so far: a case
  // that ends not tested after one is undecided (decision 0161).
  int answers_lost() const;
  const Target& target() const { return target_; }
  bool has_control() const { return target_.control != nullptr; }
  TargetControl* control() { return target_.control.get(); }

  static cim::ObjectPath service(std::string_view cls);

  // --- method calls (recorded) ---
  cim::Result<cim::MethodResult> invoke(const cim::ObjectPath& object, std::string_view method,
                                        const cim::PropertyList& in);
  // Polls a job until it is terminal, vanishes or the budget runs out; notes how it ended
  // on the call that started it. A read of it no answer came back for ends it with
  // JobTrace::lost set (the caller that judges it throws WireLost).
  JobTrace wait_job(const cim::ObjectPath& job, Polling polling = Polling::kEvery);
  // The heading the next recorded call starts under ("set-up: …", "the call under test").
  void section(std::string title) { pending_section_ = std::move(title); }
  // Lets simulated (or real) time pass: `ms` of clock with control, else a real sleep.
  void pass_time(std::int64_t ms);

  // --- arrangement (tracked; each returns an error that names the step) ---
  cim::Result<cim::ObjectPath> define_vm(std::string_view label,
                                         std::optional<std::uint16_t> checkpoint_type = {});
  cim::Status set_checkpoint_type(const cim::ObjectPath& vm, std::uint16_t type);
  // Requests a state and (if `wait`) waits until the VM reaches it.
  cim::Status change_state(const cim::ObjectPath& vm, std::uint16_t state, bool wait = true);
  // Requests every change first, then waits until each VM is where it was asked to be: VMs
  // that change state together take one wait, not one each (decision 0082).
  cim::Status change_states(const std::vector<std::pair<cim::ObjectPath, std::uint16_t>>& changes);
  cim::Result<cim::ObjectPath> define_collection(std::string_view label, std::uint16_t type);
  cim::Status add_member(const cim::ObjectPath& member, const cim::ObjectPath& collection);
  cim::Status remove_member(const cim::ObjectPath& member, const cim::ObjectPath& collection);
  // (A set-up CreateSnapshot is judged like any call: setup_snapshot in case_runner.h.)
  // The control interface's fake-only attributes; kNotSupported without control.
  cim::Status set_fake_attributes(const cim::ObjectPath& vm, const FakeVmAttributes& attributes);

  // Reads every CreateSnapshot job this client saw end once more: a terminal state never
  // changes (CS-INV-6). Says how the first one changed, or "" (a job that is gone is CS-INV-8's
  // business, not judged here). A job `seen` read readable (an observation made after the call
  // under test: its watched jobs, Scope::jobs) counts as that read; no second Get (decision
  // 0092). So does the read `judged` (the trace of the call under test's own job) made once more
  // after the job ended, the last of its samples: a read after the call too (decision 0108).
  std::string changed_terminal_jobs(const model::HostView* seen = nullptr,
                                    const JobTrace* judged = nullptr);

  // The host in scope (conformance/observe.h), with the host's clock where the control can tell
  // it and every wire problem the target showed since the last observation (CS-READ-1). Throws
  // WireLost when a read gets no answer (HostView::lost). `side`:
  // a view before a call takes what it may from the client's last reads (Side).
  // With `host_collections`, the host's snapshot collections are also listed by name into it
  // (empty if the listing fails), right after the view's own reads, as a view of the whole
  // host lists them (a round's views, decision 0139).
  model::HostView observe(const model::Scope& scope, Side side = Side::kAfter,
                          IdList* host_collections = nullptr);

  // The VM's EnabledState, or nullopt when it cannot be read.
  std::optional<std::uint16_t> vm_state(const cim::ObjectPath& vm);

  // Removes everything this client created, newest first. Returns what could not be removed.
  // On a fresh host per case (Capabilities::fresh_hosts) it only forgets them: the host goes
  // with the case (decision 0081).
  std::vector<std::string> cleanup();
  // Called with each snapshot collection's id (model::id_of) before the cleanup destroys any
  // of them: a sequence that shares its host publishes it first, so that no other sequence's end
  // comparison finds it gone unaccounted (SharedReach, decisions 0144, 0154).
  void before_destroying_collection(std::function<void(const std::string&)> f) {
    before_destroying_collection_ = std::move(f);
  }

  const std::vector<RecordedCall>& calls() const { return calls_; }
  // The calls as a numbered list under their headings, each with its outcome and note.
  std::string transcript() const;
  int next_label() { return ++labels_; }

  const std::vector<cim::ObjectPath>& created_vms() const { return vms_; }
  const std::vector<cim::ObjectPath>& created_groups() const { return groups_; }

 private:
  std::string name_for(std::string_view label) const;
  // 0, or 4096 with a job that completes (its wait backing off as `polling` says).
  cim::Status expect_done(const cim::Result<cim::MethodResult>& r, std::string_view what,
                          Polling polling = Polling::kBackOff);

  Target target_;
  ClientOptions options_;
  AnsweredReads* reads_ = nullptr;  // target_.provider's reads (answered_reads.h)
  int calls_lost_ = 0;
  std::function<void(const std::string&)> before_destroying_collection_;
  void record(std::string call, std::string outcome);
  void annotate_job(const cim::ObjectPath& job, const std::string& note);
  // Notes `object` and every reference among the call's arguments and answer as touched since
  // the last view after a call (lean reads, decision 0109).
  void touch(const cim::ObjectPath& object, const cim::PropertyList& in,
             const cim::Result<cim::MethodResult>& r);
  // The cleanup's first part: every snapshot collection of the groups the client made.
  void destroy_collections_of_groups(std::vector<std::string>& left);

  std::vector<RecordedCall> calls_;
  std::vector<std::pair<cim::ObjectPath, std::uint16_t>> ended_;  // CreateSnapshot jobs, end
  std::string pending_section_;
  std::vector<cim::ObjectPath> vms_;
  std::vector<cim::ObjectPath> groups_;  // VM groups and management collections
  // Every member each of them was given (by id; never taken out): the VMs whose checkpoints
  // its snapshot collections may hold, for the cleanup (decision 0142).
  std::map<std::string, std::set<std::string>> members_;
  std::optional<std::int64_t> last_host_time_us_;  // the host's clock when last read
  LeanReads lean_;                                 // what lean observations keep
  std::optional<model::HostView> last_after_;      // the last lean view after a call
  std::set<std::string> touched_;  // objects a call of the suite named since that view
  int labels_ = 0;
};

// Polls a job until it is terminal, vanishes or the budget runs out; reads GetErrorEx for an
// Exception. Uses only the provider (and the clock, when there is control): safe to call from
// several threads at once. A read no answer came back for stops it with JobTrace::lost set
// (the provider asks reads again: the Client's does; GetErrorEx is asked again here).
JobTrace follow_job(cim::Provider& provider, TargetControl* control, const cim::ObjectPath& job,
                    const ClientOptions& options, Polling polling = Polling::kEvery);
// The trace ends with its end read twice: the terminal read, and the read once more after it
// (follow_job with Polling::kEvery), both terminal.
bool read_again_after_end(const JobTrace& trace);
// What a watched job's view (Scope::jobs) would hold after the trace's last read.
model::JobView view_of(const JobTrace& trace);
// The next step of a wait that may back off: doubled, at most max_poll_step_ms, with lean_waits;
// else the same.
std::int64_t backed_off(std::int64_t step, const ClientOptions& options);
// The first step of a wait that may back off: first_backoff_step_ms with lean_waits (decision
// 0093), else poll_step_ms; 0 when poll_step_ms is 0.
std::int64_t first_backoff_step(const ClientOptions& options);

// "Msvm_CollectionSnapshotService.CreateSnapshot(Collection=…, SnapshotType=1)" — a call
// rendered for people: a service by its class, any other object by its path.
std::string render_call(const cim::ObjectPath& object, std::string_view method,
                        const cim::PropertyList& in);
// The number of calls in a transcript (its numbered lines).
int count_calls(std::string_view transcript);
// "4096, Job=…" / "fault: NotFound: …"
std::string render_outcome(const cim::Result<cim::MethodResult>& r);

}  // namespace hvsnap::conformance
