// average_bitwidth, memory_density and BOPs against the tutorial's figures and MASE's own
// total_bits passes (tests/data/golden/search/toy_search_space.json).
#include <doctest/doctest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include <mixprec/passes/analysis.hpp>
#include <mixprec/passes/quantize.hpp>

#include "toynet_fixture.hpp"

using namespace mixprec;
using mixprec::testing::golden_dir;

namespace {
const model& toynet() {
  static const model m = mixprec::testing::golden_toynet();
  return m;
}

// A by-name config with the given weight widths for seq_blocks_0/2/4 (data 8 bit, frac 4).
nlohmann::json widths_config(int w0, int w2, int w4, bool bypass_first = false) {
  auto node = [](int w, bool bypass) {
    return nlohmann::json{{"config",
                           {{"name", "integer"}, {"bypass", bypass}, {"data_in_width", 8}, {"data_in_frac_width", 4},
                            {"weight_width", w}, {"weight_frac_width", 4}, {"bias_width", 8}, {"bias_frac_width", 4}}}};
  };
  return {{"seq_blocks_0", node(w0, bypass_first)}, {"seq_blocks_2", node(w2, false)}, {"seq_blocks_4", node(w4, false)},
          {"default", {{"config", {{"name", "integer"}, {"data_in_width", 8}, {"data_in_frac_width", 4}}}}}};
}
}  // namespace

TEST_SUITE("passes/analysis") {
  TEST_CASE("the tutorial's average bitwidths") {
    CHECK(average_bitwidth(quantize(toynet(), widths_config(2, 2, 4))) == 21600.0 / 10600.0);
    CHECK(average_bitwidth(quantize(toynet(), widths_config(2, 2, 4))) == doctest::Approx(2.038).epsilon(2e-4));
    CHECK(average_bitwidth(quantize(toynet(), widths_config(2, 2, 8))) == doctest::Approx(2.113).epsilon(2e-4));
    CHECK(average_bitwidth(quantize(toynet(), widths_config(4, 2, 2))) == doctest::Approx(2.075).epsilon(2e-4));
    CHECK(average_bitwidth(quantize(toynet(), widths_config(2, 4, 4))) == doctest::Approx(3.925).epsilon(2e-4));
  }

  TEST_CASE("MASE's average_bitwidth and memory_density examples") {
    std::ifstream in(golden_dir() / "search" / "toy_search_space.json");
    const auto golden = nlohmann::json::parse(in);
    int checked = 0;
    for (const auto& ex : golden["average_bitwidth"]) {
      CAPTURE(ex["rule"].get<std::string>());
      if (!ex.contains("linear_weight_widths")) {
        // No quantized linear: MASE HEAD reports 32.
        nlohmann::json untouched = {{"default", {{"config", {{"name", nullptr}}}}}};
        const auto q = quantize(toynet(), untouched);
        CHECK(average_bitwidth(q) == ex["head_calculate_avg_bits_module_average_bitwidth"].get<double>());
        ++checked;
        continue;
      }
      const auto& w = ex["linear_weight_widths"];
      const auto q = quantize(toynet(), widths_config(w["seq_blocks_0"], w["seq_blocks_2"], w["seq_blocks_4"]));
      CHECK(average_bitwidth(q) == ex["seed_total_bits_module_average_bitwidth"].get<double>());
      CHECK(average_bitwidth(q) == ex["head_calculate_avg_bits_module_average_bitwidth"].get<double>());
      const auto m = average_bitwidth_runner({.compare_to = 32.0})(q);
      CHECK(m.at("memory_density") == ex["last_RunnerAvgBitwidth_memory_density_compare_to_32"].get<double>());
      ++checked;
    }
    CHECK(checked == 4);
  }

  TEST_CASE("a bypassed linear still counts at its configured width") {
    const auto q = quantize(toynet(), widths_config(8, 2, 2, true));
    CHECK(average_bitwidth(q) == (8.0 * 400 + 2.0 * 10200) / 10600.0);
  }

  TEST_CASE("the runner reports memory_density only when compare_to is set") {
    const auto q = quantize(toynet(), widths_config(2, 2, 2));
    const auto plain = average_bitwidth_runner{}(q);
    CHECK(plain.size() == 1);
    CHECK(plain.at("average_bitwidth") == 2.0);
    CHECK(average_bitwidth_runner({.compare_to = 32.0})(q).at("memory_density") == 16.0);
  }

  TEST_CASE("BOPs are MACs x weight width x data_in width, float nodes at 32 x 32") {
    const auto q = quantize(toynet(), widths_config(8, 2, 4, true));
    const auto r = bops(q);
    REQUIRE(r.nodes.size() == 3);
    CHECK(r.nodes[0].name == "seq_blocks_0");
    CHECK(r.nodes[0].macs == 400);
    CHECK(r.nodes[0].bops == 400.0 * 32 * 32);  // bypassed: runs in float
    CHECK(r.nodes[1].macs == 10000);
    CHECK(r.nodes[1].bops == 10000.0 * 2 * 8);
    CHECK(r.nodes[2].bops == 200.0 * 4 * 8);
    CHECK(r.total == 400.0 * 1024 + 160000.0 + 6400.0);
    CHECK(bops_runner{}(q).at("bops") == r.total);
  }

  TEST_CASE("the compile-time path: quantize_pass<integer_format> from a typed spec") {
    quant_spec<integer_format> spec;
    quant_entry<integer_format> lin{true, false, integer_format(8, 4), integer_format(2, 3), integer_format(8, 5)};
    spec.entries.push_back({"linear", lin});
    spec.default_config = quant_entry<integer_format>{true, false, integer_format(4, 2), std::nullopt, std::nullopt};
    const auto q = quantize_pass<integer_format, match_by_type>{}(toynet(), spec);
    CHECK(average_bitwidth(q) == 2.0);
    CHECK(q.input_format(1)->width == 4);
    CHECK(!q.input_format(1)->is_signed);
    // The same spec written as a JSON config gives the same model.
    const auto json = nlohmann::json::parse(R"({"by": "type",
      "linear": {"config": {"name": "integer", "data_in_width": 8, "data_in_frac_width": 4, "weight_width": 2,
                            "weight_frac_width": 3, "bias_width": 8, "bias_frac_width": 5}},
      "default": {"config": {"name": "integer", "data_in_width": 4, "data_in_frac_width": 2}}})");
    const auto rows = mixprec::testing::toy_tiny_rows(1, 64);
    const matrix x = Eigen::Map<const matrix>(rows.f32.data(), 64, 4);
    CHECK(q.forward(x) == quantize(toynet(), json).forward(x));
  }
}
