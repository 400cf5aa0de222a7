// MASE `block_minifloat`: minifloat_ieee elements whose exponent bias is shared by a block and
// grows with the block's max. Bit-identical to MASE's float32 torch expressions
// (mase-quantization.md §1.3, §1.5, §1.7); the element arithmetic is minifloat.hpp's.
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
#include <mixprec/numbers/minifloat.hpp>

namespace mixprec {

/// Parameters of block_minifloat; block_size and skip_first_dim default to MASE's ([16], False).
struct block_minifloat_params {
  int width = 8;                    ///< sign + exponent + mantissa bits, exponent_width+1..64
  int exponent_width = 4;           ///< element exponent bits, 1..30
  int exponent_bias_width = 4;      ///< bits of the shared bias, 0..30
  std::vector<int> block_size{16};  ///< MASE's block_size list (entries >= 1, or -1 = whole dim)
  bool skip_first_dim = false;      ///< true: per-row (2-D) / per-sample (3-D) blocks
};

/// MASE `block_minifloat_quantizer`. Per block with max |x| = P (zero blocks substituted):
/// beta = clamp(floor(log2 P), 0, 2^bias_width - 1), then every element is minifloat_ieee with
/// exponent bias beta. The representable range [-beta, 2^E-1-beta] moves *down* as the block max
/// grows, so large values can saturate ((5,2,3): 8 -> 1.75). |x| <= 1e-8 passes through, inf
/// becomes NaN and NaN poisons its block and every all-zero block. Fold paths turn -0 into +0.
class block_minifloat_format {
 public:
  /// Throws config_error naming the field and value for exponent_width outside [1, 30], width
  /// outside [exponent_width+1, 64], exponent_bias_width outside [0, 30], or a block_size entry
  /// that is neither >= 1 nor -1.
  explicit block_minifloat_format(block_minifloat_params p = {}) : p_(std::move(p)) {
    detail::check_minifloat_params(name(), p_.width, p_.exponent_width, std::nullopt);
    detail::check_range(name(), "exponent_bias_width", p_.exponent_bias_width, 0, 30);
    validate_block_size(name(), p_.block_size);
    shift_ = detail::exp2_int_f32(p_.width - p_.exponent_width - 1);
    exp_all_ones_ = static_cast<float>((1LL << p_.exponent_width) - 1);
    bias_max_ = static_cast<float>((1LL << p_.exponent_bias_width) - 1);
  }

  [[nodiscard]] static constexpr std::string_view name() { return "block_minifloat"; }
  [[nodiscard]] const block_minifloat_params& params() const { return p_; }

  /// Quantizes the C-order tensor `in` of `shape` into `out` (may alias `in`). shape_error when
  /// the sizes disagree with `shape` or MASE has no blocking for the shape (see make_block_layout).
  void quantize(std::span<const float> in, std::span<const std::size_t> shape, std::span<float> out) const {
    check_block_spans(name(), in.size(), shape, out.size());
    const block_layout layout = make_block_layout(name(), shape, p_.block_size, p_.skip_first_dim);
    const float* x = in.data();
    float* y = out.data();
    const float shift = shift_, exp_all_ones = exp_all_ones_;
    const bool fold = layout.fold;
    for_each_block_with_max(layout, in, [&](const block_tile& t, float pmax) {
      const float bias = detail::clamp_f32(std::floor(detail::log2_f32(pmax)), 0.0f, bias_max_);
      t.for_each([&](std::size_t i) {
        const float q = detail::minifloat_ieee_one(x[i], shift, exp_all_ones, bias);
        y[i] = fold ? q + 0.0f : q;
      });
    });
  }

 private:
  block_minifloat_params p_;
  float shift_ = 1.0f, exp_all_ones_ = 0.0f, bias_max_ = 0.0f;
};
static_assert(BlockNumberFormat<block_minifloat_format>);

}  // namespace mixprec
