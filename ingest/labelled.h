#pragma once
// Labelled corpus lines for `centinela rules test`: an input message (validated by Decoder) plus
// `label` ("scam" or "legit") and optional `category`.
#include <string>
#include <string_view>

#include "common/message.h"
#include "common/result.h"
#include "ingest/decoder.h"

namespace centinela::ingest {

struct LabelledMessage {
  Message message;
  bool scam = false;
  std::string category;  // empty when absent
};

// Decodes one corpus line. Errors say what is wrong (decoder reason, or a missing/unknown label).
Result<LabelledMessage> DecodeLabelled(Decoder& decoder, std::string_view line);

}  // namespace centinela::ingest
