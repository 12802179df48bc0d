#pragma once
// PackReloader: hot reloads of the rule pack, in a thread of their own.
//
// Compiling a large pack without a cached database takes seconds (the starter pack: about 12 s on
// these machines). The thread that takes signals only calls Request(), so a SIGTERM that arrives
// during a reload stops the scanner at once; the reload finishes beside the drain.
//
// The thread reloads on Request() (SIGHUP: always) and, when `watch` is set, whenever the pack's
// files change (EngineHolder::ReloadIfChanged, polled every `interval`). Each outcome is logged:
// the new version, or the refusal with its reason and the version that keeps running.
//
// Thread safety: Request() may be called from any thread. The destructor stops the thread and
// waits for a reload that is running.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "pipeline/engine_holder.h"

namespace centinela::pipeline {

class PackReloader {
 public:
  PackReloader(std::shared_ptr<EngineHolder> engines, bool watch,
               std::chrono::milliseconds interval);
  ~PackReloader();
  PackReloader(const PackReloader&) = delete;
  PackReloader& operator=(const PackReloader&) = delete;

  // Asks for an unconditional reload (SIGHUP); requests made while one runs fold into one more.
  void Request();

 private:
  void Loop();

  const std::shared_ptr<EngineHolder> engines_;
  const bool watch_;
  const std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool requested_ = false;
  bool stopping_ = false;
  std::thread thread_;  // last: starts after the members it uses
};

}  // namespace centinela::pipeline
