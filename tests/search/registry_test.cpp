#include <doctest/doctest.h>

#include <mixprec/search/registry.hpp>
#include <mixprec/search/study.hpp>

#include <vector>

using namespace mixprec;

TEST_SUITE("search/registry") {
  TEST_CASE("every registered name builds its sampler, which behaves as the direct type") {
    const std::vector<dimension> dims{{"a", 3}, {"b", 5}};
    const std::vector<direction> dirs{direction::minimize};
    for (const auto& name : registered_sampler_names()) {
      CAPTURE(name);
      any_sampler s = make_sampler(name, 7);
      CHECK(s.name() == name);
      const sample_context ctx{dims, {}, dirs, 3};
      const auto p = s.ask(ctx);
      REQUIRE(p.size() == 2);
      CHECK(p[0] < 3);
      CHECK(p[1] < 5);
    }
    any_sampler r = make_sampler("random", 7);
    random_sampler direct{{.seed = 7}};
    const sample_context ctx{dims, {}, dirs, 9};
    CHECK(r.ask(ctx) == direct.ask(ctx));
    any_sampler t = make_sampler("tpe", 5);
    tpe_params tp;
    tp.seed = 5;
    tpe_sampler tpe_direct{tp};
    CHECK(t.ask(ctx) == tpe_direct.ask(ctx));
    CHECK(std::holds_alternative<grid_sampler>(make_sampler("grid").variant()));
  }

  TEST_CASE("the registry object drives a study, exhaustion included") {
    const std::vector<dimension> dims{{"a", 2}, {"b", 3}};
    study st{make_sampler("bruteforce", 1), dims};
    const auto r = st.optimize([](trial_handle&) { return 0.0; }, {.n_trials = 100});
    CHECK(r.reason == stop_reason::sampler_exhausted);
    CHECK(r.n_trials_run == 6);
    for (const char* name : {"tpe", "nsgaii", "nsgaiii", "qmc", "random"}) {
      CAPTURE(name);
      study rs{make_sampler(name, 1), dims, {direction::minimize, direction::maximize}};
      const auto res = rs.optimize([](trial_handle& t) {
        return std::vector<double>{double(t.params()[0]), double(t.params()[1])};
      }, {.n_trials = 30});
      CHECK(res.n_trials_run == 30);
      CHECK(res.reason == stop_reason::n_trials);
      CHECK_FALSE(rs.best_trials().empty());
    }
  }

  TEST_CASE("an unknown name is a config_error listing the valid names") {
    CHECK_THROWS_WITH_AS(make_sampler("annealing"),
                         doctest::Contains("sampler = \"annealing\": unknown sampler; valid names are tpe, nsgaii, nsgaiii, qmc, random, grid, bruteforce"),
                         config_error);
  }
}
