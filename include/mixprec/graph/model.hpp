// A model as an ordered graph (a DAG in topological order) of named nodes, as MASE traces it
// (`seq_blocks_0`, ...), with float32 parameters in PyTorch layout and a batched forward pass
// whose buffers live in a reusable workspace, so repeated forwards do not allocate.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <mixprec/cancel.hpp>
#include <mixprec/error.hpp>
#include <mixprec/graph/ops.hpp>

namespace mixprec {

/// One node of a model graph.
struct node {
  std::string name;                 ///< unique, e.g. MASE's "seq_blocks_0"
  op_kind op = op_kind::linear;
  std::vector<std::string> inputs;  ///< earlier nodes or the model input; empty = the previous node (add, mul: 2 names; cat: 1 or more)
  matrix weight;   ///< linear: (out, in); conv2d: (out, in*kh*kw) i.e. PyTorch's (out, in, kh, kw) flattened
  matrix bias;     ///< empty (no bias) or 1 x out
  window2d window; ///< conv2d and pooling geometry (pooling: stride defaults to the kernel at load)
  std::vector<float> params{};        ///< per-op constants (see op_kind: batch_norm2d, hardtanh, leaky_relu, ...)
  std::vector<std::size_t> shape{};   ///< reshape: the per-sample output shape
  std::size_t axis = 0;               ///< softmax, cat: the per-sample axis
};

/// Buffers of one forward pass (per-node outputs, quantized inputs, im2col columns). They only
/// grow, so a workspace reused across calls makes repeated forwards allocation-free. One per thread.
struct forward_workspace {
  std::vector<std::vector<float>> outputs;  ///< one per node
  std::vector<std::vector<float>> scratch;  ///< one per node: its quantized input
  std::vector<float> extra;                 ///< the second quantized operand of add
  std::vector<float> cols;                  ///< im2col columns of one sample

  /// `b` with at least n elements (grows, never shrinks).
  static float* grow(std::vector<float>& b, std::size_t n) {
    if (b.size() < n) b.resize(n);
    return b.data();
  }
};

/// An ordered graph of nodes with one input (named "x" by default, MASE's placeholder) and one
/// output (the last node). Shapes are per sample, without the batch dimension: {features} or {C, H, W}.
class model {
 public:
  /// A model whose input has the per-sample shape `input_shape` (rank 1 or 3, no zero extent).
  explicit model(std::vector<std::size_t> input_shape, std::string input_name = "x")
      : input_name_(std::move(input_name)), input_shape_(std::move(input_shape)) {
    if (input_shape_.size() != 1 && input_shape_.size() != 3)
      throw shape_error("model input shape " + shape_string(input_shape_) + ": rank must be 1 (features) or 3 (C, H, W)");
    for (auto d : input_shape_)
      if (d == 0) throw shape_error("model input shape " + shape_string(input_shape_) + ": extents must be >= 1");
    if (!bounded_product(input_shape_))
      throw shape_error("model input shape " + shape_string(input_shape_) + ": more than " +
                        std::to_string(max_sample_elements) + " elements per sample");
  }

  /// Appends a node after checking it: unique name, known inputs (config_error), parameter and
  /// input shapes consistent with the op (shape_error, naming the node and the expected shape).
  void add(node n);

  [[nodiscard]] const std::vector<node>& nodes() const { return nodes_; }
  [[nodiscard]] std::size_t size() const { return nodes_.size(); }
  [[nodiscard]] const node& operator[](std::size_t i) const { return nodes_[i]; }
  [[nodiscard]] const std::string& input_name() const { return input_name_; }
  [[nodiscard]] const std::vector<std::size_t>& input_shape() const { return input_shape_; }
  /// Elements per sample of the input.
  [[nodiscard]] std::size_t input_size() const { return product(input_shape_); }
  /// Per-sample output shape of node i.
  [[nodiscard]] const std::vector<std::size_t>& out_shape(std::size_t i) const { return info_[i].out_shape; }
  /// Per-sample input shape of node i's first input.
  [[nodiscard]] const std::vector<std::size_t>& in_shape(std::size_t i) const {
    return info_[i].inputs[0] < 0 ? input_shape_ : info_[static_cast<std::size_t>(info_[i].inputs[0])].out_shape;
  }
  /// Elements per sample of the model output (the last node); 0 for an empty model.
  [[nodiscard]] std::size_t output_size() const { return nodes_.empty() ? 0 : info_.back().out_size; }
  /// Indexes of node i's inputs (-1 = the model input).
  [[nodiscard]] std::span<const int> input_ids(std::size_t i) const { return info_[i].inputs; }
  /// Index of the node called `name`, if any.
  [[nodiscard]] std::optional<std::size_t> find(std::string_view name) const {
    for (std::size_t i = 0; i < nodes_.size(); ++i)
      if (nodes_[i].name == name) return i;
    return std::nullopt;
  }
  /// Multiply-accumulates per sample of node i (linear: in*out, conv2d: out*in*kh*kw*Ho*Wo; else 0).
  [[nodiscard]] std::size_t macs(std::size_t i) const {
    const node& n = nodes_[i];
    if (!has_weight(n.op)) return 0;
    return static_cast<std::size_t>(n.weight.size()) * (n.op == op_kind::conv2d ? out_shape(i)[1] * out_shape(i)[2] : 1);
  }

  /// Float forward pass of a batch x (rows = samples, input_size() columns). The result views
  /// the workspace and is valid until its next use.
  [[nodiscard]] matrix_view forward(matrix_view x, forward_workspace& ws) const;
  /// Convenience forward that allocates its own workspace and returns a copy.
  [[nodiscard]] matrix forward(const matrix& x) const {
    forward_workspace ws;
    return matrix(forward(matrix_view(x.data(), x.rows(), x.cols()), ws));
  }

  /// Runs the graph with per-node parameters and input quantization supplied by `hooks`:
  /// `hooks.weight(i)`, `hooks.bias(i)` (const matrix&), and
  /// `hooks.quantize_input(i, in, out, count)` -> bool (false: node i's input is not quantized).
  template <class Hooks>
  [[nodiscard]] matrix_view run(matrix_view x, forward_workspace& ws, const Hooks& hooks) const;

  /// "(2, 3, 4)" for error messages.
  static std::string shape_string(std::span<const std::size_t> s) {
    std::string r = "(";
    for (std::size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
    return r + (s.size() == 1 ? ",)" : ")");
  }

 private:
  struct node_info {
    std::vector<int> inputs;
    std::vector<std::size_t> out_shape;
    std::size_t out_size = 0;
  };
  static std::size_t product(std::span<const std::size_t> s) {
    std::size_t p = 1;
    for (auto d : s) p *= d;
    return p;
  }
  // The product of s if it is at most max_sample_elements (checked at every step, so no overflow).
  static std::optional<std::size_t> bounded_product(std::span<const std::size_t> s) {
    std::size_t p = 1;
    for (auto d : s)
      if (!detail::checked_mul(p, d, p) || p > max_sample_elements) return std::nullopt;
    return p;
  }
  [[noreturn]] void bad_shape(const node& n, const std::string& what) const {
    throw shape_error("node '" + n.name + "' (" + std::string(op_name(n.op)) + "): " + what);
  }

  std::string input_name_;
  std::vector<std::size_t> input_shape_;
  std::vector<node> nodes_;
  std::vector<node_info> info_;
};

inline void model::add(node n) {
  if (n.name.empty()) throw config_error("node name is empty: every node needs a unique name");
  if (n.name == input_name_ || find(n.name))
    throw config_error("node name '" + n.name + "' is used twice: names must be unique");
  node_info info;
  if (n.inputs.empty()) {
    info.inputs.push_back(static_cast<int>(nodes_.size()) - 1);  // -1 = the model input
  } else {
    for (const auto& in : n.inputs) {
      if (in == input_name_) {
        info.inputs.push_back(-1);
      } else if (auto j = find(in)) {
        info.inputs.push_back(static_cast<int>(*j));
      } else {
        throw config_error("node '" + n.name + "': input '" + in + "' is not the model input ('" + input_name_ +
                           "') or an earlier node");
      }
    }
  }
  const std::size_t want_inputs = n.op == op_kind::add || (n.op == op_kind::mul && n.params.empty()) ? 2
                                  : n.op == op_kind::cat ? std::max<std::size_t>(info.inputs.size(), 1)
                                                         : 1;
  if (info.inputs.size() != want_inputs)
    throw config_error("node '" + n.name + "' (" + std::string(op_name(n.op)) + "): " +
                       std::to_string(info.inputs.size()) + " inputs given, expected " + std::to_string(want_inputs));
  auto shape_of = [&](int id) -> const std::vector<std::size_t>& {
    return id < 0 ? input_shape_ : info_[static_cast<std::size_t>(id)].out_shape;
  };
  const auto& in = shape_of(info.inputs[0]);
  const std::size_t in_size = product(in);
  const bool wants_weight = has_weight(n.op);
  if (!wants_weight && (n.weight.size() != 0 || n.bias.size() != 0)) bad_shape(n, "takes no weight or bias");
  // Per-op constants: exactly as many as the op reads.
  const std::size_t want_params = n.op == op_kind::batch_norm2d ? 2 * (in.empty() ? 0 : in[0])
                                  : n.op == op_kind::hardtanh || n.op == op_kind::hardsigmoid ? 2
                                  : n.op == op_kind::leaky_relu ? 1
                                  : n.op == op_kind::mul ? std::min<std::size_t>(n.params.size(), 1) : 0;
  if (n.params.size() != want_params)
    bad_shape(n, std::to_string(n.params.size()) + " params given, expected " + std::to_string(want_params));
  for (float v : n.params)
    if (!std::isfinite(v) && n.op != op_kind::hardtanh) bad_shape(n, "params must be finite, got " + std::to_string(v));
  if (n.op == op_kind::hardtanh && !(n.params[0] <= n.params[1]))
    bad_shape(n, "clamp range [" + std::to_string(n.params[0]) + ", " + std::to_string(n.params[1]) + "]: min must be <= max");
  if (n.op != op_kind::reshape && !n.shape.empty()) bad_shape(n, "takes no shape");
  if (n.op != op_kind::conv2d && n.window.groups != 1) bad_shape(n, "groups = " + std::to_string(n.window.groups) + ": only conv2d has groups");
  if (wants_weight && n.bias.size() != 0 && (n.bias.rows() != 1 || n.bias.cols() != n.weight.rows()))
    bad_shape(n, "bias has shape (" + std::to_string(n.bias.rows()) + ", " + std::to_string(n.bias.cols()) +
                     "), expected (1, " + std::to_string(n.weight.rows()) + ")");
  auto pair_string = [](const std::array<std::size_t, 2>& p) {
    std::string r = "(";  // appended, not "(" + ...: GCC 12 warns falsely (-Wrestrict) on that form
    r += std::to_string(p[0]);
    r += ", ";
    r += std::to_string(p[1]);
    return r += ")";
  };
  // Window fields first, so out_extent and the size products below cannot overflow.
  auto check_window = [&](const window2d& g) {
    const std::array<std::size_t, 2> end{g.pad_end(0), g.pad_end(1)};
    const std::pair<const char*, const std::array<std::size_t, 2>*> fields[] = {
        {"kernel_size", &g.kernel}, {"stride", &g.stride}, {"padding", &g.padding}, {"dilation", &g.dilation},
        {"padding_end", &end}};
    for (const auto& [name, v] : fields)
      for (std::size_t a = 0; a < 2; ++a)
        if ((*v)[a] > max_window_extent || ((*v)[a] == 0 && v != &g.padding && v != &end))
          bad_shape(n, std::string(name) + " = " + pair_string(*v) + ": expected " +
                           (v == &g.padding || v == &end ? "0" : "1") + " to " + std::to_string(max_window_extent));
  };
  // The padded input must hold the kernel (else no output), checked per axis with the values.
  auto check_fit = [&](const window2d& g) {
    for (std::size_t a = 0; a < 2; ++a)
      if (g.out_extent(a, in[1 + a]) == 0)
        bad_shape(n, "kernel_size = " + pair_string(g.kernel) + " is larger than the input " + shape_string(in) +
                         " padded by " + pair_string(g.padding) + " (" + (a == 0 ? "height " : "width ") +
                         std::to_string(in[1 + a]) + " + 2 * " + std::to_string(g.padding[a]) + ")");
  };
  auto check_out = [&](const std::vector<std::size_t>& s) {
    if (!bounded_product(s))
      bad_shape(n, "output shape " + shape_string(s) + ": more than " + std::to_string(max_sample_elements) +
                       " elements per sample");
  };
  switch (n.op) {
    case op_kind::linear: {
      if (in.size() != 1) bad_shape(n, "input shape " + shape_string(in) + ": expected a flat input (add a flatten)");
      if (n.weight.rows() == 0 || static_cast<std::size_t>(n.weight.cols()) != in_size)
        bad_shape(n, "weight has shape (" + std::to_string(n.weight.rows()) + ", " + std::to_string(n.weight.cols()) +
                         "), expected (out_features, " + std::to_string(in_size) + ")");
      info.out_shape = {static_cast<std::size_t>(n.weight.rows())};
      check_out(info.out_shape);
      break;
    }
    case op_kind::conv2d: {
      check_window(n.window);
      if (in.size() != 3) bad_shape(n, "input shape " + shape_string(in) + ": expected (C, H, W)");
      // A padding of kernel or more only adds outputs that see no input at all.
      for (std::size_t a = 0; a < 2; ++a)
        if (n.window.padding[a] >= n.window.span(a) || n.window.pad_end(a) >= n.window.span(a))
          bad_shape(n, "padding = " + pair_string(n.window.padding) +
                           (n.window.padding_end ? " / " + pair_string(*n.window.padding_end) : std::string()) +
                           ": must be less than kernel_size = " + pair_string(n.window.kernel) +
                           (n.window.dilation == std::array<std::size_t, 2>{1, 1}
                                ? std::string()
                                : " dilated by " + pair_string(n.window.dilation)));
      check_fit(n.window);
      const std::size_t groups = n.window.groups;
      if (groups == 0 || in[0] % groups != 0 || n.weight.rows() % static_cast<Eigen::Index>(groups) != 0)
        bad_shape(n, "groups = " + std::to_string(groups) + ": must divide in_channels = " + std::to_string(in[0]) +
                         " and out_channels = " + std::to_string(n.weight.rows()));
      const auto ckk = bounded_product(std::array{in[0] / groups, n.window.kernel[0], n.window.kernel[1]});
      if (!ckk)
        bad_shape(n, "in_channels*kh*kw = " + std::to_string(in[0] / groups) + "*" + std::to_string(n.window.kernel[0]) + "*" +
                         std::to_string(n.window.kernel[1]) + ": more than " + std::to_string(max_sample_elements));
      if (n.weight.rows() == 0 || static_cast<std::size_t>(n.weight.cols()) != *ckk)
        bad_shape(n, "weight has shape (" + std::to_string(n.weight.rows()) + ", " + std::to_string(n.weight.cols()) +
                         "), expected (out_channels, " + std::to_string(*ckk) + ") = (out, in_channels" +
                         (groups == 1 ? std::string() : "/groups") + "*kh*kw)");
      const std::size_t ho = n.window.out_extent(0, in[1]), wo = n.window.out_extent(1, in[2]);
      info.out_shape = {static_cast<std::size_t>(n.weight.rows()), ho, wo};
      check_out(info.out_shape);
      // The im2col buffer of one sample, and the per-sample MACs (weight size * Ho*Wo).
      if (!bounded_product(std::array{*ckk, ho, wo}))
        bad_shape(n, "im2col columns (" + std::to_string(*ckk) + " x " + std::to_string(ho * wo) + "): more than " +
                         std::to_string(max_sample_elements) + " elements per sample");
      std::size_t macs = 0;
      if (!detail::checked_mul(static_cast<std::size_t>(n.weight.size()), ho * wo, macs))
        bad_shape(n, "multiply-accumulates per sample overflow a size_t");
      break;
    }
    case op_kind::max_pool2d:
    case op_kind::avg_pool2d: {
      check_window(n.window);
      if (in.size() != 3) bad_shape(n, "input shape " + shape_string(in) + ": expected (C, H, W)");
      for (std::size_t a = 0; a < 2; ++a)
        if (2 * n.window.padding[a] > n.window.span(a) || 2 * n.window.pad_end(a) > n.window.span(a))
          bad_shape(n, "padding = " + pair_string(n.window.padding) +
                           (n.window.padding_end ? " / " + pair_string(*n.window.padding_end) : std::string()) +
                           ": must be at most half of kernel_size = " + pair_string(n.window.kernel) +
                           (n.window.dilation == std::array<std::size_t, 2>{1, 1}
                                ? std::string()
                                : " dilated by " + pair_string(n.window.dilation)) +
                           " (PyTorch's rule)");
      check_fit(n.window);
      info.out_shape = {in[0], n.window.out_extent(0, in[1]), n.window.out_extent(1, in[2])};
      check_out(info.out_shape);
      break;
    }
    case op_kind::flatten: info.out_shape = {in_size}; break;
    case op_kind::relu: info.out_shape = in; break;
    case op_kind::add:
    case op_kind::mul: {
      if (info.inputs.size() == 2) {
        const auto& other = shape_of(info.inputs[1]);
        if (other != in)
          bad_shape(n, "operand shapes " + shape_string(in) + " and " + shape_string(other) + " differ: they must match");
      }
      info.out_shape = in;
      break;
    }
    case op_kind::batch_norm2d:
      if (in.size() != 3) bad_shape(n, "input shape " + shape_string(in) + ": expected (C, H, W)");
      info.out_shape = in;
      break;
    case op_kind::hardtanh:
    case op_kind::leaky_relu:
    case op_kind::sigmoid:
    case op_kind::tanh:
    case op_kind::hardsigmoid:
    case op_kind::hardswish: info.out_shape = in; break;
    case op_kind::softmax:
      if (n.axis >= in.size())
        bad_shape(n, "axis = " + std::to_string(n.axis) + ": expected 0 to " + std::to_string(in.size() - 1) +
                         " for the input shape " + shape_string(in));
      info.out_shape = in;
      break;
    case op_kind::reshape: {
      if (n.shape.empty() || n.shape.size() > 3)
        bad_shape(n, "shape = " + shape_string(n.shape) + ": expected 1 to 3 extents");
      const auto size = bounded_product(n.shape);
      if (!size || *size != in_size || std::find(n.shape.begin(), n.shape.end(), std::size_t{0}) != n.shape.end())
        bad_shape(n, "shape = " + shape_string(n.shape) + " does not hold the input " + shape_string(in) + " (" +
                         std::to_string(in_size) + " elements)");
      info.out_shape = n.shape;
      break;
    }
    case op_kind::cat: {
      if (n.axis >= in.size())
        bad_shape(n, "axis = " + std::to_string(n.axis) + ": expected 0 to " + std::to_string(in.size() - 1) +
                         " for the input shape " + shape_string(in));
      info.out_shape = in;
      info.out_shape[n.axis] = 0;
      for (int id : info.inputs) {
        const auto& s = shape_of(id);
        bool same = s.size() == in.size();
        for (std::size_t a = 0; same && a < s.size(); ++a) same = a == n.axis || s[a] == in[a];
        if (!same)
          bad_shape(n, "input shapes " + shape_string(in) + " and " + shape_string(s) + " differ outside axis " +
                           std::to_string(n.axis));
        info.out_shape[n.axis] += s[n.axis];  // bounded: the sum of bounded sizes, checked next
      }
      check_out(info.out_shape);
      break;
    }
  }
  info.out_size = product(info.out_shape);
  nodes_.push_back(std::move(n));
  info_.push_back(std::move(info));
}

template <class Hooks>
matrix_view model::run(matrix_view x, forward_workspace& ws, const Hooks& hooks) const {
  if (static_cast<std::size_t>(x.cols()) != input_size())
    throw shape_error("model.forward: input has " + std::to_string(x.cols()) + " columns, expected " +
                      std::to_string(input_size()) + " (input shape " + shape_string(input_shape_) + ")");
  if (nodes_.empty()) throw shape_error("model.forward: the model has no nodes");
  const auto batch = static_cast<std::size_t>(x.rows());
  const auto rows = x.rows();
  ws.outputs.resize(std::max(ws.outputs.size(), nodes_.size()));
  ws.scratch.resize(std::max(ws.scratch.size(), nodes_.size()));
  auto src = [&](int id) -> const float* {
    return id < 0 ? x.data() : ws.outputs[static_cast<std::size_t>(id)].data();
  };
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    throw_if_cancelled();  // a stopped search ends a long forward between nodes
    const node& n = nodes_[i];
    const node_info& info = info_[i];
    const auto& ishape = in_shape(i);
    const std::size_t in_size = product(ishape);
    const std::size_t in_count = batch * in_size;
    float* out = forward_workspace::grow(ws.outputs[i], batch * info.out_size);
    const float* in = src(info.inputs[0]);
    auto quantized = [&](const float* p) -> const float* {
      float* q = forward_workspace::grow(ws.scratch[i], in_count);
      return hooks.quantize_input(i, p, q, in_count) ? q : p;
    };
    switch (n.op) {
      case op_kind::linear: {
        const float* xin = quantized(in);
        const matrix& w = hooks.weight(i);
        const matrix& b = hooks.bias(i);
        matrix_map y(out, rows, w.rows());
        y.noalias() = matrix_view(xin, rows, w.cols()) * w.transpose();
        if (b.size() != 0) y.rowwise() += b.row(0);
        break;
      }
      case op_kind::conv2d: {
        const float* xin = quantized(in);
        const matrix& w = hooks.weight(i);
        const matrix& b = hooks.bias(i);
        const std::size_t ho = info.out_shape[1], wo = info.out_shape[2];
        const std::size_t ckk = static_cast<std::size_t>(w.cols());
        float* cols = forward_workspace::grow(ws.cols, ckk * ho * wo);
        const auto hw = static_cast<Eigen::Index>(ho * wo);
        const std::size_t groups = n.window.groups;
        for (std::size_t s = 0; s < batch; ++s) {
          throw_if_cancelled();
          matrix_map ys(out + s * info.out_size, w.rows(), hw);
          if (groups == 1) {
            detail::im2col(xin + s * in_size, ishape[0], ishape[1], ishape[2], n.window, ho, wo, cols);
            ys.noalias() = w * matrix_view(cols, static_cast<Eigen::Index>(ckk), hw);
          } else {  // one GEMM per group, on its channels and its rows of the weight
            const std::size_t cg = ishape[0] / groups, plane = ishape[1] * ishape[2];
            const Eigen::Index og = w.rows() / static_cast<Eigen::Index>(groups);
            for (std::size_t gi = 0; gi < groups; ++gi) {
              detail::im2col(xin + s * in_size + gi * cg * plane, cg, ishape[1], ishape[2], n.window, ho, wo, cols);
              const auto r0 = static_cast<Eigen::Index>(gi) * og;
              ys.middleRows(r0, og).noalias() = w.middleRows(r0, og) * matrix_view(cols, static_cast<Eigen::Index>(ckk), hw);
            }
          }
          if (b.size() != 0) ys.colwise() += b.row(0).transpose();
        }
        break;
      }
      case op_kind::relu: {
        // A quantized relu quantizes its input, then clips: relu(q(x)).
        const float* r = hooks.quantize_input(i, in, out, in_count) ? out : in;
        for (std::size_t k = 0; k < in_count; ++k) out[k] = r[k] < 0.0f ? 0.0f : r[k];
        break;
      }
      case op_kind::max_pool2d:
      case op_kind::avg_pool2d: {
        const bool is_max = n.op == op_kind::max_pool2d;
        for (std::size_t s = 0; s < batch; ++s) {
          throw_if_cancelled();
          detail::pool2d(in + s * in_size, ishape[0], ishape[1], ishape[2], n.window, info.out_shape[1],
                         info.out_shape[2], is_max, out + s * info.out_size);
        }
        break;
      }
      case op_kind::flatten: std::memcpy(out, in, in_count * sizeof(float)); break;
      case op_kind::add: {
        // Both operands go through the same data_in quantizer (MASE's add).
        const float* b = src(info.inputs[1]);
        const float* a = hooks.quantize_input(i, in, out, in_count) ? out : in;
        float* qb = forward_workspace::grow(ws.extra, in_count);
        if (hooks.quantize_input(i, b, qb, in_count)) b = qb;
        for (std::size_t k = 0; k < in_count; ++k) out[k] = a[k] + b[k];
        break;
      }
      case op_kind::mul: {
        if (info.inputs.size() == 1) {
          const float c = n.params[0];
          for (std::size_t k = 0; k < in_count; ++k) out[k] = in[k] * c;
        } else {
          const float* b = src(info.inputs[1]);
          for (std::size_t k = 0; k < in_count; ++k) out[k] = in[k] * b[k];
        }
        break;
      }
      case op_kind::batch_norm2d: {
        const std::size_t c = ishape[0], plane = ishape[1] * ishape[2];
        for (std::size_t s = 0; s < batch; ++s)
          for (std::size_t ch = 0; ch < c; ++ch) {
            const float sc = n.params[ch], sh = n.params[c + ch];
            const float* xs = in + s * in_size + ch * plane;
            float* ys = out + s * in_size + ch * plane;
            for (std::size_t k = 0; k < plane; ++k) ys[k] = xs[k] * sc + sh;
          }
        break;
      }
      case op_kind::hardtanh:
      case op_kind::leaky_relu:
      case op_kind::sigmoid:
      case op_kind::tanh:
      case op_kind::hardsigmoid:
      case op_kind::hardswish: detail::activation(n.op, n.params, in, out, in_count); break;
      case op_kind::softmax: {
        std::size_t outer = batch, inner = 1;
        for (std::size_t a = 0; a < n.axis; ++a) outer *= ishape[a];
        for (std::size_t a = n.axis + 1; a < ishape.size(); ++a) inner *= ishape[a];
        detail::softmax(in, out, outer, ishape[n.axis], inner);
        break;
      }
      case op_kind::reshape: std::memcpy(out, in, in_count * sizeof(float)); break;
      case op_kind::cat: {
        std::size_t outer = 1;
        for (std::size_t a = 0; a < n.axis; ++a) outer *= ishape[a];
        float* y = out;
        for (std::size_t s = 0; s < batch; ++s)
          for (std::size_t o = 0; o < outer; ++o)
            for (int id : info.inputs) {
              const std::size_t size = id < 0 ? input_size() : info_[static_cast<std::size_t>(id)].out_size;
              const std::size_t chunk = size / outer;  // the axis and everything after it
              std::memcpy(y, src(id) + s * size + o * chunk, chunk * sizeof(float));
              y += chunk;
            }
        break;
      }
    }
  }
  return matrix_view(ws.outputs[nodes_.size() - 1].data(), rows, static_cast<Eigen::Index>(info_.back().out_size));
}

namespace detail {
/// Hooks of the float forward: the model's own parameters, no quantization.
struct float_hooks {
  const model* m;
  [[nodiscard]] const matrix& weight(std::size_t i) const { return (*m)[i].weight; }
  [[nodiscard]] const matrix& bias(std::size_t i) const { return (*m)[i].bias; }
  [[nodiscard]] bool quantize_input(std::size_t, const float*, float*, std::size_t) const { return false; }
};
}  // namespace detail

inline matrix_view model::forward(matrix_view x, forward_workspace& ws) const {
  return run(x, ws, detail::float_hooks{this});
}

/// NaN and infinity counts in one node's parameters.
struct non_finite_count {
  std::string node;        ///< the node's name
  std::size_t weight = 0;  ///< non-finite weight elements
  std::size_t bias = 0;    ///< non-finite bias elements
  [[nodiscard]] std::size_t total() const { return weight + bias; }
};

/// The nodes of `m` whose weight or bias holds NaN or infinity, in graph order, with their counts
/// (empty when every parameter is finite), so a tool can warn before a search runs on them.
[[nodiscard]] inline std::vector<non_finite_count> non_finite_parameters(const model& m) {
  auto count = [](const matrix& t) {
    return static_cast<std::size_t>(std::count_if(t.data(), t.data() + t.size(), [](float v) { return !std::isfinite(v); }));
  };
  std::vector<non_finite_count> r;
  for (const node& n : m.nodes()) {
    non_finite_count c{n.name, count(n.weight), count(n.bias)};
    if (c.total() != 0) r.push_back(std::move(c));
  }
  return r;
}

}  // namespace mixprec
