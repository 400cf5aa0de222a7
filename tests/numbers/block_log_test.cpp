#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <mixprec/numbers/block_log.hpp>

#include "golden_block.hpp"

namespace {

using mixprec::block_log_format;
using mixprec::config_error;
using mixprec::shape_error;
using mixprec::testing::float_bits;
using mixprec::testing::golden_cases;
using mixprec::testing::run_block;
using mixprec::testing::same_bits;

constexpr float inf = std::numeric_limits<float>::infinity();
const float qnan = std::numeric_limits<float>::quiet_NaN();

}  // namespace

TEST_SUITE("numbers/block_log") {

TEST_CASE("block_log matches every golden case bit for bit") {
  std::size_t ran = 0;
  for (const auto& c : golden_cases("block_log")) {
    const auto& p = c["params"];
    const block_log_format f{{.width = p["width"].get<int>(),
                              .exponent_bias_width = p["exponent_bias_width"].get<int>(),
                              .block_size = mixprec::testing::int_list(p["block_size"]),
                              .skip_first_dim = p["skip_first_dim"].get<bool>()}};
    mixprec::testing::check_block_case(c, f);
    ++ran;
  }
  REQUIRE(ran == 76);
}


TEST_CASE("block_log: zeros have no code and map to +2^-beta; an all-zero tensor uses P = 1") {
  // width 3 (eb = 2), P = 1: beta = 3 - 0 = 3, c = 0.0125, log2(0.0125) rounds to -6, clamped to -3.
  const block_log_format f{{.width = 3, .exponent_bias_width = 4, .block_size = {2}, .skip_first_dim = false}};
  CHECK(same_bits(run_block(f, {0.0f, -0.0f, 0.0f}, {3}), {0.125f, 0.125f, 0.125f}, "zeros"));
}

TEST_CASE("block_log: NaN poisons its block and every all-zero block; inf saturates") {
  const block_log_format f{{.width = 3, .exponent_bias_width = 4, .block_size = {2}, .skip_first_dim = false}};
  CHECK(same_bits(run_block(f, {0.0f, 0.0f, qnan, 1.0f, 4.0f, 1.0f}, {6}), {qnan, qnan, qnan, qnan, 4.0f, 1.0f},
                  "nan"));
  // An inf block gets beta = 0: range [0, 3], c = 0.1; inf -> 2^3, 1 -> 1, 0 -> 2^0.
  const block_log_format g{{.width = 3, .exponent_bias_width = 4, .block_size = {4}, .skip_first_dim = false}};
  CHECK(same_bits(run_block(g, {inf, -inf, 1.0f, 0.0f}, {4}), {8.0f, -8.0f, 1.0f, 1.0f}, "inf"));
}

TEST_CASE("block_log: a ragged last block gets its own bias") {
  // [4, 4] -> beta 1; the ragged [0.01]: ceil(log2 0.01) = -6, beta = 9, range [-9, -6]: 0.01 -> 2^-7.
  const block_log_format f{{.width = 3, .exponent_bias_width = 4, .block_size = {2}, .skip_first_dim = false}};
  CHECK(same_bits(run_block(f, {4.0f, 4.0f, 0.01f}, {3}), {4.0f, 4.0f, 0.0078125f}, "ragged"));
  // In one block with the 4s (beta = 1, e_min = -1) the same 0.01 becomes 2^-1.
  const block_log_format whole{{.width = 3, .exponent_bias_width = 4, .block_size = {8}, .skip_first_dim = false}};
  CHECK(same_bits(run_block(whole, {4.0f, 4.0f, 0.01f}, {3}), {4.0f, 4.0f, 0.5f}, "block larger than tensor"));
}

TEST_CASE("block_log: skip_first_dim gives per-row blocks; fold paths turn -0 into +0") {
  const block_log_format rows{{.width = 3, .exponent_bias_width = 4, .block_size = {2}, .skip_first_dim = true}};
  const block_log_format strips{{.width = 3, .exponent_bias_width = 4, .block_size = {2}, .skip_first_dim = false}};
  const std::vector<float> x{4.0f, 4.0f, 0.01f, 0.01f};
  CHECK(same_bits(run_block(rows, x, {2, 2}), {4.0f, 4.0f, 0.0078125f, 0.0078125f}, "rows"));
  CHECK(same_bits(run_block(strips, x, {2, 2}), {4.0f, 4.0f, 0.5f, 0.5f}, "strips"));
  // x = -c exactly gives sign 0 and so -0 * 2^e = -0 on a reshape path, +0 after fold.
  // P = 1 with width 3: beta = 3, c = float32(2^-3) * 0.1f.
  const float c = 0.125f * 0.1f;
  CHECK(float_bits(run_block(strips, {1.0f, -c}, {2})[1]) == float_bits(0.0f));  // sign(0) * 2^e = +0
  CHECK(float_bits(run_block(strips, {1.0f, -c}, {1, 2})[1]) == float_bits(0.0f));
}

TEST_CASE("block_log: the smallest widths") {
  // width 1: no exponent bits, beta = 0, every element is sign(x + 0.1) * 1.
  const block_log_format w1{{.width = 1, .exponent_bias_width = 4, .block_size = {4}, .skip_first_dim = false}};
  CHECK(same_bits(run_block(w1, {0.3f, -5.0f, -0.05f}, {3}), {1.0f, -1.0f, 1.0f}, "width 1"));
  // Alone in a block, -0.05 gets beta = 4 and c = 2^-4 * 0.1 < 0.05, so it keeps its sign: -2^-4.
  const block_log_format w1b{{.width = 1, .exponent_bias_width = 4, .block_size = {2}, .skip_first_dim = false}};
  CHECK(same_bits(run_block(w1b, {0.3f, -5.0f, -0.05f}, {3}), {1.0f, -1.0f, -0.0625f}, "width 1, ragged"));
  // exponent_bias_width 0: beta is always 0, so the block max no longer matters.
  const block_log_format b0{{.width = 3, .exponent_bias_width = 0, .block_size = {2}, .skip_first_dim = false}};
  CHECK(same_bits(run_block(b0, {0.01f, 100.0f}, {2}), {1.0f, 8.0f}, "bias width 0"));
}

TEST_CASE("block_log: fast round(log2) agrees with the correctly rounded float32 log2") {
  using mixprec::detail::round_log2_f32;
  std::uint32_t s = 12345u;
  int bad = 0;
  for (int i = 0; i < 200000; ++i) {  // random bit patterns: every binade, subnormals, inf, NaN
    s = s * 1664525u + 1013904223u;
    const float v = std::bit_cast<float>(s & 0x7FFFFFFFu);
    const float want = std::nearbyint(mixprec::detail::log2_f32(v));
    bad += float_bits(round_log2_f32(v)) != float_bits(want) && !(std::isnan(v));
  }
  for (int k = -126; k <= 127; ++k) {  // densely around sqrt(2) * 2^k, where the ties live
    float v = std::ldexp(1.4142135f, k);
    for (int j = 0; j < 64; ++j) v = std::nextafter(v, 0.0f);
    for (int j = 0; j < 128; ++j, v = std::nextafter(v, inf))
      bad += float_bits(round_log2_f32(v)) != float_bits(std::nearbyint(mixprec::detail::log2_f32(v)));
  }
  CHECK(bad == 0);
  // The float32 tie: log2 of float32(sqrt 2) is a hair below 0.5, the next float's rounds up.
  CHECK(round_log2_f32(1.4142135f) == 0.0f);
  CHECK(round_log2_f32(std::nextafter(1.4142135f, 2.0f)) == 1.0f);
  CHECK(round_log2_f32(0.0f) == -inf);
  CHECK(float_bits(round_log2_f32(0.9f)) == float_bits(-0.0f));  // round(-0.15) keeps the sign
  CHECK(std::isnan(round_log2_f32(qnan)));
}

TEST_CASE("block_log: the bit-built 2^e equals the exact one everywhere") {
  int bad = 0;
  for (int e = -300; e <= 300; ++e) {
    const auto v = static_cast<float>(e);
    bad += float_bits(mixprec::detail::pow2_fast_f32(v)) != float_bits(mixprec::detail::pow2_f32(v));
  }
  CHECK(bad == 0);
  CHECK(float_bits(mixprec::detail::pow2_fast_f32(-0.0f)) == float_bits(1.0f));
  CHECK(mixprec::detail::pow2_fast_f32(inf) == inf);
  CHECK(mixprec::detail::pow2_fast_f32(-inf) == 0.0f);
  CHECK(std::isnan(mixprec::detail::pow2_fast_f32(qnan)));
}

TEST_CASE("block_log: parameter and shape errors name the field, the value and the expectation") {
  CHECK_THROWS_WITH_AS(block_log_format({.width = 0}), "block_log.width = 0: must be in [1, 64]", config_error);
  CHECK_THROWS_WITH_AS(block_log_format({.exponent_bias_width = -1}),
                       "block_log.exponent_bias_width = -1: must be in [0, 30]", config_error);
  CHECK_THROWS_WITH_AS(block_log_format({.block_size = {-2}}),
                       "block_log.block_size = [-2]: entry 0 is -2, must be >= 1 or -1 (whole dimension)",
                       config_error);
  const block_log_format f{};
  std::vector<float> x(6), y(6);
  CHECK_THROWS_WITH_AS(f.quantize(x, std::vector<std::size_t>{2, 2}, y),
                       "block_log.quantize: input has 6 elements but shape [2, 2] has 4", shape_error);
  CHECK_THROWS_WITH_AS(f.quantize(x, std::vector<std::size_t>{1, 2, 3}, y),
                       "block_log.quantize: shape [1, 2, 3] with skip_first_dim = false: a 3-D tensor needs "
                       "skip_first_dim = true",
                       shape_error);
}

}  // TEST_SUITE
