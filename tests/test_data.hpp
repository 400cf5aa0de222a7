// Paths to the test data folder, set by tests/CMakeLists.txt.
#pragma once
#include <filesystem>
#include <string>

namespace mixprec::testing {
inline std::filesystem::path data_dir() { return MIXPREC_TEST_DATA_DIR; }
inline std::filesystem::path golden_dir() { return data_dir() / "golden"; }
inline std::filesystem::path binary_dir() { return MIXPREC_TEST_BINARY_DIR; }
}  // namespace mixprec::testing
