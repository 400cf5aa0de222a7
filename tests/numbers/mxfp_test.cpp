#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <mixprec/numbers/mxfp.hpp>

#include "golden_block.hpp"

namespace {

using mixprec::config_error;
using mixprec::mxfp_format;
using mixprec::shape_error;
using mixprec::testing::float_bits;
using mixprec::testing::golden_cases;
using mixprec::testing::run_block;
using mixprec::testing::same_bits;

constexpr float inf = std::numeric_limits<float>::infinity();
const float qnan = std::numeric_limits<float>::quiet_NaN();

}  // namespace

TEST_SUITE("numbers/mxfp") {

TEST_CASE("mxfp matches every golden case bit for bit") {
  std::size_t ran = 0;
  for (const auto& c : golden_cases("mxfp")) {
    const auto& p = c["params"];
    REQUIRE(p["quantile_search"].get<bool>() == false);
    const mxfp_format f{{.block_size = p["block_size"].get<int>(),
                         .element_exp_bits = p["element_exp_bits"].get<int>(),
                         .element_frac_bits = p["element_frac_bits"].get<int>(),
                         .block_dim = p["block_dim"].get<int>(),
                         .scale_exp_bits = p["scale_exp_bits"].get<int>()}};
    mixprec::testing::check_block_case(c, f);
    ++ran;
  }
  REQUIRE(ran == 24);
}


TEST_CASE("mxfp: the E4M3 element keeps MASE's lost carry (1.96875 -> 1.0)") {
  // Block max 256: S = floor(log2 256) - 8 = 0, so elements are encoded as they are.
  const mxfp_format f{{.block_size = 4}};
  CHECK(same_bits(run_block(f, {256.0f, 1.96875f, 1.9375f, 1.5f}, {4}), {256.0f, 1.0f, 1.0f, 1.5f}, "carry"));
  // The block max 480 (E4M3's max) with S = 0 is exact; 496 has S = 0 too and loses its carry.
  CHECK(same_bits(run_block(f, {480.0f, 496.0f, 0.0f, 0.0f}, {4}), {480.0f, 256.0f, 0.0f, 0.0f}, "max"));
}

TEST_CASE("mxfp: E2M1 truncating subnormals and the flushed 2^-bias") {
  // Block max 6: S = 2 - 2 = 0. E2M1 has bias 1: 0.75 -> 0.5 (truncated subnormal), 0.5 = 2^-1 -> 0.
  const mxfp_format f{{.block_size = 4, .element_exp_bits = 2, .element_frac_bits = 1}};
  CHECK(same_bits(run_block(f, {6.0f, 0.75f, 0.5f, 0.25f}, {4}), {6.0f, 0.5f, 0.0f, 0.0f}, "e2m1"));
}

TEST_CASE("mxfp: zeros and float32 subnormals are flushed; an all-flushed block is 0; -0 encodes as +0") {
  const mxfp_format f{{.block_size = 2}};
  CHECK(same_bits(run_block(f, {1e-40f, -0.0f, -1e-40f, 256.0f}, {4}), {0.0f, 0.0f, 0.0f, 256.0f}, "flush"));
}

TEST_CASE("mxfp: block_dim and blocks spanning rows") {
  const mxfp_format first{{.block_size = 2, .element_exp_bits = 2, .element_frac_bits = 1, .block_dim = 0}};
  const mxfp_format last{{.block_size = 2, .element_exp_bits = 2, .element_frac_bits = 1, .block_dim = -1}};
  // x = [[6, 0.75], [0.75, 1.5]]. Along dim -1 the blocks are the rows: {6, 0.75} has S = 0, so
  // 0.75 becomes an E2M1 subnormal (0.5); {0.75, 1.5} has S = -2, where 0.75 -> 3 is exact.
  // Along dim 0 the blocks are the columns, so the roles of x01 and x10 swap.
  CHECK(same_bits(run_block(last, {6, 0.75f, 0.75f, 1.5f}, {2, 2}), {6, 0.5f, 0.75f, 1.5f}, "dim -1"));
  CHECK(same_bits(run_block(first, {6, 0.75f, 0.75f, 1.5f}, {2, 2}), {6, 0.75f, 0.5f, 1.5f}, "dim 0"));
}

TEST_CASE("mxfp: parameter and shape errors name the field, the value and the expectation") {
  CHECK_THROWS_WITH_AS(mxfp_format({.block_size = 0}), "mxfp.block_size = 0: must be in [1, 2147483647]",
                       config_error);
  CHECK_THROWS_WITH_AS(mxfp_format({.element_exp_bits = 3, .element_frac_bits = 3}),
                       "mxfp.element_exp_bits/element_frac_bits = 3/3: must be one of 4/3, 5/2, 2/3, 3/2, 2/1, 1/2 "
                       "(E4M3, E5M2, E2M3, E3M2, E2M1, E1M2)",
                       config_error);
  CHECK_THROWS_WITH_AS(mxfp_format({.scale_exp_bits = 5}), "mxfp.scale_exp_bits = 5: must be 8", config_error);
  const mxfp_format f{{.block_size = 4}};
  std::vector<float> x(6), y(6);
  CHECK_THROWS_WITH_AS(f.quantize(x, std::vector<std::size_t>{6}, y),
                       "mxfp.quantize: shape [6] has 6 elements, not a multiple of block_size = 4", shape_error);
}

}  // TEST_SUITE
