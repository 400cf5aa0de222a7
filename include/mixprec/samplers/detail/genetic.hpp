// Machinery shared by the genetic samplers (NSGA-II, NSGA-III): Optuna's uniform random index
// draw, the crossover operators on integer indexes, generations recomputed from the history,
// and child generation (tournament, crossover, drop-mutation). Private: no stability promise.
#pragma once
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <mixprec/error.hpp>
#include <mixprec/random.hpp>
#include <mixprec/search/pareto.hpp>
#include <mixprec/search/trial.hpp>

namespace mixprec {

/// The crossover operators of Optuna's NSGA-II (`optuna.samplers.nsgaii`).
enum class crossover_kind { uniform, blxalpha, sbx, vsbx, undx, spx };

constexpr std::string_view to_string(crossover_kind k) {
  switch (k) {
    case crossover_kind::uniform: return "uniform";
    case crossover_kind::blxalpha: return "blxalpha";
    case crossover_kind::sbx: return "sbx";
    case crossover_kind::vsbx: return "vsbx";
    case crossover_kind::undx: return "undx";
    case crossover_kind::spx: return "spx";
  }
  return "?";
}

/// Parses a crossover name ("uniform", "blxalpha", "sbx", "vsbx", "undx", "spx"); anything else
/// is a config_error naming `field` and the value.
inline crossover_kind parse_crossover(std::string_view s, std::string_view field = "crossover") {
  for (auto k : {crossover_kind::uniform, crossover_kind::blxalpha, crossover_kind::sbx,
                 crossover_kind::vsbx, crossover_kind::undx, crossover_kind::spx})
    if (s == to_string(k)) return k;
  throw config_error(std::string(field) + " = \"" + std::string(s) +
                     "\": expected one of \"uniform\", \"blxalpha\", \"sbx\", \"vsbx\", \"undx\", "
                     "\"spx\"");
}

/// A crossover operator and its options, with Optuna's defaults.
struct crossover_params {
  crossover_kind kind = crossover_kind::uniform;
  /// BLX-alpha's alpha.
  double alpha = 0.5;
  /// SBX / vSBX distribution index; unset means 20 with several objectives, else 2 (Optuna).
  std::optional<double> eta;
  /// UNDX's sigma_xi and sigma_eta (unset: 0.35 / sqrt(n_params)).
  double sigma_xi = 0.5;
  std::optional<double> sigma_eta;
  /// SPX's expansion rate (unset: sqrt(n_params + 2)).
  std::optional<double> epsilon;
};

/// How a parent is picked from two random candidates.
enum class tournament_kind {
  /// Optuna's: the first candidate if it dominates the second, otherwise the second.
  dominance,
  /// Classic NSGA-II: lower non-dominated rank wins, then larger crowding distance, then the
  /// second candidate.
  rank_crowding,
};

namespace detail {

/// Optuna's RandomSampler for suggest_int(0, k - 1): one uniform(-0.5, k - 0.5) double, rounded
/// half-to-even and clipped. A single choice consumes no draw (Optuna never asks the sampler).
inline std::size_t random_index(numpy_rng& rng, std::size_t k) {
  if (k <= 1) return 0;
  const double x = rng.uniform(-0.5, static_cast<double>(k) - 0.5);
  const double r = std::clamp(std::nearbyint(x), 0.0, static_cast<double>(k - 1));
  return static_cast<std::size_t>(r);
}

/// Maps a crossed-over float back to an index: round half-to-even, clip (Optuna's untransform).
inline std::size_t untransform_index(double x, std::size_t k) {
  if (std::isnan(x)) return 0;
  return static_cast<std::size_t>(std::clamp(std::nearbyint(x), 0.0, static_cast<double>(k - 1)));
}

inline std::size_t crossover_n_parents(crossover_kind k) {
  return k == crossover_kind::undx || k == crossover_kind::spx ? 3 : 2;
}

/// Shortest round-trip text of a double, for error messages ("0.1", "2", "inf").
inline std::string format_double(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

inline void check_unit(double v, const std::string& field) {
  if (!(v >= 0.0 && v <= 1.0))
    throw config_error(field + " = " + format_double(v) + ": must be in [0, 1]");
}

inline void check_positive(std::optional<double> v, const std::string& field) {
  if (v && !(*v > 0.0 && std::isfinite(*v)))
    throw config_error(field + " = " + format_double(*v) + ": must be finite and > 0");
}

inline void validate_crossover(const crossover_params& c, const std::string& prefix) {
  if (!(c.alpha >= 0.0 && std::isfinite(c.alpha)))
    throw config_error(prefix + ".alpha = " + format_double(c.alpha) +
                       ": must be finite and >= 0");
  if (!(c.sigma_xi >= 0.0 && std::isfinite(c.sigma_xi)))
    throw config_error(prefix + ".sigma_xi = " + format_double(c.sigma_xi) +
                       ": must be finite and >= 0");
  check_positive(c.eta, prefix + ".eta");
  check_positive(c.sigma_eta, prefix + ".sigma_eta");
  check_positive(c.epsilon, prefix + ".epsilon");
}

/// Orthonormal basis of the complement of unit vector `e` in R^n (n - 1 vectors), by modified
/// Gram-Schmidt over e, e_2, ..., e_n, e_1 (UNDX's subspace orthogonal to the primary line).
inline std::vector<std::vector<double>> orthogonal_complement(const std::vector<double>& e) {
  const std::size_t n = e.size();
  std::vector<std::vector<double>> basis;
  auto try_add = [&](std::vector<double> v) {
    for (int pass = 0; pass < 2; ++pass)  // twice, for numerical orthogonality
      for (const auto& b : basis) {
        double dot = 0;
        for (std::size_t i = 0; i < n; ++i) dot += v[i] * b[i];
        for (std::size_t i = 0; i < n; ++i) v[i] -= dot * b[i];
      }
    double norm = 0;
    for (double x : v) norm += x * x;
    norm = std::sqrt(norm);
    if (norm < 1e-10) return;
    for (double& x : v) x /= norm;
    basis.push_back(std::move(v));
  };
  if (std::all_of(e.begin(), e.end(), [](double x) { return x == 0.0; })) {
    // No primary line: Optuna's basis is then the identity without its first row.
    for (std::size_t k = 1; k < n; ++k) {
      std::vector<double> unit(n, 0.0);
      unit[k] = 1.0;
      basis.push_back(std::move(unit));
    }
    return basis;
  }
  try_add(e);
  for (std::size_t k = 1; k <= n && basis.size() < n; ++k) {
    std::vector<double> unit(n, 0.0);
    unit[k % n] = 1.0;
    try_add(std::move(unit));
  }
  basis.erase(basis.begin());
  return basis;
}

/// One child from `parents` (index vectors as doubles, bounds [-0.5, k - 0.5]) by operator `c`,
/// drawing from `rng` as Optuna's operators do (`n_objectives` picks SBX's default eta).
inline std::vector<double> crossover(const crossover_params& c, double swapping_prob,
                                     const std::vector<std::vector<double>>& parents,
                                     const std::vector<double>& lo, const std::vector<double>& hi,
                                     std::size_t n_objectives, numpy_rng& rng) {
  const std::size_t n = lo.size();
  const auto& p0 = parents[0];
  const auto& p1 = parents[1];
  std::vector<double> child(n);
  const double eta = c.eta.value_or(n_objectives > 1 ? 20.0 : 2.0);
  // SBX and vSBX end with the same per-parameter pick among two offspring and two parents.
  auto pick = [&](const std::vector<double>& c1, const std::vector<double>& c2) {
    for (std::size_t i = 0; i < n; ++i) {
      if (rng.random_sample() < 0.5)
        child[i] = rng.random_sample() < 0.5 ? c1[i] : c2[i];
      else
        child[i] = rng.random_sample() < 0.5 ? p0[i] : p1[i];
    }
  };
  switch (c.kind) {
    case crossover_kind::uniform:
      for (std::size_t i = 0; i < n; ++i)
        child[i] = rng.random_sample() >= swapping_prob ? p1[i] : p0[i];
      break;
    case crossover_kind::blxalpha: {
      std::vector<double> r(n);
      for (double& v : r) v = rng.random_sample();
      for (std::size_t i = 0; i < n; ++i) {
        const double mn = std::min(p0[i], p1[i]), mx = std::max(p0[i], p1[i]);
        const double d = c.alpha * (mx - mn);
        child[i] = (mx + d - (mn - d)) * r[i] + (mn - d);
      }
      break;
    }
    case crossover_kind::sbx: {
      std::vector<double> us(n), c1(n), c2(n);
      for (double& v : us) v = rng.random_sample();
      for (std::size_t i = 0; i < n; ++i) {
        const double mn = std::min(p0[i], p1[i]), mx = std::max(p0[i], p1[i]);
        const double diff = std::max(mx - mn, 1e-10);
        const double beta1 = 1 + 2 * (mn - lo[i]) / diff;
        const double beta2 = 1 + 2 * (hi[i] - mx) / diff;
        const double alpha1 = 2 - std::pow(beta1, -(eta + 1));
        const double alpha2 = 2 - std::pow(beta2, -(eta + 1));
        const double bq1 = us[i] > 1 / alpha1 ? std::pow(1 / (2 - us[i] * alpha1), 1 / (eta + 1))
                                              : std::pow(us[i] * alpha1, 1 / (eta + 1));
        const double bq2 = us[i] > 1 / alpha2 ? std::pow(1 / (2 - us[i] * alpha2), 1 / (eta + 1))
                                              : std::pow(us[i] * alpha2, 1 / (eta + 1));
        c1[i] = 0.5 * ((mn + mx) - bq1 * diff);
        c2[i] = 0.5 * ((mn + mx) + bq2 * diff);
      }
      pick(c1, c2);
      break;
    }
    case crossover_kind::vsbx: {
      std::vector<double> us(n), c1(n), c2(n);
      for (double& v : us) v = rng.random_sample();
      for (std::size_t i = 0; i < n; ++i) {
        const double b1 = std::pow(0.5 * us[i], 1 / (eta + 1));
        const double b2 = std::pow(0.5 * (1 - us[i]), 1 / (eta + 1));
        if (us[i] > 0.5) {
          c1[i] = 0.5 * ((1 - b1) * p0[i] + (1 + b1) * p1[i]);
          c2[i] = 0.5 * (-(1 - b2) * p0[i] + (3 - b2) * p1[i]);
        } else {
          c1[i] = 0.5 * ((1 + b1) * p0[i] + (1 - b1) * p1[i]);
          c2[i] = 0.5 * ((3 - b2) * p0[i] - (1 - b2) * p1[i]);
        }
      }
      pick(c1, c2);
      break;
    }
    case crossover_kind::undx: {
      const auto& p2 = parents[2];
      const double sigma_eta = c.sigma_eta.value_or(0.35 / std::sqrt(static_cast<double>(n)));
      // Optuna passes sigma^2 as numpy's scale; kept so the spread matches.
      std::vector<double> etas(n);
      for (double& v : etas) v = sigma_eta * sigma_eta * rng.standard_normal();
      const double xi = c.sigma_xi * c.sigma_xi * rng.standard_normal();
      std::vector<double> e12(n);
      double m12 = 0;
      for (std::size_t i = 0; i < n; ++i) {
        e12[i] = p1[i] - p0[i];
        m12 += e12[i] * e12[i];
      }
      m12 = std::max(std::sqrt(m12), 1e-10);
      for (double& v : e12) v /= m12;
      for (std::size_t i = 0; i < n; ++i) child[i] = (p0[i] + p1[i]) / 2 + xi * (p0[i] - p1[i]);
      if (n > 1) {
        // Distance of the third parent from the primary line.
        std::vector<double> v13(n);
        double dot = 0;
        for (std::size_t i = 0; i < n; ++i) {
          v13[i] = p2[i] - p0[i];
          dot += v13[i] * e12[i];
        }
        double dist = 0;
        for (std::size_t i = 0; i < n; ++i) {
          const double o = v13[i] - dot * e12[i];
          dist += o * o;
        }
        dist = std::sqrt(dist);
        const auto es = orthogonal_complement(e12);
        for (std::size_t k = 0; k + 1 < n && k < es.size(); ++k)
          for (std::size_t i = 0; i < n; ++i) child[i] += dist * etas[k] * es[k][i];
      }
      break;
    }
    case crossover_kind::spx: {
      const std::size_t np = parents.size();
      const double eps = c.epsilon.value_or(std::sqrt(static_cast<double>(n) + 2.0));
      std::vector<double> rs(np - 1);
      for (std::size_t k = 0; k < rs.size(); ++k)
        rs[k] = std::pow(rng.random_sample(), 1.0 / static_cast<double>(k + 1));
      for (std::size_t i = 0; i < n; ++i) {
        double g = 0;
        for (const auto& p : parents) g += p[i];
        g /= static_cast<double>(np);
        std::vector<double> xk(np);
        for (std::size_t k = 0; k < np; ++k) xk[k] = g + eps * (parents[k][i] - g);
        double ck = 0;
        for (std::size_t k = 1; k < np; ++k) ck = rs[k - 1] * (xk[k - 1] - xk[k] + ck);
        child[i] = xk[np - 1] + ck;
      }
      break;
    }
  }
  return child;
}

/// Options every genetic sampler shares.
struct genetic_options {
  std::size_t population_size = 50;
  std::optional<double> mutation_prob;
  crossover_params crossover;
  double crossover_prob = 0.9;
  double swapping_prob = 0.5;
  tournament_kind tournament = tournament_kind::dominance;
  std::uint64_t seed = 0;
};

inline void validate_genetic(const genetic_options& o, const std::string& prefix) {
  const std::size_t need = std::max<std::size_t>(2, crossover_n_parents(o.crossover.kind));
  if (o.population_size < need)
    throw config_error(prefix + ".population_size = " + std::to_string(o.population_size) +
                       ": must be >= " + std::to_string(need) + " (crossover \"" +
                       std::string(to_string(o.crossover.kind)) + "\" needs " +
                       std::to_string(crossover_n_parents(o.crossover.kind)) + " parents)");
  if (o.mutation_prob) check_unit(*o.mutation_prob, prefix + ".mutation_prob");
  check_unit(o.crossover_prob, prefix + ".crossover_prob");
  check_unit(o.swapping_prob, prefix + ".swapping_prob");
  validate_crossover(o.crossover, prefix + ".crossover");
}

/// Crowding distance of each member of `front` (indexes into `losses`), Optuna's definition:
/// per objective, sorted stably by value, neighbours' gap over the finite range (inf - inf = 0,
/// width <= 0 -> 1), boundary members +inf; summed over objectives. Objectives where every
/// member ties contribute nothing.
inline std::vector<double> crowding_distance(std::span<const std::vector<double>> losses,
                                             std::span<const std::size_t> front) {
  const std::size_t n = front.size();
  std::vector<double> dist(n, 0.0);
  if (n == 0) return dist;
  const std::size_t m = losses[front[0]].size();
  constexpr double inf = std::numeric_limits<double>::infinity();
  std::vector<std::size_t> order(n);
  for (std::size_t k = 0; k < m; ++k) {
    for (std::size_t j = 0; j < n; ++j) order[j] = j;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return losses[front[a]][k] < losses[front[b]][k];
    });
    const double first = losses[front[order[0]]][k], last = losses[front[order[n - 1]]][k];
    if (first == last) continue;
    std::vector<double> vs(n + 2);
    vs[0] = -inf;
    vs[n + 1] = inf;
    for (std::size_t j = 0; j < n; ++j) vs[j + 1] = losses[front[order[j]]][k];
    double vmin = inf, vmax = -inf;
    for (double v : vs)
      if (std::isfinite(v)) {
        vmin = std::min(vmin, v);
        vmax = std::max(vmax, v);
      }
    double width = vmax - vmin;
    if (!(width > 0)) width = 1.0;
    for (std::size_t j = 0; j < n; ++j) {
      const double gap = vs[j] == vs[j + 2] ? 0.0 : vs[j + 2] - vs[j];
      dist[order[j]] += gap / width;
    }
  }
  return dist;
}

/// NSGA-II's crowding-distance truncation of an overflowing front: sort by distance ascending
/// (stable), reverse (so ties go to the later position), keep the first `n`.
inline std::vector<std::size_t> crowding_truncate(std::span<const std::vector<double>> losses,
                                                  std::vector<std::size_t> front, std::size_t n) {
  const auto dist = crowding_distance(losses, front);
  std::vector<std::size_t> order(front.size());
  for (std::size_t j = 0; j < order.size(); ++j) order[j] = j;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return dist[a] < dist[b]; });
  std::reverse(order.begin(), order.end());
  std::vector<std::size_t> out;
  for (std::size_t j = 0; j < n && j < order.size(); ++j) out.push_back(front[order[j]]);
  return out;
}

/// Picks the survivors of a generation: given the candidates' loss vectors (new generation
/// first, then the previous parents), the population size and the generation number, returns
/// the indexes of the survivors (the next parent population), in order.
using survivor_fn = std::function<std::vector<std::size_t>(
    std::span<const std::vector<double>>, std::size_t, std::size_t)>;

/// The parent populations of every complete generation, recomputed from the history and cached
/// (keyed on the complete trials' numbers, params and values, so a changed history is noticed).
class generation_cache {
 public:
  generation_cache() = default;
  generation_cache(const generation_cache& o) : data_(o.snapshot()) {}
  generation_cache(generation_cache&& o) noexcept : data_(std::move(o.data_)) {}
  generation_cache& operator=(const generation_cache& o) {
    if (this != &o) {
      auto d = o.snapshot();
      std::lock_guard lock(*mutex_);
      data_ = std::move(d);
    }
    return *this;
  }

  struct parent_population {
    /// Indexes into the complete trials (number order).
    std::vector<std::size_t> members;
  };

  /// The complete trials of `history` (number order) and the parent population for the asked
  /// trial's generation (empty when the asked trial belongs to generation 0).
  std::vector<std::size_t> parents_for(std::span<const trial* const> complete,
                                       std::span<const std::vector<double>> losses,
                                       std::size_t population_size, const survivor_fn& survive) {
    std::lock_guard lock(*mutex_);
    const std::size_t n_gen = complete.size() / population_size;
    // Keep the cached generations whose trials are unchanged.
    std::size_t valid = 0;
    while (valid < data_.keys.size() && valid < complete.size() &&
           data_.keys[valid].number == complete[valid]->number &&
           data_.keys[valid].params == complete[valid]->params &&
           data_.keys[valid].values == complete[valid]->values)
      ++valid;
    const std::size_t kept_gens = std::min(valid / population_size, data_.parents.size());
    data_.parents.resize(kept_gens);
    data_.keys.resize(kept_gens * population_size);
    for (std::size_t g = kept_gens; g < n_gen; ++g) {
      std::vector<std::size_t> cand;
      for (std::size_t i = g * population_size; i < (g + 1) * population_size; ++i)
        cand.push_back(i);
      if (g > 0) cand.insert(cand.end(), data_.parents[g - 1].begin(), data_.parents[g - 1].end());
      std::vector<std::vector<double>> cand_losses;
      cand_losses.reserve(cand.size());
      for (std::size_t i : cand) cand_losses.push_back(losses[i]);
      std::vector<std::size_t> next;
      for (std::size_t j : survive(cand_losses, population_size, g)) next.push_back(cand[j]);
      data_.parents.push_back(std::move(next));
      for (std::size_t i = g * population_size; i < (g + 1) * population_size; ++i)
        data_.keys.push_back({complete[i]->number, complete[i]->params, complete[i]->values});
    }
    return n_gen == 0 ? std::vector<std::size_t>{} : data_.parents[n_gen - 1];
  }

 private:
  struct key {
    std::size_t number;
    std::vector<std::size_t> params;
    std::vector<double> values;
  };
  struct state {
    std::vector<key> keys;
    std::vector<std::vector<std::size_t>> parents;
  };
  state snapshot() const {
    std::lock_guard lock(*mutex_);
    return data_;
  }
  std::unique_ptr<std::mutex> mutex_ = std::make_unique<std::mutex>();
  state data_;
};

/// Validates the history a genetic sampler reads and returns its complete trials with their
/// loss vectors. A complete trial with the wrong number of params or values is a shape_error.
inline void collect_complete(const sample_context& ctx, const char* who,
                             std::vector<const trial*>& complete,
                             std::vector<std::vector<double>>& losses) {
  for (const trial& t : ctx.history) {
    if (t.state != trial_state::complete) continue;
    if (t.params.size() != ctx.dimensions.size())
      throw shape_error(std::string(who) + ": trial " + std::to_string(t.number) + " has " +
                        std::to_string(t.params.size()) + " params for " +
                        std::to_string(ctx.dimensions.size()) + " dimensions");
    if (t.values.size() != ctx.directions.size())
      throw shape_error(std::string(who) + ": trial " + std::to_string(t.number) + " has " +
                        std::to_string(t.values.size()) + " values for " +
                        std::to_string(ctx.directions.size()) + " directions");
    complete.push_back(&t);
    losses.push_back(to_losses(t.values, ctx.directions));
  }
}

/// One ask of a generational sampler: generation 0 (fewer than population_size complete
/// trials) is uniformly random; later trials are children of the parent population.
inline std::vector<std::size_t> genetic_ask(const genetic_options& o, const sample_context& ctx,
                                            generation_cache& cache, const survivor_fn& survive,
                                            const char* who) {
  std::vector<const trial*> complete;
  std::vector<std::vector<double>> losses;
  collect_complete(ctx, who, complete, losses);
  const auto parents = cache.parents_for(complete, losses, o.population_size, survive);

  numpy_rng rng{mix_seed(o.seed, ctx.trial_number)};
  const auto& dims = ctx.dimensions;
  // The relative space leaves out single-choice dimensions (Optuna never samples them).
  std::vector<std::size_t> space;
  for (std::size_t d = 0; d < dims.size(); ++d)
    if (dims[d].n_choices > 1) space.push_back(d);

  std::vector<std::optional<std::size_t>> child(dims.size());
  if (!parents.empty()) {
    std::vector<double> child_x;
    if (rng.random_sample() < o.crossover_prob) {
      // Ranks and crowding distances within the parent population, for the classic tournament.
      std::vector<std::vector<double>> pop_losses;
      for (std::size_t i : parents) pop_losses.push_back(losses[i]);
      std::vector<std::size_t> rank(parents.size(), 0);
      std::vector<double> crowd(parents.size(), 0.0);
      if (o.tournament == tournament_kind::rank_crowding) {
        const auto fronts = non_dominated_fronts(pop_losses);
        for (std::size_t r = 0; r < fronts.size(); ++r) {
          const auto cd = crowding_distance(pop_losses, fronts[r]);
          for (std::size_t j = 0; j < fronts[r].size(); ++j) {
            rank[fronts[r][j]] = r;
            crowd[fronts[r][j]] = cd[j];
          }
        }
      }
      auto wins = [&](std::size_t a, std::size_t b) {
        if (o.tournament == tournament_kind::dominance) return dominates(pop_losses[a], pop_losses[b]);
        return rank[a] < rank[b] || (rank[a] == rank[b] && crowd[a] > crowd[b]);
      };
      std::vector<std::size_t> chosen;  // positions in the parent population
      const std::size_t n_parents = crossover_n_parents(o.crossover.kind);
      for (std::size_t k = 0; k < n_parents; ++k) {
        std::vector<std::size_t> pool;
        for (std::size_t j = 0; j < parents.size(); ++j)
          if (std::find(chosen.begin(), chosen.end(), j) == chosen.end()) pool.push_back(j);
        const std::size_t c0 = pool[rng.choice(pool.size())];
        const std::size_t c1 = pool[rng.choice(pool.size())];
        chosen.push_back(wins(c0, c1) ? c0 : c1);
      }
      std::vector<std::vector<double>> px;
      std::vector<double> lo, hi;
      for (std::size_t d : space) {
        lo.push_back(-0.5);
        hi.push_back(static_cast<double>(dims[d].n_choices) - 0.5);
      }
      for (std::size_t j : chosen) {
        std::vector<double> x;
        for (std::size_t d : space) x.push_back(static_cast<double>(complete[parents[j]]->params[d]));
        px.push_back(std::move(x));
      }
      const auto cx = crossover(o.crossover, o.swapping_prob, px, lo, hi, ctx.directions.size(), rng);
      for (std::size_t j = 0; j < space.size(); ++j)
        child[space[j]] = untransform_index(cx[j], dims[space[j]].n_choices);
    } else {
      const trial* p = complete[parents[rng.choice(parents.size())]];
      for (std::size_t d : space) child[d] = p->params[d];
    }
    // Drop-mutation: a dropped parameter is redrawn uniformly below.
    const double pm = o.mutation_prob.value_or(1.0 / std::max<double>(1.0, static_cast<double>(space.size())));
    for (std::size_t d : space)
      if (!(rng.random_sample() >= pm)) child[d].reset();
  }
  std::vector<std::size_t> out(dims.size());
  for (std::size_t d = 0; d < dims.size(); ++d)
    out[d] = child[d] ? *child[d] : random_index(rng, dims[d].n_choices);
  return out;
}

/// NSGA-II survivor selection: whole fronts while they fit strictly below population_size,
/// then the overflowing front truncated by crowding distance.
inline std::vector<std::size_t> nsga2_survivors(std::span<const std::vector<double>> losses,
                                                std::size_t population_size) {
  std::vector<std::size_t> elite;
  for (auto& front : non_dominated_fronts(losses)) {
    if (elite.size() + front.size() < population_size) {
      elite.insert(elite.end(), front.begin(), front.end());
    } else {
      const auto kept = crowding_truncate(losses, std::move(front), population_size - elite.size());
      elite.insert(elite.end(), kept.begin(), kept.end());
      break;
    }
  }
  return elite;
}

}  // namespace detail
}  // namespace mixprec
