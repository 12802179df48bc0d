// centinela deadletter replay: sends dead letters back to the topic they came from, after a fix
// (a corrected producer, a larger --max-text-bytes, a new pack). Every dead letter in the topic
// whose time is at or after --since is produced again, value and key untouched, with a
// `replayed_from` header naming its place in the dead-letter topic. Records that are still bad
// come back as new dead letters, so --since (the time of the fix) keeps a second replay from
// repeating the first; one replay reads the topic only up to the end it had when the replay
// started, so it never sends again what a running scanner dead-letters meanwhile. A dead letter
// that was cut to fit the scanner's producer (a `truncated_from` or `truncated_key_from` header)
// is not sent back cut: the original is read from its source offset and sent instead; if it is
// gone, the letter is skipped and counted.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "app/commands.h"
#include "app/flags.h"
#include "common/text.h"
#include "config/config.h"
#include "pipeline/kafka_io.h"

namespace centinela::app {
namespace {

constexpr const char* kReplayUsage =
    "usage: centinela deadletter replay [--config FILE] [--since TIME] [--dry-run]\n"
    "  --since    only dead letters at or after TIME: RFC 3339 (2026-11-28T17:00:00Z) or an age\n"
    "             (30m, 2h, 7d); default: all of them\n"
    "  --dry-run  list what would be replayed, produce nothing\n";

// Milliseconds since the epoch, or -1 when `text` is neither form.
int64_t ParseSince(const std::string& text, int64_t now_ms) {
  if (text.size() >= 2) {
    char* end = nullptr;
    const long long n = std::strtoll(text.c_str(), &end, 10);
    if (end == text.c_str() + text.size() - 1 && n >= 0) {
      const int64_t unit = text.back() == 's'   ? 1000
                           : text.back() == 'm' ? 60'000
                           : text.back() == 'h' ? 3'600'000
                           : text.back() == 'd' ? 86'400'000
                                                : 0;
      if (unit) return now_ms - n * unit;
    }
  }
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end || (*end != 'Z' && *end != '\0') || (*end == 'Z' && end[1] != '\0')) return -1;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

}  // namespace

int DeadletterCommand(const Args& args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::fputs(kReplayUsage, stdout);
    return 0;
  }
  if (args.empty() || args[0] != "replay") {
    std::fputs(kReplayUsage, stderr);
    return 2;
  }
  ParsedFlags flags;
  if (auto err = ParseFlags({args.begin() + 1, args.end()}, {"config", "since"},
                            {"dry-run", "help"}, &flags);
      err || !flags.positional.empty()) {
    std::fprintf(stderr, "centinela deadletter replay: %s\n%s",
                 err ? err->c_str() : "unexpected argument", kReplayUsage);
    return 2;
  }
  if (flags.Has("help")) {
    std::fputs(kReplayUsage, stdout);
    return 0;
  }
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  int64_t since_ms = 0;
  if (auto since = flags.Get("since")) {
    since_ms = ParseSince(*since, now_ms);
    if (since_ms < 0) {
      std::fprintf(stderr, "centinela deadletter replay: --since '%s' is not a time or an age\n",
                   since->c_str());
      return 2;
    }
  }
  auto config = LoadServiceConfig(flags.Get("config").value_or(DefaultServiceConfig()));
  if (!config.ok()) {
    std::fprintf(stderr, "centinela deadletter replay: %s\n", config.error().message.c_str());
    return 2;
  }
  const auto& kafka = config->kafka;
  // Up to the end the topic has now: while a scanner runs, a replayed record that is still bad
  // comes back as a new dead letter, which this replay must not send again.
  auto reader = pipeline::KafkaConsumer::Create(kafka.brokers, "", {kafka.topics.deadletter},
                                                kafka.properties,
                                                pipeline::KafkaConsumer::ReadTo::kEndNow);
  if (!reader.ok()) {
    std::fprintf(stderr, "centinela deadletter replay: %s\n", reader.error().message.c_str());
    return 2;
  }
  std::unique_ptr<pipeline::KafkaProducer> producer;
  if (!flags.Has("dry-run")) {
    // An original read back whole can be larger than the default message.max.bytes (that is
    // why it was cut); the broker took it once, so the broker's limit is the one that counts.
    auto properties = kafka.properties;
    properties.emplace("message.max.bytes", "1000000000");
    // The Java client's partitioner, which most producers upstream use (and the scanner's own):
    // a keyed record goes back to the partition its key's other records are in.
    properties.emplace("partitioner", "murmur2_random");
    auto p = pipeline::KafkaProducer::Create(kafka.brokers, properties);
    if (!p.ok()) {
      std::fprintf(stderr, "centinela deadletter replay: %s\n", p.error().message.c_str());
      return 2;
    }
    producer = std::move(*p);
  }
  // lost: cut letters whose original is gone, and letters the producer refused at once.
  size_t replayed = 0, skipped = 0, unroutable = 0, restored = 0, lost = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(10);
  while (!(*reader)->at_end() && std::chrono::steady_clock::now() < deadline) {
    auto r = (*reader)->Poll(200);
    if (!r) continue;
    if (r->timestamp_ms < since_ms) {
      ++skipped;
      continue;
    }
    const auto source = r->Header("source_topic");
    if (!source || source->empty()) {
      ++unroutable;
      std::fprintf(stderr, "skipped %s/%d@%lld: no source_topic header\n", r->topic.c_str(),
                   r->partition, static_cast<long long>(r->offset));
      continue;
    }
    const std::string from =
        r->topic + "/" + std::to_string(r->partition) + "@" + std::to_string(r->offset);
    if (r->Header("truncated_from") || r->Header("truncated_key_from")) {
      const auto partition =
          ParseWhole<int32_t>(r->Header("source_partition").value_or("")).value_or(-1);
      const auto offset = ParseWhole<int64_t>(r->Header("source_offset").value_or("")).value_or(-1);
      auto original = partition < 0 || offset < 0
                          ? Result<pipeline::Record>(Error{"no source_partition or source_offset"})
                          : pipeline::KafkaConsumer::ReadAt(kafka.brokers, *source, partition,
                                                            offset, kafka.properties, 30000);
      if (!original.ok()) {
        ++lost;
        std::fprintf(stderr, "skipped %s: it was cut to fit and its original cannot be read: %s\n",
                     from.c_str(), original.error().message.c_str());
        continue;
      }
      r->key = std::move(original->key);
      r->has_key = original->has_key;
      r->value = std::move(original->value);
      r->has_value = original->has_value;
      ++restored;
    }
    if (producer) {
      // A record that had no key goes back without one (std::string_view() is a null key), and a
      // tombstone as a tombstone.
      const std::string_view key = r->has_key ? std::string_view(r->key) : std::string_view();
      const std::string_view value =
          r->has_value ? std::string_view(r->value) : std::string_view();
      if (Status s = producer->Produce(*source, key, value, {{"replayed_from", from}});
          !s.ok()) {
        ++lost;
        std::fprintf(stderr, "skipped %s: %s\n", from.c_str(), s.message().c_str());
        continue;
      }
    } else {
      std::printf("%s -> %s (%s)\n", from.c_str(), source->c_str(),
                  r->Header("reason").value_or("?").c_str());
    }
    ++replayed;
  }
  if (producer) {
    if (Status s = producer->Flush(30000); !s.ok()) {
      std::fprintf(stderr, "centinela deadletter replay: %s\n", s.message().c_str());
      return 1;
    }
  }
  if (!(*reader)->at_end()) {
    std::fprintf(stderr, "centinela deadletter replay: stopped before the end of %s\n",
                 kafka.topics.deadletter.c_str());
    return 1;
  }
  std::fprintf(stderr,
               "%s %zu dead letters (%zu of them read whole from their source), %zu older than "
               "--since, %zu without a source, %zu not sent (original gone or refused)\n",
               producer ? "replayed" : "would replay", replayed, restored, skipped, unroutable,
               lost);
  return unroutable || lost ? 1 : 0;
}

}  // namespace centinela::app
