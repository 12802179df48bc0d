// centinela: one binary, subcommands. See `centinela --help`.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "app/commands.h"
#include "app/signals.h"
#include "common/log.h"

namespace {

constexpr const char* kUsage = R"(centinela — fraud-alert pipeline for immigration-relief scams

Usage:
  centinela scan [--rules PATH] [--format jsonl|table] [--max-text-bytes N] [--source NAME]
                 [--explain] FILE|-
      Scan a JSONL file of messages offline. One result per non-blank line, in input order.
      --source: the source (tip, post) of lines that give none, as the scanner reads its topics.
  centinela rules check [PATH]
      Load and lint a rule pack, and run every rule's own examples.
  centinela rules test [PATH] --corpus FILE [--format table|json] [--source NAME]
                       [--min-precision P] [--min-recall R] [--max-false-alarm-rate F]
      Precision and recall of a pack against a labelled JSONL corpus ("label": scam|legit).
  centinela run [--config FILE] [--role scan]
      The streaming service: scanner workers over the input topics, alerts and dead letters out.
  centinela demo [--config FILE] [--feed FILE] [--exit-when-done]
      The embedded default: a development broker, the scanner, the bundled sample feed, and a
      live view of the alerts. Ctrl-C stops everything it started.
  centinela deadletter replay [--config FILE] [--since TIME] [--dry-run]
      Send dead letters back to their source topic after a fix.
  centinela broker [--partitions N]
      A development Kafka broker (librdkafka's mock cluster) with Centinela's topics; prints its
      bootstrap host:port list as the first line and runs until SIGINT or SIGTERM.
  centinela config check [FILE]
      Validate a service configuration (default config/centinela.yaml) and show it, secrets masked.
  centinela --help | --version

PATH defaults to config/rules (the bundled starter pack). Compiled pattern databases are cached in
$CENTINELA_CACHE_DIR (default ~/.cache/centinela). Log level: CENTINELA_LOG_LEVEL (default warn).
)";

}  // namespace

namespace {

int Dispatch(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::printf("centinela %s\n", CENTINELA_VERSION);
    return 0;
  }
  const std::string& command = args[0];
  if (command == "run" || command == "demo") {
    centinela::app::BlockServiceSignals();  // before any thread starts; one thread takes them
    if (command == "run") return centinela::app::RunCommand({args.begin() + 1, args.end()});
    return centinela::app::DemoCommand({args.begin() + 1, args.end()});
  }
  if (command == "scan") return centinela::app::ScanCommand({args.begin() + 1, args.end()});
  if (command == "rules" && args.size() >= 2) {
    const centinela::app::Args rest(args.begin() + 2, args.end());
    if (args[1] == "check") return centinela::app::RulesCheckCommand(rest);
    if (args[1] == "test") return centinela::app::RulesTestCommand(rest);
  }
  if (command == "deadletter") {
    return centinela::app::DeadletterCommand({args.begin() + 1, args.end()});
  }
  if (command == "broker") return centinela::app::BrokerCommand({args.begin() + 1, args.end()});
  if (command == "config" && args.size() >= 2 && args[1] == "check") {
    return centinela::app::ConfigCheckCommand({args.begin() + 2, args.end()});
  }
  if (command == "rules" || command == "config") {
    std::fprintf(stderr, "centinela %s: expected %s\n\n%s", command.c_str(),
                 command == "rules" ? "'check' or 'test'" : "'check'", kUsage);
    return 2;
  }
  std::fprintf(stderr, "centinela: unknown command '%s'\n\n%s", command.c_str(), kUsage);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  const char* level = std::getenv("CENTINELA_LOG_LEVEL");
  centinela::InitLogging(level ? level : "warn");
  const int status = Dispatch(std::vector<std::string>(argv + 1, argv + argc));
  // Output that could not be written (a full disk, a closed pipe) is the tool failing.
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::fprintf(stderr, "centinela: cannot write the output: %s\n", std::strerror(errno));
    return status == 0 ? 2 : status;
  }
  return status;
}
