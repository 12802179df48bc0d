// centinela demo: the embedded default — a development broker, the scanner workers, the bundled
// sample feed streamed through them over the real Kafka protocol, and a live view of the alerts
// and dead letters as they arrive. Ctrl-C stops everything it started.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "app/commands.h"
#include "app/flags.h"
#include "ingest/decoder.h"
#include "pipeline/dev_broker.h"
#include "pipeline/kafka_io.h"
#include "pipeline/scanner.h"

namespace centinela::app {
namespace {


constexpr const char* kDemoUsage =
    "usage: centinela demo [--config FILE] [--feed FILE] [--exit-when-done]\n"
    "  --config          settings for the development broker (default config/dev.yaml)\n"
    "  --feed            JSONL messages to stream (default config/samples/feed.jsonl)\n"
    "  --exit-when-done  stop once every message of the feed has been handled\n";

// Reads the value of a top-level string field of an alert record without a JSON library: the
// record is ours and compact, so `"name":"` … `"` is exact for the simple fields shown here.
std::string Field(const std::string& json, const std::string& name) {
  const std::string needle = "\"" + name + "\":";
  auto pos = json.find(needle);
  if (pos == std::string::npos) return {};
  pos += needle.size();
  if (json[pos] != '"') {
    const auto end = json.find_first_of(",}", pos);
    return json.substr(pos, end - pos);
  }
  std::string out;
  for (++pos; pos < json.size() && json[pos] != '"'; ++pos) {
    if (json[pos] == '\\' && pos + 1 < json.size()) ++pos;
    out.push_back(json[pos]);
  }
  return out;
}

// The rules that weigh most in an alert record, heaviest first, as "id+weight", then how many
// more added to the score. Rules of weight 0 (building blocks of composites) are left out.
std::string TopRules(const std::string& json, size_t shown) {
  std::vector<std::pair<int, std::string>> rules;  // (weight, id)
  const auto end = json.find("],\"entities\"");
  constexpr std::string_view kId = "{\"id\":\"";
  constexpr std::string_view kWeight = "\",\"weight\":";
  for (auto pos = json.find(kId, json.find("\"rules\":[")); pos < end;
       pos = json.find(kId, pos + 1)) {
    const auto id_end = json.find(kWeight, pos + kId.size());
    if (id_end == std::string::npos) break;
    const int weight = std::atoi(json.c_str() + id_end + kWeight.size());
    if (weight > 0) {
      rules.emplace_back(weight, json.substr(pos + kId.size(), id_end - pos - kId.size()));
    }
  }
  std::stable_sort(rules.begin(), rules.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string out;
  for (size_t i = 0; i < rules.size() && i < shown; ++i) {
    if (!out.empty()) out += ' ';
    out += rules[i].second + "+" + std::to_string(rules[i].first);
  }
  if (rules.size() > shown) out += " (+" + std::to_string(rules.size() - shown) + " more)";
  return out;
}

class LiveView {
 public:
  explicit LiveView(bool color) : color_(color) {}

  void Header() {
    std::printf("\n%-8s %-8s %5s  %-14s %-16s %s\n", "action", "consul.", "score", "message",
                "campaign", "heaviest rules");
    std::fflush(stdout);
  }

  void Alert(const pipeline::Record& r) {
    const std::string action = Field(r.value, "action");
    const char* tint = !color_                 ? ""
                       : action == "publish"   ? "\033[1;31m"
                       : action == "alert"     ? "\033[31m"
                                               : "\033[33m";
    std::printf("%s%-8s%s %-8.8s %5s  %-14.14s %-16.16s %s\n", tint, action.c_str(),
                color_ ? "\033[0m" : "", Field(r.value, "consulate").c_str(),
                Field(r.value, "score").c_str(), Field(r.value, "message_id").c_str(),
                r.key.c_str(), TopRules(r.value, 4).c_str());
    std::fflush(stdout);
  }

  void DeadLetter(const pipeline::Record& r) {
    std::printf("%s%-8s%s %-8s %5s  %-14s %s/%s@%s %s: %s\n", color_ ? "\033[35m" : "",
                "dead", color_ ? "\033[0m" : "", "-", "-", "-",
                r.Header("source_topic").value_or("?").c_str(),
                r.Header("source_partition").value_or("?").c_str(),
                r.Header("source_offset").value_or("?").c_str(),
                r.Header("reason").value_or("?").c_str(),
                r.Header("detail").value_or("").c_str());
    std::fflush(stdout);
  }

 private:
  bool color_;
};

}  // namespace

int DemoCommand(const Args& args) {
  ParsedFlags flags;
  if (auto err = ParseFlags(args, {"config", "feed"}, {"exit-when-done", "help"}, &flags);
      err || !flags.positional.empty()) {
    std::fprintf(stderr, "centinela demo: %s\n%s", err ? err->c_str() : "unexpected argument",
                 kDemoUsage);
    return 2;
  }
  if (flags.Has("help")) {
    std::fputs(kDemoUsage, stdout);
    return 0;
  }
  const std::string config_file = flags.Get("config").value_or(FindBundled("config/dev.yaml"));
  const std::string feed_file =
      flags.Get("feed").value_or(FindBundled("config/samples/feed.jsonl"));
  auto config = LoadServiceConfig(config_file);
  if (!config.ok()) {
    std::fprintf(stderr, "centinela demo: %s\n", config.error().message.c_str());
    return 2;
  }
  std::ifstream feed(feed_file);
  if (!feed) {
    std::fprintf(stderr, "centinela demo: cannot read the feed %s\n", feed_file.c_str());
    return 2;
  }
  std::vector<std::string> lines;
  for (std::string line; std::getline(feed, line);) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) lines.push_back(line);
  }

  pipeline::DevBroker::Options broker_options;
  const auto& topics = config->kafka.topics;
  broker_options.topics = {topics.tips, topics.posts, topics.alerts, topics.deadletter};
  auto broker = pipeline::DevBroker::Start(broker_options);
  if (!broker.ok()) {
    std::fprintf(stderr, "centinela demo: development broker: %s\n",
                 broker.error().message.c_str());
    return 2;
  }
  config->kafka.brokers = (*broker)->bootstrap_servers();
  auto engines = LoadEngines(*config);
  if (!engines.ok()) {
    std::fprintf(stderr, "centinela demo: %s\n", engines.error().message.c_str());
    return 2;
  }
  std::fprintf(stderr,
               "centinela demo: development broker at %s; rule pack %s; streaming %zu messages "
               "from %s. Ctrl-C stops.\n",
               config->kafka.brokers.c_str(), (*engines)->Current()->version().c_str(),
               lines.size(), feed_file.c_str());

  std::atomic<bool> done{false};
  std::thread feeder, viewer;
  const bool exit_when_done = flags.Has("exit-when-done");
  std::atomic<size_t> shown{0};
  const int status = RunScanner(*config, *engines, [&](pipeline::Scanner& scanner) {
    feeder = std::thread([&] {
      auto producer = pipeline::KafkaProducer::Create(config->kafka.brokers);
      if (!producer.ok()) {
        spdlog::error("demo feed: {}", producer.error().message);
        return;
      }
      ingest::Decoder decoder;
      for (const std::string& line : lines) {
        if (done.load()) return;
        // Tips to the tips topic, everything else (posts, and lines that are not messages, which
        // the scanner sends to the dead-letter topic) to the posts topic.
        auto m = decoder.Decode(line);
        const std::string& topic = m.ok() && m->source == "tip" ? topics.tips : topics.posts;
        if (Status s = (*producer)->Produce(topic, m.ok() ? m->id : "", line); !s.ok()) {
          spdlog::error("demo feed: {}", s.message());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(exit_when_done ? 0 : 150));
      }
      if (Status s = (*producer)->Flush(10000); !s.ok()) {
        spdlog::error("demo feed: {}", s.message());
      }
    });
    viewer = std::thread([&] {
      auto consumer = pipeline::KafkaConsumer::Create(config->kafka.brokers, "centinela-demo-view",
                                                      {topics.alerts, topics.deadletter},
                                                      config->kafka.consumer_properties);
      if (!consumer.ok()) {
        spdlog::error("demo view: {}", consumer.error().message);
        return;
      }
      LiveView view(isatty(STDOUT_FILENO));
      view.Header();
      while (!done.load()) {
        auto r = (*consumer)->Poll(100);
        if (r) {
          (r->topic == topics.deadletter) ? view.DeadLetter(*r) : view.Alert(*r);
          ++shown;
        }
        if (exit_when_done && scanner.stats().consumed.load() >= lines.size() &&
            scanner.in_flight() == 0 &&
            shown.load() >= scanner.stats().alerts.load() + scanner.stats().dead_letters.load()) {
          scanner.Stop();
        }
      }
    });
  }, [&] {
    done.store(true);
    if (feeder.joinable()) feeder.join();
    if (viewer.joinable()) viewer.join();
  });
  std::fprintf(stderr, "centinela demo: stopped; %zu alerts and dead letters shown\n",
               shown.load());
  return status;
}

}  // namespace centinela::app
