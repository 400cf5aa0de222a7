#include <doctest/doctest.h>

#include <fmt/format.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <mixprec/numbers/fixed.hpp>
#include <mixprec/random.hpp>

#include "golden_cases.hpp"

namespace {

using mixprec::fixed;
using mixprec::overflow;
using mixprec::rounding;

template <rounding R>
using r8 = fixed<8, 0, true, R>;

template <rounding R>
std::vector<long> round_all(const std::vector<double>& xs) {
  std::vector<long> out;
  for (double x : xs) out.push_back(static_cast<long>(r8<R>(x).raw()));
  return out;
}

/// The golden integer case with these parameters (REQUIREs that it exists).
nlohmann::json integer_case(int w, int f, bool is_signed) {
  for (const auto& c : mixprec::testing::golden_cases("integer")) {
    const auto& p = c["params"];
    if (!p["frac_width"].is_null() && p["width"] == w && p["frac_width"] == f && p["is_signed"] == is_signed)
      return c;
  }
  FAIL("no golden integer case w=" << w << " f=" << f << " signed=" << is_signed);
  return {};
}

template <int W, int F, bool S>
void check_kernel_against_golden() {
  const auto c = integer_case(W, F, S);
  const auto input = mixprec::testing::golden_array(c["input"].get<std::string>()).as<float>();
  const auto expected = mixprec::testing::golden_array(c["output"].get<std::string>()).as<float>();
  std::vector<float> out(input.size());
  mixprec::quantize_fixed<W, F, S>(input, out);
  CHECK_MESSAGE(mixprec::testing::count_bit_mismatches(out, expected, input, c["id"]) == 0, c["id"]);
  std::vector<float> inplace = input;
  mixprec::quantize_fixed<W, F, S>(inplace, inplace);
  CHECK(mixprec::testing::count_bit_mismatches(inplace, expected, input, c["id"]) == 0);
}

/// The fixed type's conversion (half_even, saturate) lands on the same value as MASE's integer
/// quantizer for every non-NaN input; only the sign of zero differs (a fixed value has one zero).
template <int W, int F, bool S>
void check_type_against_golden() {
  const auto c = integer_case(W, F, S);
  const auto input = mixprec::testing::golden_array(c["input"].get<std::string>()).as<float>();
  const auto expected = mixprec::testing::golden_array(c["output"].get<std::string>()).as<float>();
  std::size_t bad = 0, checked = 0;
  for (std::size_t i = 0; i < input.size(); ++i) {
    if (std::isnan(input[i])) continue;
    ++checked;
    const float got = fixed<W, F, S>(input[i]).to_float();
    if (got != expected[i]) {
      if (bad < 5) MESSAGE(c["id"] << " input " << input[i] << " got " << got << " expected " << expected[i]);
      ++bad;
    }
  }
  CHECK(checked > 3000);
  CHECK_MESSAGE(bad == 0, c["id"]);
}

}  // namespace

TEST_SUITE("numbers/fixed") {

TEST_CASE("each rounding mode on ties, near-ties and negatives") {
  const std::vector<double> xs = {-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -2.25, 2.75, -2.0, 0.0};
  CHECK(round_all<rounding::floor>(xs) == std::vector<long>{-3, -2, -1, 0, 1, 2, -3, 2, -2, 0});
  CHECK(round_all<rounding::toward_zero>(xs) == std::vector<long>{-2, -1, 0, 0, 1, 2, -2, 2, -2, 0});
  CHECK(round_all<rounding::half_up>(xs) == std::vector<long>{-2, -1, 0, 1, 2, 3, -2, 3, -2, 0});
  CHECK(round_all<rounding::half_zero>(xs) == std::vector<long>{-2, -1, 0, 0, 1, 2, -2, 3, -2, 0});
  CHECK(round_all<rounding::half_away>(xs) == std::vector<long>{-3, -2, -1, 1, 2, 3, -2, 3, -2, 0});
  CHECK(round_all<rounding::half_down>(xs) == std::vector<long>{-3, -2, -1, 0, 1, 2, -2, 3, -2, 0});
  CHECK(round_all<rounding::half_even>(xs) == std::vector<long>{-2, -2, 0, 0, 2, 2, -2, 3, -2, 0});
  CHECK(round_all<rounding::half_odd>(xs) == std::vector<long>{-3, -1, -1, 1, 1, 3, -2, 3, -2, 0});
}

TEST_CASE("a tie one ulp away from a double tie is not a tie") {
  const double below = std::nextafter(0.5, 0.0), above = std::nextafter(0.5, 1.0);
  CHECK(r8<rounding::half_up>(below).raw() == 0);
  CHECK(r8<rounding::half_even>(above).raw() == 1);
  CHECK(r8<rounding::half_zero>(-above).raw() == -1);
  // Far below one ulp of the fixed type: only the directed modes move.
  CHECK(r8<rounding::floor>(-1e-300).raw() == -1);
  CHECK(r8<rounding::toward_zero>(-1e-300).raw() == 0);
  CHECK(r8<rounding::half_away>(1e-300).raw() == 0);
}

TEST_CASE("each overflow mode at and beyond the limits") {
  using sat = fixed<4, 1, true, rounding::half_even, overflow::saturate>;  // [-4, 3.5]
  using wrap = fixed<4, 1, true, rounding::half_even, overflow::wrap>;
  using zero = fixed<4, 1, true, rounding::half_even, overflow::saturate_zero>;
  using sym = fixed<4, 1, true, rounding::half_even, overflow::saturate_symmetric>;
  using usat = fixed<4, 1, false, rounding::half_even, overflow::saturate>;  // [0, 7.5]
  using usym = fixed<4, 1, false, rounding::half_even, overflow::saturate_symmetric>;
  using uwrap = fixed<4, 1, false, rounding::half_even, overflow::wrap>;

  CHECK(sat(3.5).to_double() == 3.5);
  CHECK(sat(3.75).to_double() == 3.5);  // 7.5 ulps rounds to 8: out of range after rounding
  CHECK(sat(-4.0).to_double() == -4.0);
  CHECK(sat(-4.25).to_double() == -4.0);  // -8.5 ulps ties to -8: still in range
  CHECK(sat(-4.75).to_double() == -4.0);
  CHECK(sat(1e30).to_double() == 3.5);
  CHECK(sat(-std::numeric_limits<double>::infinity()).to_double() == -4.0);

  CHECK(wrap(4.0).to_double() == -4.0);   // code 8 -> -8
  CHECK(wrap(-4.5).to_double() == 3.5);   // code -9 -> 7
  CHECK(wrap(9.0).to_double() == 1.0);    // code 18 -> 2
  CHECK(wrap(0x1p80).to_double() == 0.0);  // low bits of 2^81 are all zero
  CHECK(wrap(std::numeric_limits<double>::infinity()).to_double() == 3.5);  // inf saturates in every mode

  CHECK(zero(3.5).to_double() == 3.5);
  CHECK(zero(4.0).to_double() == 0.0);
  CHECK(zero(-4.0).to_double() == -4.0);
  CHECK(zero(-4.5).to_double() == 0.0);

  CHECK(sym(-4.0).to_double() == -3.5);  // the most negative code is never produced
  CHECK(sym(-100.0).to_double() == -3.5);
  CHECK(sym(100.0).to_double() == 3.5);
  CHECK(sym(-std::numeric_limits<double>::infinity()).to_double() == -3.5);

  CHECK(usat(-0.25).to_double() == 0.0);  // -0.5 ulp ties to even: 0
  CHECK(usat(-0.2).to_double() == 0.0);
  CHECK(usat(7.5).to_double() == 7.5);
  CHECK(usat(8.0).to_double() == 7.5);
  CHECK(usym(-3.0).to_double() == 0.0);
  CHECK(uwrap(-0.5).to_double() == 7.5);  // code -1 -> 15
}

TEST_CASE("64-bit storage: limits, wrap and exact products") {
  using s64 = fixed<64, 0>;
  using u64 = fixed<64, 0, false>;
  CHECK(s64(0x1p63).raw() == std::numeric_limits<std::int64_t>::max());
  CHECK(s64(-0x1p63).raw() == std::numeric_limits<std::int64_t>::min());
  CHECK(u64(0x1p64).raw() == std::numeric_limits<std::uint64_t>::max());
  CHECK(fixed<64, 0, true, rounding::half_even, overflow::wrap>(0x1p63).raw() ==
        std::numeric_limits<std::int64_t>::min());
  CHECK(u64(std::numeric_limits<std::int64_t>::min()).raw() == 0);
  CHECK(s64(std::numeric_limits<std::uint64_t>::max()).raw() == std::numeric_limits<std::int64_t>::max());
  const auto p = fixed<32, 0>::lowest() * fixed<32, 0>::lowest();
  static_assert(std::same_as<decltype(p), const fixed<64, 0>>);
  CHECK(p.raw() == (std::int64_t{1} << 62));
}

TEST_CASE("arithmetic equals double arithmetic on random operands") {
  // Every result here is exact in double (at most 24 significant bits), so double is a fair oracle.
  mixprec::numpy_rng rng(7);
  for (int i = 0; i < 2000; ++i) {
    const auto a = fixed<10, 3>::from_raw(static_cast<int>(rng.bounded(1024)));
    const auto b = fixed<12, 7, false>::from_raw(static_cast<int>(rng.bounded(4096)));
    REQUIRE((a + b).to_double() == a.to_double() + b.to_double());
    REQUIRE((a - b).to_double() == a.to_double() - b.to_double());
    REQUIRE((b - a).to_double() == b.to_double() - a.to_double());
    REQUIRE((a * b).to_double() == a.to_double() * b.to_double());
    REQUIRE(((a < b) == (a.to_double() < b.to_double())));
    REQUIRE(((a == b) == (a.to_double() == b.to_double())));
  }
}

TEST_CASE("conversion to float rounds once, including into the subnormal range") {
  // 2^-149 * 1.5 is a tie between the two smallest subnormals: ties to even (2 * 2^-149).
  CHECK(fixed<8, 150>::from_raw(3).to_float() == 0x1p-148f);
  CHECK(fixed<8, 150>::from_raw(1).to_float() == 0.0f);  // exactly half the smallest: to even (0)
  CHECK(std::signbit(fixed<8, 150>::from_raw(-1).to_float()));
  // 2^53 + 1 is not a double; the float conversion does not go through double.
  const auto big = fixed<64, 0>::from_raw((std::int64_t{1} << 53) + (std::int64_t{1} << 29) + 1);
  CHECK(big.to_float() == 0x1p53f + 0x1p30f);  // above the float tie: rounds up
}

TEST_CASE("fmt prints the value with any floating-point spec") {
  CHECK(fmt::format("{}", fixed<8, 4>(1.25)) == "1.25");
  CHECK(fmt::format("{:.2f}", fixed<8, 4>(-0.0625)) == "-0.06");
  CHECK(fmt::format("{:>8.2f}|", fixed<16, 2, false>(7.75)) == "    7.75|");
}

TEST_CASE("quantize_fixed equals the golden integer cases bit for bit") {
  check_kernel_against_golden<8, 3, true>();
  check_kernel_against_golden<8, 7, true>();
  check_kernel_against_golden<4, 1, true>();
  check_kernel_against_golden<1, 0, true>();
  check_kernel_against_golden<16, 15, true>();
  check_kernel_against_golden<12, -2, true>();
  check_kernel_against_golden<8, 3, false>();
  check_kernel_against_golden<5, 9, false>();
  check_kernel_against_golden<2, -2, false>();
}

TEST_CASE("the fixed type's conversion lands on the golden integer values") {
  check_type_against_golden<8, 3, true>();
  check_type_against_golden<4, 1, true>();
  check_type_against_golden<16, 15, true>();
  check_type_against_golden<3, -2, true>();
  check_type_against_golden<8, 5, false>();
  check_type_against_golden<1, 9, false>();
}

TEST_CASE("quantize_fixed rejects mismatched spans and names both sizes") {
  std::vector<float> in(4), out(3);
  CHECK_THROWS_WITH_AS((mixprec::quantize_fixed<8, 4>(in, out)),
                       "quantize_fixed: input has 4 elements but output has 3: sizes must match",
                       mixprec::shape_error);
}

}  // TEST_SUITE
