// The Status/Result matchers themselves: each accepts what it names and rejects the rest, and
// says why.
#include "hvsnap/cim/testing/status_matchers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hvsnap::cim {
namespace {

using ::testing::HasSubstr;
using testing::IsOk;
using ::testing::Not;
using testing::StatusIs;

template <class M, class T>
std::string explain(const M& matcher, const T& value) {
  ::testing::StringMatchResultListener listener;
  ::testing::Matcher<const T&>(matcher).MatchAndExplain(value, &listener);
  return listener.str();
}

TEST(StatusMatchers, IsOkAcceptsOkAndValuesRejectsErrors) {
  EXPECT_THAT(Status{}, IsOk());
  EXPECT_THAT(Result<int>(3), IsOk());
  const Result<int> bad(not_found("no VM 'x'"));
  EXPECT_THAT(bad, Not(IsOk()));
  EXPECT_THAT(explain(IsOk(), bad), HasSubstr("no VM 'x'"));
}

TEST(StatusMatchers, StatusIsChecksKindAndMessage) {
  const Status s = invalid_parameter("line 3: bad key");
  EXPECT_THAT(s, StatusIs(StatusKind::kInvalidParameter));
  EXPECT_THAT(s, StatusIs(StatusKind::kInvalidParameter, HasSubstr("line 3")));
  EXPECT_THAT(s, Not(StatusIs(StatusKind::kNotFound)));
  EXPECT_THAT(s, Not(StatusIs(StatusKind::kInvalidParameter, HasSubstr("line 4"))));
  EXPECT_THAT(Result<int>(1), Not(StatusIs(StatusKind::kFailed)));
  EXPECT_THAT(Result<int>(failed("boom")), StatusIs(StatusKind::kFailed, "boom"));
  EXPECT_THAT(explain(StatusIs(StatusKind::kNotFound), s), HasSubstr("line 3: bad key"));
}

}  // namespace
}  // namespace hvsnap::cim
