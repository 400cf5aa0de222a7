// MASE's search objective (mase-quantization.md §4.3) as a composition of parts: a space decodes
// a trial's indexes into a quantization config, a rebuilder re-quantizes a per-thread model, the
// software and hardware runners measure it, and configured metrics are scaled into objectives.
#pragma once
#include <algorithm>
#include <atomic>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include <mixprec/config/search_config.hpp>
#include <mixprec/error.hpp>
#include <mixprec/graph/model.hpp>
#include <mixprec/passes/analysis.hpp>
#include <mixprec/passes/quantize.hpp>
#include <mixprec/runners/evaluate.hpp>
#include <mixprec/search/quantize_space.hpp>
#include <mixprec/search/space.hpp>
#include <mixprec/search/study.hpp>
#include <mixprec/search/trial.hpp>

namespace mixprec {

// ---------------------------------------------------------------------------------------------
// Metrics

/// One objective term: scaled = scale * metric (MASE's `[search.strategy.metrics] <name>`).
struct metric_spec {
  std::string name;
  double scale = 1.0;
  direction dir = direction::maximize;
};

/// A string usable as a template argument: `objective_metric<"accuracy", direction::maximize>`.
template <std::size_t N>
struct fixed_string {
  char chars[N]{};
  constexpr fixed_string(const char (&s)[N]) { std::copy_n(s, N, chars); }  // NOLINT: implicit on purpose
  [[nodiscard]] constexpr std::string_view view() const { return {chars, N - 1}; }
};

/// A metric fixed at compile time (name, direction, scale).
template <fixed_string Name, direction Dir, double Scale = 1.0>
struct objective_metric {
  [[nodiscard]] static metric_spec spec() { return {std::string(Name.view()), Scale, Dir}; }
};

/// The specs of compile-time metrics, in the order given (the objective sorts them by name).
template <class... Metrics>
[[nodiscard]] std::vector<metric_spec> metric_specs() {
  return {Metrics::spec()...};
}

/// How the metrics become objective values.
struct mase_objective_params {
  /// At least one; names unique. Sorted by name when the objective is built, as MASE orders
  /// its objectives (`values_0` = the first name).
  std::vector<metric_spec> metrics;
  /// true: one objective, the sum of the scaled metrics, with `sum_direction`.
  bool sum_scaled_metrics = false;
  direction sum_direction = direction::maximize;
};

/// Builds the objective parameters from a checked search config.
[[nodiscard]] inline mase_objective_params objective_params_from_config(const config::search_config& c) {
  mase_objective_params p;
  for (const auto& m : c.metrics) p.metrics.push_back({m.name, m.scale, m.direction});
  p.sum_scaled_metrics = c.sum_scaled_metrics;
  p.sum_direction = c.direction.value_or(direction::maximize);
  return p;
}

/// What one trial measured, and the values handed to the study.
struct mase_trial_result {
  metric_map software, hardware, scaled;
  std::vector<double> values;  ///< one per metric (sorted by name), or their sum
};

/// Accumulated wall time of the objective's phases over every trial (all threads), seconds.
struct mase_objective_timings {
  double rebuild = 0;   ///< decode + re-quantize
  double software = 0;  ///< software runners (evaluation)
  double hardware = 0;  ///< hardware runners
  std::size_t trials = 0;
};

// ---------------------------------------------------------------------------------------------
// Runners and rebuilders

/// A runner measures a quantized model Q and returns named metrics. It is copied once per
/// worker thread, so its operator() may keep buffers (it is never called concurrently).
template <class R, class Q>
concept ModelRunner = std::copy_constructible<R> && requires(R& r, const Q& q) {
  { r(q) } -> std::convertible_to<metrics>;
};

/// Turns a decoded config into a quantized model (`build`) or re-quantizes one in place (`rebuild`).
template <class R, class Config>
concept ModelRebuilder = requires(const R& r, const model& m, const Config& c, typename R::model_type& q) {
  typename R::model_type;
  { r.build(m, c) } -> std::same_as<typename R::model_type>;
  { r.rebuild(q, c) } -> std::same_as<void>;
};

/// Compile-time rebuilder: format F and matching rule fixed (quantize_pass<F, Match>).
template <PassFormat F, MatchRule Match = match_by_name>
struct pass_rebuilder {
  using model_type = quantized_model<F>;
  [[nodiscard]] model_type build(const model& m, const nlohmann::json& c) const { return quantize_pass<F, Match>{}(m, c); }
  void rebuild(model_type& q, const nlohmann::json& c) const { quantize_pass<F, Match>{}.rebuild(q, c); }
};
static_assert(ModelRebuilder<pass_rebuilder<integer_format>, nlohmann::json>);

/// Run-time rebuilder: the format from each entry's "name", the rule from "by" (`quantize`).
struct config_rebuilder {
  using model_type = config_quantized_model;
  [[nodiscard]] model_type build(const model& m, const nlohmann::json& c) const { return quantize(m, c); }
  void rebuild(model_type& q, const nlohmann::json& c) const { requantize(q, c); }
};
static_assert(ModelRebuilder<config_rebuilder, nlohmann::json>);

/// The runners the config-driven path knows, chosen by name at run time (a closed variant that
/// is itself a ModelRunner of config_quantized_model).
class config_runner {
 public:
  using variant_type = std::variant<basic_evaluation, average_bitwidth_runner, bops_runner>;
  config_runner(std::string name, variant_type r) : name_(std::move(name)), runner_(std::move(r)) {}

  [[nodiscard]] metrics operator()(const config_quantized_model& q) {
    return std::visit([&](auto& r) -> metrics { return r(q); }, runner_);
  }
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  std::string name_;
  variant_type runner_;
};
static_assert(ModelRunner<config_runner, config_quantized_model>);

/// Software runner names and hardware runner names the registry resolves.
inline const std::vector<std::string>& software_runner_names() {
  static const std::vector<std::string> names{"basic_evaluation"};
  return names;
}
inline const std::vector<std::string>& hardware_runner_names() {
  static const std::vector<std::string> names{"average_bitwidth", "bops"};
  return names;
}

/// The software runner called `name` over `data` (config_error naming the valid names otherwise).
[[nodiscard]] inline config_runner make_software_runner(std::string_view name, dataset_view data,
                                                        basic_evaluation_params p) {
  if (name == "basic_evaluation") return {std::string(name), basic_evaluation(data, p)};
  throw config_error("search.strategy.sw_runner." + std::string(name) + ": unknown software runner; valid names are " +
                     config::detail::join(software_runner_names()));
}

/// The hardware runner called `name` (config_error naming the valid names otherwise).
[[nodiscard]] inline config_runner make_hardware_runner(std::string_view name, average_bitwidth_params p = {}) {
  if (name == "average_bitwidth") return {std::string(name), average_bitwidth_runner(p)};
  if (name == "bops") return {std::string(name), bops_runner{}};
  throw config_error("search.strategy.hw_runner." + std::string(name) + ": unknown hardware runner; valid names are " +
                     config::detail::join(hardware_runner_names()));
}

namespace detail {

template <class T>
struct is_tuple : std::false_type {};
template <class... T>
struct is_tuple<std::tuple<T...>> : std::true_type {};

// Runs every runner of a list (std::tuple<R...> or std::vector<R>) and merges their metrics.
template <class List, class Q>
void run_all(List& list, const Q& q, metric_map& out) {
  if constexpr (is_tuple<List>::value) {
    std::apply([&](auto&... r) { (out.merge(metrics(r(q))), ...); }, list);
  } else {
    for (auto& r : list) out.merge(metrics(r(q)));
  }
}

template <class List, class Q>
constexpr bool runner_list_of() {
  if constexpr (is_tuple<List>::value)
    return []<class... R>(std::type_identity<std::tuple<R...>>) {
      return (ModelRunner<R, Q> && ...);
    }(std::type_identity<List>{});
  else
    return ModelRunner<typename List::value_type, Q>;
}

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace detail

/// A list of runners for quantized models Q: a std::tuple of ModelRunners (compile time) or a
/// std::vector of one ModelRunner type (run time, e.g. config_runner).
template <class L, class Q>
concept RunnerList = std::copy_constructible<L> && detail::runner_list_of<L, Q>();

// ---------------------------------------------------------------------------------------------
// The objective

/// MASE's objective: per trial, decode -> rebuild -> software runners -> hardware runners ->
/// scaled metrics. Sets the trial's user attributes software_metrics, hardware_metrics and
/// scaled_metrics and returns one value per metric (sorted by name) or their sum.
///
/// Thread-safe: each concurrent call takes its own workspace (a quantized model re-quantized in
/// place, and copies of the runners) from a pool, so n_jobs > 1 never shares buffers. The float
/// model and the space must outlive the objective.
template <SearchSpace Space, ModelRebuilder<typename Space::config_type> Rebuilder,
          RunnerList<typename Rebuilder::model_type> SwRunners,
          RunnerList<typename Rebuilder::model_type> HwRunners>
class mase_objective {
 public:
  using quantized_type = typename Rebuilder::model_type;

  /// config_error for no metric or a repeated metric name.
  mase_objective(const model& m, const Space& space, Rebuilder rebuilder, SwRunners sw, HwRunners hw,
                 mase_objective_params p)
      : model_(&m), space_(&space), rebuilder_(std::move(rebuilder)), sw_(std::move(sw)), hw_(std::move(hw)),
        params_(std::move(p)), shared_(std::make_shared<shared_state>()) {
    if (params_.metrics.empty())
      throw config_error("search.strategy.metrics: empty; expected at least one metric with scale and direction");
    std::sort(params_.metrics.begin(), params_.metrics.end(),
              [](const metric_spec& a, const metric_spec& b) { return a.name < b.name; });
    for (std::size_t i = 1; i < params_.metrics.size(); ++i)
      if (params_.metrics[i].name == params_.metrics[i - 1].name)
        throw config_error("search.strategy.metrics." + params_.metrics[i].name + ": appears twice");
  }

  /// The study's directions: one per metric (sorted by name), or the sum's.
  [[nodiscard]] std::vector<direction> directions() const {
    if (params_.sum_scaled_metrics) return {params_.sum_direction};
    std::vector<direction> d;
    for (const auto& m : params_.metrics) d.push_back(m.dir);
    return d;
  }
  /// The metrics, sorted by name.
  [[nodiscard]] const std::vector<metric_spec>& metrics_specs() const { return params_.metrics; }

  /// Measures the point `indexes` of the space. A configured metric that no runner produced is
  /// a config_error naming it and the metrics the runners gave.
  [[nodiscard]] mase_trial_result evaluate(std::span<const std::size_t> indexes) const {
    workspace_lease ws(*shared_);
    const auto t0 = std::chrono::steady_clock::now();
    const auto config = space_->decode(indexes);
    if (!ws->q) {
      ws->q.emplace(rebuilder_.build(*model_, config));
      ws->sw.emplace(sw_);
      ws->hw.emplace(hw_);
    } else {
      rebuilder_.rebuild(*ws->q, config);
    }
    const auto t1 = std::chrono::steady_clock::now();
    mase_trial_result r;
    detail::run_all(*ws->sw, *ws->q, r.software);
    const auto t2 = std::chrono::steady_clock::now();
    detail::run_all(*ws->hw, *ws->q, r.hardware);
    const auto t3 = std::chrono::steady_clock::now();
    shared_->add_time(t1 - t0, t2 - t1, t3 - t2);

    double sum = 0.0;
    for (const auto& m : params_.metrics) {
      const auto* v = find_metric(r, m.name);
      if (!v) {
        std::string have;
        for (const auto* g : {&r.software, &r.hardware})
          for (const auto& [k, x] : *g) have += (have.empty() ? "" : ", ") + k;
        throw config_error("search.strategy.metrics." + m.name + ": no runner produced it (the runners gave " +
                           (have.empty() ? std::string("nothing") : have) + ")");
      }
      const double s = m.scale * *v;
      r.scaled[m.name] = s;
      if (params_.sum_scaled_metrics) sum += s;
      else r.values.push_back(s);
    }
    if (params_.sum_scaled_metrics) r.values.push_back(sum);
    return r;
  }

  /// The study objective: evaluates the trial and records its metric groups.
  std::vector<double> operator()(trial_handle& t) const {
    mase_trial_result r = evaluate(t.params());
    t.set_user_attr("software_metrics", std::move(r.software));
    t.set_user_attr("hardware_metrics", std::move(r.hardware));
    t.set_user_attr("scaled_metrics", std::move(r.scaled));
    return std::move(r.values);
  }

  /// Time spent so far in each phase, summed over threads.
  [[nodiscard]] mase_objective_timings timings() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->timings;
  }

  [[nodiscard]] const Space& space() const { return *space_; }
  [[nodiscard]] const model& float_model() const { return *model_; }

 private:
  struct workspace {
    std::optional<quantized_type> q;
    std::optional<SwRunners> sw;
    std::optional<HwRunners> hw;
  };
  struct shared_state {
    std::mutex mutex;
    std::vector<std::unique_ptr<workspace>> free;  // idle workspaces
    mase_objective_timings timings;
    void add_time(std::chrono::steady_clock::duration a, std::chrono::steady_clock::duration b,
                  std::chrono::steady_clock::duration c) {
      using sec = std::chrono::duration<double>;
      std::lock_guard lock(mutex);
      timings.rebuild += sec(a).count();
      timings.software += sec(b).count();
      timings.hardware += sec(c).count();
      ++timings.trials;
    }
  };
  // Takes an idle workspace (or a new one) and gives it back when the evaluation ends.
  class workspace_lease {
   public:
    explicit workspace_lease(shared_state& s) : s_(s) {
      std::lock_guard lock(s_.mutex);
      if (s_.free.empty()) {
        w_ = std::make_unique<workspace>();
      } else {
        w_ = std::move(s_.free.back());
        s_.free.pop_back();
      }
    }
    ~workspace_lease() {
      std::lock_guard lock(s_.mutex);
      s_.free.push_back(std::move(w_));
    }
    workspace_lease(const workspace_lease&) = delete;
    workspace_lease& operator=(const workspace_lease&) = delete;
    workspace* operator->() const { return w_.get(); }

   private:
    shared_state& s_;
    std::unique_ptr<workspace> w_;
  };

  static const double* find_metric(const mase_trial_result& r, const std::string& name) {
    if (auto it = r.software.find(name); it != r.software.end()) return &it->second;
    if (auto it = r.hardware.find(name); it != r.hardware.end()) return &it->second;
    return nullptr;
  }

  const model* model_;
  const Space* space_;
  Rebuilder rebuilder_;
  SwRunners sw_;
  HwRunners hw_;
  mase_objective_params params_;
  std::shared_ptr<shared_state> shared_;
};

/// Deduces the objective's types: `make_mase_objective(net, space, pass_rebuilder<integer_format>{},
/// std::tuple{eval}, std::tuple{average_bitwidth_runner{}}, params)`.
template <SearchSpace Space, class Rebuilder, class SwRunners, class HwRunners>
[[nodiscard]] auto make_mase_objective(const model& m, const Space& space, Rebuilder rebuilder, SwRunners sw,
                                       HwRunners hw, mase_objective_params p) {
  return mase_objective<Space, Rebuilder, SwRunners, HwRunners>(m, space, std::move(rebuilder), std::move(sw),
                                                                std::move(hw), std::move(p));
}

/// The objective the config-driven path builds: MASE's PTQ space, run-time format and rule,
/// runners resolved by name.
using config_objective =
    mase_objective<quantize_space, config_rebuilder, std::vector<config_runner>, std::vector<config_runner>>;

/// The quantizable nodes of `m` in graph order: what MASE's PTQ space searches over.
[[nodiscard]] inline std::vector<quantizable_node> quantizable_nodes(const model& m) {
  std::vector<quantizable_node> out;
  for (const auto& n : m.nodes())
    if (is_quantizable(n.op)) out.push_back({n.name, std::string(op_name(n.op))});
  return out;
}

namespace detail {

// The index of the seed key that a quantize-pass message "<path>.<key> ..." names, or npos.
inline std::size_t key_named(const std::string& msg, const std::string& path, const choice_table& table) {
  std::size_t best = std::string::npos, best_len = 0;
  for (std::size_t k = 0; k < table.size(); ++k) {
    const std::string head = path + "." + table[k].first;
    if (msg.size() > head.size() && msg.compare(0, head.size(), head) == 0 &&
        std::string_view(" :,").find(msg[head.size()]) != std::string_view::npos && head.size() > best_len)
      best = k, best_len = head.size();
  }
  return best;
}

}  // namespace detail

/// Checks every choice of every key of the seed as the config-driven quantize pass reads a node
/// config (format name, keys, types and ranges), so a bad choice fails before the first trial
/// rather than every trial that samples it. A choice passes when some combination with the other
/// keys' choices (each other key varied alone) builds; checks that depend on the model (missing
/// operands) are left to the pass. config_error "<root>.<entry>.config.<key>[<i>] = <value>:
/// <what the pass expects>".
inline void check_seed_choices(const quantize_space_params& p, const std::string& root = "search.search_space.seed") {
  for (const auto& [entry, table] : p.seed) {
    const std::string path = root + "." + entry + ".config";
    const auto build = [&](const std::vector<std::size_t>& idx) -> std::string {
      nlohmann::json cfg = nlohmann::json::object();
      for (std::size_t k = 0; k < table.size(); ++k) {
        if (table[k].second.empty()) return path + "." + table[k].first + " = []: the choice list is empty";
        cfg[table[k].first] = quantize_space::to_json(table[k].second[idx[k]]);
      }
      try {
        (void)parse_quant_entry<any_format>(cfg, path);
        return {};
      } catch (const config_error& e) {
        return e.what();
      }
    };
    // A baseline that builds, if moving the key each failure names gets there.
    std::vector<std::size_t> base(table.size(), 0);
    std::string err = build(base);
    for (std::size_t guard = 0; !err.empty() && guard < 100000; ++guard) {
      const std::size_t j = detail::key_named(err, path, table);
      if (j == std::string::npos || base[j] + 1 >= table[j].second.size()) break;
      ++base[j];
      err = build(base);
    }
    if (!err.empty() && detail::key_named(err, path, table) == std::string::npos)
      throw config_error(err + " (for every choice of " + path + ")");
    for (std::size_t k = 0; k < table.size(); ++k) {
      const auto& [key, values] = table[k];
      for (std::size_t i = 0; i < values.size(); ++i) {
        std::vector<std::size_t> idx = base;
        idx[k] = i;
        const std::string first = build(idx);
        if (first.empty()) continue;
        bool ok = false;
        for (std::size_t j = 0; j < table.size() && !ok; ++j)
          for (std::size_t c = 0; j != k && c < table[j].second.size() && !ok; ++c) {
            std::vector<std::size_t> other = idx;
            other[j] = c;
            ok = build(other).empty();
          }
        if (ok) continue;
        const std::string kpath = path + "." + key;
        const std::string value = quantize_space::to_json(values[i]).dump();
        const std::string own = kpath + " = " + value + ": ";
        const std::string why = first.compare(0, own.size(), own) == 0 ? first.substr(own.size()) : first;
        throw config_error(kpath + "[" + std::to_string(i) + "] = " + value + ": " + why);
      }
    }
  }
}

/// MASE's PTQ space for `m` from a checked search config (`[search.search_space]`); every seed
/// choice is checked first (check_seed_choices), errors naming its TOML path.
[[nodiscard]] inline quantize_space make_quantize_space(const model& m, const config::search_config& c) {
  quantize_space_params p = quantize_space_params_from_json(c.space_seed, c.by);
  check_seed_choices(p, "search.search_space.seed");
  return quantize_space(quantizable_nodes(m), std::move(p));
}

/// The config-driven objective: runners from `[search.strategy.sw_runner.*]` and
/// `[search.strategy.hw_runner.*]`, evaluated on `data` (the split the config's data_loader
/// names), batches of the config's batch_size.
[[nodiscard]] inline config_objective make_config_objective(const model& m, const quantize_space& space,
                                                            const config::search_config& c, dataset_view data) {
  std::vector<config_runner> sw, hw;
  if (c.basic_evaluation) {
    if (c.basic_evaluation->num_samples > data.num_samples())
      throw config_error("search.strategy.sw_runner.basic_evaluation.num_samples = " +
                         std::to_string(c.basic_evaluation->num_samples) + ": must be <= " +
                         std::to_string(data.num_samples()) + " (the samples of " + c.basic_evaluation->data_loader +
                         ")");
    sw.push_back(make_software_runner("basic_evaluation", data,
                                      {.num_samples = c.basic_evaluation->num_samples, .batch_size = c.batch_size}));
  }
  if (c.average_bitwidth) hw.push_back(make_hardware_runner("average_bitwidth", {c.average_bitwidth->compare_to}));
  return config_objective(m, space, config_rebuilder{}, std::move(sw), std::move(hw), objective_params_from_config(c));
}

}  // namespace mixprec
