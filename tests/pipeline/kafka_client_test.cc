// The configuration every librdkafka client of the pipeline is built from.
#include "pipeline/kafka_client.h"
#include "pipeline/kafka_properties.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <string>

namespace centinela::pipeline {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

config::KafkaConfig Kafka() {
  config::KafkaConfig kafka;
  kafka.brokers = "127.0.0.1:9";
  return kafka;
}

TEST(KafkaClientTest, EveryClientSendsWithoutNagle) {
  // With Nagle's algorithm an idempotent producer stalled 40 ms at a time (the delayed ACK).
  for (const Properties& p : {Properties{}, ProducerProperties(Kafka()),
                              ConsumerProperties(Kafka(), "group")}) {
    auto conf = MakeConf(p);
    ASSERT_TRUE(conf.ok()) << conf.error().message;
    EXPECT_EQ(ConfValue(conf->get(), "socket.nagle.disable"), "true");
  }
}

TEST(KafkaClientTest, TheConfigurationCanTurnNagleBackOn) {
  config::KafkaConfig every = Kafka();
  every.properties["socket.nagle.disable"] = "false";
  for (const Properties& p : {ProducerProperties(every), ConsumerProperties(every, "group")}) {
    auto conf = MakeConf(p);
    ASSERT_TRUE(conf.ok()) << conf.error().message;
    EXPECT_EQ(ConfValue(conf->get(), "socket.nagle.disable"), "false");
  }
  config::KafkaConfig consumers_only = Kafka();
  consumers_only.consumer_properties["socket.nagle.disable"] = "false";
  auto consumer = MakeConf(ConsumerProperties(consumers_only, "group"));
  ASSERT_TRUE(consumer.ok()) << consumer.error().message;
  EXPECT_EQ(ConfValue(consumer->get(), "socket.nagle.disable"), "false");
  auto producer = MakeConf(ProducerProperties(consumers_only));
  ASSERT_TRUE(producer.ok()) << producer.error().message;
  EXPECT_EQ(ConfValue(producer->get(), "socket.nagle.disable"), "true");
}

TEST(KafkaClientTest, AlertDeliveriesNeverTimeOutUnlessConfigured) {
  // A delivery that timed out was produced again by the scanner after later alerts of the same
  // key had gone out; without the timeout librdkafka retries in order.
  auto conf = MakeConf(AlertProducerProperties(Kafka()));
  ASSERT_TRUE(conf.ok()) << conf.error().message;
  EXPECT_EQ(ConfValue(conf->get(), "message.timeout.ms"), "0");
  auto plain = MakeConf(ProducerProperties(Kafka()));  // other producers keep the default
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(ConfValue(plain->get(), "message.timeout.ms"), "300000");
  for (bool producer_only : {false, true}) {
    config::KafkaConfig kafka = Kafka();
    (producer_only ? kafka.producer_properties : kafka.properties)["message.timeout.ms"] = "1000";
    auto set = MakeConf(AlertProducerProperties(kafka));
    ASSERT_TRUE(set.ok()) << set.error().message;
    EXPECT_EQ(ConfValue(set->get(), "message.timeout.ms"), "1000");
  }
}

TEST(KafkaClientTest, TheAlertProducersQueueHoldsAtMost64MiBUnlessConfigured) {
  // librdkafka's default queue (1 GiB) let a burst of large dead letters during an outage fill a
  // container's memory before the workers felt any backpressure.
  auto conf = MakeConf(AlertProducerProperties(Kafka()));
  ASSERT_TRUE(conf.ok()) << conf.error().message;
  EXPECT_EQ(ConfValue(conf->get(), "queue.buffering.max.kbytes"), "65536");
  for (bool producer_only : {false, true}) {
    config::KafkaConfig kafka = Kafka();
    (producer_only ? kafka.producer_properties : kafka.properties)["queue.buffering.max.kbytes"] =
        "262144";
    auto set = MakeConf(AlertProducerProperties(kafka));
    ASSERT_TRUE(set.ok()) << set.error().message;
    EXPECT_EQ(ConfValue(set->get(), "queue.buffering.max.kbytes"), "262144");
  }
  config::KafkaConfig large = Kafka();
  large.producer_properties["message.max.bytes"] = "100000000";  // 100 MB records
  auto roomy = MakeConf(AlertProducerProperties(large));
  ASSERT_TRUE(roomy.ok()) << roomy.error().message;
  EXPECT_EQ(ConfValue(roomy->get(), "queue.buffering.max.kbytes"), "195313")
      << "two of the largest records fit";
}

TEST(KafkaClientTest, AnUnknownPropertyIsRefusedByName) {
  auto conf = MakeConf({{"socket.nagle.disabled", "true"}});
  ASSERT_FALSE(conf.ok());
  EXPECT_THAT(conf.error().message, HasSubstr("socket.nagle.disabled"));
}

TEST(KafkaClientTest, CheckKafkaPropertyAsksLibrdkafkaAndNeverShowsASecret) {
  EXPECT_EQ(CheckKafkaProperty("linger.ms", "5"), "");
  EXPECT_EQ(CheckKafkaProperty("socket.nagle.disable", "false"), "");
  EXPECT_EQ(CheckKafkaProperty("security.protocol", "SASL_SSL"), "");
  EXPECT_EQ(CheckKafkaProperty("sasl.password", "hunter2"), "");
  EXPECT_THAT(CheckKafkaProperty("socket.nagle.disable", "maybe"),
              HasSubstr("Expected bool value"));
  EXPECT_THAT(CheckKafkaProperty("linger.ms", "-3"), HasSubstr("outside allowed range"));
  EXPECT_EQ(CheckKafkaProperty("linger.ms", "-3").back(), '0');  // no line break at the end
  EXPECT_THAT(CheckKafkaProperty("security.protocol", "carrier-pigeon"),
              HasSubstr("carrier-pigeon"));
  EXPECT_THAT(CheckKafkaProperty("fetch.wiat.max.ms", "10"),
              HasSubstr("No such configuration property"));
  // A mistyped secret property is named; its value is not shown, even when it is "secret".
  const std::string typo = CheckKafkaProperty("sasl.passwords", "hunter2");
  EXPECT_THAT(typo, HasSubstr("No such configuration property: \"sasl.passwords\""));
  EXPECT_THAT(typo, Not(HasSubstr("hunter2")));
  EXPECT_THAT(CheckKafkaProperty("sasl.oauthbearer.client.secrets", "secret"),
              HasSubstr("No such configuration property"));
  // Plugins are not loaded by a check.
  EXPECT_EQ(CheckKafkaProperty("plugin.library.paths", "/nonexistent/plugin.so"), "");
}

TEST(KafkaClientTest, WithoutSecretMasksEveryOccurrenceEvenOfItsOwnMask) {
  EXPECT_EQ(WithoutSecret("bad value \"hunter2\" (hunter2)", "hunter2"),
            "bad value \"(secret)\" ((secret))");
  EXPECT_EQ(WithoutSecret("value secret for x.secret", "secret"), "value (secret) for x.(secret)");
  EXPECT_EQ(WithoutSecret("sss", "s"), "(secret)(secret)(secret)");
  EXPECT_EQ(WithoutSecret("nothing here", ""), "nothing here");
}

}  // namespace
}  // namespace centinela::pipeline
