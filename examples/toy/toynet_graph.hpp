// ToyNet as a mixprec::model graph (fx node names seq_blocks_0..4), so the quantize pass and the
// runners can work on it; and loading a checkpoint folder whichever way it was written.
#pragma once
#include <filesystem>

#include <mixprec/graph/load.hpp>
#include <mixprec/graph/model.hpp>

#include "toynet.hpp"

namespace mixprec::toy {

/// The graph of a ToyNet: linear, relu, linear, relu, linear, with copies of its weights.
inline model toynet_model(const toynet& net) {
  model m({toynet_widths[0]});
  for (std::size_t l = 0; l < net.layers.size(); ++l) {
    const auto& layer = net.layers[l];
    node n;
    n.name = layer.name;
    n.op = op_kind::linear;
    n.weight = layer.weight;
    n.bias = layer.bias;
    m.add(std::move(n));
    if (l + 1 < net.layers.size()) {
      node r;
      r.name = "seq_blocks_" + std::to_string(2 * l + 1);
      r.op = op_kind::relu;
      m.add(std::move(r));
    }
  }
  return m;
}

/// A model from a checkpoint folder: `model.json` plus tensors when the folder has one (any
/// graph), else ToyNet's six .npy files (e.g. tensors saved from a PyTorch state_dict).
inline model load_checkpoint_model(const std::filesystem::path& dir) {
  if (std::filesystem::exists(dir / "model.json")) return load_model(dir);
  return toynet_model(load_toynet(dir));
}

}  // namespace mixprec::toy
