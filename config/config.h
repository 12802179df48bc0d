#pragma once
// Typed, validated configuration of the streaming service (`centinela run`), read from
// config/centinela.yaml (or --config FILE), then overridden by the environment:
//
//   CENTINELA_KAFKA_BROKERS  comma-separated host:port list          -> kafka.brokers
//   CENTINELA_REDIS_URL      redis://[:password@]host:port[/db] or unix:///path -> redis.url
//   CENTINELA_HTTP_ADDR      host:port (default 127.0.0.1:8080)      -> http.addr
//
// Relative paths in the file are relative to the file's folder. Every mistake is reported with
// its place in the file and its key path:
//
//   config/centinela.yaml:14: scan.threads: must be a whole number from 1 to 64, not "many"
//
// Secrets never live in the file: any string value may be written as ${NAME} to read the
// environment variable NAME at load time (an unset variable is an error). Describe() prints the
// configuration with secret values (passwords, keys, tokens) replaced by "***".
//
// Details: an empty CENTINELA_* variable counts as unset. ${NAME} is expanded in every scalar
// value (not in keys, not in the environment overrides, and expanded text is not read again);
// $${ is a literal ${. Every mistake is reported at once (one per line, the first 20). The
// librdkafka properties bootstrap.servers, metadata.broker.list, group.id and
// enable.auto.offset.store are refused: Centinela sets them from kafka.brokers, the groups, and
// its own offset handling. The four topics must differ, and so must the two groups.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace centinela::config {

struct Topics {
  std::string tips = "centinela.tips";
  std::string posts = "centinela.posts";
  std::string alerts = "centinela.alerts";
  std::string deadletter = "centinela.deadletter";
};

struct KafkaConfig {
  std::string brokers = "localhost:9092";
  std::string scan_group = "centinela-scan";      // consumer group of the scanner workers
  std::string notify_group = "centinela-notify";  // consumer group of the notifier workers
  Topics topics;
  // Passed through to librdkafka as they are (security.protocol, sasl.*, ssl.*, tuning…), for
  // every client; consumer_properties and producer_properties add to or override them.
  std::map<std::string, std::string> properties;
  std::map<std::string, std::string> consumer_properties;
  std::map<std::string, std::string> producer_properties;
};

struct ScanConfig {
  std::filesystem::path rules = "rules";  // resolved against the file's folder
  int threads = 2;                        // scanning threads per process
  size_t max_text_bytes = 64 * 1024;
  size_t queue_capacity = 4096;           // records queued for the scan threads (backpressure)
  bool watch_rules = true;                // reload the pack when its files change
  int watch_interval_ms = 1000;
};

struct RedisConfig {
  std::string url = "redis://127.0.0.1:6379/0";
};

struct HttpConfig {
  std::string addr = "127.0.0.1:8080";
};

struct Config {
  std::filesystem::path file;  // where it was read from (empty for defaults)
  KafkaConfig kafka;
  ScanConfig scan;
  RedisConfig redis;
  HttpConfig http;
  std::string log_level = "info";
  // The CENTINELA_* variables that replaced a value of the file, in the order applied; Describe()
  // marks those values "# from CENTINELA_...".
  std::vector<std::string> overridden_by_env;

  // A readable dump with secrets masked, for `config check` and the start-up log.
  std::string Describe() const;
};

// Environment lookup, injectable for tests. Returns nullptr when unset.
using GetEnv = const char* (*)(const char* name);
const char* ProcessEnv(const char* name);  // std::getenv

// Checks the value of one property passed through to librdkafka: "" when it is accepted, else the
// reason. config/ does not link librdkafka: the service supplies pipeline::CheckKafkaProperty, so
// that a bad value is reported with its line like any other mistake. nullptr: names only.
using PropertyCheck = std::string (*)(const std::string& key, const std::string& value);

// Reads, validates and applies the environment overrides.
Result<Config> LoadConfig(const std::filesystem::path& file, GetEnv getenv = &ProcessEnv,
                          PropertyCheck check = nullptr);

// Same from YAML text; `file` names it in errors and anchors relative paths.
Result<Config> ParseConfig(const std::string& yaml, const std::filesystem::path& file,
                           GetEnv getenv = &ProcessEnv, PropertyCheck check = nullptr);

// Whether a librdkafka property or config key holds a secret (password, secret, key, token…).
bool IsSecretKey(std::string_view key);

}  // namespace centinela::config
