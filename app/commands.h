#pragma once
// Subcommands of the `centinela` binary. Each takes its arguments after the subcommand name and
// returns the process exit status: 0 success, 1 a check failed (bounds, examples), 2 the tool
// itself failed or was used wrongly.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "config/config.h"

namespace centinela::pipeline {
class EngineHolder;
class Scanner;
}  // namespace centinela::pipeline

namespace centinela::app {

using Args = std::vector<std::string>;

int ScanCommand(const Args& args);
int RulesCheckCommand(const Args& args);
int RulesTestCommand(const Args& args);
int ConfigCheckCommand(const Args& args);  // app/config_command.cc
int BrokerCommand(const Args& args);       // app/broker_command.cc
int RunCommand(const Args& args);          // app/run_command.cc
int DemoCommand(const Args& args);         // app/demo_command.cc
int DeadletterCommand(const Args& args);   // app/deadletter_command.cc

// How every command loads the service configuration (app/config_command.cc): the file, the
// environment overrides, and every librdkafka property checked by librdkafka
// (pipeline::CheckKafkaProperty), so a bad value is named with its line before anything starts.
Result<config::Config> LoadServiceConfig(const std::string& file);
// The configuration file run, deadletter replay and config check read without --config (or a
// file argument): FindBundled("config/centinela.yaml"), so config check checks what run reads.
std::string DefaultServiceConfig();

// Shared by run and demo (app/run_command.cc): the live engine from config.scan.rules, and the
// scanner service with its control thread (signals) and its pack reloader (SIGHUP, the watcher).
// LoadEngines compiles on a thread of its own while the caller's thread answers SIGINT and
// SIGTERM: an uncached first compile takes seconds (about 12 for the starter pack), and nothing
// has been consumed yet, so a stop signal then ends the process at once with status 0.
// RunScanner blocks until the scanner stops; on_started runs on the caller's thread once the
// scanner exists, on_stopped once it has stopped and before it is destroyed (join anything that
// uses it there).
Result<std::shared_ptr<pipeline::EngineHolder>> LoadEngines(const config::Config& config);
int RunScanner(const config::Config& config, std::shared_ptr<pipeline::EngineHolder> engines,
               const std::function<void(pipeline::Scanner&)>& on_started,
               const std::function<void()>& on_stopped = nullptr);

// Shared by the commands: the default rule pack path, and the compile cache they use.
// `relative` (e.g. "config/rules") when it exists from the working directory, else the copy in the
// source tree this binary was built from when that exists, else `relative` unchanged.
std::string FindBundled(const std::string& relative);

// Shared by scan and rules test (app/rules_command.cc): the --source flag, the source of input
// lines that give none ("" when not given), with a warning on stderr, prefixed by `command`, when
// it is neither of the input topics' sources (rules::IsTopicSource).
std::string SourceFlag(const std::optional<std::string>& value, const char* command);

}  // namespace centinela::app
