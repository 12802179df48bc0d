#pragma once
// Scanner: the scanner worker of `centinela run --role scan` (DESIGN.md section 1).
//
// One consumer-group member over the input topics. Each record is decoded, normalized, matched
// and scored by the live rule engine; a verdict at `review` or above becomes an alert record
// (schema_version 1) on the alerts topic, keyed by its campaign key, through an idempotent
// producer; a record that is not a valid message goes to the dead-letter topic untouched, with
// `reason`, `detail`, `source_topic`, `source_partition` and `source_offset` headers. A record
// too large for the producer's message.max.bytes keeps only its start there, with a
// `truncated_from` header giving its full size (the original stays at its source offset); a key
// that does not fit beside it is cut too, with `truncated_key_from`.
//
// Delivery is at-least-once: a record's offset is stored only after the broker acknowledged what
// it produced (or when it produced nothing), and only once every earlier record of its partition
// is done too (OffsetTracker). A failed delivery is produced again, with backoff, until it
// succeeds or the process stops; what was not acknowledged is consumed again after a restart,
// with the same alert id. An error that producing again cannot mend (librdkafka's fatal error of
// the idempotent producer, a message over message.max.bytes, a record refused 8 times, by the
// produce call or in its delivery report, for a reason other than a timeout) or a fatal consumer
// error stops Run() with that reason instead, before the record's offset is stored. A topic the
// cluster's metadata reports as denied is waited out like an outage (librdkafka keeps the records
// queued); every 30 s without an acknowledgement while records wait, a warning names the topics. An
// alert too large for the producer's message.max.bytes is not produced: its input record goes to
// the dead letters (`too_large`, the detail naming the alert's size), to be replayed after the
// limit is raised. While as many records as scan.queue_capacity, or 64 MiB of them, wait to be
// produced again (deliveries that timed out, when message.timeout.ms is set), workers wait:
// memory stays bounded during an outage. On a rebalance
// (cooperative or eager) the revoked partitions' work is drained and committed before they are
// released. If that commit fails (the development broker refuses commits during a rebalance)
// and the same rebalance gives a partition back, as an eager assignor does, it resumes after the
// records this member finished instead of consuming them again. Stop() drains everything and
// commits.
//
// Threads: the caller of Run() polls the consumer and hands each record to one of
// `scan.threads` workers, the one its partition was given (PartitionWorkers: the least loaded
// when the partition first arrives; a partition's records stay in order), through bounded queues
// (backpressure); one more thread serves delivery reports and retries.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"
#include "config/config.h"
#include "pipeline/engine_holder.h"

namespace centinela::pipeline {

struct ScannerStats {
  std::atomic<uint64_t> consumed{0};
  std::atomic<uint64_t> scanned{0};        // valid messages judged
  std::atomic<uint64_t> alerts{0};         // alert records acknowledged by the broker
  std::atomic<uint64_t> dead_letters{0};   // dead letters acknowledged by the broker
  std::atomic<uint64_t> produce_retries{0};
  std::atomic<uint64_t> consumer_errors{0};
  std::atomic<uint64_t> rebalances{0};
};

class Scanner {
 public:
  static Result<std::unique_ptr<Scanner>> Create(const config::Config& config,
                                                 std::shared_ptr<EngineHolder> engines);
  ~Scanner();
  Scanner(const Scanner&) = delete;  // owns Kafka clients and threads
  Scanner& operator=(const Scanner&) = delete;

  // Consumes until Stop(); then drains in-flight work, commits and closes the consumer.
  // Returns an error only when the engine fails (never scored as "no match") or a client cannot
  // be created.
  Status Run();

  // Asks Run() to finish; safe from any thread (not from a signal handler). Run() then drains:
  // workers finish what is queued and the broker's acknowledgements are awaited, for at most 30 s
  // from this call, so a stalled producer (the alerts topic without a leader) cannot hold the
  // shutdown up; what was not acknowledged is not committed and is consumed again.
  void Stop();

  const ScannerStats& stats() const;

  // Records handed to workers and not yet durable.
  size_t in_flight() const;

 private:
  struct Impl;
  explicit Scanner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace centinela::pipeline
