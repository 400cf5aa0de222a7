// A durable search run (decisions.md 14): each finished trial goes to the journal before the next
// starts, a run can resume from a journal with every finished trial kept, a stop request or the
// timeout cancels the running trials (not journaled, so a resumed run runs them again), and the
// outputs are written at the end whatever happened.
#pragma once
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <mixprec/error.hpp>
#include <mixprec/io/folder_lock.hpp>
#include <mixprec/io/journal.hpp>
#include <mixprec/search/pareto.hpp>
#include <mixprec/search/sampler.hpp>
#include <mixprec/search/study.hpp>
#include <mixprec/search/trial.hpp>

namespace mixprec {

/// Where a run stands, reported after each finished trial.
struct search_progress {
  std::size_t finished = 0;    ///< finished trials in the study (resumed ones included)
  std::size_t target = 0;      ///< finished trials the run aims for
  double elapsed = 0;          ///< seconds since this run started
  const trial* last = nullptr; ///< the trial that just finished
  std::size_t front_size = 0;  ///< non-dominated complete trials so far (one objective: 1 once any completed)
  std::optional<double> best_value;  ///< one objective: the best value so far
};

/// How a run goes.
struct search_run_params {
  std::filesystem::path out_dir;  ///< gets journal.jsonl (and whatever `write_outputs` writes)
  /// Resume from this journal (e.g. out_dir / "journal.jsonl"): its finished trials are kept,
  /// and n_trials counts them, so the run adds n_trials minus those.
  std::optional<std::filesystem::path> resume_from;
  std::size_t n_trials = 20;
  std::optional<double> timeout;  ///< seconds, for this run
  std::size_t n_jobs = 1;
  std::string sampler_name;  ///< identifies the search in the journal header
  std::uint32_t seed = 0;    ///< likewise
  /// 0: every journal line is synced to disk before the next trial starts. Positive: lines are
  /// written at once (a killed process loses nothing) but synced at most once per interval.
  std::chrono::milliseconds journal_sync_every{0};
  /// Polled after each finished trial and about every 50 ms while trials run (from another
  /// thread); true stops the run and cancels its running trials (e.g. stop_signals::received()).
  /// A cancelled trial is not journaled, so a resumed run runs it again.
  std::function<bool()> stop_requested;
  std::function<void(const search_progress&)> on_progress;
};

/// What a run did.
struct search_run_result {
  std::vector<trial> trials;  ///< every trial of the study
  std::vector<trial> best;    ///< best_trials()
  std::size_t resumed = 0;    ///< finished trials taken from the journal
  std::size_t run = 0;        ///< trials run now
  stop_reason reason = stop_reason::n_trials;
  bool stopped_by_request = false;
  std::optional<std::filesystem::path> moved_journal;  ///< an earlier run's journal, kept under this name
};

/// Writes a run's outputs: `(out_dir, all trials, best trials)`.
using search_output_writer =
    std::function<void(const std::filesystem::path&, std::span<const trial>, std::span<const trial>)>;

namespace detail {

// The non-dominated loss vectors seen so far, updated one point at a time.
class running_front {
 public:
  explicit running_front(std::vector<direction> d) : dirs_(std::move(d)) {}
  void add(const trial& t) {
    if (t.state != trial_state::complete || t.values.size() != dirs_.size()) return;
    const std::vector<double> loss = to_losses(t.values, dirs_);
    for (const auto& f : front_)
      if (dominates(f, loss)) return;
    std::erase_if(front_, [&](const std::vector<double>& f) { return dominates(loss, f); });
    front_.push_back(loss);
    if (dirs_.size() == 1 && (!best_ || to_loss(t.values[0], dirs_[0]) < to_loss(*best_, dirs_[0]))) best_ = t.values[0];
  }
  [[nodiscard]] std::size_t size() const { return front_.size(); }
  [[nodiscard]] std::optional<double> best() const { return best_; }

 private:
  std::vector<direction> dirs_;
  std::vector<std::vector<double>> front_;
  std::optional<double> best_;
};

inline bool is_finished(const trial& t) {
  return t.state == trial_state::complete || t.state == trial_state::fail || t.state == trial_state::pruned;
}

}  // namespace detail

/// Runs `objective` on `st` (which must have no trial yet) as `p` says, then calls
/// `write_outputs` with every trial, even when the objective or the sampler threw (the
/// exception is rethrown afterwards). With p.resume_from, the journal's header must match this
/// search (space, directions, sampler, seed: io_error otherwise); its trials are added in number
/// order, a number missing between them (a trial that was running when the earlier run died)
/// is run again first. Without it, an existing non-empty journal in out_dir is kept under a
/// new name (journal-<epoch ms>.jsonl), never overwritten. The run holds an exclusive lock on
/// out_dir (io::folder_lock, `search.lock`) from start to end: io_error at once when another
/// run holds it.
template <Sampler S, class Objective>
search_run_result run_search(study<S>& st, Objective&& objective, const search_run_params& p,
                             const search_output_writer& write_outputs) {
  namespace fs = std::filesystem;
  if (st.n_trials() != 0)
    throw config_error("run_search: the study already has " + std::to_string(st.n_trials()) +
                       " trials: expected an empty study (resume through search_run_params.resume_from)");
  if (p.n_trials < 1) throw config_error("n_trials = 0: must be >= 1");
  search_run_result result;
  const fs::path journal = p.out_dir / "journal.jsonl";
  io::journal_header header;
  header.dimensions = st.dimensions();
  header.directions = st.directions();
  header.sampler = p.sampler_name;
  header.seed = p.seed;

  std::error_code ec;
  fs::create_directories(p.out_dir, ec);
  if (ec) throw io_error(p.out_dir.string() + ": cannot create the output folder: " + ec.message());
  // Held until the run returns: a second run (or resume) on the same folder fails at once.
  const io::folder_lock lock(p.out_dir);

  std::vector<trial> resumed;
  if (p.resume_from) {
    const io::journal_contents c = io::read_journal(*p.resume_from);
    if (c.header != header.to_json())
      throw io_error(p.resume_from->string() + ": the journal belongs to a different search: " +
                     io::journal_header_difference(c.header, header.to_json()));
    for (const auto& t : c.trials) {  // keep the first record of a number
      const bool seen = std::any_of(resumed.begin(), resumed.end(), [&](const trial& r) { return r.number == t.number; });
      if (!seen) resumed.push_back(t);
    }
  }
  const bool same_file = p.resume_from && fs::exists(journal) && fs::equivalent(*p.resume_from, journal, ec);
  if (!same_file && fs::exists(journal) && fs::file_size(journal) > 0) {
    const fs::path kept = p.out_dir / ("journal-" + std::to_string(detail::epoch_ms()) + ".jsonl");
    fs::rename(journal, kept);
    result.moved_journal = kept;
  }
  io::journal_writer writer(journal, header, p.journal_sync_every);
  std::set<std::size_t> journaled;
  for (const auto& t : resumed) {
    if (!same_file) writer.append(t);
    journaled.insert(t.number);
  }

  // Resumed trials in number order; numbers missing in between become WAITING trials that the
  // sampler fills in when they run (their parameters were never recorded).
  std::sort(resumed.begin(), resumed.end(), [](const trial& a, const trial& b) { return a.number < b.number; });
  std::vector<trial> to_add;
  for (const auto& t : resumed) {
    while (to_add.size() < t.number) {
      trial gap;
      gap.number = to_add.size();
      gap.state = trial_state::waiting;
      to_add.push_back(std::move(gap));
    }
    to_add.push_back(t);
  }
  st.add_trials(std::move(to_add));
  result.resumed = resumed.size();

  detail::running_front front(st.directions());
  for (const auto& t : resumed) front.add(t);
  std::size_t finished = resumed.size();
  const auto t0 = std::chrono::steady_clock::now();
  auto on_trial = [&](study<S>& s, const trial& t) {
    writer.append(t);
    journaled.insert(t.number);
    ++finished;
    front.add(t);
    if (p.on_progress) {
      search_progress pr;
      pr.finished = finished;
      pr.target = std::max(p.n_trials, finished);
      pr.elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      pr.last = &t;
      pr.front_size = front.size();
      pr.best_value = front.best();
      p.on_progress(pr);
    }
    if (p.stop_requested && p.stop_requested()) s.stop();
  };

  std::exception_ptr error;
  if (p.n_trials > resumed.size() && !(p.stop_requested && p.stop_requested())) {
    study_options o;
    o.n_trials = p.n_trials - resumed.size();
    o.n_jobs = p.n_jobs;
    o.timeout = p.timeout;
    o.stop_requested = p.stop_requested;
    try {
      result.reason = st.optimize(objective, o, on_trial).reason;
    } catch (...) {
      error = std::current_exception();
      result.reason = stop_reason::exception;
    }
  }
  result.stopped_by_request = p.stop_requested && p.stop_requested();
  result.trials = st.trials();
  // A trial whose exception ended the search skipped the callbacks: journal it too.
  for (const auto& t : result.trials)
    if (detail::is_finished(t) && !journaled.count(t.number)) {
      writer.append(t);
      journaled.insert(t.number);
    }
  result.run = static_cast<std::size_t>(std::count_if(result.trials.begin(), result.trials.end(),
                                                      [](const trial& t) { return detail::is_finished(t); })) -
               result.resumed;
  result.best = st.best_trials();
  write_outputs(p.out_dir, result.trials, result.best);
  if (error) std::rethrow_exception(error);
  return result;
}

}  // namespace mixprec
