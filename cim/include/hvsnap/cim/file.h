// Reading a file the user named (fixture, credentials, password, certificate, report file):
// only a regular file, only up to a size limit, never blocking on a FIFO or a device, and an
// error that names the file and says what it is instead.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "hvsnap/cim/result.h"

namespace hvsnap::cim {

inline constexpr std::size_t kMaxSmallFileBytes = std::size_t{64} * 1024;  // credentials, passwords

// The whole content of `path`. `what` names the file in errors ("the fixture", "the password
// file"): "cannot read the fixture 'x.yaml' (no such file)", "the fixture '/dev/zero' is a
// character device; only a regular file is read".
// Errors (InvalidParameter): missing or unreadable, not a regular file (a directory, FIFO,
// device, socket), or larger than max_bytes. The string's capacity is at least its size plus
// `spare` (a parser that reads past the end, such as simdjson's padding, uses it in place).
Result<std::string> read_regular_file(const std::string& path, std::size_t max_bytes,
                                      std::string_view what, std::size_t spare = 0);

// How FileBytes gives its buffer back: the length of a mapping, or 0 for an array.
struct FileBytesRelease {
  std::size_t mapped = 0;
  void operator()(char* p) const;
};

// A file's bytes as read_file_bytes read them, with spare() more bytes readable (and zero)
// after them. Moves only.
class FileBytes {
 public:
  FileBytes() = default;
  std::string_view view() const { return {data_.get(), size_}; }
  std::size_t spare() const { return capacity_ - size_; }

 private:
  friend Result<FileBytes> read_file_bytes(const std::string& path, std::size_t max_bytes,
                                           std::string_view what, std::size_t spare);
  std::unique_ptr<char[], FileBytesRelease> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

// read_regular_file's checks and errors, the bytes read once into their buffer and never
// copied (a fixture of tens of MB, decision 0145): a large buffer is mapped, its pages made on
// a second core as the reads fill it (decision 0150) or else at once, rather than one fault a
// page.
Result<FileBytes> read_file_bytes(const std::string& path, std::size_t max_bytes,
                                  std::string_view what, std::size_t spare = 0);

// The same checks without reading: `path` exists, is a regular file, and is at most
// max_bytes (for files a library opens itself, such as a CA bundle).
Status check_regular_file(const std::string& path, std::size_t max_bytes, std::string_view what);

}  // namespace hvsnap::cim
