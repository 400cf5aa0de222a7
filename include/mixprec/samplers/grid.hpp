// Optuna's GridSampler over every point of an index space: each trial takes a point chosen
// uniformly among those neither finished nor running (so the grid is visited in a shuffled
// order, each point once); once all are started, unfinished ones; once all are finished, any.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include <mixprec/error.hpp>
#include <mixprec/random.hpp>
#include <mixprec/samplers/detail/enumeration.hpp>
#include <mixprec/search/sampler.hpp>
#include <mixprec/search/trial.hpp>

namespace mixprec {

/// Parameters of grid_sampler.
struct grid_params {
  std::uint64_t seed = 0;
  /// Largest grid accepted (each ask scans the grid: O(points) time, one bit per point).
  std::uint64_t max_points = 10'000'000;
};

/// Grid search. Grid ids follow Optuna: dimensions sorted by name, the last one varying fastest.
/// A point is visited when a trial of the history has its indexes (enqueued trials included).
/// When every point is finished, `exhausted` is true (the study stops and reports
/// stop_reason::sampler_exhausted) and `ask` revisits a random point, as Optuna does.
class grid_sampler {
 public:
  explicit grid_sampler(grid_params p = {}) : params_(p) {
    if (params_.max_points < 1) throw config_error("grid_params.max_points = 0: must be >= 1");
  }

  std::vector<std::size_t> ask(const sample_context& ctx) {
    const std::uint64_t n = size(ctx.dimensions);
    std::vector<bool> finished(n, false), running(n, false);
    mark(ctx, finished, running);
    // Unvisited (neither finished nor running); else unfinished; else every point.
    std::vector<bool> taken(n);
    for (std::uint64_t i = 0; i < n; ++i) taken[i] = finished[i] || running[i];
    std::uint64_t free = static_cast<std::uint64_t>(std::count(taken.begin(), taken.end(), false));
    if (free == 0) {
      taken = finished;
      free = static_cast<std::uint64_t>(std::count(taken.begin(), taken.end(), false));
    }
    if (free == 0) taken.assign(n, false), free = n;
    numpy_rng rng{mix_seed(params_.seed, ctx.trial_number)};
    std::uint64_t k = rng.bounded(free - 1);
    std::uint64_t id = 0;
    for (;; ++id)
      if (!taken[id] && k-- == 0) break;
    return decode(ctx.dimensions, id);
  }

  /// True when every grid point has a finished trial in `ctx.history`.
  bool exhausted(const sample_context& ctx) const { return n_unfinished(ctx) == 0; }

  /// Grid points without a finished trial in `ctx.history`.
  std::uint64_t n_unfinished(const sample_context& ctx) const {
    const std::uint64_t n = size(ctx.dimensions);
    std::vector<bool> finished(n, false), running(n, false);
    mark(ctx, finished, running);
    return n - static_cast<std::uint64_t>(std::count(finished.begin(), finished.end(), true));
  }

  /// The grid id of `params` (Optuna's order: names sorted, last name fastest).
  static std::uint64_t grid_id(std::span<const dimension> dims, std::span<const std::size_t> params) {
    std::uint64_t id = 0;
    for (std::size_t d : name_order(dims)) id = id * dims[d].n_choices + params[d];
    return id;
  }

  /// The indexes of grid point `id`.
  static std::vector<std::size_t> decode(std::span<const dimension> dims, std::uint64_t id) {
    std::vector<std::size_t> out(dims.size(), 0);
    const auto order = name_order(dims);
    for (std::size_t j = order.size(); j-- > 0;) {
      const std::size_t d = order[j];
      out[d] = static_cast<std::size_t>(id % dims[d].n_choices);
      id /= dims[d].n_choices;
    }
    return out;
  }

  void tell(const trial&) {}
  std::string_view name() const { return "grid"; }
  const grid_params& params() const { return params_; }

 private:
  std::uint64_t size(std::span<const dimension> dims) const {
    return detail::enumerable_size(dims, params_.max_points, "grid", "grid_params.max_points");
  }

  static std::vector<std::size_t> name_order(std::span<const dimension> dims) {
    std::vector<std::size_t> order(dims.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return dims[a].name < dims[b].name; });
    return order;
  }

  static void mark(const sample_context& ctx, std::vector<bool>& finished, std::vector<bool>& running) {
    for (const trial& t : ctx.history) {
      if (!detail::fits(ctx.dimensions, t.params)) continue;
      const std::uint64_t id = grid_id(ctx.dimensions, t.params);
      if (detail::is_finished(t.state)) finished[id] = true;
      else if (t.state == trial_state::running) running[id] = true;
    }
  }

  grid_params params_;
};

static_assert(FiniteSampler<grid_sampler>);

}  // namespace mixprec
