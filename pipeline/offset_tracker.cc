#include "pipeline/offset_tracker.h"

namespace centinela::pipeline {

void OffsetTracker::Start(const PartitionKey& key, int64_t offset) {
  std::lock_guard lock(mu_);
  if (partitions_[key].pending.emplace(offset, false).second) ++in_flight_;
}

std::optional<int64_t> OffsetTracker::Finish(const PartitionKey& key, int64_t offset) {
  std::lock_guard lock(mu_);
  auto p = partitions_.find(key);
  if (p == partitions_.end()) return std::nullopt;
  auto& pending = p->second.pending;
  auto it = pending.find(offset);
  if (it == pending.end() || it->second) return std::nullopt;
  it->second = true;
  --in_flight_;
  std::optional<int64_t> moved;
  while (!pending.empty() && pending.begin()->second) {
    moved = pending.begin()->first + 1;
    pending.erase(pending.begin());
  }
  if (moved) p->second.committable = *moved;
  return moved;
}

size_t OffsetTracker::InFlight(const PartitionKey& key) const {
  std::lock_guard lock(mu_);
  auto p = partitions_.find(key);
  if (p == partitions_.end()) return 0;
  size_t n = 0;
  for (const auto& [offset, done] : p->second.pending) n += done ? 0 : 1;
  return n;
}

size_t OffsetTracker::InFlight() const {
  std::lock_guard lock(mu_);
  return in_flight_;
}

void OffsetTracker::Forget(const std::vector<PartitionKey>& keys) {
  std::lock_guard lock(mu_);
  for (const auto& k : keys) {
    auto p = partitions_.find(k);
    if (p == partitions_.end()) continue;
    for (const auto& [offset, done] : p->second.pending) in_flight_ -= done ? 0 : 1;
    partitions_.erase(p);
  }
}

}  // namespace centinela::pipeline
