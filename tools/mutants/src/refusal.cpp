// The mutant family "refusal": a host may refuse collection snapshots (Not Supported, no job,
// no change; contract §4.1) but must refuse a configuration every time (CS-INV-10), and a host
// that refuses everything is NOT SUPPORTED, never CERTIFIED. The one table in catalogue.cpp
// registers each.
#include "families.h"
#include "helpers.h"

namespace hvsnap::tools::mutants {

namespace {

// CS-INV-10: a group whose members are all Off is refused every other time (Not Supported with
// no change) and snapshotted the other times.
class NotSupportedSometimes final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  std::optional<cim::Result<cim::MethodResult>> before_invoke(const cim::ObjectPath& object,
                                                              std::string_view method,
                                                              cim::PropertyList& in) override {
    if (!is_create(object, method) || !members_all_off(host(), in)) return std::nullopt;
    if (calls_++ % 2 == 1) return std::nullopt;  // this time it goes ahead
    bool accepted = false;
    return answer_instead(host(), object, method, in, not_supported_code(host()), accepted);
  }

 private:
  int calls_ = 0;
};

// Expected NOT SUPPORTED: every CreateSnapshot the fake would accept is answered Not Supported
// with no job and no change (the standalone host of O1..O3, for every configuration).
class NotSupportedEverything final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  std::optional<cim::Result<cim::MethodResult>> before_invoke(const cim::ObjectPath& object,
                                                              std::string_view method,
                                                              cim::PropertyList& in) override {
    if (!is_create(object, method)) return std::nullopt;
    bool accepted = false;
    return answer_instead(host(), object, method, in, not_supported_code(host()), accepted);
  }
};

}  // namespace

ProviderPtr make_not_supported_sometimes(HostPtr host) {
  return std::make_shared<NotSupportedSometimes>(std::move(host));
}
ProviderPtr make_not_supported_everything(HostPtr host) {
  return std::make_shared<NotSupportedEverything>(std::move(host));
}

}  // namespace hvsnap::tools::mutants
