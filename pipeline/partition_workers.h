#pragma once
// PartitionWorkers: which scan worker takes the records of a partition. A partition keeps its
// worker until it is released (revoked and drained), so its records stay in offset order; a
// partition seen for the first time goes to the worker with the fewest partitions of its topic,
// then the fewest partitions in all, then the lowest index. So each topic is spread over the
// workers, whatever order the partitions first show up in. A hash of topic and partition used to
// choose instead, and sent every partition of a topic to one worker whenever a group member held
// only even (or only odd) partitions of it, as round-robin and sticky assignors hand out with two
// members.
//
// Not thread-safe: the consumer's poll thread (the poll loop and the rebalance callback it runs)
// is its only user.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "pipeline/offset_tracker.h"

namespace centinela::pipeline {

class PartitionWorkers {
 public:
  explicit PartitionWorkers(size_t workers) : load_(workers ? workers : 1, 0) {}

  // The worker for `key`'s records, in [0, workers).
  size_t WorkerOf(const PartitionKey& key);

  // Forgets partitions (revoked, their in-flight records drained): should they come back, they
  // go to whichever worker has the fewest partitions then.
  void Release(const std::vector<PartitionKey>& keys);

  // Partitions each worker holds now.
  const std::vector<size_t>& load() const { return load_; }

 private:
  std::map<PartitionKey, size_t> worker_of_;
  std::vector<size_t> load_;
  std::map<std::string, std::vector<size_t>> topic_load_;  // per topic, per worker
};

}  // namespace centinela::pipeline
