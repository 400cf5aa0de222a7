// Writing a file so that readers never see half of it: write a temporary file beside the target,
// flush it to disk, then rename it over the target (rename is atomic within one file system).
#pragma once
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include <fcntl.h>
#include <unistd.h>

#include <mixprec/error.hpp>

namespace mixprec::io {

/// Replaces `file` with `content` atomically. Throws io_error naming the file on failure; the old
/// content stays in place if anything goes wrong.
inline void write_file_atomically(const std::filesystem::path& file, std::string_view content) {
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  const std::filesystem::path tmp = file.string() + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw io_error(tmp.string() + ": cannot open for writing");
  const bool written = std::fwrite(content.data(), 1, content.size(), f) == content.size() &&
                       std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  if (std::fclose(f) != 0 || !written) {
    std::filesystem::remove(tmp);
    throw io_error(tmp.string() + ": write failed");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) throw io_error(file.string() + ": cannot replace: " + ec.message());
}

}  // namespace mixprec::io
