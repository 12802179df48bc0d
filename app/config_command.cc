// centinela config check [FILE] (DESIGN.md section 3, `centinela run --config`).
//
// Loads the configuration exactly as `centinela run` does (file, ${NAME} expansion, environment
// overrides, every value passed through to librdkafka checked by librdkafka), prints the
// effective values with secrets masked and "ok". A missing rule pack at scan.rules is a warning,
// not an error: the configuration may be checked where the pack is not deployed yet (a build
// machine, an image before its volumes are mounted), and the pack has its own check,
// `centinela rules check PATH`.
#include <cstdio>
#include <filesystem>
#include <string>

#include "app/commands.h"
#include "app/flags.h"
#include "config/config.h"
#include "pipeline/kafka_properties.h"

namespace centinela::app {
namespace {

constexpr const char* kUsage =
    "usage: centinela config check [FILE]\n"
    "  Validates a service configuration (default config/centinela.yaml) with the environment\n"
    "  overrides (CENTINELA_KAFKA_BROKERS, CENTINELA_REDIS_URL, CENTINELA_HTTP_ADDR) applied and\n"
    "  every librdkafka property checked by librdkafka, and prints it with secrets masked.\n"
    "  Exit status 0 when it is valid, 1 when it is not.\n";

}  // namespace

Result<config::Config> LoadServiceConfig(const std::string& file) {
  return config::LoadConfig(file, &config::ProcessEnv, &pipeline::CheckKafkaProperty);
}

std::string DefaultServiceConfig() { return FindBundled("config/centinela.yaml"); }

int ConfigCheckCommand(const Args& args) {
  ParsedFlags flags;
  if (auto err = ParseFlags(args, {}, {"help"}, &flags); err || flags.positional.size() > 1) {
    std::fprintf(stderr, "centinela config check: %s\n%s",
                 err ? err->c_str() : "give at most one FILE", kUsage);
    return 2;
  }
  if (flags.Has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const std::string path =
      flags.positional.empty() ? DefaultServiceConfig() : flags.positional[0];
  Result<config::Config> loaded = LoadServiceConfig(path);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
    return 1;
  }
  std::fputs(loaded->Describe().c_str(), stdout);
  std::error_code ec;
  if (!std::filesystem::exists(loaded->scan.rules, ec)) {
    std::fprintf(stderr,
                 "warning: scan.rules: %s does not exist; `centinela run` will refuse to "
                 "start until it does\n",
                 loaded->scan.rules.string().c_str());
  }
  std::fputs("ok\n", stdout);
  return 0;
}

}  // namespace centinela::app
