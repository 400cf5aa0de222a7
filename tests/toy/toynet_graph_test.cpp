#include <doctest/doctest.h>

#include <mixprec/io/npy.hpp>
#include <mixprec/passes/analysis.hpp>
#include <mixprec/passes/quantize.hpp>

#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "../../examples/toy/toy_tiny.hpp"
#include "../../examples/toy/toynet_graph.hpp"
#include "../test_data.hpp"

using namespace mixprec;
namespace fs = std::filesystem;

TEST_SUITE("toy/toynet_graph") {
  TEST_CASE("the graph has MASE's node names and computes ToyNet's float forward") {
    const auto net = toy::load_toynet(testing::golden_dir() / "toynet");
    const model m = toy::toynet_model(net);
    REQUIRE(m.size() == 5);
    for (std::size_t i = 0; i < 5; ++i) CHECK(m[i].name == "seq_blocks_" + std::to_string(i));
    CHECK(m[0].op == op_kind::linear);
    CHECK(m[1].op == op_kind::relu);
    CHECK(m[4].op == op_kind::linear);
    const auto data = toy::make_toy_tiny(toy::toy_split::validation, 64);
    const matrix x = Eigen::Map<const matrix>(data.features.data(), 64, 4);
    const matrix a = m.forward(x);
    const toy::row_matrix b = toy::toynet_forward(net, data.features.data(), 64);
    REQUIRE(a.rows() == 64);
    REQUIRE(a.cols() == 2);
    CHECK((a - b).cwiseAbs().maxCoeff() <= 1e-5f * (1.0f + b.cwiseAbs().maxCoeff()));
  }

  TEST_CASE("quantized with a golden config, the graph gives torch's logits bit for bit") {
    std::ifstream in(testing::golden_dir() / "quantized_eval.json");
    const auto golden = nlohmann::json::parse(in);
    const auto logits = io::read_npy(testing::golden_dir() / "quantized_eval_logits.npy", io::npy_dtype::f4,
                                     {30, 512, 2}).as<float>();
    const model m = toy::toynet_model(toy::load_toynet(testing::golden_dir() / "toynet"));
    const auto data = toy::make_toy_tiny(toy::toy_split::validation, 512);
    const matrix x = Eigen::Map<const matrix>(data.features.data(), 512, 4);
    std::size_t checked = 0;
    const auto& entries = golden.at("entries");
    for (std::size_t e = 0; e < entries.size(); ++e) {
      if (entries[e].at("id") != "weights_4bit" && entries[e].at("id") != "tpe_seed0_trial18") continue;
      CAPTURE(entries[e].at("id").get<std::string>());
      REQUIRE(entries[e].at("results").at("float32_forward_exact").get<bool>());
      const auto q = quantize(m, entries[e].at("config_as_given"));
      const matrix out = q.forward(x);
      CHECK(std::memcmp(out.data(), logits.data() + e * 1024, 1024 * sizeof(float)) == 0);
      CHECK(average_bitwidth(q) == entries[e].at("results").at("average_bitwidth").get<double>());
      ++checked;
    }
    CHECK(checked == 2);
  }

  TEST_CASE("a checkpoint folder loads with or without model.json") {
    const fs::path dir = testing::binary_dir() / "toynet_graph_ckpt";
    fs::remove_all(dir);
    const auto net = toy::make_toynet(5);
    toy::save_toynet(net, dir);
    const model plain = toy::load_checkpoint_model(dir);  // six .npy files only
    save_model(toy::toynet_model(net), dir);               // adds model.json
    REQUIRE(fs::exists(dir / "model.json"));
    const model described = toy::load_checkpoint_model(dir);
    REQUIRE(described.size() == plain.size());
    for (std::size_t i = 0; i < plain.size(); ++i) {
      CHECK(described[i].name == plain[i].name);
      CHECK(described[i].weight == plain[i].weight);
      CHECK(described[i].bias == plain[i].bias);
    }
    CHECK(plain[2].weight == net.layers[1].weight);
  }
}
