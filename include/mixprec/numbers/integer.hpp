// MASE's fixed-point integer formats: `integer` (alias `fixed`), HEAD's `integer_floor` and
// `scale_integer` (per-row scale), and the seed's `integer_for_hw` (two's-complement int32 codes).
// All are bit-identical to MASE's float32 torch expressions (see mase-quantization.md §1.1, §1.11).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include <mixprec/error.hpp>
#include <mixprec/numbers/detail/float32.hpp>
#include <mixprec/numbers/format.hpp>

namespace mixprec {

namespace detail {

/// Constants of one integer quantization, computed once per call.
struct integer_constants {
  float scale;    ///< float32(2^frac_width), exact
  float unscale;  ///< 2^-frac_width when exact, else unused
  bool multiply_back;  ///< true when 2^-frac_width is a float32: q*2^-f then equals q/2^f bit for bit
  float lo, hi;        ///< clamp bounds as float32 (torch converts the scalar bounds to float32)
  int frac_width;
};

inline integer_constants make_integer_constants(int width, int frac_width, bool is_signed) {
  integer_constants k{};
  k.frac_width = frac_width;
  k.scale = exp2_int_f32(frac_width);
  // 2^-f is exact for -f in [-149, 127]; a product with an exact power of two rounds exactly like
  // the division by its reciprocal, so the multiply is used wherever it exists.
  k.multiply_back = frac_width >= -127;
  k.unscale = k.multiply_back ? exp2_int_f32(-frac_width) : 0.0f;
  if (is_signed) {
    k.lo = static_cast<float>(-std::ldexp(1.0, width - 1));
    k.hi = static_cast<float>(std::ldexp(1.0, width - 1) - 1.0);
  } else {
    k.lo = 0.0f;
    k.hi = static_cast<float>(std::ldexp(1.0, width) - 1.0);
  }
  return k;
}

/// One element of the integer quantizer: clamp(round_half_even(x * 2^f), lo, hi) / 2^f.
inline float integer_quantize_one(float x, const integer_constants& k) {
  const float c = clamp_f32(round_half_even_f32(x * k.scale), k.lo, k.hi);
  return k.multiply_back ? c * k.unscale : c / k.scale;
}

#if defined(__AVX512F__)
/// AVX-512 body for 0 <= F <= 15: VRNDSCALEPS rounds to F fraction bits, half to even, computing
/// round(x * 2^F) * 2^-F exactly in one instruction; clamping the scaled-back value to the
/// scaled-back bounds is the same as torch's clamp-then-divide because every product with 2^-F is
/// exact here (and x * 2^F overflowing to inf in torch only happens where both sides saturate).
/// max/min return their second operand for a NaN or a tie, which keeps NaN and the sign of a zero
/// bound exactly as torch.clamp does. Three vector operations per 16 floats, so it keeps up with
/// memcpy even in L2.
template <int F>
inline void integer_quantize_avx512(const float* in, float* out, std::size_t n, float lo_back, float hi_back) {
  constexpr int imm = (F << 4) | _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
  // The zero-masked forms with a full mask are the plain operations; GCC 12's unmasked ones pass
  // an "undefined" vector that -Wmaybe-uninitialized reports inside avx512fintrin.h.
  constexpr __mmask16 all = 0xffff;
  const __m512 vlo = _mm512_set1_ps(lo_back), vhi = _mm512_set1_ps(hi_back);
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 r = _mm512_maskz_roundscale_ps(all, _mm512_loadu_ps(in + i), imm);
    _mm512_storeu_ps(out + i, _mm512_maskz_min_ps(all, vhi, _mm512_maskz_max_ps(all, vlo, r)));
  }
  if (i < n) {
    const auto m = static_cast<__mmask16>((1u << (n - i)) - 1u);
    const __m512 r = _mm512_maskz_roundscale_ps(all, _mm512_maskz_loadu_ps(m, in + i), imm);
    _mm512_mask_storeu_ps(out + i, m, _mm512_maskz_min_ps(all, vhi, _mm512_maskz_max_ps(all, vlo, r)));
  }
}

template <int... F>
inline bool integer_quantize_avx512_dispatch(const float* in, float* out, std::size_t n, const integer_constants& k,
                                             std::integer_sequence<int, F...>) {
  const float lo_back = k.lo * k.unscale, hi_back = k.hi * k.unscale;
  return ((k.frac_width == F ? (integer_quantize_avx512<F>(in, out, n, lo_back, hi_back), true) : false) || ...);
}
#endif

/// The integer span kernel (the hot loop of every quantized layer). Branch-free bodies that GCC
/// vectorises at -O3; bit-exact at any optimisation level (no reassociation is needed or allowed).
/// `in` and `out` have the same size and may be the same memory.
inline void integer_quantize_kernel(const float* in, float* out, std::size_t n, const integer_constants& k) {
  const float scale = k.scale, unscale = k.unscale, lo = k.lo, hi = k.hi;
  // Where the target has a vector round-to-nearest-even instruction (x86 SSE4.1 and later, every
  // AArch64), std::nearbyint in the default rounding mode compiles to it and the loop is five vector
  // operations, as fast as memcpy; elsewhere nearbyint is a libm call and the branch-free 2^23 trick
  // is faster. Both give torch.round's bits (half to even, -0 kept, NaN and |v| >= 2^23 unchanged).
#if defined(__SSE4_1__) || defined(__aarch64__)
  const auto rne = [](float v) { return std::nearbyint(v); };
#else
  const auto rne = [](float v) { return round_half_even_f32(v); };
#endif
  if (k.multiply_back) {
    const auto body = [&](const float* src, float* dst, std::size_t count) {
      for (std::size_t i = 0; i < count; ++i) {
        const float r = rne(src[i] * scale);
        const float a = r < lo ? lo : r;
        dst[i] = (hi < a ? hi : a) * unscale;
      }
    };
    // Stores that straddle cache lines cost twice: do the first few elements on their own so the
    // vector loop writes whole, aligned 64-byte lines (as memcpy does).
    const std::size_t misalign = reinterpret_cast<std::uintptr_t>(out) % 64;
    std::size_t head = misalign % sizeof(float) == 0 ? ((64 - misalign) % 64) / sizeof(float) : 0;
    if (head > n) head = n;
    body(in, out, head);
#if defined(__AVX512F__)
    if (integer_quantize_avx512_dispatch(in + head, out + head, n - head, k, std::make_integer_sequence<int, 16>{}))
      return;
#endif
    body(in + head, out + head, n - head);
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      const float r = rne(in[i] * scale);
      const float a = r < lo ? lo : r;
      out[i] = (hi < a ? hi : a) / scale;
    }
  }
}

inline void check_integer_params(std::string_view format, int width, int frac_width) {
  check_range(format, "width", width, 1, 64);
  // float32(2^f) must be a non-zero finite power of two, or the scale-and-back formula is void.
  check_range(format, "frac_width", frac_width, -149, 127);
}

}  // namespace detail

/// MASE `integer` (and HEAD's alias `fixed`): y = clamp(round_half_even(x * 2^f), lo, hi) / 2^f with
/// (lo, hi) = (-2^(w-1), 2^(w-1)-1) signed or (0, 2^w-1) unsigned. ±inf saturate, NaN stays NaN,
/// -0 stays -0, and unsigned keeps -0 for small negatives (as MASE does).
struct integer_format {
  int width;            ///< total bits, 1..64
  int frac_width;       ///< fractional bits, -149..127 (negative and > width are valid, as in MASE)
  bool is_signed = true;

  /// Throws config_error for width outside [1, 64] or frac_width outside [-149, 127].
  integer_format(int width_, int frac_width_, bool is_signed_ = true)
      : width(width_), frac_width(frac_width_), is_signed(is_signed_) {
    detail::check_integer_params("integer", width, frac_width);
  }

  /// HEAD's default when frac_width is None: frac_width = width // 2.
  [[nodiscard]] static integer_format with_default_frac(int width_, bool is_signed_ = true) {
    if (width_ < 1) detail::throw_param("integer", "width", width_, "must be in [1, 64]");
    return integer_format(width_, width_ / 2, is_signed_);
  }

  [[nodiscard]] static constexpr std::string_view name() { return "integer"; }

  [[nodiscard]] float quantize(float x) const {
    return detail::integer_quantize_one(x, detail::make_integer_constants(width, frac_width, is_signed));
  }

  /// Quantizes `in` into `out` (same size, may alias); shape_error otherwise.
  void quantize(std::span<const float> in, std::span<float> out) const {
    detail::check_same_size(name(), in.size(), out.size());
    detail::integer_quantize_kernel(in.data(), out.data(), in.size(),
                                    detail::make_integer_constants(width, frac_width, is_signed));
  }
};
static_assert(NumberFormat<integer_format>);

/// HEAD `integer_floor_quantizer`: as integer_format with floor (toward -inf) in place of rounding.
struct integer_floor_format {
  int width;
  int frac_width;
  bool is_signed = true;

  /// Throws config_error for width outside [1, 64] or frac_width outside [-149, 127].
  integer_floor_format(int width_, int frac_width_, bool is_signed_ = true)
      : width(width_), frac_width(frac_width_), is_signed(is_signed_) {
    detail::check_integer_params("integer_floor", width, frac_width);
  }

  /// HEAD's default when frac_width is None: frac_width = width // 2.
  [[nodiscard]] static integer_floor_format with_default_frac(int width_, bool is_signed_ = true) {
    if (width_ < 1) detail::throw_param("integer_floor", "width", width_, "must be in [1, 64]");
    return integer_floor_format(width_, width_ / 2, is_signed_);
  }

  [[nodiscard]] static constexpr std::string_view name() { return "integer_floor"; }

  [[nodiscard]] float quantize(float x) const {
    return one(x, detail::make_integer_constants(width, frac_width, is_signed));
  }

  void quantize(std::span<const float> in, std::span<float> out) const {
    detail::check_same_size(name(), in.size(), out.size());
    const auto k = detail::make_integer_constants(width, frac_width, is_signed);
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = one(in[i], k);
  }

 private:
  static float one(float x, const detail::integer_constants& k) {
    const float c = detail::clamp_f32(std::floor(x * k.scale), k.lo, k.hi);
    return k.multiply_back ? c * k.unscale : c / k.scale;
  }
};
static_assert(NumberFormat<integer_floor_format>);

/// Seed `integer_quantizer_for_hw`: the two's-complement code of the integer quantizer,
/// (int)clamp(round_half_even(x * 2^f), -2^(w-1), 2^(w-1)-1) mod 2^w, in [0, 2^w) (for w = 32 the
/// code's bit pattern read as int32). NaN has no code in MASE (a platform-dependent cast); here it
/// encodes as 0, which is what x86 gives.
struct integer_for_hw_format {
  int width;       ///< 1..32
  int frac_width;  ///< -149..127

  /// Throws config_error for width outside [1, 32] or frac_width outside [-149, 127].
  integer_for_hw_format(int width_, int frac_width_) : width(width_), frac_width(frac_width_) {
    detail::check_range("integer_for_hw", "width", width, 1, 32);
    detail::check_range("integer_for_hw", "frac_width", frac_width, -149, 127);
  }

  [[nodiscard]] static constexpr std::string_view name() { return "integer_for_hw"; }

  [[nodiscard]] std::int32_t encode(float x) const { return one(x, detail::make_integer_constants(width, frac_width, true)); }

  /// Writes the code of every element of `in` into `codes` (same size; shape_error otherwise).
  void encode(std::span<const float> in, std::span<std::int32_t> codes) const {
    detail::check_same_size(name(), in.size(), codes.size());
    const auto k = detail::make_integer_constants(width, frac_width, true);
    for (std::size_t i = 0; i < in.size(); ++i) codes[i] = one(in[i], k);
  }

 private:
  [[nodiscard]] std::int32_t one(float x, const detail::integer_constants& k) const {
    const float c = detail::clamp_f32(detail::round_half_even_f32(x * k.scale), k.lo, k.hi);
    if (std::isnan(c)) return 0;
    // |c| <= 2^31 here, so the int64 conversion is exact; mod 2^w keeps the low w bits.
    const auto v = static_cast<std::uint64_t>(static_cast<std::int64_t>(c));
    const std::uint64_t mask = (std::uint64_t{1} << width) - 1;
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(v & mask));
  }
};

/// HEAD `scale_integer_quantizer` (`quantile` is ignored by MASE and absent here). One scale per row
/// of the last dimension: X = max|x| + 1e-9f, s = (1/X) * 2^(w-1) signed or (1/X) * 2^w unsigned,
/// y = clamp(round_half_even(x*s), lo, hi) / s. The row maximum always clips to hi/s; an all-zero row
/// gives 0 and a NaN anywhere in a row makes the whole row NaN. Needs the shape (rank >= 1).
struct scale_integer_format {
  int width;  ///< 1..64
  bool is_signed = true;

  /// Throws config_error for width outside [1, 64].
  explicit scale_integer_format(int width_, bool is_signed_ = true) : width(width_), is_signed(is_signed_) {
    detail::check_range("scale_integer", "width", width, 1, 64);
  }

  [[nodiscard]] static constexpr std::string_view name() { return "scale_integer"; }

  /// Quantizes a C-order tensor of `shape` row by row (rows = the last dimension). shape_error when
  /// the shape is empty or its element count differs from in/out.
  void quantize(std::span<const float> in, std::span<const std::size_t> shape, std::span<float> out) const {
    detail::check_same_size(name(), in.size(), out.size());
    detail::check_shape(name(), shape, in.size());
    const std::size_t n = in.size();
    const std::size_t row = shape.back();
    if (row == 0) return;
    const auto k = detail::make_integer_constants(width, 0, is_signed);
    const float levels = detail::exp2_int_f32(is_signed ? width - 1 : width);
    for (std::size_t r = 0; r < n / row; ++r) {
      const std::size_t base = r * row;
      float m = 0.0f;  // torch.max propagates NaN
      for (std::size_t i = 0; i < row; ++i) {
        const float a = std::fabs(in[base + i]);
        m = (std::isnan(a) || a > m) ? a : m;
        if (std::isnan(m)) break;
      }
      const float xmax = m + 1e-9f;
      const float s = (1.0f / xmax) * levels;
      for (std::size_t i = 0; i < row; ++i) {
        const float c = detail::clamp_f32(detail::round_half_even_f32(in[base + i] * s), k.lo, k.hi);
        out[base + i] = c / s;
      }
    }
  }
};
static_assert(BlockNumberFormat<scale_integer_format>);

}  // namespace mixprec
