// Concepts for number formats. A runtime format is a small value type holding its parameters
// (validated on construction: a width of 0 throws config_error naming the field and value).
// Elementwise formats quantize a span; block formats also need the tensor's shape.
#pragma once
#include <concepts>
#include <cstddef>
#include <span>
#include <string_view>

namespace mixprec {

/// An elementwise number format: `quantize(in, out)` writes the quantized value of every element
/// of `in` into `out` (same size; in == out is allowed), bit-identical to MASE's quantizer;
/// `name()` is MASE's arithmetic name ("integer", "minifloat_ieee", ...).
template <class F>
concept NumberFormat = std::copy_constructible<F> &&
    requires(const F& f, std::span<const float> in, std::span<float> out) {
      { f.quantize(in, out) } -> std::same_as<void>;
      { f.name() } -> std::convertible_to<std::string_view>;
    };

/// A block format: elements share a scale within blocks laid over the tensor's shape, so
/// `quantize` takes the shape (C order) too. As for elementwise formats, `in` and `out` may be the
/// same memory (quantizing in place); shape and sizes are checked once, with shape_error.
template <class F>
concept BlockNumberFormat = std::copy_constructible<F> &&
    requires(const F& f, std::span<const float> in, std::span<const std::size_t> shape,
             std::span<float> out) {
      { f.quantize(in, shape, out) } -> std::same_as<void>;
      { f.name() } -> std::convertible_to<std::string_view>;
    };

}  // namespace mixprec
