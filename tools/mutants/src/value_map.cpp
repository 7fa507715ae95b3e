// The mutant family "value-map": values must be in their property's value map (CS-READ-4). The
// one table in catalogue.cpp registers each.
#include "hvsnap/cim/codes.h"

#include "families.h"
#include "helpers.h"

namespace hvsnap::tools::mutants {

namespace {

// CS-READ-4: a VM on its way between two states (Starting, Shutting Down, or 1 Other with an
// OtherEnabledState) reports EnabledState 11, a value DMTF reserves.
class TransitionalReservedState final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  bool rewrite(cim::Instance& i, const ReadContext&) override {
    if (!is_class(i, names::kComputerSystem)) return true;
    const auto state = i.get_uint("EnabledState");
    if (state && *state <= 0xFFFF &&
        cim::EnabledState(static_cast<std::uint16_t>(*state)).is_transitional()) {
      i.set("EnabledState", cim::Value::uint16(11));
    }
    return true;
  }
};

}  // namespace

ProviderPtr make_transitional_reserved_state(HostPtr host) {
  return std::make_shared<TransitionalReservedState>(std::move(host));
}

}  // namespace hvsnap::tools::mutants
