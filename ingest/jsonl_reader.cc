#include "ingest/jsonl_reader.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace centinela::ingest {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r\v\f") == std::string_view::npos;
}

Error IoError(std::string_view what, const std::string& name, int error_number) {
  return Error{std::string(what) + " " + name + ": " + std::strerror(error_number)};
}

}  // namespace

Result<std::unique_ptr<JsonlReader>> JsonlReader::Open(const std::string& path) {
  const bool use_stdin = path == "-";
  const std::string name = use_stdin ? "standard input" : "'" + path + "'";
  FILE* file = use_stdin ? stdin : std::fopen(path.c_str(), "re");
  if (file == nullptr) return IoError("cannot open", name, errno);

  struct stat st {};
  if (fstat(fileno(file), &st) != 0) {
    const int error_number = errno;
    if (!use_stdin) std::fclose(file);
    return IoError("cannot stat", name, error_number);
  }
  if (S_ISDIR(st.st_mode)) {
    if (!use_stdin) std::fclose(file);
    return IoError("cannot read", name, EISDIR);
  }
  const size_t total = S_ISREG(st.st_mode) ? static_cast<size_t>(st.st_size) : 0;
  std::unique_ptr<JsonlReader> reader(new JsonlReader(file, !use_stdin, total));
  reader->name_ = name;
  return reader;
}

JsonlReader::JsonlReader(FILE* file, bool owned, size_t total)
    : file_(file), owned_(owned), total_bytes_(total) {}

JsonlReader::~JsonlReader() {
  std::free(buffer_);
  if (owned_) std::fclose(file_);
}

Result<bool> JsonlReader::Next(std::string_view* line, size_t* line_number) {
  for (;;) {
    errno = 0;
    const ssize_t n = getline(&buffer_, &capacity_, file_);
    if (n < 0) {
      if (std::ferror(file_)) {
        const int error_number = errno != 0 ? errno : EIO;
        std::clearerr(file_);
        return IoError("cannot read", name_, error_number);
      }
      if (errno == ENOMEM || errno == EOVERFLOW) return IoError("cannot read", name_, errno);
      return false;
    }
    bytes_read_ += static_cast<size_t>(n);
    ++line_number_;
    std::string_view text(buffer_, static_cast<size_t>(n));
    if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (line_number_ == 1 && text.starts_with(kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());
    if (IsBlank(text)) continue;
    *line = text;
    *line_number = line_number_;
    return true;
  }
}

}  // namespace centinela::ingest
