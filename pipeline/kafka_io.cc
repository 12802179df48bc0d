#include "pipeline/kafka_io.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>

#include "pipeline/kafka_client.h"

namespace centinela::pipeline {

std::optional<std::string> Record::Header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return std::nullopt;
}

struct KafkaProducer::Impl {
  KafkaHandle rk;
  std::atomic<uint64_t> failed{0};
  std::string last_error;

  static void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    if (!m->err) return;
    auto* self = static_cast<Impl*>(opaque);
    ++self->failed;
    self->last_error = rd_kafka_err2str(m->err);
  }
};

KafkaProducer::KafkaProducer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KafkaProducer::~KafkaProducer() {
  if (impl_->rk) rd_kafka_flush(impl_->rk.get(), 5000);
}

Result<std::unique_ptr<KafkaProducer>> KafkaProducer::Create(
    const std::string& brokers, const std::map<std::string, std::string>& properties) {
  auto impl = std::make_unique<Impl>();
  Properties p = {{"enable.idempotence", "true"}, {"linger.ms", "5"}};
  for (const auto& [k, v] : properties) p[k] = v;
  p["bootstrap.servers"] = brokers;
  auto conf = MakeConf(p);
  if (!conf.ok()) return conf.error();
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &Impl::OnDelivery);
  rd_kafka_conf_set_opaque(conf->get(), impl.get());
  auto rk = MakeClient(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk.ok()) return rk.error();
  impl->rk = std::move(*rk);
  return std::unique_ptr<KafkaProducer>(new KafkaProducer(std::move(impl)));
}

Status KafkaProducer::Produce(const std::string& topic, std::string_view key,
                              std::string_view value, const Headers& headers,
                              int32_t partition) {
  while (true) {
    rd_kafka_headers_t* hdrs = MakeHeaders(headers);
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        impl_->rk.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
        RD_KAFKA_V_PARTITION(partition < 0 ? RD_KAFKA_PARTITION_UA : partition),
        RD_KAFKA_V_KEY(key.data(), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_poll(impl_->rk.get(), 0);
      return Status::Ok();
    }
    if (hdrs) rd_kafka_headers_destroy(hdrs);
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      return Error{"produce to " + topic + ": " + rd_kafka_err2str(err)};
    }
    rd_kafka_poll(impl_->rk.get(), 10);
  }
}

Status KafkaProducer::Flush(int timeout_ms) {
  const rd_kafka_resp_err_t err = rd_kafka_flush(impl_->rk.get(), timeout_ms);
  const uint64_t failed = impl_->failed.exchange(0);
  if (failed) {
    return Error{std::to_string(failed) + " records were not delivered: " + impl_->last_error};
  }
  if (err) return Error{std::string("flush: ") + rd_kafka_err2str(err)};
  return Status::Ok();
}

struct KafkaConsumer::Impl {
  KafkaHandle rk;
  bool grouped = false;
  ReadTo read_to = ReadTo::kFollow;
  // Without a group: the partitions not read to their end yet, with that end (kEndNow: the high
  // watermark when the reader was created).
  std::map<std::pair<std::string, int32_t>, int64_t> unfinished;
};

KafkaConsumer::KafkaConsumer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KafkaConsumer::~KafkaConsumer() {
  if (impl_->rk && impl_->grouped) rd_kafka_consumer_close(impl_->rk.get());
}

Result<std::unique_ptr<KafkaConsumer>> KafkaConsumer::Create(
    const std::string& brokers, const std::string& group_id,
    const std::vector<std::string>& topics,
    const std::map<std::string, std::string>& properties, ReadTo read_to) {
  auto impl = std::make_unique<Impl>();
  impl->grouped = !group_id.empty();
  impl->read_to = read_to;
  Properties p = {{"auto.offset.reset", "earliest"}, {"enable.partition.eof", "true"}};
  // Without a group, librdkafka still wants a group.id for its consumer; nothing is committed.
  p["group.id"] = impl->grouped ? group_id : "centinela-reader";
  if (!impl->grouped) p["enable.auto.commit"] = "false";
  for (const auto& [k, v] : properties) p[k] = v;
  p["bootstrap.servers"] = brokers;
  if (!impl->grouped) p["enable.partition.eof"] = "true";  // at_end() needs it
  auto conf = MakeConf(p);
  if (!conf.ok()) return conf.error();
  auto rk = MakeClient(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!rk.ok()) return rk.error();
  impl->rk = std::move(*rk);
  rd_kafka_poll_set_consumer(impl->rk.get());

  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  if (impl->grouped) {
    for (const auto& t : topics) {
      rd_kafka_topic_partition_list_add(list.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
    }
    if (auto err = rd_kafka_subscribe(impl->rk.get(), list.get())) {
      return Error{std::string("subscribe: ") + rd_kafka_err2str(err)};
    }
  } else {
    const rd_kafka_metadata_t* md = nullptr;
    if (auto err = rd_kafka_metadata(impl->rk.get(), 1, nullptr, &md, 10000)) {
      return Error{std::string("metadata: ") + rd_kafka_err2str(err)};
    }
    for (const auto& t : topics) {
      bool found = false;
      for (int i = 0; i < md->topic_cnt; ++i) {
        if (t != md->topics[i].topic) continue;
        found = true;
        for (int j = 0; j < md->topics[i].partition_cnt; ++j) {
          const int32_t part = md->topics[i].partitions[j].id;
          rd_kafka_topic_partition_list_add(list.get(), t.c_str(), part)->offset =
              RD_KAFKA_OFFSET_BEGINNING;
          int64_t low = 0, high = INT64_MAX;
          if (read_to == ReadTo::kEndNow) {
            if (auto err = rd_kafka_query_watermark_offsets(impl->rk.get(), t.c_str(), part,
                                                            &low, &high, 10000)) {
              rd_kafka_metadata_destroy(md);
              return Error{"watermarks of " + t + "/" + std::to_string(part) + ": " +
                           rd_kafka_err2str(err)};
            }
          }
          if (high > low) impl->unfinished[{t, part}] = high;
        }
      }
      if (!found) {
        rd_kafka_metadata_destroy(md);
        return Error{"topic " + t + " does not exist"};
      }
    }
    rd_kafka_metadata_destroy(md);
    if (auto err = rd_kafka_assign(impl->rk.get(), list.get())) {
      return Error{std::string("assign: ") + rd_kafka_err2str(err)};
    }
  }
  return std::unique_ptr<KafkaConsumer>(new KafkaConsumer(std::move(impl)));
}

Result<Record> KafkaConsumer::ReadAt(const std::string& brokers, const std::string& topic,
                                     int32_t partition, int64_t offset,
                                     const std::map<std::string, std::string>& properties,
                                     int timeout_ms) {
  auto reader = Create(brokers, "", {}, properties);
  if (!reader.ok()) return reader.error();
  Impl& impl = *(*reader)->impl_;
  const std::string where = topic + "/" + std::to_string(partition) + "@" + std::to_string(offset);
  int64_t low = 0, high = 0;
  if (auto err = rd_kafka_query_watermark_offsets(impl.rk.get(), topic.c_str(), partition, &low,
                                                  &high, timeout_ms)) {
    return Error{"watermarks of " + where + ": " + rd_kafka_err2str(err)};
  }
  if (offset < low || offset >= high) {
    return Error{where + " is not there (the partition holds " + std::to_string(low) + " to " +
                 std::to_string(high - 1) + ")"};
  }
  PartitionList list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = offset;
  if (auto err = rd_kafka_assign(impl.rk.get(), list.get())) {
    return Error{std::string("assign: ") + rd_kafka_err2str(err)};
  }
  impl.unfinished[{topic, partition}] = high;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = (*reader)->Poll(200);
    if (r && r->offset == offset) return std::move(*r);
    // A record deleted since the watermarks were read (retention, compaction): a later one.
    if ((r && r->offset > offset) || (*reader)->at_end()) return Error{where + " is not there"};
  }
  return Error{"timed out reading " + where};
}

std::optional<Record> KafkaConsumer::Poll(int timeout_ms) {
  KafkaMessage m(rd_kafka_consumer_poll(impl_->rk.get(), timeout_ms));
  if (!m) return std::nullopt;
  const std::string topic = m->rkt ? rd_kafka_topic_name(m->rkt) : "";
  if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    impl_->unfinished.erase({topic, m->partition});
    return std::nullopt;
  }
  if (m->err) return std::nullopt;
  if (!impl_->grouped && impl_->read_to == ReadTo::kEndNow) {
    // Stop at the end the partition had when the reader was created: a record written since
    // (say, by a scanner dead-lettering again what the replay sends it) is not read.
    auto it = impl_->unfinished.find({topic, m->partition});
    if (it == impl_->unfinished.end()) return std::nullopt;
    if (m->offset >= it->second) {  // end - 1 was no record to return (a transaction marker)
                                     // or is gone (retention, compaction)
      impl_->unfinished.erase(it);
      return std::nullopt;
    }
    if (m->offset + 1 == it->second) impl_->unfinished.erase(it);
  }
  Record r;
  r.topic = topic;
  r.partition = m->partition;
  r.offset = m->offset;
  r.timestamp_ms = rd_kafka_message_timestamp(m.get(), nullptr);
  r.has_key = m->key != nullptr;
  r.has_value = m->payload != nullptr;
  if (m->key) r.key.assign(static_cast<const char*>(m->key), m->key_len);
  if (m->payload) r.value.assign(static_cast<const char*>(m->payload), m->len);
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m.get(), &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs) {
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) ==
                       RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      r.headers.emplace_back(name, std::string(static_cast<const char*>(value), size));
    }
  }
  return r;
}

bool KafkaConsumer::at_end() const { return !impl_->grouped && impl_->unfinished.empty(); }

Status KafkaConsumer::Commit() {
  const rd_kafka_resp_err_t err = rd_kafka_commit(impl_->rk.get(), nullptr, 0);
  if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
    return Error{std::string("commit: ") + rd_kafka_err2str(err)};
  }
  return Status::Ok();
}

}  // namespace centinela::pipeline
