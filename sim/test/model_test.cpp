// The neighbours a client needs (contract §1): provider errors by kind, enumeration with
// inheritance, association filters, the collection and system management methods, and a
// property that no parameter list, however wrong, crashes the fake or half-applies a change.
#include "harness.h"  // gtest first: rapidcheck/gtest.h needs it

#include <rapidcheck/gtest.h>

#include <cctype>

#include "hvsnap/cim/testing/generators.h"

namespace hvsnap::sim::testing {
namespace {

using cim::StatusKind;
using cim::Value;

cim::ObjectPath parse(const char* text) {
  return *cim::ObjectPath::parse(text);
}

TEST(Model, GetInstanceErrorsSayWhatKindOfWrong) {
  auto host = make_host(kMinimal);
  ASSERT_TRUE(host);
  EXPECT_EQ(host->get_instance(parse(R"(Msvm_Nope.Id="1")")).status().kind(),
            StatusKind::kInvalidClass);
  EXPECT_EQ(
      host->get_instance(parse(R"(root\default:Msvm_VirtualSystemCollection.CollectionID="1")"))
          .status()
          .kind(),
      StatusKind::kInvalidNamespace);
  // root\cimv2 is served (the Win32 neighbours), but holds no Msvm_ class.
  EXPECT_EQ(host->get_instance(parse(R"(root\cimv2:Msvm_VirtualSystemCollection.CollectionID="1")"))
                .status()
                .kind(),
            StatusKind::kInvalidClass);
  EXPECT_EQ(
      host->get_instance(parse(R"(Msvm_VirtualSystemCollection.InstanceID="1")")).status().kind(),
      StatusKind::kInvalidParameter);
  EXPECT_EQ(
      host
          ->get_instance(parse(
              R"(Msvm_VirtualSystemCollection.CollectionID="00000000-0000-4000-8000-000000000000")"))
          .status()
          .kind(),
      StatusKind::kNotFound);
  EXPECT_EQ(host->get_instance(parse(R"(Msvm_VirtualSystemCollection.CollectionID="not-a-guid")"))
                .status()
                .kind(),
            StatusKind::kNotFound);
  EXPECT_EQ(host->enumerate_instances(names::kNamespace, "Msvm_Nope").status().kind(),
            StatusKind::kInvalidClass);
  EXPECT_EQ(
      host->associators(
              parse(R"(Msvm_ConcreteJob.InstanceID="00000000-0000-4000-8000-000000000000")"), {})
          .status()
          .kind(),
      StatusKind::kNotFound);
  auto m = host->invoke_method(service_path(names::kCollectionSnapshotService), "Frobnicate", {});
  EXPECT_EQ(m.status().kind(), StatusKind::kMethodNotFound);
  // A method the schema declares but the fake does not model answers Not Supported.
  auto e =
      host->invoke_method(service_path(names::kCollectionSnapshotService), "ExportSnapshot", {});
  ASSERT_TRUE(e.ok()) << e.status().to_string();
  EXPECT_EQ(e->return_value, 32770U);
}

TEST(Model, EnumerationFollowsInheritance) {
  auto host = make_host(R"(
schema: 1
host: HV-ENUM
vms: [{name: a}, {name: b}]
groups: [{name: g, members: [a]}]
management-groups: [{name: m, members: [g]}]
)");
  ASSERT_TRUE(host);
  EXPECT_EQ(host->enumerate_instances(names::kNamespace, names::kComputerSystem)->size(), 3U)
      << "host + 2 vms";
  EXPECT_EQ(host->enumerate_instances(names::kNamespace, "CIM_CollectionOfMSEs")->size(), 2U);
  EXPECT_EQ(host->enumerate_instances(names::kNamespace, names::kVssd)->size(), 2U)
      << "two live VSSDs";
  EXPECT_EQ(host->enumerate_instances(names::kNamespace, names::kCollectedVirtualSystems)->size(),
            1U);
  EXPECT_EQ(host->enumerate_instances("root/virtualization/v2", names::kCollectionSnapshotService)
                ->size(),
            1U);
  EXPECT_EQ(host->enumerate_instances("root\\default", names::kComputerSystem).status().kind(),
            StatusKind::kInvalidNamespace);
  EXPECT_EQ(host->enumerate_instances("root\\cimv2", names::kComputerSystem).status().kind(),
            StatusKind::kInvalidClass);
  // CIM_ComputerSystem in root\cimv2 is the Win32 host, in root\virtualization\v2 the Msvm ones.
  const auto win32 = host->enumerate_instances("root\\cimv2", "CIM_ComputerSystem");
  ASSERT_TRUE(win32.ok());
  ASSERT_EQ(win32->size(), 1U);
  EXPECT_EQ(win32->front().class_name(), names::kWin32ComputerSystem);
}

// Names only (decision 0134), and one path at a time (0147): the same paths, in the same order,
// as the instances enumerated, for plain classes, base classes, association classes and both
// namespaces; the same errors.
TEST(Model, EnumeratingNamesGivesTheInstancesPaths) {
  auto host = make_host(kMinimal);
  ASSERT_TRUE(host);
  ASSERT_EQ(wait_job(*host, job_of(create_snapshot(*host, group(*host, "g1")))), 7U);
  ASSERT_EQ(wait_job(*host, job_of(create_snapshot(*host, group(*host, "g1")))), 7U);
  for (const auto& [ns, cls] : std::vector<std::pair<std::string, std::string>>{
           {"", std::string(names::kSnapshotCollection)},
           {std::string(names::kNamespace), std::string(names::kComputerSystem)},
           {"", std::string(names::kVssd)},
           {"", std::string(names::kJob)},
           {"", "CIM_ManagedElement"},
           {"", std::string(names::kCollectedSnapshots)},
           {"", std::string(names::kSnapshotOfVm)},
           {"root\\cimv2", "CIM_ComputerSystem"}}) {
    const auto all = host->enumerate_instances(ns, cls);
    const std::int64_t t0 = host->control().now_ms();
    const auto paths = host->enumerate_instance_names(ns, cls);
    const std::int64_t t1 = host->control().now_ms();
    ASSERT_TRUE(all.ok()) << cls << ": " << all.status().to_string();
    ASSERT_TRUE(paths.ok()) << cls << ": " << paths.status().to_string();
    ASSERT_EQ(paths->size(), all->size()) << cls;
    EXPECT_GT(paths->size(), 0U) << cls;
    for (std::size_t i = 0; i < all->size(); ++i)
      EXPECT_EQ((*paths)[i].to_string(), (*all)[i].path().to_string()) << cls << " #" << i;
    // One path at a time (decision 0147): the same, and one call on the host's clock.
    std::vector<std::string> each;
    const auto st = host->each_instance_name(
        ns, cls, [&](const cim::ObjectPath& p) { each.push_back(p.to_string()); });
    EXPECT_EQ(host->control().now_ms() - t1, t1 - t0) << cls;
    EXPECT_GT(t1 - t0, 0) << cls;
    ASSERT_TRUE(st.ok()) << cls << ": " << st.to_string();
    ASSERT_EQ(each.size(), paths->size()) << cls;
    for (std::size_t i = 0; i < each.size(); ++i)
      EXPECT_EQ(each[i], (*paths)[i].to_string()) << cls << " #" << i;
  }
  EXPECT_EQ(host->enumerate_instance_names(names::kNamespace, "Msvm_Nope").status().kind(),
            StatusKind::kInvalidClass);
  EXPECT_EQ(host->enumerate_instance_names("root\\default", names::kComputerSystem).status().kind(),
            StatusKind::kInvalidNamespace);
  const auto none = [](const cim::ObjectPath&) { ADD_FAILURE() << "a path of nothing"; };
  EXPECT_EQ(host->each_instance_name(names::kNamespace, "Msvm_Nope", none).kind(),
            StatusKind::kInvalidClass);
  EXPECT_EQ(host->each_instance_name("root\\default", names::kComputerSystem, none).kind(),
            StatusKind::kInvalidNamespace);
}

// The instances found by key (decision 0137) are those of the class's listing that match, in
// its order, whatever the sets: keys and values in any case, a GUID in braces, a key left out or
// one too many, unknown ids, names of other classes' keys; for plain classes, base classes,
// association classes and root\cimv2's. Two hosts in step, so that their clocks agree.
RC_GTEST_PROP(ModelProperty, InstancesFoundByKeyAreTheListingsThatMatch, ()) {
  std::unique_ptr<Host> hosts[2] = {make_host(kMinimal), make_host(kMinimal)};
  for (auto& h : hosts) {
    RC_ASSERT(h != nullptr);
    RC_ASSERT(wait_job(*h, job_of(create_snapshot(*h, group(*h, "g1")))) == 7U);
    RC_ASSERT(wait_job(*h, job_of(create_snapshot(*h, group(*h, "g1")))) == 7U);
  }
  using Class = std::pair<std::string, std::string>;  // namespace, class
  const std::vector<Class> classes{{"", std::string(names::kComputerSystem)},
                                   {"", std::string(names::kVssd)},
                                   {"", std::string(names::kJob)},
                                   {"", std::string(names::kSnapshotCollection)},
                                   {"", std::string(names::kVmGroup)},
                                   {"", std::string(names::kCollectionSnapshotService)},
                                   {"", "Msvm_VirtualSystemManagementService"},
                                   {"", "Msvm_ProcessorSettingData"},
                                   {"", "CIM_ComputerSystem"},
                                   {"", "CIM_ManagedElement"},
                                   {"", std::string(names::kCollectedSnapshots)},
                                   {"", std::string(names::kSnapshotOfVm)},
                                   {"root\\cimv2", "Win32_ComputerSystem"},
                                   {"root\\cimv2", "CIM_ComputerSystem"},
                                   {"root\\default", std::string(names::kComputerSystem)},
                                   {"", "Msvm_Nope"}};
  // The first eight are found by key; two runs in three draw one of them.
  const auto [ns, cls] = *rc::gen::inRange(0, 3) != 0
                             ? classes[*rc::gen::inRange<std::size_t>(0, 8)]
                             : *rc::gen::elementOf(classes);
  std::vector<cim::ObjectPath> paths;
  for (auto& h : hosts) {
    auto named = h->enumerate_instance_names(ns, cls);
    if (named.ok()) paths = *named;
  }
  const auto flip = [](std::string text) {
    for (char& c : text) {
      if (std::isalpha(static_cast<unsigned char>(c)) && *rc::gen::arbitrary<bool>())
        c = static_cast<char>(std::isupper(static_cast<unsigned char>(c)) ? std::tolower(c)
                                                                          : std::toupper(c));
    }
    return text;
  };
  std::vector<cim::Provider::PropertyEquals> any_of;
  const int sets = *rc::gen::inRange(0, 4) == 0 ? 0 : *rc::gen::inRange(1, 5);
  for (int i = 0; i < sets; ++i) {
    cim::Provider::PropertyEquals set;
    if (!paths.empty()) {
      const auto& p = paths[*rc::gen::inRange<std::size_t>(0, paths.size())];
      for (const auto& k : p.keys()) {
        std::string value(std::string_view(k.value));
        switch (*rc::gen::inRange(0, 12)) {
          case 0:
            continue;  // left out
          case 1:
            value = "{" + value + "}";
            break;
          case 2:
            value = Guid::from_name("other", value).to_string();
            break;
          default:
            value = flip(value);
        }
        set.emplace_back(*rc::gen::arbitrary<bool>() ? flip(std::string(k.name.view()))
                                                     : std::string(k.name.view()),
                         value);
      }
    }
    if (*rc::gen::inRange(0, 4) == 0) {  // a property that is not a key, or a system one
      set.emplace_back(*rc::gen::element<std::string>("ElementName", "SystemName", "Domain",
                                                      "__CLASS", "EnabledState", "Caption"),
                       *rc::gen::element<std::string>("Msvm_VirtualSystemManagementService",
                                                      "WORKGROUP", "HV-TEST", "2",
                                                      std::string(names::kComputerSystem), "vm-a"));
    }
    if (set.empty() || *rc::gen::inRange(0, 6) == 0) {
      set.emplace_back(
          *rc::gen::element<std::string>("Name", "InstanceID", "CollectionID", "CreationClassName",
                                         "Bogus"),
          *rc::gen::element<std::string>("HV-TEST", "hv-test", "Msvm_ComputerSystem", "x", ""));
    }
    any_of.push_back(std::move(set));
  }
  const auto matches = [&](const cim::Instance& inst) {
    return std::any_of(any_of.begin(), any_of.end(), [&](const auto& set) {
      return std::all_of(set.begin(), set.end(), [&](const auto& eq) {
        const Value* v = inst.get(eq.first);
        return v != nullptr && !v->is_null() && cim::iequals(v->to_text(), eq.second);
      });
    });
  };
  auto listed = hosts[0]->enumerate_instances(ns, cls);
  auto found = hosts[1]->enumerate_instances_matching(ns, cls, any_of);
  RC_ASSERT(listed.ok() == found.ok());
  if (!listed.ok()) {
    RC_ASSERT(listed.status().to_string() == found.status().to_string());
    return;
  }
  std::vector<cim::Instance> want;
  std::vector<cim::Instance> got;
  std::copy_if(listed->begin(), listed->end(), std::back_inserter(want), matches);
  std::copy_if(found->begin(), found->end(), std::back_inserter(got), matches);
  RC_CLASSIFY(found->size() < listed->size(), "found by key");
  RC_CLASSIFY(!want.empty(), "some match");
  RC_ASSERT(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    RC_ASSERT(got[i].path().to_string() == want[i].path().to_string());
    RC_ASSERT(got[i] == want[i]);
  }
  // And nothing the listing does not hold.
  RC_ASSERT(found->size() <= listed->size());
}

// Sets that name no object by its keys alone still find every instance that matches them.
TEST(Model, InstancesFoundByKeyIncludeEveryMatch) {
  auto host = make_host(kMinimal);
  ASSERT_TRUE(host);
  const std::string a(std::string_view(vm(*host, "vm-a").key("Name")->value));
  std::string lower = a;
  for (char& c : lower)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto names = [&](const std::vector<cim::Provider::PropertyEquals>& any_of) {
    std::vector<std::string> out;
    for (const auto& i : *host->enumerate_instances_matching("", names::kComputerSystem, any_of))
      out.push_back(i.get_string("Name"));
    return out;
  };
  const auto has = [](const std::vector<std::string>& all, const std::string& name) {
    return std::any_of(all.begin(), all.end(),
                       [&](const std::string& n) { return cim::iequals(n, name); });
  };
  EXPECT_TRUE(has(names({{{"Name", lower}}}), a));
  EXPECT_TRUE(has(names({{{"name", lower}, {"CREATIONCLASSNAME", "msvm_computersystem"}}}), a));
  EXPECT_TRUE(
      has(names({{{"Name", "hv-test"}, {"CreationClassName", "Msvm_ComputerSystem"}}}), "HV-TEST"));
  const auto every = names({{{"CreationClassName", "Msvm_ComputerSystem"}}});
  EXPECT_EQ(every.size(), 3U);  // the host and both VMs
  EXPECT_TRUE(names({{{"Name", Guid::from_name("x", "y").to_string()},
                      {"CreationClassName", "Msvm_ComputerSystem"}}})
                  .empty());
}

TEST(Model, AssociatorFiltersAndReferences) {
  auto host = make_host(kMinimal);
  ASSERT_TRUE(host);
  const auto g = group(*host, "g1");
  const auto a = vm(*host, "vm-a");
  ASSERT_EQ(wait_job(*host, job_of(create_snapshot(*host, g))), 7U);
  // From a VM: its group, its snapshot (via two associations, returned once), its live VSSD.
  EXPECT_EQ(host->associators(a, {})->size(), 3U);
  EXPECT_EQ(host->associators(a, {"", std::string(names::kVmGroup), "", ""})->size(), 1U);
  EXPECT_EQ(host->associators(a, {"CIM_Dependency", "", "", ""})->size(), 1U);
  EXPECT_EQ(host->associators(a, {"", "", "Member", ""})->size(), 1U);
  EXPECT_EQ(host->associators(a, {"", "", "Antecedent", "Dependent"})->size(), 1U);
  EXPECT_EQ(host->associators(a, {"", "", "Collection", ""})->size(), 0U);
  EXPECT_EQ(host->associators(a, {"Msvm_Nope", "", "", ""}).status().kind(),
            StatusKind::kInvalidParameter);
  auto refs = host->references(g, {std::string(names::kCollectedVirtualSystems), "Collection"});
  ASSERT_TRUE(refs.ok());
  ASSERT_EQ(refs->size(), 2U);
  for (const auto& r : *refs) {
    EXPECT_TRUE(cim::same_object(*r.get("Collection")->as_reference(), g));
    EXPECT_EQ(r.path().key("Member")->kind, cim::KeyKind::kReference);
  }
  // The live VSSD's Parent names the VM's current snapshot.
  const auto live = assoc(*host, a, names::kSettingsDefineState).at(0);
  EXPECT_EQ(live.get_string("VirtualSystemType"), names::kTypeRealized);
  EXPECT_EQ(live.get_string("Parent"),
            assoc(*host, a, names::kMostCurrentSnapshot).at(0).path().to_string());
}

// CIM class names are case-insensitive: the fake recognises the classes clients poll by their
// layout (decision 0118), which must find a class whatever its spelling, as the name
// comparison it replaced did — for a path's class and for an AssocClass filter.
TEST(Model, PathClassNamesResolveInAnyCase) {
  auto host = make_host(kMinimal);
  ASSERT_TRUE(host);
  const auto g = group(*host, "g1");
  const auto a = vm(*host, "vm-a");
  const auto job = job_of(create_snapshot(*host, g));
  ASSERT_EQ(wait_job(*host, job), 7U);
  const auto s = assoc(*host, job, names::kAffectedJobElement).at(0).path();
  const auto checkpoint = assoc(*host, a, names::kSnapshotOfVm).at(0).path();
  const auto live = assoc(*host, a, names::kSettingsDefineState).at(0).path();
  auto cased = [](std::string_view text, bool upper) {
    std::string out(text);
    for (char& c : out)
      c = static_cast<char>(upper ? std::toupper(static_cast<unsigned char>(c))
                                  : std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  for (const cim::ObjectPath& p : {job, a, g, s, checkpoint, live}) {
    const auto canonical = host->get_instance(p);
    ASSERT_TRUE(canonical.ok()) << p.to_string();
    for (const bool upper : {false, true}) {
      cim::ObjectPath spelt = p;
      spelt.set_class_name(cim::Name(cased(p.class_name(), upper)));
      const auto got = host->get_instance(spelt);
      ASSERT_TRUE(got.ok()) << spelt.to_string() << ": " << got.status().to_string();
      EXPECT_EQ(got->path().to_string(), canonical->path().to_string());
      EXPECT_EQ(got->get_string("InstanceID"), canonical->get_string("InstanceID"));
    }
  }
  for (const bool upper : {false, true}) {
    const auto spelt = assoc(*host, job, cased(names::kAffectedJobElement, upper));
    ASSERT_EQ(spelt.size(), 1U);
    EXPECT_EQ(spelt[0].path().to_string(), s.to_string());
    EXPECT_EQ(assoc(*host, a, cased(names::kSnapshotOfVm, upper)).size(), 1U);
  }
}

TEST(Model, CollectionManagementService) {
  auto host = make_host(kMinimal);
  ASSERT_TRUE(host);
  auto define = [&](const char* name, std::uint16_t type, const char* id = nullptr) {
    cim::PropertyList in;
    cim::set(in, "Name", Value::string(name));
    cim::set(in, "Type", Value::uint16(type));
    if (id != nullptr) cim::set(in, "Id", Value::string(id));
    return invoke(*host, names::kCollectionManagementService, "DefineCollection", in);
  };
  const auto g = define("new-group", 0, "11111111-2222-4333-8444-555555555555");
  ASSERT_EQ(g.return_value, 0U);
  const auto gpath = *g.get("DefinedCollection")->as_reference();
  EXPECT_EQ(gpath.key("CollectionID")->value, "11111111-2222-4333-8444-555555555555");
  EXPECT_EQ(define("dup", 0, "11111111-2222-4333-8444-555555555555").return_value, 32773U);
  EXPECT_EQ(define("bad-type", 2).return_value, 32773U);
  const auto m = define("mgmt", 1);
  ASSERT_EQ(m.return_value, 0U);
  const auto mpath = *m.get("DefinedCollection")->as_reference();
  EXPECT_EQ(mpath.class_name(), names::kManagementCollection);

  auto member = [&](const char* method, const cim::ObjectPath& mem, const cim::ObjectPath& coll) {
    cim::PropertyList in;
    cim::set(in, "Member", Value::reference(mem));
    cim::set(in, "Collection", Value::reference(coll));
    return invoke(*host, names::kCollectionManagementService, method, in).return_value;
  };
  const auto a = vm(*host, "vm-a");
  EXPECT_EQ(member("AddMember", a, gpath), 0U);
  EXPECT_EQ(member("AddMember", a, gpath), 0U) << "adding twice changes nothing";
  EXPECT_EQ(assoc(*host, gpath, names::kCollectedVirtualSystems).size(), 1U);
  EXPECT_EQ(assoc(*host, a, names::kCollectedVirtualSystems).size(), 2U)
      << "a vm may sit in two groups";
  EXPECT_EQ(member("AddMember", gpath, mpath), 0U);
  EXPECT_EQ(member("AddMember", a, mpath), 32773U)
      << "vms do not go straight into management groups";
  EXPECT_EQ(member("AddMember", mpath, gpath), 32773U);
  ASSERT_EQ(wait_job(*host, job_of(create_snapshot(*host, gpath))), 7U);
  cim::PropertyList destroy;
  cim::set(destroy, "Collection", Value::reference(gpath));
  EXPECT_EQ(
      invoke(*host, names::kCollectionManagementService, "DestroyCollection", destroy).return_value,
      32775U)
      << "a group with snapshot collections is kept";
  EXPECT_EQ(member("RemoveMember", a, gpath), 0U);
  EXPECT_EQ(member("RemoveMember", a, gpath), 32773U);
  cim::set(destroy, "Collection", Value::reference(mpath));
  EXPECT_EQ(
      invoke(*host, names::kCollectionManagementService, "DestroyCollection", destroy).return_value,
      0U);
  EXPECT_FALSE(host->get_instance(mpath).ok());
}

TEST(Model, SystemManagementService) {
  auto host = make_host(kMinimal);
  ASSERT_TRUE(host);
  cim::Instance settings{std::string(names::kVssd)};
  settings.set("ElementName", Value::string("made-by-wmi"));
  settings.set("UserSnapshotType", Value::uint16(5));
  cim::PropertyList in;
  cim::set(in, "SystemSettings",
           Value::string(cim::format_embedded_instance(settings, cim::XmlDtd::kWmi20)));
  const auto r = invoke(*host, names::kVsms, "DefineSystem", in);
  ASSERT_EQ(r.return_value, 0U);
  const auto v = *r.get("ResultingSystem")->as_reference();
  EXPECT_EQ(host->get_instance(v)->get_string("ElementName"), "made-by-wmi");
  EXPECT_EQ(*host->get_instance(v)->get_uint("EnabledState"), 3U);
  const auto live = assoc(*host, v, names::kSettingsDefineState).at(0);
  EXPECT_EQ(*live.get_uint("UserSnapshotType"), 5U);

  cim::Instance change{std::string(names::kVssd)};
  change.set("InstanceID", Value::string(live.get_string("InstanceID")));
  change.set("UserSnapshotType", Value::uint16(2));
  cim::set(in, "SystemSettings", Value::string(cim::format_embedded_instance(change)));
  EXPECT_EQ(invoke(*host, names::kVsms, "ModifySystemSettings", in).return_value, 0U);
  EXPECT_EQ(*assoc(*host, v, names::kSettingsDefineState).at(0).get_uint("UserSnapshotType"), 2U);
  change.set("UserSnapshotType", Value::uint16(9));
  cim::set(in, "SystemSettings", Value::string(cim::format_embedded_instance(change)));
  EXPECT_EQ(invoke(*host, names::kVsms, "ModifySystemSettings", in).return_value, 32773U);
  cim::set(in, "SystemSettings", Value::string("<broken"));
  EXPECT_EQ(invoke(*host, names::kVsms, "DefineSystem", in).return_value, 32773U);

  // DestroySystem: refused while running, and it takes the vm's snapshots along.
  const auto g = group(*host, "g1");
  ASSERT_EQ(wait_job(*host, job_of(create_snapshot(*host, g))), 7U);
  cim::PropertyList d;
  cim::set(d, "AffectedSystem", Value::reference(vm(*host, "vm-a")));
  EXPECT_EQ(invoke(*host, names::kVsms, "DestroySystem", d).return_value, 32775U);
  cim::PropertyList off;
  cim::set(off, "RequestedState", Value::uint16(3));
  ASSERT_EQ(
      wait_job(*host, job_of(*host->invoke_method(vm(*host, "vm-a"), "RequestStateChange", off))),
      7U);
  const auto destroyed = invoke(*host, names::kVsms, "DestroySystem", d);
  ASSERT_EQ(destroyed.return_value, 4096U) << "a job, as on a real host (J6)";
  EXPECT_EQ(*host->get_instance(job_of(destroyed))->get_uint("JobType"), 3U);
  EXPECT_EQ(wait_job(*host, job_of(destroyed)), 7U);
  EXPECT_EQ(assoc(*host, g, names::kCollectedVirtualSystems).size(), 1U);
  const auto s = assoc(*host, g, names::kSnapshotOfGroup).at(0).path();
  EXPECT_EQ(assoc(*host, s, names::kCollectedSnapshots).size(), 1U);
}

// Any parameter list at all: a Status or a return code, and on anything but success the
// host is exactly as it was.
RC_GTEST_PROP(ModelProperty, WrongParametersNeverCrashOrHalfApply, ()) {
  auto host = make_host(kMinimal);
  RC_ASSERT(host != nullptr);
  const auto g = group(*host, "g1");
  const auto method =
      *rc::gen::element<std::string>("CreateSnapshot", "DestroySnapshot", "ApplySnapshot");
  cim::PropertyList in;
  const auto n = *rc::gen::inRange(0, 5);
  for (int i = 0; i < n; ++i) {
    const auto name = *rc::gen::element<std::string>(
        "Collection", "SnapshotType", "SnapshotSettings", "ResultingSnapshotCollection",
        "SnapshotCollection", "AffectedSnapshotCollection", "Bogus");
    const int kind = *rc::gen::inRange(0, 4);
    Value v = kind == 0   ? *cim::testing::value()
              : kind == 1 ? Value::reference(g)
              : kind == 2 ? Value::uint16(*rc::gen::arbitrary<std::uint16_t>())
                          : Value::string(*cim::testing::xml_safe_string());
    cim::set(in, name, v);
  }
  const Observable before = observe(*host);
  auto r = host->invoke_method(service_path(names::kCollectionSnapshotService), method, in);
  if (r.ok() && (r->return_value == 0 || r->return_value == 4096)) {
    RC_SUCCEED("accepted");
  }
  RC_ASSERT(observe(*host) == before);
}

}  // namespace
}  // namespace hvsnap::sim::testing

namespace hvsnap::sim::testing {
namespace {

// CS-SEQ-2 with the fake's parent -> children index: destroying collections in any order
// (middle, oldest, newest, after an apply made a branch) re-parents exactly the destroyed
// snapshots' children, as a plain model of the tree says, and never leaves a dangling Parent.
TEST(Model, DestroySnapshotReparentsLikeThePlainTreeInAnyOrder) {
  for (const char* mode : {"reparent", "remove-dependents"}) {
    SCOPED_TRACE(mode);
    auto host = make_host(std::string(R"(
schema: 1
host: HV-TREE
vms:
  - {name: a, state: off}
  - {name: b, state: off}
groups:
  - {name: g, members: [a, b]}
personality: {destroy-snapshot: )") +
                          mode + "}\n");
    ASSERT_TRUE(host);
    const auto g = group(*host, "g");
    std::vector<cim::ObjectPath> made;
    const auto create = [&] {
      const auto r = create_snapshot(*host, g, 2);
      ASSERT_EQ(r.return_value, 4096U);
      ASSERT_EQ(wait_job(*host, job_of(r)), 7U);
      made.push_back(assoc(*host, job_of(r), names::kAffectedJobElement).at(0).path());
    };
    const auto call = [&](const char* method, const char* param, const cim::ObjectPath& c) {
      cim::PropertyList in;
      cim::set(in, param, cim::Value::reference(c));
      const auto r = invoke(*host, names::kCollectionSnapshotService, method, in);
      ASSERT_EQ(r.return_value, 4096U);
      ASSERT_EQ(wait_job(*host, job_of(r)), 7U);
    };
    for (int i = 0; i < 5; ++i)
      create();
    call("ApplySnapshot", "SnapshotCollection", made[1]);  // the next ones branch off #1
    for (int i = 0; i < 3; ++i)
      create();
    // The plain model: snapshot -> parent, from the host before any destroy.
    std::map<Guid, Guid> parent;
    for (const auto& sn : host->control().dump().snapshots)
      parent[sn.id] = sn.parent;
    const bool dependents = std::string(mode) == "remove-dependents";
    for (std::size_t k : {3, 1, 6, 0, 7, 2, 4, 5}) {
      SCOPED_TRACE(k);
      const HostState before = host->control().dump();
      std::set<Guid> doomed;
      for (const auto& c : before.snapshot_collections) {
        if (c.id.to_string() == made[k].key("CollectionID")->value)
          doomed.insert(c.members.begin(), c.members.end());
      }
      if (doomed.empty()) continue;  // went with a removed subtree
      call("DestroySnapshot", "AffectedSnapshotCollection", made[k]);
      if (dependents) {
        for (bool grew = true; grew;) {
          grew = false;
          for (const auto& [id, p] : parent)
            grew |= doomed.count(p) > 0 && doomed.insert(id).second;
        }
      }
      for (auto& [id, p] : parent) {
        while (doomed.count(p))
          p = parent.at(p);
      }
      for (const Guid& d : doomed)
        parent.erase(d);
      const HostState after = host->control().dump();
      ASSERT_TRUE(validate(after).ok()) << validate(after).message();
      std::map<Guid, Guid> seen;
      for (const auto& sn : after.snapshots)
        seen[sn.id] = sn.parent;
      EXPECT_EQ(seen, parent);
    }
  }
}

}  // namespace
}  // namespace hvsnap::sim::testing
