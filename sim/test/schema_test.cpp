// Schema fidelity (contract §1, decision 0014): what the fake actually serves, read the way a
// client reads it, diffed against the project's schema table for several host builds —
// every property of a served class present, in the table's order, with the declared CIM type
// (nulls too) and keys; values inside the value maps; every declared method present, the
// modelled ones reading and writing declared parameters of the declared types, the rest
// answering Not Supported; return codes inside each method's return map.
#include <fmt/format.h>

#include <set>

#include "harness.h"
#include "hvsnap/cim/schema_table.h"

namespace hvsnap::sim::testing {
namespace {

namespace schema = cim::schema;
using cim::Value;

std::string host_yaml(std::uint32_t build) {
  return fmt::format(R"(
schema: 1
host: HV-SCHEMA
host-build: {}
vms:
  - {{name: a, state: running, checkpoint-type: standard, snapshots: [{{name: s1}}, {{name: s2}}]}}
  - {{name: b, state: off}}
  - {{name: c, state: saved, checkpoint-type: standard}}
groups:
  - {{name: g, members: [a, b]}}
  - {{name: h, members: [c]}}
management-groups:
  - {{name: m, members: [g]}}
snapshot-collections:
  - {{name: sc, group: g, members: [a/s2]}}
)",
                     build);
}

const std::uint32_t kBuilds[] = {10240, 14393, 17763, 20348, 26100, 29617};

// The classes the fake serves in root\virtualization\v2 (instances and associations).
const char* const kServed[] = {
    "Msvm_ComputerSystem",
    "Msvm_VirtualSystemSettingData",
    "Msvm_VirtualSystemCollection",
    "Msvm_ManagementCollection",
    "Msvm_SnapshotCollection",
    "Msvm_ConcreteJob",
    "Msvm_VirtualSystemManagementService",
    "Msvm_CollectionManagementService",
    "Msvm_CollectionSnapshotService",
    "Msvm_CollectedVirtualSystems",
    "Msvm_CollectedCollections",
    "Msvm_SnapshotOfVirtualSystemCollection",
    "Msvm_CollectedSnapshots",
    "Msvm_SnapshotOfVirtualSystem",
    "Msvm_MostCurrentSnapshotInBranch",
    "Msvm_SettingsDefineState",
    "Msvm_AffectedJobElement",
    "Msvm_ParentChildSettingData",
    "Msvm_LastAppliedSnapshot",
    "Msvm_HostedService",
    "Msvm_ProcessorSettingData",
    "Msvm_MemorySettingData",
    "Msvm_VirtualSystemSettingDataComponent",
    // root\cimv2
    "Win32_ComputerSystem",
    "Win32_ComputerSystemProduct",
    "Win32_OperatingSystem",
    "Win32_Processor",
    "Win32_ComputerSystemProcessor",
};

// Compares one instance with the table: names and order, types, keys, value maps.
void expect_like_the_table(const cim::Instance& inst, std::uint32_t build) {
  const schema::ClassDef* def = schema::find_class(inst.class_name());
  ASSERT_NE(def, nullptr) << inst.class_name();
  ASSERT_TRUE(def->exists_at(build)) << inst.class_name() << " at " << build;
  std::vector<const schema::PropertyDef*> want;
  for (const auto& p : def->properties()) {
    if (p.exists_at(build)) want.push_back(&p);
  }
  const auto& got = inst.properties();
  ASSERT_EQ(got.size(), want.size()) << inst.class_name() << " at " << build;
  std::set<std::string> keys;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const schema::PropertyDef& p = *want[i];
    SCOPED_TRACE(fmt::format("{}.{} at {}", inst.class_name(), p.name, build));
    EXPECT_EQ(got[i].name.view(), p.name) << "order as in the table";
    EXPECT_EQ(got[i].value.type(), p.type);
    EXPECT_EQ(got[i].value.is_array(), p.array);
    if (p.key) {
      keys.insert(std::string(p.name));
      EXPECT_FALSE(got[i].value.is_null()) << "a key is never null";
    }
    if (got[i].value.is_null() || p.value_map().empty()) continue;
    std::vector<cim::Scalar> items =
        p.array ? got[i].value.items() : std::vector<cim::Scalar>{*got[i].value.scalar()};
    for (const cim::Scalar& item : items) {
      if (const auto* u = std::get_if<std::uint64_t>(&item)) {
        EXPECT_TRUE(schema::in_value_map(p.value_map(), static_cast<std::int64_t>(*u))) << *u;
      } else if (const auto* s = std::get_if<std::string>(&item)) {
        EXPECT_TRUE(schema::in_value_map(p.value_map(), *s)) << *s;
      }
    }
  }
  std::set<std::string> path_keys;
  for (const cim::Key& k : inst.path().keys())
    path_keys.insert(k.name.str());
  EXPECT_EQ(path_keys, keys) << inst.class_name() << ": the path's keys are the table's";
}

class Schema : public ::testing::TestWithParam<std::uint32_t> {
 protected:
  void SetUp() override {
    host_ = make_host(host_yaml(GetParam()));
    ASSERT_TRUE(host_);
    // Give every association something to show: a job and its result, an applied snapshot.
    const auto job = job_of(create_snapshot(*host_, group(*host_, "h")));
    ASSERT_EQ(wait_job(*host_, job), 7U);
    const auto s = assoc(*host_, group(*host_, "h"), names::kSnapshotOfGroup);
    ASSERT_EQ(s.size(), 1U);
    if (!can_apply()) return;  // ApplySnapshot exists from 10586
    cim::PropertyList in;
    cim::set(in, "SnapshotCollection", Value::reference(s[0].path()));
    const auto apply = invoke(*host_, names::kCollectionSnapshotService, "ApplySnapshot", in);
    record(names::kCollectionSnapshotService, "ApplySnapshot", apply);
    ASSERT_EQ(wait_job(*host_, job_of(apply)), 7U);
  }
  static bool can_apply() {
    return schema::find_class(names::kCollectionSnapshotService)
        ->method("ApplySnapshot")
        ->exists_at(GetParam());
  }
  // Every return code must be one the table's return map lists (C2..C5).
  void record(std::string_view cls, std::string_view method, const cim::MethodResult& r) {
    const auto* m = schema::find_class(cls)->method(method);
    ASSERT_NE(m, nullptr);
    if (!m->return_map().empty()) {
      EXPECT_TRUE(schema::in_value_map(m->return_map(), r.return_value))
          << cls << "." << method << " returned " << r.return_value;
    }
    for (const cim::Property& p : r.out) {
      const schema::ParamDef* d = m->param(p.name.view());
      ASSERT_NE(d, nullptr) << cls << "." << method << " wrote " << p.name;
      EXPECT_TRUE(d->is_out()) << p.name;
      EXPECT_EQ(p.value.type(), d->type) << p.name;
      EXPECT_EQ(p.value.is_array(), d->array) << p.name;
    }
  }
  std::unique_ptr<Host> host_;
};

TEST_P(Schema, EveryServedInstanceHasTheTablesPropertiesTypesAndKeys) {
  for (const char* cls : kServed) {
    SCOPED_TRACE(cls);
    auto all = host_->enumerate_instances(schema::find_class(cls)->name_space, cls);
    ASSERT_TRUE(all.ok()) << all.status().to_string();
    const bool shown = can_apply() || std::string_view(cls) != names::kLastAppliedSnapshot;
    EXPECT_EQ(all->empty(), !shown) << "the fixture should show every served class";
    for (const auto& inst : *all) {
      EXPECT_EQ(inst.class_name(), cls);
      expect_like_the_table(inst, GetParam());
    }
  }
}

TEST_P(Schema, EmbeddedErrorsHaveTheTablesProperties) {
  auto host = make_host(host_yaml(GetParam()));
  ASSERT_TRUE(host);
  cim::PropertyList in;
  cim::set(in, "Collection", Value::reference(group(*host, "g")));
  cim::set(in, "SnapshotType", Value::uint16(1));
  const auto r = invoke(*host, names::kCollectionSnapshotService, "CreateSnapshot", in);
  ASSERT_EQ(r.return_value, 4096U);
  cim::PropertyList kill;
  cim::set(kill, "RequestedState", Value::uint16(5));
  auto k = host->invoke_method(job_of(r), "RequestStateChange", kill);
  ASSERT_TRUE(k.ok());
  auto errors = host->invoke_method(job_of(r), "GetErrorEx", {});
  ASSERT_TRUE(errors.ok());
  const auto& items = errors->get("Errors")->items();
  ASSERT_FALSE(items.empty());
  auto err = cim::parse_embedded_instance(std::get<std::string>(items[0]));
  ASSERT_TRUE(err.ok()) << err.status().to_string();
  // The CIM-XML text drops nulls' types, so compare names and order here.
  const schema::ClassDef* def = schema::find_class(names::kError);
  std::vector<std::string_view> want;
  for (const auto& p : def->properties()) {
    if (p.exists_at(GetParam())) want.push_back(p.name);
  }
  std::vector<std::string_view> got;
  for (const auto& p : err->properties())
    got.push_back(p.name.view());
  EXPECT_EQ(got, want);
}

TEST_P(Schema, EveryDeclaredMethodExistsModelledOrNotSupported) {
  const std::uint32_t build = GetParam();
  const auto declared = declared_methods();
  auto modelled = [&](std::string_view cls, std::string_view method) {
    return std::any_of(declared.begin(), declared.end(), [&](const MethodDeclaration& d) {
      return d.cls == cls && d.method == method;
    });
  };
  for (const char* cls : kServed) {
    const schema::ClassDef* def = schema::find_class(cls);
    if (def->methods().empty()) continue;
    auto all = host_->enumerate_instances(def->name_space, cls);
    ASSERT_TRUE(all.ok() && !all->empty()) << cls;
    // A VM for Msvm_ComputerSystem (the host models no method).
    const cim::Instance* target = &all->front();
    for (const auto& i : *all) {
      if (i.get_string("Description") == "Microsoft Virtual Machine") target = &i;
    }
    for (const schema::MethodDef& m : def->methods()) {
      SCOPED_TRACE(fmt::format("{}.{} at {}", cls, m.name, build));
      auto r = host_->invoke_method(target->path(), m.name, {});
      if (!m.exists_at(build)) {
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.status().kind(), cim::StatusKind::kMethodNotFound);
        continue;
      }
      ASSERT_TRUE(r.ok()) << r.status().to_string();
      if (modelled(cls, m.name)) {
        EXPECT_NE(r->return_value, 32770U) << "a modelled method judges its (empty) input";
        record(cls, m.name, *r);
      } else {
        EXPECT_EQ(r->return_value, 32770U) << "declared, not modelled: Not Supported";
        EXPECT_TRUE(r->out.empty());
      }
    }
  }
  EXPECT_EQ(
      host_->invoke_method(service_path(names::kCollectionSnapshotService), "NoSuchMethod", {})
          .status()
          .kind(),
      cim::StatusKind::kMethodNotFound);
}

INSTANTIATE_TEST_SUITE_P(Builds, Schema, ::testing::ValuesIn(kBuilds),
                         [](const ::testing::TestParamInfo<std::uint32_t>& p) {
                           return std::to_string(p.param);
                         });

// The fake's own declaration of what it models agrees with the table: each method exists,
// reads IN parameters and writes OUT ones.
TEST(SchemaDeclarations, ModelledMethodsUseDeclaredParameters) {
  for (const MethodDeclaration& d : declared_methods()) {
    SCOPED_TRACE(fmt::format("{}.{}", d.cls, d.method));
    const schema::ClassDef* c = schema::find_class(d.cls);
    ASSERT_NE(c, nullptr);
    const schema::MethodDef* m = c->method(d.method);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->name, d.method) << "spelled as in the table";
    for (std::string_view p : d.in) {
      const schema::ParamDef* def = m->param(p);
      ASSERT_NE(def, nullptr) << p;
      EXPECT_TRUE(def->is_in()) << p;
    }
    for (std::string_view p : d.out) {
      const schema::ParamDef* def = m->param(p);
      ASSERT_NE(def, nullptr) << p;
      EXPECT_TRUE(def->is_out()) << p;
    }
  }
}

// Modelled methods on their good paths: the OUT parameters they write and every code they
// return stay inside the table (types, return maps).
TEST(SchemaDeclarations, ModelledMethodsWriteDeclaredTypesAndReturnMappedCodes) {
  auto host = make_host(host_yaml(schema::kDefaultBuild));
  ASSERT_TRUE(host);
  auto check = [&](std::string_view cls, std::string_view method, const cim::MethodResult& r) {
    const auto* m = schema::find_class(cls)->method(method);
    EXPECT_TRUE(schema::in_value_map(m->return_map(), r.return_value))
        << cls << "." << method << " returned " << r.return_value;
    for (const cim::Property& p : r.out) {
      const schema::ParamDef* d = m->param(p.name.view());
      ASSERT_NE(d, nullptr) << method << " wrote " << p.name;
      EXPECT_EQ(p.value.type(), d->type) << method << "." << p.name;
      EXPECT_EQ(p.value.is_array(), d->array) << method << "." << p.name;
    }
  };
  const auto cms = names::kCollectionManagementService;
  cim::PropertyList def;
  cim::set(def, "Name", Value::string("new"));
  cim::set(def, "Type", Value::uint16(0));
  const auto defined = invoke(*host, cms, "DefineCollection", def);
  check(cms, "DefineCollection", defined);
  const auto newg = *defined.get("DefinedCollection")->as_reference();
  cim::PropertyList rename;
  cim::set(rename, "Collection", Value::reference(newg));
  cim::set(rename, "NewName", Value::string("renamed"));
  check(cms, "RenameCollection", invoke(*host, cms, "RenameCollection", rename));
  EXPECT_EQ(host->get_instance(newg)->get_string("ElementName"), "renamed");
  cim::PropertyList add;
  cim::set(add, "Member", Value::reference(vm(*host, "b")));
  cim::set(add, "Collection", Value::reference(newg));
  check(cms, "AddMember", invoke(*host, cms, "AddMember", add));
  cim::PropertyList by_id;
  cim::set(by_id, "Member", Value::reference(vm(*host, "b")));
  cim::set(by_id, "CollectionId", Value::string(newg.key("CollectionID")->value));
  const auto removed = invoke(*host, cms, "RemoveMemberById", by_id);
  check(cms, "RemoveMemberById", removed);
  EXPECT_EQ(removed.return_value, 0U);
  EXPECT_TRUE(assoc(*host, newg, names::kCollectedVirtualSystems).empty());
  check(cms, "RemoveMemberById", invoke(*host, cms, "RemoveMemberById", by_id));  // 32773
  cim::PropertyList destroy;
  cim::set(destroy, "Collection", Value::reference(newg));
  check(cms, "DestroyCollection", invoke(*host, cms, "DestroyCollection", destroy));

  const auto css = names::kCollectionSnapshotService;
  const auto created = create_snapshot(*host, group(*host, "g"));
  check(css, "CreateSnapshot", created);
  ASSERT_EQ(wait_job(*host, job_of(created)), 7U);
  for (std::uint16_t t : {0, 3, 40000})
    check(css, "CreateSnapshot", create_snapshot(*host, group(*host, "g"), t));
  cim::PropertyList gone;
  cim::set(gone, "AffectedSnapshotCollection",
           Value::reference(assoc(*host, group(*host, "g"), names::kSnapshotOfGroup).at(0).path()));
  check(css, "DestroySnapshot", invoke(*host, css, "DestroySnapshot", gone));

  const auto a = vm(*host, "a");
  for (std::uint16_t rs : {9, 2, 32773, 5, 40000}) {
    cim::PropertyList in;
    cim::set(in, "RequestedState", Value::uint16(rs));
    auto r = host->invoke_method(a, "RequestStateChange", in);
    ASSERT_TRUE(r.ok());
    check(names::kComputerSystem, "RequestStateChange", *r);
    if (r->return_value == 4096) wait_job(*host, job_of(*r));
  }
  const auto job = job_of(create_snapshot(*host, group(*host, "h")));
  for (std::uint16_t rs : {3, 2, 7, 4, 4}) {
    cim::PropertyList in;
    cim::set(in, "RequestedState", Value::uint16(rs));
    auto r = host->invoke_method(job, "RequestStateChange", in);
    ASSERT_TRUE(r.ok());
    check(names::kJob, "RequestStateChange", *r);
  }
  check(names::kJob, "GetError", *host->invoke_method(job, "GetError", {}));
  check(names::kJob, "GetErrorEx", *host->invoke_method(job, "GetErrorEx", {}));
}

TEST(SchemaBuilds, ClassesOutsideTheBuildAreNotServed) {
  auto host = make_host("schema: 1\nhost-build: 9600\nvms: [{name: a}]\n");
  ASSERT_TRUE(host);
  auto groups = host->enumerate_instances(names::kNamespace, names::kVmGroup);
  ASSERT_FALSE(groups.ok());
  EXPECT_EQ(groups.status().kind(), cim::StatusKind::kInvalidClass);
  EXPECT_NE(groups.status().message().find("build 9600"), std::string::npos);
  auto css =
      host->invoke_method(service_path(names::kCollectionSnapshotService), "CreateSnapshot", {});
  EXPECT_EQ(css.status().kind(), cim::StatusKind::kInvalidClass);
  auto vms = host->enumerate_instances(names::kNamespace, names::kComputerSystem);
  ASSERT_TRUE(vms.ok());
  for (const auto& v : *vms)
    expect_like_the_table(v, 9600);
  auto bad = fixtures::load_host_yaml(
      "schema: 1\nhost-build: 9600\nvms: [{name: a}]\ngroups: [{name: g, members: [a]}]\n",
      "old.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("Msvm_VirtualSystemCollection"), std::string::npos)
      << bad.status().message();
}

}  // namespace
}  // namespace hvsnap::sim::testing
