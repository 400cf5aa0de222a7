// MASE HEAD's shared-scale integer formats: `mxint` (OCP-MX-style blocks of consecutive elements
// along one dimension with an 8-bit power-of-two scale) and `mxint_hardware` (p1 x p0 tiles with a
// floor-rounded mantissa). Bit-identical to MASE's float32 torch code (mase-quantization.md §1.11).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <mixprec/error.hpp>
#include <mixprec/numbers/blocking.hpp>
#include <mixprec/numbers/detail/float32.hpp>
#include <mixprec/numbers/format.hpp>

namespace mixprec {

/// Parameters of mxint. MASE has no defaults for block_size and element_bits; ours are MXINT8's.
struct mxint_params {
  int block_size = 32;   ///< elements per block, >= 1; the tensor's size must be a multiple
  int element_bits = 8;  ///< bits of each signed element, 1..64
  int block_dim = -1;    ///< dimension the blocks run along (negative counts from the end)
  int scale_bits = 8;    ///< bits of the shared exponent, 1..30 (bias 2^(scale_bits-1) - 1)
};

/// MASE `mxint_quantizer` (quantile_search off: MASE's default). block_dim is moved last, the tensor
/// flattened and cut into chunks of block_size. Per block: X = max(max|x|, FLT_MIN),
/// s = ceil(log2 X), code = clamp(s + bias, 0, 2^scale_bits - 1),
/// m = clamp(round_half_even(x / 2^s * 2^(n-1)), -2^(n-1), 2^(n-1)-1), y = m / 2^(n-1) * 2^(code-bias).
/// A power-of-two block max clips to (2^(n-1)-1)/2^(n-1) of itself; a block max above 2^127 makes
/// 2^s = inf and the whole block NaN, as in MASE.
class mxint_format {
 public:
  /// Throws config_error naming the field and value for block_size < 1, element_bits outside
  /// [1, 64] or scale_bits outside [1, 30].
  explicit mxint_format(mxint_params p = {}) : p_(p) {
    detail::check_range(name(), "block_size", p_.block_size, 1, std::numeric_limits<int>::max());
    detail::check_range(name(), "element_bits", p_.element_bits, 1, 64);
    detail::check_range(name(), "scale_bits", p_.scale_bits, 1, 30);
    half_ = detail::exp2_int_f32(p_.element_bits - 1);
    lo_ = -half_;
    hi_ = static_cast<float>(std::ldexp(1.0, p_.element_bits - 1) - 1.0);
    scale_bias_ = static_cast<float>((1LL << (p_.scale_bits - 1)) - 1);
    code_max_ = static_cast<float>((1LL << p_.scale_bits) - 1);
  }

  [[nodiscard]] static constexpr std::string_view name() { return "mxint"; }
  [[nodiscard]] const mxint_params& params() const { return p_; }

  /// Quantizes the C-order tensor `in` of `shape` into `out` (may alias `in`). shape_error when the
  /// sizes disagree with `shape`, block_dim is out of range, or the size is not a multiple of
  /// block_size.
  void quantize(std::span<const float> in, std::span<const std::size_t> shape, std::span<float> out) const {
    check_block_spans(name(), in.size(), shape, out.size());
    const mx_block_layout layout =
        make_mx_block_layout(name(), shape, static_cast<std::size_t>(p_.block_size), p_.block_dim);
    const float* x = in.data();
    float* y = out.data();
    const float half = half_, lo = lo_, hi = hi_;
    for (std::size_t j = 0; j < layout.num_blocks(); ++j) {
      float m = 0.0f;
      bool nan = false;
      layout.for_each_in_block(j, [&](std::size_t i) {
        const float a = std::fabs(x[i]);
        nan |= a != a;
        m = a > m ? a : m;
      });
      const float xmax = nan ? std::numeric_limits<float>::quiet_NaN()
                             : std::max(m, std::numeric_limits<float>::min());
      const float s = std::ceil(detail::log2_f32(xmax));
      const float scale = detail::pow2_f32(s);
      const float code = detail::clamp_f32(s + scale_bias_, 0.0f, code_max_);
      const float out_scale = detail::pow2_f32(code - scale_bias_);
      layout.for_each_in_block(j, [&](std::size_t i) {
        const float k = detail::clamp_f32(detail::round_half_even_f32((x[i] / scale) * half), lo, hi);
        y[i] = (k / half) * out_scale;
      });
    }
  }

 private:
  mxint_params p_;
  float half_ = 1.0f, lo_ = -1.0f, hi_ = 0.0f, scale_bias_ = 0.0f, code_max_ = 0.0f;
};
static_assert(BlockNumberFormat<mxint_format>);

/// Parameters of mxint_hardware: MASE's q_config {width, exponent_width} and parallelism [p1, p0]
/// (a single entry p means [1, p]). MASE has no defaults; ours are 8 bits, 4 exponent bits, [1, 16].
struct mxint_hardware_params {
  int width = 8;                         ///< bits of each signed element, 1..64
  int exponent_width = 4;                ///< bits of the shared exponent, 1..30
  std::vector<int> parallelism{1, 16};   ///< block [p1, p0] over the last two dims, or [p0]
};

/// MASE `mxint_hardware`. A 1-D tensor is treated as [1, n]; blocks are p1 x p0 tiles of the last
/// two dims (which must be multiples of p1 and p0), leading dims are batch. Per block, with
/// bias = 2^(E-1) (not 2^(E-1)-1): e = clamp(ceil(log2 max|x|) - bias, -bias, 2^E-1-bias),
/// y = 2^e * clamp(floor(x / 2^e), -2^(w-1), 2^(w-1)-1). A zero block gives 0.
class mxint_hardware_format {
 public:
  /// Throws config_error naming the field and value for width outside [1, 64], exponent_width
  /// outside [1, 30], or a parallelism that is not one or two entries >= 1.
  explicit mxint_hardware_format(mxint_hardware_params p = {}) : p_(std::move(p)) {
    detail::check_range(name(), "width", p_.width, 1, 64);
    detail::check_range(name(), "exponent_width", p_.exponent_width, 1, 30);
    if (p_.parallelism.empty() || p_.parallelism.size() > 2)
      throw config_error(std::string(name()) + ".parallelism = " + detail::int_list_string(p_.parallelism) +
                         ": must hold 1 or 2 entries ([p0] or [p1, p0])");
    for (const int v : p_.parallelism)
      if (v < 1)
        throw config_error(std::string(name()) + ".parallelism = " + detail::int_list_string(p_.parallelism) +
                           ": entries must be >= 1");
    bias_ = static_cast<float>(1LL << (p_.exponent_width - 1));
    emax_ = static_cast<float>((1LL << p_.exponent_width) - 1) - bias_;
    lo_ = static_cast<float>(-std::ldexp(1.0, p_.width - 1));
    hi_ = static_cast<float>(std::ldexp(1.0, p_.width - 1) - 1.0);
  }

  [[nodiscard]] static constexpr std::string_view name() { return "mxint_hardware"; }
  [[nodiscard]] const mxint_hardware_params& params() const { return p_; }

  /// Quantizes the C-order tensor `in` of `shape` into `out` (may alias `in`). shape_error when the
  /// sizes disagree with `shape`, the shape is 0-D, or its last two dims are not multiples of the
  /// parallelism (MASE asserts).
  void quantize(std::span<const float> in, std::span<const std::size_t> shape, std::span<float> out) const {
    check_block_spans(name(), in.size(), shape, out.size());
    if (shape.empty()) throw shape_error("mxint_hardware.quantize: shape [] is 0-D: needs at least one dimension");
    block_layout l;
    l.cols = shape.back();
    l.rows = shape.size() >= 2 ? shape[shape.size() - 2] : 1;
    for (std::size_t i = 0; i + 2 < shape.size(); ++i) l.batch *= shape[i];
    l.block_rows = p_.parallelism.size() == 2 ? static_cast<std::size_t>(p_.parallelism[0]) : 1;
    l.block_cols = static_cast<std::size_t>(p_.parallelism.back());
    if (l.rows % l.block_rows != 0 || l.cols % l.block_cols != 0)
      throw shape_error("mxint_hardware.quantize: shape " + detail::shape_string(shape) + " (last two dims " +
                        std::to_string(l.rows) + " x " + std::to_string(l.cols) +
                        ") is not a multiple of parallelism " + detail::int_list_string(p_.parallelism));
    const float* x = in.data();
    float* y = out.data();
    const float lo = lo_, hi = hi_;
    l.for_each_block([&](const block_tile& t) {
      const float e = detail::clamp_f32(std::ceil(detail::log2_f32(tile_abs_max(x, t))) - bias_, -bias_, emax_);
      const float scale = detail::pow2_f32(e);
      t.for_each([&](std::size_t i) { y[i] = scale * detail::clamp_f32(std::floor(x[i] / scale), lo, hi); });
    });
  }

 private:
  mxint_hardware_params p_;
  float bias_ = 0.0f, emax_ = 0.0f, lo_ = 0.0f, hi_ = 0.0f;
};
static_assert(BlockNumberFormat<mxint_hardware_format>);

}  // namespace mixprec
