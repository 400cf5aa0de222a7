#include <doctest/doctest.h>

#include <cmath>

#include <mixprec/io/npy.hpp>
#include <mixprec/random.hpp>
#include <mixprec/samplers/qmc.hpp>

#include "../test_data.hpp"
#include "study_loop.hpp"

using namespace mixprec;

namespace {
// scipy's points, written by tests/data/sobol/make_sobol_data.py (rows of n_dims doubles).
std::vector<double> scipy_points(const char* file) {
  return io::read_npy(mixprec::testing::data_dir() / "sobol" / file).as<double>();
}

trial finished(std::size_t number, trial_state s) {
  trial t;
  t.number = number;
  t.state = s;
  t.params = {0, 0};
  if (s == trial_state::complete) t.values = {1.0};
  return t;
}
}  // namespace

TEST_SUITE("qmc") {
  TEST_CASE("unscrambled Sobol points equal scipy.stats.qmc.Sobol's exactly") {
    struct set { const char* file; std::size_t dims, n, first; };
    for (auto s : {set{"sobol_d40_n256.npy", 40, 256, 0}, set{"sobol_d1024_n8.npy", 1024, 8, 0},
                   set{"sobol_d7_from1000_n16.npy", 7, 16, 1000}}) {
      const auto ref = scipy_points(s.file);
      REQUIRE(ref.size() == s.dims * s.n);
      for (std::size_t i = 0; i < s.n; ++i) {
        const auto p = sobol_point(s.dims, s.first + i);
        for (std::size_t d = 0; d < s.dims; ++d)
          REQUIRE_MESSAGE(p[d] == ref[i * s.dims + d], s.file << " point " << i << " dim " << d);
      }
    }
    CHECK_THROWS_AS(sobol_point(detail::sobol_max_dims + 1, 0), shape_error);
  }

  TEST_CASE("unscrambled Halton points equal scipy.stats.qmc.Halton's") {
    const auto ref = scipy_points("halton_d12_n128.npy");
    for (std::size_t i = 0; i < 128; ++i) {
      const auto p = halton_point(12, i);
      for (std::size_t d = 0; d < 12; ++d)
        CHECK(p[d] == doctest::Approx(ref[i * 12 + d]).epsilon(1e-15));
    }
  }

  TEST_CASE("first trial random, then Sobol points from 0 with round-half-to-even") {
    const std::vector<dimension> dims{{"a", 4}, {"b", 3}};
    const std::vector<direction> dirs{direction::minimize};
    qmc_sampler s;
    std::vector<trial> h;
    // Nothing finished: Optuna's RandomSampler draw.
    const auto first = s.ask({dims, h, dirs, 0});
    numpy_rng rng{mix_seed(0, 0)};
    CHECK(first[0] == static_cast<std::size_t>(std::clamp(std::nearbyint(rng.uniform(-0.5, 3.5)), 0.0, 3.0)));
    h.push_back(finished(0, trial_state::fail));  // a failure does not start the sequence
    CHECK(s.ask({dims, h, dirs, 1}) != std::vector<std::size_t>{99, 99});
    h.push_back(finished(1, trial_state::complete));
    // Trial 2 gets point 0 (all zeros), trial 3 point 1 (0.5, 0.5), trial 4 point 2 (0.75, 0.25).
    CHECK(s.ask({dims, h, dirs, 2}) == std::vector<std::size_t>{0, 0});
    CHECK(s.ask({dims, h, dirs, 3}) == std::vector<std::size_t>{2, 1});  // 1.5 -> 2, 1.0 -> 1
    CHECK(s.ask({dims, h, dirs, 4}) == std::vector<std::size_t>{2, 0});  // 2.5 -> 2 (half-even)
    CHECK(s.ask({dims, h, dirs, 5}) == std::vector<std::size_t>{0, 2});  // u = (0.25, 0.75)
    // A pruned trial also starts the sequence.
    std::vector<trial> hp{finished(0, trial_state::pruned)};
    CHECK(s.ask({dims, hp, dirs, 1}) == std::vector<std::size_t>{0, 0});
  }

  TEST_CASE("single-choice dimensions keep their Sobol coordinate (Optuna 3.1)") {
    const std::vector<dimension> dims{{"fixed", 1}, {"a", 4}};
    const std::vector<direction> dirs{direction::minimize};
    qmc_sampler s;
    std::vector<trial> h{finished(0, trial_state::complete)};
    for (std::size_t i = 0; i < 20; ++i) {
      const auto got = s.ask({dims, h, dirs, 1 + i});
      const auto u = sobol_point(2, i);
      CHECK(got[0] == 0);
      CHECK(got[1] == static_cast<std::size_t>(std::clamp(std::nearbyint(-0.5 + 4 * u[1]), 0.0, 3.0)));
    }
  }

  TEST_CASE("Halton type, range and reproducibility") {
    qmc_params p;
    p.qmc_type = "halton";
    qmc_sampler s{p};
    const auto dims = mixprec::testing::uniform_dims(20, 8);
    const std::vector<direction> dirs{direction::minimize, direction::minimize};
    const auto h = mixprec::testing::run_study(s, dims, dirs, mixprec::testing::zdt1, 30);
    for (const auto& t : h)
      for (auto v : t.params) CHECK(v < 8);
    CHECK(h[1].params == std::vector<std::size_t>(20, 0));
    const auto u = halton_point(20, 5);
    CHECK(h[6].params[1] == static_cast<std::size_t>(std::nearbyint(-0.5 + 8 * u[1])));
  }

  TEST_CASE("every invalid parameter is a config_error naming field and value") {
    qmc_params p;
    p.qmc_type = "lhs";
    CHECK_THROWS_WITH_AS(qmc_sampler{p}, "qmc.qmc_type = \"lhs\": expected \"sobol\" or \"halton\"",
                         config_error);
    p = {};
    p.scramble = true;
    CHECK_THROWS_WITH_AS(qmc_sampler{p}, doctest::Contains("qmc.scramble = true"), config_error);
  }
}
