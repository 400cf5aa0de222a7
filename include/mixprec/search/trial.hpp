// The vocabulary shared by studies and samplers: a choice dimension, a trial and its state,
// an objective direction. Every parameter is an index into a dimension's choice list, as in
// MASE, which calls suggest_int(key, 0, n_choices - 1) for every flattened key.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <mixprec/error.hpp>

namespace mixprec {

/// One searchable dimension: a name (MASE's flattened key, e.g. "seq_blocks_0/config/weight_width")
/// and how many choices it has. Samplers only ever see indexes in [0, n_choices).
struct dimension {
  std::string name;
  std::size_t n_choices = 0;
  friend bool operator==(const dimension&, const dimension&) = default;
};

/// Optuna's trial states.
enum class trial_state { running, waiting, complete, pruned, fail };

constexpr std::string_view to_string(trial_state s) {
  switch (s) {
    case trial_state::running: return "RUNNING";
    case trial_state::waiting: return "WAITING";
    case trial_state::complete: return "COMPLETE";
    case trial_state::pruned: return "PRUNED";
    case trial_state::fail: return "FAIL";
  }
  return "?";
}

/// The direction of one objective.
enum class direction { minimize, maximize };

constexpr std::string_view to_string(direction d) {
  return d == direction::minimize ? "minimize" : "maximize";
}

/// Parses "minimize" / "maximize"; anything else is a config_error naming `field` and the value.
inline direction parse_direction(std::string_view s, std::string_view field = "direction") {
  if (s == "minimize") return direction::minimize;
  if (s == "maximize") return direction::maximize;
  throw config_error(std::string(field) + " = \"" + std::string(s) +
                     "\": expected \"minimize\" or \"maximize\"");
}

/// A named group of metrics (software_metrics, hardware_metrics, scaled_metrics, ...).
using metric_map = std::map<std::string, double>;

/// One trial of a study. `params` holds one choice index per dimension of the study's space;
/// `values` one value per objective (empty unless the trial is complete, or pruned with a value).
struct trial {
  std::size_t number = 0;
  trial_state state = trial_state::running;
  std::vector<std::size_t> params;
  std::vector<double> values;
  /// Named metric groups kept for the logs (MASE's user_attrs_*_metrics).
  std::map<std::string, metric_map> user_attrs;
  /// Indexes fixed by enqueue(); samplers' values for them are ignored.
  std::optional<std::vector<std::size_t>> fixed_params;
  /// Epoch milliseconds (UTC); 0 when not set.
  std::int64_t datetime_start_ms = 0;
  std::int64_t datetime_complete_ms = 0;
};

/// The loss of value `v` under direction `d`: minimised objectives as they are, maximised negated.
constexpr double to_loss(double v, direction d) { return d == direction::minimize ? v : -v; }

/// What a sampler sees when asked for a trial's parameters: the space, every trial of the study
/// so far (any state, in number order; the asked trial itself is not among them), the
/// directions, and the asked trial's number.
struct sample_context {
  std::span<const dimension> dimensions;
  std::span<const trial> history;
  std::span<const direction> directions;
  std::size_t trial_number = 0;
};

}  // namespace mixprec
