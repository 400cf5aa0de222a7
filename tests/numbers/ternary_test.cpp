#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <mixprec/numbers/ternary.hpp>

#include "golden_elementwise.hpp"

namespace {

using mixprec::config_error;
using mixprec::shape_error;
using mixprec::ternary_format;
using mixprec::ternary_head_format;
using mixprec::ternary_params;
using mixprec::testing::count_bit_mismatches;
using mixprec::testing::golden_array;
using mixprec::testing::golden_cases;

bool same_bits(float a, float b) { return std::bit_cast<std::uint32_t>(a) == std::bit_cast<std::uint32_t>(b); }

std::optional<double> opt(const nlohmann::json& p, const char* key) {
  if (!p.contains(key) || p[key].is_null()) return std::nullopt;
  return p[key].get<double>();
}

}  // namespace

TEST_SUITE("numbers/ternary") {

TEST_CASE("ternary and ternary_head match every golden case bit for bit") {
  std::size_t ran_seed = 0, ran_head = 0;
  for (const auto& c : golden_cases("ternary")) {
    const auto& p = c["params"];
    const auto arr = golden_array(c["input"].get<std::string>());
    const auto input = arr.as<float>();
    const auto expected = golden_array(c["output"].get<std::string>()).as<float>();
    const bool scaled = p["scaling_factor"].get<bool>();
    std::vector<float> out(input.size());
    const bool seed = std::find(c["commits"].begin(), c["commits"].end(), "seed") != c["commits"].end();
    if (seed) {
      const ternary_format f({.threshold = opt(p, "threshold"), .mean = opt(p, "mean"), .median = opt(p, "median"),
                              .maximum = opt(p, "maximum"), .scaling_factor = scaled});
      f.quantize(input, out);
      ++ran_seed;
    } else {
      ternary_head_format(scaled).quantize(input, arr.shape, out);
      ++ran_head;
    }
    CHECK_MESSAGE(count_bit_mismatches(out, expected, input, c["id"]) == 0, c["id"]);
  }
  MESSAGE("ternary (seed) golden cases run: " << ran_seed << ", ternary_head: " << ran_head);
  REQUIRE(ran_seed == 13);
  REQUIRE(ran_head == 2);
}

TEST_CASE("seed ternary resolves its threshold in MASE's priority order") {
  CHECK(ternary_format({.threshold = 0.0, .mean = 1.0}).threshold == 0.0);
  CHECK(ternary_format({.mean = 0.4, .median = 2.0}).threshold == 0.75 * 0.4);
  CHECK(ternary_format({.mean = 0.0, .median = 2.0}).threshold == 1.5);  // a zero mean is falsy
  CHECK(ternary_format({.maximum = 4.0}).threshold == 0.05 * 4.0);
  CHECK_THROWS_WITH_AS(ternary_format(ternary_params{}), doctest::Contains("ternary.threshold = None"), config_error);
  CHECK_THROWS_AS(ternary_format({.mean = 0.0}), config_error);
}

TEST_CASE("seed ternary comparisons are asymmetric, as in MASE") {
  const ternary_format f({.threshold = 0.5});
  CHECK(f.level(0.5f) == 0.0f);
  CHECK(f.level(-0.5f) == -1.0f);
  CHECK(f.level(0.6f) == 1.0f);
  CHECK(f.level(std::numeric_limits<float>::quiet_NaN()) == 0.0f);
  const ternary_format z({.threshold = 0.0});
  CHECK(z.level(0.0f) == -1.0f);
  CHECK(z.level(-0.0f) == -1.0f);
}

TEST_CASE("scaled seed ternary multiplies by the signed mean of the whole input") {
  const ternary_format f({.threshold = 0.5, .scaling_factor = true});
  const std::vector<float> in{1.0f, -4.0f, 0.0f, 1.0f};  // mean -0.5
  std::vector<float> out(in.size());
  f.quantize(in, out);
  CHECK(out[0] == -0.5f);
  CHECK(out[1] == 0.5f);
  CHECK(same_bits(out[2], -0.0f));  // 0 * negative mean
  std::vector<float> empty;
  f.quantize(empty, empty);
  std::vector<float> small(1);
  CHECK_THROWS_AS(f.quantize(in, small), shape_error);
}

TEST_CASE("ternary_head gives NaN for a sample with nothing above its threshold") {
  const std::vector<float> in{0.0f, 0.0f, 0.0f, 0.0f, 1.0f, -1.0f, 0.25f, 0.0f};
  const std::vector<std::size_t> shape{2, 2, 2, 1};
  std::vector<float> out(in.size());
  ternary_head_format(true).quantize(in, shape, out);
  CHECK(std::isnan(out[0]));
  // sample 1: delta = 0.75 * 2.25 / 4 = 0.421875; alpha = mean(1, 1) = 1
  CHECK(out[4] == 1.0f);
  CHECK(out[5] == -1.0f);
  CHECK(out[6] == 0.0f);
  ternary_head_format(false).quantize(in, shape, out);
  CHECK(same_bits(out[0], 0.0f));
  const std::vector<std::size_t> three_d{2, 2, 2};
  CHECK_THROWS_WITH_AS(ternary_head_format(false).quantize(in, three_d, out),
                       doctest::Contains("ternary_head.quantize: shape has rank 3: must be 4-D"), shape_error);
}

}  // TEST_SUITE
