// centinela broker: a development Kafka broker (DESIGN.md section 3, CLI).
#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "app/commands.h"
#include "app/flags.h"
#include "pipeline/dev_broker.h"

namespace centinela::app {
namespace {

constexpr const char* kBrokerUsage =
    "usage: centinela broker [--partitions N] [--brokers N]\n"
    "  Runs a development Kafka cluster (librdkafka's mock cluster) on 127.0.0.1 with Centinela's\n"
    "  topics. Prints the bootstrap host:port list as the first line of stdout and runs until\n"
    "  SIGINT or SIGTERM. --partitions defaults to 32 per topic, --brokers to 1.\n";

std::optional<int> ParseCount(const std::string& s, int min, int max) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno != 0 || v < min || v > max) return std::nullopt;
  return static_cast<int>(v);
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

}  // namespace

int BrokerCommand(const Args& args) {
  ParsedFlags flags;
  auto err = ParseFlags(args, {"partitions", "brokers"}, {"help"}, &flags);
  if (flags.Has("help")) {
    std::fputs(kBrokerUsage, stdout);
    return 0;
  }
  if (err || !flags.positional.empty()) {
    std::fprintf(stderr, "centinela broker: %s\n%s",
                 err ? err->c_str() : "takes no positional arguments", kBrokerUsage);
    return 2;
  }
  pipeline::DevBroker::Options options;
  if (auto v = flags.Get("partitions")) {
    auto n = ParseCount(*v, 1, 1024);
    if (!n) {
      std::fprintf(stderr,
                   "centinela broker: --partitions must be a whole number from 1 to 1024\n");
      return 2;
    }
    options.partitions = *n;
  }
  if (auto v = flags.Get("brokers")) {
    auto n = ParseCount(*v, 1, 16);
    if (!n) {
      std::fprintf(stderr, "centinela broker: --brokers must be a whole number from 1 to 16\n");
      return 2;
    }
    options.brokers = *n;
  }

  // Block the stop signals before any librdkafka thread exists, so every thread inherits the
  // mask and only sigwait() below receives them. A signal that arrives while starting stays
  // pending and ends the wait at once. A non-interactive shell starts `centinela broker &` with
  // SIGINT ignored, and POSIX lets a system discard an ignored signal even while it is blocked
  // (Linux keeps it): restore the default so that `kill -INT` stops the broker everywhere.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  if (int rc = pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr); rc != 0) {
    std::fprintf(stderr, "centinela broker: cannot block signals: %s\n", std::strerror(rc));
    return 2;
  }
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);

  auto broker = pipeline::DevBroker::Start(options);
  if (!broker.ok()) {
    std::fprintf(stderr, "centinela broker: %s\n", broker.error().message.c_str());
    return 2;
  }
  // The first line of stdout is the contract: scripts read it to find the cluster.
  std::printf("%s\n", (*broker)->bootstrap_servers().c_str());
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::fprintf(stderr, "centinela broker: cannot write the bootstrap list to stdout\n");
    return 2;
  }
  std::fprintf(stderr,
               "centinela broker: development Kafka on %s (%d broker%s, loopback only)\n"
               "  topics: %s (%d partitions each)\n"
               "  Ctrl-C to stop\n",
               (*broker)->bootstrap_servers().c_str(), options.brokers,
               options.brokers == 1 ? "" : "s", Join(options.topics).c_str(), options.partitions);

  int received = 0;
  if (int rc = sigwait(&stop_signals, &received); rc != 0) {
    std::fprintf(stderr, "centinela broker: sigwait: %s\n", std::strerror(rc));
    return 2;
  }
  std::fprintf(stderr, "centinela broker: %s received, stopping\n",
               received == SIGINT ? "SIGINT" : "SIGTERM");
  broker->reset();  // the mock cluster, then its host handle
  return 0;
}

}  // namespace centinela::app
