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

}  // TEST_SUITE
