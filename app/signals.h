#pragma once
// Signal handling for the long-running commands, without async-signal-unsafe handlers: main
// blocks SIGINT, SIGTERM and SIGHUP before it starts any thread (threads inherit the mask), and
// one thread takes them synchronously with WaitForSignal.
#include <signal.h>

#include <chrono>

namespace centinela::app {

inline sigset_t ServiceSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

// Call in main before starting threads.
inline void BlockServiceSignals() {
  const sigset_t set = ServiceSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

// The next of SIGINT, SIGTERM, SIGHUP, or 0 after `timeout`.
inline int WaitForSignal(std::chrono::milliseconds timeout) {
  const sigset_t set = ServiceSignals();
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  ts.tv_nsec = static_cast<long>((timeout.count() % 1000) * 1000000);
  const int sig = sigtimedwait(&set, nullptr, &ts);
  return sig > 0 ? sig : 0;
}

}  // namespace centinela::app
