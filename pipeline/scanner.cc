#include "pipeline/scanner.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstring>
#include <deque>
#include <map>
#include <thread>
#include <vector>

#include "common/alert_record.h"
#include "common/text.h"
#include "ingest/decoder.h"
#include "pipeline/bounded_queue.h"
#include "pipeline/kafka_client.h"
#include "pipeline/offset_tracker.h"
#include "pipeline/partition_workers.h"

namespace centinela::pipeline {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kPollTimeout{100};
constexpr milliseconds kDrainTimeout{30000};
// How often the poll loop stores the offsets of finished records (one call for all partitions).
// Auto-commit sends them every auto.commit.interval.ms (5 s by default) anyway.
constexpr milliseconds kStoreInterval{10};
// Room kept under message.max.bytes for the record's framing and a `truncated_from` header.
constexpr size_t kDeadLetterOverhead = 1024;
// A record refused this many times (by the produce call or in its delivery report) for a reason
// other than a timeout stops the scanner with that reason: the broker refuses it for good (no
// write permission on the topic, the topic does not exist, the record over the topic's
// max.message.bytes). About 19 s of backoff.
constexpr int kMaxRefusals = 8;
// Workers wait while the records waiting to be produced again hold this many bytes (or number
// scan.queue_capacity): dead letters can be ~1 MB each.
constexpr size_t kMaxRetryBytes = size_t{64} << 20;

// What one input record produced, kept until the broker acknowledges it (the opaque of the
// produce call), so a failed delivery can be produced again as it was.
struct Outbound {
  PartitionKey source;
  int64_t offset = 0;
  std::string topic;
  std::string key;
  bool has_key = true;    // a dead letter keeps a missing key missing
  bool has_value = true;  // and a tombstone (no value at all) a tombstone
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
  bool dead_letter = false;
  int attempts = 0;
  int refusals = 0;  // failed attempts that were not timeouts
  Clock::time_point retry_at{};

  size_t bytes() const { return key.size() + value.size(); }
};

std::string TopicOf(const rd_kafka_message_t* m) { return rd_kafka_topic_name(m->rkt); }

// Sets a dead letter's value (and cuts its key) so the record fits under the producer's
// message.max.bytes. A record can be larger than this producer may send (a broker accepts up to
// its own message.max.bytes, 1 MiB by default; the producer's default is 1,000,000): such a dead
// letter keeps the start of the record and says how long it was in `truncated_from`; the
// original stays at its source offset. A key is cut the same way (`truncated_key_from`) when key
// and record do not fit together; it keeps at least half of the room, and its cut never splits a
// UTF-8 sequence.
void FitDeadLetter(std::string_view bytes, size_t max_message_bytes, Outbound* out) {
  size_t room = max_message_bytes > kDeadLetterOverhead ? max_message_bytes - kDeadLetterOverhead
                                                        : 0;
  for (const auto& [name, value] : out->headers) room -= std::min(room, name.size() + value.size());
  const size_t key_room = std::max(room / 2, room - std::min(room, bytes.size()));
  if (out->key.size() > key_room) {
    out->headers.emplace_back("truncated_key_from", std::to_string(out->key.size()));
    out->key.resize(Utf8Prefix(out->key, key_room).size());
  }
  room -= out->key.size();
  if (bytes.size() > room) {
    out->headers.emplace_back("truncated_from", std::to_string(bytes.size()));
    bytes = bytes.substr(0, room);
  }
  out->value.assign(bytes);
}

}  // namespace

struct Scanner::Impl {
  config::Config config;
  std::shared_ptr<EngineHolder> engines;
  KafkaHandle consumer;
  KafkaHandle producer;
  OffsetTracker tracker;
  PartitionWorkers partition_workers{1};  // sized in Create; poll thread only
  std::vector<std::pair<PartitionKey, int64_t>> moved;  // StoreOffsets' buffer
  // Where to resume partitions whose commit failed when they were revoked, should the same
  // rebalance give them back (consumer thread only; cleared by every assignment).
  std::map<PartitionKey, int64_t> resume_at;
  ScannerStats stats;
  std::atomic<bool> stopping{false};
  std::atomic<bool> failed{false};
  std::mutex failure_mu;
  std::string failure;

  std::vector<std::unique_ptr<BoundedQueue<KafkaMessage>>> queues;
  std::vector<std::thread> workers;
  std::thread delivery_thread;
  std::atomic<bool> delivery_stop{false};

  std::mutex retry_mu;
  std::deque<std::unique_ptr<Outbound>> retries;
  size_t retry_bytes = 0;  // Outbound::bytes() of `retries`
  // When the broker last acknowledged an alert or dead letter (steady clock, ns).
  std::atomic<int64_t> last_ack{Clock::now().time_since_epoch().count()};
  // The producer's message.max.bytes: a dead letter's value is cut to fit under it.
  size_t max_message_bytes = 1000000;

  // Nanoseconds (steady clock) after which a stopping scanner stops waiting for the producer;
  // 0 while running.
  std::atomic<int64_t> give_up_at{0};

  // Stops the poll loop, also when it is blocked on a full queue (the producer stalled by an
  // outage: the record it was handing over is taken back and consumed again later). Workers
  // still finish what is queued; waits for the producer end kDrainTimeout from the first call.
  void BeginStop() {
    int64_t unset = 0;
    give_up_at.compare_exchange_strong(
        unset, (Clock::now() + kDrainTimeout).time_since_epoch().count());
    stopping.store(true);
    for (auto& q : queues) q->Close();
  }

  Clock::time_point GiveUpAt() const {
    return Clock::time_point(Clock::duration(give_up_at.load()));
  }

  void Fail(const std::string& why) {
    {
      std::lock_guard lock(failure_mu);
      if (failure.empty()) failure = why;
    }
    failed.store(true);
    BeginStop();
  }

  // Marks a record durable; its partition's offset is stored with the next StoreOffsets.
  void Finish(const PartitionKey& key, int64_t offset) { tracker.Finish(key, offset); }

  // Stores, in one call, the committable offsets that moved since the last call. Consumer thread
  // only (the poll loop and the rebalance callback it runs).
  void StoreOffsets() {
    moved.clear();
    tracker.TakeMoved(&moved);
    if (moved.empty()) return;
    PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(moved.size())));
    for (const auto& [key, offset] : moved) {
      rd_kafka_topic_partition_list_add(list.get(), key.topic.c_str(), key.partition)->offset =
          offset;
    }
    // Fails only for partitions no longer assigned (revoked before their drain finished); the
    // new owner consumes those records again, which at-least-once allows.
    rd_kafka_offsets_store(consumer.get(), list.get());
  }

  // Hands an outbound record to the producer; blocks (serving nothing) while its queue is full.
  void Produce(std::unique_ptr<Outbound> out) {
    ++out->attempts;
    while (true) {
      rd_kafka_headers_t* headers = MakeHeaders(out->headers);
      Outbound* raw = out.get();
      const rd_kafka_resp_err_t err = rd_kafka_producev(
          producer.get(), RD_KAFKA_V_TOPIC(raw->topic.c_str()),
          RD_KAFKA_V_KEY(raw->has_key ? raw->key.data() : nullptr, raw->key.size()),
          RD_KAFKA_V_VALUE(raw->has_value ? raw->value.data() : nullptr, raw->value.size()),
          RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(raw), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        out.release();  // owned by the delivery report now
        return;
      }
      if (headers) rd_kafka_headers_destroy(headers);
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        // Serve delivery reports while waiting: this may be the delivery thread itself (a retry),
        // and a report is what frees room in the queue. Sleeping instead deadlocked the scanner.
        rd_kafka_poll(producer.get(), 5);
        if (stopping.load() && Clock::now() > GiveUpAt()) {
          // Stopping during an outage: leave the record unfinished (not committed, consumed
          // again after the restart) rather than hold the shutdown up.
          return;
        }
        continue;
      }
      if (err == RD_KAFKA_RESP_ERR__FATAL || err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
        // Producing it again can never succeed. Stop with the reason; the record's offset is
        // not stored, so it is consumed again after the cause is fixed.
        Fail(FatalReason(producer.get(), "produce to " + raw->topic, err));
        return;
      }
      // Unknown topic, no permission or similar: librdkafka does not retry these itself.
      Refused(std::move(out), err, "produce to");
      return;
    }
  }

  // A failed attempt: produced again later with backoff, or, after kMaxRefusals refusals that
  // were not timeouts, the scanner stops with the reason (the record is not committed, so it is
  // consumed again once the cause is fixed).
  void Refused(std::unique_ptr<Outbound> out, rd_kafka_resp_err_t err, const char* what) {
    const bool timed_out = err == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT ||
                           err == RD_KAFKA_RESP_ERR__TIMED_OUT ||
                           err == RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE;
    if (!timed_out && ++out->refusals >= kMaxRefusals) {
      const bool topic_problem = err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
                                 err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
                                 err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
                                 err == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED;
      Fail(std::string(what) + " " + out->topic + " refused " + std::to_string(out->refusals) +
           " times: " + rd_kafka_err2str(err) +
           (topic_problem ? " (does the topic exist, and may this client write to it?)" : ""));
      return;
    }
    spdlog::warn("scanner: {} {} failed: {}; producing it again", what, out->topic,
                 rd_kafka_err2str(err));
    ScheduleRetry(std::move(out));
  }

  // Words an error of client `rk` that stops the scanner; a fatal one with librdkafka's reason.
  static std::string FatalReason(rd_kafka_t* rk, const std::string& what,
                                 rd_kafka_resp_err_t err) {
    std::string reason = what + ": " + rd_kafka_err2str(err);
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      char text[512] = {0};
      const rd_kafka_resp_err_t cause = rd_kafka_fatal_error(rk, text, sizeof text);
      reason += std::string(" (") + rd_kafka_err2name(cause) + ": " + text + ")";
    }
    return reason;
  }

  void ScheduleRetry(std::unique_ptr<Outbound> out) {
    ++stats.produce_retries;
    const int exp = std::min(out->attempts, 6);
    out->retry_at = Clock::now() + milliseconds(100 << exp);  // 0.2 s .. 6.4 s
    std::lock_guard lock(retry_mu);
    retry_bytes += out->bytes();
    retries.push_back(std::move(out));
  }

  static void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    std::unique_ptr<Outbound> out(static_cast<Outbound*>(m->_private));
    if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
      self->Fail(FatalReason(self->producer.get(), "delivery to " + out->topic, m->err));
      return;
    }
    if (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
      return;  // purged on shutdown: not finished, so not committed; consumed again
    }
    if (m->err) {
      self->Refused(std::move(out), m->err, "delivery to");
      return;
    }
    ++(out->dead_letter ? self->stats.dead_letters : self->stats.alerts);
    self->last_ack.store(Clock::now().time_since_epoch().count());
    self->Finish(out->source, out->offset);
  }

  void DeliveryLoop() {
    std::vector<std::unique_ptr<Outbound>> due;
    while (!delivery_stop.load()) {
      rd_kafka_poll(producer.get(), 50);
      due.clear();
      {
        std::lock_guard lock(retry_mu);
        const auto now = Clock::now();
        for (auto it = retries.begin(); it != retries.end();) {
          if ((*it)->retry_at <= now) {
            retry_bytes -= (*it)->bytes();
            due.push_back(std::move(*it));
            it = retries.erase(it);
          } else {
            ++it;
          }
        }
      }
      for (auto& out : due) Produce(std::move(out));
    }
  }

  size_t PendingRetries() {
    std::lock_guard lock(retry_mu);
    return retries.size();
  }
  bool RetriesFull() {
    std::lock_guard lock(retry_mu);
    return retries.size() >= config.scan.queue_capacity || retry_bytes >= kMaxRetryBytes;
  }

  // Produces a worker's new record, after backpressure for failed deliveries: it waits while
  // scan.queue_capacity records, or kMaxRetryBytes, wait to be produced again (deliveries that
  // time out during an outage, when message.timeout.ms is set), so the retry list cannot grow
  // without bound. When the scanner stops first, the record is not produced: it stays unfinished
  // and is consumed again. Workers only (the delivery thread drains the retry list).
  void ProduceNew(std::unique_ptr<Outbound> out) {
    while (RetriesFull()) {
      if (stopping.load() && Clock::now() > GiveUpAt()) return;
      std::this_thread::sleep_for(milliseconds(5));
    }
    Produce(std::move(out));
  }

  void WorkerLoop(size_t index) {
    ingest::Decoder decoder(config.scan.max_text_bytes);
    std::shared_ptr<const rules::Engine> engine;
    std::unique_ptr<rules::Engine::Context> context;
    uint64_t generation = 0;
    ScanResult result;
    std::vector<KafkaMessage> batch;
    std::vector<std::string> warnings;
    while (queues[index]->PopAll(&batch, milliseconds(200))) {
      for (KafkaMessage& m : batch) {
        // Between messages: pick up a reloaded pack. One message, one engine.
        if (const uint64_t g = engines->generation(); g != generation || !engine) {
          engine = engines->Current();
          auto ctx = engine->MakeContext();
          if (!ctx.ok()) return Fail("engine: " + ctx.error().message);
          context = std::move(*ctx);
          generation = g;
        }
        if (!Handle(*m, decoder, *engine, *context, &result, &warnings)) return;
      }
    }
  }

  // "tip" for the tips topic, "post" for the posts topic (DESIGN.md's input message names these
  // sources), empty for any other.
  std::string_view DefaultSource(const std::string& topic) const {
    if (topic == config.kafka.topics.tips) return rules::kTipSource;
    if (topic == config.kafka.topics.posts) return rules::kPostSource;
    return {};
  }

  // Judges one record and produces what it calls for. False when the service must stop.
  bool Handle(const rd_kafka_message_t& m, ingest::Decoder& decoder, const rules::Engine& engine,
              rules::Engine::Context& context, ScanResult* result,
              std::vector<std::string>* warnings) {
    const std::string topic = TopicOf(&m);
    const PartitionKey key{topic, m.partition};
    const std::string_view bytes(static_cast<const char*>(m.payload), m.len);
    auto message = decoder.Decode(bytes, warnings);
    if (!message.ok()) {
      const ingest::DecodeError& e = message.error();
      return DeadLetter(m, key, e.reason, e.detail);
    }
    for (const std::string& w : *warnings) {
      spdlog::debug("scanner: message {}: {}", message->id, w);
    }
    // A record without a `source` is what its topic carries: the rules kept to tips or to posts
    // (the pack's `sources`) then judge it as `centinela scan` judges a line that says so.
    std::string_view source = message->source;
    if (source.empty()) source = DefaultSource(topic);
    if (Status s = engine.ScanForAlerts(message->text, context, result, source); !s.ok()) {
      Fail("engine failure on " + topic + "/" + std::to_string(m.partition) + "@" +
           std::to_string(m.offset) + ": " + s.message());
      return false;
    }
    ++stats.scanned;
    if (result->action < Action::kReview) {
      Finish(key, m.offset);
      return true;
    }
    auto out = std::make_unique<Outbound>();
    out->source = key;
    out->offset = m.offset;
    out->topic = config.kafka.topics.alerts;
    out->key = result->campaign_key;
    AppendAlertRecord(*message, *result, engine.version(), topic, &out->value);
    if (out->bytes() + kDeadLetterOverhead > max_message_bytes) {
      // Producing it would fail for good and stop the scanner on every restart (a long text
      // with many spans, under a raised scan.max_text_bytes): the record waits in the dead
      // letters instead, to be replayed once message.max.bytes allows its alert.
      return DeadLetter(m, key, ingest::DecodeReason::kTooLarge,
                        "its alert record is " + std::to_string(out->value.size()) +
                            " bytes, over the producer's message.max.bytes (" +
                            std::to_string(max_message_bytes) + ")");
    }
    ProduceNew(std::move(out));
    return true;
  }

  // Sends record `m` to the dead-letter topic, untouched (cut to fit, see FitDeadLetter), with
  // `reason`, `detail` and where it came from.
  bool DeadLetter(const rd_kafka_message_t& m, const PartitionKey& key, ingest::DecodeReason reason,
                  const std::string& detail) {
    auto out = std::make_unique<Outbound>();
    out->source = key;
    out->offset = m.offset;
    out->topic = config.kafka.topics.deadletter;
    out->has_key = m.key != nullptr;
    if (m.key) out->key.assign(static_cast<const char*>(m.key), m.key_len);
    out->has_value = m.payload != nullptr;
    out->dead_letter = true;
    out->headers = {{"reason", std::string(ingest::ReasonName(reason))},
                    {"detail", detail},
                    {"source_topic", key.topic},
                    {"source_partition", std::to_string(m.partition)},
                    {"source_offset", std::to_string(m.offset)}};
    FitDeadLetter(std::string_view(static_cast<const char*>(m.payload), m.len), max_message_bytes,
                  out.get());
    spdlog::debug("scanner: {}/{}@{} to dead letters: {}", key.topic, m.partition, m.offset,
                  ingest::ReasonName(reason));
    ProduceNew(std::move(out));
    return true;
  }

  // Waits until the given partitions (all when empty) have nothing in flight.
  void Drain(const std::vector<PartitionKey>& keys) {
    const auto deadline = Clock::now() + kDrainTimeout;
    auto busy = [&] {
      if (keys.empty()) return tracker.InFlight() > 0;
      for (const auto& k : keys) {
        if (tracker.InFlight(k) > 0) return true;
      }
      return false;
    };
    while (busy() && Clock::now() < deadline && !failed.load()) {
      std::this_thread::sleep_for(milliseconds(2));
    }
    if (busy()) {
      spdlog::warn("scanner: {} records still in flight after {} s; they will be consumed again",
                   tracker.InFlight(), kDrainTimeout.count() / 1000);
    }
  }

  // Takes an assignment. Partitions in resume_at start at that offset, which is stored so the
  // next commit records it; the others start at their committed offset.
  void Assign(rd_kafka_t* rk, rd_kafka_topic_partition_list_t* partitions, bool cooperative) {
    PartitionList list(rd_kafka_topic_partition_list_copy(partitions));
    PartitionList resumed(rd_kafka_topic_partition_list_new(0));
    for (int i = 0; i < list->cnt; ++i) {
      auto& p = list->elems[i];
      auto at = resume_at.find({p.topic, p.partition});
      if (at == resume_at.end()) continue;
      p.offset = at->second;
      rd_kafka_topic_partition_list_add(resumed.get(), p.topic, p.partition)->offset = at->second;
    }
    resume_at.clear();
    rd_kafka_error_t* error = nullptr;
    if (cooperative) {
      error = rd_kafka_incremental_assign(rk, list.get());
    } else if (const rd_kafka_resp_err_t e = rd_kafka_assign(rk, list.get())) {
      error = rd_kafka_error_new(e, "%s", rd_kafka_err2str(e));
    }
    if (error) {
      spdlog::error("scanner: assign failed: {}", rd_kafka_error_string(error));
      rd_kafka_error_destroy(error);
      return;
    }
    if (resumed->cnt > 0) {
      spdlog::info("scanner: {} partitions came back uncommitted; resuming where they stopped",
                   resumed->cnt);
      rd_kafka_offsets_store(rk, resumed.get());
    }
  }

  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    ++self->stats.rebalances;
    const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      spdlog::info("scanner: assigned {} partitions ({})", partitions->cnt,
                   cooperative ? "cooperative" : "eager");
      self->Assign(rk, partitions, cooperative);
      return;
    }
    // Revoked (or lost): finish what was handed out for these partitions, then commit it.
    std::vector<PartitionKey> keys;
    for (int i = 0; i < partitions->cnt; ++i) {
      keys.push_back({partitions->elems[i].topic, partitions->elems[i].partition});
    }
    spdlog::info("scanner: {} {} partitions; draining",
                 rd_kafka_assignment_lost(rk) ? "lost" : "revoked", keys.size());
    // On the close that ends Run(), everything was drained already (or the drain timed out):
    // waiting again would only hold the shutdown up.
    if (!self->stopping.load()) self->Drain(keys);
    self->StoreOffsets();
    if (!rd_kafka_assignment_lost(rk)) {  // asked again: the drain can outlast the session
      const rd_kafka_resp_err_t c = rd_kafka_commit(rk, nullptr, 0);
      if (c && c != RD_KAFKA_RESP_ERR__NO_OFFSET) {
        spdlog::warn("scanner: commit on revoke failed: {}", rd_kafka_err2str(c));
      }
      // Apache Kafka takes commits while a rebalance is being prepared; the development broker
      // refuses them. The work is durable either way: should this rebalance hand a partition
      // back (an eager assignor does), it resumes after what was finished, not at the last
      // commit. Only then: after any other failure the partition may have moved on elsewhere.
      if (c == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS) {
        for (const auto& k : keys) {
          if (const int64_t at = self->tracker.Committable(k); at >= 0) self->resume_at[k] = at;
        }
      }
    }
    // A partition whose drain timed out keeps its worker: its records may still be queued there,
    // and should it come back, its new records must queue behind them.
    std::vector<PartitionKey> drained;
    for (const auto& k : keys) {
      if (self->tracker.InFlight(k) == 0) drained.push_back(k);
    }
    self->tracker.Forget(keys);
    self->partition_workers.Release(drained);
    if (cooperative) {
      if (rd_kafka_error_t* error = rd_kafka_incremental_unassign(rk, partitions)) {
        rd_kafka_error_destroy(error);
      }
    } else {
      rd_kafka_assign(rk, nullptr);
    }
  }
};

Scanner::Scanner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Scanner::~Scanner() {
  Stop();  // closes the queues
  for (auto& t : impl_->workers) {
    if (t.joinable()) t.join();
  }
  impl_->delivery_stop.store(true);
  if (impl_->delivery_thread.joinable()) impl_->delivery_thread.join();
  // Records the producer still holds (a stop during an outage gives up on them) are purged, and
  // their delivery reports free them. The producer's last delivery reports call into Impl:
  // destroy it while Impl is whole.
  if (impl_->producer) {
    rd_kafka_purge(impl_->producer.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(impl_->producer.get(), 0);
  }
  impl_->producer.reset();
  impl_->consumer.reset();
}

Result<std::unique_ptr<Scanner>> Scanner::Create(const config::Config& config,
                                                 std::shared_ptr<EngineHolder> engines) {
  if (!engines || !engines->Current()) return Error{"scanner: no rule engine loaded"};
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->engines = std::move(engines);
  // Built here, not in Run(), so that Stop() from another thread never races their creation.
  const size_t threads = static_cast<size_t>(std::max(1, config.scan.threads));
  const size_t per_queue = std::max<size_t>(1, config.scan.queue_capacity / threads);
  for (size_t i = 0; i < threads; ++i) {
    impl->queues.push_back(std::make_unique<BoundedQueue<KafkaMessage>>(per_queue));
  }
  impl->partition_workers = PartitionWorkers(threads);

  // Unless configured otherwise, a delivery never times out, so nothing piles up in the retry
  // list during an outage and alerts that share a key keep their order.
  auto pconf = MakeConf(AlertProducerProperties(config.kafka));
  if (!pconf.ok()) return pconf.error();
  impl->max_message_bytes = ParseWhole<size_t>(ConfValue(pconf->get(), "message.max.bytes"))
                                .value_or(impl->max_message_bytes);
  rd_kafka_conf_set_dr_msg_cb(pconf->get(), &Impl::OnDelivery);
  rd_kafka_conf_set_opaque(pconf->get(), impl.get());
  auto producer = MakeClient(RD_KAFKA_PRODUCER, std::move(*pconf));
  if (!producer.ok()) return producer.error();
  impl->producer = std::move(*producer);

  auto cconf = MakeConf(ConsumerProperties(config.kafka, config.kafka.scan_group));
  if (!cconf.ok()) return cconf.error();
  rd_kafka_conf_set_rebalance_cb(cconf->get(), &Impl::OnRebalance);
  rd_kafka_conf_set_opaque(cconf->get(), impl.get());
  auto consumer = MakeClient(RD_KAFKA_CONSUMER, std::move(*cconf));
  if (!consumer.ok()) return consumer.error();
  impl->consumer = std::move(*consumer);
  rd_kafka_poll_set_consumer(impl->consumer.get());

  PartitionList topics(rd_kafka_topic_partition_list_new(2));
  rd_kafka_topic_partition_list_add(topics.get(), config.kafka.topics.tips.c_str(),
                                    RD_KAFKA_PARTITION_UA);
  rd_kafka_topic_partition_list_add(topics.get(), config.kafka.topics.posts.c_str(),
                                    RD_KAFKA_PARTITION_UA);
  if (const auto err = rd_kafka_subscribe(impl->consumer.get(), topics.get())) {
    return Error{std::string("cannot subscribe: ") + rd_kafka_err2str(err)};
  }
  return std::unique_ptr<Scanner>(new Scanner(std::move(impl)));
}

Status Scanner::Run() {
  Impl& s = *impl_;
  const size_t threads = s.queues.size();
  for (size_t i = 0; i < threads; ++i) s.workers.emplace_back([&s, i] { s.WorkerLoop(i); });
  s.delivery_thread = std::thread([&s] { s.DeliveryLoop(); });
  spdlog::info("scanner: consuming {} and {} as group {} with {} threads, pack {}",
               s.config.kafka.topics.tips, s.config.kafka.topics.posts,
               s.config.kafka.scan_group, threads, s.engines->Current()->version());

  auto last_report = Clock::now();
  auto last_store = last_report;
  while (!s.stopping.load()) {
    KafkaMessage m(rd_kafka_consumer_poll(s.consumer.get(), kPollTimeout.count()));
    const auto now = Clock::now();
    if (now - last_store >= kStoreInterval) {
      last_store = now;
      s.StoreOffsets();
    }
    if (now - last_report > std::chrono::seconds(30)) {
      last_report = now;
      spdlog::info("scanner: consumed {} scanned {} alerts {} dead letters {} in flight {}",
                   s.stats.consumed.load(), s.stats.scanned.load(), s.stats.alerts.load(),
                   s.stats.dead_letters.load(), s.tracker.InFlight());
      // Deliveries never time out, so a topic the cluster denies (or an outage) shows only here.
      const auto unacknowledged = now - Clock::time_point(Clock::duration(s.last_ack.load()));
      if (s.tracker.InFlight() > 0 && unacknowledged > std::chrono::seconds(30)) {
        spdlog::warn("scanner: the broker acknowledged nothing for {} s while {} records wait; "
                     "are {} and {} there and writable by this client?",
                     std::chrono::duration_cast<std::chrono::seconds>(unacknowledged).count(),
                     s.tracker.InFlight(), s.config.kafka.topics.alerts,
                     s.config.kafka.topics.deadletter);
      }
    }
    if (!m) continue;
    if (m->err) {
      if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
        s.Fail(Impl::FatalReason(s.consumer.get(), "consumer", m->err));
        break;
      }
      if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        ++s.stats.consumer_errors;
        spdlog::warn("scanner: consumer: {}", rd_kafka_message_errstr(m.get()));
      }
      continue;
    }
    ++s.stats.consumed;
    const PartitionKey key{TopicOf(m.get()), m->partition};
    const int64_t offset = m->offset;
    s.tracker.Start(key, offset);
    if (!s.queues[s.partition_workers.WorkerOf(key)]->Push(std::move(m))) {
      s.tracker.Abandon(key, offset);
    }
  }

  // Stop: finish everything handed out, wait for the broker's acknowledgements, commit, close.
  s.BeginStop();  // already done by Stop() or a failure, which is what ends the loop
  for (auto& t : s.workers) t.join();
  s.workers.clear();
  // After a failure a worker stops with records still queued. librdkafka wants every message
  // destroyed before the consumer closes; their offsets were never stored, so they come again.
  std::vector<KafkaMessage> left;
  for (auto& q : s.queues) {
    while (q->PopAll(&left, milliseconds(0))) left.clear();
  }
  if (!s.failed.load()) {
    const auto deadline = s.GiveUpAt();
    while ((s.tracker.InFlight() > 0 || s.PendingRetries() > 0) && Clock::now() < deadline) {
      rd_kafka_flush(s.producer.get(), 100);
    }
  }
  s.delivery_stop.store(true);
  s.delivery_thread.join();
  s.StoreOffsets();
  if (const auto err = rd_kafka_commit(s.consumer.get(), nullptr, 0);
      err && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
    spdlog::warn("scanner: final commit failed: {}", rd_kafka_err2str(err));
  }
  rd_kafka_consumer_close(s.consumer.get());
  spdlog::info("scanner: stopped; consumed {} scanned {} alerts {} dead letters {}",
               s.stats.consumed.load(), s.stats.scanned.load(), s.stats.alerts.load(),
               s.stats.dead_letters.load());
  if (s.failed.load()) {
    std::lock_guard lock(s.failure_mu);
    return Error{s.failure};
  }
  return Status::Ok();
}

void Scanner::Stop() { impl_->BeginStop(); }

const ScannerStats& Scanner::stats() const { return impl_->stats; }

size_t Scanner::in_flight() const { return impl_->tracker.InFlight(); }

}  // namespace centinela::pipeline
