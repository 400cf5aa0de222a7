// Graceful stop on SIGINT / SIGTERM: while a stop_signals object lives, the first signal only
// records a request; a search polling received() (run_search's stop_requested) cancels its
// running trials within about 50 ms, keeps every finished one and writes its logs. A second
// signal gets the default action, so a run stuck outside any cancel check can still be killed.
#pragma once
#include <atomic>
#include <csignal>

namespace mixprec {

namespace detail {
inline std::atomic<int>& pending_stop_signal() {
  static std::atomic<int> signo{0};
  return signo;
}
extern "C" inline void record_stop_signal(int signo) { pending_stop_signal().store(signo); }
}  // namespace detail

/// Installs the SIGINT and SIGTERM handlers for its lifetime (restoring the previous ones).
/// Not reentrant: one instance at a time per process.
class stop_signals {
 public:
  stop_signals() {
    detail::pending_stop_signal().store(0);
    struct sigaction sa {};
    sa.sa_handler = &detail::record_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;  // the second signal takes the default action
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~stop_signals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  stop_signals(const stop_signals&) = delete;
  stop_signals& operator=(const stop_signals&) = delete;

  /// The signal received (SIGINT or SIGTERM), or 0.
  [[nodiscard]] static int received() { return detail::pending_stop_signal().load(); }

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

}  // namespace mixprec
