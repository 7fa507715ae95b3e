// Generation of stateful sequences (contract §5): Step's JSON form, and the RapidCheck model
// (rc::state) the steps are drawn from. The model follows the sequence harness's topology —
// three VMs (seq-vm-0 and -1 Running, -2 Off), groups {0, 1}, {1, 2}, {2} — its membership, the
// VMs' states and how many snapshot collections the sequence has made, so that a command is only
// generated (and kept while shrinking) where its preconditions hold: DestroySnapshot and
// ApplySnapshot need a collection, AddMember a VM outside the group, RemoveMember one inside, a
// state change another state. `show` prints each step as the WMI call a person could replay.
#include <fmt/format.h>
#include <rapidcheck/state.h>

#include <algorithm>
#include <array>
#include <ostream>
#include <set>

#include "gen_util.h"
#include "hvsnap/conformance/sequences.h"

namespace hvsnap::conformance {

using nlohmann::json;

namespace {

constexpr std::string_view kKindNames[] = {
    "create",     "create-pair",   "cancel",       "destroy", "apply",
    "add-member", "remove-member", "state-change", "advance", "poll"};

constexpr int kGroups = 3;
constexpr int kVms = 3;

struct GenModel {
  bool clock = false;
  std::array<std::set<int>, kGroups> members{{{0, 1}, {1, 2}, {2}}};
  std::array<std::uint16_t, kVms> states{2, 2, 3};
  int collections = 0;  // made by the sequence, assuming its calls succeed
};
struct NoSut {};
using Cmd = rc::state::Command<GenModel, NoSut>;

std::string state_name(std::uint16_t s) {
  switch (s) {
    case 2:
      return "2 (Running)";
    case 3:
      return "3 (Off)";
    case 6:
      return "6 (Saved)";
    case 9:
      return "9 (Paused)";
    case 4:
      return "4 (Terminate)";
    case 5:
      return "5 (Kill)";
    default:
      return std::to_string(s);
  }
}

std::string settings_text(const Step& s) {
  switch (s.s) {
    case SClass::kNull:
      return "";
    case SClass::kEmpty:
      return ", SnapshotSettings=\"\"";
    default: {
      std::string p;
      if (s.settings.consistency) p += fmt::format(" ConsistencyLevel={}", *s.settings.consistency);
      if (s.settings.ignore_disks)
        p += fmt::format(" IgnoreNonSnapshottableDisks={}", *s.settings.ignore_disks);
      if (s.settings.backup) p += fmt::format(" GuestBackupType={}", *s.settings.backup);
      return fmt::format(", SnapshotSettings=<Msvm_VirtualSystemSnapshotSettingData{} ({})>", p,
                         s.settings.wmi_dtd ? "WMI DTD 2.0" : "CIM DTD 2.0");
    }
  }
}

std::string create_call(int group, std::uint16_t type, const std::string& settings) {
  return fmt::format(
      "Msvm_CollectionSnapshotService.CreateSnapshot(Collection=seq-group-{}{}, SnapshotType={})",
      group, settings, type);
}

struct StepCmd : Cmd {
  Step step;
  void run(const GenModel&, NoSut&) const override {}
  void show(std::ostream& os) const override { os << describe(step); }
};

void valid_settings(Step& s) {
  s.s = *genutil::pick<SClass>({SClass::kNull, SClass::kEmpty, SClass::kValid});
  if (s.s == SClass::kValid) {
    s.settings.wmi_dtd = *rc::gen::arbitrary<bool>();
    s.settings.consistency = *genutil::uniform(0, 3);
    s.settings.ignore_disks = *rc::gen::arbitrary<bool>();
    s.settings.backup = *genutil::uniform(0, 3);
  }
}

struct CreateCmd : StepCmd {
  explicit CreateCmd(const GenModel&) {
    step.kind = StepKind::kCreate;
    step.a = *genutil::uniform(0, kGroups);
    step.type = *genutil::pick<std::uint16_t>({1, 1, 2});
    valid_settings(step);
  }
  void apply(GenModel& m) const override {
    if (!m.members[static_cast<std::size_t>(step.a)].empty()) ++m.collections;
  }
};
struct PairCmd : StepCmd {
  explicit PairCmd(const GenModel&) {
    step.kind = StepKind::kCreatePair;
    step.a = *genutil::uniform(0, kGroups);
    step.b = *genutil::uniform(0, kGroups);
  }
  // Groups that share a VM may serialise or refuse one call (CS-SEQ-6): at least one lands.
  void apply(GenModel& m) const override {
    if (!m.members[static_cast<std::size_t>(step.a)].empty() ||
        !m.members[static_cast<std::size_t>(step.b)].empty())
      ++m.collections;
  }
};
struct CancelCmd : StepCmd {
  explicit CancelCmd(const GenModel&) {
    step.kind = StepKind::kCancel;
    step.a = *genutil::uniform(0, kGroups);
    step.type = *genutil::pick<std::uint16_t>({4, 5});
    step.ms = *genutil::pick<std::int64_t>({0, 100, 300});
  }
  void apply(GenModel&) const override {}  // cancelled, or finished: nothing to count on
};
struct DestroyCmd : StepCmd {
  explicit DestroyCmd(const GenModel& m) {
    step.kind = StepKind::kDestroy;
    step.a = m.collections > 0 ? *genutil::uniform(0, m.collections) : 0;
  }
  void checkPreconditions(const GenModel& m) const override {
    const bool exists = m.collections > 0 && step.a < m.collections;
    RC_PRE(exists);
  }
  void apply(GenModel& m) const override { --m.collections; }
};
struct ApplyCmd : StepCmd {
  explicit ApplyCmd(const GenModel& m) {
    step.kind = StepKind::kApply;
    step.a = m.collections > 0 ? *genutil::uniform(0, m.collections) : 0;
  }
  void checkPreconditions(const GenModel& m) const override {
    const bool exists = m.collections > 0 && step.a < m.collections;
    RC_PRE(exists);
  }
  void apply(GenModel&) const override {}
};
struct MemberCmd : StepCmd {
  explicit MemberCmd(const GenModel&) {
    step.kind = *genutil::pick<StepKind>({StepKind::kAddMember, StepKind::kRemoveMember});
    step.a = *genutil::uniform(0, kVms);
    step.b = *genutil::uniform(0, kGroups);
  }
  void checkPreconditions(const GenModel& m) const override {
    const bool inside = m.members[static_cast<std::size_t>(step.b)].count(step.a) != 0;
    const bool fits = step.kind == StepKind::kAddMember ? !inside : inside;
    RC_PRE(fits);
  }
  void apply(GenModel& m) const override {
    auto& g = m.members[static_cast<std::size_t>(step.b)];
    if (step.kind == StepKind::kAddMember) {
      g.insert(step.a);
    } else {
      g.erase(step.a);
    }
  }
};
struct StateCmd : StepCmd {
  explicit StateCmd(const GenModel&) {
    step.kind = StepKind::kStateChange;
    step.a = *genutil::uniform(0, kVms);
    step.type = *genutil::pick<std::uint16_t>({2, 3, 6, 9});
    step.wait = *genutil::pick<bool>({true, true, false});
  }
  void checkPreconditions(const GenModel& m) const override {
    const bool other = m.states[static_cast<std::size_t>(step.a)] != step.type;
    RC_PRE(other);
  }
  void apply(GenModel& m) const override { m.states[static_cast<std::size_t>(step.a)] = step.type; }
};
struct AdvanceCmd : StepCmd {
  explicit AdvanceCmd(const GenModel&) {
    step.kind = StepKind::kAdvance;
    step.ms = *genutil::pick<std::int64_t>({1000, 60'000, 400'000});
  }
  void checkPreconditions(const GenModel& m) const override {
    const bool clock = m.clock;  // a live host's time cannot be moved
    RC_PRE(clock);
  }
  void apply(GenModel&) const override {}
};
struct PollCmd : StepCmd {
  explicit PollCmd(const GenModel&) { step.kind = StepKind::kPoll; }
  void apply(GenModel&) const override {}
};

}  // namespace

std::string describe(const Step& s) {
  switch (s.kind) {
    case StepKind::kCreate:
      return create_call(s.a, s.type, settings_text(s));
    case StepKind::kCreatePair:
      return fmt::format("{} and, at once, {}; then both jobs", create_call(s.a, 1, ""),
                         create_call(s.b, 1, ""));
    case StepKind::kCancel:
      return fmt::format(
          "{}; after {} ms, Msvm_ConcreteJob(its Job).RequestStateChange(RequestedState={})",
          create_call(s.a, 1, ""), s.ms, state_name(s.type));
    case StepKind::kDestroy:
      return fmt::format(
          "Msvm_CollectionSnapshotService.DestroySnapshot(AffectedSnapshotCollection=the "
          "sequence's snapshot collection #{})",
          s.a);
    case StepKind::kApply:
      return fmt::format(
          "Msvm_CollectionSnapshotService.ApplySnapshot(SnapshotCollection=the sequence's "
          "snapshot collection #{})",
          s.a);
    case StepKind::kAddMember:
    case StepKind::kRemoveMember:
      return fmt::format(
          "Msvm_CollectionManagementService.{}(Member=seq-vm-{}, Collection=seq-group-{})",
          s.kind == StepKind::kAddMember ? "AddMember" : "RemoveMember", s.a, s.b);
    case StepKind::kStateChange:
      return fmt::format("Msvm_ComputerSystem(seq-vm-{}).RequestStateChange(RequestedState={}){}",
                         s.a, state_name(s.type), s.wait ? "" : ", not waited for");
    case StepKind::kAdvance:
      return fmt::format("(let {} ms pass, then read the ended jobs)", s.ms);
    case StepKind::kPoll:
      return "(read every job and the host)";
  }
  return "?";
}

json Step::to_json() const {
  json j{{"kind", kKindNames[static_cast<std::size_t>(kind)]},
         {"a", a},
         {"b", b},
         {"type", type},
         {"wait", wait},
         {"ms", ms},
         {"settings-class", std::string(conformance::to_string(s))}};
  if (s == SClass::kValid) {
    j["settings"] = {
        {"wmi-dtd", settings.wmi_dtd},
        {"consistency", settings.consistency ? json(*settings.consistency) : json()},
        {"ignore-disks", settings.ignore_disks ? json(*settings.ignore_disks) : json()},
        {"backup", settings.backup ? json(*settings.backup) : json()}};
  }
  return j;
}

cim::Result<Step> Step::from_json(const json& j) {
  try {
    Step s;
    const std::string kind = j.at("kind").get<std::string>();
    const auto it = std::find(std::begin(kKindNames), std::end(kKindNames), kind);
    if (it == std::end(kKindNames))
      return cim::invalid_parameter("step: unknown kind '" + kind + "'");
    s.kind = static_cast<StepKind>(it - std::begin(kKindNames));
    s.a = j.at("a").get<int>();
    s.b = j.at("b").get<int>();
    s.type = j.at("type").get<std::uint16_t>();
    s.wait = j.at("wait").get<bool>();
    s.ms = j.at("ms").get<std::int64_t>();
    auto sc = parse_s(j.at("settings-class").get<std::string>());
    if (!sc) return cim::invalid_parameter("step: unknown settings class");
    s.s = *sc;
    if (j.contains("settings")) {
      const json& st = j.at("settings");
      s.settings.wmi_dtd = st.at("wmi-dtd").get<bool>();
      if (!st.at("consistency").is_null()) s.settings.consistency = st.at("consistency").get<int>();
      if (!st.at("ignore-disks").is_null())
        s.settings.ignore_disks = st.at("ignore-disks").get<bool>();
      if (!st.at("backup").is_null()) s.settings.backup = st.at("backup").get<int>();
    }
    return s;
  } catch (const json::exception& e) {
    return cim::invalid_parameter(std::string("step: ") + e.what());
  }
}

rc::Gen<std::vector<Step>> gen_sequence(bool clock_control, int max_steps) {
  return rc::gen::exec([clock_control, max_steps] {
    GenModel initial;
    initial.clock = clock_control;
    const auto commands = *rc::gen::resize(
        max_steps,
        rc::state::gen::commands(
            initial, rc::state::gen::execOneOfWithArgs<CreateCmd, CreateCmd, CreateCmd, PairCmd,
                                                       CancelCmd, DestroyCmd, ApplyCmd, MemberCmd,
                                                       StateCmd, StateCmd, AdvanceCmd, PollCmd>()));
    std::vector<Step> out;
    out.reserve(commands.size());
    for (const auto& c : commands)
      out.push_back(static_cast<const StepCmd&>(*c).step);
    return out;
  });
}

}  // namespace hvsnap::conformance
