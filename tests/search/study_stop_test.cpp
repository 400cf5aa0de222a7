#include <doctest/doctest.h>

#include <mixprec/cancel.hpp>
#include <mixprec/io/journal.hpp>
#include <mixprec/runners/evaluate.hpp>
#include <mixprec/samplers/random.hpp>
#include <mixprec/search/run_search.hpp>
#include <mixprec/search/study.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <system_error>
#include <thread>
#include <vector>

#include <malloc.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../test_data.hpp"

using namespace mixprec;
namespace fs = std::filesystem;

namespace {
const std::vector<dimension> dims{{"w", 3}, {"x", 4}};

// Spins on the cancel check; gives up (returning a value) only after `limit`, so a study that
// never cancels fails the test instead of hanging it.
double spin_until_cancelled(std::chrono::seconds limit = std::chrono::seconds(30)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    throw_if_cancelled();
    std::this_thread::yield();
  }
  return 1.0;
}

// A conv model whose forward over `batch` samples takes a while.
model slow_conv_model() {
  model m({4, 32, 32});
  node c;
  c.name = "conv";
  c.op = op_kind::conv2d;
  c.window.kernel = {3, 3};
  c.window.padding = {1, 1};
  c.weight = matrix::Constant(16, 4 * 9, 0.01f);
  m.add(std::move(c));
  node f;
  f.name = "flatten";
  f.op = op_kind::flatten;
  m.add(std::move(f));
  node l;
  l.name = "fc";
  l.op = op_kind::linear;
  l.weight = matrix::Constant(3, 16 * 32 * 32, 0.001f);
  m.add(std::move(l));
  return m;
}

bool is_waiting_again(const trial& t) {
  return t.state == trial_state::waiting && t.fixed_params.has_value() && t.values.empty();
}
}  // namespace

TEST_SUITE("search/stop") {
  TEST_CASE("a worker thread the system refuses: started threads joined, config_error naming n_jobs") {
    study st{random_sampler{}, dims};
    study_options o{.n_trials = 50, .n_jobs = 8};
    std::atomic<std::size_t> started{0};
    o.start_thread = [&](std::size_t i, std::function<void()> body) {
      if (i == 3) throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again));
      ++started;
      return std::thread(std::move(body));
    };
    CHECK_THROWS_WITH_AS(st.optimize([](trial_handle&) { return 1.0; }, o),
                         doctest::Contains("study_options.n_jobs = 8: could not start worker thread 3"),
                         config_error);
    CHECK(started == 3);
    for (const auto& t : st.trials()) CHECK(t.state == trial_state::complete);  // none left running
    // The study is still usable.
    CHECK(st.optimize([](trial_handle&) { return 2.0; }, {.n_trials = 2, .n_jobs = 2}).n_trials_run == 2);
  }

  TEST_CASE("the system's own refusal of threads under an address-space limit is a config_error") {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    MESSAGE("skipped: sanitizers need an unlimited address space");
#else
    // In a child process: a real std::thread failure, which used to end in std::terminate.
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      mallopt(M_ARENA_MAX, 1);  // per-thread malloc arenas would eat the headroom before the stacks do
      long pages = 0;
      if (FILE* f = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(f, "%ld", &pages) != 1) pages = 0;
        std::fclose(f);
      }
      const rlim_t limit = static_cast<rlim_t>(pages) * static_cast<rlim_t>(sysconf(_SC_PAGESIZE)) + (96u << 20);
      const rlimit rl{limit, limit};
      if (pages == 0 || setrlimit(RLIMIT_AS, &rl) != 0) _exit(3);
      int code = 1;
      try {
        study st{random_sampler{}, dims};
        st.optimize([](trial_handle&) { return 1.0; }, {.n_trials = 1000, .n_jobs = 400});
        code = 2;  // every thread started: the limit did not bite
      } catch (const config_error& e) {
        code = std::string(e.what()).find("n_jobs = 400") != std::string::npos ? 0 : 4;
      } catch (...) {
        code = 5;
      }
      _exit(code);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK_FALSE(WIFSIGNALED(status));  // SIGABRT from std::terminate before
    REQUIRE(WIFEXITED(status));
    const int code = WEXITSTATUS(status);
    if (code == 2) MESSAGE("the address-space limit let 400 threads start; nothing checked");
    else CHECK(code == 0);
#endif
  }

  TEST_CASE("the timeout cancels a running trial; it waits to run again with its parameters") {
    study st{random_sampler{}, dims};
    const auto r = st.optimize([](trial_handle&) { return spin_until_cancelled(); }, {.n_trials = 5, .timeout = 0.1});
    CHECK(r.reason == stop_reason::timeout);
    CHECK(r.n_trials_run == 0);
    REQUIRE(st.n_trials() == 1);
    const trial t = st.get_trial(0);
    CHECK(is_waiting_again(t));
    // The next optimize runs it first, with the same parameters.
    std::vector<std::size_t> seen;
    CHECK(st.optimize([&](trial_handle& h) { seen = h.params(); return 3.0; }, {.n_trials = 1}).n_trials_run == 1);
    CHECK(seen == *t.fixed_params);
    CHECK(st.get_trial(0).state == trial_state::complete);
    CHECK(st.n_trials() == 1);
  }

  TEST_CASE("a stop request reaches running trials on every thread; finished trials stay finished") {
    study st{random_sampler{}, dims};
    std::atomic<int> spinning{0};
    study_options o{.n_trials = 100, .n_jobs = 3};
    o.stop_requested = [&] { return spinning.load() >= 2; };
    const auto r = st.optimize([&](trial_handle& h) {
      if (h.number() < 4) return 1.0;
      ++spinning;
      return spin_until_cancelled();
    }, o);
    CHECK(r.reason == stop_reason::stopped);
    std::size_t complete = 0, waiting = 0;
    for (const auto& t : st.trials()) {
      CHECK((t.state == trial_state::complete || is_waiting_again(t)));
      complete += t.state == trial_state::complete;
      waiting += t.state == trial_state::waiting;
    }
    CHECK(complete == r.n_trials_run);
    CHECK(waiting >= 2);
  }

  TEST_CASE("the forward pass and basic_evaluation end at a cancel; off a study they never throw") {
    const model m = slow_conv_model();
    const std::size_t batch = 64;
    std::vector<float> x(batch * m.input_size(), 0.5f);
    std::vector<std::int64_t> y(batch, 1);
    CHECK_NOTHROW((void)m.forward(matrix(matrix_view(x.data(), batch, static_cast<Eigen::Index>(m.input_size())))));
    // Each objective loops over whole forwards / evaluations and never checks by itself, so
    // only the checks inside model::run and evaluate can end it.
    for (int which = 0; which < 2; ++which) {
      CAPTURE(which);
      study st{random_sampler{}, dims};
      basic_evaluation eval(dataset_view{x, y, m.input_size()}, {.num_samples = batch, .batch_size = 8});
      const auto r = st.optimize([&](trial_handle&) {
        forward_workspace ws;
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (std::chrono::steady_clock::now() < end) {
          if (which == 0) (void)m.forward(matrix_view(x.data(), batch, static_cast<Eigen::Index>(m.input_size())), ws);
          else (void)eval.evaluate(m, ws);
        }
        return 1.0;
      }, {.n_trials = 3, .timeout = 0.1});
      CHECK(r.reason == stop_reason::timeout);
      CHECK(r.n_trials_run == 0);
      CHECK(is_waiting_again(st.get_trial(0)));
    }
  }

  TEST_CASE("run_search: a cancelled trial is not journaled and a resumed run runs it again") {
    const fs::path dir = testing::binary_dir() / "run_cancel";
    fs::remove_all(dir);
    auto params = [&](std::size_t n) {
      search_run_params p;
      p.out_dir = dir;
      p.n_trials = n;
      p.sampler_name = "random";
      p.seed = 1;
      return p;
    };
    std::vector<trial> written;
    const search_output_writer writer = [&](const fs::path&, std::span<const trial> all, std::span<const trial>) {
      written.assign(all.begin(), all.end());
    };
    std::atomic<bool> trial_3_running{false};
    auto p = params(6);
    p.stop_requested = [&] { return trial_3_running.load(); };
    study<random_sampler> st(random_sampler{random_params{.seed = 1}}, dims, {direction::minimize});
    const auto r = run_search(st, [&](trial_handle& h) {
      if (h.number() != 3) return double(h.number());
      trial_3_running = true;
      return spin_until_cancelled();
    }, p, writer);
    CHECK(r.stopped_by_request);
    CHECK(r.run == 3);
    REQUIRE(written.size() == 4);
    CHECK(written[3].state == trial_state::waiting);
    const auto j = io::read_journal(dir / "journal.jsonl");
    REQUIRE(j.trials.size() == 3);
    for (const auto& t : j.trials) CHECK(t.number < 3);

    auto q = params(6);
    q.resume_from = dir / "journal.jsonl";
    study<random_sampler> again(random_sampler{random_params{.seed = 1}}, dims, {direction::minimize});
    const auto r2 = run_search(again, [](trial_handle& h) { return double(h.number()); }, q, writer);
    CHECK(r2.resumed == 3);
    CHECK(r2.run == 3);
    CHECK(again.get_trial(3).state == trial_state::complete);
    CHECK(io::read_journal(dir / "journal.jsonl").trials.size() == 6);
  }
}
