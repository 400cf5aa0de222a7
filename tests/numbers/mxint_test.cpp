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

}  // TEST_SUITE
