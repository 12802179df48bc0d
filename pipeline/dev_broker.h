#pragma once
// DevBroker: a development Kafka cluster in this process — librdkafka's mock cluster, which
// speaks the real Kafka protocol on 127.0.0.1 — with Centinela's topics pre-created.
//
// For `centinela broker`, `centinela demo` and the integration tests. It keeps at most ~5 MiB or
// 100k batches per partition and silently trims the rest, hence many partitions by default.
// Broker outages and injected request errors are in-process calls, so tests that use them host
// the DevBroker themselves.
//
// Thread safety: the mock cluster runs its own thread; the methods here may be called from any
// thread.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace centinela::pipeline {

class DevBroker {
 public:
  struct Options {
    int brokers = 1;
    int partitions = 32;
    std::vector<std::string> topics = {"centinela.tips", "centinela.posts", "centinela.alerts",
                                       "centinela.deadletter"};
  };

  static Result<std::unique_ptr<DevBroker>> Start(const Options& options);
  ~DevBroker();  // stops the cluster; clients still connected see it go away
  DevBroker(const DevBroker&) = delete;
  DevBroker& operator=(const DevBroker&) = delete;

  // Comma-separated host:port list to bootstrap from.
  const std::string& bootstrap_servers() const { return bootstraps_; }

  // Creates another topic (idempotent for an existing name with the same partition count).
  Status CreateTopic(const std::string& name, int partitions);

  // Takes broker `id` (1-based) down or brings it back: its connections drop, requests fail.
  Status SetBrokerDown(int id);
  Status SetBrokerUp(int id);

  // The next `count` requests of Kafka API `api_key` (e.g. 0 Produce, 1 Fetch, 8 OffsetCommit)
  // fail with `error` (an rd_kafka_resp_err_t value, e.g. -185 transport or 6 not leader).
  void PushRequestErrors(int16_t api_key, int count, int error);
  // Drops the errors still pushed for `api_key`.
  void ClearRequestErrors(int16_t api_key);
  // Makes metadata requests report `error` for `topic` (e.g. 29 topic authorization failed, 3
  // unknown topic), as a cluster that denies it or lacks it would; 0 clears it.
  void SetTopicError(const std::string& topic, int error);

  // Makes broker `id` the leader of one partition, or leaves the partition without a leader
  // (id -1): producing to it then waits, while the other topics work on.
  Status SetPartitionLeader(const std::string& topic, int partition, int id);

 private:
  struct Impl;
  explicit DevBroker(std::unique_ptr<Impl> impl, std::string bootstraps);
  std::unique_ptr<Impl> impl_;
  std::string bootstraps_;
};

}  // namespace centinela::pipeline
