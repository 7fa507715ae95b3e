// Bounded reads of regular files only (see file.h).
#include "hvsnap/cim/file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>

#include "hvsnap/cim/pages_ahead.h"

namespace hvsnap::cim {

namespace {

constexpr std::size_t kReadBytes = std::size_t{16} * 1024 * 1024;  // at most one read() asks

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

void FileBytesRelease::operator()(char* p) const {
  if (mapped != 0) {
    ::munmap(p, mapped);
  } else {
    delete[] p;
  }
}

namespace {

// At least this many bytes are mapped (their pages made together) instead of allocated (one
// page fault each as the read fills them).
constexpr std::size_t kMapBytes = std::size_t{1} << 20;

// A buffer of `bytes`. A mapped one has its pages made on the second core while the reads fill
// it (`ahead`, which must be empty, decision 0150), or else at once: by the mapping, or, when
// the thread could not start, by one call.
std::unique_ptr<char[], FileBytesRelease> allocate(std::size_t bytes,
                                                   std::optional<PagesAhead>& ahead) {
  if (bytes >= kMapBytes) {
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    const std::size_t mapped = (bytes + page - 1) / page * page;
    const bool beside = PagesAhead::would_start(mapped);
    void* p = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | (beside ? 0 : MAP_POPULATE), -1, 0);
    if (p != MAP_FAILED) {
      if (beside) {
        ahead.emplace(p, mapped);
#ifdef MADV_POPULATE_WRITE
        if (!ahead->started()) ::madvise(p, mapped, MADV_POPULATE_WRITE);  // as MAP_POPULATE
#endif
      }
      return std::unique_ptr<char[], FileBytesRelease>(static_cast<char*>(p),
                                                       FileBytesRelease{mapped});
    }
  }
  return std::unique_ptr<char[], FileBytesRelease>(new char[bytes]);
}

}  // namespace

Result<FileBytes> read_file_bytes(const std::string& path, std::size_t max_bytes,
                                  std::string_view what, std::size_t spare) {
  auto fd = open_checked(path, max_bytes, what);
  if (!fd.ok()) return fd.status();
  // Large reads into a buffer of the file's size, one byte more (so the end is seen without
  // regrowing) and the spare (decision 0117; the bytes stay where they were read, 0145).
  struct stat st {};
  std::size_t cap = 0;
  if (::fstat(*fd, &st) == 0 && st.st_size > 0) cap = static_cast<std::size_t>(st.st_size);
  cap = std::min(cap, max_bytes) + 1;
  FileBytes out;
  std::optional<PagesAhead> ahead;  // stopped before `out` goes (declared after it)
  out.data_ = allocate(cap + spare, ahead);
  std::size_t got = 0;
  for (;;) {
    if (got == cap) {  // the file grew while being read
      if (cap > max_bytes) {
        ::close(*fd);
        return invalid_parameter(
            fmt::format("{} '{}' grew past {} while being read", what, path, size_text(max_bytes)));
      }
      const std::size_t bigger = std::min(max_bytes + 1, cap + std::max(cap, kReadBytes));
      std::optional<PagesAhead> grown_ahead;
      auto grown = allocate(bigger + spare, grown_ahead);
      std::memcpy(grown.get(), out.data_.get(), got);
      ahead = std::move(grown_ahead);  // the old buffer's thread stopped before that buffer goes
      out.data_ = std::move(grown);
      cap = bigger;
    }
    const ssize_t n = ::read(*fd, out.data_.get() + got, std::min(cap - got, kReadBytes));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      ::close(*fd);
      return invalid_parameter(
          fmt::format("cannot read {} '{}' ({})", what, path, std::strerror(e)));
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(*fd);  // got <= max_bytes: a read that filled max_bytes + 1 was refused above
  std::memset(out.data_.get() + got, 0, spare);
  out.size_ = got;
  out.capacity_ = got + spare;
  return out;
}

Result<std::string> read_regular_file(const std::string& path, std::size_t max_bytes,
                                      std::string_view what, std::size_t spare) {
  auto bytes = read_file_bytes(path, max_bytes, what);
  if (!bytes.ok()) return bytes.status();
  std::string out;
  out.reserve(bytes->view().size() + spare);
  out.append(bytes->view());
  return out;
}

}  // namespace hvsnap::cim
