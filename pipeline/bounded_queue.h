#pragma once
// BoundedQueue: a blocking FIFO with a fixed capacity, for handing records from the consumer to
// a worker. Push blocks while full (backpressure reaches the consumer, which stops fetching once
// librdkafka's own bounded queue fills); PopAll takes everything queued at once, so a busy worker
// pays one lock per batch. Close() wakes everyone; Pop on a closed, empty queue returns false.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <vector>

namespace centinela::pipeline {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity ? capacity : 1) {}

  // Returns false when the queue was closed (the item is not taken).
  bool Push(T item) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    lock.unlock();
    not_empty_.notify_one();
    return true;
  }

  // Moves every queued item into *out (cleared first), waiting up to `timeout` for one.
  // Returns false once the queue is closed and empty.
  bool PopAll(std::vector<T>* out, std::chrono::milliseconds timeout) {
    out->clear();
    std::unique_lock lock(mu_);
    not_empty_.wait_for(lock, timeout, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return !closed_;
    for (auto& item : items_) out->push_back(std::move(item));
    items_.clear();
    lock.unlock();
    not_full_.notify_all();
    return true;
  }

  void Close() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    not_full_.notify_all();
    not_empty_.notify_all();
  }

  size_t size() const {
    std::lock_guard lock(mu_);
    return items_.size();
  }

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace centinela::pipeline
