// MASE's search configuration (the tutorial's TOML schema, decisions.md 1, 11, 12, 16), read and
// checked in one place. Every error names the TOML path, the value found and what was expected.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <sstream>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include <mixprec/config/toml_json.hpp>
#include <mixprec/error.hpp>
#include <mixprec/search/trial.hpp>

namespace mixprec::config {

/// The sampler names a config may use (decisions.md 11).
inline const std::vector<std::string>& sampler_names() {
  static const std::vector<std::string> names{"tpe",    "nsgaii", "nsgaiii",   "qmc",
                                              "random", "grid",   "bruteforce"};
  return names;
}

/// `[search.strategy.sw_runner.basic_evaluation]`.
struct basic_evaluation_config {
  std::string data_loader = "val_dataloader";  ///< train_dataloader, val_dataloader, test_dataloader, pred_dataloader
  std::size_t num_samples = 512;               ///< first samples of the split that are evaluated
};

/// `[search.strategy.hw_runner.average_bitwidth]`.
struct average_bitwidth_config {
  std::optional<double> compare_to;  ///< if set, memory_density = compare_to / average_bitwidth
};

/// One entry of `[search.strategy.metrics]`.
struct metric_config {
  std::string name;
  double scale = 1.0;
  mixprec::direction direction = mixprec::direction::maximize;
};

/// The top-level keys a config may hold: those the search reads (model, dataset, project,
/// batch_size, max_epochs, learning_rate, seed, search) and those MASE's other actions (`ch train`,
/// `ch transform`, ...) read, which are accepted and ignored (decisions.md 16).
inline const std::vector<std::string>& top_level_keys() {
  static const std::vector<std::string> keys{
      "model", "dataset", "project", "batch_size", "max_epochs", "learning_rate", "seed", "search",
      // MASE's other actions
      "task", "accelerator", "log_every_n_steps", "load_name", "load_type", "config", "to_debug", "log_level",
      "report_to", "quant_config", "training_optimizer", "trainer_precision", "weight_decay", "max_steps",
      "accumulate_grad_batches", "num_workers", "num_devices", "num_nodes", "strategy", "is_to_auto_requeue",
      "github_ci", "disable_dataset_cache", "target", "num_targets", "is_pretrained", "max_token_len",
      "project_dir", "passes", "train", "transform", "auto_requeue", "devices"};
  return keys;
}

/// The whole search config. Top-level keys MASE uses for other actions are accepted and ignored;
/// any other top-level key gets a warning (a typo such as `batch_sise` would otherwise go unseen).
struct search_config {
  // Basics (top level).
  std::string model = "toy";
  std::string dataset = "toy_tiny";
  std::string project = "toy_toy_tiny";
  std::size_t batch_size = 512;
  std::size_t max_epochs = 5;
  double learning_rate = 1e-2;
  std::uint32_t seed = 0;  ///< the training seed (MASE's top-level `seed`)

  // [search.search_space]
  std::string space_name = "graph/quantize/mixed_precision_ptq";
  std::string by = "name";
  /// `seed` table as JSON in file order: {entry: {"config": {key: [choices...]}}}.
  nlohmann::ordered_json space_seed = nlohmann::ordered_json::object();

  // [search.strategy]
  std::string strategy_name = "optuna";
  bool eval_mode = true;
  std::size_t n_jobs = 1;
  std::size_t n_trials = 20;
  std::optional<double> timeout;  ///< seconds
  std::string sampler = "tpe";
  bool sum_scaled_metrics = false;
  std::optional<mixprec::direction> direction;  ///< single-objective direction
  std::optional<std::uint32_t> sampler_seed;    ///< [search.strategy.setup] seed
  std::optional<std::string> pkl_ckpt;          ///< resume from this journal
  std::optional<basic_evaluation_config> basic_evaluation;
  std::optional<average_bitwidth_config> average_bitwidth;
  std::vector<metric_config> metrics;  ///< sorted by name, as MASE orders objectives

  /// Things accepted but probably not meant (unknown top-level keys), one message each, for the
  /// caller to show (the CLI prints them on stderr).
  std::vector<std::string> warnings;

  /// The objectives' directions: one per metric, or the single `direction` when summed.
  [[nodiscard]] std::vector<mixprec::direction> directions() const {
    if (sum_scaled_metrics) return {direction.value_or(mixprec::direction::maximize)};
    std::vector<mixprec::direction> d;
    for (const auto& m : metrics) d.push_back(m.direction);
    return d;
  }
};

namespace detail {

inline std::string describe(const toml::node& n) {
  std::ostringstream s;
  if (n.is_string()) s << '"' << n.as_string()->get() << '"';
  else if (n.is_table()) s << "a table";
  else if (n.is_array()) s << "an array";
  else if (const auto* b = n.as_boolean()) s << (b->get() ? "true" : "false");
  else if (const auto* i = n.as_integer()) s << i->get();
  else if (const auto* f = n.as_floating_point()) s << f->get();
  else s << to_json(n).dump();
  return s.str();
}

inline std::string join(const std::vector<std::string>& v) {
  std::string r;
  for (const auto& s : v) r += (r.empty() ? "" : ", ") + s;
  return r;
}

// Rejects keys of `t` outside `allowed`, naming the path and the valid keys.
inline void check_keys(const toml::table& t, const std::string& path,
                       const std::vector<std::string>& allowed) {
  for (const auto& [k, v] : t) {
    const std::string key(k.str());
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      throw config_error(path + "." + key + ": unknown key; valid keys are " + join(allowed));
  }
}

inline const toml::table* table_at(const toml::table& t, std::string_view key, const std::string& path) {
  const toml::node* n = t.get(key);
  if (!n) return nullptr;
  if (!n->is_table())
    throw config_error(path + "." + std::string(key) + " = " + describe(*n) + ": expected a table");
  return n->as_table();
}

inline std::string get_string(const toml::table& t, std::string_view key, const std::string& path,
                              std::string fallback) {
  const toml::node* n = t.get(key);
  if (!n) return fallback;
  if (!n->is_string())
    throw config_error(path + "." + std::string(key) + " = " + describe(*n) + ": expected a string");
  return n->as_string()->get();
}

inline bool get_bool(const toml::table& t, std::string_view key, const std::string& path, bool fallback) {
  const toml::node* n = t.get(key);
  if (!n) return fallback;
  if (!n->is_boolean())
    throw config_error(path + "." + std::string(key) + " = " + describe(*n) + ": expected true or false");
  return n->as_boolean()->get();
}

inline double get_number(const toml::node& n, const std::string& where) {
  if (const auto* i = n.as_integer()) return static_cast<double>(i->get());
  if (const auto* f = n.as_floating_point()) {
    // TOML allows nan and inf; no setting here means anything with them.
    if (!std::isfinite(f->get())) throw config_error(where + " = " + describe(n) + ": expected a finite number");
    return f->get();
  }
  throw config_error(where + " = " + describe(n) + ": expected a number");
}

// A seed: an integer in [0, 2^32), as --seed.
inline std::uint32_t get_seed(const toml::node& n, const std::string& where) {
  const auto* i = n.as_integer();
  if (!i || i->get() < 0 || i->get() > 0xffffffffLL)
    throw config_error(where + " = " + describe(n) + ": must be an integer in [0, 2^32)");
  return static_cast<std::uint32_t>(i->get());
}

// An integer >= `min`.
inline std::int64_t get_int(const toml::node& n, const std::string& where, std::int64_t min) {
  const auto* i = n.as_integer();
  if (!i) throw config_error(where + " = " + describe(n) + ": expected an integer >= " + std::to_string(min));
  if (i->get() < min)
    throw config_error(where + " = " + std::to_string(i->get()) + ": must be >= " + std::to_string(min));
  return i->get();
}

}  // namespace detail

/// Checks and reads a search config. `source` (the file name) prefixes nothing: paths in messages
/// are TOML paths such as `search.strategy.setup.n_trials`.
inline search_config parse_search_config(const toml::table& root) {
  using namespace detail;
  search_config c;
  c.model = get_string(root, "model", "", c.model);
  c.dataset = get_string(root, "dataset", "", c.dataset);
  c.project = get_string(root, "project", "", c.project);
  if (const auto* n = root.get("batch_size")) c.batch_size = static_cast<std::size_t>(get_int(*n, "batch_size", 1));
  if (const auto* n = root.get("max_epochs")) c.max_epochs = static_cast<std::size_t>(get_int(*n, "max_epochs", 1));
  if (const auto* n = root.get("learning_rate")) c.learning_rate = get_number(*n, "learning_rate");
  if (const auto* n = root.get("seed")) c.seed = get_seed(*n, "seed");
  const auto& known = top_level_keys();
  for (const auto& [k, v] : root) {
    const std::string key(k.str());
    if (std::find(known.begin(), known.end(), key) == known.end())
      c.warnings.push_back(key + " = " + describe(v) + ": unknown top-level key, ignored; known keys are " +
                           join(known));
  }
  if (c.model.empty()) throw config_error("model = \"\": expected a model name");
  for (char ch : c.project)
    if (ch == '/' || ch == '\\') throw config_error("project = \"" + c.project + "\": must not contain a path separator");

  const toml::table* search = table_at(root, "search", "");
  if (!search) throw config_error("search: missing table [search]; expected [search.search_space] and [search.strategy]");
  check_keys(*search, "search", {"search_space", "strategy"});

  // [search.search_space]
  const toml::table* space = table_at(*search, "search_space", "search");
  if (!space) throw config_error("search.search_space: missing table");
  check_keys(*space, "search.search_space", {"name", "setup", "seed"});
  c.space_name = get_string(*space, "name", "search.search_space", c.space_name);
  if (c.space_name != "graph/quantize/mixed_precision_ptq")
    throw config_error("search.search_space.name = \"" + c.space_name +
                       "\": unknown search space; expected \"graph/quantize/mixed_precision_ptq\"");
  if (const toml::table* setup = table_at(*space, "setup", "search.search_space")) {
    check_keys(*setup, "search.search_space.setup", {"by"});
    c.by = get_string(*setup, "by", "search.search_space.setup", c.by);
    if (c.by != "name" && c.by != "type")
      throw config_error("search.search_space.setup.by = \"" + c.by + "\": expected \"name\" or \"type\"");
  }
  const toml::table* seed = table_at(*space, "seed", "search.search_space");
  if (!seed || seed->empty())
    throw config_error("search.search_space.seed: missing; expected at least seed.default.config");
  for (const auto& [entry, node] : ordered_entries(*seed)) {
    const std::string path = "search.search_space.seed." + entry;
    if (!node->is_table()) throw config_error(path + " = " + describe(*node) + ": expected a table");
    check_keys(*node->as_table(), path, {"config"});
    const toml::table* cfg = table_at(*node->as_table(), "config", path);
    if (!cfg) throw config_error(path + ".config: missing table");
    for (const auto& [key, choices] : ordered_entries(*cfg)) {
      const std::string kpath = path + ".config." + key;
      if (!choices->is_array())
        throw config_error(kpath + " = " + describe(*choices) + ": expected a list of choices");
      if (choices->as_array()->empty()) throw config_error(kpath + " = []: the choice list is empty");
    }
    c.space_seed[entry] = {{"config", to_json(*cfg)}};
  }

  // [search.strategy]
  const toml::table* strategy = table_at(*search, "strategy", "search");
  if (!strategy) throw config_error("search.strategy: missing table");
  check_keys(*strategy, "search.strategy", {"name", "eval_mode", "setup", "sw_runner", "hw_runner", "metrics"});
  c.strategy_name = get_string(*strategy, "name", "search.strategy", c.strategy_name);
  if (c.strategy_name != "optuna")
    throw config_error("search.strategy.name = \"" + c.strategy_name + "\": unknown strategy; expected \"optuna\"");
  c.eval_mode = get_bool(*strategy, "eval_mode", "search.strategy", c.eval_mode);
  // Rejected, not ignored: MASE would then evaluate in training mode (batch statistics, dropout),
  // which mixprec's inference-only graph cannot reproduce, so the results would silently differ.
  if (!c.eval_mode)
    throw config_error("search.strategy.eval_mode = false: not supported; mixprec evaluates post-training "
                       "quantization in inference mode only (expected true, or leave it out)");

  if (const toml::table* setup = table_at(*strategy, "setup", "search.strategy")) {
    const std::string p = "search.strategy.setup";
    check_keys(*setup, p, {"n_jobs", "n_trials", "timeout", "sampler", "sum_scaled_metrics", "direction",
                           "seed", "pkl_ckpt"});
    if (const auto* n = setup->get("n_jobs")) {
      const auto* i = n->as_integer();
      if (!i || (i->get() < 1 && i->get() != -1))
        throw config_error(p + ".n_jobs = " + describe(*n) + ": expected an integer >= 1, or -1 for every core");
      c.n_jobs = i->get() == -1 ? std::max(1u, std::thread::hardware_concurrency())
                                : static_cast<std::size_t>(i->get());
    }
    if (const auto* n = setup->get("n_trials")) c.n_trials = static_cast<std::size_t>(get_int(*n, p + ".n_trials", 1));
    if (const auto* n = setup->get("timeout")) {
      const double t = get_number(*n, p + ".timeout");  // finite: leave it out for no limit
      if (!(t > 0)) throw config_error(p + ".timeout = " + describe(*n) + ": must be > 0 seconds");
      c.timeout = t;
    }
    c.sampler = get_string(*setup, "sampler", p, c.sampler);
    const auto& names = sampler_names();
    if (std::find(names.begin(), names.end(), c.sampler) == names.end())
      throw config_error(p + ".sampler = \"" + c.sampler + "\": unknown sampler; expected one of " + join(names));
    c.sum_scaled_metrics = get_bool(*setup, "sum_scaled_metrics", p, c.sum_scaled_metrics);
    if (setup->get("direction"))
      c.direction = parse_direction(get_string(*setup, "direction", p, ""), p + ".direction");
    if (const auto* n = setup->get("seed")) c.sampler_seed = get_seed(*n, p + ".seed");
    if (setup->get("pkl_ckpt")) c.pkl_ckpt = get_string(*setup, "pkl_ckpt", p, "");
  }

  std::set<std::string> provided;  // metrics some runner produces
  if (const toml::table* sw = table_at(*strategy, "sw_runner", "search.strategy")) {
    check_keys(*sw, "search.strategy.sw_runner", {"basic_evaluation"});
    if (const toml::table* be = table_at(*sw, "basic_evaluation", "search.strategy.sw_runner")) {
      const std::string p = "search.strategy.sw_runner.basic_evaluation";
      check_keys(*be, p, {"data_loader", "num_samples"});
      basic_evaluation_config b;
      b.data_loader = get_string(*be, "data_loader", p, b.data_loader);
      static const std::vector<std::string> loaders{"train_dataloader", "val_dataloader", "test_dataloader",
                                                    "pred_dataloader"};
      if (std::find(loaders.begin(), loaders.end(), b.data_loader) == loaders.end())
        throw config_error(p + ".data_loader = \"" + b.data_loader + "\": expected one of " + join(loaders));
      if (const auto* n = be->get("num_samples")) b.num_samples = static_cast<std::size_t>(get_int(*n, p + ".num_samples", 1));
      c.basic_evaluation = b;
      provided.insert({"loss", "accuracy", "accuracy_micro"});
    }
  }
  if (const toml::table* hw = table_at(*strategy, "hw_runner", "search.strategy")) {
    check_keys(*hw, "search.strategy.hw_runner", {"average_bitwidth"});
    if (const toml::table* ab = table_at(*hw, "average_bitwidth", "search.strategy.hw_runner")) {
      const std::string p = "search.strategy.hw_runner.average_bitwidth";
      check_keys(*ab, p, {"compare_to"});
      average_bitwidth_config a;
      if (const auto* n = ab->get("compare_to")) {
        a.compare_to = get_number(*n, p + ".compare_to");
        if (!(*a.compare_to > 0)) throw config_error(p + ".compare_to = " + describe(*n) + ": must be > 0");
        provided.insert("memory_density");
      }
      c.average_bitwidth = a;
      provided.insert("average_bitwidth");
    }
  }

  const toml::table* metrics = table_at(*strategy, "metrics", "search.strategy");
  if (!metrics || metrics->empty())
    throw config_error("search.strategy.metrics: missing; expected at least one metric with scale and direction");
  for (const auto& [name, node] : *metrics) {
    const std::string p = "search.strategy.metrics." + std::string(name.str());
    if (!node.is_table()) throw config_error(p + " = " + describe(node) + ": expected a table with scale and direction");
    const auto& t = *node.as_table();
    check_keys(t, p, {"scale", "direction"});
    metric_config m;
    m.name = std::string(name.str());
    if (const auto* n = t.get("scale")) m.scale = get_number(*n, p + ".scale");
    if (!t.get("direction")) throw config_error(p + ".direction: missing; expected \"minimize\" or \"maximize\"");
    m.direction = parse_direction(get_string(t, "direction", p, ""), p + ".direction");
    if (!provided.count(m.name)) {
      std::vector<std::string> have(provided.begin(), provided.end());
      throw config_error(p + ": no runner produces metric \"" + m.name + "\"; configured runners produce " +
                         (have.empty() ? std::string("nothing") : join(have)));
    }
    c.metrics.push_back(m);
  }
  std::sort(c.metrics.begin(), c.metrics.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  if (c.sum_scaled_metrics && !c.direction)
    throw config_error("search.strategy.setup.direction: missing; sum_scaled_metrics = true needs one direction");
  return c;
}

/// Reads and checks a search config file (TOML); the warnings are left in search_config::warnings.
inline search_config load_search_config(const std::filesystem::path& file) {
  const toml::table root = parse_toml_file(file);
  try {
    return parse_search_config(root);
  } catch (const config_error& e) {
    throw config_error(file.string() + ": " + e.what());
  }
}

}  // namespace mixprec::config
