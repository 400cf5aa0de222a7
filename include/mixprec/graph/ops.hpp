// The operations a mixprec graph can hold (enough for MLPs and small CNNs) and their float32
// kernels on batches stored as row-major (batch x C*H*W) matrices, one sample per row in C order.
// Convolution is im2col + one Eigen GEMM per sample; pooling follows PyTorch's defaults.
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include <mixprec/error.hpp>

namespace mixprec {

/// Row-major float32 matrix: a batch (one sample per row) or a parameter in PyTorch layout.
using matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
/// A read-only view of a row-major float32 matrix (e.g. a forward pass's output).
using matrix_view = Eigen::Map<const matrix>;
/// A writable view of a row-major float32 matrix over a caller's buffer.
using matrix_map = Eigen::Map<matrix>;

/// Operation kinds. Names (op_name) follow MASE's mase_op strings.
enum class op_kind { linear, relu, conv2d, max_pool2d, avg_pool2d, flatten, add };

/// MASE's mase_op name of an op kind ("linear", "relu", "conv2d", ...).
[[nodiscard]] constexpr std::string_view op_name(op_kind k) {
  switch (k) {
    case op_kind::linear: return "linear";
    case op_kind::relu: return "relu";
    case op_kind::conv2d: return "conv2d";
    case op_kind::max_pool2d: return "max_pool2d";
    case op_kind::avg_pool2d: return "avg_pool2d";
    case op_kind::flatten: return "flatten";
    case op_kind::add: return "add";
  }
  return "?";
}

/// Every op kind, in declaration order.
inline constexpr std::array<op_kind, 7> all_op_kinds{op_kind::linear,     op_kind::relu,       op_kind::conv2d,
                                                     op_kind::max_pool2d, op_kind::avg_pool2d, op_kind::flatten,
                                                     op_kind::add};

/// True for the ops MASE's quantize pass replaces (QUANTIZEABLE_OP ∩ our ops): linear, conv2d, relu, add.
[[nodiscard]] constexpr bool is_quantizable(op_kind k) {
  return k == op_kind::linear || k == op_kind::conv2d || k == op_kind::relu || k == op_kind::add;
}

/// True for the ops with a weight (and optional bias).
[[nodiscard]] constexpr bool has_weight(op_kind k) { return k == op_kind::linear || k == op_kind::conv2d; }

/// The op kind named `name`; config_error naming `what` (e.g. "model.json: nodes[3].op") otherwise.
inline op_kind parse_op_kind(std::string_view name, std::string_view what = "op") {
  for (op_kind k : all_op_kinds)
    if (op_name(k) == name) return k;
  throw config_error(std::string(what) + " = \"" + std::string(name) +
                     "\": unknown op (expected linear, relu, conv2d, max_pool2d, avg_pool2d, flatten or add)");
}

/// Largest per-sample tensor a graph accepts, in elements (inputs, node outputs, weights and
/// im2col columns): 2^31 floats, 8 GiB per sample, far beyond any model this library targets.
inline constexpr std::size_t max_sample_elements = std::size_t{1} << 31;
/// Largest kernel, stride or padding of a window op along one axis (2^20).
inline constexpr std::size_t max_window_extent = std::size_t{1} << 20;

namespace detail {
/// a * b, or false when the product does not fit a size_t.
[[nodiscard]] inline bool checked_mul(std::size_t a, std::size_t b, std::size_t& out) {
  if (a != 0 && b > std::numeric_limits<std::size_t>::max() / a) return false;
  out = a * b;
  return true;
}
}  // namespace detail

/// Geometry of a 2-D window op (conv2d or pooling): kernel, stride and zero padding per axis.
struct window2d {
  std::array<std::size_t, 2> kernel{1, 1};
  std::array<std::size_t, 2> stride{1, 1};
  std::array<std::size_t, 2> padding{0, 0};

  /// Output extent along axis a for an input extent n: floor((n + 2p - k) / s) + 1 (0 if the window
  /// does not fit). shape_error if n + 2p does not fit a size_t (model::add refuses such windows first).
  [[nodiscard]] std::size_t out_extent(std::size_t a, std::size_t n) const {
    const std::size_t max = std::numeric_limits<std::size_t>::max();
    if (padding[a] > (max - n) / 2)
      throw shape_error("window2d: padding[" + std::to_string(a) + "] = " + std::to_string(padding[a]) +
                        " overflows the padded extent of an input of " + std::to_string(n));
    const std::size_t padded = n + 2 * padding[a];
    return padded < kernel[a] ? 0 : (padded - kernel[a]) / stride[a] + 1;
  }
};

namespace detail {

/// The window offsets k in [0, kernel) whose input position o*stride + k - padding lies in [0, n):
/// [first, last). Empty when the window misses the input.
struct window_span {
  std::size_t first = 0, last = 0;
};
[[nodiscard]] inline window_span overlap(std::size_t o, std::size_t stride, std::size_t pad, std::size_t kernel,
                                         std::size_t n) {
  const std::size_t start = o * stride;  // window start in padded coordinates
  const std::size_t first = start < pad ? pad - start : 0;
  const std::size_t end = n + pad > start ? n + pad - start : 0;  // offsets below end are inside
  const std::size_t last = std::min(kernel, end);
  return first < last ? window_span{first, last} : window_span{};
}

/// im2col of one C x H x W sample into cols ((C*kh*kw) x (Ho*Wo), row-major), zero outside the input.
/// Cost is proportional to the size of cols: each output row copies only the in-range columns.
inline void im2col(const float* in, std::size_t c, std::size_t h, std::size_t w, const window2d& g, std::size_t ho,
                   std::size_t wo, float* cols) {
  const std::size_t kh = g.kernel[0], kw = g.kernel[1];
  const std::size_t sh = g.stride[0], sw = g.stride[1], ph = g.padding[0], pw = g.padding[1];
  for (std::size_t ci = 0; ci < c; ++ci)
    for (std::size_t ki = 0; ki < kh; ++ki)
      for (std::size_t kj = 0; kj < kw; ++kj) {
        float* row = cols + ((ci * kh + ki) * kw + kj) * ho * wo;
        // Outputs ow whose input column ow*sw + kj - pw lies in [0, w): [ow_first, ow_last).
        const std::size_t ow_first = kj >= pw ? 0 : (pw - kj + sw - 1) / sw;
        const std::size_t ow_last = w + pw > kj ? std::min(wo, (w + pw - kj - 1) / sw + 1) : 0;
        for (std::size_t oh = 0; oh < ho; ++oh) {
          float* dst = row + oh * wo;
          const std::size_t ih = oh * sh + ki;  // padded coordinates
          if (ih < ph || ih - ph >= h || ow_first >= ow_last) {
            std::fill(dst, dst + wo, 0.0f);
            continue;
          }
          const float* src = in + (ci * h + (ih - ph)) * w;
          std::fill(dst, dst + ow_first, 0.0f);
          for (std::size_t ow = ow_first; ow < ow_last; ++ow) dst[ow] = src[ow * sw + kj - pw];
          std::fill(dst + ow_last, dst + wo, 0.0f);
        }
      }
}

/// 2-D max (is_max) or average pooling of one C x H x W sample. Max pooling pads with -inf and
/// propagates NaN; average pooling counts the zero padding (PyTorch's count_include_pad=True) and
/// divides the float32 window sum by kh*kw. Only the part of each window inside the input is
/// visited (in the same order as a full scan), so cost is bounded by the input and output sizes.
inline void pool2d(const float* in, std::size_t c, std::size_t h, std::size_t w, const window2d& g, std::size_t ho,
                   std::size_t wo, bool is_max, float* out) {
  const float divisor = static_cast<float>(g.kernel[0] * g.kernel[1]);
  for (std::size_t ci = 0; ci < c; ++ci)
    for (std::size_t oh = 0; oh < ho; ++oh) {
      const window_span rs = overlap(oh, g.stride[0], g.padding[0], g.kernel[0], h);
      for (std::size_t ow = 0; ow < wo; ++ow) {
        const window_span cs = overlap(ow, g.stride[1], g.padding[1], g.kernel[1], w);
        float acc = is_max ? -std::numeric_limits<float>::infinity() : 0.0f;
        for (std::size_t ki = rs.first; ki < rs.last; ++ki) {
          const float* src = in + (ci * h + (oh * g.stride[0] + ki - g.padding[0])) * w;
          for (std::size_t kj = cs.first; kj < cs.last; ++kj) {
            const float v = src[ow * g.stride[1] + kj - g.padding[1]];
            if (is_max) acc = (v > acc || v != v) ? v : acc;
            else acc += v;
          }
        }
        out[(ci * ho + oh) * wo + ow] = is_max ? acc : acc / divisor;
      }
    }
}

}  // namespace detail
}  // namespace mixprec
