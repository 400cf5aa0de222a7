// The model and the labelled split that `search` and `eval` evaluate: a model folder (--model)
// or a ToyNet checkpoint (--load), on a data folder (--data) or on ToyTiny. One place, so both
// commands read the same files and fail with the same messages.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <span>
#include <optional>
#include <string>

#include <fmt/core.h>

#include <mixprec/error.hpp>
#include <mixprec/graph/load.hpp>
#include <mixprec/graph/model.hpp>
#include <mixprec/io/dataset_folder.hpp>

#include "toy_tiny.hpp"
#include "toynet_graph.hpp"

namespace mixprec::toy {

/// How many values of `v` are NaN or infinite (inputs; model parameters: non_finite_parameters).
inline std::size_t count_non_finite(std::span<const float> v) {
  std::size_t n = 0;
  for (float x : v) n += std::isfinite(x) ? 0 : 1;
  return n;
}

/// Warns on stderr for each weight or bias of `net` holding NaN or Inf (every loss would be
/// NaN), naming the folder, the node and the count. Returns the number of warnings.
inline std::size_t warn_non_finite_model(const model& net, const std::filesystem::path& dir) {
  std::size_t warnings = 0;
  for (const auto& c : non_finite_parameters(net))
    for (const auto& [what, bad] : {std::pair<const char*, std::size_t>{"weight", c.weight}, {"bias", c.bias}})
      if (bad) {
        fmt::print(stderr, "warning: {}: node '{}' {} holds {} NaN or infinite value(s)\n", dir.string(), c.node,
                   what, bad);
        ++warnings;
      }
  return warnings;
}

/// Warns on stderr when the features of `data` hold NaN or Inf, naming `source` and the count.
inline std::size_t warn_non_finite_data(const io::labelled_data& data, const std::string& source) {
  const std::size_t bad = count_non_finite(data.features);
  if (bad) fmt::print(stderr, "warning: {}: {} NaN or infinite value(s) among {} inputs\n", source, bad, data.features.size());
  return bad ? 1 : 0;
}

/// The model of `--model` (a model.json folder) when given, else the checkpoint folder `load`.
/// config_error when `--model` comes without `--data` (ToyTiny fits no other model); io_error
/// naming the folder when it does not exist.
inline model load_model_option(const std::optional<std::filesystem::path>& model_dir,
                               const std::optional<std::filesystem::path>& data_dir,
                               const std::filesystem::path& load) {
  if (model_dir && !data_dir) throw config_error("--model needs --data (the data set to evaluate it on)");
  const std::filesystem::path dir = model_dir.value_or(load);
  if (!std::filesystem::is_directory(dir))
    throw io_error(dir.string() + ": checkpoint folder does not exist (train first, or pass --load / --model)");
  model net = model_dir ? load_model(dir) : load_checkpoint_model(dir);
  warn_non_finite_model(net, dir);
  return net;
}

/// The split `split` (train, validation, test or pred) of `--data` when given (all its samples;
/// shape_error when a sample does not fit `net`'s input), else the first `toy_tiny_samples`
/// samples of ToyTiny's split.
inline io::labelled_data load_data_option(const std::optional<std::filesystem::path>& data_dir,
                                          const std::string& split, const model& net,
                                          std::size_t toy_tiny_samples) {
  io::labelled_data data;
  if (data_dir) {
    data = io::load_split(*data_dir, split);
    if (data.sample_size() != net.input_size())
      throw shape_error(fmt::format("{}: samples have {} values, the model's input {} has {}", data_dir->string(),
                                    data.sample_size(), model::shape_string(net.input_shape()), net.input_size()));
    warn_non_finite_data(data, (*data_dir / ("x_" + split + ".npy")).string());
    return data;
  }
  const toy_tiny_data d = make_toy_tiny(parse_toy_split(split), toy_tiny_samples);
  data.sample_shape = {toy_tiny_num_features};
  data.features = d.features;
  data.labels = d.labels;
  return data;
}

}  // namespace mixprec::toy
