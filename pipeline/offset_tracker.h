#pragma once
// OffsetTracker: which offset of each partition may be committed, when records finish out of
// order. A record is "started" when it is handed to a worker and "finished" once its outcome is
// durable (the broker acknowledged its alert or dead letter, or it produced nothing). The
// committable offset of a partition is one past the longest finished prefix: a record that is
// still in flight holds back every later one, so a crash never skips an unfinished record.
//
// Thread safety: all methods may be called from any thread (one mutex; a few hundred ns).
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace centinela::pipeline {

struct PartitionKey {
  std::string topic;
  int32_t partition = 0;
  friend auto operator<=>(const PartitionKey&, const PartitionKey&) = default;
};

class OffsetTracker {
 public:
  void Start(const PartitionKey& key, int64_t offset);

  // Marks a started record finished. Returns the new committable offset of its partition when it
  // moved (to be stored), else nullopt.
  std::optional<int64_t> Finish(const PartitionKey& key, int64_t offset);

  // Records started but not finished, in one partition or in all.
  size_t InFlight(const PartitionKey& key) const;
  size_t InFlight() const;

  // Forgets partitions (after they were revoked and committed).
  void Forget(const std::vector<PartitionKey>& keys);

 private:
  struct Partition {
    std::map<int64_t, bool> pending;  // offset -> finished, for started records
    int64_t committable = -1;
  };
  mutable std::mutex mu_;
  std::map<PartitionKey, Partition> partitions_;
  size_t in_flight_ = 0;
};

}  // namespace centinela::pipeline
