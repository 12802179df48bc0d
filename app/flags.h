#pragma once
// A small command-line parser for the subcommands: `--name value`, `--name=value`, boolean
// `--name`, and positional arguments. Errors are messages, returned to the command.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace centinela::app {

struct ParsedFlags {
  std::map<std::string, std::string> values;  // flags that take a value
  std::set<std::string> switches;             // boolean flags that were given
  std::vector<std::string> positional;

  std::optional<std::string> Get(const std::string& name) const {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  }
  bool Has(const std::string& name) const { return switches.count(name) > 0; }
};

// `with_value` and `booleans` list flag names without the leading dashes. A lone "-" is
// positional (standard input); "-h" is "--help" for the commands that have it. A flag that takes
// a value is not followed by another option (`--source --explain` is an error).
inline std::optional<std::string> ParseFlags(const std::vector<std::string>& args,
                                             const std::set<std::string>& with_value,
                                             const std::set<std::string>& booleans,
                                             ParsedFlags* out) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h" && booleans.count("help")) {
      out->switches.insert("help");
      continue;
    }
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      out->positional.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    if (booleans.count(name)) {
      if (value) return "--" + name + " takes no value";
      out->switches.insert(name);
    } else if (with_value.count(name)) {
      if (!value) {
        if (i + 1 >= args.size()) return "--" + name + " needs a value";
        // `--source --explain` is a forgotten value, not a source named "--explain"; a value
        // that starts with "--" can still be given as --name=--value.
        if (args[i + 1].size() > 2 && args[i + 1].compare(0, 2, "--") == 0) {
          return "--" + name + " needs a value, not the option " + args[i + 1];
        }
        value = args[++i];
      }
      out->values[name] = *value;
    } else {
      return "unknown option --" + name;
    }
  }
  return std::nullopt;
}

}  // namespace centinela::app
