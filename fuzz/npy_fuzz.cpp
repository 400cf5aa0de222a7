// Fuzz target: the .npy reader on arbitrary file contents, then the element conversions.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <mixprec/io/npy.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const mixprec::fuzz::scratch_folder scratch;
  const auto file = scratch.write("input.npy", std::string_view(reinterpret_cast<const char*>(data), size));
  mixprec::fuzz::expect_documented_errors([&] {
    const mixprec::io::npy_array a = mixprec::io::read_npy(file);
    // An accepted array's shape must describe exactly its bytes (no wrapped element count).
    std::size_t count = 1;
    for (std::size_t d : a.shape)
      if (__builtin_mul_overflow(count, d, &count)) __builtin_trap();
    if (count != a.size()) __builtin_trap();
    // Every dtype converts to double; narrowing to another type is the caller's call.
    volatile double sum = 0;
    for (double v : a.as<double>()) sum = sum + v;
    if (a.dtype == mixprec::io::npy_dtype::f4)
      for (float v : a.as<float>()) sum = sum + v;
    (void)mixprec::io::read_npy(file, a.dtype, a.shape);
  });
  return 0;
}
