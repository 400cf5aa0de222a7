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
using mixprec::block_fp_params;
using mixprec::config_error;
using mixprec::shape_error;
using mixprec::testing::float_bits;
using mixprec::testing::golden_cases;

constexpr float inf = std::numeric_limits<float>::infinity();
const float qnan = std::numeric_limits<float>::quiet_NaN();

std::vector<float> run(const block_fp_format& f, const std::vector<float>& x, std::vector<std::size_t> shape) {
  std::vector<float> y(x.size());
  f.quantize(x, shape, y);
  return y;
}

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

}  // TEST_SUITE
