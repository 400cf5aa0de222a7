// Number formats applied to xtensor float containers (xarray, xtensor, adaptors) and strided views:
// in place or into a preallocated destination, through the formats' span kernels, without copying
// wherever the storage is contiguous in the order the format needs. Works with xtensor 0.24 (flat
// headers, Debian) and 0.26+ (headers by concern).
//
// Layout rules (as in interop/eigen.hpp). Elementwise formats ignore order: any contiguous storage,
// row- or column-major, is one span. Block formats see the logical tensor of shape `e.shape()`, which
// row-major (C-order) storage holds as is (zero copy). A column-major container with two or more
// dimensions longer than 1 throws shape_error: its storage is the C-order tensor of the reversed
// axes, and quantizing the logical tensor would need a transposing copy on every call; use
// xt::layout_type::row_major (or xt::transpose to mean the tensor the storage holds). Other inputs
// (lazy expressions, non-contiguous views) are first materialised into a row-major xt::xarray, never
// through xt::eval or `auto` (see style.md §3.6 on a C++20 bug in xtensor 0.24).
#pragma once
#if __has_include(<xtensor/containers/xarray.hpp>)
#include <xtensor/containers/xarray.hpp>
#include <xtensor/core/xexpression.hpp>
#else
#include <xtensor/xarray.hpp>
#include <xtensor/xexpression.hpp>
#endif

#include <algorithm>
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

/// An xtensor expression whose values are float.
template <class E>
concept xt_float_expression =
    xt::is_xexpression<E>::value && std::same_as<std::remove_cv_t<typename E::value_type>, float>;

/// An xtensor float object with strided storage we can address: containers, adaptors, strided views.
template <class E>
concept xt_strided = xt_float_expression<E> && requires(E& e) {
  { e.data() + e.data_offset() } -> std::convertible_to<const float*>;
  e.strides();
  e.shape();
};

/// ... that can also be written through.
template <class E>
concept xt_writable_strided = xt_strided<E> && requires(E& e) {
  { e.data() + e.data_offset() } -> std::same_as<float*>;
};

using xt_row_major_array = xt::xarray<float, xt::layout_type::row_major>;

template <class Shape>
std::string xt_shape_string(const Shape& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

/// Storage order of a strided object: C order, Fortran order, or neither (gaps, negative steps).
template <class E>
bool xt_is_c_contiguous(const E& e) {
  std::ptrdiff_t expected = 1;
  const auto& shape = e.shape();
  const auto& strides = e.strides();
  for (std::size_t d = shape.size(); d-- > 0;) {
    if (shape[d] == 1) continue;  // xtensor gives length-1 axes stride 0
    if (static_cast<std::ptrdiff_t>(strides[d]) != expected) return false;
    expected *= static_cast<std::ptrdiff_t>(shape[d]);
  }
  return true;
}

template <class E>
bool xt_is_f_contiguous(const E& e) {
  std::ptrdiff_t expected = 1;
  const auto& shape = e.shape();
  const auto& strides = e.strides();
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (static_cast<std::ptrdiff_t>(strides[d]) != expected) return false;
    expected *= static_cast<std::ptrdiff_t>(shape[d]);
  }
  return true;
}

template <class E>
std::vector<std::size_t> xt_shape(const E& e) {
  return std::vector<std::size_t>(e.shape().begin(), e.shape().end());
}

template <class A, class B>
void xt_check_same_shape(const A& in, const B& out) {
  if (!std::equal(in.shape().begin(), in.shape().end(), out.shape().begin(), out.shape().end()))
    throw shape_error("quantize (xtensor): input has shape " + xt_shape_string(in.shape()) +
                      " but output has shape " + xt_shape_string(out.shape()) + ": shapes must match");
}

template <class E>
void xt_reject_column_major(const E& e, const char* what) {
  const auto& shape = e.shape();
  const auto long_axes = std::count_if(shape.begin(), shape.end(), [](auto n) { return n > 1; });
  if (long_axes >= 2 && !xt_is_c_contiguous(e) && xt_is_f_contiguous(e))
    throw shape_error(std::string("quantize (xtensor): ") + what + " of shape " + xt_shape_string(shape) +
                      " is stored column-major: a block format needs the row-major (C-order) tensor; use "
                      "xt::layout_type::row_major, or xt::transpose to quantize the tensor its storage holds");
}

template <class E>
std::span<float> xt_span(E& e) {
  return {e.data() + e.data_offset(), static_cast<std::size_t>(e.size())};
}
template <class E>
std::span<const float> xt_cspan(const E& e) {
  return {e.data() + e.data_offset(), static_cast<std::size_t>(e.size())};
}

}  // namespace detail

/// Quantizes `e` in place with an elementwise format. Contiguous storage in either order is one
/// kernel call on the storage; other writable expressions (non-contiguous views) go through a
/// row-major copy that is assigned back.
template <NumberFormat F, class E>
  requires detail::xt_float_expression<std::remove_cvref_t<E>>
void quantize_in_place(const F& f, E&& e) {
  using e_t = std::remove_cvref_t<E>;
  if constexpr (detail::xt_writable_strided<e_t>) {
    if (detail::xt_is_c_contiguous(e) || detail::xt_is_f_contiguous(e)) {
      if (e.size() == 0) return;
      const auto s = detail::xt_span(e);
      f.quantize(s, s);
      return;
    }
  }
  detail::xt_row_major_array tmp = e;
  f.quantize(std::span<const float>(tmp.data(), tmp.size()), std::span<float>(tmp.data(), tmp.size()));
  e = tmp;
}

/// Quantizes `e` in place with a block format, on the logical tensor of shape e.shape(). Zero copy
/// for row-major contiguous storage; shape_error for column-major storage (see the layout rules).
template <BlockNumberFormat F, class E>
  requires detail::xt_float_expression<std::remove_cvref_t<E>> && (!NumberFormat<F>)
void quantize_in_place(const F& f, E&& e) {
  using e_t = std::remove_cvref_t<E>;
  const auto shape = detail::xt_shape(e);
  if constexpr (detail::xt_writable_strided<e_t>) {
    detail::xt_reject_column_major(e, "the tensor");
    if (detail::xt_is_c_contiguous(e)) {
      const auto s = detail::xt_span(e);
      f.quantize(s, shape, s);
      return;
    }
  }
  detail::xt_row_major_array tmp = e;
  const std::span<float> s(tmp.data(), tmp.size());
  f.quantize(s, shape, s);
  e = tmp;
}

/// Quantizes the expression `in` into the preallocated `out` (same shape; shape_error otherwise)
/// with an elementwise format. One kernel call, no copy, when both are contiguous in the same order;
/// otherwise `in` is materialised first. `in` and `out` must not overlap unless they are the same.
template <NumberFormat F, class In, class Out>
  requires detail::xt_float_expression<In> && detail::xt_float_expression<std::remove_cvref_t<Out>>
void quantize(const F& f, const xt::xexpression<In>& in_expr, Out&& out) {
  using out_t = std::remove_cvref_t<Out>;
  const In& in = in_expr.derived_cast();
  detail::xt_check_same_shape(in, out);
  if constexpr (detail::xt_strided<In> && detail::xt_writable_strided<out_t>) {
    const bool both_c = detail::xt_is_c_contiguous(in) && detail::xt_is_c_contiguous(out);
    const bool both_f = detail::xt_is_f_contiguous(in) && detail::xt_is_f_contiguous(out);
    if (both_c || both_f) {
      if (in.size() == 0) return;
      f.quantize(detail::xt_cspan(in), detail::xt_span(out));
      return;
    }
  }
  detail::xt_row_major_array tmp = in;
  if constexpr (detail::xt_writable_strided<out_t>) {
    if (detail::xt_is_c_contiguous(out)) {
      f.quantize(std::span<const float>(tmp.data(), tmp.size()), detail::xt_span(out));
      return;
    }
  }
  f.quantize(std::span<const float>(tmp.data(), tmp.size()), std::span<float>(tmp.data(), tmp.size()));
  out = tmp;
}

/// Quantizes `in` into the preallocated `out` (same shape) with a block format, on the logical tensor
/// of shape in.shape(). A column-major stored `in` throws shape_error; an expression or a
/// non-contiguous view is materialised in row-major order first. `out` may have any layout.
template <BlockNumberFormat F, class In, class Out>
  requires detail::xt_float_expression<In> && detail::xt_float_expression<std::remove_cvref_t<Out>> &&
           (!NumberFormat<F>)
void quantize(const F& f, const xt::xexpression<In>& in_expr, Out&& out) {
  using out_t = std::remove_cvref_t<Out>;
  const In& in = in_expr.derived_cast();
  detail::xt_check_same_shape(in, out);
  const auto shape = detail::xt_shape(in);
  if constexpr (detail::xt_strided<In>) {
    detail::xt_reject_column_major(in, "the input");
    if constexpr (detail::xt_writable_strided<out_t>) {
      if (detail::xt_is_c_contiguous(in) && detail::xt_is_c_contiguous(out)) {
        f.quantize(detail::xt_cspan(in), shape, detail::xt_span(out));
        return;
      }
    }
  }
  detail::xt_row_major_array tmp = in;
  const std::span<float> s(tmp.data(), tmp.size());
  if constexpr (detail::xt_writable_strided<out_t>) {
    if (detail::xt_is_c_contiguous(out)) {
      f.quantize(std::span<const float>(s), shape, detail::xt_span(out));
      return;
    }
  }
  f.quantize(s, shape, s);
  out = tmp;
}

}  // namespace mixprec
