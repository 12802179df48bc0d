#pragma once
// Matcher: finds which rules of a pack fire on a text, and where.
//
// Two engines, each doing what it is best at (DESIGN.md section 7):
//   1. Hyperscan, one block-mode database per view that has patterns, all of that view's patterns
//      in it (caseless, UTF-8, single-match): one hs_scan per view says which patterns matched.
//   2. RE2 confirms only the patterns Hyperscan reported and recovers every span, which is mapped
//      back to the original text through the view's offset map.
// An engine failure (hs_scan error, scratch allocation) is an Error, never "no match".
//
// Compile once: a Matcher is immutable and shared read-only by every thread. Each thread makes its
// own Context (Hyperscan scratch). Compiled databases are cached on disk, keyed by the patterns,
// their flags, the Hyperscan version and the platform; a cache file whose digest does not check
// out is rebuilt, never trusted.
//
// MatchReference is the RE2-only reference path (every pattern, one by one): ~100x slower, for the
// parity test and the benchmark.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/scan_result.h"
#include "rules/pack.h"
#include "text/normalizer.h"

namespace centinela::rules {

// One rule that fired: its index in RulePack::rules and its spans in the original text (sorted,
// duplicates removed).
struct RuleMatch {
  uint32_t rule = 0;
  std::vector<Span> spans;
};

// Where one pattern matched in its view, for --explain.
struct PatternMatch {
  uint32_t rule = 0;
  uint32_t pattern = 0;  // index in Rule::patterns
  Span view_span;
  Span original_span;
};

class Matcher {
 public:
  struct Options {
    // Where compiled databases are cached; empty disables the cache.
    std::filesystem::path cache_dir;
  };

  // Compiles every pattern with both engines. Errors name file:line, the rule id, the pattern
  // and the engine's reason; patterns that can match the empty string are refused.
  static Result<std::unique_ptr<Matcher>> Compile(const RulePack& pack, const Options& options);
  ~Matcher();
  Matcher(const Matcher&) = delete;  // owns compiled databases; share by pointer
  Matcher& operator=(const Matcher&) = delete;

  // Per-thread state: Hyperscan scratch sized for every database of this Matcher.
  class Context;
  struct ContextDeleter {
    void operator()(Context* context) const;
  };
  using ContextPtr = std::unique_ptr<Context, ContextDeleter>;
  Result<ContextPtr> MakeContext() const;

  // The rules that fired on `text`, in rule order. `out` is cleared first. The same as Candidates
  // then Confirm.
  Status Match(const text::Normalized& text, Context& context, std::vector<RuleMatch>* out) const;

  // Step 1, Hyperscan alone: the rules with a pattern Hyperscan reported on `text`, in rule
  // order, without spans (`rules` is cleared first). Every rule Match returns is among them.
  // The context keeps the reported patterns for Confirm.
  Status Candidates(const text::Normalized& text, Context& context,
                    std::vector<uint32_t>* rules) const;

  // Step 2, RE2: confirms the patterns the last Candidates call on `context` reported for the
  // same `text`, with their spans. `out` is cleared first.
  void Confirm(const text::Normalized& text, Context& context, std::vector<RuleMatch>* out) const;

  // Same contract as Match, through RE2 alone, pattern by pattern.
  Status MatchReference(const text::Normalized& text, std::vector<RuleMatch>* out) const;

  // Every match of every pattern of the given rule, for explanations.
  void ExplainRule(const text::Normalized& text, uint32_t rule,
                   std::vector<PatternMatch>* out) const;

  // Whether the compiled databases came from the disk cache (all of them).
  bool loaded_from_cache() const { return loaded_from_cache_; }
  size_t database_bytes() const;

 private:
  struct Impl;
  explicit Matcher(std::unique_ptr<Impl> impl);
  // One hs_scan per view: the patterns Hyperscan reported, sorted, into the context's hits.
  Status ScanHyperscan(const text::Normalized& text, Context& context) const;
  std::unique_ptr<Impl> impl_;
  bool loaded_from_cache_ = false;
};

// The default cache folder: $CENTINELA_CACHE_DIR, else $XDG_CACHE_HOME/centinela, else
// $HOME/.cache/centinela; empty when none is set.
std::filesystem::path DefaultCacheDir();

}  // namespace centinela::rules

namespace centinela::rules {

// Scanning cost of each rule alone, in nanoseconds per KiB of `sample` (Hyperscan, best of a few
// runs), indexed like RulePack::rules. For the lint that flags rules far above the pack's median:
// timings vary from run to run, so the lint warns rather than refuses.
Result<std::vector<double>> MeasureRuleCosts(const RulePack& pack, std::string_view sample);

// The form of `regex` handed to Hyperscan for patterns on `view`; RE2 always gets the regex as
// written. The folded view has one space for every run of white space (and no tab, newline or
// other white space byte), so there `\s` with a quantifier that allows one character
// (`\s`, `\s+`, `\s{1,n}`) is exactly ` `, and one that also allows none (`\s*`, `\s?`,
// `\s{0,n}`) is exactly ` ?`: the same matches on any text the view can hold. Hyperscan reads
// a literal space as part of the words around it, and finds `por adelantado` with its literal
// matcher instead of running an automaton over every byte: the pack scans about 3x faster.
// `\s` inside a character class, and every pattern on the raw view, are left as written.
std::string HyperscanForm(std::string_view regex, text::View view);

// Whether Hyperscan must scan `hs_regex` (a HyperscanForm) on `view` case-insensitively, as RE2
// always does. The folded view is case-folded: no character in it has another case form, so a
// pattern spelled in lower case finds the same matches there with or without HS_FLAG_CASELESS,
// and Hyperscan's case-sensitive literal matching scans the pack about 10 % faster. False only
// on the folded view, for patterns whose letters are ASCII or Latin-1 lower case (`ñ`, `á`…),
// whose ranges run within a-z or within 0-9, with no `[:upper:]` or `[:lower:]`, and whose
// escapes are punctuation or one of `\b \B \w \W \s \S \d \D \n \r \t \f \v \a \A \z \Z`
// (not `\101`, `\x41`, `\p{Lu}`, `\Q…\E`); true everywhere else.
bool HyperscanCaseless(std::string_view hs_regex, text::View view);

}  // namespace centinela::rules
