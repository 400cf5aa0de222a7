// Training ToyNet on ToyTiny with MASE's `ch train` recipe: Adam (PyTorch's update), cosine
// annealing stepped per epoch, shuffled mini-batches, cross-entropy, and the epoch with the
// lowest validation loss kept. Forward and backward are hand-written over Eigen GEMMs.
#pragma once
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <numbers>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <mixprec/error.hpp>
#include <mixprec/random.hpp>

#include "toy_tiny.hpp"
#include "toynet.hpp"

namespace mixprec::toy {

/// The training recipe. Defaults are those of MASE's tutorial (`search_toy_tpe.toml`) and of
/// PyTorch's Adam and CosineAnnealingLR as MASE configures them.
struct train_params {
  std::uint32_t seed = 42;            ///< initialisation and shuffling seed
  std::size_t epochs = 5;             ///< >= 1; also the cosine schedule's T_max
  std::size_t batch_size = 512;       ///< >= 1; the last batch of an epoch may be smaller
  double learning_rate = 1e-2;        ///< > 0, Adam's lr at epoch 0
  double eta_min = 1e-6;              ///< >= 0, the cosine schedule's floor
  double beta1 = 0.9;                 ///< in [0, 1)
  double beta2 = 0.999;               ///< in [0, 1)
  double eps = 1e-8;                  ///< >= 0
  double weight_decay = 0.0;          ///< >= 0, added to the gradient (PyTorch's Adam, not AdamW)
  std::size_t num_train_samples = toy_tiny_num_samples;  ///< first samples of the train split
  std::size_t num_val_samples = toy_tiny_num_samples;    ///< first samples of the validation split
};

/// Throws config_error naming the first field that is out of range.
inline void validate(const train_params& p) {
  auto fail = [](const std::string& field, const std::string& value, const std::string& what) {
    throw config_error("train_params." + field + " = " + value + ": " + what);
  };
  if (p.epochs < 1) fail("epochs", std::to_string(p.epochs), "must be >= 1");
  if (p.batch_size < 1) fail("batch_size", std::to_string(p.batch_size), "must be >= 1");
  if (!(p.learning_rate > 0)) fail("learning_rate", std::to_string(p.learning_rate), "must be > 0");
  if (!(p.eta_min >= 0)) fail("eta_min", std::to_string(p.eta_min), "must be >= 0");
  if (!(p.beta1 >= 0 && p.beta1 < 1)) fail("beta1", std::to_string(p.beta1), "must be in [0, 1)");
  if (!(p.beta2 >= 0 && p.beta2 < 1)) fail("beta2", std::to_string(p.beta2), "must be in [0, 1)");
  if (!(p.eps >= 0)) fail("eps", std::to_string(p.eps), "must be >= 0");
  if (!(p.weight_decay >= 0)) fail("weight_decay", std::to_string(p.weight_decay), "must be >= 0");
  const std::string range = "must be in [1, " + std::to_string(toy_tiny_num_samples) + "]";
  if (p.num_train_samples < 1 || p.num_train_samples > toy_tiny_num_samples)
    fail("num_train_samples", std::to_string(p.num_train_samples), range);
  if (p.num_val_samples < 1 || p.num_val_samples > toy_tiny_num_samples)
    fail("num_val_samples", std::to_string(p.num_val_samples), range);
}

/// Loss and accuracies of logits against labels, as MASE's evaluation reports them.
struct classification_metrics {
  double loss = 0;            ///< mean cross-entropy of the float32 logits, computed in double
  double accuracy = 0;        ///< macro accuracy (torchmetrics): mean per-class recall
  double accuracy_micro = 0;  ///< correct / n
  std::size_t correct = 0;
};

/// Metrics of `logits` (n x C) against `labels`; argmax ties go to the lowest class index, and
/// the macro mean skips classes with tp + fp + fn = 0, as torchmetrics does.
inline classification_metrics compute_metrics(const row_matrix& logits, std::span<const std::int64_t> labels) {
  const auto n = static_cast<std::size_t>(logits.rows());
  const auto c = static_cast<std::size_t>(logits.cols());
  if (labels.size() != n)
    throw shape_error("labels: " + std::to_string(labels.size()) + " labels for " + std::to_string(n) + " logits rows");
  std::vector<std::size_t> tp(c, 0), fp(c, 0), fn(c, 0);
  classification_metrics m;
  double loss = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const float* z = logits.data() + i * c;
    std::size_t arg = 0;
    for (std::size_t k = 1; k < c; ++k)
      if (z[k] > z[arg]) arg = k;
    double mx = z[0];
    for (std::size_t k = 1; k < c; ++k) mx = std::max(mx, static_cast<double>(z[k]));
    double se = 0;
    for (std::size_t k = 0; k < c; ++k) se += std::exp(static_cast<double>(z[k]) - mx);
    const auto y = static_cast<std::size_t>(labels[i]);
    if (y >= c) throw shape_error("labels[" + std::to_string(i) + "] = " + std::to_string(labels[i]) +
                                  ": must be in [0, " + std::to_string(c) + ")");
    loss += mx + std::log(se) - static_cast<double>(z[y]);
    if (arg == y) {
      ++tp[y];
      ++m.correct;
    } else {
      ++fp[arg];
      ++fn[y];
    }
  }
  m.loss = n ? loss / static_cast<double>(n) : 0.0;
  m.accuracy_micro = n ? static_cast<double>(m.correct) / static_cast<double>(n) : 0.0;
  double recall_sum = 0;
  std::size_t present = 0;
  for (std::size_t k = 0; k < c; ++k) {
    if (tp[k] + fp[k] + fn[k] == 0) continue;
    ++present;
    if (tp[k] + fn[k] > 0) recall_sum += static_cast<double>(tp[k]) / static_cast<double>(tp[k] + fn[k]);
  }
  m.accuracy = present ? recall_sum / static_cast<double>(present) : 0.0;
  return m;
}

/// What one epoch did (epochs count from 1).
struct epoch_report {
  std::size_t epoch = 0;
  std::size_t epochs = 0;
  double learning_rate = 0;  ///< the rate used during this epoch
  double train_loss = 0;     ///< mean of the batch losses, weighted by batch size
  classification_metrics validation;
  double seconds = 0;        ///< wall time of the epoch, validation included
};

/// Progress hooks; either may be empty.
struct train_callbacks {
  std::function<void(std::size_t epoch, std::size_t batch, std::size_t num_batches)> on_batch;
  std::function<void(const epoch_report&)> on_epoch;
};

/// The kept model and the history of the run.
struct train_result {
  toynet model;                       ///< weights after the best epoch
  std::size_t best_epoch = 0;         ///< 1-based; the lowest validation loss, ties to the later
  std::vector<epoch_report> history;  ///< one entry per epoch
  double seconds = 0;                 ///< total wall time
};

/// CosineAnnealingLR's closed form at epoch t (0-based): eta_min + (lr - eta_min)(1 + cos(pi t/T))/2.
inline double cosine_lr(const train_params& p, std::size_t epoch) {
  const double t = static_cast<double>(epoch) / static_cast<double>(p.epochs);
  return p.eta_min + (p.learning_rate - p.eta_min) * (1.0 + std::cos(std::numbers::pi * t)) / 2.0;
}

namespace detail {

// Adam's state for one tensor; the update is PyTorch's single-tensor Adam, in float32 with the
// scalar factors computed in double (as Python floats are) and rounded once.
struct adam_slot {
  Eigen::ArrayXf m, v;
  void resize(Eigen::Index n) {
    m = Eigen::ArrayXf::Zero(n);
    v = Eigen::ArrayXf::Zero(n);
  }
  void step(float* param, const float* grad, Eigen::Index n, const train_params& p, double lr,
            std::size_t t) {
    const double bc1 = 1.0 - std::pow(p.beta1, static_cast<double>(t));
    const double bc2 = 1.0 - std::pow(p.beta2, static_cast<double>(t));
    const auto b1 = static_cast<float>(p.beta1), b2 = static_cast<float>(p.beta2);
    const auto one_b1 = static_cast<float>(1.0 - p.beta1), one_b2 = static_cast<float>(1.0 - p.beta2);
    const auto neg_step = static_cast<float>(-(lr / bc1));
    const auto bc2_sqrt = static_cast<float>(std::sqrt(bc2));
    const auto eps = static_cast<float>(p.eps);
    const auto wd = static_cast<float>(p.weight_decay);
    // Operation order as in PyTorch's kernels: add(alpha) = x + alpha*y, addcmul = x + (c*a)*b,
    // addcdiv = x + (c*a)/b; the order decides the last bit.
    for (Eigen::Index i = 0; i < n; ++i) {
      const float g = wd > 0 ? grad[i] + wd * param[i] : grad[i];
      m[i] = m[i] * b1 + one_b1 * g;
      v[i] = v[i] * b2 + (one_b2 * g) * g;
      const float denom = std::sqrt(v[i]) / bc2_sqrt + eps;
      param[i] = param[i] + (neg_step * m[i]) / denom;
    }
  }
};

// Buffers of one forward/backward pass, allocated once per run.
struct toynet_workspace {
  row_matrix x, h1, a1, h2, a2, z, dz, da2, da1;
  std::array<row_matrix, 3> dw;
  std::array<row_vector, 3> db;
};

// Forward, softmax cross-entropy (mean over the batch) and backward for one batch; returns the
// float32 batch loss.
inline float forward_backward(const toynet& net, toynet_workspace& ws, std::span<const std::int64_t> y) {
  const auto& l0 = net.layers[0];
  const auto& l1 = net.layers[1];
  const auto& l2 = net.layers[2];
  const Eigen::Index b = ws.x.rows();
  ws.h1.noalias() = ws.x * l0.weight.transpose();
  ws.h1.rowwise() += l0.bias;
  ws.a1 = ws.h1.cwiseMax(0.0f);
  ws.h2.noalias() = ws.a1 * l1.weight.transpose();
  ws.h2.rowwise() += l1.bias;
  ws.a2 = ws.h2.cwiseMax(0.0f);
  ws.z.noalias() = ws.a2 * l2.weight.transpose();
  ws.z.rowwise() += l2.bias;

  // d(mean CE)/dz = (softmax(z) - onehot(y)) / b
  ws.dz.resize(b, ws.z.cols());
  float loss = 0;
  const float inv_b = 1.0f / static_cast<float>(b);
  for (Eigen::Index i = 0; i < b; ++i) {
    const float mx = ws.z.row(i).maxCoeff();
    const auto e = (ws.z.row(i).array() - mx).exp().eval();
    const float s = e.sum();
    const auto yi = static_cast<Eigen::Index>(y[static_cast<std::size_t>(i)]);
    loss += std::log(s) + mx - ws.z(i, yi);
    ws.dz.row(i) = (e / s) * inv_b;
    ws.dz(i, yi) -= inv_b;
  }

  ws.dw[2].noalias() = ws.dz.transpose() * ws.a2;
  ws.db[2] = ws.dz.colwise().sum();
  ws.da2.noalias() = ws.dz * l2.weight;
  ws.da2 = (ws.h2.array() > 0.0f).select(ws.da2, 0.0f);
  ws.dw[1].noalias() = ws.da2.transpose() * ws.a1;
  ws.db[1] = ws.da2.colwise().sum();
  ws.da1.noalias() = ws.da2 * l1.weight;
  ws.da1 = (ws.h1.array() > 0.0f).select(ws.da1, 0.0f);
  ws.dw[0].noalias() = ws.da1.transpose() * ws.x;
  ws.db[0] = ws.da1.colwise().sum();
  return loss * inv_b;
}

// Float32 logits of a whole data set, in chunks so the activations stay in cache.
inline row_matrix logits_of(const toynet& net, const toy_tiny_data& d) {
  row_matrix out(static_cast<Eigen::Index>(d.num_samples), static_cast<Eigen::Index>(toynet_widths[3]));
  constexpr std::size_t chunk = 1024;
  for (std::size_t s = 0; s < d.num_samples; s += chunk) {
    const std::size_t n = std::min(chunk, d.num_samples - s);
    out.middleRows(static_cast<Eigen::Index>(s), static_cast<Eigen::Index>(n)) = toynet_forward(net, d.row(s), n);
  }
  return out;
}

}  // namespace detail

/// Loss and accuracies of an unquantized ToyNet on a data set.
inline classification_metrics evaluate_toynet(const toynet& net, const toy_tiny_data& d) {
  return compute_metrics(detail::logits_of(net, d), d.labels);
}

/// Trains ToyNet from scratch on ToyTiny. Deterministic: the same params give bit-identical
/// weights (initialisation and shuffling come from NumPy-compatible streams derived from seed).
inline train_result train_toynet(const train_params& p, const train_callbacks& cb = {}) {
  validate(p);
  using clock = std::chrono::steady_clock;
  const auto t_start = clock::now();
  const toy_tiny_data train = make_toy_tiny(toy_split::train, p.num_train_samples);
  const toy_tiny_data val = make_toy_tiny(toy_split::validation, p.num_val_samples);

  train_result result;
  toynet net = make_toynet(p.seed);
  std::array<detail::adam_slot, 6> adam;
  for (std::size_t l = 0; l < 3; ++l) {
    adam[2 * l].resize(net.layers[l].weight.size());
    adam[2 * l + 1].resize(net.layers[l].bias.size());
  }
  // Shuffling has its own stream so that changing the initialisation does not change the order.
  numpy_rng shuffle_rng(mix_seed(p.seed, 1));
  std::vector<std::size_t> order(train.num_samples);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::vector<std::int64_t> batch_labels;
  detail::toynet_workspace ws;
  const std::size_t num_batches = (train.num_samples + p.batch_size - 1) / p.batch_size;
  std::size_t adam_step = 0;
  double best_loss = 0;

  for (std::size_t epoch = 0; epoch < p.epochs; ++epoch) {
    const auto t_epoch = clock::now();
    const double lr = cosine_lr(p, epoch);
    shuffle_rng.shuffle(std::span<std::size_t>(order));
    double loss_sum = 0;
    for (std::size_t bi = 0; bi < num_batches; ++bi) {
      const std::size_t start = bi * p.batch_size;
      const std::size_t n = std::min(p.batch_size, train.num_samples - start);
      ws.x.resize(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(toy_tiny_num_features));
      batch_labels.resize(n);
      for (std::size_t i = 0; i < n; ++i) {
        const std::size_t src = order[start + i];
        std::copy_n(train.row(src), toy_tiny_num_features, ws.x.data() + i * toy_tiny_num_features);
        batch_labels[i] = train.labels[src];
      }
      loss_sum += static_cast<double>(detail::forward_backward(net, ws, batch_labels)) * static_cast<double>(n);
      ++adam_step;
      for (std::size_t l = 0; l < 3; ++l) {
        auto& layer = net.layers[l];
        adam[2 * l].step(layer.weight.data(), ws.dw[l].data(), layer.weight.size(), p, lr, adam_step);
        adam[2 * l + 1].step(layer.bias.data(), ws.db[l].data(), layer.bias.size(), p, lr, adam_step);
      }
      if (cb.on_batch) cb.on_batch(epoch + 1, bi + 1, num_batches);
    }
    epoch_report rep;
    rep.epoch = epoch + 1;
    rep.epochs = p.epochs;
    rep.learning_rate = lr;
    rep.train_loss = loss_sum / static_cast<double>(train.num_samples);
    rep.validation = evaluate_toynet(net, val);
    rep.seconds = std::chrono::duration<double>(clock::now() - t_epoch).count();
    if (result.history.empty() || rep.validation.loss <= best_loss) {
      best_loss = rep.validation.loss;
      result.best_epoch = rep.epoch;
      result.model = net;
    }
    result.history.push_back(rep);
    if (cb.on_epoch) cb.on_epoch(rep);
  }
  result.seconds = std::chrono::duration<double>(clock::now() - t_start).count();
  return result;
}

}  // namespace mixprec::toy
