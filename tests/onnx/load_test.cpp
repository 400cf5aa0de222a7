// load_onnx: op mapping, weights in PyTorch layout, names, inputs and the error messages.
#include <doctest/doctest.h>

#include <numeric>

#include <mixprec/io/npy.hpp>
#include <mixprec/onnx/load.hpp>
#include <mixprec/passes/quantize.hpp>

#include "../test_data.hpp"
#include "onnx_builder.hpp"

using namespace mixprec;
using doctest::Contains;
using mixprec::testing::attr_float;
using mixprec::testing::attr_int;
using mixprec::testing::attr_ints;
using mixprec::testing::attr_string;
using mixprec::testing::binary_dir;
using mixprec::testing::onnx_builder;

namespace {

std::vector<float> iota(std::size_t n, float start = 0.0f, float step = 1.0f) {
  std::vector<float> v(n);
  for (std::size_t k = 0; k < n; ++k) v[k] = start + step * static_cast<float>(k);
  return v;
}

model load(const onnx_builder& b, const onnx_import_options& opt = {}) { return load_onnx(b.proto, "m.onnx", opt); }

// x (batch, 1, 4, 4) -> Conv 3x3 pad 1 (+B) -> Relu -> MaxPool 2 -> Flatten -> Gemm(transB) -> y
onnx_builder small_cnn() {
  onnx_builder b;
  b.input("x", {-1, 1, 4, 4}).output("y");
  b.init("conv.weight", {2, 1, 3, 3}, iota(18, -0.5f, 0.0625f), true).init("conv.bias", {2}, {0.25f, -0.125f});
  b.init("fc.weight", {3, 8}, iota(24, 0.3f, -0.03f)).init("fc.bias", {3}, {1.0f, 2.0f, 3.0f});
  auto& c = b.node("Conv", {"x", "conv.weight", "conv.bias"}, {"c"}, "/conv/Conv");
  attr_ints(c, "kernel_shape", {3, 3});
  attr_ints(c, "pads", {1, 1, 1, 1});
  attr_ints(c, "strides", {1, 1});
  b.node("Relu", {"c"}, {"r"}, "/relu/Relu");
  auto& p = b.node("MaxPool", {"r"}, {"p"}, "/pool/MaxPool");
  attr_ints(p, "kernel_shape", {2, 2});
  attr_ints(p, "strides", {2, 2});
  b.node("Flatten", {"p"}, {"f"}, "/Flatten");
  auto& g = b.node("Gemm", {"f", "fc.weight", "fc.bias"}, {"y"}, "/fc/Gemm");
  attr_int(g, "transB", 1);
  return b;
}

matrix sample_batch(std::size_t rows, std::size_t cols) {
  matrix x(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
  for (Eigen::Index k = 0; k < x.size(); ++k) x.data()[k] = std::sin(0.7f * static_cast<float>(k));
  return x;
}

}  // namespace

TEST_SUITE("onnx/load") {
  TEST_CASE("a small CNN maps to MASE's op names with PyTorch-layout weights and the same forward") {
    const model m = load(small_cnn());
    REQUIRE(m.size() == 5);
    CHECK(m.input_name() == "x");
    CHECK(m.input_shape() == std::vector<std::size_t>{1, 4, 4});
    const char* names[] = {"conv_Conv", "relu_Relu", "pool_MaxPool", "Flatten", "fc_Gemm"};
    const op_kind ops[] = {op_kind::conv2d, op_kind::relu, op_kind::max_pool2d, op_kind::flatten, op_kind::linear};
    for (std::size_t i = 0; i < 5; ++i) {
      CHECK(m[i].name == names[i]);
      CHECK(m[i].op == ops[i]);
    }
    CHECK(op_name(m[0].op) == "conv2d");
    CHECK(op_name(m[4].op) == "linear");
    // Weights as PyTorch holds them: conv (out, in*kh*kw), linear (out, in), bias 1 x out.
    CHECK(m[0].weight.rows() == 2);
    CHECK(m[0].weight.cols() == 9);
    CHECK(m[0].weight(1, 0) == doctest::Approx(-0.5f + 9 * 0.0625f));
    CHECK(m[0].bias(0, 1) == -0.125f);
    CHECK(m[0].window.padding == std::array<std::size_t, 2>{1, 1});
    CHECK(m[2].window.stride == std::array<std::size_t, 2>{2, 2});
    CHECK(m[4].weight.rows() == 3);
    CHECK(m[4].weight(0, 1) == doctest::Approx(0.27f));
    CHECK(m[4].bias(0, 2) == 3.0f);

    // The same network built by hand runs bit-identically.
    model ref({1, 4, 4}, "x");
    for (std::size_t i = 0; i < 5; ++i) {
      node n = m[i];
      n.inputs.clear();
      ref.add(std::move(n));
    }
    const matrix x = sample_batch(3, 16);
    CHECK(m.forward(x) == ref.forward(x));
  }

  TEST_CASE("Gemm without transB, MatMul + Add and a power-of-two alpha give the same linear") {
    const std::vector<float> w = iota(6, -1.0f, 0.5f);  // (out 2, in 3), PyTorch layout
    std::vector<float> wt(6);                            // (in 3, out 2)
    for (int o = 0; o < 2; ++o)
      for (int k = 0; k < 3; ++k) wt[static_cast<std::size_t>(k * 2 + o)] = w[static_cast<std::size_t>(o * 3 + k)];
    const matrix x = sample_batch(4, 3);

    onnx_builder g;
    g.input("x", {-1, 3}).output("y").init("W", {3, 2}, wt).init("C", {2}, {0.5f, -0.5f});
    g.node("Gemm", {"x", "W", "C"}, {"y"}, "fc");
    const model mg = load(g);

    onnx_builder mm;
    mm.input("x", {-1, 3}).output("y").init("W", {3, 2}, wt).init("b", {2}, {0.5f, -0.5f});
    mm.node("MatMul", {"x", "W"}, {"t"}, "fc");
    mm.node("Add", {"t", "b"}, {"y"}, "fc_add");
    const model mm_model = load(mm);
    REQUIRE(mm_model.size() == 1);  // the Add is the linear's bias
    CHECK(mm_model[0].op == op_kind::linear);
    CHECK(mm_model[0].bias.size() == 2);
    CHECK(mm_model.forward(x) == mg.forward(x));

    onnx_builder ga;  // alpha = 2 on half the weight
    std::vector<float> half = wt;
    for (auto& v : half) v /= 2;
    ga.input("x", {-1, 3}).output("y").init("W", {3, 2}, half).init("C", {2}, {0.25f, -0.25f});
    auto& n = ga.node("Gemm", {"x", "W", "C"}, {"y"}, "fc");
    attr_float(n, "alpha", 2.0f);
    attr_float(n, "beta", 2.0f);
    CHECK(load(ga).forward(x) == mg.forward(x));

    n.mutable_attribute(0)->set_f(0.3f);  // not a power of two: folding would round
    CHECK_THROWS_WITH_AS((void)load(ga), Contains("node 0 'fc' (Gemm): alpha = 0.3"), config_error);
  }

  TEST_CASE("a BatchNormalization right after a Conv or a Gemm is folded into its weight and bias") {
    const std::vector<float> scale{1.5f, 0.5f}, shift{0.1f, -0.2f}, mean{0.3f, -0.4f}, var{0.8f, 2.0f};
    const float eps = 1e-3f;
    auto with_bn = [&](bool conv) {
      onnx_builder b;
      b.input("x", conv ? std::vector<std::int64_t>{-1, 1, 3, 3} : std::vector<std::int64_t>{-1, 3}).output("y");
      b.init("s", {2}, scale).init("B", {2}, shift).init("m", {2}, mean).init("v", {2}, var);
      if (conv) {
        b.init("W", {2, 1, 2, 2}, iota(8, -0.4f, 0.1f)).init("cb", {2}, {0.05f, 0.07f});
        b.node("Conv", {"x", "W", "cb"}, {"c"}, "conv");
      } else {
        b.init("W", {2, 3}, iota(6, -0.4f, 0.1f)).init("cb", {2}, {0.05f, 0.07f});
        attr_int(b.node("Gemm", {"x", "W", "cb"}, {"c"}, "fc"), "transB", 1);
      }
      attr_float(b.node("BatchNormalization", {"c", "s", "B", "m", "v"}, {"y"}, "bn"), "epsilon", eps);
      return b;
    };
    for (bool conv : {true, false}) {
      CAPTURE(conv);
      const model m = load(with_bn(conv));
      REQUIRE(m.size() == 1);  // the BatchNormalization is gone
      // The unfolded layer, then the normalization by hand.
      onnx_builder plain = with_bn(conv);
      plain.graph().mutable_node()->RemoveLast();
      plain.graph().mutable_output(0)->set_name("c");
      const model layer = load(plain);
      const matrix x = sample_batch(3, conv ? 9 : 3);
      const matrix y = m.forward(x), z = layer.forward(x);
      const Eigen::Index per = z.cols() / 2;
      for (Eigen::Index r = 0; r < z.rows(); ++r)
        for (Eigen::Index k = 0; k < z.cols(); ++k) {
          const auto ch = static_cast<std::size_t>(k / per);
          const float want = (z(r, k) - mean[ch]) / std::sqrt(var[ch] + eps) * scale[ch] + shift[ch];
          CHECK(y(r, k) == doctest::Approx(want).epsilon(1e-6));
        }
    }
    // Not after a layer: a batch_norm2d node of its own (per-channel scale and shift).
    onnx_builder b;
    b.input("x", {-1, 2, 3, 3}).output("y").init("s", {2}, scale).init("B", {2}, shift).init("m", {2}, mean).init("v", {2}, var);
    b.node("Relu", {"x"}, {"r"});
    attr_float(b.node("BatchNormalization", {"r", "s", "B", "m", "v"}, {"y"}, "bn"), "epsilon", eps);
    const model m = load(b);
    REQUIRE(m.size() == 2);
    CHECK(m[1].op == op_kind::batch_norm2d);
    CHECK(op_name(m[1].op) == "batch_norm2d");
    const matrix x = sample_batch(2, 18), y = m.forward(x);
    for (Eigen::Index k = 0; k < 18; ++k) {
      const auto ch = static_cast<std::size_t>(k / 9);
      const float want = (std::max(x(1, k), 0.0f) - mean[ch]) / std::sqrt(var[ch] + eps) * scale[ch] + shift[ch];
      CHECK(y(1, k) == doctest::Approx(want).epsilon(1e-6));
    }
    // On a flat input (BatchNorm1d not after a Linear): refused, naming the node.
    onnx_builder f;
    f.input("x", {-1, 2}).output("y").init("s", {2}, scale).init("B", {2}, shift).init("m", {2}, mean).init("v", {2}, var);
    f.node("Relu", {"x"}, {"r"});
    f.node("BatchNormalization", {"r", "s", "B", "m", "v"}, {"y"}, "bn");
    CHECK_THROWS_WITH_AS((void)load(f), Contains("node 1 'bn' (BatchNormalization): input shape (batch, 2): expected a 2-D (batch, C, H, W)"),
                         config_error);
  }

  TEST_CASE("empty, repeated and unusable node names fall back to <op>_<index>, names are unique") {
    onnx_builder b;
    b.input("x", {-1, 4}).output("y");
    b.node("Relu", {"x"}, {"a"}, "");
    b.node("Relu", {"a"}, {"b"}, "act");
    b.node("Relu", {"b"}, {"c"}, "act");
    b.node("Relu", {"c"}, {"d"}, "///");
    b.node("Relu", {"d"}, {"y"}, "relu_0");  // the fallback name of node 0, already taken
    const model m = load(b);
    REQUIRE(m.size() == 5);
    CHECK(m[0].name == "relu_0");
    CHECK(m[1].name == "act");
    CHECK(m[2].name == "relu_2");
    CHECK(m[3].name == "relu_3");
    CHECK(m[4].name == "relu_4");
  }

  TEST_CASE("initializers listed as graph inputs are not model inputs; Identity and Dropout are removed") {
    onnx_builder b(9);
    b.input("x", {2, 3}).input("W", {3, 3}).output("y").init("W", {3, 3}, iota(9));
    b.node("Identity", {"x"}, {"i"});
    b.node("MatMul", {"i", "W"}, {"m"});
    b.node("Dropout", {"m"}, {"y"});
    const model m = load(b);
    CHECK(m.input_name() == "x");
    CHECK(m.input_shape() == std::vector<std::size_t>{3});  // the static batch of 2 is dropped too
    REQUIRE(m.size() == 1);
    CHECK(m[0].name == "linear_1");
  }

  TEST_CASE("a graph input bound through onnx_import_options.constants becomes a weight") {
    onnx_builder b;
    b.input("x", {1, 2}).input("B", {2, 2}).output("y");
    b.node("MatMul", {"x", "B"}, {"y"});
    CHECK_THROWS_WITH_AS((void)load(b), Contains("graph has 2 inputs that are not initializers ('x', 'B')"), config_error);
    onnx_import_options opt;
    opt.constants["B"] = onnx_io::tensor{"B", {2, 2}, true, {1, 2, 3, 4}, {}};
    const model m = load(b, opt);
    CHECK(m[0].weight(0, 1) == 3.0f);  // transposed: W = B^T
  }

  TEST_CASE("Reshape, Squeeze and Unsqueeze that flatten or keep the per-sample shape") {
    onnx_builder b;
    b.input("x", {-1, 2, 3, 3}).output("y").init_ints("s", {2}, {-1, 18}).init_ints("ax", {2}, {2, 3});
    b.node("GlobalAveragePool", {"x"}, {"g"}, "gap");
    b.node("Squeeze", {"g", "ax"}, {"q"}, "sq");        // (N, 2, 1, 1) -> (N, 2): a flatten
    b.node("Unsqueeze", {"q", "ax"}, {"y"}, "unsq");    // back to (N, 2, 1, 1): a reshape
    // A keep-shape reshape is nothing, a flatten is one node.
    onnx_builder r;
    r.input("x", {-1, 2, 3, 3}).output("y").init_ints("s", {2}, {0, -1}).init_ints("same", {4}, {-1, 2, 3, 3});
    r.node("Reshape", {"x", "same"}, {"k"}, "keep");
    r.node("Reshape", {"k", "s"}, {"y"}, "flat");
    const model m = load(r);
    REQUIRE(m.size() == 1);
    CHECK(m[0].op == op_kind::flatten);
    CHECK(m.output_size() == 18);
    onnx_builder huge;  // extents whose product overflows an int64
    huge.input("x", {-1, 2, 3, 3}).output("y").init_ints("s", {3}, {-1, std::int64_t{1} << 40, std::int64_t{1} << 40});
    huge.node("Reshape", {"x", "s"}, {"y"}, "r");
    CHECK_THROWS_WITH_AS((void)load(huge), Contains("node 0 'r' (Reshape): shape = [-1, 1099511627776, 1099511627776]: more than"),
                         config_error);
    const model u = load(b);
    REQUIRE(u.size() == 3);
    CHECK(u[1].op == op_kind::flatten);
    CHECK(u[2].op == op_kind::reshape);
    CHECK(u.out_shape(2) == std::vector<std::size_t>{2, 1, 1});
    b.graph().mutable_initializer(1)->add_int64_data(4);  // axes [2, 3, 4]: per sample (2, 1, 1, 1)
    b.graph().mutable_initializer(1)->set_dims(0, 3);
    b.graph().mutable_node(1)->set_input(1, "ax2");
    b.init_ints("ax2", {2}, {2, 3});
    CHECK_THROWS_WITH_AS((void)load(b), Contains("node 2 'unsq' (Unsqueeze): reshaping (batch, 2) to (batch, 2, 1, 1, 1): "
                                                 "per-sample shapes of more than 3 dimensions"),
                         config_error);
  }
}

TEST_SUITE("onnx/load torch exports") {
  TEST_CASE("a CNN exported by torch.onnx.export at opsets 9, 13 and 17 imports and matches PyTorch's outputs") {
    const auto dir = mixprec::testing::data_dir() / "onnx";
    const io::npy_array xa = io::read_npy(dir / "cnn_input.npy"), ya = io::read_npy(dir / "cnn_output.npy");
    const std::vector<float> xv = xa.as<float>(), yv = ya.as<float>();
    for (int opset : {9, 13, 17}) {
      CAPTURE(opset);
      const model m = load_onnx(dir / ("cnn_opset" + std::to_string(opset) + ".onnx"));
      CHECK(m.input_name() == "input");
      CHECK(m.input_shape() == std::vector<std::size_t>{2, 6, 6});
      std::vector<std::string> convs, linears;
      for (const node& n : m.nodes()) {
        if (n.op == op_kind::conv2d) convs.push_back(n.name);
        if (n.op == op_kind::linear) linears.push_back(n.name);
      }
      CHECK(convs.size() == 2);
      CHECK(linears.size() == 2);
      if (opset >= 13) CHECK(convs[0] == "conv1_Conv");  // torch 1.13 names nodes by module path from opset 13 on
      matrix x(static_cast<Eigen::Index>(xa.shape[0]), static_cast<Eigen::Index>(m.input_size()));
      std::copy(xv.begin(), xv.end(), x.data());
      const matrix y = m.forward(x);
      REQUIRE(static_cast<std::size_t>(y.size()) == yv.size());
      for (std::size_t k = 0; k < yv.size(); ++k)
        CHECK(std::abs(y.data()[k] - yv[k]) <= 1e-5f + 1e-5f * std::abs(yv[k]));
    }
  }
}

TEST_SUITE("onnx/load quantize") {
  TEST_CASE("the quantize pass's by = \"type\" applies to an imported model's conv2d and linear nodes") {
    const model m = load_onnx(mixprec::testing::data_dir() / "onnx" / "cnn_opset13.onnx");
    const auto cfg = nlohmann::json::parse(R"({
      "by": "type",
      "conv2d": {"config": {"name": "integer", "data_in_width": 8, "data_in_frac_width": 4, "weight_width": 4,
                            "weight_frac_width": 3, "bias_width": 8, "bias_frac_width": 5}},
      "linear": {"config": {"name": "integer", "data_in_width": 8, "data_in_frac_width": 4, "weight_width": 6,
                            "weight_frac_width": 5, "bias_width": 8, "bias_frac_width": 5}},
      "default": {"config": {"name": "integer", "data_in_width": 16, "data_in_frac_width": 8,
                             "weight_width": 16, "weight_frac_width": 8, "bias_width": 16, "bias_frac_width": 8}}})");
    const auto q = quantize(m, cfg);
    std::size_t convs = 0, linears = 0;
    for (std::size_t i = 0; i < m.size(); ++i) {
      if (m[i].op == op_kind::conv2d) {
        ++convs;
        CHECK(q.config()[i]->source == "conv2d");
        CHECK(q.config()[i]->weight->width() == 4);
      }
      if (m[i].op == op_kind::linear) {
        ++linears;
        CHECK(q.config()[i]->source == "linear");
      }
    }
    CHECK(convs == 2);
    CHECK(linears == 2);
    const matrix x = sample_batch(4, m.input_size());
    const matrix yq = q.forward(x), yf = m.forward(x);
    CHECK(yq.allFinite());
    CHECK(yq != yf);  // 4-bit conv weights change the logits
  }
}

TEST_SUITE("onnx/load shape arithmetic") {
  TEST_CASE("x.view(x.size(0), -1) as torch exports it (Shape, Gather, Unsqueeze, Concat, Reshape) is a flatten") {
    onnx_builder b(13);
    b.input("x", {-1, 2, 2, 2}).output("y").init_ints("zero", {}, {0}).init_ints("ax0", {1}, {0});
    b.init_ints("minus1", {1}, {-1});
    b.node("Shape", {"x"}, {"s"}, "/Shape");
    attr_int(b.node("Gather", {"s", "zero"}, {"n"}, "/Gather"), "axis", 0);
    b.node("Unsqueeze", {"n", "ax0"}, {"n1"}, "/Unsqueeze");
    attr_int(b.node("Concat", {"n1", "minus1"}, {"target"}, "/Concat"), "axis", 0);
    b.node("Reshape", {"x", "target"}, {"y"}, "/Reshape");
    const model m = load(b);
    REQUIRE(m.size() == 1);
    CHECK(m[0].name == "Reshape");
    CHECK(m[0].op == op_kind::flatten);
    CHECK(m.output_size() == 8);
  }

  TEST_CASE("a batch size used anywhere but the first extent of a Reshape is refused") {
    onnx_builder b(13);
    b.input("x", {-1, 2, 2, 2}).output("y").init_ints("zero", {}, {0}).init_ints("ax0", {1}, {0});
    b.init_ints("eight", {1}, {8});
    b.node("Shape", {"x"}, {"s"});
    b.node("Gather", {"s", "zero"}, {"n"});
    b.node("Unsqueeze", {"n", "ax0"}, {"n1"});
    b.node("Concat", {"eight", "n1"}, {"target"}).add_attribute()->CopyFrom([] {
      onnx::AttributeProto a;
      a.set_name("axis");
      a.set_type(onnx::AttributeProto_AttributeType_INT);
      a.set_i(0);
      return a;
    }());
    b.node("Reshape", {"x", "target"}, {"y"}, "r");
    CHECK_THROWS_WITH_AS((void)load(b), Contains("node 4 'r' (Reshape): shape = [8, batch]"), config_error);
  }
}

TEST_SUITE("onnx/load errors") {
  TEST_CASE("a truncated file is an io_error naming the file") {
    const std::string bytes = small_cnn().bytes();
    const auto file = binary_dir() / "truncated.onnx";
    std::ofstream(file, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    CHECK_THROWS_WITH_AS((void)load_onnx(file), Contains("truncated.onnx: not a valid ONNX protobuf"), io_error);
  }

  TEST_CASE("a file that is not a protobuf, or holds no graph, is an io_error naming the file") {
    const auto text = binary_dir() / "not_onnx.onnx";
    std::ofstream(text) << "this is a text file, not an ONNX model\n";
    CHECK_THROWS_AS((void)load_onnx(text), io_error);
    CHECK_THROWS_WITH((void)load_onnx(text), Contains("not_onnx.onnx: "));
    const auto empty = binary_dir() / "empty.onnx";
    std::ofstream{empty};
    CHECK_THROWS_WITH_AS((void)load_onnx(empty), Contains("empty.onnx: empty file"), io_error);
    CHECK_THROWS_WITH_AS((void)load_onnx(binary_dir() / "missing.onnx"), Contains("missing.onnx: cannot open"), io_error);
  }

  TEST_CASE("an unknown op names the file, node, op type and lists the supported ones") {
    onnx_builder b;
    b.input("x", {-1, 4}).output("y");
    b.node("Relu", {"x"}, {"r"}, "act");
    b.node("Softplus", {"r"}, {"y"}, "soft");
    CHECK_THROWS_WITH_AS((void)load(b), Contains("m.onnx: node 1 'soft' (Softplus): unsupported op type 'Softplus' (supported: Add,"),
                         config_error);
  }

  TEST_CASE("a dynamic dimension other than the batch names the input and the dimension") {
    onnx_builder b;
    b.input("x", {-1, 3, -1, 8}).output("y");
    b.node("Relu", {"x"}, {"y"});
    CHECK_THROWS_WITH_AS((void)load(b), Contains("m.onnx: input 'x': dimension 2 is dynamic ('batch')"), config_error);
  }

  TEST_CASE("a missing initializer names the node and the input") {
    onnx_builder b;
    b.input("x", {-1, 1, 4, 4}).output("y");
    b.node("Conv", {"x", "conv.weight"}, {"y"}, "conv1");
    CHECK_THROWS_WITH_AS((void)load(b), Contains("m.onnx: node 0 'conv1' (Conv): input 1 'conv.weight' is not produced"),
                         config_error);
  }

  TEST_CASE("a weight of an unsupported element type names the initializer and the type") {
    onnx_builder b;
    b.input("x", {-1, 2}).output("y");
    auto* t = b.graph().add_initializer();
    t->set_name("W");
    t->set_data_type(onnx::TensorProto_DataType_FLOAT16);
    t->add_dims(2);
    t->add_dims(2);
    t->set_raw_data(std::string(8, '\0'));
    b.node("MatMul", {"x", "W"}, {"y"});
    CHECK_THROWS_WITH_AS((void)load(b), Contains("m.onnx: node 0 (MatMul): initializer 'W': element type FLOAT16 is not supported"),
                         config_error);
    b.graph().mutable_node(0)->set_input(1, "W2");  // an unused initializer of another type is never decoded
    b.init("W2", {2, 2}, {1, 2, 3, 4});
    CHECK(load(b).size() == 1);
    onnx_builder i;  // and an integer weight
    i.input("x", {-1, 2}).output("y").init_ints("W", {2, 2}, {1, 2, 3, 4});
    i.node("MatMul", {"x", "W"}, {"y"}, "mm");
    CHECK_THROWS_WITH_AS((void)load(i), Contains("node 0 'mm' (MatMul): input 1 'W' (B): integer tensor, expected FLOAT"),
                         config_error);
    onnx_builder in;  // and a model input that is not FLOAT
    in.input("x", {-1, 2}, onnx::TensorProto_DataType_INT64).output("y");
    in.node("Relu", {"x"}, {"y"});
    CHECK_THROWS_WITH_AS((void)load(in), Contains("input 'x': element type INT64: expected FLOAT"), config_error);
  }

  TEST_CASE("unsupported attribute values name the node, the attribute and the value") {
    auto conv = [](auto&& set) {
      onnx_builder b;
      b.input("x", {-1, 2, 5, 5}).output("y").init("W", {2, 2, 3, 3}, iota(36));
      auto& n = b.node("Conv", {"x", "W"}, {"y"}, "c");
      set(n);
      return b;
    };
    CHECK_THROWS_WITH_AS((void)load(conv([](auto& n) { attr_ints(n, "dilations", {0, 1}); })),
                         Contains("node 0 'c' (Conv): dilations = [0, 1]: expected values from 1 to 1048576"), config_error);
    CHECK_THROWS_WITH_AS((void)load(conv([](auto& n) { attr_ints(n, "pads", {-1, 0, 0, 0}); })),
                         Contains("pads = [-1, 0, 0, 0]: expected values from 0"), config_error);
    CHECK_THROWS_WITH_AS((void)load(conv([](auto& n) { attr_int(n, "group", 3); })),
                         Contains("group = 3 with 2 input channels and W of shape (2, 2, 3, 3)"), config_error);
    // Asymmetric pads, dilation and groups are held by the graph.
    const model asym = load(conv([](auto& n) {
      attr_ints(n, "pads", {0, 0, 1, 1});
      attr_ints(n, "dilations", {2, 1});
    }));
    CHECK(asym[0].window.padding_end == std::array<std::size_t, 2>{1, 1});
    CHECK(asym.out_shape(0) == std::vector<std::size_t>{2, 2, 4});
    onnx_builder dw;
    dw.input("x", {-1, 2, 5, 5}).output("y").init("W", {2, 1, 3, 3}, iota(18));
    attr_int(dw.node("Conv", {"x", "W"}, {"y"}, "dw"), "group", 2);
    CHECK(load(dw)[0].window.groups == 2);
    CHECK_THROWS_WITH_AS((void)load(conv([](auto& n) { attr_string(n, "auto_pad", "WRONG"); })),
                         Contains("auto_pad = \"WRONG\": expected NOTSET, VALID, SAME_UPPER or SAME_LOWER"), config_error);
    CHECK_THROWS_WITH_AS((void)load(conv([](auto& n) { attr_int(n, "bogus", 1); })),
                         Contains("attribute 'bogus' is not supported (supported: auto_pad,"), config_error);
    // SAME_UPPER with an odd kernel pads symmetrically and is accepted.
    CHECK(load(conv([](auto& n) { attr_string(n, "auto_pad", "SAME_UPPER"); })).out_shape(0) ==
          std::vector<std::size_t>{2, 5, 5});
  }

  TEST_CASE("a graph with two outputs, or whose output is its input, is refused") {
    onnx_builder b;
    b.input("x", {-1, 2}).output("y").output("z");
    b.node("Relu", {"x"}, {"y"});
    b.node("Relu", {"y"}, {"z"});
    CHECK_THROWS_WITH_AS((void)load(b), Contains("graph has 2 outputs"), config_error);
    onnx_builder id;
    id.input("x", {-1, 2}).output("y");
    id.node("Identity", {"x"}, {"y"});
    CHECK_THROWS_WITH_AS((void)load(id), Contains("graph output 'y' is the model input itself"), config_error);
  }
}

TEST_SUITE("onnx/tensor") {
  TEST_CASE("raw_data and typed fields decode alike, little-endian") {
    onnx::TensorProto t;
    t.set_name("t");
    t.set_data_type(onnx::TensorProto_DataType_FLOAT);
    t.add_dims(2);
    const unsigned char le[] = {0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0};  // 1.0f, -2.0f
    t.set_raw_data(std::string(reinterpret_cast<const char*>(le), sizeof le));
    CHECK(onnx_io::decode(t, "t").floats == std::vector<float>{1.0f, -2.0f});

    onnx::TensorProto d;
    d.set_data_type(onnx::TensorProto_DataType_DOUBLE);
    d.add_dims(2);
    d.add_double_data(0.5);
    d.add_double_data(-3.0);
    CHECK(onnx_io::decode(d, "d").floats == std::vector<float>{0.5f, -3.0f});

    onnx::TensorProto i;
    i.set_data_type(onnx::TensorProto_DataType_INT64);
    i.add_dims(2);
    const unsigned char le64[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x05, 0, 0, 0, 0, 0, 0, 0};
    i.set_raw_data(std::string(reinterpret_cast<const char*>(le64), sizeof le64));
    CHECK(onnx_io::decode(i, "i").ints == std::vector<std::int64_t>{-1, 5});

    onnx::TensorProto i32;
    i32.set_data_type(onnx::TensorProto_DataType_INT32);
    i32.add_int32_data(-7);
    CHECK(onnx_io::decode(i32, "i32").ints == std::vector<std::int64_t>{-7});  // no dims: a scalar
  }

  TEST_CASE("element counts that do not match the dims name the field and both counts") {
    onnx::TensorProto t;
    t.set_data_type(onnx::TensorProto_DataType_FLOAT);
    t.add_dims(3);
    t.set_raw_data(std::string(8, '\0'));
    CHECK_THROWS_WITH_AS((void)onnx_io::decode(t, "f.onnx: initializer 'w'"),
                         Contains("f.onnx: initializer 'w': raw_data holds 2 elements, dims (3) need 3"), io_error);
    t.set_raw_data(std::string(7, '\0'));
    CHECK_THROWS_WITH_AS((void)onnx_io::decode(t, "w"), Contains("raw_data has 7 bytes, not a multiple of 4 (FLOAT)"), io_error);
    // Dims claiming 2^39 elements with no data: refused before anything is allocated.
    for (int type : {onnx::TensorProto_DataType_DOUBLE, onnx::TensorProto_DataType_INT64, onnx::TensorProto_DataType_INT32}) {
      onnx::TensorProto big;
      big.set_data_type(type);
      big.add_dims(std::int64_t{1} << 39);
      CHECK_THROWS_WITH_AS((void)onnx_io::decode(big, "big"), Contains("holds 0 elements, dims (549755813888) need 549755813888"),
                           io_error);
      big.set_raw_data(std::string(8, '\0'));
      CHECK_THROWS_WITH_AS((void)onnx_io::decode(big, "big"), Contains("big: raw_data holds"), io_error);
    }
    onnx::TensorProto e;
    e.set_data_type(onnx::TensorProto_DataType_FLOAT);
    e.set_data_location(onnx::TensorProto_DataLocation_EXTERNAL);
    CHECK_THROWS_WITH_AS((void)onnx_io::decode(e, "w"), Contains("w: data_location = EXTERNAL"), config_error);
    onnx::TensorProto s;
    s.set_data_type(onnx::TensorProto_DataType_STRING);
    CHECK_THROWS_WITH_AS((void)onnx_io::decode(s, "w"), Contains("element type STRING is not supported"), config_error);
  }
}
