#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <mixprec/numbers/block_minifloat.hpp>

#include "golden_block.hpp"

namespace {

using mixprec::block_minifloat_format;
using mixprec::config_error;
using mixprec::shape_error;
using mixprec::testing::float_bits;
using mixprec::testing::golden_cases;
using mixprec::testing::run_block;
using mixprec::testing::same_bits;

constexpr float inf = std::numeric_limits<float>::infinity();
const float qnan = std::numeric_limits<float>::quiet_NaN();

}  // namespace

TEST_SUITE("numbers/block_minifloat") {

TEST_CASE("block_minifloat matches every golden case bit for bit") {
  std::size_t ran = 0;
  for (const auto& c : golden_cases("block_minifloat")) {
    const auto& p = c["params"];
    const block_minifloat_format f{{.width = p["width"].get<int>(),
                                    .exponent_width = p["exponent_width"].get<int>(),
                                    .exponent_bias_width = p["exponent_bias_width"].get<int>(),
                                    .block_size = mixprec::testing::int_list(p["block_size"]),
                                    .skip_first_dim = p["skip_first_dim"].get<bool>()}};
    mixprec::testing::check_block_case(c, f);
    ++ran;
  }
  REQUIRE(ran == 95);
}


TEST_CASE("block_minifloat: the bias grows with the block max, so large values saturate") {
  // (5, 2, 3): 8 alone -> beta 3, range [-3, 0], max 1.75; 3 alone -> beta 1, exact.
  const block_minifloat_format single{
      {.width = 5, .exponent_width = 2, .exponent_bias_width = 3, .block_size = {1}, .skip_first_dim = false}};
  CHECK(same_bits(run_block(single, {8.0f, 3.0f}, {2}), {1.75f, 3.0f}, "own blocks"));
  const block_minifloat_format pair{
      {.width = 5, .exponent_width = 2, .exponent_bias_width = 3, .block_size = {2}, .skip_first_dim = false}};
  CHECK(same_bits(run_block(pair, {8.0f, 3.0f}, {2}), {1.75f, 1.75f}, "shared block"));
  // A block larger than the tensor is the whole tensor.
  const block_minifloat_format big{
      {.width = 5, .exponent_width = 2, .exponent_bias_width = 3, .block_size = {64}, .skip_first_dim = false}};
  CHECK(same_bits(run_block(big, {8.0f, 3.0f}, {2}), {1.75f, 1.75f}, "larger than tensor"));
}

TEST_CASE("block_minifloat: zeros pass through, -0 becomes +0, an all-zero tensor is fine") {
  const block_minifloat_format f{{.width = 8, .exponent_width = 4, .exponent_bias_width = 4, .block_size = {2}}};
  CHECK(same_bits(run_block(f, {0.0f, -0.0f, 1e-9f, -1e-9f}, {4}), {0.0f, 0.0f, 1e-9f, -1e-9f}, "zeros"));
}

TEST_CASE("block_minifloat: inf becomes NaN and sets the block's bias to its maximum; NaN poisons") {
  // (5, 2, 3) with inf: beta = 7, range [-7, -4]; 0.5 saturates to 1.75 * 2^-4.
  const block_minifloat_format f{
      {.width = 5, .exponent_width = 2, .exponent_bias_width = 3, .block_size = {2}, .skip_first_dim = false}};
  CHECK(same_bits(run_block(f, {inf, 0.5f}, {2}), {qnan, 0.109375f}, "inf"));
  CHECK(same_bits(run_block(f, {0.0f, 0.0f, qnan, 1.0f, 3.0f, 1.0f}, {6}), {qnan, qnan, qnan, qnan, 3.0f, 1.0f},
                  "nan"));
}

TEST_CASE("block_minifloat: ragged last block, skip_first_dim, and -0 on fold paths") {
  const block_minifloat_format f{
      {.width = 5, .exponent_width = 2, .exponent_bias_width = 3, .block_size = {2}, .skip_first_dim = false}};
  // [8, 3] share beta 3; the ragged [3] has beta 1 and is exact.
  CHECK(same_bits(run_block(f, {8.0f, 3.0f, 3.0f}, {3}), {1.75f, 1.75f, 3.0f}, "ragged"));
  const block_minifloat_format rows{
      {.width = 5, .exponent_width = 2, .exponent_bias_width = 3, .block_size = {2}, .skip_first_dim = true}};
  const std::vector<float> x{8.0f, 8.0f, 3.0f, 3.0f};
  CHECK(same_bits(run_block(rows, x, {2, 2}), {1.75f, 1.75f, 3.0f, 3.0f}, "rows"));
  CHECK(same_bits(run_block(f, x, {2, 2}), {1.75f, 1.75f, 1.75f, 1.75f}, "strips"));
  // (8, 4, 4), block max 0.5 -> beta 0: -0.01 is below the subnormal step and rounds to -0, which
  // the 1-D path keeps and the fold path (2-D weight) turns into +0.
  const block_minifloat_format g{{.width = 8, .exponent_width = 4, .exponent_bias_width = 4, .block_size = {2}}};
  CHECK(float_bits(run_block(g, {0.5f, -0.01f}, {2})[1]) == float_bits(-0.0f));
  CHECK(float_bits(run_block(g, {0.5f, -0.01f}, {1, 2})[1]) == float_bits(0.0f));
}

TEST_CASE("block_minifloat: the smallest widths") {
  // width 2, exponent_width 1: no mantissa bits; bias width 0 pins beta at 0. The binade e = 0 is
  // the subnormal one, whose only value with no mantissa bits is 0, so the values are 0 and 2.
  const block_minifloat_format f{
      {.width = 2, .exponent_width = 1, .exponent_bias_width = 0, .block_size = {4}, .skip_first_dim = false}};
  CHECK(same_bits(run_block(f, {3.0f, 1.5f, -0.7f}, {3}), {2.0f, 0.0f, -0.0f}, "w2 e1"));
}

TEST_CASE("block_minifloat: parameter and shape errors name the field, the value and the expectation") {
  CHECK_THROWS_WITH_AS(block_minifloat_format({.width = 4, .exponent_width = 4}),
                       "block_minifloat.width = 4: must be >= exponent_width + 1 = 5 (sign + exponent + mantissa "
                       "bits, mantissa may be 0)",
                       config_error);
  CHECK_THROWS_WITH_AS(block_minifloat_format({.exponent_width = 0}),
                       "block_minifloat.exponent_width = 0: must be in [1, 30]", config_error);
  CHECK_THROWS_WITH_AS(block_minifloat_format({.exponent_bias_width = 31}),
                       "block_minifloat.exponent_bias_width = 31: must be in [0, 30]", config_error);
  CHECK_THROWS_WITH_AS(block_minifloat_format({.block_size = {0}}),
                       "block_minifloat.block_size = [0]: entry 0 is 0, must be >= 1 or -1 (whole dimension)",
                       config_error);
  const block_minifloat_format f{};
  std::vector<float> x(4), y(3);
  CHECK_THROWS_WITH_AS(f.quantize(x, std::vector<std::size_t>{4}, y),
                       "block_minifloat.quantize: input has 4 elements but output has 3: sizes must match",
                       shape_error);
}

}  // TEST_SUITE
