// MASE's deterministic `binary` format: the tutorial-era (seed) one as `binary`, and HEAD's, whose
// non-bipolar mode is scaled by each sample's mean |x| over a 4-D tensor, as `binary_head`
// (mase-quantization.md §1.9, decisions.md 4). Stochastic binarisation is random and not provided.
#pragma once
#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>

#include <mixprec/error.hpp>
#include <mixprec/numbers/detail/float32.hpp>
#include <mixprec/numbers/format.hpp>

namespace mixprec {

/// Seed MASE `binary` (deterministic): bipolar y = (x >= 0) ? 1 : -1, else y = (x >= 0) ? 1 : 0.
/// -0 counts as >= 0; NaN gives -1 (bipolar) or 0. `width` is ignored by MASE and is not a field.
/// MASE's `stochastic = True` draws from torch's RNG and has no reproducible output: it is out of
/// scope and rejected.
struct binary_format {
  bool bipolar = false;

  /// Throws config_error when `stochastic` is true.
  explicit binary_format(bool bipolar_ = false, bool stochastic = false) : bipolar(bipolar_) {
    if (stochastic)
      throw config_error("binary.stochastic = true: only deterministic binarisation (stochastic = false) is supported");
  }

  [[nodiscard]] static constexpr std::string_view name() { return "binary"; }

  [[nodiscard]] float quantize(float x) const { return x >= 0.0f ? 1.0f : (bipolar ? -1.0f : 0.0f); }

  /// Quantizes `in` into `out` (same size, may alias); shape_error otherwise.
  void quantize(std::span<const float> in, std::span<float> out) const {
    detail::check_same_size(name(), in.size(), out.size());
    const float low = bipolar ? -1.0f : 0.0f;
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = in[i] >= 0.0f ? 1.0f : low;
  }
};
static_assert(NumberFormat<binary_format>);

/// HEAD MASE `binary` (deterministic). Bipolar: as the seed format, for any shape. Non-bipolar
/// ("zero-scaled"): y = (x > 0 ? 1 : 0) * alpha_n, alpha_n = mean |x| over dims 1..3 of sample n;
/// like MASE it is defined for 4-D (N, C, H, W) tensors only and throws shape_error otherwise. A NaN in
/// a sample makes that sample all NaN.
struct binary_head_format {
  bool bipolar = false;

  /// Throws config_error when `stochastic` is true (see binary_format).
  explicit binary_head_format(bool bipolar_ = false, bool stochastic = false) : bipolar(bipolar_) {
    if (stochastic)
      throw config_error(
          "binary_head.stochastic = true: only deterministic binarisation (stochastic = false) is supported");
  }

  [[nodiscard]] static constexpr std::string_view name() { return "binary_head"; }

  /// Quantizes a C-order tensor of `shape` (4-D unless bipolar) into `out` (same size, may alias).
  void quantize(std::span<const float> in, std::span<const std::size_t> shape, std::span<float> out) const {
    detail::check_same_size(name(), in.size(), out.size());
    detail::check_shape(name(), shape, in.size(), bipolar ? 0 : 4);
    if (bipolar) {
      binary_format(true).quantize(in, out);
      return;
    }
    const std::size_t per = shape[1] * shape[2] * shape[3];
    if (per == 0) return;
    for (std::size_t s = 0; s < shape[0]; ++s) {
      const std::size_t base = s * per;
      double acc = 0.0;  // mean = float32(sum |x|) / n, exact where the partial sums are
      for (std::size_t i = 0; i < per; ++i) acc += static_cast<double>(std::fabs(in[base + i]));
      const float alpha = static_cast<float>(acc) / static_cast<float>(per);
      for (std::size_t i = 0; i < per; ++i) out[base + i] = (in[base + i] > 0.0f ? 1.0f : 0.0f) * alpha;
    }
  }
};
static_assert(BlockNumberFormat<binary_head_format>);

}  // namespace mixprec
