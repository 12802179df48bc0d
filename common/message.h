#pragma once
// Message: one tip or post as it enters the pipeline (DESIGN.md section 3, "Input message").
// It moves, never copies, through the stages.
#include <string>

namespace centinela {

struct Location {
  std::string consulate;  // e.g. "los-angeles"; empty when unknown
  std::string state;      // two-letter US state
  std::string zip;
};

struct Message {
  std::string id;    // required
  std::string text;  // required, valid UTF-8
  std::string source;
  std::string channel;
  std::string lang;
  std::string ts;  // the message's own time (RFC 3339) when it has one
  Location location;
};

}  // namespace centinela
