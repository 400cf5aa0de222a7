#include <doctest/doctest.h>

#include <mixprec/config/search_config.hpp>

#include <fstream>
#include <string>

#include "../test_data.hpp"

using namespace mixprec;
using namespace std::string_literals;

namespace {
const std::filesystem::path tutorial_config =
    testing::data_dir() / ".." / ".." / "examples" / "toy" / "configs" / "search_toy_tpe.toml";

std::string tutorial_text() {
  std::ifstream in(tutorial_config);
  return {std::istreambuf_iterator<char>(in), {}};
}

// The tutorial's config with `from` replaced by `to` (which must occur).
config::search_config parse_modified(const std::string& from, const std::string& to) {
  std::string text = tutorial_text();
  const auto pos = text.find(from);
  REQUIRE(pos != std::string::npos);
  text.replace(pos, from.size(), to);
  return config::parse_search_config(toml::parse(text));
}
}  // namespace

TEST_SUITE("config/search_config") {
  TEST_CASE("reads the tutorial's config unchanged") {
    const auto c = config::load_search_config(tutorial_config);
    CHECK(c.model == "toy");
    CHECK(c.dataset == "toy_tiny");
    CHECK(c.project == "toy_toy_tiny");
    CHECK(c.batch_size == 512);
    CHECK(c.seed == 42);
    CHECK(c.by == "name");
    CHECK(c.sampler == "tpe");
    CHECK(c.n_trials == 20);
    CHECK(c.n_jobs == 1);
    CHECK(c.timeout == 20000.0);
    CHECK_FALSE(c.sum_scaled_metrics);
    CHECK_FALSE(c.sampler_seed.has_value());
    REQUIRE(c.basic_evaluation.has_value());
    CHECK(c.basic_evaluation->num_samples == 512);
    CHECK(c.basic_evaluation->data_loader == "val_dataloader");
    REQUIRE(c.average_bitwidth.has_value());
    CHECK(c.average_bitwidth->compare_to == 32.0);
    REQUIRE(c.metrics.size() == 2);
    CHECK(c.metrics[0].name == "accuracy");  // sorted by name, as MASE orders objectives
    CHECK(c.metrics[0].direction == direction::maximize);
    CHECK(c.metrics[1].name == "average_bitwidth");
    CHECK(c.metrics[1].scale == 0.2);
    CHECK(c.directions() == std::vector<direction>{direction::maximize, direction::minimize});
  }

  TEST_CASE("keeps the seed's keys in file order, not sorted") {
    const auto c = config::load_search_config(tutorial_config);
    std::vector<std::string> keys;
    for (const auto& [k, v] : c.space_seed["default"]["config"].items()) keys.push_back(k);
    CHECK(keys == std::vector<std::string>{"name", "data_in_width", "data_in_frac_width", "weight_width",
                                           "weight_frac_width", "bias_width", "bias_frac_width"});
    CHECK(c.space_seed["default"]["config"]["weight_width"] == nlohmann::ordered_json({2, 4, 8}));
  }

  TEST_CASE("names the TOML path, the value and the expectation for each mistake") {
    CHECK_THROWS_WITH_AS(parse_modified("sampler = \"tpe\"", "sampler = \"tpee\""),
                         doctest::Contains("search.strategy.setup.sampler = \"tpee\": unknown sampler; expected one of tpe"),
                         config_error);
    CHECK_THROWS_WITH_AS(parse_modified("accuracy.direction = \"maximize\"", "accuracy.direction = \"up\""),
                         doctest::Contains("search.strategy.metrics.accuracy.direction = \"up\": expected \"minimize\" or \"maximize\""),
                         config_error);
    CHECK_THROWS_WITH_AS(parse_modified("accuracy.scale = 1.0", "accuracy.scale = 1.0\nlatency.scale = 1.0\nlatency.direction = \"minimize\""),
                         doctest::Contains("search.strategy.metrics.latency: no runner produces metric \"latency\""),
                         config_error);
    CHECK_THROWS_WITH_AS(parse_modified("n_jobs = 1", "n_jobs = 1\nn_trails = 3"),
                         doctest::Contains("search.strategy.setup.n_trails: unknown key; valid keys are n_jobs, n_trials"),
                         config_error);
    CHECK_THROWS_WITH_AS(parse_modified("weight_width = [2, 4, 8]", "weight_width = []"),
                         doctest::Contains("search.search_space.seed.default.config.weight_width = []: the choice list is empty"),
                         config_error);
    CHECK_THROWS_WITH_AS(parse_modified("n_trials = 20", "n_trials = 0"),
                         doctest::Contains("search.strategy.setup.n_trials = 0: must be >= 1"), config_error);
    CHECK_THROWS_WITH_AS(parse_modified("by = \"name\"", "by = \"op\""),
                         doctest::Contains("search.search_space.setup.by = \"op\": expected \"name\" or \"type\""),
                         config_error);
    CHECK_THROWS_WITH_AS(parse_modified("sum_scaled_metrics = false  # multi", "sum_scaled_metrics = true  # multi"),
                         doctest::Contains("search.strategy.setup.direction: missing"), config_error);
    CHECK_THROWS_WITH_AS(parse_modified("num_samples = 512", "num_samples = \"all\""),
                         doctest::Contains("search.strategy.sw_runner.basic_evaluation.num_samples = \"all\": expected an integer"),
                         config_error);
  }

  TEST_CASE("accepts top-level keys MASE uses for other actions and an optional sampler seed") {
    const auto c = parse_modified("n_jobs = 1", "n_jobs = 2\nseed = 7\ndirection = \"maximize\"");
    CHECK(c.n_jobs == 2);
    CHECK(c.sampler_seed == 7u);
    CHECK(c.direction == direction::maximize);
  }

  TEST_CASE("reports a syntax error and a missing file with the file name") {
    const auto bad = testing::binary_dir() / "broken.toml";
    { std::ofstream(bad) << "[search\nname = 1\n"; }
    CHECK_THROWS_WITH_AS(config::load_search_config(bad), doctest::Contains("broken.toml:"), config_error);
    CHECK_THROWS_WITH_AS(config::load_search_config(testing::binary_dir() / "nope.toml"),
                         doctest::Contains("nope.toml: cannot open file"), io_error);
  }

  TEST_CASE("a JSON config with a number too large for a double (1e999) is a config_error naming the file") {
    const auto bad = testing::binary_dir() / "huge_number.json";
    { std::ofstream(bad) << R"({"search": {"strategy": {"setup": {"n_trials": 1e999}}}})"; }
    CHECK_THROWS_WITH_AS(config::read_config_file(bad), doctest::Contains("huge_number.json: invalid JSON"),
                         config_error);
  }

  TEST_CASE("non-finite numbers are refused, naming the TOML path and the value") {
    CHECK_THROWS_WITH_AS(parse_modified("accuracy.scale = 1.0", "accuracy.scale = nan"),
                         doctest::Contains("search.strategy.metrics.accuracy.scale = nan: expected a finite number"),
                         config_error);
    CHECK_THROWS_WITH_AS(parse_modified("average_bitwidth.scale = 0.2", "average_bitwidth.scale = -inf"),
                         doctest::Contains("search.strategy.metrics.average_bitwidth.scale = -inf: expected a finite number"),
                         config_error);
    CHECK_THROWS_WITH_AS(parse_modified("compare_to = 32", "compare_to = inf"),
                         doctest::Contains("search.strategy.hw_runner.average_bitwidth.compare_to = inf: expected a finite number"),
                         config_error);
    CHECK_THROWS_WITH_AS(parse_modified("timeout = 20000", "timeout = inf"),
                         doctest::Contains("search.strategy.setup.timeout = inf: expected a finite number"), config_error);
  }

  TEST_CASE("seeds above 2^32 - 1 are refused as --seed refuses them, not clamped") {
    CHECK_THROWS_WITH_AS(parse_modified("n_jobs = 1", "n_jobs = 1\nseed = 4294967296"),
                         doctest::Contains("search.strategy.setup.seed = 4294967296: must be an integer in [0, 2^32)"),
                         config_error);
    CHECK_THROWS_WITH_AS(parse_modified("seed = 42", "seed = 99999999999"),
                         doctest::Contains("seed = 99999999999: must be an integer in [0, 2^32)"), config_error);
    CHECK_THROWS_WITH_AS(parse_modified("seed = 42", "seed = -1"),
                         doctest::Contains("seed = -1: must be an integer in [0, 2^32)"), config_error);
    CHECK(parse_modified("n_jobs = 1", "n_jobs = 1\nseed = 4294967295").sampler_seed == 4294967295u);
  }

  TEST_CASE("eval_mode = false is refused: evaluation runs in inference mode only") {
    CHECK_THROWS_WITH_AS(parse_modified("eval_mode = true", "eval_mode = false"),
                         doctest::Contains("search.strategy.eval_mode = false: not supported"), config_error);
  }

  TEST_CASE("an unknown top-level key is a warning naming it and the known keys; MASE's other keys are not") {
    CHECK(config::load_search_config(tutorial_config).warnings.empty());  // task, accelerator, log_every_n_steps
    const auto c = parse_modified("batch_size = 512", "batch_sise = 256");
    REQUIRE(c.warnings.size() == 1);
    CHECK(c.warnings[0].find("batch_sise = 256: unknown top-level key, ignored; known keys are model, dataset, "
                             "project, batch_size") == 0);
    CHECK(c.batch_size == 512);
  }

  TEST_CASE("a folder given as the config says so") {
    CHECK_THROWS_WITH_AS(config::load_search_config(testing::binary_dir()),
                         doctest::Contains(": is a directory; expected a config file (TOML)"), io_error);
  }
}
