// Text with room for a GUID key inside it: an object path's key values (decision 0112). A
// provider's keys are GUIDs of 36 characters, 46 with the "Microsoft:" prefix of a settings
// InstanceID, past std::string's 15-character buffer: every path made allocated for its key.
// Up to kInlineCapacity characters live inside the text; longer text (a reference key's path)
// goes to the heap. Reads as a std::string_view; the view (and data()/c_str()) is invalidated
// by moving, assigning or destroying the text.
//
// A producer that writes the text of a 128-bit identifier (a GUID) may attach the identifier
// (`assign_with_id`): a reader that needs the number (a provider resolving a path it made)
// takes `id()` instead of parsing the text. Any change of the text forgets it; copies and
// moves keep it; it is not part of equality, and text from the wire never has one.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace hvsnap::cim {

class InlineText {
 public:
  // 80 bytes in all: a heap pointer, the identifier, the size and this many characters with
  // their NUL.
  static constexpr std::size_t kInlineCapacity = 50;
  struct Id128 {
    std::uint64_t hi = 0;
    std::uint64_t lo = 0;
  };

  InlineText() noexcept { buf_[0] = '\0'; }
  InlineText(std::string_view text) { init(text); }  // NOLINT(google-explicit-constructor)
  InlineText(const std::string& text) : InlineText(std::string_view(text)) {}  // NOLINT
  InlineText(const char* text) : InlineText(std::string_view(text)) {}         // NOLINT
  InlineText(const InlineText& other) : id_(other.id_), size_(other.size_), has_id_(other.has_id_) {
    if (other.heap_ == nullptr) {
      std::memcpy(buf_, other.buf_, sizeof buf_);  // a fixed size: inline
    } else {
      init(other.view());
    }
  }
  InlineText(InlineText&& other) noexcept
      : heap_(other.heap_), id_(other.id_), size_(other.size_), has_id_(other.has_id_) {
    if (heap_ == nullptr) std::memcpy(buf_, other.buf_, sizeof buf_);  // a fixed size: inline
    other.heap_ = nullptr;                                             // the source is left empty
    other.size_ = 0;
    other.has_id_ = false;
    other.buf_[0] = '\0';
  }
  InlineText& operator=(const InlineText& other) {
    if (this != &other) {
      assign(other.view());
      id_ = other.id_;
      has_id_ = other.has_id_;
    }
    return *this;
  }
  InlineText& operator=(InlineText&& other) noexcept {
    if (this == &other) return *this;
    delete[] heap_;
    heap_ = other.heap_;
    id_ = other.id_;
    size_ = other.size_;
    has_id_ = other.has_id_;
    if (heap_ == nullptr) std::memcpy(buf_, other.buf_, sizeof buf_);  // a fixed size: inline
    other.heap_ = nullptr;
    other.size_ = 0;
    other.has_id_ = false;
    other.buf_[0] = '\0';
    return *this;
  }
  InlineText& operator=(std::string_view text) {
    assign(text);
    return *this;
  }
  InlineText& operator=(const std::string& text) { return *this = std::string_view(text); }
  InlineText& operator=(const char* text) { return *this = std::string_view(text); }
  ~InlineText() { delete[] heap_; }

  const char* data() const { return heap_ != nullptr ? heap_ : buf_; }
  const char* c_str() const { return data(); }  // NUL-terminated
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool is_inline() const { return heap_ == nullptr; }
  std::string_view view() const { return {data(), size_}; }
  operator std::string_view() const { return view(); }  // NOLINT(google-explicit-constructor)
  std::string str() const { return std::string(view()); }

  // The text of `id`, written by the caller, with the identifier it was written from.
  void assign_with_id(std::string_view text, Id128 id) {
    assign(text);
    id_ = id;
    has_id_ = true;
  }
  // The identifier the text was written from, if its producer gave it.
  std::optional<Id128> id() const {
    if (!has_id_) return std::nullopt;
    return id_;
  }

  friend bool operator==(const InlineText& a, const InlineText& b) { return a.view() == b.view(); }
  friend bool operator==(const InlineText& a, std::string_view b) { return a.view() == b; }
  friend bool operator==(const InlineText& a, const std::string& b) { return a.view() == b; }
  friend bool operator==(const InlineText& a, const char* b) { return a.view() == b; }
  friend std::ostream& operator<<(std::ostream& os, const InlineText& t) { return os << t.view(); }

 private:
  void init(std::string_view text) {
    size_ = static_cast<std::uint32_t>(text.size());
    char* to = buf_;
    if (text.size() > kInlineCapacity) {
      heap_ = new char[text.size() + 1];
      to = heap_;
    }
    if (!text.empty()) std::memcpy(to, text.data(), text.size());
    to[text.size()] = '\0';
  }
  void assign(std::string_view text) {
    // `text` may view this text itself: it is copied before the old storage is freed.
    if (text.size() > kInlineCapacity) {
      InlineText copy(text);
      *this = std::move(copy);
      return;
    }
    if (!text.empty()) std::memmove(buf_, text.data(), text.size());
    buf_[text.size()] = '\0';
    delete[] heap_;
    heap_ = nullptr;
    size_ = static_cast<std::uint32_t>(text.size());
    has_id_ = false;
  }

  char* heap_ = nullptr;  // owned; null while the text is inside
  Id128 id_;
  std::uint32_t size_ = 0;
  bool has_id_ = false;
  char buf_[kInlineCapacity + 1];
};

static_assert(sizeof(InlineText) == 80);

inline std::string operator+(const std::string& a, const InlineText& b) {
  return a + std::string(b.view());
}
inline std::string operator+(const InlineText& a, const std::string& b) {
  return std::string(a.view()) + b;
}

}  // namespace hvsnap::cim

template <>
struct fmt::formatter<hvsnap::cim::InlineText> : fmt::formatter<std::string_view> {
  auto format(const hvsnap::cim::InlineText& t, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(t.view(), ctx);
  }
};
