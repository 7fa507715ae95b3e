// Return codes and job states from their tables, open to raw values (CS-INV-1 ranges).
#include <gtest/gtest.h>

#include "hvsnap/cim/codes.h"

namespace hvsnap::cim {
namespace {

TEST(ReturnCode, KnownCodesComeFromTheTable) {
  EXPECT_EQ(ReturnCode(4).name(), "InvalidParameter");
  EXPECT_EQ(ReturnCode(4096).to_string(), "4096 (Method Parameters Checked - Job Started)");
  EXPECT_EQ(ReturnCode(32775).meaning(), "Invalid state for this operation");
  EXPECT_TRUE(ReturnCode(32779).is_known());
}

TEST(ReturnCode, UnknownValuesAreClassifiedByRange) {
  EXPECT_EQ(ReturnCode(7).name(), "DMTFReserved");
  EXPECT_EQ(ReturnCode(4095).name(), "DMTFReserved");
  EXPECT_EQ(ReturnCode(4097).name(), "MethodReserved");
  EXPECT_EQ(ReturnCode(32780).name(), "VendorSpecific");
  EXPECT_EQ(ReturnCode(70000).name(), "OutOfRange");
  EXPECT_FALSE(ReturnCode(7).is_known());
}

TEST(ReturnCode, MsvmPersonalityMapping) {
  EXPECT_EQ(ReturnCode::to_msvm(4), 32773U);
  EXPECT_EQ(ReturnCode::to_msvm(5), 32775U);
  EXPECT_EQ(ReturnCode::to_msvm(1), 32770U);
  EXPECT_EQ(ReturnCode::to_msvm(6), 32776U);
  EXPECT_EQ(ReturnCode::to_msvm(2), 32768U);
  EXPECT_EQ(ReturnCode::to_msvm(3), 32772U);
  EXPECT_EQ(ReturnCode::to_msvm(0), 0U);
  EXPECT_EQ(ReturnCode::to_msvm(4096), 4096U);
}

TEST(JobState, TerminalAndSuccessStates) {
  for (std::uint16_t v : {7, 8, 9, 10, 32768})
    EXPECT_TRUE(JobState(v).is_terminal()) << v;
  for (std::uint16_t v : {2, 3, 4, 5, 6, 11, 12})
    EXPECT_FALSE(JobState(v).is_terminal()) << v;
  EXPECT_TRUE(JobState(32768).is_success());
  EXPECT_FALSE(JobState(10).is_success());
  EXPECT_EQ(JobState(32768).to_string(), "32768 (Completed with Warnings)");
  EXPECT_EQ(JobState(40000).name(), "VendorReserved");
  EXPECT_EQ(JobState(13).name(), "DMTFReserved");
}

// Observation V1: real hosts show save/pause/resume as 1 (Other) with an OtherEnabledState, and
// vendor states such as 32779 FastSaved and 32783 Hibernated; the legacy vendor transitions occur.
TEST(EnabledStates, TransitionalAndSavedValuesOfRealHosts) {
  for (std::uint16_t v : {1, 4, 10, 32770, 32771, 32773, 32774, 32776, 32777, 32780})
    EXPECT_TRUE(EnabledState(v).is_transitional()) << v;
  for (std::uint16_t v : {2, 3, 6, 9, 32779, 32783})
    EXPECT_FALSE(EnabledState(v).is_transitional()) << v;
  for (std::uint16_t v : {6, 9, 32768, 32769, 32779, 32783})
    EXPECT_TRUE(EnabledState(v).is_saved()) << v;
  for (std::uint16_t v : {1, 2, 3, 4, 10})
    EXPECT_FALSE(EnabledState(v).is_saved()) << v;
  EXPECT_EQ(EnabledState(32779).to_string(), "32779 (FastSaved)");
  EXPECT_EQ(EnabledState(32783).meaning(), "Hibernated");
  EXPECT_EQ(EnabledState(40000).name(), "VendorReserved");
}

TEST(ReturnCode, VendorCodesMicrosoftsClientNames) {  // C2
  EXPECT_EQ(ReturnCode(32783).meaning(), "Reboot required");
  EXPECT_EQ(ReturnCode(32789).meaning(), "Object not found");
  EXPECT_EQ(ReturnCode(32795).name(), "VendorSpecific");
}

TEST(UserSnapshotType, TheCheckpointTypes) {
  EXPECT_EQ(UserSnapshotType(3).to_string(), "3 (Production (falls back to standard))");
  EXPECT_EQ(UserSnapshotType(9).meaning(), "Unknown");
}

}  // namespace
}  // namespace hvsnap::cim
