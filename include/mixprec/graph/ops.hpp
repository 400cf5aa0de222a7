// The operations a mixprec graph can hold (enough for MLPs and small CNNs) and their float32
// kernels on batches stored as row-major (batch x C*H*W) matrices, one sample per row in C order.
// Convolution is im2col + one Eigen GEMM per sample; pooling follows PyTorch's defaults.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
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

/// Operation kinds. Names (op_name) follow MASE's mase_op strings. The kinds after add come from
/// ONNX import (onnx/load.hpp); model.json does not describe them.
enum class op_kind {
  linear, relu, conv2d, max_pool2d, avg_pool2d, flatten, add,
  batch_norm2d,  ///< per-channel x * scale + shift (inference); params = scale[C], shift[C]
  hardtanh,      ///< clamp to [params[0], params[1]] (ONNX Clip, ReLU6)
  leaky_relu,    ///< x < 0 ? params[0] * x : x
  sigmoid,
  tanh,
  hardsigmoid,   ///< clamp(params[0] * x + params[1], 0, 1)
  hardswish,     ///< x * clamp(x / 6 + 1/2, 0, 1)
  softmax,       ///< along the per-sample axis `axis`
  reshape,       ///< to the per-sample shape `shape` (same elements, same order)
  mul,           ///< two operands elementwise, or one times the scalar params[0]
  cat            ///< inputs concatenated along the per-sample axis `axis`
};

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
    case op_kind::batch_norm2d: return "batch_norm2d";
    case op_kind::hardtanh: return "hardtanh";
    case op_kind::leaky_relu: return "leaky_relu";
    case op_kind::sigmoid: return "sigmoid";
    case op_kind::tanh: return "tanh";
    case op_kind::hardsigmoid: return "hardsigmoid";
    case op_kind::hardswish: return "hardswish";
    case op_kind::softmax: return "softmax";
    case op_kind::reshape: return "reshape";
    case op_kind::mul: return "mul";
    case op_kind::cat: return "cat";
  }
  return "?";
}

/// Every op kind, in declaration order.
inline constexpr std::array<op_kind, 18> all_op_kinds{
    op_kind::linear,      op_kind::relu,      op_kind::conv2d,     op_kind::max_pool2d, op_kind::avg_pool2d,
    op_kind::flatten,     op_kind::add,       op_kind::batch_norm2d, op_kind::hardtanh, op_kind::leaky_relu,
    op_kind::sigmoid,     op_kind::tanh,      op_kind::hardsigmoid, op_kind::hardswish, op_kind::softmax,
    op_kind::reshape,     op_kind::mul,       op_kind::cat};

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
  std::string list;
  for (op_kind k : all_op_kinds) list += (list.empty() ? "" : ", ") + std::string(op_name(k));
  throw config_error(std::string(what) + " = \"" + std::string(name) + "\": unknown op (expected one of " + list + ")");
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

/// Geometry of a 2-D window op (conv2d or pooling): kernel, stride and zero padding per axis, plus
/// what ONNX models also use: dilation, asymmetric padding, channel groups and the pooling modes.
struct window2d {
  std::array<std::size_t, 2> kernel{1, 1};
  std::array<std::size_t, 2> stride{1, 1};
  std::array<std::size_t, 2> padding{0, 0};  ///< top / left (and bottom / right unless padding_end is set)
  std::array<std::size_t, 2> dilation{1, 1};
  std::optional<std::array<std::size_t, 2>> padding_end{};  ///< bottom / right padding when it differs
  std::size_t groups = 1;          ///< conv2d: channel groups (groups = channels: depthwise)
  bool ceil_mode = false;          ///< pooling: a last partial window when the stride does not tile the input
  bool count_include_pad = true;   ///< avg pooling: divide by the window size (false: by its in-input part)

  /// Padding after the input along axis a.
  [[nodiscard]] std::size_t pad_end(std::size_t a) const { return padding_end ? (*padding_end)[a] : padding[a]; }
  /// Extent of the dilated kernel along axis a: dilation * (kernel - 1) + 1.
  [[nodiscard]] std::size_t span(std::size_t a) const { return dilation[a] * (kernel[a] - 1) + 1; }
  /// True when only kernel, stride and symmetric padding are used (what model.json describes).
  [[nodiscard]] bool is_plain() const {
    return dilation == std::array<std::size_t, 2>{1, 1} && !padding_end && groups == 1 && !ceil_mode && count_include_pad;
  }

  /// Output extent along axis a for an input extent n: floor((n + p + p_end - span) / s) + 1 (0 if
  /// the window does not fit); with ceil_mode rounded up, as long as the last window starts inside
  /// the input or its leading padding (PyTorch's rule). shape_error if the padded extent does not
  /// fit a size_t (model::add refuses such windows first).
  [[nodiscard]] std::size_t out_extent(std::size_t a, std::size_t n) const {
    const std::size_t max = std::numeric_limits<std::size_t>::max();
    if (padding[a] > (max - n) / 2 || pad_end(a) > (max - n) / 2)
      throw shape_error("window2d: padding[" + std::to_string(a) + "] = " + std::to_string(std::max(padding[a], pad_end(a))) +
                        " overflows the padded extent of an input of " + std::to_string(n));
    const std::size_t padded = n + padding[a] + pad_end(a);
    const std::size_t k = span(a);
    if (padded < k) return 0;
    std::size_t out = (padded - k) / stride[a] + 1;
    if (ceil_mode && (padded - k) % stride[a] != 0 && out * stride[a] < n + padding[a]) ++out;
    return out;
  }
};

namespace detail {

/// The window offsets k in [0, kernel) whose input position o*stride + k*dil - padding lies in
/// [0, n): [first, last). Empty when the window misses the input.
struct window_span {
  std::size_t first = 0, last = 0;
};
[[nodiscard]] inline window_span overlap(std::size_t o, std::size_t stride, std::size_t pad, std::size_t kernel,
                                         std::size_t n, std::size_t dil = 1) {
  const std::size_t start = o * stride;  // window start in padded coordinates
  const std::size_t first = start < pad ? (pad - start + dil - 1) / dil : 0;
  const std::size_t end = n + pad > start ? (n + pad - start + dil - 1) / dil : 0;  // offsets below end are inside
  const std::size_t last = std::min(kernel, end);
  return first < last ? window_span{first, last} : window_span{};
}

/// Number of window offsets along one axis that lie inside the padded input [0, n + pad + pad_end).
[[nodiscard]] inline std::size_t padded_count(std::size_t o, std::size_t stride, std::size_t padded, std::size_t kernel,
                                              std::size_t dil) {
  const std::size_t start = o * stride;
  return padded > start ? std::min(kernel, (padded - start + dil - 1) / dil) : 0;
}

/// im2col of one C x H x W sample into cols ((C*kh*kw) x (Ho*Wo), row-major), zero outside the input.
/// Cost is proportional to the size of cols: each output row copies only the in-range columns.
/// (For grouped convolutions it is called once per group, on that group's channels.)
inline void im2col(const float* in, std::size_t c, std::size_t h, std::size_t w, const window2d& g, std::size_t ho,
                   std::size_t wo, float* cols) {
  const std::size_t kh = g.kernel[0], kw = g.kernel[1];
  const std::size_t sh = g.stride[0], sw = g.stride[1], ph = g.padding[0], pw = g.padding[1];
  const std::size_t dh = g.dilation[0], dw = g.dilation[1];
  for (std::size_t ci = 0; ci < c; ++ci)
    for (std::size_t ki = 0; ki < kh; ++ki)
      for (std::size_t kj = 0; kj < kw; ++kj) {
        float* row = cols + ((ci * kh + ki) * kw + kj) * ho * wo;
        // Outputs ow whose input column ow*sw + kj*dw - pw lies in [0, w): [ow_first, ow_last).
        const std::size_t off = kj * dw;
        const std::size_t ow_first = off >= pw ? 0 : (pw - off + sw - 1) / sw;
        const std::size_t ow_last = w + pw > off ? std::min(wo, (w + pw - off - 1) / sw + 1) : 0;
        for (std::size_t oh = 0; oh < ho; ++oh) {
          float* dst = row + oh * wo;
          const std::size_t ih = oh * sh + ki * dh;  // padded coordinates
          if (ih < ph || ih - ph >= h || ow_first >= ow_last) {
            std::fill(dst, dst + wo, 0.0f);
            continue;
          }
          const float* src = in + (ci * h + (ih - ph)) * w;
          std::fill(dst, dst + ow_first, 0.0f);
          for (std::size_t ow = ow_first; ow < ow_last; ++ow) dst[ow] = src[ow * sw + off - pw];
          std::fill(dst + ow_last, dst + wo, 0.0f);
        }
      }
}

/// 2-D max (is_max) or average pooling of one C x H x W sample. Max pooling pads with -inf and
/// propagates NaN; average pooling counts the zero padding (PyTorch's count_include_pad=True) and
/// divides the float32 window sum by kh*kw. Only the part of each window inside the input is
/// visited (in the same order as a full scan), so cost is bounded by the input and output sizes.
/// With count_include_pad = false the divisor is the in-input count; a ceil_mode window that
/// reaches past the end padding divides by its part inside the padded input.
inline void pool2d(const float* in, std::size_t c, std::size_t h, std::size_t w, const window2d& g, std::size_t ho,
                   std::size_t wo, bool is_max, float* out) {
  const float divisor = static_cast<float>(g.kernel[0] * g.kernel[1]);
  const std::size_t dh = g.dilation[0], dw = g.dilation[1];
  const std::size_t hp = h + g.padding[0] + g.pad_end(0), wp = w + g.padding[1] + g.pad_end(1);
  for (std::size_t ci = 0; ci < c; ++ci)
    for (std::size_t oh = 0; oh < ho; ++oh) {
      const window_span rs = overlap(oh, g.stride[0], g.padding[0], g.kernel[0], h, dh);
      for (std::size_t ow = 0; ow < wo; ++ow) {
        const window_span cs = overlap(ow, g.stride[1], g.padding[1], g.kernel[1], w, dw);
        float acc = is_max ? -std::numeric_limits<float>::infinity() : 0.0f;
        for (std::size_t ki = rs.first; ki < rs.last; ++ki) {
          const float* src = in + (ci * h + (oh * g.stride[0] + ki * dh - g.padding[0])) * w;
          for (std::size_t kj = cs.first; kj < cs.last; ++kj) {
            const float v = src[ow * g.stride[1] + kj * dw - g.padding[1]];
            if (is_max) acc = (v > acc || v != v) ? v : acc;
            else acc += v;
          }
        }
        float d = divisor;
        if (!is_max && !g.count_include_pad) {
          d = static_cast<float>((rs.last - rs.first) * (cs.last - cs.first));
        } else if (!is_max && g.ceil_mode) {
          d = static_cast<float>(padded_count(oh, g.stride[0], hp, g.kernel[0], dh) *
                                 padded_count(ow, g.stride[1], wp, g.kernel[1], dw));
        }
        out[(ci * ho + oh) * wo + ow] = is_max ? acc : (d > 0.0f ? acc / d : 0.0f);
      }
    }
}

/// Elementwise activations of the ops that have one (relu excluded: it has its own quantized path).
inline void activation(op_kind k, const std::vector<float>& p, const float* in, float* out, std::size_t n) {
  switch (k) {
    case op_kind::hardtanh:
      for (std::size_t i = 0; i < n; ++i) out[i] = in[i] < p[0] ? p[0] : (in[i] > p[1] ? p[1] : in[i]);
      break;
    case op_kind::leaky_relu:
      for (std::size_t i = 0; i < n; ++i) out[i] = in[i] < 0.0f ? p[0] * in[i] : in[i];
      break;
    case op_kind::sigmoid:
      for (std::size_t i = 0; i < n; ++i) out[i] = 1.0f / (1.0f + std::exp(-in[i]));
      break;
    case op_kind::tanh:
      for (std::size_t i = 0; i < n; ++i) out[i] = std::tanh(in[i]);
      break;
    case op_kind::hardsigmoid:
      for (std::size_t i = 0; i < n; ++i) out[i] = std::clamp(p[0] * in[i] + p[1], 0.0f, 1.0f);
      break;
    case op_kind::hardswish:
      for (std::size_t i = 0; i < n; ++i) out[i] = in[i] * std::clamp(in[i] / 6.0f + 0.5f, 0.0f, 1.0f);
      break;
    default: break;
  }
}

/// Softmax over the middle extent of an (outer, n, inner) view, per slice: exp(x - max) / sum.
inline void softmax(const float* in, float* out, std::size_t outer, std::size_t n, std::size_t inner) {
  for (std::size_t o = 0; o < outer; ++o)
    for (std::size_t j = 0; j < inner; ++j) {
      const float* x = in + o * n * inner + j;
      float* y = out + o * n * inner + j;
      float mx = -std::numeric_limits<float>::infinity();
      for (std::size_t k = 0; k < n; ++k) mx = std::max(mx, x[k * inner]);
      float sum = 0.0f;
      for (std::size_t k = 0; k < n; ++k) sum += (y[k * inner] = std::exp(x[k * inner] - mx));
      for (std::size_t k = 0; k < n; ++k) y[k * inner] /= sum;
    }
}

}  // namespace detail
}  // namespace mixprec
