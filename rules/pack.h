#pragma once
// Rule packs: the YAML files operators own (DESIGN.md section 4), loaded into plain data.
//
// LoadPack reads one YAML file, or every *.yaml / *.yml file of a folder in name order (the first
// file names the pack and its version; later files may only add rules, composites and the one
// `lexical` section (rules/lexical.h), or repeat the same name and version). It checks the
// document's shape: known keys only, right types, required keys present, ids unique, composite
// members defined, weights and thresholds in range.
// Pattern compilation, cost and the examples are checked later by Engine::Build, which needs the
// matcher; both report errors the same way:
//
//   config/rules/notario.yaml:42: rule 'notario-offer': unknown key 'wieght'
//
// Key names are a contract with operators and outside tools: add keys, never rename.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "text/normalizer.h"

namespace centinela::rules {

// Where something was written, for error messages: "file:line".
struct SourceLocation {
  std::string file;
  int line = 0;  // 1-based
  std::string ToString() const { return file + ":" + std::to_string(line); }
};

struct Pattern {
  std::string regex;  // RE2 syntax; matched case-insensitively
  SourceLocation where;
};

struct Rule {
  std::string id;        // stable, never reused for another meaning
  std::string category;  // scam type, or a kind of legitimacy evidence
  int weight = 0;        // negative: evidence of legitimacy
  text::View view = text::View::kFolded;
  std::vector<Pattern> patterns;
  std::vector<std::string> match_examples;
  std::vector<std::string> no_match_examples;
  std::string description;
  // The message sources (the input's `source`, e.g. "tip", "post") the rule counts for; empty:
  // every message. On a message from another source, or without one, it is as if it never fired
  // (not scored, not a member of any composite). Its examples are judged as from sources[0].
  std::vector<std::string> sources;
  SourceLocation where;
};

struct Composite {
  enum class Kind : uint8_t { kAll, kAny, kAtLeast };
  std::string id;
  std::string category;  // optional; when set, the composite's weight counts against its cap
  int weight = 0;
  Kind kind = Kind::kAll;
  int at_least = 0;                  // for kAtLeast
  std::vector<std::string> members;  // rule ids, or ids of composites defined earlier
  std::string description;
  std::vector<std::string> sources;  // as Rule::sources
  SourceLocation where;
  // The members resolved by LinkPack: a rule's index in RulePack::rules, or rules.size() plus a
  // composite's index in RulePack::composites. Scoring reads these, never the ids.
  std::vector<uint32_t> member_slots;
};

// The pack's `lexical` section: learned weights for the words and word pairs of the folded view,
// in score points (rules/lexical.h says how they score; tests/data/fit_lexical.py fits them).
struct LexicalWeight {
  std::string term;  // a word, or two words joined by one space, as LexicalTokens writes them
  double points = 0;
};
struct Lexical {
  int min_score = 10;  // applies only where the rules scored at least this
  int max_up = 20;     // the most it adds to a score
  int max_down = 30;   // the most it takes away
  double bias = 0;     // points of every message it applies to, before its terms
  std::vector<LexicalWeight> unigrams;
  std::vector<LexicalWeight> bigrams;
  std::string description;
  SourceLocation where;
};

struct Thresholds {
  int review = 30;
  int alert = 60;
  int publish = 90;
};

struct RulePack {
  std::string name;
  std::string version;  // the operator's version, e.g. 2026.11.1
  std::string digest;   // sha256 of the files' bytes, in load order
  Thresholds thresholds;
  std::map<std::string, int> category_caps;
  std::vector<Rule> rules;
  std::vector<Composite> composites;
  std::optional<Lexical> lexical;  // at most one file of a pack sets it
  std::vector<std::string> files;

  // "2026.11.1+sha256:<first 12 hex digits>": what every alert records.
  std::string VersionString() const { return version + "+sha256:" + digest.substr(0, 12); }
};

// Loads and checks a pack file or folder. Errors name file:line, the rule and the reason.
Result<RulePack> LoadPack(const std::filesystem::path& path);

// The digest LoadPack would give the pack at `path` (sha256 over its files' names and bytes),
// without parsing: cheap change detection for hot reload.
Result<std::string> PackDigest(const std::filesystem::path& path);

// Parses pack YAML held in memory (for tests and tools); `file` names it in errors.
Result<RulePack> ParsePack(const std::string& yaml, const std::string& file);

// The cross-rule checks LoadPack and ParsePack end with: ids unique, composite members defined
// (rules, or composites defined above, so there are no cycles), category caps within 0..100, at
// most kMaxSources distinct sources named, and each composite's member_slots filled. Call it on a
// pack built by hand before scoring with it.
Status LinkPack(RulePack* pack);

// The most distinct message sources a pack's `sources` keys may name (scoring keeps a bit each).
inline constexpr size_t kMaxSources = 64;

// The sources of the two input topics (DESIGN.md's input message): the streaming scanner gives a
// record without `source` the one of its topic. A pack or a command line may name others, which
// is legal but more often a typo, so they are warned about.
inline constexpr std::string_view kTipSource = "tip";
inline constexpr std::string_view kPostSource = "post";
inline bool IsTopicSource(std::string_view source) {
  return source == kTipSource || source == kPostSource;
}

}  // namespace centinela::rules
