// A search composed at compile time: a fixed space of widths, a sampler type and a toy objective
// (an error that falls with the widths, against their mean), then the Pareto front.
#include <cmath>
#include <cstdio>
#include <tuple>

#include <mixprec/samplers/random.hpp>
#include <mixprec/search/hypervolume.hpp>
#include <mixprec/search/space.hpp>
#include <mixprec/search/study.hpp>

namespace mp = mixprec;

int main() {
  using width = mp::fixed_choice<2, 4, 8>;
  using frac = mp::fixed_choice<3, 4, 5, 6, 7>;
  const mp::fixed_space<width, frac, width, frac> space{
      {"fc1/weight_width"}, {"fc1/weight_frac_width"}, {"fc2/weight_width"}, {"fc2/weight_frac_width"}};
  static_assert(decltype(space)::exact_size == 3 * 5 * 3 * 5);

  mp::study study{mp::random_sampler{{.seed = 42}}, space,
                  {mp::direction::minimize, mp::direction::minimize}};
  study.optimize(
      [&](mp::trial_handle& t) {
        const auto [w1, f1, w2, f2] = space.decode(t.params());
        // Toy error: quantisation noise of each layer, worst when the fraction leaves no integer bits.
        const double e1 = std::ldexp(1.0, -w1) + 0.01 * std::abs(f1 - w1 / 2.0 - 3);
        const double e2 = std::ldexp(1.0, -w2) + 0.01 * std::abs(f2 - w2 / 2.0 - 3);
        const double bits = (100.0 * w1 + 400.0 * w2) / 500.0;  // weight-count-weighted mean
        t.set_user_attr("hardware_metrics", "average_bitwidth", bits);
        return std::vector<double>{e1 + e2, bits};
      },
      {.n_trials = 60});

  std::printf("%-6s %-10s %-9s %s\n", "trial", "error", "bits", "w1 f1 w2 f2");
  std::vector<std::vector<double>> front;
  for (const auto& t : study.best_trials()) {
    const auto [w1, f1, w2, f2] = space.decode(t.params);
    std::printf("%-6zu %-10.5f %-9.3f %d %d %d %d\n", t.number, t.values[0], t.values[1], w1, f1, w2, f2);
    front.push_back(t.values);
  }
  std::printf("hypervolume vs (1, 9): %.5f\n", mp::hypervolume(front, std::vector<double>{1.0, 9.0}));
}
