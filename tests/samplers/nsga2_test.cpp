#include <doctest/doctest.h>

#include <algorithm>
#include <limits>
#include <set>

#include <mixprec/random.hpp>
#include <mixprec/samplers/nsga2.hpp>
#include <mixprec/search/pareto.hpp>

#include "study_loop.hpp"

using namespace mixprec;
using mixprec::testing::run_study;
using mixprec::testing::uniform_dims;
using mixprec::testing::zdt1;

namespace {
/// Params from the defaults and a list of edits (designated initializers that skip members
/// trip -Wmissing-field-initializers).
template <class F>
nsga2_params P(F edit) {
  nsga2_params p;
  edit(p);
  return p;
}

trial complete_trial(std::size_t number, std::vector<std::size_t> params, std::vector<double> values) {
  trial t;
  t.number = number;
  t.state = trial_state::complete;
  t.params = std::move(params);
  t.values = std::move(values);
  return t;
}

const std::vector<direction> two_min{direction::minimize, direction::minimize};

std::vector<std::vector<double>> losses_of(const std::vector<trial>& h) {
  std::vector<std::vector<double>> out;
  for (const auto& t : h) out.push_back(t.values);
  return out;
}

void check_error(const nsga2_params& p, const std::string& needle) {
  try {
    nsga2_sampler s{p};
    FAIL("no config_error for " << needle);
  } catch (const config_error& e) {
    CHECK_MESSAGE(std::string(e.what()).find(needle) != std::string::npos, e.what());
  }
}
}  // namespace

TEST_SUITE("nsga2") {
  TEST_CASE("values stay in range, single-choice dimensions are 0, and a seed reproduces a run") {
    std::vector<dimension> dims = uniform_dims(6, 5);
    dims.push_back({"fixed", 1});
    dims.push_back({"pair", 2});
    auto f = [](const std::vector<std::size_t>& p) {
      return std::vector<double>{static_cast<double>(p[0] + p[7]), static_cast<double>(10 - p[1] - p[2])};
    };
    nsga2_sampler a{P([](nsga2_params& p) { p.population_size = 8; p.seed = 3; })}, b{P([](nsga2_params& p) { p.population_size = 8; p.seed = 3; })},
        c{P([](nsga2_params& p) { p.population_size = 8; p.seed = 4; })};
    const auto ha = run_study(a, dims, two_min, f, 60);
    const auto hb = run_study(b, dims, two_min, f, 60);
    const auto hc = run_study(c, dims, two_min, f, 60);
    bool differs = false;
    for (std::size_t i = 0; i < ha.size(); ++i) {
      CHECK(ha[i].params == hb[i].params);
      differs = differs || ha[i].params != hc[i].params;
      for (std::size_t d = 0; d < dims.size(); ++d) CHECK(ha[i].params[d] < dims[d].n_choices);
      CHECK(ha[i].params[6] == 0);
    }
    CHECK(differs);
    // A fresh sampler continues a run exactly (ask is a pure function of params and history).
    nsga2_sampler fresh{P([](nsga2_params& p) { p.population_size = 8; p.seed = 3; })};
    sample_context ctx{dims, std::span<const trial>(ha).first(45), two_min, 45};
    CHECK(fresh.ask(ctx) == ha[45].params);
  }

  TEST_CASE("generation 0 is Optuna's uniform random draw until population_size trials complete") {
    const auto dims = uniform_dims(5, 8);
    nsga2_sampler s{P([](nsga2_params& p) { p.population_size = 4; p.seed = 11; })};
    std::vector<trial> history;
    // Failed trials do not count towards a generation.
    for (std::size_t i = 0; i < 7; ++i) {
      sample_context ctx{dims, history, two_min, i};
      const auto got = s.ask(ctx);
      numpy_rng rng{mix_seed(11, i)};
      std::vector<std::size_t> expected;
      for (std::size_t d = 0; d < dims.size(); ++d) {
        const double x = rng.uniform(-0.5, 7.5);
        expected.push_back(static_cast<std::size_t>(std::clamp(std::nearbyint(x), 0.0, 7.0)));
      }
      CHECK(got == expected);
      trial t;
      t.number = i;
      t.params = got;
      const bool fail = i % 2 == 1;
      t.state = fail ? trial_state::fail : trial_state::complete;
      if (!fail) t.values = {static_cast<double>(got[0]), static_cast<double>(got[1])};
      history.push_back(t);
    }
    // 3 complete trials before trial 6, 4 after it: generation 1 starts at trial 7.
    CHECK(s.parent_population({dims, std::span<const trial>(history).first(6), two_min, 6}).empty());
    CHECK(s.parent_population({dims, history, two_min, 7}).size() == 4);
  }

  TEST_CASE("children come from the parent population (copy, no mutation)") {
    const auto dims = uniform_dims(20, 8);
    nsga2_sampler s{P([](nsga2_params& p) { p.population_size = 10; p.mutation_prob = 0.0; p.crossover_prob = 0.0; p.seed = 5; })};
    const auto h = run_study(s, dims, two_min, zdt1, 40);
    for (std::size_t i = 10; i < 40; ++i) {
      const auto parents = s.parent_population({dims, std::span<const trial>(h).first(i), two_min, i});
      REQUIRE(parents.size() == 10);
      bool found = false;
      for (auto n : parents) found = found || h[n].params == h[i].params;
      CHECK_MESSAGE(found, "trial " << i);
    }
  }

  TEST_CASE("uniform crossover takes every parameter from a parent; every crossover stays in range") {
    const auto dims = uniform_dims(20, 8);
    nsga2_sampler s{P([](nsga2_params& p) { p.population_size = 10; p.mutation_prob = 0.0; p.crossover_prob = 1.0; p.seed = 9; })};
    const auto h = run_study(s, dims, two_min, zdt1, 40);
    for (std::size_t i = 10; i < 40; ++i) {
      const auto parents = s.parent_population({dims, std::span<const trial>(h).first(i), two_min, i});
      for (std::size_t d = 0; d < 20; ++d) {
        bool found = false;
        for (auto n : parents) found = found || h[n].params[d] == h[i].params[d];
        CHECK(found);
      }
    }
    for (auto kind : {crossover_kind::blxalpha, crossover_kind::sbx, crossover_kind::vsbx,
                      crossover_kind::undx, crossover_kind::spx}) {
      nsga2_params px;
      px.population_size = 8;
      px.crossover.kind = kind;
      px.seed = 1;
      nsga2_sampler x{px};
      const auto hx = run_study(x, dims, two_min, zdt1, 40);
      std::set<std::vector<std::size_t>> distinct;
      for (const auto& t : hx) {
        for (auto v : t.params) CHECK(v < 8);
        distinct.insert(t.params);
      }
      CHECK_MESSAGE(distinct.size() > 20, to_string(kind));
    }
  }

  TEST_CASE("elitism: the parent population keeps every best-rank trial that fits") {
    const auto dims = uniform_dims(20, 8);
    nsga2_sampler s{P([](nsga2_params& p) { p.population_size = 12; p.seed = 2; })};
    const auto h = run_study(s, dims, two_min, zdt1, 72);
    for (std::size_t n : {12, 24, 36, 48, 60, 72}) {
      const std::span<const trial> past = std::span<const trial>(h).first(n);
      const auto parents = s.parent_population({dims, past, two_min, n});
      REQUIRE(parents.size() == 12);
      std::vector<trial> pv(past.begin(), past.end());
      const auto front = pareto_front_indexes(losses_of(pv));
      if (front.size() <= 12)
        for (auto i : front)
          CHECK(std::find(parents.begin(), parents.end(), h[i].number) != parents.end());
      // No parent is dominated by a complete trial left out of the population.
      for (auto p : parents) {
        for (std::size_t i = 0; i < n; ++i)
          if (dominates(h[i].values, h[p].values) && front.size() >= 12)
            CHECK(std::find(parents.begin(), parents.end(), i) != parents.end());
      }
    }
    // The best hypervolume-relevant point never leaves: the minimum of f1 among all trials.
    const auto parents = s.parent_population({dims, h, two_min, 72});
    double best_f1 = 1e9;
    for (const auto& t : h) best_f1 = std::min(best_f1, t.values[0]);
    bool kept = false;
    for (auto p : parents) kept = kept || h[p].values[0] == best_f1;
    CHECK(kept);
  }

  TEST_CASE("crowding distance: Optuna's definition with infinite boundaries") {
    const std::vector<std::vector<double>> l{{0, 4}, {1, 2}, {2, 1}, {4, 0}};
    const std::vector<std::size_t> front{0, 1, 2, 3};
    const auto d = detail::crowding_distance(l, front);
    const double inf = std::numeric_limits<double>::infinity();
    CHECK(d[0] == inf);
    CHECK(d[3] == inf);
    CHECK(d[1] == doctest::Approx(2.0 / 4 + 3.0 / 4));
    CHECK(d[2] == doctest::Approx(3.0 / 4 + 2.0 / 4));
    // Truncation keeps the boundary points first, ties going to the later position.
    CHECK(detail::crowding_truncate(l, front, 2) == std::vector<std::size_t>{3, 0});
    // Ties in one objective contribute nothing.
    const std::vector<std::vector<double>> flat{{1, 0}, {1, 1}, {1, 2}};
    const auto df = detail::crowding_distance(flat, std::vector<std::size_t>{0, 1, 2});
    CHECK(df[1] == doctest::Approx(1.0));
  }

  TEST_CASE("rank-then-crowding tournament runs and reproduces") {
    const auto dims = uniform_dims(20, 8);
    nsga2_sampler a{P([](nsga2_params& p) { p.population_size = 10; p.tournament = tournament_kind::rank_crowding; p.seed = 4; })};
    nsga2_sampler b{P([](nsga2_params& p) { p.population_size = 10; p.tournament = tournament_kind::rank_crowding; p.seed = 4; })};
    const auto ha = run_study(a, dims, two_min, zdt1, 40);
    const auto hb = run_study(b, dims, two_min, zdt1, 40);
    for (std::size_t i = 0; i < 40; ++i) CHECK(ha[i].params == hb[i].params);
  }

  TEST_CASE("a complete trial with the wrong number of values is a shape_error") {
    const auto dims = uniform_dims(2, 3);
    std::vector<trial> h{complete_trial(0, {0, 1}, {1.0})};
    nsga2_sampler s;
    CHECK_THROWS_AS(s.ask({dims, h, two_min, 1}), shape_error);
    h[0].values = {1.0, 2.0};
    h[0].params = {0};
    CHECK_THROWS_AS(s.ask({dims, h, two_min, 1}), shape_error);
  }

  TEST_CASE("every invalid parameter is a config_error naming field and value") {
    check_error(P([](nsga2_params& p) { p.population_size = 1; }), "nsgaii.population_size = 1: must be >= 2");
    check_error(P([](nsga2_params& p) { p.population_size = 2; p.crossover.kind = crossover_kind::undx; }),
                "nsgaii.population_size = 2: must be >= 3");
    check_error(P([](nsga2_params& p) { p.mutation_prob = 1.5; }), "nsgaii.mutation_prob = 1.5: must be in [0, 1]");
    check_error(P([](nsga2_params& p) { p.crossover_prob = -0.1; }), "nsgaii.crossover_prob = -0.1");
    check_error(P([](nsga2_params& p) { p.swapping_prob = 2.0; }), "nsgaii.swapping_prob = 2: must be in [0, 1]");
    check_error(P([](nsga2_params& p) { p.crossover.alpha = -1.0; }), "nsgaii.crossover.alpha = -1: must be finite and >= 0");
    check_error(P([](nsga2_params& p) { p.crossover.eta = 0.0; }), "nsgaii.crossover.eta = 0: must be finite and > 0");
    check_error(P([](nsga2_params& p) { p.crossover.sigma_xi = -2.0; }), "nsgaii.crossover.sigma_xi = -2");
    check_error(P([](nsga2_params& p) { p.crossover.sigma_eta = -1.0; }), "nsgaii.crossover.sigma_eta = -1");
    check_error(P([](nsga2_params& p) { p.crossover.epsilon = 0.0; }), "nsgaii.crossover.epsilon = 0");
    CHECK(parse_crossover("sbx") == crossover_kind::sbx);
    CHECK_THROWS_WITH_AS(parse_crossover("blx", "nsgaii.crossover"),
                         doctest::Contains("nsgaii.crossover = \"blx\": expected one of"),
                         config_error);
  }
}
