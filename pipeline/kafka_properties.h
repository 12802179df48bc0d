#pragma once
// Checking librdkafka properties before any client exists, for the service's configuration.
#include <string>

namespace centinela::pipeline {

// Whether librdkafka accepts `value` for the property `key` of a client's configuration: "" when
// it does, else librdkafka's reason (unknown property, a value out of range or of the wrong
// kind). The value of a secret property (config::IsSecretKey) is never part of the reason.
// plugin.library.paths is not checked: setting it loads the plugins.
// A config::PropertyCheck: `centinela config check` and `centinela run` pass it to
// config::LoadConfig, so a bad value is reported with its file and line before a client starts.
std::string CheckKafkaProperty(const std::string& key, const std::string& value);

}  // namespace centinela::pipeline
