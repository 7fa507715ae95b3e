// The oracle of contract §4: allowed outcomes per class (the table and its "several invalid
// classes" row). The checks of CS-INV-1..9 over a call's observable effects are
// oracle_call.cpp's (judge) and oracle_job.cpp's (the job and what was read).
#include "hvsnap/conformance/model/oracle.h"

#include <algorithm>

#include "hvsnap/cim/codes.h"

namespace hvsnap::conformance::model {

namespace {

// One row of the §4 table as it applies to one parameter.
struct Row {
  std::string_view check;
  std::set<std::uint32_t> codes;
  bool any_failure = false;
  bool fault = false;
  bool job_failure = false;
  std::uint8_t success = kNoSuccess;
  bool warn_on_success = false;
  bool invalid = true;  // constrains the outcome (C-READY and valid S/T do not)
  bool not_applicable = false;
};

// Classes whose Collection names an existing group: a host may refuse to snapshot it as it
// stands (Not Supported with no change; O1..O3, O5).
bool names_a_group(CClass c) {
  switch (c) {
    case CClass::kNull:
    case CClass::kMalformed:
    case CClass::kForeignNs:
    case CClass::kWrongClass:
    case CClass::kMissing:
      return false;
    default:
      return true;
  }
}

Row c_row(const CallClasses& k, const Declarations& d) {
  switch (k.c) {
    case CClass::kNull:
    case CClass::kMalformed:
    case CClass::kForeignNs:
      return {.check = "out1.bad-reference", .codes = {4, 32773}, .fault = true};
    case CClass::kWrongClass:
      return {.check = "out2.wrong-class", .codes = {4, 6, 32773, 32776}, .fault = true};
    case CClass::kMissing:
      return {.check = "out3.missing", .codes = {4, 32773}, .fault = true};
    case CClass::kMgmt:
      if (d.recursive_management_collections)
        return {.check = "out8.management-collection", .success = kRecursive};
      return {.check = "out8.management-collection",
              .codes = {1, 4, 6, 32770, 32773},
              .success = kRecursive,
              .not_applicable = true};
    case CClass::kEmpty:
      return {.check = "out9.empty-group", .codes = {4, 5, 32773, 32775}, .success = kEmpty};
    case CClass::kReady:
      return {.success = kNormal, .invalid = false};
    case CClass::kTransitional:
      return {.check = "out10.transitional", .codes = {5, 32775}, .job_failure = true};
    case CClass::kDisabled:
    case CClass::kAtLimit:
    case CClass::kProdOnlyNovss:
      return {.check = "out11.member-cannot-snapshot", .codes = {5, 32775}, .job_failure = true};
    case CClass::kSaved:
      // A recovery snapshot of a Saved/Paused VM is AMB-6; a standard one has no row at all:
      // either way failure with no change or success are both accepted.
      return {.check = k.t == TClass::kRecovery ? "out13.recovery-of-saved" : "",
              .any_failure = true,
              .job_failure = true,
              .success = kNormal};
    case CClass::kNonsnapDisk:
      if (k.ignore_nonsnapshottable_disks)
        return {.check = "out12.non-snapshottable-disk", .success = kNormal};
      return {.check = "out12.non-snapshottable-disk", .any_failure = true, .job_failure = true};
  }
  return {};
}

std::optional<Row> s_row(SClass s) {
  switch (s) {
    case SClass::kOutOfMap:
    case SClass::kMalformed:
    case SClass::kWrongClass:
      return Row{.check = "out6.bad-settings", .codes = {4, 6, 32773, 32776}, .job_failure = true};
    case SClass::kUnknownProp:
      return Row{.check = "out7.unknown-property",
                 .codes = {4, 32773},
                 .job_failure = true,
                 .success = kAnyShape,
                 .warn_on_success = true};
    default:
      return std::nullopt;
  }
}

std::optional<Row> t_row(TClass t) {
  switch (t) {
    case TClass::kZero:
    case TClass::kReserved:
      return Row{.check = "out4.type-reserved", .codes = {4, 6, 32773, 32776}, .job_failure = true};
    case TClass::kVendor:
      // A vendor type may be one the host knows (M6: 32768 Recovery, 34818 Automatic).
      return Row{.check = "out5.type-vendor",
                 .codes = {1, 4, 6, 32770, 32773, 32776},
                 .job_failure = true,
                 .success = kNormal};
    default:
      return std::nullopt;
  }
}

}  // namespace

bool is_failure_code(std::uint32_t code) {
  return (code >= 1 && code <= 6) || (code >= 32768 && code <= 65535);
}

bool in_return_range(std::uint32_t code) {
  return code <= 6 || code == cim::ReturnCode::kJobStarted || (code >= 32768 && code <= 65535);
}

bool is_reserved_job_control_code(std::uint32_t code) {
  return (code >= 7 && code <= 4095) || (code >= 4100 && code <= 32767) || code > 65535;
}

bool is_not_supported(std::uint32_t code) {
  return code == cim::ReturnCode::kNotSupported || code == cim::ReturnCode::kMsvmNotSupported;
}

bool Allowed::allows_code(std::uint32_t code) const {
  if (codes.count(code)) return true;
  if (any_failure_code && is_failure_code(code)) return true;
  // A vendor code beyond the documented table (32783 Reboot required, 32789 Object not found,
  // unknown ones) is a legal failure wherever a failure code is (C2, C3): the host's meaning
  // cannot be told from the value.
  return (!codes.empty() || any_failure_code) && code > cim::ReturnCode::kMsvmFileNotFound &&
         code <= 65535;
}

std::string Allowed::describe() const {
  std::vector<std::string> parts;
  if (any_failure_code) parts.emplace_back("any failure code");
  if (!codes.empty() && !any_failure_code) {
    std::string c;
    for (auto code : codes)
      c += (c.empty() ? "" : ", ") + std::to_string(code);
    parts.push_back(c + ", a vendor code above 32779");
  }
  if (fault) parts.emplace_back("a transport fault");
  if (job_failure) parts.emplace_back("a job that fails with no change");
  if (success & kNormal) parts.emplace_back(warn_on_success ? "success (tolerated)" : "success");
  if (success & kEmpty) parts.emplace_back("success with an empty collection");
  if (success & kRecursive) parts.emplace_back("a snapshot of every nested VM");
  if (transient) parts.emplace_back("transient 2/3/32768/32772 or a failing job");
  if (refusal) parts.emplace_back("a refusal (Not Supported, no change)");
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    out += (i == 0 ? "" : (i + 1 == parts.size() ? " or " : ", ")) + parts[i];
  }
  return out.empty() ? "nothing" : out;
}

Allowed allowed_outcomes(const CallClasses& k, const Declarations& d) {
  std::vector<Row> rows{c_row(k, d)};
  for (CClass more : k.more_c) {
    CallClasses other = k;
    other.c = more;
    rows.push_back(c_row(other, d));
  }
  if (auto s = s_row(k.s)) rows.push_back(*s);
  if (auto t = t_row(k.t)) rows.push_back(*t);
  Allowed a;
  a.transient = d.transient_failures;
  a.refusal = names_a_group(k.c);
  // ResultingSnapshotCollection on input may be refused by the transport (O6).
  const bool fault_for_r = k.result_given;
  std::vector<const Row*> invalid;
  for (const Row& r : rows) {
    if (r.invalid) invalid.push_back(&r);
  }
  a.success = kAnyShape;
  for (const Row& r : rows)
    a.success &= r.success;
  if (invalid.empty()) {
    a.check = "out14.ready-succeeds";  // C-READY with valid S and T
    a.success = kNormal;
    a.fault = fault_for_r;
    return a;
  }
  for (const Row* r : invalid) {
    a.codes.insert(r->codes.begin(), r->codes.end());
    a.any_failure_code |= r->any_failure;
    a.fault |= r->fault;
    a.job_failure |= r->job_failure;
    a.warn_on_success |= r->warn_on_success;
  }
  a.fault |= fault_for_r;
  if (invalid.size() == 1) {
    a.check = std::string(invalid.front()->check);
    a.declared_not_applicable = invalid.front()->not_applicable;
  } else {
    a.check = "out15.several-invalid";
  }
  return a;
}

Allowed either(const Allowed& a, const Allowed& b) {
  Allowed out = a;
  out.codes.insert(b.codes.begin(), b.codes.end());
  out.any_failure_code |= b.any_failure_code;
  out.fault |= b.fault;
  out.job_failure |= b.job_failure;
  out.success |= b.success;
  out.transient |= b.transient;
  out.refusal |= b.refusal;
  return out;
}

bool allow_finished_transitions(Expectation& e, const HostView& after, const Declarations& d) {
  std::vector<CClass> all{e.classes.c};
  all.insert(all.end(), e.classes.more_c.begin(), e.classes.more_c.end());
  if (std::find(all.begin(), all.end(), CClass::kTransitional) == all.end()) return false;
  bool saved = false;
  for (const auto& vm : e.members) {
    auto it = after.vms.find(vm);
    if (it == after.vms.end() || cim::EnabledState(it->second.state).is_transitional())
      return false;
    saved = saved || cim::EnabledState(it->second.state).is_saved();
  }
  std::vector<CClass> post;
  for (CClass c : all) {
    if (c != CClass::kTransitional) post.push_back(c);
  }
  if (saved && std::find(post.begin(), post.end(), CClass::kSaved) == post.end())
    post.push_back(CClass::kSaved);
  if (post.empty()) post.push_back(CClass::kReady);
  CallClasses k = e.classes;
  k.c = post.front();
  k.more_c.assign(post.begin() + 1, post.end());
  e.allowed = either(e.allowed, allowed_outcomes(k, d));
  return true;
}

}  // namespace hvsnap::conformance::model
