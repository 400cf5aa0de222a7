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

}  // TEST_SUITE
