// Float32 primitives with the exact semantics of the torch operations MASE's quantizers use
// (clamp keeping the operand's own bits, sign(NaN) = 0, exact 2^e, correctly rounded log2),
// plus the span size check and error-message helpers shared by the elementwise formats.
#pragma once
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <string_view>

#include <mixprec/error.hpp>

namespace mixprec::detail {

/// torch.clamp with scalar bounds: `a = v < lo ? lo : v; r = hi < a ? hi : a`. NaN stays NaN and a
/// value equal to a bound keeps its own bits (clamp(-0, 0, 3) = -0).
inline float clamp_f32(float v, float lo, float hi) {
  const float a = v < lo ? lo : v;
  return hi < a ? hi : a;
}

/// Round half to even for every float32, branch-free: below 2^23 in magnitude, adding and removing
/// 2^23 leaves the nearest integer (ties to even, since 2^23 is even); at and above 2^23, and for
/// inf/NaN, v is already integral. The sign is restored so round(-0.3) = -0, as torch.round gives.
inline float round_half_even_f32(float v) {
  const float a = std::fabs(v);
  const float r = (a + 0x1p23f) - 0x1p23f;
  return a < 0x1p23f ? std::copysign(r, v) : v;
}

/// torch.sign: -1, 0 or +1, and 0 for NaN.
inline float sign_f32(float v) { return v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : 0.0f); }

/// 2^e for an integer-valued float e, exactly as torch computes `2 ** e` on float32: subnormal down
/// to 2^-149, 0 below, +inf from 2^128 on; NaN for NaN.
inline float pow2_f32(float e) {
  if (std::isnan(e)) return e;
  if (e > 200.0f) return std::numeric_limits<float>::infinity();
  if (e < -200.0f) return 0.0f;
  return std::ldexp(1.0f, static_cast<int>(e));
}

/// Float32 log2, correctly rounded through double (its floor/ceil/round agree with torch's log2f).
inline float log2_f32(float v) { return static_cast<float>(std::log2(static_cast<double>(v))); }

/// The nearest float32 to 2^k (exact for -149 <= k <= 127; 0 below, +inf above).
inline float exp2_int_f32(int k) { return static_cast<float>(std::ldexp(1.0, k)); }

/// shape_error unless `in` and `out` have the same size.
inline void check_same_size(std::string_view format, std::size_t in, std::size_t out) {
  if (in != out)
    throw shape_error(std::string(format) + ".quantize: input has " + std::to_string(in) +
                      " elements but output has " + std::to_string(out) + ": sizes must match");
}

/// shape_error unless `shape` has `rank` dimensions (any rank when rank is 0) whose product is `size`.
inline void check_shape(std::string_view format, std::span<const std::size_t> shape, std::size_t size,
                        std::size_t rank = 0) {
  if (rank != 0 && shape.size() != rank)
    throw shape_error(std::string(format) + ".quantize: shape has rank " + std::to_string(shape.size()) +
                      ": must be " + std::to_string(rank) + "-D (N, C, H, W), as in MASE");
  if (shape.empty())
    throw shape_error(std::string(format) + ".quantize: shape is empty: rank must be >= 1");
  std::size_t n = 1;
  for (const auto d : shape) n *= d;
  if (n != size)
    throw shape_error(std::string(format) + ".quantize: shape has " + std::to_string(n) +
                      " elements but the input has " + std::to_string(size));
}

/// A float32 sum as torch would give it where every partial sum is exact (accumulated in double,
/// rounded once); elsewhere it is the correctly rounded sum, which torch's order may miss by an ulp.
inline float sum_f32(const float* p, std::size_t n) {
  double s = 0.0;
  for (std::size_t i = 0; i < n; ++i) s += static_cast<double>(p[i]);
  return static_cast<float>(s);
}

/// Throws config_error "<format>.<field> = <value>: <expectation>".
[[noreturn]] inline void throw_param(std::string_view format, std::string_view field, long long value,
                                     std::string_view expectation) {
  throw config_error(std::string(format) + "." + std::string(field) + " = " + std::to_string(value) +
                     ": " + std::string(expectation));
}

/// Checks lo <= value <= hi for an integer parameter.
inline void check_range(std::string_view format, std::string_view field, long long value, long long lo,
                        long long hi) {
  if (value < lo || value > hi)
    throw_param(format, field, value,
                "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
}

}  // namespace mixprec::detail
