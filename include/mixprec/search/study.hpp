// A study: the trials of one search, Optuna's ask/tell interface and optimize loop (timeout,
// threads, failure handling, callbacks, stop requests that reach running trials), enqueued
// trials, resume from finished trials, and the best trial(s). The sampler is asked under a
// mutex; objectives run outside it.
#pragma once
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <mixprec/cancel.hpp>
#include <mixprec/error.hpp>
#include <mixprec/search/pareto.hpp>
#include <mixprec/search/sampler.hpp>
#include <mixprec/search/space.hpp>
#include <mixprec/search/trial.hpp>

namespace mixprec {

/// How `study::optimize` runs. Validated when optimize starts.
struct study_options {
  /// Trials to run in this call, over all threads (Optuna's n_trials); must be >= 1.
  std::size_t n_trials = 1;
  /// Seconds. No trial starts after it, and running trials are cancelled when it passes (see
  /// optimize: an objective that never calls throw_if_cancelled() still runs to its end).
  std::optional<double> timeout = std::nullopt;
  /// Worker threads; must be >= 1.
  std::size_t n_jobs = 1;
  /// If false, an exception from the objective fails its trial and is rethrown (Optuna's
  /// default); if true, the trial fails and the search goes on.
  bool catch_exceptions = false;
  /// Polled about every 50 ms from a watcher thread while optimize runs (so it must be
  /// thread-safe); true stops the search and cancels its running trials (e.g. a signal flag).
  std::function<bool()> stop_requested = {};
  /// Starts worker thread `index` (0 .. n_jobs-1) running `body`; empty means std::thread. A
  /// throw from it is handled like the system refusing a thread (tests use it to simulate that).
  std::function<std::thread(std::size_t index, std::function<void()> body)> start_thread = {};
};

/// Why an optimize call ended.
enum class stop_reason { n_trials, timeout, sampler_exhausted, stopped, exception };

constexpr std::string_view to_string(stop_reason r) {
  switch (r) {
    case stop_reason::n_trials: return "n_trials";
    case stop_reason::timeout: return "timeout";
    case stop_reason::sampler_exhausted: return "sampler_exhausted";
    case stop_reason::stopped: return "stopped";
    case stop_reason::exception: return "exception";
  }
  return "?";
}

/// What an optimize call did.
struct optimize_result {
  std::size_t n_trials_run = 0;
  stop_reason reason = stop_reason::n_trials;
};

/// Thrown by an objective to mark its trial PRUNED (Optuna's TrialPruned).
struct trial_pruned : std::exception {
  const char* what() const noexcept override { return "trial pruned"; }
};

/// Parses every direction; errors name `directions[i]` and the value.
inline std::vector<direction> parse_directions(const std::vector<std::string>& names) {
  std::vector<direction> out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out.push_back(parse_direction(names[i], "directions[" + std::to_string(i) + "]"));
  return out;
}

namespace detail {

inline std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Everything a study shares between threads, behind one mutex.
struct study_state {
  std::mutex mutex;
  std::vector<trial> trials;  // trials[i].number == i
  std::vector<dimension> dimensions;
  std::vector<direction> directions;
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> cancel_requested{false};  // running trials end at their next check
  std::size_t n_waiting = 0;  // lets ask skip the scan for WAITING trials

  trial& running_trial(std::size_t number, std::string_view who) {
    if (number >= trials.size())
      throw config_error(std::string(who) + ": trial " + std::to_string(number) +
                         " does not exist (the study has " + std::to_string(trials.size()) +
                         " trials)");
    trial& t = trials[number];
    if (t.state != trial_state::running)
      throw config_error(std::string(who) + ": trial " + std::to_string(number) + " is " +
                         std::string(to_string(t.state)) + ": expected a RUNNING trial");
    return t;
  }
};

}  // namespace detail

/// What an objective receives: the trial's number and parameters (one choice index per
/// dimension), and a way to record metric groups as user attributes.
class trial_handle {
 public:
  std::size_t number() const { return number_; }
  const std::vector<std::size_t>& params() const { return params_; }

  /// Sets (replaces) the metric group `group` of this trial.
  void set_user_attr(const std::string& group, metric_map group_metrics) {
    std::lock_guard lock(state_->mutex);
    state_->trials[number_].user_attrs[group] = std::move(group_metrics);
  }
  /// Sets one metric `key` of group `group`.
  void set_user_attr(const std::string& group, const std::string& key, double value) {
    std::lock_guard lock(state_->mutex);
    state_->trials[number_].user_attrs[group][key] = value;
  }

 private:
  template <Sampler>
  friend class study;
  trial_handle(detail::study_state* s, std::size_t number, std::vector<std::size_t> params)
      : state_(s), number_(number), params_(std::move(params)) {}
  detail::study_state* state_;
  std::size_t number_;
  std::vector<std::size_t> params_;
};

/// A search over `dimensions` with one or several objectives, driven by sampler `S`.
///
/// Reproducibility: with a fixed sampler seed and n_jobs = 1, every run gives the same trials.
/// A trial's parameters are a function of the sampler's params, its number and the history
/// before it (the trials with smaller numbers, in the states they have when it is asked). With
/// n_jobs > 1 numbers are still handed out in order, so history-independent samplers (random,
/// grid before exhaustion excepted) give the same parameters per number; history-dependent ones
/// give the same trials whenever each trial is asked after the same earlier trials finished
/// (e.g. ask/tell in order), but not under arbitrary thread timing.
template <Sampler S>
class study {
 public:
  /// Throws config_error on an empty choice list, a repeated dimension name, no direction or
  /// an invalid direction value.
  study(S sampler, std::vector<dimension> dimensions,
        std::vector<direction> directions = {direction::minimize})
      : sampler_(std::move(sampler)), state_(std::make_unique<detail::study_state>()) {
    detail::check_dimensions(dimensions, "study");
    if (directions.empty())
      throw config_error("study: directions = []: expected at least one objective");
    for (std::size_t i = 0; i < directions.size(); ++i)
      if (directions[i] != direction::minimize && directions[i] != direction::maximize)
        throw config_error("study: directions[" + std::to_string(i) + "] = " +
                           std::to_string(static_cast<int>(directions[i])) +
                           ": expected minimize or maximize");
    state_->dimensions = std::move(dimensions);
    state_->directions = std::move(directions);
  }

  /// A study over the dimensions of `space`.
  template <SearchSpace Space>
  study(S sampler, const Space& space, std::vector<direction> directions = {direction::minimize})
      : study(std::move(sampler),
              std::vector<dimension>(std::begin(space.dimensions()), std::end(space.dimensions())),
              std::move(directions)) {}

  study(study&&) noexcept = default;
  study& operator=(study&&) noexcept = default;

  /// Starts a trial: the oldest WAITING one (its fixed parameters win over the sampler's), else
  /// a new one. Exceptions from the sampler leave the study unchanged.
  trial_handle ask() {
    std::lock_guard lock(state_->mutex);
    return ask_locked();
  }

  /// Completes a RUNNING trial with one value per objective. A NaN fails the trial (Optuna);
  /// ±inf is accepted. A wrong number of values is a shape_error and leaves the trial running.
  void tell(std::size_t number, const std::vector<double>& values) {
    std::lock_guard lock(state_->mutex);
    trial& t = state_->running_trial(number, "tell");
    if (values.size() != state_->directions.size())
      throw shape_error("tell: trial " + std::to_string(number) + " got " +
                        std::to_string(values.size()) + " values for " +
                        std::to_string(state_->directions.size()) + " objectives");
    const bool has_nan = std::any_of(values.begin(), values.end(), [](double v) { return std::isnan(v); });
    finish_locked(t, has_nan ? trial_state::fail : trial_state::complete,
                  has_nan ? std::vector<double>{} : values);
  }
  /// Completes a single-objective RUNNING trial.
  void tell(std::size_t number, double value) { tell(number, std::vector<double>{value}); }

  /// Ends a RUNNING trial as FAIL or PRUNED (COMPLETE needs values: config_error).
  void tell(std::size_t number, trial_state state) {
    std::lock_guard lock(state_->mutex);
    trial& t = state_->running_trial(number, "tell");
    if (state != trial_state::fail && state != trial_state::pruned)
      throw config_error("tell: trial " + std::to_string(number) + " told " +
                         std::string(to_string(state)) +
                         ": expected FAIL or PRUNED (COMPLETE needs values)");
    finish_locked(t, state, {});
  }

  /// Adds a WAITING trial whose parameters are `fixed_params` (one index per dimension); it
  /// takes its number now and runs before any new trial. Returns its number.
  std::size_t enqueue(std::vector<std::size_t> fixed_params) {
    std::lock_guard lock(state_->mutex);
    detail::check_indexes(state_->dimensions, fixed_params, "enqueue");
    trial t;
    t.number = state_->trials.size();
    t.state = trial_state::waiting;
    t.fixed_params = std::move(fixed_params);
    state_->trials.push_back(std::move(t));
    ++state_->n_waiting;
    return state_->trials.back().number;
  }

  /// Resumes from trials of an earlier run: finished (COMPLETE, FAIL, PRUNED) or WAITING
  /// trials, in any order, whose numbers continue this study's numbering without gaps. Each
  /// finished trial is passed to the sampler's tell. Checked before anything is added.
  void add_trials(std::vector<trial> trials) {
    std::lock_guard lock(state_->mutex);
    std::sort(trials.begin(), trials.end(),
              [](const trial& a, const trial& b) { return a.number < b.number; });
    const auto& dims = state_->dimensions;
    for (std::size_t i = 0; i < trials.size(); ++i) {
      const trial& t = trials[i];
      const std::string who = "add_trials: trial " + std::to_string(t.number);
      const std::size_t expected = state_->trials.size() + i;
      if (t.number != expected)
        throw config_error(who + ": numbers must continue the study's without gaps: expected " +
                           std::to_string(expected));
      if (t.state == trial_state::running)
        throw config_error(who + " is RUNNING: expected COMPLETE, FAIL, PRUNED or WAITING");
      if (t.state == trial_state::waiting) {
        if (t.fixed_params) detail::check_indexes(dims, *t.fixed_params, who);
      } else {
        detail::check_indexes(dims, t.params, who);
      }
      if (t.state == trial_state::complete) {
        if (t.values.size() != state_->directions.size())
          throw shape_error(who + " has " + std::to_string(t.values.size()) + " values for " +
                            std::to_string(state_->directions.size()) + " objectives");
        for (double v : t.values)
          if (std::isnan(v)) throw config_error(who + " is COMPLETE with a NaN value");
      }
    }
    for (auto& t : trials) {
      state_->trials.push_back(std::move(t));
      const trial& added = state_->trials.back();
      if (added.state == trial_state::waiting) ++state_->n_waiting;
      else sampler_.tell(added);
    }
  }

  /// Sets (replaces) metric group `group` of trial `number` (any state).
  void set_user_attr(std::size_t number, const std::string& group, metric_map group_metrics) {
    std::lock_guard lock(state_->mutex);
    if (number >= state_->trials.size())
      throw config_error("set_user_attr: trial " + std::to_string(number) + " does not exist");
    state_->trials[number].user_attrs[group] = std::move(group_metrics);
  }

  /// Stops optimize before its next trial (Optuna's study.stop(); callable from callbacks).
  /// Running trials finish.
  void stop() { state_->stop_requested = true; }

  /// Stops optimize and cancels its running trials: their next throw_if_cancelled() throws.
  /// Callable from any thread.
  void cancel() {
    state_->stop_requested = true;
    state_->cancel_requested = true;
  }

  /// Runs `objective` on up to options.n_trials new trials. The objective takes a
  /// `trial_handle&` and returns a number or a range of numbers (one per objective). A wrong
  /// number of values or a NaN fails the trial; `trial_pruned` prunes it; any other exception
  /// fails it and is rethrown after the other threads finish their trials (unless
  /// options.catch_exceptions). After each trial that did not rethrow, every callback is called
  /// as `callback(study&, const trial&)`, one trial at a time. Trials already finished are
  /// never lost.
  ///
  /// When the timeout passes, options.stop_requested() turns true or cancel() is called, the
  /// running trials are cancelled: an objective that throws (trial_cancelled from
  /// throw_if_cancelled(), or anything else once cancelled) is interrupted, not finished. An
  /// interrupted trial goes back to WAITING with the parameters it had as fixed parameters (the
  /// next optimize runs it again first), the sampler is not told, callbacks are not called, and
  /// it does not count in n_trials_run.
  ///
  /// If the system refuses a worker thread, the threads already started end after their running
  /// trial and a config_error names n_jobs and the system's reason.
  template <class Objective, class... Callbacks>
    requires std::invocable<Objective&, trial_handle&> &&
             (std::invocable<Callbacks&, study&, const trial&> && ...)
  optimize_result optimize(Objective&& objective, study_options options, Callbacks&&... callbacks) {
    if (options.n_trials < 1)
      throw config_error("study_options.n_trials = 0: must be >= 1");
    if (options.n_jobs < 1)
      throw config_error("study_options.n_jobs = 0: must be >= 1");
    if (options.timeout && !(*options.timeout > 0))
      throw config_error("study_options.timeout = " + std::to_string(*options.timeout) +
                         ": must be > 0 seconds");
    state_->stop_requested = false;
    state_->cancel_requested = false;
    const auto t0 = std::chrono::steady_clock::now();
    std::atomic<std::size_t> claimed{0}, run{0};
    std::mutex control;  // guards reason, error; serialises callbacks
    std::optional<stop_reason> reason;
    std::exception_ptr error;
    auto end_with = [&](stop_reason r) {
      std::lock_guard lock(control);
      if (!reason) reason = r;
    };

    auto worker = [&] {
      const cancel_scope scope(state_->cancel_requested);
      try {
        while (true) {
          if (state_->stop_requested) {
            end_with(stop_reason::stopped);
            return;
          }
          if (options.timeout &&
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() >=
                  *options.timeout) {
            end_with(stop_reason::timeout);
            return;
          }
          if (claimed.fetch_add(1) >= options.n_trials) {
            end_with(stop_reason::n_trials);
            return;
          }
          std::optional<trial_handle> handle;
          {
            std::lock_guard lock(state_->mutex);
            if constexpr (FiniteSampler<S>) {
              if (sampler_.exhausted(full_context_locked())) {
                state_->stop_requested = true;
                end_with(stop_reason::sampler_exhausted);
                return;
              }
            }
            handle.emplace(ask_locked());
          }
          ++run;
          const std::size_t number = handle->number();
          std::vector<double> values;
          trial_state state = trial_state::complete;
          std::exception_ptr raised;
          bool interrupted = false;
          try {
            values = to_values(objective(*handle));
          } catch (const trial_cancelled&) {
            interrupted = true;
          } catch (const trial_pruned&) {
            state = trial_state::pruned;
          } catch (...) {
            // Once cancelled, whatever the objective throws is taken as the interruption.
            if (state_->cancel_requested) {
              interrupted = true;
            } else {
              state = trial_state::fail;
              if (!options.catch_exceptions) raised = std::current_exception();
            }
          }
          if (interrupted) {
            {
              std::lock_guard lock(state_->mutex);
              requeue_locked(state_->trials[number]);
            }
            --run;
            end_with(stop_reason::stopped);
            cancel();  // also when the objective threw trial_cancelled on its own
            return;
          }
          {
            std::lock_guard lock(state_->mutex);
            if (state == trial_state::complete &&
                (values.size() != state_->directions.size() ||
                 std::any_of(values.begin(), values.end(), [](double v) { return std::isnan(v); })))
              state = trial_state::fail;
            if (state != trial_state::complete) values.clear();
            finish_locked(state_->trials[number], state, std::move(values));
          }
          if (raised) {
            state_->stop_requested = true;
            std::lock_guard lock(control);
            if (!error) error = raised;
            reason = stop_reason::exception;
            return;
          }
          if constexpr (sizeof...(Callbacks) > 0) {
            const trial frozen = get_trial(number);
            std::lock_guard lock(control);
            (callbacks(*this, frozen), ...);
          }
        }
      } catch (...) {  // the sampler or a callback threw: stop everyone, rethrow below
        state_->stop_requested = true;
        std::lock_guard lock(control);
        if (!error) error = std::current_exception();
        reason = stop_reason::exception;
      }
    };

    // The watcher turns the timeout and outside stop requests into a cancel of running trials.
    std::mutex watch_mutex;
    std::condition_variable watch_wake;
    bool watch_done = false;
    auto watcher = [&] {
      std::unique_lock lock(watch_mutex);
      while (!watch_done) {
        auto wake = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
        if (options.timeout && *options.timeout < 1e9) {  // longer ones would overflow the clock
          const auto deadline =
              t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                       std::chrono::duration<double>(*options.timeout));
          if (std::chrono::steady_clock::now() >= deadline) {
            end_with(stop_reason::timeout);
            cancel();
            return;
          }
          wake = std::min(wake, deadline);
        }
        if (options.stop_requested && options.stop_requested()) {
          end_with(stop_reason::stopped);
          cancel();
          return;
        }
        watch_wake.wait_until(lock, wake, [&] { return watch_done; });
      }
    };
    std::optional<std::thread> watch_thread;
    if (options.timeout || options.stop_requested) {
      try {
        watch_thread.emplace(watcher);
      } catch (...) {
        // No watcher: the timeout and stop requests still end the search between trials.
      }
    }
    auto stop_watcher = [&] {
      if (!watch_thread) return;
      {
        std::lock_guard lock(watch_mutex);
        watch_done = true;
      }
      watch_wake.notify_all();
      watch_thread->join();
    };

    std::string thread_failure;
    if (options.n_jobs == 1) {
      worker();
    } else {
      std::vector<std::thread> threads;
      try {
        threads.reserve(options.n_jobs);
        for (std::size_t i = 0; i < options.n_jobs; ++i)
          threads.push_back(options.start_thread ? options.start_thread(i, worker) : std::thread(worker));
      } catch (const std::exception& e) {
        thread_failure = "could not start worker thread " + std::to_string(threads.size()) + " (" + e.what() + ")";
      } catch (...) {
        thread_failure = "could not start worker thread " + std::to_string(threads.size());
      }
      if (!thread_failure.empty()) {
        stop();  // the threads that did start end after their running trial
        thread_failure += "; the " + std::to_string(threads.size()) +
                          " started threads stopped and their finished trials are kept: expected at most " +
                          std::to_string(threads.size()) + " threads on this system";
      }
      for (auto& th : threads)
        if (th.joinable()) th.join();
    }
    stop_watcher();
    state_->stop_requested = false;
    state_->cancel_requested = false;
    if (!thread_failure.empty())
      throw config_error("study_options.n_jobs = " + std::to_string(options.n_jobs) + ": " + thread_failure);
    if (error) std::rethrow_exception(error);
    return {run.load(), reason.value_or(stop_reason::n_trials)};
  }

  /// A copy of every trial, in number order.
  std::vector<trial> trials() const {
    std::lock_guard lock(state_->mutex);
    return state_->trials;
  }
  /// A copy of trial `number` (config_error if it does not exist).
  trial get_trial(std::size_t number) const {
    std::lock_guard lock(state_->mutex);
    if (number >= state_->trials.size())
      throw config_error("get_trial: trial " + std::to_string(number) + " does not exist");
    return state_->trials[number];
  }
  std::size_t n_trials() const {
    std::lock_guard lock(state_->mutex);
    return state_->trials.size();
  }

  /// Single objective only (config_error otherwise): the first COMPLETE trial reaching the best
  /// value; nullopt when no trial is complete.
  std::optional<trial> best_trial() const {
    std::lock_guard lock(state_->mutex);
    if (state_->directions.size() != 1)
      throw config_error("best_trial: the study has " + std::to_string(state_->directions.size()) +
                         " objectives: use best_trials");
    const trial* best = nullptr;
    for (const trial& t : state_->trials) {
      if (t.state != trial_state::complete) continue;
      if (!best || to_loss(t.values[0], state_->directions[0]) <
                       to_loss(best->values[0], state_->directions[0]))
        best = &t;
    }
    return best ? std::optional<trial>(*best) : std::nullopt;
  }

  /// The non-dominated COMPLETE trials, duplicates kept, by number (Optuna's best_trials).
  std::vector<trial> best_trials() const {
    std::lock_guard lock(state_->mutex);
    return mixprec::best_trials(state_->trials, state_->directions);
  }

  const std::vector<direction>& directions() const { return state_->directions; }
  const std::vector<dimension>& dimensions() const { return state_->dimensions; }
  const S& sampler() const { return sampler_; }

 private:
  sample_context full_context_locked() const {
    return {state_->dimensions, state_->trials, state_->directions, state_->trials.size()};
  }

  trial_handle ask_locked() {
    auto& trials = state_->trials;
    std::size_t number = trials.size();
    if (state_->n_waiting > 0)
      for (const trial& t : trials)
        if (t.state == trial_state::waiting) {
          number = t.number;
          break;
        }
    const sample_context ctx{state_->dimensions,
                             std::span<const trial>(trials.data(), number),
                             state_->directions, number};
    std::vector<std::size_t> params = sampler_.ask(ctx);
    detail::check_indexes(state_->dimensions, params,
                          std::string(sampler_.name()) + " sampler's ask");
    if (number == trials.size()) {
      trial t;
      t.number = number;
      trials.push_back(std::move(t));
    }
    trial& t = trials[number];
    if (t.state == trial_state::waiting) --state_->n_waiting;
    t.state = trial_state::running;
    t.params = t.fixed_params ? *t.fixed_params : std::move(params);
    t.datetime_start_ms = detail::epoch_ms();
    return trial_handle(state_.get(), number, t.params);
  }

  // An interrupted trial waits to run again with the parameters it had; nothing it recorded
  // is kept.
  void requeue_locked(trial& t) {
    if (!t.fixed_params) t.fixed_params = t.params;
    t.state = trial_state::waiting;
    t.params.clear();
    t.values.clear();
    t.user_attrs.clear();
    t.datetime_start_ms = 0;
    t.datetime_complete_ms = 0;
    ++state_->n_waiting;
  }

  void finish_locked(trial& t, trial_state state, std::vector<double> values) {
    t.state = state;
    t.values = std::move(values);
    t.datetime_complete_ms = detail::epoch_ms();
    sampler_.tell(t);
  }

  template <class R>
  static std::vector<double> to_values(R&& r) {
    if constexpr (std::is_arithmetic_v<std::remove_cvref_t<R>>)
      return {static_cast<double>(r)};
    else
      return std::vector<double>(std::begin(r), std::end(r));
  }

  S sampler_;
  std::unique_ptr<detail::study_state> state_;
};

}  // namespace mixprec
