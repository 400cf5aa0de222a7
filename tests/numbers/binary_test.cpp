#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <mixprec/numbers/binary.hpp>

#include "golden_elementwise.hpp"

namespace {

using mixprec::binary_format;
using mixprec::binary_head_format;
using mixprec::config_error;
using mixprec::shape_error;
using mixprec::testing::check_elementwise_case;
using mixprec::testing::count_bit_mismatches;
using mixprec::testing::golden_array;
using mixprec::testing::golden_cases;

bool head_only(const nlohmann::json& c) {
  const auto& commits = c["commits"];
  return commits.size() == 1 && commits[0] == "head";
}

}  // namespace

TEST_SUITE("numbers/binary") {

TEST_CASE("binary and binary_head match every golden case bit for bit") {
  std::size_t ran = 0, ran_head = 0;
  for (const auto& c : golden_cases("binary")) {
    const auto& p = c["params"];
    REQUIRE(p["stochastic"] == false);
    const bool bipolar = p["bipolar"].get<bool>();
    const auto arr = golden_array(c["input"].get<std::string>());
    const auto input = arr.as<float>();
    const auto expected = golden_array(c["output"].get<std::string>()).as<float>();
    if (!head_only(c)) {
      check_elementwise_case(c, binary_format(bipolar));
      ++ran;
    }
    // HEAD's function: every case listing the head commit.
    bool head_commit = false;
    for (const auto& k : c["commits"]) head_commit = head_commit || k == "head";
    if (head_commit) {
      std::vector<float> out(input.size());
      binary_head_format(bipolar).quantize(input, arr.shape, out);
      CHECK_MESSAGE(count_bit_mismatches(out, expected, input, c["id"]) == 0, c["id"]);
      std::vector<float> inplace = input;
      binary_head_format(bipolar).quantize(inplace, arr.shape, inplace);
      CHECK(count_bit_mismatches(inplace, expected, input, c["id"]) == 0);
      ++ran_head;
    }
  }
  MESSAGE("binary (seed) golden cases run: " << ran << ", binary_head: " << ran_head);
  REQUIRE(golden_cases("binary").size() == 7);
  REQUIRE(ran == 6);       // every seed case, the nan/ case included
  REQUIRE(ran_head == 5);  // the 4 bipolar cases valid at both commits + the zero-scaled 4-D case
}

TEST_CASE("seed binary thresholds at >= 0") {
  const binary_format bi(true), zo(false);
  CHECK(bi.quantize(0.0f) == 1.0f);
  CHECK(bi.quantize(-0.0f) == 1.0f);
  CHECK(bi.quantize(-1e-30f) == -1.0f);
  CHECK(bi.quantize(std::numeric_limits<float>::quiet_NaN()) == -1.0f);
  CHECK(zo.quantize(std::numeric_limits<float>::quiet_NaN()) == 0.0f);
  CHECK(zo.quantize(-std::numeric_limits<float>::infinity()) == 0.0f);
  CHECK(zo.quantize(std::numeric_limits<float>::infinity()) == 1.0f);
}

TEST_CASE("binary_head zero-scaled uses each sample's mean |x| and a strict > 0") {
  const std::vector<float> in{1.0f, -3.0f, 0.0f, 2.0f, -0.0f, -1.0f, 0.0f, 0.0f};
  const std::vector<std::size_t> shape{2, 1, 2, 2};
  std::vector<float> out(in.size());
  binary_head_format(false).quantize(in, shape, out);
  CHECK(out[0] == 1.5f);
  CHECK(out[1] == 0.0f);
  CHECK(out[2] == 0.0f);  // 0 is not > 0
  CHECK(out[3] == 1.5f);
  CHECK(out[4] == 0.0f);
  CHECK(out[5] == 0.0f);
}

TEST_CASE("binary_head zero-scaled is 4-D only; the bipolar mode takes any shape") {
  const std::vector<float> in(6, 1.0f);
  std::vector<float> out(6);
  const std::vector<std::size_t> two_d{2, 3};
  CHECK_THROWS_WITH_AS(binary_head_format(false).quantize(in, two_d, out),
                       doctest::Contains("binary_head.quantize: shape has rank 2: must be 4-D"), shape_error);
  binary_head_format(true).quantize(in, two_d, out);
  CHECK(out[5] == 1.0f);
  const std::vector<std::size_t> wrong{1, 1, 2, 2};
  CHECK_THROWS_AS(binary_head_format(false).quantize(in, wrong, out), shape_error);
  std::vector<float> small(2);
  CHECK_THROWS_AS(binary_format(true).quantize(in, small), shape_error);
}

TEST_CASE("stochastic binarisation is rejected with config_error naming the field") {
  CHECK_THROWS_WITH_AS(binary_format(true, true), doctest::Contains("binary.stochastic = true"), config_error);
  CHECK_THROWS_WITH_AS(binary_head_format(false, true), doctest::Contains("binary_head.stochastic = true"),
                       config_error);
}

}  // TEST_SUITE
