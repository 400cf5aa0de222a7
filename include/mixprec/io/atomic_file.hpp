// Writing a file so that readers never see half of it: write a temporary file beside the target,
// flush it to disk, then rename it over the target (rename is atomic within one file system).
#pragma once
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

#include <mixprec/error.hpp>

namespace mixprec::io {

/// Replaces `file` with `content` atomically; with `sync`, the content reaches the disk before the
/// rename (else a power loss may leave the file empty, never half written for a reader). Throws
/// io_error naming the file and the system's reason on failure; the old content then stays.
inline void write_file_atomically(const std::filesystem::path& file, std::string_view content, bool sync = true) {
  std::error_code ec;
  if (file.has_parent_path()) {
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) throw io_error(file.parent_path().string() + ": cannot create the folder: " + ec.message());
  }
  const std::filesystem::path tmp = file.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw io_error(tmp.string() + ": cannot open for writing: " + std::strerror(errno));
  const auto fail = [&](const char* what, int err) {
    ::close(fd);
    std::filesystem::remove(tmp, ec);
    throw io_error(tmp.string() + ": " + what + ": " + std::strerror(err));
  };
  std::size_t done = 0;
  while (done < content.size()) {
    const auto n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("write failed", errno);
    done += static_cast<std::size_t>(n);
  }
  if (sync && ::fsync(fd) != 0) fail("sync failed", errno);
  if (::close(fd) != 0) {
    const int err = errno;
    std::filesystem::remove(tmp, ec);
    throw io_error(tmp.string() + ": write failed: " + std::strerror(err));
  }
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw io_error(file.string() + ": cannot replace: " + ec.message());
  }
}

}  // namespace mixprec::io
