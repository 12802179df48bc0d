#pragma once
// JsonlReader: reads a JSONL file or stdin line by line, with the 1-based line number, skipping
// blank lines (only white space: space, tab, CR, VT, FF), which still count in the numbering.
// Lines may be of any length; a final line without '\n' counts. A UTF-8 byte-order mark at the
// start of the input is dropped. Not thread-safe.
//
// Cost: one getline(3) per line into a buffer reused across lines; the returned view is valid
// until the next call to Next.
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace centinela::ingest {

class JsonlReader {
 public:
  // path "-" reads standard input.
  static Result<std::unique_ptr<JsonlReader>> Open(const std::string& path);
  ~JsonlReader();
  JsonlReader(const JsonlReader&) = delete;
  JsonlReader& operator=(const JsonlReader&) = delete;

  // Reads the next non-blank line into *line (without the trailing "\n" or "\r\n") and its number
  // into *line_number. Returns false at the end of input; an I/O error is an Error.
  Result<bool> Next(std::string_view* line, size_t* line_number);

  // Bytes read so far and the total size when known (0 for pipes), for progress display.
  size_t bytes_read() const { return bytes_read_; }
  size_t total_bytes() const { return total_bytes_; }

 private:
  JsonlReader(FILE* file, bool owned, size_t total);
  std::string name_;  // the path, or "standard input", for error messages
  FILE* file_;
  bool owned_;
  size_t total_bytes_;
  size_t bytes_read_ = 0;
  size_t line_number_ = 0;
  char* buffer_ = nullptr;
  size_t capacity_ = 0;
};

}  // namespace centinela::ingest
