// Errors as values (docs/architecture.md, rule 4). Every layer boundary returns Result<T>;
// a Status carries a CIM status kind a caller can react to, plus a message for people.
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace hvsnap::cim {

// CIM status codes (DSP0200 CIM_ERR_*) plus two transport kinds a remote Provider needs.
// Add a kind only when some caller reacts to it differently.
enum class StatusKind : std::uint8_t {
  kOk = 0,
  kFailed = 1,
  kAccessDenied = 2,
  kInvalidNamespace = 3,
  kInvalidParameter = 4,
  kInvalidClass = 5,
  kNotFound = 6,
  kNotSupported = 7,
  kMethodNotFound = 17,
  kUnavailable = 100,  // the target could not be reached (connection refused, TLS, DNS)
  kTimeout = 101,      // the target did not answer in time
  kBadAnswer = 102,    // what came back is not an answer to the request (cut short, not a
                       // SOAP envelope, an HTTP status WS-Man does not use; decision 0161)
  kNotSent = 103,      // the request never left: no connection could be made (refused,
                       // unreachable, DNS, a TLS handshake); a method call may be sent again
                       // (decision 0166)
};

std::string_view to_string(StatusKind kind);

// No answer to the request was read: the target could not be reached, did not answer in time,
// or sent what is not an answer. Such a failure says nothing of the objects asked about
// (decision 0161); every other error is the target's own answer.
constexpr bool lost_on_the_wire(StatusKind kind) {
  return kind == StatusKind::kUnavailable || kind == StatusKind::kTimeout ||
         kind == StatusKind::kBadAnswer || kind == StatusKind::kNotSent;
}

class Status {
 public:
  Status() = default;
  Status(StatusKind kind, std::string message) : kind_(kind), message_(std::move(message)) {}

  bool ok() const { return kind_ == StatusKind::kOk; }
  StatusKind kind() const { return kind_; }
  const std::string& message() const { return message_; }
  // "NotFound: no Msvm_VirtualSystemCollection with CollectionID=…"
  std::string to_string() const;

  friend bool operator==(const Status&, const Status&) = default;

 private:
  StatusKind kind_ = StatusKind::kOk;
  std::string message_;
};

inline Status invalid_parameter(std::string message) {
  return {StatusKind::kInvalidParameter, std::move(message)};
}
inline Status not_found(std::string message) {
  return {StatusKind::kNotFound, std::move(message)};
}
inline Status failed(std::string message) {
  return {StatusKind::kFailed, std::move(message)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  // The value made in place from `args` (no move of a T into the result).
  template <class... Args>
  explicit Result(std::in_place_t, Args&&... args)
      : v_(std::in_place_index<0>, std::forward<Args>(args)...) {}
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok() && "a Result error needs a non-OK status");
  }

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  // By value, so `for (auto& x : *make_result())` does not dangle.
  T value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T operator*() && { return std::move(*this).value(); }

  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }

 private:
  std::variant<T, Status> v_;
};

}  // namespace hvsnap::cim

#define HVSNAP_CONCAT_INNER(a, b) a##b
#define HVSNAP_CONCAT(a, b) HVSNAP_CONCAT_INNER(a, b)
// Evaluates `expr` (a Result<T>); on error returns its Status from the enclosing function,
// otherwise moves the value into `lhs` (a declaration such as `auto x`, which parentheses would
// break: hence the NOLINT).
// NOLINTBEGIN(bugprone-macro-parentheses)
#define HVSNAP_ASSIGN_OR_RETURN(lhs, expr)                   \
  auto HVSNAP_CONCAT(hvsnap_result_, __LINE__) = (expr);     \
  if (!HVSNAP_CONCAT(hvsnap_result_, __LINE__).ok())         \
    return HVSNAP_CONCAT(hvsnap_result_, __LINE__).status(); \
  lhs = std::move(HVSNAP_CONCAT(hvsnap_result_, __LINE__)).value()
// NOLINTEND(bugprone-macro-parentheses)
