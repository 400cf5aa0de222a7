#include <doctest/doctest.h>

#include <mixprec/io/npy.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "../../examples/toy/toy_tiny.hpp"
#include "../test_data.hpp"
#include "sha256.hpp"

using namespace mixprec;
using toy::toy_split;

namespace {

nlohmann::json load_stats() {
  std::ifstream in(testing::golden_dir() / "toy_tiny" / "stats.json");
  REQUIRE(in);
  return nlohmann::json::parse(in);
}

constexpr toy_split all_splits[] = {toy_split::train, toy_split::validation, toy_split::test,
                                    toy_split::pred};

std::string hex_float(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.13a", v);  // Python float.hex prints all 13 hex digits
  return buf;
}

}  // namespace

TEST_SUITE("toy/toy_tiny") {
  TEST_CASE("the test's SHA-256 matches the FIPS 180-4 examples") {
    CHECK(testing::sha256_hex("", 0) ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(testing::sha256_hex("abc", 3) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    CHECK(testing::sha256_hex(two_blocks.data(), two_blocks.size()) ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  }

  TEST_CASE("the first 32 samples of every split equal NumPy's, bit for bit") {
    for (toy_split s : all_splits) {
      const std::string name(toy::toy_split_name(s));
      CAPTURE(name);
      const auto dir = testing::golden_dir() / "toy_tiny";
      const auto f64 = io::read_npy(dir / (name + "_first32_f64.npy"), io::npy_dtype::f8, {32, 4}).as<double>();
      const auto f32 = io::read_npy(dir / (name + "_first32_f32.npy"), io::npy_dtype::f4, {32, 4}).as<float>();
      const auto lab =
          io::read_npy(dir / (name + "_first32_labels.npy"), io::npy_dtype::i8, {32}).as<std::int64_t>();
      const auto ours64 = toy::toy_tiny_features_f64(s, 32);
      const auto data = toy::make_toy_tiny(s, 32);
      REQUIRE(ours64.size() == 128);
      for (std::size_t i = 0; i < 128; ++i) {
        CHECK(std::memcmp(&ours64[i], &f64[i], sizeof(double)) == 0);
        CHECK(std::memcmp(&data.features[i], &f32[i], sizeof(float)) == 0);
      }
      CHECK(data.labels == lab);
    }
  }

  TEST_CASE("every full split matches the golden sums, label counts and SHA-256 digests") {
    const auto stats = load_stats();
    for (toy_split s : all_splits) {
      const std::string name(toy::toy_split_name(s));
      CAPTURE(name);
      const auto& st = stats.at(name);
      CHECK(st.at("rng_seed").get<std::uint32_t>() == toy::toy_split_seed(s));
      const auto data = toy::make_toy_tiny(s);
      REQUIRE(data.num_samples == st.at("num_samples").get<std::size_t>());
      REQUIRE(data.features.size() == 10240 * 4);

      double sum = 0.0;  // the golden README says the sequential sum is the exact one here
      for (float v : data.features) sum += static_cast<double>(v);
      CHECK(sum == st.at("sum_f32_as_f64_exact").get<double>());

      std::size_t positive = 0;
      for (auto l : data.labels) positive += l == 1 ? 1 : 0;
      CHECK(positive == st.at("num_positive_labels").get<std::size_t>());

      CHECK(testing::sha256_hex(data.features.data(), data.features.size() * sizeof(float)) ==
            st.at("sha256_f32_c_order").get<std::string>());
      CHECK(testing::sha256_hex(data.labels.data(), data.labels.size() * sizeof(std::int64_t)) ==
            st.at("sha256_labels_int64").get<std::string>());
      const auto f64 = toy::toy_tiny_features_f64(s);
      CHECK(testing::sha256_hex(f64.data(), f64.size() * sizeof(double)) ==
            st.at("sha256_f64_c_order").get<std::string>());
      CHECK(hex_float(f64[0]) == st.at("first_value_f64_hex").get<std::string>());
    }
  }

  TEST_CASE("a prefix of a split equals the start of the full split") {
    const auto full = toy::make_toy_tiny(toy_split::validation);
    const auto head = toy::make_toy_tiny(toy_split::validation, 512);
    CHECK(head.num_samples == 512);
    CHECK(std::equal(head.features.begin(), head.features.end(), full.features.begin()));
    CHECK(std::equal(head.labels.begin(), head.labels.end(), full.labels.begin()));
  }

  TEST_CASE("parses split names and rejects unknown ones and bad sample counts by name") {
    CHECK(toy::parse_toy_split("validation") == toy_split::validation);
    CHECK(toy::parse_toy_split("val") == toy_split::validation);
    CHECK(toy::parse_toy_split("pred") == toy_split::pred);
    CHECK_THROWS_WITH_AS(toy::parse_toy_split("valid"), doctest::Contains("split = \"valid\""), config_error);
    CHECK_THROWS_WITH_AS(toy::make_toy_tiny(toy_split::train, 0), doctest::Contains("num_samples = 0"),
                         config_error);
    CHECK_THROWS_WITH_AS(toy::make_toy_tiny(toy_split::train, 10241),
                         doctest::Contains("num_samples = 10241"), config_error);
  }
}
