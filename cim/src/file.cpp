// Bounded reads of regular files only (see file.h).
#include "hvsnap/cim/file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hvsnap::cim {

namespace {

const char* kind_of(mode_t m) {
  if (S_ISDIR(m)) return "a directory";
  if (S_ISFIFO(m)) return "a FIFO (named pipe)";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

std::string size_text(std::size_t n) {
  constexpr std::size_t kMiB = std::size_t{1024} * 1024;
  if (n >= kMiB && n % kMiB == 0) return fmt::format("{} MiB", n / kMiB);
  if (n >= 1024 && n % 1024 == 0) return fmt::format("{} KiB", n / 1024);
  return fmt::format("{} bytes", n);
}

// Opens without blocking (a FIFO with no writer would block a plain open) and checks the
// type and size on the open descriptor, so that nothing changes between check and read.
Result<int> open_checked(const std::string& path, std::size_t max_bytes, std::string_view what) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    const int e = errno;
    return invalid_parameter(fmt::format("cannot read {} '{}' ({})", what, path,
                                         e == ENOENT ? "no such file" : std::strerror(e)));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    return invalid_parameter(fmt::format("{} '{}': {}", what, path, std::strerror(e)));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return invalid_parameter(
        fmt::format("{} '{}' is {}; only a regular file is read", what, path, kind_of(st.st_mode)));
  }
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return invalid_parameter(fmt::format("{} '{}' is {} bytes; at most {} is read", what, path,
                                         st.st_size, size_text(max_bytes)));
  }
  return fd;
}

}  // namespace

Status check_regular_file(const std::string& path, std::size_t max_bytes, std::string_view what) {
  auto fd = open_checked(path, max_bytes, what);
  if (!fd.ok()) return fd.status();
  ::close(*fd);
  return {};
}

Result<std::string> read_regular_file(const std::string& path, std::size_t max_bytes,
                                      std::string_view what) {
  auto fd = open_checked(path, max_bytes, what);
  if (!fd.ok()) return fd.status();
  std::string out;
  char buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(*fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      ::close(*fd);
      return invalid_parameter(
          fmt::format("cannot read {} '{}' ({})", what, path, std::strerror(e)));
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      ::close(*fd);
      return invalid_parameter(
          fmt::format("{} '{}' grew past {} while being read", what, path, size_text(max_bytes)));
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(*fd);
  return out;
}

}  // namespace hvsnap::cim
