// Shared test fixtures: the golden ToyNet (tests/data/golden/toynet) as a mixprec model, and the
// first rows of ToyTiny's validation split built with NumPy's RandomState(1).
#pragma once
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include <mixprec/graph/load.hpp>
#include <mixprec/random.hpp>

#include "../test_data.hpp"

namespace mixprec::testing {

/// ToyNet's description in the model.json schema (the golden folder holds only the tensors).
inline nlohmann::json toynet_description() {
  return nlohmann::json::parse(R"({
    "input": {"name": "x", "shape": [4]},
    "nodes": [
      {"name": "seq_blocks_0", "op": "linear", "attributes": {"in_features": 4, "out_features": 100}},
      {"name": "seq_blocks_1", "op": "relu"},
      {"name": "seq_blocks_2", "op": "linear", "attributes": {"in_features": 100, "out_features": 100}},
      {"name": "seq_blocks_3", "op": "relu"},
      {"name": "seq_blocks_4", "op": "linear", "attributes": {"in_features": 100, "out_features": 2}}
    ]})");
}

inline model golden_toynet() { return load_model(toynet_description(), golden_dir() / "toynet", "toynet"); }

/// Rows 0..n-1 of a ToyTiny split: (random_sample() - 0.5) * 2 in float64, 4 per row, cast to
/// float32; label = float64 row sum > 0.
struct toy_rows {
  std::vector<double> f64;
  std::vector<float> f32;
  std::vector<std::int64_t> labels;
};

inline toy_rows toy_tiny_rows(std::uint32_t seed, std::size_t n) {
  toy_rows r;
  numpy_rng rng(seed);
  for (std::size_t i = 0; i < n; ++i) {
    double sum = 0.0;
    for (int k = 0; k < 4; ++k) {
      const double v = (rng.random_sample() - 0.5) * 2.0;
      r.f64.push_back(v);
      r.f32.push_back(static_cast<float>(v));
      sum += v;
    }
    r.labels.push_back(sum > 0.0 ? 1 : 0);
  }
  return r;
}

}  // namespace mixprec::testing
