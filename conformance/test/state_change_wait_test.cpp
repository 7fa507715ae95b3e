// A VM's change of state waited for with lean waits (decision 0119): the first job's first read
// comes after the wait's first step, the same reads from then on; the other jobs of the same
// change are read as soon as the first ended; without lean waits every job is read at once.
// Against a hand-written host whose VMs take 5 s to change state. No fake here.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "hvsnap/cim/codes.h"
#include "hvsnap/cim/names.h"
#include "hvsnap/conformance/client.h"
#include "provider_instances.h"

namespace hvsnap::conformance {
namespace {

namespace names = cim::names;
using cim::Instance;
using cim::ObjectPath;
using cim::Value;

using test_support::instance;
using test_support::path;

class Clock final : public TargetControl {
 public:
  void advance(std::int64_t ms) override {
    now_ms_ += ms;
    steps_.push_back(ms);
  }
  std::int64_t now_ms() const override { return now_ms_; }
  cim::Status set_vm_attributes(const ObjectPath&, const FakeVmAttributes&) override { return {}; }
  void set_faults_enabled(bool) override {}
  std::optional<std::int64_t> host_time_us() const override { return now_ms_ * 1000; }
  std::vector<std::int64_t> steps_;

 private:
  std::int64_t now_ms_ = 0;
};

// RequestStateChange starts a job of kTakesMs; the VM is in its new state when the job ends.
// Every read of a job is noted with the clock's time.
class SlowVms final : public test_support::GetsAndCallsOnly {
 public:
  static constexpr std::int64_t kTakesMs = 5000;
  static constexpr std::string_view kAlreadyThere = "Z";  // the VM that changes synchronously
  explicit SlowVms(std::shared_ptr<Clock> clock) : clock_(std::move(clock)) {}

  cim::Result<Instance> get_instance(const ObjectPath& p) override {
    const std::string id = model::id_of(p);
    if (p.class_name() == names::kJob) {
      job_reads_[id].push_back(clock_->now_ms());
      if (jobs_lost_) return cim::not_found("no such job");
      const bool done = clock_->now_ms() >= ends_.at(id);
      return instance(p,
                      {{"JobState", Value::uint16(done ? 7 : 4)}, {"JobType", Value::uint16(3)}});
    }
    const auto state = states_.find(id);
    const bool there = state != states_.end() && clock_->now_ms() >= state->second.second;
    return instance(p, {{"EnabledState", Value::uint16(there ? state->second.first : 3)}});
  }
  cim::Result<cim::MethodResult> invoke_method(const ObjectPath& vm, std::string_view,
                                               const cim::PropertyList& in) override {
    const auto requested = cim::find(in, "RequestedState")->as_uint().value_or(0);
    if (model::id_of(vm) == kAlreadyThere) {  // answers 0: no job, the VM is there at once
      states_[model::id_of(vm)] = {static_cast<std::uint16_t>(requested), clock_->now_ms()};
      return cim::MethodResult{0, {}};
    }
    const std::string job = "J" + std::to_string(ends_.size() + 1);
    ends_[job] = clock_->now_ms() + kTakesMs;
    states_[model::id_of(vm)] = {static_cast<std::uint16_t>(requested), ends_[job]};
    cim::MethodResult r{cim::ReturnCode::kJobStarted, {}};
    r.out.push_back({cim::Name("Job"), Value::reference(path(names::kJob, "InstanceID", job))});
    return r;
  }
  std::map<std::string, std::vector<std::int64_t>> job_reads_;
  bool jobs_lost_ = false;  // every job is gone before its first read

 private:
  std::shared_ptr<Clock> clock_;
  std::map<std::string, std::int64_t> ends_;
  std::map<std::string, std::pair<std::uint16_t, std::int64_t>> states_;
};

struct SlowHost {
  std::shared_ptr<Clock> clock = std::make_shared<Clock>();
  std::shared_ptr<SlowVms> host = std::make_shared<SlowVms>(clock);
};

ObjectPath vm(std::string_view name) {
  return path(names::kComputerSystem, "Name", name);
}

TEST(StateChangeWait, ALeanWaitReadsTheFirstJobOnlyAfterItsFirstStep) {
  SlowHost run;
  ClientOptions o;
  o.lean_waits = true;
  Client cl(Target{run.host, run.clock, {}}, o);
  ASSERT_TRUE(cl.change_states({{vm("A"), 2}, {vm("B"), 2}}).ok());
  // The first job at 1, 3 and 5 s (no read at 0: a VM takes seconds); the second once, at its
  // end, as before; the same clock steps as a wait that reads at 0.
  EXPECT_EQ(run.host->job_reads_["J1"], (std::vector<std::int64_t>{1000, 3000, 5000}));
  EXPECT_EQ(run.host->job_reads_["J2"], (std::vector<std::int64_t>{5000}));
  EXPECT_EQ(run.clock->steps_, (std::vector<std::int64_t>{1000, 2000, 2000}));
}

TEST(StateChangeWait, TheLateFirstReadIsTheFirstJobsWhenAVmAnsweredZero) {
  SlowHost run;
  ClientOptions o;
  o.lean_waits = true;
  Client cl(Target{run.host, run.clock, {}}, o);
  // Z answers 0 (no job to read); B's job, the first one, gets the late first read.
  ASSERT_TRUE(cl.change_states({{vm("Z"), 2}, {vm("B"), 2}}).ok());
  EXPECT_EQ(run.host->job_reads_["J1"], (std::vector<std::int64_t>{1000, 3000, 5000}));
  EXPECT_EQ(run.clock->steps_, (std::vector<std::int64_t>{1000, 2000, 2000}));
}

TEST(StateChangeWait, AnEvenWaitReadsEveryJobAtOnce) {
  SlowHost run;
  ClientOptions o;  // no lean waits (sequences, concurrent rounds): the schedule of decision 0008
  o.poll_step_ms = 1000;
  Client cl(Target{run.host, run.clock, {}}, o);
  ASSERT_TRUE(cl.change_states({{vm("A"), 2}}).ok());
  EXPECT_EQ(run.host->job_reads_["J1"],
            (std::vector<std::int64_t>{0, 1000, 2000, 3000, 4000, 5000}));
}

// What an arrangement step says when its job could not be followed: the job's story once, with
// no "ended" for a job that was never read (it said "its job ended job did not resolve").
TEST(StateChangeWait, AJobThatCannotBeReadIsSaidSo) {
  SlowHost run;
  run.host->jobs_lost_ = true;
  Client cl(Target{run.host, run.clock, {}}, ClientOptions{});
  const cim::Status st = cl.change_state(vm("A"), 2);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("RequestStateChange: its job did not resolve (NotFound"),
            std::string::npos)
      << st.message();
  EXPECT_EQ(st.message().find("job ended"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find("job job"), std::string::npos) << st.message();

  model::JobTrace t;
  t.resolved = true;
  t.samples = {{.state = 4}, {.state = 4}, {.state = 10}};
  EXPECT_EQ(t.describe(), "4→10");
  t.timed_out = true;
  t.samples.pop_back();
  EXPECT_EQ(t.describe(), "4→(no end)");
}

}  // namespace
}  // namespace hvsnap::conformance
