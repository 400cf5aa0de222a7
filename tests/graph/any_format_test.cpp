// The runtime format (any_format, make_format) and the config-driven quantize pass with every
// format: weights and biases through the pass equal the formats called directly on the golden
// ToyNet weights with MASE's operand shapes, forwards equal hand-composed forwards of the
// quantized tensors, formats mix across nodes, and every error names its key path.
#include <doctest/doctest.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <mixprec/numbers/any_format.hpp>
#include <mixprec/passes/analysis.hpp>
#include <mixprec/passes/quantize.hpp>

#include "toynet_fixture.hpp"

using namespace mixprec;
using doctest::Contains;

namespace {

const model& toynet() {
  static const model m = mixprec::testing::golden_toynet();
  return m;
}

// Equal float32 bits (any NaN equals any NaN; the sign of zero counts).
bool same_bits(const float* a, const float* b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isnan(a[i]) && std::isnan(b[i])) continue;
    if (std::bit_cast<std::uint32_t>(a[i]) != std::bit_cast<std::uint32_t>(b[i])) return false;
  }
  return true;
}
bool same_bits(const matrix& a, const matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() && same_bits(a.data(), b.data(), static_cast<std::size_t>(a.size()));
}

// How an operand is quantized, per MASE's modules: a linear weight (out, in) and a bias (out,)
// as themselves (skip_first_dim false), a linear's input (batch, in) and a relu module's input
// with skip_first_dim true (integer relu inputs unsigned).
enum class role { weight, bias, linear_in, relu_in };

// One format under its MASE name: the bare keys of a config, and the format called directly
// (typed, without make_format) on a tensor of a shape in a role.
struct format_case {
  std::string arith;
  nlohmann::json keys;
  std::function<void(std::span<const float>, std::vector<std::size_t>, std::span<float>, role)> direct;
};

nlohmann::json operand_keys(const nlohmann::json& keys) {
  nlohmann::json c = {{"name", nullptr}};
  for (const char* op : {"data_in", "weight", "bias"})
    for (const auto& [k, v] : keys.items()) c[std::string(op) + "_" + k] = v;
  return c;
}

nlohmann::json default_config(const std::string& arith, const nlohmann::json& keys) {
  auto c = operand_keys(keys);
  c["name"] = arith;
  return {{"default", {{"config", c}}}};
}

template <class F>
auto elementwise(F f) {
  return [f](std::span<const float> in, std::vector<std::size_t>, std::span<float> out, role) { f.quantize(in, out); };
}
template <class F>
auto shaped(F f) {
  return [f](std::span<const float> in, std::vector<std::size_t> shape, std::span<float> out, role) {
    f.quantize(in, shape, out);
  };
}
// A MASE block format: skip_first_dim from the role.
template <class F, class P>
auto mase_block(P p) {
  return [p](std::span<const float> in, std::vector<std::size_t> shape, std::span<float> out, role r) {
    P q = p;
    q.skip_first_dim = r == role::linear_in || r == role::relu_in;
    F(q).quantize(in, shape, out);
  };
}

std::vector<format_case> cases() {
  ternary_params tp;
  tp.mean = 0.05;
  tp.scaling_factor = true;
  return {
      {"integer", {{"width", 6}, {"frac_width", 4}},
       [](std::span<const float> in, std::vector<std::size_t>, std::span<float> out, role r) {
         integer_format(6, 4, r != role::relu_in).quantize(in, out);
       }},
      {"fixed", {{"width", 5}, {"frac_width", 3}},
       [](std::span<const float> in, std::vector<std::size_t>, std::span<float> out, role r) {
         integer_format(5, 3, r != role::relu_in).quantize(in, out);
       }},
      {"minifloat_ieee", {{"width", 8}, {"exponent_width", 4}, {"exponent_bias", nullptr}},
       elementwise(minifloat_ieee_format(8, 4))},
      {"minifloat_denorm", {{"width", 6}, {"exponent_width", 3}, {"exponent_bias", 5}},
       elementwise(minifloat_denorm_format(6, 3, 5))},
      {"log", {{"width", 5}, {"exponent_bias", "None"}}, elementwise(log_format(5))},
      {"block_fp", {{"width", 5}, {"exponent_width", 8}, {"exponent_bias", "none"}, {"block_size", {4, 8}}},
       mase_block<block_fp_format>(block_fp_params{5, 8, std::nullopt, {4, 8}, false})},
      {"block_minifloat", {{"width", 7}, {"exponent_width", 3}, {"exponent_bias_width", 4}, {"block_size", {1, 16}}},
       mase_block<block_minifloat_format>(block_minifloat_params{7, 3, 4, {1, 16}, false})},
      {"block_log", {{"width", 6}, {"exponent_bias_width", 3}, {"block_size", {16}}},
       mase_block<block_log_format>(block_log_params{6, 3, {16}, false})},
      {"binary", {{"width", 1}, {"stochastic", false}, {"bipolar", true}}, elementwise(binary_format(true))},
      {"binary_head", {{"width", 1}, {"stochastic", false}, {"bipolar", true}}, shaped(binary_head_format(true))},
      {"ternary", {{"width", 2}, {"scaling_factor", true}, {"mean", 0.05}, {"median", nullptr}, {"max", nullptr}},
       elementwise(ternary_format(tp))},
      {"mxint_hardware", {{"width", 6}, {"exponent_width", 4}, {"parallelism", {1, 2}}},
       shaped(mxint_hardware_format({6, 4, {1, 2}}))},
      {"mxint", {{"width", 6}, {"block_size", 2}}, shaped(mxint_format({2, 6, -1, 8}))},
      {"mxfp", {{"exponent_width", 2}, {"frac_width", 1}, {"block_size", 2}}, shaped(mxfp_format({2, 2, 1, -1, 8}))},
  };
}

matrix apply(const format_case& c, const matrix& x, std::vector<std::size_t> shape, role r) {
  matrix y(x.rows(), x.cols());
  c.direct(std::span<const float>(x.data(), static_cast<std::size_t>(x.size())), std::move(shape),
           std::span<float>(y.data(), static_cast<std::size_t>(y.size())), r);
  return y;
}

std::size_t dim(Eigen::Index i) { return static_cast<std::size_t>(i); }

// ToyNet by hand: linear (quantized x, W, b) -> relu (quantized input) -> ... -> linear.
matrix hand_forward(const format_case& c, const model& m, const matrix& x) {
  matrix h = x;
  for (std::size_t i = 0; i < m.size(); ++i) {
    const node& n = m[i];
    if (n.op == op_kind::linear) {
      const matrix xq = apply(c, h, {dim(h.rows()), dim(h.cols())}, role::linear_in);
      const matrix w = apply(c, n.weight, {dim(n.weight.rows()), dim(n.weight.cols())}, role::weight);
      const matrix b = apply(c, n.bias, {dim(n.bias.size())}, role::bias);
      matrix y(h.rows(), w.rows());
      y.noalias() = xq * w.transpose();
      y.rowwise() += b.row(0);
      h = y;
    } else {
      h = apply(c, h, {dim(h.rows()), dim(h.cols())}, role::relu_in).unaryExpr([](float v) { return v < 0.0f ? 0.0f : v; });
    }
  }
  return h;
}

matrix toy_batch(std::size_t n) {
  const auto rows = mixprec::testing::toy_tiny_rows(1, n);
  return Eigen::Map<const matrix>(rows.f32.data(), static_cast<Eigen::Index>(n), 4);
}

}  // namespace

TEST_SUITE("numbers/any_format") {
  TEST_CASE("make_format builds each alternative under its MASE name, with its nominal width") {
    const auto f = make_format("minifloat_ieee", {{"width", 8}, {"exponent_width", 4}, {"exponent_bias", 7}}, "f");
    CHECK(f.name() == "minifloat_ieee");
    CHECK(f.width() == 8);
    CHECK(f.get<minifloat_ieee_format>().bias() == 7);
    CHECK(make_format("fixed", {{"width", 8}, {"frac_width", 3}}, "f").name() == "integer");
    CHECK(make_format("binary", {{"width", 4}, {"stochastic", false}, {"bipolar", false}}, "f").width() == 4);
    CHECK(make_format("mxfp", {{"exponent_width", 4}, {"frac_width", 3}, {"block_size", 32}}, "f").width() == 8);
    CHECK(make_format("mxint", {{"width", 8}, {"block_size", 32}}, "f").width() == 8);
    // exponent_bias None / "none" / "None" all mean the default 2^(E-1) - 1.
    for (const auto& b : {nlohmann::json(nullptr), nlohmann::json("none"), nlohmann::json("None")})
      CHECK(make_format("minifloat_denorm", {{"width", 8}, {"exponent_width", 4}, {"exponent_bias", b}}, "f")
                .get<minifloat_denorm_format>()
                .bias() == 7);
    // HEAD: frac_width None means width // 2.
    CHECK(make_format("integer", {{"width", 7}, {"frac_width", nullptr}}, "f").get<integer_format>().frac_width == 3);
    // block_fp takes a bare block_size; skip_first_dim defaults to MASE's and may be set standalone.
    const auto bfp = make_format("block_fp", {{"width", 8}, {"exponent_width", 8}, {"exponent_bias", nullptr}, {"block_size", 16}}, "f");
    CHECK(bfp.get<block_fp_format>().params().block_size == std::vector<int>{16});
    CHECK(bfp.get<block_fp_format>().params().skip_first_dim);
    const auto blog = make_format("block_log", {{"width", 8}, {"exponent_bias_width", 4}, {"block_size", {2, 2}}, {"skip_first_dim", true}}, "f");
    CHECK(blog.get<block_log_format>().params().skip_first_dim);
    CHECK(!blog.with_skip_first_dim(false).get<block_log_format>().params().skip_first_dim);
    CHECK(make_format("mxint_hardware", {{"width", 8}, {"exponent_width", 4}, {"parallelism", 4}}, "f")
              .get<mxint_hardware_format>()
              .params()
              .parallelism == std::vector<int>{4});
  }

  TEST_CASE("quantize dispatches to the alternative; elementwise formats ignore the shape") {
    std::vector<float> x(48);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.37f * static_cast<float>(i)) * 3.0f;
    std::vector<float> got(x.size()), want(x.size());
    const std::vector<std::size_t> shape{6, 8};
    any_format(log_format(6)).quantize(x, shape, got);
    log_format(6).quantize(x, want);
    CHECK(same_bits(got.data(), want.data(), x.size()));
    const std::vector<std::size_t> wrong{7, 7};  // ignored by an elementwise format
    any_format(integer_format(4, 2)).quantize(x, wrong, got);
    integer_format(4, 2).quantize(x, want);
    CHECK(same_bits(got.data(), want.data(), x.size()));
    CHECK(!any_format(integer_format(4, 2)).needs_shape());
    // A MASE block format flattens a 4-D shape to [N*C, H, W], as MASE's conv and relu modules do.
    const block_fp_params p{6, 8, std::nullopt, {2, 2}, true};
    const std::vector<std::size_t> four{2, 2, 3, 4}, three{4, 3, 4};
    any_format(block_fp_format(p)).quantize(x, four, got);
    block_fp_format(p).quantize(x, three, want);
    CHECK(same_bits(got.data(), want.data(), x.size()));
    CHECK(any_format(block_fp_format(p)).needs_shape());
    CHECK(any_format(block_fp_format(p)).uses_mase_blocking());
  }

  TEST_CASE("make_format errors name the path, the value and what was expected") {
    CHECK_THROWS_WITH_AS((void)make_format("posit", {}, "layer.w"),
                         Contains("layer.w: arithmetic \"posit\" is unknown (valid names: integer, fixed, minifloat_ieee, "
                                  "minifloat_denorm, log, block_fp, block_minifloat, block_log, binary, binary_head, "
                                  "ternary, ternary_head, mxint_hardware, mxint, mxfp)"),
                         config_error);
    CHECK_THROWS_WITH_AS((void)make_format("log", {{"width", 8}}, "layer.w"), Contains("layer.w.exponent_bias: missing"),
                         config_error);
    CHECK_THROWS_WITH_AS((void)make_format("log", {{"width", 8}, {"exponent_bias", 3}, {"frac_width", 2}}, "layer.w"),
                         Contains("layer.w.frac_width = 2: unknown key for log (valid keys: width, exponent_bias)"),
                         config_error);
    CHECK_THROWS_WITH_AS((void)make_format("log", {{"width", 40}, {"exponent_bias", 3}}, "layer.w"),
                         Contains("layer.w.width = 40: must be in [1, 32] (log)"), config_error);
    CHECK_THROWS_WITH_AS((void)make_format("log", {{"width", 8}, {"exponent_bias", "auto"}}, "layer.w"),
                         Contains("layer.w.exponent_bias = \"auto\": expected an integer, null, \"none\" or \"None\""),
                         config_error);
    CHECK_THROWS_WITH_AS((void)make_format("log", nlohmann::json::array(), "layer.w"),
                         Contains("layer.w = []: expected an object of log keys"), config_error);
  }
}

TEST_SUITE("passes/quantize with every format") {
  TEST_CASE("weights, biases and forwards through the pass equal the formats applied by hand") {
    const model& m = toynet();
    const matrix x = toy_batch(48);
    for (const auto& c : cases()) {
      CAPTURE(c.arith);
      const auto q = quantize(m, default_config(c.arith, c.keys));
      for (std::size_t i : {0u, 2u, 4u}) {
        const node& n = m[i];
        CHECK(same_bits(q.weight(i), apply(c, n.weight, {dim(n.weight.rows()), dim(n.weight.cols())}, role::weight)));
        CHECK(same_bits(q.bias(i), apply(c, n.bias, {dim(n.bias.size())}, role::bias)));
        // The quantized weights differ from the float ones, so the check sees the format.
        CHECK(!same_bits(q.weight(i), n.weight));
      }
      CHECK(same_bits(q.forward(x), hand_forward(c, m, x)));
      // average_bitwidth counts MASE's weight_width (the nominal width for every format).
      const int w = c.keys.contains("width") ? c.keys["width"].get<int>() : q.config()[0]->weight->width();
      CHECK(average_bitwidth(q) == static_cast<double>(w));
      CHECK(bops(q).nodes[1].bops == 10000.0 * w * w);
    }
  }

  TEST_CASE("formats mix across nodes, and requantize switches formats in place") {
    const model& m = toynet();
    const auto all = cases();
    const auto pick = [&](const std::string& a) -> const format_case& {
      for (const auto& c : all)
        if (c.arith == a) return c;
      throw std::logic_error(a);
    };
    const auto entry = [](const format_case& c) {
      auto k = operand_keys(c.keys);
      k["name"] = c.arith;
      return nlohmann::json{{"config", k}};
    };
    const nlohmann::json mixed = {{"seq_blocks_0", entry(pick("block_fp"))},
                                  {"seq_blocks_2", entry(pick("minifloat_ieee"))},
                                  {"seq_blocks_4", entry(pick("log"))},
                                  {"default", entry(pick("integer"))}};
    auto q = quantize(m, mixed);
    const std::array<const char*, 3> names{"block_fp", "minifloat_ieee", "log"};
    for (std::size_t k = 0; k < 3; ++k) {
      const node& n = m[2 * k];
      CHECK(q.config()[2 * k]->weight->name() == names[k]);
      CHECK(same_bits(q.weight(2 * k), apply(pick(names[k]), n.weight, {dim(n.weight.rows()), dim(n.weight.cols())}, role::weight)));
    }
    // The relus take the integer default, unsigned.
    CHECK(!q.input_format(1)->get<integer_format>().is_signed);
    CHECK(q.input_format(0)->get<block_fp_format>().params().skip_first_dim);     // a linear's input
    CHECK(average_bitwidth(q) == (5.0 * 400 + 8.0 * 10000 + 5.0 * 200) / 10600.0);
    // Back to one format for every node, in the same storage.
    requantize(q, default_config("integer", pick("integer").keys));
    const auto fresh = quantize(m, default_config("integer", pick("integer").keys));
    const matrix x = toy_batch(16);
    CHECK(same_bits(q.forward(x), fresh.forward(x)));
    CHECK(same_bits(q.forward(x), hand_forward(pick("integer"), m, x)));
    // The compile-time integer path gives the same model as the runtime one.
    const auto typed = quantize_pass<integer_format>{}(m, default_config("integer", pick("integer").keys));
    CHECK(same_bits(typed.forward(x), fresh.forward(x)));
  }

  TEST_CASE("by type works with any format") {
    const model& m = toynet();
    const auto c = cases()[5];  // block_fp
    auto k = operand_keys(c.keys);
    k["name"] = c.arith;
    const nlohmann::json by_type = {{"by", "type"}, {"linear", {{"config", k}}}, {"relu", {{"config", k}}}};
    const matrix x = toy_batch(16);
    CHECK(same_bits(quantize(m, by_type).forward(x), hand_forward(c, m, x)));
  }

  TEST_CASE("a 2-D add takes MASE's functional tile path; a conv's weight and input are flattened to 3-D planes") {
    // add: x.ndim > 2 is false for (batch, 8), so both operands are 2x4 tiles spanning batch rows.
    model net({8});
    matrix w(8, 8);
    for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = std::cos(0.7f * static_cast<float>(i)) * 0.8f;
    net.add(node{"fc", op_kind::linear, {}, w, {}, {}});
    net.add(node{"sum", op_kind::add, {"fc", "x"}, {}, {}, {}});
    nlohmann::json bfp = {{"name", "block_fp"}, {"data_in_width", 5}, {"data_in_exponent_width", 8},
                          {"data_in_exponent_bias", nullptr}, {"data_in_block_size", {2, 4}}};
    const nlohmann::json cfg = {{"default", {{"config", {{"name", nullptr}}}}}, {"sum", {{"config", bfp}}}};
    const auto q = quantize(net, cfg);
    CHECK(!q.input_format(1)->get<block_fp_format>().params().skip_first_dim);
    matrix x(4, 8);
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = std::sin(1.3f * static_cast<float>(i)) * 2.0f;
    const block_fp_format f({5, 8, std::nullopt, {2, 4}, false});
    const std::vector<std::size_t> shape{4, 8};
    matrix a = x * w.transpose(), aq(4, 8), xq(4, 8);
    f.quantize(std::span<const float>(a.data(), 32), shape, std::span<float>(aq.data(), 32));
    f.quantize(std::span<const float>(x.data(), 32), shape, std::span<float>(xq.data(), 32));
    const matrix want = aq + xq;
    CHECK(same_bits(q.forward(x), want));

    // conv2d: weight (O, I, kh, kw) as [O*I, kh, kw] and input (N, C, H, W) as [N*C, H, W], skip_first_dim true.
    model cnn({2, 5, 5});
    matrix cw(3, 18), cb(1, 3);
    for (Eigen::Index i = 0; i < cw.size(); ++i) cw.data()[i] = std::sin(0.9f * static_cast<float>(i)) * 0.5f;
    cb << 0.1f, -0.2f, 0.3f;
    cnn.add(node{"conv", op_kind::conv2d, {}, cw, cb, window2d{{3, 3}, {1, 1}, {0, 0}}});
    nlohmann::json cc = {{"name", "block_minifloat"}};
    for (const char* op : {"data_in", "weight", "bias"}) {
      cc[std::string(op) + "_width"] = 6;
      cc[std::string(op) + "_exponent_width"] = 3;
      cc[std::string(op) + "_exponent_bias_width"] = 3;
      cc[std::string(op) + "_block_size"] = {2, 2};
    }
    const auto qc = quantize(cnn, nlohmann::json{{"default", {{"config", cc}}}});
    const block_minifloat_format planes({6, 3, 3, {2, 2}, true}), flat({6, 3, 3, {2, 2}, false});
    matrix wq(3, 18), bq(1, 3);
    const std::vector<std::size_t> wshape{6, 3, 3}, bshape{3};
    planes.quantize(std::span<const float>(cw.data(), 54), wshape, std::span<float>(wq.data(), 54));
    flat.quantize(std::span<const float>(cb.data(), 3), bshape, std::span<float>(bq.data(), 3));
    CHECK(same_bits(qc.weight(0), wq));
    CHECK(same_bits(qc.bias(0), bq));
    // Forward: the float conv with the quantized parameters on the input quantized as [N*C, H, W].
    matrix cx(2, 50), cxq(2, 50);
    for (Eigen::Index i = 0; i < cx.size(); ++i) cx.data()[i] = std::cos(0.31f * static_cast<float>(i)) * 4.0f;
    const std::vector<std::size_t> xshape{4, 5, 5};
    planes.quantize(std::span<const float>(cx.data(), 100), xshape, std::span<float>(cxq.data(), 100));
    model hand({2, 5, 5});
    hand.add(node{"conv", op_kind::conv2d, {}, wq, bq, window2d{{3, 3}, {1, 1}, {0, 0}}});
    CHECK(same_bits(qc.forward(cx), hand.forward(cxq)));
  }

  TEST_CASE("a block layout that does not fit an operand is a shape_error naming the node and operand") {
    // HEAD's ternary is 4-D only (as in MASE, where it breaks linear layers).
    const nlohmann::json th = {{"width", 2}, {"scaling_factor", false}};
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), default_config("ternary_head", th)),
                         Contains("quantized_model: node 'seq_blocks_0' (linear) weight of shape (100, 4): ternary_head.quantize: "
                                  "shape has rank 2: must be 4-D"),
                         shape_error);
    // mxint_hardware's parallelism must divide the last two dims: the batch of 3 rows does not divide by 2.
    const nlohmann::json mh = {{"width", 6}, {"exponent_width", 4}, {"parallelism", {2, 2}}};
    auto cfg = default_config("mxint_hardware", mh);
    cfg["default"]["config"]["bias_parallelism"] = {1, 2};
    cfg["seq_blocks_4"] = cfg["default"];
    cfg["seq_blocks_4"]["config"]["weight_parallelism"] = {1, 2};
    cfg["seq_blocks_4"]["config"]["bias_parallelism"] = {1, 2};
    const auto q = quantize(toynet(), cfg);
    CHECK_THROWS_WITH_AS((void)q.forward(toy_batch(3)),
                         Contains("quantized_model: node 'seq_blocks_0' (linear) data_in of shape (3, 4): mxint_hardware.quantize"),
                         shape_error);
    CHECK(q.forward(toy_batch(4)).rows() == 4);
  }

  TEST_CASE("config errors name the key path, the value and the valid names or keys") {
    const auto with = [](nlohmann::json keys, const std::string& arith) { return default_config(arith, keys); };
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), with({{"width", 8}}, "posit")),
                         Contains("quantize config: default.config.name = \"posit\": unknown arithmetic (supported: integer, "
                                  "fixed, minifloat_ieee, minifloat_denorm, log, block_fp, block_minifloat, block_log, "
                                  "binary, binary_head, ternary, ternary_head, mxint_hardware, mxint, mxfp)"),
                         config_error);
    for (const char* layer : {"lutnet", "logicnets", "binary_residual", "flexround"}) {
      const std::string want = std::string("default.config.name = \"") + layer +
                               "\": not supported by the quantize pass: MASE's " + layer + " is a research layer";
      CHECK_THROWS_WITH_AS((void)quantize(toynet(), with({{"width", 8}}, layer)), Contains(want.c_str()), config_error);
    }
    // A missing key.
    auto cfg = with({{"width", 8}, {"exponent_width", 8}, {"exponent_bias", nullptr}, {"block_size", {16}}}, "block_fp");
    cfg["default"]["config"].erase("weight_block_size");
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), cfg), Contains("quantize config: default.config.weight_block_size: missing"),
                         config_error);
    // Bad values, from the reader and from the format's own validation.
    CHECK_THROWS_WITH_AS(
        (void)quantize(toynet(), with({{"width", 0}, {"exponent_width", 8}, {"exponent_bias", nullptr}, {"block_size", {16}}}, "block_fp")),
        Contains("quantize config: default.config.data_in_width = 0: must be in [1, 64] (block_fp)"), config_error);
    CHECK_THROWS_WITH_AS(
        (void)quantize(toynet(), with({{"width", 8}, {"exponent_width", 3}, {"exponent_bias_width", 3}, {"block_size", {0}}}, "block_minifloat")),
        Contains("quantize config: default.config.data_in_block_size = [0]: entry 0 is 0, must be >= 1 or -1"), config_error);
    CHECK_THROWS_WITH_AS(
        (void)quantize(toynet(), with({{"width", 8}, {"exponent_width", 3}, {"exponent_bias_width", 3}, {"block_size", 16}}, "block_minifloat")),
        Contains("quantize config: default.config.data_in_block_size = 16: expected a non-empty list of integers"), config_error);
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), with({{"width", 8}, {"exponent_width", 9}, {"exponent_bias", 3}}, "minifloat_ieee")),
                         Contains("quantize config: default.config.data_in_width = 8: must be >= exponent_width + 1 = 10"),
                         config_error);
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), with({{"width", 8}, {"exponent_width", 4}, {"exponent_bias", 2.5}}, "minifloat_denorm")),
                         Contains("quantize config: default.config.data_in_exponent_bias = 2.5: expected an integer, null"),
                         config_error);
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), with({{"width", 1}, {"stochastic", true}, {"bipolar", true}}, "binary")),
                         Contains("quantize config: default.config.data_in_stochastic = true: only deterministic"),
                         config_error);
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), with({{"width", 1}, {"stochastic", "no"}, {"bipolar", true}}, "binary")),
                         Contains("quantize config: default.config.data_in_stochastic = \"no\": expected true or false"),
                         config_error);
    CHECK_THROWS_WITH_AS(
        (void)quantize(toynet(), with({{"width", 2}, {"scaling_factor", false}, {"mean", 0}, {"median", nullptr}, {"max", nullptr}}, "ternary")),
        Contains("quantize config: default.config.data_in_mean, data_in_median, data_in_max = 0, null, null: ternary needs one"),
        config_error);
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), with({{"exponent_width", 3}, {"frac_width", 3}, {"block_size", 2}}, "mxfp")),
                         Contains("quantize config: default.config.data_in_exponent_width, data_in_frac_width = 3, 3: must be one of"),
                         config_error);
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), with({{"width", 8}, {"exponent_width", 4}, {"parallelism", {1, 0}}}, "mxint_hardware")),
                         Contains("quantize config: default.config.data_in_parallelism = [1, 0]: entries must be >= 1 (mxint_hardware)"),
                         config_error);
    // A key of another arithmetic is named with this one's valid keys.
    cfg = with({{"width", 8}, {"exponent_width", 4}, {"exponent_bias", nullptr}}, "minifloat_ieee");
    cfg["default"]["config"]["weight_frac_width"] = 3;
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), cfg),
                         Contains("quantize config: default.config.weight_frac_width = 3: unknown key for minifloat_ieee "
                                  "(valid keys: name, bypass, data_in_width, data_in_exponent_width, data_in_exponent_bias, "
                                  "weight_width"),
                         config_error);
    // skip_first_dim is decided per operand, never configured in the pass.
    cfg = with({{"width", 8}, {"exponent_width", 8}, {"exponent_bias", nullptr}, {"block_size", {16}}}, "block_fp");
    cfg["default"]["config"]["data_in_skip_first_dim"] = false;
    CHECK_THROWS_WITH_AS((void)quantize(toynet(), cfg),
                         Contains("default.config.data_in_skip_first_dim = false: unknown key for block_fp"), config_error);
  }
}
