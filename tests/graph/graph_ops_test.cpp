// conv2d, max/avg pool2d, flatten, residual add and linear, in float and under an integer config,
// against PyTorch (tests/data/graph_ops, written by tests/data/gen_graph_ops.py); save/load round trip.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include <mixprec/graph/load.hpp>
#include <mixprec/io/npy.hpp>
#include <mixprec/passes/analysis.hpp>
#include <mixprec/passes/quantize.hpp>

#include "../test_data.hpp"

using namespace mixprec;
using mixprec::testing::binary_dir;
using mixprec::testing::data_dir;

namespace {
std::filesystem::path ops_dir() { return data_dir() / "graph_ops"; }

matrix load_input() {
  const auto a = io::read_npy(ops_dir() / "input.npy", io::npy_dtype::f4, {5, 2, 9, 9});
  matrix x(5, 2 * 9 * 9);
  const auto v = a.as<float>();
  std::copy(v.begin(), v.end(), x.data());
  return x;
}

// Largest |got - want| relative to the largest |want| (float sums in another order differ in the
// last bits, and some outputs are near zero).
double max_rel_diff(const matrix& got, const std::filesystem::path& want_file) {
  const auto want = io::read_npy(want_file, io::npy_dtype::f4, {5, 3}).as<float>();
  REQUIRE(got.size() == 15);
  double worst = 0.0, scale = 0.0;
  for (std::size_t k = 0; k < 15; ++k) {
    worst = std::max(worst, std::fabs(double(got.data()[k]) - want[k]));
    scale = std::max(scale, std::fabs(double(want[k])));
  }
  return worst / scale;
}

nlohmann::json read_json(const std::filesystem::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}
}  // namespace

TEST_SUITE("graph/ops") {
  TEST_CASE("the small CNN loads with PyTorch's shapes") {
    const model m = load_model(ops_dir());
    REQUIRE(m.size() == 10);
    CHECK(m[0].name == "conv_0");
    CHECK(m.out_shape(0) == std::vector<std::size_t>{4, 9, 9});
    CHECK(m.out_shape(4) == std::vector<std::size_t>{4, 5, 5});  // max_pool2d(3, 2, 1)
    CHECK(m.out_shape(5) == std::vector<std::size_t>{6, 3, 4});  // conv (3, 2), stride (2, 1), padding (1, 0)
    CHECK(m.out_shape(7) == std::vector<std::size_t>{6, 4, 5});  // avg_pool2d(2, 1, 1)
    CHECK(m.out_shape(8) == std::vector<std::size_t>{120});
    CHECK(m.output_size() == 3);
    CHECK(m.macs(0) == 4 * 2 * 9 * 81);
    CHECK(m.macs(9) == 120 * 3);
    CHECK(m.macs(1) == 0);
  }

  TEST_CASE("the float forward matches PyTorch") {
    const model m = load_model(ops_dir());
    CHECK(max_rel_diff(m.forward(load_input()), ops_dir() / "output_float.npy") < 1e-5);
  }

  TEST_CASE("the integer config matches PyTorch (relu unsigned, conv bias kept, bypass, residual add)") {
    const model m = load_model(ops_dir());
    const auto cfg = read_json(ops_dir() / "config_integer.json");
    const auto q = quantize(m, cfg);
    CHECK(max_rel_diff(q.forward(load_input()), ops_dir() / "output_integer.npy") < 1e-5);
    // The float output differs, so the check above does see the quantization.
    CHECK(max_rel_diff(m.forward(load_input()), ops_dir() / "output_integer.npy") > 1e-2);
    // Pools and flatten stay as they are; conv_2 is bypassed but configured.
    CHECK(!q.config()[4]);
    CHECK(q.config()[5]->bypass);
    CHECK(q.input_format(1)->get<integer_format>().is_signed == false);
    CHECK(q.input_format(3)->get<integer_format>().is_signed == true);
    CHECK(!q.input_format(5));
  }

  TEST_CASE("by type gives every node of a type the same formats") {
    const model m = load_model(ops_dir());
    const auto by_type = nlohmann::json::parse(R"({
      "by": "type",
      "conv2d": {"config": {"name": "integer", "data_in_width": 8, "data_in_frac_width": 4, "weight_width": 6,
                            "weight_frac_width": 5, "bias_width": 8, "bias_frac_width": 6}},
      "default": {"config": {"name": "integer", "data_in_width": 8, "data_in_frac_width": 3,
                             "weight_width": 4, "weight_frac_width": 3, "bias_width": 8, "bias_frac_width": 5}}})");
    nlohmann::json by_name = {{"default", by_type["default"]}};
    for (const char* conv : {"conv_0", "conv_1", "conv_2"}) by_name[conv] = by_type["conv2d"];
    const auto qt = quantize(m, by_type);
    const auto qn = quantize(m, by_name);
    const matrix x = load_input();
    CHECK(qt.forward(x) == qn.forward(x));
    CHECK(qt.config()[0]->source == "conv2d");
    CHECK(qt.config()[9]->source == "default");
    CHECK(qt.config()[9]->weight->width() == 4);
    CHECK(average_bitwidth(qt) == doctest::Approx((6.0 * (72 + 144 + 144) + 4.0 * 360) / (72 + 144 + 144 + 360)));
    // The caller's config is not modified (MASE pops "by").
    CHECK(by_type.contains("by"));
  }

  TEST_CASE("save then load gives the same model") {
    const model m = load_model(ops_dir());
    const auto folder = binary_dir() / "graph_ops_roundtrip";
    std::filesystem::remove_all(folder);
    save_model(m, folder);
    const model back = load_model(folder);
    REQUIRE(back.size() == m.size());
    for (std::size_t i = 0; i < m.size(); ++i) {
      CHECK(back[i].name == m[i].name);
      CHECK(back[i].op == m[i].op);
      CHECK(back[i].weight == m[i].weight);
      CHECK(back[i].bias == m[i].bias);
      CHECK(back.out_shape(i) == m.out_shape(i));
    }
    const matrix x = load_input();
    CHECK(back.forward(x) == m.forward(x));
    // Same bytes as PyTorch's tensors.
    const auto a = io::read_npy(folder / "conv_2.weight.npy");
    const auto b = io::read_npy(ops_dir() / "conv_2.weight.npy");
    CHECK(a.shape == b.shape);
    CHECK(a.bytes == b.bytes);
  }

  TEST_CASE("a workspace reused across forwards and batch sizes gives the same result") {
    const model m = load_model(ops_dir());
    const matrix x = load_input();
    forward_workspace ws;
    const matrix full = m.forward(matrix_view(x.data(), 5, x.cols()), ws);
    const matrix two = m.forward(matrix_view(x.data(), 2, x.cols()), ws);
    const matrix again = m.forward(matrix_view(x.data(), 5, x.cols()), ws);
    CHECK(again == full);
    // Eigen may pick another GEMM kernel for 2 rows: equal up to float rounding.
    CHECK((two - full.topRows(2)).cwiseAbs().maxCoeff() <= 1e-6f * full.cwiseAbs().maxCoeff());
  }
}
