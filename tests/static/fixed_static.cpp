// Compile-time checks of mixprec::fixed: result types and values compared together (CNL style).
#include <concepts>
#include <cstdint>
#include <limits>

#include <mixprec/numbers/fixed.hpp>

namespace {

using mixprec::fixed;
using mixprec::overflow;
using mixprec::rounding;

/// True when a and b have the same type and the same value.
template <class A, class B>
constexpr bool identical(const A& a, const B& b) {
  if constexpr (std::same_as<A, B>) {
    return a == b && a.raw() == b.raw();
  } else {
    return false;
  }
}

using q8_4 = fixed<8, 4>;
using u8_4 = fixed<8, 4, false>;

// Storage and limits.
static_assert(std::same_as<q8_4::rep, std::int8_t>);
static_assert(std::same_as<fixed<9, 0>::rep, std::int16_t>);
static_assert(std::same_as<fixed<33, 0, false>::rep, std::uint64_t>);
static_assert(std::same_as<fixed<64, 0>::rep, std::int64_t>);
static_assert(q8_4::raw_min == -128 && q8_4::raw_max == 127);
static_assert(u8_4::raw_min == 0 && u8_4::raw_max == 255);
static_assert(fixed<64, 0>::raw_min == std::numeric_limits<std::int64_t>::min());
static_assert(fixed<64, 0, false>::raw_max == std::numeric_limits<std::uint64_t>::max());
static_assert(q8_4::int_width == 4);
static_assert(q8_4::max().to_double() == 7.9375 && q8_4::lowest().to_double() == -8.0);
static_assert(q8_4::ulp().to_double() == 0.0625);

// Conversion from floating point: half_even and saturate by default.
static_assert(q8_4(1.25).raw() == 20);
static_assert(q8_4(0.03125).raw() == 0);    // 0.5 ulp: tie to even (0)
static_assert(q8_4(0.09375).raw() == 2);    // 1.5 ulp: tie to even (2)
static_assert(q8_4(-0.09375).raw() == -2);
static_assert(q8_4(100.0).raw() == 127);    // saturates
static_assert(q8_4(-100.0f).raw() == -128);
static_assert(q8_4(std::numeric_limits<double>::infinity()).raw() == 127);
static_assert(q8_4(std::numeric_limits<double>::quiet_NaN()).raw() == 0);
static_assert(q8_4(5e-324).raw() == 0);     // the smallest subnormal double
static_assert(u8_4(-0.5).raw() == 0);
static_assert(fixed<8, -2>(6.0).raw() == 2);  // negative Frac: 6/4 = 1.5, tie to even 2 -> 8
static_assert(fixed<8, -2>(6.0).to_double() == 8.0);
static_assert(fixed<4, 8>(0.01).raw() == 3);  // Frac above Width: 2.56 -> 3 ulps of 2^-8

// Other rounding and overflow modes.
static_assert(fixed<8, 0, true, rounding::floor>(-2.5).raw() == -3);
static_assert(fixed<8, 0, true, rounding::toward_zero>(-2.5).raw() == -2);
static_assert(fixed<8, 0, true, rounding::half_up>(-2.5).raw() == -2);
static_assert(fixed<8, 0, true, rounding::half_away>(-2.5).raw() == -3);
static_assert(fixed<8, 0, true, rounding::half_odd>(2.5).raw() == 3);
static_assert(fixed<8, 0, true, rounding::half_even, overflow::wrap>(130.0).raw() == -126);
static_assert(fixed<8, 0, true, rounding::half_even, overflow::saturate_symmetric>(-200.0).raw() == -127);
static_assert(fixed<8, 0, true, rounding::half_even, overflow::saturate_zero>(200.0).raw() == 0);

// Integers and other fixed types.
static_assert(q8_4(3).raw() == 48);
static_assert(q8_4(-9).raw() == -128);
static_assert(fixed<16, 8>(q8_4(1.25)).raw() == 320);
static_assert(fixed<4, 1>(q8_4(1.3125)).raw() == 3);  // 2.625 -> 3 (half_even of a non-tie)

// from_raw keeps the low Width bits.
static_assert(q8_4::from_raw(0x1ff).raw() == -1);
static_assert(fixed<4, 0, false>::from_raw(-1).raw() == 15);

// Exact arithmetic: the result type widens, the value is exact.
static_assert(identical(q8_4(1.5) + q8_4(2.25), fixed<9, 4>(3.75)));
static_assert(identical(q8_4(7.9375) + q8_4(7.9375), fixed<9, 4>(15.875)));  // no wrap
static_assert(identical(q8_4(1.5) + fixed<6, 2>(-3.25), fixed<9, 4>(-1.75)));
static_assert(identical(u8_4(15.9375) + u8_4(1.0), fixed<9, 4, false>(16.9375)));
static_assert(identical(u8_4(1.0) + q8_4(-8.0), fixed<10, 4>(-7.0)));  // unsigned gains a sign bit
static_assert(identical(u8_4(0.0) - u8_4(15.9375), fixed<9, 4>(-15.9375)));  // difference is signed
static_assert(identical(q8_4(-8.0) - q8_4(7.9375), fixed<9, 4>(-15.9375)));
static_assert(identical(q8_4(-8.0) * q8_4(-8.0), fixed<16, 8>(64.0)));  // the one product needing all bits
static_assert(identical(q8_4(1.5) * u8_4(2.5), fixed<16, 8>(3.75)));
static_assert(identical(u8_4(15.9375) * u8_4(15.9375), fixed<16, 8, false>(254.00390625)));
static_assert(identical(fixed<32, 16>(-1.0) * fixed<32, 16>(-1.0), fixed<64, 32>(1.0)));
static_assert(identical(-q8_4(-8.0), fixed<9, 4>(8.0)));
static_assert(std::same_as<decltype(fixed<8, 4, true, rounding::floor>{} + q8_4{}),
                           fixed<9, 4, true, rounding::floor, overflow::saturate>>);

// Comparisons across types are exact.
static_assert(q8_4(1.5) == fixed<16, 10>(1.5));
static_assert(q8_4(1.5) < fixed<16, 10>(1.5009765625));
static_assert(fixed<8, -20>(-1048576.0) < fixed<8, 60>(0.0));
static_assert(u8_4(15.9375) > q8_4(-8.0));
static_assert(fixed<64, 0, false>::max() > fixed<64, 0>::max());

// Conversion back to float rounds once: 2^24 + 1 is not a float and ties to even.
static_assert(fixed<26, 0>(16777217).to_float() == 16777216.0f);
static_assert(fixed<26, 0>(16777219).to_float() == 16777220.0f);
static_assert(fixed<8, 160>::ulp().to_float() == 0.0f);            // 2^-160 is below every float
static_assert(fixed<8, 149>::ulp().to_float() == 0x1p-149f);
static_assert(fixed<8, -130>::max().to_float() == std::numeric_limits<float>::infinity());

}  // namespace
