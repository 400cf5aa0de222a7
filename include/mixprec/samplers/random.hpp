// Optuna's RandomSampler for integer-index parameters: each index is one uniform draw over
// [-0.5, K - 0.5], rounded half-to-even and clipped; single-choice dimensions draw nothing.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <mixprec/random.hpp>
#include <mixprec/search/sampler.hpp>
#include <mixprec/search/trial.hpp>

namespace mixprec {

/// Parameters of random_sampler.
struct random_params {
  std::uint64_t seed = 0;
};

/// Independent uniform sampling; ignores the history.
class random_sampler {
 public:
  explicit random_sampler(random_params p = {}) : params_(p) {}

  std::vector<std::size_t> ask(const sample_context& ctx) {
    numpy_rng rng{mix_seed(params_.seed, ctx.trial_number)};
    return draw(ctx.dimensions, rng);
  }

  /// One index per dimension from `rng`, as Optuna's RandomSampler draws an int parameter:
  /// uniform(low - 0.5, high + 0.5), numpy's round (half to even), clip. Other samplers use it
  /// for their random phase.
  static std::vector<std::size_t> draw(std::span<const dimension> dims, numpy_rng& rng) {
    std::vector<std::size_t> out(dims.size(), 0);
    for (std::size_t i = 0; i < dims.size(); ++i) {
      const auto k = static_cast<double>(dims[i].n_choices);
      if (dims[i].n_choices <= 1) continue;  // Optuna returns low without sampling
      const double x = std::nearbyint(rng.uniform(-0.5, k - 0.5));
      out[i] = static_cast<std::size_t>(std::clamp(x, 0.0, k - 1));
    }
    return out;
  }

  void tell(const trial&) {}
  std::string_view name() const { return "random"; }
  const random_params& params() const { return params_; }

 private:
  random_params params_;
};

static_assert(Sampler<random_sampler>);

}  // namespace mixprec
