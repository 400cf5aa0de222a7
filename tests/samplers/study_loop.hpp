// A minimal ask/evaluate/tell loop over choice indexes for the sampler tests, and the
// discretised ZDT1 and DTLZ2 objectives (20 parameters of 8 evenly spaced values in [0, 1]).
#pragma once
#include <cmath>
#include <cstddef>
#include <functional>
#include <numbers>
#include <string>
#include <vector>

#include <mixprec/search/trial.hpp>

namespace mixprec::testing {

inline std::vector<dimension> uniform_dims(std::size_t n, std::size_t k) {
  std::vector<dimension> d;
  for (std::size_t i = 0; i < n; ++i) {
    std::string name = std::to_string(i);
    name.insert(name.begin(), 'x');
    d.push_back({std::move(name), k});
  }
  return d;
}

inline std::vector<double> zdt1(const std::vector<std::size_t>& idx) {
  std::vector<double> x;
  for (auto i : idx) x.push_back(static_cast<double>(i) / 7.0);
  double s = 0;
  for (std::size_t i = 1; i < x.size(); ++i) s += x[i];
  const double g = 1 + 9 * s / static_cast<double>(x.size() - 1);
  return {x[0], g * (1 - std::sqrt(x[0] / g))};
}

inline std::vector<double> dtlz2(const std::vector<std::size_t>& idx) {
  std::vector<double> x;
  for (auto i : idx) x.push_back(static_cast<double>(i) / 7.0);
  double g = 0;
  for (std::size_t i = 2; i < x.size(); ++i) g += (x[i] - 0.5) * (x[i] - 0.5);
  const double a = x[0] * std::numbers::pi / 2, b = x[1] * std::numbers::pi / 2;
  return {(1 + g) * std::cos(a) * std::cos(b), (1 + g) * std::cos(a) * std::sin(b),
          (1 + g) * std::sin(a)};
}

/// Runs `n` trials of `sampler` on `objective`; every trial completes.
template <class S>
std::vector<trial> run_study(S& sampler, const std::vector<dimension>& dims,
                             const std::vector<direction>& dirs,
                             const std::function<std::vector<double>(const std::vector<std::size_t>&)>& f,
                             std::size_t n) {
  std::vector<trial> history;
  for (std::size_t i = 0; i < n; ++i) {
    sample_context ctx{dims, history, dirs, i};
    trial t;
    t.number = i;
    t.params = sampler.ask(ctx);
    t.values = f(t.params);
    t.state = trial_state::complete;
    sampler.tell(t);
    history.push_back(t);
  }
  return history;
}

}  // namespace mixprec::testing
