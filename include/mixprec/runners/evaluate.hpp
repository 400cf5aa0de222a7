// MASE's software runner `basic_evaluation` (decisions.md 7): cross-entropy loss, macro accuracy
// (torchmetrics' MulticlassAccuracy default) and micro accuracy over the first num_samples samples
// of a split, in batches of batch_size, computed afresh for every evaluation.
#pragma once
#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <mixprec/cancel.hpp>
#include <mixprec/error.hpp>
#include <mixprec/graph/model.hpp>

namespace mixprec {

/// A labelled data set seen as spans: row-major (num_samples x sample_size) float32 features and
/// one class index per sample.
struct dataset_view {
  std::span<const float> features;
  std::span<const std::int64_t> labels;
  std::size_t sample_size = 0;

  [[nodiscard]] std::size_t num_samples() const { return labels.size(); }
};

/// `[search.strategy.sw_runner.basic_evaluation]` plus the batch size of the data loader.
struct basic_evaluation_params {
  std::size_t num_samples = 512;  ///< the first num_samples samples are evaluated (not rounded up to batches)
  std::size_t batch_size = 512;
};

/// Everything one evaluation measured.
struct evaluation_result {
  double loss = 0.0;            ///< mean cross-entropy, computed in double from the float32 logits
  double accuracy_macro = 0.0;  ///< mean per-class recall over classes with tp + fp + fn > 0
  double accuracy_micro = 0.0;  ///< correct / num_samples
  std::size_t correct = 0;
  std::size_t num_samples = 0;
  std::vector<std::size_t> tp, fp, fn;  ///< per class

  /// MASE's metric names: {"loss", "accuracy" (macro), "accuracy_micro"}.
  [[nodiscard]] std::map<std::string, double> as_metrics() const {
    return {{"loss", loss}, {"accuracy", accuracy_macro}, {"accuracy_micro", accuracy_micro}};
  }
};

/// A model the runner can evaluate: a batched forward into a workspace.
template <class M>
concept Forwardable = requires(const M& m, matrix_view x, forward_workspace& ws) {
  { m.forward(x, ws) } -> std::same_as<matrix_view>;
};
static_assert(Forwardable<model>);

/// Accumulates the loss and the confusion counts of logits against labels.
class classification_tally {
 public:
  explicit classification_tally(std::size_t num_classes)
      : tp_(num_classes, 0), fp_(num_classes, 0), fn_(num_classes, 0) {}

  /// Adds a batch: logits (rows = samples), labels[r] the class of row r. Argmax ties go to the
  /// lowest class; the loss is logsumexp(logits) - logits[label] in double.
  void add(matrix_view logits, std::span<const std::int64_t> labels) {
    const auto classes = static_cast<std::size_t>(logits.cols());
    if (classes != tp_.size())
      throw shape_error("basic_evaluation: the model outputs " + std::to_string(classes) + " logits per sample, expected " +
                        std::to_string(tp_.size()));
    for (std::size_t r = 0; r < labels.size(); ++r) {
      const float* l = logits.data() + r * classes;
      const std::int64_t y = labels[r];
      if (y < 0 || static_cast<std::size_t>(y) >= classes)
        throw shape_error("basic_evaluation: label " + std::to_string(y) + " of sample " + std::to_string(seen_ + r) +
                          " is not a class of a " + std::to_string(classes) + "-logit model");
      std::size_t best = 0;
      double mx = l[0];
      for (std::size_t c = 1; c < classes; ++c)
        if (l[c] > l[best]) best = c;
      for (std::size_t c = 1; c < classes; ++c) mx = std::max(mx, double(l[c]));
      double s = 0.0;
      for (std::size_t c = 0; c < classes; ++c) s += std::exp(double(l[c]) - mx);
      loss_sum_ += mx + std::log(s) - double(l[y]);
      const auto t = static_cast<std::size_t>(y);
      if (best == t) {
        ++tp_[t];
      } else {
        ++fp_[best];
        ++fn_[t];
      }
    }
    seen_ += labels.size();
  }

  [[nodiscard]] evaluation_result result() const {
    evaluation_result r;
    r.num_samples = seen_;
    r.tp = tp_;
    r.fp = fp_;
    r.fn = fn_;
    for (auto v : tp_) r.correct += v;
    if (seen_ == 0) return r;
    r.loss = loss_sum_ / double(seen_);
    r.accuracy_micro = double(r.correct) / double(seen_);
    double sum = 0.0;
    std::size_t present = 0;
    for (std::size_t c = 0; c < tp_.size(); ++c) {
      if (tp_[c] + fp_[c] + fn_[c] == 0) continue;  // torchmetrics drops absent classes from the mean
      ++present;
      const std::size_t support = tp_[c] + fn_[c];
      sum += support == 0 ? 0.0 : double(tp_[c]) / double(support);
    }
    r.accuracy_macro = present == 0 ? 0.0 : sum / double(present);
    return r;
  }

 private:
  std::vector<std::size_t> tp_, fp_, fn_;
  double loss_sum_ = 0.0;
  std::size_t seen_ = 0;
};

/// The basic_evaluation runner over one data set. Each call starts from zero (MASE accumulates
/// across trials; decisions.md 3). Keeps one workspace, so it is not shared between threads.
class basic_evaluation {
 public:
  /// config_error for num_samples outside [1, data size] or batch_size 0; shape_error when the
  /// feature span does not hold num_samples x sample_size values.
  basic_evaluation(dataset_view data, basic_evaluation_params p = {}) : data_(data), params_(p) {
    if (params_.batch_size == 0) throw config_error("basic_evaluation.batch_size = 0: must be >= 1");
    if (params_.num_samples == 0 || params_.num_samples > data_.num_samples())
      throw config_error("basic_evaluation.num_samples = " + std::to_string(params_.num_samples) + ": must be in [1, " +
                         std::to_string(data_.num_samples()) + "] (the size of the split)");
    if (data_.sample_size == 0 || data_.features.size() < params_.num_samples * data_.sample_size)
      throw shape_error("basic_evaluation: features hold " + std::to_string(data_.features.size()) + " values, expected " +
                        std::to_string(params_.num_samples) + " samples x " + std::to_string(data_.sample_size));
  }

  /// Evaluates `m` on the first num_samples samples. Inside a study's trial, a stop request
  /// ends it between batches (trial_cancelled, see cancel.hpp).
  template <Forwardable M>
  [[nodiscard]] evaluation_result evaluate(const M& m, forward_workspace& ws) const {
    std::size_t classes = 0;
    std::optional<classification_tally> tally;
    for (std::size_t start = 0; start < params_.num_samples; start += params_.batch_size) {
      throw_if_cancelled();
      const std::size_t n = std::min(params_.batch_size, params_.num_samples - start);
      const matrix_view x(data_.features.data() + start * data_.sample_size, static_cast<Eigen::Index>(n),
                          static_cast<Eigen::Index>(data_.sample_size));
      const matrix_view logits = m.forward(x, ws);
      if (!tally) {
        classes = static_cast<std::size_t>(logits.cols());
        tally.emplace(classes);
      }
      tally->add(logits, data_.labels.subspan(start, n));
    }
    return tally->result();
  }
  template <Forwardable M>
  [[nodiscard]] evaluation_result evaluate(const M& m) {
    return evaluate(m, ws_);
  }

  /// Runner form: {"loss", "accuracy", "accuracy_micro"}.
  template <Forwardable M>
  [[nodiscard]] std::map<std::string, double> operator()(const M& m) {
    return evaluate(m, ws_).as_metrics();
  }

  [[nodiscard]] const basic_evaluation_params& params() const { return params_; }

 private:
  dataset_view data_;
  basic_evaluation_params params_;
  forward_workspace ws_;
};

}  // namespace mixprec
