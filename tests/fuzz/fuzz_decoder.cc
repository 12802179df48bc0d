// libFuzzer target for ingest::Decoder: arbitrary bytes must never crash the decoder, and what it
// accepts must hold the Message invariants (DESIGN.md section 3).
//
//   CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz-ingest -G Ninja -DCENTINELA_FUZZ=ON
//   cmake --build build-fuzz-ingest --target fuzz_decoder
//   ./build-fuzz-ingest/tests/fuzz/fuzz_decoder -max_total_time=30
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/decoder.h"

namespace {

using centinela::Message;
using centinela::ingest::DecodeError;
using centinela::ingest::Decoder;
using centinela::ingest::DecodeReason;
using centinela::ingest::ReasonName;

// A text limit small enough that the fuzzer reaches both sides of it.
constexpr size_t kSmallTextLimit = 32;

// Independent oracle: decodes code points one by one (no shared code with the decoder).
bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto lead = static_cast<unsigned char>(s[i]);
    size_t extra;
    uint32_t cp;
    if (lead < 0x80) {
      ++i;
      continue;
    }
    if ((lead & 0xE0) == 0xC0) {
      extra = 1;
      cp = lead & 0x1Fu;
    } else if ((lead & 0xF0) == 0xE0) {
      extra = 2;
      cp = lead & 0x0Fu;
    } else if ((lead & 0xF8) == 0xF0) {
      extra = 3;
      cp = lead & 0x07u;
    } else {
      return false;
    }
    if (s.size() - i <= extra) return false;  // truncated sequence
    for (size_t k = 1; k <= extra; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3Fu);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

void CheckOutcome(std::string_view input, size_t text_limit, Decoder& decoder) {
  std::vector<std::string> warnings;
  auto result = decoder.Decode(input, &warnings);
  const bool input_is_utf8 = IsValidUtf8(input);
  if (result.ok()) {
    const Message& m = *result;
    Check(input_is_utf8, "accepted a record that is not valid UTF-8");
    Check(!m.id.empty(), "empty id");
    Check(m.text.size() <= text_limit, "text over the limit");
    for (const std::string* field : {&m.id, &m.text, &m.source, &m.channel, &m.lang, &m.ts,
                                     &m.location.consulate, &m.location.state, &m.location.zip}) {
      Check(IsValidUtf8(*field), "a decoded field is not valid UTF-8");
    }
    for (const std::string& warning : warnings) {
      Check(warning.starts_with("field '"), "warning does not name a field");
    }
    // Decoding is a function of the bytes: the same record decodes the same way again.
    auto again = decoder.Decode(input);
    Check(again.ok() && again->id == m.id && again->text == m.text && again->lang == m.lang &&
              again->location.zip == m.location.zip,
          "decoding is not repeatable");
    return;
  }
  const DecodeError& error = result.error();
  const std::string_view name = ReasonName(error.reason);
  Check(name == "invalid_json" || name == "not_object" || name == "missing_field" ||
            name == "wrong_type" || name == "invalid_utf8" || name == "too_large",
        "unknown reason");
  Check(!error.detail.empty(), "empty detail");
  Check(IsValidUtf8(error.detail), "detail is not valid UTF-8");
  Check(IsValidUtf8(error.id), "error id is not valid UTF-8");
  Check(error.id.size() <= 256, "error id too long");
  Check(warnings.empty(), "warnings for a rejected record");
  if (!input_is_utf8) {
    Check(error.reason == DecodeReason::kInvalidUtf8 || error.reason == DecodeReason::kTooLarge,
          "invalid UTF-8 reported as something else");
  } else {
    Check(error.reason != DecodeReason::kInvalidUtf8, "valid UTF-8 reported as invalid");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Decoder* default_decoder = new Decoder();
  static Decoder* small_decoder = new Decoder(kSmallTextLimit);
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckOutcome(input, Decoder::kDefaultMaxTextBytes, *default_decoder);
  CheckOutcome(input, kSmallTextLimit, *small_decoder);
  return 0;
}
