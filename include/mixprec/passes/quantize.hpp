// MASE's quantize transform pass: a config in MASE's nested shape ({node_or_op: {"config": {...}},
// "default": {...}, "by": "name" | "type"}) becomes per-node formats (a compile-time format, or
// any_format by MASE's arithmetic names), and a float model becomes a quantized model that shares
// its graph and holds quantized copies of the weights (cheap to rebuild).
#pragma once
#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <mixprec/detail/json_brief.hpp>
#include <mixprec/error.hpp>
#include <mixprec/graph/model.hpp>
#include <mixprec/numbers/any_format.hpp>
#include <mixprec/numbers/format.hpp>
#include <mixprec/numbers/integer.hpp>

namespace mixprec {

/// The formats a config entry gives a node (MASE's data_in_* / weight_* / bias_* keys).
template <class F>
struct quant_entry {
  bool quantize = true;  ///< false for MASE's "name": null: the node is left as it is (float, not counted)
  bool bypass = false;   ///< true: the node runs in float but still counts in average_bitwidth (MASE)
  std::optional<F> data_in, weight, bias;
};

/// A quantization config before it is matched to a model's nodes: entries keyed by node name
/// (match_by_name) or op type (match_by_type), in config order, and the optional `default`.
template <class F>
struct quant_spec {
  std::vector<std::pair<std::string, quant_entry<F>>> entries;
  std::optional<quant_entry<F>> default_config;
};

/// The resolved config of one quantizable node.
template <class F>
struct node_quant_config {
  std::string name;            ///< the node's name
  op_kind op = op_kind::linear;
  std::string source;          ///< the config key it came from (node name, op type or "default")
  bool bypass = false;
  std::optional<F> data_in;    ///< as configured (a relu applies relu_input_format to it)
  std::optional<F> weight;     ///< linear and conv2d only
  std::optional<F> bias;       ///< linear and conv2d with a bias only
};

/// One entry per model node (same order): empty for nodes the pass leaves as they are.
template <class F>
using resolved_config = std::vector<std::optional<node_quant_config<F>>>;

/// Matching rule `by = "name"`: a node takes the entry named like it.
struct match_by_name {
  static constexpr std::string_view by = "name";
  [[nodiscard]] static std::string key(const model& m, std::size_t i) { return m[i].name; }
  /// Empty when `key` may appear in a config for `m`, else what is wrong.
  [[nodiscard]] static std::string check_key(const model& m, const std::string& key) {
    const auto i = m.find(key);
    if (!i) {
      std::string names;
      for (const auto& n : m.nodes())
        if (is_quantizable(n.op)) names += (names.empty() ? "" : ", ") + n.name;
      return "no such node (quantizable nodes: " + names + ")";
    }
    if (!is_quantizable(m[*i].op))
      return "node '" + key + "' is a " + std::string(op_name(m[*i].op)) + ", which the quantize pass does not quantize";
    return {};
  }
};

/// Matching rule `by = "type"`: a node takes the entry named after its op type ("linear", "relu", ...).
struct match_by_type {
  static constexpr std::string_view by = "type";
  [[nodiscard]] static std::string key(const model& m, std::size_t i) { return std::string(op_name(m[i].op)); }
  [[nodiscard]] static std::string check_key(const model&, const std::string& key) {
    for (op_kind k : all_op_kinds)
      if (op_name(k) == key && is_quantizable(k)) return {};
    return "not a quantizable op type (expected linear, conv2d, relu or add)";
  }
};

/// A matching rule: the config key of node i, and a check of a config key against a model.
template <class M>
concept MatchRule = requires(const model& m, std::size_t i, const std::string& k) {
  { M::by } -> std::convertible_to<std::string_view>;
  { M::key(m, i) } -> std::convertible_to<std::string>;
  { M::check_key(m, k) } -> std::convertible_to<std::string>;
};
static_assert(MatchRule<match_by_name>);
static_assert(MatchRule<match_by_type>);

/// The operands of a quantized node, as MASE's config prefixes name them.
enum class quant_operand { data_in, weight, bias };

/// The format a quantized relu applies to its input: the same format by default; integer is
/// quantized UNSIGNED (MASE's ReLUInteger), so negatives become 0 before the relu.
template <class F>
[[nodiscard]] F relu_input_format(const F& f) { return f; }
[[nodiscard]] inline integer_format relu_input_format(const integer_format& f) {
  return integer_format(f.width, f.frac_width, false);
}
[[nodiscard]] inline any_format relu_input_format(const any_format& f) {
  if (const auto* i = f.get_if<integer_format>()) return any_format(relu_input_format(*i), f.width());
  return f;
}

/// The format `op` applies to `operand`, a tensor of `rank` dimensions (batch included for
/// data_in): the configured one by default. any_format sets its block formats' skip_first_dim the
/// way MASE's modules call block(): linear weights (out, in) as 2-D tiles (false); conv weights
/// (O, I, kh, kw) flattened to [O*I, kh, kw] (true); biases 1-D (false); a linear's input with
/// MASE's default data_in_skip_first_dim (true); conv and relu-module inputs flattened to 3-D when
/// 4-D (true); the functional add only when its operands have more than 2 dims (x.ndim > 2), so a
/// 2-D add input takes the weight tile path.
template <class F>
[[nodiscard]] F operand_format(const F& f, op_kind, quant_operand, std::size_t) { return f; }
[[nodiscard]] inline any_format operand_format(const any_format& f, op_kind op, quant_operand operand,
                                               std::size_t rank) {
  if (!f.uses_mase_blocking()) return f;
  switch (operand) {
    case quant_operand::weight: return f.with_skip_first_dim(rank > 2);
    case quant_operand::bias: return f.with_skip_first_dim(false);
    case quant_operand::data_in: return f.with_skip_first_dim(op == op_kind::add ? rank > 2 : true);
  }
  return f;
}

/// Bits of one element of a format (what average_bitwidth and BOPs count): MASE's `<operand>_width`.
[[nodiscard]] inline int bit_width(const integer_format& f) { return f.width; }
/// any_format: its nominal width, MASE's `<operand>_width` for every arithmetic (for binary and
/// ternary the configured width, which their quantizers ignore; for mxfp 1 + exponent + fraction bits).
[[nodiscard]] inline int bit_width(const any_format& f) { return f.width(); }

/// How a format is read from a MASE node config. Specialise for each format the pass supports:
/// accepts(arith), suffixes(arith), supported() (names, for messages) and parse(cfg, operand, path).
template <class F>
struct format_config;

/// Every arithmetic name MASE's quantize pass knows (seed and HEAD), for error messages.
inline const std::vector<std::string>& mase_arith_names() {
  static const std::vector<std::string> names{
      "integer", "fixed", "lutnet", "binary", "ternary", "minifloat_ieee", "minifloat_denorm", "log", "block_fp",
      "block_minifloat", "block_log", "flexround", "logicnets", "binary_residual", "mxint_hardware"};
  return names;
}

/// MASE's arithmetics that are research layers (learnable parameters, own trainers), not number
/// formats: no mixprec format reproduces them.
inline const std::vector<std::string>& mase_layer_arith_names() {
  static const std::vector<std::string> names{"lutnet", "logicnets", "binary_residual", "flexround"};
  return names;
}

namespace detail {
// An integer config value at `path`; config_error naming the path and value otherwise.
inline int config_int(const nlohmann::json& cfg, const std::string& key, const std::string& path) {
  if (!cfg.contains(key)) throw config_error(path + "." + key + ": missing");
  const auto& v = cfg[key];
  if (!v.is_number_integer()) throw config_error(path + "." + key + " = " + json_brief(v) + ": expected an integer");
  const auto x = v.get<long long>();
  if (x < -100000 || x > 100000) throw config_error(path + "." + key + " = " + json_brief(v) + ": out of range");
  return static_cast<int>(x);
}
}  // namespace detail

/// integer (and MASE HEAD's alias `fixed`): `<operand>_width`, `<operand>_frac_width`.
template <>
struct format_config<integer_format> {
  [[nodiscard]] static bool accepts(std::string_view arith) { return arith == "integer" || arith == "fixed"; }
  [[nodiscard]] static const std::vector<std::string_view>& suffixes(std::string_view = "integer") {
    static const std::vector<std::string_view> s{"width", "frac_width"};
    return s;
  }
  [[nodiscard]] static std::string supported() { return "integer, fixed"; }
  /// The format of `operand` in `cfg`, or nothing when none of its keys is present.
  [[nodiscard]] static std::optional<integer_format> parse(const nlohmann::json& cfg, const std::string& operand,
                                                           const std::string& path) {
    const std::string wk = operand + "_width", fk = operand + "_frac_width";
    if (!cfg.contains(wk) && !cfg.contains(fk)) return std::nullopt;
    const int w = detail::config_int(cfg, wk, path);
    const int f = detail::config_int(cfg, fk, path);
    if (w < 1 || w > 64) throw config_error(path + "." + wk + " = " + std::to_string(w) + ": must be in [1, 64]");
    if (f < -149 || f > 127)
      throw config_error(path + "." + fk + " = " + std::to_string(f) + ": must be in [-149, 127]");
    return integer_format(w, f);
  }
};

/// Every arithmetic make_format knows, by its name in the node config's "name" (MASE's
/// QUANT_ARITH_ENTRIES names except its research layers, plus binary_head, ternary_head, mxint and
/// mxfp); keys `<operand>_<suffix>` as in any_format_keys().
template <>
struct format_config<any_format> {
  [[nodiscard]] static bool accepts(std::string_view arith) { return find_format_keys(arith) != nullptr; }
  [[nodiscard]] static const std::vector<std::string_view>& suffixes(std::string_view arith) {
    return format_suffixes(arith);
  }
  [[nodiscard]] static std::string supported() { return any_format_names(); }
  /// The format of `operand` under the arithmetic cfg["name"], or nothing when none of its keys is present.
  [[nodiscard]] static std::optional<any_format> parse(const nlohmann::json& cfg, const std::string& operand,
                                                       const std::string& path) {
    return make_operand_format(cfg.at("name").get_ref<const std::string&>(), cfg, operand, path);
  }
};

/// A number format the quantize pass can use: elementwise or shape-aware (BlockNumberFormat),
/// readable from a config, with a bit width and a relu input format.
template <class F>
concept PassFormat = (NumberFormat<F> || BlockNumberFormat<F>) &&
    requires(const F& f, const nlohmann::json& j, const std::string& s) {
      { format_config<F>::accepts(std::string_view{}) } -> std::same_as<bool>;
      { format_config<F>::suffixes(std::string_view{}) } -> std::same_as<const std::vector<std::string_view>&>;
      { format_config<F>::supported() } -> std::same_as<std::string>;
      { format_config<F>::parse(j, s, s) } -> std::same_as<std::optional<F>>;
      { bit_width(f) } -> std::convertible_to<int>;
      { relu_input_format(f) } -> std::same_as<F>;
    };
static_assert(PassFormat<integer_format>);
static_assert(PassFormat<any_format>);

/// Reads one node config (flat: {"name": ..., "bypass": ..., "data_in_width": ...}) at `path`.
template <PassFormat F>
quant_entry<F> parse_quant_entry(const nlohmann::json& cfg, const std::string& path) {
  if (!cfg.is_object()) throw config_error(path + " = " + detail::json_brief(cfg) + ": expected an object");
  quant_entry<F> e;
  if (!cfg.contains("name"))
    throw config_error(path + ".name: missing (expected one of " + format_config<F>::supported() + ", or null)");
  const auto& name = cfg["name"];
  if (name.is_null()) {
    e.quantize = false;
    return e;
  }
  if (!name.is_string()) throw config_error(path + ".name = " + detail::json_brief(name) + ": expected a string or null");
  const auto arith = name.get<std::string>();
  if (!format_config<F>::accepts(arith)) {
    const std::string supported = format_config<F>::supported();
    const auto& layers = mase_layer_arith_names();
    if (std::find(layers.begin(), layers.end(), arith) != layers.end())
      throw config_error(path + ".name = \"" + arith +
                         "\": not supported by the quantize pass: MASE's " + arith +
                         " is a research layer with learnable parameters and its own trainer, not a number format "
                         "(supported: " + supported + ")");
    const auto& known = mase_arith_names();
    if (std::find(known.begin(), known.end(), arith) != known.end())
      throw config_error(path + ".name = \"" + arith + "\": not supported by this pass (supported: " + supported + ")");
    throw config_error(path + ".name = \"" + arith + "\": unknown arithmetic (supported: " + supported + ")");
  }
  if (cfg.contains("bypass")) {
    if (!cfg["bypass"].is_boolean()) throw config_error(path + ".bypass = " + detail::json_brief(cfg["bypass"]) + ": expected true or false");
    e.bypass = cfg["bypass"].get<bool>();
  }
  // Every key must be name, bypass or <operand>_<suffix>; checked without building the key list,
  // which a search would otherwise allocate for every entry of every trial.
  const auto& suffixes = format_config<F>::suffixes(arith);
  const auto valid_key = [&](std::string_view k) {
    if (k == "name" || k == "bypass") return true;
    for (std::string_view op : {"data_in_", "weight_", "bias_"})
      if (k.substr(0, op.size()) == op &&
          std::find(suffixes.begin(), suffixes.end(), k.substr(op.size())) != suffixes.end())
        return true;
    return false;
  };
  for (const auto& [k, v] : cfg.items())
    if (!valid_key(k)) {
      std::string list = "name, bypass";
      for (const char* op : {"data_in", "weight", "bias"})
        for (const auto s : suffixes) list += ", " + std::string(op) + "_" + std::string(s);
      throw config_error(path + "." + k + " = " + detail::json_brief(v) + ": unknown key for " + arith + " (valid keys: " + list + ")");
    }
  e.data_in = format_config<F>::parse(cfg, "data_in", path);
  e.weight = format_config<F>::parse(cfg, "weight", path);
  e.bias = format_config<F>::parse(cfg, "bias", path);
  return e;
}

/// Reads a config in MASE's nested shape into a quant_spec. `default` may be flat or wrapped in
/// {"config": ...}; other entries must be {"config": {...}}. The `by` key is checked against
/// `by` (missing means "name"). The caller's JSON is never modified. Errors name the key path.
template <PassFormat F>
quant_spec<F> parse_quant_spec(const nlohmann::json& config, std::string_view by = "name") {
  const std::string root = "quantize config";
  if (!config.is_object()) throw config_error(root + " = " + detail::json_brief(config) + ": expected an object");
  quant_spec<F> spec;
  for (const auto& [key, value] : config.items()) {
    const std::string path = root + ": " + key;
    if (key == "by") {
      if (!value.is_string() || (value != "name" && value != "type"))
        throw config_error(path + " = " + detail::json_brief(value) + ": expected \"name\" or \"type\"");
      if (value.template get<std::string>() != by)
        throw config_error(path + " = " + detail::json_brief(value) + ": this pass matches by \"" + std::string(by) + "\"");
      continue;
    }
    const bool wrapped = value.is_object() && value.contains("config");
    if (key == "default") {
      if (wrapped && value.size() != 1)
        throw config_error(path + ": expected {\"config\": {...}} or a flat config, not both");
      spec.default_config = parse_quant_entry<F>(wrapped ? value["config"] : value, wrapped ? path + ".config" : path);
      continue;
    }
    if (!wrapped || value.size() != 1)
      throw config_error(path + " = " + detail::json_brief(value) + ": expected {\"config\": {...}}");
    spec.entries.emplace_back(key, parse_quant_entry<F>(value["config"], path + ".config"));
  }
  return spec;
}

/// Matches a spec to the nodes of `m`: a quantizable node takes its own entry (Match::key), else
/// `default`. config_error for an entry that matches nothing quantizable, a node with neither,
/// and an entry missing an operand the node needs (data_in; weight and bias for linear/conv2d).
template <PassFormat F, MatchRule Match = match_by_name>
resolved_config<F> resolve_quant_spec(const model& m, const quant_spec<F>& spec) {
  const std::string root = "quantize config";
  for (const auto& [key, entry] : spec.entries)
    if (auto why = Match::check_key(m, key); !why.empty())
      throw config_error(root + ": " + key + ": " + why + " (by = \"" + std::string(Match::by) + "\")");
  resolved_config<F> out(m.size());
  for (std::size_t i = 0; i < m.size(); ++i) {
    const node& n = m[i];
    if (!is_quantizable(n.op)) continue;
    const std::string key = Match::key(m, i);
    const quant_entry<F>* e = nullptr;
    std::string source;
    for (const auto& [k, entry] : spec.entries)
      if (k == key) {
        e = &entry;
        source = k;
      }
    if (!e && spec.default_config) {
      e = &*spec.default_config;
      source = "default";
    }
    if (!e)
      throw config_error(root + ": node '" + n.name + "' (" + std::string(op_name(n.op)) + ") has no entry '" + key +
                         "' and there is no 'default'");
    if (!e->quantize) continue;
    auto need = [&](const std::optional<F>& f, const char* operand) {
      if (!f)
        throw config_error(root + ": " + source + ": node '" + n.name + "' (" + std::string(op_name(n.op)) +
                           ") needs " + operand + "_* keys, which are missing");
    };
    need(e->data_in, "data_in");
    node_quant_config<F> c{n.name, n.op, source, e->bypass, e->data_in, std::nullopt, std::nullopt};
    if (has_weight(n.op)) {
      need(e->weight, "weight");
      c.weight = e->weight;
      if (n.bias.size() != 0) {
        need(e->bias, "bias");
        c.bias = e->bias;
      }
    }
    out[i] = std::move(c);
  }
  return out;
}

/// A quantized model: the float model's graph (referenced, so it must outlive this object) with
/// quantized copies of the weights and biases and a data_in format per quantized node. rebuild()
/// re-quantizes into the same storage, so a search can rebuild thousands of times cheaply.
/// Shape-aware formats (BlockNumberFormat, e.g. any_format) get each operand's PyTorch shape:
/// weights (out, in) or (out, in, kh, kw), biases (out,), inputs (batch, per-sample shape...).
template <PassFormat F>
class quantized_model {
 public:
  quantized_model(const model& m, resolved_config<F> config) : base_(&m) { rebuild(std::move(config)); }
  /// The float model is referenced, never copied: a temporary would dangle.
  quantized_model(model&&, resolved_config<F>) = delete;

  /// Re-quantizes for a new config (one entry per node of the same model); shape_error otherwise
  /// (also when a block format's layout does not fit an operand, naming the node and operand).
  void rebuild(resolved_config<F> config) {
    const model& m = *base_;
    if (config.size() != m.size())
      throw shape_error("quantized_model.rebuild: config has " + std::to_string(config.size()) +
                        " entries, expected one per node (" + std::to_string(m.size()) + ")");
    config_ = std::move(config);
    weight_.resize(m.size());
    bias_.resize(m.size());
    input_.resize(m.size());
    for (std::size_t i = 0; i < m.size(); ++i) {
      input_[i].reset();
      const auto& c = config_[i];
      if (!c || c->bypass) continue;
      const node& n = m[i];
      if (c->op != n.op)
        throw shape_error("quantized_model.rebuild: entry " + std::to_string(i) + " is for a " +
                          std::string(op_name(c->op)) + ", node '" + n.name + "' is a " + std::string(op_name(n.op)));
      const F din = operand_format(*c->data_in, n.op, quant_operand::data_in, 1 + m.in_shape(i).size());
      input_[i] = n.op == op_kind::relu ? relu_input_format(din) : din;
      if (!has_weight(n.op)) continue;
      // PyTorch's shapes: linear (out, in); conv2d (out, in, kh, kw), stored as (out, in*kh*kw).
      std::array<std::size_t, 4> ws{static_cast<std::size_t>(n.weight.rows()), static_cast<std::size_t>(n.weight.cols()), 1, 1};
      std::size_t wrank = 2;
      if (n.op == op_kind::conv2d) {
        ws = {ws[0], m.in_shape(i)[0] / n.window.groups, n.window.kernel[0], n.window.kernel[1]};
        wrank = 4;
      }
      weight_[i].resize(n.weight.rows(), n.weight.cols());
      quantize_tensor(operand_format(*c->weight, n.op, quant_operand::weight, wrank), n.weight, weight_[i],
                      std::span<const std::size_t>(ws.data(), wrank), i, "weight");
      bias_[i].resize(n.bias.rows(), n.bias.cols());
      if (n.bias.size() != 0) {  // copied and quantized for conv too (MASE drops a conv's bias)
        const std::array<std::size_t, 1> bs{static_cast<std::size_t>(n.bias.size())};
        quantize_tensor(operand_format(*c->bias, n.op, quant_operand::bias, 1), n.bias, bias_[i], bs, i, "bias");
      }
    }
  }

  /// Quantized forward of a batch (see model::forward).
  [[nodiscard]] matrix_view forward(matrix_view x, forward_workspace& ws) const { return base_->run(x, ws, hooks{this}); }
  [[nodiscard]] matrix forward(const matrix& x) const {
    forward_workspace ws;
    return matrix(forward(matrix_view(x.data(), x.rows(), x.cols()), ws));
  }

  [[nodiscard]] const model& base() const { return *base_; }
  [[nodiscard]] const resolved_config<F>& config() const { return config_; }
  /// The weight node i computes with (quantized unless bypassed or left as is).
  [[nodiscard]] const matrix& weight(std::size_t i) const { return runs_quantized(i) ? weight_[i] : (*base_)[i].weight; }
  [[nodiscard]] const matrix& bias(std::size_t i) const { return runs_quantized(i) ? bias_[i] : (*base_)[i].bias; }
  /// The format node i applies to its input(s), if any: operand_format of the configured one (a
  /// relu's is unsigned for integer; block formats carry the operand's skip_first_dim).
  [[nodiscard]] const std::optional<F>& input_format(std::size_t i) const { return input_[i]; }

 private:
  [[nodiscard]] bool runs_quantized(std::size_t i) const { return config_[i] && !config_[i]->bypass; }

  [[noreturn]] void rethrow_shape(const shape_error& e, std::size_t i, std::string_view operand,
                                  std::span<const std::size_t> shape) const {
    const node& n = (*base_)[i];
    throw shape_error("quantized_model: node '" + n.name + "' (" + std::string(op_name(n.op)) + ") " +
                      std::string(operand) + " of shape " + model::shape_string(shape) + ": " + e.what());
  }

  void quantize_tensor(const F& f, const matrix& in, matrix& out, std::span<const std::size_t> shape, std::size_t i,
                       std::string_view operand) const {
    const std::span<const float> src(in.data(), static_cast<std::size_t>(in.size()));
    const std::span<float> dst(out.data(), static_cast<std::size_t>(out.size()));
    if constexpr (NumberFormat<F>) {
      f.quantize(src, dst);
    } else {
      try {
        f.quantize(src, shape, dst);
      } catch (const shape_error& e) {
        rethrow_shape(e, i, operand, shape);
      }
    }
  }

  struct hooks {
    const quantized_model* q;
    [[nodiscard]] const matrix& weight(std::size_t i) const { return q->weight(i); }
    [[nodiscard]] const matrix& bias(std::size_t i) const { return q->bias(i); }
    [[nodiscard]] bool quantize_input(std::size_t i, const float* in, float* out, std::size_t n) const {
      const auto& f = q->input_[i];
      if (!f) return false;
      if constexpr (NumberFormat<F>) {
        f->quantize(std::span<const float>(in, n), std::span<float>(out, n));
      } else {
        // (batch, per-sample shape...): per-sample shapes have rank 1 or 3.
        const auto& per = q->base_->in_shape(i);
        std::size_t per_size = 1;
        for (const auto d : per) per_size *= d;
        std::array<std::size_t, 4> shape{per_size == 0 ? 0 : n / per_size, 1, 1, 1};
        std::copy(per.begin(), per.end(), shape.begin() + 1);
        const std::span<const std::size_t> s(shape.data(), 1 + per.size());
        try {
          f->quantize(std::span<const float>(in, n), s, std::span<float>(out, n));
        } catch (const shape_error& e) {
          q->rethrow_shape(e, i, "data_in", s);
        }
      }
      return true;
    }
  };

  const model* base_;
  resolved_config<F> config_;
  std::vector<matrix> weight_, bias_;
  std::vector<std::optional<F>> input_;
};

/// The quantize pass with a compile-time format F and matching rule Match. It never modifies the
/// float model or the caller's config.
///   auto q = quantize_pass<integer_format>{}(net, json_config);      // by name
///   pass.rebuild(q, next_config);                                     // in a search loop
template <PassFormat F, MatchRule Match = match_by_name>
struct quantize_pass {
  /// Reads and resolves a JSON config (MASE's nested shape) for `m`.
  [[nodiscard]] resolved_config<F> resolve(const model& m, const nlohmann::json& config) const {
    return resolve_quant_spec<F, Match>(m, parse_quant_spec<F>(config, Match::by));
  }
  [[nodiscard]] resolved_config<F> resolve(const model& m, const quant_spec<F>& spec) const {
    return resolve_quant_spec<F, Match>(m, spec);
  }
  [[nodiscard]] quantized_model<F> operator()(const model& m, const nlohmann::json& config) const {
    return quantized_model<F>(m, resolve(m, config));
  }
  [[nodiscard]] quantized_model<F> operator()(const model& m, const quant_spec<F>& spec) const {
    return quantized_model<F>(m, resolve(m, spec));
  }
  quantized_model<F> operator()(model&&, const nlohmann::json&) const = delete;
  quantized_model<F> operator()(model&&, const quant_spec<F>&) const = delete;
  /// Re-quantizes `q` (built from the same model) for a new config, reusing its storage.
  void rebuild(quantized_model<F>& q, const nlohmann::json& config) const { q.rebuild(resolve(q.base(), config)); }
  void rebuild(quantized_model<F>& q, const quant_spec<F>& spec) const { q.rebuild(resolve(q.base(), spec)); }
};

/// The `by` value of a config ("name" when missing); config_error for anything else.
inline std::string quant_config_by(const nlohmann::json& config) {
  if (!config.is_object() || !config.contains("by")) return "name";
  const auto& by = config["by"];
  if (!by.is_string() || (by != "name" && by != "type"))
    throw config_error("quantize config: by = " + detail::json_brief(by) + ": expected \"name\" or \"type\"");
  return by.get<std::string>();
}

/// The model type the config-driven path produces: any_format per operand, so nodes may mix
/// formats; an integer node still runs integer_format's kernel (one variant dispatch per tensor).
using config_quantized_model = quantized_model<any_format>;

/// Config-driven quantize pass: each entry's "name" picks the format (every name make_format knows:
/// MASE's integer/fixed, minifloat_ieee, minifloat_denorm, log, block_fp, block_minifloat,
/// block_log, binary, ternary, mxint_hardware, plus binary_head, ternary_head, mxint, mxfp; MASE's
/// research layers lutnet, logicnets, binary_residual and flexround are config_error) and "by" the rule.
inline config_quantized_model quantize(const model& m, const nlohmann::json& config) {
  if (quant_config_by(config) == "type") return quantize_pass<any_format, match_by_type>{}(m, config);
  return quantize_pass<any_format, match_by_name>{}(m, config);
}
/// The quantized model references the float model, so a temporary would dangle.
config_quantized_model quantize(model&&, const nlohmann::json&) = delete;

/// Config-driven rebuild of `q` (same model) for a new config.
inline void requantize(config_quantized_model& q, const nlohmann::json& config) {
  if (quant_config_by(config) == "type") quantize_pass<any_format, match_by_type>{}.rebuild(q, config);
  else quantize_pass<any_format, match_by_name>{}.rebuild(q, config);
}

}  // namespace mixprec
