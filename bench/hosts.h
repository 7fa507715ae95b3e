// Hosts the benchmarks share: groups of four running VMs, with snapshot history.
#pragma once

#include <string>

#include "hvsnap/cim/names.h"
#include "hvsnap/cim/object_path.h"
#include "hvsnap/sim/host.h"
#include "hvsnap/sim/rng.h"

namespace hvsnap::bench {

namespace names = cim::names;

// A host of `groups` groups of four running VMs, each group already holding
// `collections_per_group` snapshot collections (four snapshots each).
inline sim::HostState make_state(int groups, int collections_per_group) {
  sim::HostState s = sim::HostState::with_seed(1);
  s.timing.auto_advance_ms = 0;  // the benchmark moves time explicitly
  sim::Rng rng(99);
  s.vms.reserve(static_cast<std::size_t>(groups) * 4);
  for (int g = 0; g < groups; ++g) {
    sim::Group group;
    group.id = rng.guid();
    group.name = "group-" + std::to_string(g);
    for (int v = 0; v < 4; ++v) {
      sim::Vm vm;
      vm.id = rng.guid();
      vm.name = "vm-" + std::to_string(g) + "-" + std::to_string(v);
      vm.state = sim::VmState::kRunning;
      vm.target = sim::VmState::kRunning;  // not moving (a dump spells it out)
      vm.checkpoint_type = sim::CheckpointType::kStandard;
      vm.checkpoint_limit = 1u << 30;
      group.members.push_back(vm.id);
      s.vms.push_back(std::move(vm));
    }
    for (int c = 0; c < collections_per_group; ++c) {
      sim::SnapshotCollection coll;
      coll.id = rng.guid();
      coll.name = group.name + " - " + std::to_string(c);
      coll.group = group.id;
      for (int v = 0; v < 4; ++v) {
        sim::Vm& vm = s.vms[s.vms.size() - 4 + static_cast<std::size_t>(v)];
        sim::Snapshot snap;
        snap.id = rng.guid();
        snap.vm = vm.id;
        snap.parent = vm.most_current;
        snap.name = vm.name + " - " + std::to_string(c);
        snap.collection = coll.id;
        vm.most_current = snap.id;
        vm.snapshots.push_back(snap.id);
        coll.members.push_back(snap.id);
        s.snapshots.push_back(std::move(snap));
      }
      group.snapshot_collections.push_back(coll.id);
      s.snapshot_collections.push_back(std::move(coll));
    }
    s.groups.push_back(std::move(group));
  }
  return s;
}

inline cim::ObjectPath group_path(const sim::Guid& id) {
  cim::ObjectPath p{std::string(names::kNamespace), std::string(names::kVmGroup)};
  p.add_key("CollectionID", id.to_string());
  return p;
}

}  // namespace hvsnap::bench
