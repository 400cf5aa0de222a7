// `mixprec-toy eval`: applies a quantization config (MASE's nested shape, TOML or JSON) to a
// trained ToyNet or to a model folder (--model) and prints basic_evaluation's metrics on ToyTiny
// or on a data folder (--data), and average_bitwidth, as one JSON object.
#pragma once
#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <mixprec/config/toml_json.hpp>
#include <mixprec/error.hpp>
#include <mixprec/passes/analysis.hpp>
#include <mixprec/passes/quantize.hpp>
#include <mixprec/runners/evaluate.hpp>

#include "cmd_train.hpp"
#include "cli_checks.hpp"
#include "model_data.hpp"
#include "toy_tiny.hpp"

namespace mixprec::toy {

/// Command-line options of `eval`.
struct eval_command_options {
  std::filesystem::path load = default_training_dir();
  std::filesystem::path config;
  std::optional<std::filesystem::path> model_dir, data_dir;  ///< as in `search`
  std::size_t num_samples = 512;
  std::size_t batch_size = 512;
  std::string split = "validation";
};

/// Registers the `eval` subcommand; the options are filled in when it parses.
inline CLI::App* add_eval_command(CLI::App& app, eval_command_options& o) {
  CLI::App* sub = app.add_subcommand("eval", "Evaluate a quantization config on a trained ToyNet or a model folder");
  sub->add_option("--load", o.load, "Checkpoint folder (one .npy per tensor, optional model.json)")
      ->capture_default_str();
  sub->add_option("--config", o.config, "Quantization config, TOML or .json, MASE's nested shape")->required();
  sub->add_option("--model", o.model_dir, "Model folder (model.json + .npy tensors) instead of ToyNet");
  sub->add_option("--data", o.data_dir, "Data folder (x_<split>.npy float32, y_<split>.npy int64) instead of ToyTiny");
  // The upper bound depends on the split, so eval_quantized checks it.
  sub->add_option("--num-samples", o.num_samples, "Evaluate the first N samples of the split")
      ->capture_default_str()
      ->check(integer_at_least(1));
  sub->add_option("--batch-size", o.batch_size, "Batch size of the evaluation")
      ->capture_default_str()
      ->check(integer_at_least(1));
  sub->add_option("--split", o.split, "train, validation, test or pred")->capture_default_str();
  return sub;
}

/// The metrics `eval` prints, as a JSON object.
inline nlohmann::ordered_json eval_quantized(const eval_command_options& o) {
  // Canonical split name ("val" -> "validation"): ToyTiny's split, or x_<split>.npy / y_<split>.npy.
  const std::string split(toy_split_name(parse_toy_split(o.split)));
  const model m = load_model_option(o.model_dir, o.data_dir, o.load);
  const io::labelled_data data =
      load_data_option(o.data_dir, split, m, std::min(o.num_samples, toy_tiny_num_samples));
  const std::size_t available = o.data_dir ? data.labels.size() : toy_tiny_num_samples;
  if (o.num_samples > available)
    throw config_error(fmt::format("--num-samples = {}: must be in [1, {}] (the samples of {})", o.num_samples,
                                   available,
                                   o.data_dir ? (*o.data_dir / ("x_" + split + ".npy")).string()
                                              : "ToyTiny's " + split + " split"));
  // TOML tables come back in file order; the pass reads plain JSON.
  const nlohmann::json config = nlohmann::json::parse(config::read_config_file(o.config).dump());
  const auto quantized = [&] {
    try {
      return quantize(m, config);
    } catch (const config_error& e) {
      throw config_error(o.config.string() + ": " + e.what());
    }
  }();
  basic_evaluation runner(data.view(), {.num_samples = o.num_samples, .batch_size = o.batch_size});
  const evaluation_result r = runner.evaluate(quantized);
  nlohmann::ordered_json out;
  out["loss"] = r.loss;
  out["accuracy"] = r.accuracy_macro;
  out["accuracy_micro"] = r.accuracy_micro;
  out["correct"] = r.correct;
  out["num_samples"] = r.num_samples;
  out["split"] = split;
  out["average_bitwidth"] = average_bitwidth(quantized);
  return out;
}

/// Runs `eval`: one JSON object on stdout; returns the process exit code.
inline int run_eval_command(const eval_command_options& o) {
  fmt::print("{}\n", eval_quantized(o).dump());
  return 0;
}

}  // namespace mixprec::toy
