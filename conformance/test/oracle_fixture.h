// Test helpers shared by the oracle's tests (oracle_test, oracle_real_hosts_test): the verdict
// of one check among findings, a host view built by hand, the host before and after a correct
// success, the expectation of a ready group, and a call's return value.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hvsnap/cim/names.h"
#include "hvsnap/conformance/model/oracle.h"

namespace hvsnap::conformance::model::oracle_fixture {

namespace names = cim::names;

inline Verdict verdict_of(const Findings& fs, std::string_view check) {
  for (const auto& f : fs) {
    if (f.check == check) return f.verdict;
  }
  return Verdict::kNotTested;
}

struct Host {
  HostView v;
  Host& vm(const std::string& id, std::uint16_t state, std::vector<std::string> snaps = {},
           std::string current = "") {
    VmView x;
    x.id = id;
    x.state = state;
    x.snapshots = {snaps.begin(), snaps.end()};
    x.most_current = current;
    v.vms[id] = x;
    return *this;
  }
  Host& snap(const std::string& id, const std::string& vm, const std::string& parent = "",
             std::string type = std::string(names::kTypeSnapshotRealized)) {
    v.snapshots[id] = SnapView{id, vm, std::move(type), parent};
    return *this;
  }
  Host& group(const std::string& id, std::set<std::string> members,
              std::set<std::string> collections = {}) {
    GroupView g;
    g.id = id;
    g.members = std::move(members);
    g.collections = std::move(collections);
    v.groups[id] = g;
    return *this;
  }
  Host& coll(const std::string& id, std::set<std::string> members) {
    CollectionView c;
    c.id = id;
    c.members = std::move(members);
    v.collections[id] = c;
    v.all_collections.insert(id);
    return *this;
  }
};

// Before: a group G of V1 (with snapshot A) and V2; a sentinel group X of V3 with collection C0.
inline Host before() {
  Host h;
  h.vm("V1", 2, {"A"}, "A").snap("A", "V1").vm("V2", 3).vm("V3", 2, {"Z"}, "Z").snap("Z", "V3");
  h.group("G", {"V1", "V2"}).group("X", {"V3"}, {"C0"}).coll("C0", {"Z"});
  return h;
}

// After a correct success: S holds B (V1, child of A) and D (V2, a root).
inline Host success() {
  Host h = before();
  h.vm("V1", 2, {"A", "B"}, "B").snap("B", "V1", "A").vm("V2", 3, {"D"}, "D").snap("D", "V2");
  h.group("G", {"V1", "V2"}, {"S"}).coll("S", {"B", "D"});
  return h;
}

inline Expectation ready() {
  Expectation e;
  e.classes = {CClass::kReady, {}, SClass::kNull, TClass::kStandard, false};
  e.allowed = allowed_outcomes(e.classes, {});
  e.group = "G";
  e.members = {"V1", "V2"};
  e.inside = {"G", "V1", "V2"};
  return e;
}

inline CallOutcome returned(std::uint32_t rv) {
  CallOutcome o;
  o.return_value = rv;
  return o;
}

}  // namespace hvsnap::conformance::model::oracle_fixture
