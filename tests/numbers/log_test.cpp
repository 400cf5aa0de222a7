#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <mixprec/numbers/log.hpp>

#include "golden_elementwise.hpp"

namespace {

using mixprec::config_error;
using mixprec::log_format;
using mixprec::testing::check_elementwise_case;
using mixprec::testing::golden_cases;
using mixprec::testing::optional_int;

bool same_bits(float a, float b) { return std::bit_cast<std::uint32_t>(a) == std::bit_cast<std::uint32_t>(b); }
constexpr float inf = std::numeric_limits<float>::infinity();

}  // namespace

TEST_SUITE("numbers/log") {

TEST_CASE("log matches every golden case bit for bit") {
  std::size_t ran = 0;
  for (const auto& c : golden_cases("log")) {
    const auto& p = c["params"];
    check_elementwise_case(c, log_format(p["width"].get<int>(), optional_int(p["exponent_bias"])));
    ++ran;
  }
  MESSAGE("log golden cases run: " << ran);
  REQUIRE(ran == 12);
}

TEST_CASE("log rounds in the log domain and has no zero") {
  const log_format f(8);  // bias 63: exponents -63 .. 64
  CHECK(f.bias() == 63);
  CHECK(f.quantize(1.4142135f) == 1.0f);  // float32 sqrt(2): log2 just below 0.5
  CHECK(f.quantize(1.5f) == 2.0f);
  CHECK(f.quantize(-3.0f) == -4.0f);      // log2 3 = 1.58 -> 2
  CHECK(f.quantize(0.0f) == std::ldexp(1.0f, -63));
  CHECK(same_bits(f.quantize(-0.0f), std::ldexp(1.0f, -63)));
  CHECK(f.quantize(-1e-30f) == std::ldexp(1.0f, -63));  // |x| < c: the sign is taken after adding c
  CHECK(f.quantize(inf) == std::ldexp(1.0f, 64));       // saturates, finite
  CHECK(f.quantize(-inf) == -std::ldexp(1.0f, 64));
  CHECK(std::isnan(f.quantize(std::numeric_limits<float>::quiet_NaN())));
}

TEST_CASE("log: x = -c is the only way to zero, and c moves thresholds at small widths") {
  const log_format f(3);  // bias 1: c = 0.05
  const float c = static_cast<float>(0.5 * 0.1);
  CHECK(f.quantize(-c) == 0.0f);
  CHECK(f.quantize(1.4142135f) == 2.0f);
  const log_format w1(1, 0);  // the smallest width, with an explicit bias: a single magnitude 2^0
  CHECK(w1.quantize(100.0f) == 1.0f);
  CHECK(w1.quantize(-0.01f) == 1.0f);  // -0.01 + c > 0
  CHECK(w1.quantize(-0.5f) == -1.0f);
  const log_format negative_bias(6, -3);
  CHECK(negative_bias.quantize(1.0f) == 8.0f);  // e_min = 3
}

TEST_CASE("span quantize rejects mismatched sizes") {
  std::vector<float> in(2), out(3);
  CHECK_THROWS_WITH_AS(log_format(8).quantize(in, out), doctest::Contains("log.quantize"), mixprec::shape_error);
}

TEST_CASE("bad log parameters throw config_error naming the field and value") {
  CHECK_THROWS_WITH_AS(log_format(0), doctest::Contains("log.width = 0"), config_error);
  CHECK_THROWS_WITH_AS(log_format(1), doctest::Contains("log.width = 1: must be >= 2 when exponent_bias"),
                       config_error);
  CHECK_THROWS_WITH_AS(log_format(33), doctest::Contains("log.width = 33"), config_error);
  CHECK_THROWS_WITH_AS(log_format(8, -(1 << 25)), doctest::Contains("log.exponent_bias = -33554432"), config_error);
}

}  // TEST_SUITE
