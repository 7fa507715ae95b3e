// 128-bit identifiers for everything the fake creates (VM Name, CollectionID, job
// InstanceID, snapshot InstanceID suffix). Stored as two words: compact and fast to hash,
// which the 100,000-snapshot benchmark needs.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace hvsnap::sim {

struct Guid {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;

  bool is_nil() const { return hi == 0 && lo == 0; }
  // Upper-case 8-4-4-4-12 form, as Hyper-V writes GUIDs.
  std::string to_string() const;
  // Appends the same 36 characters to `out` (no temporary string).
  void append_to(std::string& out) const;
  // Writes the same 36 characters at `out` (no terminating NUL).
  void write_to(char* out) const;
  // Accepts either case, with or without surrounding braces.
  static std::optional<Guid> parse(std::string_view text);
  // A stable GUID derived from text (fixtures give objects names, not ids).
  static Guid from_name(std::string_view kind, std::string_view name);

  friend auto operator<=>(const Guid&, const Guid&) = default;
};

// A GUID's text on the stack, after an optional prefix of up to 27 characters (a settings
// InstanceID's "Microsoft:"): what a path's key or a string value copies, with no heap string
// in between (decision 0112). The view is into this object.
class GuidText {
 public:
  explicit GuidText(const Guid& g, std::string_view prefix = {});
  std::string_view view() const { return {buf_, size_}; }
  operator std::string_view() const { return view(); }  // NOLINT(google-explicit-constructor)

 private:
  char buf_[63];
  std::uint8_t size_ = 0;
};

struct GuidHash {
  std::size_t operator()(const Guid& g) const noexcept {
    return static_cast<std::size_t>(g.hi * 0x9E3779B97F4A7C15ULL ^ g.lo);
  }
};

}  // namespace hvsnap::sim
