#include "pipeline/kafka_client.h"
#include "pipeline/kafka_properties.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "common/text.h"

namespace centinela::pipeline {
namespace {

void LogToSpdlog(const rd_kafka_t*, int level, const char* facility, const char* message) {
  // syslog levels: 0-3 error, 4 warning, 5-6 info, 7 debug.
  const auto lvl = level <= 3   ? spdlog::level::err
                   : level == 4 ? spdlog::level::warn
                   : level <= 6 ? spdlog::level::info
                                : spdlog::level::debug;
  spdlog::log(lvl, "kafka {}: {}", facility, message);
}

void ErrorToSpdlog(rd_kafka_t*, int err, const char* reason, void*) {
  const auto code = static_cast<rd_kafka_resp_err_t>(err);
  // Transport errors and "all brokers down" are retried by librdkafka; they are worth a warning.
  spdlog::warn("kafka: {} ({})", reason, rd_kafka_err2name(code));
}

Properties Merge(Properties base, const Properties& over) {
  for (const auto& [k, v] : over) base[k] = v;
  return base;
}

}  // namespace

Properties ConsumerProperties(const config::KafkaConfig& kafka, const std::string& group_id) {
  Properties p = {
      {"group.id", group_id},
      {"enable.auto.offset.store", "false"},  // offsets are stored once the work is durable
      {"enable.auto.commit", "true"},         // commits what was stored, every 5 s
      {"auto.offset.reset", "earliest"},      // a new group reads the topics from the start
      {"partition.assignment.strategy", "cooperative-sticky"},
      // A consumer feeding a pipeline stalls with the 2.0.2 defaults (DESIGN.md section 7).
      {"queued.min.messages", "500000"},
      {"queued.max.messages.kbytes", "131072"},
  };
  p = Merge(std::move(p), kafka.properties);
  p = Merge(std::move(p), kafka.consumer_properties);
  p["bootstrap.servers"] = kafka.brokers;
  return p;
}

Properties ProducerProperties(const config::KafkaConfig& kafka) {
  Properties p = {
      {"enable.idempotence", "true"},  // no duplicates or reordering from producer retries
      {"acks", "all"},
      {"linger.ms", "5"},
      {"partitioner", "murmur2_random"},  // the Java client's choice: same key, same partition
  };
  p = Merge(std::move(p), kafka.properties);
  p = Merge(std::move(p), kafka.producer_properties);
  p["bootstrap.servers"] = kafka.brokers;
  return p;
}

Properties AlertProducerProperties(const config::KafkaConfig& kafka) {
  Properties p = ProducerProperties(kafka);
  if (!kafka.properties.count("message.timeout.ms") &&
      !kafka.producer_properties.count("message.timeout.ms")) {
    p["message.timeout.ms"] = "0";
  }
  if (!kafka.properties.count("queue.buffering.max.kbytes") &&
      !kafka.producer_properties.count("queue.buffering.max.kbytes")) {
    // Room for at least two of the largest records the producer may send.
    const size_t largest = ParseWhole<size_t>(p.count("message.max.bytes")
                                                  ? p.at("message.max.bytes")
                                                  : std::string("1000000"))
                               .value_or(1000000);
    p["queue.buffering.max.kbytes"] = std::to_string(std::max<size_t>(65536, largest / 512 + 1));
  }
  return p;
}

std::string WithoutSecret(std::string text, std::string_view secret) {
  constexpr std::string_view kMask = "(secret)";
  if (secret.empty()) return text;
  for (size_t at = text.find(secret); at != text.npos; at = text.find(secret, at + kMask.size())) {
    text.replace(at, secret.size(), kMask);
  }
  return text;
}

// Sets one property on `conf`: "" when librdkafka accepts it, else its reason, trimmed, with a
// secret property's value masked.
std::string SetProperty(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK) {
    return "";
  }
  std::string reason = err;
  while (!reason.empty() && std::isspace(static_cast<unsigned char>(reason.back()))) {
    reason.pop_back();
  }
  return config::IsSecretKey(key) ? WithoutSecret(std::move(reason), value) : reason;
}

std::string CheckKafkaProperty(const std::string& key, const std::string& value) {
  // Setting it loads the plugins there and then: a check on a machine without them would fail,
  // and would run their code. `centinela run` loads them (and names a failure) when it starts.
  if (key == "plugin.library.paths") return "";
  KafkaConf conf(rd_kafka_conf_new());
  const std::string reason = SetProperty(conf.get(), key, value);
  return reason.empty() ? reason : "librdkafka refuses it: " + reason;
}

Result<KafkaConf> MakeConf(const Properties& properties) {
  KafkaConf conf(rd_kafka_conf_new());
  // TCP_NODELAY, as the Java client does: with Nagle's algorithm a request written while an
  // earlier one is unacknowledged waits for the peer's delayed ACK (40 ms on Linux). An idempotent
  // producer (at most 5 requests in flight) then stalls for 40 ms at a time; on the development
  // broker those stalls made the worst of the produce -> alert tail. `properties` may set it back.
  if (std::string reason = SetProperty(conf.get(), "socket.nagle.disable", "true");
      !reason.empty()) {
    return Error{"kafka property 'socket.nagle.disable': " + reason};
  }
  for (const auto& [key, value] : properties) {
    if (std::string reason = SetProperty(conf.get(), key, value); !reason.empty()) {
      return Error{"kafka property '" + key + "': " + reason};
    }
  }
  rd_kafka_conf_set_log_cb(conf.get(), &LogToSpdlog);
  rd_kafka_conf_set_error_cb(conf.get(), &ErrorToSpdlog);
  return conf;
}

std::string ConfValue(const rd_kafka_conf_t* conf, const char* name) {
  char value[256];
  size_t size = sizeof value;
  if (rd_kafka_conf_get(conf, name, value, &size) != RD_KAFKA_CONF_OK) return "<unset>";
  return value;
}

rd_kafka_headers_t* MakeHeaders(const std::vector<std::pair<std::string, std::string>>& headers) {
  if (headers.empty()) return nullptr;
  rd_kafka_headers_t* list = rd_kafka_headers_new(headers.size());
  for (const auto& [name, value] : headers) {
    rd_kafka_header_add(list, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                        static_cast<ssize_t>(value.size()));
  }
  return list;
}

Result<KafkaHandle> MakeClient(rd_kafka_type_t type, KafkaConf conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), err, sizeof err);
  if (!rk) return Error{std::string("cannot create Kafka client: ") + err};
  conf.release();  // rd_kafka_new took it
  return KafkaHandle(rk);
}

}  // namespace centinela::pipeline
