// ToyNet, MASE's toy classifier: Linear(4,100) -> ReLU -> Linear(100,100) -> ReLU -> Linear(100,2)
// (fx node names seq_blocks_0..4). Weights are kept in PyTorch's layout (out x in) and saved as
// one float32 .npy per tensor, so checkpoints move between mixprec and PyTorch unchanged.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <mixprec/error.hpp>
#include <mixprec/io/npy.hpp>
#include <mixprec/random.hpp>

namespace mixprec::toy {

/// Row-major float32 matrix: a batch of samples (one per row) or a PyTorch-layout weight.
using row_matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
/// A bias, broadcast over the rows of a batch.
using row_vector = Eigen::Matrix<float, 1, Eigen::Dynamic>;

/// One fully connected layer, y = x W^T + b, with W of shape (out_features, in_features).
struct linear_layer {
  std::string name;  ///< the fx node name, e.g. "seq_blocks_0"
  row_matrix weight;
  row_vector bias;

  [[nodiscard]] std::size_t in_features() const { return static_cast<std::size_t>(weight.cols()); }
  [[nodiscard]] std::size_t out_features() const { return static_cast<std::size_t>(weight.rows()); }
};

/// ToyNet's three Linear layers; the ReLUs (seq_blocks_1, seq_blocks_3) have no parameters.
struct toynet {
  std::array<linear_layer, 3> layers;
};

/// Layer sizes of ToyNet: 4 -> 100 -> 100 -> 2.
inline constexpr std::array<std::size_t, 4> toynet_widths{4, 100, 100, 2};
/// fx node names of the Linear layers, in order.
inline constexpr std::array<const char*, 3> toynet_linear_names{"seq_blocks_0", "seq_blocks_2", "seq_blocks_4"};

/// A ToyNet with zero weights of the right shapes.
inline toynet make_toynet() {
  toynet net;
  for (std::size_t l = 0; l < 3; ++l) {
    const auto in = static_cast<Eigen::Index>(toynet_widths[l]);
    const auto out = static_cast<Eigen::Index>(toynet_widths[l + 1]);
    net.layers[l] = {toynet_linear_names[l], row_matrix::Zero(out, in), row_vector::Zero(out)};
  }
  return net;
}

/// PyTorch's default Linear initialisation: weight Kaiming-uniform with a = sqrt(5), which is
/// U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and bias from the same range; layer by layer, weight
/// then bias, row-major. The draws come from a NumPy-compatible stream seeded with `seed`
/// (PyTorch's own generator is not reproduced).
inline toynet make_toynet(std::uint32_t seed) {
  toynet net = make_toynet();
  numpy_rng rng(seed);
  for (auto& layer : net.layers) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(layer.in_features()));
    for (Eigen::Index i = 0; i < layer.weight.size(); ++i)
      layer.weight.data()[i] = static_cast<float>(rng.uniform(-bound, bound));
    for (Eigen::Index i = 0; i < layer.bias.size(); ++i)
      layer.bias[i] = static_cast<float>(rng.uniform(-bound, bound));
  }
  return net;
}

/// Writes one float32 .npy per tensor into `dir` (created if needed):
/// `seq_blocks_0.weight.npy` (100, 4), `seq_blocks_0.bias.npy` (100,), ... in PyTorch layout.
inline void save_toynet(const toynet& net, const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw io_error(dir.string() + ": cannot create checkpoint folder: " + ec.message());
  for (const auto& layer : net.layers) {
    io::write_npy(dir / (layer.name + ".weight.npy"), layer.weight.data(),
                  {layer.out_features(), layer.in_features()});
    io::write_npy(dir / (layer.name + ".bias.npy"), layer.bias.data(), {layer.out_features()});
  }
}

/// Reads a checkpoint written by save_toynet (or by PyTorch's state_dict saved tensor by tensor).
/// A missing file, a dtype other than float32 or a wrong shape is an io_error naming the file.
inline toynet load_toynet(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir))
    throw io_error(dir.string() + ": checkpoint folder does not exist");
  toynet net = make_toynet();
  for (auto& layer : net.layers) {
    const auto w = io::read_npy(dir / (layer.name + ".weight.npy"), io::npy_dtype::f4,
                                {layer.out_features(), layer.in_features()})
                       .as<float>();
    const auto b = io::read_npy(dir / (layer.name + ".bias.npy"), io::npy_dtype::f4,
                                {layer.out_features()})
                       .as<float>();
    std::copy(w.begin(), w.end(), layer.weight.data());
    std::copy(b.begin(), b.end(), layer.bias.data());
  }
  return net;
}

/// The float32 logits (n x 2) of ToyNet for `n` samples at `x` (row-major n x 4), unquantized.
inline row_matrix toynet_forward(const toynet& net, const float* x, std::size_t n) {
  const auto rows = static_cast<Eigen::Index>(n);
  Eigen::Map<const row_matrix> in(x, rows, static_cast<Eigen::Index>(toynet_widths[0]));
  row_matrix h = in * net.layers[0].weight.transpose();
  h.rowwise() += net.layers[0].bias;
  h = h.cwiseMax(0.0f);
  row_matrix h2 = h * net.layers[1].weight.transpose();
  h2.rowwise() += net.layers[1].bias;
  h2 = h2.cwiseMax(0.0f);
  row_matrix out = h2 * net.layers[2].weight.transpose();
  out.rowwise() += net.layers[2].bias;
  return out;
}

}  // namespace mixprec::toy
