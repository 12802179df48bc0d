// centinela_bench_stream: the streaming path against Kafka, as ratios measured in one run.
//
//   centinela_bench_stream --input FILE.jsonl [--input FILE2.jsonl ...] [--config config/dev.yaml]
//       [--rules DIR] [--brokers HOST:PORT] [--messages 500000] [--partitions 64]
//       [--threads 1,2] [--rounds 3] [--latency-seconds 10 (0: no latency phase)]
//       [--latency-rate MSGS_PER_S]
//       [--latency-alert-share 0.01] [--latency-threads N] [--latency-partitions N]
//       [--latency-order shuffled|file]
//       [--consumer-property KEY=VALUE ...]
//       [--producer-property KEY=VALUE ...] [--timeout 180]
//
// Without --brokers it hosts the development broker (librdkafka's mock cluster) in this process.
// It produces --messages records, cycling through the input lines with unique ids, spread evenly
// over --partitions partitions (the mock cluster trims a partition beyond ~5 MiB in silence, so
// the partition count grows with the volume and the watermarks are checked after producing).
// Then, --rounds times, interleaved so that a change of machine load hits every row alike:
//   bare       a high-level consumer with the scanner's own consumer properties, one poll per
//              record, touching the payload length: records/s from the first record to the last
//   scanner/N  the real pipeline::Scanner with N worker threads draining the same topic: records/s
//              from the first record consumed until consumed == N, nothing in flight, every alert
//              acknowledged by the broker
// Each run is a new consumer group, so each reads the whole topic and the group join (~3 s on the
// mock cluster) is outside the timing. Ratios are per round: both numbers come from one run.
//
// Latency: a producer thread produces at a fixed rate (default half the best scanner rate) a mix
// in which each record alerts with probability --latency-alert-share, each with its produce time
// (steady clock, ns) in the message id; a consumer of the alerts topic computes produce ->
// alert-consumed for every alert. The records come in a fixed pseudo-random order of the input
// lines (--latency-order file: in file order, where each everyday source's stretch has its own
// scanning cost, so the load comes in waves). The configuration's consumer and producer
// properties apply (see config/dev.yaml). The latency topics have --latency-partitions partitions
// (default 8): the mock cluster finds a fetch offset by walking a partition's message sets from
// the first (rdkafka_mock.c, "FIXME: Maintain an index"), so many small partitions cost it more
// per fetch as the run goes on, which a real broker's offset index does not.
//
// Where the time goes: CPU time of every thread of this process (/proc/self/task/*/schedstat)
// between the first record and the last, per record and grouped by role, and the offline cost of
// decode + scan on one thread over the same lines.
#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/alert_record.h"
#include "common/json_writer.h"
#include "config/config.h"
#include "ingest/decoder.h"
#include "pipeline/dev_broker.h"
#include "pipeline/engine_holder.h"
// Internal to pipeline/, included here on purpose: the bare consumer must run with exactly the
// properties the scanner gets, and the producers with those of the service.
#include "pipeline/kafka_client.h"
#include "pipeline/offset_tracker.h"
#include "pipeline/scanner.h"

namespace centinela::bench {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Options {
  std::string config = "config/dev.yaml";
  std::string rules;  // empty: the configuration's scan.rules
  std::string brokers;
  std::vector<std::string> inputs;
  uint64_t messages = 500000;
  int partitions = 64;
  std::vector<int> threads = {1, 2};
  int rounds = 3;
  double latency_seconds = 10;
  double latency_rate = 0;  // 0: half the best scanner rate
  double latency_alert_share = 0.01;
  int latency_threads = 0;  // 0: the recommended count
  int latency_partitions = 8;
  std::string latency_order = "shuffled";  // or "file"
  std::map<std::string, std::string> consumer_properties, producer_properties;
  int timeout_s = 180;
  std::string command_line;
};

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "centinela_bench_stream: %s\n", why.c_str());
  std::exit(2);
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

pid_t ThreadId() { return static_cast<pid_t>(syscall(SYS_gettid)); }

// ---------------------------------------------------------------------------------------------
// Input: each line becomes a template `{"id":"` + ID + tail, so records get unique ids cheaply.

enum class Verdict { kQuiet, kAlert, kDeadLetter };

struct Template {
  std::string tail;  // everything after the id's value, from its closing quote
  std::string raw;   // the line as read, for lines that are not valid messages
  Verdict verdict = Verdict::kQuiet;

  std::string Make(std::string_view id) const {
    if (verdict == Verdict::kDeadLetter) return raw;
    std::string s;
    s.reserve(8 + id.size() + tail.size());
    s.append("{\"id\":\"");
    AppendJsonEscaped(id, &s);
    s.append(tail);
    return s;
  }
};

std::vector<Template> ReadTemplates(const std::vector<std::string>& files) {
  simdjson::dom::parser parser;
  std::vector<Template> out;
  for (const auto& f : files) {
    std::ifstream in(f);
    if (!in) Die("cannot read " + f);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      Template t;
      t.raw = line;
      simdjson::dom::object obj;
      if (parser.parse(line).get(obj) != simdjson::SUCCESS) {
        t.verdict = Verdict::kDeadLetter;
        out.push_back(std::move(t));
        continue;
      }
      std::string s;
      JsonWriter w(&s);
      w.BeginObject();
      w.Key("id");
      w.String("");
      for (auto field : obj) {
        if (field.key == "id") continue;
        w.Key(field.key);
        w.Raw(simdjson::minify(field.value));
      }
      w.EndObject();
      t.tail = s.substr(std::string_view("{\"id\":\"").size());
      out.push_back(std::move(t));
    }
  }
  if (out.empty()) Die("no input lines");
  return out;
}

// Judges every template once with the live engine (as the scanner will), and returns the
// offline cost on this thread: decode and decode + scan, in ns per line (best of 3).
struct OfflineCost {
  double decode_ns = 0;
  double scan_ns = 0;        // decode + scan, every line
  double scan_alert_ns = 0;  // decode + scan, lines that alert
  double record_ns = 0;      // writing the alert record of a line that alerts
  double scan_quiet_ns = 0;  // decode + scan, lines that do not
  double tracker_ns = 0;     // OffsetTracker Start + Finish of one record, 64 partitions
};

// The scanner's per-record bookkeeping without Kafka: Start, then Finish, as the scanner does it
// (a topic string and a key built per record), in batches of 1024 over 64 partitions.
double TrackerCost() {
  pipeline::OffsetTracker tracker;
  const std::string topic = "centinela.tips";
  constexpr int kPartitions = 64;
  constexpr int64_t kRecords = 200000, kBatch = 1024;
  double best = 1e300;
  for (int round = 0; round < 3; ++round) {
    const int64_t base = round * kRecords;
    const auto start = Clock::now();
    for (int64_t i = 0; i < kRecords; i += kBatch) {
      for (int64_t j = i; j < i + kBatch; ++j) {
        tracker.Start({std::string(topic), static_cast<int32_t>(j % kPartitions)}, base + j);
      }
      for (int64_t j = i; j < i + kBatch; ++j) {
        (void)tracker.Finish({std::string(topic), static_cast<int32_t>(j % kPartitions)}, base + j);
      }
    }
    best = std::min(best, std::chrono::duration<double, std::nano>(Clock::now() - start).count());
  }
  return best / static_cast<double>(kRecords);
}

OfflineCost Classify(const rules::Engine& engine, size_t max_text_bytes,
                     std::vector<Template>* templates) {
  ingest::Decoder decoder(max_text_bytes);
  auto ctx = engine.MakeContext();
  if (!ctx.ok()) Die(ctx.error().message);
  ScanResult result;
  std::vector<std::string> lines;
  lines.reserve(templates->size());
  for (auto& t : *templates) {
    lines.push_back(t.Make("bench-0"));
    auto m = decoder.Decode(lines.back());
    if (!m.ok()) {
      t.verdict = Verdict::kDeadLetter;
      continue;
    }
    // The lines carry their `source`, which the scanner uses as this does.
    if (Status s = engine.Scan(m->text, **ctx, &result, m->source); !s.ok()) Die(s.message());
    t.verdict = result.action >= Action::kReview ? Verdict::kAlert : Verdict::kQuiet;
  }
  std::vector<std::string> alert_lines, quiet_lines;
  for (size_t i = 0; i < lines.size(); ++i) {
    if ((*templates)[i].verdict == Verdict::kAlert) alert_lines.push_back(lines[i]);
    if ((*templates)[i].verdict == Verdict::kQuiet) quiet_lines.push_back(lines[i]);
  }
  auto best = [&](const std::vector<std::string>& over, bool write_alert) {
    if (over.empty()) return 0.0;
    std::string out;
    double ns = 1e300;
    for (int i = 0; i < 3; ++i) {
      const auto start = Clock::now();
      for (const auto& l : over) {
        auto m = decoder.Decode(l);
        if (!m.ok()) continue;
        if (!engine.ScanForAlerts(m->text, **ctx, &result, m->source).ok()) Die("scan failed");
        if (write_alert) {
          out.clear();
          AppendAlertRecord(*m, result, engine.version(), "centinela.tips", &out);
        }
      }
      ns = std::min(ns, std::chrono::duration<double, std::nano>(Clock::now() - start).count());
    }
    return ns / static_cast<double>(over.size());
  };
  OfflineCost cost;
  double decode = 1e300;
  for (int i = 0; i < 3; ++i) {
    const auto start = Clock::now();
    for (const auto& l : lines) (void)decoder.Decode(l);
    decode =
        std::min(decode, std::chrono::duration<double, std::nano>(Clock::now() - start).count());
  }
  cost.decode_ns = decode / static_cast<double>(lines.size());
  cost.scan_ns = best(lines, false);
  cost.scan_alert_ns = best(alert_lines, false);
  cost.record_ns = std::max(0.0, best(alert_lines, true) - cost.scan_alert_ns);
  cost.scan_quiet_ns = best(quiet_lines, false);
  cost.tracker_ns = TrackerCost();
  return cost;
}

// ---------------------------------------------------------------------------------------------
// CPU time per thread of this process, from /proc/self/task/*/schedstat (ns).

struct ThreadCpu {
  std::string name;
  uint64_t ns = 0;       // on a CPU
  uint64_t wait_ns = 0;  // runnable, waiting for a CPU (other processes, or our own threads)
};
using CpuSnapshot = std::map<pid_t, ThreadCpu>;

CpuSnapshot SnapshotCpu() {
  CpuSnapshot snap;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    const pid_t tid = static_cast<pid_t>(std::atol(entry.path().filename().c_str()));
    ThreadCpu t;
    std::ifstream comm(entry.path() / "comm");
    std::getline(comm, t.name);
    std::ifstream sched(entry.path() / "schedstat");
    if (!(sched >> t.ns >> t.wait_ns)) continue;  // the thread ended meanwhile
    snap[tid] = t;
  }
  return snap;
}

// CPU seconds per role between two snapshots; `role` names a thread from its tid and name.
// *wait_s receives the seconds our threads were runnable but not running.
std::map<std::string, double> CpuByRole(
    const CpuSnapshot& before, const CpuSnapshot& after,
    const std::function<std::string(pid_t, const std::string&)>& role, double* wait_s) {
  std::map<std::string, double> out;
  *wait_s = 0;
  for (const auto& [tid, t] : after) {
    auto b = before.find(tid);
    const uint64_t base = b == before.end() ? 0 : b->second.ns;
    const uint64_t wait_base = b == before.end() ? 0 : b->second.wait_ns;
    out[role(tid, t.name)] += static_cast<double>(t.ns - base) / 1e9;
    *wait_s += static_cast<double>(t.wait_ns - wait_base) / 1e9;
  }
  return out;
}

// librdkafka names its threads rdk:main, rdk:brokerN, rdk:mock…; the mock cluster's is its own
// role because a real deployment pays it on the brokers, not here.
std::string RdkRole(const std::string& name) {
  if (name.rfind("rdk:mock", 0) == 0) return "mock broker";
  if (name.rfind("rdk:", 0) == 0) return "librdkafka clients";
  return "";
}

// ---------------------------------------------------------------------------------------------
// Kafka plumbing for the bench's own clients.

pipeline::KafkaHandle NewClient(rd_kafka_type_t type, const pipeline::Properties& p) {
  auto conf = pipeline::MakeConf(p);
  if (!conf.ok()) Die(conf.error().message);
  auto rk = pipeline::MakeClient(type, std::move(*conf));
  if (!rk.ok()) Die(rk.error().message);
  return std::move(*rk);
}

void Subscribe(rd_kafka_t* rk, const std::string& topic) {
  rd_kafka_poll_set_consumer(rk);
  pipeline::PartitionList list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  if (const auto err = rd_kafka_subscribe(rk, list.get())) {
    Die("subscribe " + topic + ": " + rd_kafka_err2str(err));
  }
}

// Produces; waits while librdkafka's queue is full.
void ProduceOne(rd_kafka_t* rk, const std::string& topic, int32_t partition,
                const std::string& value) {
  while (true) {
    const rd_kafka_resp_err_t err =
        rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                          RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) Die("produce: " + std::string(rd_kafka_err2str(err)));
    rd_kafka_poll(rk, 1);
  }
}

std::atomic<uint64_t> g_delivery_failures{0};
void CountFailures(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  if (m->err) ++g_delivery_failures;
}

pipeline::KafkaHandle NewProducer(pipeline::Properties p) {
  auto conf = pipeline::MakeConf(p);
  if (!conf.ok()) Die(conf.error().message);
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &CountFailures);
  auto rk = pipeline::MakeClient(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk.ok()) Die(rk.error().message);
  return std::move(*rk);
}

// Records in `topic` (sum of high - low watermarks).
uint64_t TopicRecords(rd_kafka_t* rk, const std::string& topic, int partitions) {
  uint64_t n = 0;
  for (int p = 0; p < partitions; ++p) {
    int64_t low = 0, high = 0;
    if (const auto err =
            rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high, 10000)) {
      Die(fmt::format("watermarks of {}/{}: {}", topic, p, rd_kafka_err2str(err)));
    }
    n += static_cast<uint64_t>(high - low);
  }
  return n;
}

struct Topics {
  config::Topics names;
  int partitions = 0;
};

// Creates the four topics of a scanner, on the in-process broker or through the admin API.
void CreateTopics(pipeline::DevBroker* broker, const std::string& brokers, const Topics& t) {
  const std::vector<std::string> names = {t.names.tips, t.names.posts, t.names.alerts,
                                          t.names.deadletter};
  if (broker) {
    for (const auto& n : names) {
      if (Status s = broker->CreateTopic(n, t.partitions); !s.ok()) Die(s.message());
    }
    return;
  }
  auto rk = NewClient(RD_KAFKA_PRODUCER, {{"bootstrap.servers", brokers}});
  std::vector<rd_kafka_NewTopic_t*> topics;
  char err[512];
  for (const auto& n : names) {
    topics.push_back(rd_kafka_NewTopic_new(n.c_str(), t.partitions, -1, err, sizeof err));
    if (!topics.back()) Die(std::string("topic ") + n + ": " + err);
  }
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk.get());
  rd_kafka_CreateTopics(rk.get(), topics.data(), topics.size(), nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  if (!ev) Die("CreateTopics: no answer in 30 s");
  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &count);
  for (size_t i = 0; i < count; ++i) {
    const auto e = rd_kafka_topic_result_error(results[i]);
    if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      Die(std::string("create topic ") + rd_kafka_topic_result_name(results[i]) + ": " +
          rd_kafka_err2str(e));
    }
  }
  rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  for (auto* nt : topics) rd_kafka_NewTopic_destroy(nt);
}

// ---------------------------------------------------------------------------------------------
// The runs.

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct RunResult {
  std::string name;
  int round = 0;
  uint64_t records = 0;
  double seconds = 0;                 // first record to last
  std::map<std::string, double> cpu;  // CPU seconds by role over the same interval
  double wait = 0;                    // seconds runnable but waiting for a CPU, all threads
  uint64_t alerts = 0, dead_letters = 0;

  double rate() const { return static_cast<double>(records) / seconds; }
  // All threads but the bench's own watcher.
  double cpu_total() const {
    double s = 0;
    for (const auto& [k, v] : cpu) s += k == "bench main" ? 0 : v;
    return s;
  }
};

struct Bench {
  Options options;
  config::Config config;
  std::unique_ptr<pipeline::DevBroker> broker;
  std::shared_ptr<pipeline::EngineHolder> engines;
  std::vector<Template> templates;
  std::vector<size_t> alerting, quiet;  // indices into templates
  OfflineCost offline;
  Topics main_topics, latency_topics;
  std::string run_id;
  uint64_t expected_alerts = 0, expected_dead_letters = 0;
  pid_t main_tid = 0;

  const std::string& brokers() const { return config.kafka.brokers; }

  config::Config ConfigFor(const Topics& topics, const std::string& group, int threads) const {
    config::Config c = config;
    c.kafka.topics = topics.names;
    c.kafka.scan_group = group;
    c.scan.threads = threads;
    return c;
  }

  void Produce() {
    pipeline::Properties p = pipeline::ProducerProperties(config.kafka);
    // Bulk loading, not what is measured: big batches, no idempotence bookkeeping.
    p["enable.idempotence"] = "false";
    p["acks"] = "1";
    p["linger.ms"] = "20";
    p["batch.num.messages"] = "10000";
    p["queue.buffering.max.messages"] = "1000000";
    auto rk = NewProducer(p);
    const auto start = Clock::now();
    const std::string& topic = main_topics.names.tips;
    for (uint64_t i = 0; i < options.messages; ++i) {
      const Template& t = templates[i % templates.size()];
      if (t.verdict == Verdict::kAlert) ++expected_alerts;
      if (t.verdict == Verdict::kDeadLetter) ++expected_dead_letters;
      ProduceOne(rk.get(), topic,
                 static_cast<int32_t>(i % static_cast<uint64_t>(main_topics.partitions)),
                 t.Make(fmt::format("b{}-{}", run_id, i)));
      if (i % 1024 == 0) rd_kafka_poll(rk.get(), 0);
    }
    if (rd_kafka_flush(rk.get(), 120000) != RD_KAFKA_RESP_ERR_NO_ERROR) Die("flush timed out");
    if (g_delivery_failures.load())
      Die(fmt::format("{} records not delivered", g_delivery_failures.load()));
    const double secs = Seconds(Clock::now() - start);
    const uint64_t stored = TopicRecords(rk.get(), topic, main_topics.partitions);
    if (stored != options.messages) {
      Die(
          fmt::format("{} holds {} records, not {}: the broker trimmed partitions (raise "
                      "--partitions)",
                      topic, stored, options.messages));
    }
    std::fprintf(stderr, "produced %lu records in %.1f s (%.0f/s), all %lu stored\n",
                 static_cast<unsigned long>(options.messages), secs,
                 static_cast<double>(options.messages) / secs, static_cast<unsigned long>(stored));
  }

  RunResult Bare(int round) {
    RunResult r;
    r.name = "bare consumer";
    r.round = round;
    auto rk = NewClient(
        RD_KAFKA_CONSUMER,
        pipeline::ConsumerProperties(config.kafka, fmt::format("bench-{}-bare-{}", run_id, round)));
    Subscribe(rk.get(), main_topics.names.tips);
    const auto deadline = Clock::now() + std::chrono::seconds(options.timeout_s);
    uint64_t n = 0, bytes = 0;
    Clock::time_point first, last;
    CpuSnapshot before;
    while (n < options.messages) {
      pipeline::KafkaMessage m(rd_kafka_consumer_poll(rk.get(), 100));
      if (!m) {
        if (Clock::now() > deadline)
          Die(fmt::format("bare consumer: {} of {} records", n, options.messages));
        continue;
      }
      if (m->err) continue;
      if (n == 0) {
        first = Clock::now();
        before = SnapshotCpu();
      }
      bytes += m->len;
      ++n;
    }
    last = Clock::now();
    const CpuSnapshot after = SnapshotCpu();
    if (bytes == 0) Die("no payload");
    r.records = n;
    r.seconds = Seconds(last - first);
    r.cpu = CpuByRole(
        before, after,
        [&](pid_t tid, const std::string& name) -> std::string {
          if (tid == main_tid) return "poll loop";
          const std::string rdk = RdkRole(name);
          return rdk.empty() ? "other" : rdk;
        },
        &r.wait);
    rd_kafka_consumer_close(rk.get());
    return r;
  }

  RunResult Scan(int round, int threads) {
    RunResult r;
    r.name = fmt::format("scanner, {} thread{}", threads, threads == 1 ? "" : "s");
    r.round = round;
    const config::Config c =
        ConfigFor(main_topics, fmt::format("bench-{}-scan{}-{}", run_id, threads, round), threads);
    auto scanner = pipeline::Scanner::Create(c, engines);
    if (!scanner.ok()) Die(scanner.error().message);
    pipeline::Scanner& s = **scanner;
    std::atomic<pid_t> run_tid{0};
    Status status;
    std::thread runner([&] {
      pthread_setname_np(pthread_self(), "scanner");  // its workers inherit the name
      run_tid = ThreadId();
      status = s.Run();
    });
    const auto deadline = Clock::now() + std::chrono::seconds(options.timeout_s);
    Clock::time_point first, last;
    CpuSnapshot before;
    while (s.stats().consumed.load() == 0) {
      if (Clock::now() > deadline) Die("scanner consumed nothing");
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    first = Clock::now();
    before = SnapshotCpu();
    // Polled every millisecond (in_flight() takes the tracker's lock: not in a tight loop).
    while (s.stats().consumed.load() < options.messages || s.in_flight() > 0) {
      if (Clock::now() > deadline) {
        Die(fmt::format("scanner: consumed {} of {}, {} in flight after {} s",
                        s.stats().consumed.load(), options.messages, s.in_flight(),
                        options.timeout_s));
      }
      std::this_thread::sleep_for(milliseconds(1));
    }
    last = Clock::now();
    const CpuSnapshot after = SnapshotCpu();
    r.records = s.stats().consumed.load();
    r.seconds = Seconds(last - first);
    r.alerts = s.stats().alerts.load();
    r.dead_letters = s.stats().dead_letters.load();
    // Threads named "scanner" other than Run()'s are its workers, then its delivery thread,
    // created in that order (ascending ids on Linux unless the id space wraps).
    std::vector<pid_t> spawned;
    for (const auto& [tid, t] : after) {
      if (t.name == "scanner" && tid != run_tid.load()) spawned.push_back(tid);
    }
    std::sort(spawned.begin(), spawned.end());
    r.cpu = CpuByRole(
        before, after,
        [&](pid_t tid, const std::string& name) -> std::string {
          if (tid == run_tid.load()) return "poll loop";
          if (!spawned.empty() && tid == spawned.back()) return "delivery thread";
          if (name == "scanner") return "scan workers";
          if (tid == main_tid) return "bench main";
          const std::string rdk = RdkRole(name);
          return rdk.empty() ? "other" : rdk;
        },
        &r.wait);
    s.Stop();
    runner.join();
    if (!status.ok()) Die("scanner: " + status.message());
    if (r.alerts != expected_alerts || r.dead_letters != expected_dead_letters) {
      std::fprintf(stderr, "warning: %s: %lu alerts and %lu dead letters, expected %lu and %lu\n",
                   r.name.c_str(), static_cast<unsigned long>(r.alerts),
                   static_cast<unsigned long>(r.dead_letters),
                   static_cast<unsigned long>(expected_alerts),
                   static_cast<unsigned long>(expected_dead_letters));
    }
    return r;
  }

  struct Latency {
    double rate = 0;      // asked for
    double achieved = 0;  // produced / seconds
    int threads = 0;
    uint64_t produced = 0, expected = 0, received = 0;
    std::vector<double> ms;             // produce -> alert consumed, measured phase, sorted
    std::vector<double> p50_by_second;  // by the second of the measured phase it was produced in
    int64_t backlog = 0;  // records produced but not yet consumed when the producer stopped
  };

  Latency MeasureLatency(double rate, int threads) {
    Latency out;
    out.rate = rate;
    out.threads = threads;
    const config::Config c =
        ConfigFor(latency_topics, fmt::format("bench-{}-lat-scan", run_id), threads);
    auto scanner = pipeline::Scanner::Create(c, engines);
    if (!scanner.ok()) Die(scanner.error().message);
    pipeline::Scanner& s = **scanner;
    Status status;
    std::thread runner([&] { status = s.Run(); });

    // Alerts consumer: records produce -> now for ids "m-<seq>-<ns>", counts warm-up ones "w-".
    std::atomic<bool> stop_alerts{false};
    std::atomic<uint64_t> warm_seen{0}, measured_seen{0};
    std::atomic<int64_t> measure_start_ns{0};
    std::vector<std::pair<double, double>> samples;  // (second of production, ms)
    std::mutex ms_mu;
    std::thread alerts([&] {
      auto rk = NewClient(
          RD_KAFKA_CONSUMER,
          pipeline::ConsumerProperties(c.kafka, fmt::format("bench-{}-lat-alerts", run_id)));
      Subscribe(rk.get(), latency_topics.names.alerts);
      static constexpr std::string_view kField = "\"message_id\":\"";
      while (!stop_alerts.load()) {
        pipeline::KafkaMessage m(rd_kafka_consumer_poll(rk.get(), 50));
        if (!m || m->err) continue;
        const int64_t now = NowNs();
        const std::string_view v(static_cast<const char*>(m->payload), m->len);
        const size_t at = v.find(kField);
        if (at == std::string_view::npos) continue;
        const std::string_view id = v.substr(at + kField.size(), 40);
        const size_t dash = id.rfind('-', id.find('"'));
        if (dash == std::string_view::npos) continue;
        const int64_t sent = std::atoll(std::string(id.substr(dash + 1)).c_str());
        if (id.rfind("w-", 0) == 0) {
          ++warm_seen;
        } else if (id.rfind("m-", 0) == 0) {
          std::lock_guard lock(ms_mu);
          samples.emplace_back(static_cast<double>(sent - measure_start_ns.load()) / 1e9,
                               static_cast<double>(now - sent) / 1e6);
          ++measured_seen;
        }
      }
      rd_kafka_consumer_close(rk.get());
    });

    // The mix: each record alerts with probability --latency-alert-share, drawn from a generator
    // with a fixed seed (mt19937_64 is specified exactly, so the sequence of draws is the same
    // everywhere; how many of them the timed warm-up takes varies from run to run).
    // Not every k-th record: with records round-robin over the partitions, every 100th lands on
    // the same two partitions of 8 (100 = 4 mod 8), and both map to the same scan worker, which
    // then carried every alert (~60 us each against ~3 for a quiet record) and ran at 1.4-1.5
    // times the other worker's CPU in three runs at 149k records/s.
    // The order: input order bunches lines of one source together (the labelled corpus, then
    // each everyday source), and their scanning cost differs from stretch to stretch (offline,
    // 1.2 to 9.5 us a line on average over stretches of 2,000 lines), so by default both lists
    // are shuffled once with a fixed seed: every stretch of the stream then costs about the
    // average. (std::shuffle's order is the standard library's own, so the order is the same
    // from run to run on one machine, not across libraries.)
    std::vector<size_t> quiet_order = quiet, alerting_order = alerting;
    if (options.latency_order == "shuffled") {
      std::mt19937_64 rng(20261129);
      std::shuffle(quiet_order.begin(), quiet_order.end(), rng);
      std::shuffle(alerting_order.begin(), alerting_order.end(), rng);
    }
    const double share = std::clamp(options.latency_alert_share, 0.0, 1.0);
    uint64_t qi = 0, ai = 0;
    std::mt19937_64 draw(20261130);
    auto next = [&](bool* alerts_out) -> const Template& {
      const double u = static_cast<double>(draw() >> 11) * 0x1.0p-53;  // uniform in [0, 1)
      const bool alert = !alerting_order.empty() && (quiet_order.empty() || u < share);
      *alerts_out = alert;
      return alert ? templates[alerting_order[ai++ % alerting_order.size()]]
                   : templates[quiet_order[qi++ % quiet_order.size()]];
    };
    auto producer = NewProducer(pipeline::ProducerProperties(c.kafka));
    const auto partitions = static_cast<uint64_t>(latency_topics.partitions);
    uint64_t seq = 0;
    auto produce = [&](char phase, bool* alert) {
      const Template& t = next(alert);
      const std::string line = t.Make(fmt::format("{}-{}-{}", phase, seq, NowNs()));
      ProduceOne(producer.get(), latency_topics.names.tips, static_cast<int32_t>(seq % partitions),
                 line);
      ++seq;
    };

    // Join: one alerting record every 20 ms until an alert comes back through both groups.
    const auto join_deadline = Clock::now() + std::chrono::seconds(60);
    while (warm_seen.load() == 0) {
      if (Clock::now() > join_deadline) Die("latency: no alert within 60 s");
      if (!alerting.empty()) {
        const std::string line =
            templates[alerting[0]].Make(fmt::format("w-{}-{}", seq++, NowNs()));
        ProduceOne(producer.get(), latency_topics.names.tips, 0, line);
      }
      rd_kafka_poll(producer.get(), 20);
    }

    // Fixed rate in bursts of ~0.5 ms: warm-up 1 s, then the measured phase.
    auto paced = [&](char phase, double seconds, uint64_t* produced, uint64_t* alerts_out) {
      const uint64_t burst = std::max<uint64_t>(1, static_cast<uint64_t>(rate / 2000));
      const auto t0 = Clock::now();
      const auto end =
          t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
      uint64_t sent = 0;
      while (Clock::now() < end) {
        const auto due = static_cast<uint64_t>(Seconds(Clock::now() - t0) * rate);
        while (sent < due) {
          bool alert = false;
          produce(phase, &alert);
          *alerts_out += alert;
          ++sent;
        }
        rd_kafka_poll(producer.get(), 0);
        std::this_thread::sleep_until(
            t0 + std::chrono::duration_cast<Clock::duration>(
                     std::chrono::duration<double>(static_cast<double>(sent + burst) / rate)));
      }
      *produced = sent;
      return Seconds(Clock::now() - t0);
    };
    uint64_t warm_produced = 0, warm_alerts = 0;
    paced('w', 1.0, &warm_produced, &warm_alerts);
    measure_start_ns = NowNs();
    const double secs = paced('m', options.latency_seconds, &out.produced, &out.expected);
    out.backlog = static_cast<int64_t>(seq) - static_cast<int64_t>(s.stats().consumed.load());
    out.achieved = static_cast<double>(out.produced) / secs;
    rd_kafka_flush(producer.get(), 30000);

    const auto drain_deadline = Clock::now() + std::chrono::seconds(30);
    while (measured_seen.load() < out.expected && Clock::now() < drain_deadline) {
      std::this_thread::sleep_for(milliseconds(10));
    }
    stop_alerts = true;
    alerts.join();
    s.Stop();
    runner.join();
    if (!status.ok()) Die("scanner: " + status.message());
    out.received = measured_seen.load();
    std::map<int, std::vector<double>> by_second;
    for (const auto& [second, ms] : samples) {
      out.ms.push_back(ms);
      by_second[static_cast<int>(second)].push_back(ms);
    }
    for (auto& [second, v] : by_second) out.p50_by_second.push_back(Median(v));
    std::sort(out.ms.begin(), out.ms.end());
    return out;
  }
};

// ---------------------------------------------------------------------------------------------

std::vector<int> ParseList(const std::string& s) {
  std::vector<int> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(std::atoi(item.c_str()));
  }
  return out;
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  o.command_line = argv[0];
  for (int i = 1; i < argc; ++i) {
    o.command_line += ' ';
    o.command_line += argv[i];
  }
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die(a + " needs a value");
      return argv[++i];
    };
    auto property = [&](std::map<std::string, std::string>* into) {
      const std::string kv = value();
      const size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) Die(a + " wants KEY=VALUE, not " + kv);
      (*into)[kv.substr(0, eq)] = kv.substr(eq + 1);
    };
    if (a == "--config") {
      o.config = value();
    } else if (a == "--rules") {
      o.rules = value();
    } else if (a == "--brokers") {
      o.brokers = value();
    } else if (a == "--input") {
      o.inputs.push_back(value());
    } else if (a == "--messages") {
      o.messages = std::stoull(value());
    } else if (a == "--partitions") {
      o.partitions = std::atoi(value().c_str());
    } else if (a == "--threads") {
      o.threads = ParseList(value());
    } else if (a == "--rounds") {
      o.rounds = std::max(1, std::atoi(value().c_str()));
    } else if (a == "--latency-seconds") {
      o.latency_seconds = std::atof(value().c_str());
    } else if (a == "--latency-rate") {
      o.latency_rate = std::atof(value().c_str());
    } else if (a == "--latency-alert-share") {
      o.latency_alert_share = std::atof(value().c_str());
    } else if (a == "--latency-threads") {
      o.latency_threads = std::atoi(value().c_str());
    } else if (a == "--latency-partitions") {
      o.latency_partitions = std::atoi(value().c_str());
    } else if (a == "--latency-order") {
      o.latency_order = value();
      if (o.latency_order != "shuffled" && o.latency_order != "file") {
        Die("--latency-order is shuffled or file, not " + o.latency_order);
      }
    } else if (a == "--consumer-property") {
      property(&o.consumer_properties);
    } else if (a == "--producer-property") {
      property(&o.producer_properties);
    } else if (a == "--timeout") {
      o.timeout_s = std::max(10, std::atoi(value().c_str()));
    } else {
      Die("unknown argument " + a);
    }
  }
  if (o.inputs.empty()) Die("give at least one --input FILE.jsonl");
  if (o.messages == 0) Die("--messages must be positive");
  if (o.partitions < 1) Die("--partitions must be positive");
  if (o.latency_partitions < 1) Die("--latency-partitions must be positive");
  if (o.threads.empty()) Die("--threads needs at least one count");
  for (int t : o.threads) {
    if (t < 1 || t > 64) Die("thread counts must be from 1 to 64");
  }
  return o;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t i = std::min(sorted.size() - 1,
                            static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[i];
}

std::string Load() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

void Run(Options o) {
  Bench b;
  b.main_tid = ThreadId();
  b.run_id = fmt::format("{}-{}", getpid(), std::time(nullptr) % 100000);
  auto cfg = config::LoadConfig(o.config);
  if (!cfg.ok()) Die(cfg.error().message);
  b.config = std::move(*cfg);
  if (!o.rules.empty()) b.config.scan.rules = o.rules;
  for (const auto& [k, v] : o.consumer_properties) b.config.kafka.consumer_properties[k] = v;
  for (const auto& [k, v] : o.producer_properties) b.config.kafka.producer_properties[k] = v;
  b.options = o;

  rules::EngineOptions eo;
  eo.measure_costs = false;
  b.engines = std::make_shared<pipeline::EngineHolder>(b.config.scan.rules, eo);
  if (Status s = b.engines->Reload(); !s.ok()) {
    Die("rule pack " + b.config.scan.rules.string() +
        " refused (mid-edit? try --rules with a "
        "committed copy): " +
        s.message());
  }
  b.templates = ReadTemplates(o.inputs);
  b.offline = Classify(*b.engines->Current(), b.config.scan.max_text_bytes, &b.templates);
  size_t bytes = 0;
  for (size_t i = 0; i < b.templates.size(); ++i) {
    const auto& t = b.templates[i];
    bytes += t.verdict == Verdict::kDeadLetter ? t.raw.size() : t.tail.size() + 24;
    if (t.verdict == Verdict::kAlert) b.alerting.push_back(i);
    if (t.verdict == Verdict::kQuiet) b.quiet.push_back(i);
  }
  const double mean_bytes = static_cast<double>(bytes) / static_cast<double>(b.templates.size());
  // Keep every partition under ~3 MiB of the mock cluster's ~5 MiB.
  const double total = mean_bytes * static_cast<double>(o.messages);
  const int needed = static_cast<int>(total / (3.0 * 1024 * 1024)) + 1;
  const int partitions = std::min(1024, std::max(o.partitions, needed));

  if (o.brokers.empty()) {
    pipeline::DevBroker::Options bo;
    bo.partitions = partitions;
    bo.topics = {};
    auto broker = pipeline::DevBroker::Start(bo);
    if (!broker.ok()) Die(broker.error().message);
    b.broker = std::move(*broker);
    b.config.kafka.brokers = b.broker->bootstrap_servers();
  } else {
    b.config.kafka.brokers = o.brokers;
  }
  const std::string prefix = "centinela-bench-" + b.run_id;
  b.main_topics = {
      {prefix + ".tips", prefix + ".posts", prefix + ".alerts", prefix + ".deadletter"},
      partitions};
  b.latency_topics = {{prefix + ".lat.tips", prefix + ".lat.posts", prefix + ".lat.alerts",
                       prefix + ".lat.deadletter"},
                      o.latency_partitions};
  CreateTopics(b.broker.get(), b.brokers(), b.main_topics);
  CreateTopics(b.broker.get(), b.brokers(), b.latency_topics);

  const std::string load_before = Load();
  std::fprintf(stderr, "pack %s; %zu input lines (%zu alert, %zu dead letters); load %s\n",
               b.engines->Current()->version().c_str(), b.templates.size(), b.alerting.size(),
               b.templates.size() - b.alerting.size() - b.quiet.size(), load_before.c_str());
  b.Produce();

  std::vector<RunResult> runs;
  for (int round = 1; round <= o.rounds; ++round) {
    runs.push_back(b.Bare(round));
    std::fprintf(stderr, "round %d: bare %.0f/s\n", round, runs.back().rate());
    for (int t : o.threads) {
      runs.push_back(b.Scan(round, t));
      std::fprintf(stderr, "round %d: %s %.0f/s\n", round, runs.back().name.c_str(),
                   runs.back().rate());
    }
  }

  // Per-round ratios, then the median and range of each row.
  std::map<std::string, std::vector<double>> rates, ratios;
  std::map<std::string, std::vector<const RunResult*>> by_name;
  std::vector<std::string> order;
  double bare_rate = 0;
  for (const auto& r : runs) {
    if (!by_name.count(r.name)) order.push_back(r.name);
    by_name[r.name].push_back(&r);
    rates[r.name].push_back(r.rate());
    if (r.name == "bare consumer") bare_rate = r.rate();
    ratios[r.name].push_back(r.rate() / bare_rate);
  }
  int best_threads = o.threads.front();
  double best_rate = 0;
  for (int t : o.threads) {
    const double m = Median(rates[fmt::format("scanner, {} thread{}", t, t == 1 ? "" : "s")]);
    // More threads must earn their keep: at least 5% more throughput.
    if (m > best_rate * 1.05) {
      best_rate = m;
      best_threads = t;
    }
  }

  const int lat_threads = o.latency_threads > 0 ? o.latency_threads : best_threads;
  const double lat_rate = o.latency_rate > 0 ? o.latency_rate : best_rate / 2;
  // --latency-seconds 0 skips the latency phase (it needs a pack that alerts).
  std::optional<Bench::Latency> lat;
  if (o.latency_seconds > 0) {
    std::fprintf(stderr, "latency: %.0f records/s with %d threads for %.0f s\n", lat_rate,
                 lat_threads, o.latency_seconds);
    lat = b.MeasureLatency(lat_rate, lat_threads);
  }
  const std::string load_after = Load();

  // ------------------------------------------------------------------ the report
  const auto& kc = b.config.kafka;
  const auto cprops = pipeline::ConsumerProperties(kc, "g");
  const auto pprops = pipeline::ProducerProperties(kc);
  auto prop = [](const pipeline::Properties& p, const char* k) {
    auto it = p.find(k);
    return it == p.end() ? std::string("(librdkafka default)") : it->second;
  };
  // What a client built from these properties runs with (MakeConf adds its own defaults).
  auto effective = [](const pipeline::Properties& p, const char* k) {
    auto conf = pipeline::MakeConf(p);
    return conf.ok() ? pipeline::ConfValue(conf->get(), k) : std::string("?");
  };
  const bool nagle_off = effective(cprops, "socket.nagle.disable") == "true" &&
                         effective(pprops, "socket.nagle.disable") == "true";
  std::printf("## centinela_bench_stream\n\n");
  std::printf("command: `%s`\n\n", o.command_line.c_str());
  std::printf("machine: %u cores; load before %s, after %s; broker: %s; librdkafka %s\n\n",
              std::thread::hardware_concurrency(), load_before.c_str(), load_after.c_str(),
              o.brokers.empty() ? "in-process mock cluster" : o.brokers.c_str(),
              rd_kafka_version_str());
  std::printf(
      "input: %lu records over %d partitions, cycling %zu lines (%.0f bytes on average; "
      "%lu alert, %lu dead letters); pack %s\n\n",
      static_cast<unsigned long>(o.messages), partitions, b.templates.size(), mean_bytes,
      static_cast<unsigned long>(b.expected_alerts),
      static_cast<unsigned long>(b.expected_dead_letters), b.engines->Current()->version().c_str());
  std::printf(
      "consumer: queued.min.messages=%s queued.max.messages.kbytes=%s fetch.wait.max.ms=%s; "
      "producer: linger.ms=%s acks=%s; every client: socket.nagle.disable=%s; "
      "scan.queue_capacity=%zu\n\n",
      prop(cprops, "queued.min.messages").c_str(),
      prop(cprops, "queued.max.messages.kbytes").c_str(), prop(cprops, "fetch.wait.max.ms").c_str(),
      prop(pprops, "linger.ms").c_str(), prop(pprops, "acks").c_str(), nagle_off ? "true" : "false",
      b.config.scan.queue_capacity);

  std::printf(
      "### Throughput (first record consumed to last record done; median of %d rounds, "
      "range in brackets)\n\n",
      o.rounds);
  std::printf(
      "| run | records/s | vs bare consumer | CPU us/record | cores busy | waiting for a "
      "CPU | per round records/s (ratio) |\n|---|---:|---:|---:|---:|---:|---|\n");
  for (const auto& name : order) {
    const auto& rs = by_name[name];
    std::vector<double> cpu, busy, wait;
    std::string per_round;
    for (const RunResult* r : rs) {
      cpu.push_back(r->cpu_total() / static_cast<double>(r->records) * 1e6);
      busy.push_back(r->cpu_total() / r->seconds);
      wait.push_back(r->wait / r->seconds);
      per_round +=
          fmt::format("{}{:.0f} ({:.2f})", per_round.empty() ? "" : ", ", r->rate(),
                      r->rate() / rates["bare consumer"][static_cast<size_t>(r->round - 1)]);
    }
    const auto [rlo, rhi] = std::minmax_element(rates[name].begin(), rates[name].end());
    const auto [qlo, qhi] = std::minmax_element(ratios[name].begin(), ratios[name].end());
    std::printf("| %s | %.0f [%.0f–%.0f] | %.2f [%.2f–%.2f] | %.2f | %.2f | %.2f | %s |\n",
                name.c_str(), Median(rates[name]), *rlo, *rhi, Median(ratios[name]), *qlo, *qhi,
                Median(cpu), Median(busy), Median(wait), per_round.c_str());
  }
  std::printf(
      "\ncores busy: CPU seconds of all our threads (mock broker included, the bench's "
      "watcher not) per second; "
      "waiting for a CPU: seconds our threads were runnable but not running, per second "
      "(other processes, or our own threads, held the cores)\n");
  std::printf("\nrecommended scan.threads on this machine: %d (more threads must gain 5%%)\n\n",
              best_threads);

  if (lat) {
    std::printf("### Latency, produce -> alert consumed, at a fixed rate (%s order)\n\n",
                o.latency_order.c_str());
    std::printf(
        "| rate asked | rate produced | threads | alert share | alerts measured | min ms | "
        "p50 ms | p99 ms | p99.9 ms | max ms | backlog at end |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    std::printf(
        "| %.0f | %.0f | %d | %.0f%% | %lu of %lu | %.2f | %.2f | %.2f | %.2f | %.2f | %ld |\n\n",
        lat->rate, lat->achieved, lat->threads, 100 * o.latency_alert_share,
        static_cast<unsigned long>(lat->received), static_cast<unsigned long>(lat->expected),
        lat->ms.empty() ? 0.0 : lat->ms.front(), Percentile(lat->ms, 50), Percentile(lat->ms, 99),
        Percentile(lat->ms, 99.9), lat->ms.empty() ? 0.0 : lat->ms.back(),
        static_cast<long>(lat->backlog));
    std::string seconds;
    for (double v : lat->p50_by_second)
      seconds += fmt::format("{}{:.1f}", seconds.empty() ? "" : ", ", v);
    std::printf(
        "p50 ms by second of production: %s. Backlog: records produced but not consumed "
        "when the producer stopped (a backlog that grows means the rate is above what the "
        "scanner sustains here).\n\n",
        seconds.c_str());
    std::printf(
        "The path crosses two producers (feed, alerts: linger.ms) and two fetches (scanner, alerts "
        "consumer: fetch.wait.max.ms). The mock cluster holds an empty fetch for the whole "
        "fetch.wait.max.ms even when records arrive meanwhile (DESIGN.md section 7), so there a "
        "small value is what keeps latency low. A real broker answers a waiting fetch as soon as "
        "fetch.min.bytes (1) are there, so on a real cluster 10 ms buys little latency and "
        "costs up to 100 fetch requests a second per consumer per broker even when idle "
        "(default 500 ms). "
        "linger.ms 5 is librdkafka's default; lower means more, smaller produce requests and worse "
        "compression. %s A real cluster adds the network and, with acks=all, the replication "
        "round trip to each of the two produce hops, which the one-replica mock has not.\n\n",
        nagle_off
            ? "Every client sent with TCP_NODELAY (socket.nagle.disable=true, the default of "
              "pipeline/kafka_client.cc); with Nagle's algorithm an idempotent producer stalls "
              "40 ms (the delayed ACK) now and then."
            : "Nagle's algorithm was on in some client (socket.nagle.disable=false): expect 40 ms "
              "stalls of the idempotent producers (the delayed ACK) in the tail.");
  }

  std::printf(
      "### Where the time goes (CPU us per record, median round; offline on one thread)\n\n");
  std::set<std::string> roles;
  for (const auto& r : runs) {
    for (const auto& [k, v] : r.cpu) roles.insert(k);
  }
  std::printf("| role |");
  for (const auto& name : order) std::printf(" %s |", name.c_str());
  std::printf("\n|---|");
  for (size_t i = 0; i < order.size(); ++i) std::printf("---:|");
  std::printf("\n");
  for (const auto& role : roles) {
    std::printf("| %s |", role.c_str());
    for (const auto& name : order) {
      std::vector<double> v;
      for (const RunResult* r : by_name[name]) {
        auto it = r->cpu.find(role);
        v.push_back(it == r->cpu.end() ? 0 : it->second / static_cast<double>(r->records) * 1e6);
      }
      std::printf(" %.3f |", Median(v));
    }
    std::printf("\n");
  }
  std::printf("| offline: decode (simdjson DOM + validate) | %.3f |\n", b.offline.decode_ns / 1000);
  std::printf("| offline: decode + normalize + match + score | %.3f |\n", b.offline.scan_ns / 1000);
  std::printf("| offline: the same, lines that do not alert | %.3f |\n",
              b.offline.scan_quiet_ns / 1000);
  std::printf("| offline: the same, lines that alert | %.3f |\n", b.offline.scan_alert_ns / 1000);
  std::printf("| offline: writing the alert record (lines that alert) | %.3f |\n",
              b.offline.record_ns / 1000);
  std::printf("| offline: OffsetTracker Start + Finish (no Kafka) | %.3f |\n\n",
              b.offline.tracker_ns / 1000);
}

}  // namespace
}  // namespace centinela::bench

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  centinela::bench::Run(centinela::bench::ParseArgs(argc, argv));
  return 0;
}
