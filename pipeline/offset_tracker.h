#pragma once
// OffsetTracker: which offset of each partition may be committed, when records finish out of
// order. A record is "started" when it is handed to a worker and "finished" once its outcome is
// durable (the broker acknowledged its alert or dead letter, or it produced nothing). The
// committable offset of a partition is one past the longest finished prefix: a record that is
// still in flight holds back every later one, so a crash never skips an unfinished record.
//
// The committable offsets are collected, not pushed: TakeMoved hands over those that moved since
// the last call, so the consumer stores them in one call every few milliseconds instead of once
// per record.
//
// Cost: records of a partition are started in offset order, so Start appends and Finish is a
// binary search plus, when the oldest record finishes, popping the finished prefix; no allocation
// per record in the steady state.
//
// Thread safety: all methods may be called from any thread (one mutex, held for tens of ns).
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
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
  // Starts a record. Starting one that is already in flight does nothing.
  void Start(const PartitionKey& key, int64_t offset);

  // Marks a started record finished. Returns whether its partition's committable offset moved.
  // Unknown (never started, forgotten or already finished) records are ignored.
  bool Finish(const PartitionKey& key, int64_t offset);
  // Takes back the newest started record of its partition when it never reached a worker (the
  // scanner stopped while handing it over): it is no longer in flight, and the committable
  // offset never passes it, so it is consumed again. False (nothing changes) for any other
  // record.
  bool Abandon(const PartitionKey& key, int64_t offset);

  // Appends to `out` each partition whose committable offset moved since the last call, with
  // that offset, and forgets that it moved.
  void TakeMoved(std::vector<std::pair<PartitionKey, int64_t>>* out);

  // The partition's committable offset, or -1 when none of its records finished yet.
  int64_t Committable(const PartitionKey& key) const;

  // Records started but not finished, in one partition or in all.
  size_t InFlight(const PartitionKey& key) const;
  size_t InFlight() const;

  // Forgets partitions (after they were revoked and committed).
  void Forget(const std::vector<PartitionKey>& keys);

 private:
  struct Record {
    int64_t offset;
    bool finished;
  };
  struct Partition {
    std::deque<Record> pending;  // started records, offsets increasing
    int64_t committable = -1;
    bool moved = false;
  };
  mutable std::mutex mu_;
  std::map<PartitionKey, Partition> partitions_;
  size_t in_flight_ = 0;
};

}  // namespace centinela::pipeline
