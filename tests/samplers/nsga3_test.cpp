#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include <mixprec/samplers/nsga3.hpp>
#include <mixprec/search/pareto.hpp>

#include "study_loop.hpp"

using namespace mixprec;
using mixprec::testing::dtlz2;
using mixprec::testing::run_study;
using mixprec::testing::uniform_dims;

namespace {
const std::vector<direction> three_min(3, direction::minimize);

nsga3_params with(std::size_t pop, std::uint64_t seed) {
  nsga3_params p;
  p.population_size = pop;
  p.seed = seed;
  return p;
}

std::size_t binomial(std::size_t n, std::size_t k) {
  std::size_t r = 1;
  for (std::size_t i = 1; i <= k; ++i) r = r * (n - k + i) / i;
  return r;
}

void check_error(const nsga3_params& p, const std::string& needle) {
  try {
    nsga3_sampler s{p};
    FAIL("no config_error for " << needle);
  } catch (const config_error& e) {
    CHECK_MESSAGE(std::string(e.what()).find(needle) != std::string::npos, e.what());
  }
}
}  // namespace

TEST_SUITE("nsga3") {
  TEST_CASE("Das-Dennis reference points: C(H + M - 1, M - 1) integer vectors summing to H") {
    for (std::size_t m = 1; m <= 5; ++m)
      for (std::size_t h = 1; h <= 6; ++h) {
        const auto pts = das_dennis_points(m, h);
        CHECK(pts.size() == binomial(h + m - 1, m - 1));
        std::set<std::vector<double>> distinct(pts.begin(), pts.end());
        CHECK(distinct.size() == pts.size());
        for (const auto& p : pts) {
          double s = 0;
          for (double v : p) s += v;
          CHECK(s == static_cast<double>(h));
        }
      }
    const auto two = das_dennis_points(2, 3);
    CHECK(two == std::vector<std::vector<double>>{{3, 0}, {2, 1}, {1, 2}, {0, 3}});
    CHECK(nsga3_sampler{}.reference_points(3).size() == 10);
  }

  TEST_CASE("normalisation maps the extreme points onto the unit intercepts") {
    const std::vector<std::vector<double>> f{{1, 5}, {3, 3}, {5, 1}, {4, 4}};
    const auto n = detail::nsga3_normalize(f);
    // Ideal (1, 1); extremes (4, 0) and (0, 4) -> intercepts 4.
    CHECK(n[0][0] == doctest::Approx(0.0));
    CHECK(n[0][1] == doctest::Approx(1.0));
    CHECK(n[1][0] == doctest::Approx(0.5));
    CHECK(n[2][0] == doctest::Approx(1.0));
    CHECK(n[3][1] == doctest::Approx(0.75));
  }

  TEST_CASE("values in range, reproducible with a seed, parents keep the first front that fits") {
    const auto dims = uniform_dims(20, 8);
    nsga3_sampler a{with(12, 7)}, b{with(12, 7)}, c{with(12, 8)};
    const auto ha = run_study(a, dims, three_min, dtlz2, 60);
    const auto hb = run_study(b, dims, three_min, dtlz2, 60);
    const auto hc = run_study(c, dims, three_min, dtlz2, 60);
    bool differs = false;
    for (std::size_t i = 0; i < ha.size(); ++i) {
      CHECK(ha[i].params == hb[i].params);
      differs = differs || ha[i].params != hc[i].params;
      for (auto v : ha[i].params) CHECK(v < 8);
    }
    CHECK(differs);
    for (std::size_t n : {12, 24, 36, 48, 60}) {
      const std::span<const trial> past = std::span<const trial>(ha).first(n);
      const auto parents = a.parent_population({dims, past, three_min, n});
      REQUIRE(parents.size() == 12);
      CHECK(std::set<std::size_t>(parents.begin(), parents.end()).size() == 12);
      std::vector<std::vector<double>> l;
      for (const auto& t : past) l.push_back(t.values);
      const auto front = pareto_front_indexes(l);
      if (front.size() <= 12)
        for (auto i : front)
          CHECK(std::find(parents.begin(), parents.end(), past[i].number) != parents.end());
    }
    nsga3_sampler fresh{with(12, 7)};
    CHECK(fresh.ask({dims, std::span<const trial>(ha).first(50), three_min, 50}) == ha[50].params);
  }

  TEST_CASE("user reference points must match the number of objectives") {
    nsga3_params p = with(4, 0);
    p.reference_points = {{1, 0}, {0, 1}};
    nsga3_sampler s{p};
    const auto dims = uniform_dims(20, 8);
    CHECK_THROWS_AS(run_study(s, dims, three_min, dtlz2, 12), shape_error);
  }

  TEST_CASE("every invalid parameter is a config_error naming field and value") {
    nsga3_params p;
    p.population_size = 1;
    check_error(p, "nsgaiii.population_size = 1: must be >= 2");
    p = {};
    p.dividing_parameter = 0;
    check_error(p, "nsgaiii.dividing_parameter = 0: must be >= 1");
    p = {};
    p.crossover_prob = 1.5;
    check_error(p, "nsgaiii.crossover_prob = 1.5: must be in [0, 1]");
    p = {};
    p.reference_points = {{1, 0}, {1, 0, 0}};
    check_error(p, "nsgaiii.reference_points[1] has 3 entries: expected 2");
    p.reference_points = {{1, -1}};
    check_error(p, "nsgaiii.reference_points[0] has entry -1");
    p.reference_points = {{0, 0}};
    check_error(p, "nsgaiii.reference_points[0] is all zeros");
    p.reference_points = {{}};
    check_error(p, "nsgaiii.reference_points[0] is empty");
  }
}
