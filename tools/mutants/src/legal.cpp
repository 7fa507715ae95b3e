// The family "legal": providers that bend the contract without breaking it. The suite must
// CERTIFY each (no false verdict on a legal host); the wire ones are in wire.cpp. The one table
// in catalogue.cpp registers each.
#include <set>
#include <string>

#include "families.h"
#include "helpers.h"

namespace hvsnap::tools::mutants {

namespace {

// Bends CS-INV-8, a SHOULD: a terminal CreateSnapshot job disappears right after it was first
// read ended, long before its TimeBeforeRemoval. The suite must WARN and still certify: a
// SHOULD never stops a case, a set-up or a sequence. (A job nobody read ended is not watched by
// CS-INV-9, so nothing else breaks.)
class JobRemovedEarly final : public JobRewriter {
 public:
  using JobRewriter::JobRewriter;

 protected:
  bool rewrite_job(cim::Instance&, const std::string& id, std::uint64_t state) override {
    if (state < 7) return true;
    return !gone_.contains(id) ? (gone_.insert(id), true) : false;
  }

 private:
  std::set<std::string> gone_;
};

}  // namespace

ProviderPtr make_job_removed_early(HostPtr host) {
  return std::make_shared<JobRemovedEarly>(std::move(host));
}

}  // namespace hvsnap::tools::mutants
