// The GUID bits the fake attaches to the keys it writes (decision 0112) only save a parse: a
// path the fake made and the same path read back from its text (what a WS-Man client sends)
// name the same instance, and a key carried under another name or read with another prefix
// resolves as its text does (review of 0112).
#include <filesystem>

#include "harness.h"

namespace hvsnap::sim::testing {
namespace {

std::unique_ptr<Host> mixed_host() {
  auto state = fixtures::load_host_file(std::filesystem::path(HVSNAP_SOURCE_DIR) / "fixtures" /
                                        "hosts" / "mixed-states.yaml");
  EXPECT_TRUE(state.ok()) << state.status().to_string();
  if (!state.ok()) return nullptr;
  auto host = Host::create(std::move(state).value());
  EXPECT_TRUE(host.ok()) << host.status().to_string();
  return host.ok() ? std::move(host).value() : nullptr;
}

TEST(KeyBits, APathFromTheFakeAndTheSamePathFromItsTextNameTheSameInstance) {
  auto host = mixed_host();
  ASSERT_NE(host, nullptr);
  // A snapshot of the first group, so that there is a snapshot collection, checkpoints and a job.
  auto groups = host->enumerate_instances(names::kNamespace, names::kVmGroup);
  ASSERT_TRUE(groups.ok() && !groups->empty());
  const cim::MethodResult made_one = create_snapshot(*host, groups->front().path());
  ASSERT_EQ(made_one.return_value, 4096U);
  const cim::ObjectPath job = job_of(made_one);
  EXPECT_EQ(wait_job(*host, job), 7);
  auto job_by_text = cim::ObjectPath::parse(job.to_string());
  ASSERT_TRUE(job_by_text.ok());
  auto job_read = host->get_instance(job);
  auto job_read_by_text = host->get_instance(*job_by_text);
  ASSERT_TRUE(job_read.ok() && job_read_by_text.ok());
  EXPECT_EQ(*job_read, *job_read_by_text);
  std::size_t with_bits = 0;
  for (const std::string_view cls :
       {names::kComputerSystem, names::kVmGroup, names::kSnapshotCollection, names::kVssd}) {
    auto all = host->enumerate_instances(names::kNamespace, cls);
    ASSERT_TRUE(all.ok()) << all.status().to_string();
    ASSERT_FALSE(all->empty()) << cls;
    for (const cim::Instance& i : *all) {
      const cim::ObjectPath& made = i.path();
      for (const cim::Key& k : made.keys())
        with_bits += k.value.id().has_value() ? 1 : 0;
      auto parsed = cim::ObjectPath::parse(made.to_string());
      ASSERT_TRUE(parsed.ok()) << made.to_string();
      auto by_made = host->get_instance(made);
      auto by_text = host->get_instance(*parsed);
      ASSERT_TRUE(by_made.ok()) << made.to_string() << ": " << by_made.status().to_string();
      ASSERT_TRUE(by_text.ok()) << made.to_string() << ": " << by_text.status().to_string();
      EXPECT_EQ(*by_made, *by_text) << made.to_string();
    }
  }
  EXPECT_GT(with_bits, 0U);  // the fast path was exercised, not only the parse
}

TEST(KeyBits, AKeyCarriedUnderAnotherNameResolvesAsItsText) {
  auto host = mixed_host();
  ASSERT_NE(host, nullptr);
  auto settings = host->enumerate_instances(names::kNamespace, names::kVssd);
  ASSERT_TRUE(settings.ok() && !settings->empty());
  // A VSSD's InstanceID "Microsoft:<GUID of the VM or snapshot>", with its bits, made the Name of a
  // computer system: from text it names nothing, so with the bits it must name nothing either.
  const cim::Key* id = settings->front().path().key("InstanceID");
  ASSERT_NE(id, nullptr);
  ASSERT_TRUE(id->value.id().has_value());
  cim::Key renamed = *id;
  renamed.name = cim::Name("Name");
  const cim::ObjectPath carried(std::string(names::kNamespace), std::string(names::kComputerSystem),
                                cim::KeyList{renamed});
  auto from_text = cim::ObjectPath::parse(carried.to_string());
  ASSERT_TRUE(from_text.ok());
  const auto by_carried = host->get_instance(carried);
  const auto by_text = host->get_instance(*from_text);
  EXPECT_FALSE(by_text.ok());
  EXPECT_EQ(by_carried.ok(), by_text.ok()) << carried.to_string();
}

}  // namespace
}  // namespace hvsnap::sim::testing
