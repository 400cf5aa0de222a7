// Importing an ONNX model as a mixprec model, so a search can run on a user's trained network.
// Opsets 9-17 (what torch.onnx.export writes); older opsets where the ops and attributes used mean
// the same (legacy attributes such as is_test or consumed_inputs are checked or refused).
//
// Mapping (ONNX op type -> mixprec op, named as MASE names it so `by = "type"` works):
//   Conv -> conv2d (groups, dilations, asymmetric pads); Gemm, MatMul (+ a following Add of a
//   constant bias) -> linear; Relu -> relu; Add of two computed values -> add; MaxPool,
//   GlobalMaxPool -> max_pool2d; AveragePool, GlobalAveragePool -> avg_pool2d (ceil_mode,
//   count_include_pad); Flatten (axis 1) -> flatten; BatchNormalization -> folded into the Conv,
//   Gemm or MatMul it directly follows (its only consumer), else batch_norm2d; Clip -> hardtanh;
//   LeakyRelu -> leaky_relu; Sigmoid, Tanh, HardSigmoid, HardSwish -> sigmoid, tanh, hardsigmoid,
//   hardswish; Softmax -> softmax; Mul -> mul (two values, or a value times a scalar constant);
//   Concat -> cat; Reshape / Squeeze / Unsqueeze -> nothing (same shape), flatten or reshape.
//   Identity and Dropout (inference) are removed; Constant, Transpose of constants and shape
//   arithmetic on constants (Shape, Gather, Concat, Cast, Unsqueeze, Squeeze) are folded.
// Initializers (and Constant outputs) become weights and biases in PyTorch layout. The model
// input is the one graph input that is not an initializer; its batch dimension is dropped and
// every other dimension must be static. Node names come from the graph with characters other
// than [A-Za-z0-9_] replaced by '_' (so "/conv1/Conv" becomes "conv1_Conv", usable as a file
// name); an empty or repeated name becomes "<op>_<index>" (MASE op name, ONNX node index).
// Anything else (another op, an attribute value the graph cannot hold) is a config_error naming
// the file, the node, the op type and the attribute with its value.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <onnx/onnx_pb.h>

#include <mixprec/error.hpp>
#include <mixprec/graph/model.hpp>
#include <mixprec/onnx/tensor.hpp>

namespace mixprec {

/// Options of load_onnx.
struct onnx_import_options {
  /// Graph inputs bound to fixed values: they become initializers (e.g. a weight that a test
  /// model takes as an input). Keyed by the graph input's name.
  std::map<std::string, onnx_io::tensor> constants;
};

/// The ONNX op types load_onnx imports (for some, only some attribute values: see load.hpp).
[[nodiscard]] inline std::span<const std::string_view> onnx_supported_ops() {
  static constexpr std::array<std::string_view, 30> ops{
      "Add",       "AveragePool", "BatchNormalization", "Cast",          "Clip",     "Concat",  "Constant",
      "Conv",      "Dropout",     "Flatten",            "Gather",        "Gemm",     "GlobalAveragePool",
      "GlobalMaxPool", "HardSigmoid", "HardSwish",      "Identity",      "LeakyRelu", "MatMul", "MaxPool",
      "Mul",       "Relu",        "Reshape",            "Shape",         "Sigmoid",  "Softmax", "Squeeze",
      "Tanh",      "Transpose",   "Unsqueeze"};
  return ops;
}

namespace detail {

inline std::string onnx_dims_string(std::span<const std::int64_t> d) {
  std::string s = "(";
  for (std::size_t k = 0; k < d.size(); ++k) s += (k ? ", " : "") + std::to_string(d[k]);
  return s + (d.size() == 1 ? ",)" : ")");
}

inline std::string onnx_ints_string(std::span<const std::int64_t> d) {
  std::string s = "[";
  for (std::size_t k = 0; k < d.size(); ++k)  // the lowest value marks a dynamic batch size
    s += (k ? ", " : "") + (d[k] == std::numeric_limits<std::int64_t>::min() ? "batch" : std::to_string(d[k]));
  return s + "]";
}

// The node name as a file-name-safe identifier ("" if nothing is left).
// A per-sample shape with its batch dimension: "(batch, 3, 32, 32)".
inline std::string batch_shape(std::span<const std::size_t> s) {
  std::string r = "(batch";
  for (auto d : s) r += ", " + std::to_string(d);
  return r + ")";
}

inline std::string onnx_clean_name(const std::string& s) {
  std::string r;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    r += ok ? c : '_';
  }
  const auto first = r.find_first_not_of('_');
  if (first == std::string::npos) return "";
  return r.substr(first, r.find_last_not_of('_') - first + 1);
}

class onnx_importer {
 public:
  onnx_importer(const onnx::ModelProto& p, std::string source, const onnx_import_options& opt)
      : f_(std::move(source)), g_(p.graph()) {
    opset_ = default_opset(p);
    for (const auto& [name, t] : opt.constants) consts_[name] = t;
    for (int k = 0; k < g_.initializer_size(); ++k) {
      const auto& t = g_.initializer(k);
      if (!consts_.count(t.name())) raw_[t.name()] = &t;  // decoded when a node uses it, to name the node
    }
  }

  model run() {
    if (g_.output_size() != 1)
      throw config_error(f_ + ": graph has " + std::to_string(g_.output_size()) +
                         " outputs: mixprec models have exactly one output");
    const std::string& out = g_.output(0).name();
    make_input();
    mark_live(out);
    for (std::size_t i = 0; i < static_cast<std::size_t>(g_.node_size()); ++i)
      if (live_[i] && !fused_[i]) import_node(i);
    if (is_const(out) && !vals_.count(out))
      throw config_error(f_ + ": graph output '" + out + "' is a constant: the graph computes nothing from its input");
    const auto it = vals_.find(out);
    if (it == vals_.end()) throw config_error(f_ + ": graph output '" + out + "' is not produced by any node");
    if (m_->size() == 0 || it->second != static_cast<int>(m_->size()) - 1)
      throw config_error(f_ + ": graph output '" + out + "' is " +
                         (it->second < 0 ? std::string("the model input itself") : "not the last node's output") +
                         ": the graph must compute at least one op on its input");
    return std::move(*m_);
  }

 private:
  using tensor = onnx_io::tensor;
  // Opsets before 9 are accepted too: the ops here changed only by attributes, which are checked.
  static constexpr std::int64_t max_opset = 17, min_opset = 1;
  // The batch extent in a folded Shape when the batch is dynamic.
  static constexpr std::int64_t batch_marker = std::numeric_limits<std::int64_t>::min();

  std::int64_t default_opset(const onnx::ModelProto& p) const {
    for (const auto& o : p.opset_import())
      if (o.domain().empty() || o.domain() == "ai.onnx") {
        if (o.version() < min_opset || o.version() > max_opset)
          throw config_error(f_ + ": opset_import version = " + std::to_string(o.version()) + ": expected " +
                             std::to_string(min_opset) + " to " + std::to_string(max_opset));
        return o.version();
      }
    throw config_error(f_ + ": no opset_import for the default ONNX domain (a truncated or non-ONNX file?)");
  }

  // The model input: the graph input that is not an initializer, with a static per-sample shape.
  void make_input() {
    std::vector<const onnx::ValueInfoProto*> ins;
    for (const auto& v : g_.input())
      if (!is_const(v.name())) ins.push_back(&v);
    if (ins.size() != 1) {
      std::string list;
      for (const auto* v : ins) list += (list.empty() ? "'" : ", '") + v->name() + "'";
      throw config_error(f_ + ": graph has " + std::to_string(ins.size()) + " inputs that are not initializers" +
                         (list.empty() ? "" : " (" + list + ")") +
                         ": mixprec models take exactly one input (weights must be initializers)");
    }
    const auto& v = *ins[0];
    const std::string w = f_ + ": input '" + v.name() + "'";
    if (!v.type().has_tensor_type()) throw config_error(w + ": not a tensor (expected a FLOAT tensor)");
    const auto& tt = v.type().tensor_type();
    if (tt.elem_type() != onnx::TensorProto_DataType_FLOAT)
      throw config_error(w + ": element type " + onnx_io::dtype_name(tt.elem_type()) + ": expected FLOAT");
    if (!tt.has_shape()) throw config_error(w + ": shape unknown: expected a static shape (batch, ...)");
    const auto& sh = tt.shape();
    if (sh.dim_size() < 2)
      throw config_error(w + ": rank " + std::to_string(sh.dim_size()) +
                         ": expected (batch, features) or (batch, C, H, W)");
    std::vector<std::size_t> s;
    for (int k = 1; k < sh.dim_size(); ++k) {
      const auto& d = sh.dim(k);
      if (!d.has_dim_value() || d.dim_value() <= 0)
        throw config_error(w + ": dimension " + std::to_string(k) + " is " +
                           (d.has_dim_param() ? "dynamic ('" + d.dim_param() + "')"
                                              : d.has_dim_value() ? std::to_string(d.dim_value()) : "unknown") +
                           ": only the batch dimension (0) may be dynamic, every other one must be a fixed size >= 1");
      s.push_back(static_cast<std::size_t>(d.dim_value()));
    }
    if (sh.dim(0).has_dim_value()) batch_ = sh.dim(0).dim_value();
    try {
      m_.emplace(s, v.name());
    } catch (const shape_error& e) {
      throw config_error(w + ": " + e.what());
    }
    vals_[v.name()] = -1;
    used_.insert(v.name());
  }

  void mark_live(const std::string& out) {
    const auto n = static_cast<std::size_t>(g_.node_size());
    live_.assign(n, false);
    fused_.assign(n, false);
    std::unordered_map<std::string, std::size_t> producer;
    for (std::size_t i = 0; i < n; ++i)
      for (const auto& o : g_.node(static_cast<int>(i)).output())
        if (!o.empty()) producer[o] = i;
    std::vector<std::string> todo{out};
    while (!todo.empty()) {
      const std::string t = todo.back();
      todo.pop_back();
      const auto p = producer.find(t);
      if (p == producer.end() || live_[p->second]) continue;
      live_[p->second] = true;
      for (const auto& in : g_.node(static_cast<int>(p->second)).input())
        if (!in.empty()) todo.push_back(in);
    }
    for (std::size_t i = 0; i < n; ++i)
      if (live_[i])
        for (const auto& in : g_.node(static_cast<int>(i)).input())
          if (!in.empty()) consumers_[in].push_back(i);
    consumers_[out].push_back(n);  // the graph output counts as a use
  }

  // --- messages and lookups -------------------------------------------------------------

  const onnx::NodeProto& nd(std::size_t i) const { return g_.node(static_cast<int>(i)); }
  std::string where(std::size_t i) const {
    const auto& n = nd(i);
    return f_ + ": node " + std::to_string(i) + (n.name().empty() ? "" : " '" + n.name() + "'") + " (" +
           n.op_type() + ")";
  }
  [[noreturn]] void fail(std::size_t i, const std::string& what) const { throw config_error(where(i) + ": " + what); }

  const onnx::AttributeProto* attr(std::size_t i, std::string_view name) const {
    for (const auto& a : nd(i).attribute())
      if (a.name() == name) return &a;
    return nullptr;
  }
  void allow_attrs(std::size_t i, std::initializer_list<std::string_view> ok) const {
    for (const auto& a : nd(i).attribute())
      if (std::find(ok.begin(), ok.end(), a.name()) == ok.end()) {
        std::string list;
        for (auto s : ok) list += (list.empty() ? "" : ", ") + std::string(s);
        fail(i, "attribute '" + a.name() + "' is not supported (supported: " + (list.empty() ? "none" : list) + ")");
      }
  }
  std::int64_t get_int(std::size_t i, std::string_view name, std::int64_t dflt) const {
    const auto* a = attr(i, name);
    if (!a) return dflt;
    if (a->type() != onnx::AttributeProto_AttributeType_INT) fail(i, "attribute '" + std::string(name) + "': expected an integer");
    return a->i();
  }
  float get_float(std::size_t i, std::string_view name, float dflt) const {
    const auto* a = attr(i, name);
    if (!a) return dflt;
    if (a->type() != onnx::AttributeProto_AttributeType_FLOAT) fail(i, "attribute '" + std::string(name) + "': expected a float");
    return a->f();
  }
  std::optional<std::vector<std::int64_t>> get_ints(std::size_t i, std::string_view name) const {
    const auto* a = attr(i, name);
    if (!a) return std::nullopt;
    if (a->type() != onnx::AttributeProto_AttributeType_INTS) fail(i, "attribute '" + std::string(name) + "': expected a list of integers");
    return std::vector<std::int64_t>(a->ints().begin(), a->ints().end());
  }
  std::string get_string(std::size_t i, std::string_view name, std::string dflt) const {
    const auto* a = attr(i, name);
    if (!a) return dflt;
    if (a->type() != onnx::AttributeProto_AttributeType_STRING) fail(i, "attribute '" + std::string(name) + "': expected a string");
    return a->s();
  }

  std::size_t n_inputs(std::size_t i) const {
    std::size_t k = static_cast<std::size_t>(nd(i).input_size());
    while (k > 0 && nd(i).input(static_cast<int>(k) - 1).empty()) --k;  // trailing "" = omitted optional inputs
    return k;
  }
  const std::string& in_name(std::size_t i, std::size_t k) const { return nd(i).input(static_cast<int>(k)); }
  bool is_const(const std::string& t) const { return consts_.count(t) != 0 || raw_.count(t) != 0; }
  // The constant called t (decoded on first use, errors naming node i), or nullptr.
  const tensor* lookup(std::size_t i, const std::string& t) const {
    if (const auto it = consts_.find(t); it != consts_.end()) return &it->second;
    const auto r = raw_.find(t);
    if (r == raw_.end()) return nullptr;
    tensor d = onnx_io::decode(*r->second, where(i) + ": initializer '" + t + "'");
    raw_.erase(r);
    return &(consts_[t] = std::move(d));
  }
  const tensor& konst(std::size_t i, const std::string& t) const { return *lookup(i, t); }

  [[noreturn]] void missing(std::size_t i, std::size_t k) const {
    fail(i, "input " + std::to_string(k) + " '" + in_name(i, k) +
                "' is not produced by an earlier node, an initializer or the graph input (missing initializer?)");
  }
  // Input k as a computed value (the model input or an earlier node): its id (-1 = model input).
  int value_in(std::size_t i, std::size_t k) const {
    const auto& t = in_name(i, k);
    if (const auto it = vals_.find(t); it != vals_.end()) return it->second;
    if (is_const(t)) fail(i, "input " + std::to_string(k) + " '" + t + "' is a constant: expected a value computed from the model input");
    missing(i, k);
  }
  // Input k as a constant (an initializer or folded Constant).
  const tensor& const_in(std::size_t i, std::size_t k, std::string_view role) const {
    const auto& t = in_name(i, k);
    if (const tensor* c = lookup(i, t)) return *c;
    if (vals_.count(t))
      fail(i, "input " + std::to_string(k) + " '" + t + "' (" + std::string(role) +
                  ") is computed by the graph: it must be an initializer");
    missing(i, k);
  }
  const tensor& float_const_in(std::size_t i, std::size_t k, std::string_view role) const {
    const tensor& t = const_in(i, k, role);
    if (!t.is_float) fail(i, "input " + std::to_string(k) + " '" + t.name + "' (" + std::string(role) + "): integer tensor, expected FLOAT");
    return t;
  }

  const std::vector<std::size_t>& shape_of(int id) const { return id < 0 ? m_->input_shape() : m_->out_shape(static_cast<std::size_t>(id)); }
  std::string name_of(int id) const { return id < 0 ? m_->input_name() : (*m_)[static_cast<std::size_t>(id)].name; }

  // The unique live node that consumes tensor t, unless t is also a graph output or used twice.
  std::optional<std::size_t> sole_consumer(const std::string& t) const {
    const auto it = consumers_.find(t);
    if (it == consumers_.end() || it->second.size() != 1 || it->second[0] >= static_cast<std::size_t>(g_.node_size()))
      return std::nullopt;
    return it->second[0];
  }
  bool output_used(std::size_t i, std::size_t k) const {
    if (static_cast<int>(k) >= nd(i).output_size() || nd(i).output(static_cast<int>(k)).empty()) return false;
    return consumers_.count(nd(i).output(static_cast<int>(k))) != 0;
  }
  void single_output(std::size_t i) const {
    for (int k = 1; k < nd(i).output_size(); ++k)
      if (output_used(i, static_cast<std::size_t>(k)))
        fail(i, "output " + std::to_string(k) + " '" + nd(i).output(k) + "' is used: only the first output is supported");
  }

  std::string node_name(std::size_t i, op_kind op, const std::string& suffix = "") {
    std::string n = onnx_clean_name(nd(i).name());
    if (!n.empty()) n += suffix;
    if (n.empty() || used_.count(n)) n = std::string(op_name(op)) + "_" + std::to_string(i);
    for (std::size_t k = 1; used_.count(n); ++k) n = std::string(op_name(op)) + "_" + std::to_string(i) + "_" + std::to_string(k);
    used_.insert(n);
    return n;
  }

  // Adds node n made from ONNX node i (suffix: for a second node of the same ONNX node).
  void emit(std::size_t i, node n, std::span<const int> inputs, const std::string& out, const std::string& suffix = "") {
    n.name = node_name(i, n.op, suffix);
    for (int id : inputs) n.inputs.push_back(name_of(id));
    try {
      m_->add(std::move(n));
    } catch (const config_error& e) {
      throw config_error(where(i) + ": " + e.what());
    } catch (const shape_error& e) {
      throw shape_error(where(i) + ": " + e.what());
    }
    vals_[out] = static_cast<int>(m_->size()) - 1;
  }
  void alias(std::size_t i, int id) { vals_[nd(i).output(0)] = id; }

  static node node_of(op_kind k) {
    node n;
    n.op = k;
    return n;
  }

  static matrix to_matrix(const tensor& t, Eigen::Index rows, Eigen::Index cols) {
    matrix w(rows, cols);
    std::copy(t.floats.begin(), t.floats.end(), w.data());
    return w;
  }

  // A bias of `out` elements from a constant that broadcasts per sample: a scalar, or dims
  // (..., out) with every leading dim 1. nullopt otherwise.
  static std::optional<matrix> per_sample_bias(const tensor& c, std::size_t out) {
    matrix b(1, static_cast<Eigen::Index>(out));
    if (c.size() == 1) {
      b.setConstant(c.floats[0]);
      return b;
    }
    if (c.dims.empty() || static_cast<std::size_t>(c.dims.back()) != out || c.size() != out) return std::nullopt;
    std::copy(c.floats.begin(), c.floats.end(), b.data());
    return b;
  }

  // --- window geometry (Conv, MaxPool, AveragePool) --------------------------------------

  window2d window_of(std::size_t i, const std::vector<std::size_t>& in, std::array<std::int64_t, 2> kernel) const {
    auto pair_attr = [&](std::string_view name, std::size_t want, std::int64_t dflt) {
      std::vector<std::int64_t> v(want, dflt);
      if (auto a = get_ints(i, name)) {
        if (a->size() != want)
          fail(i, std::string(name) + " = " + onnx_ints_string(*a) + ": expected " + std::to_string(want) +
                      " values (2-D window)");
        v = *a;
      }
      return v;
    };
    const auto strides = pair_attr("strides", 2, 1);
    const auto dil = pair_attr("dilations", 2, 1);
    auto pads = pair_attr("pads", 4, 0);
    const std::string auto_pad = get_string(i, "auto_pad", "NOTSET");
    const auto lim = static_cast<std::int64_t>(max_window_extent);
    for (std::size_t a = 0; a < 2; ++a) {
      if (kernel[a] < 1 || kernel[a] > lim)
        fail(i, "kernel size " + std::to_string(kernel[a]) + ": expected 1 to " + std::to_string(lim));
      if (strides[a] < 1 || strides[a] > lim)
        fail(i, "strides = " + onnx_ints_string(strides) + ": expected values from 1 to " + std::to_string(lim));
      if (dil[a] < 1 || dil[a] > lim)
        fail(i, "dilations = " + onnx_ints_string(dil) + ": expected values from 1 to " + std::to_string(lim));
    }
    if (auto_pad == "VALID") {
      pads = {0, 0, 0, 0};
    } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      for (std::size_t a = 0; a < 2; ++a) {
        const auto n = static_cast<std::int64_t>(in[1 + a]);
        const std::int64_t out = (n + strides[a] - 1) / strides[a];
        const std::int64_t total = std::max<std::int64_t>(0, (out - 1) * strides[a] + dil[a] * (kernel[a] - 1) + 1 - n);
        const std::int64_t small = total / 2;
        pads[a] = auto_pad == "SAME_UPPER" ? small : total - small;
        pads[a + 2] = total - pads[a];
      }
    } else if (auto_pad != "NOTSET") {
      fail(i, "auto_pad = \"" + auto_pad + "\": expected NOTSET, VALID, SAME_UPPER or SAME_LOWER");
    }
    for (auto p : pads)
      if (p < 0 || p > lim) fail(i, "pads = " + onnx_ints_string(pads) + ": expected values from 0 to " + std::to_string(lim));
    window2d g;
    for (std::size_t a = 0; a < 2; ++a) {
      g.kernel[a] = static_cast<std::size_t>(kernel[a]);
      g.stride[a] = static_cast<std::size_t>(strides[a]);
      g.padding[a] = static_cast<std::size_t>(pads[a]);
      g.dilation[a] = static_cast<std::size_t>(dil[a]);
    }
    if (pads[0] != pads[2] || pads[1] != pads[3])
      g.padding_end = std::array{static_cast<std::size_t>(pads[2]), static_cast<std::size_t>(pads[3])};
    return g;
  }

  void need_spatial(std::size_t i, const std::vector<std::size_t>& in) const {
    if (in.size() != 3)
      fail(i, "input shape " + batch_shape(in) + ": expected a 2-D (batch, C, H, W) input");
  }

  // --- ops ------------------------------------------------------------------------------

  void import_node(std::size_t i) {
    const auto& n = nd(i);
    if (!n.domain().empty() && n.domain() != "ai.onnx")
      fail(i, "domain '" + n.domain() + "': only the default ONNX domain is supported");
    const std::string& op = n.op_type();
    if (op == "Constant") return import_constant(i);
    if (op == "Identity") {
      allow_attrs(i, {});
      return pass_through(i);
    }
    if (op == "Dropout") return import_dropout(i);
    if (op == "Transpose") return import_transpose(i);
    if (op == "Shape") return import_shape(i);
    if ((op == "Gather" || op == "Concat" || op == "Cast" || op == "Unsqueeze" || op == "Squeeze") && all_const(i))
      return fold_shape_op(i);
    if (op == "Gather" || op == "Cast")
      fail(i, op + " of a computed value is not supported (only of constants, as in shape arithmetic)");
    if (op == "Conv") return import_conv(i);
    if (op == "Gemm") return import_gemm(i);
    if (op == "MatMul") return import_matmul(i);
    if (op == "Relu") {
      allow_attrs(i, {});
      const int x = value_in(i, 0);
      return emit(i, node_of(op_kind::relu), std::array{x}, n.output(0));
    }
    if (op == "Add") return import_add(i);
    if (op == "MaxPool" || op == "AveragePool") return import_pool(i, op == "MaxPool");
    if (op == "GlobalAveragePool" || op == "GlobalMaxPool") {
      allow_attrs(i, {});
      const int x = value_in(i, 0);
      const auto& in = shape_of(x);
      need_spatial(i, in);
      node p = node_of(op == "GlobalMaxPool" ? op_kind::max_pool2d : op_kind::avg_pool2d);
      p.window.kernel = p.window.stride = {in[1], in[2]};
      return emit(i, std::move(p), std::array{x}, n.output(0));
    }
    if (op == "Flatten") {
      allow_attrs(i, {"axis"});
      const int x = value_in(i, 0);
      const auto rank = static_cast<std::int64_t>(shape_of(x).size()) + 1;
      std::int64_t axis = get_int(i, "axis", 1);
      if (axis < -rank || axis > rank)
        fail(i, "axis = " + std::to_string(axis) + ": expected -" + std::to_string(rank) + " to " + std::to_string(rank));
      if (axis < 0) axis += rank;
      if (axis != 1)
        fail(i, "axis = " + std::to_string(get_int(i, "axis", 1)) +
                    ": only 1 is supported (keep the batch dimension, flatten the rest)");
      return emit(i, node_of(op_kind::flatten), std::array{x}, n.output(0));
    }
    if (op == "Reshape" || op == "Squeeze" || op == "Unsqueeze") return import_reshape(i);
    if (op == "BatchNormalization") return import_batch_norm(i);
    if (op == "Clip") return import_clip(i);
    if (op == "LeakyRelu" || op == "HardSigmoid" || op == "Sigmoid" || op == "Tanh" || op == "HardSwish") {
      node a = node_of(op == "LeakyRelu" ? op_kind::leaky_relu : op == "HardSigmoid" ? op_kind::hardsigmoid
                       : op == "Sigmoid" ? op_kind::sigmoid : op == "Tanh" ? op_kind::tanh : op_kind::hardswish);
      if (op == "LeakyRelu") {
        allow_attrs(i, {"alpha"});
        a.params = {get_float(i, "alpha", 0.01f)};
      } else if (op == "HardSigmoid") {
        allow_attrs(i, {"alpha", "beta"});
        a.params = {get_float(i, "alpha", 0.2f), get_float(i, "beta", 0.5f)};
      } else {
        allow_attrs(i, {});
      }
      const int x = value_in(i, 0);
      return emit(i, std::move(a), std::array{x}, n.output(0));
    }
    if (op == "Softmax") return import_softmax(i);
    if (op == "Mul") return import_mul(i);
    if (op == "Concat") return import_concat(i);
    std::string list;
    for (auto s : onnx_supported_ops()) list += (list.empty() ? "" : ", ") + std::string(s);
    fail(i, "unsupported op type '" + op + "' (supported: " + list + ")");
  }

  // Identity and Dropout pass a value through; of a constant, they make a constant.
  void pass_through(std::size_t i) {
    if (n_inputs(i) < 1) fail(i, "no input");
    if (is_const(in_name(i, 0))) {
      tensor t = konst(i, in_name(i, 0));
      consts_[nd(i).output(0)] = std::move(t);
      return;
    }
    alias(i, value_in(i, 0));
  }
  static std::size_t sample_size(const std::vector<std::size_t>& s) {
    std::size_t p = 1;
    for (auto d : s) p *= d;  // shapes here come from model::add, which bounds their products
    return p;
  }

  void import_constant(std::size_t i) {
    allow_attrs(i, {"value", "value_float", "value_floats", "value_int", "value_ints"});
    const auto& n = nd(i);
    if (n.attribute_size() != 1) fail(i, "expected exactly one value attribute");
    const auto& a = n.attribute(0);
    tensor t;
    t.name = n.output(0);
    if (a.name() == "value") {
      t = onnx_io::decode(a.t(), where(i) + ": value");
    } else if (a.name() == "value_float") {
      t.floats = {a.f()};
    } else if (a.name() == "value_floats") {
      t.floats.assign(a.floats().begin(), a.floats().end());
      t.dims = {static_cast<std::int64_t>(t.floats.size())};
    } else if (a.name() == "value_int") {
      t.is_float = false;
      t.ints = {a.i()};
    } else {
      t.is_float = false;
      t.ints.assign(a.ints().begin(), a.ints().end());
      t.dims = {static_cast<std::int64_t>(t.ints.size())};
    }
    consts_[n.output(0)] = std::move(t);
  }

  void import_dropout(std::size_t i) {
    allow_attrs(i, {"ratio", "seed", "is_test"});
    if (opset_ < 7 && get_int(i, "is_test", 0) != 1)
      fail(i, "is_test = " + std::to_string(get_int(i, "is_test", 0)) + ": only inference (is_test = 1) is supported");
    if (n_inputs(i) >= 3) {
      const tensor& t = const_in(i, 2, "training_mode");
      if (t.size() != 1 || t.at(0) != 0.0)
        fail(i, "training_mode is true: only inference (training_mode = false) is supported");
    }
    if (output_used(i, 1)) fail(i, "output 1 (mask) is used: only the data output is supported in inference");
    pass_through(i);
  }

  void import_transpose(std::size_t i) {
    allow_attrs(i, {"perm"});
    if (!is_const(in_name(i, 0)))
      fail(i, "transposing a computed value is not supported (only constants, e.g. weights, are folded)");
    const tensor& t = konst(i, in_name(i, 0));
    const std::size_t r = t.dims.size();
    std::vector<std::int64_t> perm(r);
    for (std::size_t k = 0; k < r; ++k) perm[k] = static_cast<std::int64_t>(r - 1 - k);
    if (auto p = get_ints(i, "perm")) perm = *p;
    std::vector<bool> seen(r, false);
    if (perm.size() != r) fail(i, "perm = " + onnx_ints_string(perm) + ": expected a permutation of " + std::to_string(r) + " axes");
    for (auto p : perm) {
      if (p < 0 || static_cast<std::size_t>(p) >= r || seen[static_cast<std::size_t>(p)])
        fail(i, "perm = " + onnx_ints_string(perm) + ": expected a permutation of 0.." + std::to_string(r - 1));
      seen[static_cast<std::size_t>(p)] = true;
    }
    tensor o = t;
    o.name = nd(i).output(0);
    std::vector<std::size_t> src_stride(r, 1);
    for (std::size_t k = r; k-- > 1;) src_stride[k - 1] = src_stride[k] * static_cast<std::size_t>(t.dims[k]);
    for (std::size_t k = 0; k < r; ++k) o.dims[k] = t.dims[static_cast<std::size_t>(perm[k])];
    std::vector<std::size_t> idx(r, 0);
    for (std::size_t e = 0; e < t.size(); ++e) {
      std::size_t s = 0;
      for (std::size_t k = 0; k < r; ++k) s += idx[k] * src_stride[static_cast<std::size_t>(perm[k])];
      if (t.is_float) o.floats[e] = t.floats[s];
      else o.ints[e] = t.ints[s];
      for (std::size_t k = r; k-- > 0;) {  // next output index, C order
        if (++idx[k] < static_cast<std::size_t>(o.dims[k])) break;
        idx[k] = 0;
      }
    }
    consts_[o.name] = std::move(o);
  }

  bool all_const(std::size_t i) const {
    for (std::size_t k = 0; k < n_inputs(i); ++k)
      if (!in_name(i, k).empty() && !is_const(in_name(i, k))) return false;
    return n_inputs(i) > 0;
  }

  // Shape of a computed value: a constant whose batch extent is batch_marker when the batch is
  // dynamic, so shape arithmetic such as x.view(x.size(0), -1) folds into a Reshape that keeps it.
  void import_shape(std::size_t i) {
    allow_attrs(i, {"start", "end"});
    const int x = value_in(i, 0);
    std::vector<std::int64_t> full{batch_ > 0 ? batch_ : batch_marker};
    for (auto d : shape_of(x)) full.push_back(static_cast<std::int64_t>(d));
    const auto r = static_cast<std::int64_t>(full.size());
    auto clampi = [&](std::int64_t v) { return std::clamp(v < 0 ? v + r : v, std::int64_t{0}, r); };
    const std::int64_t b = clampi(get_int(i, "start", 0)), e = clampi(get_int(i, "end", r));
    tensor t;
    t.name = nd(i).output(0);
    t.is_float = false;
    if (b < e) t.ints.assign(full.begin() + b, full.begin() + e);
    t.dims = {static_cast<std::int64_t>(t.ints.size())};
    consts_[t.name] = std::move(t);
  }

  // Gather, Concat, Cast, Unsqueeze and Squeeze of constants (shape arithmetic): folded.
  void fold_shape_op(std::size_t i) {
    const std::string& op = nd(i).op_type();
    const tensor& a = konst(i, in_name(i, 0));
    tensor o;
    o.name = nd(i).output(0);
    o.is_float = a.is_float;
    auto has_marker = [](const tensor& t) {
      return !t.is_float && std::find(t.ints.begin(), t.ints.end(), batch_marker) != t.ints.end();
    };
    if (op == "Gather") {
      allow_attrs(i, {"axis"});
      const tensor& idx = konst(i, in_name(i, 1));
      if (a.dims.size() != 1 || idx.is_float || idx.dims.size() > 1 || get_int(i, "axis", 0) != 0)
        fail(i, "only gathering from a 1-D constant (shape arithmetic) is supported");
      const auto n = static_cast<std::int64_t>(a.size());
      for (auto k : idx.ints) {
        if (k < -n || k >= n) fail(i, "index " + std::to_string(k) + " out of range for " + std::to_string(n) + " elements");
        const auto at = static_cast<std::size_t>(k < 0 ? k + n : k);
        if (a.is_float) o.floats.push_back(a.floats[at]);
        else o.ints.push_back(a.ints[at]);
      }
      if (!idx.dims.empty()) o.dims = {static_cast<std::int64_t>(o.size())};
    } else if (op == "Concat") {
      allow_attrs(i, {"axis"});
      for (std::size_t k = 0; k < n_inputs(i); ++k) {
        const tensor& t = konst(i, in_name(i, k));
        if (t.dims.size() != 1 || t.is_float != a.is_float)
          fail(i, "only concatenating 1-D constants of one type (shape arithmetic) is supported");
        o.floats.insert(o.floats.end(), t.floats.begin(), t.floats.end());
        o.ints.insert(o.ints.end(), t.ints.begin(), t.ints.end());
      }
      o.dims = {static_cast<std::int64_t>(o.size())};
    } else if (op == "Cast") {
      allow_attrs(i, {"to", "saturate"});
      const auto to = get_int(i, "to", 0);
      const bool to_float = to == onnx::TensorProto_DataType_FLOAT || to == onnx::TensorProto_DataType_DOUBLE;
      if (!to_float && to != onnx::TensorProto_DataType_INT64 && to != onnx::TensorProto_DataType_INT32)
        fail(i, "to = " + onnx_io::dtype_name(static_cast<int>(to)) + ": only FLOAT, DOUBLE, INT32 and INT64 are supported");
      if (to_float && has_marker(a)) fail(i, "casting the batch size to a float is not supported (batch-dependent)");
      o.dims = a.dims;
      o.is_float = to_float;
      for (std::size_t k = 0; k < a.size(); ++k) {
        if (to_float) o.floats.push_back(static_cast<float>(a.at(k)));
        else o.ints.push_back(a.is_float ? static_cast<std::int64_t>(a.floats[k]) : a.ints[k]);
      }
    } else {  // Unsqueeze / Squeeze: the elements stay, the dims change
      allow_attrs(i, {"axes"});
      std::vector<std::int64_t> axes;
      if (opset_ >= 13 && n_inputs(i) >= 2) axes = konst(i, in_name(i, 1)).ints;
      else if (auto ax = get_ints(i, "axes")) axes = *ax;
      o = a;
      o.name = nd(i).output(0);
      if (op == "Unsqueeze") {
        const auto r = static_cast<std::int64_t>(a.dims.size() + axes.size());
        std::vector<std::int64_t> norm;
        for (auto x : axes) {
          if (x < -r || x >= r) fail(i, "axes = " + onnx_ints_string(axes) + ": out of range");
          norm.push_back(x < 0 ? x + r : x);
        }
        std::sort(norm.begin(), norm.end());
        for (auto x : norm) o.dims.insert(o.dims.begin() + std::min<std::ptrdiff_t>(x, static_cast<std::ptrdiff_t>(o.dims.size())), 1);
      } else {
        const auto r = static_cast<std::int64_t>(a.dims.size());
        std::vector<bool> drop(a.dims.size(), axes.empty());
        for (auto x : axes) {
          if (x < -r || x >= r) fail(i, "axes = " + onnx_ints_string(axes) + ": out of range");
          drop[static_cast<std::size_t>(x < 0 ? x + r : x)] = true;
        }
        o.dims.clear();
        for (std::size_t k = 0; k < a.dims.size(); ++k)
          if (!drop[k] || a.dims[k] != 1) o.dims.push_back(a.dims[k]);
      }
    }
    consts_[o.name] = std::move(o);
  }

  void import_conv(std::size_t i) {
    allow_attrs(i, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
    if (n_inputs(i) < 2) fail(i, "expected inputs X, W and an optional B");
    const int x = value_in(i, 0);
    const auto& in = shape_of(x);
    const tensor& w = float_const_in(i, 1, "W");
    if (w.dims.size() != 4 || in.size() != 3)
      fail(i, "W has shape " + onnx_dims_string(w.dims) + " and the input " + batch_shape(in) +
                  ": only 2-D convolutions (W of rank 4, input (batch, C, H, W)) are supported");
    const std::int64_t group = get_int(i, "group", 1);
    if (group < 1 || group > static_cast<std::int64_t>(in[0]) || in[0] % static_cast<std::size_t>(group) != 0 ||
        w.dims[1] != static_cast<std::int64_t>(in[0]) / group)
      fail(i, "group = " + std::to_string(group) + " with " + std::to_string(in[0]) + " input channels and W of shape " +
                  onnx_dims_string(w.dims) + ": expected a group count dividing the channels, W of (out, channels / group, kh, kw)");
    if (auto ks = get_ints(i, "kernel_shape"); ks && (ks->size() != 2 || (*ks)[0] != w.dims[2] || (*ks)[1] != w.dims[3]))
      fail(i, "kernel_shape = " + onnx_ints_string(*ks) + " does not match W's shape " + onnx_dims_string(w.dims));
    node c = node_of(op_kind::conv2d);
    c.window = window_of(i, in, {w.dims[2], w.dims[3]});
    c.window.groups = static_cast<std::size_t>(group);
    c.weight = to_matrix(w, static_cast<Eigen::Index>(w.dims[0]), static_cast<Eigen::Index>(w.size() / static_cast<std::size_t>(std::max<std::int64_t>(w.dims[0], 1))));
    if (n_inputs(i) >= 3) {
      const tensor& b = float_const_in(i, 2, "B");
      if (b.dims.size() != 1 || b.dims[0] != w.dims[0])
        fail(i, "B has shape " + onnx_dims_string(b.dims) + ": expected (" + std::to_string(w.dims[0]) + ",)");
      c.bias = to_matrix(b, 1, static_cast<Eigen::Index>(b.size()));
    }
    std::string out = nd(i).output(0);
    fold_batch_norm(c, out);
    emit(i, std::move(c), std::array{x}, out);
  }

  void need_flat(std::size_t i, const std::vector<std::size_t>& in) const {
    if (in.size() != 1)
      fail(i, "input shape " + batch_shape(in) +
                  ": expected a 2-D (batch, features) input (flatten it first)");
  }

  // A linear node without bias followed only by Add(value, constant bias): the Add is folded in.
  void fuse_bias(std::size_t i, node& lin, std::string& out) {
    if (lin.bias.size() != 0) return;
    const auto c = sole_consumer(out);
    if (!c || nd(*c).op_type() != "Add" || n_inputs(*c) != 2 || nd(*c).attribute_size() != 0) return;
    const std::string& other = in_name(*c, 0) == out ? in_name(*c, 1) : in_name(*c, 0);
    if (!is_const(other) || !konst(*c, other).is_float) return;
    auto b = per_sample_bias(konst(*c, other), static_cast<std::size_t>(lin.weight.rows()));
    if (!b) return;
    (void)i;
    lin.bias = std::move(*b);
    fused_[*c] = true;
    out = nd(*c).output(0);
  }

  // BatchNormalization's inference parameters (scale, shift per channel) when node i is one
  // that can be imported: attributes checked, constant inputs, only the first output used.
  std::optional<std::pair<std::vector<double>, std::vector<double>>> batch_norm_params(std::size_t i, bool throw_errors) const {
    auto refuse = [&](const std::string& what) -> std::optional<std::pair<std::vector<double>, std::vector<double>>> {
      if (throw_errors) fail(i, what);
      return std::nullopt;
    };
    for (const auto& a : nd(i).attribute())
      if (a.name() != "epsilon" && a.name() != "momentum" && a.name() != "spatial" && a.name() != "is_test" &&
          a.name() != "training_mode")
        return refuse("attribute '" + a.name() + "' is not supported (supported: epsilon, momentum, spatial, is_test, training_mode)");
    if (get_int(i, "training_mode", 0) != 0) return refuse("training_mode = 1: only inference (0) is supported");
    if (opset_ < 7 && get_int(i, "is_test", 0) != 1)
      return refuse("is_test = " + std::to_string(get_int(i, "is_test", 0)) + ": only inference (is_test = 1) is supported");
    if (get_int(i, "spatial", 1) != 1) return refuse("spatial = 0: only spatial = 1 (per-channel statistics) is supported");
    for (std::size_t k = 1; k < 5; ++k)
      if (output_used(i, k)) return refuse("output " + std::to_string(k) + " (running statistics) is used: only inference is supported");
    if (n_inputs(i) != 5) return refuse("expected inputs X, scale, B, mean and var");
    std::vector<const tensor*> p;
    for (std::size_t k = 1; k < 5; ++k) {
      const tensor* t = lookup(i, in_name(i, k));
      if (!t || !t->is_float) {
        if (!throw_errors) return std::nullopt;
        t = &float_const_in(i, k, k == 1 ? "scale" : k == 2 ? "B" : k == 3 ? "mean" : "var");
      }
      p.push_back(t);
    }
    const std::size_t c = p[0]->size();
    for (std::size_t k = 1; k < 4; ++k)
      if (p[k]->size() != c)
        return refuse("scale, B, mean and var have " + std::to_string(c) + ", " + std::to_string(p[1]->size()) + ", " +
                      std::to_string(p[2]->size()) + " and " + std::to_string(p[3]->size()) + " elements: they must match");
    const double eps = get_float(i, "epsilon", 1e-5f);
    std::vector<double> scale(c), shift(c);
    for (std::size_t k = 0; k < c; ++k) {
      scale[k] = p[0]->at(k) / std::sqrt(p[3]->at(k) + eps);
      shift[k] = p[1]->at(k) - p[2]->at(k) * scale[k];
    }
    return std::pair{std::move(scale), std::move(shift)};
  }

  // A BatchNormalization right after a conv or linear (its only consumer) is folded into its
  // weight and bias: W' = W * s, b' = (b - mean) * s + B per output channel, s = scale / sqrt(var + eps).
  void fold_batch_norm(node& n, std::string& out) {
    const auto c = sole_consumer(out);
    if (!c || nd(*c).op_type() != "BatchNormalization" || in_name(*c, 0) != out) return;
    auto bn = batch_norm_params(*c, false);
    if (!bn || bn->first.size() != static_cast<std::size_t>(n.weight.rows())) return;
    const auto& [scale, shift] = *bn;
    if (n.bias.size() == 0) n.bias = matrix::Zero(1, n.weight.rows());
    for (Eigen::Index r = 0; r < n.weight.rows(); ++r) {
      const auto k = static_cast<std::size_t>(r);
      for (Eigen::Index j = 0; j < n.weight.cols(); ++j)
        n.weight(r, j) = static_cast<float>(static_cast<double>(n.weight(r, j)) * scale[k]);
      n.bias(0, r) = static_cast<float>(static_cast<double>(n.bias(0, r)) * scale[k] + shift[k]);
    }
    fused_[*c] = true;
    out = nd(*c).output(0);
  }

  void import_batch_norm(std::size_t i) {
    const auto bn = batch_norm_params(i, true);
    const int x = value_in(i, 0);
    const auto& in = shape_of(x);
    need_spatial(i, in);
    if (bn->first.size() != in[0])
      fail(i, "scale has " + std::to_string(bn->first.size()) + " elements, the input " + batch_shape(in) + " has " +
                  std::to_string(in[0]) + " channels");
    node b = node_of(op_kind::batch_norm2d);
    for (double v : bn->first) b.params.push_back(static_cast<float>(v));
    for (double v : bn->second) b.params.push_back(static_cast<float>(v));
    emit(i, std::move(b), std::array{x}, nd(i).output(0));
  }

  // Clip -> hardtanh: min and max from attributes (opset < 11) or constant inputs; missing = open.
  void import_clip(std::size_t i) {
    node c = node_of(op_kind::hardtanh);
    if (opset_ < 11) {
      allow_attrs(i, {"min", "max"});
      c.params = {get_float(i, "min", std::numeric_limits<float>::lowest()), get_float(i, "max", std::numeric_limits<float>::max())};
    } else {
      allow_attrs(i, {});
      c.params = {-std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity()};
      for (std::size_t k = 1; k < 3; ++k) {
        if (k >= n_inputs(i) || in_name(i, k).empty()) continue;
        const tensor& t = const_in(i, k, k == 1 ? "min" : "max");
        if (t.size() != 1) fail(i, "input " + std::to_string(k) + " '" + t.name + "': expected a scalar");
        c.params[k - 1] = static_cast<float>(t.at(0));
      }
    }
    if (!(c.params[0] <= c.params[1]))
      fail(i, "min = " + std::to_string(c.params[0]) + " > max = " + std::to_string(c.params[1]) + ": expected min <= max");
    const int x = value_in(i, 0);
    emit(i, std::move(c), std::array{x}, nd(i).output(0));
  }

  // The batch-relative axis attribute of node i as a per-sample axis (the batch axis is refused).
  std::size_t sample_axis(std::size_t i, std::int64_t axis, std::size_t per_rank) const {
    const auto r = static_cast<std::int64_t>(per_rank) + 1;
    if (axis < -r || axis >= r)
      fail(i, "axis = " + std::to_string(axis) + ": expected -" + std::to_string(r) + " to " + std::to_string(r - 1));
    const std::int64_t a = axis < 0 ? axis + r : axis;
    if (a == 0) fail(i, "axis = " + std::to_string(axis) + ": the batch axis is not supported (the graph works per sample)");
    return static_cast<std::size_t>(a - 1);
  }

  void import_softmax(std::size_t i) {
    allow_attrs(i, {"axis"});
    const int x = value_in(i, 0);
    const auto in = shape_of(x);
    const std::size_t a = sample_axis(i, get_int(i, "axis", opset_ >= 13 ? -1 : 1), in.size());
    node sm = node_of(op_kind::softmax);
    sm.axis = a;
    bool trailing_ones = true;  // then the opset < 13 form (over all axes from `axis` on) is the same
    for (std::size_t k = a + 1; k < in.size(); ++k) trailing_ones = trailing_ones && in[k] == 1;
    if (opset_ >= 13 || trailing_ones) return emit(i, std::move(sm), std::array{x}, nd(i).output(0));
    // Before opset 13: softmax over the axes from `axis` on, flattened: reshape, softmax, reshape back.
    node flat = node_of(op_kind::reshape);
    flat.shape.assign(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(a));
    flat.shape.push_back(sample_size(std::vector<std::size_t>(in.begin() + static_cast<std::ptrdiff_t>(a), in.end())));
    const std::string tmp = nd(i).output(0) + "\x01flat", tmp2 = nd(i).output(0) + "\x01softmax";
    emit(i, std::move(flat), std::array{x}, tmp, "_flat");
    const int f = vals_.at(tmp);
    emit(i, std::move(sm), std::array{f}, tmp2);
    node back = node_of(op_kind::reshape);
    back.shape = in;
    const int sidx = vals_.at(tmp2);
    emit(i, std::move(back), std::array{sidx}, nd(i).output(0), "_unflat");
  }

  void import_mul(std::size_t i) {
    allow_attrs(i, {});
    if (n_inputs(i) != 2) fail(i, "expected 2 inputs");
    const bool c0 = is_const(in_name(i, 0)), c1 = is_const(in_name(i, 1));
    if (c0 && c1) fail(i, "both inputs are constants");
    node m = node_of(op_kind::mul);
    if (c0 || c1) {
      const tensor& t = float_const_in(i, c0 ? 0 : 1, "factor");
      if (t.size() != 1)
        fail(i, "constant factor '" + t.name + "' has shape " + onnx_dims_string(t.dims) +
                    ": only a scalar constant (or two computed values of one shape) is supported");
      m.params = {t.floats[0]};
      const int x = value_in(i, c0 ? 1 : 0);
      return emit(i, std::move(m), std::array{x}, nd(i).output(0));
    }
    const int a = value_in(i, 0), b = value_in(i, 1);
    if (shape_of(a) != shape_of(b))
      fail(i, "operand shapes " + batch_shape(shape_of(a)) + " and " + batch_shape(shape_of(b)) +
                  " differ: broadcasting is not supported");
    emit(i, std::move(m), std::array{a, b}, nd(i).output(0));
  }

  void import_concat(std::size_t i) {
    allow_attrs(i, {"axis"});
    std::vector<int> ids;
    for (std::size_t k = 0; k < n_inputs(i); ++k) ids.push_back(value_in(i, k));
    if (ids.empty()) fail(i, "no inputs");
    if (!attr(i, "axis")) fail(i, "attribute 'axis' missing");
    node c = node_of(op_kind::cat);
    c.axis = sample_axis(i, get_int(i, "axis", 1), shape_of(ids[0]).size());
    emit(i, std::move(c), ids, nd(i).output(0));
  }

  void import_gemm(std::size_t i) {
    allow_attrs(i, {"alpha", "beta", "transA", "transB", "broadcast"});
    if (n_inputs(i) < 2) fail(i, "expected inputs A, B and an optional C");
    if (get_int(i, "transA", 0) != 0)
      fail(i, "transA = " + std::to_string(get_int(i, "transA", 0)) + ": only 0 is supported (A is the batch)");
    const int x = value_in(i, 0);
    need_flat(i, shape_of(x));
    const tensor& b = float_const_in(i, 1, "B");
    if (b.dims.size() != 2) fail(i, "B has shape " + onnx_dims_string(b.dims) + ": expected rank 2");
    const bool trans_b = get_int(i, "transB", 0) != 0;
    const float alpha = get_float(i, "alpha", 1.0f), beta = get_float(i, "beta", 1.0f);
    int e = 0;
    if (!std::isfinite(alpha) || std::abs(std::frexp(alpha, &e)) != 0.5f)
      fail(i, "alpha = " + std::to_string(alpha) +
                  ": only a power of two (+-2^k, folded exactly into the weight) is supported");
    node lin = node_of(op_kind::linear);
    const auto r = static_cast<Eigen::Index>(b.dims[0]), cdim = static_cast<Eigen::Index>(b.dims[1]);
    lin.weight = trans_b ? to_matrix(b, r, cdim) : matrix(to_matrix(b, r, cdim).transpose());
    if (alpha != 1.0f) lin.weight *= alpha;
    const auto out_features = static_cast<std::size_t>(lin.weight.rows());
    if (n_inputs(i) >= 3) {
      const tensor& c = float_const_in(i, 2, "C");
      auto bias = per_sample_bias(c, out_features);
      if (!bias)
        fail(i, "C has shape " + onnx_dims_string(c.dims) + ": expected a per-sample bias: (), (1,), (" +
                    std::to_string(out_features) + ",) or (1, " + std::to_string(out_features) + ")");
      if (beta != 1.0f) *bias *= beta;  // as ONNX computes beta * C, in float32
      lin.bias = std::move(*bias);
    }
    std::string out = nd(i).output(0);
    fuse_bias(i, lin, out);
    fold_batch_norm(lin, out);
    emit(i, std::move(lin), std::array{x}, out);
  }

  void import_matmul(std::size_t i) {
    allow_attrs(i, {});
    if (n_inputs(i) != 2) fail(i, "expected inputs A and B");
    const int x = value_in(i, 0);
    need_flat(i, shape_of(x));
    const tensor& b = float_const_in(i, 1, "B");
    if (b.dims.size() != 2) fail(i, "B has shape " + onnx_dims_string(b.dims) + ": expected (in_features, out_features)");
    node lin = node_of(op_kind::linear);
    lin.weight = to_matrix(b, static_cast<Eigen::Index>(b.dims[0]), static_cast<Eigen::Index>(b.dims[1])).transpose();
    std::string out = nd(i).output(0);
    fuse_bias(i, lin, out);
    fold_batch_norm(lin, out);
    emit(i, std::move(lin), std::array{x}, out);
  }

  void import_add(std::size_t i) {
    allow_attrs(i, {"broadcast"});
    if (n_inputs(i) != 2) fail(i, "expected 2 inputs");
    for (std::size_t k = 0; k < 2; ++k)
      if (is_const(in_name(i, k)))
        fail(i, "input " + std::to_string(k) + " '" + in_name(i, k) +
                    "' is a constant: adding a constant is only supported as the bias right after a MatMul or Gemm");
    const int a = value_in(i, 0), b = value_in(i, 1);
    if (shape_of(a) != shape_of(b))
      fail(i, "operand shapes " + batch_shape(shape_of(a)) + " and " + batch_shape(shape_of(b)) + " differ: broadcasting is not supported");
    emit(i, node_of(op_kind::add), std::array{a, b}, nd(i).output(0));
  }

  void import_pool(std::size_t i, bool is_max) {
    if (is_max) allow_attrs(i, {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"});
    else allow_attrs(i, {"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"});
    single_output(i);
    const int x = value_in(i, 0);
    const auto& in = shape_of(x);
    need_spatial(i, in);
    const auto ks = get_ints(i, "kernel_shape");
    if (!ks || ks->size() != 2)
      fail(i, "kernel_shape = " + (ks ? onnx_ints_string(*ks) : std::string("missing")) + ": expected 2 values (2-D pooling)");
    node p = node_of(is_max ? op_kind::max_pool2d : op_kind::avg_pool2d);
    p.window = window_of(i, in, {(*ks)[0], (*ks)[1]});
    p.window.ceil_mode = get_int(i, "ceil_mode", 0) != 0;
    if (!is_max) p.window.count_include_pad = get_int(i, "count_include_pad", 0) != 0;  // ONNX's default: 0
    emit(i, std::move(p), std::array{x}, nd(i).output(0));
  }

  // Reshape, Squeeze and Unsqueeze: the per-sample target shape, then nothing (same shape) or a
  // flatten (a flat target). The batch dimension must stay first and whole.
  void import_reshape(std::size_t i) {
    const std::string& op = nd(i).op_type();
    if (op == "Reshape") allow_attrs(i, {"allowzero"});
    else allow_attrs(i, {"axes"});
    const int x = value_in(i, 0);
    const auto& in = shape_of(x);
    std::vector<std::int64_t> full{batch_};  // batch_ = -1 when dynamic
    for (auto d : in) full.push_back(static_cast<std::int64_t>(d));
    std::vector<std::int64_t> target;
    auto axes_of = [&]() -> std::optional<std::vector<std::int64_t>> {
      if (opset_ >= 13) {
        if (n_inputs(i) < 2) return std::nullopt;
        const tensor& t = const_in(i, 1, "axes");
        if (t.is_float) fail(i, "axes must be an INT64 tensor");
        return t.ints;
      }
      return get_ints(i, "axes");
    };
    if (op == "Reshape") {
      if (n_inputs(i) != 2) fail(i, "expected inputs data and shape");
      const tensor& s = const_in(i, 1, "shape");
      if (s.is_float) fail(i, "shape must be an INT64 tensor");
      const std::string what = "shape = " + onnx_ints_string(s.ints);
      if (s.ints.empty()) fail(i, what + ": the first extent must keep the batch");
      const bool allowzero = get_int(i, "allowzero", 0) != 0;
      // The first extent must keep the batch: -1, 0 (copied) or the input's static batch size.
      const std::int64_t first = s.ints[0];
      if (!(first == -1 || first == batch_marker || (first == 0 && !allowzero) || (batch_ > 0 && first == batch_)))
        fail(i, what + ": the first extent must keep the batch (-1, 0 or the input's batch size)");
      std::int64_t known = 1;
      std::optional<std::size_t> infer;
      for (std::size_t k = 1; k < s.ints.size(); ++k) {
        std::int64_t d = s.ints[k];
        if (d == 0 && !allowzero) {
          if (k >= full.size()) fail(i, what + ": a 0 (copy) beyond the input's rank");
          d = full[k];
        }
        if (d == batch_marker) fail(i, "shape: extent " + std::to_string(k) + " is the batch size: only the first may be");
        if (d == -1) {
          if (infer || first == -1) fail(i, what + ": more than one -1");
          infer = target.size();
        } else if (d < 0) {
          fail(i, what + ": negative extent " + std::to_string(d));
        } else if (d > static_cast<std::int64_t>(max_sample_elements) || known * d > static_cast<std::int64_t>(max_sample_elements)) {
          fail(i, what + ": more than " + std::to_string(max_sample_elements) + " elements per sample");
        } else {
          known *= d;
        }
        target.push_back(d);
      }
      const auto per = static_cast<std::int64_t>(sample_size(in));
      if (infer) {
        if (known == 0 || per % known != 0) fail(i, what + " does not fit " + std::to_string(per) + " elements per sample");
        target[*infer] = per / known;
      }
    } else {
      auto axes = axes_of();
      const auto rank = static_cast<std::int64_t>(full.size()) + (op == "Unsqueeze" ? static_cast<std::int64_t>(axes ? axes->size() : 0) : 0);
      std::vector<std::int64_t> t(full.begin(), full.end());
      if (op == "Squeeze") {
        std::vector<bool> drop(full.size(), false);
        if (!axes) {
          for (std::size_t k = 1; k < full.size(); ++k) drop[k] = full[k] == 1;
        } else {
          for (auto a : *axes) {
            if (a < -rank || a >= rank) fail(i, "axes = " + onnx_ints_string(*axes) + ": out of range");
            if (a < 0) a += rank;
            if (a == 0) fail(i, "axes = " + onnx_ints_string(*axes) + ": the batch dimension cannot be squeezed");
            if (full[static_cast<std::size_t>(a)] != 1)
              fail(i, "axes = " + onnx_ints_string(*axes) + ": dimension " + std::to_string(a) + " has size " +
                          std::to_string(full[static_cast<std::size_t>(a)]) + ", not 1");
            drop[static_cast<std::size_t>(a)] = true;
          }
        }
        t.clear();
        for (std::size_t k = 0; k < full.size(); ++k)
          if (!drop[k]) t.push_back(full[k]);
      } else {
        if (!axes) fail(i, "axes missing");
        std::vector<std::int64_t> norm;
        for (auto a : *axes) {
          if (a < -rank || a >= rank) fail(i, "axes = " + onnx_ints_string(*axes) + ": out of range");
          norm.push_back(a < 0 ? a + rank : a);
        }
        std::sort(norm.begin(), norm.end());
        for (auto a : norm) {
          if (a == 0) fail(i, "axes = " + onnx_ints_string(*axes) + ": inserting before the batch dimension is not supported");
          t.insert(t.begin() + static_cast<std::ptrdiff_t>(std::min<std::int64_t>(a, static_cast<std::int64_t>(t.size()))), 1);
        }
      }
      target.assign(t.begin() + 1, t.end());
    }
    std::vector<std::size_t> per;
    std::size_t bound = 1;
    for (auto d : target) {
      per.push_back(static_cast<std::size_t>(d));
      if (!mixprec::detail::checked_mul(bound, per.back(), bound) || bound > max_sample_elements)
        fail(i, "target shape " + batch_shape(per) + "...: more than " +
                    std::to_string(max_sample_elements) + " elements per sample");
    }
    if (sample_size(per) != sample_size(in))
      fail(i, "target shape " + batch_shape(per) + " has " + std::to_string(sample_size(per)) +
                  " elements per sample, the input " + batch_shape(in) + " has " +
                  std::to_string(sample_size(in)));
    if (per == in) return alias(i, x);
    if (per.size() == 1) return emit(i, node_of(op_kind::flatten), std::array{x}, nd(i).output(0));
    if (per.size() > 3)
      fail(i, "reshaping " + batch_shape(in) + " to " + batch_shape(per) +
                  ": per-sample shapes of more than 3 dimensions are not supported");
    node r = node_of(op_kind::reshape);
    r.shape = per;
    emit(i, std::move(r), std::array{x}, nd(i).output(0));
  }

  std::string f_;
  const onnx::GraphProto& g_;
  std::int64_t opset_ = 0;
  std::int64_t batch_ = -1;  // the input's static batch size, -1 if dynamic
  std::optional<model> m_;
  mutable std::unordered_map<std::string, tensor> consts_;  // decoded constants
  mutable std::unordered_map<std::string, const onnx::TensorProto*> raw_;  // initializers not decoded yet
  std::unordered_map<std::string, int> vals_;  // tensor -> node id (-1 = model input)
  std::unordered_map<std::string, std::vector<std::size_t>> consumers_;
  std::set<std::string> used_;
  std::vector<bool> live_, fused_;
};

}  // namespace detail

/// Imports a parsed ONNX model; `source` names it in messages.
[[nodiscard]] inline model load_onnx(const onnx::ModelProto& proto, const std::string& source,
                                     const onnx_import_options& opt = {}) {
  if (!proto.has_graph()) throw io_error(source + ": no graph: not an ONNX model (or a truncated one)");
  return detail::onnx_importer(proto, source, opt).run();
}

/// Reads and imports an ONNX model file. io_error for an unreadable, truncated or non-ONNX file;
/// config_error for what the graph cannot hold (naming the node, op type and attribute);
/// shape_error for inconsistent shapes.
[[nodiscard]] inline model load_onnx(const std::filesystem::path& file, const onnx_import_options& opt = {}) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) throw io_error(file.string() + ": is a folder, expected an .onnx file");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw io_error(file.string() + ": cannot open file");
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (data.empty()) throw io_error(file.string() + ": empty file, expected an ONNX model");
  if (data.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw io_error(file.string() + ": " + std::to_string(data.size()) + " bytes: larger than protobuf's 2 GiB limit");
  onnx::ModelProto proto;
  if (!proto.ParseFromString(data))
    throw io_error(file.string() + ": not a valid ONNX protobuf (truncated or corrupt file)");
  return load_onnx(proto, file.string(), opt);
}

}  // namespace mixprec
