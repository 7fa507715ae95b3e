// WMI object-path text: the forms Hyper-V clients send, precise errors, and round trips.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "hvsnap/cim/object_path.h"
#include "hvsnap/cim/testing/generators.h"
#include "hvsnap/cim/testing/status_matchers.h"

namespace hvsnap::cim {
namespace {

using ::hvsnap::cim::testing::IsOk;
using ::testing::Not;

TEST(ObjectPath, ParsesTheFullWmiFormWithHostAndNamespace) {
  auto p = ObjectPath::parse(
      R"(\\HV01\root\virtualization\v2:Msvm_VirtualSystemCollection.CollectionID="5A1D7C1E-0000-4000-8000-000000000001")");
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->host(), "HV01");
  EXPECT_EQ(p->name_space(), "root\\virtualization\\v2");
  EXPECT_EQ(p->class_name(), "Msvm_VirtualSystemCollection");
  ASSERT_EQ(p->keys().size(), 1U);
  EXPECT_EQ(p->key("collectionid")->value, "5A1D7C1E-0000-4000-8000-000000000001");
}

TEST(ObjectPath, SetClassNameKeepsTheKeysAndTheRest) {
  auto p = ObjectPath::parse(
      R"(\\HV01\root\virtualization\v2:Msvm_ConcreteJob.InstanceID="5A1D7C1E-0000-4000-8000-000000000001")");
  ASSERT_THAT(p, IsOk());
  p->set_class_name(Name("msvm_concretejob"));
  EXPECT_EQ(p->class_name(), "msvm_concretejob");
  EXPECT_EQ(p->host(), "HV01");
  EXPECT_EQ(p->name_space(), "root\\virtualization\\v2");
  ASSERT_EQ(p->keys().size(), 1U);
  EXPECT_EQ(p->key("InstanceID")->value, "5A1D7C1E-0000-4000-8000-000000000001");
  EXPECT_EQ(
      p->to_string(),
      R"(\\HV01\root\virtualization\v2:msvm_concretejob.InstanceID="5A1D7C1E-0000-4000-8000-000000000001")");
}

TEST(ObjectPath, ParsesSlashNamespacesAndCanonicalisesThem) {
  auto p = ObjectPath::parse(
      R"(root/virtualization/v2:Msvm_ComputerSystem.CreationClassName="Msvm_ComputerSystem",Name="ABC")");
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->name_space(), "root\\virtualization\\v2");
  EXPECT_EQ(p->keys().size(), 2U);
}

TEST(ObjectPath, ParsesEscapesNumbersBooleansSingletonsAndUnnamedKeys) {
  auto p = ObjectPath::parse(R"(C.a="x\"y\\z",b=-12,c=true)");
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->key("a")->value, "x\"y\\z");
  EXPECT_EQ(p->key("b")->kind, KeyKind::kNumber);
  EXPECT_EQ(p->key("c")->value, "TRUE");
  EXPECT_EQ(p->to_string(), R"(C.a="x\"y\\z",b=-12,c=TRUE)");

  auto s = ObjectPath::parse("Msvm_Config=@");
  ASSERT_THAT(s, IsOk());
  EXPECT_TRUE(s->singleton());
  EXPECT_FALSE(s->is_class_path());

  auto u = ObjectPath::parse(R"(Win32_Service="spooler")");
  ASSERT_THAT(u, IsOk());
  EXPECT_EQ(u->keys().at(0).name, "");
  EXPECT_EQ(u->to_string(), R"(Win32_Service="spooler")");

  auto c = ObjectPath::parse("Msvm_VirtualSystemCollection");
  ASSERT_THAT(c, IsOk());
  EXPECT_TRUE(c->is_class_path());
}

TEST(ObjectPath, KeyValuesMayContainColonsAndDots) {
  auto p = ObjectPath::parse(R"(Msvm_VirtualSystemSettingData.InstanceID="Microsoft:AB.CD")");
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->name_space(), "");
  EXPECT_EQ(p->key("InstanceID")->value, "Microsoft:AB.CD");
}

TEST(ObjectPath, MalformedTextNamesWhatAndWhere) {
  EXPECT_EQ(ObjectPath::parse("").status().message(),
            "object path \"\": the path is empty (at offset 0)");
  EXPECT_EQ(ObjectPath::parse("C.k=").status().message(),
            "object path \"C.k=\": expected a key value (at offset 4)");
  EXPECT_EQ(ObjectPath::parse(R"(C.k="open)").status().message(),
            "object path \"C.k=\"open\": unterminated quoted key value (at offset 9)");
  EXPECT_EQ(ObjectPath::parse("9abc").status().message(),
            "object path \"9abc\": expected a class name (at offset 0)");
  EXPECT_EQ(ObjectPath::parse(R"(C.k="1",k="2")").status().message(),
            "object path \"C.k=\"1\",k=\"2\"\": key \"k\" appears twice (at offset 8)");
  EXPECT_EQ(ObjectPath::parse(R"(\\HOST\Class.k="1")").status().message(),
            "object path \"\\\\HOST\\Class.k=\"1\"\": a path with a host must name a namespace "
            "followed by ':' (at offset 7)");
  EXPECT_THAT(ObjectPath::parse("C.k=junk"), Not(IsOk()));
  EXPECT_THAT(ObjectPath::parse(R"(C.k="1" trailing)"), Not(IsOk()));
  EXPECT_THAT(ObjectPath::parse(":C.k=1"), Not(IsOk()));
  EXPECT_EQ(ObjectPath::parse("C.k=1;").status().kind(), StatusKind::kInvalidParameter);
}

TEST(ObjectPath, SameObjectIgnoresHostCaseAndKeyOrder) {
  auto a = ObjectPath::parse(
      R"(\\H1\root\virtualization\v2:Msvm_ComputerSystem.CreationClassName="Msvm_ComputerSystem",Name="abc")");
  auto b = ObjectPath::parse(
      R"(msvm_computersystem.name="ABC",creationclassname="msvm_computersystem")");
  auto c = ObjectPath::parse(
      R"(root\cimv2:Msvm_ComputerSystem.CreationClassName="Msvm_ComputerSystem",Name="abc")");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_TRUE(same_object(*a, *b));
  EXPECT_FALSE(same_object(*a, *c));
  EXPECT_FALSE(*a == *b);
}

// Decision 0106: a path keeps its first key inside itself and further keys on the heap; paths
// of 0, 1, 2 and 4 keys copy, move, compare and write their text the same either way.
TEST(ObjectPath, PathsOfAnyKeyCountCopyMoveAndCompare) {
  for (std::size_t n : {0U, 1U, 2U, 4U}) {
    SCOPED_TRACE(n);
    ObjectPath p("root\\virtualization\\v2", "C");
    for (std::size_t i = 0; i < n; ++i)
      p.add_key("K" + std::to_string(i), std::string(40, 'x') + std::to_string(i));
    ASSERT_EQ(p.keys().size(), n);
    const std::string text = p.to_string();
    const ObjectPath copy = p;
    EXPECT_EQ(copy, p);
    ObjectPath moved = std::move(p);
    EXPECT_EQ(moved, copy);
    EXPECT_EQ(moved.to_string(), text);
    auto parsed = ObjectPath::parse(text);
    ASSERT_THAT(parsed, IsOk());
    EXPECT_EQ(*parsed, copy);
    EXPECT_TRUE(same_object(*parsed, moved));
    for (std::size_t i = 0; i < n; ++i) {
      const Key* k = moved.key("k" + std::to_string(i));
      ASSERT_NE(k, nullptr);
      EXPECT_EQ(k->value, std::string(40, 'x') + std::to_string(i));
    }
    ObjectPath other("root\\virtualization\\v2", "C");
    other.add_key("K0", "different");
    EXPECT_EQ(other == copy, false);
    other = copy;
    EXPECT_EQ(other, copy);
  }
}

RC_GTEST_PROP(ObjectPathProperty, TextRoundTrips, ()) {
  const ObjectPath p = *testing::object_path();
  const auto parsed = ObjectPath::parse(p.to_string());
  RC_ASSERT(parsed.ok());
  RC_ASSERT(*parsed == p);
  RC_ASSERT(same_object(*parsed, p));
}

RC_GTEST_PROP(ObjectPathProperty, ArbitraryTextNeverCrashesTheParser, (const std::string& text)) {
  const auto parsed = ObjectPath::parse(text);
  if (parsed.ok()) {
    // Whatever parses re-parses from its own canonical text.
    const auto again = ObjectPath::parse(parsed->to_string());
    RC_ASSERT(again.ok());
    RC_ASSERT(*again == *parsed);
  } else {
    RC_ASSERT(parsed.status().kind() == StatusKind::kInvalidParameter);
  }
}

}  // namespace
}  // namespace hvsnap::cim
