// Parameter-space classes (contract §2), their names, the full product and a pairwise cover.
#include "hvsnap/conformance/classes.h"

#include <algorithm>
#include <set>
#include <tuple>
#include <vector>

namespace hvsnap::conformance {
namespace {

template <class E, std::size_t N>
struct Names {
  std::array<std::pair<E, std::string_view>, N> table;
  std::string_view name(E e) const {
    for (const auto& [v, n] : table) {
      if (v == e) return n;
    }
    return "?";
  }
  std::optional<E> parse(std::string_view text) const {
    for (const auto& [v, n] : table) {
      if (n == text) return v;
    }
    return std::nullopt;
  }
};

constexpr Names<CClass, 14> kCNames{{{
    {CClass::kNull, "C-NULL"},
    {CClass::kMalformed, "C-MALFORMED"},
    {CClass::kForeignNs, "C-FOREIGN-NS"},
    {CClass::kWrongClass, "C-WRONG-CLASS"},
    {CClass::kMissing, "C-MISSING"},
    {CClass::kMgmt, "C-MGMT"},
    {CClass::kEmpty, "C-EMPTY"},
    {CClass::kReady, "C-READY"},
    {CClass::kTransitional, "C-TRANSITIONAL"},
    {CClass::kDisabled, "C-DISABLED"},
    {CClass::kAtLimit, "C-AT-LIMIT"},
    {CClass::kSaved, "C-SAVED"},
    {CClass::kNonsnapDisk, "C-NONSNAP-DISK"},
    {CClass::kProdOnlyNovss, "C-PROD-ONLY-NOVSS"},
}}};
constexpr Names<SClass, 8> kSNames{{{
    {SClass::kNull, "S-NULL"},
    {SClass::kEmpty, "S-EMPTY"},
    {SClass::kDefault, "S-DEFAULT"},
    {SClass::kValid, "S-VALID"},
    {SClass::kOutOfMap, "S-OUT-OF-MAP"},
    {SClass::kMalformed, "S-MALFORMED"},
    {SClass::kWrongClass, "S-WRONG-CLASS"},
    {SClass::kUnknownProp, "S-UNKNOWN-PROP"},
}}};
constexpr Names<TClass, 5> kTNames{{{
    {TClass::kZero, "T-0"},
    {TClass::kStandard, "T-STANDARD"},
    {TClass::kRecovery, "T-RECOVERY"},
    {TClass::kReserved, "T-RESERVED"},
    {TClass::kVendor, "T-VENDOR"},
}}};
constexpr Names<RClass, 3> kRNames{{{
    {RClass::kNull, "R-NULL"},
    {RClass::kExisting, "R-EXISTING"},
    {RClass::kGarbage, "R-GARBAGE"},
}}};

constexpr Names<Power, 5> kPowerNames{{{
    {Power::kAny, "P-ANY"},
    {Power::kRunning, "P-RUNNING"},
    {Power::kOff, "P-OFF"},
    {Power::kSaved, "P-SAVED"},
    {Power::kMixed, "P-MIXED"},
}}};

// The Collection dimension as the matrix sees it: every class, C-READY once per power.
std::vector<std::pair<CClass, Power>> c_entries() {
  std::vector<std::pair<CClass, Power>> out;
  for (CClass c : kAllC) {
    if (c != CClass::kReady) {
      out.emplace_back(c, Power::kAny);
      continue;
    }
    for (Power p : kAllPower)
      out.emplace_back(c, p);
  }
  return out;
}

}  // namespace

std::string_view to_string(Power p) {
  return kPowerNames.name(p);
}
std::optional<Power> parse_power(std::string_view t) {
  return kPowerNames.parse(t);
}

std::string_view to_string(CClass c) {
  return kCNames.name(c);
}
std::string_view to_string(SClass s) {
  return kSNames.name(s);
}
std::string_view to_string(TClass t) {
  return kTNames.name(t);
}
std::string_view to_string(RClass r) {
  return kRNames.name(r);
}
std::optional<CClass> parse_c(std::string_view t) {
  return kCNames.parse(t);
}
std::optional<SClass> parse_s(std::string_view t) {
  return kSNames.parse(t);
}
std::optional<TClass> parse_t(std::string_view t) {
  return kTNames.parse(t);
}
std::optional<RClass> parse_r(std::string_view t) {
  return kRNames.parse(t);
}

bool is_valid(SClass s) {
  return s == SClass::kNull || s == SClass::kEmpty || s == SClass::kDefault || s == SClass::kValid;
}
bool is_valid(TClass t) {
  return t == TClass::kStandard || t == TClass::kRecovery;
}

std::string Combo::c_label() const {
  std::string out(conformance::to_string(c));
  if (power != Power::kAny) {
    out += '/';
    out += conformance::to_string(power);
  }
  return out;
}

std::string Combo::to_string() const {
  std::string out = c_label();
  out += '/';
  out += conformance::to_string(s);
  out += '/';
  out += conformance::to_string(t);
  out += '/';
  out += conformance::to_string(r);
  return out;
}

std::optional<Combo> Combo::parse(std::string_view text) {
  std::vector<std::string_view> parts;
  while (true) {
    const std::size_t slash = text.find('/');
    parts.push_back(text.substr(0, slash));
    if (slash == std::string_view::npos || parts.size() > 5) break;
    text.remove_prefix(slash + 1);
  }
  if (parts.size() != 4 && parts.size() != 5) return std::nullopt;
  std::optional<Power> power = Power::kAny;
  if (parts.size() == 5) {
    power = parse_power(parts[1]);
    parts.erase(parts.begin() + 1);
  }
  auto c = parse_c(parts[0]);
  auto s = parse_s(parts[1]);
  auto t = parse_t(parts[2]);
  auto r = parse_r(parts[3]);
  if (!c || !s || !t || !r || !power) return std::nullopt;
  if (*power != Power::kAny && *c != CClass::kReady) return std::nullopt;
  return Combo{*c, *s, *t, *r, *power};
}

int complexity(const Combo& c) {
  return (c.c != CClass::kReady) + (c.s != SClass::kNull) + (c.t != TClass::kStandard) +
         (c.r == RClass::kExisting ? 2 : c.r != RClass::kNull);
}

std::vector<Combo> all_combos() {
  std::vector<Combo> out;
  const auto cs = c_entries();
  out.reserve(cs.size() * kAllS.size() * kAllT.size() * kAllR.size());
  for (const auto& [c, p] : cs) {
    for (SClass s : kAllS) {
      for (TClass t : kAllT) {
        for (RClass r : kAllR)
          out.push_back({c, s, t, r, p});
      }
    }
  }
  return out;
}

std::vector<Combo> pairwise_combos() {
  // Factors as index ranges; a row is four indices.
  const auto cs = c_entries();
  const std::array<int, 4> sizes{static_cast<int>(cs.size()), static_cast<int>(kAllS.size()),
                                 static_cast<int>(kAllT.size()), static_cast<int>(kAllR.size())};
  using Pair = std::tuple<int, int, int, int>;  // factor a, value a, factor b, value b (a < b)
  std::set<Pair> uncovered;
  for (int a = 0; a < 4; ++a) {
    for (int b = a + 1; b < 4; ++b) {
      for (int va = 0; va < sizes[a]; ++va) {
        for (int vb = 0; vb < sizes[b]; ++vb)
          uncovered.insert({a, va, b, vb});
      }
    }
  }
  auto gain = [&](const std::array<int, 4>& row) {
    int g = 0;
    for (int a = 0; a < 4; ++a) {
      for (int b = a + 1; b < 4; ++b) {
        if (row[a] >= 0 && row[b] >= 0) g += uncovered.count({a, row[a], b, row[b]}) ? 1 : 0;
      }
    }
    return g;
  };
  std::vector<Combo> out;
  while (!uncovered.empty()) {
    // Seed with the first uncovered pair, then fill each free factor with its best value.
    const auto [fa, va, fb, vb] = *uncovered.begin();
    std::array<int, 4> row{-1, -1, -1, -1};
    row[fa] = va;
    row[fb] = vb;
    for (int f = 0; f < 4; ++f) {
      if (row[f] >= 0) continue;
      int best = 0, best_gain = -1;
      for (int v = 0; v < sizes[f]; ++v) {
        row[f] = v;
        const int g = gain(row);
        if (g > best_gain) {
          best_gain = g;
          best = v;
        }
      }
      row[f] = best;
    }
    for (int a = 0; a < 4; ++a) {
      for (int b = a + 1; b < 4; ++b)
        uncovered.erase({a, row[a], b, row[b]});
    }
    const auto& [c, p] = cs[static_cast<std::size_t>(row[0])];
    out.push_back({c, kAllS[static_cast<std::size_t>(row[1])],
                   kAllT[static_cast<std::size_t>(row[2])], kAllR[static_cast<std::size_t>(row[3])],
                   p});
  }
  // Base choice: each class alone against a valid baseline, so that every single-class row
  // of the allowed-outcome table is reached (pairs alone mix invalid classes together).
  const Combo base{CClass::kReady, SClass::kNull, TClass::kStandard, RClass::kNull,
                   Power::kRunning};
  auto add = [&](Combo c) {
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  };
  for (const auto& [c, p] : cs) {
    add({c, base.s, base.t, base.r, p});
    add({c, base.s, TClass::kRecovery, base.r, p});  // each configuration for both types
  }
  for (SClass s : kAllS)
    add({base.c, s, base.t, base.r, base.power});
  for (TClass t : kAllT)
    add({base.c, base.s, t, base.r, base.power});
  for (RClass r : kAllR)
    add({base.c, base.s, base.t, r, base.power});
  return out;
}

}  // namespace hvsnap::conformance
