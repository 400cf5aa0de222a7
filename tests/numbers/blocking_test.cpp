#include <doctest/doctest.h>

#include <cstddef>
#include <limits>
#include <vector>

#include <mixprec/numbers/blocking.hpp>

namespace {

using mixprec::block_layout;
using mixprec::block_tile;
using mixprec::make_block_layout;
using mixprec::make_mx_block_layout;
using mixprec::shape_error;

block_layout layout(std::vector<std::size_t> shape, std::vector<int> bs, bool skip) {
  return make_block_layout("t", shape, bs, skip);
}

/// Block id of every element, in the order for_each_block visits the blocks.
std::vector<int> block_ids(const block_layout& l) {
  std::vector<int> id(l.numel(), -1);
  int b = 0;
  l.for_each_block([&](const block_tile& t) {
    t.for_each([&](std::size_t i) { id[i] = b; });
    ++b;
  });
  return id;
}

}  // namespace

TEST_SUITE("numbers/blocking") {

TEST_CASE("block-shape inference right-aligns block_size; -1 or oversize means the whole dimension") {
  auto l = layout({10, 13}, {16}, false);  // [16] on a weight: column strips spanning every row
  CHECK(l.block_rows == 10);
  CHECK(l.block_cols == 13);
  l = layout({10, 13}, {4, 5}, false);
  CHECK((l.block_rows == 4 && l.block_cols == 5 && l.fold));
  CHECK(l.num_blocks() == 3 * 3);
  l = layout({10, 13}, {7, 1, 2}, false);  // extra leading entries are dropped
  CHECK((l.block_rows == 1 && l.block_cols == 2));
  l = layout({10, 13}, {-1, 3}, false);
  CHECK((l.block_rows == 10 && l.block_cols == 3));
  l = layout({4, 21}, {3, 4}, true);  // activations: never more than one row
  CHECK((l.block_rows == 1 && l.block_cols == 4 && !l.fold));
  l = layout({2, 5, 7}, {4}, true);  // [4] on 3-D: tiles span all of H
  CHECK((l.batch == 2 && l.block_rows == 5 && l.block_cols == 4 && l.fold));
  l = layout({2, 5, 7}, {1, 1, 4}, true);
  CHECK((l.block_rows == 1 && l.block_cols == 4));
  l = layout({11}, {1, 4}, false);
  CHECK((l.block_cols == 4 && l.num_blocks() == 3 && !l.fold));
}

TEST_CASE("tiles cover every element exactly once, ragged edges clipped") {
  const auto l = layout({3, 5}, {2, 2}, false);
  CHECK(block_ids(l) == std::vector<int>{0, 0, 1, 1, 2,  //
                                         0, 0, 1, 1, 2,  //
                                         3, 3, 4, 4, 5});
  const auto a = layout({2, 2, 3}, {2}, true);
  CHECK(block_ids(a) == std::vector<int>{0, 0, 1, 0, 0, 1, 2, 2, 3, 2, 2, 3});
}

TEST_CASE("zero-block substitution: all zero -> 1, else the smallest non-zero max, NaN if any is NaN") {
  const auto l = layout({6}, {2}, false);
  std::vector<float> x{0, 0, 3, -1, 0.5f, 0.25f};
  auto s = mixprec::scan_block_maxima(l, x.data());
  CHECK(s(0.0f) == 0.5f);
  CHECK(s(3.0f) == 3.0f);
  std::vector<float> z(6, 0.0f);
  CHECK(mixprec::scan_block_maxima(l, z.data())(0.0f) == 1.0f);
  x[5] = std::numeric_limits<float>::quiet_NaN();
  s = mixprec::scan_block_maxima(l, x.data());
  CHECK(s(0.0f) != s(0.0f));
  CHECK(s(3.0f) == 3.0f);
}

TEST_CASE("MX layout: block_dim moved last, flattened, consecutive chunks") {
  const std::vector<std::size_t> shape{2, 3, 2};
  const auto l = make_mx_block_layout("t", shape, 3, 1);
  CHECK(l.num_blocks() == 4);
  std::vector<std::size_t> order;
  for (std::size_t j = 0; j < l.num_blocks(); ++j) l.for_each_in_block(j, [&](std::size_t i) { order.push_back(i); });
  // permuted shape [2, 2, 3]: element (o, i, d) is original (o, d, i) = o*6 + d*2 + i
  CHECK(order == std::vector<std::size_t>{0, 2, 4, 1, 3, 5, 6, 8, 10, 7, 9, 11});
  const auto c = make_mx_block_layout("t", shape, 4, -1);
  std::vector<std::size_t> flat;
  for (std::size_t j = 0; j < c.num_blocks(); ++j) c.for_each_in_block(j, [&](std::size_t i) { flat.push_back(i); });
  CHECK(flat == std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  const std::vector<std::size_t> empty{0, 4};
  CHECK(make_mx_block_layout("t", empty, 4, 0).num_blocks() == 0);
}

TEST_CASE("unsupported shapes throw shape_error naming the shape and skip_first_dim") {
  CHECK_THROWS_WITH_AS(layout({}, {4}, false),
                       "t.quantize: shape [] with skip_first_dim = false: block formats support 1-D, 2-D and 3-D "
                       "tensors only",
                       shape_error);
  CHECK_THROWS_AS(layout({1, 2, 3, 4}, {4}, true), shape_error);
  CHECK_THROWS_AS(layout({4}, {4}, true), shape_error);
  CHECK_THROWS_AS(layout({2, 2, 2}, {4}, false), shape_error);
}

}  // TEST_SUITE
