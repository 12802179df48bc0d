#include "pipeline/pack_reloader.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace centinela::pipeline {

PackReloader::PackReloader(std::shared_ptr<EngineHolder> engines, bool watch,
                           std::chrono::milliseconds interval)
    : engines_(std::move(engines)),
      watch_(watch),
      interval_(std::max(interval, std::chrono::milliseconds(1))),
      thread_([this] { Loop(); }) {}

PackReloader::~PackReloader() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void PackReloader::Request() {
  {
    std::lock_guard lock(mu_);
    requested_ = true;
  }
  cv_.notify_all();
}

void PackReloader::Loop() {
  auto next_watch = std::chrono::steady_clock::now() + interval_;
  for (;;) {
    bool requested = false;
    {
      std::unique_lock lock(mu_);
      auto wake = [&] { return stopping_ || requested_; };
      if (watch_) {
        cv_.wait_until(lock, next_watch, wake);
      } else {
        cv_.wait(lock, wake);
      }
      if (stopping_) return;
      requested = std::exchange(requested_, false);
    }
    if (requested) {
      spdlog::info("reloading the rule pack on SIGHUP");
      if (Status s = engines_->Reload(); s.ok()) {
        spdlog::info("rule pack reloaded on SIGHUP: {}", engines_->Current()->version());
      } else {
        spdlog::error("rule pack refused, keeping {}: {}", engines_->Current()->version(),
                      s.message());
      }
    }
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;  // a stop that came during the reload: no second compile
    }
    if (watch_ && std::chrono::steady_clock::now() >= next_watch) {
      next_watch = std::chrono::steady_clock::now() + interval_;
      bool attempted = false;
      const Status s = engines_->ReloadIfChanged(&attempted);
      if (attempted && s.ok()) {
        spdlog::info("rule pack changed, reloaded: {}", engines_->Current()->version());
      } else if (attempted) {
        spdlog::error("changed rule pack refused, keeping {}: {}",
                      engines_->Current()->version(), s.message());
      }
    }
  }
}

}  // namespace centinela::pipeline
