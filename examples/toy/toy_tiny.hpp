// ToyTiny, MASE's toy classification data set: four uniform features in [-1, 1), label 1 when
// their sum is positive. Each split is NumPy's legacy RandomState(seed).rand stream, so the
// data are identical, bit for bit, to what MASE trains and evaluates on.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <mixprec/error.hpp>
#include <mixprec/random.hpp>

namespace mixprec::toy {

/// The four splits of ToyTiny; each has its own RandomState seed (0, 1, 2, 3).
enum class toy_split { train, validation, test, pred };

/// Number of samples per split in MASE, and of features per sample.
inline constexpr std::size_t toy_tiny_num_samples = 10240;
inline constexpr std::size_t toy_tiny_num_features = 4;
inline constexpr std::size_t toy_tiny_num_classes = 2;

/// The RandomState seed MASE uses for a split.
constexpr std::uint32_t toy_split_seed(toy_split s) { return static_cast<std::uint32_t>(s); }

/// The split's name as MASE and the command line spell it.
constexpr std::string_view toy_split_name(toy_split s) {
  constexpr std::array<std::string_view, 4> names{"train", "validation", "test", "pred"};
  return names[static_cast<std::size_t>(s)];
}

/// Parses a split name ("train", "validation" (or "val"), "test", "pred"); anything else is a
/// config_error naming the value and the valid names.
inline toy_split parse_toy_split(std::string_view name) {
  if (name == "train") return toy_split::train;
  if (name == "validation" || name == "val") return toy_split::validation;
  if (name == "test") return toy_split::test;
  if (name == "pred") return toy_split::pred;
  throw config_error("split = \"" + std::string(name) +
                     "\": unknown split (expected train, validation, test or pred)");
}

/// The float64 features of the first `num_samples` rows of a split, row-major (n x 4):
/// (rand() - 0.5) * 2, exactly as MASE computes them before casting to float32.
inline std::vector<double> toy_tiny_features_f64(toy_split s,
                                                 std::size_t num_samples = toy_tiny_num_samples) {
  numpy_rng rng(toy_split_seed(s));
  std::vector<double> x(num_samples * toy_tiny_num_features);
  for (double& v : x) v = (rng.random_sample() - 0.5) * 2.0;
  return x;
}

/// One split in the form models consume: float32 features (row-major n x 4) and int64 labels.
struct toy_tiny_data {
  toy_split split = toy_split::validation;
  std::size_t num_samples = 0;
  std::vector<float> features;       ///< n x 4, row-major, each the float64 value rounded to nearest
  std::vector<std::int64_t> labels;  ///< n, 1 when the float64 row sums to > 0, else 0

  /// The features of sample i (4 values).
  [[nodiscard]] const float* row(std::size_t i) const { return features.data() + i * toy_tiny_num_features; }
};

/// Builds the first `num_samples` samples (1..10240) of a split. The label uses the float64 row
/// summed left to right, as NumPy's sum over a 4-element row does.
inline toy_tiny_data make_toy_tiny(toy_split s, std::size_t num_samples = toy_tiny_num_samples) {
  if (num_samples < 1 || num_samples > toy_tiny_num_samples)
    throw config_error("num_samples = " + std::to_string(num_samples) + ": must be in [1, " +
                       std::to_string(toy_tiny_num_samples) + "] for ToyTiny");
  const std::vector<double> x = toy_tiny_features_f64(s, num_samples);
  toy_tiny_data d;
  d.split = s;
  d.num_samples = num_samples;
  d.features.resize(x.size());
  d.labels.resize(num_samples);
  for (std::size_t i = 0; i < num_samples; ++i) {
    double sum = 0.0;
    for (std::size_t j = 0; j < toy_tiny_num_features; ++j) {
      const double v = x[i * toy_tiny_num_features + j];
      sum += v;
      d.features[i * toy_tiny_num_features + j] = static_cast<float>(v);
    }
    d.labels[i] = sum > 0.0 ? 1 : 0;
  }
  return d;
}

}  // namespace mixprec::toy
