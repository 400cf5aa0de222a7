// NSGA-II (Deb et al. 2002) as Optuna's NSGAIISampler: a random first generation, then children
// of the elite parent population by binary tournament, crossover and drop-mutation. Generations
// and parents are recomputed from the history, so ask() is a pure function of params and context.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <mixprec/samplers/detail/genetic.hpp>
#include <mixprec/search/sampler.hpp>
#include <mixprec/search/trial.hpp>

namespace mixprec {

/// NSGA-II's parameters, with Optuna's defaults.
struct nsga2_params {
  /// Complete trials per generation (>= 2, and >= the crossover's number of parents).
  std::size_t population_size = 50;
  /// Probability of redrawing each parameter of a child; unset means 1 / (number of parameters).
  std::optional<double> mutation_prob;
  /// The crossover operator (Optuna's default: uniform).
  crossover_params crossover;
  /// Probability that a child comes from crossover rather than a copy of one parent.
  double crossover_prob = 0.9;
  /// Uniform crossover's probability of taking each parameter from the second parent.
  double swapping_prob = 0.5;
  /// Parent selection (Optuna's: dominance only).
  tournament_kind tournament = tournament_kind::dominance;
  std::uint64_t seed = 0;
};

/// Throws config_error naming the offending field ("nsgaii.<field>"), its value and the rule.
inline void validate(const nsga2_params& p) {
  detail::validate_genetic({p.population_size, p.mutation_prob, p.crossover, p.crossover_prob,
                            p.swapping_prob, p.tournament, p.seed},
                           "nsgaii");
}

/// Optuna's NSGAIISampler over choice indexes.
/// - Complete trials, in number order, form generations of population_size; a trial asked
///   while k generations are full belongs to generation k. Generation 0 is uniformly random.
/// - Parents of generation k+1: non-dominated sorting of generation k followed by the parents of
///   generation k; whole fronts while they fit, the overflowing front cut by crowding distance.
/// - A child: with probability crossover_prob, crossover of tournament-selected parents (ints
///   crossed as floats, rounded half-to-even and clipped), else a copy of a random parent; then
///   each parameter is redrawn uniformly with probability mutation_prob.
/// Failed, pruned and running trials never count. Single-choice dimensions are always 0.
class nsga2_sampler {
 public:
  explicit nsga2_sampler(nsga2_params p = {}) : params_(p) { validate(params_); }

  std::vector<std::size_t> ask(const sample_context& ctx) {
    const detail::genetic_options o{params_.population_size, params_.mutation_prob,
                                    params_.crossover,       params_.crossover_prob,
                                    params_.swapping_prob,   params_.tournament,
                                    params_.seed};
    return detail::genetic_ask(
        o, ctx, cache_,
        [](std::span<const std::vector<double>> l, std::size_t n, std::size_t) {
          return detail::nsga2_survivors(l, n);
        },
        "nsgaii");
  }

  /// Nothing to record: everything is derived from the history at ask time.
  void tell(const trial&) {}

  std::string_view name() const { return "nsgaii"; }
  const nsga2_params& params() const { return params_; }

  /// The parent population (trial numbers, survivor order) that children of the next asked
  /// trial would come from; empty during generation 0.
  std::vector<std::size_t> parent_population(const sample_context& ctx) {
    std::vector<const trial*> complete;
    std::vector<std::vector<double>> losses;
    detail::collect_complete(ctx, "nsgaii", complete, losses);
    std::vector<std::size_t> out;
    for (std::size_t i : cache_.parents_for(
             complete, losses, params_.population_size,
             [](std::span<const std::vector<double>> l, std::size_t n, std::size_t) {
               return detail::nsga2_survivors(l, n);
             }))
      out.push_back(complete[i]->number);
    return out;
  }

 private:
  nsga2_params params_;
  detail::generation_cache cache_;
};
static_assert(Sampler<nsga2_sampler>);

}  // namespace mixprec
