#pragma once
// The JSON of a verdict (DESIGN.md section 3): the alert record produced to the alerts topic, and
// the line `centinela scan --format jsonl` writes for every input. Both carry the same fields;
// the scan line names the message `id` and has no alert id or source topic.
#include <string>
#include <string_view>

#include "common/message.h"
#include "common/scan_result.h"

namespace centinela {

inline constexpr int kAlertSchemaVersion = 1;

// Depends only on the source topic and the message id, so a redelivered record keeps its id
// across restarts and pack reloads: 32 hex digits of SHA-256(topic NUL id).
std::string AlertId(std::string_view source_topic, std::string_view message_id);

// Appends one alert record (no trailing newline).
void AppendAlertRecord(const Message& message, const ScanResult& result,
                       std::string_view pack_version, std::string_view source_topic,
                       std::string* out);

// Appends one `scan --format jsonl` line (no trailing newline).
void AppendScanLine(const Message& message, const ScanResult& result,
                    std::string_view pack_version, std::string* out);

// Appends the `entities` object.
void AppendEntities(const Entities& entities, std::string* out);

}  // namespace centinela
