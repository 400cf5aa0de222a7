// Access to the golden quantizer manifest (tests/data/golden/quantizers/manifest.json) and a
// bit-exact comparison: raw float32 bits, any NaN equals any NaN, the sign of zero counts.
#pragma once
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <mixprec/io/npy.hpp>

#include "../test_data.hpp"

namespace mixprec::testing {

inline const nlohmann::json& golden_manifest() {
  static const nlohmann::json m = [] {
    std::ifstream in(golden_dir() / "quantizers" / "manifest.json");
    return nlohmann::json::parse(in);
  }();
  return m;
}

/// Every manifest case whose "arith" equals `arith`.
inline std::vector<nlohmann::json> golden_cases(const std::string& arith) {
  std::vector<nlohmann::json> out;
  for (const auto& c : golden_manifest()["cases"])
    if (c["arith"] == arith) out.push_back(c);
  return out;
}

inline io::npy_array golden_array(const std::string& relative) {
  return io::read_npy(golden_dir() / "quantizers" / relative);
}

/// Number of elements whose float32 bits differ (NaN == NaN; -0 != +0). Reports the first few.
inline std::size_t count_bit_mismatches(const std::vector<float>& actual, const std::vector<float>& expected,
                                        const std::vector<float>& input, const std::string& id) {
  REQUIRE(actual.size() == expected.size());
  std::size_t bad = 0;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const bool both_nan = std::isnan(actual[i]) && std::isnan(expected[i]);
    if (!both_nan && std::bit_cast<std::uint32_t>(actual[i]) != std::bit_cast<std::uint32_t>(expected[i])) {
      if (bad < 5)
        MESSAGE(id << " [" << i << "] input " << (i < input.size() ? input[i] : 0.f) << " got " << actual[i]
                   << " expected " << expected[i]);
      ++bad;
    }
  }
  return bad;
}

}  // namespace mixprec::testing
