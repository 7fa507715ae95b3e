// The parameter space of CreateSnapshot (contract §2): the classes of each parameter, and a
// combination of one class per parameter. Names are the contract's IDs ("C-READY").
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hvsnap::conformance {

enum class CClass : std::uint8_t {
  kNull,
  kMalformed,
  kForeignNs,
  kWrongClass,
  kMissing,
  kMgmt,
  kEmpty,
  kReady,
  kTransitional,
  kDisabled,
  kAtLimit,
  kSaved,
  kNonsnapDisk,
  kProdOnlyNovss,
};
enum class SClass : std::uint8_t {
  kNull,
  kEmpty,
  kDefault,
  kValid,
  kOutOfMap,
  kMalformed,
  kWrongClass,
  kUnknownProp
};
enum class TClass : std::uint8_t { kZero, kStandard, kRecovery, kReserved, kVendor };
enum class RClass : std::uint8_t { kNull, kExisting, kGarbage };
// The members' power states, a dimension of C-READY (contract §2): a host may snapshot some
// configurations and refuse others as Not Supported (observations O1, O2). kAny: running or
// off, drawn per member (the form of tokens written before the dimension existed).
enum class Power : std::uint8_t { kAny, kRunning, kOff, kSaved, kMixed };

inline constexpr std::array<CClass, 14> kAllC{
    CClass::kNull,         CClass::kMalformed,    CClass::kForeignNs, CClass::kWrongClass,
    CClass::kMissing,      CClass::kMgmt,         CClass::kEmpty,     CClass::kReady,
    CClass::kTransitional, CClass::kDisabled,     CClass::kAtLimit,   CClass::kSaved,
    CClass::kNonsnapDisk,  CClass::kProdOnlyNovss};
inline constexpr std::array<SClass, 8> kAllS{
    SClass::kNull,     SClass::kEmpty,     SClass::kDefault,    SClass::kValid,
    SClass::kOutOfMap, SClass::kMalformed, SClass::kWrongClass, SClass::kUnknownProp};
inline constexpr std::array<TClass, 5> kAllT{TClass::kZero, TClass::kStandard, TClass::kRecovery,
                                             TClass::kReserved, TClass::kVendor};
inline constexpr std::array<RClass, 3> kAllR{RClass::kNull, RClass::kExisting, RClass::kGarbage};
inline constexpr std::array<Power, 4> kAllPower{Power::kRunning, Power::kOff, Power::kSaved,
                                                Power::kMixed};

std::string_view to_string(CClass c);
std::string_view to_string(SClass s);
std::string_view to_string(TClass t);
std::string_view to_string(RClass r);
std::string_view to_string(Power p);  // "P-RUNNING", …; "P-ANY"
std::optional<CClass> parse_c(std::string_view text);
std::optional<SClass> parse_s(std::string_view text);
std::optional<TClass> parse_t(std::string_view text);
std::optional<RClass> parse_r(std::string_view text);
std::optional<Power> parse_power(std::string_view text);

// Settings that CreateSnapshot must accept (S-NULL, S-EMPTY, S-DEFAULT, S-VALID).
bool is_valid(SClass s);
// SnapshotType values a provider must accept (1 Standard, 2 Recovery).
bool is_valid(TClass t);

struct Combo {
  CClass c = CClass::kReady;
  SClass s = SClass::kNull;
  TClass t = TClass::kStandard;
  RClass r = RClass::kNull;
  Power power = Power::kAny;  // C-READY only

  // "C-READY/P-OFF/S-VALID/T-STANDARD/R-NULL" ("C-EMPTY/S-NULL/T-0/R-NULL" without a power)
  std::string to_string() const;
  // "C-READY/P-OFF" or "C-EMPTY": the Collection part alone.
  std::string c_label() const;
  static std::optional<Combo> parse(std::string_view text);
  friend bool operator==(const Combo&, const Combo&) = default;
};

// How much a combination departs from the plain valid call (C-READY, S absent, T-STANDARD,
// R absent): one per class that is not the baseline, two for R-EXISTING (it adds a call).
int complexity(const Combo& c);

// Every C × S × T × R combination, C-READY once per member power configuration
// ((13 + 4) × 8 × 5 × 3 = 2,040), in a fixed order.
std::vector<Combo> all_combos();
// A pairwise covering subset: every pair of classes of any two parameters appears at least
// once (a greedy AETG-style construction with a fixed tie-break), plus each class alone
// against a valid baseline. Deterministic.
std::vector<Combo> pairwise_combos();

}  // namespace hvsnap::conformance
