// The case-insensitive name index (decisions 0098, 0126): ihash is equal for names equal
// case-insensitively whatever their length (under eight bytes, eight, and over eight, a
// multiple of eight or not), and the index finds every name in any case and nothing else.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "hvsnap/cim/name_index.h"
#include "hvsnap/cim/text.h"

namespace hvsnap::cim {
namespace {

using namespace std::string_view_literals;

const std::vector<std::string_view> kNames = {"",
                                              "Id",
                                              "Name",
                                              "JobState",
                                              "InstanceID",
                                              "Name_",
                                              "ElementName",
                                              "TimeOfLastStateChange",
                                              "ErrorSummaryDescription",
                                              "OperationalStatus",
                                              "a@b",
                                              "Caption1",
                                              "Caption12345678",
                                              "Caption123456789",
                                              "VirtualSystemIdentifier"};

TEST(NameIndex, HashIsEqualForNamesEqualCaseInsensitively) {
  for (std::string_view n : kNames) {
    EXPECT_EQ(ihash(n), ihash(to_lower(n))) << n;
    EXPECT_EQ(ihash(n), ihash(to_upper(n))) << n;
  }
}

TEST(NameIndex, HashTellsApartNamesThatDiffer) {
  // Not a guarantee of a hash, but these differ in one letter, one byte past eight, or length.
  EXPECT_NE(ihash("JobState"), ihash("JobStatf"));
  EXPECT_NE(ihash("Caption12345678"), ihash("Caption12345679"));
  EXPECT_NE(ihash("Caption123456789"), ihash("Caption123456780"));
  EXPECT_NE(ihash("Name"), ihash("Name\0"sv));
  EXPECT_NE(ihash("InstanceID"), ihash("InstanceId2"));
}

TEST(NameIndex, FindsEveryNameInAnyCaseAndNothingElse) {
  const NameIndex index(kNames);
  for (std::uint32_t i = 0; i < kNames.size(); ++i) {
    EXPECT_EQ(index.find(kNames[i]), i) << kNames[i];
    EXPECT_EQ(index.find(to_lower(kNames[i])), i) << kNames[i];
    EXPECT_EQ(index.find(to_upper(kNames[i])), i) << kNames[i];
  }
  // Bytes that differ only in the case bit but are not letters are different names.
  EXPECT_EQ(index.find("a`b"), std::nullopt);
  EXPECT_EQ(index.find("Name\x7f"), std::nullopt);
  EXPECT_EQ(index.find("JobStat"), std::nullopt);
  EXPECT_EQ(index.find("JobStates"), std::nullopt);
  EXPECT_EQ(index.find("Caption1234567"), std::nullopt);
}

TEST(NameIndex, RefusesANameTwice) {
  EXPECT_THROW(NameIndex({"JobState", "jobstate"}), std::invalid_argument);
  EXPECT_THROW(NameIndex({"Caption123456789", "CAPTION123456789"}), std::invalid_argument);
}

}  // namespace
}  // namespace hvsnap::cim
