// Reading a file the user named (fixture, credentials, password, certificate, report file):
// only a regular file, only up to a size limit, never blocking on a FIFO or a device, and an
// error that names the file and says what it is instead.
#pragma once

#include <cstddef>
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

// The same checks without reading: `path` exists, is a regular file, and is at most
// max_bytes (for files a library opens itself, such as a CA bundle).
Status check_regular_file(const std::string& path, std::size_t max_bytes, std::string_view what);

}  // namespace hvsnap::cim
