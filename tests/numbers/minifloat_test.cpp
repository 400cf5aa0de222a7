#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <mixprec/numbers/minifloat.hpp>

#include "golden_elementwise.hpp"

namespace {

using mixprec::config_error;
using mixprec::minifloat_denorm_format;
using mixprec::minifloat_ieee_format;
using mixprec::testing::check_elementwise_case;
using mixprec::testing::golden_cases;
using mixprec::testing::optional_int;

bool same_bits(float a, float b) { return std::bit_cast<std::uint32_t>(a) == std::bit_cast<std::uint32_t>(b); }
constexpr float inf = std::numeric_limits<float>::infinity();

}  // namespace

TEST_SUITE("numbers/minifloat") {

TEST_CASE("minifloat_ieee matches every golden case bit for bit") {
  std::size_t ran = 0;
  for (const auto& c : golden_cases("minifloat_ieee")) {
    const auto& p = c["params"];
    check_elementwise_case(c, minifloat_ieee_format(p["width"].get<int>(), p["exponent_width"].get<int>(),
                                                    optional_int(p["exponent_bias"])));
    ++ran;
  }
  MESSAGE("minifloat_ieee golden cases run: " << ran);
  REQUIRE(ran == 17);
}

TEST_CASE("minifloat_denorm matches every golden case bit for bit") {
  std::size_t ran = 0;
  for (const auto& c : golden_cases("minifloat_denorm")) {
    const auto& p = c["params"];
    check_elementwise_case(c, minifloat_denorm_format(p["width"].get<int>(), p["exponent_width"].get<int>(),
                                                      optional_int(p["exponent_bias"])));
    ++ran;
  }
  MESSAGE("minifloat_denorm golden cases run: " << ran);
  REQUIRE(ran == 17);
}

TEST_CASE("minifloat_ieee E4M3 grid: max, normals, subnormals, no carry, ties to even") {
  const minifloat_ieee_format f(8, 4, 7);
  CHECK(f.bias() == 7);
  CHECK(f.mantissa_width() == 3);
  CHECK(f.quantize(480.0f) == 480.0f);
  CHECK(f.quantize(1e6f) == 480.0f);       // saturates
  CHECK(f.quantize(-1e6f) == -480.0f);
  CHECK(f.quantize(1.0f) == 1.0f);
  CHECK(f.quantize(1.0625f) == 1.0f);      // tie between 1 and 1.125 -> even fraction 0
  CHECK(f.quantize(1.1875f) == 1.25f);     // tie between 1.125 and 1.25 -> even fraction 2
  CHECK(f.quantize(1.96875f) == 1.875f);   // no carry into the next binade
  CHECK(f.quantize(0.015625f) == 0.015625f);          // 2^-6, the smallest normal
  CHECK(f.quantize(std::ldexp(3.0f, -9)) == std::ldexp(3.0f, -9));  // a subnormal
  CHECK(f.quantize(std::ldexp(1.0f, -10)) == 0.0f);   // half a subnormal step: ties to 0
  CHECK(f.quantize(std::ldexp(3.0f, -10)) == std::ldexp(2.0f, -9));  // 1.5 steps -> 2 steps
}

TEST_CASE("minifloat formats pass tiny values through and turn -0 into +0 and inf into NaN") {
  const minifloat_ieee_format f(8, 4);
  const minifloat_denorm_format d(8, 4);
  for (const auto& q : {+[](float x) { return minifloat_ieee_format(8, 4).quantize(x); },
                        +[](float x) { return minifloat_denorm_format(8, 4).quantize(x); }}) {
    CHECK(q(1e-9f) == 1e-9f);
    CHECK(q(-1e-8f) == -1e-8f);
    CHECK(same_bits(q(-0.0f), 0.0f));
    CHECK(same_bits(q(0.0f), 0.0f));
    CHECK(std::isnan(q(inf)));
    CHECK(std::isnan(q(-inf)));
    CHECK(std::isnan(q(std::numeric_limits<float>::quiet_NaN())));
    CHECK(std::isnan(q(std::numeric_limits<float>::quiet_NaN())));
  }
  CHECK(f.quantize(std::numeric_limits<float>::denorm_min()) == std::numeric_limits<float>::denorm_min());
  CHECK(d.quantize(2e-8f) == 0.0f);  // just above the pass-through threshold: quantized
}

TEST_CASE("minifloat_denorm never represents an exact power of two") {
  const minifloat_denorm_format d(8, 4);
  CHECK(d.quantize(1.0f) == 0.875f);
  CHECK(d.quantize(2.0f) == 1.75f);
  CHECK(d.quantize(-2.0f) == -1.75f);
  CHECK(d.quantize(0.75f) == 0.75f);
  CHECK(d.quantize(1e9f) == 0.875f * 256.0f);  // max (1 - 2^-M) * 2^e_max, e_max = 15 - 7
}

TEST_CASE("minifloat formats accept zero mantissa bits and negative biases") {
  const minifloat_ieee_format f(5, 4);  // M = 0: powers of two only
  CHECK(f.quantize(3.0f) == 2.0f);
  CHECK(f.quantize(1.4f) == 1.0f);
  const minifloat_ieee_format g(8, 4, -2);
  CHECK(g.quantize(1e9f) == std::ldexp(1.875f, 17));  // e_max = 15 + 2
  const minifloat_denorm_format d(2, 1);  // smallest width: sign + 1 exponent bit, M = 0
  CHECK(d.quantize(0.7f) == 0.0f);
}

TEST_CASE("span quantize rejects mismatched sizes") {
  std::vector<float> in(5), out(4);
  CHECK_THROWS_WITH_AS(minifloat_ieee_format(8, 4).quantize(in, out), doctest::Contains("minifloat_ieee.quantize"),
                       mixprec::shape_error);
  CHECK_THROWS_AS(minifloat_denorm_format(8, 4).quantize(in, out), mixprec::shape_error);
}

TEST_CASE("bad minifloat parameters throw config_error naming the field and value") {
  CHECK_THROWS_WITH_AS(minifloat_ieee_format(8, 0), doctest::Contains("minifloat_ieee.exponent_width = 0"),
                       config_error);
  CHECK_THROWS_WITH_AS(minifloat_ieee_format(4, 4), doctest::Contains("minifloat_ieee.width = 4: must be >= "
                                                                      "exponent_width + 1 = 5"),
                       config_error);
  CHECK_THROWS_WITH_AS(minifloat_denorm_format(0, 1), doctest::Contains("minifloat_denorm.width = 0"), config_error);
  CHECK_THROWS_WITH_AS(minifloat_denorm_format(65, 4), doctest::Contains("minifloat_denorm.width = 65"),
                       config_error);
  CHECK_THROWS_WITH_AS(minifloat_denorm_format(8, 31), doctest::Contains("minifloat_denorm.exponent_width = 31"),
                       config_error);
  CHECK_THROWS_WITH_AS(minifloat_ieee_format(8, 4, 1 << 25),
                       doctest::Contains("minifloat_ieee.exponent_bias = 33554432"), config_error);
}

}  // TEST_SUITE
