#include <doctest/doctest.h>

#include <mixprec/samplers/brute_force.hpp>
#include <mixprec/search/study.hpp>

#include <set>
#include <vector>

using namespace mixprec;

namespace {
const std::vector<dimension> dims{{"a", 3}, {"b", 1}, {"c", 4}, {"d", 2}};  // 24 points
std::vector<std::vector<std::size_t>> run(std::uint64_t seed) {
  study st{brute_force_sampler{{.seed = seed}}, dims};
  const auto r = st.optimize([](trial_handle&) { return 1.0; }, {.n_trials = 1000});
  CHECK(r.reason == stop_reason::sampler_exhausted);
  std::vector<std::vector<std::size_t>> out;
  for (const auto& t : st.trials()) out.push_back(t.params);
  return out;
}
}  // namespace

TEST_SUITE("samplers/brute_force") {
  TEST_CASE("every point exactly once, then the study stops; the order is seeded") {
    const auto a = run(3);
    CHECK(a.size() == 24);
    CHECK(std::set<std::vector<std::size_t>>(a.begin(), a.end()).size() == 24);
    for (const auto& p : a)
      for (std::size_t i = 0; i < dims.size(); ++i) CHECK(p[i] < dims[i].n_choices);
    CHECK(run(3) == a);
    CHECK(run(4) != a);
  }

  TEST_CASE("asking after the last point throws search_exhausted") {
    const std::vector<dimension> d{{"x", 2}};
    study st{brute_force_sampler{}, d};
    for (int i = 0; i < 2; ++i) st.tell(st.ask().number(), 0.0);
    CHECK_THROWS_AS(st.ask(), search_exhausted);
    CHECK(st.n_trials() == 2);  // the failed ask added nothing
  }

  TEST_CASE("failed and pruned trials count as tried; running ones are avoided") {
    const std::vector<dimension> d{{"x", 3}};
    study st{brute_force_sampler{{.seed = 2}}, d};
    auto a = st.ask();
    st.tell(a.number(), trial_state::fail);
    auto b = st.ask();
    CHECK(b.params() != a.params());
    auto c = st.ask();  // b still running
    CHECK(c.params() != a.params());
    CHECK(c.params() != b.params());
    st.tell(b.number(), trial_state::pruned);
    st.tell(c.number(), 1.0);
    const auto all = st.trials();
    CHECK(st.sampler().exhausted({d, all, st.directions(), all.size()}));
  }

  TEST_CASE("duplicates in the history (enqueued points) are counted once") {
    const std::vector<dimension> d{{"x", 2}, {"y", 2}};
    study st{brute_force_sampler{}, d};
    st.enqueue({0, 0});
    st.enqueue({0, 0});
    const auto r = st.optimize([](trial_handle&) { return 1.0; }, {.n_trials = 10});
    CHECK(r.reason == stop_reason::sampler_exhausted);
    CHECK(r.n_trials_run == 5);  // two enqueued copies + three remaining points
  }

  TEST_CASE("the tutorial's space is too large: config_error naming its size") {
    std::vector<dimension> d;
    for (int node = 0; node < 5; ++node)
      for (std::size_t k : {1, 2, 7, 3, 7, 3, 7}) d.push_back({std::to_string(d.size()), k});
    brute_force_sampler s;
    CHECK_THROWS_WITH_AS(s.ask({d, {}, {}, 0}),
                         doctest::Contains("8970840307219974624 points (10^18.95)"), config_error);
    CHECK_THROWS_AS(brute_force_sampler({.max_points = 0}), config_error);
  }
}
