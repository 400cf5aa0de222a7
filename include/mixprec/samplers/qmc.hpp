// Quasi-Monte Carlo sampling as Optuna's QMCSampler: unscrambled Sobol (Joe-Kuo directions,
// Gray-code order, 30 bits) or Halton points, mapped onto choice indexes with Optuna's
// half-step widening and round-half-to-even. The first trial is uniformly random.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <mixprec/error.hpp>
#include <mixprec/random.hpp>
#include <mixprec/samplers/detail/genetic.hpp>
#include <mixprec/samplers/detail/sobol_directions.hpp>
#include <mixprec/search/sampler.hpp>
#include <mixprec/search/trial.hpp>

namespace mixprec {

/// QMCSampler's parameters, with Optuna's defaults.
struct qmc_params {
  /// "sobol" or "halton".
  std::string qmc_type = "sobol";
  /// Scrambled sequences are not implemented: only false is accepted.
  bool scramble = false;
  /// Seeds the random first trial (unscrambled sequences do not use it).
  std::uint64_t seed = 0;
};

/// Throws config_error naming the offending field ("qmc.<field>"), its value and the rule.
inline void validate(const qmc_params& p) {
  if (p.qmc_type != "sobol" && p.qmc_type != "halton")
    throw config_error("qmc.qmc_type = \"" + p.qmc_type + "\": expected \"sobol\" or \"halton\"");
  if (p.scramble)
    throw config_error("qmc.scramble = true: scrambled sequences are not supported, expected "
                       "false");
}

/// Point `index` of the unscrambled Sobol sequence in `n_dims` dimensions, as
/// scipy.stats.qmc.Sobol(n_dims, scramble=False) gives it after fast_forward(index): the XOR of
/// the direction numbers of the set bits of gray(index), times 2^-30. At most
/// detail::sobol_max_dims dimensions (shape_error beyond) and indexes below 2^30.
inline std::vector<double> sobol_point(std::size_t n_dims, std::uint64_t index) {
  constexpr unsigned bits = 30;
  if (n_dims > detail::sobol_max_dims)
    throw shape_error("sobol_point: " + std::to_string(n_dims) + " dimensions: at most " +
                      std::to_string(detail::sobol_max_dims) + " are supported");
  if (index >= (std::uint64_t{1} << bits))
    throw shape_error("sobol_point: index " + std::to_string(index) + ": must be < 2^30");
  const std::uint64_t gray = index ^ (index >> 1);
  std::vector<double> out(n_dims);
  for (std::size_t d = 0; d < n_dims; ++d) {
    const std::uint32_t poly = detail::sobol_poly[d];
    const std::uint32_t begin = detail::sobol_m_offset[d];
    const unsigned s = detail::sobol_m_offset[d + 1] - begin;
    // Direction numbers v_k = m_k << (bits - 1 - k), extended by the Joe-Kuo recurrence.
    std::uint32_t v[bits];
    for (unsigned k = 0; k < bits; ++k) {
      if (s == 0) {
        v[k] = std::uint32_t{1} << (bits - 1 - k);
      } else if (k < s) {
        v[k] = detail::sobol_m[begin + k] << (bits - 1 - k);
      } else {
        std::uint32_t x = v[k - s] ^ (v[k - s] >> s);
        for (unsigned j = 1; j < s; ++j)
          if ((poly >> (s - j)) & 1U) x ^= v[k - j];
        v[k] = x;
      }
    }
    std::uint32_t acc = 0;
    for (unsigned k = 0; k < bits; ++k)
      if ((gray >> k) & 1U) acc ^= v[k];
    out[d] = std::ldexp(static_cast<double>(acc), -static_cast<int>(bits));
  }
  return out;
}

/// Point `index` of the unscrambled Halton sequence: radical inverses of `index` in the first
/// `n_dims` primes (scipy.stats.qmc.Halton(n_dims, scramble=False); point 0 is all zeros).
inline std::vector<double> halton_point(std::size_t n_dims, std::uint64_t index) {
  std::vector<double> out;
  out.reserve(n_dims);
  for (std::uint64_t p = 2; out.size() < n_dims; ++p) {
    bool prime = true;
    for (std::uint64_t q = 2; q * q <= p; ++q)
      if (p % q == 0) {
        prime = false;
        break;
      }
    if (!prime) continue;
    double x = 0, f = 1.0 / static_cast<double>(p);
    for (std::uint64_t i = index; i > 0; i /= p, f /= static_cast<double>(p))
      x += static_cast<double>(i % p) * f;
    out.push_back(x);
  }
  return out;
}

/// Optuna 3.1's QMCSampler over choice indexes.
/// - Until some trial is COMPLETE or PRUNED, trials are uniformly random (Optuna's
///   RandomSampler draw; single-choice dimensions are 0 without a draw).
/// - Afterwards the trial numbered f + 1 + i gets point i of the sequence, where f is the number
///   of the earliest finished trial (Optuna's study-level counter when trials run one at a
///   time: trial 1 usually gets point 0, which is all zeros).
/// - Every dimension, single-choice ones included (3.1 keeps them), takes one coordinate; the
///   index is clip(rint(-0.5 + u * K), 0, K - 1) with round-half-to-even (K = 4, u = 0.75 -> 2).
class qmc_sampler {
 public:
  explicit qmc_sampler(qmc_params p = {}) : params_(std::move(p)) { validate(params_); }

  std::vector<std::size_t> ask(const sample_context& ctx) {
    const auto& dims = ctx.dimensions;
    std::optional<std::size_t> first_finished;
    for (const trial& t : ctx.history)
      if (t.state == trial_state::complete || t.state == trial_state::pruned)
        first_finished = std::min(first_finished.value_or(t.number), t.number);
    std::vector<std::size_t> out(dims.size());
    if (!first_finished || ctx.trial_number <= *first_finished) {
      numpy_rng rng{mix_seed(params_.seed, ctx.trial_number)};
      for (std::size_t d = 0; d < dims.size(); ++d)
        out[d] = detail::random_index(rng, dims[d].n_choices);
      return out;
    }
    const auto u = point(dims.size(), ctx.trial_number - *first_finished - 1);
    for (std::size_t d = 0; d < dims.size(); ++d) {
      const double k = static_cast<double>(dims[d].n_choices);
      out[d] = dims[d].n_choices <= 1 ? 0 : detail::untransform_index(-0.5 + u[d] * k, dims[d].n_choices);
    }
    return out;
  }

  /// Nothing to record: the point index is derived from the history.
  void tell(const trial&) {}

  std::string_view name() const { return "qmc"; }
  const qmc_params& params() const { return params_; }

  /// Point `index` of this sampler's sequence in `n_dims` dimensions.
  std::vector<double> point(std::size_t n_dims, std::uint64_t index) const {
    return params_.qmc_type == "sobol" ? sobol_point(n_dims, index) : halton_point(n_dims, index);
  }

 private:
  qmc_params params_;
};
static_assert(Sampler<qmc_sampler>);

}  // namespace mixprec
