#include "pipeline/partition_workers.h"

#include <algorithm>

namespace centinela::pipeline {

size_t PartitionWorkers::WorkerOf(const PartitionKey& key) {
  if (auto it = worker_of_.find(key); it != worker_of_.end()) return it->second;
  const size_t worker =
      static_cast<size_t>(std::min_element(load_.begin(), load_.end()) - load_.begin());
  ++load_[worker];
  worker_of_.emplace(key, worker);
  return worker;
}

void PartitionWorkers::Release(const std::vector<PartitionKey>& keys) {
  for (const PartitionKey& key : keys) {
    auto it = worker_of_.find(key);
    if (it == worker_of_.end()) continue;
    --load_[it->second];
    worker_of_.erase(it);
  }
}

}  // namespace centinela::pipeline
