// An exclusive lock on an output folder, so two processes never write the same search: flock(2)
// on a lock file inside the folder, held until the lock object is destroyed (the kernel drops it
// when the process dies, so a killed run leaves nothing stale). The holder writes its pid there.
#pragma once
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <mixprec/error.hpp>

namespace mixprec::io {

/// Holds an exclusive flock on `<folder>/<name>` for its lifetime.
class folder_lock {
 public:
  /// The lock file's name inside a locked folder.
  static constexpr const char* default_name = "search.lock";

  /// Takes the lock at once or throws io_error naming the folder (and the holder's pid when it
  /// recorded one); never waits. The folder must exist.
  explicit folder_lock(const std::filesystem::path& folder, const std::string& name = default_name)
      : path_(folder / name) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0)
      throw io_error(path_.string() + ": cannot open the lock file of " + folder.string() + ": " +
                     std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      const std::string holder = read_pid();
      ::close(fd_);
      fd_ = -1;
      if (err == EWOULDBLOCK)
        throw io_error(folder.string() + ": another search is writing to this folder (" +
                       (holder.empty() ? std::string("a process") : "pid " + holder) + " holds " + path_.string() +
                       "); wait for it to finish or use another output folder");
      throw io_error(path_.string() + ": cannot lock " + folder.string() + ": " + std::strerror(err));
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    // The pid is only a hint for messages: failing to record it does not matter.
    if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, pid.data(), pid.size(), 0);
  }
  folder_lock(const folder_lock&) = delete;
  folder_lock& operator=(const folder_lock&) = delete;
  ~folder_lock() {
    if (fd_ < 0) return;
    // Forget the pid while still holding the lock, so a later holder that records none (flock(1))
    // is not reported under this process's pid. The file stays: removing it would race.
    (void)!::ftruncate(fd_, 0);
    ::close(fd_);
  }

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  // The pid recorded by the holder, or "" (the holder may be a tool that records none).
  [[nodiscard]] std::string read_pid() const {
    char buf[32] = {};
    const auto n = ::pread(fd_, buf, sizeof buf - 1, 0);
    std::string s(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    for (char c : s)
      if (c < '0' || c > '9') return "";
    return s;
  }

  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace mixprec::io
