#include "pipeline/partition_workers.h"

#include <utility>

namespace centinela::pipeline {

size_t PartitionWorkers::WorkerOf(const PartitionKey& key) {
  if (auto it = worker_of_.find(key); it != worker_of_.end()) return it->second;
  std::vector<size_t>& topic = topic_load_[key.topic];
  topic.resize(load_.size(), 0);
  size_t worker = 0;
  for (size_t w = 1; w < load_.size(); ++w) {
    if (std::pair(topic[w], load_[w]) < std::pair(topic[worker], load_[worker])) worker = w;
  }
  ++topic[worker];
  ++load_[worker];
  worker_of_.emplace(key, worker);
  return worker;
}

void PartitionWorkers::Release(const std::vector<PartitionKey>& keys) {
  for (const PartitionKey& key : keys) {
    auto it = worker_of_.find(key);
    if (it == worker_of_.end()) continue;
    --load_[it->second];
    --topic_load_[key.topic][it->second];
    worker_of_.erase(it);
  }
}

}  // namespace centinela::pipeline
