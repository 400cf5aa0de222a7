#include <doctest/doctest.h>

#include <mixprec/samplers/grid.hpp>
#include <mixprec/search/study.hpp>

#include <set>
#include <vector>

using namespace mixprec;

namespace {
const std::vector<dimension> dims{{"b", 3}, {"a", 2}, {"c", 4}};  // 24 points
std::vector<std::size_t> run_grid(std::uint64_t seed, std::size_t n_trials) {
  study st{grid_sampler{{.seed = seed}}, dims};
  std::vector<std::size_t> ids;
  for (std::size_t i = 0; i < n_trials; ++i) {
    auto h = st.ask();
    ids.push_back(grid_sampler::grid_id(dims, h.params()));
    st.tell(h.number(), 1.0);
  }
  return ids;
}
}  // namespace

TEST_SUITE("samplers/grid") {
  TEST_CASE("grid ids follow Optuna: names sorted, the last name varies fastest") {
    // Sorted names a(2), b(3), c(4): id = (a * 3 + b) * 4 + c.
    const std::vector<std::size_t> p{2, 1, 3};  // b = 2, a = 1, c = 3
    CHECK(grid_sampler::grid_id(dims, p) == (1 * 3 + 2) * 4 + 3);
    for (std::uint64_t id = 0; id < 24; ++id) CHECK(grid_sampler::grid_id(dims, grid_sampler::decode(dims, id)) == id);
  }

  TEST_CASE("every point is visited exactly once, in a shuffled seeded order") {
    const auto ids = run_grid(5, 24);
    CHECK(std::set<std::size_t>(ids.begin(), ids.end()).size() == 24);
    CHECK(run_grid(5, 24) == ids);
    CHECK(run_grid(6, 24) != ids);
    std::vector<std::size_t> identity(24);
    for (std::size_t i = 0; i < 24; ++i) identity[i] = i;
    CHECK(ids != identity);
  }

  TEST_CASE("optimize stops when the grid is exhausted and reports it") {
    study st{grid_sampler{{.seed = 1}}, dims};
    const auto r = st.optimize([](trial_handle&) { return 0.0; }, {.n_trials = 100});
    CHECK(r.reason == stop_reason::sampler_exhausted);
    CHECK(r.n_trials_run == 24);
    CHECK(st.n_trials() == 24);
    const auto ts = st.trials();
    const sample_context all{dims, ts, st.directions(), 24};
    CHECK(st.sampler().exhausted(all));
    CHECK(st.sampler().n_unfinished(all) == 0);
  }

  TEST_CASE("running points are avoided; once all are started, unfinished ones are proposed") {
    const std::vector<dimension> d{{"x", 3}};
    study st{grid_sampler{}, d};
    auto a = st.ask(), b = st.ask(), c = st.ask();
    std::set<std::size_t> seen{a.params()[0], b.params()[0], c.params()[0]};
    CHECK(seen.size() == 3);
    st.tell(a.number(), 1.0);
    st.tell(b.number(), 1.0);
    auto again = st.ask();  // everything started: the one still running is proposed again
    CHECK(again.params() == c.params());
    st.tell(c.number(), 1.0);
    st.tell(again.number(), 1.0);
    const auto all = st.trials();
    CHECK(st.sampler().exhausted({d, all, st.directions(), all.size()}));
    auto revisit = st.ask();  // exhausted: Optuna revisits a random point
    CHECK(revisit.params()[0] < 3);
  }

  TEST_CASE("a grid too large to enumerate is a config_error naming the size") {
    std::vector<dimension> named;
    for (char c = 'a'; c < 'a' + 12; ++c) named.push_back({std::string(1, c), 10});
    grid_sampler s;
    CHECK_THROWS_WITH_AS(s.ask({named, {}, {}, 0}),
                         doctest::Contains("1000000000000 points (10^12.00), more than grid_params.max_points = 10000000"),
                         config_error);
    CHECK_THROWS_AS(grid_sampler({.max_points = 0}), config_error);
  }
}
