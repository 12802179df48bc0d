#include "rules/matcher.h"

#include <hs.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "common/sha256.h"

namespace centinela::rules {
namespace {

namespace fs = std::filesystem;

constexpr unsigned kHsFlags = HS_FLAG_UTF8 | HS_FLAG_SINGLEMATCH;  // plus CASELESS where needed
constexpr std::string_view kCacheMagic = "CENTINELA-HSDB-1\n";

struct HsDatabaseFree {
  void operator()(hs_database_t* db) const { hs_free_database(db); }
};
using HsDatabase = std::unique_ptr<hs_database_t, HsDatabaseFree>;
struct HsScratchFree {
  void operator()(hs_scratch_t* s) const { hs_free_scratch(s); }
};
using HsScratch = std::unique_ptr<hs_scratch_t, HsScratchFree>;
struct HsCompileErrorFree {
  void operator()(hs_compile_error_t* e) const { hs_free_compile_error(e); }
};

RE2::Options Re2Options() {
  RE2::Options o;
  o.set_case_sensitive(false);
  o.set_log_errors(false);
  o.set_encoding(RE2::Options::EncodingUTF8);
  return o;
}

// Every non-overlapping leftmost match of `re` in `text`, as view offsets.
template <typename Fn>
void ForEachMatch(const RE2& re, std::string_view text, Fn&& fn) {
  const re2::StringPiece input(text.data(), text.size());
  size_t pos = 0;
  re2::StringPiece m;
  while (pos <= text.size() &&
         re.Match(input, pos, text.size(), RE2::UNANCHORED, &m, 1)) {
    const auto begin = static_cast<uint32_t>(m.data() - text.data());
    const auto end = static_cast<uint32_t>(begin + m.size());
    if (end == begin) {  // empty patterns are refused at compile; stay safe anyway
      pos = begin + 1;
      continue;
    }
    fn(begin, end);
    pos = end;
  }
}

std::string PatternContext(const Rule& rule, size_t index) {
  return rule.patterns[index].where.ToString() + ": rule '" + rule.id + "': pattern " +
         std::to_string(index + 1) + " '" + rule.patterns[index].regex + "'";
}

struct CompiledPattern {
  uint32_t rule;
  uint32_t pattern;
  text::View view;
  std::unique_ptr<RE2> re2;
  std::string hs_regex;  // HyperscanForm of the pattern
  unsigned hs_flags;     // kHsFlags, with HS_FLAG_CASELESS if HyperscanCaseless says so
};

CompiledPattern MakeCompiledPattern(const Rule& rule, uint32_t r, uint32_t p,
                                    std::unique_ptr<RE2> re2) {
  std::string form = HyperscanForm(rule.patterns[p].regex, rule.view);
  const unsigned flags = kHsFlags | (HyperscanCaseless(form, rule.view) ? HS_FLAG_CASELESS : 0u);
  return CompiledPattern{r, p, rule.view, std::move(re2), std::move(form), flags};
}

// Length of the quantifier at the start of `s` ("" when none: the atom stands once), and the
// least and most times it lets the atom repeat (max < 0: unbounded).
struct Quantifier {
  size_t length = 0;
  int min = 1;
  int max = 1;
};
Quantifier ReadQuantifier(std::string_view s) {
  Quantifier q;
  if (s.empty()) return q;
  if (s[0] == '+') q = {1, 1, -1};
  if (s[0] == '*') q = {1, 0, -1};
  if (s[0] == '?') q = {1, 0, 1};
  if (s[0] == '{') {
    const size_t close = s.find('}');
    if (close == std::string_view::npos) return q;  // RE2 reads a lone `{` as a literal
    const std::string_view body = s.substr(1, close - 1);
    const size_t comma = body.find(',');
    const auto number = [](std::string_view d, int fallback) {
      if (d.empty() || d.size() > 4 || d.find_first_not_of("0123456789") != d.npos) return fallback;
      return std::stoi(std::string(d));
    };
    const int min = number(body.substr(0, comma), -2);
    const int max = comma == body.npos ? min : number(body.substr(comma + 1), -1);
    if (min < 0 || (max >= 0 && max < min)) return q;  // RE2 reads it as literal text
    q = {close + 1, min, max};
  }
  if (q.length > 0 && q.length < s.size() && s[q.length] == '?') ++q.length;  // lazy: same set
  return q;
}

// Length of the character class that starts at s[0] == '[', through its closing `]`.
size_t ClassLength(std::string_view s) {
  size_t i = 1;
  if (i < s.size() && s[i] == '^') ++i;
  if (i < s.size() && s[i] == ']') ++i;  // a leading `]` is a literal
  while (i < s.size() && s[i] != ']') {
    if (s[i] == '\\') {
      i += 2;
    } else if (s.compare(i, 2, "[:") == 0) {
      const size_t end = s.find(":]", i + 2);
      i = end == s.npos ? i + 1 : end + 2;
    } else {
      ++i;
    }
  }
  return std::min(i + 1, s.size());
}

// Compiles the patterns `ids` (indices into `all`) into one Hyperscan database.
Result<HsDatabase> CompileHs(const RulePack& pack, const std::vector<CompiledPattern>& all,
                             const std::vector<uint32_t>& ids) {
  std::vector<const char*> expressions;
  std::vector<unsigned> flags;
  std::vector<unsigned> hs_ids(ids.begin(), ids.end());
  for (uint32_t id : ids) {
    const CompiledPattern& p = all[id];
    expressions.push_back(p.hs_regex.c_str());
    flags.push_back(p.hs_flags);
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* raw_error = nullptr;
  const hs_error_t rc =
      hs_compile_multi(expressions.data(), flags.data(), hs_ids.data(),
                       static_cast<unsigned>(ids.size()), HS_MODE_BLOCK, nullptr, &db, &raw_error);
  if (rc != HS_SUCCESS) {
    std::unique_ptr<hs_compile_error_t, HsCompileErrorFree> error(raw_error);
    const int index = error ? error->expression : -1;
    const std::string reason = error && error->message ? error->message : "unknown error";
    if (index >= 0 && static_cast<size_t>(index) < ids.size()) {
      const CompiledPattern& p = all[ids[index]];
      return Error{PatternContext(pack.rules[p.rule], p.pattern) + ": Hyperscan rejects it: " +
                   reason};
    }
    return Error{"Hyperscan cannot compile the pack: " + reason};
  }
  return HsDatabase(db);
}

std::string CacheKey(const std::vector<CompiledPattern>& all, const std::vector<uint32_t>& ids) {
  Sha256 h;
  h.Update(hs_version());
  hs_platform_info_t platform{};
  if (hs_populate_platform(&platform) == HS_SUCCESS) {
    h.Update(std::string_view(reinterpret_cast<const char*>(&platform), sizeof platform));
  }
  for (uint32_t id : ids) {
    const CompiledPattern& p = all[id];
    h.Update(std::to_string(id) + "/" + std::to_string(p.hs_flags));
    h.Update(std::string_view("\0", 1));
    h.Update(p.hs_regex);
    h.Update(std::string_view("\0", 1));
  }
  return h.FinishHex();
}

// Reads a cached database; nullptr when absent or not trustworthy (bad magic, digest, or
// Hyperscan refuses it).
HsDatabase LoadCached(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return nullptr;
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();
  const size_t header = kCacheMagic.size() + 64 + 1;
  if (bytes.size() <= header || bytes.compare(0, kCacheMagic.size(), kCacheMagic) != 0) {
    return nullptr;
  }
  const std::string_view digest(bytes.data() + kCacheMagic.size(), 64);
  const std::string_view payload(bytes.data() + header, bytes.size() - header);
  if (Sha256::Hex(payload) != digest) return nullptr;
  hs_database_t* db = nullptr;
  if (hs_deserialize_database(payload.data(), payload.size(), &db) != HS_SUCCESS) return nullptr;
  return HsDatabase(db);
}

// Best effort: a cache that cannot be written only costs a compile next time.
void StoreCached(const fs::path& file, const hs_database_t* db) {
  char* raw = nullptr;
  size_t length = 0;
  if (hs_serialize_database(db, &raw, &length) != HS_SUCCESS) return;
  const std::string payload(raw, length);
  std::free(raw);
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  const fs::path tmp = file.string() + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return;
    out << kCacheMagic << Sha256::Hex(payload) << '\n' << payload;
    if (!out.flush()) {
      fs::remove(tmp, ec);
      return;
    }
  }
  fs::rename(tmp, file, ec);
  if (ec) fs::remove(tmp, ec);
}

void SortUnique(std::vector<Span>* spans) {
  std::sort(spans->begin(), spans->end());
  spans->erase(std::unique(spans->begin(), spans->end()), spans->end());
}

}  // namespace

struct Matcher::Impl {
  const RulePack* pack = nullptr;  // for explanations only; the Engine keeps it alive
  std::vector<CompiledPattern> patterns;
  std::vector<size_t> rule_pattern_count;
  struct ViewDb {
    text::View view;
    HsDatabase db;
  };
  std::vector<ViewDb> databases;
};

class Matcher::Context {
 public:
  HsScratch scratch;
  std::vector<uint32_t> hits;  // patterns Hyperscan reported, sorted (ScanHyperscan -> Confirm)
};

Matcher::Matcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Matcher::~Matcher() = default;

Result<std::unique_ptr<Matcher>> Matcher::Compile(const RulePack& pack, const Options& options) {
  auto impl = std::make_unique<Impl>();
  impl->pack = &pack;
  const RE2::Options re2_options = Re2Options();
  for (uint32_t r = 0; r < pack.rules.size(); ++r) {
    const Rule& rule = pack.rules[r];
    for (uint32_t p = 0; p < rule.patterns.size(); ++p) {
      auto re = std::make_unique<RE2>(rule.patterns[p].regex, re2_options);
      if (!re->ok()) {
        return Error{PatternContext(rule, p) + ": RE2 rejects it: " + re->error()};
      }
      if (RE2::PartialMatch("", *re)) {
        return Error{PatternContext(rule, p) + ": can match the empty string"};
      }
      impl->patterns.push_back(MakeCompiledPattern(rule, r, p, std::move(re)));
    }
  }

  bool all_cached = true;
  for (int v = 0; v < text::kViewCount; ++v) {
    const auto view = static_cast<text::View>(v);
    std::vector<uint32_t> ids;
    for (uint32_t i = 0; i < impl->patterns.size(); ++i) {
      if (impl->patterns[i].view == view) ids.push_back(i);
    }
    if (ids.empty()) continue;
    HsDatabase db;
    fs::path cache_file;
    if (!options.cache_dir.empty()) {
      cache_file = options.cache_dir / (std::string(text::ViewName(view)) + "-" +
                                        CacheKey(impl->patterns, ids) + ".hsdb");
      db = LoadCached(cache_file);
    }
    if (!db) {
      all_cached = false;
      auto compiled = CompileHs(pack, impl->patterns, ids);
      if (!compiled.ok()) return compiled.error();
      db = std::move(*compiled);
      if (!cache_file.empty()) StoreCached(cache_file, db.get());
    }
    impl->databases.push_back(Impl::ViewDb{view, std::move(db)});
  }
  std::unique_ptr<Matcher> matcher(new Matcher(std::move(impl)));
  matcher->loaded_from_cache_ = all_cached;
  return matcher;
}

void Matcher::ContextDeleter::operator()(Context* context) const { delete context; }

Result<Matcher::ContextPtr> Matcher::MakeContext() const {
  ContextPtr context(new Context());
  hs_scratch_t* scratch = nullptr;
  for (const auto& d : impl_->databases) {
    if (hs_alloc_scratch(d.db.get(), &scratch) != HS_SUCCESS) {
      if (scratch) hs_free_scratch(scratch);
      return Error{"Hyperscan cannot allocate scratch space"};
    }
  }
  context->scratch.reset(scratch);
  context->hits.reserve(impl_->patterns.size());
  return context;
}

Status Matcher::Match(const text::Normalized& text, Context& context,
                      std::vector<RuleMatch>* out) const {
  out->clear();
  if (Status s = ScanHyperscan(text, context); !s.ok()) return s;
  Confirm(text, context, out);
  return Status::Ok();
}

Status Matcher::Candidates(const text::Normalized& text, Context& context,
                           std::vector<uint32_t>* rules) const {
  rules->clear();
  if (Status s = ScanHyperscan(text, context); !s.ok()) return s;
  for (uint32_t id : context.hits) {
    const uint32_t rule = impl_->patterns[id].rule;
    if (rules->empty() || rules->back() != rule) rules->push_back(rule);
  }
  return Status::Ok();
}

Status Matcher::ScanHyperscan(const text::Normalized& text, Context& context) const {
  context.hits.clear();
  for (const auto& d : impl_->databases) {
    const std::string_view view = text.view(d.view);
    if (view.empty()) continue;
    const hs_error_t rc = hs_scan(
        d.db.get(), view.data(), static_cast<unsigned>(view.size()), 0, context.scratch.get(),
        [](unsigned id, unsigned long long, unsigned long long, unsigned, void* ctx) -> int {
          static_cast<std::vector<uint32_t>*>(ctx)->push_back(id);
          return 0;
        },
        &context.hits);
    if (rc != HS_SUCCESS) {
      context.hits.clear();
      return Error{"hs_scan failed with code " + std::to_string(rc)};
    }
  }
  std::sort(context.hits.begin(), context.hits.end());  // pattern order is rule order
  return Status::Ok();
}

void Matcher::Confirm(const text::Normalized& text, Context& context,
                      std::vector<RuleMatch>* out) const {
  out->clear();
  for (uint32_t id : context.hits) {
    const CompiledPattern& p = impl_->patterns[id];
    const std::string_view view = text.view(p.view);
    const bool new_rule = out->empty() || out->back().rule != p.rule;
    if (new_rule) out->push_back(RuleMatch{p.rule, {}});
    RuleMatch& match = out->back();
    ForEachMatch(*p.re2, view, [&](uint32_t b, uint32_t e) {
      match.spans.push_back(text.ToOriginal(p.view, b, e));
    });
    if (new_rule && match.spans.empty()) out->pop_back();  // RE2 is the exact judge
  }
  for (RuleMatch& m : *out) SortUnique(&m.spans);
}

Status Matcher::MatchReference(const text::Normalized& text, std::vector<RuleMatch>* out) const {
  out->clear();
  for (const CompiledPattern& p : impl_->patterns) {
    const std::string_view view = text.view(p.view);
    std::vector<Span> spans;
    ForEachMatch(*p.re2, view, [&](uint32_t b, uint32_t e) {
      spans.push_back(text.ToOriginal(p.view, b, e));
    });
    if (spans.empty()) continue;
    if (out->empty() || out->back().rule != p.rule) out->push_back(RuleMatch{p.rule, {}});
    auto& dst = out->back().spans;
    dst.insert(dst.end(), spans.begin(), spans.end());
  }
  for (RuleMatch& m : *out) SortUnique(&m.spans);
  return Status::Ok();
}

void Matcher::ExplainRule(const text::Normalized& text, uint32_t rule,
                          std::vector<PatternMatch>* out) const {
  for (const CompiledPattern& p : impl_->patterns) {
    if (p.rule != rule) continue;
    ForEachMatch(*p.re2, text.view(p.view), [&](uint32_t b, uint32_t e) {
      out->push_back(PatternMatch{p.rule, p.pattern, Span{b, e}, text.ToOriginal(p.view, b, e)});
    });
  }
}

size_t Matcher::database_bytes() const {
  size_t total = 0;
  for (const auto& d : impl_->databases) {
    size_t size = 0;
    if (hs_database_size(d.db.get(), &size) == HS_SUCCESS) total += size;
  }
  return total;
}

fs::path DefaultCacheDir() {
  if (const char* dir = std::getenv("CENTINELA_CACHE_DIR"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    return fs::path(xdg) / "centinela";
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    return fs::path(home) / ".cache" / "centinela";
  }
  return {};
}

Result<std::vector<double>> MeasureRuleCosts(const RulePack& pack, std::string_view sample) {
  std::vector<double> costs;
  if (sample.empty()) return costs;
  for (const Rule& rule : pack.rules) {
    std::vector<CompiledPattern> patterns;
    std::vector<uint32_t> ids;
    for (uint32_t p = 0; p < rule.patterns.size(); ++p) {
      patterns.push_back(MakeCompiledPattern(rule, 0, p, nullptr));
      ids.push_back(p);
    }
    RulePack one;
    one.rules.push_back(rule);
    auto db = CompileHs(one, patterns, ids);
    if (!db.ok()) return db.error();
    hs_scratch_t* raw_scratch = nullptr;
    if (hs_alloc_scratch(db->get(), &raw_scratch) != HS_SUCCESS) {
      return Error{"Hyperscan cannot allocate scratch space"};
    }
    HsScratch scratch(raw_scratch);
    double best = 1e300;
    for (int run = 0; run < 5; ++run) {
      const auto start = std::chrono::steady_clock::now();
      const hs_error_t rc = hs_scan(
          db->get(), sample.data(), static_cast<unsigned>(sample.size()), 0, scratch.get(),
          [](unsigned, unsigned long long, unsigned long long, unsigned, void*) { return 0; },
          nullptr);
      const auto elapsed = std::chrono::steady_clock::now() - start;
      if (rc != HS_SUCCESS) return Error{"hs_scan failed with code " + std::to_string(rc)};
      best = std::min(best, std::chrono::duration<double, std::nano>(elapsed).count());
    }
    costs.push_back(best * 1024.0 / static_cast<double>(sample.size()));
  }
  return costs;
}

std::string HyperscanForm(std::string_view regex, text::View view) {
  if (view != text::View::kFolded) return std::string(regex);
  std::string out;
  out.reserve(regex.size());
  size_t i = 0;
  while (i < regex.size()) {
    const std::string_view rest = regex.substr(i);
    if (rest[0] == '[') {
      const size_t n = ClassLength(rest);
      out.append(rest.substr(0, n));
      i += n;
      continue;
    }
    if (rest[0] != '\\' || rest.size() < 2) {
      out.push_back(rest[0]);
      ++i;
      continue;
    }
    if (rest[1] == 'Q') {  // quoted text runs to \E: copy it untouched
      const size_t end = rest.find("\\E");
      const size_t n = end == rest.npos ? rest.size() : end + 2;
      out.append(rest.substr(0, n));
      i += n;
      continue;
    }
    if (rest[1] != 's') {  // any other escape, with its {…} argument if it has one
      size_t n = 2;
      const bool braced = rest[1] == 'p' || rest[1] == 'P' || rest[1] == 'x';
      if (braced && rest.size() > 2 && rest[2] == '{') {
        const size_t close = rest.find('}');
        n = close == rest.npos ? rest.size() : close + 1;
      }
      out.append(rest.substr(0, n));
      i += n;
      continue;
    }
    const Quantifier q = ReadQuantifier(rest.substr(2));
    if (q.min > 1 || q.max == 0) {  // needs two spaces in a row, or no space: keep it as written
      out.append(rest.substr(0, 2 + q.length));
    } else {
      out.append(q.min == 1 ? " " : " ?");
    }
    i += 2 + q.length;
  }
  return out;
}

bool HyperscanCaseless(std::string_view hs_regex, text::View view) {
  if (view != text::View::kFolded) return true;
  if (hs_regex.find("[:upper:]") != hs_regex.npos || hs_regex.find("[:lower:]") != hs_regex.npos) {
    return true;
  }
  const auto at = [&](size_t i) {
    return i < hs_regex.size() ? static_cast<unsigned char>(hs_regex[i]) : 0u;
  };
  const auto lower = [](unsigned c) { return c >= 'a' && c <= 'z'; };
  const auto digit = [](unsigned c) { return c >= '0' && c <= '9'; };
  bool in_class = false;
  size_t class_body = 0;  // index of the first byte of the class's members
  unsigned previous = 0;  // the last member if it was one plain ASCII byte, else 0
  for (size_t i = 0; i < hs_regex.size(); ++i) {
    const unsigned c = at(i);
    if (c == '\\') {
      // Only escapes that stand for no letter or for a class with both cases: `\101` (octal for
      // `A`), `\x41`, `\p{Lu}`, `\Q…\E` and the like keep Hyperscan caseless.
      const unsigned e = at(i + 1);
      const bool punctuation = e != 0 && e < 0x80 && !std::isalnum(static_cast<int>(e));
      if (!punctuation && std::string_view("bBwWsSdDnrtfvaAzZ").find(static_cast<char>(e)) ==
                              std::string_view::npos) {
        return true;
      }
      ++i;
      previous = 0;
      continue;
    }
    if (c >= 'A' && c <= 'Z') return true;
    if (in_class) {
      if (c == ']' && i > class_body) {
        in_class = false;
        continue;
      }
      if (c == '[' && at(i + 1) == ':') {  // [:alpha:] and the like: both cases or none
        const size_t close = hs_regex.find(":]", i + 2);
        if (close == hs_regex.npos) return true;
        i = close + 1;
        previous = 0;
        continue;
      }
      if (c == '-' && i > class_body && at(i + 1) != ']') {  // a range: a-z or 0-9 only
        const unsigned high = at(i + 1);
        if (!(lower(previous) && lower(high)) && !(digit(previous) && digit(high))) return true;
        ++i;
        previous = high;
        continue;
      }
    } else if (c == '[') {
      in_class = true;
      class_body = i + 1;
      if (at(class_body) == '^') ++class_body;
      if (at(class_body) == ']') ++class_body;  // a leading `]` is a member
      i = class_body - 1;
      previous = 0;
      continue;
    }
    if (c < 0x80) {
      previous = c;
      continue;
    }
    // Non-ASCII: only the lower-case letters of Latin-1 (U+00E0-U+00FE but the division sign,
    // two bytes: C3 A0-BE); a range with a non-ASCII end was refused above.
    const unsigned next = at(i + 1);
    if (c != 0xC3 || next < 0xA0 || next > 0xBE || next == 0xB7) return true;
    ++i;
    previous = 0;
  }
  return false;
}

}  // namespace centinela::rules
