#include <doctest/doctest.h>

#include <mixprec/search/registry.hpp>
#include <mixprec/search/study.hpp>

#include <vector>

using namespace mixprec;

TEST_SUITE("search/registry") {
  TEST_CASE("every registered name builds its sampler, which behaves as the direct type") {
    const std::vector<dimension> dims{{"a", 3}, {"b", 5}};
    for (const auto& name : registered_sampler_names()) {
      CAPTURE(name);
      any_sampler s = make_sampler(name, 7);
      CHECK(s.name() == name);
      const sample_context ctx{dims, {}, {}, 3};
      const auto p = s.ask(ctx);
      REQUIRE(p.size() == 2);
      CHECK(p[0] < 3);
      CHECK(p[1] < 5);
    }
    any_sampler r = make_sampler("random", 7);
    random_sampler direct{{.seed = 7}};
    const sample_context ctx{dims, {}, {}, 9};
    CHECK(r.ask(ctx) == direct.ask(ctx));
    CHECK(std::holds_alternative<grid_sampler>(make_sampler("grid").variant()));
  }

  TEST_CASE("the registry object drives a study, exhaustion included") {
    const std::vector<dimension> dims{{"a", 2}, {"b", 3}};
    study st{make_sampler("bruteforce", 1), dims};
    const auto r = st.optimize([](trial_handle&) { return 0.0; }, {.n_trials = 100});
    CHECK(r.reason == stop_reason::sampler_exhausted);
    CHECK(r.n_trials_run == 6);
    study rs{make_sampler("random", 1), dims};
    CHECK(rs.optimize([](trial_handle&) { return 0.0; }, {.n_trials = 10}).n_trials_run == 10);
  }

  TEST_CASE("an unknown name is a config_error listing the valid names") {
    CHECK_THROWS_WITH_AS(make_sampler("annealing"),
                         doctest::Contains("sampler = \"annealing\": unknown sampler; valid names are random"),
                         config_error);
  }
}
