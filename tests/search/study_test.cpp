#include <doctest/doctest.h>

#include <mixprec/samplers/grid.hpp>
#include <mixprec/samplers/random.hpp>
#include <mixprec/search/study.hpp>

#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace mixprec;

namespace {
const std::vector<dimension> dims{{"w", 3}, {"x", 4}};

// Records what the study tells it; proposes (trial number mod n) everywhere.
struct counting_sampler {
  std::vector<std::size_t>* told;
  std::vector<std::size_t> ask(const sample_context& ctx) {
    std::vector<std::size_t> p;
    for (const auto& d : ctx.dimensions) p.push_back(ctx.trial_number % d.n_choices);
    return p;
  }
  void tell(const trial& t) { told->push_back(t.number); }
  std::string_view name() const { return "counting"; }
};
static_assert(Sampler<counting_sampler>);

// A broken sampler: proposes an index out of range.
struct bad_sampler {
  std::vector<std::size_t> ask(const sample_context& ctx) { return std::vector<std::size_t>(ctx.dimensions.size(), 99); }
  void tell(const trial&) {}
  std::string_view name() const { return "bad"; }
};
static_assert(Sampler<bad_sampler>);

const double k_nan = std::numeric_limits<double>::quiet_NaN();
const double k_inf = std::numeric_limits<double>::infinity();
}  // namespace

TEST_SUITE("search/study") {
  TEST_CASE("ask numbers trials from 0, runs them, and gives in-range params") {
    study st{random_sampler{{.seed = 1}}, dims};
    for (std::size_t n = 0; n < 5; ++n) {
      auto h = st.ask();
      CHECK(h.number() == n);
      REQUIRE(h.params().size() == 2);
      CHECK(h.params()[0] < 3);
      CHECK(h.params()[1] < 4);
      const trial t = st.get_trial(n);
      CHECK(t.state == trial_state::running);
      CHECK(t.params == h.params());
      CHECK(t.datetime_start_ms > 1'600'000'000'000);  // epoch milliseconds
    }
  }

  TEST_CASE("tell completes a running trial; NaN fails it; infinities are accepted") {
    std::vector<std::size_t> told;
    study st{counting_sampler{&told}, dims, {direction::minimize, direction::maximize}};
    auto a = st.ask(), b = st.ask(), c = st.ask();
    st.tell(a.number(), {1.0, 2.0});
    st.tell(b.number(), {k_nan, 2.0});
    st.tell(c.number(), {-k_inf, k_inf});
    const auto ts = st.trials();
    CHECK(ts[0].state == trial_state::complete);
    CHECK(ts[0].values == std::vector<double>{1.0, 2.0});
    CHECK(ts[0].datetime_complete_ms >= ts[0].datetime_start_ms);
    CHECK(ts[1].state == trial_state::fail);
    CHECK(ts[1].values.empty());
    CHECK(ts[2].state == trial_state::complete);
    CHECK(told == std::vector<std::size_t>{0, 1, 2});
  }

  TEST_CASE("tell errors: unknown trial, not running, wrong value count, COMPLETE without values") {
    study st{random_sampler{}, dims};
    auto a = st.ask();
    CHECK_THROWS_WITH_AS(st.tell(a.number(), std::vector<double>{1.0, 2.0}),
                         doctest::Contains("trial 0 got 2 values for 1 objectives"), shape_error);
    CHECK(st.get_trial(0).state == trial_state::running);  // still running, can be told again
    CHECK_THROWS_WITH_AS(st.tell(a.number(), trial_state::complete), doctest::Contains("COMPLETE needs values"),
                         config_error);
    CHECK_THROWS_AS(st.tell(a.number(), trial_state::running), config_error);
    st.tell(a.number(), 3.0);
    CHECK_THROWS_WITH_AS(st.tell(a.number(), 3.0), doctest::Contains("trial 0 is COMPLETE: expected a RUNNING trial"),
                         config_error);
    CHECK_THROWS_WITH_AS(st.tell(7, 3.0), doctest::Contains("trial 7 does not exist"), config_error);
    const auto w = st.enqueue({0, 0});
    CHECK_THROWS_WITH_AS(st.tell(w, 1.0), doctest::Contains("is WAITING"), config_error);
  }

  TEST_CASE("tell with a state fails or prunes") {
    study st{random_sampler{}, dims};
    auto a = st.ask(), b = st.ask();
    st.tell(a.number(), trial_state::fail);
    st.tell(b.number(), trial_state::pruned);
    CHECK(st.get_trial(0).state == trial_state::fail);
    CHECK(st.get_trial(1).state == trial_state::pruned);
  }

  TEST_CASE("enqueued trials take their number at once and run first with their fixed params") {
    study st{random_sampler{}, dims};
    auto a = st.ask();
    CHECK(st.enqueue({2, 3}) == 1);
    CHECK(st.enqueue({1, 1}) == 2);
    CHECK(st.get_trial(1).state == trial_state::waiting);
    auto b = st.ask();
    CHECK(b.number() == 1);
    CHECK(b.params() == std::vector<std::size_t>{2, 3});
    CHECK(st.ask().number() == 2);
    CHECK(st.ask().number() == 3);
    st.tell(a.number(), 1.0);
    CHECK(st.get_trial(1).fixed_params == std::vector<std::size_t>{2, 3});
    CHECK_THROWS_AS(st.enqueue({1}), shape_error);
    CHECK_THROWS_WITH_AS(st.enqueue({3, 0}), doctest::Contains("index of \"w\" = 3: must be < 3"), config_error);
  }

  TEST_CASE("construction errors: empty choice list, repeated name, no direction, unknown direction") {
    CHECK_THROWS_AS((study{random_sampler{}, std::vector<dimension>{{"w", 0}}}), config_error);
    CHECK_THROWS_AS((study{random_sampler{}, std::vector<dimension>{{"w", 2}, {"w", 3}}}), config_error);
    CHECK_THROWS_AS((study{random_sampler{}, dims, std::vector<direction>{}}), config_error);
    CHECK_THROWS_WITH_AS((study{random_sampler{}, dims, {static_cast<direction>(7)}}),
                         doctest::Contains("directions[0] = 7"), config_error);
    CHECK_THROWS_WITH_AS(parse_directions({"minimize", "maximise"}),
                         doctest::Contains("directions[1] = \"maximise\""), config_error);
    CHECK(parse_directions({"maximize", "minimize"}) ==
          std::vector<direction>{direction::maximize, direction::minimize});
  }

  TEST_CASE("best_trial is the first trial reaching the best value, per direction") {
    study mn{random_sampler{}, dims};
    CHECK_FALSE(mn.best_trial().has_value());
    for (double v : {3.0, 1.0, 2.0, 1.0}) mn.tell(mn.ask().number(), v);
    CHECK(mn.best_trial()->number == 1);
    study mx{random_sampler{}, dims, {direction::maximize}};
    for (double v : {3.0, 5.0, 5.0, 4.0}) mx.tell(mx.ask().number(), v);
    mx.tell(mx.ask().number(), trial_state::fail);
    CHECK(mx.best_trial()->number == 1);
    study mo{random_sampler{}, dims, {direction::minimize, direction::minimize}};
    CHECK_THROWS_WITH_AS(mo.best_trial(), doctest::Contains("2 objectives"), config_error);
  }

  TEST_CASE("best_trials is the Pareto front of complete trials") {
    study st{random_sampler{}, dims, {direction::maximize, direction::minimize}};
    const std::vector<std::vector<double>> values{{0.5, 2}, {0.9, 4}, {0.4, 2}, {0.9, 3}, {0.5, 2}};
    for (const auto& v : values) st.tell(st.ask().number(), v);
    std::vector<std::size_t> numbers;
    for (const auto& t : st.best_trials()) numbers.push_back(t.number);
    CHECK(numbers == std::vector<std::size_t>{0, 3, 4});
  }

  TEST_CASE("optimize runs n_trials; values from a number or a range") {
    study st{random_sampler{{.seed = 2}}, dims, {direction::minimize, direction::maximize}};
    const auto r = st.optimize([](trial_handle& t) {
      return std::vector<double>{double(t.params()[0]), double(t.params()[1])};
    }, {.n_trials = 7});
    CHECK(r.n_trials_run == 7);
    CHECK(r.reason == stop_reason::n_trials);
    for (const auto& t : st.trials()) {
      CHECK(t.state == trial_state::complete);
      CHECK(t.values[0] == double(t.params[0]));
    }
    study single{random_sampler{}, dims};
    single.optimize([](trial_handle& t) { return static_cast<float>(t.number()); }, {.n_trials = 3});
    CHECK(single.get_trial(2).values == std::vector<double>{2.0});
  }

  TEST_CASE("optimize: wrong value count or NaN fails the trial, k_inf completes it, pruning prunes") {
    study st{random_sampler{}, dims, {direction::minimize, direction::minimize}};
    st.optimize([](trial_handle& t) -> std::vector<double> {
      switch (t.number()) {
        case 0: return {1.0};
        case 1: return {k_nan, 1.0};
        case 2: return {k_inf, -k_inf};
        case 3: throw trial_pruned{};
        default: return {1.0, 2.0, 3.0};
      }
    }, {.n_trials = 5});
    const auto ts = st.trials();
    CHECK(ts[0].state == trial_state::fail);
    CHECK(ts[1].state == trial_state::fail);
    CHECK(ts[2].state == trial_state::complete);
    CHECK(ts[3].state == trial_state::pruned);
    CHECK(ts[4].state == trial_state::fail);
  }

  TEST_CASE("optimize: an exception fails the trial and is rethrown; earlier trials are kept") {
    study st{random_sampler{}, dims};
    std::vector<std::size_t> seen;
    auto cb = [&](study<random_sampler>&, const trial& t) { seen.push_back(t.number); };
    CHECK_THROWS_WITH_AS(st.optimize([](trial_handle& t) -> double {
      if (t.number() == 2) throw std::runtime_error("boom");
      return 1.0;
    }, {.n_trials = 10}, cb), "boom", std::runtime_error);
    CHECK(st.n_trials() == 3);
    CHECK(st.get_trial(0).state == trial_state::complete);
    CHECK(st.get_trial(1).state == trial_state::complete);
    CHECK(st.get_trial(2).state == trial_state::fail);
    CHECK(seen == std::vector<std::size_t>{0, 1});  // no callback for the trial that rethrew
    // Caught exceptions fail their trial, the search goes on, callbacks run.
    const auto r = st.optimize([](trial_handle& t) -> double {
      if (t.number() % 2) throw std::runtime_error("odd");
      return 1.0;
    }, {.n_trials = 4, .catch_exceptions = true}, cb);
    CHECK(r.n_trials_run == 4);
    CHECK(st.get_trial(3).state == trial_state::fail);
    CHECK(st.get_trial(4).state == trial_state::complete);
    CHECK(seen == std::vector<std::size_t>{0, 1, 3, 4, 5, 6});
  }

  TEST_CASE("callbacks see the finished trial and can stop the study") {
    study st{random_sampler{}, dims};
    std::size_t calls = 0;
    const auto r = st.optimize([](trial_handle&) { return 1.0; }, {.n_trials = 50},
                               [&](study<random_sampler>& s, const trial& t) {
                                 CHECK(t.state == trial_state::complete);
                                 if (++calls == 4) s.stop();
                               });
    CHECK(r.reason == stop_reason::stopped);
    CHECK(r.n_trials_run == 4);
    // The stop does not carry over to the next optimize.
    CHECK(st.optimize([](trial_handle&) { return 1.0; }, {.n_trials = 2}).n_trials_run == 2);
  }

  TEST_CASE("the timeout is checked before each trial") {
    study st{random_sampler{}, dims};
    const auto r = st.optimize([](trial_handle&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      return 1.0;
    }, {.n_trials = 100000, .timeout = 0.05});
    CHECK(r.reason == stop_reason::timeout);
    CHECK(r.n_trials_run >= 1);
    CHECK(r.n_trials_run < 100000);
    CHECK(st.trials().back().state == trial_state::complete);  // never interrupted
  }

  TEST_CASE("option errors name the field") {
    study st{random_sampler{}, dims};
    auto f = [](trial_handle&) { return 1.0; };
    CHECK_THROWS_WITH_AS(st.optimize(f, {.n_trials = 0}), doctest::Contains("n_trials = 0"), config_error);
    CHECK_THROWS_WITH_AS(st.optimize(f, {.n_trials = 1, .n_jobs = 0}), doctest::Contains("n_jobs = 0"), config_error);
    CHECK_THROWS_WITH_AS(st.optimize(f, {.n_trials = 1, .timeout = -1.0}), doctest::Contains("timeout"), config_error);
    CHECK(st.n_trials() == 0);
  }

  TEST_CASE("user attributes from the handle and from the study") {
    study st{random_sampler{}, dims};
    st.optimize([](trial_handle& t) {
      t.set_user_attr("software_metrics", {{"accuracy", 0.5}, {"loss", 1.0}});
      t.set_user_attr("hardware_metrics", "average_bitwidth", 4.0);
      return 1.0;
    }, {.n_trials = 2});
    st.set_user_attr(1, "scaled_metrics", {{"accuracy", 0.25}});
    const auto t = st.get_trial(1);
    CHECK(t.user_attrs.at("software_metrics").at("loss") == 1.0);
    CHECK(t.user_attrs.at("hardware_metrics").at("average_bitwidth") == 4.0);
    CHECK(t.user_attrs.at("scaled_metrics").at("accuracy") == 0.25);
    CHECK_THROWS_AS(st.set_user_attr(9, "x", {}), config_error);
  }

  TEST_CASE("a fixed seed gives the same trials every run; n_jobs = 2 too for random") {
    auto run = [](std::size_t jobs) {
      study st{random_sampler{{.seed = 11}}, dims};
      st.optimize([](trial_handle& t) { return double(t.params()[0]); }, {.n_trials = 40, .n_jobs = jobs});
      std::vector<std::vector<std::size_t>> p;
      for (const auto& t : st.trials()) {
        CHECK(t.state == trial_state::complete);
        p.push_back(t.params);
      }
      return p;
    };
    const auto one = run(1);
    CHECK(one.size() == 40);
    CHECK(run(1) == one);
    CHECK(run(2) == one);
  }

  TEST_CASE("a history-dependent sampler replays identically through ask/tell in order") {
    auto by_optimize = [] {
      study st{grid_sampler{{.seed = 4}}, dims};
      st.optimize([](trial_handle&) { return 0.0; }, {.n_trials = 12});
      return st.trials();
    }();
    study st{grid_sampler{{.seed = 4}}, dims};
    for (int i = 0; i < 12; ++i) {
      auto h = st.ask();
      CHECK(h.params() == by_optimize[h.number()].params);
      st.tell(h.number(), 0.0);
    }
  }

  TEST_CASE("n_jobs = 2 runs n_trials in total with unique numbers") {
    study st{random_sampler{}, dims};
    std::atomic<int> calls{0};
    const auto r = st.optimize([&](trial_handle&) { ++calls; return 1.0; }, {.n_trials = 25, .n_jobs = 2});
    CHECK(r.n_trials_run == 25);
    CHECK(calls == 25);
    const auto ts = st.trials();
    REQUIRE(ts.size() == 25);
    for (std::size_t i = 0; i < ts.size(); ++i) {
      CHECK(ts[i].number == i);
      CHECK(ts[i].state == trial_state::complete);
    }
  }

  TEST_CASE("an out-of-range proposal from the sampler is an error and leaves the study unchanged") {
    study st{bad_sampler{}, dims};
    CHECK_THROWS_WITH_AS(st.ask(), doctest::Contains("bad sampler's ask: index of \"w\" = 99"), config_error);
    CHECK(st.n_trials() == 0);
    CHECK_THROWS_AS(st.optimize([](trial_handle&) { return 1.0; }, {.n_trials = 3}), config_error);
    CHECK(st.n_trials() == 0);
  }

  TEST_CASE("add_trials resumes a study; the sampler is told every finished trial") {
    std::vector<std::size_t> told;
    study first{counting_sampler{&told}, dims};
    first.optimize([](trial_handle& t) { return double(t.number()); }, {.n_trials = 3});
    first.tell(first.ask().number(), trial_state::fail);
    auto finished = first.trials();
    std::swap(finished[0], finished[3]);  // any order

    std::vector<std::size_t> told2;
    study resumed{counting_sampler{&told2}, dims};
    resumed.add_trials(finished);
    CHECK(told2 == std::vector<std::size_t>{0, 1, 2, 3});
    CHECK(resumed.best_trial()->number == 0);
    CHECK(resumed.ask().number() == 4);

    study gaps{counting_sampler{&told2}, dims};
    std::vector<trial> with_gap{finished[1], finished[2]};  // numbers 1 and 2
    CHECK_THROWS_WITH_AS(gaps.add_trials(with_gap), doctest::Contains("trial 1: numbers must continue"), config_error);
    trial running = finished[1];
    running.number = 0;
    running.state = trial_state::running;
    CHECK_THROWS_WITH_AS(gaps.add_trials({running}), doctest::Contains("is RUNNING"), config_error);
    trial bad = finished[1];
    bad.number = 0;
    bad.values = {1.0, 2.0};
    CHECK_THROWS_AS(gaps.add_trials({bad}), shape_error);
    bad.values = {k_nan};
    CHECK_THROWS_AS(gaps.add_trials({bad}), config_error);
    bad.values = {1.0};
    bad.params = {5, 0};
    CHECK_THROWS_AS(gaps.add_trials({bad}), config_error);
    CHECK(gaps.n_trials() == 0);
  }
}
