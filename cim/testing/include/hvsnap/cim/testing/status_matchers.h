// GoogleTest matchers for Status and Result<T> (docs/architecture.md, rule 4: errors as values).
//
//   EXPECT_THAT(load(text), IsOk());
//   EXPECT_THAT(load(bad), StatusIs(StatusKind::kInvalidParameter, HasSubstr("line 3")));
//
// A failure prints the status kind and its message, so a failed expectation says why without an
// extra `<< r.status().to_string()` at every call.
#pragma once

#include <gmock/gmock.h>

#include <ostream>
#include <string>

#include "hvsnap/cim/result.h"

namespace hvsnap::cim {

// How gtest prints a Status or a Result in a failure message.
inline void PrintTo(const Status& s, std::ostream* os) {
  *os << (s.ok() ? std::string("OK") : s.to_string());
}
template <class T>
void PrintTo(const Result<T>& r, std::ostream* os) {
  *os << (r.ok() ? std::string("OK (a value)") : r.status().to_string());
}

namespace testing {

namespace detail {
inline const Status& status_of(const Status& s) {
  return s;
}
template <class T>
const Status& status_of(const Result<T>& r) {
  return r.status();
}
}  // namespace detail

// Matches an OK Status or a Result holding a value.
MATCHER(IsOk, negation ? "is an error" : "is OK") {
  const Status& s = detail::status_of(arg);
  if (!s.ok()) *result_listener << "whose status is " << s.to_string();
  return s.ok();
}

// Matches a Status or Result whose kind is `kind` and whose message matches `message`.
MATCHER_P2(StatusIs, kind, message,
           std::string(negation ? "has no status " : "has the status ") +
               std::string(to_string(kind)) + " with a message that " +
               ::testing::DescribeMatcher<std::string>(message, negation)) {
  const Status& s = detail::status_of(arg);
  *result_listener << "whose status is " << (s.ok() ? std::string("OK") : s.to_string());
  return s.kind() == kind && ::testing::ExplainMatchResult(::testing::Matcher<std::string>(message),
                                                           s.message(), result_listener);
}

// Matches a Status or Result whose kind is `kind`, whatever its message.
MATCHER_P(StatusIs, kind,
          std::string(negation ? "has no status " : "has the status ") +
              std::string(to_string(kind))) {
  const Status& s = detail::status_of(arg);
  *result_listener << "whose status is " << (s.ok() ? std::string("OK") : s.to_string());
  return s.kind() == kind;
}

}  // namespace testing
}  // namespace hvsnap::cim
