#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <mixprec/numbers/minifloat_mx.hpp>

#include "golden_elementwise.hpp"

namespace {

using mixprec::config_error;
using mixprec::minifloat_mx_format;
using mixprec::mx_round_mode;
using mixprec::testing::check_elementwise_case;
using mixprec::testing::golden_cases;

constexpr float inf = std::numeric_limits<float>::infinity();

}  // namespace

TEST_SUITE("numbers/minifloat_mx") {

TEST_CASE("minifloat_mx matches every golden case bit for bit") {
  std::size_t ran = 0;
  for (const auto& c : golden_cases("minifloat_mx")) {
    const auto& p = c["params"];
    const minifloat_mx_format f(p["exp_bits"].get<int>(), p["frac_bits"].get<int>(), p["is_finite"].get<bool>(),
                                mixprec::parse_mx_round_mode(p["round_mode"].get<std::string>()));
    check_elementwise_case(c, f);
    ++ran;
  }
  MESSAGE("minifloat_mx golden cases run: " << ran);
  REQUIRE(ran == 27);
}

TEST_CASE("E4M3 keeps MASE's carry loss, saturation and flush of 2^-bias") {
  const minifloat_mx_format f(4, 3);
  CHECK(f.quantize(1.0f) == 1.0f);
  CHECK(f.quantize(1.0625f) == 1.0f);     // tie -> even fraction
  CHECK(f.quantize(1.96875f) == 1.0f);    // carry OR-ed into an exponent field with LSB 1: lost
  CHECK(f.quantize(1.9375f) == 1.0f);
  CHECK(f.quantize(3.96875f) == 4.0f);    // exponent LSB 0: acts like a real carry
  CHECK(f.quantize(496.0f) == 256.0f);
  CHECK(f.quantize(480.0f) == 480.0f);    // finite max uses the all-ones exponent
  CHECK(f.quantize(1e6f) == 480.0f);
  CHECK(f.quantize(-1e6f) == -480.0f);
  CHECK(f.quantize(std::ldexp(1.0f, -7)) == 0.0f);   // exactly 2^-bias flushes to zero
  CHECK(f.quantize(std::ldexp(1.5f, -7)) == std::ldexp(0.75f, -6));  // truncating subnormal
  CHECK(f.quantize(std::ldexp(1.0f, -8)) == 0.0f);
  CHECK(f.quantize(std::numeric_limits<float>::denorm_min()) == 0.0f);  // fp32 subnormals flush
  CHECK(std::signbit(f.quantize(-1.0f)));
  CHECK(!std::signbit(f.quantize(-0.0f)));  // -0 encodes as +0
}

TEST_CASE("E2M1 subnormal handling truncates") {
  const minifloat_mx_format f(2, 1);
  CHECK(f.quantize(0.75f) == 0.5f);
  CHECK(f.quantize(0.5f) == 0.0f);
  CHECK(f.quantize(6.0f) == 6.0f);
  CHECK(f.quantize(100.0f) == 6.0f);
}

TEST_CASE("non-finite mode gives inf and NaN codes that decode as finite numbers") {
  const minifloat_mx_format f(4, 3, false);
  CHECK(f.quantize(inf) == 128.0f);
  CHECK(f.quantize(-inf) == -128.0f);
  CHECK(f.quantize(std::numeric_limits<float>::quiet_NaN()) == 240.0f);
  CHECK(f.quantize(1e6f) == 240.0f);  // the all-ones exponent is reserved: max 2^7 * 1.875
}

TEST_CASE("round modes") {
  const float x = 1.1f;  // between 1.0 and 1.125, nearer 1.125
  CHECK(minifloat_mx_format(4, 3, true, mx_round_mode::rn).quantize(x) == 1.125f);
  CHECK(minifloat_mx_format(4, 3, true, mx_round_mode::rz).quantize(x) == 1.0f);
  CHECK(minifloat_mx_format(4, 3, true, mx_round_mode::rd).quantize(x) == 1.0f);
  CHECK(minifloat_mx_format(4, 3, true, mx_round_mode::ru).quantize(1.01f) == 1.125f);
  CHECK(minifloat_mx_format(4, 3, true, mx_round_mode::ru).quantize(-1.01f) == -1.125f);  // on the magnitude
}

TEST_CASE("encode and decode are inverse on codes") {
  const minifloat_mx_format f(5, 2);
  CHECK(f.encode(1.0f) == 15u << 2);
  CHECK(f.decode(f.encode(-3.0f)) == -3.0f);
  CHECK((f.encode(-3.0f) >> 7) == 1u);  // sign bit at exp_bits + frac_bits
}

TEST_CASE("bad minifloat_mx parameters throw config_error naming the field and value") {
  CHECK_THROWS_WITH_AS(minifloat_mx_format(0, 3), doctest::Contains("minifloat_mx.exp_bits = 0"), config_error);
  CHECK_THROWS_WITH_AS(minifloat_mx_format(9, 3), doctest::Contains("minifloat_mx.exp_bits = 9"), config_error);
  CHECK_THROWS_WITH_AS(minifloat_mx_format(4, 12), doctest::Contains("minifloat_mx.frac_bits = 12: must be in [0, 11]"),
                       config_error);
  CHECK_THROWS_WITH_AS(minifloat_mx_format(4, -1), doctest::Contains("minifloat_mx.frac_bits = -1"), config_error);
  CHECK_THROWS_WITH_AS(mixprec::parse_mx_round_mode("nearest"),
                       doctest::Contains("minifloat_mx.round_mode = \"nearest\""), config_error);
  std::vector<float> in(3), out(1);
  CHECK_THROWS_AS(minifloat_mx_format(4, 3).quantize(in, out), mixprec::shape_error);
}

}  // TEST_SUITE
