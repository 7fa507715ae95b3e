// The suite's client, its reads (client.h): a job followed to its end, and the observations
// with their lean reads (decisions 0070, 0093, 0108, 0109). Split from client.cpp.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "answered_reads.h"
#include "client_util.h"
#include "hvsnap/cim/codes.h"
#include "hvsnap/cim/datetime.h"
#include "hvsnap/conformance/client.h"
#include "hvsnap/conformance/observe.h"

namespace hvsnap::conformance {

using cim::MethodResult;
using cim::ObjectPath;
using cim::PropertyList;
using cim::Value;

void Client::touch(const ObjectPath& object, const PropertyList& in,
                   const cim::Result<MethodResult>& r) {
  auto add = [&](const ObjectPath& p) {
    if (!p.keys().empty()) touched_.insert(model::id_of(p));
  };
  add(object);
  auto refs = [&](const PropertyList& list) {
    for (const auto& p : list) {
      if (const ObjectPath* ref = p.value.as_reference(); ref != nullptr) add(*ref);
    }
  };
  refs(in);
  if (r.ok()) refs(r->out);
}

namespace {

// What one read of a job shows.
JobSample sample_of(const cim::Instance& inst) {
  JobSample s;
  s.state = uint_prop(inst, "JobState");
  s.percent = inst.get_uint("PercentComplete");
  s.error_code = inst.get_uint("ErrorCode");
  s.job_type = inst.get_uint("JobType");
  if (const Value* c = inst.get("Cancellable")) s.cancellable = c->as_bool();
  s.error_description = inst.get_string("ErrorDescription");
  if (const Value* tbr = inst.get("TimeBeforeRemoval");
      tbr != nullptr && tbr->as_datetime() != nullptr) {
    s.time_before_removal = tbr->as_datetime()->to_string();
  }
  auto time = [&](std::string_view name, bool interval) -> std::optional<std::int64_t> {
    const Value* v = inst.get(name);
    if (v == nullptr || v->as_datetime() == nullptr || v->as_datetime()->is_interval() != interval)
      return std::nullopt;
    return v->as_datetime()->micros();
  };
  s.time_submitted_us = time("TimeSubmitted", false);
  s.start_time_us = time("StartTime", false);
  s.last_change_us = time("TimeOfLastStateChange", false);
  s.elapsed_us = time("ElapsedTime", true);
  return s;
}

}  // namespace

bool read_again_after_end(const JobTrace& t) {
  const auto terminal = [](const JobSample& s) { return cim::JobState(s.state).is_terminal(); };
  return t.readable_after_end && !t.vanished && t.samples.size() >= 2 &&
         terminal(t.samples.back()) && terminal(t.samples[t.samples.size() - 2]);
}

model::JobView view_of(const JobTrace& t) {
  model::JobView j;
  j.id = model::id_of(t.path);
  j.path = t.path;
  if (t.samples.empty()) return j;
  const JobSample& last = t.samples.back();
  j.readable = true;
  j.state = last.state;
  j.last_change_us = last.last_change_us;
  if (auto tbr = cim::DateTime::parse(last.time_before_removal); tbr.ok() && tbr->is_interval())
    j.time_before_removal_us = tbr->micros();
  return j;
}

std::int64_t first_backoff_step(const ClientOptions& options) {
  // A step of 0 (a target whose clock moves on every call) asks for no wait at all.
  if (!options.lean_waits || options.poll_step_ms <= 0) return options.poll_step_ms;
  return std::max(options.poll_step_ms, options.first_backoff_step_ms);
}

std::int64_t backed_off(std::int64_t step, const ClientOptions& options) {
  if (!options.lean_waits) return step;
  return std::min(step * 2, std::max(options.poll_step_ms, options.max_poll_step_ms));
}

JobTrace follow_job(cim::Provider& provider, TargetControl* control, const ObjectPath& job,
                    const ClientOptions& options, Polling polling) {
  JobTrace t;
  t.path = job;
  // The budget is the time that passed: with lean waits the sum of the suite's own advances
  // (no read of the host clock per poll), else the host clock (with control) or the wall clock.
  const auto wall_start = std::chrono::steady_clock::now();
  const bool read_clock = control != nullptr && !options.lean_waits;
  const std::int64_t sim_start = read_clock ? control->now_ms() : 0;
  std::int64_t advanced_ms = 0;
  auto elapsed_ms = [&]() -> std::int64_t {
    if (read_clock) return control->now_ms() - sim_start;
    if (control != nullptr) return advanced_ms;
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 wall_start)
        .count();
  };
  const bool backs_off = polling != Polling::kEvery;
  std::int64_t step = backs_off ? first_backoff_step(options) : options.poll_step_ms;
  auto pass = [&] {
    if (control != nullptr) {
      control->advance(step);
      advanced_ms += step;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(step));
    }
    if (backs_off) step = backed_off(step, options);
  };
  // A wait that knows its job takes longer than one step reads it first after that step
  // (decision 0119): the same reads from then on, one fewer.
  if (polling == Polling::kBackOffAfterAStep && options.lean_waits && step > 0) pass();
  // A read no answer came back for ends the wait where it is: neither gone nor there (0161).
  const auto lost = [&](const cim::Status& st) {
    if (!cim::lost_on_the_wire(st.kind())) return false;
    t.lost = st.to_string();
    return true;
  };
  for (int i = 0; i < options.max_polls; ++i) {
    auto inst = provider.get_instance(job);
    if (!inst.ok()) {
      if (lost(inst.status())) return t;
      if (i == 0) {
        t.first_read_error = inst.status().to_string();
        t.first_read_kind = inst.status().kind();
      } else {
        t.vanished = true;
        t.readable_after_end = false;
      }
      return t;
    }
    t.resolved = true;
    t.samples.push_back(sample_of(*inst));
    if (cim::JobState(t.samples.back().state).is_terminal()) {
      // An Exception says what went wrong, a success with warnings what to heed (CS-INV-6).
      if (t.samples.back().state == cim::JobState::kException ||
          t.samples.back().state == cim::JobState::kCompletedWithWarnings) {
        // A method that changes nothing: asked again, as a read is. Not a NotSent answer: the
        // provider (an AnsweredReads) has sent that again itself (decision 0166); asked again
        // here too, it would be sent up to nine times.
        const auto get_error_ex = [&] { return provider.invoke_method(job, "GetErrorEx", {}); };
        auto e = asked_again_while(get_error_ex(), get_error_ex,
                                   retry_pause(options, control != nullptr), [](const auto& r) {
                                     return answer_lost(r) &&
                                            r.status().kind() != cim::StatusKind::kNotSent;
                                   });
        if (!e.ok() && lost(e.status())) return t;
        if (e.ok()) {
          t.get_error_ex_return = e->return_value;
          if (const Value* errors = e->get("Errors")) {
            for (const auto& item : errors->items()) {
              if (const auto* text = std::get_if<std::string>(&item)) t.errors.push_back(*text);
            }
          }
        }
      }
      // One more read: the job must still be there (CS-INV-8) and still in the same
      // terminal state (CS-INV-6) — the oracle judges this sample with the others. An
      // arrangement job's wait (backing off) is judged by its end alone: no second read
      // (decision 0082).
      if (backs_off) return t;
      auto again = provider.get_instance(job);
      if (!again.ok() && lost(again.status())) return t;
      t.readable_after_end = again.ok();
      if (again.ok()) t.samples.push_back(sample_of(*again));
      return t;
    }
    if (elapsed_ms() >= options.job_budget_ms) break;
    pass();
  }
  t.timed_out = true;
  return t;
}

JobTrace Client::wait_job(const ObjectPath& job, Polling polling) {
  JobTrace t = follow_job(provider(), control(), job, options_, polling);
  if (!t.lost.empty()) {
    ++calls_lost_;  // its GetErrorEx's answer, say, which no read counted
    annotate_job(job, "job " + t.describe() + ", then no answer: " + t.lost);
    return t;
  }
  std::string note = "job " + t.describe();
  if (auto end = t.final_state(); end && cim::JobState(*end).is_terminal()) {
    note += fmt::format(", ended {}", cim::JobState(*end).to_string());
    if (t.samples.back().job_type == 198) ended_.emplace_back(job, *end);
    // Its end read twice (the read once more after it): the view before the next call, which
    // watches it if it is a set-up call's, takes it from here (LeanReads, decision 0109).
    if (options_.lean_reads && read_again_after_end(t)) lean_.ended[model::id_of(job)] = view_of(t);
  }
  annotate_job(job, note);
  return t;
}

model::HostView Client::observe(const model::Scope& scope, Side side, IdList* host_collections) {
  lean_.before_call = side == Side::kBefore;
  lean_.last = nullptr;
  lean_.reuse.clear();
  if (options_.lean_reads && side == Side::kBefore && last_after_) {
    // What no call of the suite named since the view after the previous call, and no VM that was
    // on its way to another state then, is as that view saw it (decision 0109).
    lean_.last = &*last_after_;
    for (const auto& [id, vm] : last_after_->vms) {
      if (!touched_.count(id) && !cim::EnabledState(vm.state).is_transitional())
        lean_.reuse.insert(id);
    }
    for (const auto& [id, g] : last_after_->groups) {
      if (!touched_.count(id)) lean_.reuse.insert(id);
    }
  }
  model::HostView v =
      conformance::observe(provider(), scope, options_.lean_reads ? &lean_ : nullptr);
  if (host_collections != nullptr) {
    auto ids = list_host_collections(provider());
    if (!ids.ok() && cim::lost_on_the_wire(ids.status().kind()))
      v.lost.push_back(ids.status().to_string());
    *host_collections = ids.ok() ? std::move(ids).value() : IdList();
  }
  if (!v.lost.empty()) {
    throw WireLost{fmt::format("no answer came back to a read of the host{}: {}",
                               v.lost.size() > 1 ? fmt::format(" ({} reads)", v.lost.size()) : "",
                               v.lost.front())};
  }
  if (options_.lean_reads && side == Side::kAfter) {
    if (v.errors.empty()) {
      // What the next view before a call may reuse (observe.cpp reads its VMs, snapshots,
      // groups and collections); not the host's whole set of collections, which can hold tens
      // of thousands (decision 0136).
      model::HostView& last = last_after_.emplace();
      last.vms = v.vms;
      last.snapshots = v.snapshots;
      last.groups = v.groups;
      last.collections = v.collections;
    } else {
      last_after_.reset();
    }
    touched_.clear();
  }
  if (side == Side::kBefore && last_host_time_us_) {
    v.host_time_us = last_host_time_us_;  // no request (decision 0108)
  } else if (target_.control) {
    v.host_time_us = target_.control->host_time_us();
    if (v.host_time_us) last_host_time_us_ = v.host_time_us;
  }
  for (auto& w : provider().take_wire_problems()) {
    v.problems.push_back(
        {"read1.lexical-form", fmt::format("{}: {}", std::move(w.where), std::move(w.what))});
  }
  return v;
}

std::optional<std::uint16_t> Client::vm_state(const ObjectPath& vm) {
  auto i = provider().get_instance(vm);
  if (!i.ok()) return std::nullopt;
  return uint_prop(*i, "EnabledState");
}

}  // namespace hvsnap::conformance
