#include "ingest/labelled.h"

#include <simdjson.h>

namespace centinela::ingest {

Result<LabelledMessage> DecodeLabelled(Decoder& decoder, std::string_view line) {
  auto decoded = decoder.Decode(line);
  if (!decoded.ok()) {
    return Error{std::string(ReasonName(decoded.error().reason)) + ": " + decoded.error().detail};
  }
  // The line is valid JSON now; read the label fields with a parser of our own (corpus tools are
  // not on the data path).
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(line.data(), line.size()).get(doc) != simdjson::SUCCESS) {
    return Error{"invalid_json"};
  }
  LabelledMessage out;
  out.message = std::move(*decoded);
  std::string_view label;
  if (doc["label"].get_string().get(label) != simdjson::SUCCESS) {
    return Error{"missing_field: 'label' (scam or legit) is required in a corpus"};
  }
  if (label != "scam" && label != "legit") {
    return Error{"wrong_type: label must be 'scam' or 'legit', not '" + std::string(label) + "'"};
  }
  out.scam = label == "scam";
  std::string_view category;
  if (doc["category"].get_string().get(category) == simdjson::SUCCESS) {
    out.category = std::string(category);
  }
  return out;
}

}  // namespace centinela::ingest
