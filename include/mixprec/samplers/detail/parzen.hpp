// Optuna 3.1's Parzen estimator for an integer parameter (IntDistribution, step 1), evaluated
// only where TPE needs it: the mass of each of the K choices, and draws of candidates through
// the same two uniform batches Optuna consumes. Identical kernels are merged before evaluation.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include <mixprec/random.hpp>
#include <mixprec/samplers/detail/npsort.hpp>
#include <mixprec/samplers/detail/truncnorm.hpp>

namespace mixprec::detail {

/// The estimator options TPE passes through (tpe_params' names).
struct parzen_options {
  double prior_weight = 1.0;
  bool consider_prior = true;
  bool consider_magic_clip = true;
  bool consider_endpoints = false;
};

/// Phi at the cell boundaries of one kernel width: an integer parameter with K choices has
/// cell boundaries j - 1/2 (j = 0..K) and kernel means on the half-integer grid, so every
/// standardised boundary is (h / 2) / sigma for an integer h in [-2K+1, 2K-1]. Tables are
/// filled lazily and shared by every kernel (and every parameter) with the same K and sigma.
class phi_cache {
 public:
  void clear() {
    keys_.clear();
    pool_.clear();
  }
  /// Offset of the table for (k, sigma) in the pool; entry h lives at offset + h + 2k - 1.
  std::size_t table(std::size_t k, double sigma) {
    for (const auto& e : keys_)
      if (e.k == k && e.sigma == sigma) return e.offset;
    const std::size_t offset = pool_.size();
    pool_.resize(offset + 4 * k - 1, normal_tails{-1.0, -1.0});
    keys_.push_back({k, sigma, offset});
    return offset;
  }
  /// Phi and 1 - Phi at (h / 2) / sigma.
  const normal_tails& at(std::size_t offset, std::size_t k, double sigma, std::ptrdiff_t h) {
    normal_tails& e = pool_[offset + static_cast<std::size_t>(h + 2 * static_cast<std::ptrdiff_t>(k) - 1)];
    if (e.lower < 0) e = normal_cdf_pair((static_cast<double>(h) * 0.5) / sigma);
    return e;
  }

 private:
  struct key {
    std::size_t k;
    double sigma;
    std::size_t offset;
  };
  std::vector<key> keys_;
  std::vector<normal_tails> pool_;
};

/// A univariate integer Parzen estimator built in reusable buffers.
class int_parzen {
 public:
  /// Builds the estimator of Optuna 3.1 for observations `obs` (choice indexes as doubles, in
  /// Optuna's order) with raw weights `w` over K choices, then the log mass of every choice.
  /// With `for_sampling`, also the component cdf and per-kernel cell cdfs used by `sample`.
  void build(std::span<const double> obs, std::span<const double> w, std::size_t k,
             const parzen_options& opt, phi_cache& cache, bool for_sampling) {
    k_ = k;
    const std::size_t m = obs.size();
    const bool prior = opt.consider_prior || m == 0;
    const std::size_t nc = m + (prior ? 1 : 0);
    const double low = -0.5, high = static_cast<double>(k) - 0.5, range = high - low;

    // Mixture weights: observations then the prior, normalised.
    weights_.assign(w.begin(), w.end());
    if (prior) weights_.push_back(opt.prior_weight);
    double total = 0;
    for (double x : weights_) total += x;
    for (double& x : weights_) x /= total;

    // Means and bandwidths (the univariate neighbour rule on numpy's argsort order). Means sit
    // on the half-integer grid, so they sort as integer codes 2 * mu.
    mus_.assign(obs.begin(), obs.end());
    if (prior) mus_.push_back(0.5 * (low + high));
    codes_.resize(nc);
    for (std::size_t i = 0; i < nc; ++i) codes_[i] = static_cast<std::uint32_t>(2 * mus_[i] + 0.5);
    order_.resize(nc);
    if (tie_order_matters(w, prior)) {
      np_argsort_codes(codes_, order_, words_, scratch_);
    } else {
      // Equal observation weights and no tie with the prior: any sorted order gives the same
      // mixture, so a counting sort stands in for numpy's.
      counts_.assign(2 * k + 1, 0);
      for (auto c : codes_) ++counts_[c + 1];
      for (std::size_t c = 1; c < counts_.size(); ++c) counts_[c] += counts_[c - 1];
      for (std::size_t i = 0; i < nc; ++i) order_[counts_[codes_[i]]++] = i;
    }
    sorted_.resize(nc + 2);
    sorted_[0] = low;
    for (std::size_t i = 0; i < nc; ++i) sorted_[i + 1] = mus_[order_[i]];
    sorted_[nc + 1] = high;
    sigmas_.resize(nc);
    const double min_sigma =
        opt.consider_magic_clip ? range / std::min(100.0, 1.0 + static_cast<double>(nc)) : 1e-12;
    for (std::size_t i = 0; i < nc; ++i) {
      double s = std::max(sorted_[i + 1] - sorted_[i], sorted_[i + 2] - sorted_[i + 1]);
      if (!opt.consider_endpoints && nc >= 2) {
        if (i == 0) s = sorted_[2] - sorted_[1];
        if (i == nc - 1) s = sorted_[nc] - sorted_[nc - 1];
      }
      sigmas_[order_[i]] = std::clamp(s, min_sigma, range);
    }
    if (prior) sigmas_[nc - 1] = range;

    // Merge components with the same (mean, sigma): means sit on the half-integer grid.
    kernel_of_.resize(nc);
    kernels_.clear();
    slot_head_.assign(2 * k, npos);
    for (std::size_t i = 0; i < nc; ++i) {
      const std::size_t m2 = codes_[i];
      std::size_t id = slot_head_[m2];
      while (id != npos && kernels_[id].sigma != sigmas_[i]) id = kernels_[id].next;
      if (id == npos) {
        id = kernels_.size();
        kernels_.push_back({m2, sigmas_[i], 0.0, slot_head_[m2]});
        slot_head_[m2] = id;
      }
      kernels_[id].weight += weights_[i];
      kernel_of_[i] = id;
    }

    // p(v) = sum over kernels of W * mass(cell v) / Z, from the shared Phi tables.
    pmf_.assign(k, 0.0);
    if (for_sampling) cell_cdf_.resize(kernels_.size() * k);
    const auto kk = static_cast<std::ptrdiff_t>(k);
    for (std::size_t u = 0; u < kernels_.size(); ++u) {
      const auto& kn = kernels_[u];
      const std::size_t off = cache.table(k, kn.sigma);
      const auto h0 = -1 - static_cast<std::ptrdiff_t>(kn.m2);  // h of boundary j is h0 + 2j
      const auto& ta = cache.at(off, k, kn.sigma, h0);
      const auto& tb = cache.at(off, k, kn.sigma, h0 + 2 * kk);
      const double z = gauss_mass(ta, tb, static_cast<double>(h0), static_cast<double>(h0 + 2 * kk));
      const double scale = kn.weight / z;
      double cum = 0;
      const normal_tails* lo = &ta;
      for (std::ptrdiff_t v = 0; v < kk; ++v) {
        const std::ptrdiff_t hl = h0 + 2 * v, hh = hl + 2;
        const normal_tails* hi = &cache.at(off, k, kn.sigma, hh);
        const double mass = gauss_mass(*lo, *hi, static_cast<double>(hl), static_cast<double>(hh));
        pmf_[static_cast<std::size_t>(v)] += scale * mass;
        if (for_sampling) {
          cum += mass / z;
          cell_cdf_[u * k + static_cast<std::size_t>(v)] = cum;
        }
        lo = hi;
      }
    }
    log_pmf_.resize(k);
    for (std::size_t v = 0; v < k; ++v) {
      // Underflow (only possible without the prior's wide kernel): redo in log space.
      log_pmf_[v] = pmf_[v] > 1e-280 ? std::log(pmf_[v]) : exact_log_pmf(v);
    }

    if (for_sampling) {
      component_cdf_.resize(nc);
      double c = 0;
      for (std::size_t i = 0; i < nc; ++i) component_cdf_[i] = (c += weights_[i]);
      for (std::size_t i = 0; i < nc; ++i) component_cdf_[i] /= c;
    }
  }

  /// log l(v) for every choice v (size K).
  std::span<const double> log_pmf() const { return log_pmf_; }

  /// Draws `n` candidates as Optuna does: numpy choice(p = weights) for the components, then
  /// one uniform per candidate through the kernel's truncated-normal inverse CDF, rounded to
  /// the nearest choice; here the rounding is a search of the kernel's cell cdf.
  void sample(numpy_rng& rng, std::size_t n, std::vector<std::size_t>& out) const {
    out.resize(n);
    for (std::size_t c = 0; c < n; ++c) out[c] = pick_component(rng.random_sample());
    for (std::size_t c = 0; c < n; ++c) out[c] = cell_of(kernel_of_[out[c]], rng.random_sample());
  }

  /// The component numpy's choice(p = weights) returns for the uniform `u`.
  std::size_t pick_component(double u) const {
    return static_cast<std::size_t>(
        std::upper_bound(component_cdf_.begin(), component_cdf_.end(), u) - component_cdf_.begin());
  }

  /// The choice that kernel `kernel` maps the uniform `u` to.
  std::size_t cell_of(std::size_t kid, double u) const {
    const double* row = cell_cdf_.data() + kid * k_;
    std::size_t v = 0;
    while (v + 1 < k_ && row[v] <= u) ++v;
    return v;
  }

  std::size_t n_components() const { return weights_.size(); }
  std::size_t kernel_of(std::size_t component) const { return kernel_of_[component]; }
  std::span<const double> weights() const { return weights_; }
  std::span<const double> mus() const { return mus_; }
  std::span<const double> sigmas() const { return sigmas_; }

 private:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  struct kernel {
    std::size_t m2;  // twice the mean
    double sigma;
    double weight;
    std::size_t next;  // next kernel with the same mean
  };

  bool tie_order_matters(std::span<const double> w, bool prior) const {
    for (double x : w)
      if (x != w[0]) return true;
    if (!prior) return false;
    const std::uint32_t pc = codes_.back();
    for (std::size_t i = 0; i + 1 < codes_.size(); ++i)
      if (codes_[i] == pc) return true;
    return false;
  }

  double exact_log_pmf(std::size_t v) const {
    const double low = -0.5, high = static_cast<double>(k_) - 0.5;
    const double x = static_cast<double>(v);
    double best = -std::numeric_limits<double>::infinity();
    std::vector<double> terms;
    for (const auto& kn : kernels_) {
      const double mu = 0.5 * static_cast<double>(kn.m2);
      const double t = std::log(kn.weight) +
                       log_gauss_mass((std::max(x - 0.5, low) - mu) / kn.sigma,
                                      (std::min(x + 0.5, high) - mu) / kn.sigma) -
                       log_gauss_mass((low - mu) / kn.sigma, (high - mu) / kn.sigma);
      terms.push_back(t);
      best = std::max(best, t);
    }
    if (!std::isfinite(best)) return best;
    double s = 0;
    for (double t : terms) s += std::exp(t - best);
    return std::log(s) + best;
  }

  std::size_t k_ = 0;
  std::vector<double> weights_, mus_, sorted_, sigmas_, pmf_, log_pmf_, cell_cdf_, component_cdf_;
  std::vector<std::size_t> order_, kernel_of_, slot_head_, counts_;
  std::vector<std::uint32_t> codes_, scratch_;
  std::vector<std::uint64_t> words_;
  std::vector<kernel> kernels_;
};

/// Optuna 3.1's multivariate Parzen estimator over D integer parameters: one shared mixture
/// component per observation, each dimension with the Scott-like bandwidth
/// 0.2 * max(m, 1)^(-1 / (D + 4)) * K_d (clipped like the univariate one); the prior keeps K_d.
class mv_int_parzen {
 public:
  /// `obs` is row-major, one row of D choice indexes per observation, in Optuna's order.
  void build(std::span<const std::size_t> obs, std::span<const double> w,
             std::span<const std::size_t> ks, const parzen_options& opt) {
    d_ = ks.size();
    const std::size_t m = w.size();
    const bool prior = opt.consider_prior || m == 0;
    const std::size_t nc = m + (prior ? 1 : 0);
    weights_.assign(w.begin(), w.end());
    if (prior) weights_.push_back(opt.prior_weight);
    double total = 0;
    for (double x : weights_) total += x;
    for (double& x : weights_) x /= total;
    log_weights_.resize(nc);
    for (std::size_t i = 0; i < nc; ++i) log_weights_[i] = std::log(weights_[i]);
    component_cdf_.resize(nc);
    double c = 0;
    for (std::size_t i = 0; i < nc; ++i) component_cdf_[i] = (c += weights_[i]);
    for (std::size_t i = 0; i < nc; ++i) component_cdf_[i] /= c;

    // Slot K_d of dimension d is the prior kernel; slot v < K_d the observation kernel at v.
    slots_.resize(nc * d_);
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < d_; ++j) slots_[i * d_ + j] = obs[i * d_ + j];
    if (prior)
      for (std::size_t j = 0; j < d_; ++j) slots_[m * d_ + j] = ks[j];

    const double sigma0 =
        0.2 * std::pow(static_cast<double>(std::max<std::size_t>(m, 1)),
                       -1.0 / (static_cast<double>(d_) + 4.0));
    offsets_.resize(d_ + 1);
    ks_.assign(ks.begin(), ks.end());
    std::size_t total_cells = 0;
    for (std::size_t j = 0; j < d_; ++j) {
      offsets_[j] = total_cells;
      total_cells += (ks[j] + 1) * ks[j];
    }
    offsets_[d_] = total_cells;
    log_mass_.resize(total_cells);
    cell_cdf_.resize(total_cells);
    for (std::size_t j = 0; j < d_; ++j) {
      const std::size_t k = ks[j];
      const double low = -0.5, high = static_cast<double>(k) - 0.5, range = high - low;
      const double min_sigma =
          opt.consider_magic_clip ? range / std::min(100.0, 1.0 + static_cast<double>(nc)) : 1e-12;
      const double obs_sigma = std::clamp(sigma0 * range, min_sigma, range);
      for (std::size_t slot = 0; slot <= k; ++slot) {
        const double mu = slot == k ? 0.5 * (low + high) : static_cast<double>(slot);
        const double sigma = slot == k ? range : obs_sigma;
        const double log_z = log_gauss_mass((low - mu) / sigma, (high - mu) / sigma);
        double cum = 0;
        for (std::size_t v = 0; v < k; ++v) {
          const double x = static_cast<double>(v);
          const double lm = log_gauss_mass((std::max(x - 0.5, low) - mu) / sigma,
                                           (std::min(x + 0.5, high) - mu) / sigma) - log_z;
          log_mass_[offsets_[j] + slot * k + v] = lm;
          cell_cdf_[offsets_[j] + slot * k + v] = (cum += std::exp(lm));
        }
      }
    }
    acc_.resize(nc);
  }

  /// Optuna's sample(): numpy choice(p = weights) for C components, then per dimension one
  /// uniform batch of C. `out` becomes C rows of D choice indexes.
  void sample(numpy_rng& rng, std::size_t n, std::vector<std::size_t>& active,
              std::vector<std::size_t>& out) const {
    active.resize(n);
    for (std::size_t c = 0; c < n; ++c) {
      const double u = rng.random_sample();
      active[c] = static_cast<std::size_t>(
          std::upper_bound(component_cdf_.begin(), component_cdf_.end(), u) -
          component_cdf_.begin());
    }
    out.resize(n * d_);
    for (std::size_t j = 0; j < d_; ++j) {
      const std::size_t k = ks_[j];
      for (std::size_t c = 0; c < n; ++c) {
        const double u = rng.random_sample();
        const double* row = cell_cdf_.data() + offsets_[j] + slots_[active[c] * d_ + j] * k;
        std::size_t v = 0;
        while (v + 1 < k && row[v] <= u) ++v;
        out[c * d_ + j] = v;
      }
    }
  }

  /// log density (mass) of one joint candidate `x` (D choice indexes).
  double log_pdf(std::span<const std::size_t> x) {
    const std::size_t nc = weights_.size();
    double best = -std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < nc; ++i) {
      const std::size_t* slot = slots_.data() + i * d_;
      double s = 0;
      for (std::size_t j = 0; j < d_; ++j) s += log_mass_[offsets_[j] + slot[j] * ks_[j] + x[j]];
      s += log_weights_[i];
      acc_[i] = s;
      best = std::max(best, s);
    }
    if (!std::isfinite(best)) return best;
    double sum = 0;
    for (std::size_t i = 0; i < nc; ++i) sum += std::exp(acc_[i] - best);
    return std::log(sum) + best;
  }

 private:
  std::size_t d_ = 0;
  std::vector<double> weights_, log_weights_, component_cdf_, log_mass_, cell_cdf_, acc_;
  std::vector<std::size_t> slots_, offsets_, ks_;
};

}  // namespace mixprec::detail
