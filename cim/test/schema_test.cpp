// The wire schema: sorted, case-insensitive, and typed as Microsoft documents the classes.
#include <gtest/gtest.h>

#include "hvsnap/cim/schema.h"

namespace hvsnap::cim::schema {
namespace {

TEST(Schema, TableIsSortedForLookup) {
  EXPECT_TRUE(table_is_sorted());
}

TEST(Schema, KnowsTheTypesClientsRead) {
  ASSERT_NE(type_of("JobState"), nullptr);
  EXPECT_EQ(type_of("JobState")->type, CimType::kUint16);
  EXPECT_EQ(type_of("jobstate"), type_of("JOBSTATE"));
  EXPECT_EQ(type_of("Collection")->type, CimType::kReference);
  EXPECT_TRUE(type_of("OperationalStatus")->array);
  EXPECT_EQ(type_of("TimeBeforeRemoval")->type, CimType::kDateTime);
  EXPECT_EQ(type_of("ReturnValue")->type, CimType::kUint32);
  EXPECT_EQ(type_of("NoSuchProperty"), nullptr);
  EXPECT_EQ(type_of(""), nullptr);
}

}  // namespace
}  // namespace hvsnap::cim::schema
