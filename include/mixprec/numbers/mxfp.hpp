// MASE HEAD's `mxfp`: OCP-MX-style blocks of consecutive elements along one dimension sharing an
// 8-bit power-of-two scale, with MASE's MX element minifloat (minifloat_mx.hpp) as elements.
// Bit-identical to MASE's float32 torch code (mase-quantization.md §1.11).
#pragma once
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>

#include <mixprec/error.hpp>
#include <mixprec/numbers/blocking.hpp>
#include <mixprec/numbers/detail/float32.hpp>
#include <mixprec/numbers/format.hpp>
#include <mixprec/numbers/minifloat_mx.hpp>

namespace mixprec {

/// Parameters of mxfp. MASE has no defaults for block_size and the element format; ours are
/// MXFP8 E4M3's.
struct mxfp_params {
  int block_size = 32;       ///< elements per block, >= 1; the tensor's size must be a multiple
  int element_exp_bits = 4;  ///< (exp, frac) in {(4,3), (5,2), (2,3), (3,2), (2,1), (1,2)}
  int element_frac_bits = 3;
  int block_dim = -1;        ///< dimension the blocks run along (negative counts from the end)
  int scale_exp_bits = 8;    ///< MASE accepts 8 only
};

/// MASE `mxfp_quantizer` (quantile_search off: MASE's default). Layout as mxint. Per block: inputs
/// whose float32 exponent field is 0 (zeros, subnormals) are flushed to 0; X = max|x|;
/// S = clamp(floor(log2 X) - emax_el, -127, 128) with emax_el = 2^(E-1) (S = -127 when log2 X is
/// not finite); the scale code is S + 127, or 0 when the whole block was flushed; every element is
/// the finite, round-to-nearest-even MX minifloat of x / 2^S times 2^(code-127). The element codec
/// keeps MASE's quirks (truncation before rounding, a lost carry when the exponent LSB is 1,
/// exactly 2^-bias flushed to 0).
class mxfp_format {
 public:
  /// Throws config_error naming the field and value for block_size < 1, an element format other
  /// than the six MASE accepts, or scale_exp_bits != 8.
  explicit mxfp_format(mxfp_params p = {}) : p_(p), element_(checked_element(p)) {}

  [[nodiscard]] static constexpr std::string_view name() { return "mxfp"; }
  [[nodiscard]] const mxfp_params& params() const { return p_; }

  /// Quantizes the C-order tensor `in` of `shape` into `out` (may alias `in`). shape_error when the
  /// sizes disagree with `shape`, block_dim is out of range, or the size is not a multiple of
  /// block_size.
  void quantize(std::span<const float> in, std::span<const std::size_t> shape, std::span<float> out) const {
    check_block_spans(name(), in.size(), shape, out.size());
    const mx_block_layout layout =
        make_mx_block_layout(name(), shape, static_cast<std::size_t>(p_.block_size), p_.block_dim);
    const float* x = in.data();
    float* y = out.data();
    // emax of the element format: all-ones exponent (finite format) minus the bias = 2^(E-1).
    const int emax_el = 1 << (p_.element_exp_bits - 1);
    for (std::size_t j = 0; j < layout.num_blocks(); ++j) {
      float m = 0.0f;
      bool nan = false, all_flushed = true;
      layout.for_each_in_block(j, [&](std::size_t i) {
        const float a = flushed(x[i]) ? 0.0f : std::fabs(x[i]);
        all_flushed &= flushed(x[i]);
        nan |= a != a;
        m = a > m ? a : m;
      });
      const float lg = std::floor(detail::log2_f32(nan ? std::numeric_limits<float>::quiet_NaN() : m));
      // MASE takes log2 of a zero, inf or NaN max as "no exponent", which clips to the lowest scale.
      const int s = std::isfinite(lg) ? std::clamp(static_cast<int>(lg) - emax_el, -127, 128) : -127;
      const float scale = detail::exp2_int_f32(s);
      const float out_scale = detail::exp2_int_f32((all_flushed ? 0 : s + 127) - 127);
      layout.for_each_in_block(j, [&](std::size_t i) {
        const float v = flushed(x[i]) ? 0.0f : x[i] / scale;
        y[i] = element_.quantize(v) * out_scale;
      });
    }
  }

 private:
  static bool flushed(float v) { return (std::bit_cast<std::uint32_t>(v) & 0x7F800000u) == 0; }

  static minifloat_mx_format checked_element(const mxfp_params& p) {
    detail::check_range(name(), "block_size", p.block_size, 1, std::numeric_limits<int>::max());
    const int e = p.element_exp_bits, f = p.element_frac_bits;
    const bool known = (e == 4 && f == 3) || (e == 5 && f == 2) || (e == 2 && f == 3) || (e == 3 && f == 2) ||
                       (e == 2 && f == 1) || (e == 1 && f == 2);
    if (!known)
      throw config_error("mxfp.element_exp_bits/element_frac_bits = " + std::to_string(e) + "/" +
                         std::to_string(f) + ": must be one of 4/3, 5/2, 2/3, 3/2, 2/1, 1/2 (E4M3, E5M2, "
                         "E2M3, E3M2, E2M1, E1M2)");
    if (p.scale_exp_bits != 8) detail::throw_param(name(), "scale_exp_bits", p.scale_exp_bits, "must be 8");
    return minifloat_mx_format(e, f, true, mx_round_mode::rn);
  }

  mxfp_params p_;
  minifloat_mx_format element_;
};
static_assert(BlockNumberFormat<mxfp_format>);

}  // namespace mixprec
