// The mutant family "job": jobs (CS-INV-5, CS-INV-6). Each class breaks exactly the
// requirement its comment names; the one table in catalogue.cpp registers it.
#include <algorithm>
#include <map>
#include <set>

#include "families.h"
#include "helpers.h"

namespace hvsnap::tools::mutants {

namespace {

// CS-INV-5: 4096 (job started) without the Job out-parameter.
class JobStartedWithoutJob final : public OnJobStarted {
 public:
  using OnJobStarted::OnJobStarted;

 protected:
  void started(cim::MethodResult& r) override {
    std::erase_if(r.out, [](const cim::Property& p) { return cim::iequals(p.name, "Job"); });
  }
};

// CS-INV-6: a job's terminal state is not final — after it ended, every other read says
// Running again.
class JobStateGoesBackwards final : public JobRewriter {
 public:
  using JobRewriter::JobRewriter;

 protected:
  bool rewrite_job(cim::Instance& job, const std::string& id, std::uint64_t state) override {
    if (state < 7 || !get_) return true;
    if (terminal_reads_[id]++ % 2 == 1) job.set("JobState", cim::Value::uint16(4));
    return true;
  }

 private:
  std::map<std::string, int> terminal_reads_;
};

// CS-INV-6: PercentComplete falls (every running read after the first reports less).
class PercentDecreases final : public JobRewriter {
 public:
  using JobRewriter::JobRewriter;

 protected:
  bool rewrite_job(cim::Instance& job, const std::string& id, std::uint64_t state) override {
    if (state != 4) return true;
    const int n = reads_[id]++;
    job.set("PercentComplete", cim::Value::uint16(n == 0 ? 90 : 10));
    return true;
  }

 private:
  std::map<std::string, int> reads_;
};

// CS-INV-6: a Completed job carries an ErrorCode.
class ErrorCodeOnCompleted final : public JobRewriter {
 public:
  using JobRewriter::JobRewriter;

 protected:
  bool rewrite_job(cim::Instance& job, const std::string&, std::uint64_t state) override {
    if (state == 7) job.set("ErrorCode", cim::Value::uint16(32768));
    return true;
  }
};

// CS-INV-6: a job ending in Exception carries no description (and GetErrorEx has none).
class ExceptionWithoutDescription final : public JobRewriter {
 public:
  using JobRewriter::JobRewriter;

 protected:
  bool rewrite_job(cim::Instance& job, const std::string&, std::uint64_t state) override {
    if (state == 10) {
      job.set("ErrorDescription", cim::Value::string(""));
      job.set("ErrorSummaryDescription", cim::Value::string(""));
    }
    return true;
  }
  void after_invoke(const cim::ObjectPath& object, std::string_view method,
                    const cim::PropertyList&, cim::Result<cim::MethodResult>& r) override {
    if (method == "GetErrorEx" && cim::iequals(object.class_name(), names::kJob) && r.ok()) {
      std::erase_if(r->out, [](const cim::Property& p) { return cim::iequals(p.name, "Errors"); });
    }
  }
};

// CS-INV-6: a CreateSnapshot job never ends — every read says Running (at most 99 %), and it
// never goes away (the fake finishes the work; the client is never told).
class JobNeverEnds final : public JobRewriter {
 public:
  using JobRewriter::JobRewriter;

 protected:
  bool rewrite_job(cim::Instance& job, const std::string& id, std::uint64_t) override {
    job.set("JobState", cim::Value::uint16(4));
    job.set("PercentComplete",
            cim::Value::uint16(static_cast<std::uint16_t>(
                std::min<std::uint64_t>(job.get_uint("PercentComplete").value_or(0), 99))));
    job.set("ErrorCode", cim::Value::uint16(0));
    last_.insert_or_assign(id, job);
    return true;
  }
  void after_get(const cim::ObjectPath& path, cim::Result<cim::Instance>& r) override {
    if (r.ok() || r.status().kind() != cim::StatusKind::kNotFound) return;
    const cim::Key* k = path.key("InstanceID");
    if (k == nullptr) return;
    if (auto it = last_.find(k->value.str()); it != last_.end()) r = it->second;
  }

 private:
  std::map<std::string, cim::Instance> last_;  // the last read of each job, by InstanceID
};

// CS-SEQ-7: CreateSnapshot jobs say they cannot be cancelled, and a request to end one is
// refused with 5000, a value DMTF reserves (4097..4099 are the documented refusals).
class JobRefusalReservedCode final : public JobRewriter {
 public:
  using JobRewriter::JobRewriter;

 protected:
  bool rewrite_job(cim::Instance& job, const std::string&, std::uint64_t) override {
    job.set("Cancellable", cim::Value::boolean(false));
    return true;
  }
  std::optional<cim::Result<cim::MethodResult>> before_invoke(const cim::ObjectPath& object,
                                                              std::string_view method,
                                                              cim::PropertyList& in) override {
    if (!is_method(object, method, names::kJob, "RequestStateChange")) return std::nullopt;
    const cim::Value* s = cim::find(in, "RequestedState");
    const auto state = s == nullptr ? std::nullopt : s->as_uint();
    if (state != 4u && state != 5u) return std::nullopt;
    return cim::Result<cim::MethodResult>(cim::MethodResult{5000, {}});
  }
};

}  // namespace

ProviderPtr make_job_started_without_job(HostPtr host) {
  return std::make_shared<JobStartedWithoutJob>(std::move(host));
}

ProviderPtr make_job_state_goes_backwards(HostPtr host) {
  return std::make_shared<JobStateGoesBackwards>(std::move(host));
}

ProviderPtr make_percent_decreases(HostPtr host) {
  return std::make_shared<PercentDecreases>(std::move(host));
}

ProviderPtr make_error_code_on_completed(HostPtr host) {
  return std::make_shared<ErrorCodeOnCompleted>(std::move(host));
}

ProviderPtr make_exception_without_description(HostPtr host) {
  return std::make_shared<ExceptionWithoutDescription>(std::move(host));
}

ProviderPtr make_job_never_ends(HostPtr host) {
  return std::make_shared<JobNeverEnds>(std::move(host));
}

ProviderPtr make_job_refusal_reserved_code(HostPtr host) {
  return std::make_shared<JobRefusalReservedCode>(std::move(host));
}

}  // namespace hvsnap::tools::mutants
