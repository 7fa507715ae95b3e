// The generated schema table (decision 0014): sorted for lookup, faithful to the reference on
// the facts the fake and the suite lean on (types, keys, value maps, IN/OUT, builds).
#include <gtest/gtest.h>

#include <algorithm>

#include "hvsnap/cim/schema.h"
#include "hvsnap/cim/schema_table.h"
#include "hvsnap/cim/text.h"

namespace hvsnap::cim::schema {
namespace {

TEST(SchemaTable, ClassesAreSortedAndFoundCaseInsensitively) {
  const auto all = classes();
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end(), [](const ClassDef& a, const ClassDef& b) {
    return ILess{}(a.name, b.name);
  }));
  ASSERT_NE(find_class("msvm_computersystem"), nullptr);
  EXPECT_EQ(find_class("msvm_computersystem")->name, "Msvm_ComputerSystem");
  EXPECT_EQ(find_class("Msvm_NoSuchClass"), nullptr);
  EXPECT_GE(all.size(), 30U);
  EXPECT_EQ(known_builds().front(), 9200U);
  EXPECT_EQ(known_builds().back(), 29617U);
}

TEST(SchemaTable, PropertiesCarryTypesKeysValueMapsAndBuilds) {
  const ClassDef* cs = find_class("Msvm_ComputerSystem");
  ASSERT_NE(cs, nullptr);
  EXPECT_EQ(cs->name_space, "root\\virtualization\\v2");
  const PropertyDef* es = cs->property("EnabledState");
  ASSERT_NE(es, nullptr);
  EXPECT_EQ(es->type, CimType::kUint16);
  EXPECT_TRUE(in_value_map(es->value_map(), 2));
  EXPECT_TRUE(in_value_map(es->value_map(), 32779)) << "the vendor range (V1)";
  EXPECT_TRUE(cs->property("Name")->key);
  EXPECT_FALSE(cs->property("ElementName")->key);
  EXPECT_EQ(cs->property("ProcessID")->type, CimType::kUint32);
  EXPECT_TRUE(cs->property("OperationalStatus")->array);
  const PropertyDef* vtl = cs->property("ManagementVtlImageVersion");
  ASSERT_NE(vtl, nullptr);
  EXPECT_FALSE(vtl->exists_at(20348));
  EXPECT_TRUE(vtl->exists_at(26100));
  const ClassDef* vssd = find_class("Msvm_VirtualSystemSettingData");
  EXPECT_FALSE(vssd->property("UserSnapshotType")->exists_at(9600));
  EXPECT_TRUE(vssd->property("UserSnapshotType")->exists_at(10240));
  EXPECT_EQ(vssd->property("IsSaved")->type, CimType::kBoolean);
  EXPECT_EQ(find_class("Msvm_VirtualSystemCollection")->property("LastApplyTime")->type,
            CimType::kDateTime);
  EXPECT_TRUE(in_value_map(find_class("Msvm_ConcreteJob")->property("Status")->value_map(), "OK"));
  // Association references are keys; both ends name their class.
  const ClassDef* pc = find_class("Msvm_ParentChildSettingData");
  EXPECT_TRUE(pc->association);
  EXPECT_TRUE(pc->property("Antecedent")->key);
  EXPECT_EQ(pc->property("Dependent")->ref_class, "Msvm_VirtualSystemSettingData");
}

TEST(SchemaTable, MethodsCarryDirectionsTypesAndReturnMaps) {
  const ClassDef* css = find_class("Msvm_CollectionSnapshotService");
  const MethodDef* create = css->method("CreateSnapshot");
  ASSERT_NE(create, nullptr);
  EXPECT_EQ(create->param("Collection")->direction, ParamDirection::kIn);
  EXPECT_EQ(create->param("Collection")->type, CimType::kReference);
  EXPECT_EQ(create->param("ResultingSnapshotCollection")->direction, ParamDirection::kInOut);
  EXPECT_EQ(create->param("Job")->direction, ParamDirection::kOut);
  EXPECT_EQ(create->param("SnapshotType")->type, CimType::kUint16);
  EXPECT_TRUE(in_value_map(create->return_map(), 4096));
  EXPECT_TRUE(in_value_map(create->return_map(), 40000)) << "32768..65535 vendor specific";
  EXPECT_FALSE(in_value_map(create->return_map(), 7)) << "DMTF reserved is not an entry";
  EXPECT_FALSE(css->method("ApplySnapshot")->exists_at(10240));
  EXPECT_TRUE(css->method("ApplySnapshot")->exists_at(10586));
  const MethodDef* job_rsc = find_class("Msvm_ConcreteJob")->method("RequestStateChange");
  EXPECT_FALSE(in_value_map(job_rsc->return_map(), 4097)) << "C4: {0, 32768..32778}";
  EXPECT_TRUE(in_value_map(job_rsc->return_map(), 32775));
  const MethodDef* summary =
      find_class("Msvm_VirtualSystemManagementService")->method("GetSummaryInformation");
  ASSERT_NE(summary, nullptr);
  EXPECT_EQ(summary->param("SummaryInformation")->type, CimType::kInstance);
}

TEST(SchemaTable, NeighboursLiveInTheirNamespaces) {
  EXPECT_EQ(find_class("Win32_OperatingSystem")->name_space, "root\\cimv2");
  EXPECT_TRUE(find_class("Win32_ComputerSystemProduct")->property("IdentifyingNumber")->key);
  EXPECT_EQ(find_class("Msvm_ProcessorSettingData")->property("VirtualQuantity")->type,
            CimType::kUint64);
  EXPECT_TRUE(find_class("Win32_ComputerSystemProcessor")->association);
}

TEST(SchemaTable, TypeOfLearnsUnambiguousNamesFromTheTable) {
  ASSERT_NE(type_of("IsSaved"), nullptr);
  EXPECT_EQ(type_of("IsSaved")->type, CimType::kBoolean);
  EXPECT_EQ(type_of("ProcessID")->type, CimType::kUint32);
  EXPECT_EQ(type_of("ConsistencyLevel")->type, CimType::kUint8) << "the hand table wins";
  EXPECT_EQ(type_of("Msvm_ReferencePointCollection", "ConsistencyLevel")->type, CimType::kUint16);
  EXPECT_EQ(type_of("Msvm_ComputerSystem", "NoSuchThing"), std::nullopt);
}

}  // namespace
}  // namespace hvsnap::cim::schema
