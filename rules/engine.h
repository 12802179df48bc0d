#pragma once
// Engine: a compiled, self-tested rule pack and everything needed to judge one text — normalize,
// match (Hyperscan, then RE2), extract entities, score.
//
//   auto engine = LoadEngine("config/rules", {});          // refuses a bad pack with file:line
//   if (!engine.ok()) { print engine.error().message; exit }
//   auto context = (*engine)->MakeContext();               // one per thread
//   ScanResult result;
//   Status s = (*engine)->Scan(message.text, **context, &result);
//
// Build() refuses a pack whose patterns either engine rejects, that can match the empty string,
// or whose own examples do not behave (every `match` example must fire the rule, no `no_match`
// example may), and reports rules whose scanning cost is far above the pack's median as warnings.
//
// An Engine is immutable and shared (std::shared_ptr<const Engine>) by every thread; a hot reload
// builds a new one and swaps the pointer. Scan is const and thread-safe given one Context per
// thread.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/scan_result.h"
#include "rules/entities.h"
#include "rules/lexical.h"
#include "rules/matcher.h"
#include "rules/pack.h"
#include "rules/scorer.h"
#include "text/normalizer.h"

namespace centinela::rules {

struct EngineOptions {
  std::filesystem::path cache_dir;  // compiled-database cache; empty disables it
  bool check_examples = true;       // run every rule's examples (skip only in benchmarks)
  bool measure_costs = true;        // the slow-rule lint
};

class Engine {
 public:
  // warnings (may be null) receives lint findings that do not refuse the pack.
  static Result<std::shared_ptr<const Engine>> Build(RulePack pack, const EngineOptions& options,
                                                     std::vector<std::string>* warnings);
  ~Engine();
  Engine(const Engine&) = delete;  // owns compiled databases; share the pointer
  Engine& operator=(const Engine&) = delete;

  // Per-thread state: Hyperscan scratch, normalization buffers, match lists. Opaque to callers.
  class Context {
   private:
    friend class Engine;
    text::Normalized normalized;
    // The lexical layer's points and top terms for the text in `normalized`, computed at most
    // once per scan (the shortcut of ScanForAlerts and the score both need them).
    bool lexical_ready = false;
    double lexical_points = 0;
    std::vector<LexicalTerm> lexical_top;
    Matcher::ContextPtr matcher;
    std::vector<uint32_t> candidates;
    std::vector<RuleMatch> matches;
  };
  Result<std::unique_ptr<Context>> MakeContext() const;

  // Judges `text` (valid UTF-8) of a message from `source` (the message's `source` field, e.g.
  // "tip" or "post"; empty when it has none), which decides the rules and composites with
  // `sources` (Rule::sources). Fills every field of *out. Errors only on engine failure.
  Status Scan(std::string_view text, Context& context, ScanResult* out,
              std::string_view source = {}) const;

  // Scan for callers that act only on results at `review` or above (the streaming scanner).
  // When the rules Hyperscan reports could not reach review even with every negative weight left
  // out (Scorer::UpperBound), plus what the lexical layer gives the text, it stops there: action
  // none, score 0, no rules, no entities, and no RE2 confirmation, entity extraction or campaign
  // key, which most traffic never needs.
  // Otherwise *out is exactly what Scan gives.
  Status ScanForAlerts(std::string_view text, Context& context, ScanResult* out,
                       std::string_view source = {}) const;

  // Same as Scan, but matching through RE2 alone (the reference for parity tests and benchmarks).
  Status ScanReference(std::string_view text, Context& context, ScanResult* out,
                       std::string_view source = {}) const;

  // A human-readable account of how `text` was judged: its views, every pattern that matched
  // (in its view and in the original), the composites, the score and the action. Rules that
  // matched but do not count for `source` are listed as such, and so are composites kept to other
  // sources that would have fired for one of them.
  Result<std::string> Explain(std::string_view text, Context& context,
                              std::string_view source = {}) const;

  const RulePack& pack() const { return pack_; }
  // "version+sha256:…", recorded in every alert.
  const std::string& version() const { return version_; }
  const Matcher& matcher() const { return *matcher_; }
  const text::Normalizer& normalizer() const { return normalizer_; }

 private:
  Engine() = default;
  // Normalizes `text` into the context and forgets what was computed for the previous text.
  void Normalize(std::string_view text, Context& context) const;
  Status Finish(Context& context, std::string_view source, ScanResult* out) const;
  // The lexical layer's unbounded points for the context's text (the pack must have a layer),
  // with its top terms in context.lexical_top; computed once per text.
  double LexicalPointsOf(Context& context) const;
  // The lexical layer's correction (rules/lexical.h), when the pack has one and the rules' score
  // reaches its min_score: adjusts score and action and adds the `lexical` hit.
  void ApplyLexical(Context& context, ScanResult* out) const;
  // Whether a message whose rules can score at most `rule_bound` could reach review once the
  // lexical layer has added its points.
  bool CouldReachReview(Context& context, int rule_bound) const;

  RulePack pack_;
  std::unique_ptr<Scorer> scorer_;  // reads pack_
  std::unique_ptr<const LexicalScorer> lexical_;  // null when the pack has no lexical section
  std::string version_;
  text::Normalizer normalizer_;
  std::unique_ptr<Matcher> matcher_;
  std::unique_ptr<EntityExtractor> entities_;
};

// LoadPack + Engine::Build.
Result<std::shared_ptr<const Engine>> LoadEngine(const std::filesystem::path& path,
                                                 const EngineOptions& options,
                                                 std::vector<std::string>* warnings = nullptr);

}  // namespace centinela::rules
