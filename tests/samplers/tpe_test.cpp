#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include <mixprec/samplers/tpe.hpp>

#include "../test_data.hpp"

using namespace mixprec;
using json = nlohmann::json;

namespace {

const json& golden() {
  static const json j = [] {
    std::ifstream in(testing::data_dir() / "tpe" / "tpe_cases.json");
    REQUIRE(in.good());
    return json::parse(in);
  }();
  return j;
}

struct tpe_case {
  std::vector<dimension> dims;
  std::vector<trial> history;
  std::vector<direction> dirs;
  sample_context ctx() const {
    return {dims, history, dirs, history.size()};
  }
};

trial_state state_of(const std::string& s) {
  if (s == "COMPLETE") return trial_state::complete;
  if (s == "FAIL") return trial_state::fail;
  if (s == "PRUNED") return trial_state::pruned;
  if (s == "RUNNING") return trial_state::running;
  return trial_state::waiting;
}

tpe_case load_case(const json& c) {
  tpe_case out;
  std::size_t d = 0;
  for (auto k : c["n_choices"]) {
    std::string name = std::to_string(d++);
    name.insert(0, 1, 'p');
    out.dims.push_back({name, k.get<std::size_t>()});
  }
  for (const auto& s : c["directions"]) out.dirs.push_back(parse_direction(s.get<std::string>()));
  for (const auto& t : c["trials"]) {
    trial tr;
    tr.number = t["number"].get<std::size_t>();
    tr.state = state_of(t["state"].get<std::string>());
    tr.params = t["params"].get<std::vector<std::size_t>>();
    tr.values = t["values"].get<std::vector<double>>();
    out.history.push_back(tr);
  }
  return out;
}

tpe_params params_of(const json& c) {
  tpe_params p;
  p.constant_liar = c["constant_liar"].get<bool>();
  p.multivariate = c["multivariate"].get<bool>();
  return p;
}

trial make_trial(std::size_t number, trial_state state, std::vector<std::size_t> params,
                 std::vector<double> values) {
  trial t;
  t.number = number;
  t.state = state;
  t.params = std::move(params);
  t.values = std::move(values);
  return t;
}

const trial& by_number(const tpe_case& tc, std::size_t number) {
  return tc.history.at(number);
}

// Observations of the joint (or one) dimension of a set of trials, in the set's order.
std::vector<std::size_t> rows_of(const tpe_case& tc, const std::vector<std::size_t>& numbers,
                                 const std::vector<std::size_t>& dims) {
  std::vector<std::size_t> out;
  for (auto n : numbers)
    for (auto d : dims) out.push_back(by_number(tc, n).params[d]);
  return out;
}

}  // namespace

TEST_SUITE("tpe") {
  TEST_CASE("default_gamma and default_weights equal Optuna 3.1's") {
    for (const auto& [n, g] : golden()["default_gamma"].items())
      CHECK(default_gamma(std::stoul(n)) == g.get<std::size_t>());
    for (const auto& [n, w] : golden()["default_weights"].items()) {
      const auto ours = default_weights(std::stoul(n));
      const auto theirs = w.get<std::vector<double>>();
      REQUIRE(ours.size() == theirs.size());
      for (std::size_t i = 0; i < ours.size(); ++i) CHECK(ours[i] == theirs[i]);
    }
    CHECK(hyperopt_default_gamma(100) == 3);
  }

  TEST_CASE("np_argsort and np_argsort_codes reproduce numpy's default argsort with ties") {
    std::vector<std::uint64_t> buf;
    std::vector<std::uint32_t> scratch;
    for (const auto& a : golden()["argsort"]) {
      const auto v = a["values"].get<std::vector<double>>();
      const auto expected = a["argsort"].get<std::vector<std::size_t>>();
      std::vector<std::size_t> idx(v.size()), idx2(v.size());
      detail::np_argsort(v, idx);
      CHECK(idx == expected);
      std::vector<std::uint32_t> codes(v.begin(), v.end());
      detail::np_argsort_codes(codes, idx2, buf, scratch);
      CHECK(idx2 == expected);
    }
  }

  TEST_CASE("split, weights and log l / log g of every choice match Optuna 3.1 (1e-9)") {
    for (const auto& c : golden()["cases"]) {
      CAPTURE(c["name"].get<std::string>());
      const auto tc = load_case(c);
      tpe_sampler s(params_of(c));
      const auto snap = s.inspect(tc.ctx());
      CHECK(snap.n == c["n"].get<std::size_t>());
      CHECK_FALSE(snap.startup);
      CHECK(snap.below == c["below"].get<std::vector<std::size_t>>());
      CHECK(snap.above == c["above"].get<std::vector<std::size_t>>());
      const auto wb = c["below_weights"].get<std::vector<double>>();
      REQUIRE(snap.below_weights.size() == wb.size());
      for (std::size_t i = 0; i < wb.size(); ++i) CHECK(snap.below_weights[i] == doctest::Approx(wb[i]).epsilon(1e-12));
      if (c["multivariate"].get<bool>()) continue;
      const auto& ps = c["params"];
      for (std::size_t d = 0; d < tc.dims.size(); ++d) {
        CAPTURE(d);
        if (ps[d].is_null()) {
          CHECK(snap.log_l[d].empty());
          continue;
        }
        const auto ll = ps[d]["log_l"].get<std::vector<double>>();
        const auto lg = ps[d]["log_g"].get<std::vector<double>>();
        REQUIRE(snap.log_l[d].size() == ll.size());
        for (std::size_t v = 0; v < ll.size(); ++v) {
          CHECK(std::fabs(snap.log_l[d][v] - ll[v]) < 1e-9);
          CHECK(std::fabs(snap.log_g[d][v] - lg[v]) < 1e-9);
        }
      }
    }
  }

  TEST_CASE("candidates drawn from l with RandomState(seed) and the chosen index match Optuna") {
    for (const auto& c : golden()["cases"]) {
      if (c["multivariate"].get<bool>()) continue;
      CAPTURE(c["name"].get<std::string>());
      const auto tc = load_case(c);
      const auto snap = tpe_sampler(params_of(c)).inspect(tc.ctx());
      const auto& ps = c["params"];
      for (std::size_t d = 0; d < tc.dims.size(); ++d) {
        if (ps[d].is_null()) continue;
        CAPTURE(d);
        const auto obs_i = rows_of(tc, snap.below, {d});
        const std::vector<double> obs(obs_i.begin(), obs_i.end());
        detail::int_parzen l;
        detail::phi_cache cache;
        l.build(obs, snap.below_weights, tc.dims[d].n_choices, {}, cache, true);
        numpy_rng rng(ps[d]["sample_seed"].get<std::uint32_t>());
        std::vector<std::size_t> cand;
        l.sample(rng, 24, cand);
        CHECK(cand == ps[d]["candidates"].get<std::vector<std::size_t>>());
        CHECK(tpe_sampler::choose(cand, snap.log_l[d], snap.log_g[d]) == ps[d]["chosen"].get<std::size_t>());
      }
    }
  }

  TEST_CASE("ask draws every parameter's candidates in order from the trial's stream") {
    for (const auto& c : golden()["cases"]) {
      if (c["multivariate"].get<bool>()) continue;
      CAPTURE(c["name"].get<std::string>());
      const auto tc = load_case(c);
      tpe_sampler s(params_of(c));
      auto ctx = tc.ctx();
      ctx.trial_number = 12345;
      const auto snap = s.inspect(ctx);
      numpy_rng rng(mix_seed(0, 12345));
      std::vector<std::size_t> expected(tc.dims.size(), 0), cand;
      for (std::size_t d = 0; d < tc.dims.size(); ++d) {
        if (tc.dims[d].n_choices == 1) continue;
        const auto obs_i = rows_of(tc, snap.below, {d});
        const std::vector<double> obs(obs_i.begin(), obs_i.end());
        detail::int_parzen l;
        detail::phi_cache cache;
        l.build(obs, snap.below_weights, tc.dims[d].n_choices, {}, cache, true);
        l.sample(rng, 24, cand);
        expected[d] = tpe_sampler::choose(cand, snap.log_l[d], snap.log_g[d]);
      }
      CHECK(s.ask(ctx) == expected);
    }
  }

  TEST_CASE("multivariate: joint candidates, their log densities and the choice match Optuna") {
    for (const auto& c : golden()["cases"]) {
      if (!c["multivariate"].get<bool>()) continue;
      CAPTURE(c["name"].get<std::string>());
      const auto tc = load_case(c);
      const auto snap = tpe_sampler(params_of(c)).inspect(tc.ctx());
      const auto& jt = c["joint"];
      const auto dims = jt["dims"].get<std::vector<std::size_t>>();
      std::vector<std::size_t> ks;
      for (auto d : dims) ks.push_back(tc.dims[d].n_choices);
      detail::mv_int_parzen l, g;
      l.build(rows_of(tc, snap.below, dims), snap.below_weights, ks, {});
      g.build(rows_of(tc, snap.above, dims), default_weights(snap.above.size()), ks, {});
      numpy_rng rng(jt["sample_seed"].get<std::uint32_t>());
      std::vector<std::size_t> active, cand;
      l.sample(rng, 24, active, cand);
      const auto expected = jt["candidates"].get<std::vector<std::vector<std::size_t>>>();
      const auto ll = jt["log_l"].get<std::vector<double>>();
      const auto lg = jt["log_g"].get<std::vector<double>>();
      std::size_t best = 0;
      double best_score = -INFINITY;
      for (std::size_t i = 0; i < 24; ++i) {
        const std::vector<std::size_t> x(cand.begin() + static_cast<std::ptrdiff_t>(i * dims.size()),
                                         cand.begin() + static_cast<std::ptrdiff_t>((i + 1) * dims.size()));
        CHECK(x == expected[i]);
        const double a = l.log_pdf(x), b = g.log_pdf(x);
        CHECK(std::fabs(a - ll[i]) < 1e-9);
        CHECK(std::fabs(b - lg[i]) < 1e-9);
        if (a - b > best_score) best = i, best_score = a - b;
      }
      CHECK(expected[best] == jt["chosen"].get<std::vector<std::size_t>>());
    }
  }

  TEST_CASE("ask: indexes in range, single-choice dimensions 0, reproducible per seed") {
    for (const auto& c : golden()["cases"]) {
      CAPTURE(c["name"].get<std::string>());
      const auto tc = load_case(c);
      const auto p = params_of(c);
      tpe_sampler a(p), b(p);
      for (std::size_t t = 0; t < 8; ++t) {
        auto ctx = tc.ctx();
        ctx.trial_number = tc.history.size() + t;
        const auto x = a.ask(ctx);
        REQUIRE(x.size() == tc.dims.size());
        for (std::size_t d = 0; d < x.size(); ++d) {
          CHECK(x[d] < tc.dims[d].n_choices);
          if (tc.dims[d].n_choices == 1) CHECK(x[d] == 0);
        }
        CHECK(b.ask(ctx) == x);
      }
    }
  }

  TEST_CASE("startup trials are uniform draws; failed and waiting trials do not count") {
    const std::vector<dimension> dims{{"a", 7}, {"b", 1}, {"c", 3}, {"d", 2}};
    std::vector<trial> h;
    for (std::size_t i = 0; i < 9; ++i) h.push_back(make_trial(i, trial_state::complete, {i % 7, 0, i % 3, i % 2}, {double(i)}));
    for (std::size_t i = 9; i < 15; ++i) h.push_back(make_trial(i, trial_state::fail, {1, 0, 1, 1}, {}));
    h.push_back(make_trial(15, trial_state::waiting, {}, {}));
    const std::vector<direction> dirs{direction::minimize};
    tpe_sampler s({.seed = 3});
    const sample_context ctx{dims, h, dirs, 16};
    CHECK(s.inspect(ctx).startup);
    CHECK(s.inspect(ctx).n == 9);
    numpy_rng rng(mix_seed(3, 16));
    std::vector<std::size_t> expected(4, 0);
    for (std::size_t d : {0u, 2u, 3u}) {
      const double x = std::nearbyint(rng.uniform(-0.5, double(dims[d].n_choices) - 0.5));
      expected[d] = static_cast<std::size_t>(std::clamp(x, 0.0, double(dims[d].n_choices - 1)));
    }
    CHECK(s.ask(ctx) == expected);
    // Another seed or another trial number gives another stream.
    bool differs = false;
    for (std::size_t t = 16; t < 24; ++t) {
      const sample_context c{dims, h, dirs, t};
      differs = differs || tpe_sampler({.seed = 4}).ask(c) != s.ask(c);
    }
    CHECK(differs);
    // One more complete trial ends the startup phase.
    h.push_back(make_trial(16, trial_state::complete, {3, 0, 1, 0}, {0.5}));
    const sample_context ctx2{dims, h, dirs, 17};
    CHECK_FALSE(s.inspect(ctx2).startup);
    CHECK(tpe_sampler({.n_startup_trials = 20}).inspect(ctx2).startup);
  }

  TEST_CASE("constant_liar puts running trials in the bad set (one objective only, as in 3.1)") {
    const json* liar = nullptr;
    for (const auto& c : golden()["cases"])
      if (c["name"] == "so_constant_liar") liar = &c;
    REQUIRE(liar);
    const auto tc = load_case(*liar);
    const auto with = tpe_sampler({.constant_liar = true}).inspect(tc.ctx());
    const auto without = tpe_sampler(tpe_params{}).inspect(tc.ctx());
    CHECK(with.n == without.n);
    CHECK(with.above.size() == without.above.size() + 3);
    for (std::size_t n = 30; n < 33; ++n) {
      CHECK(std::find(with.above.begin(), with.above.end(), n) != with.above.end());
      CHECK(std::find(without.above.begin(), without.above.end(), n) == without.above.end());
    }
    bool g_differs = false;
    for (std::size_t d = 0; d < tc.dims.size(); ++d) g_differs = g_differs || with.log_g[d] != without.log_g[d];
    CHECK(g_differs);
    // Two objectives: running trials are ignored even with the liar.
    auto mo = tc;
    mo.dirs = {direction::minimize, direction::minimize};
    for (auto& t : mo.history)
      if (t.state == trial_state::complete) t.values = {t.values[0], -t.values[0]};
    CHECK(tpe_sampler({.constant_liar = true}).inspect(mo.ctx()).above ==
          tpe_sampler(tpe_params{}).inspect(mo.ctx()).above);
  }

  TEST_CASE("multivariate samples all multi-choice dimensions jointly and changes the draws") {
    const json* c = nullptr;
    for (const auto& x : golden()["cases"])
      if (x["name"] == "mv_so") c = &x;
    REQUIRE(c);
    const auto tc = load_case(*c);
    tpe_sampler uni(tpe_params{}), joint({.multivariate = true});
    bool differs = false;
    for (std::size_t t = 0; t < 10; ++t) {
      auto ctx = tc.ctx();
      ctx.trial_number += t;
      const auto a = uni.ask(ctx), b = joint.ask(ctx);
      CHECK(b[2] == 0);
      differs = differs || a != b;
    }
    CHECK(differs);
  }

  TEST_CASE("TPE beats random search on a separable objective (fixed seeds)") {
    const std::vector<dimension> dims{{"a", 7}, {"b", 7}, {"c", 3}, {"d", 7}, {"e", 2}};
    const auto f = [](const std::vector<std::size_t>& x) {
      return std::pow(double(x[0]) - 5, 2) + std::pow(double(x[1]) - 1, 2) + double(x[2] != 2) +
             std::pow(double(x[3]) - 3, 2) + double(x[4]);
    };
    const std::vector<direction> dirs{direction::minimize};
    double tpe_late = 0, random_late = 0;
    for (std::uint64_t seed = 0; seed < 3; ++seed) {
      tpe_sampler s({.seed = seed});
      std::vector<trial> h;
      for (std::size_t i = 0; i < 60; ++i) {
        const auto x = s.ask({dims, h, dirs, i});
        h.push_back(make_trial(i, trial_state::complete, x, {f(x)}));
        if (i >= 30) tpe_late += f(x);
      }
      tpe_sampler r({.n_startup_trials = 1000, .seed = seed});
      std::vector<trial> hr;
      for (std::size_t i = 0; i < 60; ++i) {
        const auto x = r.ask({dims, hr, dirs, i});
        hr.push_back(make_trial(i, trial_state::complete, x, {f(x)}));
        if (i >= 30) random_late += f(x);
      }
    }
    CHECK(tpe_late < 0.6 * random_late);
  }

  TEST_CASE("bad parameters and bad contexts throw, naming the field and value") {
    const auto msg = [](const tpe_params& p) {
      try {
        tpe_sampler s(p);
      } catch (const config_error& e) {
        return std::string(e.what());
      }
      return std::string();
    };
    CHECK(msg({.n_startup_trials = -1}) == "tpe.n_startup_trials = -1: must be >= 0");
    CHECK(msg({.n_ei_candidates = 0}) == "tpe.n_ei_candidates = 0: must be >= 1");
    CHECK(msg({.gamma = nullptr}) == "tpe.gamma = <empty>: must be a function of n");
    CHECK(msg({.weights = nullptr}) == "tpe.weights = <empty>: must be a function of n");
    CHECK(msg({.prior_weight = 0.0}).rfind("tpe.prior_weight = 0", 0) == 0);
    CHECK(msg({.prior_weight = NAN}).rfind("tpe.prior_weight = nan", 0) == 0);

    const auto tc = load_case(golden()["cases"][0]);
    tpe_sampler neg({.weights = [](std::size_t n) { return std::vector<double>(n, -1.0); }});
    CHECK_THROWS_WITH_AS(neg.ask(tc.ctx()), "tpe.weights(4) returned -1.000000: weights must be >= 0",
                         config_error);
    tpe_sampler zero({.weights = [](std::size_t n) { return std::vector<double>(n, 0.0); }});
    CHECK_THROWS_AS(zero.ask(tc.ctx()), config_error);
    tpe_sampler shortw({.weights = [](std::size_t) { return std::vector<double>{1.0}; }});
    CHECK_THROWS_WITH_AS(shortw.ask(tc.ctx()), "tpe.weights(4) returned 1 values: expected 4", config_error);

    tpe_sampler s;
    const std::vector<direction> none;
    CHECK_THROWS_AS(s.ask({tc.dims, tc.history, none, 0}), shape_error);
    const std::vector<dimension> empty_dim{{"x", 0}};
    const std::vector<direction> one{direction::minimize};
    CHECK_THROWS_WITH_AS(s.ask({empty_dim, {}, one, 0}), "tpe: dimension \"x\" has 0 choices: expected >= 1",
                         shape_error);
  }
}
