// centinela scan: offline scan of a JSONL file (DESIGN.md section 3, CLI).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "app/commands.h"
#include "app/flags.h"
#include "common/alert_record.h"
#include "common/json_writer.h"
#include "common/text.h"
#include "ingest/decoder.h"
#include "ingest/jsonl_reader.h"
#include "rules/engine.h"

namespace centinela::app {
namespace {

constexpr const char* kScanUsage =
    "usage: centinela scan [--rules PATH] [--format jsonl|table] [--max-text-bytes N]\n"
    "                      [--source NAME] [--explain] FILE|-\n"
    "  --source NAME  the source of lines that give none (tip for an export of the tips topic,\n"
    "                 post for the posts topic: what the streaming scanner assumes there)\n";

class Output {
 public:
  ~Output() { Flush(); }
  std::string& buffer() { return buffer_; }
  void MaybeFlush() {
    if (buffer_.size() >= 1 << 16) Flush();
  }
  void Flush() {
    if (!buffer_.empty()) std::fwrite(buffer_.data(), 1, buffer_.size(), stdout);
    buffer_.clear();
    std::fflush(stdout);
  }

 private:
  std::string buffer_;
};

// A one-line progress bar on stderr when it is a terminal and the input size is known.
class Progress {
 public:
  // Not when the results themselves go to the same terminal: the rows show the progress there,
  // and the bar would be drawn in the middle of them.
  explicit Progress(size_t total)
      : enabled_(total > 0 && isatty(STDERR_FILENO) && !isatty(STDOUT_FILENO)), total_(total) {}
  void Update(size_t done) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const double frac = static_cast<double>(done) / static_cast<double>(total_);
    const int width = 40;
    const int filled = static_cast<int>(frac * width);
    std::fprintf(stderr, "\r[%s%s] %3d%%", std::string(static_cast<size_t>(filled), '#').c_str(),
                 std::string(static_cast<size_t>(width - filled), ' ').c_str(),
                 static_cast<int>(frac * 100));
  }
  void Done() {
    if (enabled_) std::fprintf(stderr, "\r%60s\r", "");
  }

 private:
  bool enabled_;
  size_t total_;
  std::chrono::steady_clock::time_point last_{};
};

// A cell of the table: control characters (which could move the cursor or colour the terminal;
// public posts are untrusted) become '?', and a long value is cut at a character boundary.
std::string Cell(std::string_view s, size_t width) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? '?' : c);
  }
  if (out.size() <= width) return out;
  return std::string(Utf8Prefix(out, width - 1)) + "~";
}

void AppendTableRow(size_t line, std::string_view id, const ScanResult& r, std::string* out) {
  std::string rules;
  for (const RuleHit& h : r.rules) {
    if (!rules.empty()) rules += ' ';
    rules += h.id;
  }
  *out += fmt::format("{:>6}  {:<18}  {:<7}  {:>5}  {}\n", line, Cell(id, 18),
                      ActionName(r.action), r.score, rules.empty() ? "-" : rules);
}

}  // namespace

int ScanCommand(const Args& args) {
  ParsedFlags flags;
  if (auto err = ParseFlags(args, {"rules", "format", "max-text-bytes", "source"},
                            {"explain", "help"},
                            &flags)) {
    std::fprintf(stderr, "centinela scan: %s\n%s", err->c_str(), kScanUsage);
    return 2;
  }
  if (flags.Has("help")) {
    std::fputs(kScanUsage, stdout);
    return 0;
  }
  if (flags.positional.size() != 1) {
    std::fprintf(stderr, "centinela scan: give exactly one input FILE (or - for stdin)\n%s",
                 kScanUsage);
    return 2;
  }
  const std::string format =
      flags.Get("format").value_or(isatty(STDOUT_FILENO) ? "table" : "jsonl");
  if (format != "jsonl" && format != "table") {
    std::fprintf(stderr, "centinela scan: --format must be jsonl or table, not '%s'\n",
                 format.c_str());
    return 2;
  }
  size_t max_text_bytes = ingest::Decoder::kDefaultMaxTextBytes;
  if (auto v = flags.Get("max-text-bytes")) {
    const std::optional<size_t> n = ParseWhole<size_t>(*v);  // no sign, no overflow
    if (!n || *n == 0) {
      std::fprintf(stderr, "centinela scan: --max-text-bytes must be a positive number\n");
      return 2;
    }
    max_text_bytes = *n;
  }
  const bool table = format == "table";
  const bool explain = flags.Has("explain");
  const std::string default_source = SourceFlag(flags.Get("source"), "centinela scan");

  const std::string rules_path = flags.Get("rules").value_or(FindBundled("config/rules"));
  rules::EngineOptions options;
  options.cache_dir = rules::DefaultCacheDir();
  options.measure_costs = false;
  std::vector<std::string> pack_warnings;
  auto engine = rules::LoadEngine(rules_path, options, &pack_warnings);
  if (!engine.ok()) {
    std::fprintf(stderr, "centinela scan: rule pack refused: %s\n",
                 engine.error().message.c_str());
    return 2;
  }
  for (const std::string& w : pack_warnings) {
    std::fprintf(stderr, "centinela scan: warning: %s\n", w.c_str());
  }
  auto context = (*engine)->MakeContext();
  if (!context.ok()) {
    std::fprintf(stderr, "centinela scan: %s\n", context.error().message.c_str());
    return 2;
  }
  auto reader = ingest::JsonlReader::Open(flags.positional[0]);
  if (!reader.ok()) {
    std::fprintf(stderr, "centinela scan: %s\n", reader.error().message.c_str());
    return 2;
  }

  ingest::Decoder decoder(max_text_bytes);
  Output out;
  Progress progress((*reader)->total_bytes());
  ScanResult result;
  size_t counts[4] = {0, 0, 0, 0};
  size_t bad = 0;
  size_t total = 0;
  const auto start = std::chrono::steady_clock::now();
  if (table) {
    out.buffer() += fmt::format("{:>6}  {:<18}  {:<7}  {:>5}  {}\n", "line", "id", "action",
                                "score", "rules");
  }
  std::string_view line;
  size_t line_number = 0;
  std::vector<std::string> warnings;
  while (true) {
    auto more = (*reader)->Next(&line, &line_number);
    if (!more.ok()) {
      out.Flush();
      progress.Done();
      std::fprintf(stderr, "centinela scan: %s\n", more.error().message.c_str());
      return 2;
    }
    if (!*more) break;
    ++total;
    warnings.clear();
    auto message = decoder.Decode(line, &warnings);
    for (const std::string& w : warnings) {  // a badly typed optional field, dropped
      std::fprintf(stderr, "centinela scan: line %zu: %s\n", line_number, w.c_str());
    }
    if (!message.ok()) {
      ++bad;
      const ingest::DecodeError& e = message.error();
      const std::string error = std::string(ingest::ReasonName(e.reason)) + ": " + e.detail;
      if (table) {
        out.buffer() += fmt::format("{:>6}  {:<18}  {:<7}  {:>5}  {}\n", line_number,
                                    Cell(e.id, 18), "error", "-", Cell(error, error.size()));
      } else {
        JsonWriter w(&out.buffer());
        w.BeginObject();
        w.Key("line");
        w.Int(static_cast<int64_t>(line_number));
        if (!e.id.empty()) {
          w.Key("id");
          w.String(e.id);
        }
        w.Key("error");
        w.String(error);
        w.EndObject();
        out.buffer() += '\n';
      }
    } else {
      if (message->source.empty()) message->source = default_source;
      if (Status s = (*engine)->Scan(message->text, **context, &result, message->source); !s.ok()) {
        out.Flush();
        progress.Done();
        std::fprintf(stderr, "centinela scan: line %zu: engine failure: %s\n", line_number,
                     s.message().c_str());
        return 2;
      }
      ++counts[static_cast<int>(result.action)];
      if (table) {
        AppendTableRow(line_number, message->id, result, &out.buffer());
      } else {
        AppendScanLine(*message, result, (*engine)->version(), &out.buffer());
        out.buffer() += '\n';
      }
      if (explain) {
        auto text = (*engine)->Explain(message->text, **context, message->source);
        std::string block = text.ok() ? *text : "  explain failed: " + text.error().message;
        if (table) {
          out.buffer() += block;
        } else {
          std::fprintf(stderr, "explain %s:\n%s", message->id.c_str(), block.c_str());
        }
      }
    }
    out.MaybeFlush();
    progress.Update((*reader)->bytes_read());
  }
  out.Flush();
  progress.Done();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr,
               "scanned %zu lines in %.2f s: %zu publish, %zu alert, %zu review, %zu none, "
               "%zu bad (pack %s)\n",
               total, seconds, counts[3], counts[2], counts[1], counts[0], bad,
               (*engine)->version().c_str());
  return 0;
}

}  // namespace centinela::app
