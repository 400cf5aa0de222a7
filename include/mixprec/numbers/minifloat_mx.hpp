// The MX element minifloat (HEAD `_minifloat_mx.minifloat_quantizer_sim`): the codec inside MXFP, with
// its quirks kept bit for bit — mantissa truncated to 15 bits before rounding, a rounding carry OR-ed
// into the exponent field, 2^-bias flushed to zero, inf/NaN codes that decode as finite values.
#pragma once
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>

#include <mixprec/error.hpp>
#include <mixprec/numbers/detail/float32.hpp>
#include <mixprec/numbers/format.hpp>

namespace mixprec {

/// Rounding of the MX element fraction, MASE's `round_mode` strings.
enum class mx_round_mode {
  rn,  ///< "rn": half to even (on the 15-bit truncated fraction)
  rz,  ///< "rz": truncate the full 23-bit fraction
  ru,  ///< "ru": ceil of the magnitude's truncated fraction
  rd,  ///< "rd": floor of the magnitude's truncated fraction
};

/// "rn" | "rz" | "ru" | "rd"; anything else throws config_error naming the value.
inline mx_round_mode parse_mx_round_mode(std::string_view s) {
  if (s == "rn") return mx_round_mode::rn;
  if (s == "rz") return mx_round_mode::rz;
  if (s == "ru") return mx_round_mode::ru;
  if (s == "rd") return mx_round_mode::rd;
  throw config_error("minifloat_mx.round_mode = \"" + std::string(s) + "\": must be one of rn, rz, ru, rd");
}

/// MASE's MX element minifloat with exp_bits E and frac_bits F: codes of 1 + E + F bits, bias
/// 2^(E-1) - 1. `is_finite` (MXFP's setting) uses the all-ones exponent for normal numbers; otherwise
/// inf and NaN get codes (exponent 2^E - 2) that decode back as finite numbers, as in MASE. MXFP uses
/// (E, F) in {(4,3), (5,2), (2,3), (3,2), (2,1), (1,2)}; any 1 <= E <= 8, E + F <= 15 is accepted.
struct minifloat_mx_format {
  int exp_bits;
  int frac_bits;
  bool is_finite = true;
  mx_round_mode round_mode = mx_round_mode::rn;

  /// Throws config_error unless 1 <= exp_bits <= 8 and 0 <= frac_bits <= 15 - exp_bits.
  minifloat_mx_format(int exp_bits_, int frac_bits_, bool is_finite_ = true,
                      mx_round_mode round_mode_ = mx_round_mode::rn)
      : exp_bits(exp_bits_), frac_bits(frac_bits_), is_finite(is_finite_), round_mode(round_mode_) {
    detail::check_range("minifloat_mx", "exp_bits", exp_bits, 1, 8);
    detail::check_range("minifloat_mx", "frac_bits", frac_bits, 0, 15 - exp_bits);
  }

  [[nodiscard]] static constexpr std::string_view name() { return "minifloat_mx"; }

  /// The element code: sign bit at bit E + F, then the exponent field, then the fraction.
  [[nodiscard]] std::uint32_t encode(float x) const {
    const int bias = (1 << (exp_bits - 1)) - 1;
    const int ymax = is_finite ? (1 << exp_bits) - 1 : (1 << exp_bits) - 2;
    const int fmax = (1 << frac_bits) - 1;
    const bool negative = x < 0.0f;  // -0 and NaN encode with a + sign
    const std::uint32_t b = std::bit_cast<std::uint32_t>(x) & 0x7FFFFFFFu;
    const bool flush = (b & 0x7F800000u) == 0;  // zeros and float32 subnormals
    const bool is_inf = std::isinf(x), is_nan = std::isnan(x);
    // frexp of the magnitude as f * 2^ex, f in [1, 2); torch.frexp gives exponent 0 (ex = -1) and
    // mantissa x for inf and NaN, so their fraction bits are those of x itself.
    int ex = (is_inf || is_nan) ? -1 : static_cast<int>(b >> 23) - 127;
    std::int64_t yf = b & 0x7FFFFFu;
    if (is_nan) yf |= 0x400000;  // frexp returns a quiet NaN
    if (flush) { ex = -1; yf = 0; }
    const bool underflow = ex < -bias;
    const bool overflow = ex > ymax - bias;
    std::int64_t ye = ex + bias;
    if (round_mode == mx_round_mode::rz) {
      yf >>= (23 - frac_bits);
    } else {
      // The low 8 bits are dropped first; the 15-bit value / 2^(15-F) is exact in float32.
      const float v = static_cast<float>(yf >> 8) / static_cast<float>(1 << (15 - frac_bits));
      const float r = round_mode == mx_round_mode::rn ? detail::round_half_even_f32(v)
                      : round_mode == mx_round_mode::ru ? std::ceil(v)
                                                        : std::floor(v);
      yf = static_cast<std::int64_t>(r);
    }
    if (ye == 0 && yf != 0) yf = (yf | (std::int64_t{1} << frac_bits)) >> 1;  // truncating "subnormal"
    if (underflow) { yf = 0; ye = 0; }
    if (overflow) { yf = fmax; ye = ymax; }
    if (flush) { yf = 0; ye = 0; }
    if (!is_finite && is_inf) { yf = 0; ye = ymax; }
    if (!is_finite && is_nan) { yf = fmax; ye = ymax; }
    std::int64_t y = (ye << frac_bits) | yf;  // a rounding carry (yf == 2^F) is OR-ed, not added
    if (negative) y += std::int64_t{1} << (exp_bits + frac_bits);
    return static_cast<std::uint32_t>(y);
  }

  /// The value of an element code.
  [[nodiscard]] float decode(std::uint32_t code) const {
    const int bias = (1 << (exp_bits - 1)) - 1;
    const bool negative = (code & (1u << (exp_bits + frac_bits))) != 0;
    const std::uint32_t y = code & 0x7FFFu;
    const int xe = static_cast<int>((y >> frac_bits) & ((1u << exp_bits) - 1));
    const std::uint32_t xf = y & ((1u << frac_bits) - 1);
    const bool sub = xe == 0 && xf != 0;
    const bool zero = xe == 0 && xf == 0;
    const int e = sub ? xe - bias + 1 : xe - bias;
    const float frac = static_cast<float>(xf) / static_cast<float>(1u << frac_bits);
    float v = detail::exp2_int_f32(e) * (sub ? frac : frac + 1.0f);
    if (!is_finite && xe == (1 << exp_bits) - 1)
      v = xf == 0 ? std::numeric_limits<float>::infinity() : std::numeric_limits<float>::quiet_NaN();
    if (zero) v = 0.0f;
    return negative ? -v : v;
  }

  [[nodiscard]] float quantize(float x) const { return decode(encode(x)); }

  /// Quantizes `in` into `out` (same size, may alias); shape_error otherwise.
  void quantize(std::span<const float> in, std::span<float> out) const {
    detail::check_same_size(name(), in.size(), out.size());
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = decode(encode(in[i]));
  }
};
static_assert(NumberFormat<minifloat_mx_format>);

}  // namespace mixprec
