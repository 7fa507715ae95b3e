// The mutant family "timestamp": the times the target hands out must hold together (CS-READ-3).
// The one table in catalogue.cpp registers each.
#include "families.h"
#include "helpers.h"

namespace hvsnap::tools::mutants {

namespace {

constexpr std::int64_t kDayUs = 86'400'000'000;

// Shifts the timestamp `name` of `i` by `us` microseconds (when it is one).
void shift(cim::Instance& i, std::string_view name, std::int64_t us) {
  const cim::Value* v = i.get(name);
  if (v == nullptr || v->as_datetime() == nullptr || v->as_datetime()->is_interval()) return;
  const cim::DateTime d = *v->as_datetime();
  i.set(std::string(name),
        cim::Value::datetime(cim::DateTime::timestamp(d.micros() + us, d.utc_offset_minutes())));
}

// CS-READ-3: every checkpoint says it was created a day from now.
class CreationTimeInFuture final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  bool rewrite(cim::Instance& i, const ReadContext&) override {
    if (!is_class(i, names::kVssd)) return true;
    const std::string type = i.get_string("VirtualSystemType");
    if (type == names::kTypeSnapshotRealized || type == names::kTypeSnapshotRecovery)
      shift(i, "CreationTime", kDayUs);
    return true;
  }
};

// CS-READ-3: a CreateSnapshot job says it started a second before it was submitted.
class JobStartBeforeSubmitted final : public JobRewriter {
 public:
  using JobRewriter::JobRewriter;

 protected:
  bool rewrite_job(cim::Instance& job, const std::string&, std::uint64_t) override {
    const cim::Value* submitted = job.get("TimeSubmitted");
    if (submitted == nullptr || submitted->as_datetime() == nullptr) return true;
    const cim::DateTime d = *submitted->as_datetime();
    job.set("StartTime", cim::Value::datetime(cim::DateTime::timestamp(d.micros() - 1'000'000,
                                                                       d.utc_offset_minutes())));
    return true;
  }
};

}  // namespace

ProviderPtr make_creation_time_in_future(HostPtr host) {
  return std::make_shared<CreationTimeInFuture>(std::move(host));
}
ProviderPtr make_job_start_before_submitted(HostPtr host) {
  return std::make_shared<JobStartBeforeSubmitted>(std::move(host));
}

}  // namespace hvsnap::tools::mutants
