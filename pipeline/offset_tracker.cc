#include "pipeline/offset_tracker.h"

#include <algorithm>

namespace centinela::pipeline {
namespace {

template <typename Deque>
auto Find(Deque& pending, int64_t offset) {
  return std::lower_bound(pending.begin(), pending.end(), offset,
                          [](const auto& r, int64_t o) { return r.offset < o; });
}

}  // namespace

void OffsetTracker::Start(const PartitionKey& key, int64_t offset) {
  std::lock_guard lock(mu_);
  auto& pending = partitions_[key].pending;
  if (pending.empty() || pending.back().offset < offset) {
    pending.push_back(Record{offset, false});
    ++in_flight_;
    return;
  }
  // Out of order (the consumer went back, e.g. after a seek): keep the deque sorted.
  auto it = Find(pending, offset);
  if (it != pending.end() && it->offset == offset) return;
  pending.insert(it, Record{offset, false});
  ++in_flight_;
}

bool OffsetTracker::Finish(const PartitionKey& key, int64_t offset) {
  std::lock_guard lock(mu_);
  auto p = partitions_.find(key);
  if (p == partitions_.end()) return false;
  auto& pending = p->second.pending;
  auto it = Find(pending, offset);
  if (it == pending.end() || it->offset != offset || it->finished) return false;
  it->finished = true;
  --in_flight_;
  if (it != pending.begin()) return false;  // an older record still holds the partition back
  int64_t next = offset + 1;
  while (!pending.empty() && pending.front().finished) {
    next = pending.front().offset + 1;
    pending.pop_front();
  }
  p->second.committable = next;
  p->second.moved = true;
  return true;
}

bool OffsetTracker::Abandon(const PartitionKey& key, int64_t offset) {
  std::lock_guard lock(mu_);
  auto p = partitions_.find(key);
  if (p == partitions_.end()) return false;
  auto& pending = p->second.pending;
  if (pending.empty() || pending.back().offset != offset || pending.back().finished) return false;
  pending.pop_back();
  --in_flight_;
  return true;
}

void OffsetTracker::TakeMoved(std::vector<std::pair<PartitionKey, int64_t>>* out) {
  std::lock_guard lock(mu_);
  for (auto& [key, partition] : partitions_) {
    if (!partition.moved) continue;
    out->emplace_back(key, partition.committable);
    partition.moved = false;
  }
}

int64_t OffsetTracker::Committable(const PartitionKey& key) const {
  std::lock_guard lock(mu_);
  auto p = partitions_.find(key);
  return p == partitions_.end() ? -1 : p->second.committable;
}

size_t OffsetTracker::InFlight(const PartitionKey& key) const {
  std::lock_guard lock(mu_);
  auto p = partitions_.find(key);
  if (p == partitions_.end()) return 0;
  return static_cast<size_t>(std::count_if(p->second.pending.begin(), p->second.pending.end(),
                                           [](const Record& r) { return !r.finished; }));
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
    for (const Record& r : p->second.pending) in_flight_ -= r.finished ? 0 : 1;
    partitions_.erase(p);
  }
}

}  // namespace centinela::pipeline
