#pragma once
// JsonWriter: appends compact JSON to a caller-owned std::string, for the data path (no DOM, no
// allocation beyond the output buffer). The caller is responsible for well-formed nesting; commas
// are inserted automatically.
//
//   std::string out;
//   JsonWriter w(&out);
//   w.BeginObject();
//   w.Key("id"); w.String(id);
//   w.Key("score"); w.Int(87);
//   w.EndObject();
//
// Strings are escaped per RFC 8259; input must be valid UTF-8 (the decoder guarantees it), and
// control characters are written as \u00XX.
#include <cstdint>
#include <string>
#include <string_view>

namespace centinela {

void AppendJsonEscaped(std::string_view in, std::string* out);

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  void BeginObject() { Separator(); out_->push_back('{'); first_ = true; }
  void EndObject() { out_->push_back('}'); first_ = false; }
  void BeginArray() { Separator(); out_->push_back('['); first_ = true; }
  void EndArray() { out_->push_back(']'); first_ = false; }
  void Key(std::string_view key) {
    Separator();
    out_->push_back('"');
    AppendJsonEscaped(key, out_);
    out_->append("\":");
    first_ = true;  // the value that follows takes no comma
  }
  void String(std::string_view value) {
    Separator();
    out_->push_back('"');
    AppendJsonEscaped(value, out_);
    out_->push_back('"');
  }
  void Int(int64_t value);
  void Double(double value);
  void Bool(bool value) { Separator(); out_->append(value ? "true" : "false"); }
  void Null() { Separator(); out_->append("null"); }
  // Appends an already-serialized JSON value verbatim.
  void Raw(std::string_view json) { Separator(); out_->append(json); }

 private:
  void Separator() {
    if (!first_) out_->push_back(',');
    first_ = false;
  }
  std::string* out_;
  bool first_ = true;
};

}  // namespace centinela
