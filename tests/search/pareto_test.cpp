#include <doctest/doctest.h>

#include <mixprec/random.hpp>
#include <mixprec/search/pareto.hpp>

#include <cmath>
#include <limits>
#include <vector>

using namespace mixprec;

namespace {
trial make_trial(std::size_t number, trial_state state, std::vector<double> values) {
  trial t;
  t.number = number;
  t.state = state;
  t.values = std::move(values);
  return t;
}
std::vector<std::size_t> numbers(const std::vector<trial>& ts) {
  std::vector<std::size_t> out;
  for (const auto& t : ts) out.push_back(t.number);
  return out;
}

// The definition, checked pair by pair: the points no other point dominates.
std::vector<std::size_t> slow_front(const std::vector<std::vector<double>>& p) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < p.size(); ++i) {
    bool dominated = false;
    for (std::size_t j = 0; j < p.size(); ++j) dominated = dominated || dominates(p[j], p[i]);
    if (!dominated) out.push_back(i);
  }
  return out;
}

// n points of m objectives; with `levels` > 0 each coordinate is one of `levels` values (ties,
// duplicates), some of them infinite.
std::vector<std::vector<double>> random_points(numpy_rng& rng, std::size_t n, std::size_t m, std::uint64_t levels) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<std::vector<double>> p(n, std::vector<double>(m));
  for (auto& v : p)
    for (auto& x : v) {
      if (levels == 0) {
        x = rng.random_sample();
      } else {
        const auto k = rng.bounded(levels + 1);
        x = k == levels ? (rng.bounded(1) ? inf : -inf) : static_cast<double>(k);
      }
    }
  return p;
}
}  // namespace

TEST_SUITE("search/pareto") {
  TEST_CASE("dominance is <= everywhere and different somewhere") {
    const std::vector<double> a{1, 2}, b{1, 3}, c{2, 1}, a2{1, 2};
    CHECK(dominates(a, b));
    CHECK_FALSE(dominates(b, a));
    CHECK_FALSE(dominates(a, c));
    CHECK_FALSE(dominates(c, a));
    CHECK_FALSE(dominates(a, a2));  // equal points never dominate
    const std::vector<double> inf{-std::numeric_limits<double>::infinity(), 5};
    CHECK_FALSE(dominates(inf, a));
    CHECK(dominates(std::vector<double>{-std::numeric_limits<double>::infinity(), 2}, a));
  }

  TEST_CASE("dominance of vectors of different sizes is a shape_error") {
    CHECK_THROWS_AS(dominates(std::vector<double>{1}, std::vector<double>{1, 2}), shape_error);
  }

  TEST_CASE("to_losses negates maximised objectives and checks sizes") {
    const std::vector<direction> d{direction::maximize, direction::minimize};
    CHECK(to_losses(std::vector<double>{0.9, 2.0}, d) == std::vector<double>{-0.9, 2.0});
    CHECK_THROWS_AS(to_losses(std::vector<double>{1.0}, d), shape_error);
  }

  TEST_CASE("non-dominated sorting peels fronts, duplicates share a front") {
    // 0:(1,4) 1:(2,2) 2:(4,1) front 0; 3:(2,2) duplicate of 1; 4:(3,3) dominated by 1;
    // 5:(4,4) dominated by 4; 6:(5,1) dominated by 2 only.
    const std::vector<std::vector<double>> p{{1, 4}, {2, 2}, {4, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 1}};
    const auto fronts = non_dominated_fronts(p);
    REQUIRE(fronts.size() == 3);
    CHECK(fronts[0] == std::vector<std::size_t>{0, 1, 2, 3});
    CHECK(fronts[1] == std::vector<std::size_t>{4, 6});
    CHECK(fronts[2] == std::vector<std::size_t>{5});
    CHECK(non_dominated_ranks(p) == std::vector<std::size_t>{0, 0, 0, 0, 1, 2, 1});
    CHECK(pareto_front_indexes(p) == std::vector<std::size_t>{0, 1, 2, 3});
  }

  TEST_CASE("non-dominated sorting stops once min_count points are ranked") {
    const std::vector<std::vector<double>> p{{3}, {1}, {2}, {1}, {4}};
    CHECK(non_dominated_fronts(p, 2).size() == 1);
    CHECK(non_dominated_fronts(p, 3).size() == 2);
    CHECK(non_dominated_fronts(p).size() == 4);
    CHECK(non_dominated_fronts(std::vector<std::vector<double>>{}).empty());
  }

  TEST_CASE("sorting points with different objective counts is a shape_error") {
    const std::vector<std::vector<double>> p{{1, 2}, {1}};
    CHECK_THROWS_AS(non_dominated_fronts(p), shape_error);
  }

  TEST_CASE("best_trials keeps complete non-dominated trials, duplicates, by number") {
    const std::vector<direction> d{direction::maximize, direction::minimize};
    std::vector<trial> ts{
        make_trial(0, trial_state::complete, {0.5, 2.0}),
        make_trial(1, trial_state::fail, {}),
        make_trial(2, trial_state::complete, {0.9, 4.0}),
        make_trial(3, trial_state::pruned, {0.99, 1.0}),  // pruned: never on the front
        make_trial(4, trial_state::complete, {0.5, 2.0}),  // duplicate of 0
        make_trial(5, trial_state::complete, {0.4, 2.0}),  // dominated by 0
        make_trial(6, trial_state::running, {}),
        make_trial(7, trial_state::complete, {0.9, 3.0}),  // dominates 2
    };
    // Unsorted input still gives a result sorted by number.
    std::swap(ts[0], ts[7]);
    CHECK(numbers(best_trials(ts, d)) == std::vector<std::size_t>{0, 4, 7});
  }

  TEST_CASE("best_trials with one objective returns every tie for the best") {
    const std::vector<direction> d{direction::minimize};
    const std::vector<trial> ts{make_trial(0, trial_state::complete, {3}),
                                make_trial(1, trial_state::complete, {1}),
                                make_trial(2, trial_state::complete, {2}),
                                make_trial(3, trial_state::complete, {1})};
    CHECK(numbers(best_trials(ts, d)) == std::vector<std::size_t>{1, 3});
    CHECK(best_trials(std::span<const trial>{}, d).empty());
  }

  TEST_CASE("best_trials rejects a complete trial with the wrong number of values") {
    const std::vector<direction> d{direction::minimize, direction::minimize};
    const std::vector<trial> ts{make_trial(0, trial_state::complete, {3})};
    CHECK_THROWS_WITH_AS(best_trials(ts, d), doctest::Contains("trial 0 has 1 values"),
                         shape_error);
  }

  TEST_CASE("the first front equals the pairwise definition on random and tie-heavy points") {
    numpy_rng rng(7);
    for (std::size_t m : {1, 2, 3, 4})
      for (std::uint64_t levels : {0, 2, 3, 6})
        for (std::size_t n : {0, 1, 2, 5, 40, 300}) {
          const auto p = random_points(rng, n, m, levels);
          CAPTURE(m);
          CAPTURE(levels);
          CAPTURE(n);
          const auto fast = pareto_front_indexes(p);
          CHECK(fast == slow_front(p));
          const auto fronts = non_dominated_fronts(p);
          CHECK(fast == (fronts.empty() ? std::vector<std::size_t>{} : fronts.front()));
        }
  }

  TEST_CASE("the first front keeps every duplicate and treats NaN as dominates() does") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const std::vector<std::vector<double>> dup(50, std::vector<double>{1, 2});
    CHECK(pareto_front_indexes(dup).size() == 50);
    const std::vector<std::vector<double>> p{{1, nan}, {0, 5}, {2, 1}, {3, 3}, {nan, nan}};
    CHECK(pareto_front_indexes(p) == slow_front(p));
    const std::vector<std::vector<double>> q{{1, nan, 0}, {0, 5, 1}, {2, 1, 1}, {3, 3, 3}};
    CHECK(pareto_front_indexes(q) == slow_front(q));
    CHECK_THROWS_AS(pareto_front_indexes(std::vector<std::vector<double>>{{1, 2}, {1}}), shape_error);
  }

  TEST_CASE("best_trials of 200000 two-objective and 20000 three-objective trials") {
    // The quadratic sort needed O(n^2) memory here; the sweep is O(n log n).
    numpy_rng rng(3);
    for (std::size_t m : {2, 3}) {
      const std::size_t n = m == 2 ? 200000 : 20000;
      std::vector<trial> ts(n);
      for (std::size_t i = 0; i < n; ++i) {
        ts[i].number = i;
        ts[i].state = trial_state::complete;
        for (std::size_t k = 0; k < m; ++k) ts[i].values.push_back(std::floor(rng.random_sample() * 1000));
      }
      ts[n / 2].values.assign(m, -1.0);  // dominates all but its duplicates
      ts[n - 1].values.assign(m, -1.0);
      const std::vector<direction> d(m, direction::minimize);
      CHECK(numbers(best_trials(ts, d)) == std::vector<std::size_t>{n / 2, n - 1});
      ts[n / 2].values.assign(m, 2000.0);
      ts[n - 1].values.assign(m, 2000.0);
      const auto best = best_trials(ts, d);
      REQUIRE(!best.empty());
      // Spot check against the definition: no best trial is dominated by any trial.
      bool any_dominated = false;
      for (std::size_t b = 0; b < std::min<std::size_t>(best.size(), 5); ++b)
        for (const auto& t : ts) any_dominated = any_dominated || dominates(t.values, best[b].values);
      CHECK_FALSE(any_dominated);
    }
  }
}
