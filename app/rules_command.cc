// centinela rules check | rules test (DESIGN.md section 3, CLI).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include <fmt/format.h>

#include "app/commands.h"
#include "app/flags.h"
#include "common/json_writer.h"
#include "ingest/jsonl_reader.h"
#include "ingest/labelled.h"
#include "rules/engine.h"

namespace centinela::app {

std::string FindBundled(const std::string& relative) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(relative, ec)) return relative;
  const fs::path bundled = fs::path(CENTINELA_SOURCE_DIR) / relative;
  if (fs::exists(bundled, ec)) return bundled.string();
  return relative;
}

std::string SourceFlag(const std::optional<std::string>& value, const char* command) {
  const std::string source = value.value_or("");
  if (!source.empty() && !rules::IsTopicSource(source)) {
    fmt::print(stderr, "{}: warning: --source '{}' is neither {} nor {}\n", command, source,
               rules::kTipSource, rules::kPostSource);
  }
  return source;
}

namespace {

constexpr const char* kCheckUsage = "usage: centinela rules check [PATH]\n";
constexpr const char* kTestUsage =
    "usage: centinela rules test [PATH] --corpus FILE [--format table|json] [--min-precision P]\n"
    "                            [--min-recall R] [--max-false-alarm-rate F] [--source NAME]\n"
    "  --source NAME  the source of corpus lines that give none (tip, post)\n";

// Confusion counts; "flagged" means action review or above.
struct Counts {
  size_t tp = 0, fp = 0, fn = 0, tn = 0;
  void Add(bool scam, bool flagged) {
    (scam ? (flagged ? tp : fn) : (flagged ? fp : tn)) += 1;
  }
  size_t total() const { return tp + fp + fn + tn; }
  // With nothing flagged there is no false alarm: precision 1. With no scam, recall 1.
  double precision() const { return tp + fp ? double(tp) / double(tp + fp) : 1.0; }
  double recall() const { return tp + fn ? double(tp) / double(tp + fn) : 1.0; }
  double false_alarm_rate() const { return fp + tn ? double(fp) / double(fp + tn) : 0.0; }
};

struct RuleStats {
  size_t fired = 0;
  size_t agree = 0;  // fired on scam for a positive rule, on legit for a negative one
  double precision() const { return fired ? double(agree) / double(fired) : 1.0; }
};

Result<std::shared_ptr<const rules::Engine>> Load(const std::string& path,
                                                  std::vector<std::string>* warnings,
                                                  bool measure_costs) {
  rules::EngineOptions options;
  options.cache_dir = rules::DefaultCacheDir();
  options.measure_costs = measure_costs;
  return rules::LoadEngine(path, options, warnings);
}

void WriteCounts(JsonWriter& w, const Counts& c) {
  w.BeginObject();
  w.Key("messages");
  w.Int(static_cast<int64_t>(c.total()));
  w.Key("tp");
  w.Int(static_cast<int64_t>(c.tp));
  w.Key("fp");
  w.Int(static_cast<int64_t>(c.fp));
  w.Key("fn");
  w.Int(static_cast<int64_t>(c.fn));
  w.Key("tn");
  w.Int(static_cast<int64_t>(c.tn));
  w.Key("precision");
  w.Double(c.precision());
  w.Key("recall");
  w.Double(c.recall());
  w.Key("false_alarm_rate");
  w.Double(c.false_alarm_rate());
  w.EndObject();
}

std::string CountsRow(std::string_view name, const Counts& c) {
  return fmt::format("  {:<22} {:>6} {:>5} {:>5} {:>5} {:>6}  {:>9.4f} {:>7.4f} {:>8.4f}\n", name,
                     c.total(), c.tp, c.fp, c.fn, c.tn, c.precision(), c.recall(),
                     c.false_alarm_rate());
}

std::optional<double> ParseFraction(const std::string& s) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !(v >= 0.0 && v <= 1.0)) return std::nullopt;
  return v;
}

}  // namespace

int RulesCheckCommand(const Args& args) {
  ParsedFlags flags;
  if (auto err = ParseFlags(args, {}, {"help"}, &flags); err || flags.positional.size() > 1) {
    std::fprintf(stderr, "centinela rules check: %s\n%s",
                 err ? err->c_str() : "give at most one PATH", kCheckUsage);
    return 2;
  }
  if (flags.Has("help")) {
    std::fputs(kCheckUsage, stdout);
    return 0;
  }
  const std::string path =
      flags.positional.empty() ? FindBundled("config/rules") : flags.positional[0];
  if (std::error_code ec; !std::filesystem::exists(path, ec)) {  // used wrongly, not a bad pack
    std::fprintf(stderr, "centinela rules check: no rule pack at '%s'\n", path.c_str());
    return 2;
  }
  std::vector<std::string> warnings;
  auto engine = Load(path, &warnings, true);
  if (!engine.ok()) {
    std::fprintf(stderr, "%s\n", engine.error().message.c_str());
    return 1;
  }
  for (const std::string& w : warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  const rules::RulePack& pack = (*engine)->pack();
  size_t examples = 0;
  for (const auto& r : pack.rules) examples += r.match_examples.size() + r.no_match_examples.size();
  std::printf("%s %s: %zu rules, %zu composites, %zu examples pass, %zu warnings (%zu files)\n",
              pack.name.c_str(), (*engine)->version().c_str(), pack.rules.size(),
              pack.composites.size(), examples, warnings.size(), pack.files.size());
  return 0;
}

int RulesTestCommand(const Args& args) {
  ParsedFlags flags;
  auto err = ParseFlags(args,
                        {"corpus", "format", "min-precision", "min-recall",
                         "max-false-alarm-rate", "source"},
                        {"help"}, &flags);
  if (flags.Has("help")) {
    std::fputs(kTestUsage, stdout);
    return 0;
  }
  if (err || flags.positional.size() > 1 || !flags.Get("corpus")) {
    std::fprintf(stderr, "centinela rules test: %s\n%s",
                 err ? err->c_str() : "--corpus FILE is required (and at most one PATH)",
                 kTestUsage);
    return 2;
  }
  const std::string format = flags.Get("format").value_or("table");
  if (format != "table" && format != "json") {
    std::fprintf(stderr, "centinela rules test: --format must be table or json\n");
    return 2;
  }
  std::optional<double> min_precision, min_recall, max_far;
  for (auto [name, dst] : {std::pair{"min-precision", &min_precision},
                           std::pair{"min-recall", &min_recall},
                           std::pair{"max-false-alarm-rate", &max_far}}) {
    if (auto v = flags.Get(name)) {
      *dst = ParseFraction(*v);
      if (!*dst) {
        std::fprintf(stderr, "centinela rules test: --%s must be a number from 0 to 1\n", name);
        return 2;
      }
    }
  }
  const std::string default_source = SourceFlag(flags.Get("source"), "centinela rules test");
  const std::string path =
      flags.positional.empty() ? FindBundled("config/rules") : flags.positional[0];
  std::vector<std::string> pack_warnings;  // without the cost lint: the source lint only
  auto engine = Load(path, &pack_warnings, false);
  if (!engine.ok()) {
    std::fprintf(stderr, "rule pack refused: %s\n", engine.error().message.c_str());
    return 2;
  }
  for (const std::string& w : pack_warnings) {
    std::fprintf(stderr, "centinela rules test: warning: %s\n", w.c_str());
  }
  auto context = (*engine)->MakeContext();
  auto reader = ingest::JsonlReader::Open(*flags.Get("corpus"));
  if (!context.ok() || !reader.ok()) {
    std::fprintf(stderr, "centinela rules test: %s\n",
                 (!context.ok() ? context.error() : reader.error()).message.c_str());
    return 2;
  }

  const rules::RulePack& pack = (*engine)->pack();
  std::map<std::string, int> rule_weight;
  for (const auto& r : pack.rules) rule_weight[r.id] = r.weight;
  for (const auto& c : pack.composites) rule_weight[c.id] = c.weight;

  Counts overall;
  std::map<std::string, Counts> by_category, by_lang;
  std::map<std::string, RuleStats> by_rule;
  std::vector<std::string> misses, false_alarms;
  size_t bad_lines = 0;
  ingest::Decoder decoder;
  ScanResult result;
  std::string_view line;
  size_t line_number = 0;
  while (true) {
    auto more = (*reader)->Next(&line, &line_number);
    if (!more.ok()) {
      std::fprintf(stderr, "centinela rules test: %s\n", more.error().message.c_str());
      return 2;
    }
    if (!*more) break;
    auto item = ingest::DecodeLabelled(decoder, line);
    if (!item.ok()) {
      ++bad_lines;
      std::fprintf(stderr, "corpus line %zu skipped: %s\n", line_number,
                   item.error().message.c_str());
      continue;
    }
    if (item->message.source.empty()) item->message.source = default_source;
    if (Status s = (*engine)->Scan(item->message.text, **context, &result, item->message.source);
        !s.ok()) {
      std::fprintf(stderr, "engine failure: %s\n", s.message().c_str());
      return 2;
    }
    const bool flagged = result.action >= Action::kReview;
    overall.Add(item->scam, flagged);
    by_category[item->category.empty() ? "(none)" : item->category].Add(item->scam, flagged);
    by_lang[item->message.lang.empty() ? "(none)" : item->message.lang].Add(item->scam, flagged);
    for (const RuleHit& h : result.rules) {
      RuleStats& s = by_rule[h.id];
      ++s.fired;
      s.agree += (h.weight >= 0) == item->scam ? 1 : 0;  // legit counts only for negative
    }
    if (item->scam && !flagged) misses.push_back(item->message.id);
    if (!item->scam && flagged) {
      std::string why = item->message.id + " (" + std::to_string(result.score) + ":";
      for (const RuleHit& h : result.rules) why += " " + h.id;
      false_alarms.push_back(why + ")");
    }
  }

  if (overall.total() == 0) {  // nothing measured passes no bound
    std::fprintf(stderr,
                 "centinela rules test: %s has no labelled message (each line needs \"label\": "
                 "\"scam\" or \"legit\")\n",
                 flags.Get("corpus")->c_str());
    return 2;
  }
  bool pass = true;
  std::string verdicts;
  auto check = [&](const char* what, std::optional<double> bound, double value, bool at_least) {
    if (!bound) return;
    const bool ok = at_least ? value >= *bound : value <= *bound;
    pass = pass && ok;
    verdicts += fmt::format("{} {:.4f} {} {} {:.4f}: {}\n", what, value, ok ? "meets" : "FAILS",
                            at_least ? "minimum" : "maximum", *bound, ok ? "ok" : "FAIL");
  };
  check("precision", min_precision, overall.precision(), true);
  check("recall", min_recall, overall.recall(), true);
  check("false alarm rate", max_far, overall.false_alarm_rate(), false);

  if (format == "json") {
    std::string out;
    JsonWriter w(&out);
    w.BeginObject();
    w.Key("pack");
    w.String((*engine)->version());
    w.Key("bad_lines");
    w.Int(static_cast<int64_t>(bad_lines));
    w.Key("overall");
    WriteCounts(w, overall);
    for (auto [key, table] :
         {std::pair{"categories", &by_category}, std::pair{"languages", &by_lang}}) {
      w.Key(key);
      w.BeginObject();
      for (const auto& [name, c] : *table) {
        w.Key(name);
        WriteCounts(w, c);
      }
      w.EndObject();
    }
    w.Key("rules");
    w.BeginObject();
    for (const auto& [id, s] : by_rule) {
      w.Key(id);
      w.BeginObject();
      w.Key("weight");
      w.Int(rule_weight[id]);
      w.Key("fired");
      w.Int(static_cast<int64_t>(s.fired));
      w.Key("precision");
      w.Double(s.precision());
      w.EndObject();
    }
    w.EndObject();
    w.Key("misses");
    w.BeginArray();
    for (const auto& m : misses) w.String(m);
    w.EndArray();
    w.Key("false_alarms");
    w.BeginArray();
    for (const auto& m : false_alarms) w.String(m);
    w.EndArray();
    w.Key("pass");
    w.Bool(pass);
    w.EndObject();
    std::printf("%s\n", out.c_str());
  } else {
    std::string out = fmt::format("pack {} on {} ({} messages, {} bad lines skipped)\n\n",
                                  (*engine)->version(), *flags.Get("corpus"), overall.total(),
                                  bad_lines);
    const std::string header =
        fmt::format("  {:<22} {:>6} {:>5} {:>5} {:>5} {:>6}  {:>9} {:>7} {:>8}\n", "", "msgs",
                    "tp", "fp", "fn", "tn", "precision", "recall", "false-al");
    out += header + CountsRow("overall", overall);
    out += "\nper category\n" + header;
    for (const auto& [name, c] : by_category) out += CountsRow(name, c);
    out += "\nper language\n" + header;
    for (const auto& [name, c] : by_lang) out += CountsRow(name, c);
    out += fmt::format("\nper rule (precision: share of its firings on scam, or on legit for a "
                       "negative weight; for the lexical layer, of its moves toward the label)\n"
                       "  {:<34} {:>6} {:>6} {:>9}\n",
                       "rule", "weight", "fired", "precision");
    for (const auto& [id, s] : by_rule) {
      const std::string weight = id == rules::kLexicalRuleId
                                     ? std::string("layer")
                                     : fmt::format("{:+d}", rule_weight[id]);
      out += fmt::format("  {:<34} {:>6} {:>6} {:>9.4f}\n", id, weight, s.fired, s.precision());
    }
    if (!misses.empty()) {
      out += "\nmissed scams: " + fmt::format("{}", fmt::join(misses, " ")) + "\n";
    }
    if (!false_alarms.empty()) {
      out += "\nfalse alarms:\n  " + fmt::format("{}", fmt::join(false_alarms, "\n  ")) + "\n";
    }
    if (!verdicts.empty()) out += "\n" + verdicts;
    std::fputs(out.c_str(), stdout);
  }
  return pass ? 0 : 1;
}

}  // namespace centinela::app
