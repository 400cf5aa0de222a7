// Brute-force enumeration as Optuna's stateless BruteForceSampler (3.2+): a tree of the index
// paths already taken; each trial walks down it choosing uniformly among the children that
// still hold an untaken point, so every point is tried once, in a random order, then it stops.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <mixprec/error.hpp>
#include <mixprec/random.hpp>
#include <mixprec/samplers/detail/enumeration.hpp>
#include <mixprec/search/sampler.hpp>
#include <mixprec/search/trial.hpp>

namespace mixprec {

/// Parameters of brute_force_sampler.
struct brute_force_params {
  std::uint64_t seed = 0;
  /// Largest space accepted: beyond it no search could try every point.
  std::uint64_t max_points = 1'000'000'000;
};

/// Every point once, then exhaustion. Points of running trials are avoided while another is
/// free; when every point is started, an unfinished one is proposed again; when every point is
/// finished, `exhausted` is true (the study stops) and `ask` throws search_exhausted. Spaces
/// larger than max_points are a config_error naming the size. Cost per ask: O(history x dims).
class brute_force_sampler {
 public:
  explicit brute_force_sampler(brute_force_params p = {}) : params_(p) {
    if (params_.max_points < 1) throw config_error("brute_force_params.max_points = 0: must be >= 1");
  }

  std::vector<std::size_t> ask(const sample_context& ctx) {
    const std::uint64_t n = size(ctx.dimensions);
    numpy_rng rng{mix_seed(params_.seed, ctx.trial_number)};
    for (const bool count_running : {true, false}) {
      const tree t = build(ctx, count_running);
      if (t.nodes[0].taken < n) return walk(ctx.dimensions, t, rng);
    }
    throw search_exhausted("bruteforce sampler: every one of the " + std::to_string(n) +
                           " points has been evaluated");
  }

  /// True when every point has a finished trial in `ctx.history`.
  bool exhausted(const sample_context& ctx) const {
    const std::uint64_t n = size(ctx.dimensions);
    std::unordered_set<std::uint64_t> done;
    for (const trial& t : ctx.history)
      if (detail::is_finished(t.state) && detail::fits(ctx.dimensions, t.params))
        done.insert(point_id(ctx.dimensions, t.params));
    return done.size() == n;
  }

  void tell(const trial&) {}
  std::string_view name() const { return "bruteforce"; }
  const brute_force_params& params() const { return params_; }

 private:
  struct node {
    std::vector<std::int64_t> child;  // -1: no path through this choice yet
    std::uint64_t taken = 0;          // distinct taken points below this node
  };
  struct tree {
    std::vector<node> nodes;
    std::vector<std::uint64_t> capacity;  // points below a node of each depth
  };

  std::uint64_t size(std::span<const dimension> dims) const {
    return detail::enumerable_size(dims, params_.max_points, "bruteforce",
                                   "brute_force_params.max_points");
  }

  static std::uint64_t point_id(std::span<const dimension> dims, std::span<const std::size_t> p) {
    std::uint64_t id = 0;
    for (std::size_t d = 0; d < dims.size(); ++d) id = id * dims[d].n_choices + p[d];
    return id;
  }

  static tree build(const sample_context& ctx, bool count_running) {
    const auto dims = ctx.dimensions;
    tree t;
    t.capacity.assign(dims.size() + 1, 1);
    for (std::size_t d = dims.size(); d-- > 0;) t.capacity[d] = t.capacity[d + 1] * dims[d].n_choices;
    auto make = [&](std::size_t depth) {
      t.nodes.push_back({std::vector<std::int64_t>(depth < dims.size() ? dims[depth].n_choices : 0, -1), 0});
      return static_cast<std::int64_t>(t.nodes.size() - 1);
    };
    make(0);
    std::vector<std::size_t> path;
    for (const trial& tr : ctx.history) {
      const bool take = detail::is_finished(tr.state) || (count_running && tr.state == trial_state::running);
      if (!take || !detail::fits(dims, tr.params)) continue;
      path.assign(1, 0);
      bool fresh = false;
      for (std::size_t d = 0; d < dims.size(); ++d) {
        auto& slot = t.nodes[path.back()].child[tr.params[d]];
        if (slot < 0) {
          const std::int64_t created = make(d + 1);
          t.nodes[path.back()].child[tr.params[d]] = created;  // `slot` may dangle after make()
          fresh = true;
        }
        path.push_back(static_cast<std::size_t>(t.nodes[path.back()].child[tr.params[d]]));
      }
      if (fresh || dims.empty())
        for (std::size_t i : path) t.nodes[i].taken = std::min(t.nodes[i].taken + 1, t.capacity[0]);
    }
    return t;
  }

  static std::vector<std::size_t> walk(std::span<const dimension> dims, const tree& t, numpy_rng& rng) {
    std::vector<std::size_t> out(dims.size(), 0);
    std::int64_t at = 0;  // -1 once below the taken paths: everything is free
    std::vector<std::size_t> open;
    for (std::size_t d = 0; d < dims.size(); ++d) {
      open.clear();
      for (std::size_t c = 0; c < dims[d].n_choices; ++c) {
        const std::int64_t ch = at < 0 ? -1 : t.nodes[static_cast<std::size_t>(at)].child[c];
        if (ch < 0 || t.nodes[static_cast<std::size_t>(ch)].taken < t.capacity[d + 1]) open.push_back(c);
      }
      out[d] = open[rng.choice(open.size())];
      at = at < 0 ? -1 : t.nodes[static_cast<std::size_t>(at)].child[out[d]];
    }
    return out;
  }

  brute_force_params params_;
};

static_assert(FiniteSampler<brute_force_sampler>);

}  // namespace mixprec
