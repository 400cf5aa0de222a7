// NSGA-III (Deb and Jain 2014) as Optuna's NSGAIIISampler: NSGA-II's generations, tournament,
// crossover and mutation, with the overflowing front chosen by niching around Das-Dennis
// reference directions on normalised objectives instead of crowding distance.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <mixprec/error.hpp>
#include <mixprec/random.hpp>
#include <mixprec/samplers/detail/genetic.hpp>
#include <mixprec/search/pareto.hpp>
#include <mixprec/search/sampler.hpp>
#include <mixprec/search/trial.hpp>

namespace mixprec {

/// NSGA-III's parameters, with Optuna's defaults.
struct nsga3_params {
  std::size_t population_size = 50;
  std::optional<double> mutation_prob;
  crossover_params crossover;
  double crossover_prob = 0.9;
  double swapping_prob = 0.5;
  tournament_kind tournament = tournament_kind::dominance;
  std::uint64_t seed = 0;
  /// Reference directions, one per row with one entry per objective; empty means Das-Dennis
  /// points with `dividing_parameter` divisions.
  std::vector<std::vector<double>> reference_points;
  std::size_t dividing_parameter = 3;
};

/// Throws config_error naming the offending field ("nsgaiii.<field>"), its value and the rule.
inline void validate(const nsga3_params& p) {
  detail::validate_genetic({p.population_size, p.mutation_prob, p.crossover, p.crossover_prob,
                            p.swapping_prob, p.tournament, p.seed},
                           "nsgaiii");
  if (p.dividing_parameter < 1)
    throw config_error("nsgaiii.dividing_parameter = " + std::to_string(p.dividing_parameter) +
                       ": must be >= 1");
  for (std::size_t i = 0; i < p.reference_points.size(); ++i) {
    const auto& r = p.reference_points[i];
    const std::string field = "nsgaiii.reference_points[" + std::to_string(i) + "]";
    if (r.empty()) throw config_error(field + " is empty: expected one entry per objective");
    if (r.size() != p.reference_points[0].size())
      throw config_error(field + " has " + std::to_string(r.size()) +
                         " entries: expected " + std::to_string(p.reference_points[0].size()) +
                         " like reference_points[0]");
    bool nonzero = false;
    for (double v : r) {
      if (!(std::isfinite(v) && v >= 0))
        throw config_error(field + " has entry " + detail::format_double(v) +
                           ": entries must be finite and >= 0");
      nonzero = nonzero || v > 0;
    }
    if (!nonzero) throw config_error(field + " is all zeros: a direction needs an entry > 0");
  }
}

/// Das-Dennis reference points: every vector of `n_objectives` non-negative integers summing to
/// `divisions` (C(divisions + M - 1, M - 1) of them), in the order Optuna builds them (multisets
/// of objectives in lexicographic order). Not divided by `divisions`: only directions matter.
inline std::vector<std::vector<double>> das_dennis_points(std::size_t n_objectives,
                                                          std::size_t divisions) {
  std::vector<std::vector<double>> out;
  if (n_objectives == 0) return out;
  std::vector<std::size_t> combo(divisions, 0);  // non-decreasing objective indexes
  while (true) {
    std::vector<double> p(n_objectives, 0.0);
    for (std::size_t c : combo) p[c] += 1.0;
    out.push_back(std::move(p));
    // Next combination with replacement.
    std::size_t i = divisions;
    while (i > 0 && combo[i - 1] == n_objectives - 1) --i;
    if (i == 0) break;
    const std::size_t v = combo[i - 1] + 1;
    for (std::size_t j = i - 1; j < divisions; ++j) combo[j] = v;
  }
  return out;
}

namespace detail {

/// Solves a x = b (n x n) by Gaussian elimination with partial pivoting; nullopt if singular.
inline std::optional<std::vector<double>> solve_linear(std::vector<std::vector<double>> a,
                                                       std::vector<double> b) {
  const std::size_t n = b.size();
  double scale = 0;
  for (const auto& r : a)
    for (double v : r) scale = std::max(scale, std::abs(v));
  if (!(scale > 0) || !std::isfinite(scale)) return std::nullopt;
  for (std::size_t c = 0; c < n; ++c) {
    std::size_t piv = c;
    for (std::size_t r = c + 1; r < n; ++r)
      if (std::abs(a[r][c]) > std::abs(a[piv][c])) piv = r;
    if (std::abs(a[piv][c]) <= 1e-12 * scale) return std::nullopt;
    std::swap(a[piv], a[c]);
    std::swap(b[piv], b[c]);
    for (std::size_t r = c + 1; r < n; ++r) {
      const double f = a[r][c] / a[c][c];
      for (std::size_t k = c; k < n; ++k) a[r][k] -= f * a[c][k];
      b[r] -= f * b[c];
    }
  }
  std::vector<double> x(n);
  for (std::size_t c = n; c-- > 0;) {
    double s = b[c];
    for (std::size_t k = c + 1; k < n; ++k) s -= a[c][k] * x[k];
    x[c] = s / a[c][c];
  }
  return x;
}

/// NSGA-III normalisation of loss vectors: clip infinities to 3 finite ranges beyond the finite
/// extremes, translate by the ideal point, scale by the intercepts of the hyperplane through the
/// extreme points (ASF with weights 1e6 off-axis), or by the per-objective max when those are
/// degenerate (a max of 0 counts as 1).
inline std::vector<std::vector<double>> nsga3_normalize(std::vector<std::vector<double>> f) {
  if (f.empty()) return f;
  const std::size_t m = f[0].size();
  for (std::size_t k = 0; k < m; ++k) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const auto& r : f)
      if (std::isfinite(r[k])) {
        lo = std::min(lo, r[k]);
        hi = std::max(hi, r[k]);
      }
    if (lo > hi) lo = hi = 0;  // no finite value at all
    const double range = hi - lo;
    for (auto& r : f) r[k] = std::clamp(r[k], lo - 3 * range, hi + 3 * range);
    double mn = std::numeric_limits<double>::infinity();
    for (const auto& r : f) mn = std::min(mn, r[k]);
    for (auto& r : f) r[k] -= mn;
  }
  std::vector<std::vector<double>> extremes;
  for (std::size_t k = 0; k < m; ++k) {
    std::size_t best = 0;
    double best_asf = std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < f.size(); ++i) {
      double asf = -std::numeric_limits<double>::infinity();
      for (std::size_t j = 0; j < m; ++j) asf = std::max(asf, f[i][j] * (j == k ? 1.0 : 1e6));
      if (asf < best_asf) {
        best_asf = asf;
        best = i;
      }
    }
    extremes.push_back(f[best]);
  }
  std::optional<std::vector<double>> x;
  if (f.size() >= m) x = solve_linear(extremes, std::vector<double>(m, 1.0));
  if (x) {
    for (auto& r : f)
      for (std::size_t k = 0; k < m; ++k) r[k] *= std::isfinite((*x)[k]) ? (*x)[k] : 1.0;
  } else {
    for (std::size_t k = 0; k < m; ++k) {
      double mx = 0;
      for (const auto& r : f) mx = std::max(mx, r[k]);
      if (mx == 0) mx = 1;
      for (auto& r : f) r[k] /= mx;
    }
  }
  return f;
}

/// NSGA-III survivor selection (see nsga3_sampler). `niche_rng` drives the niching shuffles.
inline std::vector<std::size_t> nsga3_survivors(std::span<const std::vector<double>> losses,
                                                std::size_t population_size,
                                                const std::vector<std::vector<double>>& refs,
                                                numpy_rng& niche_rng) {
  std::vector<std::size_t> elite;
  for (auto& front : non_dominated_fronts(losses)) {
    if (elite.size() + front.size() < population_size) {
      elite.insert(elite.end(), front.begin(), front.end());
      continue;
    }
    const std::size_t n_required = population_size - elite.size();
    const std::size_t n_elite = elite.size();
    std::vector<std::size_t> target = elite;
    target.insert(target.end(), front.begin(), front.end());
    std::vector<std::vector<double>> f;
    for (std::size_t i : target) f.push_back(losses[i]);
    if (!refs.empty() && refs[0].size() != f[0].size())
      throw shape_error("nsgaiii.reference_points have " + std::to_string(refs[0].size()) +
                        " entries per point: the study has " + std::to_string(f[0].size()) +
                        " objectives");
    f = nsga3_normalize(std::move(f));
    // Association: nearest reference line by perpendicular distance.
    std::vector<std::size_t> closest(f.size());
    std::vector<double> distance(f.size());
    for (std::size_t i = 0; i < f.size(); ++i) {
      double best = std::numeric_limits<double>::infinity();
      for (std::size_t j = 0; j < refs.size(); ++j) {
        double ww = 0, fw = 0;
        for (std::size_t k = 0; k < refs[j].size(); ++k) {
          ww += refs[j][k] * refs[j][k];
          fw += f[i][k] * refs[j][k];
        }
        double d2 = 0;
        for (std::size_t k = 0; k < refs[j].size(); ++k) {
          const double o = f[i][k] - fw / ww * refs[j][k];
          d2 += o * o;
        }
        const double d = std::sqrt(d2);
        if (d < best) {
          best = d;
          closest[i] = j;
        }
      }
      distance[i] = best;
    }
    // Niching: directions with members in the last front, least crowded (rho) first.
    std::vector<std::size_t> rho(refs.size(), 0);
    for (std::size_t i = 0; i < n_elite; ++i) ++rho[closest[i]];
    std::vector<std::vector<std::size_t>> members(refs.size());
    for (std::size_t i = n_elite; i < f.size(); ++i) members[closest[i]].push_back(i);
    std::map<std::size_t, std::vector<std::size_t>> buckets;
    for (std::size_t j = 0; j < refs.size(); ++j)
      if (!members[j].empty()) buckets[rho[j]].push_back(j);
    std::map<std::size_t, bool> bucket_shuffled;
    std::vector<bool> members_shuffled(refs.size(), false);
    std::vector<std::size_t> picked;
    while (picked.size() < n_required && !buckets.empty()) {
      auto it = buckets.begin();
      if (it->second.empty()) {
        buckets.erase(it);
        continue;
      }
      if (!bucket_shuffled[it->first]) {
        niche_rng.shuffle(std::span<std::size_t>(it->second));
        bucket_shuffled[it->first] = true;
      }
      const std::size_t r = it->first;
      const std::size_t j = it->second.back();
      it->second.pop_back();
      auto& mem = members[j];
      std::size_t chosen;
      if (r == 0) {
        auto best = std::min_element(mem.begin(), mem.end(), [&](std::size_t a, std::size_t b) {
          return distance[a] != distance[b] ? distance[a] < distance[b] : a < b;
        });
        chosen = *best;
        mem.erase(best);
      } else {
        if (!members_shuffled[j]) {
          niche_rng.shuffle(std::span<std::size_t>(mem));
          members_shuffled[j] = true;
        }
        chosen = mem.back();
        mem.pop_back();
      }
      picked.push_back(target[chosen]);
      if (!mem.empty()) buckets[r + 1].push_back(j);
    }
    elite.insert(elite.end(), picked.begin(), picked.end());
    break;
  }
  return elite;
}

}  // namespace detail

/// Optuna's NSGAIIISampler (3.2+) over choice indexes. Generations, tournament, crossover and
/// mutation are NSGA-II's (see nsga2_sampler). For the front that overflows the population:
/// objectives of the elites plus that front are normalised (ideal point, extreme-point
/// intercepts), each individual is associated with its nearest reference direction, and
/// members are taken niche by niche, least represented directions first (ties shuffled).
/// Unlike Optuna, normalisation works on losses (maximised objectives negated), so "ideal" is
/// the best point for every direction; for all-minimise studies this is the same.
/// The niching of generation g draws from its own stream numpy_rng{mix_seed(seed', g)}, so the
/// parent populations are a pure function of the history.
class nsga3_sampler {
 public:
  explicit nsga3_sampler(nsga3_params p = {}) : params_(std::move(p)) { validate(params_); }

  std::vector<std::size_t> ask(const sample_context& ctx) {
    const auto refs = reference_points(ctx.directions.size());
    const detail::genetic_options o{params_.population_size, params_.mutation_prob,
                                    params_.crossover,       params_.crossover_prob,
                                    params_.swapping_prob,   params_.tournament,
                                    params_.seed};
    return detail::genetic_ask(o, ctx, cache_, survivors(refs), "nsgaiii");
  }

  /// Nothing to record: everything is derived from the history at ask time.
  void tell(const trial&) {}

  std::string_view name() const { return "nsgaiii"; }
  const nsga3_params& params() const { return params_; }

  /// The reference directions used for `n_objectives` objectives.
  std::vector<std::vector<double>> reference_points(std::size_t n_objectives) const {
    if (!params_.reference_points.empty()) return params_.reference_points;
    return das_dennis_points(n_objectives, params_.dividing_parameter);
  }

  /// The parent population (trial numbers) children of the next asked trial come from.
  std::vector<std::size_t> parent_population(const sample_context& ctx) {
    std::vector<const trial*> complete;
    std::vector<std::vector<double>> losses;
    detail::collect_complete(ctx, "nsgaiii", complete, losses);
    std::vector<std::size_t> out;
    for (std::size_t i : cache_.parents_for(complete, losses, params_.population_size,
                                            survivors(reference_points(ctx.directions.size()))))
      out.push_back(complete[i]->number);
    return out;
  }

 private:
  detail::survivor_fn survivors(std::vector<std::vector<double>> refs) const {
    const std::uint64_t niche_seed = mix_seed(params_.seed, 0x6e69636865ULL);  // "niche"
    return [refs = std::move(refs), niche_seed](std::span<const std::vector<double>> l,
                                                std::size_t n, std::size_t generation) {
      numpy_rng rng{mix_seed(niche_seed, generation)};
      return detail::nsga3_survivors(l, n, refs, rng);
    };
  }

  nsga3_params params_;
  detail::generation_cache cache_;
};
static_assert(Sampler<nsga3_sampler>);

}  // namespace mixprec
