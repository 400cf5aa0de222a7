// The graph ops and window options ONNX import uses: grouped and dilated convolution, asymmetric
// padding, ceil_mode and count_include_pad pooling, batch_norm2d, the activations, softmax,
// reshape, mul and cat, each checked against a direct loop written here.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include <mixprec/graph/load.hpp>
#include <mixprec/graph/model.hpp>

using namespace mixprec;
using doctest::Contains;

namespace {

matrix wave(Eigen::Index rows, Eigen::Index cols, float f = 0.37f) {
  matrix x(rows, cols);
  for (Eigen::Index k = 0; k < x.size(); ++k) x.data()[k] = std::sin(f * static_cast<float>(k) + 0.1f);
  return x;
}

node make(std::string name, op_kind op) {
  node n;
  n.name = std::move(name);
  n.op = op;
  return n;
}

// Direct convolution of one sample: groups, dilation and (begin, end) padding per axis.
std::vector<float> direct_conv(const float* x, std::size_t c, std::size_t h, std::size_t w, const matrix& wt,
                               const window2d& g, std::size_t ho, std::size_t wo) {
  const auto out_c = static_cast<std::size_t>(wt.rows());
  const std::size_t cg = c / g.groups, og = out_c / g.groups;
  std::vector<float> y(out_c * ho * wo, 0.0f);
  for (std::size_t o = 0; o < out_c; ++o)
    for (std::size_t oh = 0; oh < ho; ++oh)
      for (std::size_t ow = 0; ow < wo; ++ow) {
        double acc = 0;
        for (std::size_t ci = 0; ci < cg; ++ci)
          for (std::size_t ki = 0; ki < g.kernel[0]; ++ki)
            for (std::size_t kj = 0; kj < g.kernel[1]; ++kj) {
              const auto ih = static_cast<long>(oh * g.stride[0] + ki * g.dilation[0]) - static_cast<long>(g.padding[0]);
              const auto iw = static_cast<long>(ow * g.stride[1] + kj * g.dilation[1]) - static_cast<long>(g.padding[1]);
              if (ih < 0 || iw < 0 || ih >= static_cast<long>(h) || iw >= static_cast<long>(w)) continue;
              const std::size_t chan = (o / og) * cg + ci;
              acc += static_cast<double>(x[(chan * h + static_cast<std::size_t>(ih)) * w + static_cast<std::size_t>(iw)]) *
                     wt(static_cast<Eigen::Index>(o), static_cast<Eigen::Index>((ci * g.kernel[0] + ki) * g.kernel[1] + kj));
            }
        y[(o * ho + oh) * wo + ow] = static_cast<float>(acc);
      }
  return y;
}

}  // namespace

TEST_SUITE("graph/extended ops") {
  TEST_CASE("grouped, depthwise, dilated and asymmetrically padded conv2d match a direct convolution") {
    struct geometry {
      std::size_t groups, dil, pb, pe, stride, out_c;
    };
    for (const geometry& t : {geometry{2, 1, 1, 1, 1, 4}, geometry{4, 1, 1, 1, 2, 4}, geometry{4, 1, 0, 0, 1, 8},
                              geometry{1, 2, 2, 2, 1, 3}, geometry{1, 1, 0, 1, 2, 2}, geometry{2, 2, 1, 0, 1, 2}}) {
      CAPTURE(t.groups);
      CAPTURE(t.dil);
      CAPTURE(t.pb);
      CAPTURE(t.pe);
      model m({4, 7, 6});
      node c = make("conv", op_kind::conv2d);
      c.window.kernel = {3, 3};
      c.window.stride = {t.stride, t.stride};
      c.window.padding = {t.pb, t.pb};
      if (t.pe != t.pb) c.window.padding_end = std::array{t.pe, t.pe};
      c.window.dilation = {t.dil, t.dil};
      c.window.groups = t.groups;
      c.weight = wave(static_cast<Eigen::Index>(t.out_c), static_cast<Eigen::Index>(4 / t.groups * 9), 0.11f);
      c.bias = wave(1, static_cast<Eigen::Index>(t.out_c), 0.5f);
      const window2d g = c.window;
      const matrix w = c.weight, b = c.bias;
      m.add(std::move(c));
      const std::size_t ho = m.out_shape(0)[1], wo = m.out_shape(0)[2];
      const std::size_t span = t.dil * 2 + 1;
      CHECK(ho == (7 + t.pb + t.pe - span) / t.stride + 1);
      CHECK(wo == (6 + t.pb + t.pe - span) / t.stride + 1);
      const matrix x = wave(2, 4 * 7 * 6);
      const matrix y = m.forward(x);
      for (Eigen::Index s = 0; s < 2; ++s) {
        const auto want = direct_conv(x.row(s).data(), 4, 7, 6, w, g, ho, wo);
        for (std::size_t k = 0; k < want.size(); ++k) {
          const float bias = b(0, static_cast<Eigen::Index>(k / (ho * wo)));
          CHECK(y(s, static_cast<Eigen::Index>(k)) == doctest::Approx(want[k] + bias).epsilon(1e-5));
        }
      }
    }
  }

  TEST_CASE("pooling with ceil_mode, count_include_pad = false, dilation and asymmetric padding") {
    // One 1 x 5 x 5 sample 0..24; a 2 x 2 window with stride 2.
    matrix x(1, 25);
    for (int k = 0; k < 25; ++k) x(0, k) = static_cast<float>(k);
    auto pool = [&](op_kind op, auto&& set) {
      model m({1, 5, 5});
      node p = make("pool", op);
      p.window.kernel = {2, 2};
      p.window.stride = {2, 2};
      set(p.window);
      m.add(std::move(p));
      return std::pair{m.out_shape(0), m.forward(x)};
    };
    // ceil_mode: a third, partial window per axis, averaged over its in-input part.
    auto [s1, y1] = pool(op_kind::avg_pool2d, [](window2d& g) { g.ceil_mode = true; });
    CHECK(s1 == std::vector<std::size_t>{1, 3, 3});
    CHECK(y1(0, 0) == doctest::Approx((0 + 1 + 5 + 6) / 4.0));
    CHECK(y1(0, 2) == doctest::Approx((4 + 9) / 2.0));
    CHECK(y1(0, 8) == 24.0f);
    auto [s2, y2] = pool(op_kind::max_pool2d, [](window2d& g) { g.ceil_mode = true; });
    CHECK(y2(0, 8) == 24.0f);
    CHECK(y2(0, 5) == 19.0f);
    // Padding 1 and count_include_pad = false: the corner window holds only element 0.
    auto [s3, y3] = pool(op_kind::avg_pool2d, [](window2d& g) {
      g.padding = {1, 1};
      g.count_include_pad = false;
    });
    CHECK(s3 == std::vector<std::size_t>{1, 3, 3});
    CHECK(y3(0, 0) == 0.0f);
    CHECK(y3(0, 1) == doctest::Approx((1 + 2) / 2.0));
    CHECK(y3(0, 4) == doctest::Approx((6 + 7 + 11 + 12) / 4.0));
    auto [s4, y4] = pool(op_kind::avg_pool2d, [](window2d& g) { g.padding = {1, 1}; });  // default: counts padding
    CHECK(y4(0, 1) == doctest::Approx((1 + 2) / 4.0));
    // Dilation 2: a window picks elements two apart.
    auto [s5, y5] = pool(op_kind::max_pool2d, [](window2d& g) {
      g.dilation = {2, 2};
      g.stride = {1, 1};
    });
    CHECK(s5 == std::vector<std::size_t>{1, 3, 3});
    CHECK(y5(0, 0) == 12.0f);
    // Padding only at the end (ONNX's SAME_UPPER): the last window sees one row.
    auto [s6, y6] = pool(op_kind::max_pool2d, [](window2d& g) { g.padding_end = std::array<std::size_t, 2>{1, 1}; });
    CHECK(s6 == std::vector<std::size_t>{1, 3, 3});
    CHECK(y6(0, 8) == 24.0f);
    CHECK(y6(0, 6) == 21.0f);
  }

  TEST_CASE("activations, batch_norm2d, softmax, mul, reshape and cat compute their formulas") {
    const matrix x = wave(3, 2 * 2 * 3, 0.9f);
    auto run_one = [&](node n, std::vector<std::size_t> shape = {2, 2, 3}) {
      model m(std::move(shape));
      m.add(std::move(n));
      return m.forward(x);
    };
    auto each = [&](const matrix& y, auto&& f) {
      for (Eigen::Index k = 0; k < x.size(); ++k) CHECK(y.data()[k] == doctest::Approx(f(x.data()[k])).epsilon(1e-6));
    };
    node ht = make("clip", op_kind::hardtanh);
    ht.params = {-0.5f, 0.25f};
    each(run_one(ht), [](float v) { return std::min(std::max(v, -0.5f), 0.25f); });
    node lr = make("lrelu", op_kind::leaky_relu);
    lr.params = {0.1f};
    each(run_one(lr), [](float v) { return v < 0 ? 0.1f * v : v; });
    each(run_one(make("sig", op_kind::sigmoid)), [](float v) { return 1.0f / (1.0f + std::exp(-v)); });
    each(run_one(make("tanh", op_kind::tanh)), [](float v) { return std::tanh(v); });
    node hs = make("hsig", op_kind::hardsigmoid);
    hs.params = {0.2f, 0.5f};
    each(run_one(hs), [](float v) { return std::min(std::max(0.2f * v + 0.5f, 0.0f), 1.0f); });
    each(run_one(make("hswish", op_kind::hardswish)),
         [](float v) { return v * std::min(std::max(v / 6 + 0.5f, 0.0f), 1.0f); });
    node mc = make("scale", op_kind::mul);
    mc.params = {-1.5f};
    each(run_one(mc), [](float v) { return -1.5f * v; });

    node bn = make("bn", op_kind::batch_norm2d);
    bn.params = {2.0f, -1.0f, 0.5f, 0.25f};  // scale per channel, then shift per channel
    const matrix yb = run_one(bn);
    for (Eigen::Index k = 0; k < x.cols(); ++k) {
      const bool c1 = k >= 6;
      CHECK(yb(1, k) == doctest::Approx(x(1, k) * (c1 ? -1.0f : 2.0f) + (c1 ? 0.25f : 0.5f)));
    }

    for (std::size_t axis : {0u, 1u, 2u}) {
      CAPTURE(axis);
      node sm = make("softmax", op_kind::softmax);
      sm.axis = axis;
      const matrix ys = run_one(sm);
      const std::size_t dims[] = {2, 2, 3};
      const std::size_t stride = axis == 0 ? 6 : axis == 1 ? 3 : 1;
      for (std::size_t k = 0; k < 12; ++k) {  // every slice along the axis sums to 1 and follows exp
        if ((k / stride) % dims[axis] != 0) continue;
        double sum = 0, denom = 0;
        for (std::size_t j = 0; j < dims[axis]; ++j) {
          sum += ys(2, static_cast<Eigen::Index>(k + j * stride));
          denom += std::exp(static_cast<double>(x(2, static_cast<Eigen::Index>(k + j * stride))));
        }
        CHECK(sum == doctest::Approx(1.0).epsilon(1e-6));
        CHECK(ys(2, static_cast<Eigen::Index>(k)) == doctest::Approx(std::exp(x(2, static_cast<Eigen::Index>(k))) / denom).epsilon(1e-5));
      }
    }

    model g({2, 2, 3});
    node r = make("view", op_kind::reshape);
    r.shape = {4, 3};
    g.add(std::move(r));
    node relu = make("relu", op_kind::relu);
    relu.inputs = {"view"};
    g.add(std::move(relu));
    node sq = make("square", op_kind::mul);
    sq.inputs = {"view", "view"};
    g.add(std::move(sq));
    node cat = make("cat", op_kind::cat);
    cat.inputs = {"relu", "square", "view"};
    cat.axis = 1;  // (4, 3) + (4, 3) + (4, 3) -> (4, 9)
    g.add(std::move(cat));
    CHECK(g.out_shape(1) == std::vector<std::size_t>{4, 3});
    CHECK(g.out_shape(3) == std::vector<std::size_t>{4, 9});
    const matrix yc = g.forward(x);
    for (Eigen::Index s = 0; s < 3; ++s)
      for (Eigen::Index row = 0; row < 4; ++row)
        for (Eigen::Index col = 0; col < 3; ++col) {
          const float v = x(s, row * 3 + col);
          CHECK(yc(s, row * 9 + col) == std::max(v, 0.0f));
          CHECK(yc(s, row * 9 + 3 + col) == v * v);
          CHECK(yc(s, row * 9 + 6 + col) == v);
        }
  }

  TEST_CASE("the extended ops refuse inconsistent parameters, naming the node and the values") {
    model m({4, 5, 5});
    node c = make("conv", op_kind::conv2d);
    c.window.kernel = {3, 3};
    c.window.groups = 3;
    c.weight = matrix::Zero(6, 9);
    CHECK_THROWS_WITH_AS(m.add(c), Contains("node 'conv' (conv2d): groups = 3: must divide in_channels = 4"), shape_error);
    c.window.groups = 2;
    CHECK_THROWS_WITH_AS(m.add(c), Contains("weight has shape (6, 9), expected (out_channels, 18)"), shape_error);
    c.window.groups = 1;
    c.weight = matrix::Zero(2, 36);
    c.window.dilation = {3, 3};
    c.window.padding = {7, 7};
    CHECK_THROWS_WITH_AS(m.add(c), Contains("must be less than kernel_size = (3, 3) dilated by (3, 3)"), shape_error);
    node ht = make("clip", op_kind::hardtanh);
    ht.params = {1.0f};
    CHECK_THROWS_WITH_AS(m.add(ht), Contains("node 'clip' (hardtanh): 1 params given, expected 2"), shape_error);
    ht.params = {1.0f, -1.0f};
    CHECK_THROWS_WITH_AS(m.add(ht), Contains("min must be <= max"), shape_error);
    node mc = make("scale", op_kind::mul);
    mc.params = {2.0f, 3.0f};  // a scalar factor is one value
    CHECK_THROWS_WITH_AS(m.add(mc), Contains("node 'scale' (mul): 2 params given, expected 1"), shape_error);
    node r = make("view", op_kind::reshape);
    r.shape = {3, 33};
    CHECK_THROWS_WITH_AS(m.add(r), Contains("node 'view' (reshape): shape = (3, 33) does not hold the input (4, 5, 5)"),
                         shape_error);
    node s = make("softmax", op_kind::softmax);
    s.axis = 3;
    CHECK_THROWS_WITH_AS(m.add(s), Contains("axis = 3: expected 0 to 2"), shape_error);
    m.add(make("relu", op_kind::relu));
    node cat = make("cat", op_kind::cat);
    node flat = make("flat", op_kind::flatten);
    flat.inputs = {"x"};
    m.add(flat);
    cat.inputs = {"relu", "flat"};
    CHECK_THROWS_WITH_AS(m.add(cat), Contains("node 'cat' (cat): input shapes (4, 5, 5) and (100,) differ"), shape_error);
  }

  TEST_CASE("model.json refuses the ops and window options it cannot describe instead of dropping them") {
    model m({2, 4, 4});
    node c = make("conv", op_kind::conv2d);
    c.window.kernel = {1, 1};
    c.window.groups = 2;
    c.weight = matrix::Ones(2, 1);
    m.add(std::move(c));
    CHECK_THROWS_WITH_AS((void)describe_model(m), Contains("node 'conv' (conv2d): dilation, asymmetric padding, groups"),
                         config_error);
    model s({3});
    s.add(make("sig", op_kind::sigmoid));
    CHECK_THROWS_WITH_AS((void)describe_model(s), Contains("node 'sig' (sigmoid): this op cannot be described in model.json"),
                         config_error);
    const nlohmann::json desc = {{"input", {{"shape", {3}}}}, {"nodes", {{{"name", "s"}, {"op", "sigmoid"}}}}};
    CHECK_THROWS_WITH_AS((void)load_model(desc, ".", "m.json"),
                         Contains("m.json: nodes[0].op = \"sigmoid\": not described by model.json"), config_error);
  }
}
