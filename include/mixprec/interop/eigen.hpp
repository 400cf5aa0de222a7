// Number formats applied to Eigen dense float objects (Matrix, Array, Map, Ref, Block, Transpose):
// in place or into a preallocated destination, through the formats' span kernels, without copying
// wherever the storage is contiguous in the order the format needs.
//
// Layout rules. Elementwise formats ignore order, so any contiguous storage (row- or column-major) is
// one span; strided views are walked slice by slice. Block formats see the *logical* tensor, as
// PyTorch would: m(i, j) is tensor[i][j], shape {rows, cols}; compile-time vectors (VectorXf,
// RowVectorXf, ...) are 1-D tensors, shape {size}, like a bias. Row-major storage is that tensor in
// C order (zero copy). A column-major matrix with rows > 1 and cols > 1 throws shape_error: its
// storage is the C-order tensor of the *transpose*, and quantizing the logical matrix would need a
// transposing copy on every call. Say which tensor you mean: store it RowMajor (or map it with
// Eigen::RowMajor), or pass `m.transpose()` to quantize the tensor whose C-order bytes are m's storage
// (a PyTorch [out, in] weight loaded into a column-major [in, out] matrix). Strided row-major views
// (blocks of a larger matrix) are gathered into a buffer, quantized and scattered back.
#pragma once
#include <Eigen/Core>

#include <array>
#include <concepts>
#include <cstddef>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <mixprec/error.hpp>
#include <mixprec/numbers/format.hpp>

namespace mixprec {

namespace detail {

/// An Eigen dense object (matrix, array or expression) of float.
template <class T>
concept eigen_dense = std::derived_from<T, Eigen::DenseBase<T>> && std::same_as<typename T::Scalar, float>;

/// An Eigen dense float object with addressable storage (data(), strides).
template <class T>
concept eigen_direct = eigen_dense<T> && ((int(T::Flags) & Eigen::DirectAccessBit) != 0);

/// ... that can also be written through.
template <class T>
concept eigen_writable = eigen_direct<T> && ((int(T::Flags) & Eigen::LvalueBit) != 0);

/// A plain Matrix or Array with T's compile-time sizes, stored in C order (row-major; column vectors
/// must be column-major in Eigen, and are C order anyway).
template <class T>
using eigen_c_order_plain = std::conditional_t<
    std::derived_from<T, Eigen::ArrayBase<T>>,
    Eigen::Array<float, T::RowsAtCompileTime, T::ColsAtCompileTime,
                 (T::ColsAtCompileTime == 1 ? Eigen::ColMajor : Eigen::RowMajor)>,
    Eigen::Matrix<float, T::RowsAtCompileTime, T::ColsAtCompileTime,
                  (T::ColsAtCompileTime == 1 ? Eigen::ColMajor : Eigen::RowMajor)>>;

template <class T>
std::string eigen_dims(const T& m) {
  return std::to_string(m.rows()) + "x" + std::to_string(m.cols());
}

/// All elements in one run of memory (in the object's own storage order).
template <class T>
bool eigen_contiguous(const T& m) {
  return m.size() == 0 || (m.innerStride() == 1 && (m.outerSize() <= 1 || m.outerStride() == m.innerSize()));
}

/// Storage that reads as the logical matrix in C order: contiguous and row-major, or a vector.
template <class T>
bool eigen_c_contiguous(const T& m) {
  return eigen_contiguous(m) && (T::IsRowMajor || m.rows() <= 1 || m.cols() <= 1);
}

template <class T>
std::array<std::size_t, 2> eigen_shape(const T& m, std::size_t& rank) {
  if constexpr (T::IsVectorAtCompileTime) {
    rank = 1;
    return {static_cast<std::size_t>(m.size()), 0};
  } else {
    rank = 2;
    return {static_cast<std::size_t>(m.rows()), static_cast<std::size_t>(m.cols())};
  }
}

/// Applies `span_op(span<float>)` to every contiguous run of m, or to a gathered copy of each slice.
template <class T, class SpanOp>
void eigen_for_each_slice(T& m, SpanOp&& span_op) {
  if (m.size() == 0) return;
  float* base = m.data();
  const auto inner = static_cast<std::size_t>(m.innerSize());
  if (eigen_contiguous(m)) {
    span_op(std::span<float>(base, static_cast<std::size_t>(m.size())));
    return;
  }
  std::vector<float> buffer(m.innerStride() == 1 ? 0 : inner);
  for (Eigen::Index o = 0; o < m.outerSize(); ++o) {
    float* slice = base + o * m.outerStride();
    if (m.innerStride() == 1) {
      span_op(std::span<float>(slice, inner));
    } else {
      for (std::size_t i = 0; i < inner; ++i) buffer[i] = slice[static_cast<Eigen::Index>(i) * m.innerStride()];
      span_op(std::span<float>(buffer));
      for (std::size_t i = 0; i < inner; ++i) slice[static_cast<Eigen::Index>(i) * m.innerStride()] = buffer[i];
    }
  }
}

template <class T>
void eigen_reject_column_major(const T& m, const char* what) {
  if (!T::IsRowMajor && !T::IsVectorAtCompileTime && m.rows() > 1 && m.cols() > 1)
    throw shape_error(std::string("quantize (Eigen): ") + what + " is a column-major " + eigen_dims(m) +
                      " matrix: a block format needs the row-major (C-order) tensor; store it with "
                      "Eigen::RowMajor, or pass .transpose() to quantize the tensor its storage holds");
}

/// Block-format quantization of a writable Eigen object in place (layout rules at the top).
template <BlockNumberFormat F, class T>
void eigen_block_in_place(const F& f, T& m) {
  eigen_reject_column_major(m, "the matrix");
  std::size_t rank = 0;
  const auto shape = eigen_shape(m, rank);
  const std::span<const std::size_t> shape_span(shape.data(), rank);
  if (m.size() == 0) return;
  if (eigen_c_contiguous(m)) {
    const std::span<float> s(m.data(), static_cast<std::size_t>(m.size()));
    f.quantize(s, shape_span, s);
    return;
  }
  // A strided row-major view (or vector): gather in C order, quantize, scatter.
  std::vector<float> buffer(static_cast<std::size_t>(m.size()));
  std::size_t k = 0;
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) buffer[k++] = m.coeff(i, j);
  f.quantize(buffer, shape_span, buffer);
  k = 0;
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) m.coeffRef(i, j) = buffer[k++];
}

}  // namespace detail

/// Quantizes the Eigen object `m` in place with an elementwise format; any storage order, strided
/// views included. Zero copy when the storage is contiguous.
template <NumberFormat F, class M>
  requires detail::eigen_writable<std::remove_cvref_t<M>>
void quantize_in_place(const F& f, M&& m) {
  detail::eigen_for_each_slice(m, [&](std::span<float> s) { f.quantize(s, s); });
}

/// Quantizes the Eigen object `m` in place with a block format: the logical tensor of shape
/// {rows, cols} ({size} for compile-time vectors). shape_error for a column-major matrix with
/// rows > 1 and cols > 1 (see the layout rules at the top of this header).
template <BlockNumberFormat F, class M>
  requires detail::eigen_writable<std::remove_cvref_t<M>> && (!NumberFormat<F>)
void quantize_in_place(const F& f, M&& m) {
  detail::eigen_block_in_place(f, m);
}

/// Quantizes `in` (any float Eigen object or expression) into the preallocated `out` (same rows and
/// cols; shape_error otherwise) with an elementwise format. One kernel call, no copy, when both are
/// contiguous in the same order; otherwise `out` is assigned `in` and quantized in place. `in` and
/// `out` must not overlap unless they are the same object.
template <NumberFormat F, class In, class Out>
  requires detail::eigen_dense<In> && detail::eigen_writable<std::remove_cvref_t<Out>>
void quantize(const F& f, const Eigen::DenseBase<In>& in, Out&& out) {
  using out_t = std::remove_cvref_t<Out>;
  if (in.rows() != out.rows() || in.cols() != out.cols())
    throw shape_error("quantize (Eigen): input is " + detail::eigen_dims(in) + " but output is " +
                      detail::eigen_dims(out) + ": dims must match");
  if constexpr (detail::eigen_direct<In>) {
    const In& src = in.derived();
    const bool same_order = bool(In::IsRowMajor) == bool(out_t::IsRowMajor) || src.rows() <= 1 || src.cols() <= 1;
    if (same_order && detail::eigen_contiguous(src) && detail::eigen_contiguous(out)) {
      if (src.size() == 0) return;
      const auto n = static_cast<std::size_t>(src.size());
      f.quantize(std::span<const float>(src.data(), n), std::span<float>(out.data(), n));
      return;
    }
  }
  out = in;
  quantize_in_place(f, out);
}

/// Quantizes `in` into the preallocated `out` (same rows and cols) with a block format, on the
/// logical tensor of `in` (see the layout rules). A column-major stored `in` with rows > 1 and
/// cols > 1 throws shape_error; an expression is first evaluated into a row-major matrix. `out` may
/// have any layout. `in` and `out` must not overlap unless they are the same object.
template <BlockNumberFormat F, class In, class Out>
  requires detail::eigen_dense<In> && detail::eigen_writable<std::remove_cvref_t<Out>> && (!NumberFormat<F>)
void quantize(const F& f, const Eigen::DenseBase<In>& in, Out&& out) {
  if (in.rows() != out.rows() || in.cols() != out.cols())
    throw shape_error("quantize (Eigen): input is " + detail::eigen_dims(in) + " but output is " +
                      detail::eigen_dims(out) + ": dims must match");
  if constexpr (detail::eigen_direct<In>) {
    const In& src = in.derived();
    detail::eigen_reject_column_major(src, "the input");
    if (detail::eigen_c_contiguous(src) && detail::eigen_c_contiguous(out)) {
      std::size_t rank = 0;
      const auto shape = detail::eigen_shape(src, rank);
      if (src.size() == 0) return;
      const auto n = static_cast<std::size_t>(src.size());
      f.quantize(std::span<const float>(src.data(), n), std::span<const std::size_t>(shape.data(), rank),
                 std::span<float>(out.data(), n));
      return;
    }
    if (detail::eigen_c_contiguous(out)) {
      out = src;  // a strided input: copy, then quantize out's C-order storage
      detail::eigen_block_in_place(f, out);
      return;
    }
    // A column-major or strided `out` still receives the logical result: quantize a C-order copy.
    detail::eigen_c_order_plain<In> tmp = src;
    detail::eigen_block_in_place(f, tmp);
    out = tmp;
  } else {
    // An expression has no storage: evaluate it as the row-major tensor it denotes.
    detail::eigen_c_order_plain<In> tmp = in;
    detail::eigen_block_in_place(f, tmp);
    out = tmp;
  }
}

}  // namespace mixprec
