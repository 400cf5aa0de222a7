// The compile-time fixed-point type `fixed<Width, Frac, Signed, Rounding, Overflow>` (ap_fixed/ac_fixed
// semantics with MASE's field names: Frac is MASE's frac_width) with exact, widening arithmetic, and
// `quantize_fixed<Width, Frac, Signed>`, a hard-wired span kernel bit-identical to MASE's integer quantizer.
#pragma once
#include <algorithm>
#include <bit>
#include <cmath>
#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <utility>

#include <fmt/format.h>

#include <mixprec/error.hpp>
#include <mixprec/numbers/rounding.hpp>

namespace mixprec {

namespace detail {

// 128-bit integers hold every intermediate of a conversion or comparison between <= 64-bit fixed
// values exactly; `__extension__` keeps -Wpedantic quiet about the GNU type.
__extension__ typedef __int128 fixed_i128;
__extension__ typedef unsigned __int128 fixed_u128;

/// The smallest standard integer with at least Width bits.
template <int Width, bool Signed>
struct fixed_rep {
  using type = std::conditional_t<
      (Width <= 8), std::conditional_t<Signed, std::int8_t, std::uint8_t>,
      std::conditional_t<(Width <= 16), std::conditional_t<Signed, std::int16_t, std::uint16_t>,
                         std::conditional_t<(Width <= 32), std::conditional_t<Signed, std::int32_t, std::uint32_t>,
                                            std::conditional_t<Signed, std::int64_t, std::uint64_t>>>>;
};

/// Exact 2^e for a binary floating-point type, for e in the type's normal or subnormal range.
template <std::floating_point T>
constexpr T pow2_exact(int e) {
  constexpr int digits = std::numeric_limits<T>::digits;             // 24 / 53
  constexpr int emin = std::numeric_limits<T>::min_exponent - 1;     // -126 / -1022
  using bits_t = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  if (e >= emin)
    return std::bit_cast<T>(static_cast<bits_t>(static_cast<bits_t>(e - emin + 1) << (digits - 1)));
  return std::bit_cast<T>(static_cast<bits_t>(bits_t{1} << (e - emin + digits - 1)));
}

/// The float or double nearest to (-1)^neg * m * 2^e (ties to even), with gradual underflow and
/// overflow to infinity: one correct rounding, never two.
template <std::floating_point T>
constexpr T round_to_floating(bool neg, std::uint64_t m, int e) {
  constexpr int p = std::numeric_limits<T>::digits;
  constexpr int emin = std::numeric_limits<T>::min_exponent - 1;
  constexpr int emax = std::numeric_limits<T>::max_exponent - 1;
  const T zero = neg ? -T(0) : T(0);
  if (m == 0) return zero;
  const int n = static_cast<int>(std::bit_width(m));
  const int top = n - 1 + e;  // the value lies in [2^top, 2^(top+1))
  const int keep = top >= emin ? p : p - (emin - top);  // significant bits the result can hold
  std::uint64_t q = m;
  int qe = e;
  const int drop = n - keep;
  if (drop > n) return zero;  // below half the smallest subnormal
  if (drop > 0) {
    q = drop == 64 ? 0 : m >> drop;
    const std::uint64_t rem = drop == 64 ? m : m & ((std::uint64_t{1} << drop) - 1);
    const std::uint64_t half = std::uint64_t{1} << (drop - 1);
    if (rem > half || (rem == half && (q & 1) != 0)) ++q;
    qe = e + drop;
    if (q == 0) return zero;
  }
  if (static_cast<int>(std::bit_width(q)) - 1 + qe > emax) return neg ? -std::numeric_limits<T>::infinity()
                                                     : std::numeric_limits<T>::infinity();
  // q * 2^qe is representable; scaling by exact powers of two in range-safe steps is exact.
  T r = static_cast<T>(q);
  while (qe != 0) {
    const int step = std::clamp(qe, emin, emax);
    r *= pow2_exact<T>(step);
    qe -= step;
  }
  return neg ? -r : r;
}

/// An exact rounded integer: `value` when |value| < 2^100, else `huge` with the low 64 bits in `low`.
struct fixed_rounded {
  fixed_i128 value = 0;
  bool huge = false;
  bool neg = false;
  std::uint64_t low = 0;
};

/// Rounds (-1)^neg * m * 2^k to an integer under rounding mode R.
template <rounding R>
constexpr fixed_rounded round_scaled(bool neg, std::uint64_t m, int k) {
  fixed_rounded out;
  out.neg = neg;
  if (m == 0) return out;
  if (k >= 0) {
    if (static_cast<int>(std::bit_width(m)) + k > 100) {
      out.huge = true;
      out.low = k >= 64 ? 0 : m << k;  // unsigned: wraps modulo 2^64, which is what WRAP needs
      return out;
    }
    const fixed_i128 v = static_cast<fixed_i128>(m) << k;
    out.value = neg ? -v : v;
    return out;
  }
  const int s = -k;
  std::uint64_t q = 0;
  int cmp = -1;  // the discarded fraction against one half: -1 below, 0 equal, +1 above
  if (s > 64) {
    q = 0;  // m < 2^64 <= 2^(s-1): strictly below one half
  } else {
    const std::uint64_t rem = s == 64 ? m : m & ((std::uint64_t{1} << s) - 1);
    const std::uint64_t half = std::uint64_t{1} << (s - 1);
    q = s == 64 ? 0 : m >> s;
    if (rem == 0) {
      out.value = neg ? -static_cast<fixed_i128>(q) : static_cast<fixed_i128>(q);
      return out;
    }
    cmp = rem < half ? -1 : (rem == half ? 0 : 1);
  }
  const bool odd = (q & 1) != 0;
  bool up = false;  // round the magnitude up
  switch (R) {
    case rounding::floor: up = neg; break;
    case rounding::toward_zero: up = false; break;
    case rounding::half_up: up = cmp > 0 || (cmp == 0 && !neg); break;
    case rounding::half_zero: up = cmp > 0; break;
    case rounding::half_away: up = cmp >= 0; break;
    case rounding::half_down: up = cmp > 0 || (cmp == 0 && neg); break;
    case rounding::half_even: up = cmp > 0 || (cmp == 0 && odd); break;
    case rounding::half_odd: up = cmp > 0 || (cmp == 0 && !odd); break;
  }
  const fixed_i128 mag = static_cast<fixed_i128>(q) + (up ? 1 : 0);
  out.value = neg ? -mag : mag;
  return out;
}

/// Exact three-way comparison of a * 2^-fa and b * 2^-fb.
constexpr std::strong_ordering compare_scaled(fixed_i128 a, int fa, fixed_i128 b, int fb) {
  if (fa == fb) return a <=> b;
  if (fa > fb) return 0 <=> compare_scaled(b, fb, a, fa);
  // fa < fb: compare a * 2^(fb-fa) with b; |a|, |b| < 2^64.
  const int s = fb - fa;
  if (a == 0) return 0 <=> b;
  if (s >= 64) return a <=> 0;  // |a| * 2^s >= 2^64 > |b|
  return (a * (fixed_i128{1} << s)) <=> b;
}

}  // namespace detail

/// A fixed-point number of `Width` bits (1..64) whose value is raw * 2^-Frac (`Frac` is MASE's
/// frac_width; ac_fixed's integer width I is Width - Frac). `Frac` may be negative or above Width,
/// as in MASE. Conversions from float, double, integers and other fixed types round with `Rounding`
/// and handle out-of-range values with `Overflow`; NaN converts to 0 and ±inf saturate in every mode
/// (a fixed value has no NaN or infinity). `+`, `-` and `*` are exact: the result type is widened
/// (ac_fixed's rules) and keeps the left operand's rounding and overflow; a result wider than 64 bits
/// does not compile.
template <int Width, int Frac, bool Signed = true, rounding Rounding = rounding::half_even,
          overflow Overflow = overflow::saturate>
class fixed {
  static_assert(Width >= 1, "mixprec::fixed: Width must be >= 1");
  static_assert(Width <= 64, "mixprec::fixed: Width must be <= 64 (the storage is at most a 64-bit integer)");
  static_assert(Frac >= -65536 && Frac <= 65536, "mixprec::fixed: Frac must be in [-65536, 65536]");

 public:
  using rep = typename detail::fixed_rep<Width, Signed>::type;  ///< the storage integer
  static constexpr int width = Width;
  static constexpr int frac_width = Frac;
  static constexpr int int_width = Width - Frac;  ///< ac_fixed's I (sign bit included)
  static constexpr bool is_signed = Signed;
  static constexpr rounding rounding_mode = Rounding;
  static constexpr overflow overflow_mode = Overflow;
  /// Smallest and largest raw codes: [-2^(W-1), 2^(W-1)-1] signed, [0, 2^W-1] unsigned.
  static constexpr rep raw_min = Signed ? static_cast<rep>(-(detail::fixed_i128{1} << (Width - 1))) : rep{0};
  static constexpr rep raw_max = static_cast<rep>((detail::fixed_i128{1} << (Signed ? Width - 1 : Width)) - 1);

  /// Zero.
  constexpr fixed() noexcept = default;

  /// The value of `v` rounded and overflow-handled; NaN gives 0, ±inf saturate.
  template <std::floating_point T>
  constexpr explicit fixed(T v) noexcept : raw_(from_floating(static_cast<double>(v))) {}

  /// The value of the integer `v` (exact unless it needs rounding (Frac < 0) or overflows).
  template <std::integral T>
  constexpr explicit fixed(T v) noexcept
      : raw_(from_rounded(detail::round_scaled<Rounding>(std::cmp_less(v, 0), magnitude(v), Frac))) {}

  /// Converts another fixed type with this type's rounding and overflow.
  template <int W2, int F2, bool S2, rounding R2, overflow O2>
  constexpr explicit fixed(const fixed<W2, F2, S2, R2, O2>& x) noexcept
      : raw_(from_rounded(detail::round_scaled<Rounding>(std::cmp_less(x.raw(), 0), magnitude(x.raw()), Frac - F2))) {}

  /// The fixed value with raw code `r`; bits above Width are discarded (two's complement wrap).
  template <std::integral T>
  [[nodiscard]] static constexpr fixed from_raw(T r) noexcept {
    fixed f;
    f.raw_ = wrap_bits(static_cast<std::uint64_t>(r));
    return f;
  }

  /// The raw code: the value is raw() * 2^-Frac.
  [[nodiscard]] constexpr rep raw() const noexcept { return raw_; }

  [[nodiscard]] constexpr double to_double() const noexcept {
    return detail::round_to_floating<double>(std::cmp_less(raw_, 0), magnitude(raw_), -Frac);
  }
  [[nodiscard]] constexpr float to_float() const noexcept {
    return detail::round_to_floating<float>(std::cmp_less(raw_, 0), magnitude(raw_), -Frac);
  }
  constexpr explicit operator double() const noexcept { return to_double(); }
  constexpr explicit operator float() const noexcept { return to_float(); }

  /// The most negative, the largest and the smallest positive values.
  [[nodiscard]] static constexpr fixed lowest() noexcept { return from_raw(raw_min); }
  [[nodiscard]] static constexpr fixed max() noexcept { return from_raw(raw_max); }
  [[nodiscard]] static constexpr fixed ulp() noexcept { return from_raw(1); }

  /// Exact negation: one more bit, always signed.
  [[nodiscard]] constexpr fixed<Width + 1, Frac, true, Rounding, Overflow> operator-() const noexcept
    requires(Width < 64)
  {
    return fixed<Width + 1, Frac, true, Rounding, Overflow>::from_raw(-static_cast<std::int64_t>(raw_));
  }

  template <int W2, int F2, bool S2, rounding R2, overflow O2>
  [[nodiscard]] constexpr bool operator==(const fixed<W2, F2, S2, R2, O2>& b) const noexcept {
    return (*this <=> b) == 0;
  }
  template <int W2, int F2, bool S2, rounding R2, overflow O2>
  [[nodiscard]] constexpr std::strong_ordering operator<=>(const fixed<W2, F2, S2, R2, O2>& b) const noexcept {
    return detail::compare_scaled(raw_, Frac, b.raw(), F2);
  }

 private:
  rep raw_ = 0;

  template <std::integral T>
  static constexpr std::uint64_t magnitude(T v) noexcept {
    if constexpr (std::is_signed_v<T>) {
      // Through unsigned negation so the most negative value has a magnitude too.
      return std::cmp_less(v, 0) ? std::uint64_t{0} - static_cast<std::uint64_t>(static_cast<std::int64_t>(v))
                   : static_cast<std::uint64_t>(v);
    } else {
      return static_cast<std::uint64_t>(v);
    }
  }

  static constexpr rep wrap_bits(std::uint64_t u) noexcept {
    if constexpr (Width < 64) u &= (std::uint64_t{1} << Width) - 1;
    if constexpr (Signed) {
      if constexpr (Width < 64) {
        if ((u >> (Width - 1)) & 1) u |= ~std::uint64_t{0} << Width;  // sign-extend
      }
      return static_cast<rep>(static_cast<std::int64_t>(u));
    } else {
      return static_cast<rep>(u);
    }
  }

  static constexpr rep from_rounded(const detail::fixed_rounded& r) noexcept {
    constexpr detail::fixed_i128 hi = raw_max;
    constexpr detail::fixed_i128 lo =
        Overflow == overflow::saturate_symmetric && Signed ? -hi : detail::fixed_i128{raw_min};
    const bool below = r.huge ? r.neg : r.value < lo;
    const bool above = r.huge ? !r.neg : r.value > hi;
    if (!below && !above) return static_cast<rep>(r.value);
    switch (Overflow) {
      case overflow::wrap: {
        std::uint64_t u = r.huge ? r.low : static_cast<std::uint64_t>(static_cast<detail::fixed_u128>(r.value));
        if (r.huge && r.neg) u = std::uint64_t{0} - u;
        return wrap_bits(u);
      }
      case overflow::saturate_zero: return rep{0};
      case overflow::saturate:
      case overflow::saturate_symmetric: break;
    }
    return static_cast<rep>(below ? lo : hi);
  }

  static constexpr rep from_floating(double v) noexcept {
    const auto bits = std::bit_cast<std::uint64_t>(v);
    const bool neg = (bits >> 63) != 0;
    const int exp_field = static_cast<int>((bits >> 52) & 0x7ff);
    const std::uint64_t frac = bits & ((std::uint64_t{1} << 52) - 1);
    if (exp_field == 0x7ff) {
      if (frac != 0) return rep{0};  // NaN
      detail::fixed_rounded inf;     // ±inf: beyond every range, saturates
      inf.huge = true;
      inf.neg = neg;
      return saturate_infinity(inf);
    }
    const std::uint64_t m = exp_field == 0 ? frac : frac | (std::uint64_t{1} << 52);
    const int e = exp_field == 0 ? -1074 : exp_field - 1075;
    return from_rounded(detail::round_scaled<Rounding>(neg, m, e + Frac));
  }

  static constexpr rep saturate_infinity(const detail::fixed_rounded& r) noexcept {
    if (Overflow == overflow::saturate_symmetric && Signed) return r.neg ? static_cast<rep>(-raw_max) : raw_max;
    return r.neg ? raw_min : raw_max;
  }
};

namespace detail {

template <class T>
struct is_fixed : std::false_type {};
template <int W, int F, bool S, rounding R, overflow O>
struct is_fixed<fixed<W, F, S, R, O>> : std::true_type {};

/// The exact result type of a + b or a - b (ac_fixed's rules): Frac = max, one carry bit, and an
/// unsigned operand gains a sign bit when the other is signed. Unsigned - unsigned is signed.
template <class A, class B, bool Subtract>
struct fixed_sum {
  static constexpr bool any_signed = A::is_signed || B::is_signed;
  static constexpr int frac = std::max(A::frac_width, B::frac_width);
  static constexpr int ia = A::int_width + (!A::is_signed && any_signed ? 1 : 0);
  static constexpr int ib = B::int_width + (!B::is_signed && any_signed ? 1 : 0);
  static constexpr int width = std::max(ia, ib) + 1 + frac;
  static_assert(width <= 64, "mixprec::fixed: the exact sum or difference needs more than 64 bits; "
                             "convert an operand to a narrower fixed type first");
  using type = fixed<width, frac, any_signed || Subtract, A::rounding_mode, A::overflow_mode>;
};

/// The exact result type of a * b: widths and fractions add.
template <class A, class B>
struct fixed_product {
  static constexpr int width = A::width + B::width;
  static_assert(width <= 64, "mixprec::fixed: the exact product needs more than 64 bits; "
                             "convert an operand to a narrower fixed type first");
  using type = fixed<width, A::frac_width + B::frac_width, A::is_signed || B::is_signed, A::rounding_mode,
                     A::overflow_mode>;
};

/// The raw code of x aligned to `Frac` fractional bits (Frac >= x's), in the result's integer.
template <class Rep, int Frac, class X>
constexpr Rep aligned_raw(const X& x) {
  return static_cast<Rep>(static_cast<Rep>(x.raw()) * static_cast<Rep>(Rep{1} << (Frac - X::frac_width)));
}

}  // namespace detail

/// Exact sum; the result is wide enough that nothing wraps.
template <int W1, int F1, bool S1, rounding R1, overflow O1, int W2, int F2, bool S2, rounding R2, overflow O2>
[[nodiscard]] constexpr auto operator+(const fixed<W1, F1, S1, R1, O1>& a, const fixed<W2, F2, S2, R2, O2>& b) noexcept {
  using result = typename detail::fixed_sum<fixed<W1, F1, S1, R1, O1>, fixed<W2, F2, S2, R2, O2>, false>::type;
  using wide = std::conditional_t<result::is_signed, std::int64_t, std::uint64_t>;
  return result::from_raw(static_cast<wide>(detail::aligned_raw<wide, result::frac_width>(a) +
                                            detail::aligned_raw<wide, result::frac_width>(b)));
}

/// Exact difference (always signed).
template <int W1, int F1, bool S1, rounding R1, overflow O1, int W2, int F2, bool S2, rounding R2, overflow O2>
[[nodiscard]] constexpr auto operator-(const fixed<W1, F1, S1, R1, O1>& a, const fixed<W2, F2, S2, R2, O2>& b) noexcept {
  using result = typename detail::fixed_sum<fixed<W1, F1, S1, R1, O1>, fixed<W2, F2, S2, R2, O2>, true>::type;
  return result::from_raw(detail::aligned_raw<std::int64_t, result::frac_width>(a) -
                          detail::aligned_raw<std::int64_t, result::frac_width>(b));
}

/// Exact product.
template <int W1, int F1, bool S1, rounding R1, overflow O1, int W2, int F2, bool S2, rounding R2, overflow O2>
[[nodiscard]] constexpr auto operator*(const fixed<W1, F1, S1, R1, O1>& a, const fixed<W2, F2, S2, R2, O2>& b) noexcept {
  using result = typename detail::fixed_product<fixed<W1, F1, S1, R1, O1>, fixed<W2, F2, S2, R2, O2>>::type;
  if constexpr (result::is_signed) {
    return result::from_raw(static_cast<std::int64_t>(a.raw()) * static_cast<std::int64_t>(b.raw()));
  } else {
    return result::from_raw(static_cast<std::uint64_t>(a.raw()) * static_cast<std::uint64_t>(b.raw()));
  }
}

namespace detail {

/// Round half to even in float32 for every input (2^23 trick below 2^23; larger values, inf and NaN
/// are already integral); the sign is restored so -0.3 rounds to -0 as torch.round does.
/// Where the target has a vector round-to-nearest-even instruction (x86 SSE4.1+, AArch64),
/// std::nearbyint in the default rounding mode compiles to it; elsewhere it is a libm call and the
/// 2^23 trick is faster. Same bits either way.
inline float fixed_round_half_even(float v) {
#if defined(__SSE4_1__) || defined(__aarch64__)
  return std::nearbyint(v);
#else
  const float a = std::fabs(v);
  const float r = (a + 0x1p23f) - 0x1p23f;
  return a < 0x1p23f ? std::copysign(r, v) : v;
#endif
}

}  // namespace detail

/// MASE's integer quantizer with its parameters fixed at compile time, for hard-wired kernels:
/// out[i] = clamp(round_half_even(in[i] * 2^Frac), lo, hi) / 2^Frac in float32, with (lo, hi) =
/// (-2^(W-1), 2^(W-1)-1) signed or (0, 2^W-1) unsigned; bit-identical to `integer_format{W, Frac,
/// Signed}` (NaN stays NaN, ±inf saturate, the sign of zero is kept). `in` and `out` have the same
/// size (shape_error otherwise) and may be the same memory.
template <int Width, int Frac, bool Signed = true>
void quantize_fixed(std::span<const float> in, std::span<float> out) {
  static_assert(Width >= 1 && Width <= 64, "mixprec::quantize_fixed: Width must be in [1, 64]");
  static_assert(Frac >= -149 && Frac <= 127,
                "mixprec::quantize_fixed: Frac must be in [-149, 127] so that float32 2^Frac is finite and non-zero");
  if (in.size() != out.size())
    throw shape_error("quantize_fixed: input has " + std::to_string(in.size()) + " elements but output has " +
                      std::to_string(out.size()) + ": sizes must match");
  constexpr float scale = detail::pow2_exact<float>(Frac);
  // Where 2^-Frac is a float32, x * 2^-Frac rounds exactly like x / 2^Frac, and a multiply is cheaper.
  constexpr bool multiply_back = Frac >= -127;
  constexpr float unscale = multiply_back ? detail::pow2_exact<float>(-Frac) : 0.0f;
  // torch clamps with the float32 conversions of the exact integer bounds.
  constexpr double half_range = static_cast<double>(detail::fixed_i128{1} << (Signed ? Width - 1 : Width));
  constexpr float lo = Signed ? static_cast<float>(-half_range) : 0.0f;
  constexpr float hi = static_cast<float>(half_range - 1.0);
  const float* src = in.data();
  float* dst = out.data();
  const std::size_t n = in.size();
  if constexpr (multiply_back) {
    // Scaling back before clamping gives the same bits: r, lo and hi are integers and 2^-Frac >= 2^-127,
    // so every product is exact or overflows on both sides alike. The bounds are read through a
    // volatile once per call: when GCC sees their values it merges the two selects into a four-mask
    // blend (twice the vector operations) instead of one max and one min.
    const volatile float bounds[2] = {lo * unscale, hi * unscale};
    const float lo_back = bounds[0], hi_back = bounds[1];
    for (std::size_t i = 0; i < n; ++i) {
      const float v = detail::fixed_round_half_even(src[i] * scale) * unscale;
      const float a = v < lo_back ? lo_back : v;  // NaN passes both comparisons unchanged, as in torch.clamp
      dst[i] = hi_back < a ? hi_back : a;
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      const float r = detail::fixed_round_half_even(src[i] * scale);
      const float a = r < lo ? lo : r;
      dst[i] = (hi < a ? hi : a) / scale;
    }
  }
}

}  // namespace mixprec

/// Formats a fixed value as its double value, with every floating-point format spec ("{:.4f}", "{:g}").
template <int W, int F, bool S, mixprec::rounding R, mixprec::overflow O>
struct fmt::formatter<mixprec::fixed<W, F, S, R, O>> : fmt::formatter<double> {
  auto format(const mixprec::fixed<W, F, S, R, O>& x, fmt::format_context& ctx) const -> decltype(ctx.out()) {
    return fmt::formatter<double>::format(x.to_double(), ctx);
  }
};
