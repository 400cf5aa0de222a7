// Analysis passes over a quantized model: MASE's average_bitwidth (decisions.md 6), memory_density
// and bit operations (BOPs = MACs x weight width x data_in width), each also usable as a runner
// returning named metrics.
#pragma once
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <mixprec/error.hpp>
#include <mixprec/graph/model.hpp>
#include <mixprec/passes/quantize.hpp>

namespace mixprec {

/// Named metric values, as runners return them ("loss", "accuracy", "average_bitwidth", ...).
using metrics = std::map<std::string, double>;

/// The width float32 nodes count at where a bit count is needed (no format, or bypassed for BOPs).
inline constexpr int float_bits = 32;

/// MASE's average_bitwidth: sum(weights * weight_width) / sum(weights) over the linear and conv2d
/// nodes that have a config, bypassed ones included at their configured width (MASE counts them;
/// nodes left as they are with "name": null are not counted). Weight and bias bits of nothing
/// else count. With no such node it is 32, as MASE HEAD returns. The width is bit_width(format):
/// MASE's `weight_width` for every arithmetic, i.e. the element width, without the shared
/// exponents or biases of block formats and even where the quantizer ignores it (binary, ternary);
/// mxfp, which has no width key, counts 1 + exponent + fraction bits.
template <PassFormat F>
[[nodiscard]] double average_bitwidth(const model& m, const resolved_config<F>& config) {
  std::size_t weights = 0, bits = 0;
  for (std::size_t i = 0; i < m.size() && i < config.size(); ++i) {
    const auto& c = config[i];
    if (!c || !has_weight(m[i].op) || !c->weight) continue;
    const auto n = static_cast<std::size_t>(m[i].weight.size());
    weights += n;
    bits += n * static_cast<std::size_t>(bit_width(*c->weight));
  }
  // Both sums are exact integers, so the quotient is correctly rounded, like Python's bits / size.
  return weights == 0 ? double(float_bits) : static_cast<double>(bits) / static_cast<double>(weights);
}

template <PassFormat F>
[[nodiscard]] double average_bitwidth(const quantized_model<F>& q) {
  return average_bitwidth(q.base(), q.config());
}

/// memory_density = compare_to / average_bitwidth (e.g. 32 / 2.0 = 16); config_error unless compare_to > 0.
[[nodiscard]] inline double memory_density(double average_bits, double compare_to) {
  if (!(compare_to > 0.0))
    throw config_error("average_bitwidth.compare_to = " + std::to_string(compare_to) + ": must be > 0");
  return compare_to / average_bits;
}

/// BOPs of one node per sample.
struct bops_entry {
  std::string name;
  std::size_t macs = 0;   ///< multiply-accumulates per sample
  int weight_bits = 0;    ///< 32 when the node runs in float (bypassed or left as is)
  int data_in_bits = 0;
  double bops = 0.0;      ///< macs * weight_bits * data_in_bits
};

/// BOPs of every linear and conv2d node, and their total, per sample.
struct bops_report {
  std::vector<bops_entry> nodes;
  double total = 0.0;
};

/// Bit operations: MACs x weight width x data_in width for each linear / conv2d node, per sample,
/// with bit_width as in average_bitwidth. A node that runs in float (bypassed or without a config)
/// counts at 32 x 32 bits.
template <PassFormat F>
[[nodiscard]] bops_report bops(const model& m, const resolved_config<F>& config) {
  bops_report r;
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (!has_weight(m[i].op)) continue;
    bops_entry e{m[i].name, m.macs(i), float_bits, float_bits, 0.0};
    if (i < config.size() && config[i] && !config[i]->bypass) {
      e.weight_bits = bit_width(*config[i]->weight);
      e.data_in_bits = bit_width(*config[i]->data_in);
    }
    e.bops = static_cast<double>(e.macs) * e.weight_bits * e.data_in_bits;
    r.total += e.bops;
    r.nodes.push_back(std::move(e));
  }
  return r;
}

template <PassFormat F>
[[nodiscard]] bops_report bops(const quantized_model<F>& q) {
  return bops(q.base(), q.config());
}

/// Parameters of the average_bitwidth runner (`[search.strategy.hw_runner.average_bitwidth]`).
struct average_bitwidth_params {
  std::optional<double> compare_to;  ///< if set (> 0), memory_density = compare_to / average_bitwidth is reported
};

/// Hardware runner: {"average_bitwidth"} plus {"memory_density"} when compare_to is configured.
class average_bitwidth_runner {
 public:
  explicit average_bitwidth_runner(average_bitwidth_params p = {}) : params_(p) {
    if (params_.compare_to && !(*params_.compare_to > 0.0))
      throw config_error("average_bitwidth_params.compare_to = " + std::to_string(*params_.compare_to) +
                         ": must be > 0");
  }
  template <PassFormat F>
  [[nodiscard]] metrics operator()(const quantized_model<F>& q) const {
    metrics r{{"average_bitwidth", average_bitwidth(q)}};
    if (params_.compare_to) r["memory_density"] = memory_density(r["average_bitwidth"], *params_.compare_to);
    return r;
  }
  [[nodiscard]] const average_bitwidth_params& params() const { return params_; }

 private:
  average_bitwidth_params params_;
};

/// Hardware runner: {"bops": total BOPs per sample}.
struct bops_runner {
  template <PassFormat F>
  [[nodiscard]] metrics operator()(const quantized_model<F>& q) const {
    return {{"bops", bops(q).total}};
  }
};

}  // namespace mixprec
