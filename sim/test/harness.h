// Test helpers for the fake: build a host from inline YAML and drive it the way a WMI client
// would (paths from enumeration, methods through invoke_method, jobs by polling).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "hvsnap/cim/cimxml.h"
#include "hvsnap/cim/codes.h"
#include "hvsnap/cim/names.h"
#include "hvsnap/cim/text.h"
#include "hvsnap/fixtures/host_yaml.h"
#include "hvsnap/sim/host.h"

namespace hvsnap::sim::testing {

namespace names = cim::names;

inline std::unique_ptr<Host> make_host(const std::string& yaml) {
  auto state = fixtures::load_host_yaml(yaml, "test.yaml");
  if (!state.ok()) {
    ADD_FAILURE() << state.status().to_string();
    return nullptr;
  }
  auto host = Host::create(std::move(state).value());
  if (!host.ok()) {
    ADD_FAILURE() << host.status().to_string();
    return nullptr;
  }
  return std::move(host).value();
}

inline cim::ObjectPath service_path(std::string_view cls) {
  return cim::ObjectPath(std::string(names::kNamespace), std::string(cls));
}

// The path of the instance of `cls` whose ElementName is `name`.
inline cim::ObjectPath find(cim::Provider& p, std::string_view cls, std::string_view name) {
  auto all = p.enumerate_instances(names::kNamespace, cls);
  EXPECT_TRUE(all.ok()) << all.status().to_string();
  if (all.ok()) {
    for (const auto& i : *all) {
      if (i.get_string("ElementName") == name) return i.path();
    }
  }
  ADD_FAILURE() << "no " << cls << " named " << name;
  return {};
}

inline cim::ObjectPath group(cim::Provider& p, std::string_view name) {
  return find(p, names::kVmGroup, name);
}
inline cim::ObjectPath vm(cim::Provider& p, std::string_view name) {
  return find(p, names::kComputerSystem, name);
}

inline cim::PropertyList create_args(const cim::ObjectPath& collection, std::uint16_t type,
                                     std::optional<std::string> settings = std::nullopt) {
  cim::PropertyList in;
  cim::set(in, "Collection", cim::Value::reference(collection));
  cim::set(in, "SnapshotType", cim::Value::uint16(type));
  if (settings) cim::set(in, "SnapshotSettings", cim::Value::string(*settings));
  return in;
}

inline cim::MethodResult invoke(cim::Provider& p, std::string_view cls, std::string_view method,
                                const cim::PropertyList& in) {
  auto r = p.invoke_method(service_path(cls), method, in);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? *r : cim::MethodResult{0xFFFFFFFF, {}};
}

inline cim::MethodResult create_snapshot(cim::Provider& p, const cim::ObjectPath& collection,
                                         std::uint16_t type = 1,
                                         std::optional<std::string> settings = std::nullopt) {
  return invoke(p, names::kCollectionSnapshotService, "CreateSnapshot",
                create_args(collection, type, std::move(settings)));
}

inline cim::ObjectPath job_of(const cim::MethodResult& r) {
  const cim::Value* j = r.get("Job");
  if (j == nullptr || j->as_reference() == nullptr) {
    ADD_FAILURE() << "no Job out-parameter";
    return {};
  }
  return *j->as_reference();
}

// Polls until the job is terminal (or vanished, returning 0); fails after `max_polls`.
inline std::uint16_t wait_job(cim::Provider& p, const cim::ObjectPath& job, int max_polls = 1000) {
  for (int i = 0; i < max_polls; ++i) {
    auto inst = p.get_instance(job);
    if (!inst.ok()) return 0;
    const auto state = static_cast<std::uint16_t>(inst->get_uint("JobState").value_or(0));
    if (cim::JobState(state).is_terminal()) return state;
  }
  ADD_FAILURE() << "job did not finish in " << max_polls << " polls";
  return 0;
}

inline std::vector<cim::Instance> assoc(cim::Provider& p, const cim::ObjectPath& from,
                                        std::string_view assoc_class,
                                        std::string_view result_class = "") {
  auto r = p.associators(from, {std::string(assoc_class), std::string(result_class), "", ""});
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? *r : std::vector<cim::Instance>{};
}

inline std::string settings_xml(int consistency, bool ignore_disks, int backup,
                                cim::XmlDtd dtd = cim::XmlDtd::kCim20) {
  cim::Instance s{std::string(names::kSnapshotSettings)};
  s.set("ConsistencyLevel", cim::Value::uint8(static_cast<std::uint8_t>(consistency)));
  s.set("IgnoreNonSnapshottableDisks", cim::Value::boolean(ignore_disks));
  s.set("GuestBackupType", cim::Value::uint8(static_cast<std::uint8_t>(backup)));
  return cim::format_embedded_instance(s, dtd);
}

inline constexpr const char* kMinimal = R"(
schema: 1
host: HV-TEST
seed: 7
vms:
  - {name: vm-a, state: running}
  - {name: vm-b, state: running}
groups:
  - {name: g1, members: [vm-a, vm-b]}
)";

}  // namespace hvsnap::sim::testing

namespace hvsnap::sim::testing {

// What a failed call must leave untouched (CS-INV-3), read from the fake's own state.
struct Observable {
  std::vector<Vm> vms;
  std::vector<Group> groups;
  std::vector<Snapshot> snapshots;
  std::vector<SnapshotCollection> collections;
  std::size_t jobs = 0;
  friend bool operator==(const Observable&, const Observable&) = default;
};

inline Observable observe(Host& host) {
  HostState s = host.control().dump();
  return Observable{s.vms, s.groups, s.snapshots, s.snapshot_collections, s.jobs.size()};
}

}  // namespace hvsnap::sim::testing
