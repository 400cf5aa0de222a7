// MASE's quantize transform pass: a config in MASE's nested shape ({node_or_op: {"config": {...}},
// "default": {...}, "by": "name" | "type"}) becomes per-node formats, and a float model becomes a
// quantized model that shares its graph and holds quantized copies of the weights (cheap to rebuild).
#pragma once
#include <algorithm>
#include <concepts>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <mixprec/error.hpp>
#include <mixprec/graph/model.hpp>
#include <mixprec/numbers/format.hpp>
#include <mixprec/numbers/integer.hpp>

namespace mixprec {

/// The formats a config entry gives a node (MASE's data_in_* / weight_* / bias_* keys).
template <NumberFormat F>
struct quant_entry {
  bool quantize = true;  ///< false for MASE's "name": null: the node is left as it is (float, not counted)
  bool bypass = false;   ///< true: the node runs in float but still counts in average_bitwidth (MASE)
  std::optional<F> data_in, weight, bias;
};

/// A quantization config before it is matched to a model's nodes: entries keyed by node name
/// (match_by_name) or op type (match_by_type), in config order, and the optional `default`.
template <NumberFormat F>
struct quant_spec {
  std::vector<std::pair<std::string, quant_entry<F>>> entries;
  std::optional<quant_entry<F>> default_config;
};

/// The resolved config of one quantizable node.
template <NumberFormat F>
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
template <NumberFormat F>
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

/// The format a quantized relu applies to its input: the same format by default; integer is
/// quantized UNSIGNED (MASE's ReLUInteger), so negatives become 0 before the relu.
template <NumberFormat F>
[[nodiscard]] F relu_input_format(const F& f) { return f; }
[[nodiscard]] inline integer_format relu_input_format(const integer_format& f) {
  return integer_format(f.width, f.frac_width, false);
}

/// Bits of one element of a format (what average_bitwidth and BOPs count): MASE's `<operand>_width`.
[[nodiscard]] inline int bit_width(const integer_format& f) { return f.width; }

/// How a format is read from a MASE node config. Specialise for each format the pass supports.
template <class F>
struct format_config;

/// Every arithmetic name MASE's quantize pass knows (seed and HEAD), for error messages.
inline const std::vector<std::string>& mase_arith_names() {
  static const std::vector<std::string> names{
      "integer", "fixed", "lutnet", "binary", "ternary", "minifloat_ieee", "minifloat_denorm", "log", "block_fp",
      "block_minifloat", "block_log", "flexround", "logicnets", "binary_residual", "mxint_hardware"};
  return names;
}

namespace detail {
inline std::string config_brief(const nlohmann::json& v) {
  std::string s = v.dump();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}
// An integer config value at `path`; config_error naming the path and value otherwise.
inline int config_int(const nlohmann::json& cfg, const std::string& key, const std::string& path) {
  if (!cfg.contains(key)) throw config_error(path + "." + key + ": missing");
  const auto& v = cfg[key];
  if (!v.is_number_integer()) throw config_error(path + "." + key + " = " + config_brief(v) + ": expected an integer");
  const auto x = v.get<long long>();
  if (x < -100000 || x > 100000) throw config_error(path + "." + key + " = " + config_brief(v) + ": out of range");
  return static_cast<int>(x);
}
}  // namespace detail

/// integer (and MASE HEAD's alias `fixed`): `<operand>_width`, `<operand>_frac_width`.
template <>
struct format_config<integer_format> {
  [[nodiscard]] static bool accepts(std::string_view arith) { return arith == "integer" || arith == "fixed"; }
  [[nodiscard]] static std::vector<std::string> suffixes() { return {"width", "frac_width"}; }
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

/// A number format the quantize pass can use: elementwise, readable from a config, with a bit width.
template <class F>
concept PassFormat = NumberFormat<F> && requires(const F& f, const nlohmann::json& j, const std::string& s) {
  { format_config<F>::accepts(std::string_view{}) } -> std::same_as<bool>;
  { format_config<F>::parse(j, s, s) } -> std::same_as<std::optional<F>>;
  { bit_width(f) } -> std::convertible_to<int>;
  { relu_input_format(f) } -> std::same_as<F>;
};
static_assert(PassFormat<integer_format>);

/// Reads one node config (flat: {"name": ..., "bypass": ..., "data_in_width": ...}) at `path`.
template <PassFormat F>
quant_entry<F> parse_quant_entry(const nlohmann::json& cfg, const std::string& path) {
  if (!cfg.is_object()) throw config_error(path + " = " + detail::config_brief(cfg) + ": expected an object");
  quant_entry<F> e;
  if (!cfg.contains("name")) throw config_error(path + ".name: missing (expected \"" + std::string(F::name()) + "\" or null)");
  const auto& name = cfg["name"];
  if (name.is_null()) {
    e.quantize = false;
    return e;
  }
  if (!name.is_string()) throw config_error(path + ".name = " + detail::config_brief(name) + ": expected a string or null");
  const auto arith = name.get<std::string>();
  if (!format_config<F>::accepts(arith)) {
    const auto& known = mase_arith_names();
    if (std::find(known.begin(), known.end(), arith) != known.end())
      throw config_error(path + ".name = \"" + arith + "\": not supported by the quantize pass yet (supported: " +
                         std::string(F::name()) + ")");
    throw config_error(path + ".name = \"" + arith + "\": unknown arithmetic (supported: " + std::string(F::name()) + ")");
  }
  if (cfg.contains("bypass")) {
    if (!cfg["bypass"].is_boolean()) throw config_error(path + ".bypass = " + detail::config_brief(cfg["bypass"]) + ": expected true or false");
    e.bypass = cfg["bypass"].get<bool>();
  }
  std::vector<std::string> valid{"name", "bypass"};
  for (const char* op : {"data_in", "weight", "bias"})
    for (const auto& s : format_config<F>::suffixes()) valid.push_back(std::string(op) + "_" + s);
  for (const auto& [k, v] : cfg.items())
    if (std::find(valid.begin(), valid.end(), k) == valid.end()) {
      std::string list;
      for (const auto& s : valid) list += (list.empty() ? "" : ", ") + s;
      throw config_error(path + "." + k + " = " + detail::config_brief(v) + ": unknown key for " + arith + " (valid keys: " + list + ")");
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
  if (!config.is_object()) throw config_error(root + " = " + detail::config_brief(config) + ": expected an object");
  quant_spec<F> spec;
  for (const auto& [key, value] : config.items()) {
    const std::string path = root + ": " + key;
    if (key == "by") {
      if (!value.is_string() || (value != "name" && value != "type"))
        throw config_error(path + " = " + detail::config_brief(value) + ": expected \"name\" or \"type\"");
      if (value.template get<std::string>() != by)
        throw config_error(path + " = " + detail::config_brief(value) + ": this pass matches by \"" + std::string(by) + "\"");
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
      throw config_error(path + " = " + detail::config_brief(value) + ": expected {\"config\": {...}}");
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
template <PassFormat F>
class quantized_model {
 public:
  quantized_model(const model& m, resolved_config<F> config) : base_(&m) { rebuild(std::move(config)); }
  /// The float model is referenced, never copied: a temporary would dangle.
  quantized_model(model&&, resolved_config<F>) = delete;

  /// Re-quantizes for a new config (one entry per node of the same model); shape_error otherwise.
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
      if (c->op != m[i].op)
        throw shape_error("quantized_model.rebuild: entry " + std::to_string(i) + " is for a " +
                          std::string(op_name(c->op)) + ", node '" + m[i].name + "' is a " + std::string(op_name(m[i].op)));
      input_[i] = m[i].op == op_kind::relu ? relu_input_format(*c->data_in) : *c->data_in;
      if (!has_weight(m[i].op)) continue;
      const node& n = m[i];
      weight_[i].resize(n.weight.rows(), n.weight.cols());
      c->weight->quantize(std::span<const float>(n.weight.data(), static_cast<std::size_t>(n.weight.size())),
                          std::span<float>(weight_[i].data(), static_cast<std::size_t>(weight_[i].size())));
      bias_[i].resize(n.bias.rows(), n.bias.cols());
      if (n.bias.size() != 0)  // copied and quantized for conv too (MASE drops a conv's bias)
        c->bias->quantize(std::span<const float>(n.bias.data(), static_cast<std::size_t>(n.bias.size())),
                          std::span<float>(bias_[i].data(), static_cast<std::size_t>(bias_[i].size())));
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
  /// The format node i applies to its input(s), if any (a relu's is unsigned for integer).
  [[nodiscard]] const std::optional<F>& input_format(std::size_t i) const { return input_[i]; }

 private:
  [[nodiscard]] bool runs_quantized(std::size_t i) const { return config_[i] && !config_[i]->bypass; }
  struct hooks {
    const quantized_model* q;
    [[nodiscard]] const matrix& weight(std::size_t i) const { return q->weight(i); }
    [[nodiscard]] const matrix& bias(std::size_t i) const { return q->bias(i); }
    [[nodiscard]] bool quantize_input(std::size_t i, const float* in, float* out, std::size_t n) const {
      const auto& f = q->input_[i];
      if (!f) return false;
      f->quantize(std::span<const float>(in, n), std::span<float>(out, n));
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
    throw config_error("quantize config: by = " + detail::config_brief(by) + ": expected \"name\" or \"type\"");
  return by.get<std::string>();
}

/// The model type the config-driven path produces (integer is the format wired so far).
using config_quantized_model = quantized_model<integer_format>;

/// Config-driven quantize pass: the format comes from each entry's "name" ("integer"/"fixed"; other
/// MASE names are config_error "not supported by the quantize pass yet") and the rule from "by".
inline config_quantized_model quantize(const model& m, const nlohmann::json& config) {
  if (quant_config_by(config) == "type") return quantize_pass<integer_format, match_by_type>{}(m, config);
  return quantize_pass<integer_format, match_by_name>{}(m, config);
}
/// The quantized model references the float model, so a temporary would dangle.
config_quantized_model quantize(model&&, const nlohmann::json&) = delete;

/// Config-driven rebuild of `q` (same model) for a new config.
inline void requantize(config_quantized_model& q, const nlohmann::json& config) {
  if (quant_config_by(config) == "type") quantize_pass<integer_format, match_by_type>{}.rebuild(q, config);
  else quantize_pass<integer_format, match_by_name>{}.rebuild(q, config);
}

}  // namespace mixprec
