// centinela_bench_scan: where the time of `centinela scan` goes, as ratios measured in one run.
//
//   centinela_bench_scan --rules config/rules --input FILE.jsonl [--input FILE2.jsonl ...]
//                        [--rounds N] [--scaling 100,500,1000,2000,5000]
//
// Over the same messages and the same pack, on one core, it measures:
//   thin        the thinnest correct program: simdjson DOM decode of each line, one hs_scan of the
//               raw text with every pack pattern in one database (in the form the engine hands
//               Hyperscan, rules::HyperscanForm), write {"id":…,"hit":…}
//   full        the `centinela scan --format jsonl` path: decode + validate, normalize, Hyperscan,
//               RE2 confirm, entities, score, write the JSON line
//   re2-set     the thin program with one RE2::Set in place of Hyperscan
//   re2-each    the thin program with RE2 pattern by pattern
// then the stages of the full path one at a time, and the thin and full programs from 100 to
// 5,000 patterns (below the pack's size its first rules, above it extra synthetic rules), with
// memory at each size.
// Start-up and compilation are excluded from every figure.
#include <hs.h>
#include <re2/re2.h>
#include <re2/set.h>
#include <simdjson.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/alert_record.h"
#include "common/json_writer.h"
#include "ingest/decoder.h"
#include "rules/engine.h"
#include "rules/matcher.h"

namespace centinela::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string rules = "config/rules";
  std::vector<std::string> inputs;
  int rounds = 5;
  std::vector<size_t> scaling = {100, 500, 1000, 2000, 5000};
};

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "centinela_bench_scan: %s\n", why.c_str());
  std::exit(2);
}

std::vector<std::string> ReadLines(const std::vector<std::string>& files) {
  std::vector<std::string> lines;
  for (const auto& f : files) {
    std::ifstream in(f);
    if (!in) Die("cannot read " + f);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty()) lines.push_back(line);
    }
  }
  return lines;
}

// Best of `rounds` runs of fn over all messages, in nanoseconds per message.
double Measure(int rounds, size_t messages, const std::function<void()>& fn) {
  fn();  // warm-up
  double best = 1e300;
  for (int i = 0; i < rounds; ++i) {
    const auto start = Clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double, std::nano>(Clock::now() - start).count());
  }
  return best / static_cast<double>(messages);
}

long MaxRssKib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

struct HsFree {
  void operator()(hs_database_t* d) const { hs_free_database(d); }
  void operator()(hs_scratch_t* s) const { hs_free_scratch(s); }
};

// The thin program's matchers: every pattern of the pack over the raw text.
class ThinMatchers {
 public:
  explicit ThinMatchers(const rules::RulePack& pack) {
    std::vector<const char*> exprs;
    std::vector<unsigned> flags, ids;
    RE2::Options o;
    o.set_case_sensitive(false);
    o.set_log_errors(false);
    o.set_max_mem(int64_t{1} << 30);
    set_ = std::make_unique<RE2::Set>(o, RE2::UNANCHORED);
    for (const auto& rule : pack.rules) {
      for (const auto& p : rule.patterns) {
        hs_forms_.push_back(rules::HyperscanForm(p.regex, rule.view));
        flags.push_back(HS_FLAG_CASELESS | HS_FLAG_UTF8 | HS_FLAG_SINGLEMATCH);
        ids.push_back(static_cast<unsigned>(ids.size()));
        each_.push_back(std::make_unique<RE2>(p.regex, o));
        if (set_->Add(p.regex, nullptr) < 0) Die("RE2::Set refuses " + p.regex);
      }
    }
    if (!set_->Compile()) Die("RE2::Set cannot compile");
    for (const std::string& form : hs_forms_) exprs.push_back(form.c_str());
    hs_database_t* db = nullptr;
    hs_compile_error_t* err = nullptr;
    if (hs_compile_multi(exprs.data(), flags.data(), ids.data(),
                         static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, nullptr, &db,
                         &err) != HS_SUCCESS) {
      Die(std::string("hs_compile_multi: ") + (err ? err->message : "?"));
    }
    db_.reset(db);
    hs_scratch_t* s = nullptr;
    if (hs_alloc_scratch(db, &s) != HS_SUCCESS) Die("hs_alloc_scratch");
    scratch_.reset(s);
  }

  bool Hyperscan(std::string_view text) const {
    bool hit = false;
    const hs_error_t rc = hs_scan(
        db_.get(), text.data(), static_cast<unsigned>(text.size()), 0, scratch_.get(),
        [](unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) -> int {
          *static_cast<bool*>(ctx) = true;
          return 1;  // one match answers "hit"
        },
        &hit);
    if (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED) Die("hs_scan failed");
    return hit;
  }
  bool Re2Set(std::string_view text) const {
    RE2::Set::ErrorInfo info{};
    std::vector<int> matched;
    const bool hit = set_->Match(re2::StringPiece(text.data(), text.size()), &matched, &info);
    if (!hit && info.kind != RE2::Set::kNoError) Die("RE2::Set failed (out of memory?)");
    return hit;
  }
  bool Re2Each(std::string_view text) const {
    const re2::StringPiece input(text.data(), text.size());
    for (const auto& re : each_) {
      if (RE2::PartialMatch(input, *re)) return true;
    }
    return false;
  }
  size_t database_bytes() const {
    size_t n = 0;
    hs_database_size(db_.get(), &n);
    return n;
  }

 private:
  std::vector<std::string> hs_forms_;  // what the engine hands Hyperscan (rules::HyperscanForm)
  std::unique_ptr<hs_database_t, HsFree> db_;
  std::unique_ptr<hs_scratch_t, HsFree> scratch_;
  std::unique_ptr<RE2::Set> set_;
  std::vector<std::unique_ptr<RE2>> each_;
};

// The thin program around one matcher: decode with simdjson DOM, match the raw text, write.
double ThinProgram(const std::vector<std::string>& lines, int rounds,
                   const std::function<bool(std::string_view)>& match, size_t* hits_out) {
  simdjson::dom::parser parser;
  simdjson::padded_string buffer;
  std::string out;
  size_t hits = 0;
  const double ns = Measure(rounds, lines.size(), [&] {
    out.clear();
    hits = 0;
    for (const std::string& line : lines) {
      simdjson::dom::element doc;
      if (parser.parse(line.data(), line.size(), true).get(doc) != simdjson::SUCCESS) continue;
      std::string_view id, text;
      if (doc["id"].get_string().get(id) || doc["text"].get_string().get(text)) continue;
      const bool hit = match(text);
      hits += hit;
      JsonWriter w(&out);
      w.BeginObject();
      w.Key("id");
      w.String(id);
      w.Key("hit");
      w.Bool(hit);
      w.EndObject();
      out.push_back('\n');
    }
  });
  if (hits_out) *hits_out = hits;
  return ns;
}

double FullProgram(const rules::Engine& engine, const std::vector<std::string>& lines,
                   int rounds, bool reference, size_t* flagged_out) {
  ingest::Decoder decoder;
  auto ctx = engine.MakeContext();
  if (!ctx.ok()) Die(ctx.error().message);
  std::string out;
  ScanResult result;
  size_t flagged = 0;
  const double ns = Measure(rounds, lines.size(), [&] {
    out.clear();
    flagged = 0;
    for (const std::string& line : lines) {
      auto message = decoder.Decode(line);
      if (!message.ok()) continue;
      const Status s =
          reference ? engine.ScanReference(message->text, **ctx, &result, message->source)
                    : engine.Scan(message->text, **ctx, &result, message->source);
      if (!s.ok()) Die(s.message());
      flagged += result.action != Action::kNone;
      AppendScanLine(*message, result, engine.version(), &out);
      out.push_back('\n');
    }
  });
  if (flagged_out) *flagged_out = flagged;
  return ns;
}

std::shared_ptr<const rules::Engine> BuildEngine(rules::RulePack pack) {
  rules::EngineOptions options;  // no cache: measure the compiled pack, not the disk
  options.check_examples = false;
  options.measure_costs = false;
  auto engine = rules::Engine::Build(std::move(pack), options, nullptr);
  if (!engine.ok()) Die(engine.error().message);
  return *engine;
}

// The pack's first rules up to `total` patterns (the last rule may keep only some of its
// patterns), and the composites whose members are all still there.
rules::RulePack WithFirstPatterns(const rules::RulePack& base, size_t total) {
  rules::RulePack pack = base;
  pack.rules.clear();
  pack.composites.clear();
  std::set<std::string> kept;
  size_t have = 0;
  for (const rules::Rule& r : base.rules) {
    if (have >= total) break;
    rules::Rule rule = r;
    if (rule.patterns.size() > total - have) rule.patterns.resize(total - have);
    have += rule.patterns.size();
    kept.insert(rule.id);
    pack.rules.push_back(std::move(rule));
  }
  for (const rules::Composite& c : base.composites) {
    if (std::all_of(c.members.begin(), c.members.end(),
                    [&kept](const std::string& m) { return kept.count(m) > 0; })) {
      kept.insert(c.id);
      pack.composites.push_back(c);
    }
  }
  return pack;
}

// Extra rules shaped like real ones: two or three words from the messages, a few words apart.
// Fewer patterns than the pack has: its first rules (WithFirstPatterns).
rules::RulePack WithSyntheticPatterns(const rules::RulePack& base, size_t total_patterns,
                                      const std::vector<std::string>& words) {
  size_t have = 0;
  for (const auto& r : base.rules) have += r.patterns.size();
  if (total_patterns <= have) return WithFirstPatterns(base, total_patterns);
  rules::RulePack pack = base;
  uint64_t state = 0x9e3779b97f4a7c15ULL;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (size_t i = 0; have < total_patterns; ++i, ++have) {
    const std::string& a = words[next() % words.size()];
    const std::string& b = words[next() % words.size()];
    const std::string& c = words[next() % words.size()];
    rules::Rule rule;
    rule.id = fmt::format("synthetic-{}", i);
    rule.category = "synthetic";
    rule.weight = 1;
    rule.patterns.push_back(rules::Pattern{
        i % 2 ? fmt::format(R"(\b{}\W+(\w+\W+){{0,3}}{}\b)", a, b)
              : fmt::format(R"(\b{}\s+({}|{})\w*)", a, b, c),
        {}});
    pack.rules.push_back(std::move(rule));
  }
  return pack;
}

std::vector<std::string> Vocabulary(const rules::Engine& engine,
                                    const std::vector<std::string>& lines) {
  ingest::Decoder decoder;
  text::Normalized n;
  std::vector<std::string> words;
  for (size_t i = 0; i < lines.size() && words.size() < 20000; i += 7) {
    auto m = decoder.Decode(lines[i]);
    if (!m.ok()) continue;
    engine.normalizer().Normalize(m->text, &n);
    std::string_view v = n.view(text::View::kFolded);
    size_t pos = 0;
    while (pos < v.size()) {
      size_t end = pos;
      while (end < v.size() && v[end] >= 'a' && v[end] <= 'z') ++end;
      if (end - pos >= 5) words.emplace_back(v.substr(pos, end - pos));
      pos = end + 1;
    }
  }
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  if (words.size() < 100) Die("too few words in the input to make synthetic patterns");
  return words;
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--rules") {
      o.rules = value();
    } else if (a == "--input") {
      o.inputs.push_back(value());
    } else if (a == "--rounds") {
      o.rounds = std::max(1, std::atoi(value().c_str()));
    } else if (a == "--scaling") {
      o.scaling.clear();
      std::stringstream ss(value());
      std::string item;
      while (std::getline(ss, item, ',')) {
        if (!item.empty()) o.scaling.push_back(std::stoul(item));
      }
    } else {
      Die("unknown argument " + a);
    }
  }
  if (o.inputs.empty()) Die("give at least one --input FILE.jsonl");
  return o;
}

void Run(const Options& o) {
  const auto lines = ReadLines(o.inputs);
  size_t bytes = 0;
  for (const auto& l : lines) bytes += l.size();
  auto pack = rules::LoadPack(o.rules);
  if (!pack.ok()) Die(pack.error().message);
  size_t patterns = 0;
  for (const auto& r : pack->rules) patterns += r.patterns.size();
  const auto engine = BuildEngine(*pack);
  const ThinMatchers thin(*pack);

  std::printf("messages: %zu (%.0f bytes per line on average), pack %s: %zu rules, %zu patterns, "
              "best of %d rounds, one thread\n\n",
              lines.size(), static_cast<double>(bytes) / static_cast<double>(lines.size()),
              engine->version().c_str(), pack->rules.size(), patterns, o.rounds);

  size_t thin_hits = 0, full_flagged = 0;
  const double t_thin = ThinProgram(lines, o.rounds, [&](auto t) { return thin.Hyperscan(t); },
                                    &thin_hits);
  const double t_full = FullProgram(*engine, lines, o.rounds, false, &full_flagged);
  const double t_set =
      ThinProgram(lines, o.rounds, [&](auto t) { return thin.Re2Set(t); }, nullptr);
  const double t_each = ThinProgram(lines, std::max(1, o.rounds / 2),
                                    [&](auto t) { return thin.Re2Each(t); }, nullptr);
  const double t_ref = FullProgram(*engine, lines, std::max(1, o.rounds / 2), true, nullptr);

  auto row = [&](const char* name, double ns, const char* what) {
    std::printf("| %-22s | %9.0f | %9.3f | %6.2f | %s |\n", name, 1e9 / ns, ns / 1000.0,
                t_thin / ns, what);
  };
  std::printf("| program                | msgs/s    | us/msg    | vs thin | what it does |\n");
  std::printf("|---|---:|---:|---:|---|\n");
  row("thin (limit)", t_thin, "simdjson decode, one hs_scan of the raw text, {\"id\",\"hit\"}");
  row("centinela scan path", t_full,
      "decode+validate, normalize, Hyperscan, RE2 confirm, entities, score, JSON");
  row("thin with RE2::Set", t_set, "RE2::Set in place of Hyperscan");
  row("thin with RE2 each", t_each, "RE2 pattern by pattern in place of Hyperscan");
  row("scan path, RE2 only", t_ref, "the full path with RE2 pattern by pattern (reference)");
  std::printf("\nfull path flagged %zu of %zu messages; thin raw-text hits %zu\n\n", full_flagged,
              lines.size(), thin_hits);

  // Stages of the full path, one at a time over the same messages.
  ingest::Decoder decoder;
  std::vector<Message> messages;
  for (const auto& l : lines) {
    auto m = decoder.Decode(l);
    if (m.ok()) messages.push_back(std::move(*m));
  }
  const double s_decode = Measure(o.rounds, lines.size(), [&] {
    for (const auto& l : lines) (void)decoder.Decode(l);
  });
  std::vector<text::Normalized> normalized(messages.size());
  const double s_norm = Measure(o.rounds, lines.size(), [&] {
    for (size_t i = 0; i < messages.size(); ++i) {
      engine->normalizer().Normalize(messages[i].text, &normalized[i]);
    }
  });
  auto mctx = engine->matcher().MakeContext();
  if (!mctx.ok()) Die(mctx.error().message);
  std::vector<rules::RuleMatch> matches;
  const double s_match = Measure(o.rounds, lines.size(), [&] {
    for (const auto& n : normalized) {
      if (!engine->matcher().Match(n, **mctx, &matches).ok()) Die("match failed");
    }
  });
  auto ectx = engine->MakeContext();
  std::vector<ScanResult> results(messages.size());
  const double s_scan = Measure(o.rounds, lines.size(), [&] {
    for (size_t i = 0; i < messages.size(); ++i) {
      if (!engine->Scan(messages[i].text, **ectx, &results[i], messages[i].source).ok()) {
        Die("scan failed");
      }
    }
  });
  std::string out;
  const double s_write = Measure(o.rounds, lines.size(), [&] {
    out.clear();
    for (size_t i = 0; i < messages.size(); ++i) {
      AppendScanLine(messages[i], results[i], engine->version(), &out);
      out.push_back('\n');
    }
  });
  // The lexical layer on the messages it applies to (rules scored at least its min_score),
  // averaged over all messages like the other stages.
  double s_lexical = 0;
  if (engine->pack().lexical) {
    auto created = rules::LexicalScorer::Create(*engine->pack().lexical);
    if (!created.ok()) Die(created.error().message);
    const rules::LexicalScorer& lexical = **created;
    std::vector<const text::Normalized*> applies;
    for (size_t i = 0; i < messages.size(); ++i) {
      // The layer applied where the result lists it; where it did not, the score is the rules'.
      const ScanResult& r = results[i];
      if (rules::LexicalPoints(r) != 0 || r.score >= lexical.settings().min_score) {
        applies.push_back(&normalized[i]);
      }
    }
    double sink = 0;
    s_lexical = Measure(o.rounds, lines.size(), [&] {
      for (const text::Normalized* n : applies) {
        sink += lexical.Points(n->view(text::View::kFolded));
      }
    });
    std::printf("lexical layer applies to %zu of %zu messages (checksum %.0f)\n", applies.size(),
                messages.size(), sink);
  }
  // Engine::Scan minus its normalize, match and lexical stages; on messages where nothing fires
  // this is close to zero and within the noise of the subtraction (shown as 0, never negative).
  const double s_rest = std::max(0.0, s_scan - s_norm - s_match - s_lexical);
  std::printf("| stage of the full path | ns/msg | share |\n|---|---:|---:|\n");
  const double sum = s_decode + s_scan + s_write;
  for (auto [name, ns] : {std::pair{"decode + validate (simdjson DOM)", s_decode},
                          std::pair{"normalize (views + offset maps)", s_norm},
                          std::pair{"match (Hyperscan + RE2 confirm)", s_match},
                          std::pair{"lexical layer (where it applies)", s_lexical},
                          std::pair{"rest of Scan: entities, score, key", s_rest},
                          std::pair{"write the JSON line", s_write}}) {
    std::printf("| %-34s | %6.0f | %4.1f%% |\n", name, ns, 100.0 * ns / sum);
  }
  std::printf("| %-34s | %6.0f |       |\n\n", "sum of stages", sum);

  // Scaling with the number of patterns.
  const auto words = Vocabulary(*engine, lines);
  std::printf("| patterns | thin msgs/s | full msgs/s | full/thin | Hyperscan db | max RSS |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|\n");
  for (size_t n : o.scaling) {
    auto big = WithSyntheticPatterns(*pack, n, words);
    const auto e = BuildEngine(big);
    const ThinMatchers t(big);
    const double a = ThinProgram(lines, std::max(1, o.rounds / 2),
                                 [&](auto x) { return t.Hyperscan(x); }, nullptr);
    const double b = FullProgram(*e, lines, std::max(1, o.rounds / 2), false, nullptr);
    std::printf("| %8zu | %11.0f | %11.0f | %9.2f | %9.1f MiB | %7.0f MiB |\n", n, 1e9 / a,
                1e9 / b, a / b, static_cast<double>(e->matcher().database_bytes()) / 1048576.0,
                static_cast<double>(MaxRssKib()) / 1024.0);
  }
}

}  // namespace
}  // namespace centinela::bench

int main(int argc, char** argv) {
  centinela::bench::Run(centinela::bench::ParseArgs(argc, argv));
  return 0;
}
