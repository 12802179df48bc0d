#include "rules/pack.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string_view>
#include <tuple>

#include "common/sha256.h"
#include "rules/lexical.h"

namespace centinela::rules {
namespace {

namespace fs = std::filesystem;

bool ValidId(std::string_view id);

// Collects the first error while walking a document; the walk stops adding once one is set.
class Checker {
 public:
  explicit Checker(std::string file) : file_(std::move(file)) {}

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }

  SourceLocation Where(const YAML::Node& node) const {
    return SourceLocation{file_, node.Mark().line + 1};
  }
  void Fail(const YAML::Node& node, std::string_view context, std::string_view reason) {
    if (failed()) return;
    error_ = Where(node).ToString() + ": ";
    if (!context.empty()) error_ += std::string(context) + ": ";
    error_ += reason;
  }

  void CheckKeys(const YAML::Node& map, std::initializer_list<std::string_view> known,
                 std::string_view context) {
    for (const auto& kv : map) {
      const std::string key = kv.first.Scalar();
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        Fail(kv.first, context, "unknown key '" + key + "'");
        return;
      }
    }
  }

  std::string String(const YAML::Node& node, std::string_view context, std::string_view what) {
    if (!node.IsScalar()) {
      Fail(node, context, std::string(what) + " must be a string");
      return {};
    }
    return node.Scalar();
  }

  int Int(const YAML::Node& node, std::string_view context, std::string_view what, int lo,
          int hi) {
    int value = 0;
    if (!node.IsScalar() || !YAML::convert<int>::decode(node, value)) {
      Fail(node, context, std::string(what) + " must be a whole number");
      return 0;
    }
    if (value < lo || value > hi) {
      Fail(node, context,
           std::string(what) + " must be between " + std::to_string(lo) + " and " +
               std::to_string(hi) + ", not " + std::to_string(value));
    }
    return value;
  }

  double Number(const YAML::Node& node, std::string_view context, std::string_view what,
                double lo, double hi) {
    double value = 0;
    if (!node.IsScalar() || !YAML::convert<double>::decode(node, value) || !std::isfinite(value)) {
      Fail(node, context, std::string(what) + " must be a number");
      return 0;
    }
    if (value < lo || value > hi) {
      Fail(node, context, fmt::format("{} must be between {} and {}, not {}", what, lo, hi, value));
    }
    return value;
  }

  std::vector<std::string> Strings(const YAML::Node& node, std::string_view context,
                                   std::string_view what) {
    std::vector<std::string> out;
    if (!node.IsSequence()) {
      Fail(node, context, std::string(what) + " must be a list");
      return out;
    }
    for (const auto& item : node) out.push_back(String(item, context, what));
    return out;
  }

  // A `sources` list: non-empty, each a non-empty name, none twice.
  std::vector<std::string> Sources(const YAML::Node& node, std::string_view context) {
    std::vector<std::string> out = Strings(node, context, "sources");
    if (failed()) return out;
    if (out.empty()) Fail(node, context, "sources must name at least one source (or be left out)");
    for (size_t i = 0; i < out.size() && !failed(); ++i) {
      if (out[i].empty()) Fail(node, context, "sources: empty source name");
      if (!out[i].empty() && !ValidId(out[i])) {
        Fail(node, context, "sources: '" + out[i] +
                                "' must be lowercase letters, digits, '-', '_' or '.' (messages' "
                                "sources are compared without case)");
      }
      if (std::find(out.begin(), out.begin() + i, out[i]) != out.begin() + i) {
        Fail(node, context, "sources: '" + out[i] + "' listed twice");
      }
    }
    return out;
  }

 private:
  std::string file_;
  std::string error_;
};

bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > 80) return false;
  if (!std::isalnum(static_cast<unsigned char>(id[0]))) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

void ParseRule(const YAML::Node& node, Checker& c, RulePack* pack) {
  if (!node.IsMap()) return c.Fail(node, "", "each rule must be a mapping");
  Rule rule;
  rule.where = c.Where(node);
  if (!node["id"]) return c.Fail(node, "", "rule without an 'id'");
  rule.id = c.String(node["id"], "", "id");
  const std::string ctx = "rule '" + rule.id + "'";
  if (!ValidId(rule.id)) {
    return c.Fail(node["id"], ctx, "id must be lowercase letters, digits, '-', '_' or '.'");
  }
  c.CheckKeys(node, {"id", "category", "weight", "view", "patterns", "examples", "description",
                     "sources"},
              ctx);
  for (const char* required : {"category", "weight", "patterns", "examples"}) {
    if (!node[required]) return c.Fail(node, ctx, std::string("missing '") + required + "'");
  }
  rule.category = c.String(node["category"], ctx, "category");
  rule.weight = c.Int(node["weight"], ctx, "weight", -100, 100);
  if (rule.weight == 0) c.Fail(node["weight"], ctx, "weight must not be 0");
  if (node["view"]) {
    const std::string view = c.String(node["view"], ctx, "view");
    auto parsed = text::ParseView(view);
    if (!parsed) return c.Fail(node["view"], ctx, "unknown view '" + view + "' (raw, folded)");
    rule.view = *parsed;
  }
  if (node["description"]) rule.description = c.String(node["description"], ctx, "description");
  if (node["sources"]) rule.sources = c.Sources(node["sources"], ctx);
  const YAML::Node patterns = node["patterns"];
  if (!patterns.IsSequence() || patterns.size() == 0) {
    return c.Fail(patterns, ctx, "patterns must be a non-empty list");
  }
  for (const auto& p : patterns) {
    rule.patterns.push_back(Pattern{c.String(p, ctx, "pattern"), c.Where(p)});
    if (!c.failed() && rule.patterns.back().regex.empty()) c.Fail(p, ctx, "empty pattern");
  }
  const YAML::Node examples = node["examples"];
  if (!examples.IsMap()) return c.Fail(examples, ctx, "examples must have match and no_match");
  c.CheckKeys(examples, {"match", "no_match"}, ctx);
  if (!examples["match"] || !examples["no_match"]) {
    return c.Fail(examples, ctx, "examples need both 'match' and 'no_match' lists");
  }
  rule.match_examples = c.Strings(examples["match"], ctx, "examples.match");
  rule.no_match_examples = c.Strings(examples["no_match"], ctx, "examples.no_match");
  if (!c.failed() && (rule.match_examples.empty() || rule.no_match_examples.empty())) {
    c.Fail(examples, ctx, "examples need at least one 'match' and one 'no_match'");
  }
  pack->rules.push_back(std::move(rule));
}

void ParseComposite(const YAML::Node& node, Checker& c, RulePack* pack) {
  if (!node.IsMap()) return c.Fail(node, "", "each composite must be a mapping");
  Composite comp;
  comp.where = c.Where(node);
  if (!node["id"]) return c.Fail(node, "", "composite without an 'id'");
  comp.id = c.String(node["id"], "", "id");
  const std::string ctx = "composite '" + comp.id + "'";
  if (!ValidId(comp.id)) {
    return c.Fail(node["id"], ctx, "id must be lowercase letters, digits, '-', '_' or '.'");
  }
  c.CheckKeys(node, {"id", "category", "weight", "all", "any", "at_least", "description",
                     "sources"},
              ctx);
  if (!node["weight"]) return c.Fail(node, ctx, "missing 'weight'");
  comp.weight = c.Int(node["weight"], ctx, "weight", -100, 100);
  if (node["category"]) comp.category = c.String(node["category"], ctx, "category");
  if (node["description"]) comp.description = c.String(node["description"], ctx, "description");
  if (node["sources"]) comp.sources = c.Sources(node["sources"], ctx);
  const int kinds = (node["all"] ? 1 : 0) + (node["any"] ? 1 : 0) + (node["at_least"] ? 1 : 0);
  if (kinds != 1) return c.Fail(node, ctx, "needs exactly one of 'all', 'any', 'at_least'");
  if (node["all"]) {
    comp.kind = Composite::Kind::kAll;
    comp.members = c.Strings(node["all"], ctx, "all");
  } else if (node["any"]) {
    comp.kind = Composite::Kind::kAny;
    comp.members = c.Strings(node["any"], ctx, "any");
  } else {
    const YAML::Node at = node["at_least"];
    if (!at.IsMap() || !at["n"] || !at["of"]) {
      return c.Fail(at, ctx, "at_least needs {n: N, of: [ids]}");
    }
    c.CheckKeys(at, {"n", "of"}, ctx);
    comp.kind = Composite::Kind::kAtLeast;
    comp.members = c.Strings(at["of"], ctx, "at_least.of");
    comp.at_least = c.Int(at["n"], ctx, "at_least.n", 1, static_cast<int>(comp.members.size()));
  }
  if (!c.failed() && comp.members.empty()) c.Fail(node, ctx, "has no members");
  pack->composites.push_back(std::move(comp));
}

// One table of the lexical section: term -> points, each term one word (`words` 1) or a pair of
// words joined by one space (`words` 2), written as LexicalTokens writes them.
void ParseLexicalTerms(const YAML::Node& node, size_t words, std::string_view what, Checker& c,
                       std::vector<LexicalWeight>* out) {
  const std::string ctx = "lexical." + std::string(what);
  if (!node.IsMap()) return c.Fail(node, ctx, "must be a mapping of term: points");
  std::vector<LexicalToken> tokens;
  std::set<std::string> seen;
  for (const auto& kv : node) {
    if (c.failed()) return;
    const std::string term = kv.first.Scalar();
    if (!seen.insert(term).second) return c.Fail(kv.first, ctx, "'" + term + "' listed twice");
    LexicalTokens(term, &tokens);
    std::string written;
    for (const LexicalToken& t : tokens) written += (written.empty() ? "" : " ") + t.text;
    if (tokens.size() != words || written != term) {
      return c.Fail(kv.first, ctx,
                    "'" + term + "' is not " + (words == 1 ? "one word" : "two words") +
                        " as the lexical layer reads them (lowercase letters, digits as 0, '$'" +
                        (words == 1 ? ")" : "; one space between)"));
    }
    out->push_back(LexicalWeight{term, c.Number(kv.second, ctx, "'" + term + "'", -100, 100)});
  }
}

void ParseLexical(const YAML::Node& node, Checker& c, RulePack* pack) {
  if (pack->lexical) {
    return c.Fail(node, "lexical", "a pack has one lexical section, and " +
                                       pack->lexical->where.ToString() + " already set it");
  }
  if (!node.IsMap()) return c.Fail(node, "lexical", "must be a mapping");
  c.CheckKeys(node, {"description", "min_score", "max_up", "max_down", "bias", "unigrams",
                     "bigrams"},
              "lexical");
  Lexical lexical;
  lexical.where = c.Where(node);
  if (const YAML::Node d = node["description"]) {
    lexical.description = c.String(d, "lexical", "description");
  }
  // min_score at least 1: the wording alone never flags a text the rules found nothing in.
  for (auto [key, value, lowest] : {std::tuple{"min_score", &lexical.min_score, 1},
                                    std::tuple{"max_up", &lexical.max_up, 0},
                                    std::tuple{"max_down", &lexical.max_down, 0}}) {
    if (const YAML::Node n = node[key]) *value = c.Int(n, "lexical", key, lowest, 100);
  }
  if (const YAML::Node b = node["bias"]) lexical.bias = c.Number(b, "lexical", "bias", -100, 100);
  if (node["unigrams"]) ParseLexicalTerms(node["unigrams"], 1, "unigrams", c, &lexical.unigrams);
  if (node["bigrams"]) ParseLexicalTerms(node["bigrams"], 2, "bigrams", c, &lexical.bigrams);
  if (!c.failed()) pack->lexical = std::move(lexical);
}

void ParseDocument(const YAML::Node& doc, bool first_file, Checker& c, RulePack* pack) {
  if (!doc.IsMap()) return c.Fail(doc, "", "a rule pack file must be a mapping");
  c.CheckKeys(doc, {"pack", "version", "description", "thresholds", "category_caps", "rules",
                    "composites", "lexical"},
              "");
  if (first_file) {
    if (!doc["pack"] || !doc["version"]) {
      return c.Fail(doc, "", "the first file of a pack must set 'pack' and 'version'");
    }
    pack->name = c.String(doc["pack"], "", "pack");
    pack->version = c.String(doc["version"], "", "version");
  } else {
    if (doc["pack"] && doc["pack"].Scalar() != pack->name) {
      return c.Fail(doc["pack"], "", "names pack '" + doc["pack"].Scalar() +
                                         "' but the folder's pack is '" + pack->name + "'");
    }
    if (doc["version"] && doc["version"].Scalar() != pack->version) {
      return c.Fail(doc["version"], "", "version differs from the pack's '" + pack->version + "'");
    }
  }
  if (const YAML::Node t = doc["thresholds"]) {
    if (!t.IsMap()) return c.Fail(t, "thresholds", "must be a mapping");
    c.CheckKeys(t, {"review", "alert", "publish"}, "thresholds");
    if (t["review"]) pack->thresholds.review = c.Int(t["review"], "thresholds", "review", 1, 100);
    if (t["alert"]) pack->thresholds.alert = c.Int(t["alert"], "thresholds", "alert", 1, 100);
    if (t["publish"]) {
      pack->thresholds.publish = c.Int(t["publish"], "thresholds", "publish", 1, 100);
    }
    const Thresholds& th = pack->thresholds;
    if (!(th.review <= th.alert && th.alert <= th.publish)) {
      c.Fail(t, "thresholds", "must rise: review <= alert <= publish");
    }
  }
  if (const YAML::Node caps = doc["category_caps"]) {
    if (!caps.IsMap()) return c.Fail(caps, "category_caps", "must be a mapping");
    for (const auto& kv : caps) {
      pack->category_caps[kv.first.Scalar()] =
          c.Int(kv.second, "category_caps", kv.first.Scalar(), 0, 100);
    }
  }
  if (const YAML::Node rules = doc["rules"]) {
    if (!rules.IsSequence()) return c.Fail(rules, "", "'rules' must be a list");
    for (const auto& r : rules) {
      if (c.failed()) return;
      ParseRule(r, c, pack);
    }
  }
  if (const YAML::Node lexical = doc["lexical"]) ParseLexical(lexical, c, pack);
  if (const YAML::Node comps = doc["composites"]) {
    if (!comps.IsSequence()) return c.Fail(comps, "", "'composites' must be a list");
    for (const auto& r : comps) {
      if (c.failed()) return;
      ParseComposite(r, c, pack);
    }
  }
}

Status ParseFile(const std::string& yaml, const std::string& file, bool first_file,
                 RulePack* pack) {
  YAML::Node doc;
  try {
    doc = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return Error{file + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg};
  }
  Checker checker(file);
  try {
    ParseDocument(doc, first_file, checker, pack);
  } catch (const YAML::Exception& e) {
    return Error{file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
  if (checker.failed()) return Error{checker.error()};
  return Status::Ok();
}

Result<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path.string() + ": cannot read: " + std::strerror(errno)};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Result<RulePack> ParsePack(const std::string& yaml, const std::string& file) {
  RulePack pack;
  pack.files.push_back(file);
  if (Status s = ParseFile(yaml, file, true, &pack); !s.ok()) return s.error();
  if (Status s = LinkPack(&pack); !s.ok()) return s.error();
  pack.digest = Sha256::Hex(yaml);
  return pack;
}

namespace {

struct PackFile {
  fs::path path;
  std::string bytes;
};

// The pack's files in load order, read whole.
Result<std::vector<PackFile>> ReadPackFiles(const fs::path& path) {
  std::error_code ec;
  std::vector<fs::path> paths;
  if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      const auto ext = entry.path().extension();
      if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) {
        paths.push_back(entry.path());
      }
    }
    if (ec) return Error{path.string() + ": cannot list: " + ec.message()};
    std::sort(paths.begin(), paths.end());
    if (paths.empty()) return Error{path.string() + ": no .yaml files in the folder"};
  } else if (fs::exists(path, ec)) {
    paths.push_back(path);
  } else {
    return Error{path.string() + ": no such file or folder"};
  }
  std::vector<PackFile> files;
  for (const fs::path& p : paths) {
    auto bytes = ReadFile(p);
    if (!bytes.ok()) return bytes.error();
    files.push_back(PackFile{p, std::move(*bytes)});
  }
  return files;
}

std::string Digest(const std::vector<PackFile>& files) {
  Sha256 digest;
  for (const PackFile& f : files) {
    digest.Update(f.path.filename().string());
    digest.Update(std::string_view("\0", 1));
    digest.Update(f.bytes);
  }
  return digest.FinishHex();
}

}  // namespace

Result<std::string> PackDigest(const fs::path& path) {
  auto files = ReadPackFiles(path);
  if (!files.ok()) return files.error();
  return Digest(*files);
}

Result<RulePack> LoadPack(const fs::path& path) {
  auto files = ReadPackFiles(path);
  if (!files.ok()) return files.error();
  RulePack pack;
  for (size_t i = 0; i < files->size(); ++i) {
    const PackFile& f = (*files)[i];
    pack.files.push_back(f.path.string());
    if (Status s = ParseFile(f.bytes, f.path.string(), i == 0, &pack); !s.ok()) {
      return s.error();
    }
  }
  if (Status s = LinkPack(&pack); !s.ok()) return s.error();
  pack.digest = Digest(*files);
  return pack;
}

Status LinkPack(RulePack* pack) {
  std::map<std::string, uint32_t> slots;  // id -> slot, for rules and the composites so far
  for (uint32_t i = 0; i < pack->rules.size(); ++i) {
    const Rule& r = pack->rules[i];
    if (!slots.emplace(r.id, i).second) {
      return Error{r.where.ToString() + ": rule '" + r.id + "': duplicate id"};
    }
    if (r.id == kLexicalRuleId) {
      return Error{r.where.ToString() + ": rule 'lexical': the id is the lexical layer's"};
    }
  }
  const auto rule_count = static_cast<uint32_t>(pack->rules.size());
  for (uint32_t i = 0; i < pack->composites.size(); ++i) {
    Composite& c = pack->composites[i];
    c.member_slots.clear();
    for (const std::string& m : c.members) {
      auto it = slots.find(m);
      if (it == slots.end()) {
        return Error{c.where.ToString() + ": composite '" + c.id + "': undefined member '" + m +
                     "' (members are rule ids or composites defined above)"};
      }
      if (std::find(c.member_slots.begin(), c.member_slots.end(), it->second) !=
          c.member_slots.end()) {
        return Error{c.where.ToString() + ": composite '" + c.id + "': member '" + m +
                     "' listed twice"};
      }
      c.member_slots.push_back(it->second);
    }
    if (!slots.emplace(c.id, rule_count + i).second) {
      return Error{c.where.ToString() + ": composite '" + c.id + "': duplicate id"};
    }
    if (c.id == kLexicalRuleId) {
      return Error{c.where.ToString() + ": composite 'lexical': the id is the lexical layer's"};
    }
  }
  for (const auto& [category, cap] : pack->category_caps) {
    if (cap < 0 || cap > 100) {
      return Error{pack->files.front() + ": category_caps: " + category + ": " +
                   std::to_string(cap) + " is outside 0..100"};
    }
  }
  if (pack->rules.empty()) return Error{pack->files.front() + ": the pack has no rules"};
  std::vector<std::string> sources;
  auto count = [&](const std::vector<std::string>& named, const SourceLocation& where,
                   const std::string& id) -> Status {
    for (const std::string& s : named) {
      if (!ValidId(s)) {
        return Error{where.ToString() + ": '" + id + "': source '" + s +
                     "' must be lowercase letters, digits, '-', '_' or '.'"};
      }
      if (std::find(sources.begin(), sources.end(), s) != sources.end()) continue;
      sources.push_back(s);
      if (sources.size() > kMaxSources) {
        return Error{where.ToString() + ": '" + id + "': source '" + s + "' is one more than the " +
                     std::to_string(kMaxSources) + " distinct sources a pack may name"};
      }
    }
    return Status::Ok();
  };
  for (const Rule& r : pack->rules) {
    if (Status s = count(r.sources, r.where, r.id); !s.ok()) return s;
  }
  for (const Composite& c : pack->composites) {
    if (Status s = count(c.sources, c.where, c.id); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace centinela::rules
