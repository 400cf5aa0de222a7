// log.json and best.json as MASE writes them (Optuna's trials dataframe, decisions.md 13,
// samplers.md §7): one row per trial keyed by position, user attributes as nested objects.
#pragma once
#include <cstddef>
#include <filesystem>
#include <functional>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include <mixprec/io/atomic_file.hpp>
#include <mixprec/io/json_format.hpp>
#include <mixprec/search/trial.hpp>

namespace mixprec::io {

/// Turns a trial's choice indexes into the nested config MASE logs as `sampled_config`.
using config_decoder = std::function<nlohmann::ordered_json(std::span<const std::size_t>)>;

namespace detail {

inline nlohmann::ordered_json metrics_json(const metric_map& m) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j;
}

inline nlohmann::ordered_json value_or_null(const trial& t, std::size_t i) {
  if (i < t.values.size()) return t.values[i];
  return nullptr;
}

}  // namespace detail

/// The trials dataframe: columns number, value (one objective) or values_0.. (several),
/// user_attrs_<key> sorted by key (sampled_config among them), system_attrs_fixed_params when
/// some trial was enqueued, state, datetime_start, datetime_complete, duration (epoch ms, UTC).
inline nlohmann::ordered_json trials_dataframe(std::span<const trial> trials, std::size_t n_objectives,
                                               const config_decoder& decode) {
  bool any_fixed = false;
  std::map<std::string, bool> attr_keys{{"sampled_config", true}};
  for (const auto& t : trials) {
    any_fixed = any_fixed || t.fixed_params.has_value();
    for (const auto& [k, v] : t.user_attrs) attr_keys[k] = true;
  }
  nlohmann::ordered_json rows = nlohmann::ordered_json::object();
  for (std::size_t pos = 0; pos < trials.size(); ++pos) {
    const trial& t = trials[pos];
    nlohmann::ordered_json r = nlohmann::ordered_json::object();
    r["number"] = t.number;
    if (n_objectives == 1) {
      r["value"] = detail::value_or_null(t, 0);
    } else {
      for (std::size_t i = 0; i < n_objectives; ++i) r["values_" + std::to_string(i)] = detail::value_or_null(t, i);
    }
    for (const auto& [key, unused] : attr_keys) {
      if (key == "sampled_config") {
        r["user_attrs_sampled_config"] = t.params.empty() ? nlohmann::ordered_json(nullptr) : decode(t.params);
      } else if (auto it = t.user_attrs.find(key); it != t.user_attrs.end()) {
        r["user_attrs_" + key] = detail::metrics_json(it->second);
      } else {
        r["user_attrs_" + key] = nullptr;
      }
    }
    if (any_fixed) {
      if (t.fixed_params) r["system_attrs_fixed_params"] = decode(*t.fixed_params);
      else r["system_attrs_fixed_params"] = nullptr;
    }
    r["state"] = std::string(to_string(t.state));
    if (t.datetime_start_ms) r["datetime_start"] = t.datetime_start_ms;
    else r["datetime_start"] = nullptr;
    const bool finished = t.state != trial_state::running && t.state != trial_state::waiting;
    if (finished && t.datetime_complete_ms) {
      r["datetime_complete"] = t.datetime_complete_ms;
      r["duration"] = t.datetime_complete_ms - t.datetime_start_ms;
    } else {
      r["datetime_complete"] = nullptr;
      r["duration"] = nullptr;
    }
    rows[std::to_string(pos)] = std::move(r);
  }
  return rows;
}

/// best.json: MASE's columns (number, value, software_metrics, hardware_metrics, scaled_metrics,
/// sampled_config), rows keyed by position in `best`. `value` is a number for one objective and a
/// list for several (MASE always writes a list: decisions.md 13).
inline nlohmann::ordered_json best_table(std::span<const trial> best, std::size_t n_objectives,
                                         const config_decoder& decode) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::object();
  for (std::size_t pos = 0; pos < best.size(); ++pos) {
    const trial& t = best[pos];
    nlohmann::ordered_json r = nlohmann::ordered_json::object();
    r["number"] = t.number;
    if (n_objectives == 1) {
      r["value"] = detail::value_or_null(t, 0);
    } else {
      r["value"] = nlohmann::ordered_json::array();
      for (double v : t.values) r["value"].push_back(v);
    }
    for (const char* key : {"software_metrics", "hardware_metrics", "scaled_metrics"}) {
      auto it = t.user_attrs.find(key);
      r[key] = it == t.user_attrs.end() ? nlohmann::ordered_json::object() : detail::metrics_json(it->second);
    }
    r["sampled_config"] = decode(t.params);
    rows[std::to_string(pos)] = std::move(r);
  }
  return rows;
}

/// Writes log.json and best.json into `dir`, each through a temporary file and a rename.
inline void write_trials_logs(const std::filesystem::path& dir, std::span<const trial> trials,
                              std::span<const trial> best, std::size_t n_objectives,
                              const config_decoder& decode) {
  write_file_atomically(dir / "log.json", to_pandas_json(trials_dataframe(trials, n_objectives, decode)));
  write_file_atomically(dir / "best.json", to_pandas_json(best_table(best, n_objectives, decode)));
}

}  // namespace mixprec::io
