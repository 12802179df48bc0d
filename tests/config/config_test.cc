// The service configuration as an operator meets it: every mistake named with its file, line and
// key path; the environment winning over the file; ${NAME} secrets; secrets never printed.
#include "config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace centinela::config {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

// The environment the tests see: nothing but what a test puts here.
std::map<std::string, std::string>& Env() {
  static std::map<std::string, std::string> env;
  return env;
}
const char* FakeEnv(const char* name) {
  auto it = Env().find(name);
  return it == Env().end() ? nullptr : it->second.c_str();
}

const fs::path kFile = "/etc/centinela/c.yaml";

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { Env().clear(); }
  void TearDown() override { Env().clear(); }
};

Result<Config> Parse(const std::string& yaml, const fs::path& file = kFile) {
  return ParseConfig(yaml, file, &FakeEnv);
}

// The error message, or "ok".
std::string ErrorOf(const std::string& yaml) {
  Result<Config> r = Parse(yaml);
  return r.ok() ? "ok" : r.error().message;
}

// ---------------------------------------------------------------------------------------------
// Each validation: the exact message, with file:line: key.path.

struct Case {
  const char* name;
  const char* yaml;
  const char* error;  // "ok" when the file is valid
};

class Validation : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override { Env().clear(); }
};

TEST_P(Validation, ReportsFileLineAndKeyPath) {
  EXPECT_EQ(ErrorOf(GetParam().yaml), GetParam().error) << GetParam().yaml;
}

const Case kCases[] = {
    // Brokers.
    {"BrokersEmpty", "kafka:\n  brokers: ''\n",
     "/etc/centinela/c.yaml:2: kafka.brokers: must list at least one host:port"},
    {"BrokersNull", "kafka:\n  brokers:\n",
     "/etc/centinela/c.yaml:2: kafka.brokers: must be a comma-separated host:port list, not "
     "empty"},
    {"BrokersNoPort", "kafka:\n  brokers: localhost\n",
     "/etc/centinela/c.yaml:2: kafka.brokers: \"localhost\" is not host:port (missing :port)"},
    {"BrokersPortZero", "kafka:\n  brokers: a:9092,b:0\n",
     "/etc/centinela/c.yaml:2: kafka.brokers: \"b:0\": port must be a number from 1 to 65535, "
     "not \"0\""},
    {"BrokersPortTooBig", "kafka:\n  brokers: b:65536\n",
     "/etc/centinela/c.yaml:2: kafka.brokers: \"b:65536\": port must be a number from 1 to "
     "65535, not \"65536\""},
    {"BrokersPortNotNumber", "kafka:\n  brokers: b:kafka\n",
     "/etc/centinela/c.yaml:2: kafka.brokers: \"b:kafka\": port must be a number from 1 to "
     "65535, not \"kafka\""},
    {"BrokersStrayComma", "kafka:\n  brokers: a:1,,b:2\n",
     "/etc/centinela/c.yaml:2: kafka.brokers: empty entry in the list \"a:1,,b:2\" (a stray "
     "comma?)"},
    {"BrokersTrailingComma", "kafka:\n  brokers: 'a:1,'\n",
     "/etc/centinela/c.yaml:2: kafka.brokers: empty entry in the list \"a:1,\" (a stray comma?)"},
    {"BrokersScheme", "kafka:\n  brokers: SASL_SSL://b:9093\n",
     "/etc/centinela/c.yaml:2: kafka.brokers: \"SASL_SSL://b:9093\" must be host:port without a "
     "scheme; set security.protocol in kafka.properties"},
    {"BrokersBareIpv6", "kafka:\n  brokers: '::1:9092'\n",
     "/etc/centinela/c.yaml:2: kafka.brokers: \"::1:9092\": write IPv6 addresses in brackets, as "
     "in [::1]:9092"},
    {"BrokersBadHostCharacter", "kafka:\n  brokers: 'kafka one:9092'\n",
     "/etc/centinela/c.yaml:2: kafka.brokers: \"kafka one:9092\": \" \" is not allowed in a host "
     "name"},
    {"BrokersAsList", "kafka:\n  brokers:\n    - a:9092\n",
     "/etc/centinela/c.yaml:3: kafka.brokers: must be a comma-separated host:port list, not a "
     "list"},
    {"BrokersIpv6AndBlanksAreFine", "kafka:\n  brokers: '[::1]:9092, b.example:9093'\n", "ok"},
    // Topics.
    {"TopicBadCharacter", "kafka:\n  topics:\n    tips: 'tips/in'\n",
     "/etc/centinela/c.yaml:3: kafka.topics.tips: \"tips/in\": \"/\" is not allowed in a Kafka "
     "topic name (letters, digits, '.', '_' and '-')"},
    {"TopicDot", "kafka:\n  topics:\n    posts: '.'\n",
     "/etc/centinela/c.yaml:3: kafka.topics.posts: \".\" is not allowed as a Kafka topic name"},
    {"TopicDotDot", "kafka:\n  topics:\n    alerts: '..'\n",
     "/etc/centinela/c.yaml:3: kafka.topics.alerts: \"..\" is not allowed as a Kafka topic name"},
    {"TopicEmpty", "kafka:\n  topics:\n    deadletter: ''\n",
     "/etc/centinela/c.yaml:3: kafka.topics.deadletter: must not be empty"},
    {"TopicsShared", "kafka:\n  topics:\n    tips: in\n    alerts: in\n",
     "/etc/centinela/c.yaml:4: kafka.topics.alerts: is the same topic as kafka.topics.tips "
     "(\"in\"); each topic has one role"},
    {"TopicSharedWithDefault", "kafka:\n  topics:\n    deadletter: centinela.alerts\n",
     "/etc/centinela/c.yaml:3: kafka.topics.deadletter: is the same topic as "
     "kafka.topics.alerts (\"centinela.alerts\"); each topic has one role"},
    // Groups.
    {"GroupEmpty", "kafka:\n  scan_group: ''\n",
     "/etc/centinela/c.yaml:2: kafka.scan_group: must not be empty"},
    {"GroupsShared", "kafka:\n  scan_group: g\n  notify_group: g\n",
     "/etc/centinela/c.yaml:3: kafka.notify_group: must differ from kafka.scan_group (\"g\"): "
     "scanners and notifiers are separate consumer groups"},
    // librdkafka properties.
    {"PropertyList", "kafka:\n  properties:\n    client.id: [a, b]\n",
     "/etc/centinela/c.yaml:3: kafka.properties.client.id: must be a string, number or boolean, "
     "not a list"},
    {"PropertyMapping", "kafka:\n  consumer_properties:\n    fetch:\n      wait: 1\n",
     "/etc/centinela/c.yaml:4: kafka.consumer_properties.fetch: must be a string, number or "
     "boolean, not a mapping"},
    {"PropertyReservedBrokers", "kafka:\n  properties:\n    bootstrap.servers: a:1\n",
     "/etc/centinela/c.yaml:3: kafka.properties.bootstrap.servers: set by kafka.brokers (or "
     "CENTINELA_KAFKA_BROKERS); write the brokers there"},
    {"PropertyReservedGroup", "kafka:\n  consumer_properties:\n    group.id: x\n",
     "/etc/centinela/c.yaml:3: kafka.consumer_properties.group.id: set by kafka.scan_group and "
     "kafka.notify_group"},
    {"PropertyReservedOffsetStore",
     "kafka:\n  consumer_properties:\n    enable.auto.offset.store: true\n",
     "/etc/centinela/c.yaml:3: kafka.consumer_properties.enable.auto.offset.store: managed by "
     "Centinela: an offset is stored only once its alert is acknowledged"},
    {"PropertyBadName", "kafka:\n  producer_properties:\n    'linger ms': 5\n",
     "/etc/centinela/c.yaml:3: kafka.producer_properties.linger ms: \"linger ms\" is not a "
     "librdkafka property name"},
    {"PropertiesEmptyIsFine", "kafka:\n  properties:\n  consumer_properties: {}\n", "ok"},
    {"PropertiesNotMapping", "kafka:\n  properties: [a]\n",
     "/etc/centinela/c.yaml:2: kafka.properties: must be a mapping of keys, not a list"},
    // scan.
    {"ThreadsZero", "scan:\n  threads: 0\n",
     "/etc/centinela/c.yaml:2: scan.threads: must be a whole number from 1 to 64, not \"0\""},
    {"ThreadsTooMany", "scan:\n  threads: 65\n",
     "/etc/centinela/c.yaml:2: scan.threads: must be a whole number from 1 to 64, not \"65\""},
    {"ThreadsWords", "scan:\n  threads: many\n",
     "/etc/centinela/c.yaml:2: scan.threads: must be a whole number from 1 to 64, not \"many\""},
    {"ThreadsFraction", "scan:\n  threads: 2.5\n",
     "/etc/centinela/c.yaml:2: scan.threads: must be a whole number from 1 to 64, not \"2.5\""},
    {"ThreadsHuge", "scan:\n  threads: 99999999999999999999999\n",
     "/etc/centinela/c.yaml:2: scan.threads: must be a whole number from 1 to 64, not "
     "\"99999999999999999999999\""},
    {"ThreadsBounds", "scan:\n  threads: 64\n", "ok"},
    {"MaxTextBytesZero", "scan:\n  max_text_bytes: 0\n",
     "/etc/centinela/c.yaml:2: scan.max_text_bytes: must be a whole number of bytes from 1 to "
     "16777216, not \"0\""},
    {"MaxTextBytesOver16MiB", "scan:\n  max_text_bytes: 16777217\n",
     "/etc/centinela/c.yaml:2: scan.max_text_bytes: must be a whole number of bytes from 1 to "
     "16777216, not \"16777217\""},
    {"MaxTextBytes16MiB", "scan:\n  max_text_bytes: 16777216\n", "ok"},
    {"QueueCapacityZero", "scan:\n  queue_capacity: 0\n",
     "/etc/centinela/c.yaml:2: scan.queue_capacity: must be a whole number from 1 to 1000000, "
     "not \"0\""},
    {"QueueCapacityTooBig", "scan:\n  queue_capacity: 1000001\n",
     "/etc/centinela/c.yaml:2: scan.queue_capacity: must be a whole number from 1 to 1000000, "
     "not \"1000001\""},
    {"WatchIntervalTooShort", "scan:\n  watch_interval_ms: 49\n",
     "/etc/centinela/c.yaml:2: scan.watch_interval_ms: must be a whole number of milliseconds "
     "from 50 to 60000, not \"49\""},
    {"WatchIntervalTooLong", "scan:\n  watch_interval_ms: 60001\n",
     "/etc/centinela/c.yaml:2: scan.watch_interval_ms: must be a whole number of milliseconds "
     "from 50 to 60000, not \"60001\""},
    {"WatchRulesNotBool", "scan:\n  watch_rules: sometimes\n",
     "/etc/centinela/c.yaml:2: scan.watch_rules: must be true or false, not \"sometimes\""},
    {"RulesEmpty", "scan:\n  rules: ''\n",
     "/etc/centinela/c.yaml:2: scan.rules: must name a rule pack file or folder"},
    {"ScanNotMapping", "scan: fast\n",
     "/etc/centinela/c.yaml:1: scan: must be a mapping of keys, not a value"},
    // redis.
    {"RedisScheme", "redis:\n  url: http://cache:6379\n",
     "/etc/centinela/c.yaml:2: redis.url: \"http://cache:6379\" must be "
     "redis://[:password@]host:port[/db] or unix:///path"},
    {"RedisSchemeHidesThePassword", "redis:\n  url: rediss://:hunter2@cache:6379\n",
     "/etc/centinela/c.yaml:2: redis.url: \"rediss://:***@cache:6379\" must be "
     "redis://[:password@]host:port[/db] or unix:///path"},
    {"RedisNoPort", "redis:\n  url: redis://cache\n",
     "/etc/centinela/c.yaml:2: redis.url: \"cache\" is not host:port (missing :port)"},
    {"RedisUserName", "redis:\n  url: redis://admin:pw@cache:6379\n",
     "/etc/centinela/c.yaml:2: redis.url: the password goes after a colon, as in "
     "redis://:PASSWORD@host:port (user names are not supported)"},
    {"RedisEmptyPassword", "redis:\n  url: redis://:@cache:6379\n",
     "/etc/centinela/c.yaml:2: redis.url: the password after ':' is empty"},
    {"RedisBadDatabase", "redis:\n  url: redis://cache:6379/zero\n",
     "/etc/centinela/c.yaml:2: redis.url: the database after '/' must be a number such as 0, "
     "not \"zero\""},
    {"RedisRelativeSocket", "redis:\n  url: unix://redis.sock\n",
     "/etc/centinela/c.yaml:2: redis.url: \"unix://redis.sock\": a socket URL is unix:// and an "
     "absolute path, as in unix:///run/redis/redis.sock"},
    {"RedisPasswordAndDatabase", "redis:\n  url: redis://:s3cr@t@cache.internal:6380/2\n", "ok"},
    {"RedisSocket", "redis:\n  url: unix:///run/redis/redis.sock\n", "ok"},
    // http.
    {"HttpNoPort", "http:\n  addr: '8080'\n",
     "/etc/centinela/c.yaml:2: http.addr: \"8080\" is not host:port (missing :port)"},
    {"HttpNoHost", "http:\n  addr: ':8080'\n",
     "/etc/centinela/c.yaml:2: http.addr: \":8080\": the host is missing (0.0.0.0 means every "
     "interface)"},
    {"HttpPortTooBig", "http:\n  addr: 0.0.0.0:80800\n",
     "/etc/centinela/c.yaml:2: http.addr: \"0.0.0.0:80800\": port must be a number from 0 to "
     "65535, not \"80800\""},
    {"HttpPortZeroPicksAFreePort", "http:\n  addr: 127.0.0.1:0\n", "ok"},
    {"HttpIpv6", "http:\n  addr: '[::]:8080'\n", "ok"},
    // log.
    {"LogLevelUnknown", "log:\n  level: verbose\n",
     "/etc/centinela/c.yaml:2: log.level: must be one of trace, debug, info, warn, error, off, "
     "not \"verbose\""},
    {"LogLevelMisspelt", "log:\n  level: warning\n",
     "/etc/centinela/c.yaml:2: log.level: must be one of trace, debug, info, warn, error, off, "
     "not \"warning\" (did you mean 'warn'?)"},
    // Keys.
    {"UnknownKeyMisspelt", "scan:\n  threads: 2\n  watch_rule: true\n",
     "/etc/centinela/c.yaml:3: scan.watch_rule: unknown key (did you mean 'watch_rules'?)"},
    {"UnknownSection", "metrics:\n  port: 9100\n",
     "/etc/centinela/c.yaml:1: metrics: unknown key; expected one of kafka, scan, redis, http, "
     "log"},
    {"UnknownSectionMisspelt", "kafak:\n  brokers: a:1\n",
     "/etc/centinela/c.yaml:1: kafak: unknown key (did you mean 'kafka'?)"},
    {"LibrdkafkaSettingInKafka", "kafka:\n  security.protocol: SASL_SSL\n",
     "/etc/centinela/c.yaml:2: kafka.security.protocol: unknown key (librdkafka settings go "
     "under kafka.properties)"},
    {"UnknownTopic", "kafka:\n  topics:\n    alert: a\n",
     "/etc/centinela/c.yaml:3: kafka.topics.alert: unknown key (did you mean 'alerts'?)"},
    {"RepeatedKey", "scan:\n  threads: 2\n  threads: 4\n",
     "/etc/centinela/c.yaml:3: scan.threads: repeated key (first given on line 2)"},
    // The document.
    {"EmptyFileMeansDefaults", "", "ok"},
    {"CommentsOnly", "# nothing yet\n", "ok"},
    {"TopLevelList", "- kafka\n",
     "/etc/centinela/c.yaml:1: (top level): the configuration must be a mapping with the "
     "sections kafka, scan, redis, http and log, not a list"},
    {"InvalidYaml", "scan:\n  threads: [1\n",
     "/etc/centinela/c.yaml:3: invalid YAML: end of sequence flow not found"},
    {"TwoDocuments", "scan: {}\n---\nlog: {}\n",
     "/etc/centinela/c.yaml: holds 2 YAML documents (separated by ---); the configuration is "
     "one"},
    // ${NAME}.
    {"UnsetVariable", "kafka:\n  properties:\n    sasl.password: ${KAFKA_PASSWORD}\n",
     "/etc/centinela/c.yaml:3: kafka.properties.sasl.password: environment variable "
     "KAFKA_PASSWORD is not set"},
    {"UnterminatedVariable", "redis:\n  url: redis://:${REDIS_PASSWORD@h:1\n",
     "/etc/centinela/c.yaml:2: redis.url: unterminated ${ (write $${ for a literal ${)"},
    {"BadVariableName", "http:\n  addr: ${1ADDR}\n",
     "/etc/centinela/c.yaml:2: http.addr: ${1ADDR}: not a variable name (letters, digits and "
     "'_')"},
    {"EscapedVariable", "kafka:\n  properties:\n    client.id: $${HOST}\n", "ok"},
};

INSTANTIATE_TEST_SUITE_P(Config, Validation, ::testing::ValuesIn(kCases),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

// ---------------------------------------------------------------------------------------------

// A property check stands in for librdkafka's (pipeline::CheckKafkaProperty): it refuses any
// value of linger.ms that is not a number, and sees values after ${NAME} expansion.
std::string LingerMustBeANumber(const std::string& key, const std::string& value) {
  if (key != "linger.ms" || value.find_first_not_of("0123456789") == std::string::npos) return "";
  return "not a number: " + value;
}

TEST_F(ConfigTest, APropertyCheckNamesTheBadValueWithItsLineAndPath) {
  const std::string yaml =
      "kafka:\n  properties:\n    client.id: c\n  producer_properties:\n    linger.ms: soon\n"
      "  consumer_properties:\n    linger.ms: ${LINGER}\n";
  Env()["LINGER"] = "later";
  Result<Config> checked = ParseConfig(yaml, kFile, &FakeEnv, &LingerMustBeANumber);
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().message,
            "/etc/centinela/c.yaml:5: kafka.producer_properties.linger.ms: not a number: soon\n"
            "/etc/centinela/c.yaml:7: kafka.consumer_properties.linger.ms: not a number: later");
  Env()["LINGER"] = "7";
  EXPECT_THAT(ParseConfig(yaml, kFile, &FakeEnv, &LingerMustBeANumber).error().message,
              Not(HasSubstr("consumer_properties")));
  EXPECT_TRUE(ParseConfig(yaml, kFile, &FakeEnv).ok());  // no check: names only
}

TEST_F(ConfigTest, TopicNamesUpTo249Characters) {
  EXPECT_EQ(ErrorOf("kafka:\n  topics:\n    tips: " + std::string(249, 'a') + "\n"), "ok");
  EXPECT_EQ(ErrorOf("kafka:\n  topics:\n    tips: " + std::string(250, 'a') + "\n"),
            "/etc/centinela/c.yaml:3: kafka.topics.tips: is 250 characters long; Kafka allows at "
            "most 249");
}

TEST_F(ConfigTest, EveryKeyIsRead) {
  Env()["REDIS_PASSWORD"] = "pw";
  Result<Config> c = Parse(R"(
kafka:
  brokers: k1:9092, k2:9093
  scan_group: s
  notify_group: n
  topics: {tips: t, posts: p, alerts: a, deadletter: d}
  properties: {client.id: c}
  consumer_properties: {fetch.wait.max.ms: 10}
  producer_properties: {linger.ms: 5}
scan:
  rules: packs/main
  threads: 8
  max_text_bytes: 1024
  queue_capacity: 100
  watch_rules: false
  watch_interval_ms: 50
redis:
  url: redis://:${REDIS_PASSWORD}@r:6380/1
http:
  addr: 0.0.0.0:9000
log:
  level: debug
)");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->file, kFile);
  EXPECT_EQ(c->kafka.brokers, "k1:9092,k2:9093");
  EXPECT_EQ(c->kafka.scan_group, "s");
  EXPECT_EQ(c->kafka.notify_group, "n");
  EXPECT_EQ(c->kafka.topics.tips, "t");
  EXPECT_EQ(c->kafka.topics.posts, "p");
  EXPECT_EQ(c->kafka.topics.alerts, "a");
  EXPECT_EQ(c->kafka.topics.deadletter, "d");
  EXPECT_EQ(c->kafka.properties, (std::map<std::string, std::string>{{"client.id", "c"}}));
  EXPECT_EQ(c->kafka.consumer_properties,
            (std::map<std::string, std::string>{{"fetch.wait.max.ms", "10"}}));
  EXPECT_EQ(c->kafka.producer_properties, (std::map<std::string, std::string>{{"linger.ms", "5"}}));
  EXPECT_EQ(c->scan.rules, fs::path("/etc/centinela/packs/main"));
  EXPECT_EQ(c->scan.threads, 8);
  EXPECT_EQ(c->scan.max_text_bytes, 1024u);
  EXPECT_EQ(c->scan.queue_capacity, 100u);
  EXPECT_FALSE(c->scan.watch_rules);
  EXPECT_EQ(c->scan.watch_interval_ms, 50);
  EXPECT_EQ(c->redis.url, "redis://:pw@r:6380/1");
  EXPECT_EQ(c->http.addr, "0.0.0.0:9000");
  EXPECT_EQ(c->log_level, "debug");
  EXPECT_TRUE(c->overridden_by_env.empty());
}

TEST_F(ConfigTest, AbsentKeysKeepTheirDefaults) {
  Result<Config> c = Parse("scan:\n  threads: 3\n");
  ASSERT_TRUE(c.ok()) << c.error().message;
  const Config defaults;
  EXPECT_EQ(c->scan.threads, 3);
  EXPECT_EQ(c->kafka.brokers, defaults.kafka.brokers);
  EXPECT_EQ(c->kafka.topics.alerts, defaults.kafka.topics.alerts);
  EXPECT_EQ(c->scan.queue_capacity, defaults.scan.queue_capacity);
  EXPECT_EQ(c->redis.url, defaults.redis.url);
  EXPECT_EQ(c->http.addr, "127.0.0.1:8080");
  EXPECT_EQ(c->log_level, "info");
}

TEST_F(ConfigTest, PropertyValuesAreKeptAsWritten) {
  Result<Config> c = Parse(R"(
kafka:
  properties:
    enable.idempotence: true
    message.timeout.ms: 030000
    compression.type: "lz4"
    statistics.interval.ms: 0x10
)");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->kafka.properties.at("enable.idempotence"), "true");
  EXPECT_EQ(c->kafka.properties.at("message.timeout.ms"), "030000");
  EXPECT_EQ(c->kafka.properties.at("compression.type"), "lz4");
  EXPECT_EQ(c->kafka.properties.at("statistics.interval.ms"), "0x10");
}

TEST_F(ConfigTest, BooleansAcceptYamlSpellings) {
  for (const char* yes : {"true", "True", "yes", "on"}) {
    Result<Config> c = Parse(std::string("scan:\n  watch_rules: ") + yes + "\n");
    ASSERT_TRUE(c.ok()) << yes;
    EXPECT_TRUE(c->scan.watch_rules) << yes;
  }
  for (const char* no : {"false", "FALSE", "no", "off"}) {
    Result<Config> c = Parse(std::string("scan:\n  watch_rules: ") + no + "\n");
    ASSERT_TRUE(c.ok()) << no;
    EXPECT_FALSE(c->scan.watch_rules) << no;
  }
}

TEST_F(ConfigTest, EveryMistakeIsReportedAtOnce) {
  EXPECT_EQ(ErrorOf("scan:\n  threads: 0\n  queue_capacity: 0\nlog:\n  level: loud\n"),
            "/etc/centinela/c.yaml:2: scan.threads: must be a whole number from 1 to 64, not "
            "\"0\"\n"
            "/etc/centinela/c.yaml:3: scan.queue_capacity: must be a whole number from 1 to "
            "1000000, not \"0\"\n"
            "/etc/centinela/c.yaml:5: log.level: must be one of trace, debug, info, warn, error, "
            "off, not \"loud\"");
}

TEST_F(ConfigTest, ManyMistakesAreCappedAndCounted) {
  std::string yaml = "kafka:\n  properties:\n";
  for (int i = 0; i < 25; ++i) yaml += "    p" + std::to_string(i) + ": []\n";
  const std::string error = ErrorOf(yaml);
  EXPECT_EQ(std::count(error.begin(), error.end(), '\n'), 20) << error;
  EXPECT_THAT(error, HasSubstr("/etc/centinela/c.yaml:3: kafka.properties.p0: "));
  EXPECT_THAT(error, ::testing::EndsWith("\n(5 more errors not shown)"));
}

// ---------------------------------------------------------------------------------------------
// Environment overrides.

TEST_F(ConfigTest, EnvironmentWinsOverTheFile) {
  Env()["CENTINELA_KAFKA_BROKERS"] = "prod-1:9092, prod-2:9092";
  Env()["CENTINELA_REDIS_URL"] = "unix:///run/redis.sock";
  Env()["CENTINELA_HTTP_ADDR"] = "0.0.0.0:80";
  Result<Config> c =
      Parse("kafka:\n  brokers: dev:9092\nredis:\n  url: redis://r:6379\nhttp:\n  addr: h:1\n");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->kafka.brokers, "prod-1:9092,prod-2:9092");
  EXPECT_EQ(c->redis.url, "unix:///run/redis.sock");
  EXPECT_EQ(c->http.addr, "0.0.0.0:80");
  EXPECT_THAT(c->overridden_by_env,
              ::testing::ElementsAre("CENTINELA_KAFKA_BROKERS", "CENTINELA_REDIS_URL",
                                     "CENTINELA_HTTP_ADDR"));
  EXPECT_THAT(c->Describe(), HasSubstr("brokers: prod-1:9092,prod-2:9092  # from "
                                       "CENTINELA_KAFKA_BROKERS\n"));
}

TEST_F(ConfigTest, EnvironmentOverridesApplyWithoutTheKeyInTheFile) {
  Env()["CENTINELA_HTTP_ADDR"] = "127.0.0.1:0";
  Result<Config> c = Parse("");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->http.addr, "127.0.0.1:0");
}

TEST_F(ConfigTest, EmptyEnvironmentVariableCountsAsUnset) {
  Env()["CENTINELA_KAFKA_BROKERS"] = "";
  Result<Config> c = Parse("kafka:\n  brokers: file:9092\n");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->kafka.brokers, "file:9092");
  EXPECT_TRUE(c->overridden_by_env.empty());
}

struct EnvCase {
  const char* variable;
  const char* value;
  const char* error;
};

class EnvironmentValidation : public ::testing::TestWithParam<EnvCase> {
 protected:
  void SetUp() override { Env().clear(); }
  void TearDown() override { Env().clear(); }
};

TEST_P(EnvironmentValidation, NamesTheVariable) {
  Env()[GetParam().variable] = GetParam().value;
  EXPECT_EQ(ErrorOf("kafka:\n  brokers: good:9092\n"), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Config, EnvironmentValidation,
    ::testing::Values(
        EnvCase{"CENTINELA_KAFKA_BROKERS", "kafka",
                "CENTINELA_KAFKA_BROKERS: \"kafka\" is not host:port (missing :port)"},
        EnvCase{"CENTINELA_KAFKA_BROKERS", "a:1,",
                "CENTINELA_KAFKA_BROKERS: empty entry in the list \"a:1,\" (a stray comma?)"},
        EnvCase{"CENTINELA_REDIS_URL", "redis://:pw@cache",
                "CENTINELA_REDIS_URL: \"cache\" is not host:port (missing :port)"},
        EnvCase{"CENTINELA_REDIS_URL", "rediss://cache:6379",
                "CENTINELA_REDIS_URL: \"rediss://cache:6379\" must be "
                "redis://[:password@]host:port[/db] or unix:///path"},
        EnvCase{"CENTINELA_HTTP_ADDR", "localhost:http",
                "CENTINELA_HTTP_ADDR: \"localhost:http\": port must be a number from 0 to 65535, "
                "not \"http\""}),
    [](const auto& param_info) { return "Case" + std::to_string(param_info.index); });

TEST_F(ConfigTest, FileAndEnvironmentMistakesAreReportedTogether) {
  Env()["CENTINELA_HTTP_ADDR"] = "nowhere";
  EXPECT_EQ(ErrorOf("scan:\n  threads: 100\n"),
            "/etc/centinela/c.yaml:2: scan.threads: must be a whole number from 1 to 64, not "
            "\"100\"\n"
            "CENTINELA_HTTP_ADDR: \"nowhere\" is not host:port (missing :port)");
}

TEST_F(ConfigTest, EnvironmentValuesAreNotExpanded) {
  Env()["CENTINELA_REDIS_URL"] = "redis://:${NOT_EXPANDED}@r:1";
  Result<Config> c = Parse("");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->redis.url, "redis://:${NOT_EXPANDED}@r:1");
}

// ---------------------------------------------------------------------------------------------
// ${NAME}.

TEST_F(ConfigTest, VariablesAreExpandedInEveryStringValue) {
  Env()["KAFKA_PASSWORD"] = "hunter2";
  Env()["SITE"] = "la";
  Env()["THREADS"] = "4";
  Env()["PACKS"] = "/srv/packs";
  Result<Config> c = Parse(R"(
kafka:
  scan_group: scan-${SITE}-${SITE}
  topics:
    tips: tips.${SITE}
  properties:
    sasl.password: ${KAFKA_PASSWORD}
scan:
  threads: ${THREADS}
  rules: ${PACKS}/main
)");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->kafka.scan_group, "scan-la-la");
  EXPECT_EQ(c->kafka.topics.tips, "tips.la");
  EXPECT_EQ(c->kafka.properties.at("sasl.password"), "hunter2");
  EXPECT_EQ(c->scan.threads, 4);
  EXPECT_EQ(c->scan.rules, fs::path("/srv/packs/main"));
}

TEST_F(ConfigTest, DoubleDollarIsALiteral) {
  Env()["HOST"] = "expanded";
  Result<Config> c = Parse("kafka:\n  properties:\n    client.id: a$${HOST}b$c$$d\n");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->kafka.properties.at("client.id"), "a${HOST}b$c$$d");
}

TEST_F(ConfigTest, ExpandedTextIsNotReadAgain) {
  Env()["A"] = "${B}";
  Env()["B"] = "no";
  Result<Config> c = Parse("kafka:\n  properties:\n    client.id: ${A}\n");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->kafka.properties.at("client.id"), "${B}");
}

TEST_F(ConfigTest, ExpandedValuesAreValidated) {
  Env()["THREADS"] = "lots";
  EXPECT_EQ(ErrorOf("scan:\n  threads: ${THREADS}\n"),
            "/etc/centinela/c.yaml:2: scan.threads: must be a whole number from 1 to 64, not "
            "\"lots\"");
}

TEST_F(ConfigTest, VariableSetButEmptyIsEmpty) {
  Env()["SUFFIX"] = "";
  Result<Config> c = Parse("kafka:\n  scan_group: scan${SUFFIX}\n");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->kafka.scan_group, "scan");
}

// ---------------------------------------------------------------------------------------------
// scan.rules.

TEST_F(ConfigTest, RelativeRulesPathsResolveAgainstTheFilesFolder) {
  struct {
    fs::path file;
    const char* yaml;
    fs::path rules;
  } cases[] = {
      {"/etc/centinela/c.yaml", "", "/etc/centinela/rules"},  // the default, too
      {"/etc/centinela/c.yaml", "scan:\n  rules: packs/a.yaml\n", "/etc/centinela/packs/a.yaml"},
      {"/etc/centinela/c.yaml", "scan:\n  rules: ../shared/rules\n", "/etc/shared/rules"},
      {"/etc/centinela/c.yaml", "scan:\n  rules: /opt/rules\n", "/opt/rules"},
      {"config/centinela.yaml", "", "config/rules"},
      {"centinela.yaml", "scan:\n  rules: ./r\n", "r"},
      {"", "scan:\n  rules: r\n", "r"},
  };
  for (const auto& c : cases) {
    Result<Config> r = Parse(c.yaml, c.file);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->scan.rules, c.rules) << c.file << " " << c.yaml;
  }
}

// ---------------------------------------------------------------------------------------------
// Secrets.

TEST_F(ConfigTest, SecretKeys) {
  for (const char* key :
       {"sasl.password", "ssl.key.password", "ssl.keystore.password", "ssl.truststore.password",
        "sasl.oauthbearer.client.secret", "ssl.key.pem", "ssl_key", "api.key", "token",
        "sasl.oauthbearer.config", "SASL.PASSWORD", "password"}) {
    EXPECT_TRUE(IsSecretKey(key)) << key;
  }
  for (const char* key :
       {"key.serializer", "ssl.key.location", "ssl.keystore.location", "sasl.username",
        "sasl.mechanisms", "security.protocol", "sasl.oauthbearer.token.endpoint.url",
        "sasl.kerberos.keytab", "ssl.certificate.pem", "client.id", "bootstrap.servers",
        "sasl.oauthbearer.client.id", "message.key.format", ""}) {
    EXPECT_FALSE(IsSecretKey(key)) << key;
  }
}

TEST_F(ConfigTest, DescribeMasksSecrets) {
  Env()["KAFKA_PASSWORD"] = "kafka-pass-1234";
  Env()["CENTINELA_REDIS_URL"] = "redis://:redis-pass-5678@cache:6379/0";
  Result<Config> c = Parse(R"(
kafka:
  properties:
    sasl.username: centinela-user
    sasl.password: ${KAFKA_PASSWORD}
    ssl.key.password: key-pass-9012
  consumer_properties:
    sasl.oauthbearer.client.secret: oauth-secret-3456
  producer_properties:
    sasl.oauthbearer.token.endpoint.url: https://id:url-pass-7890@idp.example/token
)");
  ASSERT_TRUE(c.ok()) << c.error().message;
  const std::string text = c->Describe();
  for (const char* secret : {"kafka-pass-1234", "redis-pass-5678", "key-pass-9012",
                             "oauth-secret-3456", "url-pass-7890"}) {
    EXPECT_THAT(text, Not(HasSubstr(secret))) << text;
  }
  EXPECT_THAT(text, HasSubstr("    sasl.password: \"***\"\n"));
  EXPECT_THAT(text, HasSubstr("    ssl.key.password: \"***\"\n"));
  EXPECT_THAT(text, HasSubstr("    sasl.oauthbearer.client.secret: \"***\"\n"));
  EXPECT_THAT(text, HasSubstr("  url: redis://:***@cache:6379/0  # from CENTINELA_REDIS_URL\n"));
  EXPECT_THAT(text, HasSubstr("https://id:***@idp.example/token"));
  EXPECT_THAT(text, HasSubstr("    sasl.username: centinela-user\n"));
}

TEST_F(ConfigTest, DescribeShowsEveryValue) {
  Result<Config> c = Parse("scan:\n  threads: 7\nlog:\n  level: warn\n");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->Describe(),
            "# effective configuration of /etc/centinela/c.yaml (environment overrides applied, "
            "secrets shown as ***)\n"
            "kafka:\n"
            "  brokers: localhost:9092\n"
            "  scan_group: centinela-scan\n"
            "  notify_group: centinela-notify\n"
            "  topics:\n"
            "    tips: centinela.tips\n"
            "    posts: centinela.posts\n"
            "    alerts: centinela.alerts\n"
            "    deadletter: centinela.deadletter\n"
            "  properties: {}\n"
            "  consumer_properties: {}\n"
            "  producer_properties: {}\n"
            "scan:\n"
            "  rules: /etc/centinela/rules\n"
            "  threads: 7\n"
            "  max_text_bytes: 65536\n"
            "  queue_capacity: 4096\n"
            "  watch_rules: true\n"
            "  watch_interval_ms: 1000\n"
            "redis:\n"
            "  url: redis://127.0.0.1:6379/0\n"
            "http:\n"
            "  addr: 127.0.0.1:8080\n"
            "log:\n"
            "  level: warn\n");
}

TEST_F(ConfigTest, DescribeReadsBackAsTheSameConfiguration) {
  Result<Config> c = Parse(R"(
kafka:
  brokers: '[::1]:9092,b:1'
  properties: {client.id: "#1: odd, value ", sasl.password: x}
scan:
  rules: "/srv/my rules"
)");
  ASSERT_TRUE(c.ok()) << c.error().message;
  Result<Config> again = Parse(c->Describe());
  ASSERT_TRUE(again.ok()) << again.error().message << "\n" << c->Describe();
  EXPECT_EQ(again->kafka.brokers, c->kafka.brokers);
  EXPECT_EQ(again->kafka.properties.at("client.id"), "#1: odd, value ");
  EXPECT_EQ(again->kafka.properties.at("sasl.password"), "***");
  EXPECT_EQ(again->scan.rules, c->scan.rules);
  EXPECT_EQ(again->Describe(), c->Describe());
}

// ---------------------------------------------------------------------------------------------
// Files.

TEST_F(ConfigTest, MissingFileIsAnError) {
  Result<Config> c = LoadConfig("/nonexistent/centinela.yaml", &FakeEnv);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message,
            "/nonexistent/centinela.yaml: cannot read: No such file or directory");
}

TEST_F(ConfigTest, FolderIsAnError) {
  Result<Config> c = LoadConfig(::testing::TempDir(), &FakeEnv);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr("is a folder, not a configuration file"));
}

TEST_F(ConfigTest, LoadReadsTheFileAndAnchorsPaths) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("config_test_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "service.yaml";
  std::ofstream(file) << "scan:\n  rules: my-pack\n  threads: 0\n";
  Result<Config> bad = LoadConfig(file, &FakeEnv);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, file.string() +
                                     ":3: scan.threads: must be a whole number from 1 to 64, "
                                     "not \"0\"");
  std::ofstream(file) << "scan:\n  rules: my-pack\n";
  Result<Config> good = LoadConfig(file, &FakeEnv);
  ASSERT_TRUE(good.ok()) << good.error().message;
  EXPECT_EQ(good->file, file);
  EXPECT_EQ(good->scan.rules, dir / "my-pack");
  fs::remove_all(dir);
}

TEST_F(ConfigTest, ShippedServiceConfigLoads) {
  const fs::path file = fs::path(CENTINELA_SOURCE_DIR) / "config" / "centinela.yaml";
  Result<Config> c = LoadConfig(file, &FakeEnv);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->kafka.brokers, "localhost:9092");
  EXPECT_EQ(c->kafka.topics.tips, "centinela.tips");
  EXPECT_EQ(c->kafka.topics.deadletter, "centinela.deadletter");
  EXPECT_EQ(c->scan.threads, 2);
  EXPECT_EQ(c->scan.rules, (file.parent_path() / "rules").lexically_normal());
  EXPECT_TRUE(fs::is_directory(c->scan.rules)) << c->scan.rules;
  EXPECT_EQ(c->kafka.consumer_properties.count("fetch.wait.max.ms"), 1u);
  EXPECT_EQ(c->http.addr, "127.0.0.1:8080");
}

TEST_F(ConfigTest, ShippedDevelopmentConfigLoads) {
  const fs::path file = fs::path(CENTINELA_SOURCE_DIR) / "config" / "dev.yaml";
  Env()["CENTINELA_KAFKA_BROKERS"] = "127.0.0.1:39092";
  Result<Config> c = LoadConfig(file, &FakeEnv);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->kafka.brokers, "127.0.0.1:39092");
  EXPECT_EQ(c->kafka.consumer_properties.at("session.timeout.ms"), "6000");
  EXPECT_EQ(c->kafka.consumer_properties.at("heartbeat.interval.ms"), "1000");
  EXPECT_EQ(c->kafka.consumer_properties.at("fetch.wait.max.ms"), "10");
  EXPECT_EQ(c->kafka.producer_properties.at("linger.ms"), "5");
  EXPECT_TRUE(fs::is_directory(c->scan.rules)) << c->scan.rules;
}

// ---------------------------------------------------------------------------------------------
// `centinela config check`, when the binary is built beside this test.

struct CommandRun {
  int status = -1;
  std::string out;
  std::string err;
};

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ConfigCheckCommand : public ConfigTest {
 protected:
  void SetUp() override {
    ConfigTest::SetUp();
    binary_ = fs::path(CENTINELA_BINARY_DIR) / "app" / "centinela";
    if (!fs::exists(binary_)) GTEST_SKIP() << "centinela binary not built: " << binary_;
    dir_ = fs::path(::testing::TempDir()) / ("config_check_" + std::to_string(getpid()));
    fs::create_directories(dir_ / "rules");
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
    ConfigTest::TearDown();
  }

  CommandRun Check(const std::string& args, const std::string& env = "") {
    const fs::path out = dir_ / "stdout", err = dir_ / "stderr";
    const std::string cmd =
        "env -u CENTINELA_KAFKA_BROKERS -u CENTINELA_REDIS_URL -u CENTINELA_HTTP_ADDR " + env +
        " '" + binary_.string() + "' config check " + args + " >'" + out.string() + "' 2>'" +
        err.string() + "' </dev/null";
    CommandRun r;
    const int raw = std::system(cmd.c_str());
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.out = ReadAll(out);
    r.err = ReadAll(err);
    return r;
  }

  fs::path binary_, dir_;
};

TEST_F(ConfigCheckCommand, ValidFilePrintsTheConfigurationMaskedAndOk) {
  const fs::path file = dir_ / "c.yaml";
  std::ofstream(file) << "kafka:\n  properties:\n    sasl.password: ${CHECK_SECRET}\n";
  CommandRun r = Check("'" + file.string() + "'", "CHECK_SECRET=do-not-print-me");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("sasl.password: \"***\""));
  EXPECT_THAT(r.out, ::testing::EndsWith("\nok\n"));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr("do-not-print-me")));
  EXPECT_EQ(r.err, "");
}

TEST_F(ConfigCheckCommand, InvalidFileExitsOneWithTheError) {
  const fs::path file = dir_ / "c.yaml";
  std::ofstream(file) << "scan:\n  threads: 0\n";
  CommandRun r = Check("'" + file.string() + "'");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            file.string() + ":2: scan.threads: must be a whole number from 1 to 64, not \"0\"\n");
}

TEST_F(ConfigCheckCommand, MissingRulePackIsAWarning) {
  const fs::path file = dir_ / "c.yaml";
  std::ofstream(file) << "scan:\n  rules: absent\n";
  CommandRun r = Check("'" + file.string() + "'");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("warning: scan.rules: " + (dir_ / "absent").string()));
  EXPECT_THAT(r.out, ::testing::EndsWith("\nok\n"));
}

TEST_F(ConfigCheckCommand, UsageErrorsExitTwo) {
  EXPECT_EQ(Check("a.yaml b.yaml").status, 2);
  EXPECT_EQ(Check("--verbose").status, 2);
}

}  // namespace
}  // namespace centinela::config
