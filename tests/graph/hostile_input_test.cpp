// Window geometry, size limits and parameters a model file can get wrong on purpose or by
// accident: each must be an error naming the node, the field and the value, never a crash or a hang.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <mixprec/graph/load.hpp>
#include <mixprec/random.hpp>

#include "../test_data.hpp"

using namespace mixprec;
using doctest::Contains;

namespace {

// A fresh folder with a conv2d "c" (in_channels x kernel) and a pooling "p", writing their tensors.
std::filesystem::path conv_folder(const std::string& tag, std::size_t in_channels, std::size_t kernel) {
  const auto dir = testing::binary_dir() / ("hostile_" + tag);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::vector<float> w(2 * in_channels * kernel * kernel, 0.25f), b(2, 0.5f);
  io::write_npy(dir / "c.weight.npy", w.data(), {2, in_channels, kernel, kernel});
  io::write_npy(dir / "c.bias.npy", b.data(), {2});
  return dir;
}

nlohmann::json conv_desc(nlohmann::json conv_attrs) {
  nlohmann::json d = {{"input", {{"shape", {1, 6, 6}}}},
                      {"nodes", {{{"name", "c"}, {"op", "conv2d"}, {"attributes", conv_attrs}}}}};
  return d;
}

node conv_node(std::size_t in_channels, std::size_t k, window2d g) {
  g.kernel = {k, k};
  return node{"c", op_kind::conv2d, {}, matrix::Ones(2, static_cast<Eigen::Index>(in_channels * k * k)), {}, g};
}

// The kernels as they were before they skipped the out-of-input part of each window: full scans.
void pool2d_full_scan(const float* in, std::size_t c, std::size_t h, std::size_t w, const window2d& g, std::size_t ho,
                      std::size_t wo, bool is_max, float* out) {
  const float divisor = static_cast<float>(g.kernel[0] * g.kernel[1]);
  for (std::size_t ci = 0; ci < c; ++ci)
    for (std::size_t oh = 0; oh < ho; ++oh)
      for (std::size_t ow = 0; ow < wo; ++ow) {
        float acc = is_max ? -std::numeric_limits<float>::infinity() : 0.0f;
        for (std::size_t ki = 0; ki < g.kernel[0]; ++ki) {
          const auto ih = static_cast<std::ptrdiff_t>(oh * g.stride[0] + ki) - static_cast<std::ptrdiff_t>(g.padding[0]);
          if (ih < 0 || ih >= static_cast<std::ptrdiff_t>(h)) continue;
          for (std::size_t kj = 0; kj < g.kernel[1]; ++kj) {
            const auto iw =
                static_cast<std::ptrdiff_t>(ow * g.stride[1] + kj) - static_cast<std::ptrdiff_t>(g.padding[1]);
            if (iw < 0 || iw >= static_cast<std::ptrdiff_t>(w)) continue;
            const float v = in[(ci * h + static_cast<std::size_t>(ih)) * w + static_cast<std::size_t>(iw)];
            if (is_max) acc = (v > acc || v != v) ? v : acc;
            else acc += v;
          }
        }
        out[(ci * ho + oh) * wo + ow] = is_max ? acc : acc / divisor;
      }
}

void im2col_full_scan(const float* in, std::size_t c, std::size_t h, std::size_t w, const window2d& g, std::size_t ho,
                      std::size_t wo, float* cols) {
  const std::size_t kh = g.kernel[0], kw = g.kernel[1];
  for (std::size_t ci = 0; ci < c; ++ci)
    for (std::size_t ki = 0; ki < kh; ++ki)
      for (std::size_t kj = 0; kj < kw; ++kj)
        for (std::size_t oh = 0; oh < ho; ++oh)
          for (std::size_t ow = 0; ow < wo; ++ow) {
            const auto ih = static_cast<std::ptrdiff_t>(oh * g.stride[0] + ki) - static_cast<std::ptrdiff_t>(g.padding[0]);
            const auto iw = static_cast<std::ptrdiff_t>(ow * g.stride[1] + kj) - static_cast<std::ptrdiff_t>(g.padding[1]);
            const bool inside = ih >= 0 && ih < static_cast<std::ptrdiff_t>(h) && iw >= 0 && iw < static_cast<std::ptrdiff_t>(w);
            cols[(((ci * kh + ki) * kw + kj) * ho + oh) * wo + ow] =
                inside ? in[(ci * h + static_cast<std::size_t>(ih)) * w + static_cast<std::size_t>(iw)] : 0.0f;
          }
}

}  // namespace

TEST_SUITE("graph/hostile input") {
  TEST_CASE("a conv2d padding of 2^60-1 is refused by the loader, naming the file, key and value") {
    const auto dir = conv_folder("pad_json", 1, 3);
    const auto d = conv_desc({{"in_channels", 1}, {"out_channels", 2}, {"kernel_size", 3}, {"padding", (1ull << 60) - 1}});
    CHECK_THROWS_WITH_AS(load_model(d, dir, "m.json"),
                         Contains("m.json: nodes[0].attributes.padding = 1152921504606846975: expected an integer from 0 "
                                  "to 1048576"),
                         config_error);
  }

  TEST_CASE("window fields of the wrong type or range name nodes[i].attributes.<field> and the value") {
    const auto dir = conv_folder("fields", 1, 3);
    auto check = [&](const char* key, const nlohmann::json& v, const std::string& msg) {
      nlohmann::json a = {{"in_channels", 1}, {"out_channels", 2}, {"kernel_size", 3}};
      a[key] = v;
      CHECK_THROWS_WITH_AS(load_model(conv_desc(a), dir, "m.json"), Contains(msg.c_str()), config_error);
    };
    check("padding", -1, "nodes[0].attributes.padding = -1: expected an integer >= 0");
    check("stride", 1.5, "nodes[0].attributes.stride = 1.5: expected an integer >= 1");
    check("stride", 0, "nodes[0].attributes.stride = 0: expected an integer >= 1");
    check("kernel_size", "3", "nodes[0].attributes.kernel_size = \"3\": expected an integer or [h, w]");
    check("kernel_size", true, "nodes[0].attributes.kernel_size = true: expected an integer or [h, w]");
    check("padding", nlohmann::json::array({1, 2, 3}), "nodes[0].attributes.padding = [1,2,3]: expected an integer or [h, w]");
    check("padding", nlohmann::json::array({0, -3}), "nodes[0].attributes.padding[1] = -3: expected an integer >= 0");
    check("padding", std::numeric_limits<std::uint64_t>::max(),
          "nodes[0].attributes.padding = 18446744073709551615: expected an integer from 0 to 1048576");
    check("stride", nlohmann::json::parse("1e30"), "nodes[0].attributes.stride = 1e+30: expected an integer >= 1");
    check("kernel_size", 1 << 21, "nodes[0].attributes.kernel_size = 2097152: expected an integer from 1 to 1048576");
    check("in_channels", 1ull << 40, "nodes[0].attributes.in_channels = 1099511627776: expected an integer from 1 to 2147483648");
  }

  TEST_CASE("model::add refuses a conv2d padding that is huge or not less than the kernel, naming node and value") {
    model m({1, 6, 6});
    window2d g;
    g.padding = {(std::size_t{1} << 60) - 1, 0};
    CHECK_THROWS_WITH_AS(m.add(conv_node(1, 3, g)),
                         Contains("node 'c' (conv2d): padding = (1152921504606846975, 0): expected 0 to 1048576"), shape_error);
    g.padding = {3, 3};
    CHECK_THROWS_WITH_AS(m.add(conv_node(1, 3, g)),
                         Contains("node 'c' (conv2d): padding = (3, 3): must be less than kernel_size = (3, 3)"), shape_error);
    g.padding = {2, 2};
    m.add(conv_node(1, 3, g));
    CHECK(m.out_shape(0) == std::vector<std::size_t>{2, 8, 8});
  }

  TEST_CASE("out_extent refuses a padding whose padded extent overflows") {
    window2d g;
    g.padding = {std::numeric_limits<std::size_t>::max() / 2, 0};
    CHECK_THROWS_WITH_AS((void)g.out_extent(0, 6), Contains("padding[0] = 9223372036854775807 overflows"), shape_error);
    CHECK(g.out_extent(1, 6) == 6);
  }

  TEST_CASE("a kernel larger than the padded input names the node, the kernel and the input") {
    model m({1, 4, 4});
    window2d g;
    g.kernel = {5, 5};
    g.stride = {5, 5};
    CHECK_THROWS_WITH_AS(m.add(node{"p", op_kind::max_pool2d, {}, {}, {}, g}),
                         Contains("node 'p' (max_pool2d): kernel_size = (5, 5) is larger than the input (1, 4, 4) padded "
                                  "by (0, 0) (height 4 + 2 * 0)"),
                         shape_error);
    CHECK_THROWS_WITH_AS(m.add(conv_node(1, 5, window2d{})),
                         Contains("node 'c' (conv2d): kernel_size = (5, 5) is larger than the input (1, 4, 4)"), shape_error);
    g.padding = {3, 3};
    CHECK_THROWS_WITH_AS(m.add(node{"p", op_kind::avg_pool2d, {}, {}, {}, g}),
                         Contains("node 'p' (avg_pool2d): padding = (3, 3): must be at most half of kernel_size = (5, 5)"),
                         shape_error);
  }

  TEST_CASE("pooling with a 2^20 kernel over a tiny input costs the input, not the kernel") {
    // One window covering a 1 x 2 x 3 input inside 2^19 padding on each side: a full scan of the
    // window would visit 2^40 positions; this one visits 6.
    const std::size_t k = max_window_extent;
    window2d g;
    g.kernel = {k, k};
    g.stride = {k, k};
    g.padding = {k / 2, k / 2};
    for (op_kind op : {op_kind::max_pool2d, op_kind::avg_pool2d}) {
      model m({1, 2, 3});
      m.add(node{"p", op, {}, {}, {}, g});
      REQUIRE(m.out_shape(0) == std::vector<std::size_t>{1, 1, 1});
      matrix x(1, 6);
      x << 1.f, -2.f, 3.5f, 4.f, 0.5f, -1.f;
      const matrix y = m.forward(x);
      if (op == op_kind::max_pool2d) CHECK(y(0, 0) == 4.f);
      else CHECK(y(0, 0) == 6.f / static_cast<float>(k * k));
    }
  }

  TEST_CASE("pooling and im2col equal a full-window scan bit for bit") {
    numpy_rng rng(3);
    const std::size_t c = 2, h = 7, w = 5;
    std::vector<float> in(c * h * w);
    for (auto& v : in) v = static_cast<float>(rng.random_sample() * 4.0 - 2.0);
    in[3] = std::numeric_limits<float>::quiet_NaN();  // max pooling propagates NaN
    for (std::size_t kh = 1; kh <= 4; ++kh)
      for (std::size_t kw = 1; kw <= 3; ++kw)
        for (std::size_t s = 1; s <= 3; ++s)
          for (std::size_t ph = 0; ph < kh; ++ph)
            for (std::size_t pw = 0; pw < kw; ++pw) {
              window2d g;
              g.kernel = {kh, kw};
              g.stride = {s, s == 1 ? std::size_t{2} : std::size_t{1}};
              g.padding = {ph, pw};
              const std::size_t ho = g.out_extent(0, h), wo = g.out_extent(1, w);
              std::vector<float> cols(c * kh * kw * ho * wo, 7.f), ref_cols(cols.size(), -7.f);
              detail::im2col(in.data(), c, h, w, g, ho, wo, cols.data());
              im2col_full_scan(in.data(), c, h, w, g, ho, wo, ref_cols.data());
              CHECK(std::memcmp(cols.data(), ref_cols.data(), cols.size() * sizeof(float)) == 0);
              if (2 * ph > kh || 2 * pw > kw) continue;  // pooling's padding rule
              for (bool is_max : {true, false}) {
                std::vector<float> out(c * ho * wo, 7.f), ref(out.size(), -7.f);
                detail::pool2d(in.data(), c, h, w, g, ho, wo, is_max, out.data());
                pool2d_full_scan(in.data(), c, h, w, g, ho, wo, is_max, ref.data());
                CHECK(std::memcmp(out.data(), ref.data(), out.size() * sizeof(float)) == 0);
              }
            }
  }

  TEST_CASE("per-sample sizes above 2^31 elements are refused before anything is allocated") {
    CHECK_THROWS_WITH_AS(model({65536, 65536, 65536}),
                         Contains("model input shape (65536, 65536, 65536): more than 2147483648 elements per sample"),
                         shape_error);
    const std::size_t big = std::size_t{1} << 32;
    CHECK_THROWS_WITH_AS(model({big, big, big}), Contains("more than 2147483648 elements"), shape_error);

    model m({1, 32768, 32768});  // 2^30 elements: accepted, only the shape is stored
    const window2d one;
    CHECK_THROWS_WITH_AS(m.add(node{"c", op_kind::conv2d, {}, matrix::Ones(3, 1), {}, one}),
                         Contains("node 'c' (conv2d): output shape (3, 32768, 32768): more than 2147483648 elements"),
                         shape_error);

    model wide({64, 2048, 2048});  // im2col of a 3x3 conv: 576 x 2^22 columns
    window2d g;
    g.kernel = {3, 3};
    g.padding = {1, 1};
    CHECK_THROWS_WITH_AS(wide.add(node{"c", op_kind::conv2d, {}, matrix::Ones(1, 576), {}, g}),
                         Contains("node 'c' (conv2d): im2col columns (576 x 4194304): more than 2147483648 elements"),
                         shape_error);
  }

  TEST_CASE("an input shape beyond the limit is named with the file key") {
    const auto d = nlohmann::json::parse(
        R"({"input": {"shape": [65536, 65536, 65536]}, "nodes": [{"name": "r", "op": "relu"}]})");
    CHECK_THROWS_WITH_AS(load_model(d, testing::binary_dir(), "m.json"),
                         Contains("m.json: input.shape: model input shape (65536, 65536, 65536): more than"), shape_error);
  }

  TEST_CASE("non_finite_parameters counts NaN and infinity per node, in graph order") {
    model m({3});
    matrix w1 = matrix::Ones(2, 3), b1 = matrix::Zero(1, 2);
    w1(0, 1) = std::numeric_limits<float>::quiet_NaN();
    w1(1, 2) = -std::numeric_limits<float>::infinity();
    b1(0, 0) = std::numeric_limits<float>::infinity();
    m.add(node{"fc1", op_kind::linear, {}, w1, b1, {}});
    m.add(node{"r", op_kind::relu, {}, {}, {}, {}});
    m.add(node{"fc2", op_kind::linear, {}, matrix::Ones(2, 2), matrix::Zero(1, 2), {}});
    matrix w3 = matrix::Ones(1, 2);
    w3(0, 0) = std::numeric_limits<float>::signaling_NaN();
    m.add(node{"fc3", op_kind::linear, {}, w3, {}, {}});
    const auto r = non_finite_parameters(m);
    REQUIRE(r.size() == 2);
    CHECK(r[0].node == "fc1");
    CHECK(r[0].weight == 2);
    CHECK(r[0].bias == 1);
    CHECK(r[0].total() == 3);
    CHECK(r[1].node == "fc3");
    CHECK(r[1].weight == 1);
    CHECK(r[1].bias == 0);
    model clean({3});
    clean.add(node{"fc", op_kind::linear, {}, matrix::Ones(2, 3), {}, {}});
    CHECK(non_finite_parameters(clean).empty());
  }
}

TEST_SUITE("graph/load hostile files") {
  TEST_CASE("a model.json that is a folder, truncated or empty names the file") {
    const auto dir = testing::binary_dir() / "hostile_json";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir / "model.json");
    CHECK_THROWS_WITH_AS(load_model(dir), Contains("model.json: is a folder, expected a JSON file"), io_error);
    std::filesystem::remove_all(dir / "model.json");
    CHECK_THROWS_WITH_AS(load_model(dir), Contains("model.json: cannot open file (it does not exist)"), io_error);
    std::ofstream(dir / "model.json") << R"({"input": {"shape": [4]}, "nodes": [{"name": "r", "op")";
    CHECK_THROWS_WITH_AS(load_model(dir), Contains("model.json: not valid JSON"), io_error);
    std::ofstream(dir / "model.json") << "";
    CHECK_THROWS_WITH_AS(load_model(dir), Contains("model.json: not valid JSON"), io_error);
    std::ofstream(dir / "model.json") << R"({"input": {"shape": [1e999]}, "nodes": []})";
    CHECK_THROWS_WITH_AS(load_model(dir), Contains("model.json: not valid JSON: [json.exception.out_of_range.406] number overflow"),
                         io_error);
  }

  TEST_CASE("a node name that would reach outside the model folder is refused on load and save") {
    const auto dir = conv_folder("names", 1, 3);
    std::filesystem::create_directories(dir / "sub");
    std::filesystem::copy_file(dir / "c.weight.npy", dir / "sub" / "c.weight.npy");
    std::filesystem::copy_file(dir / "c.bias.npy", dir / "sub" / "c.bias.npy");
    auto d = conv_desc({{"in_channels", 1}, {"out_channels", 2}, {"kernel_size", 3}});
    d["nodes"][0]["name"] = "../hostile_names/sub/c";
    CHECK_THROWS_WITH_AS(load_model(d, dir / "sub", "m.json"),
                         Contains("m.json: nodes[0].name = \"../hostile_names/sub/c\": must not contain '/' or '\\'"),
                         config_error);
    d["nodes"][0]["name"] = std::string("c\0x", 3);
    CHECK_THROWS_WITH_AS(load_model(d, dir, "m.json"), Contains("nodes[0].name = \"c\\u0000x\": must not contain control"),
                         config_error);
    model m({1, 6, 6});
    window2d g;
    g.kernel = {3, 3};
    m.add(node{"a/b", op_kind::conv2d, {}, matrix::Ones(2, 9), {}, g});
    CHECK_THROWS_WITH_AS(save_model(m, dir / "saved"), Contains("save_model: node 'a/b': name must not contain '/'"),
                         config_error);
    CHECK_FALSE(std::filesystem::exists(dir / "saved" / "model.json"));
  }

  TEST_CASE("a description nested 100000 levels deep is refused, not printed or copied") {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    auto d = nlohmann::json::parse(R"({"input": {"shape": [1]}, "nodes": []})");
    d["input"]["shape"][0] = nlohmann::json::parse(deep);
    CHECK_THROWS_WITH_AS(load_model(d, testing::binary_dir(), "m.json"),
                         Contains("m.json: nested more than 32 levels deep"), config_error);
  }

  TEST_CASE("input, input.shape and nodes of the wrong type are named with their value") {
    auto check = [](const char* text, const std::string& msg) {
      CHECK_THROWS_WITH_AS(load_model(nlohmann::json::parse(text), testing::binary_dir(), "m.json"), Contains(msg.c_str()),
                           config_error);
    };
    check(R"({"input": {"shape": [4]}, "nodes": {"name": "r"}})", "m.json: nodes = {\"name\":\"r\"}: expected an array of node objects");
    check(R"({"input": {"shape": [4]}, "nodes": "relu"})", "m.json: nodes = \"relu\": expected an array");
    check(R"({"input": [4], "nodes": []})", "m.json: input = [4]: expected an object");
    check(R"({"input": {"shape": 4}, "nodes": []})", "m.json: input.shape = 4: expected [features] or [C, H, W]");
    check(R"({"input": {"shape": [4.5]}, "nodes": []})", "m.json: input.shape[0] = 4.5: expected an integer >= 1");
    check(R"({"input": {"shape": [4]}, "nodes": [{"name": 3, "op": "relu"}]})", "m.json: nodes[0].name: missing (expected a string)");
    check(R"({"input": {"shape": [4]}, "nodes": [{"name": "r", "op": "relu", "inputs": "x"}]})",
          "m.json: nodes[0].inputs = \"x\": expected an array of node names");
  }

  TEST_CASE("a corrupt or misshapen tensor names the file, the node and the file found") {
    const auto dir = conv_folder("tensor", 1, 3);
    const auto d = conv_desc({{"in_channels", 1}, {"out_channels", 2}, {"kernel_size", 3}});
    const std::vector<float> w(2 * 9, 0.f);
    io::write_npy(dir / "c.weight.npy", w.data(), {2, 1, 9});
    CHECK_THROWS_WITH_AS(load_model(d, dir, "m.json"),
                         Contains(("m.json: nodes[0] ('c') parameters: " + (dir / "c.weight.npy").string() +
                                   ": shape (2, 1, 9), expected (2, 1, 3, 3)").c_str()),
                         io_error);
    std::ofstream(dir / "c.weight.npy", std::ios::binary) << "\x93NUMPY\x01";
    CHECK_THROWS_WITH_AS(load_model(d, dir, "m.json"), Contains("m.json: nodes[0] ('c') parameters: "), io_error);
    std::filesystem::remove(dir / "c.bias.npy");
    io::write_npy(dir / "c.weight.npy", w.data(), {2, 1, 3, 3});
    CHECK_THROWS_WITH_AS(load_model(d, dir, "m.json"),
                         Contains(("m.json: nodes[0] ('c') parameters: " + (dir / "c.bias.npy").string() +
                                   ": cannot open file (it does not exist)").c_str()),
                         io_error);
  }
}
