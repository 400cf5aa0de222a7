// MASE's `ternary` format: the tutorial-era (seed) one, with a given or statistics-derived threshold and
// an optional signed-mean scale, as `ternary`; HEAD's, with per-sample threshold and scale over a 4-D
// tensor, as `ternary_head` (mase-quantization.md §1.10, decisions.md 4).
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

/// Parameters of the seed ternary format, MASE's keyword arguments. The threshold used is `threshold`
/// if set, else 0.75 * mean if mean is non-zero, else 0.75 * median if non-zero, else 0.05 * maximum if
/// non-zero (Python truthiness, as MASE), computed in double and compared in float32.
struct ternary_params {
  std::optional<double> threshold = std::nullopt;
  std::optional<double> mean = std::nullopt;
  std::optional<double> median = std::nullopt;
  std::optional<double> maximum = std::nullopt;
  bool scaling_factor = false;  ///< multiply by the signed mean of the whole input
};

/// Seed MASE `ternary`: level(x) = x > t ? 1 : (x <= -t ? -1 : 0) — asymmetric as in MASE (x = t gives
/// 0, x = -t gives -1; with t = 0 both zeros give -1); NaN gives 0. Scaled: level(x) * mean(x) with the
/// signed mean of the whole span, so a negative mean flips every sign.
struct ternary_format {
  double threshold;     ///< the resolved threshold t
  bool scaling_factor;

  /// Throws config_error when no threshold can be resolved from `p` (MASE raises there too).
  explicit ternary_format(const ternary_params& p) : threshold(resolve(p)), scaling_factor(p.scaling_factor) {}

  [[nodiscard]] static constexpr std::string_view name() { return "ternary"; }

  /// The unscaled level of one value: -1, 0 or +1.
  [[nodiscard]] float level(float x) const {
    const float t = static_cast<float>(threshold);
    const float nt = static_cast<float>(-threshold);
    return x > t ? 1.0f : (x <= nt ? -1.0f : 0.0f);
  }

  /// Quantizes `in` into `out` (same size, may alias); shape_error otherwise. The scaled variant's
  /// mean is float32(sum) / n, exact where the partial sums are (torch's own order otherwise).
  void quantize(std::span<const float> in, std::span<float> out) const {
    detail::check_same_size(name(), in.size(), out.size());
    if (in.empty()) return;
    const float m = scaling_factor ? detail::sum_f32(in.data(), in.size()) / static_cast<float>(in.size()) : 1.0f;
    for (std::size_t i = 0; i < in.size(); ++i) {
      const float l = level(in[i]);
      out[i] = scaling_factor ? m * l : l;
    }
  }

 private:
  static double resolve(const ternary_params& p) {
    if (p.threshold) return *p.threshold;
    if (p.mean && *p.mean != 0.0) return 0.75 * *p.mean;
    if (p.median && *p.median != 0.0) return 0.75 * *p.median;
    if (p.maximum && *p.maximum != 0.0) return 0.05 * *p.maximum;
    throw config_error(
        "ternary.threshold = None: set threshold, or a non-zero mean, median or maximum to derive it from");
  }
};
static_assert(NumberFormat<ternary_format>);

/// HEAD MASE `ternary` (MASE's threshold argument is ignored there, so it is not a field). Per sample n
/// of a 4-D (N, C, H, W) tensor: delta_n = (0.75 * sum|x_n|) / numel(x_n) in float32, level =
/// [x > delta_n] - [x < -delta_n]; scaled: level * alpha_n with alpha_n = mean of |x| over |x| > delta_n,
/// NaN when no element exceeds delta_n (e.g. an all-zero sample). Other ranks throw shape_error.
struct ternary_head_format {
  bool scaling_factor = false;

  explicit ternary_head_format(bool scaling_factor_ = false) : scaling_factor(scaling_factor_) {}

  [[nodiscard]] static constexpr std::string_view name() { return "ternary_head"; }

  /// Quantizes a 4-D C-order tensor of `shape` into `out` (same size, may alias).
  void quantize(std::span<const float> in, std::span<const std::size_t> shape, std::span<float> out) const {
    detail::check_same_size(name(), in.size(), out.size());
    detail::check_shape(name(), shape, in.size(), 4);
    const std::size_t per = shape[1] * shape[2] * shape[3];
    if (per == 0) return;
    for (std::size_t s = 0; s < shape[0]; ++s) {
      const float* x = in.data() + s * per;
      double abs_sum = 0.0;
      for (std::size_t i = 0; i < per; ++i) abs_sum += static_cast<double>(std::fabs(x[i]));
      const float scaled_sum = 0.75f * static_cast<float>(abs_sum);
      const float delta = scaled_sum / static_cast<float>(per);
      float alpha = 1.0f;
      if (scaling_factor) {
        double big_sum = 0.0;
        double count = 0.0;
        for (std::size_t i = 0; i < per; ++i) {
          const float a = std::fabs(x[i]);
          if (a > delta) {
            big_sum += static_cast<double>(a);
            count += 1.0;
          }
        }
        alpha = static_cast<float>(big_sum) / static_cast<float>(count);  // 0 / 0 = NaN, as in MASE
      }
      float* y = out.data() + s * per;
      for (std::size_t i = 0; i < per; ++i) {
        const float v = x[i];
        const float l = (v > delta ? 1.0f : 0.0f) + (v < -delta ? -1.0f : 0.0f);
        y[i] = scaling_factor ? l * alpha : l;
      }
    }
  }
};
static_assert(BlockNumberFormat<ternary_head_format>);

}  // namespace mixprec
