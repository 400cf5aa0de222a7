#include <doctest/doctest.h>

// GCC 12 at -O2/-O3 reports a false "may be used uninitialized" inside xtl's sequence helper when
// an xtensor container is built from an adaptor (xtl/xsequence.hpp); the value is always written.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <Eigen/Core>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <mixprec/interop/eigen.hpp>
#include <mixprec/interop/xtensor.hpp>
#include <mixprec/numbers/block_fp.hpp>
#include <mixprec/numbers/integer.hpp>

#if __has_include(<xtensor/containers/xtensor.hpp>)
#include <xtensor/containers/xadapt.hpp>
#include <xtensor/containers/xtensor.hpp>
#include <xtensor/generators/xbuilder.hpp>
#include <xtensor/misc/xmanipulation.hpp>
#include <xtensor/views/xview.hpp>
#else
#include <xtensor/xadapt.hpp>
#include <xtensor/xbuilder.hpp>
#include <xtensor/xmanipulation.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>
#endif

#include "golden_cases.hpp"

namespace {

using mixprec::shape_error;
using mixprec::testing::count_bit_mismatches;
using mixprec::testing::golden_array;
using mixprec::testing::golden_manifest;

using row_major = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using col_major = Eigen::MatrixXf;

/// A block format that records what the adapters hand it (no quantization: out = in + 1).
struct spy_block_format {
  mutable std::vector<std::size_t> last_shape;
  mutable const float* last_in = nullptr;
  mutable int calls = 0;
  [[nodiscard]] static constexpr std::string_view name() { return "spy_block"; }
  void quantize(std::span<const float> in, std::span<const std::size_t> shape, std::span<float> out) const {
    last_shape.assign(shape.begin(), shape.end());
    last_in = in.data();
    ++calls;
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = in[i] + 1.0f;
  }
};
static_assert(mixprec::BlockNumberFormat<spy_block_format>);

/// An elementwise format that records the spans it gets (out = in + 1).
struct spy_format {
  mutable std::vector<const float*> inputs;
  [[nodiscard]] static constexpr std::string_view name() { return "spy"; }
  void quantize(std::span<const float> in, std::span<float> out) const {
    inputs.push_back(in.data());
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = in[i] + 1.0f;
  }
};
static_assert(mixprec::NumberFormat<spy_format>);

struct golden_pair {
  std::vector<float> input, expected;
  std::vector<std::size_t> shape;
  std::string id;
};

golden_pair golden_case(const std::string& id) {
  for (const auto& c : golden_manifest()["cases"]) {
    if (c["id"] != id) continue;
    const auto in = golden_array(c["input"].get<std::string>());
    return {in.as<float>(), golden_array(c["output"].get<std::string>()).as<float>(), in.shape, id};
  }
  FAIL("no golden case " << id);
  return {};
}

// MASE block_fp (8, 8, None), blocks of 4x5 over a 10x13 weight, and blocks of 4 over an 11-bias.
const char* const weight_case = "block_fp_w8_e8_bNone__weight_10x13__bs4x5";
const char* const bias_case = "block_fp_w8_e8_bNone__bias_11__bs4";
mixprec::block_fp_format weight_format() {
  return mixprec::block_fp_format({.width = 8, .exponent_width = 8, .block_size = {4, 5}, .skip_first_dim = false});
}
mixprec::block_fp_format bias_format() {
  return mixprec::block_fp_format({.width = 8, .exponent_width = 8, .block_size = {4}, .skip_first_dim = false});
}
// MASE integer 8/3 signed.
const char* const integer_case = "integer_s_w8_f3";

template <class M>
std::vector<float> c_order(const M& m) {
  std::vector<float> out;
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) out.push_back(m(i, j));
  return out;
}

}  // namespace

TEST_SUITE("interop/eigen") {

TEST_CASE("an elementwise format quantizes contiguous matrices of either order in place, zero copy") {
  const auto g = golden_case(integer_case);
  const mixprec::integer_format f(8, 3);
  const auto n = static_cast<Eigen::Index>(g.input.size());  // 3333 = 3 * 1111
  SUBCASE("column-major") {
    col_major m = Eigen::Map<const col_major>(g.input.data(), 3, n / 3);
    mixprec::quantize_in_place(f, m);
    CHECK(count_bit_mismatches(std::vector<float>(m.data(), m.data() + n), g.expected, g.input, g.id) == 0);
  }
  SUBCASE("row-major map over the caller's buffer") {
    std::vector<float> buffer = g.input;
    mixprec::quantize_in_place(f, Eigen::Map<row_major>(buffer.data(), 1111, 3));
    CHECK(count_bit_mismatches(buffer, g.expected, g.input, g.id) == 0);
  }
  SUBCASE("spans are the storage itself") {
    col_major m = col_major::Zero(4, 6);
    spy_format spy;
    mixprec::quantize_in_place(spy, m);
    REQUIRE(spy.inputs.size() == 1);
    CHECK(spy.inputs[0] == m.data());
    CHECK(m(3, 5) == 1.0f);
  }
}

TEST_CASE("an elementwise format walks strided blocks slice by slice") {
  const auto g = golden_case(integer_case);
  const mixprec::integer_format f(8, 3);
  // Embed the 3333 values as a 33x101 block of a 40x110 matrix, then quantize the block only.
  col_major big = col_major::Constant(40, 110, 100.0f);
  big.block(2, 5, 33, 101) = Eigen::Map<const row_major>(g.input.data(), 33, 101);
  mixprec::quantize_in_place(f, big.block(2, 5, 33, 101));
  CHECK(count_bit_mismatches(c_order(row_major(big.block(2, 5, 33, 101))), g.expected, g.input, g.id) == 0);
  CHECK(big(0, 0) == 100.0f);  // outside the block: untouched
  CHECK(big(39, 109) == 100.0f);
  // A row of a column-major matrix has inner stride 40: gathered through a buffer.
  col_major m = col_major::Zero(40, 3);
  m.row(7) << 0.1875f, -100.0f, 1.03125f;
  mixprec::quantize_in_place(f, m.row(7));
  CHECK(m(7, 0) == 0.25f);  // 1.5 at 2^3: ties to even 2
  CHECK(m(7, 1) == -16.0f);
  CHECK(m(7, 2) == 1.0f);
}

TEST_CASE("an elementwise format quantizes into a preallocated destination") {
  const auto g = golden_case(integer_case);
  const mixprec::integer_format f(8, 3);
  const Eigen::Map<const row_major> in(g.input.data(), 1111, 3);
  SUBCASE("same order: one kernel call reading the input's storage") {
    row_major out(1111, 3);
    mixprec::quantize(f, in, out);
    CHECK(count_bit_mismatches(c_order(out), g.expected, g.input, g.id) == 0);
    spy_format spy;
    mixprec::quantize(spy, in, out);
    REQUIRE(spy.inputs.size() == 1);
    CHECK(spy.inputs[0] == g.input.data());
  }
  SUBCASE("different order and an expression") {
    col_major out(1111, 3);
    mixprec::quantize(f, in, out);
    CHECK(count_bit_mismatches(c_order(out), g.expected, g.input, g.id) == 0);
    mixprec::quantize(f, in * 1.0f, out);
    CHECK(count_bit_mismatches(c_order(out), g.expected, g.input, g.id) == 0);
  }
  SUBCASE("mismatched dims name both") {
    row_major out(3, 1111);
    CHECK_THROWS_WITH_AS(mixprec::quantize(f, in, out),
                         "quantize (Eigen): input is 1111x3 but output is 3x1111: dims must match", shape_error);
  }
}

TEST_CASE("a block format sees the logical row-major tensor, as MASE does") {
  const auto g = golden_case(weight_case);
  REQUIRE(g.shape == std::vector<std::size_t>{10, 13});
  const auto f = weight_format();
  SUBCASE("row-major in place: zero copy, shape {rows, cols}") {
    row_major m = Eigen::Map<const row_major>(g.input.data(), 10, 13);
    mixprec::quantize_in_place(f, m);
    CHECK(count_bit_mismatches(c_order(m), g.expected, g.input, g.id) == 0);
    spy_block_format spy;
    mixprec::quantize_in_place(spy, m);
    CHECK(spy.last_shape == std::vector<std::size_t>{10, 13});
    CHECK(spy.last_in == m.data());
  }
  SUBCASE("row-major into a column-major destination") {
    const Eigen::Map<const row_major> in(g.input.data(), 10, 13);
    col_major out(10, 13);
    mixprec::quantize(f, in, out);
    CHECK(count_bit_mismatches(c_order(out), g.expected, g.input, g.id) == 0);
  }
  SUBCASE("a strided row-major block is gathered and scattered") {
    row_major big = row_major::Constant(12, 20, 7.0f);
    big.block(1, 4, 10, 13) = Eigen::Map<const row_major>(g.input.data(), 10, 13);
    mixprec::quantize_in_place(f, big.block(1, 4, 10, 13));
    CHECK(count_bit_mismatches(c_order(row_major(big.block(1, 4, 10, 13))), g.expected, g.input, g.id) == 0);
    CHECK(big(0, 0) == 7.0f);
  }
  SUBCASE("an expression input is evaluated as the tensor it denotes") {
    const Eigen::Map<const row_major> in(g.input.data(), 10, 13);
    row_major out(10, 13);
    mixprec::quantize(f, in * 1.0f, out);
    CHECK(count_bit_mismatches(c_order(out), g.expected, g.input, g.id) == 0);
  }
  SUBCASE("the transpose of a column-major matrix is the tensor its storage holds") {
    // PyTorch's [10, 13] weight bytes read by Eigen's default layout are a 13x10 column-major matrix.
    std::vector<float> bytes = g.input;
    Eigen::Map<col_major> w(bytes.data(), 13, 10);
    mixprec::quantize_in_place(f, w.transpose());
    CHECK(count_bit_mismatches(bytes, g.expected, g.input, g.id) == 0);
  }
}

TEST_CASE("a block format rejects a column-major matrix and says what to do") {
  const auto f = weight_format();
  col_major m = col_major::Zero(10, 13);
  CHECK_THROWS_WITH_AS(mixprec::quantize_in_place(f, m),
                       doctest::Contains("the matrix is a column-major 10x13 matrix"), shape_error);
  CHECK_THROWS_WITH_AS(mixprec::quantize_in_place(f, m), doctest::Contains("Eigen::RowMajor"), shape_error);
  row_major out(10, 13);
  CHECK_THROWS_WITH_AS(mixprec::quantize(f, m, out), doctest::Contains("the input is a column-major 10x13"),
                       shape_error);
  // A dynamic matrix with one column is the same bytes in either order: accepted, shape {10, 1}.
  spy_block_format spy;
  col_major column = col_major::Zero(10, 1);
  mixprec::quantize_in_place(spy, column);
  CHECK(spy.last_shape == std::vector<std::size_t>{10, 1});
}

TEST_CASE("compile-time vectors are 1-D tensors, like a bias") {
  const auto g = golden_case(bias_case);
  REQUIRE(g.shape == std::vector<std::size_t>{11});
  const auto f = bias_format();
  Eigen::VectorXf v = Eigen::Map<const Eigen::VectorXf>(g.input.data(), 11);
  mixprec::quantize_in_place(f, v);
  CHECK(count_bit_mismatches(std::vector<float>(v.data(), v.data() + 11), g.expected, g.input, g.id) == 0);
  // A column of a row-major matrix is a strided vector: gathered, still 1-D.
  row_major m = row_major::Zero(11, 3);
  m.col(1) = Eigen::Map<const Eigen::VectorXf>(g.input.data(), 11);
  mixprec::quantize_in_place(f, m.col(1));
  CHECK(count_bit_mismatches(std::vector<float>(m.col(1).begin(), m.col(1).end()), g.expected, g.input, g.id) == 0);
  spy_block_format spy;
  Eigen::RowVectorXf r = Eigen::RowVectorXf::Zero(5);
  mixprec::quantize_in_place(spy, r);
  CHECK(spy.last_shape == std::vector<std::size_t>{5});
}

TEST_CASE("Ref and Array objects are accepted") {
  const auto g = golden_case(integer_case);
  const mixprec::integer_format f(8, 3);
  Eigen::ArrayXf a = Eigen::Map<const Eigen::ArrayXf>(g.input.data(), 3333);
  Eigen::Ref<Eigen::ArrayXf> ref(a);
  mixprec::quantize_in_place(f, ref);
  CHECK(count_bit_mismatches(std::vector<float>(a.data(), a.data() + 3333), g.expected, g.input, g.id) == 0);
}

}  // TEST_SUITE

TEST_SUITE("interop/xtensor") {

TEST_CASE("an elementwise format quantizes xarray and xtensor containers in place, zero copy") {
  const auto g = golden_case(integer_case);
  const mixprec::integer_format f(8, 3);
  SUBCASE("row-major xarray") {
    xt::xarray<float> a = xt::adapt(g.input, std::vector<std::size_t>{3, 1111});
    spy_format spy;
    xt::xarray<float> zeros = xt::zeros<float>({2, 2});
    mixprec::quantize_in_place(spy, zeros);
    CHECK(spy.inputs.at(0) == zeros.data());
    mixprec::quantize_in_place(f, a);
    CHECK(count_bit_mismatches(std::vector<float>(a.begin(), a.end()), g.expected, g.input, g.id) == 0);
  }
  SUBCASE("column-major xtensor") {
    xt::xtensor<float, 2, xt::layout_type::column_major> a = xt::adapt(g.input, std::vector<std::size_t>{3, 1111});
    mixprec::quantize_in_place(f, a);
    // Logical (C-order) traversal of the result equals the golden output.
    CHECK(count_bit_mismatches(std::vector<float>(a.begin(), a.end()), g.expected, g.input, g.id) == 0);
  }
}

TEST_CASE("an elementwise format quantizes views and expressions") {
  const auto g = golden_case(integer_case);
  const mixprec::integer_format f(8, 3);
  xt::xarray<float> big = xt::zeros<float>({3, 1200});
  xt::view(big, xt::all(), xt::range(10, 1121)) = xt::adapt(g.input, std::vector<std::size_t>{3, 1111});
  SUBCASE("a strided view in place") {
    mixprec::quantize_in_place(f, xt::view(big, xt::all(), xt::range(10, 1121)));
    xt::xarray<float> v = xt::view(big, xt::all(), xt::range(10, 1121));
    CHECK(count_bit_mismatches(std::vector<float>(v.begin(), v.end()), g.expected, g.input, g.id) == 0);
    CHECK(big(0, 0) == 0.0f);
  }
  SUBCASE("a lazy expression into a preallocated container") {
    const xt::xarray<float> in = xt::adapt(g.input, std::vector<std::size_t>{3, 1111});
    xt::xarray<float> out = xt::zeros<float>({3, 1111});
    mixprec::quantize(f, in * 1.0f, out);
    CHECK(count_bit_mismatches(std::vector<float>(out.begin(), out.end()), g.expected, g.input, g.id) == 0);
    spy_format spy;
    mixprec::quantize(spy, in, out);
    CHECK(spy.inputs.at(0) == in.data());  // container to container: no copy
  }
  SUBCASE("mismatched shapes name both") {
    const xt::xarray<float> in = xt::zeros<float>({3, 4});
    xt::xarray<float> out = xt::zeros<float>({4, 3});
    CHECK_THROWS_WITH_AS(mixprec::quantize(f, in, out),
                         "quantize (xtensor): input has shape [3, 4] but output has shape [4, 3]: shapes must match",
                         shape_error);
  }
}

TEST_CASE("a block format sees the logical row-major tensor of e.shape()") {
  const auto g = golden_case(weight_case);
  const auto f = weight_format();
  SUBCASE("row-major container in place: zero copy") {
    xt::xarray<float> a = xt::adapt(g.input, g.shape);
    spy_block_format spy;
    mixprec::quantize_in_place(spy, a);
    CHECK(spy.last_shape == std::vector<std::size_t>{10, 13});
    CHECK(spy.last_in == a.data());
    a = xt::adapt(g.input, g.shape);
    mixprec::quantize_in_place(f, a);
    CHECK(count_bit_mismatches(std::vector<float>(a.begin(), a.end()), g.expected, g.input, g.id) == 0);
  }
  SUBCASE("a view and an expression are materialised in C order") {
    xt::xarray<float> big = xt::zeros<float>({12, 20});
    xt::view(big, xt::range(1, 11), xt::range(4, 17)) = xt::adapt(g.input, g.shape);
    mixprec::quantize_in_place(f, xt::view(big, xt::range(1, 11), xt::range(4, 17)));
    xt::xarray<float> v = xt::view(big, xt::range(1, 11), xt::range(4, 17));
    CHECK(count_bit_mismatches(std::vector<float>(v.begin(), v.end()), g.expected, g.input, g.id) == 0);
    const xt::xarray<float> in = xt::adapt(g.input, g.shape);
    xt::xtensor<float, 2, xt::layout_type::column_major> out = xt::zeros<float>({10, 13});
    mixprec::quantize(f, in + 0.0f, out);
    CHECK(count_bit_mismatches(std::vector<float>(out.begin(), out.end()), g.expected, g.input, g.id) == 0);
  }
  SUBCASE("the transpose of column-major storage is the tensor its bytes hold") {
    std::vector<float> bytes = g.input;
    auto storage = xt::adapt<xt::layout_type::column_major>(bytes.data(), bytes.size(), xt::no_ownership(),
                                                            std::vector<std::size_t>{13, 10});
    mixprec::quantize_in_place(f, xt::transpose(storage));
    CHECK(count_bit_mismatches(bytes, g.expected, g.input, g.id) == 0);
  }
  SUBCASE("column-major storage is rejected") {
    xt::xtensor<float, 2, xt::layout_type::column_major> a = xt::zeros<float>({10, 13});
    CHECK_THROWS_WITH_AS(mixprec::quantize_in_place(f, a),
                         doctest::Contains("the tensor of shape [10, 13] is stored column-major"), shape_error);
    xt::xarray<float> out = xt::zeros<float>({10, 13});
    CHECK_THROWS_WITH_AS(mixprec::quantize(f, a, out), doctest::Contains("the input of shape [10, 13]"),
                         shape_error);
  }
}

}  // TEST_SUITE
