// `mixprec-toy search`: MASE's `ch search` on ToyNet/ToyTiny, or on any model folder with a data
// folder. Reads the tutorial's TOML, runs the study with a progress line, prints the best trials
// as MASE's table and writes log.json, best.json, journal.jsonl, best_config_<n>.toml and the report.
#pragma once
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <unistd.h>

#include <mixprec/config/search_config.hpp>
#include <mixprec/error.hpp>
#include <mixprec/io/dataset_folder.hpp>
#include <mixprec/search/mase_outputs.hpp>
#include <mixprec/search/mase_search.hpp>
#include <mixprec/search/registry.hpp>
#include <mixprec/search/run_search.hpp>
#include <mixprec/search/stop_signals.hpp>

#include "cmd_train.hpp"
#include "model_data.hpp"
#include "toy_tiny.hpp"

namespace mixprec::toy {

/// MASE's default search output folder for a project.
inline std::filesystem::path default_search_dir(const std::string& project) {
  return std::filesystem::path("mixprec_output") / project / "software" / "search_ckpts";
}

/// Command-line options of `search`; unset ones come from the config.
struct search_command_options {
  std::filesystem::path config;
  std::optional<std::filesystem::path> load, out, model_dir, data_dir;
  std::optional<std::int64_t> n_trials, n_jobs, seed;
  std::optional<double> timeout;
  std::optional<std::string> sampler;
  bool resume = false, quiet = false, profile = false, fsync_every_trial = false;
  std::optional<std::size_t> kill_at_trial;  ///< testing aid: SIGKILL the process when this trial starts
};

inline CLI::App* add_search_command(CLI::App& app, search_command_options& o) {
  CLI::App* sub = app.add_subcommand("search", "Mixed-precision search (MASE's `ch search`)");
  sub->add_option("--config", o.config, "Search config (MASE's TOML)")->required();
  sub->add_option("--load", o.load, "Trained checkpoint folder (default mixprec_output/<project>/software/training_ckpts)");
  sub->add_option("--out", o.out, "Output folder (default mixprec_output/<project>/software/search_ckpts)");
  sub->add_option("--n-trials", o.n_trials, "Trials (overrides search.strategy.setup.n_trials)");
  sub->add_option("--n-jobs", o.n_jobs, "Worker threads (overrides n_jobs; -1 = every core)");
  sub->add_option("--timeout", o.timeout, "Seconds (overrides timeout)");
  sub->add_option("--sampler", o.sampler, "Sampler name (overrides sampler)");
  sub->add_option("--seed", o.seed, "Sampler seed (overrides search.strategy.setup.seed)");
  sub->add_flag("--resume", o.resume, "Continue the search recorded in <out>/journal.jsonl");
  sub->add_option("--model", o.model_dir, "Model folder (model.json + .npy tensors) instead of ToyNet");
  sub->add_option("--data", o.data_dir, "Data folder (x_<split>.npy float32, y_<split>.npy int64) instead of ToyTiny");
  sub->add_flag("--quiet", o.quiet, "No progress line");
  sub->add_flag("--fsync-every-trial", o.fsync_every_trial,
                "Sync the journal to disk after every trial (default: at most once a second; every trial "
                "is written at once, so a killed process loses nothing either way)");
  sub->add_flag("--profile", o.profile, "Print where the time went (sampler, rebuild, evaluation, journal)");
  // Testing aid (hidden): the process kills itself with SIGKILL as trial K starts, to test --resume.
  sub->add_option("--kill-at-trial", o.kill_at_trial, "")->group("");
  return sub;
}

namespace detail {

inline std::size_t positive(std::int64_t v, const char* flag, bool minus_one_ok = false) {
  if (minus_one_ok && v == -1) return std::max(1u, std::thread::hardware_concurrency());
  if (v < 1) throw config_error(fmt::format("{} = {}: must be >= 1{}", flag, v, minus_one_ok ? " (or -1)" : ""));
  return static_cast<std::size_t>(v);
}

// Times the sampler's ask (the study calls it under its lock, one at a time).
struct timed_sampler {
  any_sampler inner;
  std::shared_ptr<double> seconds = std::make_shared<double>(0.0);
  std::vector<std::size_t> ask(const sample_context& c) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = inner.ask(c);
    *seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
  }
  void tell(const trial& t) { inner.tell(t); }
  std::string_view name() const { return inner.name(); }
  bool exhausted(const sample_context& c) const { return inner.exhausted(c); }
};
static_assert(FiniteSampler<timed_sampler>);

}  // namespace detail

/// Runs `search`; returns the exit code (128 + signal when interrupted).
inline int run_search_command(const search_command_options& o) {
  config::search_config cfg = config::load_search_config(o.config);
  for (const auto& w : cfg.warnings) fmt::print(stderr, "warning: {}: {}\n", o.config.string(), w);
  // Every seed choice, before anything is loaded or run (make_quantize_space checks them again).
  try {
    check_seed_choices(quantize_space_params_from_json(cfg.space_seed, cfg.by));
  } catch (const config_error& e) {
    throw config_error(o.config.string() + ": " + e.what());
  }
  // Flags override the config (decisions.md 16).
  if (o.n_trials) cfg.n_trials = detail::positive(*o.n_trials, "--n-trials");
  if (o.n_jobs) cfg.n_jobs = detail::positive(*o.n_jobs, "--n-jobs", true);
  if (o.timeout) {
    if (!(*o.timeout > 0)) throw config_error(fmt::format("--timeout = {}: must be > 0 seconds", *o.timeout));
    cfg.timeout = o.timeout;
  }
  if (o.sampler) cfg.sampler = *o.sampler;
  std::uint32_t seed = cfg.sampler_seed.value_or(0);  // decisions.md 12
  if (o.seed) {
    if (*o.seed < 0 || *o.seed > 0xffffffffLL) throw config_error(fmt::format("--seed = {}: must be in [0, 2^32)", *o.seed));
    seed = static_cast<std::uint32_t>(*o.seed);
  }
  any_sampler sampler = [&] {
    try {
      return make_sampler(cfg.sampler, seed);
    } catch (const config_error& e) {
      throw config_error((o.sampler ? "--sampler: " : "search.strategy.setup.") + std::string(e.what()));
    }
  }();
  const std::filesystem::path out = o.out.value_or(default_search_dir(cfg.project));
  std::optional<std::filesystem::path> resume_from;
  if (o.resume) {
    resume_from = out / "journal.jsonl";
    if (!std::filesystem::exists(*resume_from))
      throw io_error("--resume: " + resume_from->string() + " does not exist (no earlier search in " + out.string() + ")");
  } else if (cfg.pkl_ckpt) {
    resume_from = *cfg.pkl_ckpt;
    try {
      (void)io::read_journal(*resume_from);
    } catch (const io_error& e) {
      throw config_error(o.config.string() + ": search.strategy.setup.pkl_ckpt = \"" + *cfg.pkl_ckpt +
                         "\": expected a readable search journal (" + e.what() + ")");
    }
  }

  // The model and the evaluated split.
  const std::string split = io::split_of_data_loader(cfg.basic_evaluation ? cfg.basic_evaluation->data_loader
                                                                          : std::string("val_dataloader"));
  const model net = load_model_option(o.model_dir, o.data_dir, o.load.value_or(default_training_dir()));
  const io::labelled_data data = load_data_option(
      o.data_dir, split, net,
      cfg.basic_evaluation ? std::min(cfg.basic_evaluation->num_samples, toy_tiny_num_samples) : toy_tiny_num_samples);

  // MASE evaluates whatever batches the split has: more samples than the split asks for it all.
  if (cfg.basic_evaluation && cfg.basic_evaluation->num_samples > data.labels.size()) {
    fmt::print(stderr,
               "note: {}: search.strategy.sw_runner.basic_evaluation.num_samples = {} is more than the {} samples of "
               "the {} split; evaluating the whole split\n",
               o.config.string(), cfg.basic_evaluation->num_samples, data.labels.size(), split);
    cfg.basic_evaluation->num_samples = data.labels.size();
  }
  const quantize_space space = make_quantize_space(net, cfg);
  const config_objective objective = make_config_objective(net, space, cfg, data.view());
  const mase_config_decoder decoder(space);
  std::vector<std::string> metric_names;
  for (const auto& m : cfg.metrics) metric_names.push_back(m.name);

  detail::timed_sampler timed{std::move(sampler)};
  const auto ask_seconds = timed.seconds;
  study<detail::timed_sampler> st(std::move(timed), space.dimensions(), objective.directions());
  stop_signals signals;
  const bool tty = !o.quiet && isatty(fileno(stderr)) != 0;
  double last_line = -1;
  search_run_params p;
  p.out_dir = out;
  p.resume_from = resume_from;
  p.n_trials = cfg.n_trials;
  p.timeout = cfg.timeout;
  p.n_jobs = cfg.n_jobs;
  p.sampler_name = cfg.sampler;
  p.seed = seed;
  p.journal_sync_every = std::chrono::milliseconds(o.fsync_every_trial ? 0 : 1000);
  p.stop_requested = [] { return stop_signals::received() != 0; };
  p.on_progress = [&](const search_progress& pr) {
    if (o.quiet) return;
    const bool last = pr.finished >= pr.target;
    // A TTY gets a line redrawn at most 20 times a second; a log gets one line every 2 s.
    if (!last && pr.elapsed - last_line < (tty ? 0.05 : 2.0)) return;
    last_line = pr.elapsed;
    const std::string best = pr.best_value ? fmt::format("best {:.4g}", *pr.best_value)
                                           : fmt::format("{} on the Pareto front", pr.front_size);
    fmt::print(stderr, "{}trial {}/{}  {:.1f} s  {}{}", tty ? "\r" : "", pr.finished, pr.target, pr.elapsed, best,
               tty ? "\033[K" : "\n");
    if (tty && last) fmt::print(stderr, "\n");
    std::fflush(stderr);
  };
  const auto kill_at = o.kill_at_trial;
  auto run_objective = [&](trial_handle& t) {
    if (kill_at && t.number() == *kill_at) std::raise(SIGKILL);
    return objective(t);
  };
  const search_output_writer write = [&](const std::filesystem::path& dir, std::span<const trial> all,
                                         std::span<const trial> best) {
    write_mase_outputs(dir, all, best, st.directions(), metric_names, decoder);
  };
  const auto t0 = std::chrono::steady_clock::now();
  const search_run_result r = run_search(st, run_objective, p, write);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  if (r.moved_journal)
    fmt::print(stderr, "note: the earlier journal in {} was kept as {}\n", out.string(), r.moved_journal->string());
  fmt::print("Best trial(s):\n{}", mase_best_table(r.best));
  // Trials a stop cancelled (or never started) are WAITING: they run first on --resume.
  const std::size_t finished = r.resumed + r.run, waiting = r.trials.size() - finished;
  fmt::print("{} trials ({} resumed, {} run{}) in {:.3f} s; results in {}\n", finished, r.resumed, r.run,
             waiting ? fmt::format(", {} waiting to run on --resume", waiting) : "", seconds, out.string());
  if (o.profile) {
    const auto tm = objective.timings();
    fmt::print(stderr, "profile: sampler ask {:.3f} s, rebuild {:.3f} s, evaluation {:.3f} s, hardware {:.3f} s, "
                       "rest (journal, logs, report) {:.3f} s over {} trials\n",
               *ask_seconds, tm.rebuild, tm.software, tm.hardware,
               seconds - *ask_seconds - tm.rebuild - tm.software - tm.hardware, tm.trials);
  }
  if (const int sig = stop_signals::received()) {
    fmt::print(stderr, "mixprec-toy: search interrupted by signal {}; {} finished trials written to {}\n", sig,
               finished, out.string());
    return 128 + sig;
  }
  return 0;
}

}  // namespace mixprec::toy
