#pragma once
// Logging setup. Call InitLogging from main before any thread starts (spdlog's construction is
// the only part that may throw). Logs go to stderr with structured key=value fields.
// Never log message text, phone numbers or other tipster data: log ids and counts.
#include <string_view>

namespace centinela {

// level: "trace", "debug", "info", "warn", "error", "off". Unknown names mean "info".
void InitLogging(std::string_view level);

}  // namespace centinela
