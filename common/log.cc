#include "common/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <optional>
#include <string>
#include <utility>

namespace centinela {
namespace {

std::optional<spdlog::level::level_enum> ParseLevel(std::string_view name) {
  std::string n(name);
  for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  using L = spdlog::level::level_enum;
  static constexpr std::pair<std::string_view, L> kLevels[] = {
      {"trace", L::trace}, {"debug", L::debug},       {"info", L::info}, {"warn", L::warn},
      {"warning", L::warn}, {"error", L::err}, {"critical", L::critical}, {"off", L::off}};
  for (const auto& [text, level] : kLevels) {
    if (n == text) return level;
  }
  return std::nullopt;
}

}  // namespace

void InitLogging(std::string_view level) {
  auto logger = spdlog::stderr_color_mt("centinela");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  const auto parsed = ParseLevel(level);
  logger->set_level(parsed.value_or(spdlog::level::info));
  spdlog::set_default_logger(std::move(logger));
  if (!parsed) spdlog::warn("unknown log level '{}': logging at info", level);
}

void SetLogLevel(std::string_view level) {
  if (auto l = ParseLevel(level)) {
    spdlog::set_level(*l);
  } else {
    spdlog::warn("unknown log level '{}': the level stays {}", level,
                 spdlog::level::to_string_view(spdlog::get_level()));
  }
}

}  // namespace centinela
