// Shared by the fuzz targets: which exceptions are a normal outcome, and a scratch folder.
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

#include <unistd.h>

#include <mixprec/error.hpp>

namespace mixprec::fuzz {

/// Runs `f`; mixprec's documented errors are a normal outcome for bad input. Anything else
/// (std::bad_alloc, std::out_of_range, nlohmann's type_error, ...) escapes and ends the run.
template <class F>
void expect_documented_errors(F&& f) {
  try {
    f();
  } catch (const config_error&) {
  } catch (const shape_error&) {
  } catch (const io_error&) {
  }
}

/// A folder of this process's own under the temp folder, removed at exit.
class scratch_folder {
 public:
  scratch_folder() {
    dir_ = std::filesystem::temp_directory_path() / ("mixprec-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  ~scratch_folder() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  scratch_folder(const scratch_folder&) = delete;
  scratch_folder& operator=(const scratch_folder&) = delete;

  const std::filesystem::path& path() const { return dir_; }

  /// Replaces the folder's contents by nothing.
  void clear() const {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) std::filesystem::remove_all(e.path(), ec);
  }

  std::filesystem::path write(const std::string& name, std::string_view bytes) const {
    const auto file = dir_ / name;
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return file;
  }

 private:
  std::filesystem::path dir_;
};

}  // namespace mixprec::fuzz
