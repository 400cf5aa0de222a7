#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <mixprec/numbers/mxint.hpp>

#include "golden_block.hpp"

namespace {

using mixprec::config_error;
using mixprec::mxint_format;
using mixprec::mxint_hardware_format;
using mixprec::shape_error;
using mixprec::testing::float_bits;
using mixprec::testing::golden_cases;
using mixprec::testing::run_block;
using mixprec::testing::same_bits;

constexpr float inf = std::numeric_limits<float>::infinity();
const float qnan = std::numeric_limits<float>::quiet_NaN();

}  // namespace

TEST_SUITE("numbers/mxint") {

TEST_CASE("mxint matches every golden case bit for bit") {
  std::size_t ran = 0;
  for (const auto& c : golden_cases("mxint")) {
    const auto& p = c["params"];
    REQUIRE(p["quantile_search"].get<bool>() == false);
    const mxint_format f{{.block_size = p["block_size"].get<int>(),
                          .element_bits = p["element_bits"].get<int>(),
                          .block_dim = p["block_dim"].get<int>(),
                          .scale_bits = p["scale_bits"].get<int>()}};
    mixprec::testing::check_block_case(c, f);
    ++ran;
  }
  REQUIRE(ran == 18);
}

TEST_CASE("mxint_hardware matches every golden case bit for bit") {
  std::size_t ran = 0;
  for (const auto& c : golden_cases("mxint_hardware")) {
    const auto& p = c["params"];
    const mxint_hardware_format f{{.width = p["q_config"]["width"].get<int>(),
                                   .exponent_width = p["q_config"]["exponent_width"].get<int>(),
                                   .parallelism = mixprec::testing::int_list(p["parallelism"])}};
    mixprec::testing::check_block_case(c, f);
    ++ran;
  }
  REQUIRE(ran == 32);
}


TEST_CASE("mxint: a power-of-two block max clips to 127/128 of itself; -1 is exact") {
  const mxint_format f{{.block_size = 4, .element_bits = 8}};
  CHECK(same_bits(run_block(f, {1.0f, 0.5f, 0.25f, -1.0f}, {4}), {0.9921875f, 0.5f, 0.25f, -1.0f}, "clip"));
}

TEST_CASE("mxint: zero blocks give zeros and keep -0; a block max above 2^127, inf or NaN gives NaN") {
  const mxint_format f{{.block_size = 2, .element_bits = 8}};
  CHECK(same_bits(run_block(f, {0.0f, -0.0f, 1.0f, 0.5f}, {4}), {0.0f, -0.0f, 0.9921875f, 0.5f}, "zero"));
  CHECK(same_bits(run_block(f, {3e38f, 1.0f, 1.0f, 0.5f}, {4}), {qnan, qnan, 0.9921875f, 0.5f}, "overflow"));
  CHECK(same_bits(run_block(f, {inf, 1.0f, qnan, 0.5f}, {4}), {qnan, qnan, qnan, qnan}, "inf, nan"));
}

TEST_CASE("mxint: block_dim picks the direction, and a block may span rows (no padding)") {
  const mxint_format last{{.block_size = 2, .element_bits = 4, .block_dim = -1}};
  const mxint_format first{{.block_size = 2, .element_bits = 4, .block_dim = 0}};
  const std::vector<float> x{4, 1, 1, 1,  //
                             1, 1, 1, 1};
  CHECK(same_bits(run_block(last, x, {2, 4}), {3.5f, 1, 0.875f, 0.875f, 0.875f, 0.875f, 0.875f, 0.875f}, "-1"));
  CHECK(same_bits(run_block(first, x, {2, 4}), {3.5f, 0.875f, 0.875f, 0.875f, 1, 0.875f, 0.875f, 0.875f}, "0"));
  // [2, 3] in blocks of 2 along the rows: {x00, x01}, {x02, x10}, {x11, x12}.
  CHECK(same_bits(run_block(last, {1, 1, 4, 1, 1, 1}, {2, 3}), {0.875f, 0.875f, 3.5f, 1, 0.875f, 0.875f}, "span"));
  // A middle dim of a 3-D tensor: [2, 2, 2] along dim 1 pairs x[n][0][k] with x[n][1][k].
  const mxint_format mid{{.block_size = 2, .element_bits = 4, .block_dim = 1}};
  CHECK(same_bits(run_block(mid, {4, 1, 1, 1, 1, 1, 1, 1}, {2, 2, 2}), {3.5f, 0.875f, 1, 0.875f, 0.875f, 0.875f,
                                                                        0.875f, 0.875f},
                  "dim 1"));
}

TEST_CASE("mxint: the smallest widths") {
  // element_bits 1: elements in {-1, 0} times the scale.
  const mxint_format e1{{.block_size = 2, .element_bits = 1}};
  CHECK(same_bits(run_block(e1, {0.75f, -0.75f}, {2}), {0.0f, -1.0f}, "element_bits 1"));
  // scale_bits 1: bias 0 and scale codes {0, 1}, so a block max of 0.25 is read back on the 2^0 scale.
  const mxint_format s1{{.block_size = 2, .element_bits = 8, .scale_bits = 1}};
  CHECK(same_bits(run_block(s1, {0.25f, 0.125f}, {2}), {0.9921875f, 0.5f}, "scale_bits 1"));
  // block_size 1: every element its own scale.
  const mxint_format b1{{.block_size = 1, .element_bits = 8}};
  CHECK(same_bits(run_block(b1, {3.0f, 0.25f}, {2}), {3.0f, 0.25f * 127.0f / 128.0f}, "block_size 1"));
}

TEST_CASE("mxint: parameter and shape errors name the field, the value and the expectation") {
  CHECK_THROWS_WITH_AS(mxint_format({.block_size = 0}), "mxint.block_size = 0: must be in [1, 2147483647]",
                       config_error);
  CHECK_THROWS_WITH_AS(mxint_format({.element_bits = 0}), "mxint.element_bits = 0: must be in [1, 64]",
                       config_error);
  CHECK_THROWS_WITH_AS(mxint_format({.scale_bits = 0}), "mxint.scale_bits = 0: must be in [1, 30]", config_error);
  const mxint_format f{{.block_size = 4}};
  std::vector<float> x(6), y(6);
  CHECK_THROWS_WITH_AS(f.quantize(x, std::vector<std::size_t>{2, 3}, y),
                       "mxint.quantize: shape [2, 3] has 6 elements, not a multiple of block_size = 4", shape_error);
  const mxint_format g{{.block_size = 2, .block_dim = 2}};
  CHECK_THROWS_WITH_AS(g.quantize(x, std::vector<std::size_t>{2, 3}, y),
                       "mxint.quantize: block_dim = 2 is out of range for shape [2, 3] (must be in [-2, 1])",
                       shape_error);
  CHECK_THROWS_WITH_AS(f.quantize(x, std::vector<std::size_t>{7}, y),
                       "mxint.quantize: input has 6 elements but shape [7] has 7", shape_error);
  std::vector<float> one(1);
  CHECK_THROWS_WITH_AS(f.quantize(one, std::vector<std::size_t>{}, one),
                       "mxint.quantize: shape [] is 0-D: needs at least one dimension", shape_error);
}

TEST_CASE("mxint_hardware: floor rounding and the 2^(E-1) bias") {
  // (8, 4), block max 1: e = 0 - 8, so y = floor(256 x) / 256 clamped to [-0.5, 127/256].
  const mxint_hardware_format f{{.width = 8, .exponent_width = 4, .parallelism = {4}}};
  CHECK(same_bits(run_block(f, {1.0f, -0.001f, 0.5f, 0.3f}, {4}), {0.49609375f, -0.00390625f, 0.49609375f, 0.296875f},
                  "floor"));
}

TEST_CASE("mxint_hardware: zero blocks give zeros, NaN poisons only its block, leading dims are batch") {
  const mxint_hardware_format f{{.width = 8, .exponent_width = 4, .parallelism = {1, 2}}};
  CHECK(same_bits(run_block(f, {0.0f, -0.0f, qnan, 1.0f, 1.0f, 0.5f}, {1, 6}),
                  {0.0f, -0.0f, qnan, qnan, 0.49609375f, 0.49609375f}, "blocks"));
  // [2, 2, 2] with [2, 2] tiles: one block per leading index.
  const mxint_hardware_format t{{.width = 8, .exponent_width = 4, .parallelism = {2, 2}}};
  CHECK(same_bits(run_block(t, {1, 0.3f, 0.3f, 0.3f, 0.25f, 0.25f, 0.25f, 0.25f}, {2, 2, 2}),
                  {0.49609375f, 0.296875f, 0.296875f, 0.296875f, 0.25f, 0.25f, 0.25f, 0.25f}, "batch"));
}

TEST_CASE("mxint_hardware: the smallest widths") {
  // width 1, exponent_width 1: bias 1, elements in {-1, 0}; e = clamp(ceil(log2 max) - 1, -1, 0).
  const mxint_hardware_format f{{.width = 1, .exponent_width = 1, .parallelism = {2}}};
  CHECK(same_bits(run_block(f, {0.75f, -0.75f}, {2}), {0.0f, -0.5f}, "w1 e1"));
}

TEST_CASE("mxint_hardware: parameter and shape errors name the field, the value and the expectation") {
  CHECK_THROWS_WITH_AS(mxint_hardware_format({.width = 0}), "mxint_hardware.width = 0: must be in [1, 64]",
                       config_error);
  CHECK_THROWS_WITH_AS(mxint_hardware_format({.exponent_width = 0}),
                       "mxint_hardware.exponent_width = 0: must be in [1, 30]", config_error);
  CHECK_THROWS_WITH_AS(mxint_hardware_format({.parallelism = {1, 2, 3}}),
                       "mxint_hardware.parallelism = [1, 2, 3]: must hold 1 or 2 entries ([p0] or [p1, p0])",
                       config_error);
  CHECK_THROWS_WITH_AS(mxint_hardware_format({.parallelism = {0, 4}}),
                       "mxint_hardware.parallelism = [0, 4]: entries must be >= 1", config_error);
  const mxint_hardware_format f{{.parallelism = {2, 4}}};
  std::vector<float> x(12), y(12);
  CHECK_THROWS_WITH_AS(f.quantize(x, std::vector<std::size_t>{2, 6}, y),
                       "mxint_hardware.quantize: shape [2, 6] (last two dims 2 x 6) is not a multiple of "
                       "parallelism [2, 4]",
                       shape_error);
  CHECK_THROWS_WITH_AS(f.quantize(x, std::vector<std::size_t>{3, 3}, y),
                       "mxint_hardware.quantize: input has 12 elements but shape [3, 3] has 9", shape_error);
}

}  // TEST_SUITE
