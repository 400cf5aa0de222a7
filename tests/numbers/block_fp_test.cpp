#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <mixprec/numbers/block_fp.hpp>

#include "golden_block.hpp"
#include "golden_elementwise.hpp"

namespace {

using mixprec::block_fp_format;
using mixprec::config_error;
using mixprec::shape_error;
using mixprec::testing::float_bits;
using mixprec::testing::golden_cases;

constexpr float inf = std::numeric_limits<float>::infinity();
const float qnan = std::numeric_limits<float>::quiet_NaN();

using mixprec::testing::run_block;
using mixprec::testing::same_bits;

}  // namespace

TEST_SUITE("numbers/block_fp") {

TEST_CASE("block_fp matches every golden case bit for bit") {
  const auto cases = golden_cases("block_fp");
  std::size_t ran = 0;
  for (const auto& c : cases) {
    const auto& p = c["params"];
    const block_fp_format f{{.width = p["width"].get<int>(),
                             .exponent_width = p["exponent_width"].get<int>(),
                             .exponent_bias = mixprec::testing::optional_int(p["exponent_bias"]),
                             .block_size = mixprec::testing::int_list(p["block_size"]),
                             .skip_first_dim = p["skip_first_dim"].get<bool>()}};
    mixprec::testing::check_block_case(c, f);
    ++ran;
  }
  REQUIRE(ran == 114);
}


TEST_CASE("block_fp: an all-zero tensor uses P = 1 and keeps its zeros; -0 becomes +0") {
  const block_fp_format f{{.width = 8, .exponent_width = 8, .block_size = {2}, .skip_first_dim = false}};
  CHECK(same_bits(run_block(f, {0.0f, -0.0f, 0.0f, 0.0f}, {4}), {0.0f, 0.0f, 0.0f, 0.0f}, "zeros"));
}

TEST_CASE("block_fp: NaN poisons its block and every all-zero block, other blocks are untouched") {
  const block_fp_format f{{.width = 4, .exponent_width = 8, .block_size = {2}, .skip_first_dim = false}};
  const auto y = run_block(f, {0.0f, 0.0f, qnan, 1.0f, 0.5f, 0.25f}, {6});
  CHECK(same_bits(y, {qnan, qnan, qnan, qnan, 0.4375f, 0.25f}, "nan"));
}

TEST_CASE("block_fp: inf makes the block NaN at exponent_width 8, only itself NaN below") {
  const block_fp_format e8{{.width = 4, .exponent_width = 8, .block_size = {2}, .skip_first_dim = false}};
  CHECK(same_bits(run_block(e8, {inf, 1.0f, 0.5f, 0.25f}, {4}), {qnan, qnan, 0.4375f, 0.25f}, "e8"));
  // E = 4: e_max = 8, the inf element saturates to 224 and then 0 * inf = NaN; 1 rounds to 0.
  const block_fp_format e4{{.width = 4, .exponent_width = 4, .block_size = {2}, .skip_first_dim = false}};
  CHECK(same_bits(run_block(e4, {-inf, 1.0f}, {2}), {qnan, 0.0f}, "e4"));
  // A finite block max above 2^127 overflows the same way.
  CHECK(same_bits(run_block(e8, {3e38f, 1.0f}, {2}), {qnan, qnan}, "finite overflow"));
}

TEST_CASE("block_fp: a ragged last block is quantized on its own max") {
  const block_fp_format f{{.width = 4, .exponent_width = 8, .block_size = {2}, .skip_first_dim = false}};
  CHECK(same_bits(run_block(f, {4.0f, 1.0f, 0.75f, 0.5f, 3.0f}, {5}), {3.5f, 1.0f, 0.75f, 0.5f, 3.0f}, "1-D"));
  // 3x3 with 2x2 tiles: tiles {0,1}x{0,1}, {0,1}x{2}, {2}x{0,1}, {2}x{2}.
  const block_fp_format w{{.width = 4, .exponent_width = 8, .block_size = {2, 2}, .skip_first_dim = false}};
  const auto y = run_block(w, {4, 1, 1,  //
                               1, 1, 1,  //
                               1, 1, 8},
                           {3, 3});
  CHECK(same_bits(y, {3.5f, 1.0f, 0.875f,  //
                      1.0f, 1.0f, 0.875f,  //
                      0.875f, 0.875f, 7.0f},
                  "2-D"));
}

TEST_CASE("block_fp: skip_first_dim picks per-row chunks, without it [b] spans every row") {
  const std::vector<float> x{8, 1, 1, 1,  //
                             1, 1, 1, 1};
  const block_fp_format rows{{.width = 4, .exponent_width = 8, .block_size = {2}, .skip_first_dim = true}};
  CHECK(same_bits(run_block(rows, x, {2, 4}), {7, 1, 0.875f, 0.875f, 0.875f, 0.875f, 0.875f, 0.875f}, "skip"));
  const block_fp_format strips{{.width = 4, .exponent_width = 8, .block_size = {2}, .skip_first_dim = false}};
  CHECK(same_bits(run_block(strips, x, {2, 4}), {7, 1, 0.875f, 0.875f, 1, 1, 0.875f, 0.875f}, "strips"));
  // 3-D with skip_first_dim: each leading index has its own tiles.
  CHECK(same_bits(run_block(rows, {8, 1, 1, 1}, {2, 1, 2}), {7, 1, 0.875f, 0.875f}, "3-D"));
}

TEST_CASE("block_fp: a block larger than the tensor is the whole tensor") {
  const block_fp_format big{{.width = 4, .exponent_width = 8, .block_size = {16}, .skip_first_dim = false}};
  const block_fp_format whole{{.width = 4, .exponent_width = 8, .block_size = {-1}, .skip_first_dim = false}};
  const block_fp_format single{{.width = 4, .exponent_width = 8, .block_size = {1}, .skip_first_dim = false}};
  const std::vector<float> x{4.0f, 1.0f, 0.5f};
  CHECK(same_bits(run_block(big, x, {3}), {3.5f, 1.0f, 0.5f}, "16"));
  CHECK(same_bits(run_block(whole, x, {3}), {3.5f, 1.0f, 0.5f}, "-1"));
  CHECK(same_bits(run_block(single, x, {3}), {3.5f, 0.875f, 0.4375f}, "1"));
}

TEST_CASE("block_fp: the fold paths turn -0 into +0, the reshape paths keep it") {
  const block_fp_format flat{{.width = 4, .exponent_width = 8, .block_size = {2}, .skip_first_dim = false}};
  CHECK(float_bits(run_block(flat, {4.0f, -0.01f}, {2})[1]) == float_bits(-0.0f));
  CHECK(float_bits(run_block(flat, {4.0f, -0.01f}, {1, 2})[1]) == float_bits(0.0f));
  const block_fp_format act{{.width = 4, .exponent_width = 8, .block_size = {2}, .skip_first_dim = true}};
  CHECK(float_bits(run_block(act, {4.0f, -0.01f}, {1, 2})[1]) == float_bits(-0.0f));
  CHECK(float_bits(run_block(act, {4.0f, -0.01f}, {1, 1, 2})[1]) == float_bits(0.0f));
}

TEST_CASE("block_fp: the smallest widths") {
  // width 1: no mantissa bits, everything but the pass-through becomes (signed) zero.
  const block_fp_format w1{{.width = 1, .exponent_width = 8, .block_size = {4}, .skip_first_dim = false}};
  CHECK(same_bits(run_block(w1, {3.0f, -2.0f, 1e-9f}, {3}), {0.0f, -0.0f, 1e-9f}, "width 1"));
  // exponent_width 1 (default bias 0): shared exponents 0 and 1 only.
  const block_fp_format e1{{.width = 8, .exponent_width = 1, .block_size = {4}, .skip_first_dim = false}};
  CHECK(same_bits(run_block(e1, {0.25f, 0.125f}, {2}), {0.25f, 0.125f}, "small max"));
  CHECK(same_bits(run_block(e1, {5.0f, 1.0f}, {2}), {1.984375f, 1.0f}, "saturates"));
}

TEST_CASE("block_fp: parameter and shape errors name the field, the value and the expectation") {
  CHECK_THROWS_WITH_AS(block_fp_format({.width = 0}), "block_fp.width = 0: must be in [1, 64]", config_error);
  CHECK_THROWS_WITH_AS(block_fp_format({.exponent_width = 0}), "block_fp.exponent_width = 0: must be in [1, 30]",
                       config_error);
  CHECK_THROWS_WITH_AS(block_fp_format({.block_size = {4, 0}}),
                       "block_fp.block_size = [4, 0]: entry 1 is 0, must be >= 1 or -1 (whole dimension)",
                       config_error);
  CHECK_THROWS_WITH_AS(block_fp_format({.block_size = {}}), "block_fp.block_size = []: must hold at least one entry",
                       config_error);
  CHECK_NOTHROW(block_fp_format({.width = 8, .exponent_width = 8}));  // e_max = 128 is accepted, as in MASE
  const block_fp_format f{};
  std::vector<float> x(12), y(12), short_out(11);
  CHECK_THROWS_WITH_AS(f.quantize(x, std::vector<std::size_t>{3, 5}, y),
                       "block_fp.quantize: input has 12 elements but shape [3, 5] has 15", shape_error);
  CHECK_THROWS_WITH_AS(f.quantize(x, std::vector<std::size_t>{3, 4}, short_out),
                       "block_fp.quantize: input has 12 elements but output has 11: sizes must match", shape_error);
  CHECK_THROWS_WITH_AS(f.quantize(x, std::vector<std::size_t>{1, 2, 3, 2}, y),
                       "block_fp.quantize: shape [1, 2, 3, 2] with skip_first_dim = true: block formats support "
                       "1-D, 2-D and 3-D tensors only",
                       shape_error);
  CHECK_THROWS_WITH_AS(f.quantize(x, std::vector<std::size_t>{12}, y),
                       "block_fp.quantize: shape [12] with skip_first_dim = true: a 1-D tensor needs "
                       "skip_first_dim = false",
                       shape_error);
  const block_fp_format w{{.skip_first_dim = false}};
  CHECK_THROWS_WITH_AS(w.quantize(x, std::vector<std::size_t>{2, 2, 3}, y),
                       "block_fp.quantize: shape [2, 2, 3] with skip_first_dim = false: a 3-D tensor needs "
                       "skip_first_dim = true",
                       shape_error);
}

TEST_CASE("block_fp: an empty tensor is a no-op") {
  const block_fp_format f{{.skip_first_dim = false}};
  std::vector<float> none;
  CHECK_NOTHROW(f.quantize(none, std::vector<std::size_t>{0, 3}, none));
}

}  // TEST_SUITE
