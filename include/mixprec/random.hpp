// A random stream that reproduces NumPy's legacy RandomState draws exactly (MT19937 seeded as
// NumPy seeds it with a 32-bit seed). Standard distributions differ between standard libraries,
// so every draw the project makes goes through these functions and stays portable.
#pragma once
#include <cmath>
#include <cstdint>
#include <random>
#include <span>
#include <utility>

namespace mixprec {

class numpy_rng {
 public:
  explicit numpy_rng(std::uint32_t seed = 0) : engine_(seed) {}

  /// The next raw 32-bit word of the MT19937 stream.
  std::uint32_t next_u32() { return static_cast<std::uint32_t>(engine_()); }

  /// NumPy's random_sample(): a 53-bit double in [0, 1) from two 32-bit words.
  double random_sample() {
    const std::uint32_t a = next_u32() >> 5;
    const std::uint32_t b = next_u32() >> 6;
    return (static_cast<double>(a) * 67108864.0 + static_cast<double>(b)) / 9007199254740992.0;
  }

  /// NumPy's uniform(lo, hi) = lo + (hi - lo) * random_sample().
  double uniform(double lo, double hi) { return lo + (hi - lo) * random_sample(); }

  /// An integer in [0, max] by NumPy's masked rejection (legacy randint / choice(n) / shuffle).
  /// A bound of 0 consumes no draw, as in NumPy.
  std::uint64_t bounded(std::uint64_t max) {
    if (max == 0) return 0;
    std::uint64_t mask = max;
    mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4;
    mask |= mask >> 8; mask |= mask >> 16; mask |= mask >> 32;
    if (max <= 0xffffffffULL) {
      std::uint64_t v;
      do { v = next_u32() & mask; } while (v > max);
      return v;
    }
    std::uint64_t v;
    do {
      const std::uint64_t hi = next_u32();
      v = ((hi << 32) | next_u32()) & mask;
    } while (v > max);
    return v;
  }

  /// NumPy's choice(n) without weights: uniform in [0, n).
  std::size_t choice(std::size_t n) { return static_cast<std::size_t>(bounded(n - 1)); }

  /// NumPy's choice(n, p=weights) for one draw: first index whose normalised cumulative
  /// weight exceeds one uniform double.
  std::size_t choice(std::span<const double> weights) {
    double total = 0;
    for (double w : weights) total += w;
    const double u = random_sample();
    double cdf = 0;
    for (std::size_t i = 0; i < weights.size(); ++i) {
      cdf += weights[i];
      if (cdf / total > u) return i;
    }
    return weights.size() - 1;
  }

  /// NumPy's shuffle: Fisher-Yates from the back with masked rejection.
  template <class T>
  void shuffle(std::span<T> a) {
    for (std::size_t i = a.size(); i > 1; --i) {
      const auto j = static_cast<std::size_t>(bounded(i - 1));
      std::swap(a[i - 1], a[j]);
    }
  }

  /// NumPy's legacy standard_normal (polar Box-Muller with a cached second value).
  double standard_normal() {
    if (has_gauss_) {
      has_gauss_ = false;
      return gauss_;
    }
    double x1, x2, r2;
    do {
      x1 = 2.0 * random_sample() - 1.0;
      x2 = 2.0 * random_sample() - 1.0;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 == 0.0);
    const double f = std::sqrt(-2.0 * std::log(r2) / r2);
    gauss_ = f * x1;
    has_gauss_ = true;
    return f * x2;
  }

  std::mt19937& engine() { return engine_; }

 private:
  std::mt19937 engine_;
  double gauss_ = 0;
  bool has_gauss_ = false;
};

/// A 32-bit seed for the stream of one trial, mixed from a study seed and the trial number
/// (splitmix64), so that results do not depend on thread timing.
constexpr std::uint32_t mix_seed(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (stream + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return static_cast<std::uint32_t>((z ^ (z >> 31)) & 0xffffffffULL);
}

}  // namespace mixprec
