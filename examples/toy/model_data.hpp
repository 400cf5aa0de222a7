// The model and the labelled split that `search` and `eval` evaluate: a model folder (--model)
// or a ToyNet checkpoint (--load), on a data folder (--data) or on ToyTiny. One place, so both
// commands read the same files and fail with the same messages.
#pragma once
#include <cstddef>
#include <filesystem>
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
  return model_dir ? load_model(dir) : load_checkpoint_model(dir);
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
    return data;
  }
  const toy_tiny_data d = make_toy_tiny(parse_toy_split(split), toy_tiny_samples);
  data.sample_shape = {toy_tiny_num_features};
  data.features = d.features;
  data.labels = d.labels;
  return data;
}

}  // namespace mixprec::toy
