#pragma once
// Subcommands of the `centinela` binary. Each takes its arguments after the subcommand name and
// returns the process exit status: 0 success, 1 a check failed (bounds, examples), 2 the tool
// itself failed or was used wrongly.
#include <string>
#include <vector>

namespace centinela::app {

using Args = std::vector<std::string>;

int ScanCommand(const Args& args);
int RulesCheckCommand(const Args& args);
int RulesTestCommand(const Args& args);
int ConfigCheckCommand(const Args& args);  // app/config_command.cc
int BrokerCommand(const Args& args);       // app/broker_command.cc

// Shared by the commands: the default rule pack path, and the compile cache they use.
std::string DefaultRulesPath();

}  // namespace centinela::app
