// MASE's elementwise minifloats: `minifloat_denorm` (no implicit leading bit, ceil exponent) and
// `minifloat_ieee` (implicit bit, subnormals, no inf/NaN codes, no carry into the next binade),
// bit-identical to MASE's float32 torch expressions (mase-quantization.md §0.7, §1.2, §1.3).
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

constexpr float isclose_zero_atol = 1e-8f;  // torch.isclose(|x|, 0): |x| <= 1e-8 (rtol * 0 = 0)
constexpr float log_guard = 1e-9f;          // MASE adds 1e-9 before sign and log2

/// clamp with tensor bounds (torch semantics): as clamp_f32, but a NaN bound gives NaN.
inline float clamp_tensor_bounds_f32(float v, float lo, float hi) {
  if (std::isnan(lo) || std::isnan(hi)) return lo + hi;
  return clamp_f32(v, lo, hi);
}

/// The final `(1 - z) * q + z * x` with z = (|x| <= 1e-8), evaluated literally in float32: tiny
/// inputs pass through unquantized, -0 becomes +0, ±inf becomes NaN (0 * inf).
inline float isclose_zero_mix(float x, float q) {
  const float z = std::fabs(x) <= isclose_zero_atol ? 1.0f : 0.0f;
  const float keep = (1.0f - z) * q;
  const float pass = z * x;
  return keep + pass;
}

/// One element of MASE's minifloat_ieee. `shift` = float32(2^M), `exp_all_ones` = float32(2^E - 1),
/// `bias` the (float32) exponent bias: a scalar here, one value per block in block_minifloat, where a
/// NaN bias (from a NaN block) makes the result NaN.
inline float minifloat_ieee_one(float x, float shift, float exp_all_ones, float bias) {
  const float emax = exp_all_ones - bias;
  const float emin = -bias;
  const float sgn = sign_f32(x + log_guard);
  const float v = std::fabs(x);
  const float e = clamp_tensor_bounds_f32(std::floor(log2_f32(v + log_guard)), emin, emax);
  const float p = pow2_f32(e);
  const float m = v / p;
  // torch.isclose(e, -bias): |e - (-bias)| <= atol + rtol * |-bias|
  const bool normal = !(std::fabs(e - emin) <= 1e-8f + 1e-5f * std::fabs(emin));
  const float top = shift - 1.0f;
  // m * shift is exact, so a contracted fma(m, shift, -shift) rounds the same as the two steps.
  const float scaled = m * shift;
  const float a = clamp_f32(round_half_even_f32(scaled - shift), 0.0f, top);
  const float half = scaled / 2.0f;
  const float b = clamp_f32(round_half_even_f32(half), 0.0f, top);
  const float n = normal ? 1.0f : 0.0f;
  const float not_n = 1.0f - n;
  const float na = n * a;
  const float nb = not_n * b;
  const float k = na + nb;
  const float frac = k / shift;
  const float normal_m = n * (1.0f + frac);
  const float sub_m = not_n * (frac * 2.0f);
  const float mm = normal_m + sub_m;
  const float q = sgn * p * mm;
  return isclose_zero_mix(x, q);
}

/// One element of MASE's minifloat_denorm: values k * 2^(e-M), k in [0, 2^M - 1], e from ceil(log2).
inline float minifloat_denorm_one(float x, float shift, float emin, float emax) {
  const float sgn = sign_f32(x + log_guard);
  const float v = std::fabs(x);
  const float e = clamp_f32(std::ceil(log2_f32(v + log_guard)), emin, emax);
  const float p = pow2_f32(e);
  const float m = v / p;
  const float scaled = m * shift;
  const float k = clamp_f32(round_half_even_f32(scaled), 0.0f, shift - 1.0f);
  const float q = sgn * p * (k / shift);
  return isclose_zero_mix(x, q);
}

inline void check_minifloat_params(std::string_view format, int width, int exponent_width,
                                   std::optional<int> exponent_bias) {
  check_range(format, "exponent_width", exponent_width, 1, 30);
  if (width < exponent_width + 1)
    throw_param(format, "width", width,
                "must be >= exponent_width + 1 = " + std::to_string(exponent_width + 1) +
                    " (sign + exponent + mantissa bits, mantissa may be 0)");
  check_range(format, "width", width, exponent_width + 1, 64);
  if (exponent_bias) check_range(format, "exponent_bias", *exponent_bias, -(1 << 24), 1 << 24);
}

}  // namespace detail

/// MASE `minifloat_ieee`: sign, E exponent bits (bias b, default 2^(E-1)-1), M = width-E-1 fraction
/// bits with an implicit leading 1; exponent field 0 is subnormal and the all-ones field is a normal
/// binade (max (2-2^-M)*2^(2^E-1-b)). Rounding is half-to-even within the binade floor(log2|x|)
/// picked, without carry (1.96875 -> 1.875 for E4M3). |x| <= 1e-8 passes through; -0 -> +0;
/// ±inf -> NaN; NaN -> NaN.
struct minifloat_ieee_format {
  int width;                          ///< total bits, exponent_width + 1 .. 64
  int exponent_width;                 ///< 1..30
  std::optional<int> exponent_bias;   ///< nullopt = MASE's None: 2^(exponent_width-1) - 1

  /// Throws config_error unless 1 <= exponent_width <= 30, exponent_width + 1 <= width <= 64 and
  /// |exponent_bias| <= 2^24.
  minifloat_ieee_format(int width_, int exponent_width_, std::optional<int> exponent_bias_ = std::nullopt)
      : width(width_), exponent_width(exponent_width_), exponent_bias(exponent_bias_) {
    detail::check_minifloat_params("minifloat_ieee", width, exponent_width, exponent_bias);
  }

  [[nodiscard]] static constexpr std::string_view name() { return "minifloat_ieee"; }
  [[nodiscard]] int bias() const { return exponent_bias ? *exponent_bias : (1 << (exponent_width - 1)) - 1; }
  [[nodiscard]] int mantissa_width() const { return width - exponent_width - 1; }

  [[nodiscard]] float quantize(float x) const {
    return detail::minifloat_ieee_one(x, detail::exp2_int_f32(mantissa_width()),
                                      static_cast<float>((1 << exponent_width) - 1), static_cast<float>(bias()));
  }

  /// Quantizes `in` into `out` (same size, may alias); shape_error otherwise.
  void quantize(std::span<const float> in, std::span<float> out) const {
    detail::check_same_size(name(), in.size(), out.size());
    const float shift = detail::exp2_int_f32(mantissa_width());
    const float ones = static_cast<float>((1 << exponent_width) - 1);
    const float b = static_cast<float>(bias());
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = detail::minifloat_ieee_one(in[i], shift, ones, b);
  }
};
static_assert(NumberFormat<minifloat_ieee_format>);

/// MASE `minifloat_denorm`: values k * 2^(e-M) with k in [0, 2^M - 1] and e = ceil(log2|x|) clamped
/// to [-b, 2^E-1-b]; there is no implicit bit, so an exact power of two 2^k maps to (1-2^-M)*2^k.
/// Same pass-through, ±0, ±inf and NaN behaviour as minifloat_ieee.
struct minifloat_denorm_format {
  int width;                          ///< total bits, exponent_width + 1 .. 64
  int exponent_width;                 ///< 1..30
  std::optional<int> exponent_bias;   ///< nullopt = MASE's None: 2^(exponent_width-1) - 1

  /// Throws config_error under the same rules as minifloat_ieee_format.
  minifloat_denorm_format(int width_, int exponent_width_, std::optional<int> exponent_bias_ = std::nullopt)
      : width(width_), exponent_width(exponent_width_), exponent_bias(exponent_bias_) {
    detail::check_minifloat_params("minifloat_denorm", width, exponent_width, exponent_bias);
  }

  [[nodiscard]] static constexpr std::string_view name() { return "minifloat_denorm"; }
  [[nodiscard]] int bias() const { return exponent_bias ? *exponent_bias : (1 << (exponent_width - 1)) - 1; }
  [[nodiscard]] int mantissa_width() const { return width - exponent_width - 1; }

  [[nodiscard]] float quantize(float x) const {
    return detail::minifloat_denorm_one(x, detail::exp2_int_f32(mantissa_width()), emin(), emax());
  }

  /// Quantizes `in` into `out` (same size, may alias); shape_error otherwise.
  void quantize(std::span<const float> in, std::span<float> out) const {
    detail::check_same_size(name(), in.size(), out.size());
    const float shift = detail::exp2_int_f32(mantissa_width());
    const float lo = emin(), hi = emax();
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = detail::minifloat_denorm_one(in[i], shift, lo, hi);
  }

 private:
  // MASE computes these as Python ints; torch converts them to float32 for the clamp.
  [[nodiscard]] float emax() const {
    return static_cast<float>(static_cast<double>((1LL << exponent_width) - 1) - bias());
  }
  [[nodiscard]] float emin() const { return static_cast<float>(-static_cast<double>(bias())); }
};
static_assert(NumberFormat<minifloat_denorm_format>);

}  // namespace mixprec
