// The fake's personalities in text form (contract §3.4): one table of keys, each with its
// parser, its printer and its choices, shared by fixtures (fixtures/), `--personality`
// (tools/) and reports, so a key is spelled and checked in one place.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "hvsnap/sim/state.h"

namespace hvsnap::sim {
namespace {

cim::Status bad_value(std::string_view key, std::string_view value, std::string_view choices) {
  return cim::invalid_parameter(
      fmt::format("personality: {} cannot be '{}' (expected {})", key, value, choices));
}

std::optional<std::uint32_t> parse_count(std::string_view text) {
  std::uint32_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

// "after-polls:5" -> 5 when `text` starts with `prefix`.
std::optional<std::uint32_t> counted(std::string_view text, std::string_view prefix) {
  if (text.substr(0, prefix.size()) != prefix) return std::nullopt;
  return parse_count(text.substr(prefix.size()));
}

template <class E, class Field>
struct EnumKey {
  static cim::Status set(std::string_view key, std::string_view value, Field& out) {
    auto v = parse_enum<E>(value);
    if (!v) return bad_value(key, value, enum_choices<E>());
    out = *v;
    return {};
  }
};

std::string refuse_choices() {
  return "none, all, or member states joined by + (e.g. off+saved; states: " +
         enum_choices<VmState>() + ")";
}

cim::Status set_refuse(std::string_view key, std::string_view value, RefusePolicy& out) {
  RefusePolicy p;
  if (value == "all") {
    p.all = true;
  } else if (value != "none") {
    std::string_view rest = value;
    while (true) {
      const std::size_t plus = rest.find('+');
      const std::string_view item = rest.substr(0, plus);
      auto st = parse_enum<VmState>(item);
      if (!st) return bad_value(key, value, refuse_choices());
      if (std::find(p.states.begin(), p.states.end(), *st) == p.states.end())
        p.states.push_back(*st);
      if (plus == std::string_view::npos) break;
      rest = rest.substr(plus + 1);
    }
    std::sort(p.states.begin(), p.states.end());
  }
  out = std::move(p);
  return {};
}

std::string refuse_text(const RefusePolicy& p) {
  if (p.all) return "all";
  if (p.states.empty()) return "none";
  std::string out;
  for (VmState s : p.states) {
    if (!out.empty()) out += '+';
    out += to_string(s);
  }
  return out;
}

struct KeyDef {
  std::string_view key;
  std::string (*choices)();
  cim::Status (*set)(Personality&, std::string_view key, std::string_view value);
  std::string (*get)(const Personality&);
};

#define HVSNAP_ENUM_KEY(NAME, E, FIELD)                                      \
  KeyDef {                                                                   \
    NAME, [] { return enum_choices<E>(); },                                  \
        [](Personality& p, std::string_view k, std::string_view v) {         \
          return EnumKey<E, decltype(p.FIELD)>::set(k, v, p.FIELD);          \
        },                                                                   \
        [](const Personality& p) { return std::string(to_string(p.FIELD)); } \
  }

// constexpr: constant-initialised, so usable from other static initialisers (a test registered
// at static-init time describes a personality before main).
constexpr KeyDef kKeys[] = {
    HVSNAP_ENUM_KEY("codes", CodeFamily, codes),
    HVSNAP_ENUM_KEY("completion", Completion, completion),
    HVSNAP_ENUM_KEY("first-job-state", FirstJobState, first_job_state),
    KeyDef{"result-visibility", [] { return std::string("immediate, after-polls:N"); },
           [](Personality& p, std::string_view k, std::string_view v) -> cim::Status {
             if (v == "immediate") {
               p.result_visibility_polls = 0;
             } else if (auto n = counted(v, "after-polls:")) {
               p.result_visibility_polls = *n;
             } else {
               return bad_value(k, v, "immediate, after-polls:N");
             }
             return {};
           },
           [](const Personality& p) {
             return p.result_visibility_polls == 0
                        ? std::string("immediate")
                        : fmt::format("after-polls:{}", p.result_visibility_polls);
           }},
    KeyDef{"job-progress", [] { return std::string("ticks, manual, after-reads:N (N >= 1)"); },
           [](Personality& p, std::string_view k, std::string_view v) -> cim::Status {
             if (v == "ticks" || v == "manual") {
               p.job_progress = v == "ticks" ? JobProgress::kTicks : JobProgress::kManual;
             } else if (auto n = counted(v, "after-reads:"); n && *n >= 1) {
               p.job_progress = JobProgress::kAfterReads;
               p.job_progress_reads = *n;
             } else {
               return bad_value(k, v, "ticks, manual, after-reads:N (N >= 1)");
             }
             return {};
           },
           [](const Personality& p) {
             return p.job_progress == JobProgress::kAfterReads
                        ? fmt::format("after-reads:{}", p.job_progress_reads)
                        : std::string(to_string(p.job_progress));
           }},
    KeyDef{"refuse-collection-snapshots", refuse_choices,
           [](Personality& p, std::string_view k, std::string_view v) {
             return set_refuse(k, v, p.refuse_collection_snapshots);
           },
           [](const Personality& p) { return refuse_text(p.refuse_collection_snapshots); }},
    HVSNAP_ENUM_KEY("validation", Validation, validation),
    HVSNAP_ENUM_KEY("vendor-snapshot-types", VendorSnapshotTypes, vendor_snapshot_types),
    HVSNAP_ENUM_KEY("destroy-snapshot", DestroyMode, destroy_snapshot),
    HVSNAP_ENUM_KEY("associators", AssociatorResults, associators),
    HVSNAP_ENUM_KEY("job-control-codes", CodeFamily, job_control_codes),
    KeyDef{"job-success-error-code", [] { return std::string("0, 4096"); },
           [](Personality& p, std::string_view k, std::string_view v) -> cim::Status {
             if (v != "0" && v != "4096") return bad_value(k, v, "0, 4096");
             p.job_success_error_code = v == "0" ? 0 : 4096;
             return {};
           },
           [](const Personality& p) { return std::to_string(p.job_success_error_code); }},
};
#undef HVSNAP_ENUM_KEY

const KeyDef* find_key(std::string_view key) {
  for (const KeyDef& k : kKeys) {
    if (k.key == key) return &k;
  }
  return nullptr;
}

std::string key_list() {
  std::string out;
  for (const KeyDef& k : kKeys) {
    if (!out.empty()) out += ", ";
    out += k.key;
  }
  return out;
}

}  // namespace

std::vector<std::string_view> personality_keys() {
  std::vector<std::string_view> out;
  for (const KeyDef& k : kKeys)
    out.push_back(k.key);
  return out;
}

cim::Status set_personality_value(Personality& p, std::string_view key, std::string_view value) {
  const KeyDef* k = find_key(key);
  if (k == nullptr) {
    return cim::invalid_parameter(
        fmt::format("personality: unknown key '{}' (expected one of: {})", key, key_list()));
  }
  return k->set(p, key, value);
}

std::string personality_value(const Personality& p, std::string_view key) {
  const KeyDef* k = find_key(key);
  return k == nullptr ? std::string() : k->get(p);
}

std::string personality_choices(std::string_view key) {
  const KeyDef* k = find_key(key);
  return k == nullptr ? std::string() : k->choices();
}

std::string describe_personality(const Personality& p) {
  std::string out;
  for (const KeyDef& k : kKeys) {
    if (!out.empty()) out += ',';
    out += k.key;
    out += '=';
    out += k.get(p);
  }
  return out;
}

cim::Status validate(const Personality& p) {
  if (p.job_progress == JobProgress::kAfterReads && p.job_progress_reads == 0) {
    return cim::invalid_parameter("personality job-progress after-reads needs N >= 1");
  }
  if (p.job_success_error_code != 0 && p.job_success_error_code != 4096) {
    return cim::invalid_parameter("personality job-success-error-code is 0 or 4096");
  }
  if (!std::is_sorted(p.refuse_collection_snapshots.states.begin(),
                      p.refuse_collection_snapshots.states.end()) ||
      std::adjacent_find(p.refuse_collection_snapshots.states.begin(),
                         p.refuse_collection_snapshots.states.end()) !=
          p.refuse_collection_snapshots.states.end()) {
    return cim::invalid_parameter(
        "personality refuse-collection-snapshots lists member states sorted, each once");
  }
  return {};
}

}  // namespace hvsnap::sim
