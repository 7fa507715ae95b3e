// The mutant family "reference": what the target hands out must name objects that exist, by
// their full key set, and a snapshot must name its own VM (CS-READ-2). The one table in
// catalogue.cpp registers each.
#include "families.h"
#include "helpers.h"

namespace hvsnap::tools::mutants {

namespace {

bool is_snapshot(const cim::Instance& i) {
  if (!is_class(i, names::kVssd)) return false;
  const std::string type = i.get_string("VirtualSystemType");
  return type == names::kTypeSnapshotRealized || type == names::kTypeSnapshotRecovery;
}

// CS-READ-2: a snapshot's Parent holds the parent's bare InstanceID ("Microsoft:…"), not the
// object path of the parent snapshot.
class ParentAsInstanceId final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  bool rewrite(cim::Instance& i, const ReadContext&) override {
    if (!is_class(i, names::kVssd)) return true;
    auto p = cim::ObjectPath::parse(i.get_string("Parent"));
    if (!p.ok()) return true;
    if (const cim::Key* k = p->key("InstanceID")) i.set("Parent", cim::Value::string(k->value));
    return true;
  }
};

// CS-READ-2: the snapshots an association reaches are handed out by a path without their
// InstanceID key (an endpoint reference without its selectors).
class SnapshotPathWithoutKey final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  bool rewrite(cim::Instance& i, const ReadContext& ctx) override {
    if (ctx.kind != ReadContext::Kind::kAssociators || !is_snapshot(i)) return true;
    i.set_path(cim::ObjectPath(cim::Name(i.path().name_space()), cim::Name(i.class_name())));
    return true;
  }
};

// CS-READ-2: a snapshot reachable by association and enumeration is not found by a Get of its
// own path.
class GetDoesNotFind final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  void after_get(const cim::ObjectPath& path, cim::Result<cim::Instance>& r) override {
    if (r.ok() && is_snapshot(*r)) r = cim::not_found(path.to_string());
  }
};

// CS-READ-2: a snapshot's VirtualSystemIdentifier holds the snapshot's own GUID instead of
// its VM's.
class VssdNamesSnapshot final : public Mutant {
 public:
  using Mutant::Mutant;

 protected:
  bool rewrite(cim::Instance& i, const ReadContext&) override {
    if (!is_snapshot(i)) return true;
    std::string id = i.get_string("InstanceID");
    if (const auto colon = id.find(':'); colon != std::string::npos) id = id.substr(colon + 1);
    i.set("VirtualSystemIdentifier", cim::Value::string(id));
    return true;
  }
};

}  // namespace

ProviderPtr make_parent_as_instance_id(HostPtr host) {
  return std::make_shared<ParentAsInstanceId>(std::move(host));
}
ProviderPtr make_snapshot_path_without_key(HostPtr host) {
  return std::make_shared<SnapshotPathWithoutKey>(std::move(host));
}
ProviderPtr make_get_does_not_find(HostPtr host) {
  return std::make_shared<GetDoesNotFind>(std::move(host));
}
ProviderPtr make_vssd_names_snapshot(HostPtr host) {
  return std::make_shared<VssdNamesSnapshot>(std::move(host));
}

}  // namespace hvsnap::tools::mutants
