// Concrete values for each class of contract §2, their JSON form and generators.
#include "hvsnap/conformance/cases.h"

#include "gen_util.h"

#include <fmt/format.h>

#include <algorithm>

#include "hvsnap/cim/cimxml.h"
#include "hvsnap/cim/names.h"

namespace hvsnap::conformance {

namespace names = cim::names;
using nlohmann::json;

namespace {

cim::Instance settings_instance(const SettingsArg& s, std::string_view cls) {
  cim::Instance inst{cim::Name(cls)};
  if (s.consistency)
    inst.set("ConsistencyLevel", cim::Value::uint8(static_cast<std::uint8_t>(*s.consistency)));
  if (s.ignore_disks) inst.set("IgnoreNonSnapshottableDisks", cim::Value::boolean(*s.ignore_disks));
  if (s.backup)
    inst.set("GuestBackupType", cim::Value::uint8(static_cast<std::uint8_t>(*s.backup)));
  return inst;
}

std::string format(const cim::Instance& i, bool wmi) {
  return cim::format_embedded_instance(i, wmi ? cim::XmlDtd::kWmi20 : cim::XmlDtd::kCim20);
}

json vm_json(const VmSpec& v) {
  return {{"state", v.state},
          {"checkpoint-type", v.checkpoint_type},
          {"guest", v.guest},
          {"disks", v.disks},
          {"existing-snapshots", v.existing_snapshots},
          {"at-limit", v.at_limit},
          {"transition-to", v.transition_to}};
}

template <class T>
std::optional<T> opt(const json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return j.at(key).get<T>();
}

// A uint16 drawn from [lo, hi] with both boundaries always possible.
// Inside a generator: a value from `g`, or none (shrinks towards none).
template <class T>
std::optional<T> maybe(rc::Gen<T> g) {
  if (!*rc::gen::arbitrary<bool>()) return std::nullopt;
  return *g;
}

rc::Gen<std::uint16_t> in_class(std::uint16_t lo, std::uint16_t hi) {
  return rc::gen::oneOf(
      genutil::pick<std::uint16_t>({lo, hi}),
      rc::gen::map(rc::gen::inRange<std::uint32_t>(lo, hi + 1u),
                   [](std::uint32_t v) { return static_cast<std::uint16_t>(v); }));
}

}  // namespace

std::optional<std::string> Case::settings_text() const {
  switch (combo.s) {
    case SClass::kNull:
      return std::nullopt;
    case SClass::kEmpty:
      return std::string();
    case SClass::kDefault:
      return format(cim::Instance{cim::Name::borrow(names::kSnapshotSettings)}, s.wmi_dtd);
    case SClass::kValid:
      return format(settings_instance(s, names::kSnapshotSettings), s.wmi_dtd);
    case SClass::kOutOfMap: {
      SettingsArg bad = s;
      if (s.variant == 0) {
        bad.consistency = s.out_of_map;
      } else {
        bad.backup = s.out_of_map;
      }
      return format(settings_instance(bad, names::kSnapshotSettings), s.wmi_dtd);
    }
    case SClass::kMalformed:
      switch (s.variant) {
        case 0:
          return s.extra;  // not XML at all
        case 1: {          // truncated XML
          std::string full = format(settings_instance(s, names::kSnapshotSettings), s.wmi_dtd);
          return full.substr(0, full.size() / 2);
        }
        default:
          return "<CLASS NAME=\"" + std::string(names::kSnapshotSettings) +
                 "\"/>";  // not an INSTANCE
      }
    case SClass::kWrongClass:
      return format(settings_instance(s, s.variant == 0 ? names::kVssd : std::string_view(s.extra)),
                    s.wmi_dtd);
    case SClass::kUnknownProp: {
      cim::Instance inst = settings_instance(s, names::kSnapshotSettings);
      inst.set(s.extra, cim::Value::uint32(7));
      return format(inst, s.wmi_dtd);
    }
  }
  return std::nullopt;
}

bool Case::settings_null() const {
  return combo.s == SClass::kNull && s.variant == 1;
}

bool Case::ignore_disks() const {
  if (combo.s == SClass::kValid || combo.s == SClass::kUnknownProp)
    return s.ignore_disks.value_or(false);
  return false;
}

std::string Case::describe() const {
  auto state = [](std::uint16_t v) -> std::string {
    switch (v) {
      case 2:
        return "Running";
      case 3:
        return "Off";
      case 6:
        return "Saved";
      case 9:
        return "Paused";
      default:
        return fmt::format("EnabledState {}", v);
    }
  };
  auto checkpoints = [](std::uint16_t v) -> std::string {
    switch (v) {
      case 2:
        return "checkpoints disabled";
      case 3:
        return "production checkpoints";
      case 4:
        return "production-only checkpoints";
      case 5:
        return "standard checkpoints";
      default:
        return fmt::format("UserSnapshotType {}", v);
    }
  };
  std::string members;
  for (const auto& m : c.members) {
    members += fmt::format(
        "{}[{}, {}{}{}{}{}]", members.empty() ? "" : " ", state(m.state),
        checkpoints(m.checkpoint_type), m.guest == "ok" ? "" : ", guest VSS " + m.guest,
        m.disks.empty() ? "" : ", disks " + fmt::format("{}", fmt::join(m.disks, "+")),
        m.existing_snapshots
            ? fmt::format(", {} earlier snapshot{}{}", m.existing_snapshots,
                          m.existing_snapshots == 1 ? "" : "s", m.at_limit ? " (its limit)" : "")
            : "",
        m.transition_to
            ? fmt::format(", asked to go {} just before the call", state(m.transition_to))
            : "");
  }
  return fmt::format("{}, SnapshotType={}, members: {}", combo.to_string(), type,
                     members.empty() ? "none" : members);
}

json to_json(const Case& c) {
  json members = json::array();
  for (const auto& m : c.c.members)
    members.push_back(vm_json(m));
  return {{"combo", c.combo.to_string()},
          {"collection",
           {{"members", members},
            {"nested-groups", c.c.nested_groups},
            {"variant", c.c.variant},
            {"text", c.c.text}}},
          {"settings",
           {{"variant", c.s.variant},
            {"wmi-dtd", c.s.wmi_dtd},
            {"consistency", c.s.consistency ? json(*c.s.consistency) : json()},
            {"ignore-disks", c.s.ignore_disks ? json(*c.s.ignore_disks) : json()},
            {"backup", c.s.backup ? json(*c.s.backup) : json()},
            {"extra", c.s.extra},
            {"out-of-map", c.s.out_of_map}}},
          {"type", c.type},
          {"result", {{"variant", c.r.variant}, {"text", c.r.text}}},
          {"host-seed", c.host_seed}};
}

cim::Result<Case> case_from_json(const json& j) {
  try {
    Case c;
    auto combo = Combo::parse(j.at("combo").get<std::string>());
    if (!combo)
      return cim::invalid_parameter("case: unknown class combination " + j.at("combo").dump());
    c.combo = *combo;
    const json& col = j.at("collection");
    for (const json& m : col.at("members")) {
      VmSpec v;
      v.state = m.at("state").get<std::uint16_t>();
      v.checkpoint_type = m.at("checkpoint-type").get<std::uint16_t>();
      v.guest = m.at("guest").get<std::string>();
      v.disks = m.at("disks").get<std::vector<std::string>>();
      v.existing_snapshots = m.at("existing-snapshots").get<int>();
      v.at_limit = m.at("at-limit").get<bool>();
      v.transition_to = m.at("transition-to").get<std::uint16_t>();
      c.c.members.push_back(v);
    }
    c.c.nested_groups = col.at("nested-groups").get<int>();
    c.c.variant = col.at("variant").get<int>();
    c.c.text = col.at("text").get<std::string>();
    const json& s = j.at("settings");
    c.s.variant = s.at("variant").get<int>();
    c.s.wmi_dtd = s.at("wmi-dtd").get<bool>();
    c.s.consistency = opt<int>(s, "consistency");
    c.s.ignore_disks = opt<bool>(s, "ignore-disks");
    c.s.backup = opt<int>(s, "backup");
    c.s.extra = s.at("extra").get<std::string>();
    c.s.out_of_map = s.at("out-of-map").get<int>();
    c.type = j.at("type").get<std::uint16_t>();
    c.r.variant = j.at("result").at("variant").get<int>();
    c.r.text = j.at("result").at("text").get<std::string>();
    c.host_seed = j.at("host-seed").get<std::uint64_t>();
    return c;
  } catch (const json::exception& e) {
    return cim::invalid_parameter(std::string("case: ") + e.what());
  }
}

namespace {

// A ready member: running or off, any checkpoint type that can succeed.
VmSpec gen_ready_vm(const GenOptions& o) {
  VmSpec v;
  v.state = *genutil::pick<std::uint16_t>({2, 3});
  v.checkpoint_type = *genutil::pick<std::uint16_t>({3, 4, 5});
  if (o.fake_attributes) {
    // Production with fallback may meet a guest that cannot quiesce: still ready.
    v.guest = v.checkpoint_type == 3 ? *genutil::pick<std::string>({"ok", "ok", "fails", "absent"})
                                     : "ok";
    if (*rc::gen::inRange(0, 4) == 3) v.disks = {"vhdx", "vhds"};
  }
  v.existing_snapshots = *rc::gen::inRange(0, 2);
  return v;
}

// The parts of gen_case, split along its seams (decision 0088); they draw in the same
// order as before, so a seed still makes the same case. Collection: its members.
void gen_collection(Case& c, const Combo& combo, const GenOptions& o) {
  const int n = *rc::gen::inRange(1, o.max_members + 1);
  const std::size_t special = static_cast<std::size_t>(*rc::gen::inRange(0, n));
  switch (combo.c) {
    case CClass::kNull:
      c.c.variant = *rc::gen::inRange(0, 3);
      break;
    case CClass::kMalformed:
      c.c.variant = *rc::gen::inRange(0, 4);
      c.c.text = *genutil::pick<std::string>(
          {"", "garbage", "Msvm_VirtualSystemCollection.", "\\\\\\\\host", "CollectionID=\"x\"",
           "{}", "Msvm_VirtualSystemCollection.CollectionID=\"unterminated"});
      c.c.members = {gen_ready_vm(o)};
      break;
    case CClass::kForeignNs:
      c.c.variant = *rc::gen::inRange(0, 2);
      c.c.members = {gen_ready_vm(o)};
      break;
    case CClass::kWrongClass:
      c.c.variant = *rc::gen::inRange(0, 3);
      c.c.members = {gen_ready_vm(o)};
      break;
    case CClass::kMissing: {
      const auto hi = *rc::gen::arbitrary<std::uint64_t>();
      const auto lo = *rc::gen::arbitrary<std::uint64_t>();
      c.c.text = fmt::format("{:08X}-{:04X}-4{:03X}-8{:03X}-{:012X}", hi >> 32, (hi >> 16) & 0xFFFF,
                             hi & 0xFFF, lo >> 52, lo & 0xFFFFFFFFFFFFULL);
      break;
    }
    case CClass::kMgmt:
      c.c.nested_groups = *rc::gen::inRange(1, 3);
      for (int i = 0; i < c.c.nested_groups; ++i)
        c.c.members.push_back(gen_ready_vm(o));
      break;
    case CClass::kEmpty:
      break;
    case CClass::kReady: {
      // The members' power configuration (contract §2): all Running, all Off, all Saved
      // (a checkpoint type that works there, V4), or Running and Off together.
      const int count = combo.power == Power::kMixed ? std::max(n, 2) : n;
      for (int i = 0; i < count; ++i) {
        VmSpec v = gen_ready_vm(o);
        switch (combo.power) {
          case Power::kRunning:
            v.state = 2;
            break;
          case Power::kOff:
            v.state = 3;
            break;
          case Power::kSaved:
            v.state = 6;
            if (v.checkpoint_type == 4) v.checkpoint_type = 5;
            break;
          case Power::kMixed:
            if (i < 2) v.state = i == 0 ? 2 : 3;
            break;
          case Power::kAny:
            break;
        }
        c.c.members.push_back(v);
      }
      break;
    }
    default: {
      for (int i = 0; i < n; ++i)
        c.c.members.push_back(gen_ready_vm(o));
      VmSpec& s = c.c.members[special];
      switch (combo.c) {
        case CClass::kTransitional:
          s.transition_to = s.state == 2 ? *genutil::pick<std::uint16_t>({3, 6, 9}) : 2;
          break;
        case CClass::kDisabled:
          s.checkpoint_type = 2;
          break;
        case CClass::kAtLimit:
          s.existing_snapshots = *rc::gen::inRange(1, 3);
          s.at_limit = true;
          break;
        case CClass::kSaved:
          s.state = *genutil::pick<std::uint16_t>({6, 9});
          break;
        case CClass::kNonsnapDisk:
          s.disks = {"vhdx", *genutil::pick<std::string>({"passthrough", "fibre-channel"})};
          break;
        case CClass::kProdOnlyNovss:
          s.state = 2;
          s.checkpoint_type = 4;
          s.guest = *genutil::pick<std::string>({"fails", "absent"});
          break;
        default:
          break;
      }
    }
  }
}

// SnapshotSettings.
void gen_settings(Case& c, const Combo& combo) {
  c.s.wmi_dtd = *rc::gen::arbitrary<bool>();
  auto valid_values = [&] {
    c.s.consistency = maybe(rc::gen::inRange(0, 3));
    c.s.ignore_disks = maybe(rc::gen::arbitrary<bool>());
    c.s.backup = maybe(rc::gen::inRange(0, 3));
  };
  switch (combo.s) {
    case SClass::kNull:
      c.s.variant = *rc::gen::inRange(0, 2);
      break;
    case SClass::kValid:
    case SClass::kWrongClass:
      valid_values();
      break;
    case SClass::kOutOfMap:
      valid_values();
      c.s.variant = *rc::gen::inRange(0, 2);
      c.s.out_of_map = *rc::gen::oneOf(genutil::pick<int>({3, 255}), rc::gen::inRange(3, 256));
      break;
    case SClass::kMalformed:
      valid_values();
      c.s.variant = *rc::gen::inRange(0, 3);
      c.s.extra = *genutil::pick<std::string>(
          {"", "not xml", "<INSTANCE", "<<>>", "<INSTANCE CLASSNAME=\"x\"><PROPERTY>", "&amp;"});
      break;
    case SClass::kUnknownProp:
      valid_values();
      c.s.extra =
          *genutil::pick<std::string>({"Turbo", "SnapshotName", "Priority", "ConsistencyLevelX"});
      break;
    default:
      break;
  }
  if (combo.s == SClass::kWrongClass) {
    c.s.variant = *rc::gen::inRange(0, 2);
    c.s.extra = *genutil::pick<std::string>(
        {"Msvm_VirtualSystemReferencePointSettingData", "CIM_SettingData", "Foo"});
  }
  if (combo.s == SClass::kMalformed && c.s.variant == 0 && c.s.extra.empty()) c.s.extra = "not xml";
}

// SnapshotType and ResultingSnapshotCollection.
void gen_type_and_result(Case& c, const Combo& combo) {
  switch (combo.t) {
    case TClass::kZero:
      c.type = 0;
      break;
    case TClass::kStandard:
      c.type = 1;
      break;
    case TClass::kRecovery:
      c.type = 2;
      break;
    case TClass::kReserved:
      c.type = *in_class(3, 32767);
      break;
    case TClass::kVendor:
      c.type = *in_class(32768, 65535);
      break;
  }
  // ResultingSnapshotCollection.
  if (combo.r == RClass::kGarbage) {
    c.r.variant = *rc::gen::inRange(0, 3);
    c.r.text = *genutil::pick<std::string>(
        {"", "garbage", "Msvm_SnapshotCollection.CollectionID=\"nope\""});
  }
}

}  // namespace

rc::Gen<Case> gen_case(const Combo& combo, const GenOptions& o) {
  // Full-range values at every size: a matrix combination gets only a few cases, and each
  // must be able to land anywhere in its class (shrinking still heads for small values).
  return rc::gen::resize(100, rc::gen::exec([combo, o] {
                           Case c;
                           c.combo = combo;
                           c.host_seed = *rc::gen::arbitrary<std::uint64_t>();
                           gen_collection(c, combo, o);
                           gen_settings(c, combo);
                           gen_type_and_result(c, combo);
                           return c;
                         }));
}

}  // namespace hvsnap::conformance
