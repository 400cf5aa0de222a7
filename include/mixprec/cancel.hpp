// Cooperative cancellation of running trials. While a study optimizes, each of its worker threads
// points at the study's cancel flag; long computations (the forward pass, the evaluation runner,
// objectives of your own) call throw_if_cancelled() at points where stopping is safe, and it
// throws trial_cancelled once the study asks its trials to end (a stop request or the timeout).
// A check costs one thread-local read and one relaxed atomic load; off a worker thread it never
// throws.
#pragma once
#include <atomic>
#include <exception>

namespace mixprec {

/// Thrown by throw_if_cancelled(): the running trial was asked to end. The study does not record
/// the trial as finished (see study::optimize).
struct trial_cancelled : std::exception {
  const char* what() const noexcept override { return "trial cancelled: the search was asked to stop"; }
};

namespace detail {
inline thread_local const std::atomic<bool>* current_cancel_flag = nullptr;
}  // namespace detail

/// True once the study running this thread's trial asked it to end.
[[nodiscard]] inline bool cancel_requested() noexcept {
  const std::atomic<bool>* flag = detail::current_cancel_flag;
  return flag != nullptr && flag->load(std::memory_order_relaxed);
}

/// Throws trial_cancelled if the running trial was asked to end.
inline void throw_if_cancelled() {
  if (cancel_requested()) throw trial_cancelled();
}

/// Points this thread's checks at `flag` for the scope's lifetime (the previous one comes back
/// after), so nested scopes work.
class cancel_scope {
 public:
  explicit cancel_scope(const std::atomic<bool>& flag) noexcept : previous_(detail::current_cancel_flag) {
    detail::current_cancel_flag = &flag;
  }
  ~cancel_scope() { detail::current_cancel_flag = previous_; }
  cancel_scope(const cancel_scope&) = delete;
  cancel_scope& operator=(const cancel_scope&) = delete;

 private:
  const std::atomic<bool>* previous_;
};

}  // namespace mixprec
