// Runs a block format over one golden manifest case, out of place and in place: both must
// reproduce MASE's output bit for bit. Also small helpers shared by the block-format tests.
#pragma once
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "golden_cases.hpp"

namespace mixprec::testing {

/// Checks `f` on manifest case `c` (input shape from the .npy file, which the manifest repeats).
template <class Format>
void check_block_case(const nlohmann::json& c, const Format& f) {
  const auto in_arr = golden_array(c["input"].get<std::string>());
  const auto input = in_arr.as<float>();
  const auto expected = golden_array(c["output"].get<std::string>()).as<float>();
  const std::string id = c["id"].get<std::string>();
  REQUIRE(in_arr.shape == c["input_shape"].get<std::vector<std::size_t>>());
  std::vector<float> out(input.size());
  f.quantize(input, in_arr.shape, out);
  CHECK_MESSAGE(count_bit_mismatches(out, expected, input, id) == 0, id);
  std::vector<float> inplace = input;
  f.quantize(inplace, in_arr.shape, inplace);
  CHECK_MESSAGE(count_bit_mismatches(inplace, expected, input, id + " in place") == 0, id);
}

/// The integer list of a manifest parameter that MASE accepts as an int or a list of ints.
inline std::vector<int> int_list(const nlohmann::json& v) {
  if (v.is_number_integer()) return {v.get<int>()};
  return v.get<std::vector<int>>();
}

inline std::uint32_t float_bits(float v) { return std::bit_cast<std::uint32_t>(v); }

}  // namespace mixprec::testing

namespace mixprec::testing {

/// Runs `f` on `x` of `shape` and returns the result.
template <class Format>
std::vector<float> run_block(const Format& f, const std::vector<float>& x, std::vector<std::size_t> shape) {
  std::vector<float> y(x.size());
  f.quantize(x, shape, y);
  return y;
}

/// True when `got` and `want` agree bit for bit (any NaN equals any NaN; the sign of zero counts).
inline bool same_bits(const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
  return count_bit_mismatches(got, want, want, what) == 0;
}

}  // namespace mixprec::testing
