#include <doctest/doctest.h>

#include <mixprec/random.hpp>
#include <mixprec/search/hypervolume.hpp>

#include <cmath>
#include <limits>
#include <vector>

using namespace mixprec;
using points = std::vector<std::vector<double>>;

namespace {
// Independent check for integer coordinates: count the unit cells of [0, r) that some point
// weakly dominates (cell c is covered iff p <= c in every objective).
double count_cells(const points& ps, const std::vector<int>& r) {
  const std::size_t d = r.size();
  std::vector<int> c(d, 0);
  double covered = 0;
  while (true) {
    for (const auto& p : ps) {
      bool dom = true;
      for (std::size_t k = 0; k < d; ++k) dom = dom && p[k] <= c[k];
      if (dom) {
        ++covered;
        break;
      }
    }
    std::size_t k = 0;
    while (k < d && ++c[k] == r[k]) c[k++] = 0;
    if (k == d) break;
  }
  return covered;
}

points random_points(numpy_rng& rng, std::size_t n, std::size_t d, int hi) {
  points ps(n, std::vector<double>(d));
  for (auto& p : ps)
    for (auto& v : p) v = static_cast<double>(rng.bounded(static_cast<std::uint64_t>(hi)));
  return ps;
}
}  // namespace

TEST_SUITE("search/hypervolume") {
  TEST_CASE("2-D staircase by hand") {
    const points ps{{1, 3}, {2, 2}, {3, 1}};
    const std::vector<double> r{4, 4};
    CHECK(hypervolume_2d(ps, r) == 6.0);  // columns of heights 1, 2, 3
    CHECK(hypervolume(ps, r) == 6.0);
  }

  TEST_CASE("2-D ignores dominated, duplicate and out-of-reference points") {
    const std::vector<double> r{4, 4};
    const points ps{{1, 3}, {2, 2}, {3, 1}, {2, 2}, {3, 3}, {0, 4}, {5, 0}, {3.5, 3.5}};
    CHECK(hypervolume_2d(ps, r) == 6.0);
    CHECK(hypervolume_2d(points{}, r) == 0.0);
    CHECK(hypervolume_2d(points{{4, 0}}, r) == 0.0);
    CHECK(hypervolume_2d(points{{0.5, 1.5}}, r) == 3.5 * 2.5);
  }

  TEST_CASE("1-D is the distance from the best point to the reference") {
    CHECK(hypervolume(points{{3}, {1}, {2}}, std::vector<double>{5}) == 4.0);
    CHECK(hypervolume(points{{6}}, std::vector<double>{5}) == 0.0);
  }

  TEST_CASE("3-D by hand: two boxes and three symmetric boxes") {
    const std::vector<double> r{2, 2, 2};
    // 2*2*1 + 1*1*2 - their intersection 1*1*1.
    CHECK(hypervolume(points{{0, 0, 1}, {1, 1, 0}}, r) == 5.0);
    // Three boxes of 2, pairwise and triple intersections the unit cube: 6 - 3 + 1.
    CHECK(hypervolume(points{{0, 1, 1}, {1, 0, 1}, {1, 1, 0}}, r) == 4.0);
    CHECK(hypervolume(points{{0, 0, 0}}, r) == 8.0);
    CHECK(hypervolume(points{{0, 0, 0}, {1, 1, 1}, {0, 0, 0}}, r) == 8.0);
  }

  TEST_CASE("N-D agrees with counting unit cells on random integer fronts") {
    numpy_rng rng(7);
    for (std::size_t d = 3; d <= 5; ++d)
      for (int rep = 0; rep < 8; ++rep) {
        const int hi = 6;
        const auto ps = random_points(rng, 3 + static_cast<std::size_t>(rep) * 3, d, hi);
        const std::vector<int> ri(d, hi);
        const std::vector<double> r(d, static_cast<double>(hi));
        CHECK(hypervolume(ps, r) == count_cells(ps, ri));
      }
  }

  TEST_CASE("WFG on a 2-D front lifted to 3-D and 4-D equals the 2-D sweep") {
    numpy_rng rng(11);
    for (int rep = 0; rep < 20; ++rep) {
      points ps2, ps3, ps4;
      for (int i = 0; i < 40; ++i) {
        const double x = rng.random_sample(), y = rng.random_sample();
        ps2.push_back({x, y});
        ps3.push_back({x, 0.0, y});    // constant objective, reference 1 above it
        ps4.push_back({0.5, x, y, 0.0});
      }
      const double hv2 = hypervolume_2d(ps2, std::vector<double>{1.1, 1.2});
      CHECK(hypervolume(ps3, std::vector<double>{1.1, 1.0, 1.2}) == doctest::Approx(hv2).epsilon(1e-12));
      CHECK(hypervolume(ps4, std::vector<double>{1.5, 1.1, 1.2, 1.0}) ==
            doctest::Approx(hv2).epsilon(1e-12));
    }
  }

  TEST_CASE("mismatched sizes are shape errors, a NaN reference a config error") {
    CHECK_THROWS_AS(hypervolume_2d(points{{1, 2}}, std::vector<double>{3, 3, 3}), shape_error);
    CHECK_THROWS_WITH_AS(hypervolume(points{{1, 2}, {1}}, std::vector<double>{3, 3}),
                         doctest::Contains("point 1 has 1 objectives"), shape_error);
    CHECK_THROWS_AS(hypervolume(points{}, std::vector<double>{}), shape_error);
    CHECK_THROWS_WITH_AS(hypervolume(points{{1, 2}}, std::vector<double>{std::nan(""), 3}),
                         doctest::Contains("reference[0] = nan: must be a number"), config_error);
  }

  TEST_CASE("points with NaN never count") {
    CHECK(hypervolume(points{{std::nan(""), 1}, {1, 1}}, std::vector<double>{2, 2}) == 1.0);
  }
}
