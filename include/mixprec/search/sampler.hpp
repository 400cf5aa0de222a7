// The Sampler concept: a strategy policy that proposes one choice index per dimension.
#pragma once
#include <concepts>
#include <cstddef>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <mixprec/search/trial.hpp>

namespace mixprec {

/// A search strategy.
/// - `ask(ctx)` returns one index per dimension of `ctx.dimensions`, each in [0, n_choices).
///   `ask` is a pure function of the sampler's parameters (its seed included) and `ctx`: it
///   draws from a fresh stream `numpy_rng{mix_seed(seed, ctx.trial_number)}` and derives
///   everything else (generations, grid points left, ...) from `ctx.history`. So a sampler
///   constructed afresh continues a resumed search exactly, and trials run on several
///   threads get the same parameters whatever the timing.
/// - `tell(t)` is called once per finished trial (complete, failed or pruned), after its state
///   and values are final; it may do nothing, but it must exist (no silent hooks).
/// - `name()` is the registry name ("tpe", "nsgaii", ...).
template <class S>
concept Sampler = std::move_constructible<S> &&
    requires(S& s, const S& cs, const sample_context& ctx, const trial& t) {
      { s.ask(ctx) } -> std::same_as<std::vector<std::size_t>>;
      { s.tell(t) } -> std::same_as<void>;
      { cs.name() } -> std::convertible_to<std::string_view>;
    };

/// A sampler over a finite set of points (grid, brute force) that can tell when every point has
/// been evaluated: `exhausted(ctx)` is a pure function of `ctx.history` (every trial of the
/// study). `study::optimize` checks it before each trial and stops, reporting
/// stop_reason::sampler_exhausted (Optuna's study.stop() from after_trial).
template <class S>
concept FiniteSampler = Sampler<S> && requires(const S& cs, const sample_context& ctx) {
  { cs.exhausted(ctx) } -> std::same_as<bool>;
};

/// Thrown by a sampler's `ask` when it has no point left to propose (brute force after the
/// last point); `study::optimize` never triggers it, as it checks `exhausted` first.
struct search_exhausted : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace mixprec
