// The development broker: real librdkafka clients (and kcat) talk to it over TCP on loopback.
#include "pipeline/dev_broker.h"

#include <dirent.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

extern char** environ;

namespace centinela::pipeline {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// ---------------------------------------------------------------------------------------------
// Small librdkafka clients for the tests.

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct ConsumerDeleter {
  void operator()(rd_kafka_t* rk) const {
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  }
};
struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* md) const { rd_kafka_metadata_destroy(md); }
};
struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
struct ListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using ProducerPtr = std::unique_ptr<rd_kafka_t, KafkaDeleter>;
using ConsumerPtr = std::unique_ptr<rd_kafka_t, ConsumerDeleter>;

using Settings = std::map<std::string, std::string>;

// Settings from the brief: the mock's group join takes ~3 s, and it holds empty fetches for
// fetch.wait.max.ms.
Settings ConsumerSettings(const std::string& bootstraps, const std::string& group) {
  return {{"bootstrap.servers", bootstraps}, {"group.id", group},
          {"auto.offset.reset", "earliest"}, {"enable.auto.commit", "false"},
          {"session.timeout.ms", "6000"},    {"heartbeat.interval.ms", "1000"},
          {"fetch.wait.max.ms", "10"},       {"enable.partition.eof", "false"}};
}

// Builds a configuration or records a test failure and returns null.
ConfPtr MakeConf(const Settings& settings) {
  ConfPtr conf(rd_kafka_conf_new());
  char errstr[512];
  for (const auto& [name, value] : settings) {
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), errstr, sizeof(errstr)) !=
        RD_KAFKA_CONF_OK) {
      ADD_FAILURE() << name << "=" << value << ": " << errstr;
      return nullptr;
    }
  }
  return conf;
}

struct Record {
  int32_t partition = -1;
  int64_t offset = -1;
  std::string key;
  std::string value;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
};

std::string AsString(const void* data, size_t size) {
  return data ? std::string(static_cast<const char*>(data), size) : std::string();
}

// A producer whose delivery reports land in deliveries(), served on the test thread by Poll()
// and Flush().
class TestProducer {
 public:
  static std::unique_ptr<TestProducer> Make(const std::string& bootstraps, Settings extra = {}) {
    extra["bootstrap.servers"] = bootstraps;
    if (!extra.count("linger.ms")) extra["linger.ms"] = "5";
    ConfPtr conf = MakeConf(extra);
    if (!conf) return nullptr;
    std::unique_ptr<TestProducer> p(new TestProducer());
    rd_kafka_conf_set_opaque(conf.get(), &p->deliveries_);
    rd_kafka_conf_set_dr_msg_cb(conf.get(), &OnDelivery);
    char errstr[512];
    p->rk_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr, sizeof(errstr)));
    if (!p->rk_) {
      ADD_FAILURE() << "producer: " << errstr;
      return nullptr;
    }
    conf.release();  // owned by the handle now
    return p;
  }

  rd_kafka_resp_err_t Produce(const std::string& topic, const std::string& key,
                              const std::string& value, int32_t partition = RD_KAFKA_PARTITION_UA) {
    return rd_kafka_producev(rk_.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                             RD_KAFKA_V_PARTITION(partition),
                             RD_KAFKA_V_KEY(key.data(), key.size()),
                             RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  }

  void Poll(int timeout_ms) { rd_kafka_poll(rk_.get(), timeout_ms); }
  rd_kafka_resp_err_t Flush(int timeout_ms) { return rd_kafka_flush(rk_.get(), timeout_ms); }
  const std::vector<Record>& deliveries() const { return deliveries_; }
  rd_kafka_t* get() const { return rk_.get(); }

 private:
  TestProducer() = default;
  static void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    static_cast<std::vector<Record>*>(opaque)->push_back(
        Record{m->partition, m->offset, AsString(m->key, m->key_len), AsString(m->payload, m->len),
               m->err});
  }
  std::vector<Record> deliveries_;  // outlives rk_, which is declared (and destroyed) after it
  ProducerPtr rk_;
};

ConsumerPtr MakeConsumer(const Settings& settings, const std::vector<std::string>& topics) {
  ConfPtr conf = MakeConf(settings);
  if (!conf) return nullptr;
  char errstr[512];
  std::unique_ptr<rd_kafka_t, KafkaDeleter> rk(
      rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), errstr, sizeof(errstr)));
  if (!rk) {
    ADD_FAILURE() << "consumer: " << errstr;
    return nullptr;
  }
  conf.release();
  rd_kafka_poll_set_consumer(rk.get());
  std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter> list(
      rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const std::string& t : topics) {
    rd_kafka_topic_partition_list_add(list.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  if (rd_kafka_resp_err_t err = rd_kafka_subscribe(rk.get(), list.get()); err) {
    ADD_FAILURE() << "subscribe: " << rd_kafka_err2str(err);
    return nullptr;
  }
  return ConsumerPtr(rk.release());
}

// Polls until `want` records arrived or `timeout` passed, then keeps polling for `linger` to
// catch any record too many.
std::vector<Record> Consume(rd_kafka_t* consumer, size_t want, milliseconds timeout,
                            milliseconds linger = milliseconds(300)) {
  std::vector<Record> out;
  const auto deadline = Clock::now() + timeout;
  std::optional<Clock::time_point> stop;
  while (Clock::now() < (stop ? *stop : deadline)) {
    std::unique_ptr<rd_kafka_message_t, MessageDeleter> m(rd_kafka_consumer_poll(consumer, 50));
    if (!m) continue;
    if (m->err) {
      // Transient errors while the group forms are reported and retried by librdkafka.
      if (rd_kafka_fatal_error(consumer, nullptr, 0)) {
        ADD_FAILURE() << "fatal consumer error: " << rd_kafka_message_errstr(m.get());
        break;
      }
      continue;
    }
    out.push_back(Record{m->partition, m->offset, AsString(m->key, m->key_len),
                         AsString(m->payload, m->len), m->err});
    if (out.size() >= want && !stop) stop = Clock::now() + linger;
  }
  return out;
}

// Topic -> partition count, by a Metadata request over the protocol.
std::map<std::string, int> TopicPartitions(rd_kafka_t* rk) {
  std::map<std::string, int> out;
  const rd_kafka_metadata_t* raw = nullptr;
  if (rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &raw, 5000); err) {
    ADD_FAILURE() << "metadata: " << rd_kafka_err2str(err);
    return out;
  }
  std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter> md(raw);
  for (int i = 0; i < md->topic_cnt; ++i) {
    if (md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      out[md->topics[i].topic] = md->topics[i].partition_cnt;
    }
  }
  return out;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, sep);) out.push_back(item);
  return out;
}

// Produces `n` keyed records to `topic` and consumes them back with a fresh group; checks the
// exact contents and, per partition, the order in which the broker acknowledged them.
void RoundTrip(const std::string& bootstraps, const std::string& topic, int n,
               const std::string& group) {
  auto producer = TestProducer::Make(bootstraps, {{"enable.idempotence", "true"}});
  ASSERT_NE(producer, nullptr);
  for (int i = 0; i < n; ++i) {
    const std::string key = "key-" + std::to_string(i % 7);
    const std::string value =
        R"({"id":"tip-)" + std::to_string(i) + R"(","text":"hola )" + std::to_string(i) + R"("})";
    ASSERT_EQ(producer->Produce(topic, key, value), RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  ASSERT_EQ(producer->Flush(10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(producer->deliveries().size(), static_cast<size_t>(n));
  std::map<int32_t, std::vector<Record>> sent;  // partition -> records in offset order
  for (const Record& d : producer->deliveries()) {
    ASSERT_EQ(d.err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(d.err);
    sent[d.partition].push_back(d);
  }
  for (auto& [partition, records] : sent) {
    std::sort(records.begin(), records.end(),
              [](const Record& a, const Record& b) { return a.offset < b.offset; });
  }

  ConsumerPtr consumer = MakeConsumer(ConsumerSettings(bootstraps, group), {topic});
  ASSERT_NE(consumer, nullptr);
  const std::vector<Record> got =
      Consume(consumer.get(), static_cast<size_t>(n), milliseconds(20000));
  ASSERT_EQ(got.size(), static_cast<size_t>(n)) << "records consumed (duplicates or losses)";
  std::map<int32_t, std::vector<Record>> received;
  for (const Record& r : got) received[r.partition].push_back(r);
  ASSERT_EQ(received.size(), sent.size());
  for (const auto& [partition, records] : sent) {
    const std::vector<Record>& back = received[partition];
    ASSERT_EQ(back.size(), records.size()) << "partition " << partition;
    for (size_t i = 0; i < records.size(); ++i) {
      EXPECT_EQ(back[i].offset, records[i].offset) << "partition " << partition << " #" << i;
      EXPECT_EQ(back[i].key, records[i].key) << "partition " << partition << " #" << i;
      EXPECT_EQ(back[i].value, records[i].value) << "partition " << partition << " #" << i;
    }
  }
  // Order within a key follows produce order (a key always maps to one partition).
  std::map<std::string, std::vector<int>> per_key;
  for (const auto& [partition, records] : received) {
    for (const Record& r : records) {
      const size_t at = r.value.find("tip-") + 4;
      per_key[r.key].push_back(std::stoi(r.value.substr(at)));
    }
  }
  for (const auto& [key, ids] : per_key) {
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end())) << key;
  }
}

// The socket inodes this process holds open.
std::set<std::string> OwnSocketInodes() {
  std::set<std::string> out;
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return out;
  while (dirent* e = readdir(dir)) {
    char target[256];
    const std::string path = std::string("/proc/self/fd/") + e->d_name;
    const ssize_t n = readlink(path.c_str(), target, sizeof(target) - 1);
    if (n <= 0) continue;
    target[n] = '\0';
    const std::string_view t(target);
    if (t.rfind("socket:[", 0) == 0) out.insert(std::string(t.substr(8, t.size() - 9)));
  }
  closedir(dir);
  return out;
}

struct Listener {
  std::string family;   // "tcp" or "tcp6"
  std::string address;  // as /proc prints it: hex, host byte order for IPv4
  int port = 0;
};

// This process's listening TCP sockets, from /proc/net/tcp{,6}.
std::vector<Listener> OwnListeners() {
  const std::set<std::string> inodes = OwnSocketInodes();
  std::vector<Listener> out;
  for (const char* family : {"tcp", "tcp6"}) {
    std::ifstream in(std::string("/proc/self/net/") + family);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string sl, local, remote, state, queues, timer, retrans, uid, timeout, inode;
      fields >> sl >> local >> remote >> state >> queues >> timer >> retrans >> uid >> timeout >>
          inode;
      if (state != "0A" || !inodes.count(inode)) continue;  // 0A: LISTEN
      const size_t colon = local.find(':');
      out.push_back(Listener{family, local.substr(0, colon),
                             std::stoi(local.substr(colon + 1), nullptr, 16)});
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// DevBroker in this process.

TEST(DevBrokerTest, ListensOnLoopbackOnly) {
  DevBroker::Options options;
  options.brokers = 3;
  options.partitions = 2;
  auto broker = DevBroker::Start(options);
  ASSERT_TRUE(broker.ok()) << broker.error().message;
  const std::vector<std::string> entries = Split((*broker)->bootstrap_servers(), ',');
  ASSERT_EQ(entries.size(), 3u) << (*broker)->bootstrap_servers();
  std::set<int> ports;
  for (const std::string& entry : entries) {
    ASSERT_EQ(entry.rfind("127.0.0.1:", 0), 0u) << entry;
    ports.insert(std::stoi(entry.substr(10)));
  }
  EXPECT_EQ(ports.size(), 3u);
  // What the sockets are really bound to, not only what the cluster advertises.
  std::set<int> seen;
  for (const Listener& l : OwnListeners()) {
    if (!ports.count(l.port)) continue;
    seen.insert(l.port);
    EXPECT_EQ(l.family, "tcp") << "port " << l.port;
    EXPECT_EQ(l.address, "0100007F") << "port " << l.port << " is not bound to 127.0.0.1";
  }
  EXPECT_EQ(seen, ports);
}

TEST(DevBrokerTest, CreatesTopicsWithTheConfiguredPartitionCount) {
  DevBroker::Options options;
  options.partitions = 5;
  auto broker = DevBroker::Start(options);
  ASSERT_TRUE(broker.ok()) << broker.error().message;
  ASSERT_TRUE((*broker)->CreateTopic("extra.topic", 3).ok());
  auto producer = TestProducer::Make((*broker)->bootstrap_servers());
  ASSERT_NE(producer, nullptr);
  const std::map<std::string, int> topics = TopicPartitions(producer->get());
  for (const char* name :
       {"centinela.tips", "centinela.posts", "centinela.alerts", "centinela.deadletter"}) {
    ASSERT_TRUE(topics.count(name)) << name;
    EXPECT_EQ(topics.at(name), 5) << name;
  }
  ASSERT_TRUE(topics.count("extra.topic"));
  EXPECT_EQ(topics.at("extra.topic"), 3);
}

TEST(DevBrokerTest, CreateTopicIsIdempotentOnlyForTheSamePartitionCount) {
  DevBroker::Options options;
  options.partitions = 4;
  auto broker = DevBroker::Start(options);
  ASSERT_TRUE(broker.ok()) << broker.error().message;
  EXPECT_TRUE((*broker)->CreateTopic("centinela.tips", 4).ok());
  Status other = (*broker)->CreateTopic("centinela.tips", 8);
  EXPECT_FALSE(other.ok());
  EXPECT_THAT(other.message(), HasSubstr("4 partitions"));
  EXPECT_FALSE((*broker)->CreateTopic("", 1).ok());
  EXPECT_FALSE((*broker)->CreateTopic("bad topic", 1).ok());
  EXPECT_FALSE((*broker)->CreateTopic("zero", 0).ok());
}

TEST(DevBrokerTest, RejectsNonsenseOptions) {
  DevBroker::Options options;
  options.brokers = 0;
  EXPECT_FALSE(DevBroker::Start(options).ok());
  options.brokers = 1;
  options.partitions = 0;
  EXPECT_FALSE(DevBroker::Start(options).ok());
  options.partitions = 1;
  options.topics = {"ok", "not ok"};
  EXPECT_FALSE(DevBroker::Start(options).ok());
}

TEST(DevBrokerTest, RecordsComeBackExactlyAndInPartitionOrder) {
  DevBroker::Options options;
  options.partitions = 4;
  auto broker = DevBroker::Start(options);
  ASSERT_TRUE(broker.ok()) << broker.error().message;
  RoundTrip((*broker)->bootstrap_servers(), "centinela.tips", 500, "roundtrip-1");
}

TEST(DevBrokerTest, WorksWithSeveralBrokers) {
  DevBroker::Options options;
  options.brokers = 3;
  options.partitions = 6;
  auto broker = DevBroker::Start(options);
  ASSERT_TRUE(broker.ok()) << broker.error().message;
  RoundTrip((*broker)->bootstrap_servers(), "centinela.tips", 300, "roundtrip-3");
}

TEST(DevBrokerTest, ProduceWaitsWhileTheBrokerIsDownAndRecoversWhenItIsUp) {
  DevBroker::Options options;
  options.partitions = 1;
  auto broker = DevBroker::Start(options);
  ASSERT_TRUE(broker.ok()) << broker.error().message;
  const Settings quick_reconnect = {{"reconnect.backoff.ms", "50"},
                                    {"reconnect.backoff.max.ms", "250"},
                                    {"message.timeout.ms", "20000"}};
  auto patient = TestProducer::Make((*broker)->bootstrap_servers(), quick_reconnect);
  Settings hasty_settings = quick_reconnect;
  hasty_settings["message.timeout.ms"] = "1000";
  auto hasty = TestProducer::Make((*broker)->bootstrap_servers(), hasty_settings);
  ASSERT_NE(patient, nullptr);
  ASSERT_NE(hasty, nullptr);
  // Both connected and working first.
  ASSERT_EQ(patient->Produce("centinela.tips", "k", "before"), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(hasty->Produce("centinela.tips", "k", "before-hasty"), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(patient->Flush(10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(hasty->Flush(10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(patient->deliveries().size(), 1u);
  ASSERT_EQ(patient->deliveries()[0].err, RD_KAFKA_RESP_ERR_NO_ERROR);

  ASSERT_TRUE((*broker)->SetBrokerDown(1).ok());
  ASSERT_EQ(patient->Produce("centinela.tips", "k", "during"), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(hasty->Produce("centinela.tips", "k", "lost"), RD_KAFKA_RESP_ERR_NO_ERROR);
  // The hasty producer's record times out with an error; the patient one stays queued.
  const auto deadline = Clock::now() + milliseconds(8000);
  while (hasty->deliveries().size() < 2 && Clock::now() < deadline) {
    hasty->Poll(100);
    patient->Poll(0);
  }
  ASSERT_EQ(hasty->deliveries().size(), 2u) << "no delivery report within 8 s";
  EXPECT_EQ(hasty->deliveries()[1].value, "lost");
  EXPECT_NE(hasty->deliveries()[1].err, RD_KAFKA_RESP_ERR_NO_ERROR);
  patient->Poll(200);
  EXPECT_EQ(patient->deliveries().size(), 1u) << "delivered while the only broker was down";

  ASSERT_TRUE((*broker)->SetBrokerUp(1).ok());
  ASSERT_EQ(patient->Flush(15000), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(patient->deliveries().size(), 2u);
  EXPECT_EQ(patient->deliveries()[1].value, "during");
  EXPECT_EQ(patient->deliveries()[1].err, RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_GT(patient->deliveries()[1].offset, patient->deliveries()[0].offset);
}

TEST(DevBrokerTest, InjectedRequestErrorsReachTheClient) {
  DevBroker::Options options;
  options.partitions = 1;
  auto broker = DevBroker::Start(options);
  ASSERT_TRUE(broker.ok()) << broker.error().message;
  auto producer = TestProducer::Make((*broker)->bootstrap_servers(),
                                     {{"enable.idempotence", "false"}, {"retries", "0"}});
  ASSERT_NE(producer, nullptr);
  (*broker)->PushRequestErrors(0 /* Produce */, 1, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
  ASSERT_EQ(producer->Produce("centinela.tips", "k", "first"), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(producer->Flush(10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(producer->Produce("centinela.tips", "k", "second"), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(producer->Flush(10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(producer->deliveries().size(), 2u);
  EXPECT_EQ(producer->deliveries()[0].err, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
  EXPECT_EQ(producer->deliveries()[1].err, RD_KAFKA_RESP_ERR_NO_ERROR);
}

TEST(DevBrokerTest, BrokerIdsAreChecked) {
  auto broker = DevBroker::Start(DevBroker::Options{});
  ASSERT_TRUE(broker.ok()) << broker.error().message;
  EXPECT_FALSE((*broker)->SetBrokerDown(0).ok());
  EXPECT_FALSE((*broker)->SetBrokerDown(2).ok());
  EXPECT_FALSE((*broker)->SetBrokerUp(2).ok());
}

// ---------------------------------------------------------------------------------------------
// `centinela broker` as a child process.

// A child process with its stdout on a pipe; killed and reaped if the test leaves early.
class Child {
 public:
  static std::unique_ptr<Child> Spawn(const std::vector<std::string>& argv) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe2: " << std::strerror(errno);
      return nullptr;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
      close(fds[0]);
      ADD_FAILURE() << "posix_spawn " << argv[0] << ": " << std::strerror(rc);
      return nullptr;
    }
    return std::unique_ptr<Child>(new Child(pid, fds[0]));
  }

  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    close(out_);
  }

  // One line of stdout without its newline, or nullopt at end of file or after `timeout`.
  std::optional<std::string> ReadLine(milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    std::string line;
    while (Clock::now() < deadline) {
      pollfd p{out_, POLLIN, 0};
      const auto left =
          std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count() + 1;
      if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char c = 0;
      const ssize_t n = read(out_, &c, 1);
      if (n <= 0) return std::nullopt;
      if (c == '\n') return line;
      line += c;
    }
    return std::nullopt;
  }

  // The wait status once the child exits, or nullopt after `timeout` (the child keeps running).
  std::optional<int> Wait(milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      int status = 0;
      const pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return status;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    return std::nullopt;
  }

  pid_t pid() const { return pid_; }

 private:
  Child(pid_t pid, int out) : pid_(pid), out_(out) {}
  pid_t pid_;
  int out_;
};

TEST(BrokerCommandTest, ServesRealClientsAndExitsZeroOnSigterm) {
  auto child = Child::Spawn({CENTINELA_BINARY, "broker", "--partitions", "3", "--brokers", "2"});
  ASSERT_NE(child, nullptr);
  const std::optional<std::string> line = child->ReadLine(milliseconds(10000));
  ASSERT_TRUE(line.has_value()) << "no first line within 10 s";
  const std::vector<std::string> entries = Split(*line, ',');
  ASSERT_EQ(entries.size(), 2u) << *line;
  for (const std::string& e : entries) EXPECT_EQ(e.rfind("127.0.0.1:", 0), 0u) << e;

  auto producer = TestProducer::Make(*line);
  ASSERT_NE(producer, nullptr);
  const std::map<std::string, int> topics = TopicPartitions(producer->get());
  for (const char* name :
       {"centinela.tips", "centinela.posts", "centinela.alerts", "centinela.deadletter"}) {
    ASSERT_TRUE(topics.count(name)) << name;
    EXPECT_EQ(topics.at(name), 3) << name;
  }
  RoundTrip(*line, "centinela.posts", 50, "cli-roundtrip");
  if (HasFatalFailure()) return;

  ASSERT_EQ(kill(child->pid(), SIGTERM), 0);
  const std::optional<int> status = child->Wait(milliseconds(5000));
  ASSERT_TRUE(status.has_value()) << "still running 5 s after SIGTERM";
  ASSERT_TRUE(WIFEXITED(*status)) << "status " << *status;
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  EXPECT_EQ(child->ReadLine(milliseconds(1000)), std::nullopt) << "more than one line on stdout";
}

TEST(BrokerCommandTest, ExitsZeroOnSigintEvenWhenStartedWithSigintIgnored) {
  // A non-interactive shell starts `centinela broker &` with SIGINT ignored; exec keeps that,
  // and the broker must still stop on `kill -INT`.
  struct sigaction ignore {
  }, previous{};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  ASSERT_EQ(sigaction(SIGINT, &ignore, &previous), 0);
  auto child = Child::Spawn({CENTINELA_BINARY, "broker", "--partitions", "2"});
  ASSERT_EQ(sigaction(SIGINT, &previous, nullptr), 0);
  ASSERT_NE(child, nullptr);
  const std::optional<std::string> line = child->ReadLine(milliseconds(10000));
  ASSERT_TRUE(line.has_value());
  auto producer = TestProducer::Make(*line);
  ASSERT_NE(producer, nullptr);
  EXPECT_EQ(TopicPartitions(producer->get())["centinela.tips"], 2);
  ASSERT_EQ(kill(child->pid(), SIGINT), 0);
  const std::optional<int> status = child->Wait(milliseconds(5000));
  ASSERT_TRUE(status.has_value()) << "still running 5 s after SIGINT";
  ASSERT_TRUE(WIFEXITED(*status)) << "status " << *status;
  EXPECT_EQ(WEXITSTATUS(*status), 0);
}

TEST(BrokerCommandTest, RejectsBadFlagsWithStatusTwo) {
  for (const std::vector<std::string>& argv :
       {std::vector<std::string>{CENTINELA_BINARY, "broker", "--partitions", "0"},
        std::vector<std::string>{CENTINELA_BINARY, "broker", "--brokers", "x"},
        std::vector<std::string>{CENTINELA_BINARY, "broker", "--nope"}}) {
    auto child = Child::Spawn(argv);
    ASSERT_NE(child, nullptr);
    const std::optional<int> status = child->Wait(milliseconds(5000));
    ASSERT_TRUE(status.has_value()) << argv[2];
    ASSERT_TRUE(WIFEXITED(*status));
    EXPECT_EQ(WEXITSTATUS(*status), 2) << argv[2];
    EXPECT_EQ(child->ReadLine(milliseconds(500)), std::nullopt) << "stdout must stay empty";
  }
}

// ---------------------------------------------------------------------------------------------
// Standard tools: kcat (Debian's kafkacat) against the DevBroker.

std::string FindKcat() {
  for (const std::string& dir : Split(std::getenv("PATH") ? std::getenv("PATH") : "", ':')) {
    const std::string path = dir + "/kcat";
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

// Runs a shell command (bounded by coreutils' timeout) and returns its stdout and exit status.
std::pair<std::string, int> RunShell(const std::string& command, const std::string& input = "") {
  const std::string bounded = "timeout 20 " + command;
  std::string out;
  if (!input.empty()) {
    FILE* p = popen(bounded.c_str(), "w");
    if (!p) return {"", -1};
    std::fwrite(input.data(), 1, input.size(), p);
    return {"", pclose(p)};
  }
  FILE* p = popen(bounded.c_str(), "r");
  if (!p) return {"", -1};
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof(buf), p)) > 0;) out.append(buf, n);
  return {out, pclose(p)};
}

TEST(KcatTest, ListsMetadataAndProducesAndConsumes) {
  const std::string kcat = FindKcat();
  if (kcat.empty()) GTEST_SKIP() << "kcat is not installed (deploy/install-deps.sh installs it)";
  DevBroker::Options options;
  options.partitions = 3;
  auto broker = DevBroker::Start(options);
  ASSERT_TRUE(broker.ok()) << broker.error().message;
  const std::string bs = (*broker)->bootstrap_servers();

  auto [listing, list_status] = RunShell(kcat + " -b " + bs + " -L");
  ASSERT_EQ(list_status, 0) << listing;
  EXPECT_THAT(listing, HasSubstr("topic \"centinela.tips\" with 3 partitions"));
  EXPECT_THAT(listing, HasSubstr("topic \"centinela.deadletter\" with 3 partitions"));

  // kcat produces to partition 0; a librdkafka producer of ours writes partition 1.
  auto [unused, produce_status] = RunShell(kcat + " -b " + bs + " -P -t centinela.posts -p 0 -K :",
                                           "k1:uno\nk2:dos\nk3:tres\n");
  ASSERT_EQ(produce_status, 0);
  auto producer = TestProducer::Make(bs);
  ASSERT_NE(producer, nullptr);
  ASSERT_EQ(producer->Produce("centinela.posts", "ours", "cuatro", 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(producer->Flush(10000), RD_KAFKA_RESP_ERR_NO_ERROR);

  auto [p0, p0_status] =
      RunShell(kcat + " -b " + bs + " -C -t centinela.posts -p 0 -o beginning -e -q -f '%k=%s\\n'");
  EXPECT_EQ(p0_status, 0);
  EXPECT_THAT(Split(p0, '\n'), ElementsAre("k1=uno", "k2=dos", "k3=tres"));
  auto [p1, p1_status] =
      RunShell(kcat + " -b " + bs + " -C -t centinela.posts -p 1 -o beginning -e -q -f '%k=%s\\n'");
  EXPECT_EQ(p1_status, 0);
  EXPECT_THAT(Split(p1, '\n'), ElementsAre("ours=cuatro"));
}

}  // namespace
}  // namespace centinela::pipeline
