// MASE `block_fp` ("MSFP"): the elements of a block share one exponent taken from the block's max
// and keep a sign and width-1 mantissa bits. Bit-identical to MASE's float32 torch expressions
// (mase-quantization.md §1.5-1.6), including its overflow to NaN at exponent_width 8.
#pragma once
#include <cmath>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include <mixprec/error.hpp>
#include <mixprec/numbers/blocking.hpp>
#include <mixprec/numbers/detail/float32.hpp>
#include <mixprec/numbers/format.hpp>

namespace mixprec {

/// Parameters of block_fp; the defaults are MASE's (12, 8, None, [16], True).
struct block_fp_params {
  int width = 12;                    ///< sign + mantissa bits, 1..64 (mantissa M = width - 1)
  int exponent_width = 8;            ///< shared exponent bits, 1..30
  std::optional<int> exponent_bias = std::nullopt;  ///< nullopt = MASE's None: 2^(exponent_width-1) - 1
  std::vector<int> block_size{16};   ///< MASE's block_size list (entries >= 1, or -1 = whole dim)
  bool skip_first_dim = true;        ///< true: per-row (2-D) / per-sample (3-D) blocks
};

/// MASE `block_fp_quantizer`. Per block with max |x| = P (zero blocks substituted, §1.5):
/// e = clamp(ceil(log2 P), -b, 2^E-1-b); elements sgn(x+1e-9) * 2^e * k/2^M with
/// k = clamp(round_half_even((|x|+1e-9) / 2^e * 2^M), 0, 2^M-1); then |x| <= 1e-8 passes through.
/// With E = 8 and the default bias e can reach 128, and 2^128 = inf turns the block into NaN, as in
/// MASE. Fold paths (2-D weight, 3-D activation) turn -0 into +0.
class block_fp_format {
 public:
  /// Throws config_error naming the field and value for width outside [1, 64], exponent_width
  /// outside [1, 30], |exponent_bias| > 2^24, or a block_size entry that is neither >= 1 nor -1.
  explicit block_fp_format(block_fp_params p = {}) : p_(std::move(p)) {
    detail::check_range(name(), "width", p_.width, 1, 64);
    detail::check_range(name(), "exponent_width", p_.exponent_width, 1, 30);
    if (p_.exponent_bias) detail::check_range(name(), "exponent_bias", *p_.exponent_bias, -(1 << 24), 1 << 24);
    validate_block_size(name(), p_.block_size);
    const long long bias = p_.exponent_bias ? *p_.exponent_bias : (1LL << (p_.exponent_width - 1)) - 1;
    emin_ = static_cast<float>(-bias);
    emax_ = static_cast<float>((1LL << p_.exponent_width) - 1 - bias);
    shift_ = detail::exp2_int_f32(p_.width - 1);
    kmax_ = static_cast<float>(std::ldexp(1.0, p_.width - 1) - 1.0);
  }

  [[nodiscard]] static constexpr std::string_view name() { return "block_fp"; }
  [[nodiscard]] const block_fp_params& params() const { return p_; }

  /// Quantizes the C-order tensor `in` of `shape` into `out` (may alias `in`). shape_error when
  /// the sizes disagree with `shape` or MASE has no blocking for the shape (see make_block_layout).
  void quantize(std::span<const float> in, std::span<const std::size_t> shape, std::span<float> out) const {
    check_block_spans(name(), in.size(), shape, out.size());
    const block_layout layout = make_block_layout(name(), shape, p_.block_size, p_.skip_first_dim);
    const float* x = in.data();
    float* y = out.data();
    const float shift = shift_, kmax = kmax_;
    const bool fold = layout.fold;
    for_each_block_with_max(layout, in, [&](const block_tile& t, float pmax) {
      const float e = detail::clamp_f32(std::ceil(detail::log2_f32(pmax)), emin_, emax_);
      const float scale = detail::pow2_f32(e);
      // Dividing by a power of two equals multiplying by its reciprocal whenever that is a float.
      const bool exact_inverse = e >= -126.0f && e <= 127.0f;
      const float inverse = exact_inverse ? detail::pow2_f32(-e) : 0.0f;
      t.for_each([&](std::size_t i) {
        const float v = x[i];
        const float sgn = detail::sign_f32(v + 1e-9f);
        const float mag = std::fabs(v) + 1e-9f;
        const float ratio = exact_inverse ? mag * inverse : mag / scale;
        const float k = detail::clamp_f32(detail::round_half_even_f32(ratio * shift), 0.0f, kmax);
        float q = sgn * scale * (k / shift);
        if (fold) q = q + 0.0f;
        const float z = std::fabs(v) <= 1e-8f ? 1.0f : 0.0f;
        y[i] = (1.0f - z) * q + z * v;
      });
    });
  }

 private:
  block_fp_params p_;
  float emin_ = 0.0f, emax_ = 0.0f, shift_ = 1.0f, kmax_ = 0.0f;
};
static_assert(BlockNumberFormat<block_fp_format>);

}  // namespace mixprec
