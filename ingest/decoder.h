#pragma once
// Message decoding and validation (DESIGN.md section 3, "Input message").
//
// The whole document is validated as JSON (simdjson DOM), not only the fields read. `id` and
// `text` are required strings; `source`, `channel`, `lang`, `ts` optional strings; `location` an
// optional object of optional strings `consulate`, `state`, `zip`. Unknown keys are ignored; an
// optional field of the wrong type is dropped and reported in `warnings`.
//
// Decisions beyond DESIGN.md:
// - Checks run in this order: record size (too_large), UTF-8 of the whole record (invalid_utf8),
//   JSON (invalid_json), object (not_object), id, text, text size (too_large).
// - Duplicate keys: a repeated `id` or `text` is ambiguous (parsers disagree on which one wins),
//   so the record is invalid_json ("duplicate key 'text'"); a repeated optional key is dropped
//   with a warning, like a wrongly typed one. Repeated unknown keys are ignored.
// - An empty `id` is missing_field ("field 'id' is empty"); an empty `text` is accepted.
// - `null` for an optional field means absent (no warning); `null` for id/text is wrong_type.
// - simdjson limits: numbers beyond 64-bit integers or double range (e.g. 1e400) and nesting
//   deeper than 1024 are invalid_json, even under unknown keys. A UTF-8 byte-order mark is
//   invalid_json (JsonlReader strips one at the start of a file).
// - DecodeError::id is the id when it is a string (cut to 256 bytes); empty when the id is
//   missing, not a string, repeated, or the record could not be parsed.
//
// Thread safety: a Decoder holds a parser and a padded buffer; use one per thread.
// Cost: ~0.3 us for a 400-byte message; no allocation in the steady state beyond the Message's
// own strings.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/message.h"
#include "common/result.h"

namespace centinela::ingest {

// The dead-letter reasons; their names are the contract (the `reason` header).
enum class DecodeReason : uint8_t {
  kInvalidJson,   // not valid JSON as a whole
  kNotObject,     // valid JSON, but not an object
  kMissingField,  // `id` or `text` absent
  kWrongType,     // `id` or `text` not a string
  kInvalidUtf8,   // bytes are not valid UTF-8
  kTooLarge,      // the record, or `text`, is over the size limit
};
std::string_view ReasonName(DecodeReason reason);

struct DecodeError {
  DecodeReason reason;
  std::string detail;  // human-readable, never contains the message text
  std::string id;      // the message id when it could be read, else empty
};

class Decoder {
 public:
  // max_text_bytes: the largest `text` accepted (UTF-8 bytes). A record larger than
  // max_text_bytes * 4 + 64 KiB is rejected as too large before parsing.
  explicit Decoder(size_t max_text_bytes = kDefaultMaxTextBytes);
  ~Decoder();
  Decoder(const Decoder&) = delete;  // owns a parser with internal buffers
  Decoder& operator=(const Decoder&) = delete;

  static constexpr size_t kDefaultMaxTextBytes = 64 * 1024;

  // Decodes one record. On success returns the Message; warnings (may be null) is cleared, then
  // receives one line per dropped optional field (the field name, never its value).
  Result<Message, DecodeError> Decode(std::string_view bytes,
                                      std::vector<std::string>* warnings = nullptr);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace centinela::ingest
