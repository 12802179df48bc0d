#pragma once
// Internal to pipeline/: owning handles and configuration for librdkafka clients. Nothing outside
// pipeline/ includes this header (third-party types stay behind the component's interface), except
// the component's own tests and the streaming benchmark, which needs the service's properties.
#include <librdkafka/rdkafka.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "config/config.h"

namespace centinela::pipeline {

struct KafkaFree {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
  void operator()(rd_kafka_headers_t* h) const { rd_kafka_headers_destroy(h); }
};
using KafkaHandle = std::unique_ptr<rd_kafka_t, KafkaFree>;
using KafkaConf = std::unique_ptr<rd_kafka_conf_t, KafkaFree>;
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, KafkaFree>;
using KafkaMessage = std::unique_ptr<rd_kafka_message_t, KafkaFree>;

using Properties = std::map<std::string, std::string>;

// The properties of a client of `kind` from the service configuration: Centinela's defaults,
// then kafka.properties, then the consumer_ or producer_properties, then bootstrap.servers.
Properties ConsumerProperties(const config::KafkaConfig& kafka, const std::string& group_id);
Properties ProducerProperties(const config::KafkaConfig& kafka);
// The scanner's producer of alerts and dead letters: ProducerProperties with message.timeout.ms
// 0 (a delivery never times out) unless kafka.properties or producer_properties set it. The
// idempotent producer then retries in order until the broker takes the record, so alerts that
// share a key keep their order through an outage (DESIGN.md section 3). Its queue holds at most
// 64 MiB (queue.buffering.max.kbytes 65536, librdkafka's default is 1 GiB; more when
// message.max.bytes is raised past 32 MB, so that two of the largest records fit) unless
// configured: during an outage a burst of large dead letters (up to message.max.bytes each) then
// blocks the workers instead of filling the memory of a 1 GiB container.
Properties AlertProducerProperties(const config::KafkaConfig& kafka);

// Builds a conf; an unknown or invalid property is an Error naming it (the value of a secret
// property is masked, as in CheckKafkaProperty). librdkafka's own log lines go to spdlog. Every
// client starts with socket.nagle.disable=true (see kafka_client.cc), which `properties` may
// override.
Result<KafkaConf> MakeConf(const Properties& properties);

// The value `conf` holds for the property `name`, as librdkafka reports it; "<unset>" when it has
// none. For the tests and the benchmark's report of the settings a client really runs with.
std::string ConfValue(const rd_kafka_conf_t* conf, const char* name);

// `text` with every occurrence of `secret` replaced by "(secret)" (none when `secret` is empty).
std::string WithoutSecret(std::string text, std::string_view secret);

// A new header list for a produce call (which takes ownership on success), or nullptr when
// `headers` is empty.
rd_kafka_headers_t* MakeHeaders(const std::vector<std::pair<std::string, std::string>>& headers);

// Creates a client, taking ownership of conf.
Result<KafkaHandle> MakeClient(rd_kafka_type_t type, KafkaConf conf);

}  // namespace centinela::pipeline
