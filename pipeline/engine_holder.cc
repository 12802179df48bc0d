#include "pipeline/engine_holder.h"

#include <spdlog/spdlog.h>

namespace centinela::pipeline {

EngineHolder::EngineHolder(std::filesystem::path path, rules::EngineOptions options)
    : path_(std::move(path)), options_(std::move(options)) {}

Status EngineHolder::Reload() {
  auto digest = rules::PackDigest(path_);
  return Attempt(digest.ok() ? *digest : std::string());
}

Status EngineHolder::ReloadIfChanged(bool* attempted) {
  *attempted = false;
  auto digest = rules::PackDigest(path_);
  const std::string key = digest.ok() ? *digest : "unreadable: " + digest.error().message;
  {
    std::lock_guard lock(mu_);
    if (key == last_attempt_) return Status::Ok();
  }
  *attempted = true;
  return Attempt(key);
}

Status EngineHolder::Attempt(const std::string& key) {
  {
    std::lock_guard lock(mu_);
    last_attempt_ = key;
  }
  std::vector<std::string> warnings;
  auto engine = rules::LoadEngine(path_, options_, &warnings);
  attempts_.fetch_add(1, std::memory_order_acq_rel);
  if (!engine.ok()) return engine.error();
  for (const std::string& w : warnings) spdlog::warn("rule pack {}: {}", path_.string(), w);
  {
    std::lock_guard lock(mu_);
    current_ = std::move(*engine);
  }
  generation_.fetch_add(1, std::memory_order_acq_rel);
  return Status::Ok();
}

std::shared_ptr<const rules::Engine> EngineHolder::Current() const {
  std::lock_guard lock(mu_);
  return current_;
}

}  // namespace centinela::pipeline
