// CIM names (class, namespace, host, property and key names). A provider emits the same
// few dozen schema names on every instance it returns; borrowing those from static storage
// costs nothing, while names read from the wire are owned. Compares as the text it holds.
#pragma once

#include <fmt/format.h>

#include <ostream>
#include <string>
#include <string_view>

namespace hvsnap::cim {

class Name {
 public:
  Name() = default;
  Name(const char* text) : owned_(text) {}             // NOLINT(google-explicit-constructor)
  Name(std::string text) : owned_(std::move(text)) {}  // NOLINT(google-explicit-constructor)
  Name(std::string_view text) : owned_(text) {}        // NOLINT(google-explicit-constructor)
  // A borrowed name copies as a view, without touching the (empty) owned string: every
  // instance a provider returns starts as a copy of its class's property list.
  Name(const Name& other) : borrowed_(other.borrowed_) {
    if (borrowed_.data() == nullptr) owned_ = other.owned_;
  }
  // A borrowed name moves as a view too (a provider moves the names of every path it builds:
  // decision 0112); an owned one moves its string.
  Name(Name&& other) noexcept : borrowed_(other.borrowed_) {
    if (borrowed_.data() == nullptr) owned_ = std::move(other.owned_);
  }
  Name& operator=(const Name&) = default;
  Name& operator=(Name&& other) noexcept {
    if (this == &other) return *this;
    borrowed_ = other.borrowed_;
    if (borrowed_.data() == nullptr) {
      owned_ = std::move(other.owned_);
    } else {
      owned_.clear();
    }
    return *this;
  }
  ~Name() = default;

  // A name over text that outlives every use (string literals, names:: constants).
  static Name borrow(std::string_view static_text) {
    Name n;
    n.borrowed_ = static_text.data() == nullptr ? std::string_view("") : static_text;
    return n;
  }

  std::string_view view() const {
    return borrowed_.data() != nullptr ? borrowed_ : std::string_view(owned_);
  }
  operator std::string_view() const { return view(); }  // NOLINT(google-explicit-constructor)
  std::string str() const { return std::string(view()); }
  bool empty() const { return view().empty(); }
  std::size_t size() const { return view().size(); }

  friend bool operator==(const Name& a, const Name& b) { return a.view() == b.view(); }
  friend bool operator==(const Name& a, std::string_view b) { return a.view() == b; }
  friend bool operator==(const Name& a, const char* b) { return a.view() == b; }
  friend std::ostream& operator<<(std::ostream& os, const Name& n) { return os << n.view(); }

 private:
  std::string owned_;
  std::string_view borrowed_;  // data() is null when the name is owned
};

inline std::string operator+(const std::string& a, const Name& b) {
  return a + std::string(b.view());
}
inline std::string operator+(const Name& a, const std::string& b) {
  return std::string(a.view()) + b;
}

namespace literals {
// "ElementName"_n: a borrowed name, for schema names written in code.
inline Name operator""_n(const char* text, std::size_t size) {
  return Name::borrow({text, size});
}
}  // namespace literals

}  // namespace hvsnap::cim

template <>
struct fmt::formatter<hvsnap::cim::Name> : fmt::formatter<std::string_view> {
  auto format(const hvsnap::cim::Name& n, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(n.view(), ctx);
  }
};
