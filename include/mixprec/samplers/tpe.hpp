// The Tree-structured Parzen Estimator as Optuna 3.1's TPESampler runs it on integer choice
// indexes: random startup trials, then per parameter (or jointly) candidates drawn from the
// good trials' estimator l(x), the one maximising log l(x) - log g(x) being returned.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <mixprec/error.hpp>
#include <mixprec/random.hpp>
#include <mixprec/samplers/detail/parzen.hpp>
#include <mixprec/samplers/detail/tpe_split.hpp>
#include <mixprec/search/sampler.hpp>
#include <mixprec/search/trial.hpp>

namespace mixprec {

/// Optuna's default_gamma: min(ceil(0.1 n), 25) good trials out of n (0.1 n in double, as
/// Optuna computes it).
inline std::size_t default_gamma(std::size_t n) {
  return std::min<std::size_t>(static_cast<std::size_t>(std::ceil(0.1 * static_cast<double>(n))), 25);
}

/// Optuna's hyperopt_default_gamma: min(ceil(0.25 sqrt(n)), 25).
inline std::size_t hyperopt_default_gamma(std::size_t n) {
  return std::min<std::size_t>(
      static_cast<std::size_t>(std::ceil(0.25 * std::sqrt(static_cast<double>(n)))), 25);
}

/// Optuna's default_weights: n ones for n < 25; otherwise numpy's linspace(1/n, 1, n - 25)
/// for the oldest n - 25 observations and ones for the newest 25.
inline std::vector<double> default_weights(std::size_t n) {
  std::vector<double> w(n, 1.0);
  if (n < 25) return w;
  const std::size_t ramp = n - 25;
  const double start = 1.0 / static_cast<double>(n);
  if (ramp == 1) w[0] = start;
  if (ramp > 1) {
    const double step = (1.0 - start) / static_cast<double>(ramp - 1);
    for (std::size_t i = 0; i < ramp; ++i) w[i] = static_cast<double>(i) * step + start;
    w[ramp - 1] = 1.0;
  }
  return w;
}

/// TPE's parameters, with Optuna 3.1's defaults. Every parameter is modelled as Optuna models
/// suggest_int(name, 0, K - 1): a truncated-Gaussian mixture over [-0.5, K - 0.5] whose mass
/// on each unit cell is the probability of that index.
struct tpe_params {
  /// Trials (complete + pruned) before TPE starts; until then every index is a uniform draw.
  int n_startup_trials = 10;
  /// Candidates drawn from l(x) per parameter (or per joint sample).
  int n_ei_candidates = 24;
  /// Number of good trials out of n counted trials.
  std::function<std::size_t(std::size_t)> gamma = default_gamma;
  /// Weights of n observations, oldest first (single objective's good set and every bad set).
  std::function<std::vector<double>(std::size_t)> weights = default_weights;
  /// Weight of the prior kernel (mean at the centre, sigma = K).
  double prior_weight = 1.0;
  bool consider_prior = true;
  /// Clip bandwidths to [K / min(100, m + 2), K] (else [1e-12, K]).
  bool consider_magic_clip = true;
  /// Let the outermost kernels use the gap to the bound as a bandwidth candidate.
  bool consider_endpoints = false;
  /// Sample all multi-choice parameters jointly (Optuna 3.1's multivariate TPE).
  bool multivariate = false;
  /// Count running trials as the worst trials (single objective, as in Optuna 3.1).
  bool constant_liar = false;
  std::uint64_t seed = 0;
};

/// Throws config_error naming the offending field ("tpe.<field>"), its value and the rule.
inline void validate(const tpe_params& p) {
  if (p.n_startup_trials < 0)
    throw config_error("tpe.n_startup_trials = " + std::to_string(p.n_startup_trials) +
                       ": must be >= 0");
  if (p.n_ei_candidates < 1)
    throw config_error("tpe.n_ei_candidates = " + std::to_string(p.n_ei_candidates) +
                       ": must be >= 1");
  if (!p.gamma) throw config_error("tpe.gamma = <empty>: must be a function of n");
  if (!p.weights) throw config_error("tpe.weights = <empty>: must be a function of n");
  if (!(std::isfinite(p.prior_weight) && p.prior_weight > 0))
    throw config_error("tpe.prior_weight = " + std::to_string(p.prior_weight) +
                       ": must be finite and > 0");
}

/// What TPE builds from a history for the next trial (for inspection and tests).
struct tpe_snapshot {
  /// Complete (+ pruned, single objective) trials counted; TPE runs once n >= n_startup_trials.
  std::size_t n = 0;
  bool startup = true;
  /// Trial numbers of the good and bad sets, in the order the estimators see them (single
  /// objective: both ascending; several: fronts in rank order, then HSSP picks).
  std::vector<std::size_t> below, above;
  /// Weights of the good set (before the prior is added and the mixture normalised).
  std::vector<double> below_weights;
  /// Per dimension, log l(v) and log g(v) for every choice v (empty for single-choice ones).
  std::vector<std::vector<double>> log_l, log_g;
};

namespace detail {

/// Per-ask state: the counted trials, their ranking keys and losses, the split.
struct tpe_state {
  std::vector<std::size_t> rows;  // index into ctx.history per counted trial
  std::vector<double> key;        // single objective: Optuna's (-step) ranking key
  loss_rows losses;
  std::size_t n = 0;  // counted trials that are not running
  std::vector<std::size_t> below, above;  // positions in `rows`
  std::vector<double> below_weights;      // per member of `below`, MO only
};

inline bool has_param(const trial& t, std::size_t d, std::size_t k) {
  return d < t.params.size() && t.params[d] < k;
}

}  // namespace detail

/// Optuna 3.1's TPESampler over choice indexes.
/// - Counted trials, in number order: complete ones; pruned ones (single objective: ranked after
///   every complete trial, by their value, then those without a value; their step is not
///   recorded, so all count as pruned at the same step); running ones only with constant_liar
///   and one objective (always bad). Failed and waiting trials, and complete trials without the
///   right number of values or with a NaN, never count.
/// - Fewer than n_startup_trials counted (non-running) trials: uniform random indexes.
/// - Otherwise gamma(n) good trials (one objective: lowest loss, earlier wins ties; several:
///   non-dominated fronts, then greedy hypervolume subset selection, weighted by hypervolume
///   contribution), the rest bad; per parameter, n_ei_candidates draws from l, the one with the
///   largest log l - log g wins (first on ties). Multivariate: one joint draw over every
///   multi-choice parameter.
/// Single-choice dimensions are always 0 and consume no draw. Draws come from
/// numpy_rng{mix_seed(seed, trial_number)}, in Optuna's order and with NumPy's algorithms.
class tpe_sampler {
 public:
  explicit tpe_sampler(tpe_params p = {}) : params_(std::move(p)) { validate(params_); }

  std::vector<std::size_t> ask(const sample_context& ctx) {
    check(ctx);
    const std::size_t dims = ctx.dimensions.size();
    std::vector<std::size_t> out(dims, 0);
    numpy_rng rng(mix_seed(params_.seed, ctx.trial_number));
    detail::tpe_state st;
    prepare(ctx, st);
    if (st.n < static_cast<std::size_t>(params_.n_startup_trials)) {
      for (std::size_t d = 0; d < dims; ++d) {
        const std::size_t k = ctx.dimensions[d].n_choices;
        if (k > 1) out[d] = random_index(rng, k);
      }
      return out;
    }
    std::vector<char> done(dims, 0);
    if (params_.multivariate) sample_joint(ctx, st, rng, out, done);
    workspace ws;
    std::vector<std::size_t> cand;
    const auto c = static_cast<std::size_t>(params_.n_ei_candidates);
    for (std::size_t d = 0; d < dims; ++d) {
      const std::size_t k = ctx.dimensions[d].n_choices;
      if (k <= 1 || done[d]) continue;
      build_pair(ctx, st, d, ws, true);
      ws.l.sample(rng, c, cand);
      out[d] = choose(cand, ws.l.log_pmf(), ws.g.log_pmf());
    }
    return out;
  }

  void tell(const trial&) {}

  std::string_view name() const { return "tpe"; }

  const tpe_params& params() const { return params_; }

  /// The split and the univariate l and g TPE would use for the trial `ctx` asks for.
  tpe_snapshot inspect(const sample_context& ctx) const {
    check(ctx);
    detail::tpe_state st;
    prepare(ctx, st);
    tpe_snapshot s;
    s.n = st.n;
    s.startup = st.n < static_cast<std::size_t>(params_.n_startup_trials);
    const std::size_t dims = ctx.dimensions.size();
    s.log_l.resize(dims);
    s.log_g.resize(dims);
    if (s.startup) return s;
    for (std::size_t i : st.below) s.below.push_back(ctx.history[st.rows[i]].number);
    for (std::size_t i : st.above) s.above.push_back(ctx.history[st.rows[i]].number);
    s.below_weights = ctx.directions.size() > 1 ? st.below_weights : checked_weights(st.below.size());
    workspace ws;
    for (std::size_t d = 0; d < dims; ++d) {
      if (ctx.dimensions[d].n_choices <= 1) continue;
      build_pair(ctx, st, d, ws, false);
      s.log_l[d].assign(ws.l.log_pmf().begin(), ws.l.log_pmf().end());
      s.log_g[d].assign(ws.g.log_pmf().begin(), ws.g.log_pmf().end());
    }
    return s;
  }

  /// The index Optuna's _compare returns: the candidate with the largest log l - log g (the
  /// first one on ties; a NaN score wins, as with numpy's argmax).
  static std::size_t choose(std::span<const std::size_t> candidates, std::span<const double> log_l,
                            std::span<const double> log_g) {
    std::size_t best = candidates[0];
    double best_score = log_l[best] - log_g[best];
    if (std::isnan(best_score)) return best;
    for (std::size_t v : candidates.subspan(1)) {
      const double s = log_l[v] - log_g[v];
      if (std::isnan(s)) return v;
      if (s > best_score) best = v, best_score = s;
    }
    return best;
  }

 private:
  struct workspace {
    detail::int_parzen l, g;
    detail::phi_cache cache;
    std::vector<double> obs_b, w_b, obs_a, w_a;
    // weights(n) for the last two n seen: most parameters share the same set sizes
    std::size_t cached_n[2] = {static_cast<std::size_t>(-1), static_cast<std::size_t>(-1)};
    std::vector<double> cached_w[2];
  };

  const std::vector<double>& weights_for(workspace& ws, std::size_t n) const {
    for (int i = 0; i < 2; ++i)
      if (ws.cached_n[i] == n) return ws.cached_w[i];
    std::swap(ws.cached_n[0], ws.cached_n[1]);
    std::swap(ws.cached_w[0], ws.cached_w[1]);
    ws.cached_w[0] = checked_weights(n);
    ws.cached_n[0] = n;
    return ws.cached_w[0];
  }

  static std::size_t random_index(numpy_rng& rng, std::size_t k) {
    // Optuna's RandomSampler: uniform(low - 0.5, high + 0.5), rounded half-to-even, clipped.
    const double x = std::nearbyint(rng.uniform(-0.5, static_cast<double>(k) - 0.5));
    return static_cast<std::size_t>(std::clamp(x, 0.0, static_cast<double>(k - 1)));
  }

  static void check(const sample_context& ctx) {
    if (ctx.directions.empty())
      throw shape_error("tpe: sample_context.directions is empty: expected >= 1 objective");
    for (const auto& dim : ctx.dimensions)
      if (dim.n_choices == 0)
        throw shape_error("tpe: dimension \"" + dim.name + "\" has 0 choices: expected >= 1");
  }

  std::vector<double> checked_weights(std::size_t n) const {
    auto w = params_.weights(n);
    if (w.size() < n)
      throw config_error("tpe.weights(" + std::to_string(n) + ") returned " +
                         std::to_string(w.size()) + " values: expected " + std::to_string(n));
    w.resize(n);
    double sum = 0;
    for (double x : w) {
      if (!std::isfinite(x))
        throw config_error("tpe.weights(" + std::to_string(n) + ") returned " + std::to_string(x) +
                           ": weights must be finite");
      if (x < 0)
        throw config_error("tpe.weights(" + std::to_string(n) + ") returned " + std::to_string(x) +
                           ": weights must be >= 0");
      sum += x;
    }
    if (n > 0 && sum <= 0)
      throw config_error("tpe.weights(" + std::to_string(n) + ") sums to " + std::to_string(sum) +
                         ": must be > 0");
    return w;
  }

  detail::parzen_options parzen_opts() const {
    return {params_.prior_weight, params_.consider_prior, params_.consider_magic_clip,
            params_.consider_endpoints};
  }

  /// Collects the counted trials and splits them (only once n reaches the startup count).
  void prepare(const sample_context& ctx, detail::tpe_state& st) const {
    const std::size_t m = ctx.directions.size();
    const bool multi = m > 1;
    st.losses.m = m;
    constexpr double inf = std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < ctx.history.size(); ++i) {
      const trial& t = ctx.history[i];
      double key = 0;
      if (t.state == trial_state::complete) {
        if (t.values.size() != m) continue;
        bool nan = false;
        for (double v : t.values) nan = nan || std::isnan(v);
        if (nan) continue;
        key = -inf;
        for (std::size_t k = 0; k < m; ++k)
          st.losses.data.push_back(to_loss(t.values[k], ctx.directions[k]));
        ++st.n;
      } else if (t.state == trial_state::pruned && !multi) {
        if (t.values.empty()) {
          key = 1;
          st.losses.data.push_back(0.0);
        } else {
          key = 0;  // -step with the step unknown: every pruned trial at the same step
          const double v = t.values[0];
          st.losses.data.push_back(std::isnan(v) ? inf : to_loss(v, ctx.directions[0]));
        }
        ++st.n;
      } else if (t.state == trial_state::running && params_.constant_liar && !multi) {
        key = inf;
        st.losses.data.push_back(to_loss(inf, ctx.directions[0]));
      } else {
        continue;
      }
      st.rows.push_back(i);
      st.key.push_back(key);
    }
    if (st.n < static_cast<std::size_t>(params_.n_startup_trials)) return;
    const std::size_t total = st.rows.size();
    const std::size_t n_below = std::min(params_.gamma(st.n), total);
    if (multi) {
      detail::split_multi(st.losses, n_below, st.below, st.above);
      st.below_weights = detail::motpe_weights(st.losses, st.below);
      return;
    }
    // One objective: the n_below smallest (key, loss), earlier trials first on ties.
    std::vector<std::size_t> idx(total);
    for (std::size_t i = 0; i < total; ++i) idx[i] = i;
    const auto less = [&](std::size_t a, std::size_t b) {
      if (st.key[a] != st.key[b]) return st.key[a] < st.key[b];
      const double la = st.losses.data[a], lb = st.losses.data[b];
      if (la != lb) return la < lb;
      return a < b;
    };
    if (n_below < total)
      std::nth_element(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(n_below), idx.end(), less);
    std::vector<char> is_below(total, 0);
    for (std::size_t i = 0; i < n_below; ++i) is_below[idx[i]] = 1;
    for (std::size_t i = 0; i < total; ++i) (is_below[i] ? st.below : st.above).push_back(i);
  }

  /// Builds l (good set) and g (bad set) of dimension d.
  void build_pair(const sample_context& ctx, const detail::tpe_state& st, std::size_t d,
                  workspace& ws, bool for_sampling) const {
    const std::size_t k = ctx.dimensions[d].n_choices;
    const bool multi = ctx.directions.size() > 1;
    ws.obs_b.clear();
    ws.w_b.clear();
    ws.obs_a.clear();
    for (std::size_t j = 0; j < st.below.size(); ++j) {
      const trial& t = ctx.history[st.rows[st.below[j]]];
      if (!detail::has_param(t, d, k)) continue;
      ws.obs_b.push_back(static_cast<double>(t.params[d]));
      if (multi) ws.w_b.push_back(st.below_weights[j]);
    }
    for (std::size_t i : st.above) {
      const trial& t = ctx.history[st.rows[i]];
      if (detail::has_param(t, d, k)) ws.obs_a.push_back(static_cast<double>(t.params[d]));
    }
    const auto opt = parzen_opts();
    ws.l.build(ws.obs_b, multi ? ws.w_b : weights_for(ws, ws.obs_b.size()), k, opt, ws.cache,
               for_sampling);
    ws.g.build(ws.obs_a, weights_for(ws, ws.obs_a.size()), k, opt, ws.cache, false);
  }

  /// Optuna 3.1's multivariate TPE over every multi-choice dimension that all counted trials
  /// carry (the intersection search space); the rest stay for the univariate path.
  void sample_joint(const sample_context& ctx, const detail::tpe_state& st, numpy_rng& rng,
                    std::vector<std::size_t>& out, std::vector<char>& done) const {
    std::vector<std::size_t> joint, ks;
    for (std::size_t d = 0; d < ctx.dimensions.size(); ++d) {
      const std::size_t k = ctx.dimensions[d].n_choices;
      if (k <= 1) continue;
      bool everywhere = true;
      for (std::size_t i = 0; i < st.rows.size() && everywhere; ++i) {
        const trial& t = ctx.history[st.rows[i]];
        if (t.state != trial_state::running) everywhere = detail::has_param(t, d, k);
      }
      if (everywhere) joint.push_back(d), ks.push_back(k);
    }
    if (joint.empty()) return;
    const bool multi = ctx.directions.size() > 1;
    const auto gather = [&](const std::vector<std::size_t>& set, bool below, std::vector<std::size_t>& obs,
                            std::vector<double>& w) {
      obs.clear();
      std::vector<double> raw;
      for (std::size_t j = 0; j < set.size(); ++j) {
        const trial& t = ctx.history[st.rows[set[j]]];
        // Trials lacking the first joint parameter are left out (Optuna's mask).
        if (!detail::has_param(t, joint[0], ks[0])) continue;
        for (std::size_t q = 0; q < joint.size(); ++q)
          obs.push_back(detail::has_param(t, joint[q], ks[q]) ? t.params[joint[q]] : 0);
        if (below && multi) raw.push_back(st.below_weights[j]);
      }
      const std::size_t m = obs.size() / joint.size();
      w = (below && multi) ? raw : checked_weights(m);
    };
    std::vector<std::size_t> obs_b, obs_a, active, cand;
    std::vector<double> w_b, w_a;
    gather(st.below, true, obs_b, w_b);
    gather(st.above, false, obs_a, w_a);
    detail::mv_int_parzen l, g;
    l.build(obs_b, w_b, ks, parzen_opts());
    g.build(obs_a, w_a, ks, parzen_opts());
    const auto c = static_cast<std::size_t>(params_.n_ei_candidates);
    l.sample(rng, c, active, cand);
    const std::size_t dj = joint.size();
    std::size_t best = 0;
    double best_score = -std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < c; ++i) {
      const std::span<const std::size_t> x(cand.data() + i * dj, dj);
      const double s = l.log_pdf(x) - g.log_pdf(x);
      if (std::isnan(s)) {
        best = i;
        break;
      }
      if (i == 0 || s > best_score) best = i, best_score = s;
    }
    for (std::size_t q = 0; q < dj; ++q) {
      out[joint[q]] = cand[best * dj + q];
      done[joint[q]] = 1;
    }
  }

  tpe_params params_;
};

static_assert(Sampler<tpe_sampler>);

}  // namespace mixprec
