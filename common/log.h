#pragma once
// Logging setup. Call InitLogging from main before any thread starts (spdlog's construction is
// the only part that may throw). Logs go to stderr with structured key=value fields.
// Never log message text, phone numbers or other tipster data: log ids and counts.
#include <string_view>

namespace centinela {

// Level names, in any case: "trace", "debug", "info", "warn" (or "warning"), "error",
// "critical", "off". Unknown names mean "info", with a warning that names the value.
void InitLogging(std::string_view level);

// Changes the level of the logger InitLogging made; an unknown name changes nothing and warns.
void SetLogLevel(std::string_view level);

}  // namespace centinela
