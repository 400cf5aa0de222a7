#include <doctest/doctest.h>

#include <mixprec/search/quantize_space.hpp>

#include <fstream>
#include <vector>

#include "../test_data.hpp"

using namespace mixprec;
using ojson = nlohmann::ordered_json;

namespace {
ojson golden() {
  std::ifstream f(testing::golden_dir() / "search" / "toy_search_space.json");
  REQUIRE(f.good());
  return ojson::parse(f);
}

// The quantizable fx nodes of the golden graph, in graph order.
std::vector<quantizable_node> toy_nodes(const ojson& g) {
  std::vector<quantizable_node> nodes;
  for (const auto& n : g["fx_nodes"])
    if (n["mase_op"] == "linear" || n["mase_op"] == "relu")
      nodes.push_back({n["name"].get<std::string>(), n["mase_op"].get<std::string>()});
  return nodes;
}

std::vector<std::size_t> indexes_of(const ojson& example) {
  std::vector<std::size_t> idx;
  for (const auto& [k, v] : example["indexes"].items()) idx.push_back(v.get<std::size_t>());
  return idx;
}
}  // namespace

TEST_SUITE("search/quantize_space") {
  TEST_CASE("by name: the 35 ToyNet keys, choices and lengths are MASE's, in MASE's order") {
    const auto g = golden();
    const auto nodes = toy_nodes(g);
    REQUIRE(nodes.size() == 5);
    const quantize_space s(nodes, quantize_space_params_from_json(g["search_config"]["seed"], "name"));
    CHECK(s.dimensions().size() == 35);
    for (const char* commit : {"seed", "head"}) {
      // dump() compares key order too.
      CHECK(s.choices_flattened().dump() == g[commit]["by_name"]["choices_flattened"].dump());
      CHECK(s.choice_lengths_flattened().dump() ==
            g[commit]["by_name"]["choice_lengths_flattened"].dump());
    }
    CHECK(s.dimensions()[3] == dimension{"seq_blocks_0/config/weight_width", 3});
    CHECK(*s.size().exact == 8970840307219974624ULL);
  }

  TEST_CASE("by name: indexes decode to MASE HEAD's config for the three golden examples") {
    const auto g = golden();
    const quantize_space s(toy_nodes(g), quantize_space_params_from_json(g["search_config"]["seed"]));
    CHECK(s.by() == match_by::name);
    const auto& examples = g["head"]["by_name"]["examples"];
    REQUIRE(examples.size() == 3);
    for (const auto& e : examples) {
      CAPTURE(e["rule"].get<std::string>());
      const auto idx = indexes_of(e);
      const nlohmann::json expected = nlohmann::json::parse(e["config"].dump());
      CHECK(s.decode(idx) == expected);
      // The seed commit differs only in the unwrapped default.
      nlohmann::json seed_expected = nlohmann::json::parse(
          g["seed"]["by_name"]["examples"][&e - &examples[0]]["config"].dump());
      seed_expected["default"] = {{"config", seed_expected["default"]}};
      CHECK(s.decode(idx) == seed_expected);
    }
    CHECK(mase_default_quantization_config() ==
          nlohmann::json::parse(g["head"]["DEFAULT_QUANTIZATION_CONFIG"].dump()));
  }

  TEST_CASE("by type: one set of keys per op type, shared by its nodes (decisions.md 10)") {
    const auto g = golden();
    const quantize_space s(toy_nodes(g), quantize_space_params_from_json(g["search_config"]["seed"], "type"));
    REQUIRE(s.dimensions().size() == 14);
    CHECK(s.dimensions()[0].name == "linear/config/name");
    CHECK(s.dimensions()[3] == dimension{"linear/config/weight_width", 3});
    CHECK(s.dimensions()[7].name == "relu/config/name");
    CHECK(s.dimensions()[13] == dimension{"relu/config/bias_frac_width", 7});
    // The tutorial's trial 0 by name has seq_blocks_2 (a linear) at weight_width index 1: by type
    // that choice is the linear group's, and all-zero / all-last map group by group.
    const auto& ex = g["head"]["by_name"]["examples"];
    for (std::size_t k : {0u, 1u}) {  // all_zero, all_last: every node of a type has the same config
      const auto by_name = indexes_of(ex[k]);
      std::vector<std::size_t> idx(by_name.begin(), by_name.begin() + 14);  // seq_blocks_0, seq_blocks_1
      const auto cfg = s.decode(idx);
      const nlohmann::json named = nlohmann::json::parse(ex[k]["config"].dump());
      CHECK(cfg["linear"] == named["seq_blocks_0"]);
      CHECK(cfg["relu"] == named["seq_blocks_1"]);
      CHECK(cfg["by"] == "type");
      CHECK(cfg["default"] == mase_default_quantization_config());
      CHECK(cfg.size() == 4);
    }
  }

  TEST_CASE("per-name entries override default; key order follows each entry") {
    quantize_space_params p;
    p.seed = {{"default", {{"weight_width", {std::int64_t{2}, std::int64_t{4}}}}},
              {"b", {{"data_in_width", {std::int64_t{8}}}, {"weight_width", {std::int64_t{16}}}}},
              {"not_a_node", {{"x", {std::int64_t{1}}}}}};
    const quantize_space s({{"a", "linear"}, {"b", "linear"}}, p);
    REQUIRE(s.dimensions().size() == 3);
    CHECK(s.dimensions()[0] == dimension{"a/config/weight_width", 2});
    CHECK(s.dimensions()[1] == dimension{"b/config/data_in_width", 1});
    CHECK(s.dimensions()[2] == dimension{"b/config/weight_width", 1});
    const std::vector<std::size_t> idx{1, 0, 0};
    const auto cfg = s.decode(idx);
    CHECK(cfg["a"]["config"]["weight_width"] == 4);
    CHECK(cfg["b"]["config"]["weight_width"] == 16);
  }

  TEST_CASE("errors name the entry, key and value") {
    const std::vector<quantizable_node> nodes{{"a", "linear"}, {"b", "relu"}};
    CHECK_THROWS_WITH_AS(quantize_space(nodes, quantize_space_params_from_json(
                                                   ojson::parse(R"({"default": {"config": {"w": []}}})"))),
                         doctest::Contains("seed.default.config.w = []: the choice list is empty"),
                         config_error);
    CHECK_THROWS_WITH_AS(quantize_space_params_from_json(ojson::parse(R"({"default": {"w": [1]}})")),
                         doctest::Contains("search_space.seed.default"), config_error);
    CHECK_THROWS_WITH_AS(quantize_space_params_from_json(ojson::parse(R"({"default": {"config": {"w": 4}}})")),
                         doctest::Contains("search_space.seed.default.config.w = 4: expected a list"),
                         config_error);
    CHECK_THROWS_WITH_AS(
        quantize_space_params_from_json(ojson::parse(R"({"default": {"config": {"w": [4, true]}}})")),
        doctest::Contains("config.w[1] = true"), config_error);
    CHECK_THROWS_WITH_AS(quantize_space_params_from_json(ojson::parse(R"({"default": {"config": {}}})"), "kind"),
                         doctest::Contains("by = \"kind\""), config_error);
    CHECK_THROWS_WITH_AS(
        quantize_space(nodes, quantize_space_params_from_json(ojson::parse(R"({"default": {"config": {"w/x": [4]}}})"))),
        doctest::Contains("\"w/x\""), config_error);
    CHECK_THROWS_WITH_AS(
        quantize_space(nodes, quantize_space_params_from_json(ojson::parse(R"({"a": {"config": {"w": [4]}}})"))),
        doctest::Contains("node \"b\" has no seed entry"), config_error);
    CHECK_THROWS_AS(quantize_space({{"a", "linear"}, {"a", "relu"}}, quantize_space_params_from_json(
                                       ojson::parse(R"({"default": {"config": {"w": [4]}}})"))),
                    config_error);
    const quantize_space s(nodes, quantize_space_params_from_json(
                                      ojson::parse(R"({"default": {"config": {"w": [4, 8]}}})")));
    const std::vector<std::size_t> bad{2, 0}, short_{0};
    CHECK_THROWS_WITH_AS(s.decode(bad), doctest::Contains("\"a/config/w\" = 2: must be < 2"), config_error);
    CHECK_THROWS_AS(s.decode(short_), shape_error);
  }
}
