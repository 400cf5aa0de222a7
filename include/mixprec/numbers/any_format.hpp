// A runtime number format: a closed std::variant over every format under its MASE name, built
// from MASE's arithmetic names and config keys (make_format), dispatched once per tensor so the
// element loops stay the formats' own.
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include <mixprec/detail/json_brief.hpp>
#include <mixprec/error.hpp>
#include <mixprec/numbers/binary.hpp>
#include <mixprec/numbers/block_fp.hpp>
#include <mixprec/numbers/block_log.hpp>
#include <mixprec/numbers/block_minifloat.hpp>
#include <mixprec/numbers/format.hpp>
#include <mixprec/numbers/integer.hpp>
#include <mixprec/numbers/log.hpp>
#include <mixprec/numbers/minifloat.hpp>
#include <mixprec/numbers/mxfp.hpp>
#include <mixprec/numbers/mxint.hpp>
#include <mixprec/numbers/ternary.hpp>

namespace mixprec {

/// A number format chosen at run time. Every alternative keeps its own bit-exact kernel; the
/// variant is visited once per `quantize` call (per tensor), never per element. `width()` is the
/// nominal element width MASE's analysis passes count (its `<operand>_width` key).
class any_format {
 public:
  using variant_type =
      std::variant<integer_format, minifloat_ieee_format, minifloat_denorm_format, log_format, block_fp_format,
                   block_minifloat_format, block_log_format, binary_format, binary_head_format, ternary_format,
                   ternary_head_format, mxint_format, mxint_hardware_format, mxfp_format>;

  /// Wraps `f` with its natural width (binary 1, ternary 2, mxfp 1 + exponent + fraction bits).
  template <class F>
    requires std::is_constructible_v<variant_type, F>
  any_format(F f)  // NOLINT(google-explicit-constructor): a format converts to the runtime format
      : width_(natural_width(f)), v_(std::move(f)) {}

  /// Wraps `f` with an explicit nominal width (MASE's `width` key, e.g. 8 for a binary config).
  template <class F>
    requires std::is_constructible_v<variant_type, F>
  any_format(F f, int nominal_width) : width_(nominal_width), v_(std::move(f)) {
    if (nominal_width < 1) detail::throw_param(std::visit([](const auto& g) { return g.name(); }, v_), "width",
                                               nominal_width, "must be >= 1");
  }

  /// The alternative's name ("integer", "block_fp", "binary_head", ...).
  [[nodiscard]] std::string_view name() const {
    return std::visit([](const auto& f) -> std::string_view { return f.name(); }, v_);
  }
  /// Nominal bits per element, what average_bitwidth and BOPs count.
  [[nodiscard]] int width() const { return width_; }
  [[nodiscard]] const variant_type& variant() const { return v_; }
  /// The alternative if it is a T, else nullptr.
  template <class T>
  [[nodiscard]] const T* get_if() const { return std::get_if<T>(&v_); }
  /// The alternative as a T (std::bad_variant_access otherwise).
  template <class T>
  [[nodiscard]] const T& get() const { return std::get<T>(v_); }

  /// True for block_fp, block_minifloat and block_log: the formats laid over MASE's block()
  /// views, whose skip_first_dim depends on the operand.
  [[nodiscard]] bool uses_mase_blocking() const {
    return std::holds_alternative<block_fp_format>(v_) || std::holds_alternative<block_minifloat_format>(v_) ||
           std::holds_alternative<block_log_format>(v_);
  }
  /// True when the result depends on the tensor's shape (every block or per-sample format).
  [[nodiscard]] bool needs_shape() const {
    return std::visit([](const auto& f) { return !NumberFormat<std::decay_t<decltype(f)>>; }, v_);
  }

  /// A copy whose MASE block format (block_fp, block_minifloat, block_log) uses `skip` as its
  /// skip_first_dim; other formats are returned unchanged.
  [[nodiscard]] any_format with_skip_first_dim(bool skip) const {
    any_format r = *this;
    if (auto* f = std::get_if<block_fp_format>(&r.v_)) {
      if (f->params().skip_first_dim != skip) {
        auto p = f->params();
        p.skip_first_dim = skip;
        *f = block_fp_format(std::move(p));
      }
    } else if (auto* g = std::get_if<block_minifloat_format>(&r.v_)) {
      if (g->params().skip_first_dim != skip) {
        auto p = g->params();
        p.skip_first_dim = skip;
        *g = block_minifloat_format(std::move(p));
      }
    } else if (auto* h = std::get_if<block_log_format>(&r.v_)) {
      if (h->params().skip_first_dim != skip) {
        auto p = h->params();
        p.skip_first_dim = skip;
        *h = block_log_format(std::move(p));
      }
    }
    return r;
  }

  /// Quantizes the C-order tensor `in` of `shape` into `out` (same size, may alias). Elementwise
  /// formats ignore `shape`. The MASE block formats flatten a 4-D shape to 3-D ([N*C, H, W]) first,
  /// as every MASE module does before block() (conv input and weight, relu, add).
  void quantize(std::span<const float> in, std::span<const std::size_t> shape, std::span<float> out) const {
    std::visit(
        [&](const auto& f) {
          using F = std::decay_t<decltype(f)>;
          if constexpr (NumberFormat<F>) {
            f.quantize(in, out);
          } else if constexpr (std::is_same_v<F, block_fp_format> || std::is_same_v<F, block_minifloat_format> ||
                               std::is_same_v<F, block_log_format>) {
            if (shape.size() == 4) {
              const std::array<std::size_t, 3> flat{shape[0] * shape[1], shape[2], shape[3]};
              f.quantize(in, flat, out);
            } else {
              f.quantize(in, shape, out);
            }
          } else {
            f.quantize(in, shape, out);
          }
        },
        v_);
  }

 private:
  template <class F>
  static int natural_width(const F& f) {
    if constexpr (requires { f.width; }) return f.width;
    else if constexpr (std::is_same_v<F, binary_format> || std::is_same_v<F, binary_head_format>) return 1;
    else if constexpr (std::is_same_v<F, ternary_format> || std::is_same_v<F, ternary_head_format>) return 2;
    else if constexpr (std::is_same_v<F, block_fp_format> || std::is_same_v<F, block_minifloat_format> ||
                       std::is_same_v<F, block_log_format> || std::is_same_v<F, mxint_hardware_format>)
      return f.params().width;
    else if constexpr (std::is_same_v<F, mxint_format>) return f.params().element_bits;
    else return 1 + f.params().element_exp_bits + f.params().element_frac_bits;  // mxfp
  }

  int width_;
  variant_type v_;
};
static_assert(BlockNumberFormat<any_format>);

/// The config keys (suffixes) of one arithmetic: required ones, optional ones, and those only a
/// standalone make_format accepts (the quantize pass decides them per operand).
struct format_keys {
  std::string_view arith;
  std::vector<std::string_view> required;
  std::vector<std::string_view> optional;
  std::vector<std::string_view> standalone;
};

/// Every arithmetic name make_format knows, with its keys: MASE's quantize-pass names (`fixed` is
/// an alias of `integer`) and mixprec's `binary_head`, `ternary_head` (MASE HEAD's binary/ternary),
/// `mxint` and `mxfp` (MASE HEAD quantizers its graph pass does not reach).
inline const std::vector<format_keys>& any_format_keys() {
  static const std::vector<format_keys> table{
      {"integer", {"width", "frac_width"}, {}, {}},
      {"fixed", {"width", "frac_width"}, {}, {}},
      {"minifloat_ieee", {"width", "exponent_width", "exponent_bias"}, {}, {}},
      {"minifloat_denorm", {"width", "exponent_width", "exponent_bias"}, {}, {}},
      {"log", {"width", "exponent_bias"}, {}, {}},
      {"block_fp", {"width", "exponent_width", "exponent_bias", "block_size"}, {}, {"skip_first_dim"}},
      {"block_minifloat", {"width", "exponent_width", "exponent_bias_width", "block_size"}, {}, {"skip_first_dim"}},
      {"block_log", {"width", "exponent_bias_width", "block_size"}, {}, {"skip_first_dim"}},
      {"binary", {"width", "stochastic", "bipolar"}, {}, {}},
      {"binary_head", {"width", "stochastic", "bipolar"}, {}, {}},
      {"ternary", {"width", "scaling_factor", "mean", "median", "max"}, {}, {}},
      {"ternary_head", {"width", "scaling_factor"}, {"mean", "median", "max"}, {}},
      {"mxint_hardware", {"width", "exponent_width", "parallelism"}, {}, {}},
      {"mxint", {"width", "block_size"}, {"block_dim", "scale_bits"}, {}},
      {"mxfp", {"exponent_width", "frac_width", "block_size"}, {"width", "block_dim", "scale_exp_bits"}, {}},
  };
  return table;
}

/// The keys of `arith`, or nullptr when make_format does not know the name.
inline const format_keys* find_format_keys(std::string_view arith) {
  for (const auto& k : any_format_keys())
    if (k.arith == arith) return &k;
  return nullptr;
}

/// The config suffixes of `arith` a node config may hold (required, then optional); empty for an
/// unknown name. Built once, so the quantize pass can check keys without allocating.
inline const std::vector<std::string_view>& format_suffixes(std::string_view arith) {
  static const std::vector<std::vector<std::string_view>> all = [] {
    std::vector<std::vector<std::string_view>> v;
    for (const auto& k : any_format_keys()) {
      v.push_back(k.required);
      v.back().insert(v.back().end(), k.optional.begin(), k.optional.end());
    }
    return v;
  }();
  static const std::vector<std::string_view> none;
  const auto& table = any_format_keys();
  for (std::size_t i = 0; i < table.size(); ++i)
    if (table[i].arith == arith) return all[i];
  return none;
}

/// "integer, fixed, minifloat_ieee, ..." (for error messages).
inline std::string any_format_names() {
  std::string s;
  for (const auto& k : any_format_keys()) s += (s.empty() ? "" : ", ") + std::string(k.arith);
  return s;
}

namespace detail {

/// Reads MASE config keys `<prefix><suffix>` of one operand from a JSON object; every error names
/// `<path>.<prefix><suffix>`, the value and what was expected.
class format_key_reader {
 public:
  /// `prefix` and `path` are viewed, not copied: they must outlive the reader.
  format_key_reader(const nlohmann::json& cfg, std::string_view prefix, std::string_view path)
      : cfg_(&cfg), prefix_(prefix), path_(path) {}

  [[nodiscard]] std::string key(std::string_view suffix) const {
    std::string k;  // append, not operator+: GCC 12 -O3 reports a false -Wrestrict on prefix_ + string
    k.reserve(prefix_.size() + suffix.size());
    k.append(prefix_).append(suffix);
    return k;
  }
  [[nodiscard]] std::string where(std::string_view suffix) const { return std::string(path_) + "." + key(suffix); }
  /// The value of `<prefix><suffix>`, or nullptr. Reuses one key buffer: a search re-reads
  /// configs thousands of times, so the lookups do not allocate.
  [[nodiscard]] const nlohmann::json* find(std::string_view suffix) const {
    buf_.assign(prefix_).append(suffix);
    const auto it = cfg_->find(buf_);
    return it == cfg_->end() ? nullptr : &*it;
  }
  [[nodiscard]] bool has(std::string_view suffix) const { return find(suffix) != nullptr; }
  [[nodiscard]] const nlohmann::json& at(std::string_view suffix) const {
    const auto* v = find(suffix);
    if (!v) throw config_error(where(suffix) + ": missing");
    return *v;
  }
  [[noreturn]] void bad(std::string_view suffix, const std::string& expected) const {
    throw config_error(where(suffix) + " = " + json_brief(at(suffix)) + ": " + expected);
  }

  [[nodiscard]] int integer(std::string_view suffix) const {
    const auto& v = at(suffix);
    if (!v.is_number_integer()) bad(suffix, "expected an integer");
    const auto x = v.get<long long>();
    if (x < -100000 || x > 100000) bad(suffix, "out of range");
    return static_cast<int>(x);
  }
  [[nodiscard]] int integer_or(std::string_view suffix, int fallback) const {
    return has(suffix) ? integer(suffix) : fallback;
  }
  [[nodiscard]] bool boolean(std::string_view suffix) const {
    const auto& v = at(suffix);
    if (!v.is_boolean()) bad(suffix, "expected true or false");
    return v.get<bool>();
  }
  /// An integer, or MASE's None (null, "none" or "None"): nullopt.
  [[nodiscard]] std::optional<int> integer_or_none(std::string_view suffix) const {
    const auto& v = at(suffix);
    if (v.is_null() || (v.is_string() && (v == "none" || v == "None"))) return std::nullopt;
    if (!v.is_number_integer()) bad(suffix, "expected an integer, null, \"none\" or \"None\"");
    return integer(suffix);
  }
  /// A number or null (a statistic MASE may leave unset).
  [[nodiscard]] std::optional<double> number_or_null(std::string_view suffix) const {
    if (!has(suffix)) return std::nullopt;
    const auto& v = at(suffix);
    if (v.is_null()) return std::nullopt;
    if (!v.is_number()) bad(suffix, "expected a number or null");
    return v.get<double>();
  }
  /// A list of integers; a bare integer too when `bare_int` (block_fp, parallelism).
  [[nodiscard]] std::vector<int> int_list(std::string_view suffix, bool bare_int) const {
    const auto& v = at(suffix);
    if (bare_int && v.is_number_integer()) return {integer(suffix)};
    if (!v.is_array() || v.empty())
      bad(suffix, bare_int ? "expected an integer or a non-empty list of integers" : "expected a non-empty list of integers");
    std::vector<int> out;
    for (const auto& e : v) {
      if (!e.is_number_integer() || e.get<long long>() < -100000 || e.get<long long>() > 100000)
        bad(suffix, "expected a list of integers");
      out.push_back(e.get<int>());
    }
    return out;
  }

 private:
  const nlohmann::json* cfg_;
  std::string_view prefix_, path_;
  mutable std::string buf_;
};

/// Constructs a format; a config_error from its validation ("block_fp.width = 0: ...") is
/// rethrown naming the config key ("<path>.<prefix>width = 0: ...").
template <class Make>
any_format construct_format(std::string_view format, const format_keys& keys, const format_key_reader& r, Make&& make) {
  try {
    return make();
  } catch (const config_error& e) {
    const std::string msg = e.what();
    const std::string head = std::string(format) + ".";
    if (msg.rfind(head, 0) == 0) {
      const std::string rest = msg.substr(head.size());
      const std::string field = rest.substr(0, rest.find_first_of(" =:"));
      const auto known = [&](const std::vector<std::string_view>& v) {
        return std::find(v.begin(), v.end(), field) != v.end();
      };
      if (known(keys.required) || known(keys.optional) || known(keys.standalone))
        throw config_error(r.where("") + rest + " (" + std::string(format) + ")");
    }
    throw config_error(r.where("*") + ": " + msg);
  }
}

/// Builds the format `arith` from the keys `<prefix><suffix>` of `cfg`.
inline any_format build_format(std::string_view arith, const nlohmann::json& cfg, std::string_view prefix,
                               std::string_view path, bool standalone) {
  const format_keys* keys = find_format_keys(arith);
  if (!keys)
    throw config_error(std::string(path) + ": arithmetic \"" + std::string(arith) + "\" is unknown (valid names: " +
                       any_format_names() + ")");
  const format_key_reader r(cfg, prefix, path);
  const auto skip_or = [&](bool fallback) { return standalone && r.has("skip_first_dim") ? r.boolean("skip_first_dim") : fallback; };
  const auto make = [&](std::string_view format, auto&& fn) { return construct_format(format, *keys, r, fn); };

  if (arith == "integer" || arith == "fixed") {
    const int w = r.integer("width");
    const auto& fv = r.at("frac_width");
    return make("integer", [&]() -> any_format {
      if (fv.is_null()) return integer_format::with_default_frac(w);  // HEAD: None means width // 2
      return integer_format(w, r.integer("frac_width"));
    });
  }
  if (arith == "minifloat_ieee" || arith == "minifloat_denorm") {
    const int w = r.integer("width"), e = r.integer("exponent_width");
    const auto b = r.integer_or_none("exponent_bias");
    if (arith == "minifloat_ieee") return make(arith, [&]() -> any_format { return minifloat_ieee_format(w, e, b); });
    return make(arith, [&]() -> any_format { return minifloat_denorm_format(w, e, b); });
  }
  if (arith == "log") {
    const int w = r.integer("width");
    const auto b = r.integer_or_none("exponent_bias");
    return make(arith, [&]() -> any_format { return log_format(w, b); });
  }
  if (arith == "block_fp") {
    block_fp_params p{r.integer("width"), r.integer("exponent_width"), r.integer_or_none("exponent_bias"),
                      r.int_list("block_size", true), skip_or(true)};
    return make(arith, [&]() -> any_format { return block_fp_format(std::move(p)); });
  }
  if (arith == "block_minifloat") {
    block_minifloat_params p{r.integer("width"), r.integer("exponent_width"), r.integer("exponent_bias_width"),
                             r.int_list("block_size", false), skip_or(false)};
    return make(arith, [&]() -> any_format { return block_minifloat_format(std::move(p)); });
  }
  if (arith == "block_log") {
    block_log_params p{r.integer("width"), r.integer("exponent_bias_width"), r.int_list("block_size", false),
                       skip_or(false)};
    return make(arith, [&]() -> any_format { return block_log_format(std::move(p)); });
  }
  if (arith == "binary" || arith == "binary_head") {
    const int w = r.integer("width");  // nominal only: MASE's binary quantizer ignores it
    const bool stochastic = r.boolean("stochastic"), bipolar = r.boolean("bipolar");
    if (arith == "binary") return make(arith, [&] { return any_format(binary_format(bipolar, stochastic), w); });
    return make(arith, [&] { return any_format(binary_head_format(bipolar, stochastic), w); });
  }
  if (arith == "ternary") {
    const int w = r.integer("width");
    ternary_params p;
    p.scaling_factor = r.boolean("scaling_factor");
    (void)r.at("mean"), (void)r.at("median"), (void)r.at("max");  // required, as MASE's parser requires them
    p.mean = r.number_or_null("mean");
    p.median = r.number_or_null("median");
    p.maximum = r.number_or_null("max");
    const auto set = [](const std::optional<double>& v) { return v && *v != 0.0; };
    if (!set(p.mean) && !set(p.median) && !set(p.maximum))
      throw config_error(r.where("mean") + ", " + r.key("median") + ", " + r.key("max") + " = " +
                         json_brief(r.at("mean")) + ", " + json_brief(r.at("median")) + ", " + json_brief(r.at("max")) +
                         ": ternary needs one of them non-zero to derive its threshold (0.75 mean, else 0.75 median, "
                         "else 0.05 max)");
    return make(arith, [&] { return any_format(ternary_format(p), w); });
  }
  if (arith == "ternary_head") {
    const int w = r.integer("width");
    const bool scaled = r.boolean("scaling_factor");
    for (const char* s : {"mean", "median", "max"}) (void)r.number_or_null(s);  // accepted, ignored (as HEAD)
    return make(arith, [&] { return any_format(ternary_head_format(scaled), w); });
  }
  if (arith == "mxint_hardware") {
    mxint_hardware_params p{r.integer("width"), r.integer("exponent_width"), r.int_list("parallelism", true)};
    return make(arith, [&]() -> any_format { return mxint_hardware_format(std::move(p)); });
  }
  if (arith == "mxint") {
    mxint_params p{r.integer("block_size"), r.integer("width"), r.integer_or("block_dim", -1),
                   r.integer_or("scale_bits", 8)};
    return make(arith, [&]() -> any_format { return mxint_format(p); });
  }
  // mxfp
  mxfp_params p{r.integer("block_size"), r.integer("exponent_width"), r.integer("frac_width"),
                r.integer_or("block_dim", -1), r.integer_or("scale_exp_bits", 8)};
  const int natural = 1 + p.element_exp_bits + p.element_frac_bits;
  if (r.has("width") && r.integer("width") != natural)
    r.bad("width", "must equal 1 + exponent_width + frac_width = " + std::to_string(natural));
  const bool known = (p.element_exp_bits == 4 && p.element_frac_bits == 3) ||
                     (p.element_exp_bits == 5 && p.element_frac_bits == 2) ||
                     (p.element_exp_bits == 2 && p.element_frac_bits == 3) ||
                     (p.element_exp_bits == 3 && p.element_frac_bits == 2) ||
                     (p.element_exp_bits == 2 && p.element_frac_bits == 1) ||
                     (p.element_exp_bits == 1 && p.element_frac_bits == 2);
  if (!known)
    throw config_error(r.where("exponent_width") + ", " + r.key("frac_width") + " = " +
                       std::to_string(p.element_exp_bits) + ", " + std::to_string(p.element_frac_bits) +
                       ": must be one of 4/3, 5/2, 2/3, 3/2, 2/1, 1/2 (E4M3, E5M2, E2M3, E3M2, E2M1, E1M2)");
  return make(arith, [&]() -> any_format { return mxfp_format(p); });
}

}  // namespace detail

/// Builds a format from MASE's arithmetic name and its keys without operand prefix, e.g.
/// make_format("block_fp", {"width": 8, "exponent_width": 8, "exponent_bias": null, "block_size": [16]}, "w").
/// Keys are MASE's (`width`, `frac_width`, `exponent_width`, `exponent_bias` (null/"none"/"None"
/// = default), `exponent_bias_width`, `block_size`, `stochastic`, `bipolar`, `scaling_factor`,
/// `mean`, `median`, `max`, `parallelism`; see any_format_keys()); the block formats also take an
/// optional `skip_first_dim` (default MASE's: block_fp true, block_minifloat/block_log false).
/// config_error naming `<path>.<key>`, the value and what was expected, for an unknown name (listing
/// the valid names), a missing, unknown or ill-typed key (listing the valid keys) or a bad value.
[[nodiscard]] inline any_format make_format(std::string_view arith, const nlohmann::json& params,
                                            std::string_view path) {
  const std::string p(path);
  const format_keys* keys = find_format_keys(arith);
  if (!keys)
    throw config_error(p + ": arithmetic \"" + std::string(arith) + "\" is unknown (valid names: " +
                       any_format_names() + ")");
  if (!params.is_object())
    throw config_error(p + " = " + detail::json_brief(params) + ": expected an object of " + std::string(arith) + " keys");
  for (const auto& [k, v] : params.items()) {
    const auto in = [&](const std::vector<std::string_view>& l) { return std::find(l.begin(), l.end(), k) != l.end(); };
    if (in(keys->required) || in(keys->optional) || in(keys->standalone)) continue;
    std::string list;
    for (const auto* l : {&keys->required, &keys->optional, &keys->standalone})
      for (auto s : *l) list += (list.empty() ? "" : ", ") + std::string(s);
    throw config_error(p + "." + k + " = " + detail::json_brief(v) + ": unknown key for " + std::string(arith) +
                       " (valid keys: " + list + ")");
  }
  return detail::build_format(arith, params, "", p, true);
}

/// The format of one operand of a MASE node config: the keys `<operand>_<suffix>` (operand
/// "data_in", "weight" or "bias") of `cfg`, e.g. `weight_width`; nothing when none of that
/// operand's keys is present. Errors name `<path>.<operand>_<suffix>`. skip_first_dim is not a
/// config key here: the quantize pass derives it from the operand, as MASE's modules do.
[[nodiscard]] inline std::optional<any_format> make_operand_format(std::string_view arith, const nlohmann::json& cfg,
                                                                   std::string_view operand, std::string_view path) {
  const format_keys* keys = find_format_keys(arith);
  if (!keys)
    throw config_error(std::string(path) + ": arithmetic \"" + std::string(arith) + "\" is unknown (valid names: " +
                       any_format_names() + ")");
  std::string prefix;
  prefix.reserve(operand.size() + 1);
  prefix.append(operand).append("_");
  const detail::format_key_reader r(cfg, prefix, path);
  bool any = false;
  for (const auto* l : {&keys->required, &keys->optional})
    for (auto s : *l) any = any || r.has(s);
  if (!any) return std::nullopt;
  return detail::build_format(arith, cfg, prefix, path, false);
}

}  // namespace mixprec
