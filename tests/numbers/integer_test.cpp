#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <mixprec/numbers/integer.hpp>

#include "golden_elementwise.hpp"

namespace {

using mixprec::config_error;
using mixprec::shape_error;
using mixprec::testing::check_elementwise_case;
using mixprec::testing::count_bit_mismatches;
using mixprec::testing::golden_array;
using mixprec::testing::golden_cases;

std::uint32_t bits(float v) { return std::bit_cast<std::uint32_t>(v); }
bool same_bits(float a, float b) { return bits(a) == bits(b); }
constexpr float inf = std::numeric_limits<float>::infinity();
const float qnan = std::numeric_limits<float>::quiet_NaN();

}  // namespace

TEST_SUITE("numbers/integer") {

TEST_CASE("integer matches every golden case bit for bit") {
  std::size_t ran = 0;
  const auto cases = golden_cases("integer");
  for (const auto& c : cases) {
    const auto& p = c["params"];
    const bool is_signed = p["is_signed"].get<bool>();
    const int width = p["width"].get<int>();
    const auto f = p["frac_width"].is_null() ? mixprec::integer_format::with_default_frac(width, is_signed)
                                             : mixprec::integer_format(width, p["frac_width"].get<int>(), is_signed);
    check_elementwise_case(c, f);
    ++ran;
  }
  MESSAGE("integer golden cases run: " << ran);
  REQUIRE(ran == 130);
  REQUIRE(ran == cases.size());
}

TEST_CASE("integer_floor matches every golden case bit for bit") {
  std::size_t ran = 0;
  for (const auto& c : golden_cases("integer_floor")) {
    const auto& p = c["params"];
    check_elementwise_case(c, mixprec::integer_floor_format(p["width"].get<int>(), p["frac_width"].get<int>(),
                                                            p["is_signed"].get<bool>()));
    ++ran;
  }
  MESSAGE("integer_floor golden cases run: " << ran);
  REQUIRE(ran == 18);
}

TEST_CASE("integer_for_hw matches every golden case bit for bit") {
  std::size_t ran = 0;
  for (const auto& c : golden_cases("integer_for_hw")) {
    const auto& p = c["params"];
    const mixprec::integer_for_hw_format f(p["width"].get<int>(), p["frac_width"].get<int>());
    const auto input = golden_array(c["input"].get<std::string>()).as<float>();
    const auto expected = golden_array(c["output"].get<std::string>()).as<std::int32_t>();
    std::vector<std::int32_t> codes(input.size());
    f.encode(input, codes);
    std::size_t bad = 0;
    for (std::size_t i = 0; i < input.size(); ++i) {
      if (codes[i] != expected[i]) ++bad;
      if (f.encode(input[i]) != expected[i]) ++bad;
    }
    CHECK_MESSAGE(bad == 0, c["id"]);
    ++ran;
  }
  MESSAGE("integer_for_hw golden cases run: " << ran);
  REQUIRE(ran == 6);
}

TEST_CASE("scale_integer matches every golden case bit for bit") {
  std::size_t ran = 0;
  for (const auto& c : golden_cases("scale_integer")) {
    const auto& p = c["params"];
    const mixprec::scale_integer_format f(p["width"].get<int>(), p["is_signed"].get<bool>());
    const auto arr = golden_array(c["input"].get<std::string>());
    const auto input = arr.as<float>();
    const auto expected = golden_array(c["output"].get<std::string>()).as<float>();
    std::vector<float> out(input.size());
    f.quantize(input, arr.shape, out);
    CHECK_MESSAGE(count_bit_mismatches(out, expected, input, c["id"]) == 0, c["id"]);
    ++ran;
  }
  MESSAGE("scale_integer golden cases run: " << ran);
  REQUIRE(ran == 16);
}

TEST_CASE("integer rounds ties to even and keeps the sign of zero") {
  const mixprec::integer_format f(8, 0);
  CHECK(f.quantize(0.5f) == 0.0f);
  CHECK(f.quantize(1.5f) == 2.0f);
  CHECK(f.quantize(2.5f) == 2.0f);
  CHECK(same_bits(f.quantize(-0.5f), -0.0f));
  CHECK(same_bits(f.quantize(-0.3f), -0.0f));
  CHECK(same_bits(f.quantize(-0.0f), -0.0f));
  CHECK(same_bits(f.quantize(0.0f), 0.0f));
  const mixprec::integer_format g(8, 3);
  CHECK(g.quantize(0.0625f) == 0.0f);     // 0.5 / 8: tie to even 0
  CHECK(g.quantize(0.1875f) == 0.25f);    // 1.5 / 8: tie to even 2
  CHECK(g.quantize(std::nextafter(0.0625f, 1.0f)) == 0.125f);
}

TEST_CASE("integer saturates at its limits, maps inf to them and keeps NaN") {
  const mixprec::integer_format s(4, 1);
  CHECK(s.quantize(100.0f) == 3.5f);
  CHECK(s.quantize(-100.0f) == -4.0f);
  CHECK(s.quantize(inf) == 3.5f);
  CHECK(s.quantize(-inf) == -4.0f);
  CHECK(std::isnan(s.quantize(qnan)));
  const mixprec::integer_format u(4, 1, false);
  CHECK(u.quantize(100.0f) == 7.5f);
  CHECK(same_bits(u.quantize(-3.0f), 0.0f));     // clamped to the bound: +0
  CHECK(same_bits(u.quantize(-0.2f), -0.0f));    // rounds to -0, which the clamp keeps
  CHECK(u.quantize(-inf) == 0.0f);
}

TEST_CASE("integer handles large magnitudes where the rounding trick changes regime") {
  const mixprec::integer_format f(32, 0);
  CHECK(f.quantize(8388607.5f) == 8388608.0f);  // 2^23 - 0.5: tie to even
  CHECK(f.quantize(4194304.5f) == 4194304.0f);  // 2^22 + 0.5
  CHECK(f.quantize(4194305.5f) == 4194306.0f);
  CHECK(f.quantize(16777216.0f) == 16777216.0f);
  CHECK(f.quantize(3.0e9f) == 2147483648.0f);  // hi = float32(2^31 - 1) = 2^31
}

TEST_CASE("integer accepts the smallest width, negative frac and frac above the width") {
  const mixprec::integer_format w1s(1, 0);
  CHECK(w1s.quantize(0.7f) == 0.0f);
  CHECK(w1s.quantize(-0.7f) == -1.0f);
  const mixprec::integer_format w1u(1, 0, false);
  CHECK(w1u.quantize(0.7f) == 1.0f);
  const mixprec::integer_format neg(4, -2);  // steps of 4
  CHECK(neg.quantize(5.0f) == 4.0f);
  CHECK(neg.quantize(6.0f) == 8.0f);  // tie 1.5 -> 2
  CHECK(neg.quantize(100.0f) == 28.0f);
  const mixprec::integer_format big(4, 9);  // range [-8/512, 7/512]
  CHECK(big.quantize(1.0f) == 7.0f / 512.0f);
  // frac so negative that 2^-f overflows float32: the kernel divides instead of multiplying.
  const mixprec::integer_format huge(8, -140);
  CHECK(huge.quantize(std::ldexp(3.0f, 140 - 20)) == 0.0f);
  CHECK(huge.quantize(std::ldexp(3.0f, 100)) == 0.0f);
  const mixprec::integer_format deep(8, -128);
  CHECK(deep.quantize(std::ldexp(1.0f, 127)) == 0.0f);  // 0.5 ties to 0
  CHECK(deep.quantize(std::numeric_limits<float>::max()) == inf);  // 1 / 2^-128 overflows
  CHECK(deep.quantize(1e38f) == 0.0f);
  const mixprec::integer_format tiny(8, 127);
  CHECK(tiny.quantize(std::ldexp(5.0f, -127)) == std::ldexp(5.0f, -127));
}

TEST_CASE("integer HEAD default frac width is width / 2") {
  CHECK(mixprec::integer_format::with_default_frac(8).frac_width == 4);
  CHECK(mixprec::integer_format::with_default_frac(5).frac_width == 2);
  CHECK(mixprec::integer_floor_format::with_default_frac(3, false).frac_width == 1);
  CHECK_THROWS_WITH_AS(static_cast<void>(mixprec::integer_format::with_default_frac(0)), doctest::Contains("integer.width = 0"),
                       config_error);
}

TEST_CASE("integer_floor floors toward minus infinity") {
  const mixprec::integer_floor_format f(8, 1);
  CHECK(f.quantize(0.74f) == 0.5f);
  CHECK(f.quantize(-0.1f) == -0.5f);
  CHECK(same_bits(f.quantize(-0.0f), -0.0f));
  CHECK(f.quantize(1000.0f) == 63.5f);
  CHECK(f.quantize(-inf) == -64.0f);
}

TEST_CASE("integer_for_hw gives two's-complement codes") {
  const mixprec::integer_for_hw_format f(4, 1);
  CHECK(f.encode(0.5f) == 1);
  CHECK(f.encode(-0.5f) == 15);
  CHECK(f.encode(-100.0f) == 8);
  CHECK(f.encode(100.0f) == 7);
  CHECK(f.encode(qnan) == 0);
  const mixprec::integer_for_hw_format w32(32, 0);
  CHECK(w32.encode(-1.0f) == -1);  // 2^32 - 1 read as int32
}

TEST_CASE("scale_integer scales each row by its own maximum") {
  const mixprec::scale_integer_format f(4);
  const std::vector<float> in{1.0f, -0.5f, 0.25f, 0.0f, 0.0f, 0.0f, std::nanf(""), 1.0f, 2.0f};
  const std::vector<std::size_t> shape{3, 3};
  std::vector<float> out(in.size());
  f.quantize(in, shape, out);
  const float s = (1.0f / (1.0f + 1e-9f)) * 8.0f;
  CHECK(out[0] == 7.0f / s);  // the row maximum clips to 2^(w-1) - 1
  CHECK(out[1] == -4.0f / s);
  CHECK(out[2] == 2.0f / s);
  CHECK(out[3] == 0.0f);
  CHECK(out[5] == 0.0f);
  CHECK(std::isnan(out[7]));
  CHECK(std::isnan(out[8]));
  const std::vector<std::size_t> bad_shape{2, 3};
  CHECK_THROWS_AS(f.quantize(in, bad_shape, out), shape_error);
  CHECK_THROWS_AS(f.quantize(in, std::span<const std::size_t>{}, out), shape_error);
}

TEST_CASE("span quantize rejects mismatched sizes") {
  const mixprec::integer_format f(8, 4);
  std::vector<float> in(4), out(3);
  CHECK_THROWS_WITH_AS(f.quantize(in, out), doctest::Contains("integer.quantize"), shape_error);
  const mixprec::integer_floor_format g(8, 4);
  CHECK_THROWS_AS(g.quantize(in, out), shape_error);
  std::vector<std::int32_t> codes(2);
  CHECK_THROWS_AS(mixprec::integer_for_hw_format(8, 4).encode(in, codes), shape_error);
}

TEST_CASE("bad integer parameters throw config_error naming the field and value") {
  CHECK_THROWS_WITH_AS(mixprec::integer_format(0, 0), doctest::Contains("integer.width = 0: must be in [1, 64]"),
                       config_error);
  CHECK_THROWS_WITH_AS(mixprec::integer_format(65, 0), doctest::Contains("integer.width = 65"), config_error);
  CHECK_THROWS_WITH_AS(mixprec::integer_format(8, -150), doctest::Contains("integer.frac_width = -150"),
                       config_error);
  CHECK_THROWS_WITH_AS(mixprec::integer_format(8, 128), doctest::Contains("integer.frac_width = 128"),
                       config_error);
  CHECK_THROWS_WITH_AS(mixprec::integer_floor_format(-1, 0), doctest::Contains("integer_floor.width = -1"),
                       config_error);
  CHECK_THROWS_WITH_AS(mixprec::integer_for_hw_format(33, 0), doctest::Contains("integer_for_hw.width = 33"),
                       config_error);
  CHECK_THROWS_WITH_AS(mixprec::integer_for_hw_format(8, 200), doctest::Contains("integer_for_hw.frac_width = 200"),
                       config_error);
  CHECK_THROWS_WITH_AS(mixprec::scale_integer_format(0), doctest::Contains("scale_integer.width = 0"), config_error);
}

}  // TEST_SUITE
