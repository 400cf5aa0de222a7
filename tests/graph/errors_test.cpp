// One test per error message of the model loader, the graph builder, the quantize pass and the runners.
#include <doctest/doctest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include <mixprec/graph/load.hpp>
#include <mixprec/passes/analysis.hpp>
#include <mixprec/passes/quantize.hpp>
#include <mixprec/runners/evaluate.hpp>

#include "toynet_fixture.hpp"

using namespace mixprec;
using doctest::Contains;
using mixprec::testing::binary_dir;
using mixprec::testing::golden_dir;
using mixprec::testing::toynet_description;

namespace {
std::filesystem::path toynet_dir() { return golden_dir() / "toynet"; }

// A scratch copy of the ToyNet folder where one file can be broken.
std::filesystem::path scratch_toynet(const std::string& tag) {
  const auto dir = binary_dir() / ("load_errors_" + tag);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (const auto& e : std::filesystem::directory_iterator(toynet_dir()))
    if (e.path().extension() == ".npy") std::filesystem::copy_file(e.path(), dir / e.path().filename());
  return dir;
}

nlohmann::json int_cfg(int w, int f) {
  return {{"name", "integer"},        {"data_in_width", w}, {"data_in_frac_width", f}, {"weight_width", w},
          {"weight_frac_width", f},   {"bias_width", w},    {"bias_frac_width", f}};
}
}  // namespace

TEST_SUITE("graph/load errors") {
  TEST_CASE("a missing model.json names the file") {
    CHECK_THROWS_WITH_AS(load_model(binary_dir() / "no_such_model"), Contains("model.json: cannot open file"), io_error);
  }
  TEST_CASE("malformed JSON names the file") {
    const auto dir = scratch_toynet("badjson");
    std::ofstream(dir / "model.json") << "{ nodes: ";
    CHECK_THROWS_WITH_AS(load_model(dir), Contains("model.json: not valid JSON"), io_error);
  }
  TEST_CASE("a missing tensor file names the file") {
    const auto dir = scratch_toynet("missing");
    std::filesystem::remove(dir / "seq_blocks_2.bias.npy");
    CHECK_THROWS_WITH_AS(load_model(toynet_description(), dir), Contains("seq_blocks_2.bias.npy: cannot open file"),
                         io_error);
  }
  TEST_CASE("a tensor of the wrong dtype names the file and the dtype expected") {
    const auto dir = scratch_toynet("dtype");
    const std::vector<double> w(400, 0.5);
    io::write_npy(dir / "seq_blocks_0.weight.npy", w.data(), {100, 4});
    CHECK_THROWS_WITH_AS(load_model(toynet_description(), dir),
                         Contains("seq_blocks_0.weight.npy: dtype <f8, expected <f4"), io_error);
  }
  TEST_CASE("a tensor of the wrong shape names the file and the expected shape") {
    const auto dir = scratch_toynet("shape");
    const std::vector<float> w(400, 0.5f);
    io::write_npy(dir / "seq_blocks_0.weight.npy", w.data(), {4, 100});
    CHECK_THROWS_WITH_AS(load_model(toynet_description(), dir),
                         Contains("seq_blocks_0.weight.npy: shape (4, 100), expected (100, 4)"), io_error);
  }
  TEST_CASE("an unknown op names the file, the key and the op") {
    auto d = toynet_description();
    d["nodes"][1]["op"] = "gelu";
    CHECK_THROWS_WITH_AS(load_model(d, toynet_dir(), "toy.json"),
                         Contains("toy.json: nodes[1].op = \"gelu\": unknown op"), config_error);
  }
  TEST_CASE("a node or attributes that are not objects are named with their value") {
    auto d = toynet_description();
    d["nodes"][1] = 7;
    CHECK_THROWS_WITH_AS(load_model(d, toynet_dir(), "toy.json"),
                         Contains("toy.json: nodes[1] = 7: expected an object"), config_error);
    d = toynet_description();
    d["nodes"][0]["attributes"] = "wide";
    CHECK_THROWS_WITH_AS(load_model(d, toynet_dir(), "toy.json"),
                         Contains("toy.json: nodes[0].attributes = \"wide\": expected an object"), config_error);
  }
  TEST_CASE("an unknown input node is named") {
    auto d = toynet_description();
    d["nodes"][2]["inputs"] = {"seq_blocks_9"};
    CHECK_THROWS_WITH_AS(load_model(d, toynet_dir(), "toy.json"),
                         Contains("toy.json: nodes[2]: node 'seq_blocks_2': input 'seq_blocks_9' is not the model input"),
                         config_error);
  }
  TEST_CASE("an unknown key is named with the valid ones") {
    auto d = toynet_description();
    d["nodes"][0]["attributes"]["dilation"] = 1;
    CHECK_THROWS_WITH_AS(load_model(d, toynet_dir(), "toy.json"),
                         Contains("toy.json: nodes[0].attributes.dilation: unknown key (valid keys: bias, in_features, out_features)"),
                         config_error);
  }
  TEST_CASE("a missing attribute is named") {
    auto d = toynet_description();
    d["nodes"][0]["attributes"].erase("out_features");
    CHECK_THROWS_WITH_AS(load_model(d, toynet_dir(), "toy.json"),
                         Contains("nodes[0].attributes.out_features: missing (required by linear)"), config_error);
  }
  TEST_CASE("a bad attribute value is named") {
    auto d = toynet_description();
    d["nodes"][0]["attributes"]["in_features"] = -4;
    CHECK_THROWS_WITH_AS(load_model(d, toynet_dir(), "toy.json"),
                         Contains("nodes[0].attributes.in_features = -4: expected an integer >= 1"), config_error);
  }
  TEST_CASE("unsupported conv2d groups and dilation are named") {
    auto d = nlohmann::json::parse(R"({"input": {"shape": [1, 4, 4]}, "nodes": [
      {"name": "c", "op": "conv2d", "attributes": {"in_channels": 1, "out_channels": 1, "kernel_size": 3, "groups": 2}}]})");
    CHECK_THROWS_WITH_AS(load_model(d, toynet_dir(), "c.json"), Contains("attributes.groups = 2: only 1 is supported"),
                         config_error);
    d["nodes"][0]["attributes"].erase("groups");
    d["nodes"][0]["attributes"]["dilation"] = 2;
    CHECK_THROWS_WITH_AS(load_model(d, toynet_dir(), "c.json"), Contains("attributes.dilation = 2: only 1 is supported"),
                         config_error);
  }
  TEST_CASE("a bad input shape is named") {
    auto d = toynet_description();
    d["input"]["shape"] = {2, 2};
    CHECK_THROWS_WITH_AS(load_model(d, toynet_dir(), "toy.json"),
                         Contains("toy.json: input.shape = [2,2]: expected [features] or [C, H, W]"), config_error);
  }
  TEST_CASE("layer sizes that do not chain are a shape_error naming the node") {
    auto d = toynet_description();
    d["input"]["shape"] = {5};
    CHECK_THROWS_WITH_AS(load_model(d, toynet_dir(), "toy.json"),
                         Contains("toy.json: nodes[0]: node 'seq_blocks_0' (linear): weight has shape (100, 4), "
                                  "expected (out_features, 5)"),
                         shape_error);
  }
}

TEST_SUITE("graph/model errors") {
  TEST_CASE("duplicate names, wrong input counts, unfit shapes") {
    model m({4});
    node a{"fc", op_kind::linear, {}, matrix::Ones(3, 4), {}, {}};
    m.add(a);
    CHECK_THROWS_WITH_AS(m.add(a), Contains("node name 'fc' is used twice"), config_error);
    CHECK_THROWS_WITH_AS(m.add(node{"sum", op_kind::add, {"fc"}, {}, {}, {}}),
                         Contains("node 'sum' (add): 1 inputs given, expected 2"), config_error);
    CHECK_THROWS_WITH_AS(m.add(node{"fc2", op_kind::linear, {}, matrix::Ones(2, 4), {}, {}}),
                         Contains("node 'fc2' (linear): weight has shape (2, 4), expected (out_features, 3)"), shape_error);
    CHECK_THROWS_WITH_AS(m.add(node{"fc3", op_kind::linear, {}, matrix::Ones(2, 3), matrix::Ones(1, 3), {}}),
                         Contains("node 'fc3' (linear): bias has shape (1, 3), expected (1, 2)"), shape_error);
    CHECK_THROWS_WITH_AS(m.add(node{"sum", op_kind::add, {"x", "fc"}, {}, {}, {}}),
                         Contains("operand shapes (4,) and (3,) differ"), shape_error);
    CHECK_THROWS_WITH_AS(m.add(node{"p", op_kind::max_pool2d, {}, {}, {}, {}}),
                         Contains("node 'p' (max_pool2d): input shape (3,): expected (C, H, W)"), shape_error);
    CHECK_THROWS_WITH_AS(model({2, 2}), Contains("rank must be 1 (features) or 3"), shape_error);
    const matrix x = matrix::Ones(2, 5);
    CHECK_THROWS_WITH_AS((void)m.forward(x), Contains("input has 5 columns, expected 4"), shape_error);
  }
}

namespace {
const model& toynet() {
  static const model m = mixprec::testing::golden_toynet();
  return m;
}
}  // namespace

TEST_SUITE("passes/quantize errors") {
  TEST_CASE("an unknown node name is named with the quantizable nodes") {
    nlohmann::json c = {{"default", int_cfg(8, 4)}, {"seq_blocks_9", {{"config", int_cfg(8, 4)}}}};
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), c),
                         Contains("quantize config: seq_blocks_9: no such node (quantizable nodes: seq_blocks_0, "
                                  "seq_blocks_1, seq_blocks_2, seq_blocks_3, seq_blocks_4)"),
                         config_error);
  }
  TEST_CASE("an unknown op type is named") {
    nlohmann::json c = {{"by", "type"}, {"default", int_cfg(8, 4)}, {"lstm", {{"config", int_cfg(8, 4)}}}};
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), c), Contains("quantize config: lstm: not a quantizable op type"), config_error);
  }
  TEST_CASE("a bad by is named") {
    nlohmann::json c = {{"by", "regex_name"}, {"default", int_cfg(8, 4)}};
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), c), Contains("quantize config: by = \"regex_name\": expected \"name\" or \"type\""),
                         config_error);
    CHECK_THROWS_WITH_AS((void)(quantize_pass<integer_format, match_by_type>{}(toynet(), nlohmann::json{{"by", "name"}})),
                         Contains("by = \"name\": this pass matches by \"type\""), config_error);
  }
  TEST_CASE("a node with no entry and no default is named") {
    nlohmann::json c = {{"seq_blocks_0", {{"config", int_cfg(8, 4)}}}};
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), c),
                         Contains("node 'seq_blocks_1' (relu) has no entry 'seq_blocks_1' and there is no 'default'"),
                         config_error);
  }
  TEST_CASE("a missing key is named with its path") {
    auto cfg = int_cfg(8, 4);
    cfg.erase("weight_frac_width");
    nlohmann::json c = {{"default", {{"config", cfg}}}};
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), c), Contains("quantize config: default.config.weight_frac_width: missing"),
                         config_error);
  }
  TEST_CASE("a missing operand is named with the node that needs it") {
    nlohmann::json c = {{"default", {{"name", "integer"}, {"data_in_width", 8}, {"data_in_frac_width", 4}}}};
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), c),
                         Contains("quantize config: default: node 'seq_blocks_0' (linear) needs weight_* keys"),
                         config_error);
  }
  TEST_CASE("a missing name is named") {
    auto cfg = int_cfg(8, 4);
    cfg.erase("name");
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), nlohmann::json{{"default", cfg}}),
                         Contains("quantize config: default.name: missing"), config_error);
  }
  TEST_CASE("a value of the wrong type is named") {
    auto cfg = int_cfg(8, 4);
    cfg["data_in_width"] = "8";
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), nlohmann::json{{"default", cfg}}),
                         Contains("quantize config: default.data_in_width = \"8\": expected an integer"), config_error);
    cfg = int_cfg(8, 4);
    cfg["bypass"] = 1;
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), nlohmann::json{{"default", cfg}}),
                         Contains("quantize config: default.bypass = 1: expected true or false"), config_error);
  }
  TEST_CASE("an out-of-range width is named") {
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), nlohmann::json{{"default", int_cfg(0, 4)}}),
                         Contains("quantize config: default.data_in_width = 0: must be in [1, 64]"), config_error);
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), nlohmann::json{{"default", int_cfg(8, 400)}}),
                         Contains("quantize config: default.data_in_frac_width = 400: must be in [-149, 127]"),
                         config_error);
  }
  TEST_CASE("an unknown key is named with the valid keys") {
    auto cfg = int_cfg(8, 4);
    cfg["data_out_width"] = 8;
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), nlohmann::json{{"default", cfg}}),
                         Contains("quantize config: default.data_out_width = 8: unknown key for integer (valid keys: name, "
                                  "bypass, data_in_width"),
                         config_error);
  }
  TEST_CASE("MASE's research layers are not supported; unknown arithmetics are unknown") {
    auto cfg = int_cfg(8, 4);
    cfg["name"] = "lutnet";
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), nlohmann::json{{"default", cfg}}),
                         Contains("quantize config: default.name = \"lutnet\": not supported by the quantize pass"),
                         config_error);
    cfg["name"] = "posit";
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), nlohmann::json{{"default", cfg}}),
                         Contains("quantize config: default.name = \"posit\": unknown arithmetic"), config_error);
  }
  TEST_CASE("an entry not wrapped in config is named") {
    nlohmann::json c = {{"default", int_cfg(8, 4)}, {"seq_blocks_0", int_cfg(8, 4)}};
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), c), Contains("quantize config: seq_blocks_0 = {"), config_error);
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), c), Contains(": expected {\"config\": {...}}"), config_error);
  }
  TEST_CASE("a config that is not an object is named") {
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), nlohmann::json::array()), Contains("quantize config = []: expected an object"),
                         config_error);
  }
  TEST_CASE("a node that is not quantizable is named") {
    model m({1, 4, 4});
    m.add(node{"pool", op_kind::max_pool2d, {}, {}, {}, window2d{{2, 2}, {2, 2}, {0, 0}}});
    nlohmann::json c = {{"default", int_cfg(8, 4)}, {"pool", {{"config", int_cfg(8, 4)}}}};
    CHECK_THROWS_WITH_AS((void)quantize(m, c),
                         Contains("quantize config: pool: node 'pool' is a max_pool2d, which the quantize pass does not quantize"),
                         config_error);
  }
}

TEST_SUITE("runners errors") {
  TEST_CASE("basic_evaluation parameters and data are checked") {
    const std::vector<float> f(8, 0.0f);
    const std::vector<std::int64_t> y{0, 1};
    CHECK_THROWS_WITH_AS(basic_evaluation({f, y, 4}, {.num_samples = 3}),
                         Contains("basic_evaluation.num_samples = 3: must be in [1, 2]"), config_error);
    CHECK_THROWS_WITH_AS(basic_evaluation({f, y, 4}, {.num_samples = 2, .batch_size = 0}),
                         Contains("basic_evaluation.batch_size = 0: must be >= 1"), config_error);
    CHECK_THROWS_WITH_AS(basic_evaluation({std::span<const float>(f).first(5), y, 4}, {.num_samples = 2}),
                         Contains("features hold 5 values, expected 2 samples x 4"), shape_error);
    const std::vector<std::int64_t> bad{0, 2};
    basic_evaluation eval({f, bad, 4}, {.num_samples = 2});
    const model net = mixprec::testing::golden_toynet();
    CHECK_THROWS_WITH_AS((void)eval.evaluate(net), Contains("label 2 of sample 1 is not a class of a 2-logit model"),
                         shape_error);
  }
  TEST_CASE("average_bitwidth compare_to must be positive") {
    CHECK_THROWS_WITH_AS(average_bitwidth_runner({.compare_to = 0.0}),
                         Contains("average_bitwidth_params.compare_to = 0.000000: must be > 0"), config_error);
    CHECK_THROWS_WITH_AS((void)memory_density(2.0, -1.0), Contains("average_bitwidth.compare_to = -1.000000: must be > 0"),
                         config_error);
  }
}
