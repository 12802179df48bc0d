#pragma once
// Simple Kafka clients for tools around the pipeline — the demo's feed and live view, the
// dead-letter replay, integration tests — where one record at a time is fast enough. The scanner
// does not use them (it needs delivery reports tied to offsets; see scanner.h).
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace centinela::pipeline {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Record {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = 0;
  std::string key;
  bool has_key = false;  // false: the record had no key at all (null), not an empty one
  std::string value;
  bool has_value = false;  // false: a tombstone (a null value), not an empty one
  Headers headers;

  // The first header of that name, or nullopt.
  std::optional<std::string> Header(const std::string& name) const;
};

class KafkaProducer {
 public:
  // properties go to librdkafka as they are; bootstrap.servers is set from `brokers`.
  static Result<std::unique_ptr<KafkaProducer>> Create(
      const std::string& brokers, const std::map<std::string, std::string>& properties = {});
  ~KafkaProducer();
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  // Queues one record (partition -1: by key; a key whose data() is null, such as
  // std::string_view(), gives a record without a key, and such a value a tombstone). Failures of
  // delivery are counted and reported by Flush.
  Status Produce(const std::string& topic, std::string_view key, std::string_view value,
                 const Headers& headers = {}, int32_t partition = -1);
  // Waits until every queued record is acknowledged; an error says how many failed since the
  // last Flush, or that the timeout passed.
  Status Flush(int timeout_ms);

 private:
  struct Impl;
  explicit KafkaProducer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class KafkaConsumer {
 public:
  // How far a reader without a group reads.
  enum class ReadTo {
    kFollow,  // everything, as it arrives; at_end() once every partition has reached its end
    kEndNow,  // up to each partition's end when Create was called (its high watermark then);
              // records written later are not returned, and at_end() follows the last of those
  };

  // With a group id: joins the group and subscribes to `topics` (a new group starts at the
  // earliest offset). With an empty group id: reads every partition of `topics` from the
  // beginning, without a group, as `read_to` says.
  static Result<std::unique_ptr<KafkaConsumer>> Create(
      const std::string& brokers, const std::string& group_id,
      const std::vector<std::string>& topics,
      const std::map<std::string, std::string>& properties = {},
      ReadTo read_to = ReadTo::kFollow);
  ~KafkaConsumer();
  KafkaConsumer(const KafkaConsumer&) = delete;
  KafkaConsumer& operator=(const KafkaConsumer&) = delete;

  // The one record at `offset` of that partition, read without a group; an error when it is not
  // there (deleted by retention, never written) or not read within timeout_ms.
  static Result<Record> ReadAt(const std::string& brokers, const std::string& topic,
                               int32_t partition, int64_t offset,
                               const std::map<std::string, std::string>& properties,
                               int timeout_ms);

  // The next record, or nullopt after timeout_ms. Consumer errors are skipped and counted.
  std::optional<Record> Poll(int timeout_ms);

  // Without a group: every partition has been read to its end (see ReadTo).
  bool at_end() const;

  // Commits the offsets of what Poll returned (group mode).
  Status Commit();

 private:
  struct Impl;
  explicit KafkaConsumer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace centinela::pipeline
