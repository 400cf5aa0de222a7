// Runs an elementwise format over one golden manifest case: out-of-place, in place and one value
// at a time must all reproduce MASE's output bit for bit.
#pragma once
#include <bit>
#include <optional>
#include <cstdint>
#include <string>
#include <vector>

#include "golden_cases.hpp"

namespace mixprec::testing {

template <class Format>
void check_elementwise_case(const nlohmann::json& c, const Format& f) {
  const auto input = golden_array(c["input"].get<std::string>()).as<float>();
  const auto expected = golden_array(c["output"].get<std::string>()).as<float>();
  std::vector<float> out(input.size());
  f.quantize(input, out);
  CHECK_MESSAGE(count_bit_mismatches(out, expected, input, c["id"]) == 0, c["id"]);
  std::vector<float> inplace = input;
  f.quantize(inplace, inplace);
  CHECK_MESSAGE(count_bit_mismatches(inplace, expected, input, c["id"].get<std::string>() + " in place") == 0,
                c["id"]);
  std::vector<float> one(input.size());
  for (std::size_t i = 0; i < input.size(); ++i) one[i] = f.quantize(input[i]);
  CHECK_MESSAGE(count_bit_mismatches(one, expected, input, c["id"].get<std::string>() + " scalar") == 0, c["id"]);
}

/// The bias parameter of a manifest case: JSON null means MASE's None (the default bias).
inline std::optional<int> optional_int(const nlohmann::json& v) {
  if (v.is_null()) return std::nullopt;
  return v.get<int>();
}

}  // namespace mixprec::testing
