// The standard normal CDF in the forms TPE needs: both tails from one erfc call, log Phi with
// Optuna 3.1's asymptotic series far in the left tail, and the log Gaussian mass of an interval
// split into left / right / central cases, as Optuna 3.1's _truncnorm does it.
#pragma once
#include <cmath>
#include <limits>

namespace mixprec::detail {

/// Phi(t) and 1 - Phi(t); the smaller of the two comes from erfc, so both tails keep precision.
struct normal_tails {
  double lower = 0;  ///< Phi(t)
  double upper = 0;  ///< 1 - Phi(t)
};

inline normal_tails normal_cdf_pair(double t) {
  constexpr double inv_sqrt2 = 0.70710678118654752440;
  if (t <= 0) {
    const double p = 0.5 * std::erfc(-t * inv_sqrt2);
    return {p, 1.0 - p};
  }
  const double q = 0.5 * std::erfc(t * inv_sqrt2);
  return {1.0 - q, q};
}

inline double normal_cdf(double t) { return normal_cdf_pair(t).lower; }

/// log Phi(t): log of the CDF for t > -20, Optuna's asymptotic series below (no underflow).
inline double log_normal_cdf(double t) {
  if (t > 6) return -normal_cdf(-t);
  if (t > -20) return std::log(normal_cdf(t));
  const double log_lhs = -0.5 * t * t - std::log(-t) - 0.5 * std::log(2 * 3.14159265358979323846);
  double last_total = 0, rhs = 1, numerator = 1, denom_factor = 1;
  const double denom_cons = 1 / (t * t);
  double sign = 1;
  for (int i = 1; std::fabs(last_total - rhs) > std::numeric_limits<double>::epsilon() && i < 200;
       ++i) {
    last_total = rhs;
    sign = -sign;
    denom_factor *= denom_cons;
    numerator *= 2 * i - 1;
    rhs += sign * numerator * denom_factor;
  }
  return log_lhs + std::log(rhs);
}

/// log(Phi(b) - Phi(a)) for a <= b, accurate in both tails.
inline double log_gauss_mass(double a, double b) {
  const auto log_diff = [](double lp, double lq) { return lp + std::log1p(-std::exp(lq - lp)); };
  if (b <= 0) return log_diff(log_normal_cdf(b), log_normal_cdf(a));
  if (a > 0) return log_diff(log_normal_cdf(-a), log_normal_cdf(-b));
  return std::log1p(-normal_cdf(a) - normal_cdf(-b));
}

/// Phi(b) - Phi(a) from precomputed tails of a <= b, with the same case split as log_gauss_mass.
inline double gauss_mass(const normal_tails& a, const normal_tails& b, double ta, double tb) {
  if (tb <= 0) return b.lower - a.lower;
  if (ta > 0) return a.upper - b.upper;
  return 1.0 - a.lower - b.upper;
}

}  // namespace mixprec::detail
