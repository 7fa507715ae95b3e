// The neighbours a VM-management client reads (contract §1, decision 0015), in the order a
// libvirt-style Hyper-V client reads them: the OS version (to pick the v2 namespace), the
// BIOS UUID, the computer system and its processors, every VM (running and off) with its
// state, process id, CPU count and memory, and start / pause / resume / stop.
#include "harness.h"

namespace hvsnap::sim::testing {
namespace {

using cim::Value;

constexpr const char* kHost = R"(
schema: 1
host: HV-CLIENT
vms:
  - {name: web, state: running, cpus: 4, memory-mb: 8192}
  - {name: db, state: off, cpus: 2}
  - {name: spare, state: saved}
)";

std::vector<cim::Instance> all(Host& h, std::string_view ns, std::string_view cls) {
  auto r = h.enumerate_instances(ns, cls);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? *r : std::vector<cim::Instance>{};
}

std::vector<cim::Instance> related(Host& h, const cim::ObjectPath& from, std::string_view assoc,
                                   std::string_view result) {
  auto r = h.associators(from, {std::string(assoc), std::string(result), "", ""});
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? *r : std::vector<cim::Instance>{};
}

TEST(Neighbours, TheHostDescribesItselfInRootCimv2) {
  for (auto [build, version] : {std::pair{26100u, "10.0.26100"}, std::pair{20348u, "10.0.20348"}}) {
    auto host = make_host(std::string(kHost) + "host-build: " + std::to_string(build) + "\n");
    ASSERT_TRUE(host);
    const auto os = all(*host, names::kCimv2Namespace, names::kWin32OperatingSystem);
    ASSERT_EQ(os.size(), 1U);
    EXPECT_EQ(os[0].get_string("Version"), version);
    EXPECT_EQ(os[0].get_string("BuildNumber"), std::to_string(build));
    EXPECT_TRUE(host->get_instance(os[0].path()).ok()) << os[0].path().to_string();
  }
  auto host = make_host(kHost);
  ASSERT_TRUE(host);
  const auto product = all(*host, names::kCimv2Namespace, names::kWin32ComputerSystemProduct);
  ASSERT_EQ(product.size(), 1U);
  EXPECT_TRUE(Guid::parse(product[0].get_string("UUID"))) << product[0].get_string("UUID");
  EXPECT_TRUE(host->get_instance(product[0].path()).ok());
  const auto cs = all(*host, names::kCimv2Namespace, names::kWin32ComputerSystem);
  ASSERT_EQ(cs.size(), 1U);
  EXPECT_EQ(cs[0].get_string("Name"), "HV-CLIENT");
  // ASSOCIATORS OF {Win32_ComputerSystem.Name='HV-CLIENT'} WHERE AssocClass =
  // Win32_ComputerSystemProcessor ResultClass = Win32_Processor
  auto path = cim::ObjectPath::parse(R"(root\cimv2:Win32_ComputerSystem.Name="HV-CLIENT")");
  ASSERT_TRUE(path.ok());
  const auto cpus =
      related(*host, *path, names::kWin32ComputerSystemProcessor, names::kWin32Processor);
  ASSERT_EQ(cpus.size(), 1U);
  EXPECT_GT(*cpus[0].get_uint("NumberOfLogicalProcessors"), 0U);
  EXPECT_GT(*cpus[0].get_uint("MaxClockSpeed"), 0U);
  EXPECT_GT(*cs[0].get_uint("TotalPhysicalMemory"), 0U);
}

TEST(Neighbours, EveryVmIsListedWithStateProcessIdCpusAndMemory) {
  auto host = make_host(kHost);
  ASSERT_TRUE(host);
  std::map<std::string, cim::Instance> vms;
  for (const auto& cs : all(*host, names::kNamespace, names::kComputerSystem)) {
    if (cs.get_string("Description") == "Microsoft Hosting Computer System") continue;
    ASSERT_EQ(cs.get_string("Description"), "Microsoft Virtual Machine");
    vms.emplace(cs.get_string("ElementName"), cs);
  }
  ASSERT_EQ(vms.size(), 3U) << "running and off VMs alike";
  EXPECT_EQ(*vms.at("web").get_uint("EnabledState"), 2U);
  EXPECT_GT(*vms.at("web").get_uint("ProcessID"), 0U);
  EXPECT_TRUE(vms.at("db").get("ProcessID")->is_null()) << "an Off VM has no worker process";
  EXPECT_TRUE(vms.at("spare").get("ProcessID")->is_null());
  const std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> want = {
      {"web", {4, 8192}}, {"db", {2, 1024}}, {"spare", {1, 1024}}};
  for (const auto& [name, cs] : vms) {
    SCOPED_TRACE(name);
    const auto vssd = related(*host, cs.path(), names::kSettingsDefineState, names::kVssd);
    ASSERT_EQ(vssd.size(), 1U);
    const auto cpu =
        related(*host, vssd[0].path(), names::kVssdComponent, names::kProcessorSettingData);
    const auto mem =
        related(*host, vssd[0].path(), names::kVssdComponent, names::kMemorySettingData);
    ASSERT_EQ(cpu.size(), 1U);
    ASSERT_EQ(mem.size(), 1U);
    EXPECT_EQ(*cpu[0].get_uint("VirtualQuantity"), want.at(name).first);
    EXPECT_EQ(*mem[0].get_uint("VirtualQuantity"), want.at(name).second);
    // Read back by path, as a client that kept the InstanceID does.
    EXPECT_TRUE(host->get_instance(cpu[0].path()).ok()) << cpu[0].path().to_string();
    EXPECT_TRUE(host->get_instance(mem[0].path()).ok());
    // Both components, and no more, hang off the live settings.
    EXPECT_EQ(related(*host, vssd[0].path(), names::kVssdComponent, "").size(), 2U);
  }
  const auto hosts = all(*host, names::kNamespace, names::kComputerSystem);
  EXPECT_EQ(std::count_if(hosts.begin(), hosts.end(),
                          [](const cim::Instance& i) {
                            return i.get_string("Description") ==
                                   "Microsoft Hosting Computer System";
                          }),
            1);
}

TEST(Neighbours, StartPauseResumeAndStopThroughRequestStateChange) {
  auto host = make_host(kHost);
  ASSERT_TRUE(host);
  const auto db = vm(*host, "db");
  auto go = [&](std::uint16_t state) {
    cim::PropertyList in;
    cim::set(in, "RequestedState", Value::uint16(state));
    auto r = host->invoke_method(db, "RequestStateChange", in);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->return_value, 4096U) << state;
    EXPECT_EQ(wait_job(*host, job_of(*r)), 7U);
  };
  auto state = [&] { return *host->get_instance(db)->get_uint("EnabledState"); };
  auto has_pid = [&] { return !host->get_instance(db)->get("ProcessID")->is_null(); };
  go(2);
  EXPECT_EQ(state(), 2U);
  EXPECT_TRUE(has_pid());
  go(32776);
  EXPECT_EQ(state(), 9U);
  go(32777);
  EXPECT_EQ(state(), 2U);
  go(3);
  EXPECT_EQ(state(), 3U);
  EXPECT_FALSE(has_pid());
}

}  // namespace
}  // namespace hvsnap::sim::testing
