// MASE `block_log`: sign + (width-1)-bit base-2 exponent elements whose exponent bias is shared by a
// block and chosen so the block max sits at the top of the range. Bit-identical to MASE's float32
// torch expressions (mase-quantization.md §1.4, §1.5, §1.8).
#pragma once
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include <mixprec/error.hpp>
#include <mixprec/numbers/blocking.hpp>
#include <mixprec/numbers/detail/float32.hpp>
#include <mixprec/numbers/format.hpp>

namespace mixprec {

namespace detail {

/// round_half_even(float32 log2(v)), as MASE's log quantizer computes it. log2 lands within a hair
/// of k + 1/2 only for mantissas near sqrt(2); everywhere else the answer follows from the float's
/// exponent and mantissa bits, and only that narrow window pays for the correctly rounded log2.
inline float round_log2_f32(float v) {
  const auto b = std::bit_cast<std::uint32_t>(v);
  const std::uint32_t biased = b >> 23;  // sign bit included: negatives take the slow path
  if (biased != 0 && biased < 255) {
    constexpr std::uint32_t lo = std::bit_cast<std::uint32_t>(1.41f) & 0x7FFFFFu;  // log2 < 0.4957
    constexpr std::uint32_t hi = std::bit_cast<std::uint32_t>(1.42f) & 0x7FFFFFu;  // log2 > 0.5059
    const std::uint32_t mant = b & 0x7FFFFFu;
    const int k = static_cast<int>(biased) - 127;
    // |k| <= 127, so float32 log2 has an ulp <= 2^-17: it cannot move across k + 1/2 from there.
    if (mant < lo) return static_cast<float>(k);
    if (mant > hi) return k == -1 ? -0.0f : static_cast<float>(k + 1);  // round(-0.4) is -0
  }
  return std::nearbyint(log2_f32(v));
}

/// 2^e for an integer-valued float e, as pow2_f32, with the normal range built from the bits.
inline float pow2_fast_f32(float e) {
  if (e >= -126.0f && e <= 127.0f)
    return std::bit_cast<float>(static_cast<std::uint32_t>(static_cast<int>(e) + 127) << 23);
  return pow2_f32(e);
}

}  // namespace detail

/// Parameters of block_log; block_size and skip_first_dim default to MASE's ([16], False).
struct block_log_params {
  int width = 8;                    ///< 1 sign bit + width-1 exponent bits, 1..64
  int exponent_bias_width = 4;      ///< bits of the shared bias, 0..30
  std::vector<int> block_size{16};  ///< MASE's block_size list (entries >= 1, or -1 = whole dim)
  bool skip_first_dim = false;      ///< true: per-row (2-D) / per-sample (3-D) blocks
};

/// MASE `block_log_quantizer`. With eb = width-1 and P the block max |x| (zero blocks substituted):
/// beta = clamp((2^eb - 1) - ceil(log2 P), 0, 2^bias_width - 1); every element is MASE's log
/// quantizer with bias beta: c = float32(2^-beta) * 0.1f, y = sign(x+c) * 2^e with
/// e = clamp(round_half_even(log2(|x|+c)), -beta, 2^eb-1-beta). There is no zero (0 -> +2^-beta)
/// and no pass-through; inf saturates; NaN poisons its block and every all-zero block.
class block_log_format {
 public:
  /// Throws config_error naming the field and value for width outside [1, 64],
  /// exponent_bias_width outside [0, 30], or a block_size entry that is neither >= 1 nor -1.
  explicit block_log_format(block_log_params p = {}) : p_(std::move(p)) {
    detail::check_range(name(), "width", p_.width, 1, 64);
    detail::check_range(name(), "exponent_bias_width", p_.exponent_bias_width, 0, 30);
    validate_block_size(name(), p_.block_size);
    top_ = static_cast<float>(std::ldexp(1.0, p_.width - 1) - 1.0);
    bias_max_ = static_cast<float>((1LL << p_.exponent_bias_width) - 1);
  }

  [[nodiscard]] static constexpr std::string_view name() { return "block_log"; }
  [[nodiscard]] const block_log_params& params() const { return p_; }

  /// Quantizes the C-order tensor `in` of `shape` into `out` (may alias `in`). shape_error when
  /// the sizes disagree with `shape` or MASE has no blocking for the shape (see make_block_layout).
  void quantize(std::span<const float> in, std::span<const std::size_t> shape, std::span<float> out) const {
    check_block_spans(name(), in.size(), shape, out.size());
    const block_layout layout = make_block_layout(name(), shape, p_.block_size, p_.skip_first_dim);
    const float* x = in.data();
    float* y = out.data();
    const bool fold = layout.fold;
    for_each_block_with_max(layout, in, [&](const block_tile& t, float pmax) {
      const float bias = detail::clamp_f32(top_ - std::ceil(detail::log2_f32(pmax)), 0.0f, bias_max_);
      const float emin = -bias;
      const float emax = top_ - bias;
      const float c = detail::pow2_f32(emin) * 0.1f;
      const bool nan_bias = std::isnan(bias);  // torch.clamp with a NaN tensor bound gives NaN
      t.for_each([&](std::size_t i) {
        const float v = x[i];
        const float sgn = detail::sign_f32(v + c);
        const float e = nan_bias ? bias : detail::clamp_f32(detail::round_log2_f32(std::fabs(v) + c), emin, emax);
        float q = sgn * detail::pow2_fast_f32(e);
        if (fold) q = q + 0.0f;
        y[i] = q;
      });
    });
  }

 private:
  block_log_params p_;
  float top_ = 0.0f;       // 2^eb - 1: the largest exponent field
  float bias_max_ = 0.0f;  // 2^exponent_bias_width - 1
};
static_assert(BlockNumberFormat<block_log_format>);

}  // namespace mixprec
