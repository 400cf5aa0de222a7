// MASE's `log` format: a sign and a base-2 exponent, rounded in the log domain, with no zero code
// (0 maps to 2^e_min), bit-identical to MASE's float32 torch expression (mase-quantization.md §1.4).
#pragma once
#include <cmath>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include <mixprec/error.hpp>
#include <mixprec/numbers/detail/float32.hpp>
#include <mixprec/numbers/format.hpp>

namespace mixprec {

namespace detail {

/// One element of MASE's log quantizer. `c` = 2^e_min * 0.1 (as float32), e_min/e_max as float32.
inline float log_quantize_one(float x, float c, float emin, float emax) {
  const float sgn = sign_f32(x + c);  // the sign is taken after adding c: small negatives become +
  const float v = std::fabs(x) + c;
  const float e = clamp_f32(round_half_even_f32(log2_f32(v)), emin, emax);
  return sgn * pow2_f32(e);
}

}  // namespace detail

/// MASE `log`: width = 1 sign bit + (width-1) exponent bits, bias b (default 2^(width-2) - 1),
/// y = sign(x + c) * 2^clamp(round_half_even(log2(|x| + c)), -b, 2^(width-1) - 1 - b), c = 0.1 * 2^-b.
/// 0 and -0 map to +2^-b, ±inf saturate to ±2^e_max, NaN stays NaN; x = -c is the only way to 0.
struct log_format {
  int width;                         ///< 1..32 (1 only with an explicit bias)
  std::optional<int> exponent_bias;  ///< nullopt = MASE's None: 2^(width-2) - 1

  /// Throws config_error for width outside [1, 32], width 1 with the default bias (MASE's default is
  /// then -0.5, not an integer) or |exponent_bias| > 2^24.
  explicit log_format(int width_, std::optional<int> exponent_bias_ = std::nullopt)
      : width(width_), exponent_bias(exponent_bias_) {
    detail::check_range("log", "width", width, 1, 32);
    if (width == 1 && !exponent_bias)
      detail::throw_param("log", "width", width,
                          "must be >= 2 when exponent_bias is the default (2^(width-2) - 1 is not an integer)");
    if (exponent_bias) detail::check_range("log", "exponent_bias", *exponent_bias, -(1 << 24), 1 << 24);
  }

  [[nodiscard]] static constexpr std::string_view name() { return "log"; }
  [[nodiscard]] int bias() const { return exponent_bias ? *exponent_bias : (1 << (width - 2)) - 1; }

  [[nodiscard]] float quantize(float x) const { return detail::log_quantize_one(x, c(), emin(), emax()); }

  /// Quantizes `in` into `out` (same size, may alias); shape_error otherwise.
  void quantize(std::span<const float> in, std::span<float> out) const {
    detail::check_same_size(name(), in.size(), out.size());
    const float cc = c(), lo = emin(), hi = emax();
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = detail::log_quantize_one(in[i], cc, lo, hi);
  }

 private:
  // MASE forms 2.0**(-bias) * 0.1 in Python double and rounds once to float32.
  [[nodiscard]] float c() const { return static_cast<float>(std::ldexp(1.0, -bias()) * 0.1); }
  [[nodiscard]] float emin() const { return static_cast<float>(-static_cast<double>(bias())); }
  [[nodiscard]] float emax() const {
    return static_cast<float>(static_cast<double>((1LL << (width - 1)) - 1) - bias());
  }
};
static_assert(NumberFormat<log_format>);

}  // namespace mixprec
