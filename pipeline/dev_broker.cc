#include "pipeline/dev_broker.h"

#include <librdkafka/rdkafka.h>
// rdkafka_mock.h must follow rdkafka.h.
#include <librdkafka/rdkafka_mock.h>
#include <spdlog/spdlog.h>

#include <map>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace centinela::pipeline {

namespace {

// Limits that keep a development cluster sane on a laptop; the mock itself accepts nonsense
// such as 0 partitions.
constexpr int kMaxBrokers = 16;
constexpr int kMaxPartitions = 1024;
constexpr int kMetadataTimeoutMs = 5000;

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct TopicDeleter {
  void operator()(rd_kafka_topic_t* topic) const { rd_kafka_topic_destroy(topic); }
};
struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* md) const { rd_kafka_metadata_destroy(md); }
};
struct ClusterDeleter {
  void operator()(rd_kafka_mock_cluster_t* cluster) const {
    rd_kafka_mock_cluster_destroy(cluster);
  }
};

using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;
using TopicPtr = std::unique_ptr<rd_kafka_topic_t, TopicDeleter>;
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;
using ClusterPtr = std::unique_ptr<rd_kafka_mock_cluster_t, ClusterDeleter>;

// librdkafka logs with syslog levels from its own threads; spdlog's logger is thread-safe.
// Notices and below are routine here (e.g. the host handle has no bootstrap.servers of its
// own, by design), so they go to debug.
void LogToSpdlog(const rd_kafka_t* /*rk*/, int level, const char* facility, const char* buf) {
  spdlog::level::level_enum to = spdlog::level::debug;
  if (level <= 3) {
    to = spdlog::level::err;
  } else if (level == 4) {
    to = spdlog::level::warn;
  }
  spdlog::log(to, "dev_broker rdkafka facility={} {}", facility, buf);
}

Status SetConf(rd_kafka_conf_t* conf, const char* name, const std::string& value) {
  char errstr[512];
  if (rd_kafka_conf_set(conf, name, value.c_str(), errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
    return Error{fmt::format("dev broker: {}={}: {}", name, value, errstr)};
  }
  return Status::Ok();
}

Result<HandlePtr> NewProducer(const std::map<std::string, std::string>& settings) {
  ConfPtr conf(rd_kafka_conf_new());
  for (const auto& [name, value] : settings) {
    if (Status s = SetConf(conf.get(), name.c_str(), value); !s.ok()) return s.error();
  }
  rd_kafka_conf_set_log_cb(conf.get(), &LogToSpdlog);
  char errstr[512];
  // rd_kafka_new takes the configuration only when it succeeds.
  HandlePtr rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr, sizeof(errstr)));
  if (!rk) return Error{fmt::format("dev broker: cannot create a Kafka handle: {}", errstr)};
  conf.release();
  return rk;
}

Status ValidateTopic(std::string_view name, int partitions) {
  if (name.empty() || name.size() > 249) {
    return Error{fmt::format("dev broker: topic name '{}' must have 1 to 249 characters", name)};
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) {
      return Error{fmt::format("dev broker: topic name '{}' may use only [a-zA-Z0-9._-]", name)};
    }
  }
  if (name == "." || name == "..") {
    return Error{fmt::format("dev broker: '{}' is not a valid topic name", name)};
  }
  if (partitions < 1 || partitions > kMaxPartitions) {
    return Error{fmt::format("dev broker: topic '{}': partitions must be from 1 to {}, not {}",
                             name, kMaxPartitions, partitions)};
  }
  return Status::Ok();
}

}  // namespace

struct DevBroker::Impl {
  // Declaration order is destruction order in reverse: the mock cluster goes before the host
  // handle it is registered with (librdkafka asserts on the other order). ~Impl says it again.
  HandlePtr host;
  ClusterPtr cluster;
  int brokers = 0;
  std::string bootstraps;

  std::mutex mu;
  std::map<std::string, int> topics;  // created through this class, with their partitions

  ~Impl() {
    cluster.reset();
    host.reset();
  }

  // Asks the cluster, over the protocol, how many partitions `name` has (for topics a client
  // auto-created, which this class did not record).
  Result<int> PartitionCount(const std::string& name) const {
    auto rk = NewProducer(
        {{"bootstrap.servers", bootstraps}, {"client.id", "centinela-dev-broker-admin"}});
    if (!rk.ok()) return rk.error();
    TopicPtr topic(rd_kafka_topic_new(rk->get(), name.c_str(), nullptr));
    if (!topic) return Error{fmt::format("dev broker: cannot open topic '{}'", name)};
    const rd_kafka_metadata_t* raw = nullptr;
    const rd_kafka_resp_err_t err =
        rd_kafka_metadata(rk->get(), 0, topic.get(), &raw, kMetadataTimeoutMs);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Error{fmt::format("dev broker: metadata for '{}': {}", name, rd_kafka_err2str(err))};
    }
    MetadataPtr md(raw);
    for (int i = 0; i < md->topic_cnt; ++i) {
      if (name == md->topics[i].topic && md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        return md->topics[i].partition_cnt;
      }
    }
    return Error{fmt::format("dev broker: no metadata for topic '{}'", name)};
  }
};

Result<std::unique_ptr<DevBroker>> DevBroker::Start(const Options& options) {
  if (options.brokers < 1 || options.brokers > kMaxBrokers) {
    return Error{fmt::format("dev broker: brokers must be from 1 to {}, not {}", kMaxBrokers,
                             options.brokers)};
  }
  for (const std::string& topic : options.topics) {
    if (Status s = ValidateTopic(topic, options.partitions); !s.ok()) return s.error();
  }

  auto impl = std::make_unique<Impl>();
  impl->brokers = options.brokers;
  // The host handle only anchors the cluster; it never connects anywhere itself.
  auto host = NewProducer({{"client.id", "centinela-dev-broker"}});
  if (!host.ok()) return host.error();
  impl->host = std::move(*host);
  impl->cluster.reset(rd_kafka_mock_cluster_new(impl->host.get(), options.brokers));
  if (!impl->cluster) {
    return Error{"dev broker: librdkafka could not create the mock cluster (see its log)"};
  }

  const char* bootstraps = rd_kafka_mock_cluster_bootstraps(impl->cluster.get());
  if (bootstraps == nullptr || *bootstraps == '\0') {
    return Error{"dev broker: the mock cluster reported no listeners"};
  }
  impl->bootstraps = bootstraps;
  // Loopback only, ever: librdkafka 2.0.2 binds its mock brokers to 127.0.0.1 (there is no
  // setting for it). Refuse to run should a future version advertise anything else.
  std::string_view rest = impl->bootstraps;
  int listeners = 0;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view entry = rest.substr(0, comma);
    if (entry.rfind("127.0.0.1:", 0) != 0) {
      return Error{fmt::format(
          "dev broker: the mock cluster listens on '{}', not on loopback; refusing to run", entry)};
    }
    ++listeners;
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  if (listeners != options.brokers) {
    return Error{fmt::format("dev broker: asked for {} brokers, the mock cluster lists '{}'",
                             options.brokers, impl->bootstraps)};
  }

  std::string bootstraps_copy = impl->bootstraps;
  std::unique_ptr<DevBroker> broker(new DevBroker(std::move(impl), std::move(bootstraps_copy)));
  for (const std::string& topic : options.topics) {
    if (Status s = broker->CreateTopic(topic, options.partitions); !s.ok()) return s.error();
  }
  spdlog::info("dev broker started bootstrap={} brokers={} topics={} partitions={}",
               broker->bootstraps_, options.brokers, options.topics.size(), options.partitions);
  return broker;
}

DevBroker::DevBroker(std::unique_ptr<Impl> impl, std::string bootstraps)
    : impl_(std::move(impl)), bootstraps_(std::move(bootstraps)) {}

DevBroker::~DevBroker() = default;

Status DevBroker::CreateTopic(const std::string& name, int partitions) {
  if (Status s = ValidateTopic(name, partitions); !s.ok()) return s;
  std::lock_guard lock(impl_->mu);
  if (auto it = impl_->topics.find(name); it != impl_->topics.end()) {
    if (it->second == partitions) return Status::Ok();
    return Error{fmt::format("dev broker: topic '{}' exists with {} partitions, not {}", name,
                             it->second, partitions)};
  }
  const rd_kafka_resp_err_t err =
      rd_kafka_mock_topic_create(impl_->cluster.get(), name.c_str(), partitions, 1);
  if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
    // A client auto-created it: compare what it has.
    auto existing = impl_->PartitionCount(name);
    if (!existing.ok()) return existing.error();
    if (*existing != partitions) {
      return Error{fmt::format("dev broker: topic '{}' exists with {} partitions, not {}", name,
                               *existing, partitions)};
    }
  } else if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Error{
        fmt::format("dev broker: cannot create topic '{}': {}", name, rd_kafka_err2str(err))};
  }
  impl_->topics[name] = partitions;
  return Status::Ok();
}

Status DevBroker::SetBrokerDown(int id) {
  if (id < 1 || id > impl_->brokers) {
    return Error{fmt::format("dev broker: no broker {} (ids are 1 to {})", id, impl_->brokers)};
  }
  const rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_down(impl_->cluster.get(), id);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Error{fmt::format("dev broker: broker {} down: {}", id, rd_kafka_err2str(err))};
  }
  return Status::Ok();
}

Status DevBroker::SetBrokerUp(int id) {
  if (id < 1 || id > impl_->brokers) {
    return Error{fmt::format("dev broker: no broker {} (ids are 1 to {})", id, impl_->brokers)};
  }
  const rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_up(impl_->cluster.get(), id);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Error{fmt::format("dev broker: broker {} up: {}", id, rd_kafka_err2str(err))};
  }
  return Status::Ok();
}

void DevBroker::SetTopicError(const std::string& topic, int error) {
  rd_kafka_mock_topic_set_error(impl_->cluster.get(), topic.c_str(),
                                static_cast<rd_kafka_resp_err_t>(error));
}

void DevBroker::ClearRequestErrors(int16_t api_key) {
  rd_kafka_mock_clear_request_errors(impl_->cluster.get(), api_key);
}

void DevBroker::PushRequestErrors(int16_t api_key, int count, int error) {
  if (count <= 0) return;
  const std::vector<rd_kafka_resp_err_t> errors(static_cast<size_t>(count),
                                                static_cast<rd_kafka_resp_err_t>(error));
  rd_kafka_mock_push_request_errors_array(impl_->cluster.get(), api_key, errors.size(),
                                          errors.data());
}

Status DevBroker::SetPartitionLeader(const std::string& topic, int partition, int id) {
  const rd_kafka_resp_err_t err =
      rd_kafka_mock_partition_set_leader(impl_->cluster.get(), topic.c_str(), partition, id);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Error{fmt::format("dev broker: leader of {}/{}: {}", topic, partition,
                             rd_kafka_err2str(err))};
  }
  return Status::Ok();
}

}  // namespace centinela::pipeline
