// MASE's block/unblock machinery for the block formats (block_fp, block_minifloat, block_log):
// block-shape inference, end padding, the skip_first_dim rule and the per-block max with MASE's
// zero-block substitution, walked tile by tile over the original tensor without copying it.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <mixprec/error.hpp>

namespace mixprec {

/// One block of a tensor viewed as [batch, rows, cols]: `rows x cols` elements starting at flat
/// index `offset`, `stride` elements between rows. A ragged last block is clipped to the tensor:
/// MASE's zero padding never changes a block's max and is cut off again when unblocking.
struct block_tile {
  std::size_t offset = 0;
  std::size_t rows = 1;
  std::size_t cols = 0;
  std::size_t stride = 0;

  /// Calls `f(flat_index)` for every element of the tile, row by row.
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t r = 0; r < rows; ++r) {
      const std::size_t base = offset + r * stride;
      for (std::size_t c = 0; c < cols; ++c) f(base + c);
    }
  }
};

/// A tensor (C order) viewed as [batch, rows, cols] and cut into `block_rows x block_cols` tiles
/// of the trailing two dimensions, independently for every batch index.
struct block_layout {
  std::size_t batch = 1;
  std::size_t rows = 1;
  std::size_t cols = 0;
  std::size_t block_rows = 1;
  std::size_t block_cols = 1;
  /// MASE unblocks this path with F.fold, which adds into zeros and so turns -0.0 into +0.0.
  bool fold = false;

  /// Number of elements of the tensor.
  [[nodiscard]] std::size_t numel() const { return batch * rows * cols; }
  /// Number of blocks (ragged tiles included).
  [[nodiscard]] std::size_t num_blocks() const {
    if (numel() == 0) return 0;
    return batch * ((rows + block_rows - 1) / block_rows) * ((cols + block_cols - 1) / block_cols);
  }

  /// Calls `f(const block_tile&)` for every block, batch-major then row-major over the tiles.
  template <class F>
  void for_each_block(F&& f) const {
    if (numel() == 0) return;
    for (std::size_t n = 0; n < batch; ++n) {
      const std::size_t plane = n * rows * cols;
      for (std::size_t r0 = 0; r0 < rows; r0 += block_rows) {
        const std::size_t nr = std::min(block_rows, rows - r0);
        for (std::size_t c0 = 0; c0 < cols; c0 += block_cols) {
          f(block_tile{plane + r0 * cols + c0, nr, std::min(block_cols, cols - c0), cols});
        }
      }
    }
  }
};

namespace detail {

inline std::string shape_string(std::span<const std::size_t> shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

inline std::string int_list_string(std::span<const int> v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(v[i]);
  }
  return s + "]";
}

/// MASE's block-shape inference for one reference dimension: `block_size` is right-aligned against
/// `ref` (of `ref_ndim` dims, this is dim `i`); a missing entry, -1, or an entry larger than the
/// dimension means the whole dimension.
inline std::size_t infer_block_dim(std::span<const int> block_size, std::size_t ref_ndim, std::size_t i,
                                   std::size_t dim) {
  const std::size_t missing = ref_ndim > block_size.size() ? ref_ndim - block_size.size() : 0;
  if (i < missing) return std::max<std::size_t>(dim, 1);
  const int b = block_size[block_size.size() - ref_ndim + i];
  if (b == -1 || static_cast<std::size_t>(b) > dim) return std::max<std::size_t>(dim, 1);
  return static_cast<std::size_t>(b);
}

}  // namespace detail

/// Throws config_error unless `block_size` is a non-empty list of entries >= 1 or -1 (whole
/// dimension). `format` names the owning format in the message.
inline void validate_block_size(std::string_view format, std::span<const int> block_size) {
  if (block_size.empty())
    throw config_error(std::string(format) + ".block_size = []: must hold at least one entry");
  for (std::size_t i = 0; i < block_size.size(); ++i) {
    if (block_size[i] < 1 && block_size[i] != -1)
      throw config_error(std::string(format) + ".block_size = " + detail::int_list_string(block_size) +
                         ": entry " + std::to_string(i) + " is " + std::to_string(block_size[i]) +
                         ", must be >= 1 or -1 (whole dimension)");
  }
}

/// The blocks MASE's `block(x, block_size, skip_first_dim)` lays over a tensor of `shape`:
/// - 1-D: consecutive chunks of the last block_size entry (skip_first_dim must be false);
/// - 2-D, skip_first_dim false ("weight"): tiles inferred against [R, C], unblocked by F.fold;
/// - 2-D, skip_first_dim true ("activation"): per row, chunks inferred against [1, C];
/// - 3-D, skip_first_dim true: per leading index, tiles inferred against [1, H, W], F.fold.
/// 0-D, 4-D and more, 1-D with skip_first_dim and 3-D without throw shape_error, as MASE fails there.
inline block_layout make_block_layout(std::string_view format, std::span<const std::size_t> shape,
                                      std::span<const int> block_size, bool skip_first_dim) {
  const auto fail = [&](std::string_view why) {
    throw shape_error(std::string(format) + ".quantize: shape " + detail::shape_string(shape) +
                      " with skip_first_dim = " + (skip_first_dim ? "true" : "false") + ": " +
                      std::string(why));
  };
  block_layout l;
  switch (shape.size()) {
    case 1:
      if (skip_first_dim) fail("a 1-D tensor needs skip_first_dim = false");
      l.cols = shape[0];
      l.block_cols = detail::infer_block_dim(block_size, 1, 0, shape[0]);
      break;
    case 2:
      l.rows = shape[0];
      l.cols = shape[1];
      if (skip_first_dim) {
        l.block_rows = 1;  // inferred against [1, C]: never more than one row
      } else {
        l.block_rows = detail::infer_block_dim(block_size, 2, 0, shape[0]);
        l.fold = true;
      }
      l.block_cols = detail::infer_block_dim(block_size, 2, 1, shape[1]);
      break;
    case 3:
      if (!skip_first_dim) fail("a 3-D tensor needs skip_first_dim = true");
      l.batch = shape[0];
      l.rows = shape[1];
      l.cols = shape[2];
      l.block_rows = detail::infer_block_dim(block_size, 3, 1, shape[1]);
      l.block_cols = detail::infer_block_dim(block_size, 3, 2, shape[2]);
      l.fold = true;
      break;
    default:
      fail("block formats support 1-D, 2-D and 3-D tensors only");
  }
  return l;
}

/// shape_error unless `in.size()` equals the product of `shape` and `out.size()` equals `in.size()`.
inline void check_block_spans(std::string_view format, std::size_t in, std::span<const std::size_t> shape,
                              std::size_t out) {
  std::size_t n = 1;
  for (const std::size_t d : shape) n *= d;
  if (in != n)
    throw shape_error(std::string(format) + ".quantize: input has " + std::to_string(in) +
                      " elements but shape " + detail::shape_string(shape) + " has " + std::to_string(n));
  if (out != in)
    throw shape_error(std::string(format) + ".quantize: input has " + std::to_string(in) +
                      " elements but output has " + std::to_string(out) + ": sizes must match");
}

/// max |x| over a tile; NaN if the tile holds a NaN (torch's max propagates it).
inline float tile_abs_max(const float* in, const block_tile& t) {
  float m = 0.0f;
  bool nan = false;
  for (std::size_t r = 0; r < t.rows; ++r) {
    const float* row = in + t.offset + r * t.stride;
    for (std::size_t c = 0; c < t.cols; ++c) {
      const float a = std::fabs(row[c]);
      nan |= a != a;
      m = a > m ? a : m;
    }
  }
  return nan ? std::numeric_limits<float>::quiet_NaN() : m;
}

/// MASE's replacement of zero block maxima: if every block max is 0 they all become 1; otherwise a
/// zero max becomes the smallest non-zero max of the whole tensor (NaN if any block max is NaN).
struct block_max_substitution {
  bool all_zero = true;
  float min_nonzero = std::numeric_limits<float>::infinity();

  /// The max a block with raw max `p` uses.
  [[nodiscard]] float operator()(float p) const {
    if (p != 0.0f) return p;
    return all_zero ? 1.0f : min_nonzero;
  }
};

/// First pass over the tensor: the zero-block substitution for `layout`'s blocks of `in`.
inline block_max_substitution scan_block_maxima(const block_layout& layout, const float* in) {
  block_max_substitution s;
  bool nan = false;
  layout.for_each_block([&](const block_tile& t) {
    const float p = tile_abs_max(in, t);
    if (p != 0.0f) {
      s.all_zero = false;
      if (p != p) nan = true;
      else s.min_nonzero = std::min(s.min_nonzero, p);
    }
  });
  if (nan) s.min_nonzero = std::numeric_limits<float>::quiet_NaN();
  return s;
}

/// The MX formats' blocking (mxint, mxfp): `block_dim` is moved last, the whole tensor is flattened
/// and cut into consecutive chunks of `block_size` (no padding, so a block may span several rows).
/// Viewing the tensor as [outer, dim, inner], element k of the permuted order (k = (o*inner + i)*dim
/// + d) is the original flat index (o*dim + d)*inner + i.
struct mx_block_layout {
  std::size_t outer = 1;
  std::size_t dim = 1;
  std::size_t inner = 1;
  std::size_t block_size = 1;

  [[nodiscard]] std::size_t numel() const { return outer * dim * inner; }
  [[nodiscard]] std::size_t num_blocks() const { return numel() / block_size; }

  /// Calls `f(flat_index)` for the elements of block `j`, in permuted order.
  template <class F>
  void for_each_in_block(std::size_t j, F&& f) const {
    const std::size_t k0 = j * block_size;
    if (inner == 1) {  // block_dim is (or acts as) the last dim: blocks are contiguous
      for (std::size_t k = k0; k < k0 + block_size; ++k) f(k);
      return;
    }
    std::size_t d = k0 % dim;
    std::size_t i = (k0 / dim) % inner;
    std::size_t o = k0 / (dim * inner);
    for (std::size_t n = 0; n < block_size; ++n) {
      f((o * dim + d) * inner + i);
      if (++d == dim) {
        d = 0;
        if (++i == inner) {
          i = 0;
          ++o;
        }
      }
    }
  }
};

/// The MX layout of a tensor of `shape` with blocks of `block_size` along `block_dim` (negative
/// counts from the end, as in Python). shape_error for a 0-D shape, a block_dim outside
/// [-ndim, ndim), or an element count that is not a multiple of block_size (MASE asserts).
inline mx_block_layout make_mx_block_layout(std::string_view format, std::span<const std::size_t> shape,
                                            std::size_t block_size, int block_dim) {
  const auto nd = static_cast<long long>(shape.size());
  if (nd == 0)
    throw shape_error(std::string(format) + ".quantize: shape [] is 0-D: needs at least one dimension");
  if (block_dim < -nd || block_dim >= nd)
    throw shape_error(std::string(format) + ".quantize: block_dim = " + std::to_string(block_dim) +
                      " is out of range for shape " + detail::shape_string(shape) + " (must be in [" +
                      std::to_string(-nd) + ", " + std::to_string(nd - 1) + "])");
  const auto bd = static_cast<std::size_t>(block_dim < 0 ? block_dim + nd : block_dim);
  mx_block_layout l;
  l.block_size = block_size;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i < bd) l.outer *= shape[i];
    else if (i == bd) l.dim = shape[i];
    else l.inner *= shape[i];
  }
  if (l.numel() % block_size != 0)
    throw shape_error(std::string(format) + ".quantize: shape " + detail::shape_string(shape) + " has " +
                      std::to_string(l.numel()) + " elements, not a multiple of block_size = " +
                      std::to_string(block_size));
  if (l.numel() == 0) l = mx_block_layout{0, 1, 1, block_size};  // empty: no blocks, no division by 0
  return l;
}

/// Runs a block format over `in`: for every block, `fn(tile, P)` with P the block's max |x| after
/// zero-block substitution. Two passes over `in`, no allocation; `in` may alias the output written
/// by `fn`, because each block's max is read before any of its elements are written.
template <class Fn>
void for_each_block_with_max(const block_layout& layout, std::span<const float> in, Fn&& fn) {
  const float* data = in.data();
  const block_max_substitution sub = scan_block_maxima(layout, data);
  layout.for_each_block([&](const block_tile& t) { fn(t, sub(tile_abs_max(data, t))); });
}

}  // namespace mixprec
