#pragma once
// EngineHolder: the live rule engine, swapped whole on a hot reload.
//
// Reload() loads the pack at `path`, lints it and runs its examples (rules::LoadEngine) off the
// data path; only a pack that passes replaces the live one, so a broken pack is refused and the
// old one keeps running. Workers call Current() between messages: a message is scanned by exactly
// one engine, and every alert records which (Engine::version()).
//
// ReloadIfChanged() is for the file watcher: it reloads only when the files' bytes differ from the
// last pack it tried (good or bad), so a broken edit is reported once, not on every poll. SIGHUP
// calls Reload() unconditionally.
//
// Thread safety: every method may be called from any thread.
#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "common/result.h"
#include "rules/engine.h"

namespace centinela::pipeline {

class EngineHolder {
 public:
  EngineHolder(std::filesystem::path path, rules::EngineOptions options);

  // Loads the pack; on success it becomes current. The error says why a pack was refused.
  Status Reload();

  // The live engine (never null after a successful Reload).
  std::shared_ptr<const rules::Engine> Current() const;

  // Bumped by every successful Reload; workers compare it to refresh cheaply.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  // Every load tried (by Reload or ReloadIfChanged), refused or not.
  uint64_t attempts() const { return attempts_.load(std::memory_order_acquire); }

  // Reloads when the files changed since the last attempt. *attempted says whether it tried.
  Status ReloadIfChanged(bool* attempted);

  const std::filesystem::path& path() const { return path_; }

 private:
  Status Attempt(const std::string& key);

  const std::filesystem::path path_;
  const rules::EngineOptions options_;
  mutable std::mutex mu_;
  std::shared_ptr<const rules::Engine> current_;
  std::string last_attempt_;  // digest of the files last tried
  std::atomic<uint64_t> generation_{0};
  std::atomic<uint64_t> attempts_{0};
};

}  // namespace centinela::pipeline
