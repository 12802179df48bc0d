#include "ingest/decoder.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>

#include "common/text.h"

namespace centinela::ingest {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// The padded buffer and the parser start at this capacity and grow geometrically up to the
// record limit, so a steady stream of similar records allocates nothing.
constexpr size_t kInitialCapacity = 4096;

// DecodeError::id is for humans and dead-letter headers; an id longer than this is cut (at a
// UTF-8 boundary) there, never in a decoded Message.
constexpr size_t kMaxErrorIdBytes = 256;

size_t RecordLimit(size_t max_text_bytes) {
  constexpr size_t kSlack = 64 * 1024;
  constexpr size_t kMax = std::numeric_limits<size_t>::max();
  if (max_text_bytes > (kMax - kSlack) / 4) return kMax;
  return max_text_bytes * 4 + kSlack;
}

// Offset of the first byte that does not start a valid UTF-8 sequence (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF). Only used to word an error, after
// simdjson has said the input is invalid.
size_t FirstInvalidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    unsigned lo = 0x80;  // bounds of the second byte
    unsigned hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c == 0xE0) {
      len = 3;
      lo = 0xA0;
    } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
      len = 3;
    } else if (c == 0xED) {
      len = 3;
      hi = 0x9F;
    } else if (c == 0xF0) {
      len = 4;
      lo = 0x90;
    } else if (c >= 0xF1 && c <= 0xF3) {
      len = 4;
    } else if (c == 0xF4) {
      len = 4;
      hi = 0x8F;
    } else {
      return i;
    }
    if (n - i < len || p[i + 1] < lo || p[i + 1] > hi) return i;
    for (size_t k = 2; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
    }
    i += len;
  }
  return n;
}

std::string_view TypeName(element_type type) {
  switch (type) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return "a number";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "of an unknown type";
}

// The keys read, top level and inside "location". Everything else is ignored.
enum Field : uint8_t {
  kId,
  kText,
  kSource,
  kChannel,
  kLang,
  kTs,
  kLocation,
  kConsulate,
  kState,
  kZip,
  kFieldCount,
  kUnknown = kFieldCount,
};

constexpr std::array<std::string_view, kFieldCount> kFieldNames = {
    "id",
    "text",
    "source",
    "channel",
    "lang",
    "ts",
    "location",
    "location.consulate",
    "location.state",
    "location.zip",
};

// key == literal, with the length known at compile time so that the comparison is a load and a
// compare rather than a call to memcmp (this runs for every key of every record).
template <size_t N>
bool KeyIs(std::string_view key, const char (&literal)[N]) {
  return key.size() == N - 1 && std::memcmp(key.data(), literal, N - 1) == 0;
}

Field TopLevelField(std::string_view key) {
  switch (key.size()) {
    case 2:
      if (KeyIs(key, "id")) return kId;
      if (KeyIs(key, "ts")) return kTs;
      break;
    case 4:
      if (KeyIs(key, "text")) return kText;
      if (KeyIs(key, "lang")) return kLang;
      break;
    case 6:
      if (KeyIs(key, "source")) return kSource;
      break;
    case 7:
      if (KeyIs(key, "channel")) return kChannel;
      break;
    case 8:
      if (KeyIs(key, "location")) return kLocation;
      break;
    default:
      break;
  }
  return kUnknown;
}

Field LocationField(std::string_view key) {
  if (KeyIs(key, "consulate")) return kConsulate;
  if (KeyIs(key, "state")) return kState;
  if (KeyIs(key, "zip")) return kZip;
  return kUnknown;
}

// What one pass over the object found: the value of each known key and how often it appeared.
struct Fields {
  std::array<element, kFieldCount> value{};
  std::array<uint8_t, kFieldCount> count{};

  void Add(Field field, element v) {
    if (field == kUnknown) return;
    if (count[field]++ == 0) value[field] = v;
    if (count[field] > 2) count[field] = 2;  // "more than once" is all that matters
  }
};

DecodeError Fail(DecodeReason reason, std::string detail, std::string_view id = {}) {
  return DecodeError{reason, std::move(detail), std::string(Utf8Prefix(id, kMaxErrorIdBytes))};
}

// Appends "field 'NAME' <problem>; ignored" to warnings; kept out of line, off the hot path.
[[gnu::noinline, gnu::cold]] void Warn(std::vector<std::string>* warnings, std::string_view name,
                                       std::string_view problem) {
  if (warnings) warnings->push_back(fmt::format("field '{}' {}; ignored", name, problem));
}

[[gnu::noinline, gnu::cold]] void WarnType(std::vector<std::string>* warnings,
                                           std::string_view name, element_type type,
                                           std::string_view expected) {
  if (warnings) Warn(warnings, name, fmt::format("is {}, not {}", TypeName(type), expected));
}

// Reads an optional string field into *out. Absent and null leave *out empty; a wrong type or a
// repeated key drops the field with a warning.
inline void ReadOptional(const Fields& fields, Field field, std::string* out,
                         std::vector<std::string>* warnings) {
  if (fields.count[field] == 0) return;
  if (fields.count[field] > 1) [[unlikely]] {
    Warn(warnings, kFieldNames[field], "appears more than once");
    return;
  }
  std::string_view value;
  if (fields.value[field].get_string().get(value) == simdjson::SUCCESS) [[likely]] {
    out->assign(value);
    return;
  }
  const element_type type = fields.value[field].type();
  if (type != element_type::NULL_VALUE) WarnType(warnings, kFieldNames[field], type, "a string");
}

}  // namespace

std::string_view ReasonName(DecodeReason reason) {
  switch (reason) {
    case DecodeReason::kInvalidJson:
      return "invalid_json";
    case DecodeReason::kNotObject:
      return "not_object";
    case DecodeReason::kMissingField:
      return "missing_field";
    case DecodeReason::kWrongType:
      return "wrong_type";
    case DecodeReason::kInvalidUtf8:
      return "invalid_utf8";
    case DecodeReason::kTooLarge:
      return "too_large";
  }
  return "unknown";
}

struct Decoder::Impl {
  explicit Impl(size_t max_text)
      : max_text_bytes(max_text), max_record_bytes(RecordLimit(max_text)) {
    Reserve(std::min(kInitialCapacity, max_record_bytes));
  }

  // Decodes bytes into *out (left untouched unless the record is valid).
  std::optional<DecodeError> Decode(std::string_view bytes, Message* out,
                                    std::vector<std::string>* warnings);

  // Makes room for a record of len bytes (len <= max_record_bytes) in the padded buffer, the
  // parser and the document. Running out of memory here is not a property of the record, so it
  // is not reported as one: the process stops and the record is redelivered after a restart.
  void Reserve(size_t len) {
    if (len <= capacity && buffer) return;
    size_t cap = capacity > max_record_bytes / 2 ? max_record_bytes : capacity * 2;
    cap = std::max({cap, len, kInitialCapacity});
    buffer.reset(new char[cap + simdjson::SIMDJSON_PADDING]);
    // Both sized here, geometrically: left to itself the parser would reallocate to the exact
    // size of every record larger than any before. (document::allocate is public in 3.0.1,
    // though documented as internal.)
    if (parser.allocate(cap) != simdjson::SUCCESS || doc.allocate(cap) != simdjson::SUCCESS) {
      std::fprintf(stderr, "centinela: out of memory for a %zu-byte JSON parser\n", cap);
      std::abort();
    }
    capacity = cap;
  }

  const size_t max_text_bytes;
  const size_t max_record_bytes;
  simdjson::dom::parser parser;
  simdjson::dom::document doc;  // reused; strings handed out point into it
  std::unique_ptr<char[]> buffer;
  size_t capacity = 0;  // usable bytes of buffer, before the padding
};

Decoder::Decoder(size_t max_text_bytes) : impl_(std::make_unique<Impl>(max_text_bytes)) {}
Decoder::~Decoder() = default;

std::optional<DecodeError> Decoder::Impl::Decode(std::string_view bytes, Message* out,
                                                 std::vector<std::string>* warnings) {
  if (bytes.size() > max_record_bytes) {
    return Fail(DecodeReason::kTooLarge,
                fmt::format("record is {} bytes, limit {}", bytes.size(), max_record_bytes));
  }
  Reserve(bytes.size());
  char* buf = buffer.get();
  if (!bytes.empty()) std::memcpy(buf, bytes.data(), bytes.size());
  // simdjson may read the padding; keep it defined.
  std::memset(buf + bytes.size(), 0, simdjson::SIMDJSON_PADDING);

  element root;
  simdjson::error_code code = parser.parse_into_document(doc, buf, bytes.size(), false).get(root);
  if (code != simdjson::SUCCESS) {
    // The DOM parser validates the UTF-8 of the whole input, so a parsed record is valid UTF-8;
    // validating only when parsing fails gives the same verdicts for ~20 ns less a message.
    if (code == simdjson::UTF8_ERROR || !simdjson::validate_utf8(bytes.data(), bytes.size())) {
      return Fail(DecodeReason::kInvalidUtf8,
                  fmt::format("invalid UTF-8 at byte {}", FirstInvalidUtf8(bytes)));
    }
    return Fail(DecodeReason::kInvalidJson, simdjson::error_message(code));
  }
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return Fail(DecodeReason::kNotObject,
                fmt::format("document is {}, not an object", TypeName(root.type())));
  }

  Fields fields;
  for (simdjson::dom::key_value_pair field : object) {
    fields.Add(TopLevelField(field.key), field.value);
  }

  // id first, so that the errors about text can name the message.
  std::string_view id;
  const bool id_is_string =
      fields.count[kId] == 1 && fields.value[kId].get_string().get(id) == simdjson::SUCCESS;
  if (fields.count[kId] == 0) {
    return Fail(DecodeReason::kMissingField, "field 'id' is missing");
  }
  if (fields.count[kId] > 1) {
    return Fail(DecodeReason::kInvalidJson, "duplicate key 'id'");
  }
  if (!id_is_string) {
    return Fail(DecodeReason::kWrongType,
                fmt::format("field 'id' is {}", TypeName(fields.value[kId].type())));
  }
  if (id.empty()) return Fail(DecodeReason::kMissingField, "field 'id' is empty");

  if (fields.count[kText] == 0) {
    return Fail(DecodeReason::kMissingField, "field 'text' is missing", id);
  }
  if (fields.count[kText] > 1) {
    return Fail(DecodeReason::kInvalidJson, "duplicate key 'text'", id);
  }
  std::string_view text;
  if (fields.value[kText].get_string().get(text) != simdjson::SUCCESS) {
    return Fail(DecodeReason::kWrongType,
                fmt::format("field 'text' is {}", TypeName(fields.value[kText].type())), id);
  }
  if (text.size() > max_text_bytes) {
    return Fail(DecodeReason::kTooLarge,
                fmt::format("text is {} bytes, limit {}", text.size(), max_text_bytes), id);
  }

  Message& message = *out;
  message.id.assign(id);
  message.text.assign(text);
  ReadOptional(fields, kSource, &message.source, warnings);
  ReadOptional(fields, kChannel, &message.channel, warnings);
  ReadOptional(fields, kLang, &message.lang, warnings);
  ReadOptional(fields, kTs, &message.ts, warnings);

  if (fields.count[kLocation] > 1) {
    Warn(warnings, "location", "appears more than once");
  } else if (fields.count[kLocation] == 1) {
    const element location = fields.value[kLocation];
    simdjson::dom::object location_object;
    if (location.get_object().get(location_object) == simdjson::SUCCESS) {
      Fields sub;
      for (simdjson::dom::key_value_pair field : location_object) {
        sub.Add(LocationField(field.key), field.value);
      }
      ReadOptional(sub, kConsulate, &message.location.consulate, warnings);
      ReadOptional(sub, kState, &message.location.state, warnings);
      ReadOptional(sub, kZip, &message.location.zip, warnings);
    } else if (location.type() != element_type::NULL_VALUE) {
      WarnType(warnings, "location", location.type(), "an object");
    }
  }
  return std::nullopt;
}

Result<Message, DecodeError> Decoder::Decode(std::string_view bytes,
                                             std::vector<std::string>* warnings) {
  if (warnings) warnings->clear();
  // One named result on every path, so that it is built in place (NRVO): a Message is ten
  // strings, and moving it twice more costs ~10% of a decode.
  Result<Message, DecodeError> result{Message{}};
  if (std::optional<DecodeError> error = impl_->Decode(bytes, &*result, warnings)) {
    result = std::move(*error);
  }
  return result;
}

}  // namespace centinela::ingest
